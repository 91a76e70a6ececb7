"""Suggested immobilization test (SIT / m-SIT) scoring, docs/scoring.md §14."""

from __future__ import annotations

import json
from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from pipelines.cli import main
from plm.api import score_night
from plm.events import Hypnogram, InputError, NightEvents
from plm.rules import get_rules
from plm.simulate.accel import write_accel_edf
from plm.simulate.nights import simulate_night, simulate_quiet_night
from plm.simulate.write import write_night_edf
from plm.sit import (
    SIT_CUTOFF_PER_H,
    parse_duration,
    parse_start,
    read_ratings,
    score_sit,
    sit_rules,
    sit_windows_from_annotations,
)


@pytest.fixture(scope="module")
def dense(tmp_path_factory):
    """90 min at 200 Hz, many periodic series (half of them in wake), start 22:30."""
    night = simulate_night(
        duration_s=5400,
        fs_hz=200,
        seed=5,
        plms_per_h=90,
        isolated_per_h=5,
        wake_series_fraction=0.5,
    )
    path = tmp_path_factory.mktemp("sit") / "dense.edf"
    write_night_edf(night, path, other_channels=False)
    return night, path


@pytest.fixture(scope="module")
def quiet(tmp_path_factory):
    night = simulate_quiet_night(duration_s=1800, fs_hz=200, seed=1)
    path = tmp_path_factory.mktemp("sitq") / "quiet.edf"
    write_night_edf(night, path, other_channels=False)
    return night, path


def _truth_index(night, a: float, b: float) -> float:
    n = int(np.ceil((b - a) / 30.0))
    ev = NightEvents(
        movements=night.truth[["onset", "duration", "side"]],
        hypnogram=Hypnogram(["W"] * n, start_s=a),
        lights_off_s=a,
        lights_on_s=b,
        recording_duration_s=night.duration_s,
    )
    return score_night(ev, sit_rules()).summary["plmw_index"]


def test_sit_rule_profile():
    r = sit_rules()
    base = get_rules("wasm2016")
    assert r.name == "sit"
    assert (r.imi_min_s, r.imi_max_s, r.min_series_length) == (4.0, 90.0, 4)
    assert (r.lm_min_s, r.lm_max_s) == (0.5, 10.0)
    assert r.respiratory_rule == "none"
    assert r.bilateral_rule == base.bilateral_rule and r.short_imi_action == "break"
    assert sit_rules("aasm2012").name == "sit-aasm2012"
    assert sit_rules(imi_max_s="60").imi_max_s == 60.0


def test_sit_imi_window_counts_short_intervals():
    # 8 LMs every 6 s: periodic under SIT (IMI >= 4 s), not under WASM 2016 (>= 10 s)
    lms = pd.DataFrame({"onset": 100.0 + 6.0 * np.arange(8), "duration": 1.5, "side": "left"})

    def run(rules):
        ev = NightEvents(
            movements=lms, hypnogram=Hypnogram(["W"] * 20), lights_off_s=0.0, lights_on_s=600.0
        )
        return score_night(ev, rules).summary["n_plm"]

    assert run(sit_rules()) == 8
    assert run(get_rules("wasm2016")) == 0


def test_parse_window_parts():
    start = datetime(2026, 1, 1, 22, 30, 0)
    assert parse_start("22:40", start) == 600.0
    assert parse_start("00:30:30", start) == 2 * 3600 + 30
    assert parse_start("90", start) == 90.0
    assert parse_start(12.5, None) == 12.5
    assert parse_duration("60") == 3600.0
    assert parse_duration("60min") == 3600.0
    assert parse_duration("3600s") == 3600.0
    assert parse_duration("1h") == 3600.0
    with pytest.raises(InputError):
        parse_duration("abc")
    with pytest.raises(InputError):
        parse_start("22:40", None)


def test_sit_index_matches_planted_truth(dense, tmp_path):
    night, path = dense
    res = score_sit(path, [("22:40", "60min")], out_dir=tmp_path)
    w = res.windows[0]
    assert (w.start_s, w.end_s) == (600.0, 4200.0)
    expected = _truth_index(night, 600.0, 4200.0)
    assert expected > SIT_CUTOFF_PER_H
    assert w.sit_plm_index == pytest.approx(expected, rel=0.05)
    assert w.above_cutoff is True
    s = w.result.summary
    assert s["plmw_index"] == w.sit_plm_index and s["n_plms"] == 0
    assert s["rules"]["name"] == "sit" and s["test"] == "SIT"
    # six 10-min blocks whose PLM counts add up
    assert len(w.blocks) == 6
    assert w.blocks["n_plm"].sum() == s["n_plm"]
    for suffix in ("_candidates.tsv", "_movements.tsv", "_summary.json", "_blocks.tsv"):
        assert (tmp_path / f"dense_sit1{suffix}").is_file()
    payload = json.loads((tmp_path / "dense_sit.json").read_text())
    assert payload["windows"][0]["sit_plm_index"] == pytest.approx(w.sit_plm_index)
    assert not (tmp_path / "dense_msit.tsv").exists()


