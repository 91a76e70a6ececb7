"""PLMResult.from_dir is the inverse of to_dir: same frames and summary, same bytes."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import plm
from plm.events import InputError
from plm.results import PLMResult

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "night01.edf"


def _bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _rounded(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame as to_dir writes it: floats to 4 decimals."""
    out = frame.copy()
    for c in out.columns:
        if out[c].dtype == float:
            out[c] = out[c].round(4)
    return out


def _same_frame(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Equal values (floats to 4 decimals) and dtypes (text as any string dtype)."""
    pd.testing.assert_frame_equal(
        _rounded(a).reset_index(drop=True), b, check_exact=False, atol=1e-4, rtol=0,
        check_dtype=False,
    )  # fmt: skip
    for c in a.columns:
        if pd.api.types.is_numeric_dtype(a[c]) and len(a):
            assert a[c].dtype == b[c].dtype, c


@pytest.fixture(scope="module")
def results() -> list[PLMResult]:
    """A recording scored (hypnogram, gaps), scored events without hypnogram, an AASM night."""
    emg = plm.score(SAMPLE)
    events = plm.score_events(
        pd.DataFrame(
            {
                "onset": [10.0, 30.0, 50.0, 70.0, 90.0, 95.0, 400.0],
                "duration": [1.0, 1.5, 2.0, 1.0, 12.0, 0.7, 1.0],
                "side": ["left", "right", "left", "left", "right", "left", "right"],
                "note": ["a", "b", "", "c", "d", "e", "f"],
            }
        ),
        stem="events",
    )
    aasm = plm.score(SAMPLE, rules="aasm2012")
    aasm.stem = "aasm"
    return [emg, events, aasm]


@pytest.mark.parametrize("which", [0, 1, 2])
def test_from_dir_inverts_to_dir(results, which, tmp_path):
    res = results[which]
    first, second = tmp_path / "a", tmp_path / "b"
    res.to_dir(first)
    back = PLMResult.from_dir(first)
    assert back.stem == res.stem
    _same_frame(res.candidates, back.candidates)
    _same_frame(res.movements, back.movements)
    assert back.summary == plm.results.to_jsonable(res.summary)
    assert back.rules == res.rules
    if res.events.hypnogram is None:
        assert back.events.hypnogram is None
    else:
        np.testing.assert_array_equal(back.events.hypnogram.stages, res.events.hypnogram.stages)
        assert back.events.hypnogram.epoch_s == res.events.hypnogram.epoch_s
    want_gaps = res.events.gaps.reindex(columns=["onset", "duration", "reason"])
    _same_frame(want_gaps, back.events.gaps)
    assert back.events.start_datetime == res.events.start_datetime
    assert back.events.sources == res.summary["inputs"]
    # writing the re-read result gives the same bytes
    back.to_dir(second)
    assert _bytes(first) == _bytes(second)
    # and reading that again gives exactly the same frames
    again = PLMResult.from_dir(second / f"{res.stem}_summary.json")
    pd.testing.assert_frame_equal(again.candidates, back.candidates)
    pd.testing.assert_frame_equal(again.movements, back.movements)


def test_from_dir_start_and_file_argument(results, tmp_path):
    """The start time comes back as a datetime; a summary file names the result too.

    (Folder errors: tests/test_review.py::test_from_dir_errors.)
    """
    res = results[0]
    res.to_dir(tmp_path, stem="other")
    back = PLMResult.from_dir(tmp_path / "other_summary.json")
    assert back.stem == "other" and back.directory == tmp_path
    assert isinstance(back.start, datetime) and back.start == res.start
    with pytest.raises(InputError, match="expected a"):
        PLMResult.from_dir(tmp_path / "other_candidates.tsv")


def test_empty_night_round_trip(tmp_path):
    res = plm.score_events(
        pd.DataFrame({"onset": [], "duration": [], "side": []}), hypnogram=["W", "N2"]
    )
    res.to_dir(tmp_path / "a")
    back = PLMResult.from_dir(tmp_path / "a")
    assert len(back.candidates) == 0 and list(back.candidates) == list(res.candidates)
    back.to_dir(tmp_path / "b")
    assert _bytes(tmp_path / "a") == _bytes(tmp_path / "b")
