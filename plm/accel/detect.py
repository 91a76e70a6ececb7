"""Leg-movement detection in one ankle's triaxial accelerometry (:func:`detect_accel`).

Leg movements (LMs) are detected with the same structure as the EMG detector
(:mod:`plm.detect.emg`), and with the same kernel (:mod:`plm.detect.kernel`: block means,
adaptive resting level, onset/offset hysteresis with a quiet run).  What is the
accelerometer's own: the amplitude trace (gravity removed against a posture reference),
the parameters (:class:`~plm.accel.rules.AccelRules`, in g and degrees), the noise-scaled
margins, and telling LMs from posture changes and walking by their kinematics
(:mod:`plm.accel.kinematics`).

1. **Still runs, walking.**  0.1-s block means; the per-axis sensor noise; runs where the
   orientation does not change; walking bouts (periodic impacts while upright) with
   getting up and lying down around them: *out of bed*.
2. **Posture reference** ``R`` (per block): the orientation of the current posture,
   held through every movement — an LM, a movement held 11-20 s — and re-estimated only
   when the leg settles in a new posture (after a turn), never across a walk
   (:func:`~plm.accel.kinematics.posture_reference`).
3. **Movement signal** ``s = |a - R|`` (g, vector norm): the departure from the posture
   *and* the dynamic acceleration.  It does not decay during a held movement (a
   high-pass, or a running median that follows a held posture, would cut a long
   movement into pieces) and it does not ring after a posture change.
   ``gravity_method='median'`` (``min(|a - M_b|, |a - M_a|)`` with 20-s running
   medians before and after each instant) and ``'highpass'`` (a Butterworth high-pass)
   are kept for comparison.  **Envelope** ``e`` = moving mean of ``s`` over
   ``envelope_s`` (0.1 s, as for EMG).
4. **Resting level** ``b``: the EMG detector's scheme in g (the shared kernel
   :func:`plm.detect.kernel.resting_level`, one level class; out-of-bed blocks do not
   raise it); ``b`` above ``unscorable_rest_g`` is unscorable.
5. **Margins follow the sensor**: onset at ``e > b + max(onset_above_rest_g,
   onset_above_noise_sd × σ)``, offset at the start of the first ``offset_quiet_s``
   with ``e <= b + max(offset_above_rest_g, offset_above_noise_sd × σ)``, σ = the
   robust SD of the resting envelope of this stretch (as the EMG resting level follows
   resting EMG): on an 8-10 mg sensor a twitch is not stretched into an LM by noise
   reaching the 0.01-g offset.  The kernel's
   :func:`plm.detect.kernel.hysteresis_events`.
6. **Classification** (:func:`~plm.accel.kinematics.classify_events`): events inside
   out-of-bed stretches are part of the walk; an event across which ``R`` changes by
   more than ``posture_change_deg`` (10°) is a posture change (turn, partial turn),
   reported in ``posture_changes`` and left out of the LMs; the rest are movements, and
   those shorter than ``lm_min_s`` (0.5 s, docs/scoring.md §3.3) are dropped.  Maximum durations,
   same-leg merging and bilateral rules are the engine's (docs/scoring.md §4).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import ndimage
from scipy import signal as sps

from plm.accel.data import AccelData
from plm.accel.kinematics import (
    KIND_MOVEMENT,
    KIND_POSTURE,
    KIND_WALK,
    angle_deg,
    axis_noise_g,
    classify_events,
    gait_bouts,
    out_of_bed,
    posture_reference,
    still_runs,
)
from plm.accel.rules import AccelRules
from plm.detect.kernel import (
    block_means,
    block_size,
    hysteresis_events,
    odd,
    resting_level,
    runs,
    stretches_above,
    threshold_masks,
)
from plm.events import empty_intervals

__all__ = ["AccelDetection", "detect_accel", "detect_accel_window", "angle_deg", "OUT_OF_BED"]

logger = logging.getLogger(__name__)

#: ``reason`` of the out-of-bed rows of :func:`detect_accel_window`'s unscorable table.
OUT_OF_BED = "out of bed"

#: Smoothing (s) of the block means before the resting level's floor (as the EMG's
#: ``RuleProfile.baseline_max_s``).
REST_SMOOTH_S = 0.5


@dataclass
class AccelDetection:
    """LMs detected in one ankle's accelerometry.

    Attributes
    ----------
    movements : DataFrame
        ``onset``, ``duration`` (s), ``peak_g`` (maximum envelope above the resting level),
        ``area_g_s`` (its integral, g·s), ``tilt_deg`` (orientation after vs before).
    posture_changes : DataFrame
        ``onset``, ``duration`` (s), ``tilt_deg`` of the events left out as posture changes.
    unscorable : DataFrame
        ``onset``, ``duration`` (s) where the resting level exceeds ``unscorable_rest_g``.
    baseline : ndarray of float32
        Per-sample resting level (g).
    envelope : ndarray of float32
        Per-sample movement envelope ``e`` (g), for plots.
    fs_hz, t0_s : float
        Sampling rate and time of the first sample.
    info : dict
        Counts of rejected events; the measured noise (``noise_g`` per axis,
        ``envelope_sd_g``) and the margins used (``onset_margin_g``, ``offset_margin_g``).
    out_of_bed : DataFrame
        ``onset``, ``duration`` (s) of walking with getting up and lying down.
    """

    movements: pd.DataFrame
    posture_changes: pd.DataFrame
    unscorable: pd.DataFrame
    baseline: np.ndarray
    envelope: np.ndarray
    fs_hz: float
    t0_s: float = 0.0
    info: dict[str, Any] = field(default_factory=dict)
    out_of_bed: pd.DataFrame = field(default_factory=empty_intervals)


def _references(blocks: np.ndarray, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Look-back and look-ahead running medians (per axis) over ``w`` blocks (odd)."""
    back = np.empty_like(blocks)
    ahead = np.empty_like(blocks)
    h = w // 2
    for k in range(blocks.shape[1]):  # loop per axis
        back[:, k] = ndimage.median_filter(blocks[:, k], size=w, origin=h, mode="nearest")
        ahead[:, k] = ndimage.median_filter(blocks[:, k], size=w, origin=-h, mode="nearest")
    return back, ahead


