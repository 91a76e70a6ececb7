"""Timing, memory and machine-description helpers (no printing here)."""

from __future__ import annotations

import json
import os
import platform
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Repository root (the parent of ``benchmarks/``): children run from here.
REPO_ROOT = Path(__file__).resolve().parents[1]
MB = 1024.0 * 1024.0


@dataclass
class Timing:
    """Repeated measurements of one quantity (seconds, or MB for memory)."""

    runs: list[float] = field(default_factory=list)

    @property
    def best(self) -> float:
        return min(self.runs)

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    def to_dict(self) -> dict[str, Any]:
        return {"best": self.best, "median": self.median, "runs": list(self.runs)}


def timeit(fn: Callable[[], Any], repeat: int, warmup: int = 1) -> Timing:
    """Wall time of ``fn()`` over ``repeat`` calls after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    out = Timing()
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        fn()
        out.runs.append(time.perf_counter() - t0)
    return out


def usage() -> tuple[float, float, float, int]:
    """(wall s, user CPU s, system CPU s, minor page faults) of this process, all threads."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return time.perf_counter(), ru.ru_utime, ru.ru_stime, ru.ru_minflt


def measured(fn: Callable[[], Any]) -> dict[str, float]:
    """Call ``fn()`` once: wall, CPU (user + system, all threads), system CPU, page faults.

    System time on Linux is mostly page faults: every fresh page of a large temporary
    array costs one, so it grows with the memory a call allocates.
    """
    w0, u0, s0, f0 = usage()
    fn()
    w1, u1, s1, f1 = usage()
    return {
        "wall_s": w1 - w0,
        "cpu_s": (u1 - u0) + (s1 - s0),
        "sys_s": s1 - s0,
        "minflt": float(f1 - f0),
    }


def traced_peak_mb(fn: Callable[[], Any]) -> float:
    """Peak of the memory allocated by ``fn()`` above what was allocated before (MB).

    NumPy reports its data buffers to :mod:`tracemalloc`, so this is the peak of the
    arrays a stage creates (file-backed memory maps are not included).
    """
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
        del result
    finally:
        if started:
            tracemalloc.stop()
    return max(0.0, (peak - before) / MB)


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (MB).

    Read from ``VmHWM`` in ``/proc/self/status``: ``getrusage().ru_maxrss`` of a process
    started by ``exec`` also holds the peak RSS of the process that started it (Linux
    keeps the old memory's high-water mark across ``exec``), which would charge the
    runner's memory to every child.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def current_rss_mb() -> float:
    """Current resident set size of this process (MB), from /proc when available."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / MB
    except (OSError, ValueError, IndexError):
        return peak_rss_mb()


def loadavg() -> list[float]:
    """1, 5 and 15-minute load averages (empty where unsupported)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


@dataclass
class ProcessRun:
    """One finished subprocess: wall time, its CPU time and peak RSS (from ``wait4``)."""

    returncode: int
    wall_s: float
    cpu_s: float
    max_rss_mb: float
    stdout: str
    stderr: str


#: Runs ``argv[2:]`` from a small fresh interpreter and writes its rusage to ``argv[1]``:
#: started from the runner directly, a child's max RSS would start at the runner's peak
#: (see :func:`peak_rss_mb`); started from this launcher it starts at ~10 MB.
_LAUNCHER = """
import json, os, sys, time
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, ru = os.wait4(pid, 0)
wall = time.perf_counter() - t0
with open(sys.argv[1], "w") as fh:
    json.dump({"code": os.waitstatus_to_exitcode(status), "wall_s": wall,
               "cpu_s": ru.ru_utime + ru.ru_stime, "max_rss_kb": ru.ru_maxrss}, fh)
"""


def run_process(cmd: Sequence[str], env: dict[str, str] | None = None) -> ProcessRun:
    """Run ``cmd`` and measure it like ``/usr/bin/time -v`` (wall, user+sys CPU, max RSS).

    A small launcher forks and execs ``cmd`` and reads its rusage with ``os.wait4``:
    CPU time and max RSS are those of ``cmd`` (the max RSS also covers the processes it
    started and waited for), the wall time runs from the fork to the exit.
    """
    full_env = dict(os.environ, **(env or {}))
    full_env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(REPO_ROOT), full_env.get("PYTHONPATH")])
    )
    with tempfile.TemporaryDirectory(prefix="plm-bench-") as tmp:
        usage_file = Path(tmp) / "rusage.json"
        launcher = [sys.executable, "-S", "-c", _LAUNCHER, str(usage_file)]
        done = subprocess.run(
            [*launcher, *cmd], capture_output=True, text=True, cwd=REPO_ROOT, env=full_env
        )
        if not usage_file.exists():
            raise RuntimeError(f"launcher failed ({done.returncode}): {done.stderr[-2000:]}")
        usage = json.loads(usage_file.read_text())
    return ProcessRun(
        returncode=usage["code"],
        wall_s=usage["wall_s"],
        cpu_s=usage["cpu_s"],
        max_rss_mb=usage["max_rss_kb"] / 1024.0,
        stdout=done.stdout,
        stderr=done.stderr,
    )


def run_child(task: str, args: dict[str, Any]) -> dict[str, Any]:
    """Run ``python -m benchmarks.child TASK ARGS`` in a fresh interpreter.

    Returns the JSON the child printed on its last stdout line, plus the parent's view
    (``process``: wall, CPU and max RSS of the whole child, interpreter start-up
    included).  Raises RuntimeError when the child fails.
    """
    cmd = [sys.executable, "-m", "benchmarks.child", task, json.dumps(args)]
    run = run_process(cmd)
    if run.returncode != 0:
        raise RuntimeError(f"benchmark child {task!r} failed ({run.returncode}): {run.stderr}")
    lines = [ln for ln in run.stdout.splitlines() if ln.strip()]
    result = json.loads(lines[-1])
    result["process"] = {"wall_s": run.wall_s, "cpu_s": run.cpu_s, "max_rss_mb": run.max_rss_mb}
    return result


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024.0 / 1024.0, 1)
    except OSError:
        pass
    return None


def _version(module: str) -> str | None:
    try:
        return __import__(module).__version__
    except ImportError:
        return None


def code_version() -> dict[str, Any]:
    """Git commit of the tree, the last commit touching ``plm/``/``pipelines/``, and
    whether those folders have uncommitted changes."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", *args], capture_output=True, text=True, cwd=REPO_ROOT, timeout=30
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    status = git("status", "--porcelain", "--", "plm", "pipelines")
    return {
        "commit": git("rev-parse", "HEAD"),
        "library_commit": git("log", "-1", "--format=%H", "--", "plm", "pipelines"),
        "library_dirty": None if status is None else bool(status),
    }


def machine_info() -> dict[str, Any]:
    """CPU model, cores, RAM, OS and the versions of Python and the numeric stack."""
    return {
        "host": socket.gethostname(),
        "cpu_model": _cpu_model(),
        "logical_cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "ram_gb": _ram_gb(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "numpy": _version("numpy"),
        "scipy": _version("scipy"),
        "pandas": _version("pandas"),
        "mne": _version("mne"),
        "plmkit": _version("plm"),
    }
