"""EDF, EDF+ and BDF(+) reading and writing with numpy, one pass over the records.

Why our own reader: reading two leg channels out of an 8-h, 20-channel night must be fast
and light on memory, and the per-record time keeping of EDF+D ("discontinuous") files
must be kept (pyedflib refuses EDF+D, mne and edfio flatten it).

File layout (EDF spec, Kemp et al. 1992; EDF+ spec, Kemp & Olivan 2003): a 256-byte fixed
header, 256 bytes per signal, then ``n_records`` data records.  Each record holds
``samples_per_record[i]`` little-endian int16 (EDF) or int24 (BDF) samples of each signal
in turn.  Physical value = (digital - dmin) * (pmax - pmin) / (dmax - dmin) + pmin.

Times are seconds from the header start date/time ("seconds from header start"); the first
data record of an EDF+ file may start later than that (its time-keeping TAL says when).
Voltage channels are returned in microvolts.

Modules: :mod:`~plm.io.edf.header` (parsing and validating the header),
:mod:`~plm.io.edf.blocks` (the one pass over the data records),
:mod:`~plm.io.edf.tal` (EDF+ time keeping and annotations), :mod:`~plm.io.edf.write`
(the writer).
"""

from plm.io.edf.blocks import RecordPass, read_digital, read_pass, read_signal, read_signals
from plm.io.edf.header import FILE_TYPES, EdfHeader, SignalHeader, read_header, uv_per_unit
from plm.io.edf.tal import (
    annotations_from_bytes,
    on_time_axis,
    read_annotations,
    record_onsets,
    sample_segments,
    segments,
)
from plm.io.edf.write import SignalSpec, write_edf

__all__ = [
    "FILE_TYPES",
    "EdfHeader",
    "SignalHeader",
    "SignalSpec",
    "RecordPass",
    "read_header",
    "read_pass",
    "read_signal",
    "read_signals",
    "read_digital",
    "record_onsets",
    "segments",
    "on_time_axis",
    "sample_segments",
    "read_annotations",
    "annotations_from_bytes",
    "write_edf",
    "uv_per_unit",
]
