"""Noxturnal CSV exports: the real French UTF-16 file and an English UTF-8 one."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from plm.events import InputError
from plm.io.annotations import load_night_events, read_annotation_file

REAL = Path(__file__).parent / "data" / "real" / "noxturnal_events_example_unicode_2.csv"
FMT = Path(__file__).parent / "data" / "formats"


@pytest.fixture(scope="module")
def real_events():
    return load_night_events(REAL)


def test_real_file_is_utf16_with_bom() -> None:
    assert REAL.read_bytes()[:2] == b"\xff\xfe"


def test_real_file_counts(real_events) -> None:
    ev = real_events
    # README of the export: 29 MJ, one PLM series, 76 Micro-éveil, 114 A. Obstructive,
    # 89 Hypopnée (and 1 A. Mixte, found by reading the file)
    assert len(ev.movements) == 29
    assert set(ev.movements["side"]) == {"both"}  # no channel column in this export
    assert any("29 leg movement(s) name no side" in w for w in ev.warnings)
    assert any(w.startswith("ignored_labels: {'PLM': 1}") for w in ev.warnings)
    assert len(ev.arousals) == 76
    assert Counter(ev.respiratory["type"]) == {
        "obstructive_apnea": 114,
        "hypopnea": 89,
        "mixed_apnea": 1,
    }
    assert ev.unmapped_labels == {
        "Désat": 191,
        "Artefact": 22,
        "Dos": 18,
        "Gauche": 12,
        "Droite": 4,
        "Debout": 3,
        "Notification": 2,
        "Avertissement": 1,
        "Début de l'analyse": 1,
    }


def test_real_file_hypnogram(real_events) -> None:
    h = real_events.hypnogram
    # 848 contiguous 30-s epochs from 23:46:00, 20 s after the first event (23:45:40)
    assert len(h.stages) == 848
    assert h.start_s == 20.0
    assert Counter(h.stages.tolist()) == {"W": 169, "N1": 38, "N2": 354, "N3": 141, "R": 146}
    assert real_events.start_datetime == "2018-07-25T23:45:40"


def test_real_file_times_and_durations(real_events) -> None:
    mv = real_events.movements
    # first MJ: 26/07/2018 00:21:35, 2.722 s -> 35 min 55 s after 23:45:40
    assert mv["onset"].iloc[0] == 2155.0
    assert mv["duration"].iloc[0] == pytest.approx(2.722)
    assert mv["onset"].iloc[-1] == pytest.approx((6 * 3600 + 30 * 60 + 45) + 14 * 60 + 20)


def test_real_file_with_start_datetime() -> None:
    ev = load_night_events(REAL, start_datetime=datetime(2018, 7, 25, 23, 45, 0))
    assert ev.hypnogram.start_s == 60.0
    assert ev.movements["onset"].iloc[0] == 2195.0
    assert ev.start_datetime == "2018-07-25T23:45:00"
    assert not any("first event's clock time" in w for w in ev.warnings)


def test_real_file_with_anonymised_edf_date() -> None:
    ev = load_night_events(REAL, start_datetime=datetime(1985, 1, 1, 23, 45, 0))
    assert ev.movements["onset"].iloc[0] == 2195.0
    assert any("aligned on the clock time only" in w for w in ev.warnings)


def test_real_file_outside_recording() -> None:
    with pytest.raises(InputError, match="lies outside the recording"):
        load_night_events(REAL, recording_duration_s=3600.0)


def test_utf8_copy_reads_the_same(tmp_path: Path, real_events) -> None:
    p = tmp_path / "nox_utf8.csv"
    p.write_text(REAL.read_text(encoding="utf-16"), encoding="utf-8")
    ev = load_night_events(p)
    assert len(ev.movements) == 29 and len(ev.arousals) == 76
    assert len(ev.hypnogram.stages) == 848


def test_english_export_with_channels_crossing_midnight() -> None:
    df = read_annotation_file(FMT / "noxturnal_english.csv")
    assert df.attrs["format"] == "noxturnal"
    ev = load_night_events(
        FMT / "noxturnal_english.csv", start_datetime=datetime(2018, 7, 25, 23, 58)
    )
    assert ev.movements.to_dict("list") == {
        "onset": [70.0, 123.0],
        "duration": [2.1, 1.75],
        "side": ["left", "right"],
    }
    assert ev.hypnogram.start_s == 60.0
    assert ev.hypnogram.stages.tolist() == ["W", "N1", "N2", "R"]
    assert ev.respiratory["onset"].tolist() == [110.0]
    assert ev.arousals["onset"].tolist() == [124.0]


def test_missing_columns(tmp_path: Path) -> None:
    p = tmp_path / "nox.csv"
    p.write_text("Heure de début,Durée\n25/07/2018 23:45:40,0\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"columns: Heure de début, Durée"):
        read_annotation_file(p, format="noxturnal")


def test_unparseable_time(tmp_path: Path) -> None:
    p = tmp_path / "nox.csv"
    p.write_text("Start Time,End Time,Event,Duration\nyesterday,,MJ,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 2: unparseable start time 'yesterday'"):
        read_annotation_file(p)
