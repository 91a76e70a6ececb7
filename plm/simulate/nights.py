"""Synthetic polysomnography nights with planted leg movements (ground truth).

:func:`simulate_night` builds two leg-EMG channels (µV) with known leg movements (LMs),
a plausible hypnogram, respiratory events, arousals and optional artefacts, all from one
seed (``numpy.random.default_rng(seed)``).  Generation is vectorised: a loop runs per
planted event (LM, series, pop, awakening), never per sample.

The model
---------
* **Resting EMG**: Gaussian noise band-limited to 10-200 Hz (upper edge capped at
  0.45·fs), RMS drawn per leg from ``rest_rms_uv`` (1-5 µV), multiplied by a slow
  log-normal drift (knots every 60 s, ±15 %, clipped to 0.7-1.4x).
* **Leg movements**: an envelope ``a(t)`` (µV RMS) times the same band-limited carrier,
  combined with the resting noise as ``noise(t) * sqrt(rest(t)**2 + a(t)**2)``.  The
  envelope has a raised-cosine rise (0.05-0.15 s), a plateau modulated between 0.4 and
  1.0 of ``amplitude_uv`` (a cosine of 0.3-1.5 Hz that starts at 1.0), and a
  raised-cosine decay (0.05-0.2 s).  ``amplitude_uv`` (the plateau RMS of the 10-200 Hz
  carrier) is log-uniform in ``amplitude_uv`` = (25, 200) µV: after the detector's
  10-100 Hz band-pass the mean rectified plateau is about 0.53x that (13-105 µV), at
  least ~11 µV above the rest level at the plateau start (onset: rest + 8 µV) and still
  above rest + 2 µV in the plateau's deepest dips (no split LMs), even with 5 µV RMS
  rest.  Weaker movements are not planted: their onsets would be ambiguous.
* **Truth**: ``onset`` = start of the rise, ``offset`` = end of the decay (where the
  envelope leaves and returns to zero), so the expected detection differs from the
  truth by at most the rise/decay times (< 0.2 s).  Durations (onset to offset) are
  log-normal around 1.8 s (mostly 1-4 s), clipped to 0.75-10 s: the 0.75 s floor keeps
  the detected duration of the shortest LMs above the 0.5 s minimum.
* **Periodic series**: runs of 4-40 movements whose IMIs are log-normal around a
  per-series median of 18-40 s (σ = 0.25), clipped to 11-85 s (inside [10, 90] with a
  margin for onset errors), mostly in sleep (a fraction ``wake_series_fraction`` in
  wake).  **Isolated** movements are at least 95 s from any other planted movement;
  series are at least 95 s apart, so series never merge.  ``plms_per_h`` and
  ``isolated_per_h`` are rates per hour of recording.
* **Bilateral** movements (probability ``bilateral_fraction``): both legs, the second
  leg's onset jittered by up to ±0.3 s, its own duration (±20 %) and amplitude.  Planted
  movements of the same leg are at least 1 s apart (offset to next onset).
* **Hypnogram** (30-s epochs): 10-25 min of W, then ~90-min cycles N1 → N2 → N3 (mostly
  in the first two cycles) → N2 → R (longer later), brief awakenings, 3-10 min of W at
  the end.  **Respiratory events** (``Obstructive Apnea`` / ``Hypopnea``, 10-40 s) in
  sleep, about half of them ending 0-8 s before a planted movement.  **Arousals**
  (3-15 s) start -0.5 to 1.5 s after 30 % of the movements, plus spontaneous ones.
* **Artefacts** (``artifacts=True`` or a set of names):

  - ``'mains'``: 50 Hz hum (``mains_hz``), 5-20 µV amplitude, slowly modulated, plus
    a 10 % third harmonic, identical phase on both legs;
  - ``'ecg'``: QRS bleed-through, 10-30 µV peak per leg (jittered ±10 % per beat) at
    60-80 bpm with respiratory sinus arrhythmia, and a separate ECG channel
    (``ecg_uv``, PQRST of ~1 mV at ``ecg_fs_hz``);
  - ``'pops'``: electrode pops, ``pops_per_h`` per leg, a step of 100-1000 µV decaying
    exponentially (time constant 10-40 ms, so < 2 % left after 0.16 s), at least 2 s
    from any planted LM of that leg;
  - ``'noisy'``: one stretch of ``noisy_duration_s`` (10 min, at most 20 % of the
    night) of ``noisy_rms_uv`` (50 µV RMS, 10-200 Hz) noise on one leg, at least 95 s
    from any planted movement.  The detector should report it as unscorable: its
    rectified mean after the 10-100 Hz band-pass is ~26 µV, above the 15 µV cut-off.
    (30 µV RMS gives only ~16 µV after the band-pass, too close to the cut-off for an
    unambiguous test; 20 µV RMS, ~10.5 µV, is scorable noise.)
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from scipy import signal as sps

from plm._util import atomic_write
from plm.events import Hypnogram, NightEvents, empty_intervals
from plm.simulate.artifacts import SIGNAL_ARTIFACTS, add_signal_artifacts, empty_artifact_table

__all__ = [
    "ARTIFACTS",
    "SIGNAL_ARTIFACTS",
    "SyntheticNight",
    "MatchResult",
    "simulate_night",
    "simulate_quiet_night",
    "match_events",
    "write_truth_tsv",
    "write_night_edf",
]

logger = logging.getLogger(__name__)

#: Names accepted by ``simulate_night(artifacts=...)``.
ARTIFACTS: tuple[str, ...] = ("mains", "ecg", "pops", "noisy")

_ISOLATION_S = 95.0  # no planted movement closer than this to an isolated LM or a series
_SAME_LEG_GAP_S = 1.0  # planted same-leg LMs: offset to next onset at least this
_TRUTH_COLUMNS = (
    "onset",
    "duration",
    "side",
    "amplitude_uv",
    "kind",
    "movement_id",
    "series_id",
    "bilateral",
)


@dataclass
class SyntheticNight:
    """A simulated night and its planted truth.

    Attributes
    ----------
    fs_hz : float
        Leg-EMG sampling rate (Hz).
    left_uv, right_uv : ndarray of float32
        Raw leg EMG (µV), before any filtering.
    ecg_uv : ndarray of float32 or None
        ECG channel (µV) when simulated.
    ecg_fs_hz : float or None
        ECG sampling rate (Hz).
    truth : DataFrame
        Planted monolateral LMs: ``onset``, ``duration`` (s), ``side`` (left/right), and
        ``amplitude_uv``, ``kind`` (periodic/isolated), ``movement_id`` (shared by the
        two legs of a bilateral movement), ``series_id`` (-1 for isolated LMs),
        ``bilateral``.
    noisy_stretches : DataFrame
        ``onset``, ``duration`` (s), ``side`` of the noise stretches (no truth LM inside).
    hypnogram : Hypnogram
        30-s epochs, codes W/N1/N2/N3/R.
    respiratory : DataFrame
        ``onset``, ``duration`` (s), ``type`` ('Obstructive Apnea' or 'Hypopnea').
    arousals : DataFrame
        ``onset``, ``duration`` (s).
    pops : DataFrame
        ``onset`` (s), ``side``, ``amplitude_uv`` of the electrode pops.
    start_datetime : datetime
        Clock time of the first sample (nights cross midnight).
    duration_s : float
        Length (s).
    lights_off_s, lights_on_s : float
        Analysis window.
    params : dict
        Every parameter used, including the drawn per-night values.
    r_peaks_s : ndarray or None
        Planted R-peak times (s) whenever beats were simulated (ECG channel or bleed).
    hr_response : DataFrame or None
        With ``cardio=True``: one row per planted movement, ``movement_id``, ``onset``,
        ``offset`` (s), ``category``, ``peak_bpm`` (planted peak ΔHR, bpm), ``latency_s``
        (s from onset to the peak); see :mod:`plm.simulate.cardio`.
    spo2 : ndarray of float32 or None
        With ``spo2=True``: SpO2 (%) at ``spo2_fs_hz``, written instead of the placeholder.
    spo2_fs_hz : float or None
        SpO2 sampling rate (Hz).
    desaturations : DataFrame or None
        With ``spo2=True``: planted desaturations, ``movement_id``, ``onset`` (s),
        ``nadir_s`` (s), ``drop_pct``.
    """

    fs_hz: float
    left_uv: np.ndarray
    right_uv: np.ndarray
    ecg_uv: np.ndarray | None
    ecg_fs_hz: float | None
    truth: pd.DataFrame
    noisy_stretches: pd.DataFrame
    hypnogram: Hypnogram
    respiratory: pd.DataFrame
    arousals: pd.DataFrame
    start_datetime: datetime
    duration_s: float
    lights_off_s: float = 0.0
    lights_on_s: float = 0.0
    pops: pd.DataFrame = field(default_factory=lambda: empty_intervals(("side",)))
    params: dict[str, Any] = field(default_factory=dict)
    r_peaks_s: np.ndarray | None = None
    hr_response: pd.DataFrame | None = None
    spo2: np.ndarray | None = None
    spo2_fs_hz: float | None = None
    desaturations: pd.DataFrame | None = None
    artifact_events: pd.DataFrame = field(default_factory=empty_artifact_table)

    @property
    def unscorable_stretches(self) -> pd.DataFrame:
        """``onset``, ``duration``, ``side`` of every stretch that must be unscorable.

        The noisy stretches and the flat and lead-off stretches of
        :data:`SIGNAL_ARTIFACTS`.
        """
        art = self.artifact_events
        long = art[art["kind"].isin(["flat", "leadoff"])][["onset", "duration", "side"]]
        parts = [p for p in (self.noisy_stretches[["onset", "duration", "side"]], long) if len(p)]
        if not parts:
            return empty_intervals(("side",))
        out = pd.concat(parts, ignore_index=True)
        return out.sort_values("onset", kind="stable").reset_index(drop=True)

    def leg(self, side: str) -> np.ndarray:
        """Return the raw EMG of ``'left'`` or ``'right'``."""
        if side not in ("left", "right"):
            raise ValueError(f"side must be 'left' or 'right', got {side!r}")
        return self.left_uv if side == "left" else self.right_uv

    def to_events(self) -> NightEvents:
        """Return the planted truth as :class:`plm.events.NightEvents` (for the engine)."""
        stretches = self.unscorable_stretches
        gaps = stretches[["onset", "duration"]].copy()
        gaps["reason"] = (
            "unscorable leg EMG (synthetic noise, " + stretches["side"].astype(str) + ")"
        )
        return NightEvents(
            movements=self.truth[["onset", "duration", "side"]].reset_index(drop=True),
            hypnogram=self.hypnogram,
            respiratory=self.respiratory.copy(),
            arousals=self.arousals.copy(),
            lights_off_s=self.lights_off_s,
            lights_on_s=self.lights_on_s,
            recording_duration_s=self.duration_s,
            gaps=gaps.reset_index(drop=True),
            start_datetime=self.start_datetime.isoformat(),
        )


# --------------------------------------------------------------------------- helpers


def _artifact_set(artifacts: bool | str | Iterable[str] | None) -> set[str]:
    if artifacts is True:
        return set(ARTIFACTS)
    if artifacts is False or artifacts is None:
        return set()
    names = {artifacts} if isinstance(artifacts, str) else set(artifacts)
    known = ARTIFACTS + SIGNAL_ARTIFACTS
    unknown = names - set(known)
    if unknown:
        raise ValueError(f"unknown artifact name(s) {sorted(unknown)}; choose from {known}")
    return names


def _bandlimited_noise(
    rng: np.random.Generator, n: int, fs: float, lo: float = 10.0, hi: float = 200.0
) -> np.ndarray:
    """Unit-RMS Gaussian noise band-limited to [lo, min(hi, 0.45 fs)] Hz (float32)."""
    hi = min(hi, 0.45 * fs)
    sos = sps.butter(4, [lo, hi], btype="bandpass", fs=fs, output="sos").astype(np.float32)
    w = rng.standard_normal(n + int(fs), dtype=np.float32)  # 1 s discarded: filter start-up
    y = sps.sosfilt(sos, w)[int(fs) :]
    sd = float(np.sqrt(np.mean(np.square(y, dtype=np.float64)))) if n else 1.0
    return (y / np.float32(sd if sd > 0 else 1.0)).astype(np.float32, copy=False)


def _hypnogram(rng: np.random.Generator, duration_s: float, epoch_s: float = 30.0) -> np.ndarray:
    """Plausible stage sequence (W at start, NREM/REM cycles, awakenings, W at end)."""
    n_ep = int(np.ceil(duration_s / epoch_s))
    parts: list[tuple[str, int]] = [("W", int(rng.integers(20, 51)))]
    cycle = 0
    total = parts[0][1]
    while total < n_ep:
        early = cycle < 2
        seq = [
            ("N1", int(rng.integers(2, 7))),
            ("N2", int(rng.integers(20, 41))),
            ("N3", int(rng.integers(20, 41)) if early else int(rng.integers(0, 11))),
            ("N2", int(rng.integers(10, 26))),
            ("R", int(rng.integers(8, 21)) if cycle == 0 else int(rng.integers(20, 46))),
        ]
        if rng.random() < 0.6:
            seq.append(("W", int(rng.integers(1, 5))))
        for stage, k in seq:  # loop per stage run
            parts.append((stage, k))
            total += k
        cycle += 1
    stages = np.concatenate([np.full(k, s, dtype=object) for s, k in parts])[:n_ep]
    # brief awakenings inside sleep, ~1 per hour
    n_wake = rng.poisson(n_ep * epoch_s / 3600.0)
    for _ in range(int(n_wake)):  # loop per awakening
        i = int(rng.integers(0, n_ep))
        if stages[i] != "W":
            stages[i : i + int(rng.integers(1, 3))] = "W"
    tail = int(rng.integers(6, 21))
    if n_ep > parts[0][1] + tail + 20:
        stages[-tail:] = "W"
    return stages


def _raised_cosine_env(
    n_rise: int, n_plateau: int, n_decay: int, amp: float, mod_cycles: float, depth: float
) -> np.ndarray:
    """Rise / modulated plateau / decay envelope (µV RMS), float32."""
    rise = 0.5 - 0.5 * np.cos(np.pi * (np.arange(n_rise) + 0.5) / n_rise)
    k = np.arange(n_plateau)
    plateau = 1.0 - depth * 0.5 * (1 - np.cos(2 * np.pi * mod_cycles * k / max(n_plateau, 1)))
    decay = (0.5 + 0.5 * np.cos(np.pi * (np.arange(n_decay) + 0.5) / n_decay)) * (
        plateau[-1] if n_plateau else 1.0
    )
    return (amp * np.concatenate((rise, plateau, decay))).astype(np.float32)


class _Occupancy:
    """Reserved time intervals (sorted list of [start, end]) for event placement."""

    def __init__(self) -> None:
        self.iv: list[tuple[float, float]] = []

    def free(self, a: float, b: float) -> bool:
        return all(b <= s or a >= e for s, e in self.iv)

    def add(self, a: float, b: float) -> None:
        self.iv.append((a, b))


@dataclass
class _Planted:
    onset: float
    duration: float
    side: str
    amplitude_uv: float
    kind: str
    movement_id: int
    series_id: int
    bilateral: bool
    rise_s: float
    decay_s: float
    mod_cycles_per_s: float
    depth: float


def _draw_duration(rng: np.random.Generator, max_s: float) -> float:
    d = float(np.clip(rng.lognormal(np.log(1.8), 0.55), 0.75, 10.0))
    return float(min(d, max(0.75, max_s)))


def _plant_movement(
    rng: np.random.Generator,
    out: list[_Planted],
    onset: float,
    side_kind: str,
    kind: str,
    movement_id: int,
    series_id: int,
    max_duration_s: float,
    amp_range: tuple[float, float],
) -> None:
    """Append the monolateral LMs of one movement (one or both legs)."""
    sides = ("left", "right") if side_kind == "both" else (side_kind,)
    first = rng.permutation(sides)[0] if side_kind == "both" else side_kind
    dur = _draw_duration(rng, max_duration_s)
    for side in sides:  # loop per leg
        t = onset
        d = dur
        if side_kind == "both" and side != first:
            t = onset + float(rng.uniform(-0.3, 0.3))
            d = float(np.clip(dur * rng.uniform(0.8, 1.2), 0.75, max(0.75, max_duration_s - 0.3)))
        rise = float(rng.uniform(0.05, 0.15))
        decay = float(rng.uniform(0.05, 0.2))
        out.append(
            _Planted(
                onset=t,
                duration=d,
                side=str(side),
                amplitude_uv=float(np.exp(rng.uniform(*np.log(amp_range)))),
                kind=kind,
                movement_id=movement_id,
                series_id=series_id,
                bilateral=side_kind == "both",
                rise_s=rise,
                decay_s=decay,
                mod_cycles_per_s=float(rng.uniform(0.3, 1.5)),
                depth=float(rng.uniform(0.0, 0.6)),
            )
        )


def _choose_side(rng: np.random.Generator, bilateral_fraction: float, dominant: str) -> str:
    if rng.random() < bilateral_fraction:
        return "both"
    other = "right" if dominant == "left" else "left"
    return dominant if rng.random() < 0.75 else other


def _random_time(
    rng: np.random.Generator, stages: np.ndarray, want_sleep: bool, epoch_s: float
) -> float | None:
    is_sleep = stages != "W"
    pool = np.flatnonzero(is_sleep if want_sleep else ~is_sleep)
    if pool.size == 0:
        return None
    return float(rng.choice(pool) * epoch_s + rng.uniform(0, epoch_s))


# --------------------------------------------------------------------------- main


def simulate_night(
    duration_s: float = 8 * 3600,
    fs_hz: float = 500,
    seed: int | None = 0,
    plms_per_h: float = 30.0,
    isolated_per_h: float = 10.0,
    bilateral_fraction: float = 0.3,
    artifacts: bool | str | Iterable[str] = False,
    *,
    rest_rms_uv: float | tuple[float, float] = (1.0, 5.0),
    amplitude_uv: tuple[float, float] = (25.0, 200.0),
    wake_series_fraction: float = 0.1,
    respiratory_per_h: float = 6.0,
    arousals_per_h: float = 5.0,
    mains_hz: float = 50.0,
    ecg_fs_hz: float | None = None,
    ecg_channel: bool | None = None,
    pops_per_h: float = 3.0,
    noisy_rms_uv: float = 50.0,
    noisy_duration_s: float = 600.0,
    start_datetime: datetime = datetime(2026, 1, 1, 22, 30, 0),
    cardio: bool = False,
    spo2: bool = False,
    flat_duration_s: float = 180.0,
    leadoff_duration_s: float = 120.0,
    leadoff_rail_uv: float = 3000.0,
    motion_per_h: float = 20.0,
    motion_on_lm_fraction: float = 0.25,
    subthreshold_per_h: float = 20.0,
    near_threshold_per_h: float = 10.0,
) -> SyntheticNight:
    """Simulate a night of two-leg EMG with planted leg movements (see module docstring).

    Parameters
    ----------
    duration_s : float
        Length of the recording (s); at least 300 s.
    fs_hz : float
        Leg-EMG sampling rate (Hz), at least 50 Hz.
    seed : int or None
        Seed of ``numpy.random.default_rng``; the same seed gives the same night.
    plms_per_h : float
        Movements in periodic series per hour of recording (a bilateral movement counts
        once).
    isolated_per_h : float
        Isolated movements per hour of recording.
    bilateral_fraction : float
        Probability that a movement involves both legs.
    artifacts : bool, str or iterable of str
        ``True`` for all of :data:`ARTIFACTS`, ``False`` for none, or a subset; the names
        of :data:`SIGNAL_ARTIFACTS` (flat lead, lead-off, motion transients, sub- and
        near-threshold bursts; :mod:`plm.simulate.artifacts`) only when named.
    rest_rms_uv : float or (float, float)
        Resting-noise RMS (µV, 10-200 Hz band) per leg, or the range it is drawn from.
    amplitude_uv : (float, float)
        Range of the LM plateau RMS (µV), log-uniform.
    wake_series_fraction : float
        Share of the periodic series placed in wake epochs.
    respiratory_per_h, arousals_per_h : float
        Respiratory events and spontaneous arousals per hour of sleep.
    mains_hz : float
        Frequency of the hum artefact (Hz).
    ecg_fs_hz : float, optional
        ECG sampling rate (defaults to ``fs_hz``).
    ecg_channel : bool, optional
        Return an ECG channel; by default only when ``'ecg'`` bleed-through is simulated.
    pops_per_h : float
        Electrode pops per hour per leg.
    noisy_rms_uv, noisy_duration_s : float
        Level (µV RMS) and length (s) of the noisy stretch.
    start_datetime : datetime
        Clock time of the first sample.
    cardio : bool
        Opt-in: an ECG channel whose beats carry a planted heart-rate response per
        movement (:mod:`plm.simulate.cardio`; truth in ``hr_response`` and
        ``r_peaks_s``).  Drawn from a second generator seeded from ``seed``, so the legs,
        events and hypnogram are those of the same night without it.
    spo2 : bool
        Opt-in: an SpO2 channel (1 Hz) with planted desaturations after movements
        (truth in ``desaturations``).  Implies the planted categories of ``cardio``.
    flat_duration_s, leadoff_duration_s, leadoff_rail_uv, motion_per_h, \
