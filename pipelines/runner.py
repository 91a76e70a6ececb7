"""The one task runner of the application: executors, worker set-up, progress, errors.

``plm batch`` and ``plm validate-cap`` run a picklable worker function over jobs that
hold paths and settings only, never arrays.  This module chooses where the jobs run and
reports how far they got:

* :func:`open_executor` -- in the calling process (:class:`InlineExecutor`, ``--jobs
  1``), in a ``ProcessPoolExecutor`` of ``spawn`` processes (``--jobs N``), or on Dask
  through ``Client.get_executor()`` (``--scheduler local:N`` starts a ``LocalCluster``
  of N single-threaded worker processes, ``--scheduler tcp://HOST:PORT`` joins an
  existing scheduler; both need ``pip install plmkit[dask]``);
* :func:`limit_threads` -- pool workers run BLAS/OpenMP single-threaded
  (``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS`` = 1, set by the
  pool initializer before any job, hence before numpy is imported; plus
  ``threadpoolctl`` when installed; Dask's nanny sets the same variables by default):
  the pool is the parallelism;
* :func:`exit_with_parent` -- pool workers end when the process that started them
  dies, even by SIGKILL (``prctl(PR_SET_PDEATHSIG)`` on Linux, and on every system a
  watchdog thread polling ``os.getppid()``), so a killed batch leaves no worker behind;
* :func:`run_tasks` -- submits each job as the (possibly lazy) job iterable yields it
  and collects the rows with :func:`concurrent.futures.as_completed`; a worker that
  dies gives a row made by ``on_crash`` instead of stopping the run;
* :class:`Progress` -- a ``tqdm`` bar on a terminal, one plain line per finished job
  otherwise;
* :func:`one_line` -- an exception as one short line for tables and logs.

This module imports nothing heavy at module level: worker processes set their thread
limits before numpy is loaded.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any, TextIO

__all__ = [
    "THREAD_VARS",
    "InlineExecutor",
    "Progress",
    "exit_with_parent",
    "init_worker",
    "limit_threads",
    "now_utc",
    "one_line",
    "open_executor",
    "run_tasks",
    "uses_workers",
]

#: Environment variables that set the thread count of BLAS / OpenMP libraries.
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
#: Longest error text kept (characters).
MAX_ERROR_CHARS = 500


# ---------------------------------------------------------------------------------------
# workers
# ---------------------------------------------------------------------------------------


def limit_threads() -> None:
    """Run BLAS/OpenMP single-threaded in this process (worker processes only)."""
    for var in THREAD_VARS:
        os.environ[var] = "1"
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(1)


#: How often the watchdog of a worker checks that its parent is alive (s).
PARENT_POLL_S = 0.5
#: ``prctl`` option: signal sent to this process when its parent dies (Linux).
_PR_SET_PDEATHSIG = 1


def exit_with_parent(parent_pid: int, poll_s: float = PARENT_POLL_S) -> None:
    """End this process as soon as ``parent_pid`` (its parent) is gone.

    On Linux the kernel sends SIGKILL when the parent dies (``prctl(PR_SET_PDEATHSIG)``
    through ``ctypes``; it fires when the *thread* that started this process ends, which
    for the pools of :func:`open_executor` is the thread running the batch).  On every
    system a daemon thread also checks ``os.getppid()`` every ``poll_s`` s: a parent
    that died makes this process a child of another one.

    Parameters
    ----------
    parent_pid : int
        The process id of the parent (``os.getpid()`` of the process making the pool).
    poll_s : float
        Seconds between two checks of the watchdog thread.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent_pid:  # it died before the line above
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(poll_s)
        os._exit(1)  # no clean-up: the parent that would collect the results is gone

    threading.Thread(target=watch, name="plm-parent-watchdog", daemon=True).start()


def init_worker(parent_pid: int | None = None) -> None:
    """Initializer of pool worker processes (runs before any job is unpickled).

    Limits BLAS/OpenMP to one thread and, given ``parent_pid``, makes the worker end
    with its parent (:func:`exit_with_parent`).
    """
    limit_threads()
    if parent_pid is not None:
        exit_with_parent(parent_pid)


