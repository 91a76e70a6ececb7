"""The detection kernel shared by the leg-EMG and the ankle-accelerometer detectors.

Both detectors find leg movements (LMs) the same way once each has turned its signal
into a non-negative *amplitude trace* (the enveloped rectified EMG in µV; the
gravity-removed acceleration magnitude in g, see :mod:`plm.accel.detect`):

1. **Blocks.**  The trace is averaged over consecutive blocks of :data:`BLOCK_S`
   (0.1 s; :func:`block_size`, :func:`block_means`); the resting level is computed on
   these block means.
2. **Resting level** (:func:`resting_level`).  A floor = morphological opening
   (centred moving minimum, then moving maximum) over ``floor_s`` of the block means
   smoothed over ``smooth_s``: it removes every burst shorter than ``floor_s`` and keeps
   longer plateaus with their edges.  Resting blocks are those within ``rest_above`` of
   the floor (not inside a burst); the resting level is their masked centred moving mean
   over ``window_s``, so that series of LMs do not pull it up.  Optionally the blocks are
   split into two classes by ``floor > elevated_above`` (long elevated stretches and
   ordinary rest) and the moving mean never averages across the edge of a class.
3. **Unscorable stretches** (:func:`stretches_above`): where the resting level exceeds
   a threshold (noise, walking), optionally joined across short gaps; no LM starts
   inside them and they count as quiet.
4. **Hysteresis** (:func:`threshold_masks`, :func:`hysteresis_events`).  Onset = first
   sample whose trace exceeds rest + ``on_above``; offset = first sample of the first
   run of at least ``quiet_s`` during which the trace does not exceed rest +
   ``off_above`` (a quiet run reaching the end of the channel ends the LM wherever it
   starts).  Events ending where an unscorable stretch starts or starting where one
   ends are the edges of the noise and are dropped; events shorter than ``min_s`` are
   dropped.

What differs between the modalities stays in their modules: the amplitude trace and its
envelope, the parameter values, the EMG morphology and minimum-amplitude rules, the
accelerometer's posture changes, and how peak and area are measured.  All sample
indices are 0-based; event ends are exclusive.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy import ndimage

from plm.events import empty_intervals

__all__ = [
    "BLOCK_S",
    "odd",
    "runs",
    "block_size",
    "block_means",
    "resting_level",
    "stretches_above",
    "threshold_masks",
    "hysteresis_events",
]

#: Block length (s) of the block means the resting level is computed on.
BLOCK_S = 0.1


def odd(n: float) -> int:
    """Round ``n`` (a number of samples) to the nearest odd integer >= 1."""
    k = max(1, int(round(n)))
    return k if k % 2 else k + 1


def runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start (inclusive) and end (exclusive) indices of the True runs of a bool array.

    Returns
    -------
    starts, ends : ndarray of int64
    """
    mask = np.ascontiguousarray(mask, dtype=bool)
    if mask.size == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    # compare neighbours as bools: flatnonzero on a bool array is ~9x faster than on int8
    idx = np.flatnonzero(mask[1:] != mask[:-1])
    rising = mask[idx + 1]
    starts = idx[rising] + 1
    ends = idx[~rising] + 1
    if mask[0]:
        starts = np.concatenate(([0], starts))
    if mask[-1]:
        ends = np.concatenate((ends, [mask.size]))
    return starts.astype(np.int64), ends.astype(np.int64)


def block_size(fs_hz: float) -> int:
    """Samples per :data:`BLOCK_S` block at ``fs_hz`` (at least 1)."""
    return max(1, int(round(BLOCK_S * fs_hz)))


def block_means(x: np.ndarray, bn: int) -> np.ndarray:
    """Means (float64) of consecutive blocks of ``bn`` samples along the first axis.

    The last, partial block is included.  ``x`` may have trailing axes (e.g. the three
    axes of an accelerometer, shape ``(n, 3)``), which are kept.
    """
    n = x.shape[0]
    full = n // bn
    m = x[: full * bn].reshape((full, bn) + x.shape[1:]).mean(axis=1, dtype=np.float64)
    if n > full * bn:
        m = np.concatenate((m, x[full * bn :].mean(axis=0, dtype=np.float64)[None]))
    return m


