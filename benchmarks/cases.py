"""The benchmark cases.  Each takes a :class:`Context` and returns a JSON-ready dict.

A case's dict holds ``rows`` (one per measured configuration; a timing is a
``{"best", "median", "runs"}`` dict) and optionally ``fit``/``notes``.  Ratios between
cases (end to end over the floor, MNE over plmkit) and the targets are derived
afterwards by :mod:`benchmarks.report`, so any ``--only`` subset works.
"""

from __future__ import annotations

import copy
import cProfile
import importlib.util
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.config import Config
from benchmarks.inputs import ECG, LEFT, RIGHT, Inputs, NightSpec, dense_movements, plant_movements
from benchmarks.measure import (
    MB,
    Timing,
    measured,
    run_child,
    run_process,
    timeit,
    traced_peak_mb,
)


@dataclass
class Context:
    """What the cases share: the configuration, the inputs and reusable child runs."""

    cfg: Config
    inputs: Inputs
    score_runs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def score_children(
        self, spec: NightSpec, repeats: int, n_threads: int = 2
    ) -> list[dict[str, Any]]:
        """``repeats`` fresh-process runs of ``plm.score`` on ``spec`` (reused across cases)."""
        path = self.inputs.night(spec)
        runs = self.score_runs.setdefault(f"{spec.key}-t{n_threads}", [])
        while len(runs) < repeats:
            args = {"path": str(path), "calls": 2, "n_threads": n_threads}
            runs.append(run_child("score", args))
        return runs[:repeats]


def _timing(values: list[float]) -> dict[str, Any]:
    return Timing(list(values)).to_dict()


def _night_row(spec: NightSpec, path: Path) -> dict[str, Any]:
    return {
        "fs_hz": spec.fs_hz,
        "hours": spec.hours,
        "file_mb": path.stat().st_size / MB,
        "legs_f32_mb": spec.legs_f32_mb,
    }


def _score_row(
    spec: NightSpec, path: Path, runs: list[dict[str, Any]], n_threads: int = 2
) -> dict[str, Any]:
    """Summarise fresh-process ``plm.score`` runs: first call, warm calls, memory."""
    first = [r["first"] for r in runs]
    warm = [w for r in runs for w in r["warm"]] or first
    baseline = Timing([r["baseline_rss_mb"] for r in runs]).median
    row = _night_row(spec, path)
    row.update(
        n_threads=n_threads,
        wall_first_s=_timing([m["wall_s"] for m in first]),
        cpu_first_s=_timing([m["cpu_s"] for m in first]),
        sys_first_s=_timing([m["sys_s"] for m in first]),
        minflt_first=_timing([m["minflt"] for m in first]),
        wall_warm_s=_timing([m["wall_s"] for m in warm]),
        cpu_warm_s=_timing([m["cpu_s"] for m in warm]),
        sys_warm_s=_timing([m["sys_s"] for m in warm]),
        minflt_warm=_timing([m["minflt"] for m in warm]),
        peak_rss_mb=_timing([r["peak_rss_mb"] for r in runs]),
        baseline_rss_mb=baseline,
        import_s=_timing([r["import_s"] for r in runs]),
        rss_target_mb=3 * spec.legs_f32_mb + baseline,
        rec_h_per_s=spec.hours / min(m["wall_s"] for m in first),
    )
    return row


# --------------------------------------------------------------------------- end to end


def case_e2e(ctx: Context) -> dict[str, Any]:
    """``plm.score(path)`` + ``to_dir`` in a fresh process per repeat, per sampling rate.

    The default two threads at every rate, plus one thread at the main rate.
    """
    plan = [(fs, 2) for fs in ctx.cfg.rates_hz] + [(ctx.cfg.main_fs_hz, 1)]
    rows = []
    for fs, threads in plan:
        spec = NightSpec(ctx.cfg.hours, fs)
        runs = ctx.score_children(spec, ctx.cfg.e2e_repeats, threads)
        rows.append(_score_row(spec, ctx.inputs.night(spec), runs, threads))
    return {"rows": rows}


