"""NSRR PSGAnnotation and Compumedics Profusion CMPStudyConfig XML."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from plm.events import InputError
from plm.io.annotations import load_night_events, read_annotation_file

FMT = Path(__file__).parent / "data" / "formats"


def test_nsrr_xml() -> None:
    df = read_annotation_file(FMT / "nsrr_sample.xml")
    assert df.attrs["epoch_s"] == 30.0
    assert "Recording Start Time" not in set(df["description"])
    assert "Sleep stage 4" in set(df["description"])  # stages rewritten from their code
    ev = load_night_events(FMT / "nsrr_sample.xml")
    assert ev.start_datetime == "23:00:00"
    assert ev.movements.to_dict("list") == {
        "onset": [70.5, 91.0],
        "duration": [2.1, 1.4],
        "side": ["left", "right"],
    }
    assert ev.hypnogram.stages.tolist() == ["W", "W", "N2", "N2", "N2", "N3", "R", "R", "unscored"]
    assert ev.respiratory["type"].tolist() == ["obstructive_apnea"]
    assert ev.arousals.to_dict("list") == {"onset": [112.0], "duration": [4.0]}
    assert ev.unmapped_labels == {"SpO2 desaturation|SpO2 desaturation": 1}
    assert any("ignored_labels" in w and "PLM (Left)" in w for w in ev.warnings)
    assert any("may be single movements" in w for w in ev.warnings)


def test_nsrr_xml_shifted_to_recording_start() -> None:
    ev = load_night_events(FMT / "nsrr_sample.xml", start_datetime=datetime(2001, 1, 1, 22, 59, 0))
    assert ev.movements["onset"].tolist() == [130.5, 151.0]
    assert ev.hypnogram.start_s == 60.0
    assert any("onsets shifted by 60 s" in w for w in ev.warnings)


def test_profusion_xml() -> None:
    ev = load_night_events(FMT / "profusion_sample.xml")
    assert ev.movements.to_dict("list") == {
        "onset": [35.5, 61.25],
        "duration": [1.8, 2.0],
        "side": ["left", "right"],  # "Limb Movement" on input "R Leg"
    }
    assert ev.hypnogram.stages.tolist() == [
        "W", "W", "N1", "N2", "N2", "N3", "N3", "R", "R", "unscored"
    ]  # fmt: skip
    assert ev.respiratory["type"].tolist() == ["hypopnea"]
    assert ev.arousals["onset"].tolist() == [136.0]
    assert ev.unmapped_labels == {"SaO2 desaturation": 1}
    assert ev.start_datetime is None


def test_profusion_other_epoch_length(tmp_path: Path) -> None:
    p = tmp_path / "p.xml"
    p.write_text(
        "<CMPStudyConfig><EpochLength>20</EpochLength><SleepStages>"
        "<SleepStage>2</SleepStage><SleepStage>5</SleepStage></SleepStages></CMPStudyConfig>"
    )
    ev = load_night_events(p)
    assert ev.hypnogram.epoch_s == 20.0 and ev.hypnogram.stages.tolist() == ["N2", "R"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<PSGAnnotation><ScoredEvents><ScoredEvent>", "broken XML"),
        (
            "<PSGAnnotation><ScoredEvents><ScoredEvent><EventConcept>Arousal</EventConcept>"
            "<Start>soon</Start></ScoredEvent></ScoredEvents></PSGAnnotation>",
            r"ScoredEvent 1: unparseable <Start> 'soon'",
        ),
        (
            "<PSGAnnotation><ScoredEvents><ScoredEvent><EventConcept>Arousal</EventConcept>"
            "</ScoredEvent></ScoredEvents></PSGAnnotation>",
            r"ScoredEvent 1: missing <Start>",
        ),
        ("<CMPStudyConfig><EpochLength>0</EpochLength></CMPStudyConfig>", "EpochLength"),
    ],
)
def test_bad_xml(tmp_path: Path, text: str, message: str) -> None:
    p = tmp_path / "bad.xml"
    p.write_text('<?xml version="1.0"?>\n' + text)
    with pytest.raises(InputError, match=message) as exc:
        load_night_events(p)
    assert exc.value.source == str(p)


def test_forced_dialect_mismatch() -> None:
    with pytest.raises(InputError, match="not a Profusion CMPStudyConfig"):
        read_annotation_file(FMT / "nsrr_sample.xml", format="profusion_xml")
