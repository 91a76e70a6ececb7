"""EDF+ annotations: the real Sleep-EDF hypnogram and EDF+ files written here."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from plm.events import InputError
from plm.io.annotations import load_night_events, read_annotation_file
from plm.io.edf import SignalSpec, write_edf

HYPNO = Path(__file__).parent / "data" / "real" / "SC4001EC-Hypnogram.edf"

SLEEP_EDF_CODES = {
    "Sleep stage W": "W",
    "Sleep stage 1": "N1",
    "Sleep stage 2": "N2",
    "Sleep stage 3": "N3",
    "Sleep stage 4": "N3",
    "Sleep stage R": "R",
    "Sleep stage ?": "unscored",
    "Movement time": "unscored",
}


def test_sleep_edf_hypnogram_matches_mne() -> None:
    mne = pytest.importorskip("mne")
    ann = mne.read_annotations(HYPNO)
    expected: Counter[str] = Counter()
    for d, dur in zip(ann.description, ann.duration, strict=True):
        expected[SLEEP_EDF_CODES[d]] += int(round(dur / 30.0))
    ev = load_night_events(HYPNO)
    got = Counter(ev.hypnogram.stages.tolist())
    assert got == expected
    assert got == {"W": 1997, "N2": 250, "unscored": 230, "N3": 220, "R": 125, "N1": 58}
    assert len(ev.hypnogram.stages) == 2880
    assert ev.start_datetime == "1989-04-24T16:13:00"
    assert ev.unmapped_labels == {}


def test_sleep_edf_intermediate_table() -> None:
    df = read_annotation_file(HYPNO)
    assert df.attrs["format"] == "edf"
    assert len(df) == 154
    assert df["description"].iloc[0] == "Sleep stage W"
    assert (df["onset"].iloc[1], df["duration"].iloc[1]) == (30630.0, 120.0)


def _write(path: Path, start: datetime, annotations: pd.DataFrame) -> Path:
    sig = SignalSpec("EMG", np.zeros(60 * 10), 10.0, physical_min=-100.0, physical_max=100.0)
    return write_edf(path, [sig], start, annotations=annotations)


def test_edf_plus_own_annotations(tmp_path: Path) -> None:
    ann = pd.DataFrame(
        {
            "onset": [0.0, 30.0, 12.5, 20.0, 40.0, 45.0],
            "duration": [30.0, 30.0, 1.5, 2.0, 10.0, 0.0],
            "description": ["Sleep stage W", "Sleep stage N2", "LM left", "LM right",
                            "Hypopnea", "Lights on"],
        }
    )  # fmt: skip
    p = _write(tmp_path / "psg.edf", datetime(2020, 1, 1, 23, 0, 0), ann)
    ev = load_night_events(p)
    assert ev.movements["side"].tolist() == ["left", "right"]
    assert ev.movements["onset"].tolist() == [12.5, 20.0]
    assert ev.hypnogram.stages.tolist() == ["W", "N2"]
    assert ev.respiratory["onset"].tolist() == [40.0]
    assert ev.lights_on_s == 45.0
    assert ev.start_datetime == "2020-01-01T23:00:00"


def test_separate_hypnogram_file_shifted_to_recording_start(tmp_path: Path) -> None:
    ann = pd.DataFrame({"onset": [0.0], "duration": [60.0], "description": ["Sleep stage 2"]})
    p = _write(tmp_path / "hyp.edf", datetime(2020, 1, 1, 23, 0, 30), ann)
    ev = load_night_events(p, start_datetime=datetime(2020, 1, 1, 23, 0, 0))
    assert ev.hypnogram.start_s == 30.0
    assert any("onsets shifted by 30 s" in w for w in ev.warnings)


def test_not_an_edf(tmp_path: Path) -> None:
    p = tmp_path / "x.edf"
    p.write_bytes(b"0       " + b"\0" * 100)
    with pytest.raises(InputError) as exc:
        load_night_events(p)
    assert Path(exc.value.source).name == "x.edf"
