"""``plm validate-cap``: score the PhysioNet CAP Sleep Database end to end and compare groups.

The CAP Sleep Database (``capslpdb`` 1.0.0, Terzano et al. 2001) holds ten recordings of
patients with periodic limb movements (``plm1`` … ``plm10``) and sixteen of healthy
controls (``n1`` … ``n16``), each an EDF with bilateral tibialis EMG and a RemLogic
``.txt`` hypnogram.  It has no scored leg movements, so it cannot measure event-level
agreement; it can show that the whole chain (download → leg channels → detection →
WASM/AASM rules → indices) separates patients from controls the way the literature says
it should.

:func:`run_validation` is fetch + batch + compare + render, on the application's one
runner (:mod:`pipelines.runner`):

1. fetch: download ``<rec>.edf`` and ``<rec>.txt`` with
   :func:`plm.io.fetch.fetch_physionet` (verified against the database's
   ``SHA256SUMS.txt``, resumable, cached in ``DEST/capslpdb/1.0.0/``);
2. batch: as each record arrives, score it (in this process, or on a worker process
   while the next record downloads, with ``--jobs N``) with :func:`plm.score`
   (``annotations=[txt]``: the hypnogram's clock times are aligned to the EDF start)
   and write ``OUT/records/<rec>_*`` with :meth:`plm.results.PLMResult.to_dir`; a
   record that fails (download error, checksum mismatch, no usable leg channel...) is
   listed with its reason, the others go on;
3. compare: :func:`pipelines.cap_groups.compare_groups` gives per group the median and
   IQR of the PLMS index, PLMW index and both periodicity indices, a two-sided
   Mann-Whitney U test (:func:`scipy.stats.mannwhitneyu`), and checks each expectation
   from the literature, saying ``consistent``, ``not consistent`` or ``not assessable``
   (missing data, or groups too small for the test to reach p < 0.05) — always
   computed, never assumed;
4. render: :func:`pipelines.validation_report.write_validation_outputs` writes
   ``validation_summary.tsv`` (one row per record), ``validation_summary.json``
   (everything, including the group statistics and the checks) and
   ``validation_report.html`` (self-contained: figures embedded as PNG).

The exit code of the command is 0 when every record was scored, 1 when any failed, 2 on
a usage error.  See ``docs/validation.md``.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines import runner
from pipelines.cap_groups import METRICS, ValidationRun, compare_groups, fmt, imi_peak, record_group
from pipelines.settings import ScoringSettings, add_scoring_args, settings_from_args
from pipelines.validation_report import TSV_COLUMNS, render_html, write_validation_outputs
from plm._version import __version__
from plm.events import InputError

__all__ = [
    "DATABASE",
    "VERSION",
    "PATIENT_RECORDS",
    "CONTROL_RECORDS",
    "ALL_RECORDS",
    "METRICS",
    "RecordJob",
    "parse_records",
    "record_group",
    "score_record",
    "run_validation",
    "compare_groups",
    "write_validation_outputs",
    "render_html",
    "ValidationRun",
    "add_parsers",
]

logger = logging.getLogger(__name__)

DATABASE = "capslpdb"
VERSION = "1.0.0"
PATIENT_RECORDS: tuple[str, ...] = tuple(f"plm{i}" for i in range(1, 11))
CONTROL_RECORDS: tuple[str, ...] = tuple(f"n{i}" for i in range(1, 17))
ALL_RECORDS: tuple[str, ...] = PATIENT_RECORDS + CONTROL_RECORDS

_SUMMARY_KEYS = (
    "recording_h", "tst_h", "wake_h", "n_lm", "n_clms", "n_plms", "n_plmw", "plms_index",
    "plmw_index", "periodicity_index", "ferri_periodicity_index", "imi_geometric_mean_s",
    "plmd_flag",
)  # fmt: skip
_RANGE_RE = re.compile(r"^([A-Za-z_-]*)(\d+)\.\.([A-Za-z_-]*)(\d+)$")

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


# ---------------------------------------------------------------------------------------
# records and groups
# ---------------------------------------------------------------------------------------


def parse_records(text: str | Iterable[str]) -> list[str]:
    """Expand a record list such as ``"plm1..plm10,n1..n16"`` or ``"plm1,n3"``.

    ``A1..A9`` is the range of names with prefix ``A`` and numbers 1 to 9; commas and
    whitespace separate items; duplicates are dropped (first kept).

    Raises
    ------
    InputError
        On an empty list or a malformed range.
    """
    items = [text] if isinstance(text, str) else list(text)
    out: dict[str, None] = {}
    for item in items:
        for tok in re.split(r"[,\s]+", item.strip()):
            if not tok:
                continue
            m = _RANGE_RE.match(tok)
            if ".." in tok and not m:
                raise InputError(f"bad record range {tok!r}: use e.g. plm1..plm10")
            if m:
                if m.group(3) and m.group(3) != m.group(1):
                    raise InputError(f"bad record range {tok!r}: both ends need the same prefix")
                a, b = int(m.group(2)), int(m.group(4))
                if b < a or b - a > 999:
                    raise InputError(f"bad record range {tok!r}")
                out.update(dict.fromkeys(f"{m.group(1)}{k}" for k in range(a, b + 1)))
            else:
                out[tok] = None
    if not out:
        raise InputError("no record given (use --records plm1,n1 or --all)")
    return list(out)


# ---------------------------------------------------------------------------------------
# scoring one record (runs on the runner's workers)
# ---------------------------------------------------------------------------------------


def _row(record: str, status: str, **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {c: None for c in TSV_COLUMNS}
    row.update(record=record, group=record_group(record), status=status)
    row.update(fields)
    return row


@dataclass(frozen=True)
class RecordJob:
    """What a worker needs to score one downloaded record: paths and settings only.

    Attributes
    ----------
    record : str
        Record name (output stem).
    edf, txt : str
        The recording and its RemLogic hypnogram.
    out_records : str
        Folder for ``<record>_candidates.tsv``, ``_movements.tsv``, ``_summary.json``.
    settings : ScoringSettings
        How to score.
    n_threads : int
        Threads of :func:`plm.score` (1 on worker processes: the pool is the parallelism).
    """

    record: str
    edf: str
    txt: str
    out_records: str
    settings: ScoringSettings = field(default_factory=ScoringSettings)
    n_threads: int = 2


def score_record(job: RecordJob) -> dict[str, Any]:
    """Score one downloaded CAP record and write its outputs; never raises for a bad record.

    Returns
    -------
    dict
        A row (:data:`~pipelines.validation_report.TSV_COLUMNS`) plus ``imi_histograms``
        and ``warnings_list``; ``status`` is ``ok`` or ``failed`` (``failed_at='score'``,
        ``error`` the reason).
    """
    import plm

    t0 = time.perf_counter()
    try:
        result = plm.score(
            job.edf,
            annotations=[job.txt],
            n_threads=job.n_threads,
            **job.settings.score_kwargs(),
        )
        if result.events.hypnogram is None:
            raise InputError("no sleep stages found in the hypnogram", source=str(job.txt))
        paths = result.to_dir(job.out_records, stem=job.record)
    except Exception as exc:  # one bad record must not stop the validation
        logger.info("%s: scoring failed: %s", job.record, exc)
        return _row(
            job.record,
            "failed",
            failed_at="score",
            error=runner.one_line(exc),
            elapsed_s=round(time.perf_counter() - t0, 3),
        )
    s = result.summary
    warnings = [str(w) for w in s.get("warnings") or []]
    channels = s.get("channels") or {}
    hist = s.get("imi_histograms") or {}
    row = _row(
        job.record,
        "ok",
        left_channel=channels.get("left") or channels.get("merged"),
        right_channel=channels.get("right") or channels.get("merged"),
        fs_hz=s.get("fs_hz"),
        imi_peak_s=imi_peak(hist.get("linear")),
        n_warnings=len(warnings),
        warnings="; ".join(warnings),
        output=str(paths["summary"]),
        elapsed_s=round(time.perf_counter() - t0, 3),
        **{k: s.get(k) for k in _SUMMARY_KEYS},
    )
    row["imi_histograms"] = hist
    row["warnings_list"] = warnings
    return row


def _worker_failed(job: RecordJob, exc: BaseException) -> dict[str, Any]:
    return _row(job.record, "failed", failed_at="score",
                error=f"worker failed: {runner.one_line(exc)}")  # fmt: skip


# ---------------------------------------------------------------------------------------
# the pipeline: fetch + batch + compare + render
# ---------------------------------------------------------------------------------------


def _fetch_record(
    record: str, dest: Path, version: str, base_url: str, fetch_options: dict[str, Any]
) -> tuple[Path, Path]:
    from plm.io.fetch import fetch_physionet

    paths = fetch_physionet(
        DATABASE, [record], dest=dest, version=version, base_url=base_url, **fetch_options
    )
    by_name = {p.name.lower(): p for p in paths}
    edf, txt = by_name.get(f"{record.lower()}.edf"), by_name.get(f"{record.lower()}.txt")
    if edf is None:
        raise InputError(f"record {record} has no {record}.edf in {DATABASE} {version}")
    if txt is None:
        raise InputError(
            f"record {record} has no hypnogram {record}.txt in {DATABASE} {version}: "
            "the PLMS index needs sleep stages"
        )
    return edf, txt


def _is_global_fetch_failure(exc: BaseException) -> bool:
    """True when the checksum list itself could not be fetched (every record would fail)."""
    from plm.io.fetch import SHA256SUMS_NAME, FetchError

    url = getattr(exc, "url", None) or ""
    return isinstance(exc, FetchError) and url.endswith("/" + SHA256SUMS_NAME)


def run_validation(
    records: Sequence[str] = ALL_RECORDS,
    dest: str | os.PathLike[str] = "data/physionet",
    out: str | os.PathLike[str] = "validation",
    base_url: str | None = None,
    *,
    version: str = VERSION,
    settings: ScoringSettings | None = None,
    jobs: int = 1,
    scheduler: str | None = None,
    fetch_options: dict[str, Any] | None = None,
    on_row: Callable[[dict[str, Any]], None] | None = None,
    write: bool = True,
) -> ValidationRun:
    """Download, score and compare CAP records; write the validation outputs.

    Parameters
    ----------
    records : sequence of str
        Record names (default all 26: ``plm1``-``plm10``, ``n1``-``n16``).
    dest : path-like
        Download cache root (files go to ``dest/capslpdb/1.0.0``).
    out : path-like
        Output folder: ``records/`` (per-record results) and the validation files.
    base_url : str, optional
        Mirror of the PhysioNet ``/files`` root (default ``$PLMKIT_PHYSIONET_URL``, else
        PhysioNet).
    version : str
        Database version.
    settings : ScoringSettings, optional
        How to score (default: WASM 2016, adult, leg channels discovered).
    jobs, scheduler
        Where records are scored (:func:`pipelines.runner.open_executor`); downloads
        run one at a time, in this process, while earlier records are scored.
    fetch_options : dict, optional
        ``timeout``, ``retries``, ``backoff_s`` for :func:`plm.io.fetch.fetch_physionet`.
    on_row : callable, optional
        Called with each record's row when it is finished (progress).
    write : bool
        Write the TSV/JSON/HTML outputs (default True).

    Returns
    -------
    ValidationRun

    Raises
    ------
    InputError
        For an invalid base URL or record name list (usage errors); problems of single
        records are reported in the rows instead.
    """
    from plm.io.fetch import resolve_base_url

    settings = settings or ScoringSettings()
    names = parse_records(records)
    base = resolve_base_url(base_url)
    settings.profile()  # a bad --set fails before any download
    dest_p, out_p = Path(dest), Path(out)
    out_records = out_p / "records"
    out_records.mkdir(parents=True, exist_ok=True)
    run_settings = {
        "database": DATABASE,
        "version": version,
        "base_url": base,
        "dest": str(dest_p),
        "out": str(out_p),
        "records": names,
        "rules": settings.rules,
        "overrides": dict(settings.overrides),
        "age_group": settings.age_group,
        "allow_poor_signal": settings.allow_poor_signal,
        "plmkit_version": __version__,
        "started": runner.now_utc(),
    }
    rows: dict[str, dict[str, Any]] = {}

    def finish(row: dict[str, Any]) -> None:
        rows[row["record"]] = row
        if on_row is not None:
            on_row(row)

    n_threads = 1 if runner.uses_workers(jobs, scheduler, len(names)) else 2
    fetched = _fetch_all(names, dest_p, version, base, dict(fetch_options or {}), finish)
    with runner.open_executor(jobs, scheduler, len(names)) as executor:
        runner.run_tasks(
            score_record,
            (
                RecordJob(rec, str(edf), str(txt), str(out_records), settings, n_threads)
                for rec, edf, txt in fetched
            ),  # fmt: skip
            executor,
            on_result=finish,
            on_crash=_worker_failed,
        )
    ordered = [rows[r] for r in names]
    run_settings["finished"] = runner.now_utc()
    run = ValidationRun(ordered, compare_groups(ordered), run_settings)
    if write:
        run.outputs = write_validation_outputs(run, out_p)
    return run


def _fetch_all(
    names: Sequence[str],
    dest: Path,
    version: str,
    base: str,
    fetch_options: dict[str, Any],
    failed: Callable[[dict[str, Any]], None],
) -> Iterator[tuple[str, Path, Path]]:
    """Download the records one by one, yielding (record, edf, txt) of each one fetched.

    A record that cannot be downloaded is handed to ``failed`` as a row; when the
    checksum list itself is unreachable, every later record fails with the same error
    without being tried.
    """
    global_error: str | None = None
    for rec in names:
        if global_error is not None:
            failed(_row(rec, "failed", failed_at="download", error=global_error))
            continue
        t0 = time.perf_counter()
        try:
            edf, txt = _fetch_record(rec, dest, version, base, fetch_options)
        except Exception as exc:  # any download problem fails this record only
            err = runner.one_line(exc)
            logger.info("%s: download failed: %s", rec, err)
            if _is_global_fetch_failure(exc):
                global_error = err
            elapsed = round(time.perf_counter() - t0, 3)
            failed(_row(rec, "failed", failed_at="download", error=err, elapsed_s=elapsed))
            continue
        yield rec, edf, txt


# ---------------------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------------------


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Register ``plm validate-cap``."""
    from plm.io.fetch import DEFAULT_BASE_URL, ENV_BASE_URL

    p = sub.add_parser(
        "validate-cap",
        help="download and score the PhysioNet CAP Sleep Database; compare PLM patients "
        "with controls",
        description="Download the CAP Sleep Database records (plm1-plm10 patients, n1-n16 "
        "controls; several hundred MB each from PhysioNet), verify them against "
        "SHA256SUMS.txt, score each end to end with its RemLogic hypnogram, and write "
        "records/, validation_summary.tsv/.json and validation_report.html to OUT. "
        "Exit code 1 if any record failed. See docs/validation.md.",
    )
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--records",
        help="records, comma-separated, ranges allowed: e.g. plm1..plm10,n1..n16 or plm1,n1",
    )
    which.add_argument("--all", action="store_true", help="all 26 records (plm1..plm10, n1..n16)")
    p.add_argument("--dest", default="data/physionet",
                   help="download cache root (default data/physionet)")  # fmt: skip
    p.add_argument(
        "--base-url",
        default=None,
        help=f"mirror of the PhysioNet /files root (default ${ENV_BASE_URL}, else "
        f"{DEFAULT_BASE_URL})",
    )
    p.add_argument("--version", dest="db_version", default=VERSION,
                   help=f"database version (default {VERSION})")  # fmt: skip
    p.add_argument("--out", default="validation", help="output folder (default validation)")
    p.add_argument("--jobs", type=int, default=1,
                   help="worker processes for scoring (default 1)")  # fmt: skip
    add_scoring_args(p, legs=False)
    p.set_defaults(handler=_cmd_validate)


