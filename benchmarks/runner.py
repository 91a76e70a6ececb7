"""Command line of the suite: run the cases, print the tables, write the JSON."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import socket
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks import SCHEMA_VERSION
from benchmarks.cases import CASE_FUNCTIONS, Context
from benchmarks.config import CASES, FULL, QUICK
from benchmarks.inputs import Inputs
from benchmarks.measure import code_version, loadavg, machine_info
from benchmarks.report import derive_ratios, evaluate_targets, render

DEFAULT_OUT = Path(__file__).resolve().parent / "results"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Benchmarks of plmkit: end to end, stages, floor, MNE, scaling, "
        "density, batch. Targets are reported, never asserted.",
    )
    p.add_argument("--quick", action="store_true", help="tiny inputs, 1 repeat (CI)")
    p.add_argument(
        "--out",
        default=None,
        help="folder of the JSON result (default benchmarks/results/)",
    )
    p.add_argument(
        "--only",
        default=None,
        metavar="NAME,...",
        help=f"run only these cases: {','.join(CASES)}",
    )
    p.add_argument("--cache", default=None, help="input cache folder (default benchmarks/.cache)")
    args = p.parse_args(argv)
    names = args.only.split(",") if args.only else list(CASES)
    names = [n.strip() for n in names if n.strip()]
    unknown = sorted(set(names) - set(CASES))
    if unknown:
        p.error(f"unknown case(s) {unknown}; choose from {', '.join(CASES)}")
    args.cases = [c for c in CASES if c in names]
    return args


def run_cases(ctx: Context, names: Sequence[str]) -> dict[str, Any]:
    """Run the named cases in order; each gets its elapsed time and load averages."""
    results: dict[str, Any] = {}
    for name in names:
        logging.getLogger(__name__).info("case %s", name)
        start_load, t0 = loadavg(), time.perf_counter()
        result = CASE_FUNCTIONS[name](ctx)
        result["elapsed_s"] = time.perf_counter() - t0
        result["loadavg"] = {"start": start_load, "end": loadavg()}
        results[name] = result
    return results


def build_report(args: argparse.Namespace) -> dict[str, Any]:
    """Run the selected cases and assemble the JSON-ready report."""
    cfg = QUICK if args.quick else FULL
    ctx = Context(cfg=cfg, inputs=Inputs(args.cache))
    started = dt.datetime.now()
    load_start = loadavg()
    code_start = code_version()
    t0 = time.perf_counter()
    cases = run_cases(ctx, args.cases)
    report: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "created": started.isoformat(timespec="seconds"),
        "quick": cfg.quick,
        "cases_run": list(args.cases),
        "machine": machine_info(),
        "code": {"start": code_start, "end": code_version()},
        "config": cfg.to_dict(),
        "load": {"start": load_start, "end": loadavg()},
        "elapsed_s": time.perf_counter() - t0,
        "inputs_generated": ctx.inputs.generated,
        "cases": cases,
    }
    report["ratios"] = derive_ratios(cases)
    report["targets"] = evaluate_targets(cases, report["config"])
    return report


def result_path(out: str | None, created: str) -> Path:
    """``<out>/<date>-<host>.json`` (``benchmarks/results`` by default)."""
    folder = Path(out) if out else DEFAULT_OUT
    host = socket.gethostname().split(".")[0] or "host"
    return folder / f"{created[:10]}-{host}.json"


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    logging.getLogger("benchmarks").setLevel(logging.INFO)
    report = build_report(args)
    path = result_path(args.out, report["created"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(render(report))
    print(f"results written to {path}")
    return 0
