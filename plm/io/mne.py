"""MNE-Python ``Raw`` objects in: the adapter that builds a :class:`Recording` from a Raw.

Most sleep researchers who script in Python hold their recordings as ``mne.io.Raw``
objects (MNE, YASA and sleepecg work that way), and MNE reads a dozen formats besides
EDF (BrainVision, FIF, EEGLAB, Nihon Kohden, Persyst, Curry, EGI, ...).
:func:`recording_from_raw` turns a Raw, preloaded or not, into the same
:class:`~plm.io.recording.Recording` the EDF reader builds, so detection, rules, metrics
and outputs are shared:

* the channels are described by an :class:`~plm.io.edf.EdfHeader` built from
  ``raw.info`` (:func:`raw_header`), so the leg and ECG channels are found by the same
  label discovery (:func:`plm.io.channels.find_leg_channels`) and checked by the same
  rules;
* only the leg channels (and the ECG) are read, with ``raw.get_data(picks=...)`` in
  chunks straight into float32 µV arrays; ``load_data()`` is never called;
* units come from the channel info: MNE holds volts (``unit`` ``FIFF_UNIT_V``), scaled
  by the channel's ``unit_mul`` (``FIFF_UNITM_MU`` for data kept in µV);
* ``meas_date`` is the start time (t = 0 is the time of sample 0, so ``raw.annotations``
  onsets are used as they are); ``raw.annotations`` go through the same label map as
  EDF+ annotations;
* ``BAD_ACQ_SKIP`` annotations (acquisition skips) are recording gaps and boundary
  annotations (``EDGE boundary``/``BAD boundary`` written by ``mne.concatenate_raws``,
  ``boundary`` by EEGLAB) split the recording into continuous segments, as the gaps of
  an EDF+D file do.

A Raw carries no digital resolution nor physical range: they are taken from the samples
read (the smallest step between distinct values, and the extremes), so the resolution
and clipping checks apply to quantised data and pass silently for floating-point data.

``mne`` stays an optional dependency (``pip install plmkit[mne]``): this module imports
it only inside the functions that read a file.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from plm._util import sha256_file
from plm.events import InputError
from plm.io.channels import (
    PLAUSIBLE_MIN_RESOLUTION_UV,
    ChannelProblem,
    find_ecg_channel,
    find_leg_channels,
)
from plm.io.edf import EdfHeader, SignalHeader
from plm.io.recording import (
    Recording,
    check_leg_headers,
    needed_signals,
    recording_from_arrays,
)
from plm.rules import RuleProfile, get_rules

__all__ = [
    "MNE_SUFFIXES",
    "MNE_EXTRA",
    "MNE_GAP_REASON",
    "is_raw",
    "is_mne_file",
    "read_raw",
    "raw_header",
    "raw_annotations",
    "recording_from_raw",
    "start_of",
]

log = logging.getLogger(__name__)

#: File endings read through ``mne.io.read_raw`` (EDF/BDF keep the project's reader;
#: ``.txt``/``.csv`` stay with the accelerometry and annotation readers).
MNE_SUFFIXES: tuple[str, ...] = (
    ".fif", ".fif.gz", ".vhdr", ".ahdr", ".set", ".cnt", ".mff", ".gdf", ".eeg", ".lay",
    ".cdt", ".cdt.dpa", ".cdt.cef", ".cef", ".dat", ".dap", ".rs3", ".nxe", ".mefd", ".hdr",
    ".snirf", ".data", ".sqd", ".con", ".ds", ".nedf", ".asc", ".ns3", ".bin",
)  # fmt: skip
#: How to install the optional dependency.
MNE_EXTRA = "pip install plmkit[mne]"
#: ``reason`` of the gaps made by ``BAD_ACQ_SKIP`` and boundary annotations.
MNE_GAP_REASON = "recording gap (MNE BAD_ACQ_SKIP or boundary)"

#: Samples per ``get_data`` call (bounds the float64 block MNE returns).
_CHUNK_SAMPLES = 1 << 17
#: Context read on each side of a chunk of a channel the reader upsamples, s.
_MARGIN_S = 10.0
#: Samples used to estimate the digital step of a channel.
_STEP_SAMPLES = 1 << 20
#: A leg channel whose median |value| exceeds this (µV after scaling) is not in volts.
_NOT_VOLTS_UV = 1e5
_BOUNDARIES = frozenset({"bad boundary", "edge boundary", "boundary"})
_SKIP = "bad_acq_skip"
# BrainVision marker types MNE prefixes to the description ("Comment/Lights off")
_MARKER_TYPE = re.compile(r"^(Comment|Stimulus|Response|Marker|Annotation)/", re.IGNORECASE)
_FIFF_UNIT_V = 107
_FIFF_ECG_CH = 402


def is_raw(obj: Any) -> bool:
    """True for an ``mne.io.BaseRaw`` (checked without importing mne)."""
    mne = sys.modules.get("mne")
    return mne is not None and isinstance(obj, mne.io.BaseRaw)


def is_mne_file(path: Any) -> bool:
    """True for a path whose ending is a format read through MNE (:data:`MNE_SUFFIXES`)."""
    if not isinstance(path, (str, os.PathLike)):
        return False
    return Path(path).name.lower().endswith(MNE_SUFFIXES)


def read_raw(path: str | os.PathLike[str]) -> Any:
    """Open a recording with ``mne.io.read_raw(path, preload=False)``.

    Raises
    ------
    InputError
        When MNE-Python is not installed (naming the ``plmkit[mne]`` extra), the file
        does not exist, or MNE cannot read it.
    """
    source = str(path)
    try:
        import mne
    except ImportError:
        suffix = Path(path).suffix or Path(path).name
        raise InputError(
            f"reading {suffix} files needs MNE-Python: {MNE_EXTRA}", source=source
        ) from None
    if not os.path.exists(path):
        raise InputError("file not found", source=source)
    try:
        return mne.io.read_raw(path, preload=False, verbose="error")
    except Exception as exc:  # a third-party reader: any failure is a bad input
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"MNE cannot read this file: {text}", source=source) from None


def _scale_uv(ch: dict[str, Any]) -> float | None:
    """µV per value ``get_data`` returns for a channel; None when it is not a voltage."""
    if int(ch["unit"]) != _FIFF_UNIT_V:
        return None
    return 1e6 * 10.0 ** int(ch.get("unit_mul", 0) or 0)


def raw_header(raw: Any, path: Path) -> EdfHeader:
    """Describe a Raw's channels as an :class:`EdfHeader` (for channel discovery).

    Voltage channels get the dimension ``uV`` (the samples are read in µV); other
    channels keep the name of their FIFF unit (never a voltage).  The resolution and
    physical range are placeholders until the samples are read (:func:`_with_data_ranges`).
    """
    n = int(raw.n_times)
    fs = float(raw.info["sfreq"])
    signals = []
    for i, ch in enumerate(raw.info["chs"]):
        upu = None if _scale_uv(ch) is None else 1.0
        unit = ch["unit"]
        signals.append(
            SignalHeader(
                index=i,
                label=str(ch["ch_name"]),
                transducer=f"MNE {raw.get_channel_types(picks=[i])[0]}",
                physical_dimension="uV" if upu else getattr(unit, "_name", str(unit)),
                physical_min=-1.0,
                physical_max=1.0,
                digital_min=-32768,
                digital_max=32767,
                prefilter=f"HP:{raw.info['highpass']:g}Hz LP:{raw.info['lowpass']:g}Hz",
                samples_per_record=n,
                fs_hz=fs,
                uv_per_unit=upu,
                resolution_uv=0.0 if upu else None,
            )
        )
    return EdfHeader(
        path=path,
        file_type=f"MNE {type(raw).__name__}",
        start_datetime=start_of(raw),  # type: ignore[arg-type]  # None: no measurement date
        n_records=1,
        record_duration_s=n / fs,
        signals=signals,
        annotation_indices=[],
        duration_s=n / fs,
    )


def raw_annotations(raw: Any) -> tuple[pd.DataFrame, list[tuple[int, int]]]:
    """Split a Raw's annotations into events and the continuous stretches of samples.

    Returns
    -------
    annotations : DataFrame
        ``onset`` (s from sample 0, i.e. ``meas_date``), ``duration`` (s),
        ``description`` (BrainVision marker types such as ``Comment/`` removed), without
        the gap and boundary annotations.
    spans : list of (int, int)
        Sample ranges ``[a, b)`` of ``raw.get_data`` that are continuous recording.
    """
    fs = float(raw.info["sfreq"])
    n = int(raw.n_times)
    ann = raw.annotations
    onset = np.asarray(ann.onset, dtype=float)
    duration = np.asarray(ann.duration, dtype=float)
    desc = [str(d).strip() for d in ann.description]
    lower = [d.lower() for d in desc]
    cuts = []
    for k, d in enumerate(lower):
        if d.startswith(_SKIP) or d in _BOUNDARIES:
            a = int(round(onset[k] * fs)) - int(raw.first_samp)
            b = a + (int(round(duration[k] * fs)) if d.startswith(_SKIP) else 0)
            cuts.append((max(a, 0), min(b, n)))
    spans: list[tuple[int, int]] = []
    pos = 0
    for a, b in sorted(cuts):
        if a > pos:
            spans.append((pos, a))
        pos = max(pos, b)
    if pos < n:
        spans.append((pos, n))
    keep = [not (d.startswith(_SKIP) or d in _BOUNDARIES) for d in lower]
    frame = pd.DataFrame(
        {
            "onset": pd.Series(onset[keep], dtype=float),
            "duration": pd.Series(duration[keep], dtype=float),
            "description": pd.Series(
                [_MARKER_TYPE.sub("", d) for d, k in zip(desc, keep, strict=True) if k],
                dtype=object,
            ),
        }
    )
    return frame, spans


def _read_signals(
    raw: Any, picks: list[int], spans: list[tuple[int, int]], scale: dict[int, float]
) -> dict[int, np.ndarray]:
    """Read the picked channels over the spans, back to back, as float32 (µV for volts).

    Chunks of :data:`_CHUNK_SAMPLES` bound the float64 blocks MNE returns.  A channel the
    reader upsamples on the fly (:func:`_upsampled_by_reader`) is read in longer chunks
    with :data:`_MARGIN_S` of context on each side, and only their middle is kept.
    """
    total = sum(b - a for a, b in spans)
    out = {i: np.empty(total, dtype=np.float32) for i in picks}
    upsampled, record = _upsampled_by_reader(raw, picks)
    margin = int(round(_MARGIN_S * float(raw.info["sfreq"])))
    n_times = int(raw.n_times)
    groups = [([i for i in picks if i not in upsampled], _CHUNK_SAMPLES, 0, 1)]
    groups += [([i], _CHUNK_SAMPLES, margin, record) for i in picks if i in upsampled]
    for group, chunk, pad, step in groups:
        pos = 0
        for a, b in spans:
            for c in range(a, b, chunk) if group else ():
                d = min(c + chunk, b)
                # whole data records: the reader aligns an upsampled channel on them
                lo = max(0, (c - pad) // step * step)
                hi = min(n_times, -(-(d + pad) // step) * step)
                block = raw.get_data(picks=group, start=lo, stop=hi, reject_by_annotation=None)
                for k, i in enumerate(group):
                    dest = out[i][pos : pos + d - c]
                    np.multiply(block[k, c - lo : d - lo], scale[i], out=dest, casting="unsafe")
                pos += d - c
    return out


def _upsampled_by_reader(raw: Any, picks: list[int]) -> tuple[set[int], int]:
    """Picks an EDF/BDF/GDF reader stores below the Raw's rate and upsamples when read.

    MNE resamples such a channel (FFT) within each ``get_data`` call of a Raw that is
    not preloaded: a call that does not start on a data record misaligns it, and every
    call leaves edge artifacts at its ends (mne-python issue 10635).  Such a channel is
    read in calls starting and ending on data records, overlapping by
    :data:`_MARGIN_S`, whose ends are dropped.  Detected from the reader's samples per
    record; empty for other readers.

    Returns
    -------
    (set of int, int)
        The picks, and the samples per data record at the Raw's rate.
    """
    extras = getattr(raw, "_raw_extras", None)
    if raw.preload or not extras or len(extras) != 1 or not isinstance(extras[0], dict):
        return set(), 1
    n_samps, sel, top = (extras[0].get(k) for k in ("n_samps", "sel", "max_samp"))
    if n_samps is None or sel is None or top is None:
        return set(), 1
    try:
        return {i for i in picks if int(n_samps[sel[i]]) != int(top)}, max(int(top), 1)
    except (IndexError, TypeError, ValueError):
        return set(), 1


def _step(x: np.ndarray) -> float:
    """The smallest step between distinct values of a stretch of samples (its resolution)."""
    n = min(x.size, _STEP_SAMPLES)
    mid = (x.size - n) // 2
    steps = np.diff(np.unique(x[mid : mid + n]))
    steps = steps[steps > 0]
    return float(steps.min()) if steps.size else 0.0


def _with_data_ranges(header: EdfHeader, arrays: dict[int, np.ndarray]) -> EdfHeader:
    """The header with the resolution and physical range of each read voltage channel."""
    signals = list(header.signals)
    for i, x in arrays.items():
        sig = signals[i]
        if sig.uv_per_unit is None or not x.size:
            continue
        lo, hi = float(np.min(x)), float(np.max(x))
        # Floating-point samples (filtered, resampled or computed data) have no ADC step:
        # their smallest difference is rounding noise. The finest plausible step stands in,
        # so the resolution checks (meant for an EDF header's ranges) neither refuse them as
        # implausible nor call them coarse.
        step = max(_step(x), PLAUSIBLE_MIN_RESOLUTION_UV)
        signals[i] = replace(sig, physical_min=lo, physical_max=hi, resolution_uv=step)
    return replace(header, signals=signals)


def _check_volts(header: EdfHeader, legs: list[int], arrays: dict[int, np.ndarray]) -> None:
    """Refuse leg samples far too large for EMG in volts (a Raw built from µV values)."""
    for i in legs:
        x = arrays[i]
        sig = header.signals[i]
        if sig.uv_per_unit is None or not x.size:
            continue
        level = float(np.median(np.abs(x[:: max(1, x.size // 100_000)])))
        if level > _NOT_VOLTS_UV:
            raise InputError(
                f"leg channel {sig.label!r}: median |value| {level * 1e-6:.3g} V is not EMG in "
                "volts (MNE holds volts: build the Raw from µV x 1e-6, or set the channel's "
                "unit_mul to FIFF_UNITM_MU)",
                source=str(header.path),
            )


def _ecg_index(raw: Any, header: EdfHeader) -> int | None:
    """The ECG channel: by label as for EDF files, else the first voltage channel of type ecg."""
    found = find_ecg_channel(header)
    if found is not None:
        return found
    for i, ch in enumerate(raw.info["chs"]):
        if int(ch["kind"]) == _FIFF_ECG_CH and _scale_uv(ch) is not None:
            return i
    return None


def _raw_path(raw: Any) -> Path | None:
    """The file a Raw was read from, if any."""
    names = [f for f in (getattr(raw, "filenames", None) or ()) if f]
    return Path(names[0]) if names else None


def recording_from_raw(
    raw: Any,
    left: str | None = None,
    right: str | None = None,
    rules: RuleProfile | str | None = None,
    allow_poor_signal: bool = False,
) -> Recording:
    """Build a :class:`~plm.io.recording.Recording` from an MNE Raw (or a file MNE reads).

    Parameters
    ----------
    raw : mne.io.BaseRaw or path-like
        A Raw, preloaded or not, or a file opened with ``mne.io.read_raw(preload=False)``
        (BrainVision ``.vhdr``, FIF, EEGLAB ``.set``, ...).
    left, right : str, optional
        Explicit leg channel labels (or ``"A-B"`` bipolar derivations).
    rules : RuleProfile or str, optional
        Rule profile for the resolution check (default WASM 2016).
    allow_poor_signal : bool
        Fatal channel problems become warnings.

    Returns
    -------
    Recording
        Legs and ECG in µV (float32) over the continuous stretches, segments (s from
        ``meas_date``; the first starts at ``raw.first_time``), the other annotations,
        start time (``meas_date`` as naive clock time), and the SHA-256 of the file the
        data come from (empty for a preloaded Raw, whose samples may have been changed
        in memory, or one not read from a file).

    Raises
    ------
    InputError
        No leg channel (the same message as for an EDF file), a fatal channel problem,
        leg samples far too large to be volts, an unreadable file, or mne missing.
    """
    path = Path(raw) if isinstance(raw, (str, os.PathLike)) else None
    if path is not None:
        raw = read_raw(path)
    file_path = _raw_path(raw)
    path = path or file_path or Path("raw")
    rules = get_rules(rules) if rules is not None else get_rules()
    header = raw_header(raw, path)
    chans = find_leg_channels(header, left=left, right=right)
    ecg_index = _ecg_index(raw, header)
    needed = needed_signals(chans, ecg_index)
    annotations, spans = raw_annotations(raw)
    scale = {i: _scale_uv(raw.info["chs"][i]) or 1.0 for i in needed}
    arrays = _read_signals(raw, needed, spans, scale)
    leg_indices = [i for r in chans.refs.values() for i in (r.index, r.ref_index) if i is not None]
    _check_volts(header, leg_indices, arrays)
    header = _with_data_ranges(header, arrays)
    warnings: list[str] = []
    problems: list[ChannelProblem] = []
    fs_hz = check_leg_headers(header, chans, rules, allow_poor_signal, warnings, problems)
    t0 = float(raw.first_samp) / fs_hz
    segments = np.array([[t0 + a / fs_hz, t0 + b / fs_hz] for a, b in spans], dtype=float)
    from_file = file_path is not None and path.is_file() and not raw.preload
    sha = sha256_file(path) if from_file else ""
    log.info("%s: read through MNE (%s), %d continuous stretch(es)", path, type(raw).__name__,
             len(spans))  # fmt: skip
    return recording_from_arrays(
        header,
        chans,
        arrays,
        fs_hz=fs_hz,
        ecg_index=ecg_index,
        segments=segments.reshape(-1, 2),
        annotations=annotations,
        sha256=sha,
        allow_poor_signal=allow_poor_signal,
        warnings=warnings,
        problems=problems,
        gap_reason=MNE_GAP_REASON,
    )


def start_of(raw: Any) -> datetime | None:
    """``meas_date`` of a Raw as naive clock time (the project's start times), or None."""
    meas_date = raw.info["meas_date"]
    return meas_date.replace(tzinfo=None) if meas_date is not None else None
