"""Tests of the one read of a recording (plm.io.recording.load_recording), the one detection
loop (plm.detect.recording.detect_recording) and plm.score's modality dispatch."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import plm
from plm.detect.recording import detect_recording, rectified_segments
from plm.events import InputError
from plm.io import edf
from plm.io.recording import load_recording
from plm.rules import get_rules

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "night01.edf"


def _rchar() -> int:
    with open("/proc/self/io") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("rchar"))


@pytest.fixture(scope="module")
def edfd(tmp_path_factory):
    """A small EDF+D file: two legs, a 10-s gap, annotations."""
    fs, n_rec = 100, 60
    rng = np.random.default_rng(0)
    onsets = np.r_[np.arange(30.0), np.arange(40.0, 70.0)]
    legs = [
        edf.SignalSpec(f"Leg {s}", rng.normal(0, 3, fs * n_rec), fs, "uV", -500, 500) for s in "LR"
    ]
    ann = pd.DataFrame(
        {"onset": [5.0, 45.0], "duration": [30.0, 0.0], "description": ["Sleep stage N2", "note"]}
    )
    path = tmp_path_factory.mktemp("edfd") / "gap.edf"
    start = pd.Timestamp("2024-01-02 22:00:00").to_pydatetime()
    edf.write_edf(path, legs, start, annotations=ann, file_type="EDF+D", record_onsets_s=onsets)
    return path


def test_sha256_equals_hashlib_of_the_file(edfd, tmp_path):
    rec = load_recording(edfd)
    assert rec.sha256 == hashlib.sha256(edfd.read_bytes()).hexdigest()
    # trailing bytes after the last data record are hashed too
    padded = tmp_path / "padded.edf"
    shutil.copy(edfd, padded)
    with open(padded, "ab") as fh:
        fh.write(b"\x00trailing")
    assert load_recording(padded).sha256 == hashlib.sha256(padded.read_bytes()).hexdigest()


def test_one_pass_equals_the_separate_readers(edfd):
    rec = load_recording(edfd)
    header = edf.read_header(edfd)
    pd.testing.assert_frame_equal(rec.annotations, edf.read_annotations(header))
    np.testing.assert_array_equal(rec.segments, edf.segments(edf.read_header(edfd)))
    np.testing.assert_array_equal(rec.left_uv, edf.read_signal(header, 0))
    assert rec.segments.tolist() == [[0.0, 30.0], [40.0, 70.0]]
    assert rec.channel_labels == {"left": "Leg L", "right": "Leg R"}


def test_load_recording_reads_the_file_once(edfd):
    load_recording(edfd)  # imports and caches warm
    r0 = _rchar()
    load_recording(edfd)
    assert (_rchar() - r0) / os.path.getsize(edfd) <= 1.05


def test_score_reads_the_file_once():
    """Bytes read per plm.score + to_dir, relative to the file size (not a timing)."""
    import tempfile

    plm.score(SAMPLE)
    with tempfile.TemporaryDirectory() as out:
        r0 = _rchar()
        plm.score(SAMPLE).to_dir(out)
        ratio = (_rchar() - r0) / SAMPLE.stat().st_size
    assert ratio <= 1.05


def test_detect_recording_window_and_kept_signals(edfd):
    rules = get_rules()
    rec = load_recording(edfd)
    whole = detect_recording(rec, rules)
    assert whole.signals == {}
    kept = detect_recording(rec, rules, keep_signals=True)
    pd.testing.assert_frame_equal(kept.movements, whole.movements)
    segs = rectified_segments(kept.signals)
    assert [t0 for t0, *_ in segs["left"]] == [0.0, 40.0]
    t0, fs, rect, base = segs["left"][1]
    assert fs == 100.0 and rect.shape == base.shape == (3000,)
    part = detect_recording(rec, rules, window=(45.0, 60.0), keep_signals=True)
    assert [d.t0_s for d in part.signals["left"]] == [45.0]


def test_score_keep_signals_keeps_what_the_report_draws():
    res = plm.score(SAMPLE, keep_signals=True)
    segs = rectified_segments(res.signals)
    assert set(segs) == {"left", "right"}
    assert all(len(r) == len(b) for s in segs.values() for _, _, r, b in s)
    assert rectified_segments(plm.score(SAMPLE).signals) == {}


def test_score_dispatches_accelerometry(tmp_path):
    from plm.simulate.accel import simulate_accel_night, write_accel_csv, write_accel_edf

    acc = simulate_accel_night(duration_s=1800, fs_hz=25, seed=3, plms_per_h=40)
    path = tmp_path / "ankles.edf"
    write_accel_edf(acc, path)
    modality, header = plm.api.recording_modality(path)
    assert modality == "accelerometry" and header is not None
    res = plm.score(path)
    assert res.nights and res.nights[0].result.summary["modality"] == "actigraphy"
    with pytest.raises(InputError, match=r"score_accel\(\)"):
        plm.score(path, left="Leg L")
    csv = tmp_path / "ankle.csv"
    write_accel_csv(acc, csv)
    assert plm.api.recording_modality(csv)[0] == "accelerometry"
    assert plm.api.recording_modality(SAMPLE)[0] == "emg"
