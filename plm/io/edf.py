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
"""

from __future__ import annotations

import logging
import math
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from plm._util import atomic_write
from plm.events import InputError

__all__ = [
    "FILE_TYPES",
    "EdfHeader",
    "SignalHeader",
    "SignalSpec",
    "read_header",
    "read_signal",
    "read_signals",
    "read_digital",
    "record_onsets",
    "segments",
    "sample_segments",
    "read_annotations",
    "write_edf",
    "uv_per_unit",
]

log = logging.getLogger(__name__)

#: File types :func:`read_header` reports and :func:`write_edf` accepts.
FILE_TYPES: tuple[str, ...] = ("EDF", "EDF+C", "EDF+D", "BDF", "BDF+C", "BDF+D")

_FIXED_HEADER_BYTES = 256
_BDF_VERSION = b"\xffBIOSEMI"
_ANNOTATION_LABELS = ("edf annotations", "bdf annotations")
_CONTIGUITY_TOL_S = 1e-6
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_EDFPLUS_STARTDATE = re.compile(r"^Startdate\s+(\d{1,2})-([A-Za-z]{3})-(\d{4})\b")

# (name, width) of the per-signal header fields, in file order.
_SIGNAL_FIELDS: tuple[tuple[str, int], ...] = (
    ("label", 16),
    ("transducer", 80),
    ("physical_dimension", 8),
    ("physical_min", 8),
    ("physical_max", 8),
    ("digital_min", 8),
    ("digital_max", 8),
    ("prefilter", 80),
    ("samples_per_record", 8),
    ("reserved", 32),
)

_UV_PER_UNIT: dict[str, float] = {
    "uv": 1.0,
    "\u00b5v": 1.0,  # micro sign
    "\u03bcv": 1.0,  # Greek small mu
    "microvolt": 1.0,
    "microvolts": 1.0,
    "mv": 1e3,
    "millivolt": 1e3,
    "millivolts": 1e3,
    "v": 1e6,
    "volt": 1e6,
    "volts": 1e6,
    "nv": 1e-3,
    "nanovolt": 1e-3,
    "nanovolts": 1e-3,
}


# --------------------------------------------------------------------------------------
# data classes
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignalHeader:
    """Header of one signal (channel) of an EDF/BDF file.

    Attributes
    ----------
    index : int
        Position of the signal in the file (0-based, annotation signals included).
    label, transducer, physical_dimension, prefilter : str
        Header text, trailing spaces removed.
    physical_min, physical_max : float
        Physical range, in ``physical_dimension`` units.
    digital_min, digital_max : int
        Digital range (ADC counts).
    samples_per_record : int
        Samples of this signal in each data record.
    fs_hz : float
        Sampling rate, Hz (``samples_per_record / record_duration_s``; 0 when the record
        duration is 0, as in annotation-only files).
    uv_per_unit : float or None
        Microvolts per physical unit (1 for uV, 1e3 for mV, 1e6 for V, 1e-3 for nV), None
        when the unit is not a voltage.
    resolution_uv : float or None
        Microvolts per digital step, None when the unit is not a voltage.
    is_annotation : bool
        True for an ``EDF Annotations`` / ``BDF Annotations`` signal.
    reserved : str
        The 32-byte reserved field.
    byte_offset : int
        Offset of this signal's samples inside a data record, bytes.
    """

    index: int
    label: str
    transducer: str
    physical_dimension: str
    physical_min: float
    physical_max: float
    digital_min: int
    digital_max: int
    prefilter: str
    samples_per_record: int
    fs_hz: float
    uv_per_unit: float | None
    resolution_uv: float | None
    is_annotation: bool = False
    reserved: str = ""
    byte_offset: int = 0

    @property
    def gain(self) -> float:
        """Physical units per digital step (negative for an inverted physical range)."""
        return (self.physical_max - self.physical_min) / (self.digital_max - self.digital_min)

    @property
    def offset(self) -> float:
        """Physical value of digital 0, in physical units."""
        return self.physical_min - self.gain * self.digital_min

    @property
    def is_voltage(self) -> bool:
        """True when the physical unit is a voltage (uV, mV, V, nV)."""
        return self.uv_per_unit is not None


@dataclass(frozen=True)
class EdfHeader:
    """Header of an EDF/EDF+/BDF/BDF+ file.

    Attributes
    ----------
    path : Path
        The file.
    file_type : str
        One of ``EDF``, ``EDF+C``, ``EDF+D``, ``BDF``, ``BDF+C``, ``BDF+D``.
    start_datetime : datetime
        Start date and time of the recording (naive, local clock time).
    n_records : int
        Number of data records.
    record_duration_s : float
        Duration of one data record, s.
    signals : list of SignalHeader
        All signals, annotation signals included (flagged ``is_annotation``).
    annotation_indices : list of int
        Indices of the EDF+/BDF+ annotation signals.
    duration_s : float
        Amount of recorded data, ``n_records * record_duration_s`` (s).  For EDF+D the
        recording spans longer; see :func:`segments`.
    patient_id, recording_id : str
        The 80-character identification fields.
    header_bytes : int
        Bytes before the first data record (``256 * (n_signals + 1)``).
    record_bytes : int
        Bytes per data record.
    bytes_per_sample : int
        2 (EDF) or 3 (BDF).
    """

    path: Path
    file_type: str
    start_datetime: datetime
    n_records: int
    record_duration_s: float
    signals: list[SignalHeader]
    annotation_indices: list[int]
    duration_s: float
    patient_id: str = ""
    recording_id: str = ""
    header_bytes: int = 0
    record_bytes: int = 0
    bytes_per_sample: int = 2
    _cache: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def is_bdf(self) -> bool:
        """True for BDF/BDF+ (24-bit samples)."""
        return self.file_type.startswith("BDF")

    @property
    def is_plus(self) -> bool:
        """True for EDF+/BDF+ (``+C`` or ``+D``)."""
        return "+" in self.file_type

    @property
    def labels(self) -> list[str]:
        """Labels of all signals, in file order."""
        return [s.label for s in self.signals]

    @property
    def data_signals(self) -> list[SignalHeader]:
        """Signals that are not annotation signals."""
        return [s for s in self.signals if not s.is_annotation]


@dataclass
class SignalSpec:
    """One signal to write with :func:`write_edf`.

    Parameters
    ----------
    label : str
        Signal label (at most 16 ASCII characters).
    data : array of float
        Samples in physical units (``physical_dimension``).
    fs_hz : float
        Sampling rate, Hz; ``fs_hz * record_duration_s`` must be an integer.
    physical_dimension : str
        Unit, e.g. ``uV`` (default), ``mV``, ``V``, ``%``.
    physical_min, physical_max : float or None
        Physical range; None takes the data minimum/maximum.  Values outside the range are
        clipped.
    digital_min, digital_max : int or None
        Digital range; None takes the full range of the format (-32768..32767 for EDF,
        -8388608..8388607 for BDF).
    transducer, prefilter : str
        Header text (at most 80 ASCII characters).
    """

    label: str
    data: np.ndarray
    fs_hz: float
    physical_dimension: str = "uV"
    physical_min: float | None = None
    physical_max: float | None = None
    digital_min: int | None = None
    digital_max: int | None = None
    transducer: str = ""
    prefilter: str = ""


# --------------------------------------------------------------------------------------
# header reading
# --------------------------------------------------------------------------------------


def uv_per_unit(dimension: str) -> float | None:
    """Return microvolts per unit of a physical dimension, or None if not a voltage.

    Parameters
    ----------
    dimension : str
        Physical dimension as written in the header (``uV``, ``µV``, ``mV``, ``V``...),
        case-insensitive.

    Returns
    -------
    float or None
        1 for microvolts, 1e3 for millivolts, 1e6 for volts, 1e-3 for nanovolts.
    """
    return _UV_PER_UNIT.get(dimension.strip().lower())


def _decode_text(raw: bytes) -> str:
    """Decode a header text field (ASCII by the spec; UTF-8 or Latin-1 in the wild)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return text.rstrip(" \x00")


