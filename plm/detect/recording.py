"""Detect the leg movements of a whole recording, segment by segment, or of a time window.

The one loop over a recording's continuous segments (EDF+D files have several): scoring
(:func:`plm.score`), SIT windows (:mod:`plm.sit`) and reports all call
:func:`detect_recording` on a :class:`~plm.io.recording.Recording`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from plm.detect.emg import Detection, detect_legs
from plm.events import empty_intervals, empty_movements
from plm.io.recording import Recording
from plm.rules import RuleProfile

__all__ = ["RecordingDetection", "detect_recording"]


@dataclass
class RecordingDetection:
    """The LMs of a recording's leg channels.

    Attributes
    ----------
    movements : DataFrame
        Monolateral LMs (``onset``, ``duration`` in s from the header start, ``side``,
        ``peak_uv``, ``area_uv_s``), sorted by onset then side.
    unscorable : DataFrame
        ``onset``, ``duration`` (s) of the unscorable stretches of every leg (not merged).
    signals : dict
        ``side → [Detection per segment]`` with the rectified EMG
        (``info["rectified"]``, µV) and the per-sample baseline (µV), when
        ``keep_signals`` was set; empty otherwise.
    ecg_segments : list of (float, slice, ndarray or None)
        Per segment (or window part) with ECG: its start (s from the header start), the
        slice of ``Recording.ecg`` it covers, and the R peaks found there for ECG
        suppression (s from that start; None when suppression was off).
    """

    movements: pd.DataFrame
    unscorable: pd.DataFrame
    signals: dict[str, list[Detection]] = field(default_factory=dict)
    ecg_segments: list[tuple[float, slice, np.ndarray | None]] = field(default_factory=list)


def _bounds(t0: float, sl: slice, fs: float, lo: float, hi: float) -> tuple[int, int]:
    """Sample indices ``[i0, i1)`` of ``[lo, hi)`` s inside the segment ``sl`` starting at t0."""
    i0 = sl.start + int(math.floor((lo - t0) * fs))
    i1 = min(sl.start + int(math.ceil((hi - t0) * fs)), sl.stop)
    return i0, i1


def detect_recording(
    rec: Recording,
    rules: RuleProfile,
    window: tuple[float, float] | None = None,
    n_threads: int = 2,
    keep_signals: bool = False,
) -> RecordingDetection:
    """Detect the LMs of every leg channel of a recording, one continuous segment at a time.

    Parameters
    ----------
    rec : Recording
        From :func:`plm.io.recording.load_recording`.
    rules : RuleProfile
        Scoring rules.
    window : (float, float), optional
        Only ``[start_s, end_s)`` (s from the header start; give any context needed for
        the baseline); default: the whole recording.
    n_threads : int
        Threads for the per-leg signal processing.
    keep_signals : bool
        Keep the rectified EMG and per-sample baselines of each segment (for plots).

    Returns
    -------
    RecordingDetection
    """
    fs = rec.fs_hz
    legs = rec.legs
    ecg_slices = rec.segment_slices(rec.ecg_fs_hz) if rec.ecg is not None else None
    movements, unscorable = [], []
    signals: dict[str, list[Detection]] = {}
    ecg_parts: list[tuple[float, slice, np.ndarray | None]] = []
    for k, (t0, sl) in enumerate(rec.segment_slices()):  # one pass per EDF+D segment
        ecg_sl = ecg_slices[k][1] if ecg_slices is not None else None
        i0, i1, t_start = sl.start, sl.stop, t0
        if window is not None:
            t1 = t0 + (sl.stop - sl.start) / fs
            lo, hi = max(t0, window[0]), min(t1, window[1])
            if hi <= lo:
                continue
            i0, i1 = _bounds(t0, sl, fs, lo, hi)
            t_start = t0 + (i0 - sl.start) / fs
            if ecg_slices is not None and rec.ecg_fs_hz:
                ecg_sl = slice(*_bounds(t0, ecg_slices[k][1], rec.ecg_fs_hz, lo, hi))
        ecg = rec.ecg[ecg_sl] if ecg_sl is not None and rec.ecg is not None else None
        mv, detections = detect_legs(
            {side: x[i0:i1] for side, x in legs.items()},
            fs,
            rules,
            ecg=ecg,
            ecg_fs_hz=rec.ecg_fs_hz,
            t0_s=t_start,
            n_threads=n_threads,
            keep_baseline=keep_signals,  # per-sample baselines only when plots need them
        )
        movements.append(mv)
        if ecg_sl is not None:
            peaks = next(
                (d.info["r_peaks_s"] for d in detections.values() if "r_peaks_s" in d.info), None
            )
            ecg_parts.append((t_start, ecg_sl, peaks))
        for side, det in detections.items():
            if len(det.unscorable):
                unscorable.append(det.unscorable[["onset", "duration"]])
            if keep_signals:
                signals.setdefault(side, []).append(det)
    mv = pd.concat(movements, ignore_index=True) if movements else None
    if mv is None or mv.empty:
        mv = empty_movements()
    un = pd.concat(unscorable, ignore_index=True) if unscorable else empty_intervals()
    return RecordingDetection(mv, un, signals, ecg_parts)


def rectified_segments(
    signals: dict[str, list[Detection]],
) -> dict[str, list[tuple[float, float, np.ndarray, np.ndarray | None]]]:
    """``side → [(t0_s, fs_hz, rectified µV, baseline µV)]`` of kept detections (plots)."""
    return {
        side: [
            (float(d.t0_s), float(d.fs_hz), np.asarray(d.info["rectified"]), d.baseline)
            for d in dets
            if "rectified" in d.info
        ]
        for side, dets in signals.items()
    }
