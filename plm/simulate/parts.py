"""The parts of a synthetic night: leg EMG bursts, mains hum, ECG, pops, events.

Building blocks of :func:`plm.simulate.nights.simulate_night`, each seeded by the caller's
random generator (so a night's bytes depend only on its arguments).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import signal as sps

from plm.events import Hypnogram, empty_intervals


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


def _random_time(
    rng: np.random.Generator, stages: np.ndarray, want_sleep: bool, epoch_s: float
) -> float | None:
    is_sleep = stages != "W"
    pool = np.flatnonzero(is_sleep if want_sleep else ~is_sleep)
    if pool.size == 0:
        return None
    return float(rng.choice(pool) * epoch_s + rng.uniform(0, epoch_s))


# --------------------------------------------------------------------------- main