def _progress_line(row: dict[str, Any]) -> str:
    if row["status"] != "ok":
        return f"{row['record']}: FAILED ({row['failed_at']}): {row['error']}"
    return (
        f"{row['record']} [{row['group']}]: PLMS index {fmt(row.get('plms_index'), 1, '/h')}, "
        f"PLMW index {fmt(row.get('plmw_index'), 1, '/h')}, PI "
        f"{fmt(row.get('periodicity_index'), 2)} "
        f"(Ferri {fmt(row.get('ferri_periodicity_index'), 2)})"
        f"; legs {row.get('left_channel')} / {row.get('right_channel')}"
    )


def _cmd_validate(args: argparse.Namespace) -> int:
    if args.jobs < 1:
        raise InputError("--jobs must be at least 1")
    records = list(ALL_RECORDS) if args.all else parse_records(args.records)
    with runner.Progress(len(records), "plm validate-cap", name="record",
                         plain_lines=False) as progress:  # fmt: skip

        def show(row: dict[str, Any]) -> None:
            progress(row)
            progress.write(_progress_line(row))

        run = run_validation(
            records,
            dest=args.dest,
            out=args.out,
            base_url=args.base_url,
            version=args.db_version,
            settings=settings_from_args(args),
            jobs=args.jobs,
            on_row=show,
        )
    vc = run.comparison["verdict_counts"]
    n_failed = len(run.failed)
    print(
        f"{len(run.rows) - n_failed} of {len(run.rows)} records scored; checks: "
        f"{vc['consistent']} consistent, {vc['not consistent']} not consistent, "
        f"{vc['not assessable']} not assessable -> {run.outputs.get('html')}"
    )
    if n_failed:
        names = ", ".join(r["record"] for r in run.failed)
        print(f"plm: error: {n_failed} record(s) failed: {names}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK
