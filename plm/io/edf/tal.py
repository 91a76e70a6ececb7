"""EDF+/BDF+ time keeping and annotations (time-stamped annotation lists, TALs).

Times are seconds from the header start date/time; the first data record of an EDF+ file
may start later than that (its time-keeping TAL says when).  EDF+D ("discontinuous")
files are split into continuous :func:`segments`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

import numpy as np
import pandas as pd

from plm.events import InputError
from plm.io.edf.blocks import _signal, read_pass
from plm.io.edf.header import _CONTIGUITY_TOL_S, EdfHeader, read_header

__all__ = [
    "record_onsets",
    "segments",
    "sample_segments",
    "read_annotations",
    "annotations_from_bytes",
]

log = logging.getLogger(__name__)

#: Record onsets further than this from the header start (s) are refused outright (one
#: year; a longer span is not a recording, and 1e300 s would make every rate 0).
MAX_ONSET_S = 366 * 86400.0
#: EDF+C records must be contiguous: their time keeping may differ from
#: ``onset[0] + k * record_duration`` by at most this (s).
EDFC_TOLERANCE_S = 1e-3


# --------------------------------------------------------------------------------------
# EDF+ annotations and time keeping
# --------------------------------------------------------------------------------------


def _annotation_bytes(header: EdfHeader, index: int) -> np.ndarray:
    """Return the raw bytes of annotation signal ``index``, ``(n_records, nbytes)`` uint8."""
    return read_pass(header, [], annotations=[index]).annotation_bytes[index]


def _parse_tal_onset(text: bytes) -> float:
    r"""Parse ``+onset[\x15duration]`` and return the onset (ValueError when malformed)."""
    head = text.split(b"\x15", 1)[0]
    if not head or head[:1] not in (b"+", b"-"):
        raise ValueError(f"TAL onset must start with + or -: {head!r}")
    return float(head)


def record_onsets(header: EdfHeader, raw: np.ndarray | None = None) -> np.ndarray:
    r"""Return the start time of each data record, s from the header start time.

    EDF+/BDF+ files: parsed from the time-keeping TAL (``+onset\x14\x14\x00``) at the
    start of each record's first annotation signal.  Plain EDF/BDF:
    ``arange(n_records) * record_duration_s``.

    Parameters
    ----------
    header : EdfHeader
        From :func:`~plm.io.edf.read_header`.  The onsets are cached on it.
    raw : ndarray, optional
        The bytes of the first annotation signal, ``(n_records, n_bytes)`` uint8, when
        already read (:func:`~plm.io.edf.read_pass`); read from the file otherwise.

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
        if raw is None:
            raw = _annotation_bytes(header, header.annotation_indices[0])
        parsed = _tal_onsets_vectorized(raw)
        if parsed is not None:
            _check_onsets(header, parsed)
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
            _check_onsets(header, parsed)
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


def _check_onsets(header: EdfHeader, onsets: np.ndarray) -> None:
    """Refuse record onsets no recording can have (InputError naming the record).

    Every onset must be a finite number of seconds within :data:`MAX_ONSET_S` of the
    header start; the records of an EDF+C file must follow each other without gaps
    (within :data:`EDFC_TOLERANCE_S`): time keeping that jumps or goes backwards would
    move the recording, or part of it, silently.
    """
    source = str(header.path)
    bad = np.flatnonzero(~np.isfinite(onsets) | (np.abs(onsets) > MAX_ONSET_S))
    if bad.size:
        k = int(bad[0])
        raise InputError(
            f"time keeping of data record {k} is {onsets[k]:g} s, not a time within"
            f" {MAX_ONSET_S / 86400:g} days of the header start",
            source,
        )
    if header.file_type.endswith("+C") and header.record_duration_s > 0 and onsets.size > 1:
        expected = onsets[0] + np.arange(onsets.size) * header.record_duration_s
        off = np.flatnonzero(np.abs(onsets - expected) > EDFC_TOLERANCE_S)
        if off.size:
            k = int(off[0])
            raise InputError(
                f"time keeping of EDF+C data record {k} is {onsets[k]:g} s, expected"
                f" {expected[k]:g} s: the records of an EDF+C file must be contiguous",
                source,
            )


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


def on_time_axis(
    x: np.ndarray, fs_hz: float, slices: list[tuple[float, slice]], duration_s: float
) -> np.ndarray:
    """A signal stored segment after segment (EDF+D) placed on the recording's time axis.

    Parameters
    ----------
    x : ndarray
        The samples, the segments back to back.
    fs_hz : float
        Sampling rate (Hz).
    slices : list of (float, slice)
        Per segment its start (s) and its samples in ``x`` (:func:`sample_segments`).
    duration_s : float
        End of the recording (s).

    Returns
    -------
    ndarray of float32
        ``round(duration_s * fs_hz)`` samples, NaN in the gaps.
    """
    n = int(round(duration_s * fs_hz))
    out = np.full(n, np.nan, dtype=np.float32)
    for t0, sl in slices:  # loop per segment
        a = int(round(t0 * fs_hz))
        piece = x[sl]
        b = min(n, a + piece.size)
        out[a:b] = piece[: b - a]
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
    if header.n_records == 0 or not header.annotation_indices:
        return _empty_annotations()
    got = read_pass(header, [], annotations=header.annotation_indices)
    return annotations_from_bytes(got.annotation_bytes)


def annotations_from_bytes(raw_by_signal: Mapping[int, np.ndarray]) -> pd.DataFrame:
    """Parse the TALs of annotation signals already read (see :func:`read_annotations`).

    Parameters
    ----------
    raw_by_signal : mapping
        ``{annotation signal index: (n_records, n_bytes) uint8}``, as
        :attr:`~plm.io.edf.RecordPass.annotation_bytes`.

    Returns
    -------
    DataFrame
        ``onset`` (s from the header start time), ``duration`` (s), ``description``,
        sorted by onset (stable).
    """
    rows: list[tuple[float, float, str]] = []
    for _, raw in sorted(raw_by_signal.items()):
        # TALs end in \x00 and never straddle records; padding is \x00 too, so the
        # concatenated bytes split cleanly into TALs.  Records holding nothing but
        # their time-keeping TAL (most of a long night) are skipped before parsing.
        rows.extend(_parse_tals(raw[_has_annotations(raw)].tobytes()))
    if not rows:
        return _empty_annotations()
    frame = pd.DataFrame(rows, columns=["onset", "duration", "description"])
    frame = frame.astype({"onset": float, "duration": float, "description": object})
    return frame.sort_values("onset", kind="stable").reset_index(drop=True)