def _parse_number(text: str, name: str, source: str, integer: bool = False, where: str = "") -> Any:
    """Parse a numeric header field; InputError naming the field when it is not a number."""
    s = text.strip().replace(",", ".")
    what = f"header field '{name}'" + (f" {where}" if where else "")
    try:
        value = float(s)
    except ValueError:
        raise InputError(f"{what} is not a number: {text!r}", source) from None
    if not math.isfinite(value):
        raise InputError(f"{what} is not a finite number: {text!r}", source)
    if integer:
        if value != int(value):
            raise InputError(f"{what} is not an integer: {text!r}", source)
        return int(value)
    return value


def _parse_start(date: str, time: str, recording_id: str, plus: bool, source: str) -> datetime:
    """Return the start date/time from ``dd.mm.yy`` + ``hh.mm.ss`` (EDF+ 4-digit year)."""
    dparts = re.split(r"[.:/\-\s]", date.strip())
    tparts = re.split(r"[.:/\-\s]", time.strip())
    year4: int | None = None
    match = _EDFPLUS_STARTDATE.match(recording_id.strip()) if plus else None
    if match and match.group(2).upper() in _MONTHS:
        year4 = int(match.group(3))
    try:
        day, month = int(dparts[0]), int(dparts[1])
        yy_text = dparts[2]
        if year4 is not None:
            year = year4
        else:
            yy = int(yy_text)
            year = 1900 + yy if 85 <= yy <= 99 else 2000 + yy
    except (ValueError, IndexError):
        raise InputError(
            f"header field 'startdate' is not a date dd.mm.yy: {date!r}", source
        ) from None
    try:
        hour, minute, second = (int(p) for p in tparts[:3])
        if len(tparts) != 3:
            raise ValueError
    except ValueError:
        raise InputError(
            f"header field 'starttime' is not a time hh.mm.ss: {time!r}", source
        ) from None
    if match and year4 is not None:
        d4, m4 = int(match.group(1)), _MONTHS.index(match.group(2).upper()) + 1
        if (d4, m4) != (day, month):
            log.warning(
                "%s: EDF+ recording field date %s disagrees with start date %s; using %s",
                source,
                match.group(0),
                date,
                date,
            )
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError:
        raise InputError(
            f"header start date/time is not valid: {date!r} {time!r}", source
        ) from None


def _file_type(version: bytes, reserved: str, source: str) -> tuple[str, int]:
    """Return (file type, bytes per sample) from the version and reserved fields."""
    res = reserved.strip().upper()
    if version == _BDF_VERSION:
        if res.startswith(("BDF+C", "EDF+C")):
            return "BDF+C", 3
        if res.startswith(("BDF+D", "EDF+D")):
            return "BDF+D", 3
        return "BDF", 3
    if version.rstrip(b" \x00") == b"0":
        if res.startswith("EDF+C"):
            return "EDF+C", 2
        if res.startswith("EDF+D"):
            return "EDF+D", 2
        return "EDF", 2
    shown = version.decode("latin-1")
    raise InputError(f"not an EDF/BDF file: version field is {shown!r}, expected '0'", source)


