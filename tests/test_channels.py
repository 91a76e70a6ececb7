"""Tests of leg/ECG channel discovery and checks (plm.io.channels) and load_recording."""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime

import numpy as np
import pandas as pd
import pytest
from _edf_fixtures import NOX, SHORT_PSG, make_header

from plm.events import InputError
from plm.io import edf
from plm.io.channels import (
    ChannelRef,
    check_leg_channel,
    check_leg_data,
    classify_leg_label,
    find_ecg_channel,
    find_leg_channels,
)
from plm.io.edf import SignalSpec
from plm.io.recording import GAP_REASON, load_recording
from plm.rules import get_rules

START = datetime(2022, 5, 6, 23, 0, 0)

LABELS = [
    ("LAT", "left"),
    ("RAT", "right"),
    ("Leg L", "left"),
    ("Leg R", "right"),
    ("L Leg", "left"),
    ("R Leg", "right"),
    ("Left Leg", "left"),
    ("Right Leg", "right"),
    ("LLeg", "left"),
    ("RLeg", "right"),
    ("Leg/L", "left"),
    ("Leg/R", "right"),
    ("EMG Ant Tibial L", "left"),
    ("EMG Ant Tibial R", "right"),
    ("Tib dx", "right"),
    ("Tib sx", "left"),
    ("tib sin", "left"),
    ("tib dx", "right"),
    ("TIB Dx", "right"),
    ("TIB Sx", "left"),
    ("DX1-DX2", "right"),
    ("SX1-SX2", "left"),
    ("PLMl", "left"),
    ("PLMr", "right"),
    ("EMG.Tibialis-Leg.Left", "left"),
    ("EMG.Tibialis-Leg.Right", "right"),
    ("EMG Tibialis Left", "left"),
    ("LAntib1-LAntib2", "left"),
    ("RAntib1-RAntib2", "right"),
    ("Left Tibialis", "left"),
    ("Tibialis L", "left"),
    ("Tibialis R", "right"),
    ("LTA", "left"),
    ("RTA", "right"),
    ("L-TA", "left"),
    ("R-TA", "right"),
    ("LLeg1", "left"),
    ("RLeg2", "right"),
    ("Jambe gauche", "left"),
    ("Leg", "merged"),
    ("Legs", "merged"),
    ("lleg_r", "merged"),
    ("Leg EMG", "merged"),
    ("PLM", "merged"),
    ("Tibialis", "merged"),
    ("Chin", None),
    ("EMG1", None),
    ("Lchin", None),
    ("Chin EMG", None),
    ("EMG Chin L", None),
    ("LEMG", None),
    ("EMG", None),
    ("AT", None),
    ("TA", None),
    ("ECG", None),
    ("LOC", None),
    ("Resp Rate", None),
    ("Left Leg Impedance", None),
    ("Jambe droite Imp", None),
    ("1-2 (Imp)", None),
    ("L Arm", None),
]


@pytest.mark.parametrize(("label", "side"), LABELS)
def test_leg_label_classification(label, side):
    assert classify_leg_label(label) == side


@pytest.mark.parametrize(("label", "side"), [(lab, s) for lab, s in LABELS if s is not None])
def test_find_leg_channels_picks_each_label_variant(label, side):
    header = make_header(["EEG C3-M2", "Chin", label, "ECG"])
    legs = find_leg_channels(header)
    found = {"left": legs.left, "right": legs.right, "merged": legs.merged}
    assert found[side] == ChannelRef(label, 2)
    assert [k for k, v in found.items() if v is not None] == [side]


def test_find_leg_channels_left_and_right():
    header = make_header(["EDF Annotations", "C3", "Tib sx", "Tib dx", "Chin"])
    legs = find_leg_channels(header)
    assert legs.left == ChannelRef("Tib sx", 2)
    assert legs.right == ChannelRef("Tib dx", 3)
    assert legs.merged is None


@pytest.mark.parametrize("stem", ["LLeg", "LAT"])
def test_referential_pairs_become_bipolar(stem):
    right = "R" + stem[1:]
    labels = ["C3", f"{stem}1", f"{stem}2", f"{right}1", f"{right}2", "Chin1", "Chin2"]
    legs = find_leg_channels(make_header(labels))
    assert legs.left == ChannelRef(f"{stem}1-{stem}2", 1, 2)
    assert legs.right == ChannelRef(f"{right}1-{right}2", 3, 4)


