"""RemLogic / Embla / CAP Sleep Database event exports."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from plm.events import InputError
from plm.io.annotations import load_night_events, read_annotation_file

FMT = Path(__file__).parent / "data" / "formats"
CAP = FMT / "cap_plm_night.txt"


def test_cap_night_with_start_crossing_midnight() -> None:
    start = datetime(2006, 11, 6, 23, 57, 0)
    ev = load_night_events(CAP, start_datetime=start)
    assert ev.start_datetime == "2006-11-06T23:57:00"
    # 23:59:05 -> 125 s, 23:59:20 -> 140 s, 23:59:45 (Tib dx) -> 165 s
    assert ev.movements.to_dict("list") == {
        "onset": [125.0, 140.0, 165.0],
        "duration": [1.5, 2.0, 1.0],
        "side": ["left", "right", "right"],
    }
    h = ev.hypnogram
    assert h.start_s == 60.0
    assert h.stages.tolist() == [
        "W", "N1", "N2", "N2", "N3", "N3", "R", "R", "unscored", "W", "unscored"
    ]  # fmt: skip
    # 00:01:10 is the next day: 250 s after 23:57:00
    assert ev.respiratory.to_dict("list") == {
        "onset": [250.0],
        "duration": [12.0],
        "type": ["obstructive_apnea"],
    }
    assert ev.arousals["onset"].tolist() == [265.0]
    assert (ev.lights_off_s, ev.lights_on_s) == (70.0, 340.0)
    assert ev.unmapped_labels == {"MCAP-A1": 1}
    assert any(w.startswith("ignored_labels: {'PLM': 1}") for w in ev.warnings)


def test_cap_night_without_start() -> None:
    ev = load_night_events(CAP)
    assert ev.start_datetime == "2006-11-06T23:58:00"  # Recording Date + first event
    assert any("first event's clock time" in w for w in ev.warnings)
    assert ev.movements["onset"].tolist() == [65.0, 80.0, 105.0]
    assert ev.hypnogram.start_s == 0.0
    assert ev.respiratory["onset"].tolist() == [190.0]


def test_start_after_midnight_and_anonymised_date() -> None:
    # recording started 00:00:00 the next day: 23:58 events lie before it -> outside
    with pytest.raises(InputError, match="lies outside the recording"):
        load_night_events(CAP, start_datetime=datetime(2006, 11, 7, 0, 0, 0))
    # an anonymised EDF date (1985) does not shift the clock alignment
    ev = load_night_events(CAP, start_datetime=datetime(1985, 1, 1, 23, 57, 0))
    assert ev.movements["onset"].tolist() == [125.0, 140.0, 165.0]


def test_outside_recording_duration() -> None:
    with pytest.raises(InputError, match=r"event at t=\d+ s lies outside the recording \(100 s\)"):
        load_night_events(CAP, recording_duration_s=100.0)


def test_intermediate_table() -> None:
    df = read_annotation_file(CAP)
    assert df.attrs["format"] == "remlogic"
    first = df.iloc[0]
    assert (first["onset"], first["duration"], first["description"], first["location"]) == (
        0.0, 30.0, "SLEEP-S0", "ROC-LOC"
    )  # fmt: skip
    assert int(first["line"]) == 21


def test_stages_from_the_sleep_stage_column() -> None:
    ev = load_night_events(FMT / "remlogic_stage_column.txt")
    assert ev.hypnogram.stages.tolist() == ["W", "N2", "N2", "R"]
    assert any("rebuilt from the 'Sleep Stage' column" in w for w in ev.warnings)
    assert ev.movements.to_dict("list") == {
        "onset": [31.25, 52.5, 75.0, 105.125],
        "duration": [1.5, 0.75, 2.0, 0.6],
        "side": ["left", "right", "left", "right"],
    }
    assert ev.lights_off_s == 0.0
    assert ev.start_datetime == "2019-03-14T23:10:00"


def test_iso_timestamps(tmp_path: Path) -> None:
    p = tmp_path / "rl.txt"
    p.write_text(
        "Patient ID:\tx\n\nSleep Stage\tTime [hh:mm:ss]\tEvent\tDuration[s]\tLocation\n"
        "N2\t2012-03-04T23:59:59.500000\tLM\t1.0\tLeft Leg\n"
        "N2\t2012-03-05T00:00:30.000000\tLM\t1.0\tRight Leg\n"
    )
    ev = load_night_events(p, start_datetime=datetime(2012, 3, 4, 23, 59, 0))
    assert ev.movements["onset"].tolist() == [59.5, 90.0]


def test_no_table_header(tmp_path: Path) -> None:
    p = tmp_path / "rl.txt"
    p.write_text("Patient ID:\tx\nRecording Date:\t01/01/2000\n\nfoo\tbar\n")
    with pytest.raises(InputError, match="no RemLogic event table"):
        read_annotation_file(p, format="remlogic")


def test_unparseable_time_names_the_line(tmp_path: Path) -> None:
    p = tmp_path / "rl.txt"
    p.write_text(
        "Sleep Stage\tTime [hh:mm:ss]\tEvent\tDuration[s]\tLocation\n"
        "W\t22:00:00\tSLEEP-S0\t30\tC4\n"
        "W\tlate\tLM\t1\tTib dx\n"
    )
    with pytest.raises(InputError, match="line 3: unparseable time 'late'") as exc:
        read_annotation_file(p)
    assert exc.value.source == str(p)
