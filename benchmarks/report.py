"""Ratios between cases, target checks and the Markdown tables of a benchmark run."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

Row = dict[str, Any]


def _best(v: Any) -> float:
    return float(v["best"]) if isinstance(v, dict) else float(v)


def _rows_by_fs(results: dict[str, Any], case: str, n_threads: int = 2) -> dict[float, Row]:
    """Rows of a case by sampling rate (rows of the default two threads)."""
    rows = results.get(case, {}).get("rows", [])
    return {r["fs_hz"]: r for r in rows if r.get("n_threads", 2) == n_threads}


# --------------------------------------------------------------------------- derived numbers


def derive_ratios(results: dict[str, Any]) -> list[Row]:
    """Per sampling rate: end to end over the floor, and the usual approach over plmkit."""
    e2e, floor, mne = (_rows_by_fs(results, c) for c in ("e2e", "floor", "mne"))
    rows = []
    for fs in sorted(set(e2e) | set(floor) | set(mne)):
        row: Row = {"fs_hz": fs}
        if fs in e2e and fs in floor:
            row["e2e_first_over_floor"] = _best(e2e[fs]["wall_first_s"]) / floor[fs]["floor_s"]
            row["e2e_warm_over_floor"] = _best(e2e[fs]["wall_warm_s"]) / floor[fs]["floor_s"]
            row["e2e_cpu_over_floor"] = _best(e2e[fs]["cpu_first_s"]) / floor[fs]["floor_s"]
        if fs in e2e and fs in mne:
            row["mne_over_plm_wall"] = _best(mne[fs]["wall_s"]) / _best(e2e[fs]["wall_first_s"])
            row["mne_over_plm_rss"] = (
                mne[fs]["peak_rss_mb"]["median"] / e2e[fs]["peak_rss_mb"]["median"]
            )
        if len(row) > 1:
            rows.append(row)
    return rows


def _target(name: str, limit: str, measured: float | None, met: bool | None, note: str) -> Row:
    return {"target": name, "limit": limit, "measured": measured, "met": met, "note": note}


def evaluate_targets(results: dict[str, Any], cfg: dict[str, Any]) -> list[Row]:
    """Compare the run with the issue's targets (reported, never asserted).

    In quick mode the inputs are too small for the targets to mean anything; they are
    listed with ``met = None``.
    """
    t = cfg["targets"]
    fs = max(cfg["rates_hz"])
    quick = bool(cfg["quick"])
    e2e = _rows_by_fs(results, "e2e").get(fs)
    single = _rows_by_fs(results, "e2e", n_threads=1).get(fs)
    floor = _rows_by_fs(results, "floor").get(fs)
    out: list[Row] = []

    def check(name: str, limit: str, value: float | None, ok: bool | None, note: str) -> None:
        out.append(_target(name, limit, value, None if quick or value is None else ok, note))

    label = f"{cfg['hours']:.3g} h at {fs:g} Hz"
    if e2e:
        wall = _best(e2e["wall_first_s"])
        check(
            "end-to-end wall",
            f"<= {t['e2e_wall_s']} s",
            wall,
            wall <= t["e2e_wall_s"],
            f"{label}, first call in a fresh process (warm: {_best(e2e['wall_warm_s']):.2f} s)",
        )
        rss = e2e["peak_rss_mb"]["median"]
        check(
            "peak memory",
            f"<= {e2e['rss_target_mb']:.0f} MB",
            rss,
            rss <= e2e["rss_target_mb"],
            f"3 x {e2e['legs_f32_mb']:.0f} MB legs (float32) + "
            f"{e2e['baseline_rss_mb']:.0f} MB baseline; "
            f"{(rss - e2e['baseline_rss_mb']) / e2e['legs_f32_mb']:.1f}x legs measured"
            + (f"; with n_threads=1: {single['peak_rss_mb']['median']:.0f} MB" if single else ""),
        )
    if e2e and floor:
        ratio = _best(e2e["wall_first_s"]) / floor["floor_s"]
        check(
            "end-to-end / floor",
            f"<= {t['e2e_over_floor']}",
            ratio,
            ratio <= t["e2e_over_floor"],
            f"floor {floor['floor_s']:.3f} s (read legs + one zero-phase band-pass)",
        )
    engine = results.get("engine", {}).get("rows", [])
    big = [r for r in engine if r["n_lms"] >= 4000]
    if big or engine:
        r = big[0] if big else max(engine, key=lambda x: x["n_lms"])
        s = _best(r["total_s"])
        check(
            "engine, 4000 LMs",
            f"<= {t['engine_4000_lms_s'] * 1000:.0f} ms",
            s,
            s <= t["engine_4000_lms_s"],
            f"{r['n_lms']} LMs: apply_rules + compute_summary",
        )
    for r in results.get("mne_raw", {}).get("rows", []):
        check(
            "MNE Raw peak memory",
            f"<= {t.get('mne_raw_rss_ratio', 1.2)} x plm.score(path)",
            r["rss_ratio"],
            r["rss_ratio"] <= t.get("mne_raw_rss_ratio", 1.2),
            f"non-preloaded read_raw_edf, {r['hours']:.3g} h at {r['fs_hz']:g} Hz: "
            f"{r['raw_peak_rss_mb']['median']:.0f} vs {r['edf_peak_rss_mb']['median']:.0f} MB",
        )
    ratio = results.get("scaling", {}).get("last_two_ratio")
    if ratio:
        worst = max(ratio["wall_first"], ratio["peak_rss"])
        hours = ratio["hours"]
        check(
            "linear scaling",
            f"t and RSS ratio {hours[1]:.3g} h/{hours[0]:.3g} h <= {t['scaling_ratio_max']}",
            worst,
            worst <= t["scaling_ratio_max"],
            f"time x{ratio['wall_first']:.2f}, peak RSS x{ratio['peak_rss']:.2f} "
            f"(above baseline x{ratio['peak_rss_over_baseline']:.2f})",
        )
    from benchmarks.scale import scale_targets

    out.extend(scale_targets(results, t, quick))
    return out


# --------------------------------------------------------------------------- formatting


def fmt(value: Any, digits: int = 3) -> str:
    """A number, or ``best (median)`` for a repeated measurement; '-' when missing."""
    if value is None:
        return "-"
    if isinstance(value, dict) and "best" in value:
        if len(value.get("runs", [])) > 1:
            return f"{value['best']:.{digits}f} ({value['median']:.{digits}f})"
        return f"{value['best']:.{digits}f}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


Column = tuple[str, Callable[[Row], Any], int]


def markdown_table(rows: Sequence[Row], columns: Sequence[Column]) -> str:
    """A GitHub-flavoured Markdown table."""
    head = "| " + " | ".join(c[0] for c in columns) + " |"
    rule = "|" + "|".join("---" for _ in columns) + "|"
    body = ["| " + " | ".join(fmt(get(r), d) for _, get, d in columns) + " |" for r in rows]
    return "\n".join([head, rule, *body])


def _col(title: str, key: str, digits: int = 3) -> Column:
    return (title, lambda r: r.get(key), digits)


def _ms(title: str, key: str) -> Column:
    def get(r: Row) -> Any:
        v = r.get(key)
        if isinstance(v, dict):
            return {**v, "best": v["best"] * 1e3, "median": v["median"] * 1e3}
        return None if v is None else v * 1e3

    return (title, get, 1)


NIGHT = [_col("fs Hz", "fs_hz", 0), _col("h", "hours", 2)]

TABLES: dict[str, tuple[str, list[Column]]] = {
    "e2e": (
        "End to end: plm.score(path) + to_dir, fresh process per repeat (best (median) of repeats)",
        [
            *NIGHT,
            _col("threads", "n_threads", 0),
            _col("file MB", "file_mb", 0),
            _col("first call s", "wall_first_s"),
            _col("warm call s", "wall_warm_s"),
            _col("CPU first s", "cpu_first_s"),
            _col("of which sys s", "sys_first_s"),
            _col("page faults first", "minflt_first", 0),
            _col("CPU warm s", "cpu_warm_s"),
            _col("rec-h/s", "rec_h_per_s", 1),
            _col("peak RSS MB", "peak_rss_mb", 0),
            _col("baseline RSS MB", "baseline_rss_mb", 0),
            _col("RSS target MB", "rss_target_mb", 0),
            _col("imports s", "import_s"),
        ],
    ),
    "bytes": (
        "Bytes read per plm score (score + to_dir [+ reports]) / file size, rchar of "
        "/proc/self/io after imports (target <= 1.05)",
        [
            *NIGHT,
            _col("report", "report", 0),
            _col("file MB", "file_mb", 0),
            _col("read / file", "ratio", 3),
            _col("font reads MB", "rendering_mb", 0),
            _col("read without fonts / file", "ratio_without_rendering", 3),
            _col("from disk, cache emptied / file", "storage_ratio", 3),
        ],
    ),
    "cli": (
        "CLI: `plm score FILE --out DIR` as a subprocess (interpreter start-up included)",
        [
            *NIGHT,
            _col("wall s", "wall_s"),
            _col("CPU s", "cpu_s"),
            _col("max RSS MB", "max_rss_mb", 0),
            _col("rec-h/s", "rec_h_per_s", 1),
        ],
    ),
    "floor": (
        "The floor: read the two leg channels + one zero-phase band-pass of each (warm, "
        "in process)",
        [
            *NIGHT,
            _col("read s", "read_s"),
            _col("band-pass s", "bandpass_s"),
            _col("floor s", "floor_s"),
            _col("sosfiltfilt f64 s", "sosfiltfilt_f64_s"),
            _col("read RSS over baseline MB", "read_rss_over_baseline_mb", 0),
        ],
    ),
    "ratios": (
        "Ratios",
        [
            _col("fs Hz", "fs_hz", 0),
            _col("e2e first / floor", "e2e_first_over_floor", 2),
            _col("e2e warm / floor", "e2e_warm_over_floor", 2),
            _col("e2e CPU / floor", "e2e_cpu_over_floor", 2),
            _col("MNE / plmkit wall", "mne_over_plm_wall", 1),
            _col("MNE / plmkit peak RSS", "mne_over_plm_rss", 1),
        ],
    ),
    "mne": (
        "The usual approach: mne.io.read_raw_edf(preload=True) + get_data (V->uV) + our "
        "detector and engine, fresh process",
        [
            *NIGHT,
            _col("MNE sfreq", "mne_fs_hz", 0),
            _col("wall s", "wall_s", 2),
            _col("CPU s", "cpu_s", 2),
            _col("peak RSS MB", "peak_rss_mb", 0),
            _col("LMs", "n_lm", 0),
        ],
    ),
    "mne_raw": (
        "plm.score(raw) of a non-preloaded mne.io.read_raw_edf against plm.score(path), "
        "fresh processes with mne imported",
        [
            *NIGHT,
            _col("Raw wall s", "raw_wall_s", 2),
            _col("EDF wall s", "edf_wall_s", 2),
            _col("Raw peak RSS MB", "raw_peak_rss_mb", 0),
            _col("EDF peak RSS MB", "edf_peak_rss_mb", 0),
            _col("baseline RSS MB", "baseline_rss_mb", 0),
            _col("RSS Raw / EDF", "rss_ratio", 2),
            _col("LMs", "n_lm", 0),
            _col("same LMs", "same_n_lm"),
        ],
    ),
    "scaling": (
        "Scaling with night length (fresh process per repeat)",
        [
            *NIGHT,
            _col("first call s", "wall_first_s"),
            _col("warm call s", "wall_warm_s"),
            _col("peak RSS MB", "peak_rss_mb", 0),
            _col("rec-h/s", "rec_h_per_s", 1),
        ],
    ),
    "engine": (
        "Engine on event lists (best (median) of repeats)",
        [
            _col("LMs/h", "per_h", 0),
            _col("h", "hours", 2),
            _col("LMs", "n_lms", 0),
            _col("PLMs", "n_plm", 0),
            _ms("apply_rules ms", "apply_rules_s"),
            _ms("compute_summary ms", "compute_summary_s"),
            _ms("total ms", "total_s"),
        ],
    ),
    "density": (
        "Detector (detect_legs, 2 threads) on dense nights",
        [
            _col("LMs/h", "per_h", 0),
            _col("h", "hours", 2),
            _col("fs Hz", "fs_hz", 0),
            _col("planted", "n_planted", 0),
            _col("detected", "n_detected", 0),
            _col("detect s", "detect_s"),
        ],
    ),
    "batch": (
        "Batch",
        [
            _col("method", "method"),
            _col("jobs", "jobs", 0),
            _col("nights", "nights", 0),
            _col("h each", "hours_each", 2),
            _col("fs Hz", "fs_hz", 0),
            _col("wall s", "wall_s", 2),
            _col("CPU s", "cpu_s", 2),
            _col("max RSS MB", "max_rss_mb", 0),
            _col("rec-h/s", "rec_h_per_s", 1),
            _col("efficiency", "efficiency", 2),
            _col("ok", "n_ok", 0),
        ],
    ),
    "profile": (
        "cProfile (CPU time) of one warm plm.score(n_threads=1) + to_dir, top functions by "
        "own time",
        [
            _col("function", "function"),
            _col("calls", "ncalls", 0),
            _col("own s", "tottime_s"),
            _col("cumulative s", "cumtime_s"),
            _col("share of own time", "share", 3),
        ],
    ),
    "startup": (
        "Start-up: fresh processes (target <= 0.3 s)",
        [
            _col("command", "command"),
            _col("wall s", "wall_s"),
            _col("CPU s", "cpu_s"),
            _col("max RSS MB", "max_rss_mb", 0),
        ],
    ),
    "command": (
        "`plm score FILE --out DIR` against the floor process (interpreter, imports, two "
        "legs read, one band-pass each), alternated; ratio of the medians (target <= 1.25)",
        [
            *NIGHT,
            _col("plm score s", "command_s"),
            _col("floor process s", "floor_process_s"),
            _col("plm score CPU s", "command_cpu_s"),
            _col("floor CPU s", "floor_cpu_s"),
            _col("ratio (medians)", "ratio_median", 2),
        ],
    ),
    "report": (
        "Reports: write_reports (PDF + HTML) after plm.score(keep_signals=True) + to_dir, "
        "warm, in process (target: + <= 1.0 s for an 8-h night)",
        [
            *NIGHT,
            _col("score + to_dir s", "score_s"),
            _col("reports s", "report_s"),
            _col("PDF s", "pdf_s"),
            _col("HTML s", "html_s"),
            _col("PDF font subsetting s", "font_subset_s"),
            _col("170 MB font re-reads s", "font_reads_170mb_s"),
            _col("reports / scoring", "report_over_score", 2),
        ],
    ),
    "autonomic": (
        "Heart-rate response analysis against warm plm.score (target <= 0.10)",
        [
            _col("analysis", "analysis"),
            _col("h", "hours", 2),
            _col("analysis s", "s"),
            _col("plm.score warm s", "score_warm_s"),
            _col("ratio", "ratio", 3),
            _col("LMs", "lms", 0),
        ],
    ),
    "batch8": (
        "`plm batch DIR --jobs N` on 8-h nights (hard links of one night; target: --jobs 2 "
        ">= 1.8x --jobs 1)",
        [
            _col("jobs", "jobs", 0),
            _col("nights", "nights", 0),
            _col("h each", "hours_each", 2),
            _col("fs Hz", "fs_hz", 0),
            _col("wall s", "wall_s", 2),
            _col("CPU s", "cpu_s", 2),
            _col("max RSS MB", "max_rss_mb", 0),
            _col("speed-up", "speedup", 2),
            _col("efficiency", "efficiency", 2),
            _col("ok", "n_ok", 0),
        ],
    ),
    "cohort": (
        "Cohort on a Dask LocalCluster: plm.score(n_threads=1) + to_dir per task, workers warm",
        [
            _col("source", "source"),
            _col("workers", "workers", 0),
            _col("nights", "nights", 0),
            _col("h each", "hours_each", 3),
            _col("fs Hz", "fs_hz", 0),
            _col("wall s", "wall_s", 2),
            _col("nights/min", "nights_per_min", 0),
            _col("rec-h/s", "rec_h_per_s", 1),
            _col("MB/s", "mb_per_s", 1),
            _col("CPU s/night", "cpu_per_night_s", 3),
            _col("efficiency", "efficiency", 2),
            _col("cluster start s", "cluster_start_s", 1),
            _col("scheduler ms/task", "scheduler_ms_per_task", 2),
        ],
    ),
    "targets": (
        "Targets (reported, not asserted)",
        [
            _col("target", "target"),
            _col("limit", "limit"),
            _col("measured", "measured", 3),
            _col("met", "met"),
            _col("note", "note"),
        ],
    ),
}

STAGE_COLUMNS: list[Column] = [
    _col("stage", "stage"),
    _col("wall s", "wall_s"),
    _col("CPU s", "cpu_s"),
    _col("sys s", "sys_s"),
    _col("page faults", "minflt", 0),
    _col("peak alloc MB", "peak_mb", 0),
]


def _stage_tables(case: dict[str, Any]) -> list[str]:
    out = []
    for r in case["rows"]:
        title = (
            f"### Stages, {r['hours']:.3g} h at {r['fs_hz']:g} Hz (warm, in process; "
            f"'ann:'/'cond:'/'det:' lines are parts of the line below them)"
        )
        note = (
            f"Sum of the parts of score (read + annotations + detect_legs + "
            f"engine + metrics, best of each): {r['sum_of_parts_s']:.3f} s; whole score "
            f"minus that: {r['unaccounted_s']:.3f} s. CPU, sys and page faults: one extra "
            f"call; peak alloc: tracemalloc (NumPy buffers, not C-level malloc)."
        )
        out.append("\n\n".join([title, markdown_table(r["stages"], STAGE_COLUMNS), note]))
    return out


def _fit_lines(results: dict[str, Any]) -> list[str]:
    lines = []
    fit = results.get("scaling", {}).get("fit")
    if fit:
        w, m = fit["wall_first_s_per_h"], fit["peak_rss_mb_per_h"]
        lines.append(
            f"Scaling fit: {w['slope']:.3f} s/h + {w['intercept']:.3f} s (R² {w['r2']:.4f}); "
            f"warm {fit['wall_warm_s_per_h']['slope']:.3f} s/h; peak RSS {m['slope']:.1f} MB/h "
            f"+ {m['intercept']:.0f} MB (R² {m['r2']:.4f})."
        )
        ratio = results["scaling"].get("last_two_ratio")
        if ratio:
            lines.append(
                f"t({ratio['hours'][1]:.3g} h)/t({ratio['hours'][0]:.3g} h) = "
                f"{ratio['wall_first']:.2f} (warm {ratio['wall_warm']:.2f}); peak RSS ratio "
                f"{ratio['peak_rss']:.2f} (above baseline {ratio['peak_rss_over_baseline']:.2f})."
            )
    for case, unit in (("engine", "engine"), ("density", "detector")):
        f = results.get(case, {}).get("fit_s_per_lm")
        if f:
            lines.append(
                f"{unit.capitalize()} cost per LM: {f['slope'] * 1e6:.1f} µs/LM + "
                f"{f['intercept'] * 1e3:.1f} ms (R² {f['r2']:.3f})."
            )
    return lines


def _load_line(case: dict[str, Any]) -> str:
    load = case["loadavg"]
    one = [x[0] for x in (load["start"], load["end"]) if x]
    text = "Load average (1 min) " + " -> ".join(f"{x:.2f}" for x in one)
    return f"{text}; case took {case.get('elapsed_s', 0.0):.0f} s."


def render(report: dict[str, Any]) -> str:
    """All tables of a run as Markdown (what the runner prints and the README shows)."""
    m = report["machine"]
    parts = [
        f"## Results {report['created']} on {m['host']} ({'quick' if report['quick'] else 'full'})",
        f"{m['cpu_model']}, {m['logical_cores']} logical cores ({m['usable_cores']} usable), "
        f"{m['ram_gb']} GB RAM; Python {m['python']}, numpy {m['numpy']}, scipy "
        f"{m['scipy']}, pandas {m['pandas']}, mne {m['mne']}, plmkit {m['plmkit']}. "
        f"Load average at start {report['load']['start']}, at end {report['load']['end']}.",
    ]
    code = report.get("code", {})
    start, end = code.get("start") or {}, code.get("end") or {}
    if start.get("commit"):
        text = f"Code: commit {start['commit'][:10]}"
        if start.get("library_dirty"):
            text += " with uncommitted changes in plm/ or pipelines/"
        lib = start.get("library_commit")
        if lib and lib != start["commit"]:
            text += f" (library last changed in {lib[:10]})"
        if end.get("library_commit") != lib or end.get("library_dirty"):
            text += (
                f"; the library changed during the run (at the end: "
                f"{str(end.get('library_commit'))[:10]})"
            )
        parts.append(text + ".")
    cases = report["cases"]
    sections: list[tuple[str, dict[str, Any]]] = [(k, v) for k, v in cases.items()]
    if report.get("ratios"):
        sections.append(("ratios", {"rows": report["ratios"]}))
    sections.append(("targets", {"rows": report["targets"]}))
    for name, case in sections:
        if name == "stages":
            parts.extend(_stage_tables(case))
            continue
        title, columns = TABLES[name]
        text = f"### {title}\n\n{markdown_table(case['rows'], columns)}"
        if "loadavg" in case:
            text += f"\n\n{_load_line(case)}"
        if name == "cli":
            it = case["interpreter"]
            text += (
                f" Bare interpreter (`python -c pass`): {fmt(it['wall_s'])} s, "
                f"{fmt(it['max_rss_mb'], 0)} MB."
            )
        if name == "batch8" and "speedup_bound" in case:
            text += (
                f"\n\nOne night in process: {case['score_2_threads_s']:.3f} s with 2 threads "
                f"(`--jobs 1`), {case['score_1_thread_s']:.3f} s with 1 (each `--jobs 2` "
                f"worker): at most {case['speedup_bound']:.2f}x from a second worker."
            )
        if name == "cohort" and case.get("skipped"):
            text += f"\n\nSkipped: {case['skipped']}."
        if name == "batch" and not case.get("plm_batch_available"):
            text += "\n\n`plm batch` was not available: only the process pool was timed."
        parts.append(text)
    parts.extend(_fit_lines(cases))
    return "\n\n".join(parts) + "\n"