def read_header(path: str | os.PathLike[str]) -> EdfHeader:
    """Read and validate the header of an EDF, EDF+, BDF or BDF+ file.

    Parameters
    ----------
    path : str or path-like
        The file.

    Returns
    -------
    EdfHeader
        The header with one :class:`SignalHeader` per signal.

    Raises
    ------
    InputError
        When the file is empty or shorter than its header, is not EDF/BDF, has a
        non-numeric or inconsistent header field, or is truncated (fewer data bytes than
        the header declares).  Extra trailing bytes only log a warning.
    """
    path = Path(path)
    source = str(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            fixed = fh.read(_FIXED_HEADER_BYTES)
            if size < _FIXED_HEADER_BYTES:
                raise InputError(f"file is shorter than an EDF header ({size} bytes < 256)", source)
            version = fixed[0:8]
            reserved = _decode_text(fixed[192:236])
            file_type, bps = _file_type(version, reserved, source)
            ns = _parse_number(_decode_text(fixed[252:256]), "number of signals", source, True)
            if ns <= 0:
                raise InputError(f"header declares {ns} signals", source)
            header_bytes = _FIXED_HEADER_BYTES * (ns + 1)
            if size < header_bytes:
                raise InputError(
                    f"file is shorter than its header ({size} bytes < {header_bytes} bytes"
                    f" for {ns} signals)",
                    source,
                )
            sig_raw = fh.read(header_bytes - _FIXED_HEADER_BYTES)
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", source) from None

    patient_id = _decode_text(fixed[8:88])
    recording_id = _decode_text(fixed[88:168])
    start = _parse_start(
        _decode_text(fixed[168:176]),
        _decode_text(fixed[176:184]),
        recording_id,
        "+" in file_type,
        source,
    )
    declared_hb = _parse_number(_decode_text(fixed[184:192]), "header bytes", source, True)
    if declared_hb != header_bytes:
        log.warning(
            "%s: header-bytes field says %d, expected %d for %d signals; using %d",
            source,
            declared_hb,
            header_bytes,
            ns,
            header_bytes,
        )
    n_records = _parse_number(_decode_text(fixed[236:244]), "number of data records", source, True)
    record_duration = _parse_number(
        _decode_text(fixed[244:252]), "duration of a data record", source
    )

    fields = _split_signal_fields(sig_raw, ns)
    signals_raw = [
        dict(zip(fields, vals, strict=True)) for vals in zip(*fields.values(), strict=True)
    ]
    signals = _build_signals(signals_raw, record_duration, bps, source)

    annotation_indices = [s.index for s in signals if s.is_annotation]
    annotation_only = len(annotation_indices) == ns
    if record_duration < 0 or (record_duration == 0 and not ("+" in file_type and annotation_only)):
        raise InputError(
            f"header field 'duration of a data record' must be > 0, got {record_duration:g}",
            source,
        )

    record_bytes = sum(s.samples_per_record for s in signals) * bps
    if record_bytes <= 0:
        raise InputError("data records are empty (all samples_per_record are 0)", source)
    data_bytes = size - header_bytes
    if n_records == -1:
        n_records, extra = divmod(data_bytes, record_bytes)
        if extra:
            log.warning(
                "%s: number of records is -1 (unfinished recording); ignoring a trailing"
                " partial record of %d bytes",
                source,
                extra,
            )
    elif n_records < 0:
        raise InputError(f"header declares {n_records} data records", source)
    else:
        expected = n_records * record_bytes
        if data_bytes < expected:
            raise InputError(
                f"truncated: expected {expected} bytes of data records, found {data_bytes}",
                source,
            )
        if data_bytes > expected:
            log.warning(
                "%s: %d extra bytes after the last data record are ignored",
                source,
                data_bytes - expected,
            )

    return EdfHeader(
        path=path,
        file_type=file_type,
        start_datetime=start,
        n_records=int(n_records),
        record_duration_s=float(record_duration),
        signals=signals,
        annotation_indices=annotation_indices,
        duration_s=float(n_records * record_duration),
        patient_id=patient_id,
        recording_id=recording_id,
        header_bytes=header_bytes,
        record_bytes=record_bytes,
        bytes_per_sample=bps,
    )


def _split_signal_fields(raw: bytes, ns: int) -> dict[str, list[str]]:
    """Split the per-signal header block into ``{field name: [text per signal]}``."""
    out: dict[str, list[str]] = {}
    pos = 0
    for name, width in _SIGNAL_FIELDS:
        out[name] = [_decode_text(raw[pos + i * width : pos + (i + 1) * width]) for i in range(ns)]
        pos += ns * width
    return out


def _build_signals(
    raw: list[dict[str, str]], record_duration: float, bps: int, source: str
) -> list[SignalHeader]:
    """Parse and validate the per-signal header fields."""
    signals: list[SignalHeader] = []
    offset = 0
    for i, f in enumerate(raw):
        label = f["label"].strip()
        is_ann = label.lower() in _ANNOTATION_LABELS
        where = f"of signal {i} ({label!r})"
        spr = _parse_number(
            f["samples_per_record"], "samples_per_record", source, True, where=where
        )
        if spr < 0 or (spr == 0 and not is_ann):
            raise InputError(f"samples_per_record {where} must be > 0, got {spr}", source)
        if is_ann:
            # the numeric fields of annotation signals carry no meaning; tolerate junk
            pmin, pmax, dmin, dmax = _lenient_ranges(f)
        else:
            pmin = _parse_number(f["physical_min"], "physical_min", source, where=where)
            pmax = _parse_number(f["physical_max"], "physical_max", source, where=where)
            dmin = _parse_number(f["digital_min"], "digital_min", source, True, where=where)
            dmax = _parse_number(f["digital_max"], "digital_max", source, True, where=where)
            if dmax <= dmin:
                raise InputError(f"digital_max ({dmax}) <= digital_min ({dmin}) {where}", source)
            if pmax == pmin:
                raise InputError(f"physical_max == physical_min ({pmin:g}) {where}", source)
        dimension = f["physical_dimension"].strip()
        upu = None if is_ann else uv_per_unit(dimension)
        resolution = None if upu is None else abs(pmax - pmin) / (dmax - dmin) * upu
        fs = spr / record_duration if record_duration > 0 else 0.0
        signals.append(
            SignalHeader(
                index=i,
                label=label,
                transducer=f["transducer"].strip(),
                physical_dimension=dimension,
                physical_min=float(pmin),
                physical_max=float(pmax),
                digital_min=int(dmin),
                digital_max=int(dmax),
                prefilter=f["prefilter"].strip(),
                samples_per_record=int(spr),
                fs_hz=float(fs),
                uv_per_unit=upu,
                resolution_uv=resolution,
                is_annotation=is_ann,
                reserved=f["reserved"].strip(),
                byte_offset=offset * bps,
            )
        )
        offset += spr
    return signals


def _lenient_ranges(f: dict[str, str]) -> tuple[float, float, int, int]:
    """Physical/digital ranges of an annotation signal, with defaults for junk values."""
    out: list[float] = []
    for key, default in (
        ("physical_min", -1.0),
        ("physical_max", 1.0),
        ("digital_min", -32768),
        ("digital_max", 32767),
    ):
        try:
            out.append(float(f[key].strip().replace(",", ".")))
        except ValueError:
            out.append(default)
    return out[0], out[1], int(out[2]), int(out[3])


# --------------------------------------------------------------------------------------
# sample reading
# --------------------------------------------------------------------------------------


#: Bytes of data records read at a time (one reused buffer).
_BLOCK_BYTES = 16 << 20


def _record_blocks(header: EdfHeader) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(first record, (k, record_bytes) uint8 block)`` over the data records.

    One reused buffer of about 16 MB: reading two leg channels touches each page of the
    file once and keeps only the output arrays resident (a memory map of the whole file
    made the resident size grow by the file size; see benchmarks/README.md).  The block
    is overwritten by the next iteration: copy what you keep.
    """
    n, rb = header.n_records, header.record_bytes
    if n == 0 or rb == 0:
        return
    per = max(1, _BLOCK_BYTES // rb)
    buf = np.empty((min(per, n), rb), dtype=np.uint8)
    try:
        with open(header.path, "rb") as fh:
            fh.seek(header.header_bytes)
            for k0 in range(0, n, per):
                block = buf[: min(per, n - k0)]
                got = fh.readinto(memoryview(block).cast("B"))
                if got != block.size:
                    raise InputError(
                        f"truncated: data records end at record {k0 + got // rb} of {n}",
                        str(header.path),
                    )
                yield k0, block
    except OSError as exc:
        raise InputError(f"cannot read data records: {exc}", str(header.path)) from None


def _signal(header: EdfHeader, index: int) -> SignalHeader:
    """Return signal ``index``; InputError when out of range."""
    if not 0 <= index < len(header.signals):
        raise InputError(
            f"signal index {index} out of range (file has {len(header.signals)} signals)",
            str(header.path),
        )
    return header.signals[index]


def _digital(records: np.ndarray, sig: SignalHeader, bps: int) -> np.ndarray:
    """Return the digital samples of ``sig`` as a ``(n_records, spr)`` int16/int32 array."""
    n = records.shape[0]
    spr = sig.samples_per_record
    cols = records[:, sig.byte_offset : sig.byte_offset + spr * bps]
    if bps == 2:
        # the last axis is contiguous, so this views the block without copying
        return cols.view("<i2").reshape(n, spr)
    # int24: put the three bytes in the top of a little-endian int32, shift back (sign-extends)
    quad = np.zeros((n, spr, 4), dtype=np.uint8)
    quad[:, :, 1:] = cols.reshape(n, spr, 3)
    return quad.view("<i4").reshape(n, spr) >> 8


def _to_physical(digital: np.ndarray, sig: SignalHeader, dtype: Any) -> np.ndarray:
    """Scale digital samples to physical values (µV for voltage channels), flattened."""
    factor = sig.uv_per_unit if sig.uv_per_unit is not None else 1.0
    gain = np.asarray(sig.gain * factor, dtype=dtype)
    offset = np.asarray(sig.offset * factor, dtype=dtype)
    out = digital.astype(dtype).reshape(-1)
    np.multiply(out, gain, out=out)
    np.add(out, offset, out=out)
    return out


def read_signals(
    header: EdfHeader, indices: Sequence[int], dtype: Any = np.float32
) -> list[np.ndarray]:
    """Read several signals in one pass over the data records.

    Parameters
    ----------
    header : EdfHeader
        From :func:`read_header`.
    indices : sequence of int
        Signal indices (not annotation signals).
    dtype : numpy dtype
        Output float type (float32 by default).

    Returns
    -------
    list of ndarray
        One contiguous 1-D array of ``n_records * samples_per_record`` physical values per
        signal, in µV for voltage channels and in the header unit otherwise.

    Raises
    ------
    InputError
        For an index out of range or an annotation signal.
    """
    sigs = [_signal(header, int(i)) for i in indices]
    for sig in sigs:
        if sig.is_annotation:
            raise InputError(
                f"signal {sig.index} ({sig.label!r}) is an annotation signal", str(header.path)
            )
    outs = [np.empty(header.n_records * sig.samples_per_record, dtype=dtype) for sig in sigs]
    for k0, block in _record_blocks(header):
        for sig, out in zip(sigs, outs, strict=True):
            spr = sig.samples_per_record
            phys = _to_physical(_digital(block, sig, header.bytes_per_sample), sig, dtype)
            out[k0 * spr : k0 * spr + phys.size] = phys
    return outs


def read_signal(header: EdfHeader, index: int, dtype: Any = np.float32) -> np.ndarray:
    """Read one signal in physical units (µV for voltage channels).

    Only the bytes of this signal are copied out of the file's data records.  Scale and
    offset are computed in float64 and applied in ``dtype``.

    Parameters
    ----------
    header : EdfHeader
        From :func:`read_header`.
    index : int
        Signal index.
    dtype : numpy dtype
        Output float type (float32 by default).

    Returns
    -------
    ndarray
        ``n_records * samples_per_record`` samples at the signal's native rate
        (``fs_hz``), records concatenated (gaps of EDF+D files are not filled: see
        :func:`sample_segments`).
    """
    return read_signals(header, [index], dtype=dtype)[0]


def read_digital(header: EdfHeader, index: int) -> np.ndarray:
    """Return the raw digital samples (int16 for EDF, int32 for BDF) of one signal, 1-D."""
    sig = _signal(header, index)
    parts = [
        _digital(block, sig, header.bytes_per_sample).reshape(-1).copy()
        for _, block in _record_blocks(header)
    ]
    dtype = "<i2" if header.bytes_per_sample == 2 else "<i4"
    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)


# --------------------------------------------------------------------------------------
# EDF+ annotations and time keeping
# --------------------------------------------------------------------------------------


def _annotation_bytes(header: EdfHeader, index: int) -> np.ndarray:
    """Return the raw bytes of annotation signal ``index``, ``(n_records, nbytes)`` uint8."""
    sig = header.signals[index]
    nbytes = sig.samples_per_record * header.bytes_per_sample
    out = np.empty((header.n_records, nbytes), dtype=np.uint8)
    for k0, block in _record_blocks(header):
        out[k0 : k0 + len(block)] = block[:, sig.byte_offset : sig.byte_offset + nbytes]
    return out


def _parse_tal_onset(text: bytes) -> float:
    r"""Parse ``+onset[\x15duration]`` and return the onset (ValueError when malformed)."""
    head = text.split(b"\x15", 1)[0]
    if not head or head[:1] not in (b"+", b"-"):
        raise ValueError(f"TAL onset must start with + or -: {head!r}")
    return float(head)


def record_onsets(header: EdfHeader) -> np.ndarray:
    r"""Return the start time of each data record, s from the header start time.

    EDF+/BDF+ files: parsed from the time-keeping TAL (``+onset\x14\x14\x00``) at the
    start of each record's first annotation signal.  Plain EDF/BDF:
    ``arange(n_records) * record_duration_s``.

    Raises
    ------
    InputError
        For an EDF+D file whose records lack a readable time-keeping TAL.  (For EDF+C
        the regular grid is used instead, with a warning.)
    """
    cached = header._cache.get("record_onsets")
    if cached is not None:
        return cached.copy()
    n = header.n_records
    grid = np.arange(n, dtype=np.float64) * header.record_duration_s
    onsets = grid
    if header.is_plus and header.annotation_indices and n > 0:
        raw = _annotation_bytes(header, header.annotation_indices[0])
        parsed = _tal_onsets_vectorized(raw)
        if parsed is not None:
            header._cache["record_onsets"] = parsed
            return parsed.copy()
        parsed = np.empty(n, dtype=np.float64)
        bad = -1
        for k, row in enumerate(raw):  # slow path, names the first bad record
            head = row[: min(row.size, 64)].tobytes().split(b"\x14", 1)[0]
            try:
                parsed[k] = _parse_tal_onset(head)
            except ValueError:
                bad = k
                break
        if bad < 0:
            onsets = parsed
        elif header.file_type.endswith("+D"):
            raise InputError(
                f"EDF+D data record {bad} has no time-keeping annotation", str(header.path)
            )
        else:
            log.warning(
                "%s: data record %d has no time-keeping annotation; assuming contiguous"
                " records from 0 s",
                header.path,
                bad,
            )
    header._cache["record_onsets"] = onsets
    return onsets.copy()


def _has_annotations(raw: np.ndarray) -> np.ndarray:
    r"""Rows (records) whose annotation bytes hold more than a time-keeping TAL.

    A record is skipped only when its first TAL has the exact time-keeping form
    ``...\x14\x14\x00`` and every byte after it is padding (``\x00``).
    """
    if raw.size == 0:
        return np.zeros(raw.shape[0], dtype=bool)
    nonzero = raw != 0
    first_zero = np.where((~nonzero).any(axis=1), (~nonzero).argmax(axis=1), raw.shape[1])
    after = (nonzero & (np.arange(raw.shape[1])[None, :] > first_zero[:, None])).any(axis=1)
    rows = np.arange(raw.shape[0])

    def byte_at(offset: int) -> np.ndarray:
        return raw[rows, np.clip(first_zero - offset, 0, raw.shape[1] - 1)]

    timekeeping = (first_zero >= 3) & (byte_at(1) == 0x14) & (byte_at(2) == 0x14)
    timekeeping &= byte_at(3) != 0x14
    return after | ~timekeeping


def _tal_onsets_vectorized(raw: np.ndarray) -> np.ndarray | None:
    r"""Onsets of the time-keeping TALs of all records at once, or None to fall back.

    Each record's first TAL starts ``+onset\x14``: the bytes before the first ``\x14``
    are turned into fixed-width strings and converted by numpy in one call (an 8-h night
    has 28,800 records).  Anything unusual (no ``\x14`` in the first 64 bytes, a
    duration field, a sign missing, text numpy cannot parse) returns None and the caller
    parses record by record.
    """
    head = raw[:, :64]
    is_sep = head == 0x14
    has = is_sep.any(axis=1)
    if not has.all() or not np.isin(head[:, 0], (ord("+"), ord("-"))).all():
        return None
    end = is_sep.argmax(axis=1)
    text = np.where(np.arange(head.shape[1])[None, :] < end[:, None], head, ord(" "))
    if (text == 0x15).any():
        return None
    try:
        strings = np.ascontiguousarray(text.astype(np.uint8)).view(f"S{head.shape[1]}")
        return strings.ravel().astype(np.float64)
    except ValueError:
        return None


def segments(header: EdfHeader) -> np.ndarray:
    """Return the continuous stretches of recording as ``[start_s, end_s)`` rows.

    Consecutive records are contiguous when ``onset[k+1] == onset[k] + record_duration``
    (within 1 µs); EDF+C and plain EDF files are one segment.  Times are s from the header
    start time (the first record may start after it).

    Returns
    -------
    ndarray of float, shape (n_segments, 2)
        Empty ``(0, 2)`` when the file has no data records.

    Raises
    ------
    InputError
        When EDF+D record onsets overlap or go backwards.
    """
    onsets = record_onsets(header)
    rd = header.record_duration_s
    if onsets.size == 0:
        return np.zeros((0, 2), dtype=np.float64)
    if not header.file_type.endswith("+D"):
        return np.array([[onsets[0], onsets[0] + onsets.size * rd]], dtype=np.float64)
    step = np.diff(onsets) - rd
    if np.any(step < -_CONTIGUITY_TOL_S):
        k = int(np.argmax(step < -_CONTIGUITY_TOL_S))
        raise InputError(
            f"EDF+D data record {k + 1} starts at {onsets[k + 1]:g} s, before the end of"
            f" record {k} ({onsets[k] + rd:g} s)",
            str(header.path),
        )
    breaks = np.flatnonzero(step > _CONTIGUITY_TOL_S) + 1
    first = np.concatenate(([0], breaks))
    last = np.concatenate((breaks - 1, [onsets.size - 1]))
    return np.column_stack((onsets[first], onsets[last] + rd))


def sample_segments(header: EdfHeader, index: int) -> list[tuple[float, slice]]:
    """Return, per continuous segment, its start time and the matching sample slice.

    Parameters
    ----------
    header : EdfHeader
        From :func:`read_header`.
    index : int
        Signal index.

    Returns
    -------
    list of (float, slice)
        ``(start_s, slice)`` per segment, where the slice indexes the array returned by
        :func:`read_signal` for that signal.
    """
    spr = _signal(header, index).samples_per_record
    onsets = record_onsets(header)
    segs = segments(header)
    rd = header.record_duration_s
    out: list[tuple[float, slice]] = []
    k0 = 0
    for start, end in segs:
        n_rec = round((end - start) / rd) if rd > 0 else onsets.size
        out.append((float(start), slice(k0 * spr, (k0 + n_rec) * spr)))
        k0 += n_rec
    return out


def _parse_tals(blob: bytes) -> list[tuple[float, float, str]]:
    """Parse concatenated TALs into ``(onset, duration, text)``; empty texts skipped."""
    out: list[tuple[float, float, str]] = []
    for tal in blob.split(b"\x00"):
        if not tal:
            continue
        parts = tal.split(b"\x14")
        head = parts[0]
        try:
            onset = _parse_tal_onset(head)
            dur_text = head.split(b"\x15", 1)[1] if b"\x15" in head else b""
            duration = float(dur_text) if dur_text.strip() else 0.0
        except ValueError:
            log.warning("skipping malformed EDF+ TAL %r", tal[:40])
            continue
        for text in parts[1:]:
            if text:
                out.append((onset, duration, text.decode("utf-8", errors="replace")))
    return out


def _empty_annotations() -> pd.DataFrame:
    """Return an empty onset/duration/description table."""
    return pd.DataFrame(
        {
            "onset": pd.Series(dtype=float),
            "duration": pd.Series(dtype=float),
            "description": pd.Series(dtype=object),
        }
    )


def read_annotations(path_or_header: str | os.PathLike[str] | EdfHeader) -> pd.DataFrame:
    """Read the EDF+/BDF+ annotations (TALs) of a file.

    Time-keeping TALs (empty text) are left out.  A TAL can carry several annotations;
    a record can carry several TALs; every annotation signal is read.  Text is decoded as
    UTF-8 (undecodable bytes replaced).

    Parameters
    ----------
    path_or_header : str, path-like or EdfHeader
        The file, or its header.

    Returns
    -------
    DataFrame
        Columns ``onset`` (s from the header start time), ``duration`` (s, 0.0 when the
        TAL has none) and ``description`` (str), sorted by onset (stable).  Empty (with
        those columns) when the file has no annotations.
    """
    header = (
        path_or_header if isinstance(path_or_header, EdfHeader) else read_header(path_or_header)
    )
    rows: list[tuple[float, float, str]] = []
    for idx in header.annotation_indices:
        if header.n_records == 0:
            break
        # TALs end in \x00 and never straddle records; padding is \x00 too, so the
        # concatenated bytes split cleanly into TALs.  Records holding nothing but
        # their time-keeping TAL (most of a long night) are skipped before parsing.
        raw = _annotation_bytes(header, idx)
        rows.extend(_parse_tals(raw[_has_annotations(raw)].tobytes()))
    if not rows:
        return _empty_annotations()
    frame = pd.DataFrame(rows, columns=["onset", "duration", "description"])
    frame = frame.astype({"onset": float, "duration": float, "description": object})
    return frame.sort_values("onset", kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------


def _fmt_number(value: float, width: int = 8, direction: str = "nearest") -> str:
    """Format a number in at most ``width`` characters without exponent.

    ``direction`` ``"down"``/``"up"`` rounds toward -inf/+inf so that a physical minimum
    stays <= and a maximum >= the value; ``"nearest"`` rounds to nearest.
    """
    for decimals in range(width - 1, -1, -1):
        scale = 10.0**decimals
        if direction == "down":
            v = math.floor(value * scale) / scale
        elif direction == "up":
            v = math.ceil(value * scale) / scale
        else:
            v = round(value, decimals)
        text = f"{v:.{decimals}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        if text in ("-0", ""):
            text = "0"
        if len(text) <= width:
            return text
    raise ValueError(f"{value!r} does not fit in {width} characters")


def _fmt_seconds(value: float) -> str:
    """Format a TAL time (+/- seconds, up to 9 decimals, no exponent)."""
    text = f"{abs(value):.9f}".rstrip("0").rstrip(".")
    return ("-" if value < 0 else "+") + (text or "0")


def _field(text: str, width: int, name: str, source: str) -> bytes:
    """Encode an ASCII header field padded with spaces; InputError if it does not fit."""
    try:
        raw = text.encode("ascii")
    except UnicodeEncodeError:
        raise InputError(f"header field '{name}' must be ASCII: {text!r}", source) from None
    if len(raw) > width:
        raise InputError(
            f"header field '{name}' is longer than {width} characters: {text!r}", source
        )
    return raw.ljust(width, b" ")


@dataclass
class _PreparedSignal:
    """A signal ready to digitize: ranges fixed to what the header will say."""

    spec: SignalSpec
    data: np.ndarray
    spr: int
    pmin_text: str
    pmax_text: str
    dmin: int
    dmax: int

    @property
    def pmin(self) -> float:
        return float(self.pmin_text)

    @property
    def pmax(self) -> float:
        return float(self.pmax_text)


def _prepare_signal(
    spec: SignalSpec, record_duration_s: float, bdf: bool, source: str
) -> _PreparedSignal:
    """Check one :class:`SignalSpec` and fix its header ranges."""
    data = np.asarray(spec.data, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(data)):
        raise InputError(f"signal {spec.label!r} contains NaN or infinite values", source)
    spr_f = spec.fs_hz * record_duration_s
    spr = round(spr_f)
    if spr <= 0 or abs(spr - spr_f) > 1e-6:
        raise InputError(
            f"signal {spec.label!r}: fs {spec.fs_hz:g} Hz x record duration"
            f" {record_duration_s:g} s = {spr_f:g} is not a positive whole number of samples",
            source,
        )
    full = (-8388608, 8388607) if bdf else (-32768, 32767)
    dmin = full[0] if spec.digital_min is None else int(spec.digital_min)
    dmax = full[1] if spec.digital_max is None else int(spec.digital_max)
    if not full[0] <= dmin < dmax <= full[1]:
        raise InputError(
            f"signal {spec.label!r}: digital range [{dmin}, {dmax}] invalid for"
            f" {'BDF' if bdf else 'EDF'}",
            source,
        )
    lo = (
        spec.physical_min
        if spec.physical_min is not None
        else (float(data.min()) if data.size else -1.0)
    )
    hi = (
        spec.physical_max
        if spec.physical_max is not None
        else (float(data.max()) if data.size else 1.0)
    )
    if lo == hi:
        lo, hi = lo - 1.0, hi + 1.0
    inverted = lo > hi
    try:
        if inverted:
            pmin_text, pmax_text = _fmt_number(lo, 8, "up"), _fmt_number(hi, 8, "down")
        else:
            pmin_text, pmax_text = _fmt_number(lo, 8, "down"), _fmt_number(hi, 8, "up")
    except ValueError:
        raise InputError(
            f"signal {spec.label!r}: physical range [{lo:g}, {hi:g}] does not fit the"
            " 8-character header fields",
            source,
        ) from None
    if float(pmin_text) == float(pmax_text):
        raise InputError(
            f"signal {spec.label!r}: physical range [{lo:g}, {hi:g}] too narrow for the"
            " 8-character header fields; use a smaller unit",
            source,
        )
    return _PreparedSignal(spec, data, spr, pmin_text, pmax_text, dmin, dmax)


def _digitize(x: np.ndarray, sig: _PreparedSignal) -> np.ndarray:
    """Physical → digital (rounded, clipped to the digital range), int32."""
    scale = (sig.dmax - sig.dmin) / (sig.pmax - sig.pmin)
    d = np.rint((x - sig.pmin) * scale + sig.dmin)
    np.clip(d, sig.dmin, sig.dmax, out=d)
    return d.astype(np.int32)


def _tal(onset: float, duration: float, text: str) -> bytes:
    """Encode one annotation TAL."""
    head = _fmt_seconds(onset)
    if duration and duration > 0:
        head += "\x15" + _fmt_seconds(duration)[1:]
    return head.encode("ascii") + b"\x14" + text.encode("utf-8") + b"\x14\x00"


def _timekeeping_tal(onset: float) -> bytes:
    """Encode the time-keeping TAL that opens each data record."""
    return _fmt_seconds(onset).encode("ascii") + b"\x14\x14\x00"


def _annotation_frame(annotations: pd.DataFrame | None, source: str) -> pd.DataFrame:
    """Validate and sort the annotations to write."""
    if annotations is None or len(annotations) == 0:
        return _empty_annotations()
    missing = {"onset", "description"} - set(annotations.columns)
    if missing:
        raise InputError(f"annotations lack column(s) {sorted(missing)}", source)
    frame = pd.DataFrame(
        {
            "onset": pd.to_numeric(annotations["onset"], errors="coerce").astype(float),
            "duration": (
                pd.to_numeric(annotations["duration"], errors="coerce").fillna(0.0).astype(float)
                if "duration" in annotations.columns
                else 0.0
            ),
            "description": annotations["description"].astype(str),
        }
    )
    if frame["onset"].isna().any():
        raise InputError("annotation onsets must be numbers", source)
    bad = frame["description"].str.contains("[\x00\x14\x15]", regex=True)
    if bad.any() or (frame["description"] == "").any():
        raise InputError(
            "annotation descriptions must be non-empty and free of \\x00, \\x14, \\x15",
            source,
        )
    return frame.sort_values("onset", kind="stable").reset_index(drop=True)


def _pack_annotations(
    tals: list[bytes], natural: np.ndarray, onsets: np.ndarray
) -> tuple[list[bytearray], int]:
    """Distribute annotation TALs over records; return per-record TAL bytes and capacity.

    Each record gets its time-keeping TAL, then the annotations whose onset falls in it;
    a record that would overflow the capacity passes annotations on to the next record.
    The capacity (bytes) starts at the even share and grows until everything fits.
    """
    n = onsets.size
    keep = [_timekeeping_tal(t) for t in onsets]
    base = max(len(k) for k in keep)
    total = sum(len(t) for t in tals)
    largest = max((len(t) for t in tals), default=0)
    capacity = max(base + largest, base + -(-total // n), 64)
    while True:
        blocks = [bytearray(k) for k in keep]
        rec = 0
        ok = True
        for tal, nat in zip(tals, natural, strict=True):  # per annotation, not per sample
            rec = max(rec, int(nat))
            while rec < n and len(blocks[rec]) + len(tal) > capacity:
                rec += 1
            if rec >= n:
                ok = False
                break
            blocks[rec] += tal
        if ok:
            return blocks, capacity
        capacity = int(capacity * 1.5) + 1


def write_edf(
    path: str | os.PathLike[str],
    signals: Sequence[SignalSpec],
    start_datetime: datetime,
    annotations: pd.DataFrame | None = None,
    record_duration_s: float = 1.0,
    file_type: str = "EDF+C",
    record_onsets_s: Sequence[float] | np.ndarray | None = None,
    patient_id: str = "X X X X",
    recording_id: str | None = None,
) -> Path:
    """Write signals (and EDF+ annotations) to an EDF, EDF+C, EDF+D, BDF or BDF+ file.

    The file is written atomically (temporary file renamed over ``path``).  Each signal is
    digitized with rounding and clipped to its digital range; the header's 8-character
    physical range is rounded outward so reading back is within half a digital step.  A
    signal that does not fill its last data record is padded with physical 0 (clipped to
    the range).  EDF+/BDF+ files always get one annotation signal holding the time-keeping
    TAL of each record and the annotations, placed in the record containing their onset
    (or a later one when a record is full); its size is set by the fullest record.

    Parameters
    ----------
    path : str or path-like
        Output file.
    signals : sequence of SignalSpec
        Signals in physical units.  May be empty for an annotation-only EDF+ file, which
        gets ``max(1, ceil(last annotation end / record_duration_s))`` records.
    start_datetime : datetime
        Start date/time (local clock; year 1985-2084; sub-second part dropped).
    annotations : DataFrame, optional
        Columns ``onset`` (s from start), ``description`` and optionally ``duration`` (s).
        Needs an EDF+/BDF+ file type.
    record_duration_s : float
        Duration of a data record, s (> 0, at most 8 characters in the header).
    file_type : str
        ``EDF+C`` (default), ``EDF+D``, ``EDF``, ``BDF``, ``BDF+C`` or ``BDF+D``.
    record_onsets_s : sequence of float, optional
        Onset of each data record (s from start), needed for gaps in EDF+D/BDF+D; one per
        record, each at least one record duration after the previous.  Default: contiguous
        from 0.
    patient_id, recording_id : str
        Header identification (80 ASCII characters).  ``recording_id`` defaults to
        ``Startdate dd-MMM-yyyy X X X``.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    InputError
        For inconsistent input (non-integer samples per record, signals of different
        durations, labels too long or not ASCII, annotations in plain EDF, overlapping
        record onsets...).
    """
    path = Path(path)
    source = str(path)
    if file_type not in FILE_TYPES:
        raise InputError(f"file_type must be one of {FILE_TYPES}, got {file_type!r}", source)
    bdf = file_type.startswith("BDF")
    plus = "+" in file_type
    bps = 3 if bdf else 2
    if not (record_duration_s > 0):
        raise InputError(f"record_duration_s must be > 0, got {record_duration_s!r}", source)
    rd_text = _fmt_number(record_duration_s, 8, "nearest")
    if abs(float(rd_text) - record_duration_s) > 1e-12 * max(1.0, record_duration_s):
        raise InputError(
            f"record_duration_s {record_duration_s!r} cannot be written exactly in 8 characters",
            source,
        )
    ann = _annotation_frame(annotations, source)
    if len(ann) and not plus:
        raise InputError(f"annotations need an EDF+ or BDF+ file type, not {file_type}", source)
    if not signals and not plus:
        raise InputError("a plain EDF/BDF file needs at least one signal", source)

    prepared = [_prepare_signal(s, record_duration_s, bdf, source) for s in signals]
    n_records = _count_records(prepared, ann, record_duration_s, record_onsets_s, source)
    onsets = _check_onsets(record_onsets_s, n_records, record_duration_s, file_type, source)

    ann_blocks: list[bytearray] = []
    ann_spr = 0
    if plus:
        tals = [
            _tal(o, d, t)
            for o, d, t in zip(ann["onset"], ann["duration"], ann["description"], strict=True)
        ]
        natural = np.clip(np.searchsorted(onsets, ann["onset"].to_numpy(), "right") - 1, 0, None)
        ann_blocks, capacity = _pack_annotations(tals, natural, onsets)
        ann_spr = -(-capacity // bps)

    header = _header_bytes(
        prepared,
        file_type,
        start_datetime,
        n_records,
        rd_text,
        ann_spr,
        patient_id,
        recording_id,
        source,
    )
    record_bytes = (sum(p.spr for p in prepared) + ann_spr) * bps
    with atomic_write(path, "wb") as fh:
        fh.write(header)
        chunk = max(1, (8 << 20) // max(record_bytes, 1))  # about 8 MB per write
        for k0 in range(0, n_records, chunk):  # one block of records at a time
            k1 = min(n_records, k0 + chunk)
            fh.write(_record_block(prepared, ann_blocks, ann_spr, k0, k1, bps).tobytes())
    log.debug("wrote %s: %s, %d records of %g s", path, file_type, n_records, record_duration_s)
    return path


def _count_records(
    prepared: list[_PreparedSignal],
    ann: pd.DataFrame,
    record_duration_s: float,
    record_onsets_s: Sequence[float] | np.ndarray | None,
    source: str,
) -> int:
    """Return the number of data records needed; InputError when signal durations disagree."""
    if prepared:
        counts = [-(-p.data.size // p.spr) for p in prepared]
        n = max(counts)
        if min(counts) != n:
            short = prepared[int(np.argmin(counts))].spec.label
            raise InputError(
                f"signals differ in duration: {short!r} fills {min(counts)} records of"
                f" {record_duration_s:g} s, others {n}",
                source,
            )
        return max(n, 0)
    if record_onsets_s is not None:
        return max(1, len(record_onsets_s))
    end = float((ann["onset"] + ann["duration"]).max()) if len(ann) else 0.0
    return max(1, math.ceil(end / record_duration_s - 1e-9))


def _check_onsets(
    record_onsets_s: Sequence[float] | np.ndarray | None,
    n_records: int,
    record_duration_s: float,
    file_type: str,
    source: str,
) -> np.ndarray:
    """Validate the record onsets (default: contiguous from 0)."""
    grid = np.arange(n_records, dtype=np.float64) * record_duration_s
    if record_onsets_s is None:
        return grid
    onsets = np.asarray(record_onsets_s, dtype=np.float64).reshape(-1)
    if onsets.size != n_records:
        raise InputError(
            f"record_onsets_s has {onsets.size} onsets for {n_records} data records", source
        )
    if not np.all(np.isfinite(onsets)):
        raise InputError("record_onsets_s must be finite", source)
    step = np.diff(onsets) - record_duration_s
    if np.any(step < -_CONTIGUITY_TOL_S):
        raise InputError("record_onsets_s must increase by at least one record duration", source)
    if not file_type.endswith("+D"):
        if np.any(np.abs(step) > _CONTIGUITY_TOL_S):
            raise InputError(f"record onsets with gaps need EDF+D/BDF+D, not {file_type}", source)
        if "+" not in file_type and onsets.size and abs(onsets[0]) > _CONTIGUITY_TOL_S:
            raise InputError("a plain EDF/BDF file must start its first record at 0 s", source)
    return onsets


def _header_bytes(
    prepared: list[_PreparedSignal],
    file_type: str,
    start: datetime,
    n_records: int,
    rd_text: str,
    ann_spr: int,
    patient_id: str,
    recording_id: str | None,
    source: str,
) -> bytes:
    """Build the full header (fixed part and per-signal fields)."""
    bdf = file_type.startswith("BDF")
    if not 1985 <= start.year <= 2084:
        raise InputError(f"start year {start.year} outside the EDF range 1985-2084", source)
    if start.microsecond:
        log.warning("%s: start time fraction of %d µs dropped", source, start.microsecond)
    if recording_id is None:
        month = _MONTHS[start.month - 1]
        recording_id = f"Startdate {start.day:02d}-{month}-{start.year} X X X"
    reserved = {"EDF": "", "BDF": "24BIT"}.get(file_type, file_type)
    labels = [p.spec.label for p in prepared]
    n_ann = 1 if "+" in file_type else 0
    ns = len(prepared) + n_ann
    rows: list[dict[str, str]] = [
        {
            "label": p.spec.label,
            "transducer": p.spec.transducer,
            "physical_dimension": p.spec.physical_dimension,
            "physical_min": p.pmin_text,
            "physical_max": p.pmax_text,
            "digital_min": str(p.dmin),
            "digital_max": str(p.dmax),
            "prefilter": p.spec.prefilter,
            "samples_per_record": str(p.spr),
            "reserved": "",
        }
        for p in prepared
    ]
    if n_ann:
        full = (-8388608, 8388607) if bdf else (-32768, 32767)
        rows.append(
            {
                "label": "BDF Annotations" if bdf else "EDF Annotations",
                "transducer": "",
                "physical_dimension": "",
                "physical_min": "-1",
                "physical_max": "1",
                "digital_min": str(full[0]),
                "digital_max": str(full[1]),
                "prefilter": "",
                "samples_per_record": str(ann_spr),
                "reserved": "",
            }
        )
    if len(set(labels)) != len(labels):
        log.warning("%s: duplicate signal labels %s", source, labels)
    out = bytearray()
    out += _BDF_VERSION if bdf else b"0".ljust(8)
    out += _field(patient_id, 80, "patient_id", source)
    out += _field(recording_id, 80, "recording_id", source)
    out += start.strftime("%d.%m.%y").encode("ascii")
    out += start.strftime("%H.%M.%S").encode("ascii")
    out += _field(str(256 * (ns + 1)), 8, "header bytes", source)
    out += _field(reserved, 44, "reserved", source)
    out += _field(str(n_records), 8, "number of data records", source)
    out += _field(rd_text, 8, "duration of a data record", source)
    out += _field(str(ns), 4, "number of signals", source)
    for name, width in _SIGNAL_FIELDS:
        for row in rows:
            out += _field(row[name], width, name, source)
    return bytes(out)


def _record_block(
    prepared: list[_PreparedSignal],
    ann_blocks: list[bytearray],
    ann_spr: int,
    k0: int,
    k1: int,
    bps: int,
) -> np.ndarray:
    """Build data records ``k0..k1-1`` as a ``(k1 - k0, record_bytes)`` uint8 array."""
    n = k1 - k0
    record_bytes = (sum(p.spr for p in prepared) + ann_spr) * bps
    block = np.zeros((n, record_bytes), dtype=np.uint8)
    col = 0
    for p in prepared:
        x = p.data[k0 * p.spr : k1 * p.spr]
        if x.size < n * p.spr:  # last record: pad with physical zero
            x = np.concatenate((x, np.zeros(n * p.spr - x.size)))
        d = _digitize(x, p).astype("<i4").reshape(n, p.spr)
        if bps == 2:
            raw = d.astype("<i2").view(np.uint8).reshape(n, 2 * p.spr)
        else:
            raw = d.view(np.uint8).reshape(n, p.spr, 4)[:, :, :3].reshape(n, 3 * p.spr)
        block[:, col : col + raw.shape[1]] = raw
        col += raw.shape[1]
    if ann_spr:
        for i, k in enumerate(range(k0, k1)):  # annotation bytes: small, one copy per record
            tal = ann_blocks[k]
            block[i, col : col + len(tal)] = np.frombuffer(bytes(tal), dtype=np.uint8)
    return block
