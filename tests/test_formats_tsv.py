"""TSV / BIDS events.tsv / CSV reader."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from plm.events import Hypnogram, InputError
from plm.io.annotations import load_night_events, read_annotation_file

FMT = Path(__file__).parent / "data" / "formats"


def write(tmp_path: Path, text: str, name: str = "events.tsv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_bids_events_tsv() -> None:
    df = read_annotation_file(FMT / "sub-01_task-sleep_events.tsv")
    assert df.attrs["format"] == "tsv" and df.attrs["t0"] is None
    assert len(df) == 11
    row = df[df["description"] == "Leg Movement"].iloc[0]
    assert row["duration"] == 0.0  # n/a -> 0
    assert row["location"] == "RAT"
    assert df["location"].iloc[0] is None  # n/a channel
    ev = load_night_events(FMT / "sub-01_task-sleep_events.tsv")
    assert ev.movements.to_dict("list") == {
        "onset": [65.5, 70.25],
        "duration": [1.2, 0.0],
        "side": ["left", "right"],
    }
    assert ev.hypnogram.stages.tolist() == ["W", "N1", "N2", "unscored", "N2"]
    assert (ev.lights_off_s, ev.lights_on_s) == (5.0, 140.0)
    assert ev.unmapped_labels == {"Snore": 1}
    assert ev.start_datetime is None


def test_semicolon_decimal_comma_and_comments() -> None:
    df = read_annotation_file(FMT / "events_semicolon.csv")
    assert df["onset"].tolist() == [12.5, 30.0, 45.75]
    assert df["duration"].tolist() == [1.5, 2.25, 0.0]
    assert df["line"].tolist() == [3, 4, 5]


@pytest.mark.parametrize(
    "col", ["description", "trial_type", "event", "label", "annotation", "Value"]
)
def test_label_column_names(tmp_path: Path, col: str) -> None:
    p = write(tmp_path, f"Onset,Duration,{col}\n1.0,0.5,LM left\n")
    assert read_annotation_file(p)["description"].tolist() == ["LM left"]


def test_comma_delimited_with_quotes(tmp_path: Path) -> None:
    p = write(tmp_path, 'onset,duration,description\n1,2,"Arousal, spontaneous"\n', "e.csv")
    assert read_annotation_file(p)["description"].tolist() == ["Arousal, spontaneous"]


def test_movement_list_with_side_column(tmp_path: Path) -> None:
    p = write(tmp_path, "onset\tduration\tside\tpeak_uv\n1.5\t0.8\tleft\t30\n4.0\t1.0\tright\t22\n")
    ev = load_night_events(p)
    assert ev.movements["side"].tolist() == ["left", "right"]


def test_hypnogram_table_round_trip(tmp_path: Path) -> None:
    hyp = Hypnogram(np.array(["W", "N1", "N2", "unscored", "R"]), epoch_s=30.0, start_s=60.0)
    p = tmp_path / "hyp.tsv"
    hyp.to_frame().to_csv(p, sep="\t", index=False)
    ev = load_night_events(p)
    assert ev.hypnogram.stages.tolist() == hyp.stages.tolist()
    assert ev.hypnogram.start_s == 60.0


def test_clock_time_onsets_cross_midnight(tmp_path: Path) -> None:
    p = write(
        tmp_path, "onset\tduration\tdescription\n23:59:50\t2\tLM left\n00:00:10.5\t1\tLM right\n"
    )
    ev = load_night_events(p, start_datetime=datetime(2021, 5, 1, 23, 59, 0))
    assert ev.movements["onset"].tolist() == [50.0, 70.5]
    ev = load_night_events(p)
    assert ev.movements["onset"].tolist() == [0.0, 20.5]
    assert any("first event's clock time" in w for w in ev.warnings)


def test_missing_onset_column_lists_columns(tmp_path: Path) -> None:
    p = write(tmp_path, "start\tlength\tdescription\n1\t2\tLM left\n")
    with pytest.raises(
        InputError, match=r"no 'onset' column \(columns: start, length, description\)"
    ):
        read_annotation_file(p, format="tsv")


def test_missing_label_column_lists_columns(tmp_path: Path) -> None:
    p = write(tmp_path, "onset\tduration\tamplitude\n1\t2\t30\n")
    with pytest.raises(InputError, match=r"no label column .*columns: onset, duration, amplitude"):
        read_annotation_file(p)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("abc\t1\tLM left\n", "line 2: unparseable onset 'abc'"),
        ("n/a\t1\tLM left\n", "line 2: missing onset"),
        ("1\tlong\tLM left\n", "line 2: unparseable duration 'long'"),
        ("1\t-3\tLM left\n", "line 2: negative duration"),
    ],
)
def test_bad_rows(tmp_path: Path, body: str, message: str) -> None:
    p = write(tmp_path, "onset\tduration\tdescription\n" + body)
    with pytest.raises(InputError, match=message) as exc:
        load_night_events(p)
    assert exc.value.source == str(p)


def test_header_only_gives_empty_tables(tmp_path: Path) -> None:
    p = write(tmp_path, "onset\tduration\tdescription\n")
    ev = load_night_events(p)
    assert ev.movements.empty and ev.hypnogram is None
