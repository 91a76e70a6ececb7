"""Batch pipeline: discovery, pairing, failures, resume, kill/rerun, shards and merge."""

from __future__ import annotations

import concurrent.futures as cf
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipelines import batch, runner
from pipelines.cli import main
from plm.io.edf import SignalSpec, read_header, write_edf

DURATION_S = 2400  # 40-min nights (the synthetic night starts with 10-25 min of wake)
FS_HZ = 200
GOOD = ["night_a", "night_b", "night_c"]


def make_night(path: Path, seed: int, hypnogram: bool = True) -> None:
    """A generated night as EDF+ (legs only, with or without EDF+ annotations)."""
    from plm import simulate as synth

    night = synth.simulate_night(DURATION_S, FS_HZ, seed=seed)
    if hypnogram:
        synth.write_night_edf(night, path, other_channels=False)
        return
    n = DURATION_S * FS_HZ
    write_edf(
        path,
        [
            SignalSpec("Leg L", night.left_uv[:n], FS_HZ, "uV", -3000, 3000),
            SignalSpec("Leg R", night.right_uv[:n], FS_HZ, "uV", -3000, 3000),
        ],
        night.start_datetime,
    )


@pytest.fixture(scope="module")
def cohort(tmp_path_factory) -> Path:
    """Three good nights, one without hypnogram, one truncated, one without leg channels."""
    d = tmp_path_factory.mktemp("cohort")
    for i, name in enumerate(GOOD):
        make_night(d / f"{name}.edf", seed=100 + i)
    make_night(d / "no_hypnogram.edf", seed=200, hypnogram=False)
    shutil.copy(d / "night_a.edf", d / "corrupt.edf")
    with open(d / "corrupt.edf", "r+b") as fh:
        fh.truncate(read_header(d / "night_a.edf").header_bytes + 4000)
    write_edf(
        d / "no_legs.edf",
        [SignalSpec("C3-M2", np.zeros(DURATION_S * 10, np.float32), 10, "uV", -100, 100)],
        datetime(2026, 1, 1, 22, 0),
    )
    return d


@pytest.fixture(scope="module")
def reference(cohort, tmp_path_factory) -> tuple[Path, int]:
    """One uninterrupted batch run of the cohort (in-process, --jobs 1)."""
    out = tmp_path_factory.mktemp("ref") / "out"
    rc = main(["batch", str(cohort), "--out", str(out)])
    return out, rc


def _table(out: Path) -> pd.DataFrame:
    return batch.read_cohort(out).set_index("recording")


def _statuses(out: Path) -> dict[str, str]:
    return _table(out)["status"].to_dict()


def _metrics(out: Path) -> pd.DataFrame:
    t = _table(out)
    cols = ["status", "tst_h", "plms_index", "plmw_index", "periodicity_index", "n_plms", "n_plm"]
    return t[cols].sort_index()


def _copy_inputs(src: Path, dst: Path, names: list[str]) -> Path:
    dst.mkdir(parents=True, exist_ok=True)
    for n in names:
        shutil.copy(src / f"{n}.edf", dst / f"{n}.edf")
    return dst


# ---------------------------------------------------------------------------------------
# failures are isolated and reported
# ---------------------------------------------------------------------------------------


def test_batch_scores_good_and_reports_exactly_the_bad(reference, cohort):
    out, rc = reference
    assert rc == 1
    errors = pd.read_csv(out / "errors.tsv", sep="\t")
    assert list(errors.columns) == ["recording", "error"]
    assert sorted(errors["recording"]) == ["corrupt", "no_legs"]
    assert (
        errors.set_index("recording")
        .loc["corrupt", "error"]
        .startswith(str(cohort / "corrupt.edf"))
    )
    assert "leg" in errors.set_index("recording").loc["no_legs", "error"]
    status = _statuses(out)
    assert status == {
        "corrupt": "failed",
        "no_legs": "failed",
        "night_a": "ok",
        "night_b": "ok",
        "night_c": "ok",
        "no_hypnogram": "ok",
    }
    t = _table(out)
    assert pd.isna(t.loc["no_hypnogram", "plms_index"])  # never a fake PLMS index
    assert t.loc["no_hypnogram", "plm_rec_index"] >= 0
    assert (t.loc[GOOD, "plms_index"] >= 0).all()
    for name in [*GOOD, "no_hypnogram"]:
        folder = out / name
        for suffix in (
            "_candidates.tsv",
            "_movements.tsv",
            "_summary.json",
            "_gaps.tsv",
            "_plm_annotations.edf",
            "_manifest.json",
        ):
            assert (folder / f"{name}{suffix}").is_file(), (name, suffix)
        manifest = json.loads((folder / f"{name}_manifest.json").read_text())
        for f in manifest["outputs"]:
            assert (folder / f).is_file()
    assert (out / "night_a" / "night_a_stages.tsv").is_file()
    assert not (out / "no_hypnogram" / "no_hypnogram_stages.tsv").exists()
    assert not (out / "corrupt").exists()  # nothing written for a failed recording


