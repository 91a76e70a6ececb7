"""SOMNOmedics DOMINO text exports: the real three files of one night and synthetic ones."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from plm.events import InputError
from plm.io.annotations import load_night_events, read_annotation_file

REAL = Path(__file__).parent / "data" / "real" / "somnomedics"
PROFILE = REAL / "Sleep profile - test1 Unbekannt.txt"
AROUSALS = REAL / "Classification Arousals - test1 Unbekannt.txt"
FLOW = REAL / "Flow Events - test1 Unbekannt.txt"
FMT = Path(__file__).parent / "data" / "formats"


def test_real_profile() -> None:
    df = read_annotation_file(PROFILE)
    assert df.attrs["epoch_s"] == 30.0
    assert len(df) == 121  # 01:00:00 .. 02:00:00 inclusive
    ev = load_night_events(PROFILE)
    h = ev.hypnogram
    assert len(h.stages) == 121 and h.start_s == 0.0 and h.epoch_s == 30.0
    assert Counter(h.stages.tolist()) == {"R": 63, "N2": 45, "N1": 10, "W": 3}
    assert ev.start_datetime == "2020-09-23T01:00:00"
    assert not any("first event's clock time" in w for w in ev.warnings)


def test_real_arousals() -> None:
    df = read_annotation_file(AROUSALS)
    assert len(df) == 29
    assert Counter(df["description"])["PLM Arousal (EEG)"] == 12
    ev = load_night_events(AROUSALS)
    assert len(ev.arousals) == 29
    assert ev.movements.empty  # "LM Arousal" / "PLM Arousal" are arousals, not movements
    # 01:01:00,750-01:01:12,250 -> onset 60.75 s, duration 11.5 s (the file says 12)
    assert ev.arousals["onset"].iloc[0] == pytest.approx(60.75)
    assert ev.arousals["duration"].iloc[0] == pytest.approx(11.5)


def test_real_flow_events() -> None:
    ev = load_night_events(FLOW)
    assert Counter(ev.respiratory["type"]) == {"hypopnea": 13}
    assert ev.unmapped_labels == {"Flow Limitation": 1}
    assert ev.respiratory["onset"].iloc[0] == pytest.approx(4 * 60 + 24.411)
    assert ev.respiratory["duration"].iloc[0] == pytest.approx(17.26)


def test_real_night_combined() -> None:
    ev = load_night_events([PROFILE, AROUSALS, FLOW])
    assert len(ev.hypnogram.stages) == 121
    assert len(ev.arousals) == 29 and len(ev.respiratory) == 13
    assert [s["file"] for s in ev.sources] == [PROFILE.name, AROUSALS.name, FLOW.name]
    assert all(len(s["sha256"]) == 64 for s in ev.sources)
    # the EDF started 5 min before the DOMINO start time
    ev = load_night_events(
        [PROFILE, AROUSALS, FLOW], start_datetime=datetime(2020, 9, 23, 0, 55, 0)
    )
    assert ev.hypnogram.start_s == 300.0
    assert ev.arousals["onset"].iloc[0] == pytest.approx(360.75)


def test_synthetic_crossing_midnight() -> None:
    files = [FMT / "Sleep profile - synth.txt", FMT / "Flow Events - synth.txt"]
    ev = load_night_events(files, start_datetime=datetime(2020, 9, 23, 23, 58, 0))
    assert ev.hypnogram.start_s == 60.0
    assert ev.hypnogram.stages.tolist() == ["W", "N1", "N2", "N3", "R", "unscored"]
    assert ev.respiratory.to_dict("list") == {
        "onset": [110.0, 160.0, 185.25],
        "duration": [20.5, 12.0, 15.0],
        "type": ["obstructive_apnea", "hypopnea", "central_apnea"],
    }
    ev = load_night_events(files)
    assert ev.hypnogram.start_s == 0.0
    assert ev.respiratory["onset"].tolist() == [50.0, 100.0, 125.25]


def test_bad_rows(tmp_path: Path) -> None:
    p = tmp_path / "Flow Events - x.txt"
    p.write_text(
        "Signal ID: FlowD\\flow\nStart Time: 23.09.2020 01:00:00\nUnit: s\n\n"
        "01:04:24,411-01:04:41,671; 17;Hypopnea\nthis is not a row\n"
    )
    with pytest.raises(InputError, match="line 6: unparseable row"):
        read_annotation_file(p)
    p.write_text("Signal ID: x\nStart Time: 99.99.2020 01:00:00\n\n01:00:00,000; N1\n")
    with pytest.raises(InputError, match="unparseable Start Time"):
        read_annotation_file(p, format="somnomedics")
