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

Discovery
---------
Each ``INPUT`` is a file or a folder (searched recursively; hidden folders and ``OUT``
itself are skipped).  Files of a folder are kept when their name matches ``--pattern``
(repeatable, case-insensitive glob; default ``*.edf`` and ``*.bdf``); files named
explicitly are always considered.  Annotation-only EDF+/BDF+ files (no signal besides
"EDF Annotations", e.g. Sleep-EDF ``*-Hypnogram.edf`` and our own
``*_plm_annotations.edf``) are not recordings and are ignored; a file whose header
cannot be read is kept, so it is reported as failed.  The list is sorted by file name,
then full path, which makes ``--shard`` deterministic.  Recordings sharing a stem get
the parent folder's name prefixed (``site1_night``), then ``_2``, ``_3``.

Pairing with annotation files
-----------------------------
In the recording's folder, case-insensitively, for the recording stem ``X`` (and also
``B`` when ``X`` is ``B-PSG`` / ``B_PSG``, the Sleep-EDF naming):

* ``X.tsv``, ``X.csv``, ``X.txt``, ``X.xml``;
* ``X-Hypnogram.*``, ``X_hypnogram.*`` (any extension; ``-``, ``_`` or a space);
* ``X-events.*``, ``X_events.*``.

When no hypnogram file was found that way, a ``*Hypnogram.edf`` whose first 7
characters equal the recording's (Sleep-EDF: ``SC4001E0-PSG.edf`` +
``SC4001EC-Hypnogram.edf``) is taken; two such files make the pairing ambiguous and the
recording fails with a message naming both.  Every paired file is passed to
``plm.score(annotations=...)``; with none, the recording's own EDF+ annotations are
used.  Our own outputs (``_candidates.tsv``, ``_summary.json``...) never pair.

Workers
-------
:func:`score_one` runs one recording from a :class:`BatchJob` holding paths and settings
only, never arrays.  With ``--jobs 1`` (the default) recordings are scored in the calling
process, one after the other (simplest to debug); with ``--jobs N`` in a
``ProcessPoolExecutor`` of N ``spawn`` processes; with ``--scheduler`` on Dask workers
through ``Client.get_executor()``.  All three go through :func:`run_batch`, which needs
only ``Executor.submit`` and :func:`concurrent.futures.as_completed`.  Worker processes
run BLAS/OpenMP single-threaded (``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``,
``MKL_NUM_THREADS`` = 1, set before numpy is imported: this module imports nothing heavy
at module level; plus ``threadpoolctl`` when installed; Dask's nanny sets the same
variables by default).  Errors are caught in the worker and come back as a ``failed``
row with a one-line reason.

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
import fnmatch
import json
import logging
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

