"""The issue-11 benchmark cases run in quick mode and report their rows (no timing asserts)."""

from __future__ import annotations

import json

import pytest

from benchmarks.runner import main


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    pytest.importorskip("distributed")
    tmp = tmp_path_factory.mktemp("bench-scale")
    out = tmp / "out"
    argv = ["--quick", "--only", "startup,cohort", "--out", str(out), "--cache", str(tmp / "c")]
    assert main(argv) == 0
    (path,) = out.glob("*.json")
    return json.loads(path.read_text())


def test_startup_rows(report: dict) -> None:
    rows = report["cases"]["startup"]["rows"]
    assert [r["command"] for r in rows] == ["python -c pass", "plm --version", "plm --help"]
    assert all(r["wall_s"]["best"] > 0 for r in rows)
    names = {t["target"] for t in report["targets"]}
    assert {"plm --version", "plm --help"} <= names


def test_cohort_rows(report: dict) -> None:
    rows = report["cases"]["cohort"]["rows"]
    assert [(r["source"], r["workers"]) for r in rows if r["source"] == "path"] == [
        ("path", 1),
        ("path", 2),
    ]
    for r in rows:
        assert r["nights"] == report["config"]["cohort_nights"]
        assert r["nights_per_min"] > 0 and r["scheduler_ms_per_task"] > 0
    # the same nights give the same movements from paths and from URLs
    assert len({r["lms"] for r in rows}) == 1
