"""Opt-in artefacts of real leg-EMG recordings for :func:`plm.simulate.nights.simulate_night`.

Asked for by name in ``simulate_night(artifacts=...)`` (never by ``artifacts=True``, so the
nights generated before these existed keep their bytes), drawn from their own generator
(seeded from the night's seed), and added to the legs after everything else:

* ``'flat'``: an amplifier disconnect, one stretch of ``flat_duration_s`` on one leg where
  the signal holds its last value (a constant digital value once written to EDF).  The
  planted LMs of that leg inside it are removed from the truth (they cannot be seen).
* ``'leadoff'``: an electrode off on one leg for ``leadoff_duration_s``: mains hum of
  2-6 mV on top of the EMG, clipped at ±``leadoff_rail_uv`` (the amplifier's rails).  The
  LMs of that leg inside it are removed from the truth.
* ``'motion'``: electrode-movement transients, ``motion_per_h`` per leg: a biphasic swing
  of 200-800 µV lasting 0.3-1 s whose half-waves turn sharply (``tanh`` of a sine), most
  of them (70 %) starting with a step of 100-400 µV that relaxes over 0.3-1 s.  A share
  ``motion_on_lm_fraction`` of them falls inside a planted LM of that leg (starting in its
  first half and ending before it ends): the LM must still be found.
* ``'subthreshold'``: ``subthreshold_per_h`` broadband EMG bursts per leg of 1-3 s whose
  rectified mean in the detector's band is 4-6 µV above the local rest (below the 8 µV
  onset): not LMs.
* ``'near_threshold'``: ``near_threshold_per_h`` true LMs per leg of 1-3 s, 9-13 µV above
  the local rest (rectified mean in the detector's band), steady plateau; added to the
  truth (``kind = 'near_threshold'``).

"Above the local rest" is set from the RMS ``s`` of the leg in the 5 s before the burst
(nothing is planted there), band-passed like the detector does (10-100 Hz, mains
notched): a burst whose RMS inside that band is ``a`` has a rectified mean
``0.8 * sqrt(s**2 + a**2)`` (0.8: mean of a rectified Gaussian over its RMS); ``a`` is
solved for the wanted excess and divided by the square root of the share of the carrier's
power inside the band.

The truth of every artefact is one table (``SyntheticNight.artifact_events``): ``onset``,
``duration`` (s), ``side``, ``kind`` and ``amplitude_uv`` (swing, mains or burst RMS).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["SIGNAL_ARTIFACTS", "ARTIFACT_COLUMNS", "add_signal_artifacts"]

#: Artefacts of real recordings, asked for by name only (not part of ``artifacts=True``).
SIGNAL_ARTIFACTS: tuple[str, ...] = ("flat", "leadoff", "motion", "subthreshold", "near_threshold")
#: Columns of the artefact truth table.
ARTIFACT_COLUMNS = ("onset", "duration", "side", "kind", "amplitude_uv")

_EDGE_CLEAR_S = 3.0  # no planted LM of the leg this close to a stretch edge or a burst
_DETECTOR_BAND_HZ = (10.0, 100.0)  # the default band-pass (rules.highpass_hz/lowpass_hz)


def empty_artifact_table() -> pd.DataFrame:
    """An empty artefact truth table with its columns."""
    return pd.DataFrame(
        {
            "onset": pd.Series(dtype=float),
            "duration": pd.Series(dtype=float),
            "side": pd.Series(dtype=object),
            "kind": pd.Series(dtype=object),
            "amplitude_uv": pd.Series(dtype=float),
        }
    )


def _busy(truth: pd.DataFrame, side: str, margin: float) -> np.ndarray:
    """``(n, 2)`` intervals around the planted LMs of one leg, widened by ``margin``."""
    leg = truth[truth["side"] == side]
    on = leg["onset"].to_numpy(float)
    return np.column_stack((on - margin, on + leg["duration"].to_numpy(float) + margin))


def _free(busy: list[np.ndarray], a: float, b: float) -> bool:
    """True when ``[a, b)`` overlaps none of the busy intervals."""
    return not any(bool(((iv[:, 0] < b) & (iv[:, 1] > a)).any()) for iv in busy if iv.size)


def _place(
    rng: np.random.Generator, busy: list[np.ndarray], length: float, lo: float, hi: float
) -> float | None:
    """A random start in ``[lo, hi - length]`` whose interval is free (None after 500 tries)."""
    for _ in range(500):  # loop per attempt
        if hi - length <= lo:
            return None
        t = float(rng.uniform(lo, hi - length))
        if _free(busy, t, t + length):
            return t
    return None


def _band_share(fs: float) -> float:
    """Share of the 10-200 Hz carrier's power inside the detector's band."""
    top = 0.45 * fs
    kept = min(_DETECTOR_BAND_HZ[1], top) - _DETECTOR_BAND_HZ[0]
    carrier = min(200.0, top) - 10.0
    return float(max(kept, 1.0) / max(carrier, 1.0))


def _burst_rms(excess_uv: float, rest_band_rms: float, share: float) -> float:
    """Carrier RMS whose rectified mean in the detector's band is ``excess_uv`` above rest.

    ``rest_band_rms``: RMS of the rest inside the detector's band (mains notched).
    """
    total = excess_uv / np.sqrt(2 / np.pi) + rest_band_rms
    return float(np.sqrt(max(total**2 - rest_band_rms**2, 0.0) / share))


def _local_rms(x: np.ndarray, fs: float, t: float, mains_hz: float) -> float:
    """Robust RMS of the leg in the detector's band (mains notched), 5 s before ``t``."""
    from scipy import signal as sps

    a, b = max(0, int((t - 5.0) * fs)), max(1, int(t * fs))
    seg = np.asarray(x[a:b], dtype=np.float64)
    if seg.size < fs:
        return 1.0
    top = min(_DETECTOR_BAND_HZ[1], 0.45 * fs)
    sos = sps.butter(4, [_DETECTOR_BAND_HZ[0], top], btype="bandpass", fs=fs, output="sos")
    if mains_hz < 0.45 * fs:
        sos = np.vstack((sos, sps.tf2sos(*sps.iirnotch(mains_hz, 30.0, fs=fs))))
    y = sps.sosfiltfilt(sos, seg)
    return float(np.median(np.abs(y)) / 0.6745)


