"""Measurements that need a fresh interpreter: ``python -m benchmarks.child TASK ARGS_JSON``.

Each task prints one JSON line (its last stdout line) with wall and CPU times, the peak
RSS and the baseline RSS after the imports the task needs.  The parent adds the whole
process's rusage (interpreter start-up included), see :func:`benchmarks.measure.run_child`.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

from benchmarks.measure import current_rss_mb, measured, peak_rss_mb


def _import_plm() -> None:
    """Import everything ``plm.score`` uses, so the baseline RSS includes it."""
    import numpy  # noqa: F401
    import pandas  # noqa: F401
    import scipy.ndimage  # noqa: F401
    import scipy.signal  # noqa: F401

    import plm.api  # noqa: F401
    import plm.detect  # noqa: F401
    import plm.engine  # noqa: F401
    import plm.io.annotations  # noqa: F401
    import plm.io.recording  # noqa: F401
    import plm.metrics  # noqa: F401
    import plm.results  # noqa: F401
    import plm.signal  # noqa: F401


def _import_mne() -> None:
    _import_plm()
    import mne  # noqa: F401


def _baseline(imports: Callable[[], None]) -> dict[str, float]:
    t0 = time.perf_counter()
    imports()
    return {
        "import_s": time.perf_counter() - t0,
        "baseline_rss_mb": current_rss_mb(),
        "baseline_peak_rss_mb": peak_rss_mb(),
    }


def task_score(path: str, calls: int = 2, n_threads: int = 2) -> dict[str, Any]:
    """``plm.score(path)`` + ``to_dir``: the first call in a fresh process, then warm calls."""
    out = _baseline(_import_plm)
    import plm

    def once() -> None:
        with tempfile.TemporaryDirectory() as tmp:
            plm.score(path, n_threads=n_threads).to_dir(tmp)

    runs = []
    for i in range(calls):
        runs.append(measured(once))
        if i == 0:
            out["peak_rss_mb"] = peak_rss_mb()
    out["first"] = runs[0]
    out["warm"] = runs[1:]
    return out


def task_read_legs(path: str, labels: list[str]) -> dict[str, Any]:
    """Read the two leg channels alone (the floor's reading part) and keep them."""
    out = _baseline(_import_plm)
    from plm.io import edf

    kept: list[Any] = []

    def read() -> None:
        header = edf.read_header(path)
        index = [header.labels.index(label) for label in labels]
        kept[:] = edf.read_signals(header, index)

    out["first"] = measured(read)
    out["peak_rss_mb"] = peak_rss_mb()
    out["legs_mb"] = sum(x.nbytes for x in kept) / 1024 / 1024
    return out


def usual_approach(path: str, labels: list[str], ecg_label: str | None) -> Any:
    """What a researcher writes first: MNE preload, ``get_data`` in V → µV, our detector."""
    import mne
    import pandas as pd

    from plm.api import score_night
    from plm.detect import detect_legs
    from plm.io.annotations import events_from_annotations
    from plm.rules import get_rules

    raw = mne.io.read_raw_edf(path, preload=True, verbose="error")
    fs = float(raw.info["sfreq"])
    legs = raw.get_data(picks=labels) * 1e6
    ecg = raw.get_data(picks=[ecg_label])[0] * 1e6 if ecg_label else None
    ann = raw.annotations
    table = pd.DataFrame(
        {"onset": ann.onset, "duration": ann.duration, "description": ann.description}
    )
    events = events_from_annotations(table, recording_duration_s=raw.n_times / fs)
    rules = get_rules()
    movements, _ = detect_legs(
        {"left": legs[0], "right": legs[1]}, fs, rules, ecg=ecg, ecg_fs_hz=fs
    )
    events.movements = movements
    events.recording_duration_s = raw.n_times / fs
    return score_night(events, rules, stem="usual"), fs


def task_mne(path: str, labels: list[str], ecg_label: str | None = None) -> dict[str, Any]:
    """Score through ``mne.io.read_raw_edf(preload=True)`` (the usual approach)."""
    out = _baseline(_import_mne)
    info: dict[str, Any] = {}

    def once() -> None:
        result, fs = usual_approach(path, labels, ecg_label)
        info.update(n_lm=int(result.summary.get("n_lm") or 0), mne_fs_hz=fs)
        with tempfile.TemporaryDirectory() as tmp:
            result.to_dir(tmp)

    out["first"] = measured(once)
    out["peak_rss_mb"] = peak_rss_mb()
    out.update(info)
    return out


def task_score_mne_baseline(path: str, raw: bool, n_threads: int = 2) -> dict[str, Any]:
    """``plm.score`` + ``to_dir`` of a non-preloaded ``read_raw_edf(path)`` (``raw``) or of
    the path, first call, mne imported in both (the same baseline)."""
    out = _baseline(_import_mne)
    import mne

    import plm

    info: dict[str, Any] = {}

    def once() -> None:
        source = mne.io.read_raw_edf(path, preload=False, verbose="error") if raw else path
        result = plm.score(source, n_threads=n_threads)
        info["n_lm"] = int(result.summary.get("n_lm") or 0)
        with tempfile.TemporaryDirectory() as tmp:
            result.to_dir(tmp)

    out["first"] = measured(once)
    out["peak_rss_mb"] = peak_rss_mb()
    out.update(info)
    return out


def _pool_worker(path: str, out_dir: str) -> int:
    import plm

    result = plm.score(path, n_threads=1)
    result.to_dir(out_dir, stem=result.stem)
    return int(result.summary.get("n_lm") or 0)


def task_pool(paths: list[str], out_dir: str, jobs: int) -> dict[str, Any]:
    """Score ``paths`` in a ``ProcessPoolExecutor(max_workers=jobs)`` (spawn workers)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    out = _baseline(_import_plm)

    def run() -> None:
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
            list(pool.map(_pool_worker, paths, [out_dir] * len(paths)))

    out["first"] = measured(run)
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def _rchar() -> int:
    """Bytes this process has read so far (``rchar`` of ``/proc/self/io``; page cache included)."""
    with open("/proc/self/io") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("rchar"))


def _io_counter(name: str) -> int:
    """A counter of ``/proc/self/io`` (``read_bytes``: fetched from storage, not the cache)."""
    with open("/proc/self/io") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith(name + ":"))


def _drop_page_cache() -> bool:
    """Empty the kernel's page cache (root only), so the next reads come from the disk."""
    try:
        os.sync()
        with open("/proc/sys/vm/drop_caches", "w") as fh:
            fh.write("3\n")
        return True
    except OSError:
        return False


def task_bytes(path: str, report: bool = False) -> dict[str, Any]:
    """Bytes read by one ``plm score [--report]`` (score + ``to_dir`` [+ reports]), after imports.

    One untimed run first, so every module the run imports lazily is loaded; the
    measured run is the second (``rchar`` counts page-cache reads too, so a warm file
    reads as many bytes as a cold one).

    ``rchar`` counts every ``read`` of the process: the recording, and with ``--report``
    also matplotlib's font files (FreeType reads them per rendering), measured apart by
    rendering the same reports a second time (no recording access).
    """
    import os

    _import_plm()
    import plm

    if report:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot  # noqa: F401

        from pipelines.report import write_reports
    size = os.path.getsize(path)

    def run(tmp: str) -> Any:
        result = plm.score(path, keep_signals=report)
        result.to_dir(tmp)
        if report:
            write_reports(result, tmp, recording=path)
        return result

    with tempfile.TemporaryDirectory() as tmp:
        run(tmp)  # the lazy imports of scoring and rendering (their file reads do not count)
        r0 = _rchar()
        result = run(tmp)
        total = _rchar() - r0
        r1 = _rchar()
        if report:
            write_reports(result, tmp, recording=path)
        rendering = _rchar() - r1
        # bytes fetched from the disk itself (read_bytes), page cache emptied first: the
        # recording once, plus what rendering reads the first time (fonts), once
        storage = None
        if _drop_page_cache():
            s0 = _io_counter("read_bytes")
            run(tmp)
            storage = _io_counter("read_bytes") - s0
    return {
        "file_bytes": size,
        "read_bytes": total,
        "ratio": total / size,
        "rendering_bytes": rendering,
        "ratio_without_rendering": (total - rendering) / size,
        "storage_bytes": storage,
        "storage_ratio": None if storage is None else storage / size,
    }


TASKS: dict[str, Callable[..., dict[str, Any]]] = {
    "score_mne_baseline": task_score_mne_baseline,
    "bytes": task_bytes,
    "score": task_score,
    "read_legs": task_read_legs,
    "mne": task_mne,
    "pool": task_pool,
}


def main(argv: list[str]) -> int:
    task, args = argv[0], json.loads(argv[1]) if len(argv) > 1 else {}
    print(json.dumps(TASKS[task](**args)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
