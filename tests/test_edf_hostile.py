"""Hostile and implausible EDF files: refused in one line naming the file and the field.

Each case reproduces a report of the hostile-input probe (issue 15): a digital range outside
the file type's sample range, a nanovolt unit or a near-zero physical range that made a leg
~1000x too small, ``inf``/``1e400``/``nan`` range fields raising OverflowError, an EDF+
annotation signal of 0 samples per record shifting every record, time keeping of 1e300 s or
going backwards in an EDF+C file, a broken optional ECG channel stopping the scoring, and a
FIFO or ``/dev/zero`` given as the recording hanging forever.
"""

from __future__ import annotations

import hashlib
import os
import threading
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from _edf_fixtures import RawEdf, RawSignal

import plm
from plm.events import InputError
from plm.io import edf
from plm.io.edf import SignalSpec, write_edf
from plm.io.recording import load_recording
from plm.simulate.nights import simulate_night
from plm.simulate.write import write_night_edf

_WIDTHS = {
    "label": 16,
    "transducer": 80,
    "physical_dimension": 8,
    "physical_min": 8,
    "physical_max": 8,
    "digital_min": 8,
    "digital_max": 8,
    "prefilter": 80,
    "samples_per_record": 8,
    "reserved": 32,
}


@pytest.fixture(scope="module")
def night_edf(tmp_path_factory) -> Path:
    """A 15-min night with planted LMs, an ECG channel and EDF+ annotations."""
    night = simulate_night(900, 200, seed=3, plms_per_h=90, isolated_per_h=0, artifacts={"ecg"})
    path = tmp_path_factory.mktemp("hostile") / "night.edf"
    write_night_edf(night, path, other_channels=False)
    return path


def _patch(src: Path, dst: Path, field: str, signal: int, text: str) -> Path:
    """Copy ``src`` to ``dst`` with one per-signal header field replaced by ``text``."""
    data = bytearray(src.read_bytes())
    ns = int(data[252:256].decode())
    offset = 256
    for name, width in _WIDTHS.items():
        if name == field:
            at = offset + signal * width
            data[at : at + width] = text.ljust(width).encode()[:width]
            break
        offset += ns * width
    dst.write_bytes(bytes(data))
    return dst


def _n_lm(path: Path, **kwargs) -> int:
    return int(plm.score(path, **kwargs).summary["n_lm_monolateral"])


def test_the_unmodified_night_scores(night_edf):
    assert _n_lm(night_edf) > 20


# --------------------------------------------------------------------------------------
# ranges and units: silently wrong scaling
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [("digital_max", "99999999"), ("digital_min", "-99999999"), ("digital_max", "40000")],
)
def test_digital_range_outside_the_sample_range_is_refused(night_edf, tmp_path, field, value):
    path = _patch(night_edf, tmp_path / "d.edf", field, 0, value)
    with pytest.raises(InputError, match=rf"'{field}' of signal 0 .* outside the EDF 16-bit"):
        plm.score(path)
    with pytest.raises(InputError, match="d.edf"):
        edf.read_header(path)


def test_bdf_digital_range_outside_24_bits_is_refused(tmp_path):
    specs = [SignalSpec("Leg L", np.zeros(400), 200.0, "uV", -100.0, 100.0)]
    path = write_edf(tmp_path / "b.bdf", specs, datetime(2021, 3, 2), file_type="BDF")
    bad = _patch(path, tmp_path / "bad.bdf", "digital_max", 0, "9999999")
    with pytest.raises(InputError, match="outside the BDF 24-bit sample range"):
        edf.read_header(bad)


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("physical_dimension", "nV", "implausible header: .*µV per step"),
        ("physical_min", "-0.0001", "implausible header: .*µV per step"),  # a range of ~0
        # 1160 V (unit V for µV) on 16 bits: refused as far too coarse a resolution
        ("physical_dimension", "V", "digital resolution 1.953e\\+04 µV per step is coarser"),
        ("physical_max", "999999", "digital resolution 15.27 µV per step is coarser"),
    ],
)
def test_implausible_scaling_is_refused_unless_allowed(night_edf, tmp_path, field, value, problem):
    path = _patch(night_edf, tmp_path / "u.edf", field, 0, value)
    if field == "physical_min":  # both ends near 0
        path = _patch(path, path, "physical_max", 0, "0.0001")
    with pytest.raises(InputError, match=rf"'Leg L': {problem}") as err:
        plm.score(path)
    text = str(err.value)
    assert "u.edf" in text and "\n" not in text and "--allow-poor-signal" in text
    result = plm.score(path, allow_poor_signal=True)
    assert any(w.startswith("Leg L: ") for w in result.summary["warnings"])