def _empty_detected() -> pd.DataFrame:
    return pd.DataFrame(
        {c: pd.Series(dtype=float) for c in ("onset", "duration", "peak_g", "area_g_s", "tilt_deg")}
    )


def _empty_posture() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=float) for c in ("onset", "duration", "tilt_deg")})


def _movement_signal(
    a: np.ndarray,
    fs: float,
    blocks: np.ndarray,
    ref: np.ndarray,
    bn: int,
    rules: AccelRules,
) -> np.ndarray | None:
    """Gravity-removed acceleration magnitude (g, float32); None if too short to filter.

    ``posture``: ``|a - R|`` with the posture reference expanded from blocks to
    samples; ``median``: ``min(|a - M_b|, |a - M_a|)`` with the look-back and look-ahead
    running medians over ``gravity_window_s``; ``highpass``: the norm of the Butterworth
    high-passed axes.
    """
    n = a.shape[0]
    if rules.gravity_method == "posture":
        r = np.repeat(ref.astype(np.float32), bn, axis=0)[:n]
        s = np.linalg.norm(a - r, axis=1)
    elif rules.gravity_method == "median":
        back, ahead = _references(blocks, odd(rules.gravity_window_s * fs / bn))
        rb = np.repeat(back.astype(np.float32), bn, axis=0)[:n]
        ra = np.repeat(ahead.astype(np.float32), bn, axis=0)[:n]
        s = np.minimum(np.linalg.norm(a - rb, axis=1), np.linalg.norm(a - ra, axis=1))
        del rb, ra
    else:
        sos = sps.butter(2, rules.highpass_hz, btype="highpass", fs=fs, output="sos")
        if n <= 3 * 2 * sos.shape[0] * 3:
            return None
        hp = sps.sosfiltfilt(sos, a, axis=0).astype(np.float32)
        s = np.linalg.norm(hp, axis=1)
        del hp
    return s.astype(np.float32)


