"""The benchmark suite's quick mode runs and writes well-formed JSON (no timing asserts)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from benchmarks.config import CASES
from benchmarks.runner import main, parse_args


def _positive(value: object) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value) and value > 0


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("bench")
    out = tmp / "out"
    argv = ["--quick", "--only", "engine,stages", "--out", str(out), "--cache", str(tmp / "cache")]
    assert main(argv) == 0
    files = list(out.glob("*.json"))
    assert len(files) == 1
    return json.loads(files[0].read_text())


def test_top_level_keys(report: dict) -> None:
    for key in ("schema", "created", "quick", "machine", "config", "load", "cases", "targets"):
        assert key in report
    assert report["quick"] is True
    assert report["cases_run"] == ["stages", "engine"]
    assert set(report["cases"]) == {"stages", "engine"}
    for key in ("cpu_model", "logical_cores", "python", "numpy", "scipy"):
        assert report["machine"][key]


def test_engine_rows(report: dict) -> None:
    rows = report["cases"]["engine"]["rows"]
    assert [r["per_h"] for r in rows] == [0.0, 50.0, 200.0, 500.0]
    assert [r["n_lms"] for r in rows] == sorted(r["n_lms"] for r in rows)
    for r in rows:
        for key in ("apply_rules_s", "compute_summary_s", "total_s"):
            timing = r[key]
            assert _positive(timing["best"]) and _positive(timing["median"])
            assert timing["best"] <= timing["median"]
    assert "slope" in report["cases"]["engine"]["fit_s_per_lm"]


def test_stage_rows(report: dict) -> None:
    (night,) = report["cases"]["stages"]["rows"]
    assert _positive(night["fs_hz"]) and _positive(night["legs_f32_mb"])
    names = [s["stage"] for s in night["stages"]]
    for expected in ("conditioning (condition)", "engine (apply_rules)", "output (to_dir)"):
        assert expected in names
    for stage in night["stages"]:
        assert _positive(stage["wall_s"]["best"])
        assert stage["peak_mb"] >= 0
    assert _positive(night["sum_of_parts_s"])


def test_targets_not_judged_in_quick_mode(report: dict) -> None:
    names = [t["target"] for t in report["targets"]]
    assert "engine, 4000 LMs" in names
    assert all(t["met"] is None for t in report["targets"])


def test_case_loadavg_recorded(report: dict) -> None:
    for case in report["cases"].values():
        assert _positive(case["elapsed_s"])
        assert len(case["loadavg"]["start"]) in (0, 3)


def test_only_rejects_unknown_case() -> None:
    with pytest.raises(SystemExit):
        parse_args(["--only", "nope"])
    assert parse_args([]).cases == list(CASES)


def test_results_folder_default_is_in_benchmarks() -> None:
    from benchmarks.runner import result_path

    path = result_path(None, "2026-01-01T00:00:00")
    assert path.parent == Path(__file__).resolve().parents[1] / "benchmarks" / "results"
    assert path.name.startswith("2026-01-01-")
