"""Ankle actigraphy: reading, detection against planted truth, scoring, CLI."""

from __future__ import annotations

import json
from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from pipelines.accel_report import write_accel_reports
from pipelines.cli import main
from plm.accel import (
    AccelRules,
    detect_accel_window,
    find_accel_channels,
    get_accel_rules,
    is_accelerometry,
    load_accel,
    parse_axis_label,
    read_cwa,
    read_diary,
    rest_period,
    score_accel,
)
from plm.api import score_night
from plm.detect import detect_legs
from plm.events import InputError, NightEvents
from plm.rules import get_rules
from plm.simulate.accel import (
    simulate_accel,
    simulate_accel_night,
    simulate_paired_night,
    write_accel_csv,
    write_accel_edf,
)
from plm.simulate.cwa import write_cwa
from plm.simulate.match import match_events
from plm.simulate.nights import simulate_night
from plm.simulate.write import write_night_edf


@pytest.fixture(scope="module")
def night50():
    return simulate_accel_night(duration_s=2 * 3600, fs_hz=50, seed=3, plms_per_h=40)


@pytest.fixture(scope="module")
def paired():
    return simulate_paired_night(duration_s=2 * 3600, seed=11)


def _in_tib(mv: pd.DataFrame, acc) -> pd.DataFrame:
    on = mv["onset"].to_numpy(float)
    return mv[(on >= acc.lights_off_s) & (on < acc.lights_on_s)]


# ------------------------------------------------------------------------- labels


@pytest.mark.parametrize(
    "label, side, axis",
    [
        ("L Ankle X", "left", "x"),
        ("Left ankle acc Y", "left", "y"),
        ("Acc R Z", "right", "z"),
        ("RAnkleX", "right", "x"),
        ("left_z", "left", "z"),
        ("Accelerometer X", None, "x"),
        ("x", None, "x"),
        ("ankle_r_y", "right", "y"),
    ],
)
def test_parse_axis_label(label, side, axis):
    info = parse_axis_label(label)
    assert info is not None
    assert (info.side, info.axis) == (side, axis)


@pytest.mark.parametrize("label", ["Wrist X", "Chest Acc X", "Gyro L X", "Leg L", "SpO2", "XY"])
def test_parse_axis_label_rejects(label):
    assert parse_axis_label(label) is None


def test_find_accel_channels_groups_ankles():
    labels = ["C3-M2", "L Ankle X", "L Ankle Y", "L Ankle Z", "RAnkleX", "RAnkleY", "RAnkleZ"]
    groups = find_accel_channels(labels)
    assert groups == {"left": {"x": 1, "y": 2, "z": 3}, "right": {"x": 4, "y": 5, "z": 6}}
    # voltage channels are never accelerometers; a body-position sensor is not an ankle
    assert find_accel_channels(["Leg X", "Leg Y", "Leg Z"], ["uV", "uV", "uV"]) == {}
    assert find_accel_channels(["Position X", "Position Y", "Position Z"]) == {}


# ------------------------------------------------------------------------- detection


def test_detection_f1_against_planted_truth(night50):
    data = night50.to_accel_data()
    mv, posture, _ = detect_accel_window(data, night50.lights_off_s, night50.lights_on_s)
    m = match_events(_in_tib(mv, night50), night50.truth, min_iou=0.5)
    assert m.f1 >= 0.9, m.summary()
    assert np.median(np.abs(m.onset_errors_s)) < 0.15
    # every planted posture change is recognised, none is left as an LM
    pc = night50.posture_changes
    assert len(posture) >= len(pc)
    for on, side in zip(pc["onset"], pc["side"], strict=True):
        near = posture[(posture["side"] == side) & ((posture["onset"] - on).abs() < 3.0)]
        assert len(near) == 1


@pytest.mark.parametrize("fs, seed", [(25.0, 1), (100.0, 4)])
def test_detection_other_rates(fs, seed):
    acc = simulate_accel_night(duration_s=3600, fs_hz=fs, seed=seed, plms_per_h=50)
    mv, _, _ = detect_accel_window(acc.to_accel_data(), acc.lights_off_s, acc.lights_on_s)
    assert match_events(_in_tib(mv, acc), acc.truth).f1 >= 0.9


def test_posture_changes_alone_are_not_lms():
    acc = simulate_accel(None, duration_s=3600, fs_hz=50, seed=2, posture_changes_per_h=12)
    assert len(acc.posture_changes) >= 6
    mv, posture, _ = detect_accel_window(acc.to_accel_data(), 0, 3600)
    assert len(mv) == 0
    assert len(posture) == len(acc.posture_changes)
    assert (posture["tilt_deg"] > AccelRules().posture_change_deg).all()


