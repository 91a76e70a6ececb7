"""Broken and implausible annotation files: refused in one line, never scored silently.

Each case reproduces a report of the hostile-input probe: a stray quote swallowing rows, a
DOMINO rate of 1e308 s read as 1 s, epochs of 1 µs allocating gigabytes, an onset of 1e308 s
taken as the recording length, an XML file declaring an unknown encoding.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from plm.events import InputError
from plm.io.annotations import EPOCH_RANGE_S, load_night_events

FMT = Path(__file__).parent / "data" / "formats"


def _tsv(tmp_path: Path, rows: list[str]) -> Path:
    p = tmp_path / "events.tsv"
    p.write_text("onset\tduration\ttrial_type\n" + "".join(r + "\n" for r in rows))
    return p


def test_unbalanced_quote_is_refused_naming_the_line(tmp_path):
    rows = [f"{30 * i}\t30\tSleep stage N2" for i in range(200)]
    rows[3] = '90\t30\tSleep stage "N2'  # one stray quote used to swallow the rest
    with pytest.raises(InputError, match=r"line 5: unbalanced quote") as info:
        load_night_events(_tsv(tmp_path, rows))
    assert "events.tsv" in str(info.value)


def test_quoted_fields_on_one_line_still_read(tmp_path):
    ev = load_night_events(_tsv(tmp_path, ['0\t30\t"Sleep stage W"', "30\t30\tSleep stage N1"]))
    assert ev.hypnogram.stages.tolist() == ["W", "N1"]


def _domino(tmp_path: Path, rate: str) -> Path:
    text = (FMT / "Sleep profile - synth.txt").read_text(encoding="latin-1")
    p = tmp_path / "Sleep profile - x.txt"
    p.write_text(text.replace("Rate: 30 s", f"Rate: {rate}"), encoding="latin-1")
    return p


@pytest.mark.parametrize("rate", ["1e308 s", "1E+308 s", "1e-6 s", "0,000001 s"])
def test_domino_implausible_rate_is_refused(tmp_path, rate):
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="epoch length .* outside the plausible"):
            load_night_events(_domino(tmp_path, rate))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50e6  # nothing was allocated per epoch


def test_domino_rate_in_minutes_is_read(tmp_path):
    # 0.5 min = 30 s: the unit suffix still applies
    ev = load_night_events(_domino(tmp_path, "0.5 min"))
    assert ev.hypnogram.epoch_s == 30.0


def test_unusual_epoch_accepted_on_request_with_a_warning(tmp_path):
    p = tmp_path / "nsrr.xml"
    p.write_text((FMT / "nsrr_sample.xml").read_text().replace(">30<", ">10<", 1))
    with pytest.raises(InputError, match="EpochLength|epoch length"):
        load_night_events(p)
    # the grid of a 30-s file does fit 10-s epochs: accepted, and the warning says so
    ev = load_night_events(p, allow_implausible=True)
    assert ev.hypnogram.epoch_s == 10.0
    assert any("epoch length 10 s" in w for w in ev.warnings)
    assert EPOCH_RANGE_S == (20.0, 60.0)


def test_nsrr_xml_tiny_epoch_refused_even_on_request(tmp_path):
    p = tmp_path / "nsrr.xml"
    p.write_text((FMT / "nsrr_sample.xml").read_text().replace(">30<", ">1e-6<", 1))
    with pytest.raises(InputError, match="outside the plausible"):
        load_night_events(p, allow_implausible=True)


def test_onset_of_1e308_is_refused_not_taken_as_the_recording_length(tmp_path):
    rows = ["0\t30\tSleep stage W", "30\t30\tSleep stage N2", "1e308\t1\tLM"]
    with pytest.raises(InputError, match=r"more than 7 days"):
        load_night_events(_tsv(tmp_path, rows))


def test_duration_of_1e308_is_refused(tmp_path):
    rows = ["0\t30\tSleep stage W", "60\t1e308\tobstructive apnea"]
    with pytest.raises(InputError, match=r"more than 7 days"):
        load_night_events(_tsv(tmp_path, rows))


def test_unknown_xml_encoding_is_one_line(tmp_path):
    p = tmp_path / "odd.xml"
    text = (FMT / "nsrr_sample.xml").read_text()
    p.write_text(text.replace('encoding="UTF-8"', 'encoding="x-no-such-codec"'))
    with pytest.raises(InputError, match="unreadable XML") as info:
        load_night_events(p)
    assert "odd.xml" in str(info.value)
