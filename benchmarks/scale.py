"""Benchmark cases of issue 11 (speed at every scale): start-up, command vs floor process,
reports, the heart-rate analysis, 8-h batch nights and a cohort on a Dask LocalCluster.

Each case takes a :class:`benchmarks.cases.Context` and returns a JSON-ready dict with
``rows``, like the cases of :mod:`benchmarks.cases`; the tables are declared in
:mod:`benchmarks.report`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks.inputs import NightSpec
from benchmarks.measure import Timing, run_process

#: The floor as one process: interpreter, imports, the two legs read, one band-pass each.
FLOOR_PROCESS = """
import sys
import numpy as np, scipy.signal
from plm.io import edf
from plm.signal import bandpass_sos, zero_phase
from plm.rules import get_rules
h = edf.read_header(sys.argv[1])
idx = [i for i, s in enumerate(h.signals) if s.label in ("Leg L", "Leg R")]
legs = edf.read_signals(h, idx)
r = get_rules("wasm2016")
fs = h.signals[idx[0]].fs_hz
sos = bandpass_sos(fs, r.highpass_hz, r.lowpass_hz, r.filter_order, r.lowpass_max_fraction)
for x in legs:
    zero_phase(sos, x)
"""


def _timing(values: list[float]) -> dict[str, Any]:
    return Timing(list(values)).to_dict()


def _median(values: list[float]) -> float:
    return Timing(list(values)).median


def _plm(*args: str) -> list[str]:
    return [sys.executable, "-m", "pipelines.cli", *args]


# --------------------------------------------------------------------------- start-up


def case_startup(ctx: Any) -> dict[str, Any]:
    """``plm --version`` and ``plm --help`` as fresh processes (target <= 0.3 s)."""
    rows = []
    for name, cmd in (
        ("python -c pass", [sys.executable, "-c", "pass"]),
        ("plm --version", _plm("--version")),
        ("plm --help", _plm("--help")),
    ):
        runs = [run_process(cmd) for _ in range(ctx.cfg.startup_repeats)]
        if any(r.returncode != 0 for r in runs):
            raise RuntimeError(f"{name} failed: {runs[0].stderr[-500:]}")
        rows.append(
            {
                "command": name,
                "wall_s": _timing([r.wall_s for r in runs]),
                "cpu_s": _timing([r.cpu_s for r in runs]),
                "max_rss_mb": _timing([r.max_rss_mb for r in runs]),
            }
        )
    return {"rows": rows}


# --------------------------------------------------------------------------- command/floor


def case_command(ctx: Any) -> dict[str, Any]:
    """``plm score FILE --out DIR`` against the floor process, alternated, same run.

    The floor process: interpreter start, ``import numpy, scipy.signal`` and the
    project's EDF reader, the two leg channels read and one zero-phase band-pass of
    each (the issue names edfio for the reading; it is not installed here, and the
    project's reader is the faster of the two).  Ratio of the medians.
    """
    rows = []
    for hours, fs in ctx.cfg.command_nights:
        spec = NightSpec(hours, fs)
        path = ctx.inputs.night(spec)
        cmd_runs, floor_runs = [], []
        for _ in range(ctx.cfg.command_repeats):  # alternated: the same load for both
            with tempfile.TemporaryDirectory() as tmp:
                run = run_process(_plm("score", str(path), "--out", tmp))
            if run.returncode != 0:
                raise RuntimeError(f"plm score failed: {run.stderr[-500:]}")
            cmd_runs.append(run)
            floor = run_process([sys.executable, "-c", FLOOR_PROCESS, str(path)])
            if floor.returncode != 0:
                raise RuntimeError(f"floor process failed: {floor.stderr[-500:]}")
            floor_runs.append(floor)
        cw, fw = [r.wall_s for r in cmd_runs], [r.wall_s for r in floor_runs]
        rows.append(
            {
                "hours": hours,
                "fs_hz": fs,
                "command_s": _timing(cw),
                "floor_process_s": _timing(fw),
                "command_cpu_s": _timing([r.cpu_s for r in cmd_runs]),
                "floor_cpu_s": _timing([r.cpu_s for r in floor_runs]),
                "ratio_median": _median(cw) / _median(fw),
            }
        )
    return {"rows": rows}


# --------------------------------------------------------------------------- reports


@contextlib.contextmanager
def _timed_font_subsetting() -> Iterator[list[float]]:
    """Seconds spent in Matplotlib's PDF font subsetting (fontTools), per call."""
    from matplotlib.backends import _backend_pdf_ps as ps

    spent: list[float] = []
    original = ps.get_glyphs_subset

    def timed(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - t0)

    ps.get_glyphs_subset = timed
    try:
        yield spent
    finally:
        ps.get_glyphs_subset = original


def _font_read_s(n_bytes: int) -> float:
    """Seconds to read ``n_bytes`` of Matplotlib's DejaVu fonts from the page cache."""
    import matplotlib

    font = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    size = font.stat().st_size
    t0 = time.perf_counter()
    left = n_bytes
    while left > 0:
        with open(font, "rb") as fh:
            left -= len(fh.read())
    return (time.perf_counter() - t0) if size else 0.0


def case_report(ctx: Any) -> dict[str, Any]:
    """``--report`` on top of scoring: PDF + HTML of a night, warm, in process.

    Also the time of Matplotlib's PDF font subsetting (fontTools parses the DejaVu
    files at every PDF) and of reading the ~170 MB of font bytes FreeType re-reads per
    report (measured by the ``bytes`` case) from the page cache.
    """
    import plm
    from pipelines import layout
    from pipelines.report import build_report, write_reports

    rows = []
    repeats = ctx.cfg.report_repeats
    for hours, fs in ctx.cfg.report_nights:
        spec = NightSpec(hours, fs)
        path = ctx.inputs.night(spec)
        with tempfile.TemporaryDirectory() as tmp:
            score_runs, report_runs, pdf_runs, html_runs, fonts = [], [], [], [], []
            result = plm.score(path, keep_signals=True)
            write_reports(result, tmp, stem="w", recording=path)  # warm-up (imports)
            for _ in range(repeats):
                t0 = time.perf_counter()
                result = plm.score(path, keep_signals=True)
                result.to_dir(tmp)
                score_runs.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                write_reports(result, tmp, recording=path)
                report_runs.append(time.perf_counter() - t0)
                rep = build_report(result, recording=path)
                with _timed_font_subsetting() as spent:
                    t0 = time.perf_counter()
                    layout.render_pdf(rep)
                    pdf_runs.append(time.perf_counter() - t0)
                fonts.append(sum(spent))
                t0 = time.perf_counter()
                layout.render_html(rep)
                html_runs.append(time.perf_counter() - t0)
        rows.append(
            {
                "hours": hours,
                "fs_hz": fs,
                "score_s": _timing(score_runs),
                "report_s": _timing(report_runs),
                "pdf_s": _timing(pdf_runs),
                "html_s": _timing(html_runs),
                "font_subset_s": _timing(fonts),
                "font_reads_170mb_s": _font_read_s(170 << 20),
                "report_over_score": min(report_runs) / min(score_runs),
            }
        )
    return {"rows": rows}


# --------------------------------------------------------------------------- heart rate


def case_autonomic(ctx: Any) -> dict[str, Any]:
    """The heart-rate response analysis against warm ``plm.score`` (target <= 10 %).

    :func:`benchmarks.autonomic.run` on a generated night of ``cfg.hours`` (ECG at
    256 Hz): R peaks of the project and of sleepecg side by side, then
    ``plm.autonomic.analyze`` with the R peaks ``score`` shares, its own, sleepecg's.
    """
    from benchmarks.autonomic import run

    rep = run(ctx.cfg.hours)
    t = rep["timing"]
    rows = [
        {
            "analysis": "shared R peaks (as plm score)",
            "s": t["analyze_shared_peaks_s"],
            "ratio": t["ratio_shared_peaks"],
        },
        {
            "analysis": "own R peaks (project detector)",
            "s": t["analyze_own_peaks_s"],
            "ratio": t["ratio_own_peaks"],
        },
        {
            "analysis": "sleepecg R peaks (detection included)",
            "s": t["analyze_sleepecg_s"],
            "ratio": t["analyze_sleepecg_s"] / t["score_warm_s"],
        },
    ]
    for r in rows:
        r.update(hours=t["hours"], score_warm_s=t["score_warm_s"], lms=t["lms"])
    return {"rows": rows, "r_peaks": rep["r_peaks"], "hr_status": t["hr_status"]}


# --------------------------------------------------------------------------- 8-h batch


def _link(src: Path, dst: Path) -> Path:
    """``dst`` as a hard link of ``src`` (a copy where links are not possible)."""
    if not dst.exists():
        try:
            os.link(src, dst)
        except OSError:
            import shutil

            shutil.copy(src, dst)
    return dst


def _linked_folder(ctx: Any, spec: NightSpec, n: int, name: str) -> Path:
    """A folder of ``n`` hard links (or copies) of one generated night."""
    src = ctx.inputs.night(spec)
    folder = ctx.inputs.cache_dir / f"{name}-{spec.key}-x{n}"
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        _link(src, folder / f"night{i + 1:03d}.edf")
    return folder


def case_batch8(ctx: Any) -> dict[str, Any]:
    """``plm batch DIR --jobs 1`` and ``--jobs 2`` on 8-h nights (target: speed-up >= 1.8).

    The nights are hard links of one generated night (same bytes, page cache).  Also
    in-process ``plm.score`` of one night with 2 threads and with 1 (what ``--jobs 1``
    and each ``--jobs 2`` worker use): their ratio bounds the speed-up a second process
    can add on two cores.
    """
    from benchmarks.cases import _batch_cli

    cfg = ctx.cfg
    spec = NightSpec(cfg.batch8_hours, cfg.batch8_fs_hz)
    folder = _linked_folder(ctx, spec, cfg.batch8_nights, "batch8")
    rows = []
    base = None
    for jobs in cfg.batch_jobs:
        r = _batch_cli(folder, jobs)
        base = base or r["wall_s"] * cfg.batch_jobs[0]
        rows.append(
            {
                "jobs": jobs,
                "nights": cfg.batch8_nights,
                "hours_each": spec.hours,
                "fs_hz": spec.fs_hz,
                **r,
                "speedup": (base / cfg.batch_jobs[0]) / r["wall_s"],
                "efficiency": base / (jobs * r["wall_s"]),
            }
        )
    import plm

    path = ctx.inputs.night(spec)
    plm.score(path)
    per_night = {}
    for n_threads in (2, 1):
        runs = []
        for _ in range(cfg.inproc_repeats):
            t0 = time.perf_counter()
            plm.score(path, n_threads=n_threads)
            runs.append(time.perf_counter() - t0)
        per_night[n_threads] = min(runs)
    bound = 2 * per_night[2] / per_night[1]
    return {
        "rows": rows,
        "score_2_threads_s": per_night[2],
        "score_1_thread_s": per_night[1],
        "speedup_bound": bound,
    }


# --------------------------------------------------------------------------- cohort


def score_to_dir(source: str, out_dir: str) -> dict[str, Any]:
    """Worker task of the cohort case: ``plm.score(source, n_threads=1).to_dir(out_dir)``."""
    import plm

    t0 = time.process_time()
    result = plm.score(source, n_threads=1)
    result.to_dir(out_dir)
    return {"n_lm": int(result.summary.get("n_lm", 0) or 0), "cpu_s": time.process_time() - t0}


def _noop(x: int) -> int:
    return x


@contextlib.contextmanager
def _serve(root: Path) -> Iterator[str]:
    """Serve ``root`` over HTTP on 127.0.0.1 with Range requests (the tests' server)."""
    from tests._http_server import serve

    with serve(root, timeout=10.0) as httpd:
        yield httpd.base_url


def _cohort_folder(ctx: Any) -> tuple[Path, list[Path]]:
    """``cohort_nights`` short nights: ``cohort_distinct`` generated ones, hard-linked."""
    cfg = ctx.cfg
    folder = ctx.inputs.cache_dir / (
        f"cohort-{cfg.cohort_hours:g}h-{cfg.cohort_fs_hz:g}hz-{cfg.cohort_nights}"
    )
    distinct = ctx.inputs.batch_folder(cfg.cohort_distinct, cfg.cohort_hours, cfg.cohort_fs_hz)
    sources = sorted(distinct.glob("*.edf"))
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(cfg.cohort_nights):
        paths.append(_link(sources[i % len(sources)], folder / f"n{i + 1:04d}.edf"))
    return folder, paths


def _run_cluster(n_workers: int, sources: list[str], out: Path) -> dict[str, Any]:
    """Score ``sources`` on a fresh LocalCluster of ``n_workers`` one-thread processes."""
    from distributed import Client, LocalCluster

    t0 = time.perf_counter()
    cluster = LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    client = Client(cluster)
    try:
        start_s = time.perf_counter() - t0
        # imports on every worker before the clock starts (as a long cohort amortises them)
        client.run(lambda: __import__("plm.api") and None)
        client.gather(
            client.map(
                score_to_dir,
                sources[:n_workers],
                [str(out / f"warm{i}") for i in range(n_workers)],
                pure=False,
            )
        )
        t0 = time.perf_counter()
        futures = client.map(
            score_to_dir,
            sources,
            [str(out / f"n{i:04d}") for i in range(len(sources))],
            pure=False,
        )
        rows = client.gather(futures)
        wall = time.perf_counter() - t0
        noop_n = len(sources)
        t0 = time.perf_counter()
        client.gather(client.map(_noop, range(noop_n), pure=False))
        per_task = (time.perf_counter() - t0) / noop_n
    finally:
        client.close()
        cluster.close()
    return {
        "wall_s": wall,
        "cluster_start_s": start_s,
        "cpu_per_night_s": sum(r["cpu_s"] for r in rows) / len(rows),
        "scheduler_ms_per_task": per_task * 1e3,
        "lms": sum(r["n_lm"] for r in rows),
    }


def case_cohort(ctx: Any) -> dict[str, Any]:
    """A cohort of short generated nights on a Dask LocalCluster, 1 and 2 workers.

    Each task is ``plm.score(source, n_threads=1).to_dir(...)``; the workers import
    and score one night each before the clock starts.  Sources: local paths, and (2
    workers) ``http://`` URLs from a Range-capable server on 127.0.0.1 (the recording
    streamed once through fsspec, no local copy).  Also the scheduler's cost per task
    (as many no-op tasks).
    """
    try:
        import distributed  # noqa: F401
    except ImportError:
        return {"rows": [], "skipped": "distributed is not installed (pip install plmkit[dask])"}
    for name in ("distributed", "tornado", "bokeh"):  # the cluster's own INFO lines
        logging.getLogger(name).setLevel(logging.WARNING)
    cfg = ctx.cfg
    folder, paths = _cohort_folder(ctx)
    size_mb = sum(p.stat().st_size for p in paths) / 1e6
    rows = []
    base = None
    variants: list[tuple[str, int]] = [("path", n) for n in cfg.cohort_workers]
    try:
        import aiohttp  # noqa: F401
        import fsspec  # noqa: F401

        import plm.io.remote  # noqa: F401 (URL input; absent before issue 11)

        variants.append(("http", max(cfg.cohort_workers)))
    except ImportError:
        pass
    for kind, n in variants:
        with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
            if kind == "http":
                url = stack.enter_context(_serve(folder))
                sources = [f"{url}/{p.name}" for p in paths]
            else:
                sources = [str(p) for p in paths]
            r = _run_cluster(n, sources, Path(tmp))
        if kind == "path" and base is None:
            base = r["wall_s"] * n
        rows.append(
            {
                "source": kind,
                "workers": n,
                "nights": len(paths),
                "hours_each": cfg.cohort_hours,
                "fs_hz": cfg.cohort_fs_hz,
                **r,
                "nights_per_min": 60.0 * len(paths) / r["wall_s"],
                "rec_h_per_s": len(paths) * cfg.cohort_hours / r["wall_s"],
                "mb_per_s": size_mb / r["wall_s"],
                "efficiency": (base / (n * r["wall_s"])) if base else None,
            }
        )
    return {"rows": rows, "cohort_mb": size_mb}


# --------------------------------------------------------------------------- targets


def scale_targets(results: dict[str, Any], t: dict[str, float], quick: bool) -> list[dict]:
    """The targets of issue 11 measured by the cases above and the batch case."""
    out: list[dict] = []

    def check(name: str, limit: str, value: float | None, ok: bool | None, note: str) -> None:
        met = None if quick or value is None else ok
        out.append({"target": name, "limit": limit, "measured": value, "met": met, "note": note})

    lim = t.get("command_over_floor_process", 1.25)
    for r in results.get("command", {}).get("rows", []):
        check(
            "plm score / floor process",
            f"<= {lim}",
            r["ratio_median"],
            r["ratio_median"] <= lim,
            f"{r['hours']:.3g} h at {r['fs_hz']:g} Hz: {r['command_s']['median']:.2f} vs "
            f"{r['floor_process_s']['median']:.2f} s (medians)",
        )
    lim = t.get("startup_s", 0.3)
    for r in results.get("startup", {}).get("rows", []):
        if r["command"].startswith("plm"):
            v = r["wall_s"]["median"]
            check(r["command"], f"<= {lim} s", v, v <= lim, "median, fresh process")
    lim = t.get("report_extra_s", 1.0)
    for r in results.get("report", {}).get("rows", []):
        v = r["report_s"]["best"]
        check(
            "--report on top of scoring",
            f"<= +{lim} s",
            v,
            v <= lim,
            f"{r['hours']:.3g} h at {r['fs_hz']:g} Hz: PDF {r['pdf_s']['best']:.2f} s (font "
            f"subsetting {r['font_subset_s']['best']:.2f} s), HTML {r['html_s']['best']:.2f} s",
        )
    lim = t.get("autonomic_over_score", 0.10)
    for r in results.get("autonomic", {}).get("rows", [])[:1]:
        check(
            "HR analysis / plm.score",
            f"<= {lim}",
            r["ratio"],
            r["ratio"] <= lim,
            f"{r['hours']:.3g} h night, shared R peaks: {r['s']:.3f} s",
        )
    case = results.get("batch8", {})
    lim = t.get("batch8_speedup", 1.8)
    for r in case.get("rows", []):
        if r["jobs"] == 2:
            check(
                "batch 8-h nights, --jobs 2 / --jobs 1",
                f">= {lim}",
                r["speedup"],
                r["speedup"] >= lim,
                f"bound on 2 cores: 2 x score(2 threads) / score(1 thread) = "
                f"{case.get('speedup_bound', 0):.2f}",
            )
    lim = t.get("batch_efficiency", 0.85)
    for r in results.get("batch", {}).get("rows", []):
        if r["jobs"] == 2 and r["method"].startswith("plm batch"):
            check(
                "batch 2-h nights, efficiency at 2 jobs",
                f">= {lim}",
                r["efficiency"],
                r["efficiency"] >= lim,
                f"{r['nights']} nights, wall {r['wall_s']:.2f} s",
            )
    rows = results.get("cohort", {}).get("rows", [])
    for r in rows:
        if r["source"] == "path" and r["workers"] > 1 and r.get("efficiency") is not None:
            check(
                f"cohort, {r['workers']} Dask workers, efficiency",
                "reported",
                r["efficiency"],
                None,
                f"{r['nights']} nights: {r['nights_per_min']:.0f} nights/min",
            )
    return out
