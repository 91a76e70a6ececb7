"""Writing EDF, EDF+ (C or D) and BDF(+) files: :class:`SignalSpec` and :func:`write_edf`."""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from plm._util import atomic_write
from plm.events import InputError
from plm.io.edf.header import (
    _BDF_VERSION,
    _CONTIGUITY_TOL_S,
    _MONTHS,
    _SIGNAL_FIELDS,
    FILE_TYPES,
)
from plm.io.edf.tal import _empty_annotations

__all__ = ["SignalSpec", "write_edf"]

log = logging.getLogger(__name__)


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