def case_bytes(ctx: Context) -> dict[str, Any]:
    """Bytes read per ``plm score`` (and ``--report``) / file size, from ``/proc/self/io``."""
    spec = NightSpec(ctx.cfg.hours, ctx.cfg.main_fs_hz)
    path = ctx.inputs.night(spec)
    rows = []
    for report in (False, True):
        got = run_child("bytes", {"path": str(path), "report": report})
        got["rendering_mb"] = got["rendering_bytes"] / MB
        rows.append({**_night_row(spec, path), "report": report, **got})
    return {"rows": rows}


def case_cli(ctx: Context) -> dict[str, Any]:
    """``plm score FILE --out DIR`` as a subprocess: interpreter start-up and imports included."""
    bare = [run_process([sys.executable, "-c", "pass"]) for _ in range(ctx.cfg.cli_repeats)]
    rows = []
    for fs in ctx.cfg.rates_hz:
        spec = NightSpec(ctx.cfg.hours, fs)
        path = ctx.inputs.night(spec)
        runs = []
        for _ in range(ctx.cfg.cli_repeats):
            with tempfile.TemporaryDirectory() as tmp:
                cmd = [sys.executable, "-m", "pipelines.cli", "score", str(path), "--out", tmp]
                run = run_process(cmd)
            if run.returncode != 0:
                raise RuntimeError(f"plm score failed: {run.stderr}")
            runs.append(run)
        row = _night_row(spec, path)
        row.update(
            wall_s=_timing([r.wall_s for r in runs]),
            cpu_s=_timing([r.cpu_s for r in runs]),
            max_rss_mb=_timing([r.max_rss_mb for r in runs]),
            rec_h_per_s=spec.hours / min(r.wall_s for r in runs),
        )
        rows.append(row)
    return {
        "rows": rows,
        "interpreter": {
            "wall_s": _timing([r.wall_s for r in bare]),
            "max_rss_mb": _timing([r.max_rss_mb for r in bare]),
        },
    }


# --------------------------------------------------------------------------- the floor


def _leg_indices(path: Path) -> tuple[Any, list[int]]:
    from plm.io import edf

    header = edf.read_header(path)
    return header, [header.labels.index(LEFT), header.labels.index(RIGHT)]


def case_floor(ctx: Context) -> dict[str, Any]:
    """Reading the two leg channels alone, and one zero-phase band-pass of each."""
    from scipy.signal import sosfiltfilt

    from plm.io import edf
    from plm.rules import get_rules
    from plm.signal import bandpass_sos, zero_phase

    rules = get_rules()
    n = ctx.cfg.inproc_repeats
    rows = []
    for fs in ctx.cfg.rates_hz:
        spec = NightSpec(ctx.cfg.hours, fs)
        path = ctx.inputs.night(spec)

        def read(path: Path = path) -> list[np.ndarray]:
            header, idx = _leg_indices(path)
            return edf.read_signals(header, idx)

        legs = read()
        sos = bandpass_sos(
            fs, rules.highpass_hz, rules.lowpass_hz, rules.filter_order, rules.lowpass_max_fraction
        )
        t_read = timeit(read, n)
        t_bp = timeit(lambda: [zero_phase(sos, x) for x in legs], n)  # noqa: B023
        t_f64 = timeit(lambda: [sosfiltfilt(sos, x.astype(np.float64)) for x in legs], n)  # noqa: B023
        child = run_child("read_legs", {"path": str(path), "labels": [LEFT, RIGHT]})
        row = _night_row(spec, path)
        row.update(
            read_s=t_read.to_dict(),
            bandpass_s=t_bp.to_dict(),
            floor_s=t_read.best + t_bp.best,
            sosfiltfilt_f64_s=t_f64.to_dict(),
            read_first_s=child["first"]["wall_s"],
            read_peak_rss_mb=child["peak_rss_mb"],
            read_rss_over_baseline_mb=child["peak_rss_mb"] - child["baseline_rss_mb"],
        )
        rows.append(row)
    return {"rows": rows}