def test_window_past_the_end_is_an_error(dense):
    _, path = dense
    with pytest.raises(InputError) as err:
        score_sit(path, [("23:50", "60")])
    msg = str(err.value)
    assert "dense.edf" in msg and "4800-8400 s" in msg and "23:50:00" in msg


def test_window_without_movements(quiet, tmp_path):
    _, path = quiet
    res = score_sit(path, [(60, "20min")])
    w = res.windows[0]
    assert w.sit_plm_index == 0.0
    assert w.above_cutoff is False
    assert w.result.summary["n_lm"] == 0


def test_ratings_per_block(dense, tmp_path):
    _, path = dense
    ratings = tmp_path / "ratings.csv"
    ratings.write_text("time,discomfort\n22:40,10\n22:45,20\n22:50,30\n22:55,50\n23:39,80\n")
    res = score_sit(path, [("22:40", "60")], ratings=ratings)
    b = res.windows[0].blocks
    assert b.loc[0, "mean_discomfort"] == pytest.approx(15.0)
    assert b.loc[1, "mean_discomfort"] == pytest.approx(40.0)
    assert np.isnan(b.loc[2, "mean_discomfort"])
    assert b.loc[5, "mean_discomfort"] == pytest.approx(80.0)
    assert res.windows[0].mean_discomfort == pytest.approx(38.0)
    rel = tmp_path / "rel.csv"
    rel.write_text("seconds,rating\n0,10\n600,30\n")
    r2 = score_sit(path, [("22:40", "60")], ratings=rel, ratings_relative=True)
    assert list(r2.windows[0].blocks["mean_discomfort"][:2]) == [10.0, 30.0]
    bad = tmp_path / "bad.csv"
    bad.write_text("time,discomfort\n22:40,120\n")
    with pytest.raises(InputError, match="0-100"):
        read_ratings(bad, datetime(2026, 1, 1, 22, 30))


def test_two_windows_give_msit_table(dense, tmp_path):
    night, path = dense
    res = score_sit(path, [("22:30:30", "40"), ("3600s", "30min")], out_dir=tmp_path)
    assert len(res.windows) == 2
    table = pd.read_csv(tmp_path / "dense_msit.tsv", sep="\t")
    assert list(table["window"]) == [1, 2]
    assert list(table["duration_min"]) == [40.0, 30.0]
    for (a, b), got in zip(((30.0, 2430.0), (3600.0, 5400.0)), table["sit_plm_index"], strict=True):
        assert got == pytest.approx(_truth_index(night, a, b), rel=0.1)
    payload = json.loads((tmp_path / "dense_sit.json").read_text())
    assert payload["test"] == "m-SIT" and len(payload["windows"]) == 2


def test_windows_from_annotations(dense, tmp_path):
    _, path = dense
    ann = tmp_path / "events.tsv"
    ann.write_text("onset\tdescription\n600\tSIT start\n1800\tSIT end\n2400\tnote\n")
    res = score_sit(path, annotations=ann)
    assert [(w.start_s, w.end_s) for w in res.windows] == [(600.0, 1800.0)]
    frame = pd.DataFrame(
        {
            "onset": [10.0, 20.0, 30.0, 40.0],
            "description": ["SIT begin", "SIT stop", "start SIT", "end SIT"],
        }
    )
    assert sit_windows_from_annotations(frame) == [(10.0, 20.0), (30.0, 40.0)]
    with pytest.raises(InputError, match="no SIT window"):
        score_sit(path)


def test_sit_cli(dense, tmp_path, capsys):
    _, path = dense
    out = tmp_path / "cli"
    rc = main(
        [
            "sit",
            str(path),
            "--window",
            "22:40",
            "30",
            "--window",
            "3600",
            "20min",
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    assert (out / "dense_msit.tsv").is_file()
    assert "SIT PLM index" in capsys.readouterr().out
    rc = main(["sit", str(path), "--window", "23:50", "60", "--out", str(out)])
    assert rc == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "dense.edf" in err[0]


def test_sit_on_accelerometry(tmp_path):
    from plm.simulate.accel import simulate_accel_night

    acc = simulate_accel_night(duration_s=3600, fs_hz=50, seed=9, plms_per_h=60)
    path = tmp_path / "acc.edf"
    write_accel_edf(acc, path)
    res = score_sit(path, [(300, "30min")])
    w = res.windows[0]
    assert res.modality == "actigraphy" and w.result.summary["modality"] == "actigraphy"
    assert w.result.summary["n_lm"] > 0