def detect_accel(
    xyz_g: np.ndarray,
    fs_hz: float,
    rules: AccelRules | None = None,
    t0_s: float = 0.0,
) -> AccelDetection:
    """Detect leg movements in one ankle's triaxial acceleration (docs/scoring.md §15.1).

    Parameters
    ----------
    xyz_g : array, shape (n, 3)
        Acceleration (g) of one continuous stretch (no NaN).
    fs_hz : float
        Sampling rate (Hz), at least 5 Hz.
    rules : AccelRules, optional
        Detection parameters (defaults: :class:`AccelRules`).
    t0_s : float
        Time of the first sample (s); output times are ``t0_s + sample / fs``.

    Returns
    -------
    AccelDetection
        LMs, posture changes (not LMs) and unscorable stretches.  See the module
        docstring for the algorithm.
    """
    rules = rules or AccelRules()
    a = np.asarray(xyz_g, dtype=np.float32)
    if a.ndim != 2 or a.shape[1] != 3:
        raise ValueError(f"expected an (n, 3) acceleration array, got shape {a.shape}")
    fs = float(fs_hz)
    if not np.isfinite(fs) or fs < 5:
        raise ValueError(f"sampling rate must be at least 5 Hz, got {fs_hz!r}")
    n = a.shape[0]
    empty = AccelDetection(
        _empty_detected(),
        _empty_posture(),
        empty_intervals(),
        np.zeros(n, np.float32),
        np.zeros(n, np.float32),
        fs,
        float(t0_s),
        {"n_candidates": 0},
    )
    if n < max(3, int(fs)):
        return empty
    if not np.isfinite(a).all():
        raise ValueError("acceleration holds NaN or inf; pass continuous stretches only")
    bn = block_size(fs)
    blk_s = bn / fs
    blocks = block_means(a, bn)  # (nb, 3) float64
    nb = blocks.shape[0]
    noise_g = axis_noise_g(blocks, bn)
    # 1. still runs; walking (periodic impacts, upright) with getting up and lying down
    r0, r1, still = still_runs(blocks, blk_s, bn, noise_g, rules)
    w_on, w_off = gait_bouts(a, fs, rules)
    busy = np.repeat(~still, bn)[:n]
    oob_on, oob_off = out_of_bed(w_on, w_off, busy, blocks, bn, fs, rules)
    del busy
    barrier = np.zeros(nb, bool)
    for s0, s1 in zip(oob_on, oob_off, strict=True):  # loop per out-of-bed stretch
        barrier[s0 // bn : -(-s1 // bn)] = True
    # 2. the posture reference: held through movements, re-estimated after posture changes
    ref = posture_reference(blocks, r0, r1, barrier, blk_s, rules)
    s = _movement_signal(a, fs, blocks, ref, bn, rules)
    if s is None:
        return empty
    # 3. the amplitude trace: the movement signal's envelope
    ne = odd(rules.envelope_s * fs) if rules.envelope_s > 0 else 1
    e = ndimage.uniform_filter1d(s, ne, mode="nearest") if ne > 1 else s
    # 4. resting level (one class: no elevated stretches), unscorable where it is high
    s_blk = block_means(s, bn)
    if barrier.any() and not barrier.all():  # out of bed is a gap: it raises no level
        s_blk[barrier] = np.median(s_blk[~barrier])
    b_blk, _ = resting_level(
        s_blk,
        blk_s,
        smooth_s=REST_SMOOTH_S,
        floor_s=rules.baseline_floor_s,
        window_s=rules.baseline_window_s,
        rest_above=rules.onset_above_rest_g,
    )
    b = np.repeat(b_blk.astype(np.float32), bn)[:n]
    unscorable, umask = stretches_above(b, fs, rules.unscorable_rest_g, t0_s=t0_s)
    above = e - b
    # 5. margins: the fixed ones, or more where this night's sensor is noisier
    noise = {"noise_g": noise_g, "envelope_sd_g": _envelope_sd(above, rules)}
    on_m = max(rules.onset_above_rest_g, rules.onset_above_noise_sd * noise["envelope_sd_g"])
    off_m = max(rules.offset_above_rest_g, rules.offset_above_noise_sd * noise["envelope_sd_g"])
    active, hi = threshold_masks(lambda i, j: above[i:j], n, on_m, off_m)
    if not (hi & ~umask).any() and oob_on.size == 0:  # no onset anywhere
        empty.unscorable = unscorable
        empty.baseline, empty.envelope = b, np.asarray(e, np.float32)
        empty.info.update(noise, onset_margin_g=on_m, offset_margin_g=off_m)
        return empty
    # onset, quiet-run offset, unscorable edges: the kernel (docs/scoring.md §3.2); the minimum
    # duration is applied after grouping, so that the pieces of a held movement count
    on, off, info = hysteresis_events(
        active,
        hi,
        fs,
        quiet_s=rules.offset_quiet_s,
        min_s=0.0,
        unscorable=umask,
    )
    del active, hi
    # events out of bed are part of the walk; the walks join the posture timeline
    if oob_on.size:
        inside = np.zeros(on.size, bool)
        for s0, s1 in zip(oob_on, oob_off, strict=True):  # loop per out-of-bed stretch
            inside |= (on < s1) & (off > s0)
        on = np.concatenate((on[~inside], oob_on))
        off = np.concatenate((off[~inside], oob_off))
        walk = np.concatenate((np.zeros(int((~inside).sum()), bool), np.ones(oob_on.size, bool)))
        order = np.argsort(on, kind="stable")
        on, off, walk = on[order], off[order], walk[order]
    else:
        walk = np.zeros(on.size, bool)
    on, off, kind, tilt = classify_events(on, off, ref, bn, fs, rules, walk)
    info.update(noise, onset_margin_g=on_m, offset_margin_g=off_m)
    info["posture_changes"] = int((kind == KIND_POSTURE).sum())
    info["out_of_bed"] = int((kind == KIND_WALK).sum())

    def table(sel: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "onset": t0_s + on[sel] / fs,
                "duration": (off[sel] - on[sel]) / fs,
                "tilt_deg": tilt[sel],
            }
        )

    pc = table(kind == KIND_POSTURE) if (kind == KIND_POSTURE).any() else _empty_posture()
    oob = (
        table(kind == KIND_WALK).drop(columns="tilt_deg")
        if (kind == KIND_WALK).any()
        else (empty_intervals())
    )
    lm = (kind == KIND_MOVEMENT) & ((off - on) >= rules.lm_min_s * fs - 1e-6)
    info["rejected_short"] = int(((kind == KIND_MOVEMENT) & ~lm).sum())
    on, off, tilt = on[lm], off[lm], tilt[lm]
    if on.size:
        d = np.maximum(above, 0).astype(np.float64)
        csum = np.concatenate(([0.0], np.cumsum(d)))
        area = (csum[off] - csum[on]) / fs
        ext = np.concatenate((above, [0.0])).astype(np.float64)
        idx = np.empty(2 * on.size, dtype=np.int64)
        idx[0::2], idx[1::2] = on, off
        peak = np.maximum.reduceat(ext, idx)[0::2]
        movements = pd.DataFrame(
            {
                "onset": t0_s + on / fs,
                "duration": (off - on) / fs,
                "peak_g": peak,
                "area_g_s": area,
                "tilt_deg": tilt,
            }
        )
    else:
        movements = _empty_detected()
    logger.debug(
        "accel: %d LMs, %d posture changes, %d out of bed, %d unscorable stretches",
        len(movements),
        len(pc),
        len(oob),
        len(unscorable),
    )
    return AccelDetection(
        movements, pc, unscorable, b, np.asarray(e, np.float32), fs, float(t0_s), info, oob
    )