# --------------------------------------------------------------------------- stages


def _stage_functions(path: Path, out_dir: str) -> dict[str, Callable[[], Any]]:
    """One callable per pipeline stage of ``plm.score``, each fed the previous outputs."""
    from plm._util import sha256_file
    from plm.api import score
    from plm.detect import detect_legs, detect_movements, envelope, resting_baseline
    from plm.engine import apply_rules
    from plm.io.annotations import load_night_events
    from plm.io.recording import load_recording
    from plm.metrics import compute_summary
    from plm.rules import get_rules
    from plm.signal import (
        bandpass_sos,
        condition,
        detect_mains_hz,
        notch_sos,
        r_peaks_for,
        rectify,
        suppress_ecg,
        zero_phase,
    )

    rules = get_rules()
    no_morph = get_rules(morphology_rule=False)
    legs = load_recording(path, rules=rules)
    fs = legs.fs_hz
    raw = [legs.left_uv, legs.right_uv]
    peaks = r_peaks_for(legs.ecg, legs.ecg_fs_hz)
    mains = detect_mains_hz(raw[0], fs)
    sos = bandpass_sos(
        fs, rules.highpass_hz, rules.lowpass_hz, rules.filter_order, rules.lowpass_max_fraction
    )
    if mains is not None:
        sos = np.vstack((sos, notch_sos(fs, mains)))
    filtered = [zero_phase(sos, x) for x in raw]
    cleaned = [suppress_ecg(y, fs, peaks)[0] for y in filtered]
    rect = [condition(x, fs, rules, r_peaks_s=peaks).signal for x in raw]
    base = [resting_baseline(r, fs, rules) for r in rect]
    result = score(path)
    engine = apply_rules(result.events, rules)
    start, dur = legs.start_datetime, legs.duration_s
    ecg, efs = legs.ecg, legs.ecg_fs_hz
    return {
        "read (load_recording: legs, ECG, EDF+, SHA-256)": lambda: load_recording(
            path, rules=rules
        ),
        "ann: sha256 of the recording": lambda: sha256_file(path),
        "annotations (load_night_events)": lambda: load_night_events(
            [path], start_datetime=start, recording_duration_s=dur
        ),
        "cond: R peaks (once)": lambda: r_peaks_for(ecg, efs),
        "cond: finite check": lambda: [bool(np.isfinite(x).all()) for x in raw],
        "cond: mains detection": lambda: [detect_mains_hz(x, fs) for x in raw],
        "cond: band-pass+notch": lambda: [zero_phase(sos, x) for x in raw],
        "cond: ECG suppression": lambda: [suppress_ecg(y, fs, peaks) for y in filtered],
        "cond: rectification": lambda: [rectify(y) for y in cleaned],
        "conditioning (condition)": lambda: [condition(x, fs, rules, r_peaks_s=peaks) for x in raw],
        "baseline (resting_baseline)": lambda: [resting_baseline(r, fs, rules) for r in rect],
        "det: envelope": lambda: [envelope(r, fs, rules.envelope_s) for r in rect],
        "det: no morphology": lambda: [
            detect_movements(r, fs, no_morph, baseline=b) for r, b in zip(rect, base, strict=True)
        ],
        "detection (given baseline)": lambda: [
            detect_movements(r, fs, rules, baseline=b) for r, b in zip(rect, base, strict=True)
        ],
        "detect_legs (2 threads, as score)": lambda: detect_legs(
            {"left": raw[0], "right": raw[1]}, fs, rules, ecg=ecg, ecg_fs_hz=efs
        ),
        "detect_legs (1 thread)": lambda: detect_legs(
            {"left": raw[0], "right": raw[1]}, fs, rules, ecg=ecg, ecg_fs_hz=efs, n_threads=1
        ),
        "engine (apply_rules)": lambda: apply_rules(result.events, rules),
        "metrics (compute_summary)": lambda: compute_summary(engine, result.events, rules),
        "output (to_dir)": lambda: result.to_dir(out_dir),
        "score (whole, warm)": lambda: score(path),
    }


