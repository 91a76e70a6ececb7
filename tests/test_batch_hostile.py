"""Hostile batch inputs and a hostile machine (issue 15).

Symbolic-link loops, FIFOs and devices in an input folder, headers that make the reader
overflow, a full disk for the nights or for the cohort tables, and a parent process
killed with SIGKILL while its workers run.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from _hostile_fixtures import tiny_edf

from pipelines import batch
from pipelines.cli import main
from pipelines.discover import discover_recordings

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file types and signals")


def _set_digital_max(path: Path, text: str) -> None:
    """Overwrite the digital maximum of signal 0 in an EDF header."""
    raw = bytearray(path.read_bytes())
    ns = int(raw[252:256].decode().strip())
    offset = 256 + ns * (16 + 80 + 8 + 8 + 8 + 8)
    raw[offset : offset + 8] = text.ljust(8).encode("ascii")
    path.write_bytes(bytes(raw))


def _discover_within(seconds: float, *args, **kwargs) -> list[Path]:
    """discover_recordings in a thread: a hang fails the test instead of the suite."""
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["found"] = discover_recordings(*args, **kwargs)
        except BaseException as exc:  # reported below
            box["error"] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), "discovery hangs"
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["found"]  # type: ignore[return-value]


# ---------------------------------------------------------------------------------------
# discovery: links, FIFOs, devices, unreadable headers
# ---------------------------------------------------------------------------------------


def test_symlink_loops_are_skipped_with_a_warning(tmp_path, caplog):
    d = tmp_path / "data"
    d.mkdir()
    good = tiny_edf(d / "good.edf")
    os.symlink(d / "loop_b.edf", d / "loop_a.edf")
    os.symlink(d / "loop_a.edf", d / "loop_b.edf")
    os.symlink(d / "missing.edf", d / "dangling.edf")
    (d / "sub").mkdir()
    os.symlink(d, d / "sub" / "up")  # a folder link back up: never walked
    with caplog.at_level(logging.WARNING):
        found = _discover_within(30, [d])
    assert found == [good]
    text = caplog.text
    assert "loop_a.edf" in text and "loop_b.edf" in text and "dangling.edf" in text
    found = _discover_within(30, [d / "loop_a.edf", good])  # named explicitly: same
    assert found == [good]


def test_links_out_of_the_tree_are_followed_once(tmp_path):
    outside = tiny_edf(tmp_path / "elsewhere" / "night.edf")
    d = tmp_path / "data"
    (d / "a").mkdir(parents=True)
    os.symlink(outside, d / "a" / "x.edf")
    os.symlink(outside, d / "y.edf")
    os.symlink(tmp_path / "elsewhere", d / "linked_folder")  # folder links are not walked
    assert _discover_within(30, [d]) == [outside.resolve()]


def test_fifo_and_devices_are_skipped_not_read(tmp_path, caplog):
    d = tmp_path / "data"
    d.mkdir()
    good = tiny_edf(d / "good.edf")
    os.mkfifo(d / "pipe.edf")  # opening it for reading would block forever
    os.symlink("/dev/zero", d / "zero.edf")
    with caplog.at_level(logging.WARNING):
        assert _discover_within(30, [d]) == [good]
        assert _discover_within(30, [d / "pipe.edf", "/dev/zero", good]) == [good]
    assert "pipe.edf" in caplog.text and "not a regular file" in caplog.text


def test_batch_of_only_a_fifo_is_a_usage_error_not_a_hang(tmp_path, capsys):
    os.mkfifo(tmp_path / "pipe.edf")
    rc = main(["batch", str(tmp_path / "pipe.edf"), "/dev/zero", "--out", str(tmp_path / "o")])
    assert rc == 2
    assert "no recordings found" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["inf", "1e400", "nan", "-inf"])
def test_overflowing_digital_range_is_one_failed_row(tmp_path, value, capsys):
    d = tmp_path / "data"
    d.mkdir()
    bad = tiny_edf(d / "bad.edf")
    _set_digital_max(bad, value)
    tiny_edf(d / "other.edf")
    assert [p.name for p in _discover_within(30, [d])] == ["bad.edf", "other.edf"]
    out = tmp_path / "out"
    assert main(["batch", str(d), "--out", str(out)]) == 1
    table = batch.read_cohort(out).set_index("recording")
    assert table.loc["bad", "status"] == "failed"
    assert "bad.edf" in (out / "errors.tsv").read_text()


def test_any_header_error_keeps_the_file_for_a_failed_row(tmp_path, monkeypatch):
    import plm.io.edf

    d = tmp_path / "data"
    d.mkdir()
    tiny_edf(d / "a.edf")
    tiny_edf(d / "b.edf")

    def broken(path, *args, **kwargs):
        raise OverflowError("cannot convert float infinity to integer")

    monkeypatch.setattr(plm.io.edf, "read_header", broken)
    assert [p.name for p in _discover_within(30, [d])] == ["a.edf", "b.edf"]


# ---------------------------------------------------------------------------------------
# odd recording names: every output inside --out
# ---------------------------------------------------------------------------------------


def test_odd_recording_names_write_only_inside_out(tmp_path, fake_score):
    d = tmp_path / "data"
    (d / "sub").mkdir(parents=True)
    names = ["...edf", "..edf", ".hidden.edf", "a\nb.edf", "back\\slash.edf", "é" * 120 + ".edf"]
    for name in names:
        tiny_edf(d / name)
    tiny_edf(d / "sub" / "...edf")  # same stem in another folder: key with its folder name
    out = tmp_path / "deep" / "out"
    assert main(["batch", str(d), "--out", str(out)]) == 0
    table = batch.read_cohort(out)
    assert len(table) == len(names) + 1 and set(table["status"]) == {"ok"}
    outside = [
        p for p in tmp_path.rglob("*")
        if p.is_file() and d not in p.parents and out not in p.parents
    ]  # fmt: skip
    assert outside == []
    for key in table["recording"]:
        assert (out / key / f"{key}_summary.json").is_file()
        assert (out / key).parent == out and not key.startswith(".")


# ---------------------------------------------------------------------------------------
# disk full
# ---------------------------------------------------------------------------------------


@pytest.fixture()
def fake_score(monkeypatch, tmp_path_factory):
    """plm.api.score replaced by a quick result (a few LMs, no EMG): batches in ms."""
    import plm.api

    d = tmp_path_factory.mktemp("events")
    tsv = d / "ev.tsv"
    tsv.write_text(
        "onset\tduration\ttrial_type\n" + "".join(f"{10 + 20 * i}\t1\tLM\n" for i in range(6))
    )

    def score(recording, annotations=None, keep_signals=False, **kwargs):
        result = plm.api.score_events(str(tsv))
        result.stem = result.summary["stem"] = Path(recording).stem
        return result

    monkeypatch.setattr(plm.api, "score", score)


def _disk_full_for(monkeypatch, predicate) -> None:
    """``os.fsync`` fails with ENOSPC for files whose path satisfies ``predicate``.

    Every atomic write syncs before renaming, so this is where a full disk shows.
    """
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        try:
            path = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            path = ""
        if predicate(path):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)


@pytest.fixture()
def two_nights(tmp_path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    tiny_edf(d / "n1.edf")
    tiny_edf(d / "n2.edf")
    return d


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_full_disk_for_the_nights_still_writes_the_cohort_tables(
    two_nights, tmp_path, monkeypatch, fake_score, capsys
):
    out = tmp_path / "out"
    _disk_full_for(monkeypatch, lambda p: p.startswith(str(out) + "/n"))
    assert main(["batch", str(two_nights), "--out", str(out)]) == 1
    table = pd.read_csv(out / "cohort_summary.tsv", sep="\t")
    assert list(table["status"]) == ["failed", "failed"]
    assert table["error"].str.contains("No space left on device").all()
    errors = (out / "errors.tsv").read_text().splitlines()
    assert len(errors) == 3 and "No space left on device" in errors[1]
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
@pytest.mark.parametrize("failing", ["cohort_summary.tsv", "errors.tsv"])
def test_full_disk_for_the_cohort_tables_is_one_line_and_no_partial_file(
    two_nights, tmp_path, monkeypatch, fake_score, capsys, failing
):
    out = tmp_path / "out"
    _disk_full_for(monkeypatch, lambda p: Path(p).name.startswith(f".{failing}."))
    assert main(["batch", str(two_nights), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if "error" in ln]
    assert len(lines) == 1 and lines[0].startswith("plm: error: "), err
    assert "No space left on device" in lines[0] and "Traceback" not in err
    assert sorted(p.name for p in out.iterdir()) == ["n1", "n2"]  # no table, no temporary
    # the nights are kept: a rerun (with room) skips them and writes the tables
    monkeypatch.undo()
    assert main(["batch", str(two_nights), "--out", str(out)]) == 0
    assert set(batch.read_cohort(out)["status"]) == {"skipped"}
    assert (out / "errors.tsv").is_file()


# ---------------------------------------------------------------------------------------
# SIGKILL of the parent: no worker survives
# ---------------------------------------------------------------------------------------

_SLOW_SCORER = textwrap.dedent(
    """
    import os, time

    def score(recording, annotations=None, keep_signals=False, **kwargs):
        open(os.path.join(os.environ["PLM_TEST_PIDS"], str(os.getpid())), "w").close()
        time.sleep(300)
    """
)

_BATCH_WITH_SLOW_SCORER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv.pop(1))  # slowscorer.py; spawned workers inherit sys.path
    from pipelines import batch
    from pipelines.cli import main

    make_jobs = batch.make_jobs
    batch.make_jobs = lambda recs, out, **o: make_jobs(recs, out, **o, scorer="slowscorer:score")
    sys.exit(main(sys.argv[1:]))
    """
)


