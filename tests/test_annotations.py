"""Annotation tables → NightEvents; format detection, dispatch and bad input."""

from __future__ import annotations

import hashlib
import os
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from plm.events import Hypnogram, InputError, NightEvents
from plm.io.annotations import (
    FORMATS,
    detect_format,
    events_from_annotations,
    load_night_events,
    read_annotation_file,
)

DATA = Path(__file__).parent / "data"
FMT = DATA / "formats"
REAL = DATA / "real"


def table(rows: list[tuple], with_location: bool = False) -> pd.DataFrame:
    cols = ["onset", "duration", "description"] + (["location"] if with_location else [])
    return pd.DataFrame(rows, columns=cols)


# ------------------------------------------------------------------ events_from_annotations


def test_small_night() -> None:
    annot = table(
        [
            (0.0, 30.0, "Sleep stage W", None),
            (5.0, 0.0, "Lights off", None),
            (30.0, 60.0, "Sleep stage N2", None),
            # gap 90–120 -> unscored
            (120.0, 30.0, "Sleep stage R", None),
            (35.0, 1.5, "LM", "LAT"),
            (47.25, 2.0, "LM", "RAT"),
            (60.0, 1.0, "Leg movement", None),
            (50.0, 12.0, "Obstructive Apnea", None),
            (62.0, 3.0, "Arousal", None),
            (70.0, 40.0, "PLM", None),
            (80.0, 2.0, "Snore", None),
            (81.0, 2.0, "Snore", None),
            (140.0, 0.0, "Lights on", None),
            (10.0, 0.0, "Lights off", None),
        ],
        with_location=True,
    )
    ev = events_from_annotations(annot, recording_duration_s=150.0)
    assert isinstance(ev, NightEvents)
    assert ev.movements["onset"].tolist() == [35.0, 47.25, 60.0]
    assert ev.movements["side"].tolist() == ["left", "right", "both"]
    assert list(ev.movements.columns) == ["onset", "duration", "side"]
    assert isinstance(ev.hypnogram, Hypnogram)
    assert ev.hypnogram.start_s == 0.0 and ev.hypnogram.epoch_s == 30.0
    assert ev.hypnogram.stages.tolist() == ["W", "N2", "N2", "unscored", "R"]
    assert ev.respiratory.to_dict("list") == {
        "onset": [50.0],
        "duration": [12.0],
        "type": ["obstructive_apnea"],
    }
    assert ev.arousals.to_dict("list") == {"onset": [62.0], "duration": [3.0]}
    assert ev.lights_off_s == 5.0  # the first lights-off
    assert ev.lights_on_s == 140.0
    assert ev.unmapped_labels == {"Snore": 2}
    assert ev.recording_duration_s == 150.0
    assert any(w.startswith("ignored_labels: {'PLM': 1}") for w in ev.warnings)
    assert any("name no side" in w and "'Leg movement'" in w for w in ev.warnings)


def test_hypnogram_grid_starts_at_first_stage() -> None:
    annot = table(
        [
            (45.0, 30.0, "Sleep stage N1"),
            (75.0, 0.0, "Sleep stage N2"),  # duration 0 -> one epoch
            (105.0, float("nan"), "Sleep stage N3"),  # NaN -> one epoch
            (135.0, 59.5, "Sleep stage R"),  # within 1 s of two epochs
            (195.5, 30.0, "Sleep stage W"),  # within 1 s of the grid
        ]
    )
    ev = events_from_annotations(annot)
    assert ev.hypnogram.start_s == 45.0
    assert ev.hypnogram.stages.tolist() == ["N1", "N2", "N3", "R", "R", "W"]


def test_other_epoch_length() -> None:
    annot = table([(0.0, 40.0, "N2"), (40.0, 20.0, "R")])
    ev = events_from_annotations(annot, epoch_s=20.0)
    assert ev.hypnogram.epoch_s == 20.0
    assert ev.hypnogram.stages.tolist() == ["N2", "N2", "R"]


