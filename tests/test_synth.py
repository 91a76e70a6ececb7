"""Tests of plm.simulate.nights: seeded synthetic nights, planted truth, matching, file writers."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from plm.events import STAGES, Hypnogram, NightEvents
from plm.simulate.match import match_events
from plm.simulate.nights import ARTIFACTS, SyntheticNight, simulate_night, simulate_quiet_night
from plm.simulate.write import write_night_edf, write_truth_tsv


@pytest.fixture(scope="module")
def night() -> SyntheticNight:
    return simulate_night(2 * 3600, 256, seed=11, artifacts=True)


def test_same_seed_same_night_and_different_seed_differs():
    a = simulate_night(600, 200, seed=3, artifacts=True)
    b = simulate_night(600, 200, seed=3, artifacts=True)
    c = simulate_night(600, 200, seed=4, artifacts=True)
    np.testing.assert_array_equal(a.left_uv, b.left_uv)
    np.testing.assert_array_equal(a.ecg_uv, b.ecg_uv)
    pd.testing.assert_frame_equal(a.truth, b.truth)
    assert not np.array_equal(a.left_uv, c.left_uv)


def test_signals_shapes_and_types(night):
    n = int(round(night.duration_s * night.fs_hz))
    for x in (night.left_uv, night.right_uv):
        assert x.dtype == np.float32 and x.shape == (n,)
        assert np.isfinite(x).all()
    assert night.ecg_uv is not None and night.ecg_fs_hz == night.fs_hz
    assert night.ecg_uv.dtype == np.float32
    assert night.params["seed"] == 11
    assert night.params["artifacts"] == sorted(ARTIFACTS)


def test_resting_level_in_requested_range():
    q = simulate_quiet_night(1800, 500, seed=2)
    for side in ("left", "right"):
        sigma = q.params[f"rest_rms_uv_{side}"]
        assert 1.0 <= sigma <= 5.0
        rms = float(np.sqrt(np.mean(np.square(q.leg(side), dtype=np.float64))))
        assert 0.7 * sigma <= rms <= 1.4 * sigma
    assert q.truth.empty and list(q.truth.columns[:3]) == ["onset", "duration", "side"]
    assert q.ecg_uv is None and q.ecg_fs_hz is None


def test_hypnogram_is_plausible(night):
    hyp = night.hypnogram
    assert isinstance(hyp, Hypnogram) and hyp.epoch_s == 30
    assert hyp.end_s >= night.duration_s > hyp.end_s - 30
    assert set(hyp.stages) <= set(STAGES)
    assert hyp.stages[0] == "W" and hyp.stages[-1] == "W"
    assert {"N1", "N2", "N3", "R"} <= set(hyp.stages)


def test_truth_table_rules(night):
    t = night.truth
    assert list(t.columns) == [
        "onset",
        "duration",
        "side",
        "amplitude_uv",
        "kind",
        "movement_id",
        "series_id",
        "bilateral",
    ]
    assert (t["onset"].diff().dropna() >= 0).all()
    assert t["duration"].between(0.75, 10.0).all()
    assert set(t["side"]) == {"left", "right"}
    assert t["amplitude_uv"].between(25.0, 200.0).all()
    for side, g in t.groupby("side"):
        gaps = g["onset"].to_numpy()[1:] - (g["onset"] + g["duration"]).to_numpy()[:-1]
        assert gaps.min() >= 1.0, side
    # bilateral movements: both legs, onsets within 0.3 s
    bil = t[t["bilateral"]].groupby("movement_id")
    assert len(bil) > 0
    assert (bil.size() == 2).all()
    assert (bil["onset"].agg(lambda s: s.max() - s.min()) <= 0.3 + 1e-9).all()
    # series: 4..40 movements with IMIs inside [10, 90] s
    per_mv = t.groupby("movement_id").agg(onset=("onset", "min"), series=("series_id", "first"))
    for sid, g in per_mv[per_mv["series"] >= 0].groupby("series"):
        assert 4 <= len(g) <= 40
        imi = np.diff(np.sort(g["onset"].to_numpy()))
        assert imi.min() >= 10.0 and imi.max() <= 90.0, sid
    # isolated movements are far from everything else
    iso = per_mv[per_mv["series"] < 0]["onset"].to_numpy()
    all_on = per_mv["onset"].to_numpy()
    for t_iso in iso:
        d = np.abs(all_on - t_iso)
        assert np.sort(d)[1] > 90.0
    # rates roughly as asked (per hour of recording)
    n_periodic = per_mv[per_mv["series"] >= 0].shape[0]
    assert abs(n_periodic - 30 * night.duration_s / 3600) <= 4


def test_noisy_stretch_and_artifacts(night):
    ns = night.noisy_stretches
    assert list(ns.columns) == ["onset", "duration", "side"] and len(ns) == 1
    a, d, side = ns.iloc[0]
    assert d == pytest.approx(600.0)
    t = night.truth
    ends = t["onset"] + t["duration"]
    assert not ((t["onset"] < a + d + 90) & (ends > a - 90)).any()
    k0, k1 = int(a * night.fs_hz), int((a + d) * night.fs_hz)
    loud = night.leg(side)[k0:k1]
    assert np.sqrt(np.mean(np.square(loud, dtype=np.float64))) > 40.0
    assert len(night.pops) > 0 and night.pops["amplitude_uv"].between(100, 1000).all()
    assert 5 <= night.params["mains_amplitude_uv"] <= 20
    assert 60 <= night.params["heart_rate_bpm"] <= 80


def test_artifact_selection():
    only = simulate_night(600, 200, seed=1, artifacts={"mains"})
    assert only.ecg_uv is None and only.noisy_stretches.empty and only.pops.empty
    assert only.params["artifacts"] == ["mains"]
    with_ecg = simulate_night(600, 200, seed=1, artifacts="ecg", ecg_fs_hz=128)
    assert with_ecg.ecg_fs_hz == 128 and with_ecg.ecg_uv.size == 600 * 128
    assert simulate_night(600, 200, seed=1, ecg_channel=True).ecg_uv is not None
    with pytest.raises(ValueError, match="unknown artifact"):
        simulate_night(600, 200, artifacts={"hum"})
    with pytest.raises(ValueError):
        simulate_night(100, 200)
    with pytest.raises(ValueError):
        simulate_night(600, 200, bilateral_fraction=1.5)


def test_respiratory_events_and_arousals(night):
    resp = night.respiratory
    assert list(resp.columns) == ["onset", "duration", "type"]
    assert len(resp) > 0
    assert set(resp["type"]) <= {"Obstructive Apnea", "Hypopnea"}
    assert resp["duration"].between(10, 40).all()
    ends = (resp["onset"] + resp["duration"]).to_numpy()
    lm_on = night.truth["onset"].to_numpy()
    linked = [np.any((lm_on - e >= -0.31) & (lm_on - e <= 8.0)) for e in ends]
    assert np.mean(linked) >= 0.3
    ar = night.arousals
    assert list(ar.columns) == ["onset", "duration"] and len(ar) > 0
    assert ar["duration"].between(3, 15).all()
    assert (np.diff(ar["onset"]) > 0).all()


def test_start_crosses_midnight_and_to_events(night):
    assert night.start_datetime == datetime(2026, 1, 1, 22, 30)
    ev = night.to_events()
    assert isinstance(ev, NightEvents)
    assert len(ev.movements) == len(night.truth)
    assert ev.recording_duration_s == night.duration_s
    assert len(ev.gaps) == 1 and "noise" in ev.gaps["reason"].iloc[0]
    assert ev.lights_off_s < ev.lights_on_s


# --------------------------------------------------------------------------- matching


def _iv(rows, side="left"):
    return pd.DataFrame(
        {"onset": [r[0] for r in rows], "duration": [r[1] for r in rows], "side": side}
    )


def test_match_events_iou_threshold_and_sides():
    truth = _iv([(10, 2), (20, 2), (30, 1)])
    det = _iv([(10.1, 2), (20.5, 3), (31.2, 1)])  # IoU 0.90, 0.43, 0 -> 1 TP
    r = match_events(det, truth)
    assert (r.tp, r.fp, r.fn) == (1, 2, 2)
    np.testing.assert_allclose(r.onset_errors_s, [0.1])
    assert r.f1 == pytest.approx(1 / 3)
    r2 = match_events(det, truth, min_iou=0.4)
    assert r2.tp == 2
    other = match_events(_iv([(10.1, 2)], side="right"), truth)
    assert other.tp == 0
    assert match_events(_iv([(10.1, 2)], side="right"), truth, by_side=False).tp == 1


def test_match_events_one_to_one_and_empty():
    truth = _iv([(10, 2)])
    det = _iv([(10, 2), (10.05, 2)])
    r = match_events(det, truth)
    assert (r.tp, r.fp, r.fn) == (1, 1, 0)
    e = match_events(_iv([]), _iv([]))
    assert (e.tp, e.fp, e.fn, e.f1) == (0, 0, 0, 1.0)
    assert match_events(_iv([]), truth).f1 == 0.0
    assert set(e.summary()) >= {"precision", "recall", "f1", "onset_error_median_s"}
    with pytest.raises(ValueError, match="side"):
        match_events(pd.DataFrame({"onset": [1.0], "duration": [1.0]}), truth)


# --------------------------------------------------------------------------- files


def test_write_truth_tsv(tmp_path, night):
    p = tmp_path / "truth.tsv"
    write_truth_tsv(night, p)
    back = pd.read_csv(p, sep="\t")
    assert list(back.columns) == list(night.truth.columns)
    np.testing.assert_allclose(back["onset"], night.truth["onset"], atol=1e-4)
    assert list(back["side"]) == list(night.truth["side"])


def test_write_night_edf_round_trip(tmp_path):
    edf = pytest.importorskip("plm.io.edf")
    from plm.detect import detect_legs
    from plm.rules import get_rules

    n = simulate_night(900, 250, seed=5, artifacts={"ecg", "mains"}, ecg_fs_hz=125)
    path = tmp_path / "night.edf"
    write_night_edf(n, path)
    h = edf.read_header(path)
    labels = [s.label for s in h.signals if not s.is_annotation]
    assert labels[:3] == ["Leg L", "Leg R", "ECG"] and len(labels) == 21
    assert h.start_datetime == n.start_datetime and h.duration_s == 900
    left = edf.read_signal(h, 0)
    np.testing.assert_allclose(left, n.left_uv, atol=h.signals[0].resolution_uv)
    ecg = edf.read_signal(h, 2)
    assert h.signals[2].fs_hz == 125
    ann = edf.read_annotations(h)
    desc = set(ann["description"])
    assert {"Lights off", "Lights on", "Arousal"} <= desc
    assert any(d.startswith("Sleep stage ") for d in desc)
    n_epochs = (ann["description"].str.startswith("Sleep stage")).sum()
    assert n_epochs == len(n.hypnogram.stages)
    mv, _ = detect_legs(
        {"left": left, "right": edf.read_signal(h, 1)}, 250, get_rules(), ecg=ecg, ecg_fs_hz=125
    )
    assert match_events(mv, n.truth).f1 >= 0.95
    small = tmp_path / "legs_only.edf"
    write_night_edf(n, small, other_channels=False)
    assert len(edf.read_header(small).signals) == 4  # legs, ECG, annotations
