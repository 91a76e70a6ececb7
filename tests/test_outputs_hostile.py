"""Hostile output options (issue 15): ``--out`` / ``--dest`` / ``--stem`` that cannot work.

Every command refuses an output folder that is an existing file, ``/dev/null``, a path
under a file or a name too long for the file system with one line and exit code 2, and
no output ever lands outside ``--out``, whatever the stem or the recording's name.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from _hostile_fixtures import tiny_edf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.cli import main
from pipelines.discover import unique_keys
from plm._util import MAX_STEM_BYTES, check_stem, output_file, safe_stem, stem_of
from plm.events import InputError

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "night01.edf"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("inputs")
    (d / "folder").mkdir()
    tiny_edf(d / "folder" / "night.edf")
    (d / "events.tsv").write_text("onset\tduration\ttrial_type\n1\t1\tLM\n")
    (d / "edits.json").write_text("{}")
    return {"edf": d / "folder" / "night.edf", "dir": d / "folder", **{
        "tsv": d / "events.tsv", "edits": d / "edits.json"}}  # fmt: skip


def _argv(command: str, inputs: dict[str, Path], out: str) -> list[str]:
    edf, folder = str(inputs["edf"]), str(inputs["dir"])
    return {
        "score": ["score", edf, "--out", out],
        "score-events": ["score-events", str(inputs["tsv"]), "--out", out],
        "score-accel": ["score-accel", edf, "--out", out],
        "sit": ["sit", edf, "--window", "0", "10", "--out", out],
        "batch": ["batch", folder, "--out", out],
        "merge": ["merge", folder, "--out", out],
        "report": ["report", folder, "--out", out],
        "review": ["review", folder, "--out", out],
        "rescore": ["rescore", edf, "--edits", str(inputs["edits"]), "--out", out],
        "export-annotations": ["export-annotations", folder, "--out", out],
        "fetch": ["fetch", "physionet", "capslpdb", "n1", "--dest", out],
        "validate-cap": ["validate-cap", "--records", "n1", "--out", out],
        "validate-cap --dest": ["validate-cap", "--records", "n1", "--dest", out],
    }[command]


COMMANDS = [
    "score", "score-events", "score-accel", "sit", "batch", "merge", "report", "review",
    "rescore", "export-annotations", "fetch", "validate-cap", "validate-cap --dest",
]  # fmt: skip
#: Commands whose --out may also be a file to write (an existing one is replaced).
FILE_OUT = {"review", "export-annotations"}
BAD_OUTS = ["existing file", "/dev/null", "under a file", "name too long", "path too long"]


def _bad_out(kind: str, tmp: Path) -> str:
    (tmp / "file.txt").write_text("not a folder")
    return {
        "existing file": str(tmp / "file.txt"),
        "/dev/null": os.devnull,
        "under a file": str(tmp / "file.txt" / "sub"),
        "name too long": str(tmp / ("x" * 300)),
        "path too long": str(tmp / "/".join(["y" * 200] * 25)),
    }[kind]


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("plm: error: "), err
    assert "Traceback" not in err[0]
    return err[0]


#: every (command, unusable --out) pair; a command writing one file may replace an existing
#: regular file (tested below), so that pair is not an error case
CASES = [
    (command, kind)
    for command in COMMANDS
    for kind in BAD_OUTS
    if not (command in FILE_OUT and kind == "existing file")
]


@pytest.mark.parametrize(("command", "kind"), CASES)
def test_unusable_output_folder_is_one_line(command, kind, inputs, tmp_path, capsys):
    out = _bad_out(kind, tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    rc = main(_argv(command, inputs, out))
    line = _one_line_error(capsys)
    assert rc == 2, line
    assert ("--dest" if command in ("fetch", "validate-cap --dest") else "--out") in line
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing made


def test_file_output_may_replace_a_regular_file_but_not_a_device(inputs, tmp_path, capsys):
    from plm._util import check_output_dir

    target = tmp_path / "page.html"
    target.write_text("old")
    assert check_output_dir(target, file_ok=True) == target
    with pytest.raises(InputError, match="device"):
        check_output_dir(os.devnull, file_ok=True)


@pytest.mark.parametrize("stem", ["../../x", "..", ".", "a/b", "...", ".hidden", "a\nb", "z" * 200])
@pytest.mark.parametrize("command", ["score", "score-events", "score-accel", "sit"])
def test_bad_stem_is_one_line_and_writes_nothing(command, stem, inputs, tmp_path, capsys):
    out = tmp_path / "a" / "b" / "out"
    rc = main([*_argv(command, inputs, str(out)), "--stem", stem])
    line = _one_line_error(capsys)
    assert rc == 2 and "--stem" in line
    assert list(tmp_path.rglob("*")) == [tmp_path / "a", tmp_path / "a" / "b"] or not list(
        tmp_path.rglob("*_summary.json")
    )
    assert not list(tmp_path.rglob("*.*"))


def test_disk_errors_of_a_command_are_one_line(tmp_path, capsys, monkeypatch):
    """An OSError nobody expected (disk full) still ends as one line naming the file."""
    import errno

    import plm.results

    def full(frame, path):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(plm.results, "write_tsv", full)
    tsv = tmp_path / "ev.tsv"
    tsv.write_text("onset\tduration\ttrial_type\n1\t1\tLM\n")
    rc = main(["score-events", str(tsv), "--out", str(tmp_path / "out")])
    line = _one_line_error(capsys)
    assert rc == 2 and "No space left on device" in line and "_candidates.tsv" in line


# ---------------------------------------------------------------------------------------
# no output outside --out: the stem rule, batch keys and the writers
# ---------------------------------------------------------------------------------------

NAMES = st.lists(st.sampled_from([*"./\\\x00\n\t -_aZé€", "..", "...", "x" * 40]), max_size=12).map(
    "".join
)


def _inside(path: Path, root: Path) -> bool:
    return os.path.commonpath([os.path.abspath(path), os.path.abspath(root)]) == str(
        os.path.abspath(root)
    )


@settings(max_examples=300, deadline=None)
@given(stem=NAMES | st.text(max_size=300))
def test_a_stem_either_is_refused_or_names_a_file_inside_the_folder(stem, tmp_path_factory):
    root = Path("/nonexistent/out")
    try:
        path = output_file(root, stem, "_summary.json")
    except InputError:
        assert safe_stem(stem) != stem
        return
    assert path.parent == root and _inside(path, root)
    assert len(os.fsencode(path.name)) <= 255 - 14
    assert safe_stem(stem) == stem


@settings(max_examples=300, deadline=None)
@given(names=st.lists(NAMES | st.text(max_size=300), min_size=1, max_size=6))
def test_batch_keys_of_any_file_names_are_plain_and_unique(names):
    recordings = [Path("/data") / f"d{i}" / f"{n}.edf" for i, n in enumerate(names)]
    keys = unique_keys(recordings)
    assert len({k.lower() for k in keys}) == len(keys)
    for k in keys:
        check_stem(k)
        assert _inside(Path("/out") / k / f"{k}_summary.json", Path("/out"))
        assert len(k.encode("utf-8", "surrogateescape")) <= MAX_STEM_BYTES


def test_default_stems_of_odd_names_are_plain():
    assert stem_of("/data/...edf") == "recording"
    assert stem_of("/data/.hidden.edf") == "hidden"
    assert stem_of("night01.edf") == "night01"
    assert check_stem(stem_of("a" * 300 + ".edf"))


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    """A small result (score-events of a few LMs) to write with hostile stems."""
    from plm.api import score_events

    d = tmp_path_factory.mktemp("scored")
    tsv = d / "ev.tsv"
    rows = "".join(f"{10 + 20 * i}\t1\tLM\n" for i in range(6))
    tsv.write_text("onset\tduration\ttrial_type\n" + rows)
    return score_events(str(tsv))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(stem=NAMES)
def test_writers_write_nothing_outside_out(stem, scored, tmp_path):
    from pipelines.review import REVIEW_SUFFIX, write_review_edf

    root = tmp_path / f"case{abs(hash(stem))}"
    out = root / "a" / "b" / "out"
    out.mkdir(parents=True, exist_ok=True)
    try:
        scored.to_dir(out, stem=stem)
        write_review_edf(scored, output_file(out, stem, REVIEW_SUFFIX))
    except InputError:
        assert safe_stem(stem) != stem
    written = [p for p in root.rglob("*") if p.is_file()]
    assert all(_inside(p, out) for p in written), written