#: Stages whose sum is compared with the whole ``score`` call.
SCORE_PARTS = (
    "read (load_recording: legs, ECG, EDF+, SHA-256)",
    "annotations (load_night_events)",  # includes the recording's only SHA-256
    "detect_legs (2 threads, as score)",
    "engine (apply_rules)",
    "metrics (compute_summary)",
)


def case_stages(ctx: Context) -> dict[str, Any]:
    """Each stage of ``plm.score`` timed separately (warm, in process), with its peak memory."""
    out_rows = []
    for fs in ctx.cfg.rates_hz:
        spec = NightSpec(ctx.cfg.hours, fs)
        path = ctx.inputs.night(spec)
        rows = []
        with tempfile.TemporaryDirectory() as tmp:
            stages = _stage_functions(path, tmp)
            for name, fn in stages.items():
                t = timeit(fn, ctx.cfg.inproc_repeats)
                once = measured(fn)
                rows.append(
                    {
                        "stage": name,
                        "wall_s": t.to_dict(),
                        "cpu_s": once["cpu_s"],
                        "sys_s": once["sys_s"],
                        "minflt": once["minflt"],
                        "peak_mb": traced_peak_mb(fn),
                    }
                )
        best = {r["stage"]: r["wall_s"]["best"] for r in rows}
        parts = sum(best[k] for k in SCORE_PARTS)
        out_rows.append(
            {
                **_night_row(spec, path),
                "stages": rows,
                "sum_of_parts_s": parts,
                "unaccounted_s": best["score (whole, warm)"] - parts,
            }
        )
        del stages
    return {"rows": out_rows}


# --------------------------------------------------------------------------- the usual approach


def case_mne(ctx: Context) -> dict[str, Any]:
    """``mne.io.read_raw_edf(preload=True)`` → ``get_data`` (V → µV) → our detector + engine."""
    if importlib.util.find_spec("mne") is None:
        return {"rows": [], "skipped": "mne is not installed"}
    rows = []
    for fs in ctx.cfg.rates_hz:
        spec = NightSpec(ctx.cfg.hours, fs)
        path = ctx.inputs.night(spec)
        args = {"path": str(path), "labels": [LEFT, RIGHT], "ecg_label": ECG}
        runs = [run_child("mne", args) for _ in range(ctx.cfg.mne_repeats)]
        row = _night_row(spec, path)
        row.update(
            wall_s=_timing([r["first"]["wall_s"] for r in runs]),
            cpu_s=_timing([r["first"]["cpu_s"] for r in runs]),
            peak_rss_mb=_timing([r["peak_rss_mb"] for r in runs]),
            baseline_rss_mb=Timing([r["baseline_rss_mb"] for r in runs]).median,
            mne_fs_hz=runs[0]["mne_fs_hz"],
            n_lm=runs[0]["n_lm"],
        )
        rows.append(row)
    return {"rows": rows}