def test_single_referential_channel_is_used_alone():
    legs = find_leg_channels(make_header(["LLeg1", "RLeg1"]))
    assert legs.left == ChannelRef("LLeg1", 0)
    assert legs.right == ChannelRef("RLeg1", 1)


def test_merged_channel_only_when_no_side_found(caplog):
    with caplog.at_level(logging.WARNING, logger="plm.io.channels"):
        legs = find_leg_channels(make_header(["C3", "lleg_r", "Chin"]))
    assert legs.merged == ChannelRef("lleg_r", 1)
    assert legs.left is None and legs.right is None
    assert "bilateral rules cannot apply" in caplog.text
    legs = find_leg_channels(make_header(["Leg", "LAT", "RAT"]))
    assert legs.merged is None and legs.left.label == "LAT"


def test_chin_emg_is_never_a_leg_channel():
    header = make_header(["EDF Annotations", "Chin", "EMG1", "EMG2", "Lchin", "Rchin", "C3-M2"])
    with pytest.raises(InputError, match="no leg EMG channel found; labels in file:") as err:
        find_leg_channels(header)
    message = str(err.value)
    assert "'Lchin'" in message and "use --left/--right" in message
    assert "EDF Annotations" not in message


def test_impedance_and_non_voltage_channels_are_not_picked():
    header = make_header(
        ["Left Leg Impedance", "Left Leg", "Right Leg", "Right Leg Imp"],
        units=["Ohm", "V", "", "kOhm"],
    )
    legs = find_leg_channels(header)
    assert legs.left == ChannelRef("Left Leg", 1)
    assert legs.right == ChannelRef("Right Leg", 2)  # no voltage alternative: kept, flagged later
    header = make_header(["LAT", "Leg L"], units=["uV", ""])
    assert find_leg_channels(header).left == ChannelRef("LAT", 0)
    header = make_header(["Leg L"], units=["Ohm"])
    with pytest.raises(InputError, match="no leg EMG channel"):
        find_leg_channels(header)


def test_explicit_overrides():
    header = make_header(["EMG5", "EMG6", "EMG7", "X1", "X2", "LAT"])
    legs = find_leg_channels(header, left="emg5", right="EMG6")
    assert legs.left == ChannelRef("EMG5", 0) and legs.right == ChannelRef("EMG6", 1)
    legs = find_leg_channels(header, left="X1-X2")
    assert legs.left == ChannelRef("X1-X2", 3, 4)
    assert legs.right is None  # LAT is left and the left side was given
    legs = find_leg_channels(header, right="EMG7")
    assert legs.left == ChannelRef("LAT", 5) and legs.right == ChannelRef("EMG7", 2)
    with pytest.raises(InputError, match="channel 'Leg 9' not found; labels in file"):
        find_leg_channels(header, left="Leg 9")


def test_override_prefers_an_existing_label_with_a_dash():
    header = make_header(["DX1-DX2", "DX1", "DX2"])
    assert find_leg_channels(header, right="dx1-dx2").right == ChannelRef("DX1-DX2", 0)


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (["C3", "ECG", "Chin"], 1),
        (["EKG", "Leg L"], 0),
        (["ECG1", "ECG2"], 0),
        (["ECG II"], 0),
        (["ECG L-ECG R"], 0),
        (["ECG Impedance", "EKG"], 1),
        (["C3", "Chin"], None),
        (["Heart Rate"], None),
    ],
)
def test_find_ecg_channel(labels, expected):
    assert find_ecg_channel(make_header(labels)) == expected


def test_ecg_channel_must_be_a_voltage():
    header = make_header(["ECG rate", "ECG"], units=["bpm", "mV"])
    assert find_ecg_channel(header) == 1


# --------------------------------------------------------------------------------------
# checks
# --------------------------------------------------------------------------------------


def _sig(fs=500.0, unit="uV", pmax=3276.7, dmax=32767):
    return make_header(["LAT"], fs=fs, units=unit, pmax=pmax, dmax=dmax).signals[0]


def test_good_channel_has_no_problems():
    assert check_leg_channel(_sig()) == []