@pytest.mark.parametrize("method", ["highpass", "median"])
def test_other_gravity_methods_run(night50, method):
    rules = AccelRules(gravity_method=method)
    mv, _, _ = detect_accel_window(night50.to_accel_data(), 3600, 4200, rules)
    assert {"onset", "duration", "side", "peak_g"} <= set(mv.columns)


def test_accel_rules_validation_and_overrides():
    with pytest.raises(ValueError):
        AccelRules(onset_above_rest_g=-1)
    with pytest.raises(ValueError):
        AccelRules(onset_above_rest_g=0.01, offset_above_rest_g=0.02)
    r = get_accel_rules(None, onset_above_rest_g="0.05", posture_change_deg="45")
    assert r.onset_above_rest_g == 0.05 and r.posture_change_deg == 45.0
    assert r.name.endswith("+custom")
    with pytest.raises(ValueError, match="unknown"):
        get_accel_rules(None, nope="1")


# ------------------------------------------------------------------------- paired night


def test_paired_emg_and_accel_agree(paired, tmp_path):
    night, acc = paired
    # EMG: detect on the arrays, score without a hypnogram inside lights off/on
    mv, _ = detect_legs({"left": night.left_uv, "right": night.right_uv}, night.fs_hz, get_rules())
    emg = score_night(
        NightEvents(
            movements=mv,
            lights_off_s=night.lights_off_s,
            lights_on_s=night.lights_on_s,
            recording_duration_s=night.duration_s,
        )
    )
    # accelerometry: through the file pipeline (EDF with lights annotations)
    path = tmp_path / "paired_accel.edf"
    write_accel_edf(acc, path)
    res = score_accel(path)
    s = res.nights[0].result.summary
    assert s["tib_source"] == "annotations"
    assert s["lights_off_s"] == pytest.approx(night.lights_off_s)
    emg_idx, acc_idx = emg.summary["plm_rec_index"], s["plm_index_tib"]
    assert emg_idx > 20
    assert abs(acc_idx - emg_idx) <= 0.025 * emg_idx, (emg_idx, acc_idx)


# ------------------------------------------------------------------------- readers


@pytest.mark.parametrize("packed, fractional", [(False, True), (True, True), (False, False)])
def test_cwa_roundtrip(tmp_path, packed, fractional):
    rng = np.random.default_rng(0)
    n = 5000
    x = np.column_stack(
        (0.05 * rng.standard_normal(n), 0.05 * rng.standard_normal(n), np.ones(n))
    ).astype(np.float32)
    x[1000:1050, 0] = 3.5  # needs the packed exponent
    start = datetime(2026, 3, 4, 23, 15, 7, 500000)
    path = tmp_path / "dev.cwa"
    write_cwa(path, x, 100.0, start, packed=packed, fractional=fractional)
    g, fs, st, gaps, info = read_cwa(path)
    assert fs == 100.0 and len(gaps) == 0 and info["n_bad_blocks"] == 0
    assert g.shape == x.shape
    assert abs((st - start).total_seconds()) <= 0.011
    tol = 4.0 / 256 if packed else 0.6 / 256
    err = np.abs(g - x).max(axis=1)
    err[995:1055] = 0  # the 3.5-g step: a 1/32768-s stamp rounding moves it by 0.01 g
    assert err.max() <= tol + 1e-3


def test_cwa_bad_checksum_and_not_cwa(tmp_path):
    x = np.tile([0.0, 0.0, 1.0], (800, 1)).astype(np.float32)
    path = tmp_path / "dev.cwa"
    write_cwa(path, x, 50.0, datetime(2026, 1, 1, 22, 0, 0))
    raw = bytearray(path.read_bytes())
    raw[1024 + 512 + 40] ^= 0xFF  # corrupt the second block
    path.write_bytes(bytes(raw))
    g, _, _, _, info = read_cwa(path)
    assert info["n_bad_blocks"] == 1
    data = load_accel(path, side="right")
    assert "right" in data.ankles
    assert any("checksum" in w for w in data.warnings)
    bad = tmp_path / "x.cwa"
    bad.write_bytes(b"hello" * 300)
    with pytest.raises(InputError, match="x.cwa"):
        read_cwa(bad)


