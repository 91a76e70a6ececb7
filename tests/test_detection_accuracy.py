"""Detection accuracy against synthetic nights with planted leg movements.

Per leg, detected and planted LMs are matched one-to-one by IoU >= 0.5
(:func:`plm.simulate.match_events`).  Shortened nights (1-1.5 h) keep the run time low;
the numbers for full 8-h nights are measured by hand (see the module docstring of
``plm.detect``/the hand-over notes).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from plm.detect import detect_legs
from plm.rules import get_rules
from plm.simulate.match import match_events
from plm.simulate.nights import simulate_night, simulate_quiet_night

RULES = get_rules()


def _score(night):
    mv, dets = detect_legs(
        {"left": night.left_uv, "right": night.right_uv},
        night.fs_hz,
        RULES,
        ecg=night.ecg_uv,
        ecg_fs_hz=night.ecg_fs_hz,
    )
    return match_events(mv, night.truth, min_iou=0.5), mv, dets


@pytest.mark.parametrize(
    ("seed", "fs", "hours"), [(0, 500, 1.5), (1, 500, 1.5), (2, 256, 1.0), (3, 200, 1.0)]
)
def test_clean_nights(seed, fs, hours):
    night = simulate_night(hours * 3600, fs, seed=seed)
    res, mv, dets = _score(night)
    assert len(night.truth) > 40
    assert res.f1 >= 0.97, res.summary()
    assert np.median(np.abs(res.onset_errors_s)) <= 0.1
    assert np.percentile(np.abs(res.onset_errors_s), 90) <= 0.15
    assert all(d.unscorable.empty for d in dets.values())


@pytest.mark.parametrize(("seed", "fs"), [(0, 500), (1, 500), (2, 256)])
def test_nights_with_every_artifact(seed, fs):
    night = simulate_night(1.5 * 3600, fs, seed=seed, artifacts=True)
    res, mv, dets = _score(night)
    assert res.f1 >= 0.93, res.summary()
    assert np.median(np.abs(res.onset_errors_s)) <= 0.1
    # the noisy stretch is reported unscorable on its leg, and only there
    ns = night.noisy_stretches.iloc[0]
    uns = dets[ns["side"]].unscorable
    a, b = ns["onset"], ns["onset"] + ns["duration"]
    covered = np.clip(
        np.minimum(uns["onset"] + uns["duration"], b) - np.maximum(uns["onset"], a), 0, None
    ).sum()
    assert covered >= 0.95 * ns["duration"]
    assert uns["duration"].sum() <= ns["duration"] + 5.0
    other = "left" if ns["side"] == "right" else "right"
    assert dets[other].unscorable.empty
    # mains and ECG were handled
    assert all(d.info["mains_hz"] == 50 for d in dets.values())
    assert all(d.info["ecg_suppressed"] for d in dets.values())


def test_quiet_night_clean_has_no_detections():
    night = simulate_quiet_night(2 * 3600, 500, seed=5)
    res, mv, _ = _score(night)
    assert mv.empty


@pytest.mark.parametrize("seed", [5, 6])
def test_quiet_night_with_artifacts_few_false_lms(seed):
    night = simulate_quiet_night(2 * 3600, 500, seed=seed, artifacts=True, pops_per_h=6.0)
    _, mv, _ = _score(night)
    hours = night.duration_s / 3600
    assert len(mv) / hours <= 1.0


def test_offsets_close_to_truth_on_clean_night():
    night = simulate_night(3600, 500, seed=7)
    res, _, _ = _score(night)
    assert np.median(np.abs(res.offset_errors_s)) <= 0.1
    # detected durations vs planted ones
    pairs = res.pairs
    det_d = res.offset_errors_s - res.onset_errors_s
    assert np.median(np.abs(det_d)) <= 0.15
    assert isinstance(pairs, pd.DataFrame) and len(pairs) == res.tp