def case_mne_raw(ctx: Context) -> dict[str, Any]:
    """``plm.score(raw)`` of a non-preloaded ``read_raw_edf`` against ``plm.score(path)``.

    Both in fresh processes with mne imported (same baseline); peak RSS ratio (target
    <= 1.2: the adapter reads only the legs and the ECG, in chunks).
    """
    if importlib.util.find_spec("mne") is None:
        return {"rows": [], "skipped": "mne is not installed"}
    rows = []
    fs = ctx.cfg.main_fs_hz
    spec = NightSpec(ctx.cfg.hours, fs)
    path = ctx.inputs.night(spec)
    args = {"path": str(path)}
    raw_runs, edf_runs = [], []
    for _ in range(ctx.cfg.mne_repeats):  # interleaved: both see the same machine load
        raw_runs.append(run_child("score_mne_baseline", {**args, "raw": True}))
        edf_runs.append(run_child("score_mne_baseline", {**args, "raw": False}))
    raw_rss = Timing([r["peak_rss_mb"] for r in raw_runs])
    edf_rss = Timing([r["peak_rss_mb"] for r in edf_runs])
    row = _night_row(spec, path)
    row.update(
        raw_wall_s=_timing([r["first"]["wall_s"] for r in raw_runs]),
        edf_wall_s=_timing([r["first"]["wall_s"] for r in edf_runs]),
        raw_peak_rss_mb=raw_rss.to_dict(),
        edf_peak_rss_mb=edf_rss.to_dict(),
        baseline_rss_mb=Timing([r["baseline_rss_mb"] for r in raw_runs]).median,
        rss_ratio=raw_rss.median / edf_rss.median,
        same_n_lm=raw_runs[0]["n_lm"] == edf_runs[0]["n_lm"],
        n_lm=raw_runs[0]["n_lm"],
    )
    rows.append(row)
    return {"rows": rows}


# --------------------------------------------------------------------------- scaling


def _linear_fit(x: list[float], y: list[float]) -> dict[str, float]:
    """Least-squares line ``y = slope * x + intercept``, R² and max relative residual."""
    xa, ya = np.asarray(x, float), np.asarray(y, float)
    slope, intercept = np.polyfit(xa, ya, 1)
    pred = slope * xa + intercept
    ss_res = float(np.sum((ya - pred) ** 2))
    ss_tot = float(np.sum((ya - ya.mean()) ** 2)) or 1.0
    return {
        "slope": float(slope),
        "intercept": float(intercept),
        "r2": 1.0 - ss_res / ss_tot,
        "max_rel_residual": float(np.max(np.abs(ya - pred) / np.abs(ya))),
    }


def case_scaling(ctx: Context) -> dict[str, Any]:
    """End to end on 1-16 h nights: seconds and MB per hour of recording."""
    rows = []
    for hours in ctx.cfg.scaling_hours:
        spec = NightSpec(hours, ctx.cfg.scaling_fs_hz)
        runs = ctx.score_children(spec, ctx.cfg.scaling_repeats)
        rows.append(_score_row(spec, ctx.inputs.night(spec), runs))
    hrs = [r["hours"] for r in rows]
    fit = {
        "wall_first_s_per_h": _linear_fit(hrs, [r["wall_first_s"]["best"] for r in rows]),
        "wall_warm_s_per_h": _linear_fit(hrs, [r["wall_warm_s"]["best"] for r in rows]),
        "peak_rss_mb_per_h": _linear_fit(hrs, [r["peak_rss_mb"]["median"] for r in rows]),
    }
    ratio = {}
    if len(rows) >= 2:
        a, b = rows[-2], rows[-1]
        ratio = {
            "hours": [a["hours"], b["hours"]],
            "wall_first": b["wall_first_s"]["best"] / a["wall_first_s"]["best"],
            "wall_warm": b["wall_warm_s"]["best"] / a["wall_warm_s"]["best"],
            "peak_rss": b["peak_rss_mb"]["median"] / a["peak_rss_mb"]["median"],
            "peak_rss_over_baseline": (b["peak_rss_mb"]["median"] - b["baseline_rss_mb"])
            / (a["peak_rss_mb"]["median"] - a["baseline_rss_mb"]),
        }
    return {"rows": rows, "fit": fit, "last_two_ratio": ratio}


# --------------------------------------------------------------------------- dense nights


def _context_events(hours: float) -> Any:
    """Hypnogram, respiratory events and arousals of a synthetic night (no movements)."""
    from plm.simulate.nights import simulate_quiet_night

    return simulate_quiet_night(hours * 3600, 50.0, seed=11).to_events()


