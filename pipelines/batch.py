"""Batch scoring of a sleep lab's recordings: discovery, pairing, parallel, resumable.

``plm batch INPUT... --out OUT`` scores every recording found under ``INPUT`` and writes
one folder per recording plus the cohort tables::

    OUT/
      cohort_summary.tsv        one row per recording: status ok/failed/skipped, metrics
      errors.tsv                recording<TAB>error for each failed one (header only if none)
      cohort_report.html/.pdf   with --report
      <stem>/
        <stem>_candidates.tsv   combined LMs (output contract of plm.results)
        <stem>_movements.tsv    monolateral LMs
        <stem>_summary.json     every metric and the provenance
        <stem>_stages.tsv       hypnogram epochs (when there is a hypnogram)
        <stem>_gaps.tsv         stretches not scored (unscorable EMG, EDF+D gaps)
        <stem>_plm_annotations.edf   review file (annotation-only EDF+, see pipelines.review)
        <stem>_report.pdf/.html with --report
        <stem>_manifest.json    written last: input hashes, settings, output list

Discovery and pairing
---------------------
:mod:`pipelines.discover`: every EDF/BDF under each ``INPUT`` (``--pattern`` to choose
others), annotation-only EDF+ files and our own outputs left out, sorted by name then
path; each recording paired with its hypnogram/event files by name.

Workers
-------
:func:`score_one` runs one recording from a :class:`BatchJob` holding paths and
:class:`~pipelines.settings.ScoringSettings` only, never arrays, on the application's
runner (:mod:`pipelines.runner`): with ``--jobs 1`` (the default) in the calling
process, one after the other (simplest to debug); with ``--jobs N`` in a pool of N
``spawn`` processes; with ``--scheduler`` on Dask workers.  Worker processes run
BLAS/OpenMP single-threaded.  Errors are caught in the worker and come back as a
``failed`` row with a one-line reason.

Resuming
--------
Every file is written to a temporary name and renamed, and ``<stem>_manifest.json`` is
written last, so a killed batch leaves no half-written file and a rerun redoes only the
recordings without a complete, matching manifest.  A recording is ``skipped`` when its
manifest lists the same inputs (file name, size and SHA-256 of the recording and of every
paired annotation file), the same settings (full rule profile, ``--set`` overrides,
channel overrides, age group, plmkit version) and every listed output exists (and, with
``--report``, the report).  ``--force`` redoes everything.  Input hashes are computed
once per recording and run, in the worker: taken from the result's provenance when the
recording is scored, computed only to confirm a skip (and not at all when sizes or
settings already differ).

Sharding and scale-out
----------------------
``--shard I/N`` keeps every N-th recording from the I-th (0-based) of the sorted list;
give each shard its own ``--out`` and combine the tables with ``plm merge OUT... --out
MERGED`` (one row per recording: the newest ok row, else the newest failed one).
``--scheduler tcp://HOST:PORT`` uses an existing Dask scheduler, ``--scheduler local:N``
starts a ``LocalCluster`` of N single-threaded worker processes; both need
``pip install plmkit[dask]`` and a shared file system.

Exit codes: 0 when every recording is ok or skipped, 1 when some failed, 2 for usage
errors (nothing found, bad ``--shard``/``--set``, missing input).
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import contextlib
import json
import logging
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines import runner
from pipelines.cohort import (
    COHORT_COLUMNS,
    COHORT_FILE,
    ERRORS_FILE,
    METRIC_KEYS,
    merge_tables,
    print_table,
    read_cohort,
    write_cohort,
    write_cohort_or_say,
)
from pipelines.discover import (
    DEFAULT_PATTERNS,
    discover_recordings,
    find_annotations,
    unique_keys,
)
from pipelines.settings import ScoringSettings, add_scoring_args, settings_from_args

__all__ = [
    "BatchJob",
    "COHORT_COLUMNS",
    "DEFAULT_PATTERNS",
    "add_parsers",
    "discover_recordings",
    "find_annotations",
    "make_jobs",
    "merge_tables",
    "read_cohort",
    "run_batch",
    "remove_stale_temporaries",
    "score_one",
    "select_shard",
    "write_cohort",
]

logger = logging.getLogger(__name__)

MANIFEST_SUFFIX = "_manifest.json"
COHORT_REPORT_PREFIX = "cohort_report."


# ---------------------------------------------------------------------------------------
# jobs
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchJob:
    """What a worker needs to score one recording: paths and settings, never arrays.

    Attributes
    ----------
    key : str
        Output folder name and file stem (the recording stem, made unique).
    recording : str
        Absolute path of the recording.
    annotations : tuple of str
        Paired annotation files (absolute paths).
    out_dir : str
        The recording's output folder (``OUT/key``).
    settings : ScoringSettings
        Rules, overrides, age group, leg channels, poor-signal flag.
    report : bool
        Also write the per-recording report.
    force : bool
        Rescore even when the manifest matches.
    limit_threads : bool
        Limit BLAS/OpenMP to one thread (worker processes).
    pairing_error : str or None
        Set when pairing failed; the job then fails with this message.
    scorer : str
        ``module:function`` that scores a recording (default ``plm.api:score``).
    """

    key: str
    recording: str
    annotations: tuple[str, ...]
    out_dir: str
    settings: ScoringSettings = field(default_factory=ScoringSettings)
    report: bool = False
    force: bool = False
    limit_threads: bool = False
    pairing_error: str | None = None
    scorer: str = "plm.api:score"

    def manifest_settings(self) -> dict[str, Any]:
        """The settings that decide the result (stored in and compared with the manifest)."""
        from plm._version import __version__

        st = self.settings
        return {
            "rules": st.profile().to_dict(),
            "rules_profile": st.rules,
            "overrides": dict(sorted(st.overrides.items())),
            "channels": {"left": st.left, "right": st.right},
            "age_group": st.age_group,
            "allow_poor_signal": st.allow_poor_signal,
            "scorer": self.scorer,
            "plmkit_version": __version__,
        }


def make_jobs(
    recordings: Sequence[Path],
    out_dir: str | os.PathLike[str],
    **options: Any,
) -> list[BatchJob]:
    """One :class:`BatchJob` per recording, with its paired annotation files.

    Parameters
    ----------
    recordings : sequence of Path
        From :func:`discover_recordings` (order kept).
    out_dir : path-like
        The batch output folder.
    **options
        :class:`BatchJob` fields (``settings``, ``report``, ``force``,
        ``limit_threads``, ``scorer``).
    """
    out = Path(out_dir).resolve()
    listing: dict[Path, list[Path]] = {}
    jobs = []
    for rec, key in zip(recordings, unique_keys(recordings), strict=True):
        folder = rec.parent
        if folder not in listing:
            listing[folder] = sorted(p for p in folder.iterdir() if p.is_file())
        error = None
        try:
            ann = find_annotations(rec, listing[folder])
        except ValueError as exc:  # InputError
            ann, error = [], str(exc)
        jobs.append(
            BatchJob(
                key=key,
                recording=str(rec),
                annotations=tuple(str(a) for a in ann),
                out_dir=str(out / key),
                pairing_error=error,
                **options,
            )
        )
    return jobs


def parse_shard(text: str) -> tuple[int, int]:
    """Parse ``I/N`` (0 <= I < N); ValueError otherwise."""
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if not m or int(m.group(2)) < 1 or int(m.group(1)) >= int(m.group(2)):
        raise ValueError(f"--shard expects I/N with 0 <= I < N, got {text!r}")
    return int(m.group(1)), int(m.group(2))


def select_shard(items: Sequence[Any], index: int, count: int) -> list[Any]:
    """Every ``count``-th item starting at ``index`` (0-based)."""
    return list(items[index::count])


# ---------------------------------------------------------------------------------------
# the worker
# ---------------------------------------------------------------------------------------


def _inputs(job: BatchJob) -> list[tuple[str, Path]]:
    return [("recording", Path(job.recording))] + [("annotation", Path(a)) for a in job.annotations]


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _expected_outputs(job: BatchJob) -> list[str]:
    from pipelines.report import HTML_SUFFIX, PDF_SUFFIX

    return [f"{job.key}{PDF_SUFFIX}", f"{job.key}{HTML_SUFFIX}"] if job.report else []


def _up_to_date(
    job: BatchJob, settings: dict[str, Any]
) -> tuple[bool, dict[str, Any] | None, dict[str, str]]:
    """Whether the manifest matches; also the manifest and any hashes computed."""
    from plm._util import sha256_file

    folder = Path(job.out_dir)
    manifest = _read_json(folder / f"{job.key}{MANIFEST_SUFFIX}")
    if manifest is None or manifest.get("settings") != json.loads(json.dumps(settings)):
        return False, manifest, {}
    listed = manifest.get("inputs") or []
    current = _inputs(job)
    if sorted((i.get("role"), i.get("file")) for i in listed) != sorted(
        (role, p.name) for role, p in current
    ):
        return False, manifest, {}
    sizes = {(i.get("role"), i.get("file")): i.get("size") for i in listed}
    for role, p in current:
        try:
            if sizes[(role, p.name)] != p.stat().st_size:
                return False, manifest, {}
        except OSError:
            return False, manifest, {}
    outputs = list(manifest.get("outputs") or [])
    if any(o not in outputs for o in _expected_outputs(job)):
        return False, manifest, {}
    if not all((folder / o).is_file() for o in outputs):
        return False, manifest, {}
    hashes = {str(p): sha256_file(p) for _, p in current}
    want = {(i.get("role"), i.get("file")): i.get("sha256") for i in listed}
    same = all(want[(role, p.name)] == hashes[str(p)] for role, p in current)
    return same, manifest, hashes


def remove_stale_temporaries(folder: Path, prefixes: Sequence[str]) -> int:
    """Delete temporary files of interrupted atomic writes (``.<name>.*.tmp``).

    A SIGKILL during :func:`plm._util.atomic_write` leaves its temporary file behind (the
    target itself is never half-written); the rerun removes them.  Only names starting
    with ``.`` + one of ``prefixes`` are touched.

    Returns
    -------
    int
        How many were removed.
    """
    n = 0
    if not folder.is_dir():
        return 0
    for f in folder.iterdir():
        name = f.name
        if name.startswith(".") and name.endswith(".tmp") and name[1:].startswith(tuple(prefixes)):
            with contextlib.suppress(OSError):
                f.unlink()
                n += 1
    if n:
        logger.info("%s: removed %d temporary file(s) of an interrupted run", folder, n)
    return n


def _row(job: BatchJob, status: str, summary: dict[str, Any] | None = None, **extra: Any):
    row: dict[str, Any] = {c: None for c in COHORT_COLUMNS}
    row.update(
        recording=job.key,
        status=status,
        output_dir=job.key,
        recording_path=job.recording,
        annotations=";".join(Path(a).name for a in job.annotations),
    )
    if summary is not None:
        for k in METRIC_KEYS:
            row[k] = summary.get(k)
        row["rules"] = (summary.get("rules") or {}).get("name")
    row.update(extra)
    return row


def _accepts(fn: Callable[..., Any], name: str) -> bool:
    import inspect

    try:
        return name in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def _resolve(scorer: str) -> Callable[..., Any]:
    import importlib

    module, _, name = scorer.partition(":")
    return getattr(importlib.import_module(module), name or "score")


def score_one(job: BatchJob) -> dict[str, Any]:
    """Score one recording and write its folder; never raises for a bad recording.

    Parameters
    ----------
    job : BatchJob
        Paths and settings.

    Returns
    -------
    dict
        A row of the cohort table (:data:`COHORT_COLUMNS`): ``status`` is ``ok``,
        ``skipped`` (manifest up to date) or ``failed`` (``error`` holds the reason).
    """
    if job.limit_threads:
        runner.limit_threads()
    t0 = time.perf_counter()
    folder = Path(job.out_dir)
    manifest_path = folder / f"{job.key}{MANIFEST_SUFFIX}"
    try:
        remove_stale_temporaries(folder, [f"{job.key}_"])
        if job.pairing_error:
            from plm.events import InputError

            raise InputError(job.pairing_error)
        settings = job.manifest_settings()
        hashes: dict[str, str] = {}
        if not job.force:
            fresh, manifest, hashes = _up_to_date(job, settings)
            if fresh and manifest is not None:
                summary = _read_json(folder / f"{job.key}_summary.json") or {}
                return _row(
                    job, "skipped", summary, scored_at=manifest.get("scored_at"), elapsed_s=0.0
                )
        return _score_and_write(job, settings, hashes, t0)
    except Exception as exc:  # any failure of one recording becomes a failed row
        logger.info("%s: failed: %s", job.recording, exc)
        with contextlib.suppress(OSError):
            manifest_path.unlink()  # nothing claims the old outputs are current
        return _row(
            job,
            "failed",
            error=runner.one_line(exc),
            scored_at=runner.now_utc(),
            elapsed_s=round(time.perf_counter() - t0, 3),
        )


def _score_and_write(
    job: BatchJob, settings: dict[str, Any], hashes: dict[str, str], t0: float
) -> dict[str, Any]:
    from pipelines.review import REVIEW_SUFFIX, write_review_edf
    from plm._util import atomic_write, sha256_file

    scorer = _resolve(job.scorer)
    extra: dict[str, Any] = {}
    if job.limit_threads and _accepts(scorer, "n_threads"):
        extra["n_threads"] = 1  # one core per worker process: the pool is the parallelism
    result = scorer(
        job.recording,
        annotations=list(job.annotations) or None,
        keep_signals=job.report,
        **extra,
        **job.settings.score_kwargs(),
    )
    folder = Path(job.out_dir)
    written = dict(result.to_dir(folder, stem=job.key))
    written["review"] = write_review_edf(result, folder / f"{job.key}{REVIEW_SUFFIX}")
    if job.report:
        from pipelines.report import write_reports

        written.update(write_reports(result, folder, stem=job.key, recording=job.recording))
    # optional outputs of an earlier run that this run did not make would be stale
    names = {Path(p).name for p in written.values()}
    for suffix in ("_stages.tsv", "_report.pdf", "_report.html"):
        old = folder / f"{job.key}{suffix}"
        if old.name not in names:
            with contextlib.suppress(FileNotFoundError):
                old.unlink()
    # input hashes: reuse the ones of the skip check, else the result's provenance
    known = {str(s.get("file")): s.get("sha256") for s in result.summary.get("inputs") or []}
    inputs = []
    for role, p in _inputs(job):
        sha = hashes.get(str(p)) or known.get(p.name) or known.get(str(p)) or sha256_file(p)
        inputs.append({"role": role, "file": p.name, "size": p.stat().st_size, "sha256": sha})
    scored_at = runner.now_utc()
    elapsed = round(time.perf_counter() - t0, 3)
    manifest = {
        "recording": job.key,
        "recording_path": job.recording,
        "annotation_paths": list(job.annotations),
        "inputs": inputs,
        "settings": settings,
        "outputs": sorted(Path(p).name for p in written.values()),
        "scored_at": scored_at,
        "elapsed_s": elapsed,
    }
    with atomic_write(folder / f"{job.key}{MANIFEST_SUFFIX}", "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, indent=2)
        fh.write("\n")
    return _row(job, "ok", result.summary, scored_at=scored_at, elapsed_s=elapsed)


def _worker_failed(job: BatchJob, exc: BaseException) -> dict[str, Any]:
    return _row(job, "failed", error=f"worker failed: {runner.one_line(exc)}",
                scored_at=runner.now_utc())  # fmt: skip


def run_batch(
    jobs: Sequence[BatchJob],
    executor: cf.Executor | None = None,
    *,
    worker: Callable[[BatchJob], dict[str, Any]] = score_one,
    on_result: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Run ``worker`` over the jobs on any ``concurrent.futures``-style executor.

    Parameters
    ----------
    jobs : sequence of BatchJob
        The recordings.
    executor : Executor, optional
        A ``ProcessPoolExecutor``, Dask's ``Client.get_executor(pure=False)``... (see
        :func:`pipelines.runner.open_executor`); default: in this process.  Not shut
        down here.
    worker : callable
        Picklable function ``job -> row`` (default :func:`score_one`).
    on_result : callable, optional
        Called in the calling thread with each finished recording's row (progress).

    Returns
    -------
    list of dict
        One row per job, in the order of ``jobs``.  A worker that dies (e.g. killed by
        the OS) gives a ``failed`` row.
    """
    return runner.run_tasks(worker, jobs, executor, on_result=on_result, on_crash=_worker_failed)


