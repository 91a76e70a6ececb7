"""Adaptive resting baseline and monolateral leg-movement (LM) detection.

The standard (docs/scoring.md §3): onset where the rectified EMG rises 8 µV above the
resting level; offset at the start of the first period of at least 0.5 s during which
it does not exceed resting + 2 µV; keep LMs of at least 0.5 s; under WASM 2016 a 0.5 s
running median must exceed resting + 2 µV somewhere inside the LM (morphology rule);
detection is off where the resting level is above 15 µV (unscorable leg EMG).

The project's reading of the rule
---------------------------------
**Resting level (baseline).**  The baseline ``b`` is the *mean rectified resting EMG*
(for Gaussian noise of RMS σ, 0.8·σ): the level a scorer reads off the screen as "the
resting EMG", so that "8 µV above resting" means what it says for every noise level.
MATPLM's envelope ``movmean(r, 0.3 s) + 5·movvar(r, 0.3 s)`` (docs/scoring.md §3.1) is not used:
it adds µV² to µV, so it depends on the noise level quadratically (1.6 µV + 7.2 µV for
σ = 2 µV, already 19 µV for σ = 3 µV, i.e. "unscorable") and explodes on every burst.
It is computed on 0.1 s blocks of the rectified EMG (block means ``m``):

1. floor ``f`` = morphological opening (centred moving minimum, then moving maximum)
   over ``unscorable_min_s`` (30 s) of ``m`` smoothed over ``rules.baseline_max_s``
   (0.5 s).  The opening removes every burst shorter than 30 s (LMs last up to 10 s
   and come every 10-90 s, so every 30 s window holds some rest) and keeps plateaus
   longer than that *with their edges* (a moving minimum alone, like MATPLM's 60 s
   look-back erosion, would score the first 30-60 s of a noisy stretch against the
   quiet level before it).  ``f`` sits ~10 % below the mean resting level.
2. level classes: blocks where ``f > elevated_floor_uv`` (10 µV) belong to long
   elevated stretches (noise, tonic activity); the others to ordinary rest.
3. resting blocks: ``m <= f + rules.onset_above_baseline_uv`` (not inside a burst).
4. ``b`` = centred moving mean of ``m`` over the resting blocks *of the same class*
   within ``rules.baseline_min_s`` (60 s): a masked moving average.  Blocks inside
   LMs do not count, so series of LMs do not pull it up; it follows drifts over
   minutes; it never averages across the edge of an elevated stretch.

``b`` is returned per sample (constant on each 0.1 s block; a 60 s moving average, so
neighbouring blocks differ negligibly).  Measured: on band-limited Gaussian rest ``b``
is within 3 % of the mean rectified EMG; a dense series (4 s LMs every 12 s) raises it
by 2 % at most.  **Unscorable** = ``b > rules.unscorable_baseline_uv`` (15 µV,
MATPLM's cut-off, docs/scoring.md §3.6, §10.3), i.e. noise above about 19 µV RMS inside the pass
band.  Gaps shorter than ``unscorable_merge_gap_s`` (5 s) between unscorable stretches
are merged.  Detection is off inside them (their samples count as quiet), and an event
that ends where one starts or starts where one ends is dropped: it is the edge of the
noise, not an LM.

**Amplitude compared with the thresholds.**  The per-sample rectified EMG of a 500 Hz
recording crosses zero every few milliseconds, and resting noise of σ µV RMS exceeds
``b + 2 µV`` on a large fraction of samples (23 % for σ = 5 µV), so the literal
per-sample rule would never find 0.5 s of quiet and would start LMs on noise peaks.
plmkit compares the *mean absolute value over a centred window of* ``envelope_s`` =
0.1 s (``e = movmean(|x|, 0.1 s)``) with ``b + 8`` and ``b + 2``: the short-term
amplitude a scorer sees.  Measured on 10-100 Hz band-limited resting noise, ``e`` never
reaches ``b + 8`` for σ ≤ 8 µV RMS (no false onsets), and the first 0.5 s quiet
period after a burst starts on average 0.00 s (σ = 3 µV), 0.02 s (σ = 5 µV, 99th
percentile 0.5 s), 0.06 s (σ = 6 µV) after the burst ends.  The price: for a large
burst, ``e`` rises ~0.05 s (half the window) before the burst and falls ~0.05 s after
it, so onsets can be up to 0.05 s early and offsets 0.05 s late, and same-leg bursts
less than about 0.6 s apart (instead of 0.5 s) merge.  ``envelope_s = 0`` gives the
literal per-sample rule (used by the sample-exact tests).

**Rules applied here.**  Onset = first sample with ``e > b + 8`` (docs/scoring.md §3.2); offset
= first sample of the first run of at least ``offset_quiet_s`` samples with ``e <= b +
2`` ("does not exceed"); a run still going at the end of the channel ends the LM
wherever it starts; LMs shorter than ``lm_min_s`` are dropped.  Morphology (WASM 2016
computer rule, ``rules.morphology_rule``, docs/scoring.md §3.4, MATPLM ``cutLowMedian.m``): the
running median of the rectified EMG ``r`` over ``morphology_window_s`` (odd number of
samples, centred) must exceed ``b + 2`` at some sample of the LM; it is evaluated
exactly and without sorting, since ``median(window) > t`` if and only if more than half
of the window's samples exceed ``t``.  ``min_amplitude_rule`` (AASM 2007): ``peak_uv >=
onset_above_baseline_uv``.  Not applied here: maximum durations and bilateral rules (the
engine's job, docs/scoring.md §4).

The block means, the resting level, the unscorable stretches and the onset/offset
hysteresis are the shared detection kernel (:mod:`plm.detect.kernel`, also used by the
ankle-accelerometer detector :mod:`plm.accel.detect`); this module supplies the EMG's
amplitude trace (the envelope), its parameters, and the EMG-only rules (morphology,
minimum amplitude, the chunked per-block baseline).

Outputs: ``peak_uv`` = maximum of ``r - b`` over the LM (peak rectified EMG above the
baseline, µV); ``area_uv_s`` = integral of ``max(r - b, 0)`` over the LM (µV·s).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from plm.detect.artifacts import flat_mask, leadoff_mask, motion_ok, sustained_ok
from plm.detect.kernel import (
    block_means,
    block_size,
    hysteresis_events,
    odd,
    resting_level,
    stretches_above,
    threshold_masks,
)
from plm.events import empty_intervals
from plm.rules import RuleProfile

__all__ = [
    "Detection",
    "empty_detected",
    "resting_baseline",
    "envelope",
    "unscorable_stretches",
    "detect_movements",
    "detect_leg",
    "detect_legs",
]

logger = logging.getLogger(__name__)


@dataclass
class Detection:
    """LMs detected on one leg channel.

    Attributes
    ----------
    movements : DataFrame
        ``onset``, ``duration`` (s, absolute: ``t0_s + sample / fs``), ``peak_uv``
        (maximum rectified EMG above the baseline, µV) and ``area_uv_s`` (integral of
        the rectified EMG above the baseline, µV·s).  Never None; empty with these
        columns when nothing was found.
    unscorable : DataFrame
        ``onset``, ``duration`` (s) of stretches where the baseline exceeds
        ``rules.unscorable_baseline_uv``; nothing is detected inside them.
    baseline : ndarray of float32 or None
        Per-sample resting baseline (µV), for plots.
    fs_hz : float
        Sampling rate (Hz).
    t0_s : float
        Time of the first sample (s).
    info : dict
        What was applied (mains, ECG suppression, counts of rejected events).
    """

    movements: pd.DataFrame
    unscorable: pd.DataFrame
    baseline: np.ndarray | None = None
    fs_hz: float = float("nan")
    t0_s: float = 0.0
    info: dict[str, Any] = field(default_factory=dict)


def empty_detected() -> pd.DataFrame:
    """Return an empty detected-movement table (onset, duration, peak_uv, area_uv_s)."""
    return pd.DataFrame(
        {c: pd.Series(dtype=float) for c in ("onset", "duration", "peak_uv", "area_uv_s")}
    )


def _check(rect_uv: np.ndarray, fs_hz: float) -> tuple[np.ndarray, float]:
    r = np.asarray(rect_uv)
    if r.ndim != 1:
        raise ValueError(f"rectified EMG must be a 1-D array, got shape {r.shape}")
    fs = float(fs_hz)
    if not np.isfinite(fs) or fs <= 0:
        raise ValueError(f"sampling rate must be a positive number of Hz, got {fs_hz!r}")
    r = np.ascontiguousarray(r, dtype=np.float32)
    if r.size and float(r.min()) < 0:
        raise ValueError("expected rectified EMG (>= 0); apply plm.signal.condition first")
    return r, fs


def _baseline_blocks(
    r: np.ndarray, fs: float, rules: RuleProfile
) -> tuple[np.ndarray, np.ndarray, int]:
    """Block-resolution baseline (µV), long-elevated-stretch mask and block size."""
    bn = block_size(fs)
    b, elevated = resting_level(
        block_means(r, bn),
        bn / fs,
        smooth_s=rules.baseline_max_s,
        floor_s=rules.unscorable_min_s,
        window_s=rules.baseline_min_s,
        rest_above=rules.onset_above_baseline_uv,
        elevated_above=rules.elevated_floor_uv,
    )
    return b.astype(np.float32), elevated, bn


def resting_baseline(rect_uv: np.ndarray, fs_hz: float, rules: RuleProfile) -> np.ndarray:
    """Adaptive resting baseline of rectified leg EMG (docs/scoring.md §3.1).

    The mean rectified resting EMG, following drifts over minutes and ignoring LMs; in
    long stretches of elevated EMG (noise) the mean level of that stretch, with sharp
    edges.  See the module docstring for the algorithm and why it differs from MATPLM.

    Parameters
    ----------
    rect_uv : array_like
        Rectified EMG (µV), e.g. from :func:`plm.signal.condition`.
    fs_hz : float
        Sampling rate (Hz).
    rules : RuleProfile
        Uses ``baseline_max_s``, ``baseline_min_s``, ``onset_above_baseline_uv`` (and
        ``unscorable_min_s``, ``elevated_floor_uv`` when the profile has them).

    Returns
    -------
    ndarray of float32
        Baseline in µV, one value per sample (constant on 0.1 s blocks).
    """
    r, fs = _check(rect_uv, fs_hz)
    if r.size == 0:
        return np.empty(0, dtype=np.float32)
    b, _, bn = _baseline_blocks(r, fs, rules)
    return np.repeat(b, bn)[: r.size]


def envelope(rect_uv: np.ndarray, fs_hz: float, window_s: float = 0.1) -> np.ndarray:
    """Centred moving mean of the rectified EMG over ``window_s`` (odd samples), float32.

    ``window_s = 0`` (or a window of one sample) returns the input unchanged.
    """
    r, fs = _check(rect_uv, fs_hz)
    return _envelope(r, fs, window_s)


def _envelope(r: np.ndarray, fs: float, window_s: float, block: int = 1 << 16) -> np.ndarray:
    """Centred moving mean (edges held at the end values), float32, block by block.

    A running sum in float64 over blocks of ``block`` samples: ``uniform_filter1d`` on
    the whole channel allocates two float64 copies of it (2 x 115 MB per leg for an 8-h
    night at 500 Hz), which set the peak memory of ``plm.score``; this needs one float32
    output and two block-sized buffers, and is twice as fast.
    """
    n = odd(window_s * fs) if window_s > 0 else 1
    if n <= 1 or r.size == 0:
        return r
    h, size = n // 2, r.size
    out = np.empty(size, np.float32)
    ext = np.empty(block + n, np.float32)
    csum = np.empty(block + n, np.float64)
    for s in range(0, size, block):
        e = min(size, s + block)
        m = e - s
        lo, hi = s - h, e + h
        a, b = max(lo, 0), min(hi, size)
        ext[0] = 0.0
        ext[1 + a - lo : 1 + b - lo] = r[a:b]
        if a > lo:  # pad with the edge value ("nearest")
            ext[1 : 1 + a - lo] = r[0]
        if hi > b:
            ext[1 + b - lo : 1 + hi - lo] = r[size - 1]
        np.cumsum(ext[: m + n], dtype=np.float64, out=csum[: m + n])
        np.subtract(csum[n : m + n], csum[:m], out=csum[:m])
        np.multiply(csum[:m], 1.0 / n, out=out[s:e], casting="same_kind")
    return out


def unscorable_stretches(
    baseline: np.ndarray,
    fs_hz: float,
    rules: RuleProfile,
    t0_s: float = 0.0,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Stretches where the baseline exceeds ``rules.unscorable_baseline_uv``.

    Rule: docs/scoring.md §3.6, §10.3.

    Parameters
    ----------
    baseline : ndarray
        Per-sample baseline (µV).
    fs_hz : float
        Sampling rate (Hz).
    rules : RuleProfile
        Uses ``unscorable_baseline_uv`` and ``unscorable_merge_gap_s``.
    t0_s : float
        Time of the first sample (s).

    Returns
    -------
    table : DataFrame
        ``onset``, ``duration`` (s).
    mask : ndarray of bool
        Per-sample unscorable mask.
    """
    return stretches_above(
        baseline, fs_hz, rules.unscorable_baseline_uv, rules.unscorable_merge_gap_s, t0_s
    )


