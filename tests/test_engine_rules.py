"""Scoring rules on hand-built event lists whose answers are worked out by hand.

Each test names the rule (section of docs/scoring.md) it checks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import plm
from plm.events import InputError


def lms(*items, side="left"):
    """Movements from (onset, duration[, side]) tuples or bare onsets (1 s long)."""
    rows = []
    for it in items:
        if isinstance(it, tuple):
            on, dur, *rest = it
            rows.append((float(on), float(dur), rest[0] if rest else side))
        else:
            rows.append((float(it), 1.0, side))
    return pd.DataFrame(rows, columns=["onset", "duration", "side"])


def onsets(start, *imis):
    out = [float(start)]
    for d in imis:
        out.append(out[-1] + d)
    return out


N2_NIGHT = ["N2"] * 120  # one hour of N2


def scored(movements, rules="wasm2016", hyp=N2_NIGHT, **kw):
    return plm.score_events(movements, hypnogram=hyp, rules=rules, **kw)


def periodic_onsets(res):
    c = res.candidates
    return c.loc[c["periodic"], "onset"].tolist()


# --- IMI bounds (docs/scoring.md §6.1: IMI in [10, 90] s inclusive) -----------------


@pytest.mark.parametrize(
    ("imi", "expected_plm"),
    [(10.0, 5), (9.99, 0), (90.0, 5), (90.01, 0), (20.0, 5)],
)
def test_imi_bounds_wasm_inclusive(imi, expected_plm):
    # five CLMs; the middle interval is the one under test, the others 20 s
    on = onsets(100, 20, 20, imi, 20)
    res = scored(lms(*on))
    assert res.summary["n_plms"] == expected_plm


@pytest.mark.parametrize(("imi", "expected_plm"), [(5.0, 5), (4.99, 4), (90.0, 5), (90.01, 0)])
def test_imi_bounds_aasm_5_to_90(imi, expected_plm):
    # AASM: an IMI < 5 s is skipped, not a breakpoint (docs/scoring.md §6.3); the next IMI then
    # spans it: onsets 100,120,140,144.99,164.99 -> kept 100,120,140,164.99 = 4 PLMs.
    on = onsets(100, 20, 20, imi, 20)
    res = scored(lms(*on), rules="aasm2012")
    assert res.summary["n_plms"] == expected_plm


def test_minimum_series_length_is_four():
    assert scored(lms(*onsets(100, 20, 20))).summary["n_plms"] == 0
    assert scored(lms(*onsets(100, 20, 20, 20))).summary["n_plms"] == 4


# --- short-IMI CLM followed by 3 good IMIs (docs/scoring.md §6.2) -------------------

SHORT_IMI_CASE = onsets(100, 20, 20, 20, 5, 20, 20, 20)  # 4 PLM, short-IMI CLM, 3 good IMIs


def test_short_imi_clm_may_start_series_true_matplm_plmscore():
    res = scored(lms(*SHORT_IMI_CASE))
    c = res.candidates
    assert res.summary["n_plms"] == 8
    assert c["series"].tolist() == [1, 1, 1, 1, 2, 2, 2, 2]
    assert res.summary["n_short_imi_clms"] == 0  # it is a PLM here
    assert c.loc[4, "imi"] == pytest.approx(5.0)


def test_short_imi_clm_may_start_series_false_somas():
    res = scored(lms(*SHORT_IMI_CASE), short_imi_clm_may_start_series=False)
    c = res.candidates
    assert periodic_onsets(res) == SHORT_IMI_CASE[:4]
    assert c["category"].tolist() == ["plm"] * 4 + ["short_imi"] + ["isolated"] * 3
    assert res.summary["n_short_imi_clms"] == 1
    assert res.summary["n_isolated_clms"] == 3


def test_somas_short_imi_then_four_good_imis_gives_series_from_next_clm():
    on = onsets(100, 5, 20, 20, 20, 20)  # 100 isolated, 105 short, 125..185 series of 4
    res = scored(lms(*on), short_imi_clm_may_start_series=False)
    assert periodic_onsets(res) == on[2:]


def test_short_imi_breaks_the_run_before_it_wasm():
    # 100,120,140 then 145 (IMI 5 s): the first run has only 3 CLMs; the short-IMI CLM
    # opens 145,165,185 (3 CLMs): no series at all.
    on = onsets(100, 20, 20, 5, 20, 20)
    assert scored(lms(*on)).summary["n_plms"] == 0
    # one more good IMI and the run opened by the short-IMI CLM reaches 4
    on = onsets(100, 20, 20, 5, 20, 20, 20)
    res = scored(lms(*on))
    assert periodic_onsets(res) == on[3:]


# --- non-candidates break the series (docs/scoring.md §4.3, §6.1) -------------------


@pytest.mark.parametrize(("long_s", "expected"), [(10.0, 9), (10.01, 8)])
def test_monolateral_over_10s_breaks_run_wasm(long_s, expected):
    on = onsets(100, 20, 20, 20, 20, 20, 20, 20, 20)
    mv = lms(*[(o, long_s if i == 4 else 1.0) for i, o in enumerate(on)])
    res = scored(mv)
    assert res.summary["n_plms"] == expected
    if long_s > 10:
        c = res.candidates
        assert not c.loc[4, "candidate"]
        assert c.loc[4, "category"] == "non_clm"
        assert np.isnan(c.loc[5, "imi"])  # no IMI from a non-CLM
        assert c["series"].dropna().unique().tolist() == [1, 2]


def test_monolateral_over_10s_is_not_an_lm_under_aasm():
    on = onsets(100, 20, 20, 20, 20, 20, 20, 20, 20)
    mv = lms(*[(o, 10.01 if i == 4 else 1.0) for i, o in enumerate(on)])
    res = scored(mv, rules="aasm2012")
    c = res.candidates
    assert res.summary["n_plms"] == 8  # one series of 8 across the discarded LM
    assert c["series"].dropna().unique().tolist() == [1]
    assert c.loc[c["exclusion"] == "too_long", "onset"].tolist() == [on[4]]
    assert res.summary["n_lm_excluded_too_long"] == 1


# --- bilateral combination (docs/scoring.md §4) -------------------------------------


def test_bilateral_chain_of_five_is_not_a_candidate():
    chain = [(100, 2, "left"), (101.5, 2, "right"), (103.2, 1.8, "left"),
             (104.8, 1.2, "right"), (105.9, 1.1, "left")]  # fmt: skip
    res = scored(lms(*chain))
    c = res.candidates
    assert len(c) == 1
    assert c.loc[0, "side"] == "bilateral"
    assert c.loc[0, "n_components"] == 5
    assert c.loc[0, "duration"] == pytest.approx(7.0)
    assert not c.loc[0, "candidate"]


def test_bilateral_chain_of_four_is_a_candidate():
    chain = [(100, 2, "left"), (101.5, 2, "right"), (103.2, 1.8, "left"), (104.8, 1.2, "right")]
    c = scored(lms(*chain)).candidates
    assert c.loc[0, "n_components"] == 4 and c.loc[0, "candidate"]


@pytest.mark.parametrize(("end", "is_candidate"), [(115.0, True), (115.01, False)])
def test_bilateral_duration_limit_15s(end, is_candidate):
    mv = lms((100, 9.0, "left"), (108.5, end - 108.5, "right"))
    c = scored(mv).candidates
    assert len(c) == 1 and c.loc[0, "side"] == "bilateral"
    assert bool(c.loc[0, "candidate"]) is is_candidate


def test_bilateral_with_component_over_10s_is_not_candidate():
    mv = lms((100, 10.5, "left"), (101, 2.0, "right"))  # 10.5 s total, one part > 10 s
    c = scored(mv).candidates
    assert c.loc[0, "side"] == "bilateral" and not c.loc[0, "candidate"]


@pytest.mark.parametrize(("gap", "n_lm"), [(0.49, 1), (0.5, 2)])
def test_bilateral_gap_strictly_below_half_second(gap, n_lm):
    mv = lms((100, 1.0, "left"), (101.0 + gap, 1.0, "right"))
    assert len(scored(mv).candidates) == n_lm


def test_bilateral_combination_is_transitive():
    # L and the second L are 1.5 s apart, joined through the right leg
    mv = lms((100, 1.0, "left"), (100.8, 1.0, "right"), (102.2, 1.0, "left"))
    c = scored(mv).candidates
    assert len(c) == 1 and c.loc[0, "n_components"] == 3


@pytest.mark.parametrize(("diff", "n_lm"), [(4.99, 1), (5.0, 2)])
def test_aasm_bilateral_onsets_less_than_5s_apart(diff, n_lm):
    mv = lms((100, 1.0, "left"), (100 + diff, 1.0, "right"))
    assert len(scored(mv, rules="aasm2012").candidates) == n_lm


def test_aasm_same_leg_lms_are_not_combined():
    mv = lms((100, 1.0, "left"), (103, 1.0, "left"))
    assert len(scored(mv, rules="aasm2012").candidates) == 2


# --- monolateral rules (docs/scoring.md §3.3) ---------------------------------------


@pytest.mark.parametrize(("gap", "n_lm"), [(0.49, 1), (0.5, 2)])
def test_same_leg_fusion_below_half_second(gap, n_lm):
    mv = lms((100, 1.0), (101.0 + gap, 1.0))
    res = scored(mv)
    assert len(res.candidates) == n_lm
    if n_lm == 1:
        assert res.candidates.loc[0, "duration"] == pytest.approx(2.0 + gap)


@pytest.mark.parametrize(("dur", "n_lm"), [(0.49, 0), (0.5, 1)])
def test_minimum_lm_duration(dur, n_lm):
    assert len(scored(lms((100, dur))).candidates) == n_lm


# --- respiratory rules (docs/scoring.md §7.2 WASM; §7.3 AASM) -----------------------

APNEA = pd.DataFrame({"onset": [80.0], "duration": [20.0], "type": ["obstructive_apnea"]})
# event ends at 100 s: WASM window [98.0, 110.25]


@pytest.mark.parametrize(
    ("onset", "dur", "flag"),
    [
        (110.24, 1.0, True),  # starts 0.01 s before the window ends
        (110.26, 1.0, False),  # starts 0.01 s after
        (97.01, 1.0, True),  # ends 0.01 s inside the window start
        (96.99, 1.0, False),  # ends 0.01 s before it
        (99.0, 1.0, True),
    ],
)
def test_wasm_respiratory_window_minus2_plus10_25(onset, dur, flag):
    res = scored(lms((onset, dur)), respiratory=APNEA)
    c = res.candidates
    assert bool(c.loc[0, "respiratory"]) is flag
    assert c.loc[0, "candidate"]  # WASM flags, never deletes, CLMr from the PLMS count


def test_wasm_plmsnr_deletes_clmr_and_recomputes_imis():
    # CLMr in the middle: without it IMIs are 50, 100 (> 90: breaks), 50
    on = [100.0, 150.0, 200.0, 250.0, 300.0]
    apnea = pd.DataFrame({"onset": [180.0], "duration": [21.0], "type": ["hypopnea"]})
    res = scored(lms(*on), respiratory=apnea)
    c = res.candidates
    assert c["respiratory"].tolist() == [False, False, True, False, False]
    assert res.summary["n_plms"] == 5  # PLMS from all CLMs
    assert res.summary["n_plmsnr"] == 0
    assert res.summary["n_clmr"] == 1
    assert res.summary["respiratory_events_with_clm_pct"] == pytest.approx(100.0)


def test_wasm_plmsnr_keeps_series_when_gap_stays_in_range():
    on = [100.0, 120.0, 140.0, 160.0, 180.0]
    apnea = pd.DataFrame({"onset": [120.0], "duration": [20.0], "type": ["hypopnea"]})
    res = scored(lms(*on), respiratory=apnea)  # 140 is CLMr; nr IMIs 20, 40, 20
    assert res.summary["n_plmsnr"] == 4
    assert res.candidates["periodic_nr"].tolist() == [True, True, False, True, True]


@pytest.mark.parametrize(("offset_end", "excluded"), [(79.51, True), (79.49, False)])
def test_aasm_drops_lm_within_half_second_before_event(offset_end, excluded):
    # apnea 80-100 s: LMs overlapping [79.5, 100.5] are not scored
    res = scored(lms((offset_end - 1.0, 1.0)), rules="aasm2012", respiratory=APNEA)
    c = res.candidates
    assert (c.loc[0, "exclusion"] == "respiratory") is excluded
    assert res.summary["n_lm"] == (0 if excluded else 1)


def test_aasm_respiratory_lm_does_not_break_series():
    on = onsets(20, 20, 20, 20, 20, 20)  # 20..120; the LM at 80 lies in the apnea
    apnea = pd.DataFrame({"onset": [75.0], "duration": [10.0], "type": ["obstructive_apnea"]})
    res = scored(lms(*on), rules="aasm2012", respiratory=apnea)
    assert res.summary["n_plms"] == 5
    assert res.summary["n_lm_excluded_respiratory"] == 1


def test_rera_is_not_a_respiratory_event_by_default():
    rera = pd.DataFrame({"onset": [80.0], "duration": [20.0], "type": ["rera"]})
    c = scored(lms((101, 1.0)), respiratory=rera).candidates
    assert not c.loc[0, "respiratory"]


# --- arousal association (docs/scoring.md §8) ---------------------------------------


@pytest.mark.parametrize(
    ("a_onset", "a_dur", "associated"),
    [
        (101.49, 5.0, True),  # arousal starts 0.49 s after the LM ends (LM 100-101)
        (101.51, 5.0, False),  # 0.51 s after
        (94.51, 5.0, True),  # arousal ends 0.49 s before the LM starts
        (94.49, 5.0, False),  # ends 0.51 s before
        (100.5, 1.0, True),  # overlap
    ],
)
def test_arousal_association_half_second(a_onset, a_dur, associated):
    ar = pd.DataFrame({"onset": [a_onset], "duration": [a_dur]})
    c = scored(lms((100, 1.0)), arousals=ar).candidates
    assert bool(c.loc[0, "arousal"]) is associated


def test_plms_arousal_index():
    on = onsets(100, 20, 20, 20)
    ar = pd.DataFrame({"onset": [121.2, 161.0], "duration": [3.0, 3.0]})
    res = scored(lms(*on), arousals=ar)
    assert res.summary["n_plms_arousal"] == 2
    assert res.summary["plms_arousal_index"] == pytest.approx(2.0)  # TST 1 h


# --- stages, wake, unscored (docs/scoring.md §9, §10) -------------------------------


def test_wake_inside_a_series_counts_as_plmw():
    # epochs of 30 s: epoch 5 (150-180 s) is W; the series runs 100..200 s every 20 s
    hyp = ["N2"] * 5 + ["W"] + ["N2"] * 114
    on = onsets(100, 20, 20, 20, 20, 20)  # 100,120,140,160,180,200
    res = scored(lms(*on), hyp=hyp)
    c = res.candidates
    assert c["stage"].tolist() == ["N2", "N2", "N2", "W", "N2", "N2"]
    assert c["series"].dropna().unique().tolist() == [1]  # wake does not break it
    s = res.summary
    assert s["n_plms"] == 5 and s["n_plmw"] == 1
    assert s["tst_h"] == pytest.approx(119 / 120)
    assert s["wake_h"] == pytest.approx(1 / 120)
    assert s["plmw_index"] == pytest.approx(120.0)


def test_lm_in_unscored_epoch_counts_in_neither():
    hyp = ["N2"] * 4 + ["unscored"] + ["N2"] * 115
    on = [60.0, 80.0, 100.0, 130.0, 160.0]  # 130 s lies in the unscored epoch 4
    res = scored(lms(*on), hyp=hyp)
    s = res.summary
    assert res.candidates.loc[3, "stage"] == "unscored"
    assert s["n_plm"] == 5 and s["n_plms"] == 4 and s["n_plmw"] == 0
    assert s["tst_h"] == pytest.approx(119 / 120)
    assert s["unscored_h"] == pytest.approx(1 / 120)


def test_stage_is_taken_at_onset():
    hyp = ["N2", "R"] + ["N2"] * 118
    c = scored(lms((29.9, 2.0), (30.0, 1.0, "right")), hyp=hyp).candidates
    assert c.loc[0, "stage"] == "N2"  # bilateral LM with onset 29.9 s: epoch 0


def test_per_stage_indices_and_absent_stage():
    hyp = ["N1"] * 40 + ["N2"] * 40 + ["R"] * 40  # 20 min each, no N3
    on = onsets(1250, 20, 20, 20)  # four PLMs in N2 (epochs 41-44)
    s = scored(lms(*on), hyp=hyp).summary
    assert s["plms_n2_index"] == pytest.approx(12.0)
    assert s["plms_nrem_index"] == pytest.approx(6.0)
    assert s["plms_r_index"] == pytest.approx(0.0)
    assert s["plms_n3_index"] is None  # no N3 time: no rate, no crash
    assert s["n3_h"] == 0.0


def test_side_specific_plm_indices():
    mv = lms((100, 1.0, "left"), (120, 1.0, "right"), (140, 1.0, "left"), (160, 1.0, "left"),
             (160.2, 1.0, "right"))  # fmt: skip
    s = scored(mv).summary
    assert (s["n_plms_left"], s["n_plms_right"], s["n_plms_bilateral"]) == (2, 1, 1)


# --- analysis window, gaps, no hypnogram (docs/scoring.md §10) ----------------------


def test_lights_off_on_window():
    on = onsets(100, 20, 20, 20, 20)  # 100..180
    res = scored(lms(*on), lights_off_s=110.0, lights_on_s=1800.0)
    s = res.summary
    assert s["n_lm_outside_window"] == 1
    assert s["n_plms"] == 4
    assert s["analysis_window_h"] == pytest.approx(1690 / 3600)
    assert s["tst_h"] == pytest.approx(1690 / 3600)


def test_no_series_spans_a_gap():
    events = plm.NightEvents(
        movements=lms(*onsets(100, 20, 20, 20, 20, 20)),  # 100..200
        hypnogram=plm.Hypnogram(np.array(N2_NIGHT, dtype=object)),
        gaps=pd.DataFrame({"onset": [145.0], "duration": [10.0], "reason": ["recording gap"]}),
    )
    res = plm.score_events(events)
    c = res.candidates
    assert c["segment"].tolist() == [0, 0, 0, 1, 1, 1]
    assert np.isnan(c.loc[3, "imi"])
    assert res.summary["n_plms"] == 0
    assert res.summary["tst_h"] == pytest.approx(1.0 - 10 / 3600)


def test_unscorable_time_is_out_of_denominator():
    events = plm.NightEvents(
        movements=lms(*onsets(100, 20, 20, 20)),
        hypnogram=plm.Hypnogram(np.array(N2_NIGHT, dtype=object)),
        gaps=pd.DataFrame({"onset": [1800.0], "duration": [900.0], "reason": ["unscorable EMG"]}),
    )
    s = plm.score_events(events).summary
    assert s["unscorable_h"] == pytest.approx(0.25)
    assert s["tst_h"] == pytest.approx(0.75)
    assert s["plms_index"] == pytest.approx(4 / 0.75)


def test_without_hypnogram_only_recording_time_rates():
    res = plm.score_events(lms(*onsets(100, 20, 20, 20)), recording_duration_s=3600.0)
    s = res.summary
    assert s["plms_index"] is None and s["tst_h"] is None and s["plmd_flag"] is None
    assert s["plm_rec_index"] == pytest.approx(4.0)
    assert res.candidates["stage"].unique().tolist() == ["none"]


def test_empty_night_gives_zeros_not_errors():
    res = scored(lms())
    s = res.summary
    assert s["n_lm"] == 0 and s["plms_index"] == 0.0
    assert s["periodicity_index"] is None
    assert len(res.candidates) == 0 and list(res.candidates.columns)


def test_plmd_flag_adult_and_child():
    on = onsets(100, *([20.0] * 9))  # 10 PLMs in a 1-h night of N2
    assert scored(lms(*on)).summary["plmd_flag"] is False
    assert scored(lms(*on), age_group="child").summary["plmd_flag"] is True
    assert scored(lms(*on), age_group="child").summary["plmd_cutoff_per_h"] == 5.0


# --- periodicity, IMI statistics, histograms (docs/scoring.md §11.4, §12) -----------


def test_periodicity_indices_by_hand():
    on = onsets(100, 20, 20, 20, 5, 15)  # IMIs: 20, 20, 20, 5, 15
    s = scored(lms(*on)).summary
    # PI = PLMS/CLMS = 4/6.  Ferri: IMIs 20,20,20 form a run of 3 (>10, <=90): 3/5.
    assert s["periodicity_index"] == pytest.approx(4 / 6)
    assert s["ferri_periodicity_index"] == pytest.approx(3 / 5)


def test_ferri_lower_bound_is_exclusive():
    s = scored(lms(*onsets(100, 10, 10, 10, 10))).summary
    assert s["n_plms"] == 5  # WASM accepts IMI = 10
    assert s["ferri_periodicity_index"] == 0.0  # Ferri needs 10 < IMI


def test_imi_statistics_and_histograms():
    on = onsets(100, 20, 40, 5, 95)
    s = scored(lms(*on)).summary
    assert (s["n_imi_short"], s["n_imi_in_range"], s["n_imi_long"]) == (1, 2, 1)
    assert s["imi_geometric_mean_s"] == pytest.approx(np.sqrt(20 * 40))
    lin = s["imi_histograms"]["linear"]
    assert len(lin["counts"]) == 45 and sum(lin["counts"]) == 3  # 95 s is outside 0-90
    assert lin["counts"][10] == 1 and lin["counts"][20] == 1 and lin["counts"][2] == 1
    ln = s["imi_histograms"]["ln"]
    assert len(ln["counts"]) == 45 and ln["counts"][int(np.log(20) / 0.1)] == 1


# --- the three profiles on one list (docs/scoring.md §16) ---------------------------


def test_three_profiles_give_the_answers_their_standards_imply():
    mv = lms(
        # a run with 7 s IMIs: AASM periodic (5-90 s), WASM not (short IMIs break)
        *[(o, 1.0, "left") for o in onsets(100, 7, 7, 7, 7)],
        # a bilateral pair with onsets 3 s apart (gap 2 s): AASM one LM, WASM two
        (400, 1.0, "left"), (403, 1.0, "right"),
    )  # fmt: skip
    wasm = scored(mv, rules="wasm2016").summary
    a2012 = scored(mv, rules="aasm2012").summary
    a2007 = scored(mv, rules="aasm2007").summary
    # WASM: 107..128 have IMIs of 7 s and 403 one of 3 s: five short-IMI CLMs
    assert (wasm["n_lm"], wasm["n_plms"], wasm["n_short_imi_clms"]) == (7, 0, 5)
    assert (a2012["n_lm"], a2012["n_plms"]) == (6, 5)
    # AASM 2007 differs from 2012 only by its minimum-amplitude rule, a detection rule:
    # on scored events both give the same answer.
    assert {k: a2007[k] for k in ("n_lm", "n_plms", "plms_index")} == {
        k: a2012[k] for k in ("n_lm", "n_plms", "plms_index")
    }
    assert wasm["rules"]["name"] == "wasm2016" and a2007["rules"]["imi_min_s"] == 5.0


# --- bad input (issue: clear errors) ---------------------------------------------------


def test_negative_duration_is_rejected():
    with pytest.raises(InputError, match="negative duration"):
        scored(lms((100, -1.0)))


def test_missing_columns_are_named():
    with pytest.raises(InputError, match="side"):
        scored(pd.DataFrame({"onset": [1.0], "duration": [1.0]}))


def test_overlapping_hypnogram_epochs_are_rejected():
    hyp = pd.DataFrame({"onset": [0.0, 30.0, 45.0], "duration": [30.0, 30.0, 30.0],
                        "stage": ["W", "N1", "N2"]})  # fmt: skip
    with pytest.raises(InputError, match="overlapping hypnogram epochs"):
        scored(lms((100, 1.0)), hyp=hyp)


def test_unknown_profile_and_parameter():
    with pytest.raises(ValueError, match="unknown rule profile"):
        plm.get_rules("wasm2099")
    with pytest.raises(ValueError, match="unknown rule parameter"):
        plm.get_rules("wasm2016", imi_min=5)


def test_overrides_are_recorded():
    res = scored(lms(*onsets(100, 7, 7, 7)), imi_min_s="5")
    assert res.summary["n_plms"] == 4
    assert res.summary["rules"]["name"] == "wasm2016+custom"
    assert res.summary["rules"]["imi_min_s"] == 5.0