def _envelope_sd(above: np.ndarray, rules: AccelRules) -> float:
    """Robust SD (1.4826 × MAD, g) of the envelope above the resting level, at rest.

    At rest = below the fixed onset margin.  The scale of the noise-scaled margins, as
    the EMG resting level follows resting EMG.
    """
    rest = above[above < rules.onset_above_rest_g]
    if rest.size <= 10:
        return 0.0
    return float(1.4826 * np.median(np.abs(rest - np.median(rest))))


def detect_accel_window(
    data: AccelData,
    t0_s: float,
    t1_s: float,
    rules: AccelRules | None = None,
    pad_s: float = 60.0,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Detect the LMs of every ankle between ``t0_s`` and ``t1_s`` (s from the start).

    Each continuous stretch overlapping the window (with ``pad_s`` of context on each
    side, for the references and the resting level) is detected separately.

    Returns
    -------
    movements : DataFrame
        ``onset``, ``duration``, ``side``, ``peak_g``, ``area_g_s``, ``tilt_deg``;
        movements overlapping the window.
    posture : DataFrame
        Posture changes (``onset``, ``duration``, ``side``, ``tilt_deg``).
    unscorable : DataFrame
        ``onset``, ``duration``, ``reason``: ``unscorable accelerometry (side)``, and
        ``out of bed (side)`` for walking with getting up and lying down (no LM, no IMI
        and no time in bed counted there).
    """
    rules = rules or AccelRules()
    mv, pc, un = [], [], []
    noise: dict[str, list[float]] = {}
    for side, ank in data.ankles.items():  # loop per ankle
        fs = ank.fs_hz
        for a, b in data.segments(max(0.0, t0_s - pad_s), min(data.duration_s, t1_s + pad_s)):
            i0 = int(math.ceil(a * fs - 1e-6))
            i1 = min(int(math.floor(b * fs + 1e-6)), ank.xyz_g.shape[0])
            if i1 - i0 < 2:
                continue
            piece = ank.xyz_g[i0:i1]
            ok = np.isfinite(piece).all(axis=1)
            s_on, s_off = runs(ok)
            for p0, p1 in zip(s_on, s_off, strict=True):  # loop per finite run
                det = detect_accel(piece[p0:p1], fs, rules, t0_s=(i0 + p0) / fs)
                if "noise_g" in det.info:
                    noise.setdefault(side, []).append(det.info["noise_g"])
                if len(det.movements):
                    mv.append(det.movements.assign(side=side))
                if len(det.posture_changes):
                    pc.append(det.posture_changes.assign(side=side))
                if len(det.unscorable):
                    un.append(det.unscorable.assign(reason=f"unscorable accelerometry ({side})"))
                if len(det.out_of_bed):
                    un.append(det.out_of_bed.assign(reason=f"{OUT_OF_BED} ({side})"))
    movements = (
        pd.concat(mv, ignore_index=True)
        if mv
        else _empty_detected().assign(side=pd.Series(dtype=object))
    )
    if len(movements):
        on = movements["onset"].to_numpy(float)
        off = on + movements["duration"].to_numpy(float)
        movements = movements[(off > t0_s) & (on < t1_s)]
        movements = movements.sort_values(["onset", "side"], kind="stable").reset_index(drop=True)
    posture = (
        pd.concat(pc, ignore_index=True).sort_values("onset", kind="stable").reset_index(drop=True)
        if pc
        else _empty_posture().assign(side=pd.Series(dtype=object))
    )
    unscorable = pd.concat(un, ignore_index=True) if un else empty_intervals(("reason",))
    movements.attrs["noise_g"] = {s: float(np.median(v)) for s, v in noise.items() if v}
    return movements, posture, unscorable