def test_piezo_rate_is_fatal_and_low_rate_a_warning():
    (problem,) = check_leg_channel(_sig(fs=64.0))
    assert problem.fatal
    assert "not EMG-like: sampled at 64 Hz (< 100 Hz), e.g. a piezo leg lead" in problem.problem
    (problem,) = check_leg_channel(_sig(fs=128.0))
    assert not problem.fatal and "200 Hz" in problem.problem


def test_non_voltage_unit_is_fatal():
    (problem,) = check_leg_channel(_sig(unit="%"))
    assert problem.fatal and "not a voltage" in problem.problem


def test_coarse_resolution_is_fatal():
    coarse = _sig(unit="mV", pmax=1024.0)  # 2048 mV over 65536 steps: 31.25 µV per step
    (problem,) = check_leg_channel(coarse, get_rules())
    assert problem.fatal
    assert "digital resolution 31.25 µV per step is coarser than 2 µV" in problem.problem
    # resolution relaxed: a 2 V range is still an implausible leg channel (issue 15)
    (problem,) = check_leg_channel(coarse, get_rules(min_resolution_uv=50.0))
    assert problem.fatal and "spans 2048 mV (> 100 mV)" in problem.problem
    fine = _sig(unit="mV", pmax=50.0)  # 100 mV range: 1.5 µV per step
    assert check_leg_channel(fine, get_rules()) == []


def test_nox_a1_legs_found_and_resolution_flagged():
    header = edf.read_header(NOX)
    legs = find_leg_channels(header)
    assert legs.left == ChannelRef("Left Leg", 53)
    assert legs.right == ChannelRef("Right Leg", 51)
    assert find_ecg_channel(header) == 32
    problems = check_leg_channel(header.signals[53], get_rules())
    assert [p.fatal for p in problems] == [True]
    assert problems[0].problem == (
        "digital resolution 31.25 µV per step is coarser than 2 µV: too coarse for the"
        " 8 µV onset / 2 µV offset rules"
    )


def test_sleep_edf_has_no_leg_channel():
    header = edf.read_header(SHORT_PSG)
    with pytest.raises(InputError, match="no leg EMG channel found") as err:
        find_leg_channels(header)
    assert "'EMG submental'" in str(err.value) and "short_psg.edf" in str(err.value)


def test_flat_signal_is_fatal_and_clipping_a_warning():
    sig = _sig(pmax=100.0)
    (flat,) = check_leg_data(np.full(1000, 3.0, dtype=np.float32), sig)
    assert flat.fatal and "flat" in flat.problem
    x = np.random.default_rng(0).normal(0, 20, 1000)
    x[:30] = 100.0
    (clipped,) = check_leg_data(x, sig)
    assert not clipped.fatal and "clipped: 3.0 %" in clipped.problem
    assert check_leg_data(np.clip(x, -99, 99), sig) == []
    assert check_leg_data(np.zeros(0), sig)[0].fatal


# --------------------------------------------------------------------------------------
# load_recording
# --------------------------------------------------------------------------------------


def _night(tmp_path, labels, fs=(500.0,), seconds=4, unit="uV", pmax=1000.0, **kw):
    rng = np.random.default_rng(5)
    fss = list(fs) * len(labels) if len(fs) == 1 else list(fs)
    specs = [
        SignalSpec(lab, rng.normal(0, 20, int(f * seconds)), f, unit, -pmax, pmax)
        for lab, f in zip(labels, fss, strict=True)
    ]
    path = edf.write_edf(tmp_path / "night.edf", specs, START, **kw)
    return path, specs


def test_load_recording_reads_two_legs_and_ecg(tmp_path):
    path, specs = _night(tmp_path, ["C3", "LAT", "RAT", "ECG"], fs=(256.0, 500.0, 500.0, 200.0))
    data = load_recording(path)
    assert data.fs_hz == 500.0 and data.ecg_fs_hz == 200.0
    assert data.channel_labels == {"left": "LAT", "right": "RAT", "ecg": "ECG"}
    assert data.left_uv.dtype == np.float32 and data.merged_uv is None
    np.testing.assert_allclose(data.left_uv, specs[1].data, atol=0.02)
    np.testing.assert_allclose(data.right_uv, specs[2].data, atol=0.02)
    np.testing.assert_allclose(data.ecg, specs[3].data, atol=0.02)
    np.testing.assert_array_equal(data.segments, [[0.0, 4.0]])
    assert data.duration_s == 4.0 and data.start_datetime == START
    assert data.warnings == [] and data.bilateral
    assert data.gaps_frame().empty


