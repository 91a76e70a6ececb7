"""Telling leg movements, posture changes and walking apart by their kinematics.

:func:`plm.accel.detect.detect_accel` uses these pieces (parameters: :class:`AccelRules`):

* **Sensor noise** (:func:`axis_noise_g`): per axis, from the differences of
  consecutive 0.1-s block means; it scales the still threshold, and the detector's
  margins follow the resting envelope's own spread.
* **Still runs** (:func:`still_runs`): stretches where the leg's orientation does not
  change (the range of the smoothed block means over a short window within a
  noise-scaled threshold).
* **Posture reference** (:func:`posture_reference`): the gravity direction the leg rests
  in, from the still runs in time order.  It is *held* through a movement, including a
  movement held 11-20 s (a displaced still run reached without overshoot and left
  again back to the posture within ``held_movement_max_s``), and re-estimated only when
  the leg settles somewhere new: after a posture change.  The amplitude trace is the
  acceleration's distance from it, so a held movement keeps its full size.
* **Classification** (:func:`classify_events`): an event across which the reference
  changes by more than ``posture_change_deg`` is a posture change (turn, partial turn,
  repositioning), otherwise a leg movement.  The reference after an event is read just
  after its offset and never past the next onset, so an LM shortly before a turn stays
  an LM.
* **Walking** (:func:`gait_bouts`): impacts in the vector magnitude (``|a|`` minus its
  ``gait_mean_s`` moving mean above ``gait_impact_g``, at least ``gait_refractory_s``
  apart), at least ``gait_min_steps`` of them at
  intervals of 1/``gait_max_hz`` to 1/``gait_min_hz`` varying by at most
  ``gait_max_cv``.
* **Out of bed** (:func:`out_of_bed`): a walking bout, while the leg is upright (at
  least ``upright_min_deg`` from the lying orientation before it), with the movement
  around it (getting up, lying down).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from scipy import signal as sps

from plm.accel.rules import AccelRules
from plm.detect.kernel import runs

__all__ = [
    "angle_deg",
    "axis_noise_g",
    "still_runs",
    "posture_reference",
    "classify_events",
    "gait_bouts",
    "out_of_bed",
    "KIND_MOVEMENT",
    "KIND_POSTURE",
    "KIND_WALK",
]

KIND_MOVEMENT = 0
KIND_POSTURE = 1
KIND_WALK = 2


def angle_deg(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Angle (degrees) between vectors ``u`` and ``v`` along the last axis."""
    nu = np.linalg.norm(u, axis=-1)
    nv = np.linalg.norm(v, axis=-1)
    c = np.sum(u * v, axis=-1) / np.maximum(nu * nv, 1e-12)
    return np.degrees(np.arccos(np.clip(c, -1.0, 1.0)))


def axis_noise_g(blocks: np.ndarray, bn: int) -> float:
    """Sensor noise per axis (g): robust SD of consecutive block-mean differences.

    Per axis, the RMS of the differences of consecutive block means within 4 robust SDs
    (1.4826 × MAD) of their median, divided by sqrt(2 / ``bn``) (white noise averaged
    over ``bn`` samples); the median over the axes.  Movements are a small share of the
    blocks and fall outside the 4 SDs.
    """
    if blocks.shape[0] < 3:
        return 0.0
    dif = np.diff(blocks, axis=0)
    dif = dif - np.median(dif, axis=0)
    mad = np.median(np.abs(dif), axis=0)
    # RMS of the differences within 4 robust SDs: continuous where the MAD of quantised
    # samples comes in steps
    sd = np.array(
        [
            np.sqrt(np.mean(d[np.abs(d) <= 4 * 1.4826 * m] ** 2)) if m > 0 else 0.0
            for d, m in zip(dif.T, mad, strict=True)
        ]
    )
    return float(np.median(sd / np.sqrt(2.0 / bn)))


