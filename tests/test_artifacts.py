"""Detection on signals real recordings carry (issue 15): flat leads, lead-off, electrode-
movement transients, sub-threshold bursts and near-threshold LMs, planted by the generator
(:mod:`plm.simulate.artifacts`).

Per night: F1 >= 0.98 against the planted LMs, no false LM on an artefact, and the flat and
lead-off stretches reported unscorable on their leg.
"""

from __future__ import annotations

import numpy as np
import pytest

from plm.detect import detect_legs
from plm.rules import get_rules
from plm.simulate.match import match_events
from plm.simulate.nights import SIGNAL_ARTIFACTS, simulate_night

RULES = get_rules()
NIGHTS = [(0, 500), (1, 256), (2, 200)]


def _score(night, rules=RULES):
    mv, dets = detect_legs({"left": night.left_uv, "right": night.right_uv}, night.fs_hz, rules)
    return match_events(mv, night.truth, min_iou=0.5), mv, dets


def _false_on_artifacts(mv, res, artifacts) -> int:
    used = np.zeros(len(mv), dtype=bool)
    used[res.pairs["detected"].to_numpy(int)] = True
    fp = mv[~used]
    n = 0
    for side in ("left", "right"):
        f, a = fp[fp["side"] == side], artifacts[artifacts["side"] == side]
        if len(f) and len(a):
            f_on, f_off = f["onset"].to_numpy(), (f["onset"] + f["duration"]).to_numpy()
            a_on, a_off = a["onset"].to_numpy(), (a["onset"] + a["duration"]).to_numpy()
            n += int(((f_on[:, None] < a_off[None, :]) & (f_off[:, None] > a_on[None, :])).sum())
    return n


def test_defaults_are_unchanged_and_artifacts_opt_in():
    plain = simulate_night(600, 200, seed=9)
    again = simulate_night(600, 200, seed=9, artifacts=False)
    np.testing.assert_array_equal(plain.left_uv, again.left_uv)
    assert plain.artifact_events.empty
    every = simulate_night(600, 200, seed=9, artifacts=True)
    assert every.artifact_events.empty  # True means the classic artefacts only
    with_flat = simulate_night(600, 200, seed=9, artifacts={"flat"}, flat_duration_s=60.0)
    # nothing else moved: the legs differ only inside the flat stretch
    (row,) = with_flat.artifact_events.itertuples()
    side = with_flat.leg(row.side)
    a, b = int(row.onset * 200), int((row.onset + row.duration) * 200)
    np.testing.assert_array_equal(side[:a], plain.leg(row.side)[:a])
    np.testing.assert_array_equal(side[b:], plain.leg(row.side)[b:])
    assert np.all(side[a:b] == side[a])


@pytest.mark.parametrize("kind", SIGNAL_ARTIFACTS)
@pytest.mark.parametrize(("seed", "fs"), NIGHTS)
def test_detection_on_each_artifact(kind, seed, fs):
    night = simulate_night(1.5 * 3600, fs, seed=seed, artifacts={kind})
    res, mv, dets = _score(night)
    assert res.f1 >= 0.98, (kind, res.summary())
    art = night.artifact_events
    if kind != "near_threshold":
        assert len(art) >= 1
    assert _false_on_artifacts(mv, res, art) == 0
    if kind == "near_threshold":
        near = night.truth[night.truth["kind"] == "near_threshold"]
        assert len(near) >= 10
        found = set(res.pairs["truth"].to_numpy(int))
        assert set(near.index) <= found  # every near-threshold LM is found
    if kind == "motion":
        assert (art["kind"] == "motion_on_lm").sum() >= 3  # LMs under a transient kept
    for row in night.unscorable_stretches.itertuples():
        uns = dets[row.side].unscorable
        a, b = row.onset, row.onset + row.duration
        covered = np.clip(
            np.minimum(uns["onset"] + uns["duration"], b) - np.maximum(uns["onset"], a), 0, None
        ).sum()
        assert covered >= 0.99 * row.duration, (kind, row)
        assert uns["duration"].sum() <= row.duration + 5.0
        other = "left" if row.side == "right" else "right"
        assert dets[other].unscorable.empty


def test_every_artifact_at_once():
    night = simulate_night(2 * 3600, 500, seed=4, artifacts=set(SIGNAL_ARTIFACTS) | {"mains"})
    res, mv, _ = _score(night)
    assert res.f1 >= 0.98, res.summary()
    assert _false_on_artifacts(mv, res, night.artifact_events) == 0


def test_without_the_new_rules_the_artifacts_fool_the_detector():
    """The reproduction: the rules of docs/scoring.md §3.7 switched off."""
    off = get_rules(sustained_onset_s=0.0, motion_rule=False, flat_min_s=0.0)
    night = simulate_night(1.5 * 3600, 500, seed=0, artifacts={"motion", "subthreshold", "flat"})
    res, mv, dets = _score(night, off)
    assert _false_on_artifacts(mv, res, night.artifact_events) > 10
    flat = night.artifact_events[night.artifact_events["kind"] == "flat"].iloc[0]
    assert dets[flat["side"]].unscorable.empty  # the flat stretch counted as quiet