def test_empty_table_gives_empty_tables() -> None:
    ev = events_from_annotations(table([]))
    assert ev.movements.empty and list(ev.movements.columns) == ["onset", "duration", "side"]
    assert ev.respiratory.empty and list(ev.respiratory.columns) == ["onset", "duration", "type"]
    assert ev.arousals.empty and list(ev.arousals.columns) == ["onset", "duration"]
    assert ev.hypnogram is None
    assert ev.unmapped_labels == {}
    assert ev.lights_off_s is None and ev.lights_on_s is None


def test_duration_column_optional_and_nan_durations_zero() -> None:
    annot = pd.DataFrame({"onset": [1.0, 2.0], "description": ["LM left", "LM right"]})
    ev = events_from_annotations(annot)
    assert ev.movements["duration"].tolist() == [0.0, 0.0]
    annot = table([(1.0, float("nan"), "LM left")])
    assert events_from_annotations(annot).movements["duration"].tolist() == [0.0]


def test_identical_duplicate_stage_epochs_are_tolerated() -> None:
    annot = table([(0.0, 60.0, "N2"), (30.0, 30.0, "Sleep stage 2")])
    ev = events_from_annotations(annot)
    assert ev.hypnogram.stages.tolist() == ["N2", "N2"]
    assert any("scored twice" in w for w in ev.warnings)


def test_hypnogram_trimmed_to_recording() -> None:
    annot = table([(0.0, 600.0, "W")])
    ev = events_from_annotations(annot, recording_duration_s=280.0)
    assert len(ev.hypnogram.stages) == 10  # epochs starting before 280 s
    assert any("after the recording end" in w for w in ev.warnings)


def test_extra_labels_and_short_series_warning() -> None:
    annot = table(
        [(10.0, 2.0, "PLM (Left)", "L Leg"), (40.0, 2.5, "PLM (Left)", "L Leg")],
        with_location=True,
    )
    ev = events_from_annotations(annot)
    assert ev.movements.empty
    assert any("may be single movements" in w for w in ev.warnings)
    ev = events_from_annotations(annot, extra_labels={"PLM (Left)": "lm:auto"})
    assert ev.movements["side"].tolist() == ["left", "left"]
    ev = events_from_annotations(annot, extra_labels=FMT / "labels_extra.json")
    assert ev.movements.empty


def test_lights_on_before_off_ignored() -> None:
    ev = events_from_annotations(table([(100.0, 0.0, "Lights off"), (50.0, 0.0, "Lights on")]))
    assert ev.lights_off_s is None and ev.lights_on_s is None
    assert any("not after lights off" in w for w in ev.warnings)


def test_recording_duration_inferred() -> None:
    ev = events_from_annotations(table([(0.0, 60.0, "W"), (100.0, 5.0, "LM left")]))
    assert ev.recording_duration_s == 105.0
    assert any("recording duration not given" in w for w in ev.warnings)


# ------------------------------------------------------------------ validation


def test_missing_columns_listed() -> None:
    with pytest.raises(InputError) as exc:
        events_from_annotations(pd.DataFrame({"start": [1.0], "label": ["LM"]}), source="x.tsv")
    msg = str(exc.value)
    assert "onset" in msg and "description" in msg and "start, label" in msg
    assert exc.value.source == "x.tsv"


def test_negative_duration_names_the_row() -> None:
    annot = table([(1.0, 1.0, "LM left"), (5.0, -2.0, "LM right")])
    with pytest.raises(InputError, match=r"row 1: negative duration \(-2 s\) for 'LM right'"):
        events_from_annotations(annot)


def test_nan_onset() -> None:
    with pytest.raises(InputError, match="row 0: missing or unparseable onset"):
        events_from_annotations(table([(float("nan"), 1.0, "LM left")]))


def test_overlapping_hypnogram_epochs() -> None:
    annot = table([(0.0, 90.0, "N2"), (60.0, 30.0, "R")])
    with pytest.raises(InputError, match=r"overlapping hypnogram epochs at t=60 s \(N2 and R"):
        events_from_annotations(annot)


def test_stage_off_grid() -> None:
    with pytest.raises(InputError, match="off the 30 s epoch grid"):
        events_from_annotations(table([(0.0, 30.0, "N2"), (45.0, 30.0, "N3")]))


def test_stage_duration_not_multiple() -> None:
    with pytest.raises(InputError, match="lasts 45 s, not a multiple of the 30 s epoch"):
        events_from_annotations(table([(0.0, 45.0, "N2")]))


def test_event_outside_recording() -> None:
    annot = table([(0.0, 30.0, "W"), (1000.0, 2.0, "LM left")])
    with pytest.raises(InputError, match=r"event at t=1000 s lies outside the recording \(500 s\)"):
        events_from_annotations(annot, recording_duration_s=500.0)
    # within one epoch of the end: tolerated
    events_from_annotations(annot, recording_duration_s=980.0)
    with pytest.raises(InputError, match="event at t=-100 s lies outside the recording"):
        events_from_annotations(table([(-100.0, 2.0, "LM left")]))
    # unmapped and ignored labels are not checked
    events_from_annotations(table([(9999.0, 0.0, "Snore")]), recording_duration_s=500.0)


def test_bad_arguments() -> None:
    with pytest.raises(InputError):
        events_from_annotations(table([]), epoch_s=0)
    with pytest.raises(InputError):
        events_from_annotations(table([]), recording_duration_s=-1)


def test_error_names_file_and_line(tmp_path: Path) -> None:
    p = tmp_path / "ev.tsv"
    p.write_text("onset\tduration\tdescription\n1\t1\tLM left\n2\t-1\tLM right\n")
    with pytest.raises(InputError) as exc:
        load_night_events(p)
    assert exc.value.source == str(p)
    assert "line 3: negative duration" in str(exc.value)


# ------------------------------------------------------------------ detection and dispatch


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        (FMT / "cap_plm_night.txt", "remlogic"),
        (FMT / "remlogic_stage_column.txt", "remlogic"),
        (FMT / "sub-01_task-sleep_events.tsv", "tsv"),
        (FMT / "events_semicolon.csv", "tsv"),
        (FMT / "noxturnal_english.csv", "noxturnal"),
        (FMT / "Sleep profile - synth.txt", "somnomedics"),
        (FMT / "Flow Events - synth.txt", "somnomedics"),
        (FMT / "nsrr_sample.xml", "nsrr_xml"),
        (FMT / "profusion_sample.xml", "profusion_xml"),
        (REAL / "noxturnal_events_example_unicode_2.csv", "noxturnal"),
        (REAL / "somnomedics" / "Sleep profile - test1 Unbekannt.txt", "somnomedics"),
        (REAL / "somnomedics" / "Classification Arousals - test1 Unbekannt.txt", "somnomedics"),
        (REAL / "somnomedics" / "Flow Events - test1 Unbekannt.txt", "somnomedics"),
        (REAL / "SC4001EC-Hypnogram.edf", "edf"),
    ],
)
def test_detect_format(path: Path, fmt: str) -> None:
    assert detect_format(path) == fmt


def test_detection_ignores_the_extension(tmp_path: Path) -> None:
    p = tmp_path / "events.dat"
    p.write_bytes((FMT / "cap_plm_night.txt").read_bytes())
    assert detect_format(p) == "remlogic"
    p = tmp_path / "hypno.txt"
    p.write_bytes((REAL / "SC4001EC-Hypnogram.edf").read_bytes())
    assert detect_format(p) == "edf"


def test_unknown_forced_format_lists_supported() -> None:
    with pytest.raises(InputError) as exc:
        read_annotation_file(FMT / "events_semicolon.csv", format="excel")
    for f in FORMATS:
        assert f in str(exc.value)


def test_forced_format_and_aliases() -> None:
    df = read_annotation_file(FMT / "events_semicolon.csv", format="CSV")
    assert df["description"].tolist() == ["LM left", "LM right", "PLM series"]
    df = read_annotation_file(FMT / "nsrr_sample.xml", format="xml")
    assert df.attrs["format"] == "nsrr_xml"
    with pytest.raises(InputError, match="no 'onset' column"):
        read_annotation_file(FMT / "cap_plm_night.txt", format="tsv")


