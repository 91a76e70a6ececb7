"""SpO2 change and desaturation after each leg movement (§A6).

Rules in ``docs/autonomic.md``.
"""

from __future__ import annotations

import warnings

import numpy as np

from plm._lazy import pandas as pd
from plm.autonomic.rules import AutonomicRules
from plm.events import InputError

# --------------------------------------------------------------------------- SpO2 (§A6)


def mask_spo2(spo2: np.ndarray, rules: AutonomicRules | None = None) -> np.ndarray:
    """SpO2 (%) as float64 with non-physiological samples set to NaN (§A6).

    Masked: NaN/inf, values outside ``spo2_valid_pct`` (0 = probe off, > 100 %) and
    dropouts (runs of exactly the same value for ≥ 60 samples at a masked neighbour
    are not treated specially: a flat valid value is kept).
    """
    rules = rules or AutonomicRules()
    y = np.asarray(spo2, dtype=np.float64).copy()
    lo, hi = rules.spo2_valid_pct
    with np.errstate(invalid="ignore"):
        y[~np.isfinite(y) | (y < lo) | (y > hi)] = np.nan
    return y


def spo2_responses(
    spo2: np.ndarray,
    fs_hz: float,
    onsets_s: np.ndarray,
    rules: AutonomicRules | None = None,
) -> tuple[pd.DataFrame, float]:
    """SpO2 change after each movement and desaturation flag (§A6).

    Baseline: median of the unmasked samples in ``spo2_baseline_s``; change: minimum in
    ``(0, spo2_window_s]`` after onset minus baseline (percentage points); a
    desaturation begins within the window when the minimum is at least
    ``desaturation_pct`` below baseline.  Movements with less than
    ``spo2_min_coverage`` unmasked samples in either window get NaN / <NA>.

    Parameters
    ----------
    spo2 : array_like
        Saturation (%), first sample at t = 0 s of the recording.
    fs_hz : float
        Sampling rate (Hz), e.g. 1 Hz.
    onsets_s : array_like
        Movement onsets (s).
    rules : AutonomicRules, optional

    Returns
    -------
    per_movement : DataFrame
        ``spo2_change_pct`` (float), ``spo2_desaturation`` (boolean, <NA> when unknown).
    masked_fraction : float
        Share of masked samples.
    """
    rules = rules or AutonomicRules()
    if fs_hz <= 0:
        raise InputError(f"SpO2 sampling rate must be positive, got {fs_hz}")
    y = mask_spo2(spo2, rules)
    on = np.asarray(onsets_s, dtype=float)
    masked = float(np.isnan(y).mean()) if y.size else 1.0

    def windows(a_s: float, b_s: float) -> tuple[np.ndarray, np.ndarray]:
        n = max(1, int(round((b_s - a_s) * fs_hz)))
        i = np.round((on + a_s) * fs_hz).astype(np.int64)[:, None] + np.arange(n)[None, :]
        inside = (i >= 0) & (i < y.size)
        return np.where(inside, y[np.clip(i, 0, max(y.size - 1, 0))], np.nan), inside

    if on.size == 0 or y.size == 0:
        change = np.full(on.size, np.nan)
        desat = pd.array([pd.NA] * on.size, dtype="boolean")
        return pd.DataFrame({"spo2_change_pct": change, "spo2_desaturation": desat}), masked

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        bw, _ = windows(*rules.spo2_baseline_s)
        aw, _ = windows(1.0 / fs_hz, rules.spo2_window_s + 1.0 / fs_hz)
        base = np.nanmedian(bw, axis=1)
        low = np.nanmin(aw, axis=1)
    cover = np.minimum(np.isfinite(bw).mean(axis=1), np.isfinite(aw).mean(axis=1))
    good = (cover >= rules.spo2_min_coverage) & np.isfinite(base) & np.isfinite(low)
    change = np.where(good, low - base, np.nan)
    desat = pd.array(change <= -rules.desaturation_pct, dtype="boolean")
    desat[~good] = pd.NA
    return pd.DataFrame({"spo2_change_pct": change, "spo2_desaturation": desat}), masked