def _morphology_ok(
    r: np.ndarray, b: np.ndarray, margin: float, on: np.ndarray, off: np.ndarray, n_win: int
) -> np.ndarray:
    """Apply the morphology rule to events ``[on, off)`` (WASM 2016, docs/scoring.md §3.4).

    True where the running median of ``r`` (``n_win`` samples, centred) exceeds
    ``b + margin`` at some sample of the event.

    median(window) > t  <=>  count(window > t) >= (n_win + 1) / 2  (n_win odd).
    Windows are truncated at the ends of the channel (counted against the full
    window's majority, i.e. conservatively).
    """
    h = n_win // 2
    need = (n_win + 1) // 2
    ok = np.zeros(on.size, dtype=bool)
    n = r.size
    for i, (a, z) in enumerate(zip(on.tolist(), off.tolist(), strict=True)):  # loop per event
        lo, hi = max(0, a - h), min(n, z + h)
        above = r[lo:hi] > b[lo:hi] + np.float32(margin)
        c = np.concatenate(([0], np.cumsum(above, dtype=np.int32)))
        centres = np.arange(a, z)
        counts = c[np.minimum(centres + h + 1, hi) - lo] - c[np.maximum(centres - h, lo) - lo]
        ok[i] = bool((counts >= need).any())
    return ok


