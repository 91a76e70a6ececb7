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
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from plm.events import Hypnogram, NightEvents, empty_intervals
from plm.simulate.artifacts import SIGNAL_ARTIFACTS, add_signal_artifacts, empty_artifact_table
from plm.simulate.parts import (
    _add_pops,
    _add_qrs,
    _arousals,
    _bandlimited_noise,
    _ecg_channel,
    _leg_signal,
    _mains,
    _Occupancy,
    _Planted,
    _r_peak_times,
    _random_time,
    _respiratory,
)

__all__ = [
    "ARTIFACTS",
    "SIGNAL_ARTIFACTS",
    "SyntheticNight",
    "simulate_night",
    "simulate_quiet_night",
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
