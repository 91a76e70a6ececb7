"""The heart-rate and SpO2 response through `plm score`: EDF in, columns and tables out.

Generated nights carry a planted response per movement (plm.simulate, ``cardio=True``);
the end-to-end path (EDF reading, R peaks shared with ECG suppression, EDF+D segments)
must recover it as the library does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import plm
from plm.io.edf import SignalSpec, write_edf
from plm.results import PLMResult
from plm.simulate import simulate_night, write_night_edf


@pytest.fixture(scope="module")
def night():
    return simulate_night(
        duration_s=2 * 3600, fs_hz=200, seed=31, plms_per_h=60, isolated_per_h=20,
        cardio=True, spo2=True, ecg_fs_hz=256,
    )  # fmt: skip


@pytest.fixture(scope="module")
def scored(night, tmp_path_factory):
    path = tmp_path_factory.mktemp("hr") / "night.edf"
    write_night_edf(night, path)
    return plm.score(path)


def _matched(night, cand):
    tr = night.hr_response.sort_values("onset").reset_index(drop=True)
    t, on = tr["onset"].to_numpy(), cand["onset"].to_numpy()
    j = np.clip(np.searchsorted(t, on), 1, len(t) - 1)
    j = np.where(np.abs(t[j - 1] - on) <= np.abs(t[j] - on), j - 1, j)
    ok = (np.abs(t[j] - on) < 1.0) & cand["hr_valid"].to_numpy(bool)
    ok &= ~cand["hr_baseline_overlap"].to_numpy(bool)
    return cand[ok], tr.iloc[j[ok]]


def test_score_recovers_planted_response_per_movement(night, scored):
    cand = scored.candidates
    assert {"hr_peak_delta_bpm", "hr_peak_latency_s", "spo2_change_pct"} <= set(cand.columns)
    got, truth = _matched(night, cand)
    assert len(got) >= 50
    r = np.corrcoef(got["hr_peak_delta_bpm"].to_numpy(float), truth["peak_bpm"].to_numpy())[0, 1]
    assert r >= 0.9
    err = np.abs(got["hr_peak_latency_s"].to_numpy(float) - truth["latency_s"].to_numpy())
    assert np.median(err) <= 1.0


def test_summary_per_category_within_1_bpm_of_planted(night, scored):
    got, truth = _matched(night, scored.candidates)
    for cat in ("plms_no_arousal", "plms_arousal"):
        sel = got["hr_category"].to_numpy() == cat
        if sel.sum() < 5:
            continue
        measured = got["hr_peak_delta_bpm"].to_numpy(float)[sel].mean()
        planted = truth["peak_bpm"].to_numpy()[sel].mean()
        assert abs(measured - planted) <= 1.0, (cat, measured, planted)
    s = scored.summary
    assert s["hr_beats_n"] > 0.9 * len(night.r_peaks_s)
    assert s["hr_n_plms_no_arousal"] > 0 and s["spo2_plms_n"] > 0


def test_tables_written_and_read_back(scored, tmp_path):
    paths = scored.to_dir(tmp_path)
    assert {"hr_response", "hr_curves"} <= set(paths)
    back = PLMResult.from_dir(tmp_path)
    pd.testing.assert_frame_equal(
        back.tables["hr_curves"], scored.tables["hr_curves"], check_dtype=False, atol=1e-4
    )
    again = tmp_path / "again"
    back.to_dir(again)
    for name in ("candidates", "hr_response", "hr_curves"):
        a = (tmp_path / f"{scored.stem}_{name}.tsv").read_bytes()
        assert a == (again / f"{scored.stem}_{name}.tsv").read_bytes(), name


def test_no_rr_interval_spans_an_edf_plus_d_gap(night, tmp_path):
    # keep 0-1800 s and 2400-3600 s of legs and ECG; the response still comes through
    fs, efs, rec = 200, 256, 1.0
    n_rec = 3600
    onsets = np.arange(n_rec) * rec
    keep = (onsets < 1800) | (onsets >= 2400)

    def cut(x, f):
        return x[: n_rec * f].reshape(n_rec, f)[keep].ravel()

    sigs = [
        SignalSpec("Leg L", cut(night.left_uv, fs), fs, "uV", -3000, 3000),
        SignalSpec("Leg R", cut(night.right_uv, fs), fs, "uV", -3000, 3000),
        SignalSpec("ECG", cut(night.ecg_uv, efs), efs, "uV", -5000, 5000),
    ]
    path = tmp_path / "d.edf"
    write_edf(path, sigs, night.start_datetime, file_type="EDF+D", record_onsets_s=onsets[keep])
    res = plm.score(path)
    long = res.tables["hr_response"]
    cand = res.candidates
    assert res.summary["hr_beats_n"] > 0
    # every HR value lies in plausible range: no 600-s "interval" across the gap
    hr = long["hr_bpm"].dropna().to_numpy()
    assert hr.size and hr.min() > 30 and hr.max() < 150
    after = cand[(cand["onset"] > 2460) & cand["hr_valid"].astype(bool)]
    assert len(after) > 3  # movements after the gap have a response


def test_no_ecg_gives_a_status_line_only(night, tmp_path):
    path = tmp_path / "legs.edf"
    write_night_edf(night, path, other_channels=False)
    # other_channels=False still writes the ECG; drop it by writing the legs alone
    legs = [
        SignalSpec("Leg L", night.left_uv, 200, "uV", -3000, 3000),
        SignalSpec("Leg R", night.right_uv, 200, "uV", -3000, 3000),
    ]
    write_edf(path, legs, night.start_datetime)
    res = plm.score(path)
    assert res.summary["hr_status"].startswith("no ECG")
    assert "hr_peak_delta_bpm" not in res.candidates.columns and not res.tables