def _burst(
    rng: np.random.Generator, carrier: Callable[[int], np.ndarray], n: int, fs: float, rms: float
) -> np.ndarray:
    """A steady broadband burst of ``rms`` µV with 0.1-s raised-cosine edges (float32)."""
    edge = max(1, min(int(round(0.1 * fs)), n // 2))
    env = np.ones(n)
    ramp = 0.5 - 0.5 * np.cos(np.pi * (np.arange(edge) + 0.5) / edge)
    env[:edge], env[n - edge :] = ramp, ramp[::-1]
    return (rms * env * carrier(n)).astype(np.float32)


def _motion(rng: np.random.Generator, n: int, fs: float) -> tuple[np.ndarray, float]:
    """One electrode-movement transient of ``n`` samples (µV) and its swing amplitude."""
    t = np.arange(n) / fs
    amp = float(np.exp(rng.uniform(np.log(200.0), np.log(800.0))))
    sharp = float(rng.uniform(2.0, 5.0))
    swing = np.tanh(sharp * np.sin(2 * np.pi * t / (n / fs))) / np.tanh(sharp)
    x = amp * swing * rng.choice([-1.0, 1.0])
    if rng.random() < 0.7:  # a sharp step that relaxes slowly
        step = float(rng.uniform(100.0, 400.0)) * rng.choice([-1.0, 1.0])
        x = x + step * np.exp(-t / float(rng.uniform(0.3, 1.0)))
    return x.astype(np.float32), amp


def add_signal_artifacts(
    seed: int | None,
    names: set[str],
    legs: dict[str, np.ndarray],
    fs: float,
    truth: pd.DataFrame,
    window: tuple[float, float],
    carrier: Callable[[np.random.Generator, int], np.ndarray],
    options: dict[str, float],
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Add the asked-for artefacts to the legs in place; return the truth they change.

    Parameters
    ----------
    seed : int or None
        The night's seed; the artefacts use ``default_rng([seed, 15])``.
    names : set of str
        Subset of :data:`SIGNAL_ARTIFACTS`.
    legs : dict
        ``{"left"|"right": raw µV float32}``, changed in place.
    fs : float
        Sampling rate (Hz).
    truth : DataFrame
        The planted LMs (``onset``, ``duration``, ``side``, ``movement_id``...).
    window : (float, float)
        Where artefacts may go (s).
    carrier : callable
        ``carrier(rng, n)``: unit-RMS broadband EMG carrier of ``n`` samples.
    options : dict
        ``flat_duration_s``, ``leadoff_duration_s``, ``leadoff_rail_uv``,
        ``motion_per_h``, ``motion_on_lm_fraction``, ``subthreshold_per_h``,
        ``near_threshold_per_h``, ``mains_hz``.

    Returns
    -------
    truth : DataFrame
        The truth without the LMs hidden by a flat or lead-off stretch, with the
        near-threshold LMs added, sorted by onset.
    artifacts : DataFrame
        One row per artefact (:data:`ARTIFACT_COLUMNS`).
    params : dict
        The drawn values worth recording.
    """
    rng = np.random.default_rng(None if seed is None else [int(seed), 15])
    lo, hi = window
    hours = (hi - lo) / 3600.0
    rows: list[tuple[float, float, str, str, float]] = []
    drop = np.zeros(len(truth), dtype=bool)
    share = _band_share(fs)
    mains_hz = float(options.get("mains_hz", 50.0))
    sides = ("left", "right")
    busy = {s: [_busy(truth, s, _EDGE_CLEAR_S)] for s in sides}
    params: dict[str, Any] = {}

    def gen(k: int) -> np.ndarray:
        return carrier(rng, k)

    for kind in ("flat", "leadoff"):  # long stretches first, on one leg each
        if kind not in names:
            continue
        side = str(rng.choice(sides))
        length = float(options[f"{kind}_duration_s"])
        t = _place_stretch(rng, truth, side, length, lo, hi)
        if t is None:
            continue
        a, b = int(round(t * fs)), int(round((t + length) * fs))
        x = legs[side]
        amp = 0.0
        if kind == "flat":
            x[a:b] = x[a]
        else:
            amp = float(rng.uniform(2000.0, 6000.0))
            k = np.arange(b - a)
            hum = amp * np.sin(2 * np.pi * 50.0 * k / fs + rng.uniform(0, 2 * np.pi))
            rail = float(options["leadoff_rail_uv"])
            x[a:b] = np.clip(x[a:b] + hum, -rail, rail).astype(np.float32)
        on = truth["onset"].to_numpy(float)
        inside = (truth["side"] == side).to_numpy() & (on >= t) & (on < t + length)
        drop |= inside
        rows.append((t, length, side, kind, amp))
        for s in sides:
            busy[s].append(np.array([[t - _EDGE_CLEAR_S, t + length + _EDGE_CLEAR_S]]))
        params[f"{kind}_side"] = side

    extra_truth: list[dict[str, Any]] = []
    next_id = int(truth["movement_id"].max()) + 1 if len(truth) else 0
    for side in sides:  # loop per leg
        x = legs[side]
        if "motion" in names:
            k_all = int(rng.poisson(float(options["motion_per_h"]) * hours))
            n_on = int(round(k_all * float(options["motion_on_lm_fraction"])))
            leg_lms = truth[(truth["side"] == side).to_numpy() & ~drop]
            leg_lms = leg_lms[leg_lms["duration"] >= 1.5]
            if len(leg_lms) and n_on:
                chosen = rng.choice(len(leg_lms), min(n_on, len(leg_lms)), replace=False)
                for j in np.sort(chosen):  # loop per transient inside an LM
                    lm = leg_lms.iloc[int(j)]
                    d = float(min(rng.uniform(0.3, 1.0), 0.5 * lm["duration"]))
                    t = float(lm["onset"] + rng.uniform(0.0, 0.5 * lm["duration"] - 0.1))
                    rows.append(_add_motion(rng, x, fs, t, d, side, "motion_on_lm"))
            for _ in range(k_all - n_on):  # loop per free transient
                d = float(rng.uniform(0.3, 1.0))
                t = _place(rng, busy[side], d + 2.0, lo, hi)
                if t is not None:
                    rows.append(_add_motion(rng, x, fs, t + 1.0, d, side, "motion"))
                    busy[side].append(np.array([[t, t + d + 2.0]]))
        for kind, per_h, excess in (
            ("subthreshold", "subthreshold_per_h", (4.0, 6.0)),
            ("near_threshold", "near_threshold_per_h", (9.0, 13.0)),
        ):
            if kind not in names:
                continue
            for _ in range(int(rng.poisson(float(options[per_h]) * hours))):  # loop per burst
                d = float(rng.uniform(1.0, 3.0))
                t = _place(rng, busy[side], d + 2 * _EDGE_CLEAR_S + 5.0, lo, hi)
                if t is None:
                    continue
                t += _EDGE_CLEAR_S + 5.0
                rest = _local_rms(x, fs, t, mains_hz)
                rms = _burst_rms(float(rng.uniform(*excess)), rest, share)
                i0 = int(round(t * fs))
                seg = _burst(rng, gen, min(int(round(d * fs)), x.size - i0), fs, rms)
                x[i0 : i0 + seg.size] += seg
                busy[side].append(np.array([[t - _EDGE_CLEAR_S - 5.0, t + d + _EDGE_CLEAR_S]]))
                if kind == "subthreshold":
                    rows.append((t, d, side, kind, rms))
                else:
                    extra_truth.append(_truth_row(t, d, side, rms, next_id))
                    next_id += 1

    kept = truth[~drop]
    if extra_truth:
        kept = pd.concat([kept, pd.DataFrame(extra_truth)], ignore_index=True)
        kept = kept.astype(truth.dtypes.to_dict())
    kept = kept.sort_values("onset", kind="stable").reset_index(drop=True)
    table = pd.DataFrame(rows, columns=list(ARTIFACT_COLUMNS)) if rows else empty_artifact_table()
    table = table.sort_values("onset", kind="stable").reset_index(drop=True)
    params["n_hidden_lms"] = int(drop.sum())
    return kept, table, params


def _truth_row(t: float, d: float, side: str, rms: float, movement_id: int) -> dict[str, Any]:
    return {
        "onset": t,
        "duration": d,
        "side": side,
        "amplitude_uv": rms,
        "kind": "near_threshold",
        "movement_id": movement_id,
        "series_id": -1,
        "bilateral": False,
    }


def _place_stretch(
    rng: np.random.Generator, truth: pd.DataFrame, side: str, length: float, lo: float, hi: float
) -> float | None:
    """A stretch start whose two edges are clear of the leg's planted LMs."""
    edges = [_busy(truth, side, _EDGE_CLEAR_S)]
    for _ in range(500):  # loop per attempt
        t = float(rng.uniform(lo, max(lo, hi - length)))
        if _free(edges, t - 0.01, t + 0.01) and _free(edges, t + length - 0.01, t + length + 0.01):
            return t
    return None


def _add_motion(
    rng: np.random.Generator, x: np.ndarray, fs: float, t: float, d: float, side: str, kind: str
) -> tuple[float, float, str, str, float]:
    """Add one transient at ``t`` (s) lasting ``d`` (s) to ``x`` in place; its truth row."""
    i0 = int(round(t * fs))
    n = max(2, min(int(round(d * fs)), x.size - i0))
    wave, amp = _motion(rng, n, fs)
    tail = np.zeros(0, dtype=np.float32)
    if abs(float(wave[-1])) > 0:  # the relaxing step continues after the swing
        m = min(int(round(2.0 * fs)), x.size - i0 - n)
        tail = (wave[-1] * np.exp(-np.arange(m) / (0.3 * fs))).astype(np.float32)
    x[i0 : i0 + n] += wave
    x[i0 + n : i0 + n + tail.size] += tail
    return (t, d, side, kind, amp)