class _BlockBaseline:
    """Per-sample view of a baseline held per 0.1-s block: slicing expands only the slice."""

    def __init__(self, blocks: np.ndarray, bn: int, n: int) -> None:
        self.blocks, self.bn, self.n = blocks, bn, n

    def __getitem__(self, sl: slice) -> np.ndarray:
        a, z, _ = sl.indices(self.n)
        k0, k1 = a // self.bn, -(-z // self.bn)
        return np.repeat(self.blocks[k0:k1], self.bn)[a - k0 * self.bn : z - k0 * self.bn]


def _threshold_masks(
    r: np.ndarray, fs: float, b: Any, rules: RuleProfile, chunk: int = 1 << 16
) -> tuple[np.ndarray, np.ndarray]:
    """Where the envelope exceeds resting + 2 µV (``active``) and resting + 8 µV (``hi``).

    Chunk by chunk (the envelope's half window read on both sides), so no channel-length
    float array is made besides the input: the envelope and the difference to the
    baseline exist one chunk at a time.
    """
    n = r.size
    w = odd(rules.envelope_s * fs) if rules.envelope_s > 0 else 1
    h = w // 2

    def above_at(s: int, e: int) -> np.ndarray:
        if w > 1:
            a, z = max(0, s - h), min(n, e + h)
            env = _envelope(r[a:z], fs, float(rules.envelope_s))[s - a : e - a]
        else:
            env = r[s:e]
        return env - b[s:e]

    return threshold_masks(
        above_at, n, rules.onset_above_baseline_uv, rules.offset_above_baseline_uv, chunk
    )