# ---------------------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------------------


def _cmd_batch(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    settings.profile()  # bad --set: ValueError -> exit 2
    if args.jobs < 1:
        raise ValueError("--jobs must be at least 1")
    shard = parse_shard(args.shard) if args.shard else None
    out = Path(args.out)
    recordings = discover_recordings(args.inputs, args.pattern or None, exclude=[out])
    if not recordings:
        print(f"plm batch: no recordings found in {', '.join(args.inputs)}", file=sys.stderr)
        return 2
    jobs = make_jobs(
        recordings,
        out,
        settings=settings,
        report=args.report,
        force=args.force,
        limit_threads=runner.uses_workers(args.jobs, args.scheduler),
    )
    if shard is not None:
        jobs = select_shard(jobs, *shard)
        print(
            f"plm batch: shard {shard[0]}/{shard[1]}: {len(jobs)} of {len(recordings)} recordings",
            file=sys.stderr,
        )
    out.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out, [COHORT_FILE, ERRORS_FILE, COHORT_REPORT_PREFIX])
    with (
        runner.Progress(len(jobs), "plm batch") as progress,
        runner.open_executor(args.jobs, args.scheduler, len(jobs)) as executor,
    ):
        rows = run_batch(jobs, executor, on_result=progress)
    paths = write_cohort_or_say(rows, out)
    if paths is None:
        return 1
    if args.report:
        from pipelines.cohort_report import write_cohort_report

        try:
            write_cohort_report(out)
        except Exception as exc:  # the tables are written; a figure problem is not fatal
            print(f"plm batch: cohort report failed: {exc}", file=sys.stderr)
    print_table(rows)
    n = {s: sum(r["status"] == s for r in rows) for s in ("ok", "skipped", "failed")}
    print(
        f"{len(rows)} recordings: {n['ok']} scored, {n['skipped']} skipped (up to date), "
        f"{n['failed']} failed -> {paths['cohort']}"
    )
    return 1 if n["failed"] else 0


