"""Tests of the EDF/EDF+/BDF reader and writer (plm.io.edf)."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _edf_fixtures import HYPNOGRAM, NOX, SHORT_PSG, RawEdf, RawSignal, edfplus_d_bytes
from hypothesis import given, settings
from hypothesis import strategies as st

from plm.events import InputError
from plm.io import edf
from plm.io.edf import SignalSpec

START = datetime(2021, 3, 2, 22, 15, 30)


def _mixed_signals(seed: int = 0, seconds: int = 6) -> list[SignalSpec]:
    rng = np.random.default_rng(seed)
    return [
        SignalSpec("Leg L", rng.normal(0, 30, 500 * seconds), 500.0, "uV", -500.0, 500.0),
        SignalSpec("Leg R", rng.normal(0, 30, 500 * seconds), 500.0),  # auto range
        SignalSpec("EEG", rng.normal(0, 0.05, 256 * seconds), 256.0, "mV"),
        SignalSpec("SpO2", rng.uniform(85, 99, 1 * seconds), 1.0, "%", 0.0, 100.0),
    ]


def _assert_round_trip(header: edf.EdfHeader, specs: list[SignalSpec]) -> None:
    for i, spec in enumerate(specs):
        sig = header.signals[i]
        assert sig.label == spec.label
        assert sig.fs_hz == spec.fs_hz
        x = edf.read_signal(header, i, dtype=np.float64)
        factor = sig.uv_per_unit or 1.0
        expected = np.clip(
            spec.data * factor,
            min(sig.physical_min, sig.physical_max) * factor,
            max(sig.physical_min, sig.physical_max) * factor,
        )
        half_step = abs(sig.gain) * factor / 2
        assert x.shape[0] == header.n_records * sig.samples_per_record
        np.testing.assert_array_less(np.abs(x[: spec.data.size] - expected), half_step * 1.0001)


# --------------------------------------------------------------------------------------
# round trip with our own writer
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("file_type", ["EDF", "EDF+C", "EDF+D", "BDF", "BDF+C", "BDF+D"])
def test_round_trip_mixed_rates_within_half_a_digital_step(tmp_path, file_type):
    specs = _mixed_signals()
    path = edf.write_edf(tmp_path / "night.edf", specs, START, file_type=file_type)
    header = edf.read_header(path)
    assert header.file_type == file_type
    assert header.bytes_per_sample == (3 if file_type.startswith("BDF") else 2)
    assert header.start_datetime == START
    assert header.n_records == 6
    assert header.record_duration_s == 1.0
    assert header.duration_s == 6.0
    assert header.annotation_indices == ([4] if "+" in file_type else [])
    _assert_round_trip(header, specs)
    np.testing.assert_array_equal(edf.segments(header), [[0.0, 6.0]])


def test_bdf_keeps_24_bit_resolution(tmp_path):
    x = np.sin(np.linspace(0, 20, 1000)) * 100.0
    path = edf.write_edf(
        tmp_path / "a.bdf", [SignalSpec("EMG", x, 100.0, "uV", -100, 100)], START, file_type="BDF"
    )
    header = edf.read_header(path)
    assert header.signals[0].digital_min == -8388608
    assert header.signals[0].resolution_uv == pytest.approx(200 / (2**24 - 1))
    y = edf.read_signal(header, 0, dtype=np.float64)
    assert np.max(np.abs(y - x)) < 1e-5
    assert edf.read_digital(header, 0).dtype == np.int32


def test_voltage_units_are_returned_in_microvolts(tmp_path):
    x = np.linspace(-1, 1, 200)
    specs = [
        SignalSpec("in V", x * 1e-3, 100.0, "V", -1e-3, 1e-3),
        SignalSpec("in mV", x, 100.0, "mV", -1.0, 1.0),
        SignalSpec("in uV", x * 1e3, 100.0, "uV", -1e3, 1e3),
        SignalSpec("temperature", x, 100.0, "degC", -1.0, 1.0),
    ]
    header = edf.read_header(edf.write_edf(tmp_path / "u.edf", specs, START))
    assert [s.uv_per_unit for s in header.signals[:4]] == [1e6, 1e3, 1.0, None]
    np.testing.assert_allclose(edf.read_signal(header, 0), x * 1e3, atol=0.05)
    np.testing.assert_allclose(edf.read_signal(header, 1), x * 1e3, atol=0.05)
    np.testing.assert_allclose(edf.read_signal(header, 2), x * 1e3, atol=0.05)
    np.testing.assert_allclose(edf.read_signal(header, 3), x, atol=1e-4)


@pytest.mark.parametrize(
    ("unit", "factor"),
    [
        ("uV", 1.0),
        ("UV", 1.0),
        ("\u00b5V", 1.0),
        ("\u03bcV", 1.0),
        ("microvolt", 1.0),
        ("mV", 1e3),
        ("V", 1e6),
        ("nV", 1e-3),
        ("Ohm", None),
        ("%", None),
        ("", None),
    ],
)
def test_uv_per_unit(unit, factor):
    assert edf.uv_per_unit(unit) == factor


def test_last_record_is_zero_padded(tmp_path):
    x = np.full(250, 40.0)  # 2.5 records of 100 samples
    header = edf.read_header(
        edf.write_edf(tmp_path / "p.edf", [SignalSpec("Leg", x, 100.0, "uV", -100, 100)], START)
    )
    assert header.n_records == 3
    y = edf.read_signal(header, 0)
    np.testing.assert_allclose(y[:250], 40.0, atol=0.002)
    np.testing.assert_allclose(y[250:], 0.0, atol=0.002)


def test_values_outside_the_physical_range_are_clipped(tmp_path):
    x = np.array([-1000.0, 0.0, 1000.0, 50.0])
    header = edf.read_header(
        edf.write_edf(tmp_path / "c.edf", [SignalSpec("Leg", x, 4.0, "uV", -100, 100)], START)
    )
    np.testing.assert_allclose(edf.read_signal(header, 0), [-100, 0, 100, 50], atol=0.002)


def test_float32_scaling_matches_float64(tmp_path):
    specs = _mixed_signals(seed=3)
    header = edf.read_header(edf.write_edf(tmp_path / "f.edf", specs, START))
    for i in range(4):
        x32 = edf.read_signal(header, i)
        x64 = edf.read_signal(header, i, dtype=np.float64)
        assert x32.dtype == np.float32 and x32.flags.c_contiguous
        scale = np.max(np.abs(x64)) + abs(header.signals[i].gain)
        np.testing.assert_allclose(x32, x64, rtol=0, atol=scale * 1e-6)


def test_read_signals_matches_read_signal(tmp_path):
    header = edf.read_header(edf.write_edf(tmp_path / "s.edf", _mixed_signals(), START))
    both = edf.read_signals(header, [2, 0])
    np.testing.assert_array_equal(both[0], edf.read_signal(header, 2))
    np.testing.assert_array_equal(both[1], edf.read_signal(header, 0))


def test_reading_an_annotation_signal_or_a_bad_index_raises(tmp_path):
    header = edf.read_header(edf.write_edf(tmp_path / "s.edf", _mixed_signals(), START))
    with pytest.raises(InputError, match="annotation signal"):
        edf.read_signal(header, 4)
    with pytest.raises(InputError, match="out of range"):
        edf.read_signal(header, 9)


def test_physical_range_fields_round_outward_to_fit_8_characters(tmp_path):
    x = np.array([-123.456789123, 0.0, 987.654321987])
    header = edf.read_header(edf.write_edf(tmp_path / "r.edf", [SignalSpec("X", x, 3.0)], START))
    sig = header.signals[0]
    assert sig.physical_min <= x.min() and sig.physical_max >= x.max()
    np.testing.assert_allclose(edf.read_signal(header, 0, np.float64), x, atol=abs(sig.gain) / 2)


@settings(max_examples=200, deadline=None)
@given(
    st.floats(min_value=-9.9e6, max_value=9.9e6, allow_nan=False),
    st.sampled_from(["down", "up", "nearest"]),
)
def test_number_format_fits_8_characters_and_rounds_in_the_asked_direction(value, direction):
    from plm.io.edf.write import _fmt_number

    text = _fmt_number(value, 8, direction)
    assert len(text) <= 8 and "e" not in text.lower()
    if direction == "down":
        assert float(text) <= value
    elif direction == "up":
        assert float(text) >= value


# --------------------------------------------------------------------------------------
# annotations
# --------------------------------------------------------------------------------------


def test_annotations_round_trip_with_utf8_and_several_per_record(tmp_path):
    ann = pd.DataFrame(
        {
            "onset": [0.0, 0.25, 0.5, 0.5, 2.125, 4.0, -0.5],
            "duration": [30.0, 0.0, 1.5, np.nan, 0.75, 0.0, 0.0],
            "description": ["Éveil", "LM", "Micro-éveil", "Lights off", "PLM", "Hypopnée", "x"],
        }
    )
    path = edf.write_edf(tmp_path / "a.edf", _mixed_signals(), START, annotations=ann)
    got = edf.read_annotations(path)
    expected = ann.assign(duration=ann["duration"].fillna(0.0))
    expected = expected.sort_values("onset", kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    assert list(got.columns) == ["onset", "duration", "description"]


def test_many_annotations_spill_over_records(tmp_path):
    n = 300
    ann = pd.DataFrame(
        {"onset": np.zeros(n), "duration": np.ones(n), "description": [f"ev{i}" for i in range(n)]}
    )
    path = edf.write_edf(tmp_path / "m.edf", _mixed_signals(), START, annotations=ann)
    header = edf.read_header(path)
    got = edf.read_annotations(header)
    assert list(got["description"]) == [f"ev{i}" for i in range(n)]
    # the annotation signal was not sized to hold all 300 in one record
    ann_sig = header.signals[header.annotation_indices[0]]
    assert ann_sig.samples_per_record * 2 < n * 10
    np.testing.assert_array_equal(edf.record_onsets(header), np.arange(6.0))


def test_annotation_only_file_round_trip(tmp_path):
    ann = pd.DataFrame(
        {
            "onset": [0.0, 30.0, 60.0],
            "duration": [30.0, 30.0, 30.0],
            "description": ["Sleep stage W", "Sleep stage 1", "Sleep stage 2"],
        }
    )
    path = edf.write_edf(tmp_path / "hyp.edf", [], START, annotations=ann, record_duration_s=30)
    header = edf.read_header(path)
    assert header.file_type == "EDF+C"
    assert header.n_records == 3
    assert header.annotation_indices == [0]
    pd.testing.assert_frame_equal(edf.read_annotations(path), ann, check_dtype=False)
    import mne

    mne_ann = mne.read_annotations(path)
    assert list(mne_ann.description) == list(ann["description"])
    np.testing.assert_allclose(mne_ann.onset, ann["onset"])


def test_annotation_only_file_without_annotations_has_one_record(tmp_path):
    path = edf.write_edf(tmp_path / "empty.edf", [], START)
    header = edf.read_header(path)
    assert header.n_records == 1
    got = edf.read_annotations(header)
    assert got.empty and list(got.columns) == ["onset", "duration", "description"]


def test_file_without_annotations_returns_empty_frame(tmp_path):
    path = edf.write_edf(tmp_path / "plain.edf", _mixed_signals(), START, file_type="EDF")
    got = edf.read_annotations(path)
    assert got.empty and list(got.columns) == ["onset", "duration", "description"]


# --------------------------------------------------------------------------------------
# EDF+D segments
# --------------------------------------------------------------------------------------


def test_edfplus_d_written_with_gaps_gives_segments(tmp_path):
    fs = 10
    x = np.arange(5 * fs, dtype=float)
    path = edf.write_edf(
        tmp_path / "d.edf",
        [SignalSpec("Leg L", x, fs, "uV", -100, 100)],
        START,
        file_type="EDF+D",
        record_onsets_s=[0, 1, 2, 10, 11],
    )
    header = edf.read_header(path)
    np.testing.assert_array_equal(edf.record_onsets(header), [0, 1, 2, 10, 11])
    np.testing.assert_array_equal(edf.segments(header), [[0, 3], [10, 12]])
    segs = edf.sample_segments(header, 0)
    assert segs == [(0.0, slice(0, 30)), (10.0, slice(30, 50))]
    y = edf.read_signal(header, 0)
    np.testing.assert_allclose(y[segs[1][1]], x[30:], atol=0.002)


def test_hand_built_edfplus_d_bytes(tmp_path):
    raw, digital = edfplus_d_bytes([0, 1, 2, 10, 11])
    header = edf.read_header(raw.write(tmp_path / "hand.edf"))
    assert header.file_type == "EDF+D"
    assert header.start_datetime == datetime(2021, 3, 2, 4, 5, 6)
    np.testing.assert_array_equal(edf.segments(header), [[0, 3], [10, 12]])
    assert edf.sample_segments(header, 0) == [(0.0, slice(0, 12)), (10.0, slice(12, 20))]
    np.testing.assert_array_equal(edf.read_digital(header, 0), digital)
    # pmin/pmax -3276.8..3276.7 over the full int16 range: 0.1 µV per step
    np.testing.assert_allclose(edf.read_signal(header, 0, np.float64), digital * 0.1, atol=1e-9)
    ann = edf.read_annotations(header)
    assert ann.to_dict("list") == {
        "onset": [1.5],
        "duration": [0.25],
        "description": ["Leg movement"],
    }


def test_first_record_onset_is_kept_for_edfplus_c(tmp_path):
    path = edf.write_edf(
        tmp_path / "late.edf",
        [SignalSpec("Leg", np.zeros(30), 10.0, "uV", -1, 1)],
        START,
        record_onsets_s=[5.0, 6.0, 7.0],
    )
    header = edf.read_header(path)
    np.testing.assert_array_equal(edf.segments(header), [[5.0, 8.0]])
    assert edf.sample_segments(header, 0) == [(5.0, slice(0, 30))]


def test_overlapping_edfplus_d_records_are_rejected(tmp_path):
    raw, _ = edfplus_d_bytes([0, 1, 1.5])
    header = edf.read_header(raw.write(tmp_path / "overlap.edf"))
    with pytest.raises(InputError, match="before the end of record 1"):
        edf.segments(header)


def test_edfplus_d_record_without_timekeeping_is_an_error(tmp_path):
    raw, _ = edfplus_d_bytes([0, 1, 2])
    raw.annotations[2] = b""
    header = edf.read_header(raw.write(tmp_path / "notk.edf"))
    with pytest.raises(InputError, match="record 2 has no time-keeping"):
        edf.record_onsets(header)


def test_writer_rejects_gaps_outside_edfplus_d(tmp_path):
    spec = [SignalSpec("Leg", np.zeros(30), 10.0, "uV", -1, 1)]
    with pytest.raises(InputError, match="gaps need EDF"):
        edf.write_edf(tmp_path / "x.edf", spec, START, record_onsets_s=[0, 1, 5])


# --------------------------------------------------------------------------------------
# cross-checks with pyedflib and mne
# --------------------------------------------------------------------------------------


def _write_with_pyedflib(path: Path) -> list[np.ndarray]:
    pyedflib = pytest.importorskip("pyedflib")
    rng = np.random.default_rng(7)
    data = [rng.normal(0, 40, 2560), rng.normal(0, 40, 2560), rng.normal(0, 0.2, 1000)]
    headers = [
        {
            "label": "Leg L",
            "dimension": "uV",
            "sample_frequency": 256,
            "physical_min": -250.0,
            "physical_max": 250.0,
            "digital_min": -32768,
            "digital_max": 32767,
            "transducer": "AgAgCl",
            "prefilter": "HP:10Hz",
        },
        {
            "label": "Leg R",
            "dimension": "uV",
            "sample_frequency": 256,
            "physical_min": -300.0,
            "physical_max": 200.0,
            "digital_min": -2048,
            "digital_max": 2047,
            "transducer": "",
            "prefilter": "",
        },
        {
            "label": "ECG",
            "dimension": "mV",
            "sample_frequency": 100,
            "physical_min": -5.0,
            "physical_max": 5.0,
            "digital_min": -32768,
            "digital_max": 32767,
            "transducer": "",
            "prefilter": "",
        },
    ]
    writer = pyedflib.EdfWriter(str(path), 3, file_type=pyedflib.FILETYPE_EDFPLUS)
    try:
        writer.setSignalHeaders(headers)
        writer.setStartdatetime(START)
        writer.writeSamples(data)
        writer.writeAnnotation(1.5, 2.0, "LM")
        writer.writeAnnotation(3.25, -1, "Éveil")
    finally:
        writer.close()
    return data


def test_reads_pyedflib_file_like_pyedflib(tmp_path):
    pyedflib = pytest.importorskip("pyedflib")
    path = tmp_path / "pyedflib.edf"
    _write_with_pyedflib(path)
    header = edf.read_header(path)
    reader = pyedflib.EdfReader(str(path))
    try:
        assert header.file_type == "EDF+C"
        assert header.start_datetime == reader.getStartdatetime()
        assert header.n_records == reader.datarecords_in_file
        assert header.record_duration_s == reader.datarecord_duration
        data_signals = header.data_signals
        assert len(data_signals) == reader.signals_in_file
        for sig in data_signals:
            i = sig.index
            ref = reader.getSignalHeader(i)
            assert sig.label == ref["label"]
            assert sig.physical_dimension == ref["dimension"]
            assert sig.fs_hz == ref["sample_frequency"]
            assert sig.physical_min == ref["physical_min"]
            assert sig.physical_max == ref["physical_max"]
            assert sig.digital_min == ref["digital_min"]
            assert sig.digital_max == ref["digital_max"]
            assert sig.prefilter == ref["prefilter"]
            assert sig.transducer == ref["transducer"]
            expected = reader.readSignal(i) * (sig.uv_per_unit or 1.0)
            got = edf.read_signal(header, i)
            np.testing.assert_allclose(got, expected, rtol=2e-7, atol=np.abs(expected).max() * 2e-7)
        onsets, durations, texts = reader.readAnnotations()
    finally:
        reader.close()
    ann = edf.read_annotations(header)
    np.testing.assert_allclose(ann["onset"], onsets)
    assert list(ann["description"]) == list(texts)
    np.testing.assert_allclose(ann["duration"], np.where(durations < 0, 0.0, durations))


def test_our_edfplus_file_reads_in_pyedflib_and_mne(tmp_path):
    pyedflib = pytest.importorskip("pyedflib")
    mne = pytest.importorskip("mne")
    specs = _mixed_signals()
    ann = pd.DataFrame(
        {"onset": [0.5, 1.0, 4.75], "duration": [0.0, 2.5, 0.5], "description": ["a", "Éveil", "b"]}
    )
    path = edf.write_edf(tmp_path / "ours.edf", specs, START, annotations=ann)
    header = edf.read_header(path)
    reader = pyedflib.EdfReader(str(path))
    try:
        assert reader.getStartdatetime() == START
        for i, spec in enumerate(specs):
            assert reader.getLabel(i) == spec.label
            ours = edf.read_signal(header, i, np.float64) / (header.signals[i].uv_per_unit or 1)
            np.testing.assert_allclose(reader.readSignal(i), ours, rtol=1e-12, atol=1e-12)
        p_onset, p_dur, p_text = reader.readAnnotations()
    finally:
        reader.close()
    np.testing.assert_allclose(p_onset, ann["onset"])
    assert list(p_text) == list(ann["description"])

    raw = mne.io.read_raw_edf(path, preload=True, verbose="error")
    assert raw.ch_names == [s.label for s in specs]
    mne_leg = raw.get_data(picks=["Leg L"])[0] * 1e6  # mne works in V
    np.testing.assert_allclose(mne_leg, edf.read_signal(header, 0, np.float64), atol=1e-9)
    mne_ann = mne.read_annotations(path)
    np.testing.assert_allclose(mne_ann.onset, ann["onset"])
    np.testing.assert_allclose(mne_ann.duration, ann["duration"])
    assert list(mne_ann.description) == list(ann["description"])


def test_our_bdf_file_reads_in_mne(tmp_path):
    mne = pytest.importorskip("mne")
    specs = [SignalSpec("Leg L", np.random.default_rng(1).normal(0, 30, 2000), 500.0)]
    path = edf.write_edf(tmp_path / "ours.bdf", specs, START, file_type="BDF+C")
    raw = mne.io.read_raw_bdf(path, preload=True, verbose="error")
    ours = edf.read_signal(edf.read_header(path), 0, np.float64)
    np.testing.assert_allclose(raw.get_data(picks=["Leg L"])[0] * 1e6, ours, atol=1e-6)


# --------------------------------------------------------------------------------------
# real files
# --------------------------------------------------------------------------------------


def test_nox_a1_header_parses():
    header = edf.read_header(NOX)
    assert header.file_type == "EDF+C"
    assert header.start_datetime == datetime(2018, 2, 6, 1, 36, 50)
    assert header.n_records == 12 and header.record_duration_s == 10.0
    assert len(header.signals) == 90 and header.annotation_indices == [0]
    leg = next(s for s in header.signals if s.label == "Left Leg")
    assert leg.physical_dimension == "V" and leg.uv_per_unit == 1e6
    assert leg.fs_hz == 200.0
    assert leg.resolution_uv == pytest.approx(31.25, rel=1e-4)
    assert "1 Impédance" in header.labels  # UTF-8 label decoded
    np.testing.assert_array_equal(edf.segments(header), [[0.0, 120.0]])


def test_nox_a1_leg_signal_in_microvolts_matches_mne():
    mne = pytest.importorskip("mne")
    header = edf.read_header(NOX)
    leg = next(s for s in header.signals if s.label == "Left Leg")
    x = edf.read_signal(header, leg.index)
    assert x.shape == (24000,)
    raw = mne.io.read_raw_edf(NOX, verbose="error")
    expected = raw.get_data(picks=["Left Leg"])[0] * 1e6
    np.testing.assert_allclose(x, expected, rtol=0, atol=np.abs(expected).max() * 2e-7)
    assert 100 < np.median(np.abs(x)) < 5000  # a DC offset of hundreds of µV, not volts


def test_sleep_edf_hypnogram_annotations_match_mne():
    mne = pytest.importorskip("mne")
    header = edf.read_header(HYPNOGRAM)
    assert header.file_type == "EDF+C"
    assert header.record_duration_s == 0.0 and header.n_records == 1
    assert header.start_datetime == datetime(1989, 4, 24, 16, 13)
    ann = edf.read_annotations(header)
    ref = mne.read_annotations(HYPNOGRAM)
    assert len(ann) == len(ref) == 154
    np.testing.assert_allclose(ann["onset"], ref.onset)
    np.testing.assert_allclose(ann["duration"], ref.duration)
    assert list(ann["description"]) == list(ref.description)
    assert ann["description"].iloc[0] == "Sleep stage W"


def test_sleep_edf_short_psg_header_and_signal():
    mne = pytest.importorskip("mne")
    header = edf.read_header(SHORT_PSG)
    assert header.file_type == "EDF"
    assert header.labels[:2] == ["EEG Fpz-Cz", "EEG Pz-Oz"]
    assert header.start_datetime == datetime(1989, 4, 24, 16, 13)
    assert header.n_records == 10 and header.record_duration_s == 30.0
    raw = mne.io.read_raw_edf(SHORT_PSG, verbose="error")
    expected = raw.get_data(picks=["EEG Fpz-Cz"])[0] * 1e6
    got = edf.read_signal(header, 0)
    np.testing.assert_allclose(got, expected, rtol=0, atol=np.abs(expected).max() * 2e-7)


# --------------------------------------------------------------------------------------
# header details and bad input
# --------------------------------------------------------------------------------------


def _good_raw() -> RawEdf:
    digital = np.arange(8, dtype=np.int64).reshape(2, 4)
    return RawEdf(signals=[RawSignal("Leg L", 4, digital)], n_records=2)


@pytest.mark.parametrize(
    ("startdate", "recording", "reserved", "year"),
    [
        ("02.03.85", "X", "", 1985),
        ("02.03.99", "X", "", 1999),
        ("02.03.84", "X", "", 2084),
        ("02.03.21", "X", "", 2021),
        ("02.03.90", "Startdate 02-MAR-1990 X X X", "EDF+C", 1990),
        ("02.03.yy", "Startdate 02-MAR-2090 X X X", "EDF+C", 2090),
    ],
)
def test_start_year_rules(tmp_path, startdate, recording, reserved, year):
    raw = _good_raw()
    raw.startdate, raw.recording, raw.reserved = startdate, recording, reserved
    if reserved:
        raw.signals.append(RawSignal("EDF Annotations", 8, None))
        raw.annotations = [b"+0\x14\x14\x00", b"+1\x14\x14\x00"]
    header = edf.read_header(raw.write(tmp_path / "y.edf"))
    assert header.start_datetime == datetime(year, 3, 2, 4, 5, 6)


def test_empty_file_is_rejected(tmp_path):
    path = tmp_path / "empty.edf"
    path.write_bytes(b"")
    with pytest.raises(InputError, match=r"shorter than an EDF header \(0 bytes") as err:
        edf.read_header(path)
    assert "empty.edf" in str(err.value)


def test_text_file_renamed_edf_is_rejected(tmp_path):
    path = tmp_path / "notes.edf"
    path.write_text("onset,duration,description\n" * 20)
    with pytest.raises(InputError, match="not an EDF/BDF file: version field") as err:
        edf.read_header(path)
    assert "notes.edf" in str(err.value)


def test_file_shorter_than_signal_headers_is_rejected(tmp_path):
    path = tmp_path / "short.edf"
    path.write_bytes(_good_raw().to_bytes()[:300])
    with pytest.raises(InputError, match="shorter than its header"):
        edf.read_header(path)


def test_truncated_file_names_expected_and_found_bytes(tmp_path):
    raw, _ = edfplus_d_bytes([0, 1, 2, 3])
    data = raw.to_bytes()
    path = tmp_path / "cut.edf"
    path.write_bytes(data[: len(data) - 50])  # cut in the middle of the last record
    with pytest.raises(
        InputError, match="truncated: expected 272 bytes of data records, found 222"
    ):
        edf.read_header(path)
    with pytest.raises(InputError, match="cut.edf"):
        edf.read_header(path)


def test_extra_trailing_bytes_warn_and_are_ignored(tmp_path, caplog):
    raw = _good_raw()
    path = tmp_path / "extra.edf"
    path.write_bytes(raw.to_bytes() + b"\x00" * 5)
    with caplog.at_level(logging.WARNING, logger="plm.io.edf"):
        header = edf.read_header(path)
    assert "5 extra bytes" in caplog.text
    np.testing.assert_array_equal(edf.read_digital(header, 0), np.arange(8))


def test_unknown_record_count_is_computed_from_file_size(tmp_path):
    raw = _good_raw()
    raw.n_records_text = "-1"
    header = edf.read_header(raw.write(tmp_path / "m1.edf"))
    assert header.n_records == 2


@pytest.mark.parametrize(
    ("attribute", "value", "message"),
    [
        ("pmin", "abc", r"header field 'physical_min' of signal 0 \('Leg L'\) is not a number"),
        ("dmax", "12x", r"header field 'digital_max' of signal 0 \('Leg L'\) is not a number"),
        ("spr", "four", "header field 'samples_per_record' of signal 0"),
        ("dmax", "-40000", r"digital_max \(-40000\) <= digital_min \(-32768\)"),
        ("pmax", "-3276.8", r"physical_max == physical_min"),
        ("spr", "0", "samples_per_record of signal 0 .* must be > 0"),
    ],
)
def test_bad_signal_header_fields_are_named(tmp_path, attribute, value, message):
    raw = _good_raw()
    setattr(raw.signals[0], attribute, value)
    with pytest.raises(InputError, match=message):
        edf.read_header(raw.write(tmp_path / "bad.edf"))


@pytest.mark.parametrize(
    ("attribute", "value", "message"),
    [
        ("n_records_text", "lots", "header field 'number of data records' is not a number"),
        ("duration", "one", "header field 'duration of a data record' is not a number"),
        ("duration", "0", "'duration of a data record' must be > 0"),
        ("ns_text", "x", "header field 'number of signals' is not a number"),
        ("startdate", "2.march", "header field 'startdate' is not a date"),
        ("starttime", "noon", "header field 'starttime' is not a time"),
    ],
)
def test_bad_fixed_header_fields_are_named(tmp_path, attribute, value, message):
    raw = _good_raw()
    setattr(raw, attribute, value)
    with pytest.raises(InputError, match=message):
        edf.read_header(raw.write(tmp_path / "bad.edf"))


def test_writer_rejects_bad_input(tmp_path):
    ok = SignalSpec("Leg", np.zeros(100), 100.0, "uV", -1, 1)
    with pytest.raises(InputError, match="not a positive whole number of samples"):
        edf.write_edf(tmp_path / "a.edf", [SignalSpec("Leg", np.zeros(10), 0.3)], START)
    with pytest.raises(InputError, match="longer than 16 characters"):
        edf.write_edf(tmp_path / "a.edf", [SignalSpec("x" * 17, np.zeros(10), 10.0)], START)
    with pytest.raises(InputError, match="need an EDF\\+ or BDF\\+"):
        edf.write_edf(
            tmp_path / "a.edf",
            [ok],
            START,
            file_type="EDF",
            annotations=pd.DataFrame({"onset": [0.0], "description": ["x"]}),
        )
    with pytest.raises(InputError, match="differ in duration"):
        edf.write_edf(tmp_path / "a.edf", [ok, SignalSpec("B", np.zeros(300), 100.0)], START)
    with pytest.raises(InputError, match="NaN"):
        edf.write_edf(tmp_path / "a.edf", [SignalSpec("B", np.full(10, np.nan), 10.0)], START)
    with pytest.raises(InputError, match="file_type"):
        edf.write_edf(tmp_path / "a.edf", [ok], START, file_type="GDF")
    assert not list(tmp_path.iterdir())  # nothing written, no temporary files left


def test_writer_output_is_byte_stable(tmp_path):
    specs = _mixed_signals()
    a = edf.write_edf(tmp_path / "a.edf", specs, START).read_bytes()
    b = edf.write_edf(tmp_path / "b.edf", specs, START).read_bytes()
    assert a == b
    assert a[:8] == b"0       " and a[192:197] == b"EDF+C"
    assert a[88:120].startswith(b"Startdate 02-MAR-2021")


def test_vectorized_tal_parsing_equals_record_by_record_parse(tmp_path):
    """The fast paths (time-keeping onsets, skipping bare time-keeping records) lose nothing."""
    from plm.io.edf.tal import (
        _annotation_bytes,
        _has_annotations,
        _parse_tal_onset,
        _parse_tals,
        _tal_onsets_vectorized,
    )

    fs = 10
    n_rec = 50
    onsets = np.r_[np.arange(20.0), np.arange(30.0, 60.0)]  # EDF+D with a 10-s gap
    x = np.sin(np.arange(n_rec * fs) / 3.0)
    ann = pd.DataFrame(
        {
            "onset": [0.0, 0.0, 5.5, 5.5, 33.25, 59.0],
            "duration": [0.0, 30.0, 1.0, 0.0, 2.0, 0.0],
            "description": ["Lights off", "Sleep stage W", "LM left", "Éveil", "Arousal", "end"],
        }
    )
    path = tmp_path / "d.edf"
    edf.write_edf(path, [SignalSpec("Leg L", x, fs)], datetime(2026, 1, 1, 23, 0), annotations=ann,
              file_type="EDF+D", record_onsets_s=onsets)  # fmt: skip
    header = edf.read_header(path)
    raw = _annotation_bytes(header, header.annotation_indices[0])
    slow = np.array([_parse_tal_onset(row[:64].tobytes().split(b"\x14", 1)[0]) for row in raw])
    np.testing.assert_array_equal(_tal_onsets_vectorized(raw), slow)
    np.testing.assert_array_equal(edf.record_onsets(header), onsets)
    keep = _has_annotations(raw)
    assert 0 < keep.sum() < len(raw)
    assert _parse_tals(raw[keep].tobytes()) == _parse_tals(raw.tobytes())
    # a record whose first TAL carries text is never skipped
    row = np.zeros((1, raw.shape[1]), dtype=np.uint8)
    tal = b"+3\x14\x14Lights on\x14\x00"
    row[0, : len(tal)] = np.frombuffer(tal, dtype=np.uint8)
    assert _has_annotations(row).tolist() == [True]
    # anything unusual falls back to the record-by-record parse
    row[0, :3] = np.frombuffer(b"3\x14\x14", dtype=np.uint8)
    assert _tal_onsets_vectorized(row) is None