def detect_movements(
    rect_uv: np.ndarray,
    fs_hz: float,
    rules: RuleProfile,
    t0_s: float = 0.0,
    baseline: np.ndarray | None = None,
    *,
    keep_baseline: bool = True,
    unscorable_mask: np.ndarray | None = None,
    event_filter: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
) -> Detection:
    """Detect monolateral leg movements in rectified EMG (docs/scoring.md §3.2, §3.3).

    Parameters
    ----------
    rect_uv : array_like
        Rectified EMG in µV (:func:`plm.signal.condition`).
    fs_hz : float
        Sampling rate (Hz).
    rules : RuleProfile
        Uses ``onset_above_baseline_uv``, ``offset_above_baseline_uv``,
        ``offset_quiet_s``, ``lm_min_s``, ``morphology_rule``, ``morphology_window_s``,
        ``min_amplitude_rule``, ``unscorable_baseline_uv``, the baseline fields and
        ``envelope_s``.
    t0_s : float
        Time of the first sample (s); all output times are ``t0_s + sample / fs``.
    baseline : array_like, optional
        Per-sample baseline (µV) to use instead of :func:`resting_baseline`.
    keep_baseline : bool
        Return the per-sample baseline on the Detection (for plots).  False keeps only
        its 0.1-s block values while detecting, which saves two channel-length arrays.
    unscorable_mask : ndarray of bool, optional
        Per-sample stretches unscorable for another reason (a flat lead,
        :func:`plm.detect.artifacts.flat_mask`), joined with those of the baseline.
    event_filter : callable, optional
        ``event_filter(on, off)`` returns True for the events (sample indices) to keep;
        applied after the morphology rules (the motion-transient rule,
        :func:`plm.detect.artifacts.motion_ok`).

    Returns
    -------
    Detection
        Movements, unscorable stretches and the baseline.  See the module docstring for
        the reading of the onset/offset rule.
    """
    r, fs = _check(rect_uv, fs_hz)
    n = r.size
    bb = None
    if baseline is None:
        if n:
            bb, _, bn = _baseline_blocks(r, fs, rules)
            b = np.repeat(bb, bn)[:n]
        else:
            b = np.empty(0, dtype=np.float32)
    else:
        b = np.ascontiguousarray(baseline, dtype=np.float32)
        if b.shape != r.shape:
            raise ValueError(f"baseline shape {b.shape} differs from signal shape {r.shape}")
    unscorable, umask = unscorable_stretches(b, fs, rules, t0_s)
    if unscorable_mask is not None and unscorable_mask.any():
        unscorable, umask = stretches_above(
            (umask | unscorable_mask).astype(np.float32),
            fs,
            0.5,
            rules.unscorable_merge_gap_s,
            t0_s,
        )
    info: dict[str, Any] = {"n_candidates": 0, "rejected_short": 0, "rejected_morphology": 0}
    if n == 0:
        return Detection(empty_detected(), unscorable, b, fs, t0_s, info)

    if bb is not None and not keep_baseline:
        b = _BlockBaseline(bb, bn, n)  # expanded slice by slice from here on
    active, hi = _threshold_masks(r, fs, b, rules)
    # onset, quiet-run offset, unscorable edges, minimum duration   # docs/scoring.md §3.2
    on, off, found = hysteresis_events(
        active,
        hi,
        fs,
        quiet_s=rules.offset_quiet_s,
        min_s=rules.lm_min_s,
        unscorable=umask,
    )
    info.update(found)

    if rules.morphology_rule and on.size:  # WASM 2016 computer rule, docs/scoring.md §3.4
        ok = _morphology_ok(
            r, b, rules.offset_above_baseline_uv, on, off, odd(rules.morphology_window_s * fs)
        )
        info["rejected_morphology"] = int((~ok).sum())
        on, off = on[ok], off[ok]

    if rules.sustained_onset_s > 0 and on.size:  # docs/scoring.md §3.7
        ok = sustained_ok(r, b, fs, rules, on, off)
        info["rejected_sustained"] = int((~ok).sum())
        on, off = on[ok], off[ok]

    if event_filter is not None and on.size:  # docs/scoring.md §3.7
        ok = event_filter(on, off)
        info["rejected_motion"] = int((~ok).sum())
        on, off = on[ok], off[ok]

    peak = np.empty(on.size)
    area = np.empty(on.size)
    for i, (a, z) in enumerate(zip(on.tolist(), off.tolist(), strict=True)):  # loop per event
        d = r[a:z] - b[a:z]
        peak[i] = float(d.max())
        area[i] = float(np.clip(d, 0, None).sum(dtype=np.float64)) / fs

    if rules.min_amplitude_rule and on.size:  # AASM 2007, docs/scoring.md §3.5
        ok = peak >= rules.onset_above_baseline_uv
        info["rejected_amplitude"] = int((~ok).sum())
        on, off, peak, area = on[ok], off[ok], peak[ok], area[ok]

    if isinstance(b, _BlockBaseline):
        b = None
    movements = (
        pd.DataFrame(
            {
                "onset": t0_s + on / fs,
                "duration": (off - on) / fs,
                "peak_uv": peak,
                "area_uv_s": area,
            }
        )
        if on.size
        else empty_detected()
    )
    logger.debug(
        "detected %d LMs (%d candidates, %d short, %d empty), %d unscorable stretches",
        len(movements),
        info["n_candidates"],
        info["rejected_short"],
        info["rejected_morphology"],
        len(unscorable),
    )
    return Detection(movements, unscorable, b, fs, float(t0_s), info)