def still_runs(
    blocks: np.ndarray, block_s: float, bn: int, noise_g: float, rules: AccelRules
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Runs of blocks where the leg's orientation does not change.

    The block means are smoothed over ``still_smooth_s``; a block is still when, over
    the ``still_window_s`` centred on it, the range of the smoothed means (vector norm
    of the per-axis ranges) is at most ``max(still_range_g, still_noise_sd × noise of
    the smoothed means)``.  Runs shorter than ``still_min_s`` are left out.

    Returns
    -------
    r0, r1 : ndarray of int64
        First and last-plus-one block of each run.
    still : ndarray of bool
        Per-block still mask (before the minimum run length).
    """
    ns = max(1, int(round(rules.still_smooth_s / block_s)))
    sm = ndimage.uniform_filter1d(blocks, ns, axis=0, mode="nearest")
    w = max(2, int(round(rules.still_window_s / block_s)))
    rng = ndimage.maximum_filter1d(sm, w, axis=0) - ndimage.minimum_filter1d(sm, w, axis=0)
    thr = max(rules.still_range_g, rules.still_noise_sd * noise_g / np.sqrt(ns * bn))
    still = np.linalg.norm(rng, axis=1) <= thr
    r0, r1 = runs(still)
    long_enough = (r1 - r0) >= max(1, int(round(rules.still_min_s / block_s)))
    return r0[long_enough], r1[long_enough], still


def posture_reference(
    blocks: np.ndarray,
    r0: np.ndarray,
    r1: np.ndarray,
    barrier: np.ndarray,
    block_s: float,
    rules: AccelRules,
) -> np.ndarray:
    """Per-block gravity reference: the posture the leg is in, or was in before it moved.

    Still runs (:func:`still_runs`) are taken in time order; each has an orientation
    (median of its block means).  A run within ``held_min_deg`` of the current posture
    (the last accepted run) is accepted: the posture, drifting.  A run displaced
    further is the plateau of a *held movement*, not accepted, when

    * the leg got there without a larger excursion on the way (at most
      ``held_overshoot`` × the displacement, on the block means smoothed over
      ``still_smooth_s``; an LM that leaves the leg a few degrees off went further
      first, so two LMs are not taken for one held movement), and
    * a later run within ``held_movement_max_s`` of the end of the posture brings the
      leg back: it ends within ``held_min_deg`` of the posture, or closer than the
      plateau after passing within ``held_return_fraction`` of the displacement of the
      posture (an LM may leave the leg a few degrees to either side), reached from the
      run before it without a larger excursion.

    A run displaced by less than ``posture_change_deg`` and shorter than
    ``posture_min_s`` is not accepted either (the leg paused inside a movement).  Any
    other run is a new posture.  Inside an accepted run the reference is the running
    mean over ``gravity_window_s`` (slow drift; a still run holds no movement); between
    accepted runs (movements, held movements, turns) it stays at the value the last
    accepted run ended with.  No return is searched across a ``barrier`` block (out of
    bed).

    Returns
    -------
    ndarray, shape (nb, 3)
    """
    nb = blocks.shape[0]
    m = r0.size
    if m == 0:
        return np.broadcast_to(np.median(blocks, axis=0), blocks.shape).copy()
    orient = np.array([np.median(blocks[a:b], axis=0) for a, b in zip(r0, r1, strict=True)])
    cb = np.concatenate(([0], np.cumsum(barrier)))
    held_max = rules.held_movement_max_s / block_s
    ns = max(1, int(round(rules.still_smooth_s / block_s)))
    sm = ndimage.uniform_filter1d(blocks, ns, axis=0, mode="nearest")

    def excursion(a: int, b: int, v: np.ndarray) -> float:
        """Largest angle (°) of the smoothed orientation in blocks [a, b) from ``v``."""
        return float(angle_deg(sm[a:b], v[None]).max()) if b > a else 0.0

    accepted = np.zeros(m, bool)
    accepted[0] = True
    p, k = 0, 1
    while k < m:  # loop per still run (rejected runs are skipped over)
        crossed = cb[r0[k]] > cb[r1[p]]
        disp = float(angle_deg(orient[k], orient[p]))
        if crossed or disp <= rules.held_min_deg:
            accepted[k] = True
            p, k = k, k + 1
            continue
        back = -1
        # a held movement departs to about where it stays (no larger excursion first)
        if excursion(int(r1[p]), int(r0[k]), orient[p]) <= rules.held_overshoot * disp:
            j = k + 1
            while j < m and r0[j] - r1[p] <= held_max and cb[r0[j]] == cb[r1[p]]:
                d_j = float(angle_deg(orient[j], orient[p]))
                near = float(angle_deg(sm[r1[j - 1] : r1[j]], orient[p][None]).min())
                if d_j <= rules.held_min_deg or (
                    d_j < disp and near <= rules.held_return_fraction * disp
                ):
                    # ... and comes back from there the same way
                    d_ret = max(float(angle_deg(orient[j], orient[j - 1])), rules.held_min_deg)
                    if excursion(int(r1[j - 1]), int(r0[j]), orient[j - 1]) <= (
                        rules.held_overshoot * d_ret
                    ):
                        back = j
                    break
                j += 1
        if back >= 0:
            k = back  # runs k..back-1 are a held movement's plateau
            continue
        if disp < rules.posture_change_deg and (r1[k] - r0[k]) * block_s < rules.posture_min_s:
            k += 1  # a small displacement held briefly: inside a movement, not a posture
            continue
        accepted[k] = True
        p, k = k, k + 1
    ref = np.empty_like(blocks)
    w = max(1, int(round(rules.gravity_window_s / block_s)))
    mark = np.zeros(nb, bool)
    for a, b in zip(r0[accepted], r1[accepted], strict=True):  # loop per accepted run
        seg = blocks[a:b]
        ref[a:b] = (
            ndimage.uniform_filter1d(seg, w, axis=0, mode="nearest")
            if b - a > w
            else np.median(seg, axis=0)
        )
        mark[a:b] = True
    last = np.where(mark, np.arange(nb), -1)
    last = np.maximum.accumulate(last)
    last[last < 0] = int(r0[0])
    return ref[last]


def classify_events(
    on: np.ndarray,
    off: np.ndarray,
    ref: np.ndarray,
    bn: int,
    fs: float,
    rules: AccelRules,
    walk: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Classify events by the change of the posture reference across them.

    Parameters
    ----------
    on, off : ndarray of int
        Event onsets and (exclusive) offsets in samples, sorted.
    ref : ndarray, shape (nb, 3)
        Per-block posture reference (:func:`posture_reference`).
    bn : int
        Samples per block.
    fs : float
        Sampling rate (Hz).
    rules : AccelRules
    walk : ndarray of bool, optional
        Events known to be out of bed (:func:`out_of_bed`), kept as :data:`KIND_WALK`.

    Returns
    -------
    on, off : ndarray of int64
        Onsets and offsets (posture-change pieces less than ``posture_merge_s`` apart
        joined).
    kind : ndarray of int
        :data:`KIND_MOVEMENT`, :data:`KIND_POSTURE` or :data:`KIND_WALK`.
    tilt_deg : ndarray
        Reference after the event vs before it (degrees): the reference
        ``posture_probe_s`` after the offset (not beyond the next onset) vs the one just
        before the onset.
    """
    k = on.size
    if k == 0:
        z = np.zeros(0, np.int64)
        return z, z, z.copy(), np.zeros(0)
    nb = ref.shape[0]
    ob = on // bn
    fb = -(-off // bn)
    probe = max(1, int(round(rules.posture_probe_s * fs / bn)))
    nxt = np.concatenate((ob[1:] - 1, [nb - 1]))
    i_after = np.clip(np.minimum(fb + probe, np.maximum(nxt, fb)), 0, nb - 1)
    i_before = np.clip(ob - 1, 0, nb - 1)
    tilt = angle_deg(ref[i_after], ref[i_before])
    kind = np.where(tilt > rules.posture_change_deg, KIND_POSTURE, KIND_MOVEMENT)
    if walk is not None:
        kind = np.where(np.asarray(walk, bool), KIND_WALK, kind)
    on_a, off_a = on.astype(np.int64), off.astype(np.int64)
    # pieces of one posture change (a pause inside a turn) are one change
    pc = kind == KIND_POSTURE
    join = pc[1:] & pc[:-1] & ((on_a[1:] - off_a[:-1]) < rules.posture_merge_s * fs)
    if join.any():
        starts = np.flatnonzero(np.concatenate(([True], ~join)))
        ends = np.flatnonzero(np.concatenate((~join, [True])))
        tilt = angle_deg(ref[i_after[ends]], ref[i_before[starts]])
        on_a, off_a, kind = on_a[starts], off_a[ends], kind[starts]
    return on_a, off_a, kind.astype(np.int64), tilt


def gait_bouts(a: np.ndarray, fs: float, rules: AccelRules) -> tuple[np.ndarray, np.ndarray]:
    """Candidate walking bouts of one ankle: runs of periodic impacts (module docstring).

    Parameters
    ----------
    a : ndarray, shape (n, 3)
        Acceleration (g).
    fs : float
        Sampling rate (Hz).
    rules : AccelRules

    Returns
    -------
    starts, ends : ndarray of int64
        Sample ranges of the bouts (first impact to last impact).
    """
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64))
    n = a.shape[0]
    if n < 4 * fs:
        return empty
    mag = np.linalg.norm(a, axis=1)
    w = max(1, int(round(rules.gait_mean_s * fs)))
    dyn = mag - ndimage.uniform_filter1d(mag, w, mode="nearest")
    gap = max(1, int(rules.gait_refractory_s * fs))
    peaks, _ = sps.find_peaks(dyn, height=rules.gait_impact_g, distance=gap)
    if peaks.size < rules.gait_min_steps:
        return empty
    dt = np.diff(peaks) / fs
    ok = (dt >= 1.0 / rules.gait_max_hz) & (dt <= 1.0 / rules.gait_min_hz)
    r0, r1 = runs(ok)
    starts, ends = [], []
    for s, e in zip(r0, r1, strict=True):  # loop per run of step-like intervals
        if e - s + 1 < rules.gait_min_steps:
            continue
        iv = dt[s:e]
        if iv.std() > rules.gait_max_cv * iv.mean():
            continue
        starts.append(int(peaks[s]))
        ends.append(int(peaks[e]) + 1)
    return np.asarray(starts, np.int64), np.asarray(ends, np.int64)


