"""Parameters, categories and output columns of the autonomic response analysis.

Rules in ``docs/autonomic.md`` (§A1-§A7).

References: :mod:`plm.autonomic` (Winkelman 1999; Ferri 2007; Guggisberg 2007).
"""

from __future__ import annotations

from dataclasses import dataclass

#: Response categories, in the order of the report (§A5).
CATEGORIES: tuple[str, ...] = (
    "plms_arousal",
    "plms_no_arousal",
    "isolated_lms",
    "plmw",
    "respiratory",
)
CATEGORY_LABELS: dict[str, str] = {
    "plms_arousal": "PLMS with arousal",
    "plms_no_arousal": "PLMS without arousal",
    "isolated_lms": "isolated LMS",
    "plmw": "PLMW",
    "respiratory": "respiratory-related LM",
}
_SLEEP = ("N1", "N2", "N3", "R")

#: Per-movement columns added to the candidates table (name: (unit, description)).
CANDIDATE_COLUMNS: dict[str, tuple[str, str]] = {
    "hr_category": ("", "response category (§A5): " + ", ".join(CATEGORIES) + " or other"),
    "hr_valid": ("", "enough clean beats for baseline and response (§A3)"),
    "hr_baseline_bpm": ("bpm", "mean HR of the clean beats 20-10 s before onset (§A3)"),
    "hr_peak_delta_bpm": ("bpm", "peak HR change, beats 0…+15, 3-beat mean (§A4)"),
    "hr_peak_latency_s": ("s", "time of the peak beat (RR midpoint) from onset (§A4)"),
    "hr_peak_latency_beats": ("beats", "peak beat index relative to the onset beat (§A4)"),
    "hr_baseline_overlap": ("", "another LM began < 30 s before onset (§A4)"),
    "spo2_change_pct": ("%", "SpO2 minimum in the 30 s after onset minus baseline (§A6)"),
    "spo2_desaturation": ("", "a ≥ 3 % desaturation begins within 30 s of onset (§A6)"),
}
#: Columns of the long table ``_hr_response.tsv`` (name: (unit, description)).
RESPONSE_COLUMNS: dict[str, tuple[str, str]] = {
    "movement": ("", "row number of the movement in the candidates table"),
    "beat": ("beats", "RR interval index relative to the beat nearest onset (−10…+15)"),
    "time_s": ("s", "midpoint of that RR interval relative to onset"),
    "hr_bpm": ("bpm", "60 / RR; empty when the interval was excluded (§A2)"),
    "delta_hr_bpm": ("bpm", "hr_bpm minus the movement's baseline"),
}
#: ``<stem>_hr_curves.tsv``: the per-night mean response curves (§A5).
CURVE_COLUMNS: dict[str, tuple[str, str]] = {
    "category": ("", "response category (§A5)"),
    "axis": ("", "'beat' (beat-indexed) or 'time' (resampled on 1-s steps)"),
    "x": ("beats or s", "beat index, or time from onset (s)"),
    "mean_delta_bpm": ("bpm", "mean HR change of the category's movements"),
    "ci_low_bpm": ("bpm", "lower bound of the 95 % confidence interval of the mean"),
    "ci_high_bpm": ("bpm", "upper bound of the 95 % confidence interval of the mean"),
    "n": ("LMs", "movements contributing at that point"),
}

#: Summary keys (``<cat>`` is each of :data:`CATEGORIES`): key -> (unit, description).
SUMMARY_KEYS: dict[str, tuple[str, str]] = {
    "hr_status": ("", "one line: analysed, or why the heart-rate response is missing"),
    "hr_beats_n": ("beats", "R peaks detected on the ECG (§A1)"),
    "hr_beats_excluded_n": ("beats", "beats excluded by the QRS quality check (§A1)"),
    "hr_ecg_inverted": ("", "the ECG's QRS is negative-going (§A1)"),
    "hr_rr_excluded_fraction": ("", "share of RR intervals excluded by the §A2 rule"),
    "hr_peak_delta_bpm_<cat>": ("bpm", "peak of the mean beat-indexed ΔHR curve (§A5)"),
    "hr_peak_latency_s_<cat>": ("s", "time of that peak from onset (§A5)"),
    "hr_n_<cat>": ("LMs", "LMs in the category's mean curves (§A5)"),
    "hr_n_excluded_<cat>": ("LMs", "LMs left out: too few clean beats or baseline overlap"),
    "spo2_status": ("", "one line: analysed, or why SpO2 was not analysed"),
    "spo2_masked_fraction": ("", "share of SpO2 samples masked as non-physiological (§A6)"),
    "spo2_plms_n": ("PLMS", "PLMS (with and without arousal) with an SpO2 verdict"),
    "spo2_plms_desaturation_n": ("PLMS", "of those, followed by a ≥ 3 % desaturation"),
    "spo2_plms_desaturation_fraction": ("", "that count / spo2_plms_n"),
}


