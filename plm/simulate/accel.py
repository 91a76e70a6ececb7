"""Synthetic ankle accelerometry with planted leg movements (ground truth), and paired nights.

:func:`simulate_accel` builds the triaxial acceleration (g) of one or two ankles for a
table of planted leg movements (LMs) — by default the ``truth`` of
:func:`plm.simulate.nights.simulate_night`, so that :func:`simulate_paired_night` gives EMG and
accelerometry of the *same* movements.  Generation is vectorised: a loop runs per planted
event, never per sample.

The model
---------
* **Orientation.**  The sensor's x axis lies along the shank.  Lying in bed, the shank is
  within ±10° of horizontal (pitch ``psi``) and rolled about its axis by ``phi``
  (supine: -40..40°).  The static reading is the unit vector
  ``u = (sin psi, cos psi sin phi, cos psi cos phi)`` (1 g).
* **Posture changes** (``posture_changes_per_h``, both ankles within ±0.5 s; never
  within ``posture_clearance_s`` (20 s) of a planted LM): the roll steps by ±60-150° and
  the pitch by up to ±5° over 1.5-4 s (raised cosine), with body translation of 0.05-0.2
  g (band-limited 1-4 Hz noise under the same envelope).  They are *not* LMs.
* **Leg movements**: a transient flexion of the shank by ``theta(t)`` (peak log-uniform
  4-25°): raised-cosine rise (0.15-0.4 s, at most 30 % of the LM), plateau modulated
  between 1 and 1 - depth (depth 0-0.4, 0.3-1.5 Hz), raised-cosine return (0.2-0.5 s, at
  most 30 %), split between pitch (cos a) and roll (sin a, |a| < 0.5 rad); the leg comes
  back within ±``residual_deg`` (0.5°) of where it was.  Tangential acceleration
  ``L * theta''`` (lever ``L`` 0.1-0.4 m, knee or ankle to sensor) along the direction
  of motion, and a 3-8 Hz tremor of 0.005-0.02 g under the LM envelope.  Truth
  ``onset``/``duration`` = start of the rise to end of the return (the EMG truth of the
  same movement when paired).
* **Sensor**: Gaussian noise per axis, RMS drawn per ankle from ``noise_g`` (3-6 mg, the
  ADXL345 of an AX3 at 100 Hz), quantised to ``resolution_g`` (1/256 g, AX3 ±8 g).
* **Out of bed** (outside ``in_bed`` periods, for multi-day files): the shank is near
  vertical; bouts of walking (1-10 min: ±25° swing at 0.8-1.0 Hz with its tangential
  acceleration and 1-2 g heel strikes) alternate with sitting (5-30 min: pitch 50-80°,
  small fidgets); ``sitting_fraction`` sets the mix.

Writers: :func:`write_accel_edf` (EDF+ with ``L Ankle X``... channels and lights
annotations), :func:`write_accel_csv` (time column ISO or seconds; columns per ankle or one
ankle per file), :func:`write_cwa` (Axivity CWA: unpacked 16-bit or packed 10-bit samples,
fractional or whole-second time stamps, checksums; per the open specification in Open
Movement's ``cwa.h``).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from plm.simulate.accel_scenes import (
    add_walk,
    assign_sleep_postures,
    bandnoise,
    held_envelope,
    movement_envelope,
    overlaps,
    place_intervals,
    plan_walks,
    raised,
    random_rotation,
    twitch_envelope,
)
from plm.simulate.nights import SyntheticNight, simulate_night

__all__ = [
    "SyntheticAccel",
    "simulate_accel",
    "simulate_accel_night",
    "simulate_paired_night",
    "write_accel_edf",
    "write_accel_csv",
]

logger = logging.getLogger(__name__)


@dataclass
class SyntheticAccel:
    """Simulated ankle accelerometry and its planted truth.

    Attributes
    ----------
    fs_hz : float
        Sampling rate (Hz).
    ankles : dict
        ``left``/``right`` → (n, 3) float32 acceleration (g).
    truth : DataFrame
        Planted LMs: ``onset``, ``duration`` (s), ``side``, ``peak_deg``, ``lever_m``.
    posture_changes : DataFrame
        ``onset``, ``duration`` (s), ``roll_deg`` (the step), ``side``.
    start_datetime : datetime
        Clock time of the first sample.
    duration_s : float
        Length (s).
    lights_off_s, lights_on_s : float
        Time in bed of the (first) night.
    in_bed : ndarray, shape (k, 2)
        In-bed periods (s).
    params : dict
        Parameters and drawn values.
    out_of_bed : DataFrame
        ``onset``, ``duration`` (s) of the night-time walks (getting up to lying down).
    twitches : DataFrame
        ``onset``, ``duration`` (s), ``side``, ``peak_deg`` of the twitches (not LMs).
    """

    fs_hz: float
    ankles: dict[str, np.ndarray]
    truth: pd.DataFrame
    posture_changes: pd.DataFrame
    start_datetime: datetime
    duration_s: float
    lights_off_s: float
    lights_on_s: float
    in_bed: np.ndarray
    params: dict[str, Any] = field(default_factory=dict)
    out_of_bed: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame({"onset": [], "duration": []}, dtype=float)
    )
    twitches: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            {"onset": [], "duration": [], "side": [], "peak_deg": []}
        )
    )

    def to_accel_data(self):
        """Return the signals as :class:`plm.accel.AccelData` (no file)."""
        from pathlib import Path

        from plm.accel import AccelData, AnkleSignal

        return AccelData(
            path=Path("synthetic.csv"),
            ankles={
                s: AnkleSignal(s, x, self.fs_hz, [f"{s} x", f"{s} y", f"{s} z"])
                for s, x in self.ankles.items()
            },
            start_datetime=self.start_datetime,
            duration_s=self.duration_s,
            format="synthetic",
        )


_raised = raised
_bandnoise = bandnoise


def _lm_envelope(rng: np.random.Generator, n: int, fs: float) -> np.ndarray:
    """Shape (0..1) of one LM of ``n`` samples: rise, modulated plateau, return."""
    return movement_envelope(rng, n, fs, (0.15, 0.4), (0.2, 0.5), (0.0, 0.4), (0.3, 1.5), 0.3)


def _place_posture_changes(
    rng: np.random.Generator,
    rate_per_h: float,
    in_bed: np.ndarray,
    truth: pd.DataFrame,
    clearance_s: float,
    step_deg: tuple[float, float] = (60.0, 150.0),
    dur_s: tuple[float, float] = (1.5, 4.0),
    spacing_s: float = 120.0,
) -> list[tuple[float, float, float, float]]:
    """(onset, duration, roll step °, pitch step °) of posture changes in bed."""
    on = truth["onset"].to_numpy(float) if len(truth) else np.zeros(0)
    off = on + (truth["duration"].to_numpy(float) if len(truth) else 0.0)
    out: list[tuple[float, float, float, float]] = []
    for a, b in in_bed:  # loop per in-bed period
        target = int(rng.poisson(rate_per_h * (b - a) / 3600.0))
        tries = 0
        while sum(1 for o in out if a <= o[0] < b) < target and tries < 200 * max(target, 1):
            tries += 1  # loop per placement attempt
            d = float(rng.uniform(*dur_s))
            t = float(rng.uniform(a + 60.0, max(a + 60.0, b - 60.0 - d)))
            if np.any((on < t + d + clearance_s) & (off > t - clearance_s)):
                continue
            if any(abs(t - o[0]) < spacing_s for o in out):
                continue
            step = float(rng.uniform(*step_deg)) * (1 if rng.random() < 0.5 else -1)
            out.append((t, d, step, float(rng.uniform(-5.0, 5.0))))
    return sorted(out)


def _out_of_bed(
    rng: np.random.Generator, n: int, fs: float, in_bed: np.ndarray, sitting_fraction: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pitch/roll (deg), dynamic acceleration (g, (n, 3)) and in-bed mask."""
    t_end = n / fs
    psi = np.zeros(n)
    phi = np.zeros(n)
    dyn = np.zeros((n, 3))
    bed = np.zeros(n, dtype=bool)
    for a, b in in_bed:  # loop per in-bed period
        bed[int(round(a * fs)) : int(round(b * fs))] = True
    edges = np.diff(np.concatenate(([0], (~bed).astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    for s0, s1 in zip(starts, ends, strict=True):  # loop per out-of-bed stretch
        t = s0 / fs
        walking = sitting_fraction < 1.0 and rng.random() >= sitting_fraction
        while t < s1 / fs and t < t_end:  # loop per bout
            dur = rng.uniform(60, 600) if walking else rng.uniform(300, 1800)
            i0, i1 = int(round(t * fs)), min(int(round((t + dur) * fs)), s1)
            m = i1 - i0
            if m <= 0:
                break
            tt = np.arange(m) / fs
            if walking:
                f = rng.uniform(0.8, 1.0)
                swing = np.radians(25.0) * np.sin(2 * np.pi * f * tt)
                psi[i0:i1] = 90.0 + np.degrees(swing)
                phi[i0:i1] = rng.uniform(-20, 20)
                # shank swing about the knee (lever 0.4 m) and heel strikes of 1-2 g
                dyn[i0:i1, 1] += 0.4 * (2 * np.pi * f) ** 2 * swing / 9.80665
                impact = rng.uniform(1.0, 2.0) * np.clip(np.sin(2 * np.pi * f * tt), 0, None) ** 8
                dyn[i0:i1, 0] += impact
                dyn[i0:i1] += 0.1 * _bandnoise(rng, m, fs, 1.0, 8.0)[:, None]
            else:
                psi[i0:i1] = rng.uniform(50, 80) + 3.0 * _bandnoise(rng, m, fs, 0.01, 0.1)
                phi[i0:i1] = rng.uniform(-30, 30)
            t += dur
            walking = not walking and sitting_fraction < 1.0
            if sitting_fraction <= 0.0:
                walking = True
    return psi, phi, dyn, bed


def _plant_lm(
    rng: np.random.Generator,
    on: float,
    dur: float,
    fs: float,
    arrays: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    beds: np.ndarray,
    peak_range: tuple[float, float],
    residual_deg: float,
    envelope: Any = _lm_envelope,
) -> tuple[float, float] | None:
    """Add one LM to an ankle's (theta, alpha, tang, tremor, psi); (peak °, lever m) or None."""
    theta, alpha, tang, tremor, psi = arrays
    n = theta.size
    i0 = int(round(on * fs))
    m = max(2, int(round(dur * fs)))
    if i0 < 0 or i0 + m > n:
        return None
    peak = float(np.exp(rng.uniform(*np.log(peak_range))))
    env = envelope(rng, m, fs)
    lever = float(rng.uniform(0.1, 0.4))
    th = np.radians(peak) * env
    theta[i0 : i0 + m] += np.degrees(th)
    alpha[i0 : i0 + m] = float(rng.uniform(-0.5, 0.5))
    acc = np.gradient(np.gradient(th, 1 / fs), 1 / fs) * lever / 9.80665
    tang[i0 : i0 + m] += acc
    tremor[i0 : i0 + m] += float(rng.uniform(0.005, 0.02)) * env * _bandnoise(rng, m, fs, 3.0, 8.0)
    resid = float(rng.uniform(-residual_deg, residual_deg))
    k = np.searchsorted(beds[:, 1], on)
    bed_end = int(round(beds[min(k, len(beds) - 1), 1] * fs))
    psi[i0 + m : bed_end] += resid
    return peak, lever


def _apply_turn(
    psi: np.ndarray,
    phi: np.ndarray,
    dyn: np.ndarray,
    rng: np.random.Generator,
    fs: float,
    beds: np.ndarray,
    turn: tuple[float, float, float, float],
    amp_g: tuple[float, float],
) -> float:
    """Write one posture change (raised-cosine roll/pitch step, body translation); its onset."""
    t, d, roll, pitch = turn
    t_s = t + float(rng.uniform(-0.5, 0.5))
    i0 = int(round(t_s * fs))
    m = max(2, int(round(d * fs)))
    ramp = _raised(m, True)
    seg_end = i0 + m
    # the new posture lasts until the end of this in-bed period
    k = np.searchsorted(beds[:, 1], t_s)
    bed_end = int(round(beds[min(k, len(beds) - 1), 1] * fs))
    phi[i0:seg_end] += roll * ramp
    phi[seg_end:bed_end] += roll
    psi[i0:seg_end] += pitch * ramp
    psi[seg_end:bed_end] += pitch
    env = np.sin(np.pi * np.arange(m) / m)
    amp = float(rng.uniform(*amp_g))
    dyn[i0:seg_end] += (
        amp * env[:, None] * np.column_stack([_bandnoise(rng, m, fs, 1.0, 4.0) for _ in range(3)])
    )
    return t_s


def _intervals(df: pd.DataFrame) -> list[tuple[float, float]]:
    on = df["onset"].to_numpy(float)
    return list(zip(on, on + df["duration"].to_numpy(float), strict=True))


def simulate_accel(
    truth: pd.DataFrame | None = None,
    duration_s: float = 8 * 3600,
    fs_hz: float = 50.0,
    seed: int | None = 0,
    *,
    sides: tuple[str, ...] = ("left", "right"),
    posture_changes_per_h: float = 2.0,
    posture_clearance_s: float = 20.0,
    noise_g: tuple[float, float] = (0.003, 0.006),
    resolution_g: float = 1.0 / 256.0,
    peak_deg: tuple[float, float] = (4.0, 25.0),
    residual_deg: float = 0.5,
    in_bed: np.ndarray | list[tuple[float, float]] | None = None,
    sitting_fraction: float = 0.5,
    lights_off_s: float | None = None,
    lights_on_s: float | None = None,
    start_datetime: datetime = datetime(2026, 1, 1, 22, 30, 0),
    long_lms_per_h: float = 0.0,
    partial_turns_per_h: float = 0.0,
    lm_before_turn_fraction: float = 0.0,
    n_walks: int = 0,
    twitches_per_h: float = 0.0,
    sleep_postures: tuple[str, ...] = (),
    sensor_rotation: bool = False,
    start_delay_s: tuple[float, float] = (0.0, 0.0),
) -> SyntheticAccel:
    """Simulate ankle accelerometry for planted LMs (see the module docstring).

    Parameters
    ----------
    truth : DataFrame, optional
        Planted monolateral LMs (``onset``, ``duration`` in s, ``side``); e.g.
        ``simulate_night(...).truth``.  Default: none (only posture changes).
    duration_s : float
        Recording length (s).
    fs_hz : float
        Sampling rate (Hz), 25-100 Hz typical.
    seed : int or None
        Seed of ``numpy.random.default_rng``.
    sides : tuple of str
        Ankles to simulate.
    posture_changes_per_h : float
        Posture changes per hour in bed (Poisson).
    posture_clearance_s : float
        No posture change within this many seconds of a planted LM.
    noise_g : (float, float)
        Range of the per-axis sensor noise RMS (g), drawn per ankle.
    resolution_g : float
        Quantisation step (g); 0 for none.
    peak_deg : (float, float)
        Range (log-uniform) of the LM's peak flexion (degrees).
    residual_deg : float
        The leg comes back within ± this many degrees of its position before the LM.
    in_bed : array (k, 2), optional
        In-bed periods (s); default: lights off to lights on (the whole recording when
        those are not given).
    sitting_fraction : float
        Out of bed, the chance that a stretch starts with sitting (bouts then alternate);
        0 = walking only, 1 = sitting only.
    lights_off_s, lights_on_s : float, optional
        Time in bed of a single night.
    start_datetime : datetime
        Clock time of the first sample.
    long_lms_per_h, partial_turns_per_h, lm_before_turn_fraction, n_walks, twitches_per_h, \
sleep_postures, sensor_rotation, start_delay_s
        Opt-in scenes (:mod:`plm.simulate.accel_scenes`): held movements of 11-20 s per
        hour in bed; partial turns (15-40°) per hour in bed; the share of turns preceded
        by an LM; night-time walks; twitches (0.1-0.3 s, not LMs) per hour in bed; the
        sleep postures (``supine``, ``left``, ``right``, ``prone``); a random sensor
        orientation per ankle; the range (s) of each ankle's missing start.  With the
        defaults the output is that of the generator without scenes, byte for byte.

    Returns
    -------
    SyntheticAccel
        ``truth`` has a ``kind`` column (``lm``, ``long``, ``before_turn``);
        ``posture_changes`` one (``turn``, ``partial``); ``out_of_bed`` the walks.
    """
    rng = np.random.default_rng(seed)
    # the opt-in scenes draw from their own generator: defaults leave `rng` untouched
    rng2 = np.random.default_rng(None if seed is None else [int(seed), 16])
    fs = float(fs_hz)
    n = int(round(duration_s * fs))
    duration_s = n / fs
    if truth is None:
        truth = pd.DataFrame({"onset": [], "duration": [], "side": []})
    truth = truth[truth["side"].astype(str).isin(sides)].reset_index(drop=True)
    lo = 0.0 if lights_off_s is None else float(lights_off_s)
    hi = duration_s if lights_on_s is None else float(lights_on_s)
    beds = np.asarray(in_bed if in_bed is not None else [(lo, hi)], dtype=float).reshape(-1, 2)
    psi_o, phi_o, dyn_o, bed = _out_of_bed(rng, n, fs, beds, sitting_fraction)
    walks = plan_walks(rng2, n_walks, beds)
    walk_iv = [(w[0], w[0] + w[1] + w[2] + w[3]) for w in walks]
    clear = truth
    if walk_iv:  # no LM while walking; no posture change near a walk
        keep = [not overlaps(walk_iv, a, b, 15.0) for a, b in _intervals(truth)]
        truth = truth[np.asarray(keep, dtype=bool)].reset_index(drop=True)
        iv = pd.DataFrame(walk_iv, columns=["onset", "off"])
        clear = pd.concat(
            [truth, iv.assign(duration=iv["off"] - iv["onset"]).drop(columns="off")],
            ignore_index=True,
        )
    postures = _place_posture_changes(rng, posture_changes_per_h, beds, clear, posture_clearance_s)
    blocked = _intervals(clear) + [(t, t + d) for t, d, _, _ in postures]
    partial: list[tuple[float, float, float, float]] = []
    if partial_turns_per_h > 0:
        targets = [int(rng2.poisson(partial_turns_per_h * (b - a) / 3600.0)) for a, b in beds]
        for t, d in place_intervals(
            rng2, targets, beds, (2.0, 6.0), blocked, max(posture_clearance_s, 30.0)
        ):  # loop per partial turn
            step = float(rng2.uniform(15.0, 40.0)) * (1 if rng2.random() < 0.5 else -1)
            partial.append((t, d, step, float(rng2.uniform(-5.0, 5.0))))
    # extra planted movements: (onset, duration, side, kind)
    extra: list[tuple[float, float, str, str]] = []
    if lm_before_turn_fraction > 0:
        for t, _, _, _ in sorted(postures + partial):  # loop per turn
            if rng2.random() >= lm_before_turn_fraction:
                continue
            d, gap = float(rng2.uniform(0.5, 4.0)), float(rng2.uniform(1.5, 3.0))
            on = t - gap - d
            if not overlaps(_intervals(truth), on, on + d, 3.0):
                extra.append((on, d, str(rng2.choice(list(sides))), "before_turn"))
                blocked.append((on, on + d))
    if long_lms_per_h > 0:
        targets = [int(rng2.poisson(long_lms_per_h * (b - a) / 3600.0)) for a, b in beds]
        for t, d in place_intervals(rng2, targets, beds, (11.0, 20.0), blocked, 20.0):
            extra.append((t, d, str(rng2.choice(list(sides))), "long"))
    twitch_iv: list[tuple[float, float, str]] = []
    if twitches_per_h > 0:
        targets = [int(rng2.poisson(twitches_per_h * (b - a) / 3600.0)) for a, b in beds]
        for t, d in place_intervals(rng2, targets, beds, (0.1, 0.3), blocked, 3.0):
            twitch_iv.append((t, d, str(rng2.choice(list(sides)))))
    # per in-bed period: initial lying orientation (shared by the ankles, small offsets)
    base_psi = np.zeros(n)
    base_phi = np.zeros(n)
    for a, b in beds:  # loop per in-bed period
        i0, i1 = int(round(a * fs)), int(round(b * fs))
        base_psi[i0:i1] = rng.uniform(-10, 10)
        base_phi[i0:i1] = rng.uniform(-40, 40)
    if sleep_postures:
        base_roll, postures = assign_sleep_postures(rng2, sleep_postures, beds, postures, partial)
        for (a, b), r in zip(beds, base_roll, strict=True):  # loop per in-bed period
            base_phi[int(round(a * fs)) : int(round(b * fs))] = r
    ankles: dict[str, np.ndarray] = {}
    rows = []
    pc_rows = []
    twitch_rows = []
    params: dict[str, Any] = {"fs_hz": fs, "seed": seed, "duration_s": duration_s}
    for k_side, side in enumerate(sides):  # loop per ankle
        psi = np.where(bed, base_psi + rng.uniform(-3, 3), psi_o)
        phi = np.where(bed, base_phi + rng.uniform(-10, 10), phi_o)
        dyn = dyn_o.copy()
        for turn in postures:  # loop per posture change
            t_s = _apply_turn(psi, phi, dyn, rng, fs, beds, turn, (0.05, 0.2))
            pc_rows.append((t_s, turn[1], turn[2], side, "turn"))
        for turn in partial:  # loop per partial turn
            t_s = _apply_turn(psi, phi, dyn, rng2, fs, beds, turn, (0.02, 0.08))
            pc_rows.append((t_s, turn[1], turn[2], side, "partial"))
        lm = truth[truth["side"].astype(str) == side]
        arrays = (np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n), psi)
        theta, alpha, tang, tremor, _ = arrays
        for on, dur in zip(
            lm["onset"].to_numpy(float), lm["duration"].to_numpy(float), strict=True
        ):  # loop per planted LM
            got = _plant_lm(rng, on, dur, fs, arrays, beds, peak_deg, residual_deg)
            if got is not None:
                rows.append((on, dur, side, got[0], got[1], "lm"))
        for on, dur, s_lm, kind in extra:  # loop per extra planted LM (scenes)
            if s_lm != side:
                continue
            env = held_envelope if kind == "long" else _lm_envelope
            pk = (5.0, 25.0) if kind == "long" else peak_deg
            got = _plant_lm(rng2, on, dur, fs, arrays, beds, pk, residual_deg, env)
            if got is not None:
                rows.append((on, dur, side, got[0], got[1], kind))
        for on, dur, s_tw in twitch_iv:  # loop per twitch (not an LM)
            if s_tw == side:
                got = _plant_lm(rng2, on, dur, fs, arrays, beds, (3.0, 10.0), 0.0, twitch_envelope)
                if got is not None:
                    twitch_rows.append((on, dur, side, got[0]))
        for w in walks:  # loop per night-time walk: the ankles step in antiphase
            add_walk(rng2, psi, phi, dyn, fs, w, np.pi * k_side)
        psi_t = np.radians(psi + theta * np.cos(alpha))
        phi_t = np.radians(phi + theta * np.sin(alpha))
        cp, sp = np.cos(psi_t), np.sin(psi_t)
        cr, sr = np.cos(phi_t), np.sin(phi_t)
        u = np.column_stack((sp, cp * sr, cp * cr))
        # direction of the flexion (d u / d psi), for the tangential acceleration
        du = np.column_stack((cp, -sp * sr, -sp * cr))
        x = u + du * tang[:, None] + dyn + tremor[:, None] * np.array([0.3, 0.6, 0.75])
        if sensor_rotation:  # the sensor's axes in an arbitrary orientation on the ankle
            rot = random_rotation(rng2)
            x = x @ rot.T
            params[f"rotation_{side}"] = rot.tolist()
        sigma = float(rng.uniform(*noise_g))
        x += sigma * rng.standard_normal((n, 3))
        if resolution_g > 0:
            x = np.round(x / resolution_g) * resolution_g
        if start_delay_s[1] > 0:  # this device started later: its first samples are missing
            delay = float(rng2.uniform(*start_delay_s))
            x[: int(round(delay * fs))] = np.nan
            params[f"start_delay_s_{side}"] = delay
        ankles[side] = x.astype(np.float32)
        params[f"noise_g_{side}"] = sigma
    cols = ["onset", "duration", "side", "peak_deg", "lever_m", "kind"]
    truth_out = pd.DataFrame(rows, columns=cols)
    truth_out = truth_out.sort_values(["onset", "side"], kind="stable").reset_index(drop=True)
    pcs = pd.DataFrame(pc_rows, columns=["onset", "duration", "roll_deg", "side", "kind"])
    pcs = pcs.sort_values(["onset", "side"], kind="stable").reset_index(drop=True)
    oob = pd.DataFrame(
        {"onset": [a for a, _ in walk_iv], "duration": [b - a for a, b in walk_iv]}, dtype=float
    )
    tw = pd.DataFrame(twitch_rows, columns=["onset", "duration", "side", "peak_deg"])
    params.update(posture_changes_per_h=posture_changes_per_h, n_posture_changes=len(postures))
    return SyntheticAccel(
        fs_hz=fs,
        ankles=ankles,
        truth=truth_out,
        posture_changes=pcs,
        start_datetime=start_datetime,
        duration_s=duration_s,
        lights_off_s=float(beds[0, 0]),
        lights_on_s=float(beds[0, 1]),
        in_bed=beds,
        params=params,
        out_of_bed=oob,
        twitches=tw,
    )


def simulate_accel_night(
    duration_s: float = 8 * 3600,
    fs_hz: float = 50.0,
    seed: int | None = 0,
    plms_per_h: float = 30.0,
    isolated_per_h: float = 10.0,
    bilateral_fraction: float = 0.3,
    *,
    pre_bed_s: float = 0.0,
    post_bed_s: float = 0.0,
    **kwargs: Any,
) -> SyntheticAccel:
    """One night in bed: the movements of :func:`plm.simulate.simulate_night`, as accelerometry.

    The planted movements (series with IMIs 11-85 s, isolated LMs, bilateral LMs) come
    from :func:`plm.simulate.nights.simulate_night` with the same seed (its EMG is simulated at a
    cheap 50 Hz and discarded); lights off/on are that night's.  ``pre_bed_s`` and
    ``post_bed_s`` add that much time out of bed (walking and sitting, see
    ``sitting_fraction``) before lights off and after lights on; the clock time of lights
    off stays the same.
    """
    night = simulate_night(
        duration_s,
        fs_hz=50.0,
        seed=seed,
        plms_per_h=plms_per_h,
        isolated_per_h=isolated_per_h,
        bilateral_fraction=bilateral_fraction,
        amplitude_uv=(25.0, 200.0),
    )
    truth, start = night.truth, night.start_datetime
    if pre_bed_s or post_bed_s:
        truth = truth.assign(onset=truth["onset"] + pre_bed_s)
        start = start - timedelta(seconds=pre_bed_s)
    return simulate_accel(
        truth,
        duration_s=night.duration_s + pre_bed_s + post_bed_s,
        fs_hz=fs_hz,
        seed=None if seed is None else seed + 1,
        lights_off_s=night.lights_off_s + pre_bed_s,
        lights_on_s=night.lights_on_s + pre_bed_s,
        start_datetime=start,
        **kwargs,
    )


def simulate_paired_night(
    duration_s: float = 2 * 3600,
    emg_fs_hz: float = 200.0,
    accel_fs_hz: float = 50.0,
    seed: int | None = 0,
    plms_per_h: float = 60.0,
    isolated_per_h: float = 10.0,
    bilateral_fraction: float = 0.3,
    **kwargs: Any,
) -> tuple[SyntheticNight, SyntheticAccel]:
    """EMG and ankle accelerometry of the same planted movements.

    Returns
    -------
    (SyntheticNight, SyntheticAccel)
        The EMG night of :func:`plm.simulate.nights.simulate_night` and accelerometry of its
        ``truth`` (same onsets, durations and sides), same start time and lights.
    """
    night = simulate_night(
        duration_s,
        fs_hz=emg_fs_hz,
        seed=seed,
        plms_per_h=plms_per_h,
        isolated_per_h=isolated_per_h,
        bilateral_fraction=bilateral_fraction,
    )
    acc = simulate_accel(
        night.truth,
        duration_s=night.duration_s,
        fs_hz=accel_fs_hz,
        seed=None if seed is None else seed + 1,
        lights_off_s=night.lights_off_s,
        lights_on_s=night.lights_on_s,
        start_datetime=night.start_datetime,
        **kwargs,
    )
    return night, acc


# --------------------------------------------------------------------------------------
# writers
# --------------------------------------------------------------------------------------

_LABELS = {"left": "L Ankle {}", "right": "R Ankle {}"}


def write_accel_edf(
    acc: SyntheticAccel,
    path: str | os.PathLike[str],
    units: str = "g",
    labels: dict[str, str] | None = None,
    annotations: bool = True,
) -> None:
    """Write the accelerometry as EDF+C: ``L Ankle X``... channels, lights annotations.

    Parameters
    ----------
    acc : SyntheticAccel
    path : path-like
    units : {'g', 'm/s2', 'mg'}
        Physical dimension of the channels (values converted).
    labels : dict, optional
        ``side`` → label template with ``{}`` for the axis letter.
    annotations : bool
        Write ``Lights off`` / ``Lights on`` annotations.
    """
    from plm.io.edf import SignalSpec, write_edf

    factor = {"g": 1.0, "m/s2": 9.80665, "mg": 1000.0}[units]
    labels = labels or _LABELS
    rng_phys = 8.0 * factor
    specs = []
    n_whole = int(acc.duration_s) * int(acc.fs_hz)
    for side, x in acc.ankles.items():
        for k, ax in enumerate("XYZ"):
            specs.append(
                SignalSpec(
                    label=labels[side].format(ax),
                    data=x[:n_whole, k].astype(np.float64) * factor,
                    fs_hz=acc.fs_hz,
                    physical_dimension=units,
                    physical_min=-rng_phys,
                    physical_max=rng_phys,
                    transducer="triaxial accelerometer",
                )
            )
    ann = None
    if annotations:
        ann = pd.DataFrame(
            {
                "onset": [acc.lights_off_s, acc.lights_on_s],
                "duration": [0.0, 0.0],
                "description": ["Lights off", "Lights on"],
            }
        )
        ann = ann[ann["onset"] < int(acc.duration_s)]
    write_edf(path, specs, acc.start_datetime, annotations=ann, file_type="EDF+C")


def write_accel_csv(
    acc: SyntheticAccel,
    path: str | os.PathLike[str],
    side: str | None = None,
    time: str = "iso",
    units: str = "g",
) -> None:
    """Write the accelerometry as CSV.

    Parameters
    ----------
    acc : SyntheticAccel
    path : path-like
    side : str, optional
        Write one ankle (columns ``timestamp,x,y,z``); default: every ankle
        (``left_x,left_y,left_z,right_x,...``).
    time : {'iso', 'seconds'}
        ISO date-time ``timestamp`` column, or ``seconds`` from the start.
    units : {'g', 'm/s2', 'mg'}
        Values converted; the unit is not written in the column names.
    """
    from plm._util import atomic_write

    factor = {"g": 1.0, "m/s2": 9.80665, "mg": 1000.0}[units]
    n = next(iter(acc.ankles.values())).shape[0]
    t = np.arange(n) / acc.fs_hz
    cols: dict[str, Any] = {}
    if time == "iso":
        cols["timestamp"] = (
            pd.Timestamp(acc.start_datetime) + pd.to_timedelta(t, unit="s")
        ).strftime("%Y-%m-%dT%H:%M:%S.%f")
    else:
        cols["seconds"] = np.round(t, 4)
    chosen = [side] if side else list(acc.ankles)
    for s in chosen:
        for k, ax in enumerate("xyz"):
            name = ax if side else f"{s}_{ax}"
            cols[name] = np.round(acc.ankles[s][:, k].astype(np.float64) * factor, 5)
    with atomic_write(path, "w", encoding="utf-8", newline="") as fh:
        pd.DataFrame(cols).to_csv(fh, index=False)