def test_bdf_leg_range_wider_than_100_mv_is_implausible(tmp_path):
    # 24 bits give a fine step even over 2 V: only the range tells the unit is wrong
    night = simulate_night(600, 200, seed=4, plms_per_h=90, isolated_per_h=0)
    specs = [
        SignalSpec("Leg L", night.left_uv / 1e3, 200.0, "mV", -1000.0, 1000.0),
        SignalSpec("Leg R", night.right_uv / 1e3, 200.0, "mV", -10.0, 10.0),
    ]
    path = write_edf(tmp_path / "w.bdf", specs, night.start_datetime, file_type="BDF")
    with pytest.raises(InputError, match=r"w.bdf.*'Leg L': implausible header: .*spans 2000 mV"):
        plm.score(path)
    result = plm.score(path, allow_poor_signal=True)
    assert any("spans 2000 mV" in w for w in result.summary["warnings"])


@pytest.mark.parametrize("value", ["inf", "-inf", "1e400", "nan", "Infinity"])
@pytest.mark.parametrize("field", ["digital_max", "digital_min", "physical_max", "physical_min"])
def test_non_finite_range_fields_are_named(night_edf, tmp_path, field, value):
    path = _patch(night_edf, tmp_path / "nf.edf", field, 0, value)
    with pytest.raises(InputError, match=rf"nf.edf.*'{field}' of signal 0 .* not a finite"):
        edf.read_header(path)


@pytest.mark.parametrize("value", ["inf", "1e400", "nan", "-1e999"])
def test_non_finite_fields_of_the_annotation_signal_are_ignored(night_edf, tmp_path, value):
    path = night_edf
    for field in ("digital_max", "digital_min", "physical_max", "physical_min"):
        path = _patch(path, tmp_path / "ann.edf", field, 3, value)
    assert _n_lm(path) == _n_lm(night_edf)


# --------------------------------------------------------------------------------------
# record layout and time keeping
# --------------------------------------------------------------------------------------


def test_annotation_signal_of_zero_samples_is_refused(night_edf, tmp_path):
    path = _patch(night_edf, tmp_path / "a0.edf", "samples_per_record", 3, "0")
    with pytest.raises(InputError, match=r"a0.edf.*annotation signal 3 .* is 0"):
        plm.score(path)


def test_records_longer_than_declared_are_refused(night_edf, tmp_path):
    path = _patch(night_edf, tmp_path / "spr.edf", "samples_per_record", 0, "100")
    with pytest.raises(InputError, match=r"records of \d+ bytes, but .* declare \d+ bytes"):
        plm.score(path)


def _set_timekeeping(src: Path, dst: Path, record: int, value: str) -> Path:
    """Rewrite the time-keeping TAL of one record (the annotation signal is signal 3)."""
    header = edf.read_header(src)
    ann = header.signals[header.annotation_indices[0]]
    data = bytearray(src.read_bytes())
    at = header.header_bytes + record * header.record_bytes + ann.byte_offset
    width = ann.samples_per_record * 2
    old = bytes(data[at : at + width])
    tal_end = old.index(b"\x00") + 1
    new = f"+{value}\x14\x14\x00".encode() + old[tal_end:]
    data[at : at + width] = new[:width].ljust(width, b"\x00")
    dst.write_bytes(bytes(data))
    return dst


@pytest.mark.parametrize("value", ["1e300", "nan", "inf", "1e9"])
def test_absurd_timekeeping_of_record_0_is_refused(night_edf, tmp_path, value):
    path = _set_timekeeping(night_edf, tmp_path / "t.edf", 0, value)
    with pytest.raises(InputError, match=r"t.edf.*time keeping of (EDF\+C )?data record"):
        plm.score(path)


def test_timekeeping_going_backwards_in_edf_plus_c_is_refused(night_edf, tmp_path):
    path = _set_timekeeping(night_edf, tmp_path / "back.edf", 100, "50")
    with pytest.raises(InputError, match=r"EDF\+C data record 100 is 50 s, expected 100 s"):
        plm.score(path)


def test_timekeeping_shifted_as_a_whole_still_reads(night_edf, tmp_path):
    path = night_edf
    header = edf.read_header(path)
    for k in range(header.n_records):  # every record 5 s later: contiguous, accepted
        path = _set_timekeeping(path, tmp_path / "shift.edf", k, str(k + 5))
    assert edf.segments(edf.read_header(path))[0, 0] == 5.0