def one_line(exc: BaseException) -> str:
    """An exception as one line of at most 500 characters.

    Input problems (:class:`plm.events.InputError`, ``OSError``) are shown as their
    message; anything else is prefixed with its type name (``ValueError: ...``), since
    it points at a bug rather than at the recording.
    """
    from plm.events import InputError

    text = " ".join(str(exc).split()) or type(exc).__name__
    if not isinstance(exc, (InputError, OSError)):
        text = f"{type(exc).__name__}: {text}"
    return text[:MAX_ERROR_CHARS]


def now_utc() -> str:
    """The current UTC time, ISO 8601 to the second (``2024-05-01T10:00:00+00:00``)."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


# ---------------------------------------------------------------------------------------
# executors
# ---------------------------------------------------------------------------------------


class InlineExecutor(cf.Executor):
    """An Executor running each task at ``submit`` in the calling thread (``--jobs 1``)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future:
        """Run ``fn(*args, **kwargs)`` now; return a finished Future."""
        future: cf.Future = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # the worker's problem, reported like a pool's
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            future.set_exception(exc)
        return future


def _dask_client(scheduler: str) -> tuple[Any, Any]:
    """(client, cluster or None) for ``local:N`` or a scheduler address."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ValueError("--scheduler needs Dask distributed: pip install 'plmkit[dask]'") from None
    if scheduler.startswith("local:"):
        try:
            n = int(scheduler.split(":", 1)[1])
        except ValueError:
            raise ValueError(f"--scheduler local:N expects a number, got {scheduler!r}") from None
        if n < 1:
            raise ValueError("--scheduler local:N needs N >= 1")
        cluster = LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
        )
        return Client(cluster), cluster
    if not re.match(r"^[a-z]+://", scheduler):
        raise ValueError(f"--scheduler expects tcp://HOST:PORT or local:N, got {scheduler!r}")
    return Client(scheduler), None


@contextlib.contextmanager
def open_executor(jobs: int, scheduler: str | None = None, n_tasks: int | None = None):
    """The executor for ``--jobs`` / ``--scheduler``; closes it (and any cluster) after use.

    Parameters
    ----------
    jobs : int
        Worker processes (1: run in the calling process).
    scheduler : str, optional
        ``local:N`` or ``tcp://HOST:PORT`` (Dask); wins over ``jobs``.
    n_tasks : int, optional
        Number of jobs, when known: no more processes than jobs, none for one job.

    Yields
    ------
    concurrent.futures.Executor
        Dask executors are made with ``pure=False``: Dask's default ``pure=True`` would
        hand back a cached result when the same job is submitted again.

    Raises
    ------
    ValueError
        For a bad ``--scheduler`` or ``jobs < 1``, or when Dask is not installed.
    """
    if jobs < 1:
        raise ValueError("--jobs must be at least 1")
    if scheduler:
        client, cluster = _dask_client(scheduler)
        try:
            yield client.get_executor(pure=False)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
        return
    n = jobs if n_tasks is None else min(jobs, n_tasks)
    if n <= 1:
        yield InlineExecutor()
        return
    import multiprocessing

    pool = cf.ProcessPoolExecutor(
        max_workers=n,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=init_worker,
        initargs=(os.getpid(),),  # workers end with this process, even on SIGKILL
    )
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def uses_workers(jobs: int, scheduler: str | None, n_tasks: int | None = None) -> bool:
    """Whether :func:`open_executor` runs the jobs in other processes."""
    return bool(scheduler) or jobs > 1 and (n_tasks is None or n_tasks > 1)


def run_tasks(
    worker: Callable[[Any], dict[str, Any]],
    jobs: Iterable[Any],
    executor: cf.Executor | None = None,
    *,
    on_result: Callable[[dict[str, Any]], None] | None = None,
    on_crash: Callable[[Any, BaseException], dict[str, Any]],
) -> list[dict[str, Any]]:
    """Run ``worker`` over ``jobs`` on any ``concurrent.futures``-style executor.

    Parameters
    ----------
    worker : callable
        Picklable function ``job -> row`` that reports its own failures in the row.
    jobs : iterable
        The jobs; consumed lazily, so a generator may prepare the next job (e.g. a
        download) while the executor runs the earlier ones.
    executor : Executor, optional
        Anything whose ``submit`` returns a :class:`concurrent.futures.Future`; default
        :class:`InlineExecutor` (each job runs as soon as it is yielded).  Not shut down
        here.
    on_result : callable, optional
        Called in the calling thread with each finished row (progress display).
    on_crash : callable
        ``(job, exception) -> row`` for a job whose worker raised or died.

    Returns
    -------
    list of dict
        One row per job, in the order of ``jobs``.
    """
    executor = executor or InlineExecutor()
    futures: dict[cf.Future, int] = {}
    submitted: list[Any] = []
    rows: list[dict[str, Any] | None] = []

    def collect(fut: cf.Future, i: int) -> None:
        try:
            row = fut.result()
        except Exception as exc:  # the worker process died, the cluster failed...
            row = on_crash(submitted[i], exc)
        rows[i] = row
        if on_result is not None:
            on_result(row)

    for job in jobs:
        submitted.append(job)
        rows.append(None)
        fut = executor.submit(worker, job)
        if isinstance(executor, InlineExecutor):
            collect(fut, len(submitted) - 1)  # progress shows while the run goes on
        else:
            futures[fut] = len(submitted) - 1
    for fut in cf.as_completed(futures):
        collect(fut, futures[fut])
    return [r for r in rows if r is not None]


# ---------------------------------------------------------------------------------------
# progress
# ---------------------------------------------------------------------------------------


class Progress:
    """Progress of a run on ``stream``: a ``tqdm`` bar on a terminal, plain lines otherwise.

    Parameters
    ----------
    total : int
        Number of jobs expected.
    prog : str
        Prefix of the plain lines and label of the bar (``plm batch``).
    name : str
        Row key naming the job (``recording``, ``record``).
    stream : file-like, optional
        Default ``sys.stderr``.
    plain_lines : bool
        Write one line per finished job when ``stream`` is not a terminal (default
        True; off when the command prints its own line per job).

    Notes
    -----
    Call the instance with each finished row (it fits ``on_result`` of
    :func:`run_tasks`); :meth:`write` prints a line of command output without breaking
    the bar; :meth:`close` ends the bar.  Also a context manager.
    """

    def __init__(
        self,
        total: int,
        prog: str = "plm",
        *,
        name: str = "recording",
        stream: TextIO | None = None,
        plain_lines: bool = True,
    ) -> None:
        self.stream = stream or sys.stderr
        self.total, self.prog, self.name = total, prog, name
        self.plain_lines = plain_lines
        self.counts: dict[str, int] = {}
        self.done = 0
        self._bar: Any = None
        if bool(getattr(self.stream, "isatty", lambda: False)()):
            from tqdm import tqdm

            self._bar = tqdm(
                total=total, desc=prog, unit="rec", file=self.stream, dynamic_ncols=True
            )

    def __call__(self, row: dict[str, Any]) -> None:
        """Count a finished job's row (``status``, ``error`` and the name key)."""
        self.done += 1
        status = str(row.get("status"))
        self.counts[status] = self.counts.get(status, 0) + 1
        if self._bar is not None:
            self._bar.set_postfix_str(
                "  ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))
                + f"  {str(row.get(self.name, ''))[:30]}",
                refresh=False,
            )
            self._bar.update(1)
            if self.done >= self.total:
                self.close()
        elif self.plain_lines:
            extra = f": {row['error']}" if row.get("error") else ""
            self.stream.write(
                f"{self.prog}: [{self.done}/{self.total}] {row.get(self.name)} {status}{extra}\n"
            )
            self.stream.flush()

    def write(self, line: str, file: TextIO | None = None) -> None:
        """Print a line of command output (stdout by default) above the bar."""
        file = file or sys.stdout
        if self._bar is not None:
            from tqdm import tqdm

            tqdm.write(line, file=file)
        else:
            print(line, file=file, flush=True)

    def close(self) -> None:
        """End the bar (no-op without one)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