__all__ = [
    "BatchJob",
    "COHORT_COLUMNS",
    "DEFAULT_PATTERNS",
    "InlineExecutor",
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

DEFAULT_PATTERNS: tuple[str, ...] = ("*.edf", "*.bdf")
COHORT_FILE = "cohort_summary.tsv"
ERRORS_FILE = "errors.tsv"
MANIFEST_SUFFIX = "_manifest.json"
COHORT_REPORT_PREFIX = "cohort_report."
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

_METRIC_KEYS = (
    "tst_h",
    "plms_index",
    "plmw_index",
    "periodicity_index",
    "plmsnr_index",
    "n_plms",
    "n_plm",
    "plm_rec_index",
    "unscorable_h",
    "plmd_flag",
    "plmd_cutoff_per_h",
)
#: Columns of ``cohort_summary.tsv``.
COHORT_COLUMNS: tuple[str, ...] = (
    "recording",
    "status",
    *_METRIC_KEYS,
    "rules",
    "output_dir",
    "recording_path",
    "annotations",
    "scored_at",
    "elapsed_s",
    "error",
)

#: Files we write; they are never recordings nor annotation files of a recording.
_OUTPUT_SUFFIXES = (
    "_candidates.tsv",
    "_movements.tsv",
    "_summary.json",
    "_manifest.json",
    "_plm_annotations.edf",
    "_stages.tsv",
    "_gaps.tsv",
    "_report.pdf",
    "_report.html",
)
_ANNOTATION_EXTS = (".tsv", ".csv", ".txt", ".xml")


# ---------------------------------------------------------------------------------------
# discovery and pairing
# ---------------------------------------------------------------------------------------


def _matches(name: str, patterns: Sequence[str]) -> bool:
    low = name.lower()
    return any(fnmatch.fnmatchcase(low, p.lower()) for p in patterns)


def _is_output(name: str) -> bool:
    low = name.lower()
    return any(low.endswith(s) for s in _OUTPUT_SUFFIXES)


def _annotation_only(path: Path) -> bool:
    """True for an EDF+/BDF+ file with no signal besides annotations."""
    from plm.events import InputError
    from plm.io.edf import read_header

    try:
        header = read_header(path)
    except (InputError, OSError, ValueError):
        return False  # unreadable: keep it, it will be reported as failed
    return not header.data_signals


def _walk(folder: Path, patterns: Sequence[str], skip: Sequence[Path]) -> Iterable[Path]:
    for root, dirs, files in os.walk(folder):
        root_p = Path(root)
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(".") and not any(_same(root_p / d, s) for s in skip)
        )
        for name in sorted(files):
            if _matches(name, patterns) and not _is_output(name):
                yield root_p / name


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def discover_recordings(
    inputs: Sequence[str | os.PathLike[str]],
    patterns: Sequence[str] | None = None,
    exclude: Sequence[str | os.PathLike[str]] = (),
) -> list[Path]:
    """Find the recordings under files/folders, sorted by name then path.

    Parameters
    ----------
    inputs : sequence of path-like
        Files (always considered) and folders (searched recursively).
    patterns : sequence of str, optional
        Case-insensitive globs of file names in folders (default ``*.edf``, ``*.bdf``).
    exclude : sequence of path-like
        Folders not to search (the output folder).

    Returns
    -------
    list of Path
        Absolute paths, annotation-only EDF+ files removed, duplicates removed.

    Raises
    ------
    FileNotFoundError
        When an input does not exist.
    """
    patterns = tuple(patterns or DEFAULT_PATTERNS)
    skip = [Path(e) for e in exclude]
    found: dict[Path, None] = {}
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            for f in _walk(p, patterns, skip):
                found[f.resolve()] = None
        elif p.is_file():
            found[p.resolve()] = None
        else:
            raise FileNotFoundError(f"{p}: no such file or folder")
    out = []
    for f in found:
        if f.name.lower().endswith("_plm_annotations.edf") or _annotation_only(f):
            logger.debug("%s: annotation-only EDF+, not a recording", f)
            continue
        out.append(f)
    return sorted(out, key=lambda f: (f.name.lower(), str(f)))


def _stem(path: Path) -> str:
    name = path.name
    for ext in (".edf", ".bdf"):
        if name.lower().endswith(ext):
            return name[: -len(ext)]
    return path.stem


