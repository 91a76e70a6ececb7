"""Every summary key and output column, declared once: unit, label, description, standard.

This is the data dictionary of plmkit's outputs.  Each :class:`Key` names one JSON key or
one table column, the files (*kinds*) it appears in, the commands that write it, its unit,
a short human label (used by the report's metric table and the cohort table), a one-line
description and the standard it follows, with the section of ``docs/scoring.md`` that
states the rule.  ``docs/outputs.md`` is generated from it::

    python -m plm.keys > docs/outputs.md

and a test checks that every key the commands write is declared here and every declared
key is written.

Units are display units: ``h`` hours, ``/h`` events per hour of the key's denominator,
``s`` seconds, ``min`` minutes, ``µV``, ``g`` (standard gravity), ``°``, ``Hz``, ``%``;
an empty unit means a count, a ratio, a flag or text (the description says which).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

__all__ = [
    "Key",
    "KEYS",
    "KINDS",
    "PRODUCERS",
    "declared",
    "get",
    "label",
    "unit",
    "description",
    "data_dictionary",
]

#: Commands that write outputs (``plm <command>``).
PRODUCERS: tuple[str, ...] = (
    "score",
    "score-events",
    "score-accel",
    "sit",
    "batch",
    "rescore",
    "score-rules",  # plm score --rules A,B[,...]: the side-by-side table of the rule sets
    "review",  # plm review: the page's export of the edits (written by the browser)
)

_NIGHT = ("score", "score-events", "score-accel", "sit", "batch", "rescore")
_EMG = ("score", "sit", "batch", "rescore")
_HYP = ("score", "score-events", "sit", "batch", "rescore")
_EMG_NIGHT = ("score", "batch", "rescore")  # a leg-EMG night (not SIT)
_ACC = ("score-accel",)
_SIT = ("sit",)
_BATCH = ("batch",)

#: File kinds: kind -> (file name pattern, what it holds, commands writing it).
KINDS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "summary": ("<stem>_summary.json", "every metric of one scored night (or SIT window)", _NIGHT),
    "candidates": ("<stem>_candidates.tsv", "one row per combined leg movement", _NIGHT),
    "movements": ("<stem>_movements.tsv", "one row per monolateral leg movement", _NIGHT),
    "stages": ("<stem>_stages.tsv", "the hypnogram, one row per epoch", _HYP),
    "gaps": ("<stem>_gaps.tsv", "stretches that were not scored", _NIGHT),
    "posture": ("<stem>_nightK_posture.tsv", "accelerometry: posture changes (not LMs)", _ACC),
    "out_of_bed": (
        "<stem>_nightK_out_of_bed.tsv",
        "accelerometry: out-of-bed episodes (walking, upright) inside the time in bed",
        _ACC,
    ),
    "multinight": ("<stem>_multinight.tsv", "accelerometry: one row per night", _ACC),
    "multinight_json": (
        "<stem>_multinight.json",
        "accelerometry: nights and their statistics",
        _ACC,
    ),
    "sit": ("<stem>_sit.json", "SIT / m-SIT: the test and its windows", _SIT),
    "sit_window": ("`windows` of <stem>_sit.json", "SIT: one entry per test window", _SIT),
    "msit": ("<stem>_msit.tsv", "m-SIT: one row per window (two or more windows)", _SIT),
    "blocks": ("<stem>_sitK_blocks.tsv", "SIT: one row per 10-min block of a window", _SIT),
    "hr_response": (
        "<stem>_hr_response.tsv",
        "heart-rate change at each beat around every candidate LM (with an ECG)",
        _EMG_NIGHT,
    ),
    "hr_curves": (
        "<stem>_hr_curves.tsv",
        "mean heart-rate response curves per category, with 95 % CI (with an ECG)",
        _EMG_NIGHT,
    ),
    "review_diff": (
        "<stem>_review_diff.tsv",
        "rescore: one row per movement added, removed or changed by the review",
        ("rescore",),
    ),
    "rules_comparison": (
        "<stem>_rules_comparison.tsv",
        "plm score --rules A,B: one row per metric, one column per rule set",
        ("score-rules",),
    ),
    "review_edits": (
        "<stem>_review_edits.json",
        "the review page's export of a technician's edits (read by plm rescore)",
        ("review",),
    ),
    "cohort": ("cohort_summary.tsv", "batch: one row per recording", _BATCH),
    "errors": ("errors.tsv", "batch: one row per failed recording", _BATCH),
    "events": (
        "<stem>_events.tsv",
        "BIDS-style events written by the library's `PLMResult.to_bids_events()` (with a "
        "JSON sidecar built from these rows): LMs, candidate LMs, PLM series",
        (),
    ),
}


@dataclass(frozen=True)
class Key:
    """One declared output key or column.

    Attributes
    ----------
    name : str
        The JSON key or column name.
    kinds : tuple of str
        Files it appears in (keys of :data:`KINDS`).
    unit : str
        Display unit ('' for counts, ratios, flags and text).
    label : str
        Short human label (report and cohort tables).
    description : str
        One line: what the value is.
    standard : str
        The standard or source the value follows ('plmkit' for a project choice).
    section : str
        Section of ``docs/scoring.md`` stating the rule ('' when none applies).
    by : tuple of str
        Commands that write it (subset of :data:`PRODUCERS`).
    """

    name: str
    kinds: tuple[str, ...]
    unit: str
    label: str
    description: str
    standard: str
    section: str
    by: tuple[str, ...]

    @property
    def source(self) -> str:
        """The standard with its ``docs/scoring.md`` section, e.g. 'WASM 2016 (§6.1)'."""
        return f"{self.standard} ({self.section})" if self.section else self.standard


_DECL: list[Key] = []


def _k(
    name: str,
    unit: str,
    label: str,
    description: str,
    standard: str,
    section: str = "",
    kinds: tuple[str, ...] = ("summary",),
    by: tuple[str, ...] = _NIGHT,
) -> None:
    _DECL.append(Key(name, kinds, unit, label, description, standard, section, by))


# ---------------------------------------------------------------------------------------
# <stem>_summary.json: time bases (docs/scoring.md §10)
# ---------------------------------------------------------------------------------------
_SUM_COHORT = ("summary", "cohort")
_k("hypnogram", "", "Hypnogram", "true when the night had sleep stages", "plmkit", "§10.4")
_k("recording_h", "h", "Recording length", "length of the recording", "plmkit", "§10.1")
_k("analysis_window_h", "h", "Analysis window", "lights-off to lights-on (else the whole "
   "recording)", "WASM 2016", "§10.1")  # fmt: skip
_k("scorable_h", "h", "Scorable time", "analysis window minus gaps", "plmkit", "§10.3")
_k("unscorable_h", "h", "Unscorable leg EMG", "unscorable leg-EMG time inside the analysis "
   "window", "plmkit", "§10.3", kinds=_SUM_COHORT)  # fmt: skip
_k("unscored_h", "h", "Unscored epochs", "time in epochs without a stage (in no "
   "denominator); null without a hypnogram", "WASM 2016", "§10.2")  # fmt: skip
_k("tst_h", "h", "Analysed sleep time", "N1+N2+N3+R epoch time in the scorable window: "
   "the denominator of every sleep index (tst_hypnogram_min minus gaps and unscorable "
   "leg EMG)", "WASM 2016", "§10.2", kinds=_SUM_COHORT)  # fmt: skip
_k("wake_h", "h", "Wake time (analysis window)", "W epoch time in the scorable window",
   "WASM 2016", "§10.2")  # fmt: skip
for _st in ("N1", "N2", "N3", "R"):
    _k(f"{_st.lower()}_h", "h", f"{_st} time", f"{_st} epoch time in the scorable window",
       "WASM 2016", "§10.2")  # fmt: skip
_k("nrem_h", "h", "NREM time", "N1+N2+N3 epoch time in the scorable window", "WASM 2016",
   "§10.2")  # fmt: skip

# sleep architecture, from the hypnogram alone (§10.6, §10.7)
_ARCH = (
    ("lights_off_s", "s", "Lights off", "analysis window start (lights off, else the "
     "recording start), s from the recording start", "WASM 2016", "§10.1"),
    ("lights_on_s", "s", "Lights on", "analysis window end (lights on, else the recording "
     "end), s from the recording start", "WASM 2016", "§10.1"),
    ("tib_min", "min", "Time in bed", "lights off to lights on; null without a hypnogram",
     "AASM", "§10.6"),
    ("tst_hypnogram_min", "min", "Total sleep time (hypnogram)", "N1+N2+N3+R epoch time "
     "between lights off and on, gaps included; null without a hypnogram", "AASM", "§10.6"),
    ("sleep_latency_min", "min", "Sleep latency", "lights off to the first epoch of sleep; "
     "null without sleep", "AASM", "§10.6"),
    ("rem_latency_min", "min", "REM latency", "sleep onset to the first R epoch; null "
     "without R", "AASM", "§10.6"),
    ("spt_min", "min", "Sleep period time", "sleep onset to the end of the last sleep "
     "epoch", "AASM", "§10.6"),
    ("waso_min", "min", "Wake after sleep onset", "W epoch time within the sleep period",
     "AASM", "§10.6"),
    ("sleep_efficiency_pct", "%", "Sleep efficiency", "100 x tst_hypnogram_min / tib_min",
     "AASM", "§10.6"),
    ("n1_min", "min", "N1", "N1 epoch time between lights off and on", "AASM", "§10.6"),
    ("n2_min", "min", "N2", "N2 epoch time between lights off and on", "AASM", "§10.6"),
    ("n3_min", "min", "N3", "N3 epoch time between lights off and on", "AASM", "§10.6"),
    ("r_min", "min", "R", "R epoch time between lights off and on", "AASM", "§10.6"),
    ("n1_pct", "%", "N1 share of TST", "100 x n1_min / tst_hypnogram_min", "AASM", "§10.6"),
    ("n2_pct", "%", "N2 share of TST", "100 x n2_min / tst_hypnogram_min", "AASM", "§10.6"),
    ("n3_pct", "%", "N3 share of TST", "100 x n3_min / tst_hypnogram_min", "AASM", "§10.6"),
    ("r_pct", "%", "R share of TST", "100 x r_min / tst_hypnogram_min", "AASM", "§10.6"),
    ("n_arousals", "", "Arousals in sleep", "count: arousals with onset in sleep between "
     "lights off and on; null when the input has no arousals", "AASM", "§10.7"),
    ("arousal_index", "/h", "Arousal index", "n_arousals per hour of tst_hypnogram_min; "
     "null when the input has no arousals", "AASM", "§10.7"),
    ("n_apneas_hypopneas", "", "Apneas + hypopneas in sleep", "count: respiratory events "
     "with onset in sleep between lights off and on; null when the input has none", "AASM",
     "§10.7"),
    ("ahi", "/h", "Apnea-hypopnea index (AHI)", "n_apneas_hypopneas per hour of "
     "tst_hypnogram_min; null when the input has no respiratory events", "AASM", "§10.7"),
)  # fmt: skip
for _name, _unit, _label, _desc, _std, _sec in _ARCH:
    _k(_name, _unit, _label, _desc, _std, _sec)

# counts (§11.1)
_COUNTS = (
    ("n_lm", "LMs", "combined LMs taking part in scoring (whole window)", "WASM 2016", "§4"),
    ("n_lm_monolateral", "Monolateral LMs", "monolateral LMs taking part in scoring",
     "WASM 2016", "§3"),
    ("n_lm_excluded_respiratory", "LMs excluded (respiratory)", "LMs dropped by the AASM "
     "respiratory rule", "AASM 2012", "§7.3"),
    ("n_lm_excluded_too_long", "LMs excluded (> 10 s)", "LMs dropped as longer than the AASM "
     "maximum", "AASM 2012", "§4.3"),
    ("n_lm_in_gaps", "LMs in gaps", "LMs whose onset lies in a gap", "plmkit", "§10.3"),
    ("n_lm_outside_window", "LMs outside window", "LMs whose onset lies outside the analysis "
     "window", "plmkit", "§10.1"),
    ("n_clm", "CLMs", "candidate LMs (whole window)", "WASM 2016", "§4.1"),
    ("n_nonclm", "Non-CLMs", "LMs that are not candidates (whole window)", "WASM 2016",
     "§4.3"),
    ("n_plm", "PLMs, whole analysis window", "periodic LMs, sleep and wake", "WASM 2016",
     "§6"),
    ("n_lms", "LMs in sleep", "LMs with onset in sleep", "WASM 2016", "§9"),
    ("n_clms", "CLMs in sleep", "CLMs with onset in sleep", "WASM 2016", "§9"),
    ("n_clmw", "CLMs in wake", "CLMs with onset in wake", "WASM 2016", "§9"),
    ("n_plms", "PLMs in sleep", "PLMs with onset in sleep", "WASM 2016", "§9"),
    ("n_plmw", "PLMs in wake", "PLMs with onset in wake", "WASM 2016", "§9"),
    ("n_plms_arousal", "Arousal PLMS", "PLMs in sleep associated with an arousal", "WASM 2016",
     "§8"),
    ("n_lms_arousal", "Arousal LMs in sleep", "LMs in sleep associated with an arousal",
     "WASM 2016", "§8"),
    ("n_clmr", "CLMr in sleep", "respiratory-related CLMs with onset in sleep", "WASM 2016",
     "§7.2"),
    ("n_plmsnr", "PLMSnr", "PLMs in sleep once CLMr are deleted", "WASM 2016", "§7.2"),
    ("n_plmsnr_arousal", "Arousal PLMSnr", "PLMSnr associated with an arousal", "WASM 2016",
     "§7.2"),
    ("n_short_imi_clms", "Short-IMI CLMs in sleep", "CLMs in sleep preceded by an IMI below "
     "the minimum, not in a series", "WASM 2016", "§6.4"),
    ("n_isolated_clms", "Isolated CLMs in sleep", "CLMs in sleep neither periodic nor "
     "short-IMI", "WASM 2016", "§6.4"),
    ("n_short_imi_clmw", "Short-IMI CLMs in wake", "as n_short_imi_clms, in wake",
     "WASM 2016", "§6.4"),
    ("n_isolated_clmw", "Isolated CLMs in wake", "as n_isolated_clms, in wake", "WASM 2016",
     "§6.4"),
    ("n_nonclms", "Non-CLMs in sleep", "non-candidate LMs with onset in sleep", "WASM 2016",
     "§4.3"),
    ("n_plms_left", "Left PLMS", "PLMs in sleep on the left leg only", "WASM 2016", "§11.1"),
    ("n_plms_right", "Right PLMS", "PLMs in sleep on the right leg only", "WASM 2016",
     "§11.1"),
    ("n_plms_bilateral", "Bilateral PLMS", "PLMs in sleep involving both legs", "WASM 2016",
     "§11.1"),
    ("n_plm_series", "PLM series", "periodic series in the analysis window", "WASM 2016",
     "§6"),
    ("n_respiratory_events", "Respiratory events", "apneas and hypopneas used by the rules",
     "WASM 2016", "§7.1"),
    ("n_imi", "IMIs", "defined IMIs of CLMs in sleep (whole window without a hypnogram)",
     "WASM 2016", "§11.4"),
    ("n_imi_short", "Short IMIs", "IMIs below the profile's minimum", "MATPLM", "§11.4"),
    ("n_imi_in_range", "IMIs in range", "IMIs inside the profile's IMI window", "MATPLM",
     "§11.4"),
    ("n_imi_long", "Long IMIs", "IMIs above the profile's maximum", "MATPLM", "§11.4"),
)  # fmt: skip
for _name, _label, _desc, _std, _sec in _COUNTS:
    _k(_name, "", _label, f"count: {_desc}", _std, _sec,
       kinds=_SUM_COHORT if _name in ("n_plms", "n_plm") else ("summary",))  # fmt: skip
_k("respiratory_events_with_clm_pct", "%", "Respiratory events with a CLM", "share of "
   "apneas/hypopneas whose CLMr window holds a CLM (WASM profile only)", "PLMScoRe",
   "§7.2")  # fmt: skip

# rates (§11.2)
_SLEEP_RATES = (
    ("lms_index", "LMS index (all LMs in sleep)", "LMs in sleep", "§11.2"),
    ("clms_index", "CLMS index", "CLMs in sleep", "§11.2"),
    ("plms_index", "PLMS index", "PLMs in sleep", "§11.2"),
    ("plms_arousal_index", "PLMS-arousal index", "arousal-associated PLMs in sleep", "§8"),
    ("lms_arousal_index", "LMS-arousal index", "arousal-associated LMs in sleep", "§8"),
    (
        "plmsnr_index",
        "PLMS index, non-respiratory (PLMSnr)",
        "PLMs in sleep once CLMr are deleted and series recomputed",
        "§7.2",
    ),
    ("plmsnr_arousal_index", "PLMSnr-arousal index", "arousal-associated PLMSnr", "§7.2"),
    ("clmr_index", "CLMr index", "respiratory-related CLMs in sleep", "§7.2"),
    ("short_imi_clms_index", "Short-IMI CLMS index", "short-IMI CLMs in sleep", "§6.4"),
    ("isolated_clms_index", "Isolated CLMS index", "isolated CLMs in sleep", "§6.4"),
    ("nonclms_index", "Non-CLMS index", "non-candidate LMs in sleep", "§4.3"),
    ("plms_left_index", "PLMS index, left", "left-leg PLMs in sleep", "§11.2"),
    ("plms_right_index", "PLMS index, right", "right-leg PLMs in sleep", "§11.2"),
    ("plms_bilateral_index", "PLMS index, bilateral", "bilateral PLMs in sleep", "§11.2"),
)
for _name, _label, _what, _sec in _SLEEP_RATES:
    _cohort = _name in ("plms_index", "plmsnr_index")
    _desc = f"{_what} per hour of TST; null without a hypnogram"
    _k(
        _name,
        "/h",
        _label,
        _desc,
        "WASM 2016",
        _sec,
        kinds=_SUM_COHORT if _cohort else ("summary",),
    )
_WAKE_RATES = (
    ("clmw_index", "CLMW index", "CLMs in wake"),
    ("plmw_index", "PLMW index", "PLMs in wake"),
    ("short_imi_clmw_index", "Short-IMI CLMW index", "short-IMI CLMs in wake"),
    ("isolated_clmw_index", "Isolated CLMW index", "isolated CLMs in wake"),
)
for _name, _label, _what in _WAKE_RATES:
    _desc = f"{_what} per hour of wake; null without a hypnogram"
    _kinds = _SUM_COHORT if _name == "plmw_index" else ("summary",)
    _k(_name, "/h", _label, _desc, "WASM 2016", "§11.2", kinds=_kinds)
for _x, _nm in (("n1", "N1"), ("n2", "N2"), ("n3", "N3"), ("nrem", "NREM"), ("r", "R")):
    for _what in ("plm", "clm"):
        _up = _what.upper()
        _desc = f"{_up}s with onset in {_nm} per hour of {_nm}"
        _k(f"{_what}s_{_x}_index", "/h", f"{_up}S index, {_nm}", _desc, "WASM 2016", "§11.2")
for _what, _lab in (("lm", "LM"), ("clm", "CLM"), ("plm", "PLM")):
    _k(f"{_what}_rec_index", "/h", f"{_lab} per hour of recording",
       f"{_lab}s per hour of scorable recording time (always given; not a sleep index)",
       "plmkit", "§10.4", kinds=_SUM_COHORT if _what == "plm" else ("summary",))  # fmt: skip

# periodicity (§12)
_k("periodicity_index", "", "Periodicity index (PLMS/CLMS)", "ratio 0-1: n_plms / n_clms",
   "PLMScoRe/SOMAS", "§12.1", kinds=_SUM_COHORT)  # fmt: skip
_k("periodicity_index_wake", "", "Periodicity index, wake", "ratio 0-1: n_plmw / n_clmw",
   "PLMScoRe/SOMAS", "§12.1")  # fmt: skip
_k("periodicity_index_nr", "", "Periodicity index, non-respiratory", "ratio 0-1: n_plmsnr / "
   "(n_clms - n_clmr)", "PLMScoRe", "§12.1")  # fmt: skip
_k("periodicity_index_rec", "", "Periodicity index, recording", "ratio 0-1: n_plm / n_clm "
   "over the whole window (always given)", "plmkit", "§12.1")  # fmt: skip
_k("ferri_periodicity_index", "", "Ferri periodicity index", "ratio 0-1: IMIs in runs of >= 3 "
   "IMIs in (10, 90] s / all IMIs, CLMs in sleep", "Ferri 2006", "§12.2")  # fmt: skip
_k("ferri_periodicity_index_wake", "", "Ferri periodicity index, wake", "as "
   "ferri_periodicity_index, CLMs in wake", "Ferri 2006", "§12.2")  # fmt: skip

# durations (§11.3)
for _what, _lab in (("lm", "LM"), ("plm", "PLM"), ("short_imi_clm", "Short-IMI CLM"),
                    ("isolated_clm", "Isolated CLM")):  # fmt: skip
    _k(f"{_what}_duration_mean_s", "s", f"{_lab} duration, mean",
       f"arithmetic mean duration of {_lab}s in sleep (whole window without a hypnogram)",
       "WASM 2016", "§11.3")  # fmt: skip
    _k(
        f"{_what}_duration_sd_s",
        "s",
        f"{_lab} duration, SD",
        f"standard deviation (ddof = 1) of the {_lab} durations",
        "WASM 2016",
        "§11.3",
    )

# IMI statistics (§11.4)
_k("imi_ln_mean", "ln s", "Mean ln(IMI)", "mean of ln(IMI) over in-range IMIs of CLMs in sleep",
   "SOMAS", "§11.4")  # fmt: skip
_k("imi_ln_sd", "ln s", "SD ln(IMI)", "standard deviation of ln(IMI) over in-range IMIs",
   "SOMAS", "§11.4")  # fmt: skip
_k("imi_geometric_mean_s", "s", "IMI geometric mean (in window)", "exp(imi_ln_mean)", "SOMAS",
   "§11.4")  # fmt: skip
_k("imi_all_geometric_mean_s", "s", "IMI geometric mean (all)", "exp(mean ln IMI) over every "
   "defined IMI of CLMs in sleep", "PLMScoRe", "§11.4")  # fmt: skip
_k("imi_all_geometric_sd", "", "IMI geometric SD (all)", "factor: exp(SD of ln IMI) over every "
   "defined IMI", "PLMScoRe", "§11.4")  # fmt: skip
_k("imi_histograms", "", "IMI histograms", "object: 'linear' (2-s bins 0-90 s) and 'ln' "
   "(0.1 bins of ln IMI 0-4.5), each with bin edges and counts", "Ferri 2006", "§11.4")  # fmt: skip

# clinical cut-off (§13)
_k("age_group", "", "Age group", "text: adult or child (selects the PLMD cut-off)", "ICSD-3",
   "§13")  # fmt: skip
_k("plmd_cutoff_per_h", "/h", "PLMD cut-off", "PLMS index above which plmd_flag is set",
   "ICSD-3", "§13", kinds=_SUM_COHORT)  # fmt: skip
_k("plmd_flag", "", "PLMS index above cut-off", "flag: plms_index > plmd_cutoff_per_h; null "
   "without a hypnogram", "ICSD-3", "§13", kinds=_SUM_COHORT)  # fmt: skip

# provenance (§18)
_k("rules", "", "Rule profile", "object: every field of the rule profile used", "plmkit",
   "§1.1")  # fmt: skip
_k("software", "", "Software", "object: name and version of plmkit", "plmkit", "§18")
_k("inputs", "", "Inputs", "list: input files with their sha256", "plmkit", "§18")
_k("warnings", "", "Warnings", "list: problems that did not stop scoring", "plmkit", "§18")
_k("unmapped_labels", "", "Unmapped labels", "object: annotation labels that mapped to "
   "nothing, with counts", "plmkit", "§18")  # fmt: skip
_k("start_datetime", "", "Recording start", "text: ISO clock time of t = 0, when known",
   "plmkit", "§18")  # fmt: skip
_k("stem", "", "Stem", "text: file-name stem of the outputs", "plmkit", "§18")
_k("modality", "", "Modality", "text: psg (EMG or scored events), emg (SIT) or actigraphy",
   "plmkit", "§18")  # fmt: skip
_k("channels", "", "Leg channels", "object: channel label(s) per leg", "plmkit", "§18",
   by=("score", "score-accel", "batch", "rescore"))  # fmt: skip
_k("fs_hz", "Hz", "Sampling rate", "object: sampling rate per leg channel", "plmkit", "§2",
   by=_EMG_NIGHT)  # fmt: skip
_k("bilateral_rules_applicable", "", "Bilateral rules applicable", "flag: both legs were "
   "recorded separately (false for one merged channel or one ankle)", "WASM 2016", "§4",
   by=("score", "score-accel", "batch", "rescore"))  # fmt: skip

# accelerometry additions (§15)
_ACCEL_KEYS = (
    ("tib_h", "h", "Time in bed", "lights-off to lights-on of the night", "§15.2"),
    ("tib_scorable_h", "h", "Scorable time in bed", "time in bed minus gaps", "§15.2"),
    ("tib_source", "", "Time-in-bed source", "text: given, diary, annotations, detected or "
     "window", "§15.2"),
    ("lights_off_clock", "", "Lights off (clock)", "text: ISO clock time of lights off",
     "§15.2"),
    ("lights_on_clock", "", "Lights on (clock)", "text: ISO clock time of lights on", "§15.2"),
    ("night_date", "", "Night date", "text: date of the evening the night starts", "§15.2"),
    ("night_start", "", "Night start", "text: ISO clock time of the night's start", "§15.2"),
    ("lm_index_tib", "/h", "LM index (time in bed)", "LMs per hour of scorable time in bed",
     "§15.2"),
    ("clm_index_tib", "/h", "CLM index (time in bed)", "CLMs per hour of scorable time in bed",
     "§15.2"),
    ("plm_index_tib", "/h", "PLM index (time in bed)", "PLMs per hour of scorable time in bed "
     "(not a PLMS index)", "§15.2"),
    ("index_note", "", "Index note", "text: why the rates are per hour of time in bed",
     "§15.2"),
    ("accel_rules", "", "Accelerometry rules", "object: every field of the detection "
     "parameters used", "§15.1"),
    ("accel_format", "", "Accelerometer format", "text: file format read", "§15"),
    ("accel_fs_hz", "Hz", "Accelerometer rate", "object: sampling rate per ankle", "§15"),
    ("n_posture_changes", "", "Posture changes", "count: movements turning the shank by more "
     "than the posture angle (not LMs)", "§15.1"),
    ("night", "", "Night", "count: 1-based night number", "§15.2"),
    ("out_of_bed_h", "h", "Out of bed", "walking / upright time inside the time in bed, taken "
     "out of the denominator", "§15.2"),
    ("n_out_of_bed", "", "Out-of-bed episodes", "count: episodes of walking or upright posture "
     "inside the time in bed", "§15.2"),
    ("accel_noise_g", "g", "Sensor noise", "object: robust SD of the resting signal per ankle "
     "(the onset/offset margins follow it)", "§15.1"),
)  # fmt: skip
for _name, _unit, _label, _desc, _sec in _ACCEL_KEYS:
    _k(_name, _unit, _label, _desc, "plmkit", _sec, by=_ACC)

# SIT additions (§14)
_SIT_KEYS = (
    ("test", "", "Test", "text: SIT", "plmkit"),
    ("sit_window", "", "SIT window", "count: 1-based window number", "plmkit"),
    ("sit_start_s", "s", "SIT start", "window start, s from the recording start", "plmkit"),
    ("sit_end_s", "s", "SIT end", "window end, s from the recording start", "plmkit"),
    ("sit_start_clock", "", "SIT start (clock)", "text: ISO clock time of the start", "plmkit"),
    ("sit_duration_min", "min", "SIT duration", "window length", "plmkit"),
    ("sit_plm_index", "/h", "SIT PLM index", "PLMs (all in wake) per hour of scorable test "
     "time", "Michaud 2001"),
    ("sit_cutoff_per_h", "/h", "SIT cut-off", "SIT PLM index above which the test is positive",
     "Montplaisir 1998"),
    ("sit_above_cutoff", "", "SIT above cut-off", "flag: sit_plm_index > sit_cutoff_per_h",
     "Montplaisir 1998"),
    ("sit_mean_discomfort", "", "Mean discomfort (SIT-MDS)", "mean 0-100 discomfort rating in "
     "the window; null without ratings", "Montplaisir 1998"),
    ("sit_blocks", "", "SIT blocks", "list: the rows of <stem>_sitK_blocks.tsv", "plmkit"),
)  # fmt: skip
for _name, _unit, _label, _desc, _std in _SIT_KEYS:
    _k(_name, _unit, _label, _desc, _std, "§14", by=_SIT)

# ---------------------------------------------------------------------------------------
# tables of every scored night (§4-§10)
# ---------------------------------------------------------------------------------------
_C = ("candidates",)
_k("onset", "s", "Onset", "start, s from the recording start", "plmkit", "§1.2",
   kinds=("candidates", "movements", "stages", "gaps", "posture", "out_of_bed"))  # fmt: skip
_k("duration", "s", "Duration", "length", "plmkit", "§1.2",
   kinds=("candidates", "movements", "stages", "gaps", "posture", "out_of_bed"))  # fmt: skip
_k("sides", "", "Ankles", "text: the ankles whose signals showed the episode (left, right or "
   "both)", "plmkit", "§15.2", kinds=("out_of_bed",), by=_ACC)  # fmt: skip
_k("side", "", "Side", "text: left, right, bilateral (candidates) or merged", "WASM 2016",
   "§4", kinds=("candidates", "movements", "posture"))  # fmt: skip
_k("n_components", "", "Parts", "count: monolateral LMs combined into this LM", "WASM 2016",
   "§4.1", kinds=_C)  # fmt: skip
_k("candidate", "", "CLM", "flag: candidate LM", "WASM 2016", "§4.1", kinds=_C)
_k("stage", "", "Stage", "text: W, N1, N2, N3, R, unscored, or none without a hypnogram",
   "WASM 2016", "§9", kinds=("candidates", "stages"), by=_NIGHT)  # fmt: skip
_k("imi", "s", "IMI", "onset-to-onset interval to the previous CLM; empty where undefined",
   "WASM 2016", "§5", kinds=_C)  # fmt: skip
_k("periodic", "", "PLM", "flag: member of a periodic series", "WASM 2016", "§6", kinds=_C)
_k("series", "", "Series", "count: series number (1, 2, ...) in onset order; empty when not "
   "periodic", "WASM 2016", "§6", kinds=_C)  # fmt: skip
_k("arousal", "", "Arousal", "flag: associated with an arousal", "WASM 2016", "§8", kinds=_C)
_k("respiratory", "", "Respiratory", "flag: CLMr (WASM) or excluded as respiratory (AASM)",
   "WASM 2016", "§7", kinds=_C)  # fmt: skip
_k("periodic_nr", "", "PLMnr", "flag: periodic once CLMr are deleted", "WASM 2016", "§7.2",
   kinds=_C)  # fmt: skip
_k("category", "", "Category", "text: plm, short_imi, isolated, non_clm or excluded",
   "WASM 2016", "§6.4", kinds=_C)  # fmt: skip
_k("exclusion", "", "Exclusion", "text: why the LM takes no part (outside_window, gap, "
   "respiratory, too_long); empty when scored", "plmkit", "§6.4",
   kinds=("candidates", "movements"))  # fmt: skip
_k("segment", "", "Segment", "count: scorable interval of the onset (0-based; -1 in a gap)",
   "plmkit", "§10.3", kinds=("candidates", "movements"))  # fmt: skip
_k("lm_id", "", "LM row", "count: row of the combined LM in <stem>_candidates.tsv; -1 when "
   "excluded", "plmkit", "§4", kinds=("movements",))  # fmt: skip
_k("peak_uv", "µV", "Peak", "peak of the EMG envelope above the resting level", "plmkit",
   "§3.2", kinds=("movements",), by=_EMG)  # fmt: skip
_k("area_uv_s", "µV·s", "Area", "area of the EMG envelope above the resting level", "plmkit",
   "§3.2", kinds=("movements",), by=_EMG)  # fmt: skip
_k("peak_g", "g", "Peak", "peak of the movement signal above the resting level", "plmkit",
   "§15.1", kinds=("movements",), by=_ACC)  # fmt: skip
_k("area_g_s", "g·s", "Area", "area of the movement signal above the resting level", "plmkit",
   "§15.1", kinds=("movements",), by=_ACC)  # fmt: skip
_k("tilt_deg", "°", "Tilt", "angle between the gravity directions before and after",
   "plmkit", "§15.1", kinds=("movements", "posture"), by=_ACC)  # fmt: skip
_k("reason", "", "Reason", "text: why the stretch was not scored (EDF+D gap, unscorable leg "
   "EMG, ...)", "plmkit", "§10.3", kinds=("gaps",))  # fmt: skip


# ---------------------------------------------------------------------------------------
# heart-rate and oxygen response (§19; the rules are docs/autonomic.md §A1-§A7, and their
# declarations live with them in plm.autonomic.rules)
# ---------------------------------------------------------------------------------------
def _declare_autonomic() -> None:
    from plm.autonomic.rules import (
        CANDIDATE_COLUMNS,
        CATEGORIES,
        CATEGORY_LABELS,
        CURVE_COLUMNS,
        RESPONSE_COLUMNS,
        SUMMARY_KEYS,
    )

    std, sec, by = "Winkelman 1999; Ferri 2007", "§19", _EMG_NIGHT
    # the value type leads the description, as everywhere in this file (results read it)
    types = {
        "hr_category": "text", "category": "text", "axis": "text",
        "hr_valid": "flag", "hr_baseline_overlap": "flag",
        "spo2_desaturation": "flag or empty", "hr_peak_latency_beats": "count or empty",
        "movement": "count", "beat": "count", "n": "count",
    }  # fmt: skip
    tables = (
        ("candidates", CANDIDATE_COLUMNS),
        ("hr_response", RESPONSE_COLUMNS),
        ("hr_curves", CURVE_COLUMNS),
    )
    for kind, cols in tables:
        for name, (unit_, desc) in cols.items():
            text = f"{types[name]}: {desc}" if name in types else desc
            _k(name, unit_, name.replace("_", " "), text, std, sec, kinds=(kind,), by=by)
    for name, (unit_, desc) in SUMMARY_KEYS.items():
        names = [name.replace("<cat>", c) for c in CATEGORIES] if "<cat>" in name else [name]
        for n in names:
            cat = next((c for c in CATEGORIES if n.endswith("_" + c)), None)
            text = f"{desc}: {CATEGORY_LABELS[cat]}" if cat else desc
            _k(n, unit_, n.replace("_", " "), text, std, sec, by=by)


_declare_autonomic()
# BIDS-style events (PLMResult.to_bids_events; no command writes them)
_EV = ("events",)
_k("onset", "s", "Onset", "start, s from the recording start (t = 0: the start_datetime of "
   "the summary, MNE's meas_date)", "BIDS", "§1.2", kinds=_EV, by=())  # fmt: skip
_k("duration", "s", "Duration", "length", "BIDS", "§1.2", kinds=_EV, by=())
_k("trial_type", "", "Event type", "text: LM/left, LM/right, LM/merged (monolateral LMs); "
   "CLM/<category> (candidate LMs), nonCLM/<category> (other combined LMs); PLM series "
   "(first onset to last offset)", "BIDS", "§6.4", kinds=_EV, by=())  # fmt: skip
for _name, _from in (("side", "candidates"), ("category", "candidates"),
                     ("stage", "candidates"), ("imi", "candidates"),
                     ("periodic", "candidates"), ("series", "candidates"),
                     ("arousal", "candidates"), ("respiratory", "candidates"),
                     ("exclusion", "candidates"), ("peak_uv", "movements"),
                     ("area_uv_s", "movements")):  # fmt: skip
    _src = next(k for k in _DECL if k.name == _name and _from in k.kinds)
    _DECL.append(Key(_name, _EV, _src.unit, _src.label, _src.description, _src.standard,
                     _src.section, ()))  # fmt: skip

# ---------------------------------------------------------------------------------------
# accelerometry multi-night files (§15)
# ---------------------------------------------------------------------------------------
_MN = ("multinight",)
_MULTINIGHT = (
    ("night", "", "Night", "count: 1-based night number"),
    ("date", "", "Date", "text: date of the evening the night starts"),
    ("lights_off", "", "Lights off", "text: ISO clock time of lights off"),
    ("lights_on", "", "Lights on", "text: ISO clock time of lights on"),
    ("tib_h", "h", "Time in bed", "lights-off to lights-on"),
    ("tib_source", "", "Time-in-bed source", "text: where time in bed came from"),
    ("n_lm", "", "LMs", "count: LMs of the night"),
    ("n_clm", "", "CLMs", "count: CLMs of the night"),
    ("n_plm", "", "PLMs", "count: PLMs of the night"),
    ("lm_index_tib", "/h", "LM index (time in bed)", "LMs per hour of scorable time in bed"),
    ("clm_index_tib", "/h", "CLM index (time in bed)", "CLMs per hour of scorable time in bed"),
    ("plm_index_tib", "/h", "PLM index (time in bed)", "PLMs per hour of scorable time in bed"),
    ("periodicity_index", "", "Periodicity index", "ratio 0-1: n_plm / n_clm of the night"),
    ("n_posture_changes", "", "Posture changes", "count: posture changes of the night"),
    ("out_of_bed_h", "h", "Out of bed", "walking / upright time inside the time in bed"),
)  # fmt: skip
for _name, _unit, _label, _desc in _MULTINIGHT:
    _k(_name, _unit, _label, _desc, "plmkit", "§15.2", kinds=_MN, by=_ACC)
_MJ = ("multinight_json",)
_MULTINIGHT_JSON = (
    ("stem", "", "Stem", "text: file-name stem"),
    ("modality", "", "Modality", "text: actigraphy"),
    ("n_nights", "", "Nights", "count: nights scored"),
    ("nights", "", "Nights", "list: the rows of <stem>_multinight.tsv"),
    ("statistics", "", "Night-to-night statistics", "object: per time-in-bed index n, mean, "
     "sd, cv, min, max, mean_abs_successive_diff"),
    ("rules", "", "Rule profile", "object: every field of the rule profile used"),
    ("accel_rules", "", "Accelerometry rules", "object: the detection parameters used"),
    ("inputs", "", "Inputs", "list: input files with their sha256"),
    ("start_datetime", "", "Recording start", "text: ISO clock time of t = 0"),
    ("recording_h", "h", "Recording length", "length of the recording"),
)  # fmt: skip
for _name, _unit, _label, _desc in _MULTINIGHT_JSON:
    _k(_name, _unit, _label, _desc, "plmkit", "§15.2", kinds=_MJ, by=_ACC)

# ---------------------------------------------------------------------------------------
# SIT files (§14)
# ---------------------------------------------------------------------------------------
_SIT_JSON = (
    ("stem", "", "Stem", "text: file-name stem of the recording"),
    ("test", "", "Test", "text: SIT (one window) or m-SIT (several)"),
    ("modality", "", "Modality", "text: emg or actigraphy"),
    ("sit_cutoff_per_h", "/h", "SIT cut-off", "SIT PLM index above which a window is positive"),
    ("block_min", "min", "Block length", "length of the blocks of <stem>_sitK_blocks.tsv"),
    ("windows", "", "Windows", "list: one entry per window (see the next table)"),
    ("rules", "", "Rule profile", "object: the SIT rule profile used"),
    ("software", "", "Software", "object: name and version of plmkit"),
    ("inputs", "", "Inputs", "list: input files with their sha256"),
    ("warnings", "", "Warnings", "list: problems that did not stop scoring"),
)  # fmt: skip
for _name, _unit, _label, _desc in _SIT_JSON:
    _k(_name, _unit, _label, _desc, "plmkit", "§14", kinds=("sit",), by=_SIT)
_W, _WM = ("sit_window",), ("sit_window", "msit")
_SIT_WINDOW = (
    ("window", "", "Window", "count: 1-based window number", _WM),
    ("stem", "", "Stem", "text: stem of the window's contract files", _W),
    ("start_s", "s", "Start", "window start, s from the recording start", _WM),
    ("end_s", "s", "End", "window end, s from the recording start", _W),
    ("start_clock", "", "Start (clock)", "text: ISO clock time of the start", _WM),
    ("duration_min", "min", "Duration", "window length", _WM),
    ("scorable_min", "min", "Scorable time", "window minus gaps", _WM),
    ("n_lm", "", "LMs", "count: LMs in the window", _WM),
    ("n_clm", "", "CLMs", "count: CLMs in the window", _WM),
    ("n_plm", "", "PLMs", "count: PLMs in the window", _WM),
    ("sit_plm_index", "/h", "SIT PLM index", "PLMs per hour of scorable test time", _WM),
    ("sit_cutoff_per_h", "/h", "SIT cut-off", "positive above this index", _W),
    ("above_cutoff", "", "Above cut-off", "flag: sit_plm_index > sit_cutoff_per_h", _WM),
    ("mean_discomfort", "", "Mean discomfort (SIT-MDS)", "mean 0-100 rating in the window",
     _WM),
    ("blocks", "", "Blocks", "list: the rows of <stem>_sitK_blocks.tsv", _W),
)  # fmt: skip
for _name, _unit, _label, _desc, _kinds in _SIT_WINDOW:
    _k(_name, _unit, _label, _desc, "Michaud 2001", "§14", kinds=_kinds, by=_SIT)
_BLOCKS = (
    ("block", "", "Block", "count: 1-based block number"),
    ("start_min", "min", "Start", "block start from the test start"),
    ("end_min", "min", "End", "block end from the test start"),
    ("scorable_min", "min", "Scorable time", "block minus gaps"),
    ("n_lm", "", "LMs", "count: LMs with onset in the block"),
    ("n_clm", "", "CLMs", "count: CLMs with onset in the block"),
    ("n_plm", "", "PLMs", "count: PLMs with onset in the block"),
    ("plm_index", "/h", "PLM index", "PLMs per hour of scorable block time"),
    ("mean_discomfort", "", "Mean discomfort", "mean 0-100 rating in the block"),
    ("n_ratings", "", "Ratings", "count: discomfort ratings in the block"),
)  # fmt: skip
for _name, _unit, _label, _desc in _BLOCKS:
    _k(_name, _unit, _label, _desc, "Michaud 2001", "§14", kinds=("blocks",), by=_SIT)

# ---------------------------------------------------------------------------------------
# batch (docs/batch.md); metric columns of the cohort table are the summary keys above
# ---------------------------------------------------------------------------------------
_COHORT = (
    ("recording", "", "Recording", "text: recording key (its output sub-folder)", ("cohort",
     "errors")),
    ("status", "", "Status", "text: ok, skipped (outputs up to date) or failed", ("cohort",)),
    ("rules", "", "Rules", "text: name of the rule profile", ("cohort",)),
    ("output_dir", "", "Output folder", "text: sub-folder holding the recording's outputs",
     ("cohort",)),
    ("recording_path", "", "Recording path", "text: path of the recording", ("cohort",)),
    ("annotations", "", "Annotations", "text: annotation files used, ';'-separated",
     ("cohort",)),
    ("scored_at", "", "Scored at", "text: ISO clock time of scoring", ("cohort",)),
    ("elapsed_s", "s", "Elapsed", "wall-clock scoring time", ("cohort",)),
    ("error", "", "Error", "text: one-line reason of a failure", ("cohort", "errors")),
)  # fmt: skip
for _name, _unit, _label, _desc, _kinds in _COHORT:
    _k(_name, _unit, _label, _desc, "plmkit", "", kinds=_kinds, by=_BATCH)


# ---------------------------------------------------------------------------------------
# the review loop (docs/review.md): plm rescore, plm score --rules A,B, the page's export
# ---------------------------------------------------------------------------------------
_k("audit", "", "Review audit", "object: edit_file, edit_sha256, edit_format (json or "
   "annotations), result_checksum, reviewer, reviewed_at, edits (count by kind), changes "
   "(added, removed, changed), n_movements_before/after, indices (every index and count, "
   "before and after)", "plmkit", "", by=("rescore",))  # fmt: skip
_REVIEW_DIFF = (
    ("change", "", "Change", "text: added, removed or changed"),
    ("index", "", "Movement", "count or empty: row of the original <stem>_movements.tsv; "
     "empty for an added movement"),
    ("side", "", "Side", "text: left, right or both"),
    ("onset_before", "s", "Onset before", "onset before the review (empty when added)"),
    ("duration_before", "s", "Duration before", "duration before the review"),
    ("onset_after", "s", "Onset after", "onset after the review (empty when removed)"),
    ("duration_after", "s", "Duration after", "duration after the review"),
    ("category_before", "", "Category before", "text: category of its combined LM before"),
    ("category_after", "", "Category after", "text: category of its combined LM after"),
)  # fmt: skip
for _name, _unit, _label, _desc in _REVIEW_DIFF:
    _k(_name, _unit, _label, _desc, "plmkit", "", kinds=("review_diff",), by=("rescore",))
_RULES_CMP = (
    ("metric", "Metric", "text: summary key, or rule:<field> for a rule field that differs"),
    ("label", "Label", "text: human label of the metric"),
    ("unit", "Unit", "text: display unit of the metric"),
    ("<rule set>", "Rule set", "one column per rule set (its name): the metric's value"),
)
for _name, _label, _desc in _RULES_CMP:
    _k(_name, "", _label, _desc, "plmkit", "", kinds=("rules_comparison",), by=("score-rules",))
_EDITS = (
    ("format", "Format", "text: plmkit-review-edits"),
    ("version", "Version", "count: version of the format (1)"),
    ("stem", "Stem", "text: the result's stem"),
    ("result_checksum", "Result checksum", "text: sha256:<hex> of the result's summary and "
     "candidate files (plm.review.checksum_bytes); plm rescore refuses other results"),
    ("reviewer", "Reviewer", "text: as typed on the page, or null"),
    ("exported_at", "Exported at", "text: ISO UTC time of the export"),
    ("settings", "Settings", "object: rules (every field), age_group, channels, inputs"),
    ("n_movements", "Movements", "count: rows of the original <stem>_movements.tsv"),
    ("n_items", "Movements after review", "count: original plus added movements"),
    ("n_reviewed", "Reviewed", "count: movements accepted, rejected, moved or added"),
    ("edits", "Edits", "list: kind (accept, reject, move, add), index, side, before and "
     "after ({onset, duration, side} or null), time (ISO UTC)"),
)  # fmt: skip
for _name, _label, _desc in _EDITS:
    _k(_name, "", _label, _desc, "plmkit", "", kinds=("review_edits",), by=("review",))

#: (kind, name) -> Key
KEYS: dict[tuple[str, str], Key] = {}
for _key in _DECL:
    for _kind in _key.kinds:
        if (_kind, _key.name) in KEYS:
            raise RuntimeError(f"{_kind}:{_key.name} declared twice")
        KEYS[(_kind, _key.name)] = _key


def declared(kind: str, producer: str | None = None) -> list[str]:
    """Names declared for a file kind (optionally only those ``producer`` writes), in order.

    A key is written to a file by the commands that write both the key and the file.
    """
    out = []
    for (k, name), key in KEYS.items():
        if k != kind:
            continue
        if producer is None or producer in _written_by(key, kind):
            out.append(name)
    return out


def _written_by(key: Key, kind: str) -> tuple[str, ...]:
    return tuple(p for p in key.by if p in KINDS[kind][2])


def get(name: str, kind: str = "summary") -> Key:
    """The declaration of ``name`` in ``kind`` (falling back to any kind holding it).

    Raises
    ------
    KeyError
        When the name is declared nowhere.
    """
    if (kind, name) in KEYS:
        return KEYS[(kind, name)]
    for (_, n), key in KEYS.items():
        if n == name:
            return key
    raise KeyError(f"output key {name!r} is not declared in plm.keys")


def label(name: str, kind: str = "summary") -> str:
    """Human label of a key or column (the name itself when undeclared)."""
    try:
        return get(name, kind).label
    except KeyError:
        return name


def unit(name: str, kind: str = "summary") -> str:
    """Display unit of a key or column ('' for counts, ratios, flags, text, undeclared)."""
    try:
        return get(name, kind).unit
    except KeyError:
        return ""


def description(name: str, kind: str = "summary") -> str:
    """One-line description of a key or column ('' when undeclared)."""
    try:
        return get(name, kind).description
    except KeyError:
        return ""


def data_dictionary() -> str:
    """The data dictionary ``docs/outputs.md`` as Markdown (one table per file kind)."""
    lines = [
        "# Outputs: the data dictionary",
        "",
        "Generated from `plm/keys.py` by `python -m plm.keys > docs/outputs.md`; do not edit",
        "by hand (a test compares this file with the generator's output). Sections (§) are",
        "those of [`docs/scoring.md`](scoring.md). An empty unit means a count, a ratio, a",
        "flag or text (the description says which); `/h` is per hour of the denominator",
        "the description names. Missing values are `null` in JSON and empty cells in TSV.",
        "",
    ]
    for kind, (pattern, what, _) in KINDS.items():
        lines += [f"## `{pattern}`", "", f"{what[0].upper()}{what[1:]}.", ""]
        lines += [
            "| key | label | unit | description | standard | written by |",
            "|---|---|---|---|---|---|",
        ]
        for name in declared(kind):
            key = KEYS[(kind, name)]
            by = _written_by(key, kind)
            who = "every night" if set(by) == set(_NIGHT) else ", ".join(by)
            lines.append(
                f"| `{name}` | {key.label} | {key.unit} | {key.description} | {key.source} "
                f"| {who} |"
            )
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - exercised through the generated-file test
    sys.stdout.write(data_dictionary())