def test_load_recording_subtracts_bipolar_pairs(tmp_path):
    path, specs = _night(tmp_path, ["LLeg1", "LLeg2", "RLeg1", "RLeg2"])
    data = load_recording(path)
    assert data.channel_labels == {"left": "LLeg1-LLeg2", "right": "RLeg1-RLeg2"}
    np.testing.assert_allclose(data.left_uv, specs[0].data - specs[1].data, atol=0.04)
    np.testing.assert_allclose(data.right_uv, specs[2].data - specs[3].data, atol=0.04)


def test_load_recording_fatal_problem_raises_unless_allowed(tmp_path):
    path, _ = _night(tmp_path, ["Leg L", "Leg R"], fs=(64.0,), unit="uV")
    with pytest.raises(InputError, match="leg channels 'Leg L', 'Leg R': not EMG-like") as err:
        load_recording(path)
    assert "night.edf" in str(err.value)
    data = load_recording(path, allow_poor_signal=True)
    assert any("piezo" in w for w in data.warnings)
    assert [p.fatal for p in data.problems] == [True, True]


def test_load_recording_nox_resolution_is_fatal():
    with pytest.raises(InputError, match="'Left Leg', 'Right Leg': digital resolution 31.25 µV"):
        load_recording(NOX)
    data = load_recording(NOX, allow_poor_signal=True)
    assert data.channel_labels["left"] == "Left Leg" and data.fs_hz == 200.0
    assert data.left_uv.shape == (24000,) and data.ecg is not None


def test_load_recording_flat_leg_is_fatal(tmp_path):
    specs = [
        SignalSpec("LAT", np.zeros(1000), 250.0, "uV", -1000, 1000),
        SignalSpec("RAT", np.random.default_rng(2).normal(0, 9, 1000), 250.0, "uV", -1000, 1000),
    ]
    path = edf.write_edf(tmp_path / "flat.edf", specs, START)
    with pytest.raises(InputError, match="'LAT': flat signal"):
        load_recording(path)


def test_load_recording_rejects_legs_at_different_rates(tmp_path):
    path, _ = _night(tmp_path, ["LAT", "RAT"], fs=(500.0, 250.0))
    with pytest.raises(InputError, match="different sampling rates"):
        load_recording(path)


def test_load_recording_merged_channel_warns(tmp_path):
    path, _ = _night(tmp_path, ["Leg", "Chin"], fs=(200.0,))
    data = load_recording(path)
    assert data.merged_uv is not None and data.left_uv is None
    assert any("bilateral rules cannot apply" in w for w in data.warnings)
    assert not data.bilateral


def test_load_recording_edfplus_d_segments_and_gaps(tmp_path):
    fs = 200.0
    specs = [
        SignalSpec(lab, np.random.default_rng(i).normal(0, 20, 5 * 200), fs, "uV", -500, 500)
        for i, lab in enumerate(["LAT", "RAT"])
    ]
    path = edf.write_edf(
        tmp_path / "d.edf", specs, START, file_type="EDF+D", record_onsets_s=[0, 1, 2, 10, 11]
    )
    data = load_recording(path)
    np.testing.assert_array_equal(data.segments, [[0, 3], [10, 12]])
    assert data.duration_s == 12.0
    assert data.segment_slices() == [(0.0, slice(0, 600)), (10.0, slice(600, 1000))]
    expected = pd.DataFrame(
        {"onset": [3.0], "duration": [7.0], "reason": pd.Series([GAP_REASON], dtype=object)}
    )
    pd.testing.assert_frame_equal(data.gaps_frame(), expected)


def test_load_recording_with_overrides(tmp_path):
    path, specs = _night(tmp_path, ["EMG5", "EMG6", "EMG7"])
    data = load_recording(path, left="EMG5-EMG6", right="EMG7")
    assert data.channel_labels == {"left": "EMG5-EMG6", "right": "EMG7"}
    np.testing.assert_allclose(data.left_uv, specs[0].data - specs[1].data, atol=0.04)


def test_channel_problem_str():
    (problem,) = check_leg_channel(dataclasses.replace(_sig(), fs_hz=150.0))
    assert str(problem).startswith("LAT: sampled at 150 Hz")
