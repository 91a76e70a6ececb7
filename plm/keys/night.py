"""Declarations: every key of ``<stem>_summary.json`` of a scored night.

PSG (sleep, wake, counts, rates, periodicity, durations, IMI statistics, cut-off,
provenance) with the accelerometry and SIT additions.
"""

from __future__ import annotations

from plm.keys._base import _ACC, _EMG_NIGHT, _SIT, _k

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
