"""Property-based fuzzing of the EDF header and the annotation readers (issue 15).

Mutated inputs must only ever raise :class:`plm.events.InputError`, allocate no more than a
bound (tracemalloc), and write nothing: the folder holding the input is unchanged.  Sizes
are kept small and ``max_examples`` low so this runs in CI in well under a minute.
"""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

import numpy as np
from _edf_fixtures import RawEdf, RawSignal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plm.events import InputError
from plm.io import edf
from plm.io.annotations import load_night_events
from plm.io.recording import load_recording

MAX_BYTES = 64 << 20  # no input here may allocate more than this
SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

NUMBERS = st.sampled_from(
    ["0", "-0", "1", "-1", "1e308", "-1e308", "1e400", "inf", "-inf", "nan", "Infinity",
     "99999999", "-9999999", "32767", "-32768", "8388607", "0.0001", "1,5", "", " ", "x",
     "1e-300", "+1", "0x10", "1_000", "\x00\x00"]
)  # fmt: skip
TEXT = st.one_of(NUMBERS, st.text(max_size=8), st.integers(-(10**9), 10**9).map(str))
# (offset of the field block after the fixed header per signal count, width): see the EDF spec
_WIDTHS = {"label": 16, "transducer": 80, "dimension": 8, "pmin": 8, "pmax": 8, "dmin": 8,
           "dmax": 8, "prefilter": 80, "spr": 8}  # fmt: skip
SIGNAL_FIELDS = ("pmin", "pmax", "dmin", "dmax", "spr", "dimension", "label")
FIXED_FIELDS = ("duration", "n_records_text", "ns_text", "startdate", "starttime", "reserved")


def _base() -> RawEdf:
    rng = np.random.default_rng(0)
    n, fs = 4, 200
    return RawEdf(
        signals=[
            RawSignal("Leg L", fs, rng.integers(-500, 500, size=(n, fs))),
            RawSignal("Leg R", fs, rng.integers(-500, 500, size=(n, fs))),
            RawSignal("EDF Annotations", 30, None, dimension=""),
        ],
        n_records=n,
        reserved="EDF+C",
        annotations=[f"+{k}\x14\x14\x00".encode() for k in range(n)],
    )


def _patch(data: bytearray, ns: int, field: str, signal: int, text: str) -> None:
    """Write ``text`` into one per-signal header field of the file bytes."""
    offset = 256
    for name, width in _WIDTHS.items():
        if name == field:
            at = offset + signal * width
            data[at : at + width] = text.encode("utf-8", "replace").ljust(width)[:width]
            return
        offset += ns * width


def _guarded(folder: Path, call) -> None:
    """Run ``call``: only InputError may escape, memory bounded, nothing written."""
    before = sorted(os.listdir(folder))
    tracemalloc.start()
    try:
        call()
    except InputError as exc:
        assert "\n" not in str(exc).strip()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < MAX_BYTES, peak
    assert sorted(os.listdir(folder)) == before


@SETTINGS
@given(
    changes=st.lists(
        st.tuples(st.sampled_from(SIGNAL_FIELDS), st.integers(0, 2), TEXT), max_size=4
    ),
    fixed=st.lists(st.tuples(st.sampled_from(FIXED_FIELDS), TEXT), max_size=2),
    timekeeping=st.lists(st.tuples(st.integers(0, 3), NUMBERS), max_size=2),
    tail=st.binary(max_size=40),
)
def test_edf_header_fuzz(tmp_path_factory, changes, fixed, timekeeping, tail):
    raw = _base()
    for name, text in fixed:
        setattr(raw, name, text)
    for k, text in timekeeping:
        raw.annotations[k] = f"+{text}\x14\x14\x00".encode()[:60]
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / "f.edf"
    try:
        data = bytearray(raw.to_bytes())
    except (ValueError, UnicodeEncodeError, OverflowError):
        return  # the builder itself cannot write this combination
    for name, i, text in changes:
        _patch(data, len(raw.signals), name, i, text)
    path.write_bytes(bytes(data) + tail)

    def read() -> None:
        header = edf.read_header(path)
        edf.read_annotations(header)
        edf.segments(header)
        load_recording(path, allow_poor_signal=True)

    _guarded(folder, read)


TSV_CELLS = st.one_of(NUMBERS, st.sampled_from(['"', '"N2', "Sleep stage N2", "W", "\t"]))


@SETTINGS
@given(
    rows=st.lists(st.tuples(TSV_CELLS, TSV_CELLS, TSV_CELLS), min_size=1, max_size=20),
    header=st.sampled_from(
        ["onset\tduration\ttrial_type", "onset,duration,description", "Epoch Stage", ""]
    ),
)
def test_annotation_tsv_fuzz(tmp_path_factory, rows, header):
    folder = tmp_path_factory.mktemp("fuzz_tsv")
    path = folder / "events.tsv"
    sep = "," if "," in header else "\t"
    text = header + "\n" + "".join(sep.join(r) + "\n" for r in rows)
    path.write_text(text, encoding="utf-8")
    _guarded(folder, lambda: load_night_events(path))


@SETTINGS
@given(
    rate=st.one_of(NUMBERS.map(lambda t: f"{t} s"), st.text(max_size=10)),
    start=st.sampled_from(["22:00:00", "25:61:00", "", "x", "1e308"]),
    stages=st.lists(st.sampled_from(["Wach", "N1", "N2", "N3", "Rem", "?", "A"]), max_size=20),
)
def test_domino_profile_fuzz(tmp_path_factory, rate, start, stages):
    folder = tmp_path_factory.mktemp("fuzz_domino")
    path = folder / "Sleep profile - f.txt"
    lines = [
        "Signal ID: SchlafProfil\\profil",
        "Start Time: 01.01.2026 22:00:00",
        "Version: 1.0",
        f"Rate: {rate}",
        "Events list: N3,N2,N1,REM,Wake,Artefakt",
        "",
    ]
    lines += [f"{start},000; {s}" for s in stages]
    path.write_text("\n".join(lines) + "\n", encoding="latin-1", errors="replace")
    _guarded(folder, lambda: load_night_events(path))