def resting_level(
    m: np.ndarray,
    block_s: float,
    *,
    smooth_s: float,
    floor_s: float,
    window_s: float,
    rest_above: float,
    elevated_above: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Adaptive resting level of an amplitude trace, on its block means.

    Parameters
    ----------
    m : ndarray of float64
        Block means of the amplitude trace (:func:`block_means`), in the trace's unit.
    block_s : float
        Length of one block (s).
    smooth_s : float
        Moving-mean smoothing of the block means before the floor (s).
    floor_s : float
        Width of the morphological opening giving the floor (s); bursts shorter than
        this do not raise the floor.
    window_s : float
        Width of the masked centred moving mean over the resting blocks (s).
    rest_above : float
        A block is resting when its mean is within ``rest_above`` of the floor (trace
        unit; the onset margin).
    elevated_above : float, optional
        Split the blocks into two classes, floor above this value (long elevated
        stretches) or not; the moving mean stays within a class.  None: one class.

    Returns
    -------
    level : ndarray of float64
        Resting level per block (where no resting block lies within the window, the
        floor).
    elevated : ndarray of bool
        Per-block class (all False without ``elevated_above``).
    """

    def w(seconds: float) -> int:
        return max(1, int(round(seconds / block_s)))

    # 1. floor: morphological opening of the smoothed block means over floor_s
    wf = w(floor_s)
    smooth = ndimage.uniform_filter1d(m, w(smooth_s), mode="nearest")
    floor = ndimage.maximum_filter1d(
        ndimage.minimum_filter1d(smooth, wf, mode="nearest"), wf, mode="nearest"
    )
    # 2. level classes: long stretches whose floor is elevated
    if elevated_above is None:
        elevated = np.zeros(m.shape[0], dtype=bool)
    else:
        elevated = floor > float(elevated_above)
    # 3. resting blocks: not inside a burst
    rest = m <= floor + rest_above
    # 4. masked moving mean over window_s, within each class separately
    wm = w(window_s)
    level = floor.copy()
    for cls in (elevated, ~elevated):  # two classes
        if not cls.any():
            continue
        sel = rest & cls
        num = ndimage.uniform_filter1d(np.where(sel, m, 0.0), wm, mode="constant")
        den = ndimage.uniform_filter1d(sel.astype(np.float64), wm, mode="constant")
        ok = cls & (den > 1e-9)
        level[ok] = num[ok] / den[ok]
    return level, elevated


def stretches_above(
    level: np.ndarray,
    fs_hz: float,
    threshold: float,
    merge_gap_s: float = 0.0,
    t0_s: float = 0.0,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Stretches where a per-sample level exceeds ``threshold`` (e.g. unscorable).

    Parameters
    ----------
    level : ndarray
        Per-sample resting level.
    fs_hz : float
        Sampling rate (Hz).
    threshold : float
        The level must be strictly above this (same unit as ``level``).
    merge_gap_s : float
        Stretches separated by less than this (s) are joined (0: never).
    t0_s : float
        Time of the first sample (s).

    Returns
    -------
    table : DataFrame
        ``onset``, ``duration`` (s).
    mask : ndarray of bool
        Per-sample mask of the (joined) stretches.
    """
    b = np.asarray(level)
    fs = float(fs_hz)
    mask = b > threshold
    if not mask.any():
        return empty_intervals(), mask
    starts, ends = runs(mask)
    if starts.size > 1:
        gap = int(round(merge_gap_s * fs))
        join = (starts[1:] - ends[:-1]) < gap
        if join.any():
            keep_s = np.concatenate(([True], ~join))
            keep_e = np.concatenate((~join, [True]))
            starts, ends = starts[keep_s], ends[keep_e]
            mask = np.zeros(b.size, dtype=bool)
            for s, e in zip(starts, ends, strict=True):  # loop per stretch (few)
                mask[s:e] = True
    table = pd.DataFrame(
        {"onset": t0_s + starts / fs, "duration": (ends - starts) / fs}, dtype=float
    )
    if table.empty:
        table = empty_intervals()
    return table, mask


def threshold_masks(
    above_at: Callable[[int, int], np.ndarray],
    n: int,
    on_above: float,
    off_above: float,
    chunk: int = 1 << 16,
) -> tuple[np.ndarray, np.ndarray]:
    """Where the trace exceeds rest + ``off_above`` (``active``) and rest + ``on_above``.

    Parameters
    ----------
    above_at : callable
        ``above_at(start, end)`` returns the amplitude trace minus the resting level on
        samples ``[start, end)`` (float32), so that a caller can build it one chunk at a
        time and no channel-length float array need exist.
    n : int
        Number of samples.
    on_above, off_above : float
        Onset and offset margins above the resting level (trace unit), compared in
        float32.
    chunk : int
        Samples per call of ``above_at``.

    Returns
    -------
    active, onset : ndarray of bool
        Per-sample masks (strictly above the margin).
    """
    lo_t = np.float32(off_above)
    hi_t = np.float32(on_above)
    active = np.empty(n, dtype=bool)
    onset = np.empty(n, dtype=bool)
    for s in range(0, n, chunk):
        e = min(n, s + chunk)
        above = above_at(s, e)
        np.greater(above, lo_t, out=active[s:e])
        np.greater(above, hi_t, out=onset[s:e])
    return active, onset


def hysteresis_events(
    active: np.ndarray,
    onset: np.ndarray,
    fs_hz: float,
    *,
    quiet_s: float,
    min_s: float,
    unscorable: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Onsets and offsets of movements from the two threshold masks.

    Onset = first ``onset`` sample inside an active region; offset = first sample of
    the first run of at least ``quiet_s`` of not-``active`` samples after it (or the end
    of the channel).  ``onset`` must imply ``active`` (the onset margin is the larger).

    Parameters
    ----------
    active, onset : ndarray of bool
        From :func:`threshold_masks`; changed in place where ``unscorable``.
    fs_hz : float
        Sampling rate (Hz).
    quiet_s : float
        Minimum length of the quiet run that ends a movement (s).
    min_s : float
        Minimum movement duration (s).
    unscorable : ndarray of bool, optional
        Per-sample mask of unscorable stretches: no onset there, counted as quiet, and
        events cut by them (ending where one starts, starting where one ends) dropped.

    Returns
    -------
    on, off : ndarray of int64
        Sample index of each onset and (exclusive) offset.
    info : dict
        ``n_candidates``, ``rejected_unscorable_edge`` (with unscorable stretches),
        ``rejected_short``.
    """
    n = active.size
    fs = float(fs_hz)
    has_unscorable = unscorable is not None and bool(unscorable.any())
    if has_unscorable:  # unscorable: no onset, counts as quiet
        active &= ~unscorable
        onset &= ~unscorable

    # long quiet runs (>= quiet_s, or reaching the end) end the movements
    q_start, q_end = runs(~active)
    n_quiet = max(1, int(round(quiet_s * fs)))
    long_q = ((q_end - q_start) >= n_quiet) | (q_end == n)
    reg_start = np.concatenate(([0], q_end[long_q]))
    reg_end = np.concatenate((q_start[long_q], [n]))
    keep = reg_end > reg_start
    reg_start, reg_end = reg_start[keep], reg_end[keep]
    # onset = first sample above the onset margin inside each active region
    h_start, _ = runs(onset)
    j = np.searchsorted(h_start, reg_start)
    valid = j < h_start.size
    on = h_start[np.minimum(j, h_start.size - 1)] if h_start.size else np.full(j.size, n)
    has = valid & (on < reg_end)
    on, off = on[has].astype(np.int64), reg_end[has].astype(np.int64)
    info: dict[str, Any] = {"n_candidates": int(on.size)}

    # events cut by an unscorable stretch are the noise's own edges, not movements
    if has_unscorable:
        u_start, u_end = runs(unscorable)
        edge = np.isin(off, u_start) | np.isin(on, u_end)
        info["rejected_unscorable_edge"] = int(edge.sum())
        on, off = on[~edge], off[~edge]

    # minimum duration
    long_enough = (off - on) >= min_s * fs - 1e-6
    info["rejected_short"] = int((~long_enough).sum())
    return on[long_enough], off[long_enough], info