def out_of_bed(
    bout_on: np.ndarray,
    bout_off: np.ndarray,
    busy: np.ndarray,
    blocks: np.ndarray,
    bn: int,
    fs: float,
    rules: AccelRules,
) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-bed stretches: each upright walking bout with the movement around it.

    The busy samples (the leg moves: active or unscorable) are joined across quiet gaps
    shorter than ``walk_join_s``; a joined run holding a bout is out of bed when the
    leg's median orientation during the bout is at least ``upright_min_deg`` from the
    lying orientation before the run (the ``upright_ref_s`` before it; after it at the
    start of the data).

    Parameters
    ----------
    bout_on, bout_off : ndarray of int
        Walking bouts (samples), from :func:`gait_bouts`.
    busy : ndarray of bool
        Per-sample: the leg moves.
    blocks : ndarray, shape (nb, 3)
        Block means of the acceleration (g).
    bn : int
        Samples per block.
    fs : float
        Sampling rate (Hz).
    rules : AccelRules

    Returns
    -------
    starts, ends : ndarray of int64
        Sample ranges.
    """
    z = np.zeros(0, np.int64)
    if bout_on.size == 0:
        return z, z
    mask = busy.copy()
    for s, e in zip(bout_on, bout_off, strict=True):  # loop per bout
        mask[s:e] = True
    gap = max(1, int(round(rules.walk_join_s * fs)))
    mask = ndimage.binary_closing(np.pad(mask, gap), structure=np.ones(gap, bool))[gap:-gap]
    r0, r1 = runs(mask)
    nb = blocks.shape[0]
    ref_b = max(1, int(round(rules.upright_ref_s * fs / bn)))
    keep = np.zeros(r0.size, bool)
    for s, e in zip(bout_on, bout_off, strict=True):  # loop per bout
        j = int(np.searchsorted(r1, s, side="right"))
        if j >= r0.size or keep[j]:
            continue
        b0, b1 = int(r0[j]) // bn, -(-int(r1[j]) // bn)
        ref = blocks[max(0, b0 - ref_b) : b0] if b0 > 0 else blocks[b1 : min(nb, b1 + ref_b)]
        walk = blocks[s // bn : max(s // bn + 1, e // bn)]
        if ref.shape[0] == 0:
            keep[j] = True
            continue
        tilt = float(angle_deg(np.median(walk, axis=0), np.median(ref, axis=0)))
        keep[j] = tilt >= rules.upright_min_deg
    return r0[keep], r1[keep]