def detect_leg(
    x_uv: np.ndarray,
    fs_hz: float,
    rules: RuleProfile,
    ecg: np.ndarray | None = None,
    ecg_fs_hz: float | None = None,
    t0_s: float = 0.0,
    *,
    r_peaks_s: np.ndarray | None = None,
    keep_baseline: bool = True,
) -> Detection:
    """Condition one raw leg-EMG channel and detect its LMs.

    :func:`plm.signal.condition` → :func:`resting_baseline` → :func:`detect_movements`.

    Parameters
    ----------
    x_uv : array_like
        Raw leg EMG (µV).
    fs_hz : float
        Sampling rate (Hz).
    rules : RuleProfile
        Scoring rules.
    ecg : array_like, optional
        ECG channel for artefact suppression (same start time).
    ecg_fs_hz : float, optional
        ECG sampling rate (defaults to ``fs_hz``).
    t0_s : float
        Time of the first sample (s).
    r_peaks_s : array_like, optional
        R-peak times (s) already found on the ECG (:func:`plm.signal.detect_r_peaks`).
    keep_baseline : bool
        Keep the per-sample baseline on the Detection (see :func:`detect_movements`).

    Returns
    -------
    Detection
        With ``info['mains_hz']``, ``info['ecg_suppressed']`` and ``info['notes']``
        from the conditioning.  A channel too short to filter (a few dozen samples)
        gives no movements and one unscorable stretch covering it.
    """
    from plm.signal import SignalTooShortError, condition

    try:
        cond = condition(x_uv, fs_hz, rules, ecg=ecg, ecg_fs_hz=ecg_fs_hz, r_peaks_s=r_peaks_s)
    except SignalTooShortError as exc:
        # a sliver of signal (e.g. a tiny EDF+D segment) cannot be filtered: unscorable
        n = int(np.asarray(x_uv).size)
        logger.warning("%s; reported as unscorable", exc)
        unscorable = empty_intervals()
        if n:
            unscorable = pd.DataFrame({"onset": [float(t0_s)], "duration": [n / float(fs_hz)]})
        return Detection(
            empty_detected(),
            unscorable,
            np.zeros(n, dtype=np.float32),
            float(fs_hz),
            float(t0_s),
            {"mains_hz": None, "ecg_suppressed": False, "notes": [str(exc)]},
        )
    raw = np.asarray(x_uv)
    flat = flat_mask(raw, fs_hz, rules)  # docs/scoring.md §3.7
    off = leadoff_mask(raw, fs_hz, rules)
    if off is not None:
        flat = off if flat is None else flat | off

    def motion(on: np.ndarray, off: np.ndarray) -> np.ndarray:
        return motion_ok(raw, fs_hz, rules, on, off, cond.mains_hz)

    det = detect_movements(
        cond.signal,
        fs_hz,
        rules,
        t0_s=t0_s,
        keep_baseline=keep_baseline,
        unscorable_mask=flat,
        event_filter=motion if rules.motion_rule else None,
    )
    if flat is not None:
        det.info["flat_or_leadoff_s"] = float(flat.sum()) / float(fs_hz)
    det.info.update(
        mains_hz=cond.mains_hz, ecg_suppressed=cond.ecg_suppressed, notes=list(cond.notes)
    )
    if keep_baseline:  # the plots draw the rectified EMG under the baseline
        det.info["rectified"] = cond.signal
    return det


