"""Declarations: every column of the output tables and the keys of the other files.

Candidates, movements, stages, gaps; heart-rate response; BIDS events; accelerometry
multi-night files; SIT files; the batch cohort; the review loop.
"""

from __future__ import annotations

from plm.keys._base import _ACC, _BATCH, _DECL, _EMG, _EMG_NIGHT, _NIGHT, _SIT, Key, _k

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