def _cmd_merge(args: argparse.Namespace) -> int:
    out = Path(args.out)
    table = merge_tables(args.shards, out)
    rows = [
        {k: (None if (isinstance(v, float) and v != v) else v) for k, v in r.items()}
        for r in table.to_dict("records")
    ]
    paths = write_cohort_or_say(rows, out)
    if paths is None:
        return 1
    failed = sum(r["status"] == "failed" for r in rows)
    print(
        f"{len(rows)} recordings from {len(args.shards)} folder(s), {failed} failed "
        f"-> {paths['cohort']}"
    )
    return 1 if failed else 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Register ``plm batch`` and ``plm merge``."""
    p = sub.add_parser(
        "batch",
        help="score every recording of folders (parallel, resumable)",
        description="Score every EDF/BDF recording under INPUT (files or folders, searched "
        "recursively), pairing each with its annotation files by name; one output folder "
        "per recording, cohort_summary.tsv and errors.tsv in OUT.  Reruns skip recordings "
        "whose inputs and settings are unchanged.  See docs/batch.md.",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="recording files or folders")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument(
        "--jobs", type=int, default=1, help="worker processes (default 1: in this process)"
    )
    p.add_argument(
        "--pattern",
        action="append",
        default=[],
        metavar="GLOB",
        help="file-name glob in folders, case-insensitive, repeatable (default *.edf and *.bdf)",
    )
    p.add_argument("--force", action="store_true", help="rescore even up-to-date recordings")
    p.add_argument(
        "--shard",
        default=None,
        metavar="I/N",
        help="only every N-th recording from the I-th (0-based)",
    )
    p.add_argument(
        "--scheduler",
        default=None,
        metavar="tcp://HOST:PORT | local:N",
        help="run on Dask (needs plmkit[dask])",
    )
    p.add_argument("--report", action="store_true", help="also write PDF/HTML reports")
    add_scoring_args(p)
    p.set_defaults(handler=_cmd_batch)

    p = sub.add_parser(
        "merge",
        help="combine the cohort tables of batch shards",
        description="Combine cohort_summary.tsv of several batch output folders (shards) "
        "into one cohort_summary.tsv and errors.tsv: one row per recording, the newest ok "
        "row winning.",
    )
    p.add_argument("shards", nargs="+", metavar="OUT_DIR", help="batch output folders")
    p.add_argument("--out", required=True, help="folder for the merged tables")
    p.set_defaults(handler=_cmd_merge)