def _alive(pid: int) -> bool:
    """The process exists and is not a zombie (a dead child nobody reaped)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_sigkill_of_the_parent_ends_its_workers(two_nights, tmp_path):
    (tmp_path / "slowscorer.py").write_text(_SLOW_SCORER)
    pids_dir = tmp_path / "pids"
    pids_dir.mkdir()
    cmd = [sys.executable, "-c", _BATCH_WITH_SLOW_SCORER, str(tmp_path), "batch",
           str(two_nights), "--out", str(tmp_path / "out"), "--jobs", "2"]  # fmt: skip
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PLM_TEST_PIDS": str(pids_dir)},
        start_new_session=True,
    )
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while len(workers) < 2:
            assert proc.poll() is None, "batch ended before its workers started"
            assert time.monotonic() < deadline, "workers did not start"
            time.sleep(0.1)
            workers = [int(p.name) for p in pids_dir.iterdir()]
        os.kill(proc.pid, signal.SIGKILL)  # the parent only: not its process group
        proc.wait(timeout=30)
        deadline = time.monotonic() + 15
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        survivors = [w for w in workers if _alive(w)]
        assert survivors == [], "workers outlived their killed parent"
    finally:
        for pid in [proc.pid, *workers]:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        if proc.poll() is None:
            proc.wait(timeout=30)


_PARENT_OF_A_WATCHED_CHILD = textwrap.dedent(
    """
    import subprocess, sys, time
    child = '''
    import os, sys, time
    sys.platform = "other"  # no prctl: the portable watchdog thread alone
    from pipelines.runner import exit_with_parent
    exit_with_parent(int(sys.argv[1]), poll_s=0.1)
    open(sys.argv[2], "w").write(str(os.getpid()))
    time.sleep(300)
    '''
    import os
    subprocess.Popen([sys.executable, "-c", child, str(os.getpid()), sys.argv[1]])
    time.sleep(300)
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_watchdog_thread_alone_ends_an_orphaned_worker(tmp_path):
    pid_file = tmp_path / "child.pid"
    proc = subprocess.Popen(
        [sys.executable, "-c", _PARENT_OF_A_WATCHED_CHILD, str(pid_file)],
        start_new_session=True,
    )
    child = None
    try:
        deadline = time.monotonic() + 60
        while not (pid_file.is_file() and pid_file.read_text()):
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.05)
        child = int(pid_file.read_text())
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(child)
    finally:
        for pid in [proc.pid, child]:
            if pid is not None:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.wait(timeout=30)