def detect_legs(
    legs: dict[str, np.ndarray | None],
    fs_hz: float,
    rules: RuleProfile,
    ecg: np.ndarray | None = None,
    ecg_fs_hz: float | None = None,
    t0_s: float = 0.0,
    n_threads: int = 2,
    keep_baseline: bool = True,
) -> tuple[pd.DataFrame, dict[str, Detection]]:
    """Detect the LMs of several leg channels (e.g. left and right) of one night.

    The R peaks of the ECG are found once and shared; the channels are processed in
    ``n_threads`` threads (the filters release the GIL).

    Parameters
    ----------
    legs : dict
        Side name (``'left'``, ``'right'``, ``'both'``) → raw EMG (µV) or None (skipped).
    fs_hz : float
        Sampling rate of the leg channels (Hz).
    rules : RuleProfile
        Scoring rules.
    ecg, ecg_fs_hz : optional
        ECG channel and its rate, for artefact suppression.
    t0_s : float
        Time of the first sample (s).
    n_threads : int
        Worker threads (1 = sequential).
    keep_baseline : bool
        Keep the per-sample baselines on the Detections (for plots).

    Returns
    -------
    movements : DataFrame
        All LMs with a ``side`` column, sorted by onset.
    detections : dict
        Side → :class:`Detection` (with its unscorable stretches and baseline).
    """
    from concurrent.futures import Future, ThreadPoolExecutor

    from plm.signal import r_peaks_for

    items = [(side, x) for side, x in legs.items() if x is not None]
    peaks: Any = None
    notes: list[str] = []
    want_peaks = ecg is not None and rules.ecg_suppression
    ecg_fs = fs_hz if ecg_fs_hz is None else ecg_fs_hz

    def run(item: tuple[str, np.ndarray]) -> Detection:
        det = detect_leg(
            item[1], fs_hz, rules, t0_s=t0_s, r_peaks_s=peaks, keep_baseline=keep_baseline
        )
        found = peaks.result() if isinstance(peaks, Future) else peaks
        det.info["notes"] = notes + det.info.get("notes", [])
        if found is not None:  # s from the first ECG sample: shared with the HR analysis
            det.info["r_peaks_s"] = found
        return det

    if n_threads > 1 and items:
        # the R peaks are found in a thread of their own while the legs are band-passed
        # (each leg waits for them only before its ECG suppression)
        workers = min(n_threads, len(items)) + (1 if want_peaks else 0)
        with ThreadPoolExecutor(workers) as ex:
            if want_peaks:
                peaks = ex.submit(r_peaks_for, ecg, ecg_fs, notes)
            if len(items) > 1 or want_peaks:
                results = list(ex.map(run, items))
            else:
                results = [run(it) for it in items]
            if isinstance(peaks, Future):
                peaks.result()  # an invalid ECG raises here even without a leg waiting
    else:
        if want_peaks:
            peaks = r_peaks_for(ecg, ecg_fs, notes)
        results = [run(it) for it in items]
    detections = {side: det for (side, _), det in zip(items, results, strict=True)}
    frames = []
    for side, det in detections.items():
        m = det.movements.copy()
        m["side"] = side
        frames.append(m)
    if frames:
        movements = pd.concat(frames, ignore_index=True)
    else:
        movements = empty_detected()
        movements["side"] = pd.Series(dtype=object)
    movements = movements.sort_values(["onset", "side"], kind="stable").reset_index(drop=True)
    return movements, detections
