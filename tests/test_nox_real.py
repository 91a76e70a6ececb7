"""`plm score` on a real vendor EDF: the Nox A1 recording tests/data/real/subject1.edf.

The file (120 s EDF+C, 90 signals, units V, many impedance channels in Ohm) stores the
leg EMG `Left Leg`/`Right Leg` at 200 Hz with a physical range of ±1.024 V over
±32767 digital steps: 31.25 µV per step, far coarser than the 8 µV onset / 2 µV offset
rules.  `plm score` must find the right channels, read them in µV, and refuse to give
indices (exit 2, one line, no output) unless `--allow-poor-signal` is given.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pipelines.cli import main
from plm.io.channels import find_leg_channels
from plm.io.edf import read_header
from plm.io.recording import load_recording

NOX = Path(__file__).parent / "data" / "real" / "subject1.edf"
pytestmark = pytest.mark.skipif(not NOX.is_file(), reason="real Nox EDF not present")


def _stderr_lines(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.strip()]


def _check_refusal(err: str) -> None:
    lines = _stderr_lines(err)
    assert len(lines) == 1, lines
    msg = lines[0]
    assert msg.startswith("plm: error: ")
    assert str(NOX.name) in msg
    assert "'Left Leg'" in msg or "'Right Leg'" in msg
    assert "31.25 µV per step" in msg
    assert "8 µV onset" in msg and "too coarse" in msg
    assert "allow" in msg and "poor" in msg  # says how to score anyway


def test_header_leg_channels_and_units():
    h = read_header(NOX)
    assert len(h.signals) == 90
    legs = find_leg_channels(h)
    assert legs.left.label == "Left Leg" and legs.right.label == "Right Leg"
    assert legs.merged is None and legs.left.ref_index is None
    for ref in (legs.left, legs.right):
        sig = h.signals[ref.index]
        assert sig.physical_dimension == "V" and sig.uv_per_unit == 1e6
        assert sig.fs_hz == 200
        assert sig.resolution_uv == pytest.approx(31.25, abs=0.01)
    # the leg impedance channels ("Jambe droite Imp", Ohm) exist but are not taken
    imp = [s for s in h.signals if "Imp" in s.label and "Jambe" in s.label]
    assert len(imp) == 2 and all(s.index not in (legs.left.index, legs.right.index) for s in imp)


def _raw_edf_signal_volts(path: Path, label: str) -> np.ndarray:
    """Independent reader (plain numpy on the EDF bytes): one signal in its header unit."""
    raw = path.read_bytes()
    n_bytes_header = int(raw[184:192])
    n_records = int(raw[236:244])
    ns = int(raw[252:256])
    h = raw[256:n_bytes_header]

    def field(offset: int, width: int) -> list[str]:
        return [h[offset + i * width : offset + (i + 1) * width].decode("latin-1").strip()
                for i in range(ns)]  # fmt: skip

    o = 0
    labels = field(o, 16)
    o += ns * (16 + 80)
    dims = field(o, 8)
    o += ns * 8
    pmin = [float(x) for x in field(o, 8)]
    o += ns * 8
    pmax = [float(x) for x in field(o, 8)]
    o += ns * 8
    dmin = [float(x) for x in field(o, 8)]
    o += ns * 8
    dmax = [float(x) for x in field(o, 8)]
    o += ns * (8 + 80)
    spr = [int(x) for x in field(o, 8)]
    k = labels.index(label)
    assert dims[k] == "V"
    data = np.frombuffer(raw, dtype="<i2", offset=n_bytes_header, count=n_records * sum(spr))
    records = data.reshape(n_records, sum(spr))
    start = sum(spr[:k])
    digital = records[:, start : start + spr[k]].ravel().astype(np.float64)
    gain = (pmax[k] - pmin[k]) / (dmax[k] - dmin[k])
    return (digital - dmin[k]) * gain + pmin[k]


def test_legs_are_read_in_microvolts():
    legs = load_recording(NOX, allow_poor_signal=True)
    assert legs.channel_labels["left"] == "Left Leg"
    assert legs.channel_labels["right"] == "Right Leg"
    assert legs.fs_hz == 200 and legs.left_uv.size == 120 * 200
    left_v = _raw_edf_signal_volts(NOX, "Left Leg")
    right_v = _raw_edf_signal_volts(NOX, "Right Leg")
    np.testing.assert_allclose(legs.left_uv, left_v * 1e6, atol=0.05, rtol=1e-5)
    np.testing.assert_allclose(legs.right_uv, right_v * 1e6, atol=0.05, rtol=1e-5)
    # values are µV: whole multiples of the 31.25 µV step, not volts
    steps = np.unique(np.round(np.abs(np.diff(legs.left_uv)), 2))
    assert steps[steps > 0].min() == pytest.approx(31.25, abs=0.01)
    assert 1.0 < float(np.std(legs.left_uv)) < 5000.0
    assert any("31.25 µV per step" in w for w in legs.warnings)


def test_cli_refuses_coarse_resolution(tmp_path, capsys):
    out = tmp_path / "out"
    rc = main(["score", str(NOX), "--out", str(out)])
    cap = capsys.readouterr()
    assert rc == 2
    _check_refusal(cap.err)
    assert cap.out == ""
    assert not out.exists() or not any(out.iterdir())


def test_cli_refuses_coarse_resolution_subprocess(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "score", str(NOX), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    _check_refusal(proc.stderr)
    assert proc.stdout == ""
    assert not out.exists() or not any(out.iterdir())


def test_cli_allow_poor_signal_scores_with_warning(tmp_path, capsys):
    out = tmp_path / "out"
    rc = main(["score", str(NOX), "--out", str(out), "--allow-poor-signal"])
    cap = capsys.readouterr()
    assert rc == 0
    assert "subject1:" in cap.out
    summary = json.loads((out / "subject1_summary.json").read_text())
    assert summary["channels"]["left"] == "Left Leg"
    assert summary["channels"]["right"] == "Right Leg"
    assert summary["fs_hz"] == 200
    coarse = [w for w in summary["warnings"] if "31.25 µV per step" in w]
    assert {w.split(":")[0] for w in coarse} == {"Left Leg", "Right Leg"}
    assert all("too coarse" in w for w in coarse)
    assert (out / "subject1_candidates.tsv").is_file()
    assert (out / "subject1_movements.tsv").is_file()
    # no hypnogram in the file: no sleep indices, only per-recording-hour rates
    assert summary["plms_index"] is None
    assert summary["plm_rec_index"] is not None
    assert "31.25 µV per step" in cap.err  # the warning is also shown