motion_on_lm_fraction, subthreshold_per_h, near_threshold_per_h : float
        Settings of the opt-in :data:`SIGNAL_ARTIFACTS` (see :mod:`plm.simulate.artifacts`).

    Returns
    -------
    SyntheticNight
    """
    if duration_s < 300:
        raise ValueError(f"duration_s must be at least 300 s, got {duration_s}")
    fs = float(fs_hz)
    if fs < 50:
        raise ValueError(f"fs_hz must be at least 50 Hz, got {fs_hz}")
    for name, value in (
        ("plms_per_h", plms_per_h),
        ("isolated_per_h", isolated_per_h),
        ("pops_per_h", pops_per_h),
    ):
        if value < 0:
            raise ValueError(f"{name} must be >= 0, got {value}")
    if not 0 <= bilateral_fraction <= 1:
        raise ValueError(f"bilateral_fraction must be in [0, 1], got {bilateral_fraction}")
    arts = _artifact_set(artifacts)
    rng = np.random.default_rng(seed)
    n = int(round(duration_s * fs))
    duration_s = n / fs
    epoch_s = 30.0

    stages = _hypnogram(rng, duration_s, epoch_s)
    hyp = Hypnogram(stages, epoch_s=epoch_s, start_s=0.0)
    lights_off = 60.0
    lights_on = duration_s - 60.0
    lo_t, hi_t = lights_off + 5.0, lights_on - 15.0

    occ = _Occupancy()
    # --- noisy stretch first: nothing is planted near it
    noisy_rows = []
    if "noisy" in arts:
        nd = min(noisy_duration_s, 0.2 * duration_s)
        t = float(rng.uniform(0.2 * duration_s, 0.8 * duration_s - nd))
        side = str(rng.choice(["left", "right"]))
        noisy_rows.append((t, nd, side))
        occ.add(t - _ISOLATION_S, t + nd + _ISOLATION_S)
    noisy = pd.DataFrame(noisy_rows, columns=["onset", "duration", "side"])
    if noisy.empty:
        noisy = empty_intervals(("side",))

    planted: list[_Planted] = []
    movement_id = 0
    # --- periodic series
    target = int(round(plms_per_h * duration_s / 3600.0))
    n_series = 0
    placed = 0
    attempts = 0
    while placed < target and attempts < 400:  # loop per series attempt
        attempts += 1
        remaining = target - placed
        length = int(min(rng.integers(4, 41), max(4, remaining)))
        imi = np.clip(rng.lognormal(np.log(rng.uniform(18, 40)), 0.25, length - 1), 11.0, 85.0)
        onsets_rel = np.concatenate(([0.0], np.cumsum(imi)))
        span = float(onsets_rel[-1]) + 10.0
        want_sleep = rng.random() >= wake_series_fraction
        t0 = _random_time(rng, stages, want_sleep, epoch_s)
        if t0 is None or t0 < lo_t or t0 + span > hi_t:
            continue
        if not occ.free(t0 - _ISOLATION_S, t0 + span + _ISOLATION_S):
            continue
        occ.add(t0, t0 + span)
        dominant = str(rng.choice(["left", "right"]))
        for k in range(length):  # loop per planted movement
            nxt = float(imi[k]) if k < length - 1 else 10.0
            _plant_movement(
                rng,
                planted,
                t0 + float(onsets_rel[k]),
                _choose_side(rng, bilateral_fraction, dominant),
                "periodic",
                movement_id,
                n_series,
                nxt - _SAME_LEG_GAP_S - 0.6,
                amplitude_uv,
            )
            movement_id += 1
        n_series += 1
        placed += length
    # --- isolated movements
    target_iso = int(round(isolated_per_h * duration_s / 3600.0))
    placed_iso = 0
    attempts = 0
    while placed_iso < target_iso and attempts < 50 * max(target_iso, 1):
        attempts += 1
        t0 = _random_time(rng, stages, rng.random() < 0.8, epoch_s)
        if t0 is None or t0 < lo_t or t0 + 10.0 > hi_t:
            continue
        if not occ.free(t0 - _ISOLATION_S, t0 + 10.0 + _ISOLATION_S):
            continue
        occ.add(t0, t0 + 10.0)
        side = _choose_side(rng, bilateral_fraction, str(rng.choice(["left", "right"])))
        _plant_movement(rng, planted, t0, side, "isolated", movement_id, -1, 9.0, amplitude_uv)
        movement_id += 1
        placed_iso += 1
    if placed < target or placed_iso < target_iso:
        logger.info(
            "planted %d/%d periodic and %d/%d isolated movements (no room left)",
            placed,
            target,
            placed_iso,
            target_iso,
        )

    truth = pd.DataFrame([{c: getattr(p, c) for c in _TRUTH_COLUMNS} for p in planted])
    if truth.empty:
        truth = pd.DataFrame({c: pd.Series(dtype=float) for c in ("onset", "duration")})
        for c, dt in (
            ("side", object),
            ("amplitude_uv", float),
            ("kind", object),
            ("movement_id", int),
            ("series_id", int),
            ("bilateral", bool),
        ):
            truth[c] = pd.Series(dtype=dt)
    order = np.argsort(truth["onset"].to_numpy(), kind="stable")
    truth = truth.iloc[order].reset_index(drop=True)
    planted = [planted[i] for i in order]

    # --- respiratory events and arousals
    resp = _respiratory(rng, truth, stages, epoch_s, respiratory_per_h, lo_t, hi_t)
    arousals = _arousals(rng, truth, stages, epoch_s, arousals_per_h, lo_t, hi_t)

    # --- signals
    if isinstance(rest_rms_uv, (int, float)):
        rest_sigma = {"left": float(rest_rms_uv), "right": float(rest_rms_uv)}
    else:
        rest_sigma = {s: float(rng.uniform(*rest_rms_uv)) for s in ("left", "right")}
    legs: dict[str, np.ndarray] = {}
    for side in ("left", "right"):  # loop per leg
        legs[side] = _leg_signal(
            rng,
            n,
            fs,
            rest_sigma[side],
            [p for p in planted if p.side == side],
            noisy[noisy["side"] == side],
            noisy_rms_uv,
        )

    params: dict[str, Any] = dict(
        duration_s=duration_s,
        fs_hz=fs,
        seed=seed,
        plms_per_h=plms_per_h,
        isolated_per_h=isolated_per_h,
        bilateral_fraction=bilateral_fraction,
        artifacts=sorted(arts),
        rest_rms_uv_left=rest_sigma["left"],
        rest_rms_uv_right=rest_sigma["right"],
        amplitude_uv=tuple(amplitude_uv),
        wake_series_fraction=wake_series_fraction,
        respiratory_per_h=respiratory_per_h,
        arousals_per_h=arousals_per_h,
        n_series=n_series,
        n_movements=movement_id,
        truth_definition="onset = envelope rise start, offset = decay end",
    )

    if "mains" in arts:
        amp = float(rng.uniform(5, 20))
        hum = _mains(rng, n, fs, mains_hz, amp)
        for side in legs:
            legs[side] += hum
        params.update(mains_hz=mains_hz, mains_amplitude_uv=amp)

    ecg = None
    efs = float(ecg_fs_hz) if ecg_fs_hz else fs
    want_ecg = ("ecg" in arts) if ecg_channel is None else bool(ecg_channel)
    want_ecg = want_ecg or cardio
    r_times = None
    extra: dict[str, Any] = {}
    if cardio or spo2:
        extra = _cardio_truth(
            seed, truth, stages, epoch_s, arousals, resp, duration_s, cardio, spo2
        )
    if "ecg" in arts or want_ecg:
        hr = float(rng.uniform(60, 80))
        r_times = _r_peak_times(rng, duration_s, hr)
        if cardio:  # the same draws from rng (the legs stay those of the night without)
            r_times, hr_params = extra.pop("beats")
            hr = hr_params["heart_rate_bpm"]
            params.update(hr_params)
        params.update(heart_rate_bpm=hr, n_beats=int(r_times.size))
        if want_ecg:
            ecg = _ecg_channel(rng, r_times, int(round(duration_s * efs)), efs)
        if "ecg" in arts:
            for side in legs:
                amp = float(rng.uniform(10, 30))
                lag = float(rng.uniform(0.0, 0.01))
                _add_qrs(rng, legs[side], fs, r_times + lag, amp)
                params[f"ecg_bleed_uv_{side}"] = amp

    pops = empty_intervals(("side",))
    pops["amplitude_uv"] = pd.Series(dtype=float)
    if "pops" in arts:
        rows = []
        for side in ("left", "right"):  # loop per leg
            rows += _add_pops(rng, legs[side], fs, side, pops_per_h, truth, noisy)
        if rows:
            pops = pd.DataFrame(rows, columns=["onset", "duration", "side", "amplitude_uv"])
            pops = pops.sort_values("onset", kind="stable").reset_index(drop=True)

    art_table = empty_artifact_table()
    signal_arts = arts & set(SIGNAL_ARTIFACTS)
    if signal_arts:  # opt-in, own generator: the night without them is unchanged
        truth, art_table, art_params = add_signal_artifacts(
            seed,
            signal_arts,
            legs,
            fs,
            truth,
            (lo_t, hi_t),
            lambda g, k: _bandlimited_noise(g, k, fs),
            {
                "flat_duration_s": flat_duration_s,
                "leadoff_duration_s": leadoff_duration_s,
                "leadoff_rail_uv": leadoff_rail_uv,
                "motion_per_h": motion_per_h,
                "motion_on_lm_fraction": motion_on_lm_fraction,
                "subthreshold_per_h": subthreshold_per_h,
                "near_threshold_per_h": near_threshold_per_h,
                "mains_hz": mains_hz,
            },
        )
        params.update(art_params)

    return SyntheticNight(
        fs_hz=fs,
        left_uv=legs["left"],
        right_uv=legs["right"],
        ecg_uv=ecg,
        ecg_fs_hz=efs if ecg is not None else None,
        truth=truth,
        noisy_stretches=noisy,
        hypnogram=hyp,
        respiratory=resp,
        arousals=arousals,
        start_datetime=start_datetime,
        duration_s=duration_s,
        lights_off_s=lights_off,
        lights_on_s=lights_on,
        pops=pops,
        params=params,
        r_peaks_s=r_times,
        artifact_events=art_table,
        **extra,
    )


def _cardio_truth(
    seed: int | None,
    truth: pd.DataFrame,
    stages: np.ndarray,
    epoch_s: float,
    arousals: pd.DataFrame,
    resp: pd.DataFrame,
    duration_s: float,
    cardio: bool,
    spo2: bool,
) -> dict[str, Any]:
    """Planted heart-rate responses, beats and SpO2 (opt-in; own generator)."""
    from plm.simulate import cardio as cd

    crng = np.random.default_rng(None if seed is None else [int(seed), 12])
    mv = cd.planted_category(truth, stages, epoch_s, arousals, resp)
    out: dict[str, Any] = {}
    if cardio:
        resp_tab = cd.draw_responses(crng, mv)
        out["beats"] = cd.simulate_beats(crng, duration_s, resp_tab)
        out["hr_response"] = resp_tab
    if spo2:
        out["spo2"], out["desaturations"] = cd.simulate_spo2(crng, duration_s, mv)
        out["spo2_fs_hz"] = 1.0
    return out


def simulate_quiet_night(
    duration_s: float = 8 * 3600,
    fs_hz: float = 500,
    seed: int | None = 0,
    artifacts: bool | str | Iterable[str] = False,
    **kwargs: Any,
) -> SyntheticNight:
    """Simulate a night without any leg movement (``plms_per_h = isolated_per_h = 0``)."""
    return simulate_night(
        duration_s,
        fs_hz,
        seed,
        plms_per_h=0.0,
        isolated_per_h=0.0,
        artifacts=artifacts,
        **kwargs,
    )


# --------------------------------------------------------------------------- parts


def _leg_signal(
    rng: np.random.Generator,
    n: int,
    fs: float,
    sigma: float,
    lms: list[_Planted],
    noisy: pd.DataFrame,
    noisy_rms: float,
) -> np.ndarray:
    """Resting noise with drift, planted LM envelopes and noisy stretches (float32 µV)."""
    duration = n / fs
    # slow multiplicative drift of the resting RMS: knots every 60 s
    knots_t = np.arange(0.0, duration + 60.0, 60.0)
    knots = np.clip(np.exp(rng.normal(0.0, 0.15, knots_t.size)), 0.7, 1.4)
    bn = max(1, int(round(0.1 * fs)))
    nb = -(-n // bn)
    rest_b = sigma * np.interp((np.arange(nb) + 0.5) * bn / fs, knots_t, knots)
    rest = np.repeat(rest_b.astype(np.float32), bn)[:n]
    for _, row in noisy.iterrows():  # loop per noisy stretch
        a = int(round(row["onset"] * fs))
        b = int(round((row["onset"] + row["duration"]) * fs))
        rest[a:b] = noisy_rms
    env2 = np.square(rest)
    for p in lms:  # loop per planted LM
        i0 = int(round(p.onset * fs))
        n_tot = int(round(p.duration * fs))
        n_r = max(1, int(round(p.rise_s * fs)))
        n_d = max(1, int(round(p.decay_s * fs)))
        n_p = max(0, n_tot - n_r - n_d)
        env = _raised_cosine_env(
            n_r, n_p, n_d, p.amplitude_uv, p.mod_cycles_per_s * n_p / fs, p.depth
        )
        i1 = min(n, i0 + env.size)
        if i1 > i0 >= 0:
            env2[i0:i1] += np.square(env[: i1 - i0])
    x = _bandlimited_noise(rng, n, fs)
    x *= np.sqrt(env2)
    return x


def _mains(rng: np.random.Generator, n: int, fs: float, f0: float, amp: float) -> np.ndarray:
    """Hum with a 10 % third harmonic and slow ±20 % amplitude modulation (float32)."""
    k = np.arange(n, dtype=np.float64)
    phase = 2 * np.pi * np.mod(k * (f0 / fs), 1.0) + rng.uniform(0, 2 * np.pi)
    hum = np.sin(phase)
    if 3 * f0 < fs / 2:
        hum += 0.1 * np.sin(3 * phase)
    period = rng.uniform(600, 1800)
    mod = 1.0 + 0.2 * np.sin(2 * np.pi * k / (fs * period))
    return (amp * hum * mod).astype(np.float32)


def _r_peak_times(rng: np.random.Generator, duration_s: float, hr_bpm: float) -> np.ndarray:
    """R-peak times (s) with respiratory sinus arrhythmia and slow heart-rate drift."""
    rr0 = 60.0 / hr_bpm
    nb = int(duration_s / rr0 * 1.2) + 10
    t_est = np.arange(nb) * rr0
    rsa = 0.03 * np.sin(2 * np.pi * 0.25 * t_est)
    drift = 0.05 * np.sin(2 * np.pi * t_est / rng.uniform(1800, 5400))
    rr = rr0 * (1 + rsa + drift + rng.normal(0, 0.01, nb))
    rr = np.clip(rr, 0.65, 1.2)
    t = 0.5 + np.cumsum(rr)
    return t[t < duration_s - 0.5]


def _ecg_channel(rng: np.random.Generator, r_times: np.ndarray, n: int, fs: float) -> np.ndarray:
    """PQRST ECG (µV, ~1 mV R wave) with small noise and baseline wander (float32)."""
    tt = np.arange(int(round(-0.25 * fs)), int(round(0.35 * fs)) + 1) / fs
    waves = (
        (-0.2, 0.025, 120.0),
        (-0.03, 0.01, -150.0),
        (0.0, 0.012, 1000.0),
        (0.03, 0.01, -250.0),
        (0.22, 0.04, 250.0),
    )
    tmpl = sum(a * np.exp(-0.5 * ((tt - c) / w) ** 2) for c, w, a in waves)
    ecg = rng.normal(0.0, 10.0, n).astype(np.float32)
    k = np.arange(n)
    ecg += (50.0 * np.sin(2 * np.pi * 0.25 * k / fs)).astype(np.float32)
    idx = np.round(r_times * fs).astype(np.int64)
    pos = idx[:, None] + np.round(tt * fs).astype(np.int64)[None, :]
    ok = (pos[:, 0] >= 0) & (pos[:, -1] < n)
    pos = pos[ok]
    ecg[pos] += tmpl.astype(np.float32)[None, :]  # beats do not overlap (RR >= 0.65 s)
    return ecg


def _add_qrs(
    rng: np.random.Generator, x: np.ndarray, fs: float, r_times: np.ndarray, amp: float
) -> None:
    """Add QRS-like bleed-through spikes (peak ``amp`` µV, ±10 % per beat) in place."""
    tt = np.arange(int(round(-0.05 * fs)), int(round(0.05 * fs)) + 1) / fs
    qrs = (
        -0.15 * np.exp(-0.5 * ((tt + 0.02) / 0.006) ** 2)
        + np.exp(-0.5 * (tt / 0.008) ** 2)
        - 0.3 * np.exp(-0.5 * ((tt - 0.02) / 0.007) ** 2)
    )
    qrs = qrs / np.abs(qrs).max()
    if rng.random() < 0.5:
        qrs = -qrs  # polarity depends on the electrode geometry
    idx = np.round(r_times * fs).astype(np.int64)
    pos = idx[:, None] + np.round(tt * fs).astype(np.int64)[None, :]
    ok = (pos[:, 0] >= 0) & (pos[:, -1] < x.size)
    pos = pos[ok]
    gain = amp * rng.uniform(0.9, 1.1, pos.shape[0])
    x[pos] += (gain[:, None] * qrs[None, :]).astype(np.float32)


def _add_pops(
    rng: np.random.Generator,
    x: np.ndarray,
    fs: float,
    side: str,
    per_h: float,
    truth: pd.DataFrame,
    noisy: pd.DataFrame,
) -> list[tuple]:
    """Add electrode pops in place; return their (onset, duration, side, amplitude) rows."""
    duration = x.size / fs
    k = int(rng.poisson(per_h * duration / 3600.0))
    leg = truth[truth["side"] == side]
    busy = np.column_stack(
        (leg["onset"].to_numpy() - 2.0, (leg["onset"] + leg["duration"]).to_numpy() + 2.0)
    )
    nz = noisy[noisy["side"] == side]
    if len(nz):
        busy = np.vstack(
            (
                busy,
                np.column_stack(
                    (nz["onset"].to_numpy() - 2.0, (nz["onset"] + nz["duration"]).to_numpy() + 2.0)
                ),
            )
        )
    rows = []
    tries = 0
    while len(rows) < k and tries < 50 * (k + 1):  # loop per pop
        tries += 1
        t = float(rng.uniform(5.0, duration - 5.0))
        if busy.size and bool(((busy[:, 0] < t + 1.0) & (busy[:, 1] > t)).any()):
            continue
        amp = float(np.exp(rng.uniform(np.log(100.0), np.log(1000.0)))) * rng.choice([-1, 1])
        tau = float(rng.uniform(0.01, 0.04))
        i0 = int(round(t * fs))
        m = int(round(0.3 * fs))
        seg = amp * np.exp(-np.arange(m) / (tau * fs))
        x[i0 : i0 + m] += seg[: max(0, min(m, x.size - i0))].astype(np.float32)
        rows.append((t, 5 * tau, side, abs(amp)))
    return rows


def _respiratory(
    rng: np.random.Generator,
    truth: pd.DataFrame,
    stages: np.ndarray,
    epoch_s: float,
    per_h: float,
    lo_t: float,
    hi_t: float,
) -> pd.DataFrame:
    """Apneas/hypopneas in sleep; about half end 0-8 s before a planted movement."""
    sleep_h = float((stages != "W").sum()) * epoch_s / 3600.0
    k = int(round(per_h * sleep_h))
    rows: list[tuple[float, float, str]] = []
    occ = _Occupancy()
    mv = truth.drop_duplicates("movement_id") if len(truth) else truth
    if len(mv):
        in_sleep = Hypnogram(stages, epoch_s).stage_at(mv["onset"].to_numpy()) != "W"
        mv = mv[in_sleep]
    n_linked = min(len(mv), k // 2)
    if n_linked:
        chosen = mv.iloc[np.sort(rng.choice(len(mv), n_linked, replace=False))]
        for t_lm in chosen["onset"].to_numpy():  # loop per linked event
            end = float(t_lm - rng.uniform(0, 8))
            dur = float(rng.uniform(10, 40))
            if end - dur > lo_t and occ.free(end - dur - 5, end + 5):
                occ.add(end - dur, end)
                rows.append((end - dur, dur, ""))
    tries = 0
    while len(rows) < k and tries < 50 * (k + 1):  # loop per free event
        tries += 1
        t = _random_time(rng, stages, True, epoch_s)
        dur = float(rng.uniform(10, 40))
        if t is None or t < lo_t or t + dur > hi_t or not occ.free(t - 5, t + dur + 5):
            continue
        occ.add(t, t + dur)
        rows.append((t, dur, ""))
    if not rows:
        return empty_intervals(("type",))
    df = pd.DataFrame(rows, columns=["onset", "duration", "type"])
    df["type"] = np.where(rng.random(len(df)) < 0.4, "Obstructive Apnea", "Hypopnea")
    return df.sort_values("onset", kind="stable").reset_index(drop=True)


def _arousals(
    rng: np.random.Generator,
    truth: pd.DataFrame,
    stages: np.ndarray,
    epoch_s: float,
    per_h: float,
    lo_t: float,
    hi_t: float,
) -> pd.DataFrame:
    """Arousals after 30 % of the movements plus spontaneous ones in sleep."""
    rows: list[tuple[float, float]] = []
    occ = _Occupancy()
    mv = truth.drop_duplicates("movement_id") if len(truth) else truth
    for t_lm in mv["onset"].to_numpy():  # loop per movement
        if rng.random() < 0.3:
            t = float(t_lm + rng.uniform(-0.5, 1.5))
            dur = float(rng.uniform(3, 15))
            if occ.free(t - 1, t + dur + 1):
                occ.add(t, t + dur)
                rows.append((t, dur))
    sleep_h = float((stages != "W").sum()) * epoch_s / 3600.0
    k = int(round(per_h * sleep_h))
    tries = 0
    added = 0
    while added < k and tries < 50 * (k + 1):  # loop per spontaneous arousal
        tries += 1
        t = _random_time(rng, stages, True, epoch_s)
        dur = float(rng.uniform(3, 15))
        if t is None or t < lo_t or t + dur > hi_t or not occ.free(t - 1, t + dur + 1):
            continue
        occ.add(t, t + dur)
        rows.append((t, dur))
        added += 1
    if not rows:
        return empty_intervals()
    df = pd.DataFrame(rows, columns=["onset", "duration"])
    return df.sort_values("onset", kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- matching


@dataclass
class MatchResult:
    """Event-level agreement between detected and true intervals.

    Attributes
    ----------
    tp, fp, fn : int
        Matched pairs, unmatched detections, unmatched truth events.
    precision, recall, f1 : float
        ``tp/(tp+fp)``, ``tp/(tp+fn)`` and their harmonic mean (1.0 when both sets are
        empty; 0.0 when one is).
    onset_errors_s, offset_errors_s : ndarray
        Detected minus true onset / offset (s) of every matched pair.
    pairs : DataFrame
        ``detected``, ``truth`` (row positions in the inputs) and ``iou`` of the pairs.
    """

    tp: int
    fp: int
    fn: int
    precision: float
    recall: float
    f1: float
    onset_errors_s: np.ndarray
    offset_errors_s: np.ndarray
    pairs: pd.DataFrame

    def summary(self) -> dict[str, float]:
        """Counts, precision/recall/F1 and median/90th-percentile |onset error| (s)."""
        err = np.abs(self.onset_errors_s)
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "onset_error_median_s": float(np.median(err)) if err.size else float("nan"),
            "onset_error_p90_s": float(np.percentile(err, 90)) if err.size else float("nan"),
        }


def match_events(
    detected: pd.DataFrame,
    truth: pd.DataFrame,
    min_iou: float = 0.5,
    by_side: bool = True,
) -> MatchResult:
    """Match detected to true intervals one-to-one by intersection over union.

    Pairs with IoU >= ``min_iou`` are matched greedily, highest IoU first (with
    ``min_iou >= 0.5`` the matching is unique anyway: an interval can have IoU > 0.5
    with at most one interval of a set of disjoint intervals).

    Parameters
    ----------
    detected, truth : DataFrame
        ``onset`` and ``duration`` (s); with ``by_side`` both need a ``side`` column and
        only same-side events are matched.
    min_iou : float
        Minimum intersection over union of a match.
    by_side : bool
        Match within each side separately.

    Returns
    -------
    MatchResult
    """
    for name, df in (("detected", detected), ("truth", truth)):
        missing = {"onset", "duration"} - set(df.columns)
        if by_side:
            missing |= {"side"} - set(df.columns)
        if missing:
            raise ValueError(f"{name} table lacks column(s) {sorted(missing)}")
    d_on = detected["onset"].to_numpy(float)
    d_off = d_on + detected["duration"].to_numpy(float)
    t_on = truth["onset"].to_numpy(float)
    t_off = t_on + truth["duration"].to_numpy(float)
    d_side = detected["side"].astype(str).to_numpy() if by_side else np.zeros(len(d_on), str)
    t_side = truth["side"].astype(str).to_numpy() if by_side else np.zeros(len(t_on), str)
    # candidate pairs: every truth interval overlapping each detection (loop per detection)
    order_t = np.argsort(t_on, kind="stable")
    cand_d, cand_t = [], []
    for i in range(len(d_on)):
        j_hi = np.searchsorted(t_on[order_t], d_off[i], side="left")
        js = order_t[:j_hi]
        js = js[(t_off[js] > d_on[i]) & (t_side[js] == d_side[i])]
        cand_d.extend([i] * js.size)
        cand_t.extend(js.tolist())
    cd = np.asarray(cand_d, dtype=np.int64)
    ct = np.asarray(cand_t, dtype=np.int64)
    inter = np.clip(np.minimum(d_off[cd], t_off[ct]) - np.maximum(d_on[cd], t_on[ct]), 0, None)
    union = np.maximum(d_off[cd], t_off[ct]) - np.minimum(d_on[cd], t_on[ct])
    iou = np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)
    good = iou >= min_iou
    cd, ct, iou = cd[good], ct[good], iou[good]
    used_d = np.zeros(len(d_on), bool)
    used_t = np.zeros(len(t_on), bool)
    pairs = []
    for k in np.argsort(-iou, kind="stable"):  # loop per candidate pair
        if not used_d[cd[k]] and not used_t[ct[k]]:
            used_d[cd[k]] = used_t[ct[k]] = True
            pairs.append((int(cd[k]), int(ct[k]), float(iou[k])))
    pairs_df = pd.DataFrame(pairs, columns=["detected", "truth", "iou"])
    tp = len(pairs)
    fp = len(d_on) - tp
    fn = len(t_on) - tp
    precision = tp / (tp + fp) if tp + fp else (1.0 if fn == 0 else 0.0)
    recall = tp / (tp + fn) if tp + fn else (1.0 if fp == 0 else 0.0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    pd_i = pairs_df["detected"].to_numpy(int)
    pt_i = pairs_df["truth"].to_numpy(int)
    return MatchResult(
        tp=tp,
        fp=fp,
        fn=fn,
        precision=precision,
        recall=recall,
        f1=f1,
        onset_errors_s=d_on[pd_i] - t_on[pt_i],
        offset_errors_s=d_off[pd_i] - t_off[pt_i],
        pairs=pairs_df,
    )


# --------------------------------------------------------------------------- files


def write_truth_tsv(night: SyntheticNight, path: str | os.PathLike[str]) -> None:
    """Write the planted LMs as a tab-separated table (BIDS-events style).

    Columns: ``onset``, ``duration`` (s, 4 decimals), ``side``, ``amplitude_uv``,
    ``kind``, ``movement_id``, ``series_id``, ``bilateral``.  Written atomically.
    """
    with atomic_write(path, "w", newline="") as fh:
        night.truth.to_csv(fh, sep="\t", index=False, float_format="%.4f")


def _spec_range(data: np.ndarray, margin: float = 1.1, floor: float = 1.0) -> tuple[float, float]:
    lo = float(np.min(data)) if data.size else -floor
    hi = float(np.max(data)) if data.size else floor
    span = max(hi - lo, floor)
    mid = 0.5 * (hi + lo)
    return float(np.floor(mid - margin * span / 2)), float(np.ceil(mid + margin * span / 2))


def _other_channels(night: SyntheticNight, rng: np.random.Generator) -> list[tuple]:
    """Cheap placeholder channels: (label, data, fs, unit)."""
    d = int(night.duration_s)
    out: list[tuple] = []

    def noise(fs: int, scale: float, alpha: float = 0.95) -> np.ndarray:
        w = rng.standard_normal(d * fs).astype(np.float32)
        y = sps.lfilter([1 - alpha], [1, -alpha], w).astype(np.float32)
        return scale * y / max(float(y.std()), 1e-6)

    for label in ("C3-M2", "C4-M1", "F3-M2", "F4-M1", "O1-M2", "O2-M1"):
        out.append((label, noise(256, 20.0), 256, "uV"))
    for label in ("E1-M2", "E2-M2"):
        out.append((label, noise(256, 30.0), 256, "uV"))
    out.append(("Chin", noise(256, 5.0, 0.0), 256, "uV"))
    t32 = np.arange(d * 32) / 32.0
    breath = np.sin(2 * np.pi * 0.25 * t32).astype(np.float32)
    out.append(("Airflow", 100 * breath + noise(32, 5.0), 32, "uV"))
    out.append(("Nasal Pressure", 80 * breath + noise(32, 5.0), 32, "uV"))
    out.append(("Thorax", 200 * breath + noise(32, 10.0), 32, "uV"))
    out.append(("Abdomen", 150 * breath + noise(32, 10.0), 32, "uV"))
    out.append(("Snore", noise(256, 2.0, 0.0), 256, "uV"))
    out.append(("SpO2", (96 + noise(1, 0.7)).astype(np.float32), 1, "%"))
    out.append(("Pulse", (65 + noise(1, 2.0)).astype(np.float32), 1, "bpm"))
    out.append(("Position", np.full(d, 1.0, dtype=np.float32), 1, ""))
    out.append(("Light", np.full(d, 0.0, dtype=np.float32), 1, ""))
    return out


def _annotations(night: SyntheticNight) -> pd.DataFrame:
    """EDF+ annotations: stages, respiratory events, arousals, lights off/on."""
    hyp = night.hypnogram.to_frame()
    parts = [
        pd.DataFrame(
            {
                "onset": hyp["onset"],
                "duration": hyp["duration"],
                "description": "Sleep stage " + hyp["stage"].astype(str),
            }
        ),
        pd.DataFrame(
            {
                "onset": night.respiratory["onset"],
                "duration": night.respiratory["duration"],
                "description": night.respiratory["type"].astype(str),
            }
        ),
        pd.DataFrame(
            {
                "onset": night.arousals["onset"],
                "duration": night.arousals["duration"],
                "description": "Arousal",
            }
        ),
        pd.DataFrame(
            {
                "onset": [night.lights_off_s, night.lights_on_s],
                "duration": [0.0, 0.0],
                "description": ["Lights off", "Lights on"],
            }
        ),
    ]
    ann = pd.concat([p for p in parts if len(p)], ignore_index=True)
    ann = ann[ann["onset"] < int(night.duration_s)]  # the EDF holds whole seconds
    return ann.sort_values("onset", kind="stable").reset_index(drop=True)


def write_night_edf(
    night: SyntheticNight,
    path: str | os.PathLike[str],
    other_channels: bool = True,
) -> None:
    """Write a synthetic night as an EDF+C file with :func:`plm.io.edf.write_edf`.

    Channels: ``Leg L`` and ``Leg R`` (µV, at ``fs_hz``), ``ECG`` when present and, with
    ``other_channels``, 17 cheap placeholder channels at realistic rates (EEG C3-M2,
    C4-M1, F3-M2, F4-M1, O1-M2, O2-M1, EOG E1-M2/E2-M2 and Chin at 256 Hz; Airflow,
    Nasal Pressure, Thorax, Abdomen at 32 Hz; Snore at 256 Hz; SpO2, Pulse, Position,
    Light at 1 Hz).  Annotations: ``Sleep stage W/N1/N2/N3/R`` per epoch, the
    respiratory event types, ``Arousal``, ``Lights off`` and ``Lights on``.  Signals are
    cut to whole seconds (1-s data records).

    Parameters
    ----------
    night : SyntheticNight
    path : path-like
        Output ``.edf`` file (written atomically by the writer).
    other_channels : bool
        Add the placeholder PSG channels.
    """
    from plm.io.edf import SignalSpec, write_edf  # colleague's writer (architecture.md)

    d = int(night.duration_s)
    specs = []

    def add(label: str, data: np.ndarray, fs: float, unit: str, symmetric: bool = False) -> None:
        data = np.asarray(data[: int(round(d * fs))], dtype=np.float32)
        if symmetric:
            top = float(np.ceil(max(float(np.abs(data).max()) * 1.1, 100.0) / 10.0) * 10.0)
            lo, hi = -top, top
        else:
            lo, hi = _spec_range(data)
        specs.append(
            SignalSpec(
                label=label,
                data=data,
                fs_hz=fs,
                physical_dimension=unit,
                physical_min=lo,
                physical_max=hi,
            )
        )

    add("Leg L", night.left_uv, night.fs_hz, "uV", symmetric=True)
    add("Leg R", night.right_uv, night.fs_hz, "uV", symmetric=True)
    if night.ecg_uv is not None:
        add("ECG", night.ecg_uv, float(night.ecg_fs_hz or night.fs_hz), "uV", symmetric=True)
    if other_channels:
        seed = night.params.get("seed")
        rng = np.random.default_rng(None if seed is None else int(seed) + 7919)
        for label, data, fs, unit in _other_channels(night, rng):
            if label == "SpO2" and night.spo2 is not None:  # opt-in planted SpO2
                data, fs = night.spo2, float(night.spo2_fs_hz or 1.0)
            add(label, data, fs, unit)
    write_edf(
        path,
        specs,
        night.start_datetime,
        annotations=_annotations(night),
        record_duration_s=1.0,
        file_type="EDF+C",
    )