def test_errors_tsv_header_only_when_nothing_fails(cohort, tmp_path):
    src = _copy_inputs(cohort, tmp_path / "in", ["night_a"])
    assert main(["batch", str(src), "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "errors.tsv").read_text() == "recording\terror\n"


def test_progress_lines_when_not_a_tty(cohort, tmp_path, capsys):
    src = _copy_inputs(cohort, tmp_path / "in", ["night_a", "night_b"])
    assert main(["batch", str(src), "--out", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    assert "plm batch: [1/2] night_a ok" in err
    assert "plm batch: [2/2] night_b ok" in err
    assert "\r" not in err


class _Stream:
    def __init__(self, tty):
        self.text, self.tty = "", tty

    def isatty(self):
        return self.tty

    def write(self, s):
        self.text += s

    def flush(self):
        pass


def test_progress_bar_on_a_terminal():
    tty = _Stream(True)
    p = runner.Progress(2, "plm batch", stream=tty)
    p({"recording": "x", "status": "ok"})
    p({"recording": "y", "status": "failed", "error": "bad"})
    assert "\r" in tty.text and tty.text.endswith("\n")  # a tqdm bar, closed at the end
    assert "2/2" in tty.text and "failed 1" in tty.text


def test_progress_lines_without_a_terminal():
    log = _Stream(False)
    p = runner.Progress(2, "plm batch", stream=log)
    p({"recording": "x", "status": "ok"})
    p({"recording": "y", "status": "failed", "error": "bad"})
    assert log.text.splitlines() == [
        "plm batch: [1/2] x ok",
        "plm batch: [2/2] y failed: bad",
    ]


# ---------------------------------------------------------------------------------------
# resume
# ---------------------------------------------------------------------------------------


def test_resume_skip_change_set_and_force(cohort, tmp_path):
    src = _copy_inputs(cohort, tmp_path / "in", GOOD)
    out = tmp_path / "out"
    args = ["batch", str(src), "--out", str(out)]
    assert main(args) == 0
    first = {n: (out / n / f"{n}_summary.json").read_text() for n in GOOD}

    assert main(args) == 0
    assert set(_statuses(out).values()) == {"skipped"}
    t = _table(out)
    assert (t.loc[GOOD, "plms_index"] >= 0).all()  # skipped rows carry their metrics

    # same size, different content: only that recording is redone
    path = src / "night_b.edf"
    header = read_header(path)
    with open(path, "r+b") as fh:
        fh.seek(header.header_bytes + 1001)
        byte = fh.read(1)
        fh.seek(header.header_bytes + 1001)
        fh.write(bytes([byte[0] ^ 0x01]))
    assert main(args) == 0
    assert _statuses(out) == {"night_a": "skipped", "night_b": "ok", "night_c": "skipped"}

    # a changed rule parameter redoes everything, recorded in the manifest
    assert main([*args, "--set", "imi_min_s=5"]) == 0
    assert set(_statuses(out).values()) == {"ok"}
    manifest = json.loads((out / "night_a" / "night_a_manifest.json").read_text())
    assert manifest["settings"]["overrides"] == {"imi_min_s": "5"}
    assert manifest["settings"]["rules"]["imi_min_s"] == 5.0
    assert main([*args, "--set", "imi_min_s=5"]) == 0
    assert set(_statuses(out).values()) == {"skipped"}

    assert main([*args, "--set", "imi_min_s=5", "--force"]) == 0
    assert set(_statuses(out).values()) == {"ok"}

    # back to the defaults: the results are the first run's again
    assert main(args) == 0
    for n in GOOD:
        if n != "night_b":
            assert (out / n / f"{n}_summary.json").read_text() == first[n]


def test_missing_output_or_new_annotation_file_reruns(cohort, tmp_path):
    src = _copy_inputs(cohort, tmp_path / "in", ["night_a", "night_b"])
    out = tmp_path / "out"
    args = ["batch", str(src), "--out", str(out)]
    assert main(args) == 0
    (out / "night_a" / "night_a_plm_annotations.edf").unlink()
    stale = out / "night_b" / ".night_b_summary.json.abc123.tmp"
    stale.write_text("half")
    assert main(args) == 0
    assert _statuses(out) == {"night_a": "ok", "night_b": "skipped"}
    assert (out / "night_a" / "night_a_plm_annotations.edf").is_file()
    assert not stale.exists()  # leftovers of a killed run are cleaned
    # a hypnogram file appears next to night_b: its inputs changed
    hyp = pd.DataFrame({"onset": np.arange(40) * 30.0, "duration": 30.0, "stage": "N2"})
    hyp.to_csv(src / "night_b_hypnogram.tsv", sep="\t", index=False)
    assert main(args) == 0
    assert _statuses(out) == {"night_a": "skipped", "night_b": "ok"}
    t = _table(out)
    assert t.loc["night_b", "annotations"] == "night_b_hypnogram.tsv"
    assert t.loc["night_b", "tst_h"] == pytest.approx(40 * 30 / 3600, abs=0.05)


def test_report_flag_reruns_a_recording_scored_without_report(cohort, tmp_path):
    src = _copy_inputs(cohort, tmp_path / "in", ["night_a"])
    out = tmp_path / "out"
    assert main(["batch", str(src), "--out", str(out)]) == 0
    assert main(["batch", str(src), "--out", str(out), "--report"]) == 0
    assert _statuses(out) == {"night_a": "ok"}
    pdf = out / "night_a" / "night_a_report.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    assert (out / "cohort_report.html").is_file() and (out / "cohort_report.pdf").is_file()
    # with the report made, a run without --report skips
    assert main(["batch", str(src), "--out", str(out)]) == 0
    assert _statuses(out) == {"night_a": "skipped"}
    # rescored without --report: the old report would describe other results, it goes
    assert main(["batch", str(src), "--out", str(out), "--set", "imi_max_s=60"]) == 0
    assert _statuses(out) == {"night_a": "ok"}
    assert not pdf.exists()


# ---------------------------------------------------------------------------------------
# kill and rerun
# ---------------------------------------------------------------------------------------

_SLOW_BATCH = textwrap.dedent(
    """
    import sys, time
    import plm.api
    from pipelines.cli import main

    _score = plm.api.score

    def slow_score(*args, **kwargs):
        time.sleep(0.6)
        return _score(*args, **kwargs)

    plm.api.score = slow_score
    sys.exit(main(sys.argv[1:]))
    """
)


def _tmp_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


@pytest.mark.parametrize("kill_delay_s", [0.0, 0.3])
def test_killed_batch_rerun_equals_uninterrupted(reference, cohort, tmp_path, kill_delay_s):
    ref_out, _ = reference
    out = tmp_path / "out"
    cmd = [sys.executable, "-c", _SLOW_BATCH, "batch", str(cohort), "--out", str(out)]
    proc = subprocess.Popen(
        cmd,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        deadline = time.monotonic() + 60
        while not list(out.glob("*/*_manifest.json")):
            assert proc.poll() is None, "batch ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        time.sleep(kill_delay_s)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert not (out / "cohort_summary.tsv").exists()  # it really was interrupted
    done = {p.parent.name for p in out.glob("*/*_manifest.json")}
    assert 1 <= len(done) < 4

    assert main(["batch", str(cohort), "--out", str(out)]) == 1
    status = _statuses(out)
    assert {k for k, v in status.items() if v == "skipped"} == done
    assert _tmp_files(out) == []
    pd.testing.assert_frame_equal(
        _metrics(out).drop(columns="status"), _metrics(ref_out).drop(columns="status")
    )
    for name in [*GOOD, "no_hypnogram"]:
        for suffix in ("_candidates.tsv", "_movements.tsv", "_summary.json", "_gaps.tsv"):
            a = (out / name / f"{name}{suffix}").read_text()
            b = (ref_out / name / f"{name}{suffix}").read_text()
            assert a == b, (name, suffix)
    assert (out / "errors.tsv").read_text() == (ref_out / "errors.tsv").read_text()


# ---------------------------------------------------------------------------------------
# shards and merge
# ---------------------------------------------------------------------------------------


def test_shards_then_merge_equal_unsharded(reference, cohort, tmp_path):
    ref_out, _ = reference
    shard_dirs = []
    for i in range(2):
        d = tmp_path / f"shard{i}"
        rc = main(["batch", str(cohort), "--out", str(d), "--shard", f"{i}/2"])
        assert rc in (0, 1)
        shard_dirs.append(d)
    n0, n1 = (len(batch.read_cohort(d)) for d in shard_dirs)
    assert (n0, n1) == (3, 3)
    assert not set(_statuses(shard_dirs[0])) & set(_statuses(shard_dirs[1]))
    merged = tmp_path / "merged"
    assert main(["merge", *map(str, shard_dirs), "--out", str(merged)]) == 1
    pd.testing.assert_frame_equal(_metrics(merged), _metrics(ref_out))
    errors = pd.read_csv(merged / "errors.tsv", sep="\t")
    assert sorted(errors["recording"]) == ["corrupt", "no_legs"]
    t = _table(merged)
    assert (merged / t.loc["night_a", "output_dir"] / "night_a_summary.json").is_file()


def test_merge_keeps_newest_ok_row(tmp_path):
    def table(d: Path, rows: list[dict]) -> Path:
        base = {c: None for c in batch.COHORT_COLUMNS}
        batch.write_cohort([{**base, **r} for r in rows], d)
        return d

    a = table(
        tmp_path / "a",
        [
            {
                "recording": "x",
                "status": "ok",
                "plms_index": 1.0,
                "scored_at": "2026-01-01T00:00:00",
            },
            {
                "recording": "y",
                "status": "failed",
                "error": "old",
                "scored_at": "2026-01-01T00:00:00",
            },
        ],
    )
    b = table(
        tmp_path / "b",
        [
            {
                "recording": "x",
                "status": "ok",
                "plms_index": 2.0,
                "scored_at": "2026-01-02T00:00:00",
            },
            {
                "recording": "y",
                "status": "ok",
                "plms_index": 3.0,
                "scored_at": "2025-12-31T00:00:00",
            },
            {
                "recording": "z",
                "status": "failed",
                "error": "bad",
                "scored_at": "2026-01-02T00:00:00",
            },
        ],
    )
    merged = batch.merge_tables([a, b], tmp_path / "m").set_index("recording")
    assert merged.loc["x", "plms_index"] == 2.0  # newest ok
    assert merged.loc["y", "status"] == "ok"  # ok beats a newer failure
    assert merged.loc["z", "status"] == "failed"


def test_shard_spec_validation():
    assert batch.parse_shard("1/3") == (1, 3)
    for bad in ("3/3", "-1/2", "a/b", "1", "0/0"):
        with pytest.raises(ValueError):
            batch.parse_shard(bad)
    assert batch.select_shard(list(range(7)), 1, 3) == [1, 4]


# ---------------------------------------------------------------------------------------
# discovery and pairing
# ---------------------------------------------------------------------------------------


def _tiny_edf(path: Path, annotations_only: bool = False) -> Path:
    start = datetime(2026, 1, 1, 22, 0)
    if annotations_only:
        ann = pd.DataFrame({"onset": [0.0], "duration": [30.0], "description": ["Sleep stage W"]})
        write_edf(path, [], start, annotations=ann)
    else:
        write_edf(path, [SignalSpec("Leg L", np.zeros(10, np.float32), 10, "uV", -10, 10)], start)
    return path


def test_discovery_rules(tmp_path):
    d = tmp_path / "data"
    (d / "site1").mkdir(parents=True)
    (d / "site2" / "deep").mkdir(parents=True)
    (d / ".hidden").mkdir()
    _tiny_edf(d / "A.EDF")
    _tiny_edf(d / "site1" / "night.edf")
    _tiny_edf(d / "site2" / "deep" / "night.edf")
    _tiny_edf(d / "site2" / "B.bdf.edf")
    _tiny_edf(d / ".hidden" / "C.edf")
    _tiny_edf(d / "SC4001E0-PSG.edf")
    _tiny_edf(d / "SC4001EC-Hypnogram.edf", annotations_only=True)
    _tiny_edf(d / "A_plm_annotations.edf", annotations_only=True)
    (d / "corrupt.edf").write_bytes(b"0       not an edf")
    (d / "notes.txt").write_text("x")
    out = d / "out"
    out.mkdir()
    _tiny_edf(out / "old.edf")

    found = batch.discover_recordings([d], exclude=[out])
    names = [p.relative_to(d).as_posix() for p in found]
    assert names == [
        "A.EDF",
        "site2/B.bdf.edf",
        "corrupt.edf",
        "site1/night.edf",
        "site2/deep/night.edf",
        "SC4001E0-PSG.edf",
    ]
    jobs = batch.make_jobs(found, out)
    keys = [j.key for j in jobs]
    assert keys == ["A", "B.bdf", "corrupt", "site1_night", "deep_night", "SC4001E0-PSG"]
    assert len(set(keys)) == len(keys)
    # --pattern, and explicit files are always taken
    only = batch.discover_recordings([d], patterns=["sc*"], exclude=[out])
    assert [p.name for p in only] == ["SC4001E0-PSG.edf"]
    explicit = batch.discover_recordings([d / "notes.txt"])
    assert [p.name for p in explicit] == ["notes.txt"]
    with pytest.raises(FileNotFoundError):
        batch.discover_recordings([d / "missing"])


def test_pairing_rules(tmp_path):
    d = tmp_path
    rec = _tiny_edf(d / "X.edf")
    paired = ["X.tsv", "x.CSV", "X.txt", "X.xml", "X-Hypnogram.edf", "X_hypnogram.txt",
              "X-events.csv", "X_events.tsv"]  # fmt: skip
    others = ["X_summary.json", "X_candidates.tsv", "X_truth.tsv", "XY.tsv", "Y.tsv"]
    for name in paired + others:
        (d / name).write_text("")
    got = [p.name for p in batch.find_annotations(rec)]
    assert got == sorted(paired)


def test_sleep_edf_pairing(tmp_path):
    d = tmp_path
    rec = _tiny_edf(d / "SC4001E0-PSG.edf")
    other = _tiny_edf(d / "SC4002E0-PSG.edf")
    _tiny_edf(d / "SC4001EC-Hypnogram.edf", annotations_only=True)
    _tiny_edf(d / "SC4002EC-Hypnogram.edf", annotations_only=True)
    (d / "SC4001E0.tsv").write_text("")  # the base name without -PSG pairs too
    assert [p.name for p in batch.find_annotations(rec)] == [
        "SC4001E0.tsv",
        "SC4001EC-Hypnogram.edf",
    ]
    assert [p.name for p in batch.find_annotations(other)] == ["SC4002EC-Hypnogram.edf"]
    _tiny_edf(d / "SC4001EX-Hypnogram.edf", annotations_only=True)
    jobs = batch.make_jobs([rec], d / "out")
    assert "ambiguous hypnogram" in jobs[0].pairing_error
    row = batch.score_one(jobs[0])
    assert row["status"] == "failed" and "SC4001EX-Hypnogram.edf" in row["error"]


def test_sleep_edf_style_pair_is_scored_with_its_hypnogram(tmp_path):
    """SC4001E0-PSG.edf (legs, no annotations) + SC4001EC-Hypnogram.edf (annotations only)."""
    from plm import simulate as synth

    night = synth.simulate_night(DURATION_S, FS_HZ, seed=5)
    n = DURATION_S * FS_HZ
    write_edf(
        tmp_path / "SC4001E0-PSG.edf",
        [
            SignalSpec("Leg L", night.left_uv[:n], FS_HZ, "uV", -3000, 3000),
            SignalSpec("Leg R", night.right_uv[:n], FS_HZ, "uV", -3000, 3000),
        ],
        night.start_datetime,
    )
    hyp = night.hypnogram.to_frame()
    rk = {"W": "W", "N1": "1", "N2": "2", "N3": "3", "R": "R"}
    ann = pd.DataFrame(
        {
            "onset": hyp["onset"],
            "duration": hyp["duration"],
            "description": ["Sleep stage " + rk[s] for s in hyp["stage"]],
        }
    )
    write_edf(tmp_path / "SC4001EC-Hypnogram.edf", [], night.start_datetime, annotations=ann)
    out = tmp_path / "out"
    assert main(["batch", str(tmp_path), "--out", str(out)]) == 0
    t = _table(out)
    assert list(t.index) == ["SC4001E0-PSG"]  # the hypnogram is not a recording
    assert t.loc["SC4001E0-PSG", "annotations"] == "SC4001EC-Hypnogram.edf"
    sleep_epochs = int(np.isin(night.hypnogram.stages, ["N1", "N2", "N3", "R"]).sum())
    assert t.loc["SC4001E0-PSG", "tst_h"] == pytest.approx(sleep_epochs * 30 / 3600, abs=0.01)


# ---------------------------------------------------------------------------------------
# the engine-agnostic core
# ---------------------------------------------------------------------------------------


def _echo(job):
    return batch._row(job, "ok", {"plms_index": float(len(job.key))})


def _boom(job):
    raise RuntimeError("worker exploded")


def test_run_batch_on_any_executor_keeps_job_order(tmp_path):
    jobs = [
        batch.BatchJob(
            key=k, recording=str(tmp_path / f"{k}.edf"), annotations=(), out_dir=str(tmp_path / k)
        )
        for k in ("a", "bb", "ccc")
    ]
    seen = []
    with cf.ThreadPoolExecutor(2) as ex:
        rows = batch.run_batch(jobs, ex, worker=_echo, on_result=seen.append)
    assert [r["recording"] for r in rows] == ["a", "bb", "ccc"]
    assert [r["plms_index"] for r in rows] == [1.0, 2.0, 3.0]
    assert sorted(r["recording"] for r in seen) == ["a", "bb", "ccc"]
    with cf.ThreadPoolExecutor(2) as ex:
        rows = batch.run_batch(jobs, ex, worker=_boom)
    assert all(r["status"] == "failed" and "worker exploded" in r["error"] for r in rows)


def test_worker_errors_become_rows(tmp_path):
    job = batch.BatchJob(
        key="missing",
        recording=str(tmp_path / "missing.edf"),
        annotations=(),
        out_dir=str(tmp_path / "out" / "missing"),
    )
    row = batch.score_one(job)
    assert row["status"] == "failed"
    assert "missing.edf" in row["error"] and "\n" not in row["error"]


def test_process_pool_jobs_2_equals_in_process(reference, cohort, tmp_path):
    ref_out, _ = reference
    out = tmp_path / "out"
    assert main(["batch", str(cohort), "--out", str(out), "--jobs", "2"]) == 1
    pd.testing.assert_frame_equal(_metrics(out), _metrics(ref_out))
    for name in GOOD:
        a = (out / name / f"{name}_candidates.tsv").read_text()
        assert a == (ref_out / name / f"{name}_candidates.tsv").read_text()


def test_worker_limits_threads(monkeypatch):
    for var in runner.THREAD_VARS:
        monkeypatch.setenv(var, "8")
    runner.limit_threads()
    assert all(os.environ[v] == "1" for v in runner.THREAD_VARS)


def test_batch_module_imports_nothing_heavy():
    code = (
        "import sys, pipelines.batch, pipelines.runner, pipelines.settings; "
        "bad = [m for m in ('numpy', 'pandas', 'scipy', 'matplotlib') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


# ---------------------------------------------------------------------------------------
# usage errors
# ---------------------------------------------------------------------------------------


def test_usage_errors_exit_2(tmp_path, cohort, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["batch", str(empty), "--out", str(tmp_path / "o")]) == 2
    assert main(["batch", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 2
    assert main(["batch", str(cohort), "--out", str(tmp_path / "o"), "--shard", "2/2"]) == 2
    assert main(["batch", str(cohort), "--out", str(tmp_path / "o"), "--set", "bogus=1"]) == 2
    assert main(["batch", str(cohort), "--out", str(tmp_path / "o"), "--jobs", "0"]) == 2
    assert main(["merge", str(empty), "--out", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err
    assert "no recordings found" in err and "--shard" in err


def test_scheduler_without_distributed_is_a_clear_usage_error(
    cohort, tmp_path, monkeypatch, capsys
):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails as if not installed
    args = ["batch", str(cohort), "--out", str(tmp_path / "o"), "--scheduler", "local:2"]
    assert main(args) == 2
    assert "plmkit[dask]" in capsys.readouterr().err