def _edfplus_d(tmp_path: Path, onsets: list[float]) -> Path:
    fs = 200
    rng = np.random.default_rng(0)
    n = len(onsets)
    digital = rng.integers(-300, 300, size=(n, fs))
    tals = [f"+{t:g}\x14\x14\x00".encode() for t in onsets]
    raw = RawEdf(
        signals=[
            RawSignal("Leg L", fs, digital, pmin="-3276.8", pmax="3276.7"),
            RawSignal("EDF Annotations", 30, None, dimension=""),
        ],
        n_records=n,
        reserved="EDF+D",
        annotations=tals,
    )
    return raw.write(tmp_path / "long.edf")


def test_recording_longer_than_seven_days_is_implausible(tmp_path):
    path = _edfplus_d(tmp_path, [0.0, 1.0, 8 * 86400.0])
    with pytest.raises(InputError, match=r"long.edf.*implausible length.*> 7 days"):
        load_recording(path)
    rec = load_recording(path, allow_poor_signal=True)
    assert any("implausible length" in w for w in rec.warnings)


# --------------------------------------------------------------------------------------
# a broken optional ECG channel
# --------------------------------------------------------------------------------------


def _night_with_ecg(tmp_path: Path, ecg: np.ndarray, ecg_fs: float, unit: str, top: float):
    night = simulate_night(900, 200, seed=3, plms_per_h=90, isolated_per_h=0)
    specs = [
        SignalSpec("Leg L", night.left_uv, 200.0, "uV", -3000.0, 3000.0),
        SignalSpec("Leg R", night.right_uv, 200.0, "uV", -3000.0, 3000.0),
        SignalSpec("ECG", ecg, ecg_fs, unit, -top, top),
    ]
    return write_edf(tmp_path / "ecg.edf", specs, night.start_datetime, file_type="EDF+C")


def test_ecg_at_one_sample_per_record_only_switches_suppression_off(tmp_path):
    path = _night_with_ecg(tmp_path, np.zeros(900), 1.0, "uV", 1000.0)
    result = plm.score(path)
    assert result.summary["n_lm_monolateral"] > 20
    text = "ECG channel 'ECG' ignored (sampled at 1 Hz"
    assert any(text in w for w in result.summary["warnings"])


def test_ecg_with_non_finite_samples_only_switches_suppression_off(tmp_path):
    ecg = np.random.default_rng(1).normal(0, 300, 900 * 200)
    path = _night_with_ecg(tmp_path, ecg, 200.0, "uV", 1000.0)
    path = _patch(path, path, "physical_dimension", 2, "V")
    path = _patch(path, path, "physical_min", 2, "-9e37")
    path = _patch(path, path, "physical_max", 2, "9e37")  # 9e43 µV overflows float32
    result = plm.score(path)
    assert result.summary["n_lm_monolateral"] > 20
    assert any("samples are not finite" in w for w in result.summary["warnings"])


# --------------------------------------------------------------------------------------
# files that never end
# --------------------------------------------------------------------------------------


def _within(seconds: float, fn) -> BaseException | None:
    """Run ``fn`` in a thread; fail the test when it does not return in time."""
    box: list[BaseException | None] = [None]

    def run() -> None:
        try:
            fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            box[0] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), "reading did not return"
    return box[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_is_refused_at_once(tmp_path):
    fifo = tmp_path / "night.edf"
    os.mkfifo(fifo)
    err = _within(5.0, lambda: plm.score(fifo))
    if not isinstance(err, InputError):  # unblock a reader stuck on the FIFO
        with open(fifo, "wb", buffering=0) as fh:
            fh.write(b"0")
    assert isinstance(err, InputError) and "not a regular file (a FIFO)" in str(err)
    assert "night.edf" in str(err)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_dev_zero_is_refused_at_once():
    err = _within(5.0, lambda: edf.read_header("/dev/zero"))
    assert isinstance(err, InputError) and "character device" in str(err)


def test_checksum_reads_no_more_than_the_file_held(night_edf, tmp_path):
    path = tmp_path / "grow.edf"
    path.write_bytes(night_edf.read_bytes() + b"\x00" * 10)
    header = edf.read_header(path)
    expected = hashlib.sha256(path.read_bytes()).hexdigest()
    with open(path, "ab") as fh:  # the file grows after its header was read
        fh.write(b"\x01" * (3 << 20))
    got = edf.read_pass(header, [0], sha256=True)
    assert got.sha256 == expected