def case_engine(ctx: Context) -> dict[str, Any]:
    """``apply_rules`` + ``compute_summary`` on event lists of 0-500 LMs per hour."""
    from plm.engine import apply_rules
    from plm.metrics import compute_summary
    from plm.rules import get_rules

    rules = get_rules()
    night = _context_events(ctx.cfg.engine_hours)
    rows = []
    for per_h in ctx.cfg.densities_per_h:
        events = copy.deepcopy(night)
        events.movements = dense_movements(ctx.cfg.engine_hours, per_h)
        engine = apply_rules(events, rules)
        n = ctx.cfg.engine_repeats
        t_rules = timeit(lambda: apply_rules(events, rules), n)  # noqa: B023
        t_summary = timeit(lambda: compute_summary(engine, events, rules), n)  # noqa: B023
        t_total = timeit(lambda: compute_summary(apply_rules(events, rules), events, rules), n)  # noqa: B023
        rows.append(
            {
                "per_h": per_h,
                "hours": ctx.cfg.engine_hours,
                "n_lms": len(events.movements),
                "n_plm": int(compute_summary(engine, events, rules).get("n_plm") or 0),
                "apply_rules_s": t_rules.to_dict(),
                "compute_summary_s": t_summary.to_dict(),
                "total_s": t_total.to_dict(),
            }
        )
    fit = _linear_fit([r["n_lms"] for r in rows], [r["total_s"]["best"] for r in rows])
    return {"rows": rows, "fit_s_per_lm": fit}


def case_density(ctx: Context) -> dict[str, Any]:
    """The detector (``detect_legs``) on nights with 0-500 planted LMs per hour."""
    from plm.detect import detect_legs
    from plm.rules import get_rules

    rules = get_rules()
    hours, fs = ctx.cfg.density_hours, ctx.cfg.density_fs_hz
    left, right = ctx.inputs.quiet_legs(hours, fs)
    rows = []
    for per_h in ctx.cfg.densities_per_h:
        mv = dense_movements(hours, per_h)
        legs = {
            side: plant_movements(x, fs, mv[mv["side"] == side], seed=i)
            for i, (side, x) in enumerate((("left", left), ("right", right)))
        }
        detected, _ = detect_legs(legs, fs, rules)
        t = timeit(lambda: detect_legs(legs, fs, rules), ctx.cfg.density_repeats)  # noqa: B023
        rows.append(
            {
                "per_h": per_h,
                "hours": hours,
                "fs_hz": fs,
                "n_planted": len(mv),
                "n_detected": len(detected),
                "detect_s": t.to_dict(),
            }
        )
    fit = _linear_fit([r["n_planted"] for r in rows], [r["detect_s"]["best"] for r in rows])
    return {"rows": rows, "fit_s_per_lm": fit}


# --------------------------------------------------------------------------- batch


def batch_cli_available() -> bool:
    """True when ``plm batch --help`` works in this environment."""
    return run_process([sys.executable, "-m", "pipelines.cli", "batch", "--help"]).returncode == 0


