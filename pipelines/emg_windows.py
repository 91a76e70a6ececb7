"""Example EMG windows of a scored night: which 30-s stretches, and their traces.

Three windows per night (:func:`choose_windows`: the middle PLM of the longest series, a
non-periodic CLM, a non-CLM), each with the rectified EMG, the detector's resting
baseline and the detected LMs per leg (:func:`emg_windows`).  The rectified EMG comes
from ``result.signals`` (``plm.score(..., keep_signals=True)``); a result read back from
its folder has none, so the recording is read and detected again (its path: the
``recording`` argument, the batch manifest, or the summary's input file name found in the
working or result folder with the same SHA-256).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np

from pipelines import figures
from plm._lazy import pandas as pd

__all__ = ["MANIFEST_SUFFIX", "choose_windows", "duration_s", "emg_windows", "find_recording"]

logger = logging.getLogger(__name__)

MANIFEST_SUFFIX = "_manifest.json"  # written by pipelines.batch


def duration_s(result: Any) -> float:
    """Length (s) of a scored night: the recording, else its last LM or epoch."""
    s = result.summary
    if s.get("recording_h"):
        return float(s["recording_h"]) * 3600.0
    ends = [0.0]
    if len(result.candidates):
        ends.append(float((result.candidates["onset"] + result.candidates["duration"]).max()))
    hyp = result.events.hypnogram
    if hyp is not None:
        ends.append(hyp.end_s)
    return max(ends) or 3600.0


def choose_windows(
    candidates: pd.DataFrame,
    duration_s: float,
    n: int = 3,
    width_s: float = 30.0,
    lead_s: float = 5.0,
) -> list[tuple[float, int | None]]:
    """Pick up to ``n`` non-overlapping example windows, deterministic.

    Priority: the middle PLM of the longest series; a non-periodic CLM (respiratory or
    arousal-associated first); a non-CLM; then PLMs of other series and any LM.  Without
    LMs, quiet windows at 1/4, 1/2 and 3/4 of the night.

    Returns
    -------
    list of (start_s, candidate row index or None)
        Sorted by start; each window starts ``lead_s`` before its LM.
    """
    picks: list[tuple[float, int | None]] = []
    last = max(duration_s - width_s, 0.0)

    def add(idx: int | None, t: float) -> None:
        if len(picks) >= n:
            return
        start = float(min(max(t - lead_s, 0.0), last))
        if all(abs(start - s) >= width_s for s, _ in picks):
            picks.append((start, idx))

    cand = candidates
    if len(cand) and "category" in cand:
        cand = cand[cand["category"].astype(str) != "excluded"]
    if len(cand):
        on = cand["onset"].astype(float)
        cat = cand["category"].astype(str)
        plm = cand[cat == "plm"]
        if len(plm) and plm["series"].notna().any():
            sizes = plm["series"].value_counts()
            for series in sorted(sizes.index, key=lambda s: (-sizes[s], int(s))):
                members = plm[plm["series"] == series]
                mid = members.index[len(members) // 2]
                add(mid, float(on[mid]))
                if len(picks) >= 1:
                    break
        other = cand[cat.isin(["isolated", "short_imi"])]
        if len(other):
            flagged = other[other["respiratory"].astype(bool) | other["arousal"].astype(bool)]
            pool = flagged if len(flagged) else other
            idx = pool.index[len(pool) // 2]
            add(idx, float(on[idx]))
        non = cand[cat == "non_clm"]
        if len(non):
            idx = non.index[len(non) // 2]
            add(idx, float(on[idx]))
        rest = cand.index[np.argsort(np.abs(on.to_numpy() - duration_s / 2), kind="stable")]
        for idx in rest:
            add(idx, float(on[idx]))
    for frac in (0.25, 0.5, 0.75):
        add(None, frac * duration_s + lead_s)
    return sorted(picks)


def find_recording(result: Any, recording: str | os.PathLike[str] | None) -> Path | None:
    """The recording file of a result, or None when it cannot be found."""
    if recording is not None:
        p = Path(recording)
        return p if p.is_file() else None
    folder = getattr(result, "directory", None)
    if folder is not None:
        manifest = Path(folder) / f"{result.stem}{MANIFEST_SUFFIX}"
        if manifest.is_file():
            try:
                with open(manifest, encoding="utf-8") as fh:
                    path = json.load(fh).get("recording_path")
            except (OSError, json.JSONDecodeError):
                path = None
            if path and Path(path).is_file():
                return Path(path)
    inputs = result.summary.get("inputs") or []
    if not inputs:
        return None
    name, sha = str(inputs[0].get("file", "")), inputs[0].get("sha256")
    places = [Path.cwd()] + ([Path(folder)] if folder is not None else [])
    for place in places:
        p = place / name
        if p.is_file() and p.suffix.lower() in (".edf", ".bdf"):
            from plm._util import sha256_file

            if sha is None or sha256_file(p) == sha:
                return p
    return None


def _side_segments(
    result: Any, path: Path | None, spans: list[tuple[float, float]], rules: Any
) -> tuple[dict[str, list[tuple[float, float, np.ndarray, np.ndarray | None]]], str]:
    """Per side: (t0_s, fs, rectified, baseline) of the segments overlapping ``spans``.

    From what scoring kept (``plm.score(..., keep_signals=True)``); a result read back
    from its folder keeps nothing, so the recording's segments under ``spans`` are read
    and detected again (:func:`plm.detect.recording.detect_recording`).
    """
    from plm.detect.recording import detect_recording, rectified_segments

    kept = rectified_segments(result.signals or {})
    if kept and all(kept.values()):
        return kept, ""
    if path is None:
        return {}, (
            "EMG windows omitted: the rectified EMG is not stored with the results and the "
            "recording was not found"
        )
    from plm.io.recording import load_recording

    chans = result.summary.get("channels") or {}
    try:
        rec = load_recording(
            path,
            left=chans.get("left"),
            right=chans.get("right"),
            rules=rules,
            allow_poor_signal=True,
        )
    except Exception:  # labels from another version: fall back to discovery
        rec = load_recording(path, rules=rules, allow_poor_signal=True)
    segs = [(a, b) for a, b in rec.segments if any(s < b and e > a for s, e in spans)]
    if not segs:
        return {}, ""
    window = (float(min(a for a, _ in segs)), float(max(b for _, b in segs)))
    found = detect_recording(rec, rules, window=window, keep_signals=True)
    return rectified_segments(found.signals), ""


def emg_windows(
    result: Any,
    recording: str | os.PathLike[str] | None = None,
    n: int = 3,
    width_s: float = 30.0,
) -> tuple[list[figures.EmgWindow], str]:
    """Example EMG windows of a night, or an empty list and the reason.

    Parameters
    ----------
    result : PLMResult
        The scored night.
    recording : path, optional
        The recording, read again when ``result.signals`` lacks the rectified EMG.
    n, width_s : int, float
        Number and length (s) of the windows.

    Returns
    -------
    (list of EmgWindow, str)
    """
    from pipelines.review import candidate_description

    modality = result.summary.get("modality")
    if modality not in (None, "psg"):
        return [], f"EMG windows not applicable ({modality} recording)"
    rules = result.rules
    duration = duration_s(result)
    picks = choose_windows(result.candidates, duration, n=n, width_s=width_s)
    spans = [(s, s + width_s) for s, _ in picks]
    try:
        path = find_recording(result, recording)
        segs, note = _side_segments(result, path, spans, rules)
    except Exception as exc:  # a report must not fail because the EMG cannot be re-read
        logger.warning("%s: EMG windows omitted (%s)", result.stem, exc)
        return [], f"EMG windows omitted: {exc}"
    if not segs:
        return [], note
    start_dt = result.start
    mv = result.movements
    windows = []
    for start, idx in picks:
        end = start + width_s
        if idx is not None:  # the time shown is the LM's onset, not the window's start
            what = candidate_description(result.candidates.loc[idx], rules)
            shown = float(result.candidates.loc[idx, "onset"])
            when = f"LM onset {figures.clock_text(start_dt, shown)}"
        else:
            what = "no LM (resting EMG)"
            when = f"from {figures.clock_text(start_dt, start)}"
        win = figures.EmgWindow(start, width_s, f"{when}\n{what}")
        for side in ("left", "right", "merged"):
            for t0, fs, rect, base in segs.get(side, []):
                t_end = t0 + len(rect) / fs
                if not (t0 <= start and end <= t_end + 1.0 / fs):
                    continue
                a = int(round((start - t0) * fs))
                b = min(int(round((end - t0) * fs)), len(rect))
                t = (np.arange(a, b) / fs + t0) - start
                lms = mv[(mv["side"].astype(str) == side)] if len(mv) else mv
                if len(lms):
                    on = lms["onset"].astype(float)
                    off = on + lms["duration"].astype(float)
                    lms = lms[(off > start) & (on < end)]
                    lms = pd.DataFrame(
                        {
                            "onset": lms["onset"].astype(float) - start,
                            "duration": lms["duration"].astype(float),
                        }
                    )
                win.traces.append(
                    figures.EmgTrace(
                        side,
                        t,
                        np.asarray(rect[a:b], dtype=np.float32),
                        None if base is None else np.asarray(base[a:b], dtype=np.float32),
                        lms if len(lms) else pd.DataFrame({"onset": [], "duration": []}),
                    )
                )
                break
        if win.traces:
            windows.append(win)
    if not windows:
        return [], "EMG windows omitted: no window inside a continuous segment"
    return windows, ""