def find_annotations(recording: Path, siblings: Sequence[Path] | None = None) -> list[Path]:
    """Annotation files of a recording, by the pairing rules of the module docstring.

    Parameters
    ----------
    recording : Path
        The recording.
    siblings : sequence of Path, optional
        The files of its folder (listed when not given).

    Returns
    -------
    list of Path
        Sorted; empty when none (the recording's own EDF+ annotations are then used).

    Raises
    ------
    InputError
        When two Sleep-EDF style hypnograms match the recording.
    """
    from plm.events import InputError

    if siblings is None:
        siblings = [p for p in recording.parent.iterdir() if p.is_file()]
    stem = _stem(recording)
    bases = {stem.lower()}
    m = re.match(r"^(.+?)[-_ ]psg$", stem, flags=re.IGNORECASE)
    if m:
        bases.add(m.group(1).lower())
    alts = "|".join(re.escape(b) for b in sorted(bases))
    named = re.compile(rf"^(?:{alts})(?:\.(?:tsv|csv|txt|xml)|[-_ ](?:hypnogram|events)\.[^.]+)$")
    picked: list[Path] = []
    for f in siblings:
        low = f.name.lower()
        if f == recording or _is_output(low):
            continue
        if named.match(low):
            picked.append(f)
    if not any("hypnogram" in f.name.lower() for f in picked) and len(stem) >= 7:
        prefix = stem[:7].lower()
        sleep_edf = [
            f
            for f in siblings
            if f != recording
            and f.name.lower().endswith("hypnogram.edf")
            and f.name[:7].lower() == prefix
            and f not in picked
        ]
        if len(sleep_edf) > 1:
            names = ", ".join(sorted(f.name for f in sleep_edf))
            raise InputError(f"ambiguous hypnogram files: {names}", source=str(recording))
        picked.extend(sleep_edf)
    return sorted(picked)


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
    rules : str
        Rule profile name.
    overrides : dict
        ``--set`` values (strings, as typed).
    left, right : str or None
        Leg channel overrides.
    age_group : str
        ``adult`` or ``child``.
    allow_poor_signal : bool
        Score channels that fail the EMG checks.
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
    rules: str = "wasm2016"
    overrides: dict[str, str] = field(default_factory=dict)
    left: str | None = None
    right: str | None = None
    age_group: str = "adult"
    allow_poor_signal: bool = False
    report: bool = False
    force: bool = False
    limit_threads: bool = False
    pairing_error: str | None = None
    scorer: str = "plm.api:score"

    def settings(self) -> dict[str, Any]:
        """The settings that decide the result (stored in and compared with the manifest)."""
        from plm._version import __version__
        from plm.rules import get_rules

        profile = get_rules(self.rules, **self.overrides)
        return {
            "rules": profile.to_dict(),
            "rules_profile": self.rules,
            "overrides": dict(sorted(self.overrides.items())),
            "channels": {"left": self.left, "right": self.right},
            "age_group": self.age_group,
            "allow_poor_signal": self.allow_poor_signal,
            "scorer": self.scorer,
            "plmkit_version": __version__,
        }


def _unique_keys(recordings: Sequence[Path]) -> list[str]:
    stems = [_stem(r) for r in recordings]
    counts: dict[str, int] = {}
    for s in stems:
        counts[s.lower()] = counts.get(s.lower(), 0) + 1
    keys: list[str] = []
    used: set[str] = set()
    for rec, s in zip(recordings, stems, strict=True):
        key = s if counts[s.lower()] == 1 else f"{rec.parent.name}_{s}"
        base, k = key, 2
        while key.lower() in used:
            key, k = f"{base}_{k}", k + 1
        used.add(key.lower())
        keys.append(key)
    return keys


def make_jobs(
    recordings: Sequence[Path],
    out_dir: str | os.PathLike[str],
    **settings: Any,
) -> list[BatchJob]:
    """One :class:`BatchJob` per recording, with its paired annotation files.

    Parameters
    ----------
    recordings : sequence of Path
        From :func:`discover_recordings` (order kept).
    out_dir : path-like
        The batch output folder.
    **settings
        :class:`BatchJob` fields (``rules``, ``overrides``, ``left``, ``right``,
        ``age_group``, ``allow_poor_signal``, ``report``, ``force``, ``limit_threads``,
        ``scorer``).
    """
    out = Path(out_dir).resolve()
    listing: dict[Path, list[Path]] = {}
    jobs = []
    for rec, key in zip(recordings, _unique_keys(recordings), strict=True):
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
                **settings,
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


def _limit_threads() -> None:
    """Run BLAS/OpenMP single-threaded in this process (worker processes only)."""
    for var in THREAD_VARS:
        os.environ[var] = "1"
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(1)


def _init_worker() -> None:
    """Initializer of pool worker processes (runs before any job is unpickled)."""
    _limit_threads()


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    from plm.events import InputError

    if not isinstance(exc, (InputError, OSError)):
        text = f"{type(exc).__name__}: {text}"
    return text[:500]


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
        for k in _METRIC_KEYS:
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
        _limit_threads()
    t0 = time.perf_counter()
    folder = Path(job.out_dir)
    manifest_path = folder / f"{job.key}{MANIFEST_SUFFIX}"
    try:
        remove_stale_temporaries(folder, [f"{job.key}_"])
        if job.pairing_error:
            from plm.events import InputError

            raise InputError(job.pairing_error)
        settings = job.settings()
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
            error=_one_line(exc),
            scored_at=_now(),
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
        rules=job.rules,
        left=job.left,
        right=job.right,
        age_group=job.age_group,
        allow_poor_signal=job.allow_poor_signal,
        keep_signals=job.report,
        **extra,
        **job.overrides,
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
    scored_at = _now()
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