def test_csv_layouts_and_units(night50, tmp_path):
    both = tmp_path / "both.csv"
    write_accel_csv(night50, both, time="iso")
    d = load_accel(both)
    assert set(d.ankles) == {"left", "right"}
    assert d.start_datetime == night50.start_datetime
    assert d.ankles["left"].fs_hz == 50.0
    np.testing.assert_allclose(
        d.ankles["left"].xyz_g[:500], night50.ankles["left"][:500], atol=1e-4
    )
    left, right = tmp_path / "l.csv", tmp_path / "r.csv"
    write_accel_csv(night50, left, side="left", time="seconds", units="m/s2")
    write_accel_csv(night50, right, side="right", time="seconds", units="mg")
    d2 = load_accel(left, right)
    assert set(d2.ankles) == {"left", "right"}
    np.testing.assert_allclose(
        d2.ankles["right"].xyz_g[:500], night50.ankles["right"][:500], atol=1e-4
    )
    with pytest.raises(InputError, match="expected about 1 g"):
        load_accel(right, units="g")  # mg read as g: 1000 g


def test_actigraph_csv(tmp_path):
    n = 30 * 120
    rng = np.random.default_rng(1)
    lines = [
        "------------ Data File Created By ActiGraph GT3X+ ActiLife v6.13.3 Firmware v2.5.0 "
        "date format M/d/yyyy at 30 Hz  Filter Normal -----------",
        "Serial Number: NEO1234",
        "Start Time 22:15:00",
        "Start Date 1/5/2026",
        "Epoch Period (hh:mm:ss) 00:00:00",
        "Download Time 08:00:00",
        "Download Date 1/6/2026",
        "Current Memory Address: 0",
        "Current Battery Voltage: 4.1     Mode = 12",
        "--------------------------------------------------",
        "Accelerometer X,Accelerometer Y,Accelerometer Z",
    ]
    xyz = np.column_stack(
        (0.01 * rng.standard_normal(n), 0.01 * rng.standard_normal(n), np.ones(n))
    )
    lines += [f"{a:.3f},{b:.3f},{c:.3f}" for a, b, c in xyz]
    path = tmp_path / "NEO1234 (2026-01-05)RAW.csv"
    path.write_text("\n".join(lines) + "\n")
    assert is_accelerometry(path)
    d = load_accel(path, side="left")
    assert d.format == "ActiGraph CSV"
    assert d.start_datetime == datetime(2026, 1, 5, 22, 15, 0)
    assert d.ankles["left"].fs_hz == 30.0
    assert d.ankles["left"].xyz_g.shape == (n, 3)


def test_edf_in_ms2_and_is_accelerometry(night50, tmp_path):
    path = tmp_path / "acc_ms2.edf"
    write_accel_edf(
        night50,
        path,
        units="m/s2",
        labels={"left": "Left ankle acc {}", "right": "Acc R {}"},
    )
    d = load_accel(path)
    assert set(d.ankles) == {"left", "right"}
    np.testing.assert_allclose(
        d.ankles["left"].xyz_g[:1000], night50.ankles["left"][:1000], atol=2e-3
    )
    assert is_accelerometry(path)
    emg = simulate_night(duration_s=600, fs_hz=200, seed=0)
    emg_path = tmp_path / "emg.edf"
    write_night_edf(emg, emg_path, other_channels=False)
    assert not is_accelerometry(emg_path)
    csv = tmp_path / "other.csv"
    csv.write_text("a,b\n1,2\n")
    assert not is_accelerometry(csv)
    assert not is_accelerometry(tmp_path / "missing.edf")


# ------------------------------------------------------------------------- nights, outputs


@pytest.fixture(scope="module")
def multiday(tmp_path_factory):
    start = datetime(2026, 1, 1, 18, 0, 0)
    beds = [(4.5 * 3600, 7.5 * 3600), (29 * 3600, 32 * 3600)]
    parts = []
    for k, (a, b) in enumerate(beds):
        n = simulate_night(b - a, fs_hz=50, seed=20 + k, plms_per_h=40 + 20 * k)
        tr = n.truth[["onset", "duration", "side"]].copy()
        tr["onset"] += a
        parts.append(tr)
    acc = simulate_accel(
        pd.concat(parts, ignore_index=True),
        duration_s=34 * 3600,
        fs_hz=25,
        seed=3,
        in_bed=beds,
        start_datetime=start,
        sides=("left",),
        sitting_fraction=0.0,
    )
    path = tmp_path_factory.mktemp("multi") / "multi.edf"
    write_accel_edf(acc, path, annotations=False)
    return acc, path


def test_multinight_with_diary(multiday, tmp_path):
    acc, path = multiday
    diary = tmp_path / "diary.csv"
    diary.write_text("date,lights_off,lights_on\n2026-01-01,22:30,01:30\n2026-01-02,23:00,02:00\n")
    assert len(read_diary(diary)) == 2
    out = tmp_path / "out"
    res = score_accel(path, diary=diary, out_dir=out)
    assert [n.tib_source for n in res.nights] == ["diary", "diary"]
    truth_n = [((acc.truth["onset"] >= a) & (acc.truth["onset"] < b)).sum() for a, b in acc.in_bed]
    for night, n_true in zip(res.nights, truth_n, strict=True):
        s = night.result.summary
        assert s["modality"] == "actigraphy"
        assert s["plms_index"] is None
        assert s["tib_h"] == pytest.approx(3.0)
        assert abs(s["n_lm"] - n_true) <= 0.1 * n_true
        assert any("one ankle only" in w for w in s["warnings"])
    for k in (1, 2):
        for suffix in ("_candidates.tsv", "_movements.tsv", "_summary.json", "_posture.tsv"):
            assert (out / f"multi_night{k}{suffix}").is_file()
    table = pd.read_csv(out / "multi_multinight.tsv", sep="\t")
    assert list(table["night"]) == [1, 2]
    assert list(table["date"]) == ["2026-01-01", "2026-01-02"]
    payload = json.loads((out / "multi_multinight.json").read_text())
    st = payload["statistics"]["plm_index_tib"]
    idx = table["plm_index_tib"].to_numpy(float)
    assert st["mean"] == pytest.approx(idx.mean(), rel=1e-3)
    assert st["sd"] == pytest.approx(idx.std(ddof=1), rel=1e-3)
    assert st["cv"] == pytest.approx(idx.std(ddof=1) / idx.mean(), rel=1e-3)


def test_rest_period_detection(multiday):
    acc, path = multiday
    data = load_accel(path)
    for (a, b), (w0, w1) in zip(acc.in_bed, [(0, 18 * 3600), (18 * 3600, 34 * 3600)], strict=True):
        got = rest_period(data, w0, w1)
        assert got is not None
        assert abs(got[0] - a) < 600 and abs(got[1] - b) < 600


def test_summary_contract_and_cli(paired, tmp_path, capsys):
    _, acc = paired
    path = tmp_path / "night.edf"
    write_accel_edf(acc, path)
    out = tmp_path / "cli"
    rc = main(["score-accel", str(path), "--out", str(out), "--set", "imi_min_s=5"])
    assert rc == 0
    s = json.loads((out / "night_night1_summary.json").read_text())
    for key in ("plm_index_tib", "clm_index_tib", "lm_index_tib", "tib_h", "accel_rules"):
        assert key in s
    assert s["modality"] == "actigraphy" and s["plms_index"] is None
    assert s["rules"]["imi_min_s"] == 5.0
    assert s["accel_rules"]["onset_above_rest_g"] == AccelRules().onset_above_rest_g
    cand = pd.read_csv(out / "night_night1_candidates.tsv", sep="\t")
    assert (cand["category"] == "plm").sum() == s["n_plm"]
    assert "PLM index (time in bed)" in capsys.readouterr().out
    rc = main(["score-accel", str(tmp_path / "missing.csv"), "--out", str(out)])
    assert rc == 2
    assert "missing.csv" in capsys.readouterr().err


def test_lights_given_and_report(paired, tmp_path):
    _, acc = paired
    path = tmp_path / "n.csv"
    write_accel_csv(acc, path, time="seconds")
    res = score_accel(path, lights=(600.0, 4200.0), out_dir=tmp_path / "o")
    assert not any(p.suffix == ".html" for p in (tmp_path / "o").iterdir())  # library: no pages
    pages = write_accel_reports(res, tmp_path / "o")
    assert pages and all(p.is_file() for p in pages.values())
    s = res.nights[0].result.summary
    assert s["tib_source"] == "given" and s["tib_h"] == pytest.approx(1.0)
    assert any(p.name.endswith("_report.html") for p in (tmp_path / "o").iterdir())


def test_plm_score_dispatches_accelerometry_files(paired, tmp_path, capsys):
    """Issue 7: `plm score ACCEL_FILE` (not only score-accel) scores ankle accelerometry."""
    _, acc = paired
    path = tmp_path / "ankles.csv"
    write_accel_csv(acc, path, time="seconds")
    out = tmp_path / "o"
    assert main(["score", str(path), "--out", str(out)]) == 0
    s = json.loads((out / "ankles_night1_summary.json").read_text())
    assert s["modality"] == "actigraphy" and s["plms_index"] is None
    assert s["n_plm"] > 0


def test_cli_report_goes_through_the_application(paired, tmp_path):
    _, acc = paired
    path = tmp_path / "n.csv"
    write_accel_csv(acc, path, time="seconds")
    out = tmp_path / "o"
    argv = ["score-accel", str(path), "--lights-off", "600", "--lights-on", "4200"]
    assert main([*argv, "--out", str(out), "--report"]) == 0
    assert any(p.name.endswith("_report.html") for p in out.iterdir())


def test_accel_package_does_not_import_the_application():
    import subprocess
    import sys

    code = (
        "import sys, plm.accel, plm.detect.kernel\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'pipelines')\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
