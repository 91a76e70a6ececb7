"""Review file: annotation texts, EDF+ round trip through mne and pyedflib, read-back."""

from __future__ import annotations

import warnings
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import plm
from pipelines.cli import main
from pipelines.review import (
    review_annotations,
    write_review_edf,
)
from plm.events import Hypnogram, InputError, NightEvents
from plm.io.edf import read_annotations, read_header
from plm.results import PLMResult

START = datetime(2026, 1, 1, 22, 30, 0)


def _canon(onset, duration, description) -> list[tuple[float, float, str]]:
    """Annotations as a sorted list (readers may reorder annotations with equal onsets)."""
    return sorted(
        (round(float(o), 4), round(float(d), 3), str(t))
        for o, d, t in zip(onset, duration, description, strict=True)
    )


def _events() -> NightEvents:
    mv = pd.DataFrame(
        [
            (60.0, 1.0, "left"),
            (80.0, 1.0, "left"),
            (100.0, 1.0, "left"),
            (120.0, 1.0, "left"),
            (300.0, 9.0, "left"),  # with the right one: 17 s bilateral -> non-CLM
            (305.0, 12.0, "right"),
            (500.0, 2.0, "right"),  # isolated, with an arousal
            (700.0, 1.0, "left"),  # isolated, after an apnea: CLMr
            (920.0, 1.0, "left"),  # inside the unscorable stretch
        ],
        columns=["onset", "duration", "side"],
    )
    return NightEvents(
        movements=mv,
        hypnogram=Hypnogram(["N2"] * 40),
        respiratory=pd.DataFrame({"onset": [670.0], "duration": [28.0], "type": ["hypopnea"]}),
        arousals=pd.DataFrame({"onset": [501.0], "duration": [5.0]}),
        gaps=pd.DataFrame({"onset": [900.0], "duration": [60.0], "reason": ["unscorable leg EMG"]}),
        recording_duration_s=1200.0,
        start_datetime=START.isoformat(),
    )


@pytest.fixture
def result():
    return plm.score_events(_events(), stem="hand")


def test_descriptions(result):
    ann = review_annotations(result)
    assert list(ann.columns) == ["onset", "duration", "description"]
    assert ann["onset"].is_monotonic_increasing
    got = list(zip(ann["onset"].round(3), ann["description"], strict=True))
    assert (60.0, "PLM series 1 (4 PLMs)") in got
    series = ann[ann["description"] == "PLM series 1 (4 PLMs)"].iloc[0]
    assert series["duration"] == pytest.approx(61.0)
    for t in (60.0, 80.0, 100.0, 120.0):
        assert (t, "PLM left (series 1)") in got
        assert (t, "LM left") in got
    assert (300.0, "non-CLM bilateral (> 15 s)") in got
    assert (305.0, "LM right") in got
    assert (500.0, "CLM right (isolated), arousal") in got
    assert (700.0, "CLM left (isolated), CLMr") in got
    assert (900.0, "Unscorable leg EMG") in got
    assert (920.0, "LM left excluded (gap)") in got
    # one line per item: 1 series + candidates + monolateral LMs + 1 gap
    assert len(ann) == 1 + len(result.candidates) + len(result.movements) + 1
    assert ann["description"].str.len().max() <= 40  # short, a glance in a viewer


def test_noncandidate_reasons_and_merged():
    mv = pd.DataFrame(
        {
            "onset": [10.0, 100.0, 101.0, 102.0, 103.0, 104.0],
            "duration": [12.0, 1.5, 1.5, 1.5, 1.5, 1.5],
            "side": ["left", "left", "right", "left", "right", "left"],
        }
    )
    ann = review_annotations(plm.score_events(mv, hypnogram=["N2"] * 10))
    assert "non-CLM left (> 10 s)" in set(ann["description"])
    assert "non-CLM bilateral (> 4 LMs)" in set(ann["description"])
    merged = plm.score_events(
        pd.DataFrame({"onset": [10.0], "duration": [1.0], "side": ["merged"]}),
        hypnogram=["N2"] * 4,
    )
    assert {"CLM merged (isolated)", "LM merged"} <= set(review_annotations(merged)["description"])