def test_intermediate_table_columns() -> None:
    df = read_annotation_file(FMT / "sub-01_task-sleep_events.tsv")
    assert list(df.columns) == ["onset", "duration", "description", "location", "source", "line"]
    assert df["onset"].dtype == float and df["duration"].dtype == float


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("garbage.bin", bytes(range(256)) * 8),
        ("garbage.txt", os.urandom(2048) + b"\0\0\0"),
        ("unknown.txt", b"hello world\nthis is not an event file\n"),
        ("empty.tsv", b""),
        ("broken.xml", b'<?xml version="1.0"?>\n<PSGAnnotation><ScoredEvents><ScoredEvent>'),
        ("other.xml", b'<?xml version="1.0"?>\n<Root><A/></Root>'),
        ("fake.edf", b"0       " + b"x" * 300),
    ],
)
def test_unreadable_files_name_the_file(tmp_path: Path, name: str, content: bytes) -> None:
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(InputError) as exc:
        load_night_events(p)
    assert exc.value.source is not None and Path(exc.value.source).name == name
    assert "\n" not in str(exc.value)


def test_bad_utf16(tmp_path: Path) -> None:
    p = tmp_path / "bad16.csv"
    p.write_bytes(b"\xff\xfe" + "Heure de début,Événement\n".encode("utf-16-le") + b"\x00\xd8\x41")
    with pytest.raises(InputError, match="utf-16") as exc:
        load_night_events(p, format="noxturnal")
    assert Path(exc.value.source).name == "bad16.csv"


def test_garbage_forced_as_text(tmp_path: Path) -> None:
    p = tmp_path / "g.txt"
    p.write_bytes(bytes(range(256)) * 4)
    for fmt in ("tsv", "remlogic", "noxturnal", "somnomedics", "nsrr_xml"):
        with pytest.raises(InputError):
            read_annotation_file(p, format=fmt)


def test_missing_file() -> None:
    with pytest.raises(InputError, match="cannot read file"):
        load_night_events(FMT / "does-not-exist.tsv")


# ------------------------------------------------------------------ load_night_events


def test_sources_have_sha256() -> None:
    p = FMT / "sub-01_task-sleep_events.tsv"
    ev = load_night_events(p)
    assert ev.sources == [{"file": p.name, "sha256": hashlib.sha256(p.read_bytes()).hexdigest()}]


def test_several_files_one_night_aligned_without_start() -> None:
    # the SomnoMedics flow events start at 23:59:00; a RemLogic file of the same night whose
    # first event is 23:58:00 comes first in time -> common t = 0 is 23:58:00
    ev = load_night_events([FMT / "Flow Events - synth.txt", FMT / "cap_plm_night.txt"])
    assert ev.start_datetime is not None and ev.start_datetime.endswith("23:58:00")
    assert any("onsets shifted to a common t = 0" in w for w in ev.warnings)
    assert any("aligned on clock time" in w for w in ev.warnings)  # 2006 vs 2020 dates
    assert ev.movements["onset"].tolist() == [65.0, 80.0, 105.0]
    # 23:59:50 (flow file) -> 110 s; 00:01:10 (CAP) -> 190 s
    assert ev.respiratory["onset"].tolist() == [110.0, 160.0, 185.25, 190.0]
    assert len(ev.sources) == 2


def test_several_files_conflicting_hypnograms_raise() -> None:
    with pytest.raises(InputError, match="overlapping hypnogram epochs"):
        load_night_events(
            [FMT / "Sleep profile - synth.txt", FMT / "cap_plm_night.txt"],
            start_datetime=datetime(2020, 9, 23, 23, 58, 0),
        )


def test_format_per_file_and_count_mismatch() -> None:
    ev = load_night_events(
        [FMT / "events_semicolon.csv", FMT / "nsrr_sample.xml"], format=["tsv", None]
    )
    assert len(ev.movements) == 4
    with pytest.raises(InputError, match="2 formats given for 1 files"):
        load_night_events(FMT / "events_semicolon.csv", format=["tsv", "tsv"])


def test_epoch_length_from_file() -> None:
    ev = load_night_events(FMT / "profusion_sample.xml")
    assert ev.hypnogram.epoch_s == 30.0
    ev = load_night_events(FMT / "profusion_sample.xml", epoch_s=30.0)
    assert len(ev.hypnogram.stages) == 10


def test_no_files() -> None:
    with pytest.raises(InputError):
        load_night_events([])


def test_movements_sorted_and_float() -> None:
    ev = load_night_events(FMT / "events_semicolon.csv")
    on = ev.movements["onset"].to_numpy()
    assert on.dtype == np.float64 and np.all(np.diff(on) >= 0)