def _batch_cli(folder: Path, jobs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        cmd = [sys.executable, "-m", "pipelines.cli", "batch", str(folder), "--out", str(out)]
        run = run_process([*cmd, "--jobs", str(jobs)])
        if run.returncode != 0:
            raise RuntimeError(f"plm batch failed ({run.returncode}): {run.stderr[-2000:]}")
        table = (out / "cohort_summary.tsv").read_text().splitlines()
        n_ok = sum(1 for line in table[1:] if "\tok\t" in f"\t{line}\t")
    return {"wall_s": run.wall_s, "cpu_s": run.cpu_s, "max_rss_mb": run.max_rss_mb, "n_ok": n_ok}


def _batch_pool(paths: list[Path], jobs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        args = {"paths": [str(p) for p in paths], "out_dir": tmp, "jobs": jobs}
        child = run_child("pool", args)
        n_ok = len(list(Path(tmp).glob("*_summary.json")))
    return {
        "wall_s": child["process"]["wall_s"],
        "cpu_s": child["process"]["cpu_s"],
        "max_rss_mb": child["process"]["max_rss_mb"],
        "n_ok": n_ok,
    }


def case_batch(ctx: Context) -> dict[str, Any]:
    """``plm batch DIR --jobs N`` (when available) and a plain process pool, N = 1, 2."""
    cfg = ctx.cfg
    folder = ctx.inputs.batch_folder(cfg.batch_nights, cfg.batch_hours, cfg.batch_fs_hz)
    paths = sorted(folder.glob("*.edf"))
    methods: dict[str, Callable[[int], dict[str, Any]]] = {
        "ProcessPoolExecutor + plm.score(n_threads=1)": lambda j: _batch_pool(paths, j)
    }
    cli = batch_cli_available()
    if cli:
        methods = {"plm batch (subprocess)": lambda j: _batch_cli(folder, j), **methods}
    rows = []
    for method, run in methods.items():
        base = None
        for jobs in cfg.batch_jobs:
            r = run(jobs)
            base = base or r["wall_s"] * cfg.batch_jobs[0]
            rows.append(
                {
                    "method": method,
                    "jobs": jobs,
                    "nights": len(paths),
                    "hours_each": cfg.batch_hours,
                    "fs_hz": cfg.batch_fs_hz,
                    **r,
                    "rec_h_per_s": len(paths) * cfg.batch_hours / r["wall_s"],
                    "efficiency": base / (jobs * r["wall_s"]),
                }
            )
    return {"rows": rows, "plm_batch_available": cli}


# --------------------------------------------------------------------------- profile


def case_profile(ctx: Context, top: int = 15) -> dict[str, Any]:
    """cProfile of one warm ``plm.score(n_threads=1)`` + ``to_dir`` at the main rate.

    Profiled CPU time: functions making many small Python calls are inflated by the
    profiler's per-call cost (compare with the stage timings).
    """
    import plm

    spec = NightSpec(ctx.cfg.hours, ctx.cfg.main_fs_hz)
    path = ctx.inputs.night(spec)
    with tempfile.TemporaryDirectory() as tmp:
        plm.score(path, n_threads=1).to_dir(tmp)  # warm-up
        prof = cProfile.Profile(time.process_time)  # CPU time: robust to the machine load
        prof.runcall(lambda: plm.score(path, n_threads=1).to_dir(tmp))
    stats = pstats.Stats(prof)
    total = stats.total_tt
    rows = []
    entries = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
    for (filename, line, func), (_cc, ncalls, tottime, cumtime, _callers) in entries:
        rows.append(
            {
                "function": f"{_short(filename)}:{line}({func})",
                "ncalls": ncalls,
                "tottime_s": tottime,
                "cumtime_s": cumtime,
                "share": tottime / total if total else 0.0,
            }
        )
    return {"rows": rows, "total_s": total, "fs_hz": spec.fs_hz, "hours": spec.hours}


def _short(filename: str) -> str:
    """``.../site-packages/scipy/signal/_x.py`` → ``scipy/signal/_x.py``."""
    parts = Path(filename).parts
    for anchor in ("plm", "scipy", "numpy", "pandas", "benchmarks"):
        if anchor in parts:
            return "/".join(parts[len(parts) - parts[::-1].index(anchor) - 1 :])
    return filename


from benchmarks import scale  # noqa: E402 (its cases use the helpers above)

CASE_FUNCTIONS: dict[str, Callable[[Context], dict[str, Any]]] = {
    "e2e": case_e2e,
    "bytes": case_bytes,
    "cli": case_cli,
    "floor": case_floor,
    "stages": case_stages,
    "mne": case_mne,
    "mne_raw": case_mne_raw,
    "scaling": case_scaling,
    "engine": case_engine,
    "density": case_density,
    "batch": case_batch,
    "profile": case_profile,
    "startup": scale.case_startup,
    "command": scale.case_command,
    "report": scale.case_report,
    "autonomic": scale.case_autonomic,
    "batch8": scale.case_batch8,
    "cohort": scale.case_cohort,
}