def test_edf_roundtrip_mne_and_pyedflib(result, tmp_path):
    mne = pytest.importorskip("mne")
    pyedflib = pytest.importorskip("pyedflib")
    path = write_review_edf(result, tmp_path / "hand_plm_annotations.edf")
    want = review_annotations(result)

    header = read_header(path)
    assert header.data_signals == [] and header.file_type == "EDF+C"
    assert header.start_datetime == START

    expected = _canon(want["onset"], want["duration"], want["description"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = mne.read_annotations(path)
    assert _canon(a.onset, a.duration, a.description) == expected

    reader = pyedflib.EdfReader(str(path))
    try:
        onset, duration, text = reader.readAnnotations()
        start = reader.getStartdatetime()
    finally:
        reader.close()
    assert _canon(onset, duration, text) == expected
    assert start == START

    ours = read_annotations(path)
    assert _canon(ours["onset"], ours["duration"], ours["description"]) == expected


def test_generated_night_review_file_lines_up_with_the_recording(tmp_path):
    mne = pytest.importorskip("mne")
    from plm import simulate as synth

    night = synth.simulate_night(1800, 200, seed=11, start_datetime=datetime(2026, 3, 4, 23, 5, 7))
    rec = tmp_path / "gen.edf"
    synth.write_night_edf(night, rec, other_channels=False)
    result = plm.score(rec)
    path = write_review_edf(result, tmp_path / "gen_plm_annotations.edf")
    assert read_header(path).start_datetime == read_header(rec).start_datetime
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = mne.read_annotations(path)
    want = review_annotations(result)
    assert len(want) >= len(result.movements) > 0
    assert _canon(a.onset, a.duration, a.description) == _canon(
        want["onset"], want["duration"], want["description"]
    )
    assert sum(d.startswith("LM ") for d in a.description) == len(result.movements)


def test_from_dir_roundtrip_and_export_cli(result, tmp_path, capsys):
    out = tmp_path / "res"
    result.to_dir(out)  # writes the stages and gaps context too
    back = PLMResult.from_dir(out)
    assert back.stem == "hand" and back.start == START
    assert back.events.hypnogram is not None and len(back.events.hypnogram.stages) == 40
    a, b = review_annotations(result), review_annotations(back)
    assert list(a["description"]) == list(b["description"])
    np.testing.assert_allclose(a["onset"], b["onset"], atol=1e-4)
    np.testing.assert_allclose(a["duration"], b["duration"], atol=1e-3)

    edf = tmp_path / "export.edf"
    assert main(["export-annotations", str(out), "--out", str(edf)]) == 0
    got = read_annotations(edf)
    assert sorted(got["description"]) == sorted(a["description"])
    assert read_header(edf).start_datetime == START
    # the summary file names the result too; a folder as --out gets the standard name
    assert main(["export-annotations", str(out / "hand_summary.json"), "--out", str(tmp_path)]) == 0
    assert (tmp_path / "hand_plm_annotations.edf").is_file()
    assert "annotations ->" in capsys.readouterr().out


def test_from_dir_errors(tmp_path, result):
    with pytest.raises(InputError, match="no \\*_summary.json"):
        PLMResult.from_dir(tmp_path)
    result.to_dir(tmp_path)
    result.to_dir(tmp_path, stem="other")
    with pytest.raises(InputError, match="2 results"):
        PLMResult.from_dir(tmp_path)
    assert PLMResult.from_dir(tmp_path, stem="other").stem == "other"
    (tmp_path / "other_candidates.tsv").unlink()
    with pytest.raises(InputError, match="other_candidates.tsv"):
        PLMResult.from_dir(tmp_path, stem="other")
    assert main(["export-annotations", str(tmp_path / "nothing"), "--out", "x.edf"]) == 2


def test_unknown_start_uses_1985(tmp_path):
    res = plm.score_events(
        pd.DataFrame({"onset": [10.0], "duration": [1.0], "side": ["left"]}), hypnogram=["N2"] * 4
    )
    assert res.summary.get("start_datetime") is None
    path = write_review_edf(res, tmp_path / "x.edf")
    assert read_header(path).start_datetime == datetime(1985, 1, 1)


def test_empty_night(tmp_path):
    res = plm.score_events(
        pd.DataFrame({"onset": [], "duration": [], "side": []}), hypnogram=["N2"] * 4
    )
    assert review_annotations(res).empty
    path = write_review_edf(res, Path(tmp_path) / "empty.edf")
    assert read_annotations(path).empty