@dataclass(frozen=True)
class AutonomicRules:
    """Every parameter of the heart-rate and SpO2 response analysis.

    Attributes
    ----------
    rr_min_s, rr_max_s : float
        Plausible RR interval (s), 0.4-2.0 s (150-30 bpm) (§A2).
    rr_max_deviation : float
        Largest relative deviation of an RR from the median of its neighbours (0.20 =
        20 %; ectopic and missed beats) (§A2).
    rr_median_beats : int
        Width of that running median (RR intervals, odd).
    template_half_s : float
        Half-width (s) of the QRS template window used for the beat quality check (§A1).
    min_template_r : float
        Beats whose QRS correlates less than this with the night's median QRS are
        excluded (§A1).
    bad_beat_fraction : float
        A beat is also excluded when more than this share of its ±``bad_run_beats``
        neighbours failed the template check (noisy stretch) (§A1).
    bad_run_beats : int
        Neighbourhood (beats each side) of that rule.
    beats_before, beats_after : int
        Beat range of the per-movement response, −10…+15 (Winkelman 1999) (§A3).
    baseline_window_s : (float, float)
        Baseline window relative to onset (s): the first 10 s of the −20…+30 s
        analysis (Ferri 2007) (§A3).
    min_baseline_beats : int
        Fewest clean RR intervals in the baseline window.
    peak_window_beats : (int, int)
        Beats searched for the peak (§A4).
    peak_smoothing_beats : int
        Centred running mean (beats) applied before the peak search (§A4).
    min_peak_beats : int
        Fewest clean beats in the peak window for a valid response.
    min_separation_s : float
        A movement with another LM onset less than this before its own is flagged
        (``hr_baseline_overlap``) and left out of the night's means: responses last up
        to ~15 s (Guggisberg 2007 used ≥ 30 s) (§A4).
    time_grid_s : (float, float, float)
        Start, stop and step (s) of the time-resampled curves, −20…+30 s by 1 s (§A5).
    max_gap_s : float
        No interpolation across gaps between clean RR intervals longer than this (s).
    ci_level : float
        Confidence level of the mean curves (Student t) (§A5).
    spo2_valid_pct : (float, float)
        Physiological SpO2 range (%); values outside (0, dropouts) are masked (§A6).
    spo2_baseline_s : (float, float)
        SpO2 baseline window relative to onset (s); its median is the baseline.
    spo2_window_s : float
        Window after onset (s) searched for the desaturation (§A6).
    desaturation_pct : float
        Drop from baseline (percentage points) that counts as a desaturation (AASM 3 %).
    spo2_min_coverage : float
        Smallest share of unmasked samples in the baseline and the window.
    """

    rr_min_s: float = 0.4
    rr_max_s: float = 2.0
    rr_max_deviation: float = 0.20
    rr_median_beats: int = 11
    template_half_s: float = 0.06
    min_template_r: float = 0.8
    bad_beat_fraction: float = 0.3
    bad_run_beats: int = 5
    beats_before: int = 10
    beats_after: int = 15
    baseline_window_s: tuple[float, float] = (-20.0, -10.0)
    min_baseline_beats: int = 5
    peak_window_beats: tuple[int, int] = (0, 15)
    peak_smoothing_beats: int = 3
    min_peak_beats: int = 8
    min_separation_s: float = 30.0
    time_grid_s: tuple[float, float, float] = (-20.0, 30.0, 1.0)
    max_gap_s: float = 3.0
    ci_level: float = 0.95
    spo2_valid_pct: tuple[float, float] = (50.0, 100.0)
    spo2_baseline_s: tuple[float, float] = (-10.0, 0.0)
    spo2_window_s: float = 30.0
    desaturation_pct: float = 3.0
    spo2_min_coverage: float = 0.5
