"""Heart-rate and oxygen response to each leg movement (the "autonomic" response).

Rules in ``docs/autonomic.md`` (sections §A1-§A7 cited below); pure functions on arrays
and DataFrames, no file access, no pyplot state.

Pipeline: :func:`detect_beats` (R peaks with the ``sleepecg`` detector, polarity, beats
in noisy ECG excluded, §A1) → :func:`clean_rr` (RR plausibility and local-median rule,
§A2) → :func:`hr_responses` (per movement: baseline, beats −10…+15, peak ΔHR and
latency, baseline-overlap flag, §A3-§A4) → :func:`mean_curves` (per category, 95 % CI,
§A5); :func:`spo2_responses` (§A6).  :func:`analyze` runs them all and
:func:`plot_hr_response` draws the mean curves on a given Axes.

References
----------
Winkelman JW. The evoked heart rate response to periodic leg movements of sleep.
Sleep 1999;22:575-580.
Ferri R, Zucconi M, Rundo F, et al. Heart rate and spectral EEG changes accompanying
periodic and non-periodic leg movements during sleep. Clin Neurophysiol
2007;118:438-448.
Guggisberg AG, Hess CW, Mathis J. The significance of the sympathetic nervous system
in the pathophysiology of periodic leg movements in sleep. Sleep 2007;30:755-766.
Sleepecg: Brunner C, Hofer F. sleepecg (Pan-Tompkins-based heartbeat detector,
validated on PhysioNet databases), https://github.com/cbrnr/sleepecg.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from plm._lazy import pandas as pd
from plm.autonomic.heart import (
    Beats,
    RRSeries,
    _baseline_overlap,
    _empty_curves,
    _long,
    categorize,
    clean_rr,
    detect_beats,
    hr_responses,
    mean_curves,
    r_peak_times,
    time_grid,
)
from plm.autonomic.plot import plot_hr_response
from plm.autonomic.rules import (
    CANDIDATE_COLUMNS,
    CATEGORIES,
    CATEGORY_LABELS,
    CURVE_COLUMNS,
    RESPONSE_COLUMNS,
    SUMMARY_KEYS,
    AutonomicRules,
)
from plm.autonomic.spo2 import mask_spo2, spo2_responses

__all__ = [
    "CANDIDATE_COLUMNS",
    "CATEGORIES",
    "CATEGORY_LABELS",
    "CURVE_COLUMNS",
    "RESPONSE_COLUMNS",
    "SUMMARY_KEYS",
    "AutonomicResult",
    "AutonomicRules",
    "Beats",
    "RRSeries",
    "analyze",
    "categorize",
    "clean_rr",
    "detect_beats",
    "hr_responses",
    "mask_spo2",
    "mean_curves",
    "plot_hr_response",
    "r_peak_times",
    "spo2_responses",
    "time_grid",
]

logger = logging.getLogger(__name__)


@dataclass
class AutonomicResult:
    """What :func:`analyze` returns (see the module docstring of the integration).

    Attributes
    ----------
    columns : DataFrame
        Index of the candidates table; columns of :data:`CANDIDATE_COLUMNS` (HR columns
        only with an ECG, SpO2 columns only with SpO2).
    hr_response : DataFrame
        Long table, columns of :data:`RESPONSE_COLUMNS` (empty without ECG).
    curves : DataFrame
        Mean curves: ``category``, ``axis`` ('beat' or 'time'), ``x`` (beat index or
        s), ``mean_delta_bpm``, ``ci_low_bpm``, ``ci_high_bpm``, ``n``.
    summary : dict
        Flat summary keys (:data:`SUMMARY_KEYS`).
    beats : Beats or None
    """

    columns: pd.DataFrame
    hr_response: pd.DataFrame
    curves: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)
    beats: Beats | None = None


# --------------------------------------------------------------------------- all together


def _beats_over_segments(
    ecg: np.ndarray,
    fs_hz: float,
    rules: AutonomicRules,
    segments: list[tuple[float, slice, np.ndarray | None]],
) -> Beats:
    """Beats of each continuous ECG stretch, on the recording's time axis (§A1, §A2)."""
    parts = []
    for t0, sl, peaks in segments:
        if sl.stop - sl.start < 2:
            continue
        b = detect_beats(ecg[sl], fs_hz, rules, r_peaks_s=peaks)
        start = np.zeros(b.times_s.size, dtype=bool)
        if parts and start.size:
            start[0] = True
        parts.append(Beats(b.times_s + t0, b.valid, b.inverted, start))
    if not parts:
        return Beats(np.zeros(0), np.zeros(0, dtype=bool), False, np.zeros(0, dtype=bool))
    n = [p.times_s.size for p in parts]
    return Beats(
        np.concatenate([p.times_s for p in parts]),
        np.concatenate([p.valid for p in parts]),
        # polarity of the longest stretch
        parts[int(np.argmax(n))].inverted,
        np.concatenate([p.segment_start for p in parts]),
    )


