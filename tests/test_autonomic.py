"""Heart-rate and SpO2 response per leg movement (plm.autonomic) against planted truth."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import plm
from plm import autonomic as au
from plm.simulate import simulate_night
from plm.simulate.parts import _mains


def beat_f1(found_s: np.ndarray, truth_s: np.ndarray, tol_s: float = 0.05) -> float:
    """F1 of detected beats against planted beats (one-to-one within ``tol_s``)."""
    if found_s.size == 0 or truth_s.size == 0:
        return 0.0
    j = np.clip(np.searchsorted(truth_s, found_s), 1, truth_s.size - 1)
    j = np.where(np.abs(truth_s[j - 1] - found_s) <= np.abs(truth_s[j] - found_s), j - 1, j)
    hit = np.abs(truth_s[j] - found_s) <= tol_s
    tp = np.unique(j[hit]).size
    return 2 * tp / (found_s.size + truth_s.size)


@pytest.fixture(scope="module")
def night():
    return simulate_night(
        duration_s=3 * 3600,
        fs_hz=100,
        seed=11,
        plms_per_h=60,
        isolated_per_h=20,
        cardio=True,
        spo2=True,
        ecg_fs_hz=256,
    )


@pytest.fixture(scope="module")
def candidates(night):
    return plm.score_events(night.to_events()).candidates


@pytest.fixture(scope="module")
def result(night, candidates):
    return au.analyze(candidates, night.ecg_uv, night.ecg_fs_hz, night.spo2, night.spo2_fs_hz)


def _with_truth(night, candidates, result) -> pd.DataFrame:
    tr = night.hr_response.sort_values("onset").reset_index(drop=True)
    on = candidates["onset"].to_numpy()
    j = np.clip(np.searchsorted(tr["onset"].to_numpy(), on), 1, len(tr) - 1)
    t = tr["onset"].to_numpy()
    j = np.where(np.abs(t[j - 1] - on) <= np.abs(t[j] - on), j - 1, j)
    c = result.columns
    m = pd.DataFrame(
        {
            "category": c["hr_category"].to_numpy(),
            "peak": c["hr_peak_delta_bpm"].to_numpy(dtype=float),
            "latency": c["hr_peak_latency_s"].to_numpy(dtype=float),
            "planted_peak": tr["peak_bpm"].to_numpy()[j],
            "planted_latency": tr["latency_s"].to_numpy()[j],
            "included": (c["hr_valid"] & ~c["hr_baseline_overlap"]).to_numpy(),
            "matched": np.abs(t[j] - on) < 0.5,
        }
    )
    return m[m["included"] & m["matched"]]


def test_planted_response_recovered(night, candidates, result):
    m = _with_truth(night, candidates, result)
    assert len(m) >= 80
    for cat, g in m.groupby("category"):
        if len(g) >= 5:
            assert abs(g["peak"].mean() - g["planted_peak"].mean()) <= 1.0, cat
    assert np.corrcoef(m["peak"], m["planted_peak"])[0, 1] >= 0.9
    assert np.median(np.abs(m["latency"] - m["planted_latency"])) <= 1.0


def test_outputs_shape(candidates, result):
    cols = result.columns
    assert list(cols.index) == list(candidates.index)
    for c in au.CANDIDATE_COLUMNS:
        assert c in cols
    long = result.hr_response
    assert list(long.columns) == list(au.RESPONSE_COLUMNS)
    assert set(long["beat"]) == set(range(-10, 16))
    time_curves = result.curves[result.curves["axis"] == "time"]
    assert np.allclose(np.unique(time_curves["x"]), np.arange(-20, 31))
    s = result.summary
    for cat in au.CATEGORIES:
        assert f"hr_n_{cat}" in s and f"hr_n_excluded_{cat}" in s
    assert s["hr_ecg_inverted"] is False
    assert 0 <= s["hr_rr_excluded_fraction"] < 0.01
    # the planted response ordering survives in the night's means
    assert s["hr_peak_delta_bpm_plms_arousal"] > s["hr_peak_delta_bpm_plms_no_arousal"]


def test_spo2_desaturations(night, candidates, result):
    tr = night.hr_response.sort_values("onset").reset_index(drop=True)
    t = tr["onset"].to_numpy()
    on = candidates["onset"].to_numpy()
    j = np.clip(np.searchsorted(t, on), 1, len(tr) - 1)
    j = np.where(np.abs(t[j - 1] - on) <= np.abs(t[j] - on), j - 1, j)
    de = night.desaturations
    planted = np.isin(tr["movement_id"].to_numpy()[j], de["movement_id"])
    # movements whose window or baseline also holds another movement's desaturation: skip
    starts = np.sort(de["onset"].to_numpy())
    k0 = np.searchsorted(starts, on - 45.0)
    k1 = np.searchsorted(starts, on + 30.0)
    alone = (k1 - k0) == planted.astype(int)
    found = result.columns["spo2_desaturation"].fillna(False).to_numpy(dtype=bool)
    assert result.summary["spo2_masked_fraction"] == 0
    assert (planted & alone).sum() > 10
    assert (found & planted & alone).sum() / (planted & alone).sum() >= 0.9
    assert (found & ~planted & alone).sum() <= 0.05 * alone.sum()
    assert 0 < result.summary["spo2_plms_desaturation_fraction"] < 1


@pytest.mark.parametrize("detector", ["plm", "sleepecg"])
def test_r_peaks_clean_and_artifact_night(detector):
    n = simulate_night(duration_s=1800, fs_hz=200, seed=4, artifacts=True, cardio=True)
    ecg = n.ecg_uv + _mains(np.random.default_rng(0), n.ecg_uv.size, n.ecg_fs_hz, 50.0, 40.0)
    ecg += np.random.default_rng(1).normal(0, 20, ecg.size).astype(np.float32)
    ecg += 0.3 * n.left_uv  # leg EMG (and its ECG bleed) cross-talk
    for x in (n.ecg_uv, ecg):
        assert beat_f1(au.r_peak_times(x, n.ecg_fs_hz, detector), n.r_peaks_s) >= 0.99


def test_inverted_ecg():
    n = simulate_night(duration_s=1200, fs_hz=100, seed=6, cardio=True, ecg_fs_hz=256)
    b = au.detect_beats(-n.ecg_uv, n.ecg_fs_hz)
    assert b.inverted
    assert beat_f1(b.times_s[b.valid], n.r_peaks_s) >= 0.99
    assert not au.detect_beats(n.ecg_uv, n.ecg_fs_hz).inverted


def test_noisy_ecg_beats_excluded_not_invented():
    n = simulate_night(duration_s=3600, fs_hz=100, seed=8, cardio=True, ecg_fs_hz=256)
    fs = n.ecg_fs_hz
    ecg = n.ecg_uv.copy()
    a, b = int(1200 * fs), int(2400 * fs)  # 20 min of noise
    ecg[a:b] += np.random.default_rng(2).normal(0, 400, b - a).astype(np.float32)
    beats = au.detect_beats(ecg, fs)
    t, v = beats.times_s, beats.valid
    inside = (t > 1200) & (t < 2400)
    # no beat inside the noise counts, and none outside is lost
    truth = n.r_peaks_s
    matched = np.array([np.min(np.abs(truth - x)) <= 0.05 for x in t])
    assert not (v & inside & ~matched).any()  # nothing invented
    assert (v & inside).sum() <= 0.05 * ((truth > 1200) & (truth < 2400)).sum()
    out = (truth < 1190) | (truth > 2410)
    assert beat_f1(t[v & ~inside], truth[out]) >= 0.99
    rr = au.clean_rr(beats)
    assert not np.isfinite(rr.hr_bpm[(rr.t_mid_s > 1201) & (rr.t_mid_s < 2399)]).any()
    assert rr.excluded_fraction > 0.25


def test_no_ecg_is_one_summary_line(candidates):
    res = au.analyze(candidates)
    assert [c for c in res.columns if c.startswith("hr_")] == ["hr_category"]
    assert res.summary["hr_status"].startswith("no ECG")
    assert res.hr_response.empty and res.curves.empty
    assert "spo2_status" in res.summary


def test_spo2_at_1hz_with_dropouts(night, candidates):
    sp = night.spo2.astype(float).copy()
    rng = np.random.default_rng(3)
    sp[rng.choice(sp.size, 200, replace=False)] = 0.0  # probe off
    sp[rng.choice(sp.size, 50, replace=False)] = 127.0  # out of range
    sp[3000:3600] = np.nan  # 10 min dropout
    masked = np.isnan(au.mask_spo2(sp)).mean()
    res = au.analyze(candidates, spo2=sp, spo2_fs_hz=1.0)
    assert res.summary["spo2_masked_fraction"] == pytest.approx(masked, abs=1e-4)
    assert masked > 0.05
    on = candidates["onset"].to_numpy()
    in_gap = (on > 3000) & (on < 3570)
    assert res.columns["spo2_desaturation"][in_gap].isna().all()
    assert np.nanmin(res.columns["spo2_change_pct"]) > -10  # zeros never read as drops


def test_generator_opt_in_keeps_the_night():
    a = simulate_night(duration_s=600, fs_hz=100, seed=2)
    b = simulate_night(duration_s=600, fs_hz=100, seed=2, cardio=True, spo2=True)
    assert np.array_equal(a.left_uv, b.left_uv) and a.truth.equals(b.truth)
    assert a.ecg_uv is None and a.hr_response is None and b.ecg_uv is not None


def test_plot(candidates, result):
    fig = Figure()
    ax = fig.add_subplot()
    au.plot_hr_response(ax, result.curves)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels and all("(n=" in t for t in labels)
    au.plot_hr_response(fig.add_subplot(2, 1, 2), au.analyze(candidates.iloc[:0]).curves)


def test_no_analysed_movement_is_not_an_error():
    # a night whose candidates all fall outside the categories (e.g. no hypnogram):
    # columns are filled, no response is claimed, nothing raises
    cand = pd.DataFrame(
        {"onset": [250.2, 284.0, 347.1], "candidate": [False] * 3, "periodic": [False] * 3,
         "arousal": [False] * 3, "respiratory": [False] * 3, "stage": [""] * 3}
    )  # fmt: skip
    t = np.arange(0, 900, 1 / 256)
    ecg = np.zeros_like(t)
    ecg[(np.arange(0, 899, 1.0) * 256).astype(int)] = 1000.0
    res = au.analyze(cand, ecg, 256.0)
    assert not res.columns["hr_baseline_overlap"].any()
    assert res.summary["hr_beats_n"] > 800


def test_a_night_without_candidates_has_status_lines_and_no_error():
    cand = pd.DataFrame(
        {"onset": pd.Series(dtype=float), "candidate": pd.Series(dtype=bool),
         "periodic": pd.Series(dtype=bool), "arousal": pd.Series(dtype=bool),
         "respiratory": pd.Series(dtype=bool), "stage": pd.Series(dtype=object)}
    )  # fmt: skip
    t = np.arange(0, 600, 1 / 256)
    ecg = np.zeros_like(t)
    ecg[(np.arange(0, 599, 1.0) * 256).astype(int)] = 1000.0
    res = au.analyze(cand, ecg, 256.0, spo2=np.full(600, 97.0), spo2_fs_hz=1.0)
    assert res.summary["spo2_plms_n"] == 0 and res.summary["hr_beats_n"] > 500
    assert len(res.columns) == 0
