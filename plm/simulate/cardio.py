"""Heart beats and SpO2 with planted responses to leg movements (synthetic truth).

Used by :func:`plm.simulate.nights.simulate_night` when ``cardio=True`` (and
``spo2=True``); usable alone with any table of movement onsets.

Heart rate model (bpm) on a 50 Hz time grid: a baseline drawn in 55-75 bpm, a slow drift
(±5 %, period 30-90 min), respiratory sinus arrhythmia (±3 %, 0.2-0.3 Hz) and, per
movement, a planted acceleration ``ΔHR(t)`` of peak ``peak_bpm`` at ``latency_s`` after
onset: a raised-cosine rise over :data:`RISE_S` before the peak (so with a short latency
the acceleration starts a beat or two before the EMG onset, as Ferri et al. 2007 observed)
and a raised-cosine decay over :data:`DECAY_S` after it, so every response is over by
~15 s (Guggisberg et al. 2007).  Beats are the integer crossings of the integrated rate
(an integral pulse-frequency model), so the RR intervals carry the response exactly.

Peak ΔHR per category (mean, SD in bpm) follows the ordering reported by Winkelman 1999
and Ferri 2007 (larger with arousal, larger in wake): see :data:`RESPONSE_BPM`.

SpO2 (%, 1 Hz): 95-97 % with small noise; a share of movements (:data:`DESAT_FRACTION`
per category) is followed by a desaturation of 3-6 % whose nadir comes 10-25 s after
onset (circulation delay) and recovers within ~20 s.

References
----------
Winkelman JW. The evoked heart rate response to periodic leg movements of sleep.
Sleep 1999;22:575-580.
Ferri R, et al. Heart rate and spectral EEG changes accompanying periodic and
non-periodic leg movements during sleep. Clin Neurophysiol 2007;118:438-448.
Guggisberg AG, et al. Heart rate response to periodic leg movements (letter and reply).
Sleep 2007.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Planted peak heart-rate acceleration per category: (mean, SD) in bpm.
RESPONSE_BPM: dict[str, tuple[float, float]] = {
    "plms_arousal": (12.0, 3.0),
    "plms_no_arousal": (6.0, 2.0),
    "isolated_lms": (8.0, 2.5),
    "plmw": (14.0, 3.5),
    "respiratory": (10.0, 3.0),
    "other": (9.0, 3.0),
}
#: Planted latency of the peak after movement onset: uniform range (s).
LATENCY_S: tuple[float, float] = (2.5, 6.5)
#: Rise (s) before and decay (s) after the peak of a planted response.
RISE_S = 4.0
DECAY_S = 7.0
#: Share of movements followed by a planted desaturation, per category.
DESAT_FRACTION: dict[str, float] = {
    "plms_arousal": 0.4,
    "plms_no_arousal": 0.15,
    "isolated_lms": 0.2,
    "plmw": 0.1,
    "respiratory": 0.8,
    "other": 0.1,
}
_GRID_HZ = 50.0
_SLEEP = ("N1", "N2", "N3", "R")


def planted_category(
    truth: pd.DataFrame,
    stages: np.ndarray,
    epoch_s: float,
    arousals: pd.DataFrame,
    respiratory: pd.DataFrame,
) -> pd.DataFrame:
    """One row per planted movement with the category its response is drawn from.

    An approximation of the scorer's categories, only used to choose the distribution
    of the planted response (tests compare against the planted value of each movement,
    whatever category the scorer gives it): respiratory when a respiratory event ends
    within 2 s of the onset; otherwise ``plmw``/``other`` in wake epochs; otherwise
    ``plms_arousal`` when an arousal starts between 2 s before onset and 5 s after the
    end, ``plms_no_arousal`` or ``isolated_lms``.

    Parameters
    ----------
    truth : DataFrame
        Planted movements (``onset``, ``duration`` in s, ``kind``, ``movement_id``).
    stages : ndarray of str
        Hypnogram stage per epoch.
    epoch_s : float
        Epoch length (s).
    arousals, respiratory : DataFrame
        Planted arousals and respiratory events (``onset``, ``duration`` in s).

    Returns
    -------
    DataFrame
        ``movement_id``, ``onset`` (s), ``offset`` (s), ``category``.
    """
    if truth.empty:
        return pd.DataFrame({"movement_id": [], "onset": [], "offset": [], "category": []})
    g = truth.assign(offset=truth["onset"] + truth["duration"]).groupby("movement_id")
    mv = g.agg(onset=("onset", "min"), offset=("offset", "max"), kind=("kind", "first"))
    mv = mv.sort_values("onset").reset_index()
    on = mv["onset"].to_numpy()
    off = mv["offset"].to_numpy()
    ep = np.clip((on // epoch_s).astype(int), 0, len(stages) - 1)
    wake = ~np.isin(np.asarray(stages)[ep], _SLEEP)
    a_on = arousals["onset"].to_numpy(dtype=float)
    near_ar = ((a_on[None, :] >= on[:, None] - 2.0) & (a_on[None, :] <= off[:, None] + 5.0)).any(1)
    r_end = (respiratory["onset"] + respiratory["duration"]).to_numpy(dtype=float)
    near_resp = (np.abs(r_end[None, :] - on[:, None]) <= 2.0).any(axis=1)
    periodic = (mv["kind"] == "periodic").to_numpy()
    cat = np.where(periodic, "plms_no_arousal", "isolated_lms").astype(object)
    cat[periodic & near_ar] = "plms_arousal"
    cat[wake] = np.where(periodic[wake], "plmw", "other")
    cat[near_resp & ~wake] = "respiratory"
    mv["category"] = cat
    return mv[["movement_id", "onset", "offset", "category"]]


def draw_responses(rng: np.random.Generator, movements: pd.DataFrame) -> pd.DataFrame:
    """Draw a planted heart-rate response per movement.

    Parameters
    ----------
    rng : numpy.random.Generator
    movements : DataFrame
        ``movement_id``, ``onset`` (s) and ``category`` (keys of :data:`RESPONSE_BPM`).

    Returns
    -------
    DataFrame
        ``movements`` plus ``peak_bpm`` (planted peak ΔHR, bpm, ≥ 1) and ``latency_s``
        (s from onset to the peak).
    """
    n = len(movements)
    mean = np.array([RESPONSE_BPM[c][0] for c in movements["category"]], dtype=float)
    sd = np.array([RESPONSE_BPM[c][1] for c in movements["category"]], dtype=float)
    out = movements.copy()
    out["peak_bpm"] = np.maximum(rng.normal(mean, sd) if n else mean, 1.0)
    out["latency_s"] = rng.uniform(*LATENCY_S, n)
    return out


def response_shape(t_s: np.ndarray) -> np.ndarray:
    """Unit response (peak 1 at ``t_s = 0``): raised-cosine rise and decay (no unit)."""
    t = np.asarray(t_s, dtype=float)
    up = (t > -RISE_S) & (t <= 0)
    down = (t > 0) & (t < DECAY_S)
    y = np.zeros_like(t)
    y[up] = 0.5 * (1 + np.cos(np.pi * t[up] / RISE_S))
    y[down] = 0.5 * (1 + np.cos(np.pi * t[down] / DECAY_S))
    return y


def simulate_beats(
    rng: np.random.Generator,
    duration_s: float,
    responses: pd.DataFrame,
    hr_bpm: float | None = None,
) -> tuple[np.ndarray, dict[str, float]]:
    """R-peak times (s) whose heart rate carries the planted responses.

    Parameters
    ----------
    rng : numpy.random.Generator
    duration_s : float
        Recording length (s).
    responses : DataFrame
        ``onset``, ``peak_bpm``, ``latency_s`` per movement (see :func:`draw_responses`).
    hr_bpm : float, optional
        Baseline heart rate (bpm); drawn in 55-75 bpm by default.

    Returns
    -------
    r_times_s : ndarray of float64
        Beat times (s), RR intervals within 0.45-1.5 s.
    params : dict
        ``heart_rate_bpm``, ``rsa_fraction``, ``rsa_hz``, ``drift_fraction``.
    """
    hr0 = float(rng.uniform(55, 75)) if hr_bpm is None else float(hr_bpm)
    rsa_hz = float(rng.uniform(0.2, 0.3))
    rsa = 0.03
    drift = 0.05
    period = float(rng.uniform(1800, 5400))
    n = int(duration_s * _GRID_HZ) + 1
    t = np.arange(n) / _GRID_HZ
    hr = hr0 * (
        1
        + rsa * np.sin(2 * np.pi * rsa_hz * t + rng.uniform(0, 2 * np.pi))
        + drift * np.sin(2 * np.pi * t / period + rng.uniform(0, 2 * np.pi))
    )
    lo_i = np.searchsorted(t, responses["onset"].to_numpy() + responses["latency_s"] - RISE_S)
    width = int((RISE_S + DECAY_S) * _GRID_HZ) + 2
    for i0, row in zip(lo_i, responses.itertuples(index=False), strict=True):  # loop per movement
        sl = slice(int(i0), min(n, int(i0) + width))
        hr[sl] += row.peak_bpm * response_shape(t[sl] - row.onset - row.latency_s)
    hr = np.clip(hr, 40.0, 130.0)
    phase = np.concatenate(([0.0], np.cumsum(0.5 * (hr[1:] + hr[:-1]) / 60.0 / _GRID_HZ)))
    phase += rng.uniform(0, 1)
    k = np.arange(np.ceil(phase[0]), np.floor(phase[-1]) + 1)
    r = np.interp(k, phase, t)
    r = r + rng.normal(0, 0.002, r.size)  # 2 ms beat-to-beat jitter
    r = r[(r > 0.5) & (r < duration_s - 0.5)]
    return r, {
        "heart_rate_bpm": hr0,
        "rsa_fraction": rsa,
        "rsa_hz": rsa_hz,
        "drift_fraction": drift,
    }


def simulate_spo2(
    rng: np.random.Generator,
    duration_s: float,
    movements: pd.DataFrame,
    fs_hz: float = 1.0,
) -> tuple[np.ndarray, pd.DataFrame]:
    """SpO2 (%) with planted desaturations after a share of the movements.

    Parameters
    ----------
    rng : numpy.random.Generator
    duration_s : float
        Recording length (s).
    movements : DataFrame
        ``movement_id``, ``onset`` (s) and ``category``.
    fs_hz : float
        Sampling rate (Hz).

    Returns
    -------
    spo2 : ndarray of float32
        Saturation (%), ``round(duration_s * fs_hz)`` samples.
    desaturations : DataFrame
        ``movement_id``, ``onset`` (s, start of the fall), ``nadir_s`` (s), ``drop_pct``.
    """
    n = int(round(duration_s * fs_hz))
    t = np.arange(n) / fs_hz
    base = float(rng.uniform(95, 97))
    y = base + 0.3 * np.sin(2 * np.pi * t / float(rng.uniform(600, 1800)))
    rows = []
    for row in movements.itertuples(index=False):  # loop per movement
        if rng.random() >= DESAT_FRACTION.get(row.category, 0.1):
            continue
        nadir = row.onset + float(rng.uniform(10, 25))
        drop = float(rng.uniform(3.5, 6.0))
        fall, rise = float(rng.uniform(5, 10)), float(rng.uniform(10, 20))
        sl = (t > nadir - fall) & (t < nadir + rise)
        dt = t[sl] - nadir
        shape = np.where(
            dt <= 0, 0.5 * (1 + np.cos(np.pi * dt / fall)), 0.5 * (1 + np.cos(np.pi * dt / rise))
        )
        y[sl] -= drop * shape
        rows.append((row.movement_id, nadir - fall, nadir, drop))
    y = y + rng.normal(0, 0.2, n)
    desat = pd.DataFrame(rows, columns=["movement_id", "onset", "nadir_s", "drop_pct"])
    return np.clip(y, 50, 100).astype(np.float32), desat
