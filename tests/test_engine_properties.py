"""Invariants of the scoring engine, checked on random event lists (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import plm

PROFILES = ["wasm2016", "aasm2012", "aasm2007"]


@st.composite
def nights(draw):
    n = draw(st.integers(0, 60))
    onsets = draw(st.lists(st.floats(0, 3500), min_size=n, max_size=n))
    durs = draw(st.lists(st.floats(0.3, 16), min_size=n, max_size=n))
    sides = draw(st.lists(st.sampled_from(["left", "right"]), min_size=n, max_size=n))
    mv = pd.DataFrame({"onset": onsets, "duration": durs, "side": sides})
    hyp = draw(st.lists(st.sampled_from(["W", "N1", "N2", "N3", "R", "unscored"]),
                        min_size=120, max_size=120))  # fmt: skip
    n_resp = draw(st.integers(0, 5))
    resp = pd.DataFrame(
        {
            "onset": draw(st.lists(st.floats(0, 3400), min_size=n_resp, max_size=n_resp)),
            "duration": draw(st.lists(st.floats(10, 60), min_size=n_resp, max_size=n_resp)),
            "type": "obstructive_apnea",
        }
    )
    n_ar = draw(st.integers(0, 5))
    ar = pd.DataFrame(
        {
            "onset": draw(st.lists(st.floats(0, 3500), min_size=n_ar, max_size=n_ar)),
            "duration": draw(st.lists(st.floats(3, 15), min_size=n_ar, max_size=n_ar)),
        }
    )
    return mv, hyp, resp, ar


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(nights(), st.sampled_from(PROFILES), st.booleans())
def test_counts_are_consistent_and_series_have_at_least_four(night, rules, may_start):
    mv, hyp, resp, ar = night
    res = plm.score_events(
        mv, hypnogram=hyp, respiratory=resp, arousals=ar, rules=rules,
        short_imi_clm_may_start_series=may_start,
    )  # fmt: skip
    s, c = res.summary, res.candidates
    assert s["n_plms"] <= s["n_clms"] <= s["n_clm"] <= s["n_lm"]
    assert s["n_plms"] + s["n_plmw"] <= s["n_plm"] <= s["n_clm"]
    assert s["n_plmsnr"] <= s["n_clms"]
    sizes = c["series"].dropna().value_counts()
    assert (sizes >= 4).all()
    assert c.loc[c["periodic"], "candidate"].all()
    # PLM + short-IMI + isolated CLMs partition the CLMs
    assert s["n_plms"] + s["n_short_imi_clms"] + s["n_isolated_clms"] == s["n_clms"]
    # every IMI inside a series lies within the profile's bounds
    rp = res.rules
    for _, grp in c[c["periodic"]].groupby("series"):
        inner = grp["imi"].to_numpy()[1:]
        assert np.all((inner >= rp.imi_min_s - 1e-6) & (inner <= rp.imi_max_s + 1e-6))


@SETTINGS
@given(nights(), st.sampled_from(PROFILES), st.randoms(use_true_random=False))
def test_shuffling_input_rows_changes_nothing(night, rules, rnd):
    mv, hyp, resp, ar = night
    a = plm.score_events(mv, hypnogram=hyp, respiratory=resp, arousals=ar, rules=rules)
    order = list(range(len(mv)))
    rnd.shuffle(order)
    b = plm.score_events(
        mv.iloc[order].reset_index(drop=True), hypnogram=hyp,
        respiratory=resp.iloc[::-1], arousals=ar.iloc[::-1], rules=rules,
    )  # fmt: skip
    pd.testing.assert_frame_equal(a.candidates, b.candidates)
    assert a.summary["plms_index"] == b.summary["plms_index"]


@SETTINGS
@given(nights(), st.sampled_from(PROFILES))
def test_indices_scale_with_one_over_tst(night, rules):
    mv, hyp, resp, ar = night
    a = plm.score_events(mv, hypnogram=hyp, respiratory=resp, arousals=ar, rules=rules)
    # the same night followed by an hour of unscored epochs, then an hour of N2 with no
    # movement: counts are equal, sleep time grows by exactly 1 h
    hyp2 = list(hyp) + ["unscored"] * 120 + ["N2"] * 120
    b = plm.score_events(mv, hypnogram=hyp2, respiratory=resp, arousals=ar, rules=rules,
                         recording_duration_s=3600 * 3)  # fmt: skip
    sa, sb = a.summary, b.summary
    assert sa["n_plms"] == sb["n_plms"]
    assert np.isclose(sb["tst_h"], sa["tst_h"] + 1.0)
    if sa["tst_h"] > 0:
        assert np.isclose(sb["plms_index"] * sb["tst_h"], sa["plms_index"] * sa["tst_h"])
        assert np.isclose(sb["clms_index"], sa["n_clms"] / sb["tst_h"])