def analyze(
    candidates: pd.DataFrame,
    ecg: np.ndarray | None = None,
    ecg_fs_hz: float | None = None,
    spo2: np.ndarray | None = None,
    spo2_fs_hz: float | None = None,
    rules: AutonomicRules | None = None,
    *,
    ecg_t0_s: float = 0.0,
    spo2_t0_s: float = 0.0,
    r_peaks_s: np.ndarray | None = None,
    ecg_segments: list[tuple[float, slice, np.ndarray | None]] | None = None,
) -> AutonomicResult:
    """Heart-rate (and SpO2) response of every candidate LM of one night.

    Parameters
    ----------
    candidates : DataFrame
        ``PLMResult.candidates`` (``onset`` in s from recording start, ``candidate``,
        ``periodic``, ``arousal``, ``respiratory``, ``stage``).
    ecg : array_like, optional
        ECG channel (µV); without it no HR columns and one ``hr_status`` line.
    ecg_fs_hz : float, optional
        ECG sampling rate (Hz).
    spo2 : array_like, optional
        SpO2 channel (%).
    spo2_fs_hz : float, optional
        SpO2 sampling rate (Hz).
    rules : AutonomicRules, optional
    ecg_t0_s, spo2_t0_s : float
        Time (s from recording start) of the first ECG / SpO2 sample.
    r_peaks_s : array_like, optional
        R peaks (s from the first ECG sample) already found (e.g. shared with ECG
        suppression); default :func:`r_peak_times`.
    ecg_segments : list of (float, slice, ndarray or None), optional
        For a recording with gaps (EDF+D): per continuous stretch, its start (s from
        recording start), the slice of ``ecg`` it covers and its R peaks (s from that
        start, or None). Beats are found per stretch and no RR interval spans a gap;
        ``ecg_t0_s`` and ``r_peaks_s`` are then unused.

    Returns
    -------
    AutonomicResult
    """
    rules = rules or AutonomicRules()
    cat = categorize(candidates)
    on = candidates["onset"].to_numpy(dtype=float)
    analysed = cat.to_numpy() != "other"
    if "candidate" in candidates:
        analysed |= candidates["candidate"].fillna(False).to_numpy(dtype=bool)
    cols = pd.DataFrame({"hr_category": cat}, index=candidates.index)
    summary: dict[str, Any] = {}
    long = _long(np.zeros((0, 0)), np.zeros(0, dtype=int), np.zeros((0, 0)))
    curves = _empty_curves()
    beats = None
    if ecg is None or ecg_fs_hz is None:
        summary["hr_status"] = "no ECG channel: heart-rate response not computed"
    else:
        if ecg_segments is None:
            ecg_segments = [(ecg_t0_s, slice(0, len(ecg)), r_peaks_s)]
        beats = _beats_over_segments(ecg, ecg_fs_hz, rules, ecg_segments)
        rr = clean_rr(beats, rules)
        per, long, tcurves = hr_responses(rr, on, rules)
        per.index = candidates.index
        per.loc[~analysed, ["hr_valid"]] = False
        for c in ("hr_baseline_bpm", "hr_peak_delta_bpm", "hr_peak_latency_s"):
            per.loc[~analysed, c] = np.nan
        per.loc[~analysed, "hr_peak_latency_beats"] = pd.NA
        overlap = _baseline_overlap(on, analysed, rules.min_separation_s)
        cols = cols.join(per)
        cols["hr_baseline_overlap"] = overlap
        long = long[np.repeat(analysed, rules.beats_before + rules.beats_after + 1)]
        long = long.reset_index(drop=True)
        incl = per["hr_valid"].to_numpy() & ~overlap
        c_arr = cat.to_numpy()
        beat_x = np.arange(-rules.beats_before, rules.beats_after + 1)
        bmat = long.pivot(index="movement", columns="beat", values="delta_hr_bpm")
        bfull = np.full((len(on), beat_x.size), np.nan)
        if len(bmat):
            bfull[bmat.index.to_numpy()] = bmat.reindex(columns=beat_x).to_numpy()
        curves = pd.concat(
            [
                mean_curves(bfull[incl], beat_x, c_arr[incl], "beat", rules.ci_level),
                mean_curves(tcurves[incl], time_grid(rules), c_arr[incl], "time", rules.ci_level),
            ],
            ignore_index=True,
        )
        summary.update(
            hr_status=f"heart-rate response of {int(incl.sum())} LMs, {beats.times_s.size} beats",
            hr_beats_n=int(beats.times_s.size),
            hr_beats_excluded_n=int((~beats.valid).sum()),
            hr_ecg_inverted=bool(beats.inverted),
            hr_rr_excluded_fraction=round(rr.excluded_fraction, 4),
        )
        k0, k1 = rules.peak_window_beats
        for c in CATEGORIES:  # loop per category (5)
            cb = curves[(curves["category"] == c) & (curves["axis"] == "beat")]
            cb = cb[(cb["x"] >= k0) & (cb["x"] <= k1)]
            ct = curves[(curves["category"] == c) & (curves["axis"] == "time")]
            has = len(cb) and np.isfinite(cb["mean_delta_bpm"]).any()
            i = cb["mean_delta_bpm"].idxmax() if has else None
            summary[f"hr_peak_delta_bpm_{c}"] = float(cb.loc[i, "mean_delta_bpm"]) if has else None
            if has and len(ct):
                post = ct[ct["x"] >= 0]
                j = (
                    post["mean_delta_bpm"].idxmax()
                    if post["mean_delta_bpm"].notna().any()
                    else None
                )
                summary[f"hr_peak_latency_s_{c}"] = (
                    float(post.loc[j, "x"]) if j is not None else None
                )
            else:
                summary[f"hr_peak_latency_s_{c}"] = None
            in_cat = c_arr == c
            summary[f"hr_n_{c}"] = int((incl & in_cat).sum())
            summary[f"hr_n_excluded_{c}"] = int((in_cat & ~incl).sum())
    if spo2 is None or spo2_fs_hz is None:
        summary["spo2_status"] = "no SpO2 channel: oxygen response not computed"
    else:
        sp, masked = spo2_responses(spo2, spo2_fs_hz, on - spo2_t0_s, rules)
        sp.index = candidates.index
        sp.loc[~analysed, "spo2_change_pct"] = np.nan
        sp.loc[~analysed, "spo2_desaturation"] = pd.NA
        cols = cols.join(sp)
        plms = np.isin(cat.to_numpy(), ("plms_arousal", "plms_no_arousal"))
        verdict = sp["spo2_desaturation"].to_numpy(dtype=object)
        known = plms & np.array([v is not pd.NA for v in verdict], dtype=bool)  # also when empty
        n_desat = int(np.sum(known & (sp["spo2_desaturation"].fillna(False).to_numpy(bool))))
        summary.update(
            spo2_status=f"SpO2 response of {int(known.sum())} PLMS; {masked:.1%} samples masked",
            spo2_masked_fraction=round(masked, 4),
            spo2_plms_n=int(known.sum()),
            spo2_plms_desaturation_n=n_desat,
            spo2_plms_desaturation_fraction=round(n_desat / known.sum(), 4)
            if known.any()
            else None,
        )
    return AutonomicResult(cols, long, curves, summary, beats)