# ---------------------------------------------------------------------------------------
# the engine-agnostic core
# ---------------------------------------------------------------------------------------


class InlineExecutor(cf.Executor):
    """An Executor running each task at ``submit`` in the calling thread (``--jobs 1``)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future:
        """Run ``fn(*args, **kwargs)`` now; return a finished Future."""
        future: cf.Future = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # pragma: no cover - score_one does not raise
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            future.set_exception(exc)
        return future


def run_batch(
    jobs: Sequence[BatchJob],
    executor: cf.Executor | None = None,
    *,
    worker: Callable[[BatchJob], dict[str, Any]] = score_one,
    on_result: Callable[[dict[str, Any], int, int], None] | None = None,
) -> list[dict[str, Any]]:
    """Run ``worker`` over the jobs on any ``concurrent.futures``-style executor.

    Parameters
    ----------
    jobs : sequence of BatchJob
        The recordings.
    executor : Executor, optional
        Anything with ``submit`` returning :class:`concurrent.futures.Future` (a
        ``ProcessPoolExecutor``, Dask's ``Client.get_executor()``...); default
        :class:`InlineExecutor`.  Not shut down here.  With Dask, use
        ``client.get_executor(pure=False)``: Dask's default ``pure=True`` would hand back
        a cached result when the same job is submitted again to the same client.
    worker : callable
        Picklable function ``job -> row`` (default :func:`score_one`).
    on_result : callable, optional
        Called in the calling thread as ``on_result(row, n_done, n_total)`` for each
        finished recording (progress display).

    Returns
    -------
    list of dict
        One row per job, in the order of ``jobs``.  A worker that dies (e.g. killed by
        the OS) gives a ``failed`` row.
    """
    executor = executor or InlineExecutor()
    rows: list[dict[str, Any] | None] = [None] * len(jobs)
    if isinstance(executor, InlineExecutor):
        # run lazily so progress shows while it runs
        for i, job in enumerate(jobs):
            rows[i] = worker(job)
            if on_result:
                on_result(rows[i], i + 1, len(jobs))
        return [r for r in rows if r is not None]
    futures = {executor.submit(worker, job): i for i, job in enumerate(jobs)}
    done = 0
    for fut in cf.as_completed(futures):
        i = futures[fut]
        try:
            row = fut.result()
        except Exception as exc:  # the worker process died, the cluster failed...
            row = _row(
                jobs[i], "failed", error=f"worker failed: {_one_line(exc)}", scored_at=_now()
            )
        rows[i] = row
        done += 1
        if on_result:
            on_result(row, done, len(jobs))
    return [r for r in rows if r is not None]


# ---------------------------------------------------------------------------------------
# cohort tables
# ---------------------------------------------------------------------------------------


def _clean(text: Any) -> str:
    return " ".join(str(text).split()) if text is not None else ""


def write_cohort(rows: Sequence[dict[str, Any]], out_dir: str | os.PathLike[str]) -> dict:
    """Write ``cohort_summary.tsv`` and ``errors.tsv`` (atomically).

    Returns
    -------
    dict
        ``cohort``, ``errors`` → paths.
    """
    import pandas as pd

    from plm._util import atomic_write

    out = Path(out_dir)
    table = pd.DataFrame(list(rows), columns=list(COHORT_COLUMNS))
    if "error" in table:
        table["error"] = table["error"].map(lambda v: _clean(v) if v is not None else None)
    for col in ("n_plms", "n_plm"):
        table[col] = pd.to_numeric(table[col], errors="coerce").round().astype("Int64")
    paths = {"cohort": out / COHORT_FILE, "errors": out / ERRORS_FILE}
    with atomic_write(paths["cohort"], "w", encoding="utf-8", newline="") as fh:
        table.to_csv(fh, sep="\t", index=False, na_rep="", float_format="%.4f")
    failed = table[table["status"] == "failed"]
    with atomic_write(paths["errors"], "w", encoding="utf-8", newline="") as fh:
        fh.write("recording\terror\n")
        for rec, err in zip(failed["recording"], failed["error"], strict=True):
            fh.write(f"{_clean(rec)}\t{_clean(err)}\n")
    return paths


def read_cohort(path: str | os.PathLike[str]) -> Any:
    """Read a ``cohort_summary.tsv`` (a file or the folder holding it) as a DataFrame."""
    import pandas as pd

    from plm.events import InputError

    p = Path(path)
    if p.is_dir():
        p = p / COHORT_FILE
    if not p.is_file():
        raise InputError(f"no {COHORT_FILE}", source=str(p.parent if p.name == COHORT_FILE else p))
    try:
        table = pd.read_csv(
            p,
            sep="\t",
            keep_default_na=False,
            na_values=[""],
            dtype={"recording": str, "status": str, "error": str},
        )
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read cohort table ({exc})", source=str(p)) from None
    if not {"recording", "status"} <= set(table.columns):
        raise InputError("not a cohort table (no recording/status columns)", source=str(p))
    return table


def merge_tables(shard_dirs: Sequence[str | os.PathLike[str]], merged_dir: str | os.PathLike[str]):
    """Combine the cohort tables of shard folders: one row per recording.

    The newest ``ok``/``skipped`` row of a recording wins (by ``scored_at``), else its
    newest ``failed`` row.  ``output_dir`` is rewritten relative to ``merged_dir``.

    Returns
    -------
    DataFrame
        The merged table, sorted by recording.
    """
    import pandas as pd

    merged = Path(merged_dir).resolve()
    parts = []
    for d in shard_dirs:
        t = read_cohort(d)
        base = Path(d).resolve()
        if "output_dir" in t:
            t["output_dir"] = [
                os.path.relpath(base / str(o if isinstance(o, str) and o else r), merged)
                for o, r in zip(t["output_dir"], t["recording"], strict=True)
            ]
        parts.append(t)
    table = pd.concat(parts, ignore_index=True)
    table["_good"] = table["status"].isin(["ok", "skipped"]).astype(int)
    table["_when"] = table["scored_at"].fillna("") if "scored_at" in table else ""
    table = table.sort_values(
        ["recording", "_good", "_when"], ascending=[True, False, False], kind="stable"
    )
    table = table.drop_duplicates("recording", keep="first").drop(columns=["_good", "_when"])
    cols = [c for c in COHORT_COLUMNS if c in table] + [
        c for c in table.columns if c not in COHORT_COLUMNS
    ]
    return table[cols].reset_index(drop=True)


# ---------------------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------------------


class _Progress:
    """Progress on stderr: an in-place bar on a terminal, one line per recording else."""

    def __init__(self, total: int, stream: Any = None) -> None:
        self.stream = stream or sys.stderr
        self.total = total
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.counts = {"ok": 0, "failed": 0, "skipped": 0}
        self.t0 = time.perf_counter()

    def __call__(self, row: dict[str, Any], done: int, total: int) -> None:
        self.counts[row["status"]] = self.counts.get(row["status"], 0) + 1
        c = self.counts
        if self.tty:
            width = 28
            fill = int(width * done / max(total, 1))
            text = (
                f"\r[{'#' * fill}{'.' * (width - fill)}] {done}/{total}  ok {c['ok']}  "
                f"skipped {c['skipped']}  failed {c['failed']}  "
                f"{time.perf_counter() - self.t0:.0f} s  {row['recording'][:30]}"
            )
            self.stream.write(text.ljust(110)[:110])
            if done == total:
                self.stream.write("\n")
        else:
            extra = f": {row['error']}" if row.get("error") else ""
            self.stream.write(
                f"plm batch: [{done}/{total}] {row['recording']} {row['status']}{extra}\n"
            )
        self.stream.flush()


def _fmt(v: Any, dec: int = 1) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (int, float)):
        return f"{v:.{dec}f}"
    return str(v)


def _print_table(rows: Sequence[dict[str, Any]]) -> None:
    name_w = min(max([9] + [len(r["recording"]) for r in rows]), 40)
    print(
        f"{'recording':<{name_w}}  {'status':<7}  {'PLMS/h':>7}  {'PLMW/h':>7}  {'PLMs':>5}  note"
    )
    for r in rows:
        note = r.get("error") or ("above cut-off" if r.get("plmd_flag") else "")
        print(
            f"{r['recording'][:name_w]:<{name_w}}  {r['status']:<7}  {_fmt(r.get('plms_index')):>7}"
            f"  {_fmt(r.get('plmw_index')):>7}  {_fmt(r.get('n_plms'), 0):>5}  {_fmt(note)[:70]}"
        )


@contextlib.contextmanager
def _executor(jobs: int, scheduler: str | None, n_tasks: int):
    """The executor for the command line options; closes it (and any cluster) after use."""
    if scheduler:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ValueError(
                "--scheduler needs Dask distributed: pip install 'plmkit[dask]'"
            ) from None
        if scheduler.startswith("local:"):
            try:
                n = int(scheduler.split(":", 1)[1])
            except ValueError:
                raise ValueError(
                    f"--scheduler local:N expects a number, got {scheduler!r}"
                ) from None
            if n < 1:
                raise ValueError("--scheduler local:N needs N >= 1")
            cluster = LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
            )
            client = Client(cluster)
            try:
                yield client.get_executor(pure=False)
            finally:
                client.close()
                cluster.close()
            return
        if not re.match(r"^[a-z]+://", scheduler):
            raise ValueError(f"--scheduler expects tcp://HOST:PORT or local:N, got {scheduler!r}")
        client = Client(scheduler)
        try:
            yield client.get_executor(pure=False)
        finally:
            client.close()
        return
    if jobs <= 1 or n_tasks <= 1:
        yield InlineExecutor()
        return
    import multiprocessing

    pool = cf.ProcessPoolExecutor(
        max_workers=min(jobs, n_tasks),
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
    )
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _cmd_batch(args: argparse.Namespace) -> int:
    from plm.rules import get_rules, parse_overrides

    overrides = parse_overrides(args.overrides)
    get_rules(args.rules, **overrides)  # bad --set: ValueError -> exit 2
    if args.jobs < 1:
        raise ValueError("--jobs must be at least 1")
    shard = parse_shard(args.shard) if args.shard else None
    out = Path(args.out)
    recordings = discover_recordings(args.inputs, args.pattern or None, exclude=[out])
    if not recordings:
        print(f"plm batch: no recordings found in {', '.join(args.inputs)}", file=sys.stderr)
        return 2
    use_pool = bool(args.scheduler) or args.jobs > 1
    jobs = make_jobs(
        recordings,
        out,
        rules=args.rules,
        overrides=overrides,
        left=args.left,
        right=args.right,
        age_group=args.age_group,
        allow_poor_signal=args.allow_poor_signal,
        report=args.report,
        force=args.force,
        limit_threads=use_pool,
    )
    if shard is not None:
        jobs = select_shard(jobs, *shard)
        print(
            f"plm batch: shard {shard[0]}/{shard[1]}: {len(jobs)} of {len(recordings)} recordings",
            file=sys.stderr,
        )
    out.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out, [COHORT_FILE, ERRORS_FILE, COHORT_REPORT_PREFIX])
    progress = _Progress(len(jobs))
    with _executor(args.jobs, args.scheduler, len(jobs)) as executor:
        rows = run_batch(jobs, executor, on_result=progress if jobs else None)
    paths = write_cohort(rows, out)
    if args.report:
        from pipelines.report import write_cohort_report

        try:
            write_cohort_report(out)
        except Exception as exc:  # the tables are written; a figure problem is not fatal
            print(f"plm batch: cohort report failed: {exc}", file=sys.stderr)
    _print_table(rows)
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
    paths = write_cohort(rows, out)
    failed = sum(r["status"] == "failed" for r in rows)
    print(
        f"{len(rows)} recordings from {len(args.shards)} folder(s), {failed} failed "
        f"-> {paths['cohort']}"
    )
    return 1 if failed else 0


def add_parsers(sub: argparse._SubParsersAction, add_rules_args: Callable[[Any], None]) -> None:
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
    p.add_argument("--left", default=None, help="left leg channel label (or 'A-B')")
    p.add_argument("--right", default=None, help="right leg channel label (or 'A-B')")
    p.add_argument(
        "--allow-poor-signal",
        action="store_true",
        help="score even if leg channels fail the EMG checks",
    )
    add_rules_args(p)
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
