"""``plm validate-cap``: score the PhysioNet CAP Sleep Database end to end and compare groups.

The CAP Sleep Database (``capslpdb`` 1.0.0, Terzano et al. 2001) holds ten recordings of
patients with periodic limb movements (``plm1`` … ``plm10``) and sixteen of healthy
controls (``n1`` … ``n16``), each an EDF with bilateral tibialis EMG and a RemLogic
``.txt`` hypnogram.  It has no scored leg movements, so it cannot measure event-level
agreement; it can show that the whole chain (download → leg channels → detection →
WASM/AASM rules → indices) separates patients from controls the way the literature says
it should.

For each record, :func:`run_validation`

1. downloads ``<rec>.edf`` and ``<rec>.txt`` with :func:`plm.io.fetch.fetch_physionet`
   (verified against the database's ``SHA256SUMS.txt``, resumable, cached in
   ``DEST/capslpdb/1.0.0/``);
2. scores it with :func:`plm.score` (``annotations=[txt]``: the hypnogram's clock times
   are aligned to the EDF start) and writes ``OUT/records/<rec>_*`` with
   :meth:`plm.results.PLMResult.to_dir`;
3. a record that fails (download error, checksum mismatch, no usable leg channel...) is
   listed with its reason; the others go on.

Then :func:`write_validation_outputs` writes ``validation_summary.tsv`` (one row per
record), ``validation_summary.json`` (everything, including the group statistics and
the checks) and ``validation_report.html`` (self-contained: figures embedded as PNG).
The group comparison (:func:`compare_groups`) gives per group the median and IQR of the
PLMS index, PLMW index and both periodicity indices, a two-sided Mann-Whitney U test
(:func:`scipy.stats.mannwhitneyu`), and checks each expectation from the literature,
saying ``consistent``, ``not consistent`` or ``not assessable`` (missing data, or
groups too small for the test to reach p < 0.05) — always computed, never assumed.

The exit code of the command is 0 when every record was scored, 1 when any failed, 2 on
a usage error.  See ``docs/validation.md``.
"""

from __future__ import annotations

import argparse
import base64
import concurrent.futures as cf
import html
import json
import logging
import math
import multiprocessing
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from plm._util import atomic_write
from plm._version import __version__
from plm.events import InputError

__all__ = [
    "DATABASE",
    "VERSION",
    "PATIENT_RECORDS",
    "CONTROL_RECORDS",
    "ALL_RECORDS",
    "METRICS",
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

GROUP_LABELS = {"patients": "PLM patients (plm*)", "controls": "healthy controls (n*)"}
GROUP_COLORS = {"patients": "#c0392b", "controls": "#2471a3", "other": "#7f8c8d"}

#: Metrics compared between groups: key -> (label, unit).
METRICS: dict[str, tuple[str, str]] = {
    "plms_index": ("PLMS index", "/h"),
    "plmw_index": ("PLMW index", "/h"),
    "periodicity_index": ("Periodicity index (PLMS/CLMS)", ""),
    "ferri_periodicity_index": ("Periodicity index (Ferri 2006)", ""),
}

ALPHA = 0.05
PLMS_CUTOFF_PER_H = 15.0
PI_RLS_MEAN, PI_RLS_SD = 0.86, 0.10
PI_THRESHOLD = 0.5
IMI_PEAK_RANGE_S = (15.0, 30.0)
IMI_WINDOW_S = (10.0, 90.0)

#: Scalar columns of ``validation_summary.tsv``, in order.
TSV_COLUMNS = (
    "record", "group", "status", "failed_at", "error",
    "left_channel", "right_channel", "fs_hz", "recording_h", "tst_h", "wake_h",
    "n_lm", "n_clms", "n_plms", "n_plmw",
    "plms_index", "plmw_index", "periodicity_index", "ferri_periodicity_index",
    "imi_geometric_mean_s", "imi_peak_s", "plmd_flag", "n_warnings", "warnings",
    "output", "elapsed_s",
)  # fmt: skip

_SUMMARY_KEYS = (
    "recording_h", "tst_h", "wake_h", "n_lm", "n_clms", "n_plms", "n_plmw", "plms_index",
    "plmw_index", "periodicity_index", "ferri_periodicity_index", "imi_geometric_mean_s",
    "plmd_flag",
)  # fmt: skip
_RANGE_RE = re.compile(r"^([A-Za-z_-]*)(\d+)\.\.([A-Za-z_-]*)(\d+)$")

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
_CONTRAST_SOURCE = "follows from the cut-offs above (scoring-standards §4.3, §8)"


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


def record_group(record: str) -> str:
    """``'patients'`` for ``plm<k>``, ``'controls'`` for ``n<k>``, else ``'other'``."""
    name = Path(record).name.lower()
    if re.fullmatch(r"plm\d+", name):
        return "patients"
    if re.fullmatch(r"n\d+", name):
        return "controls"
    return "other"


# ---------------------------------------------------------------------------------------
# scoring one record (runs in worker processes)
# ---------------------------------------------------------------------------------------


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    if not isinstance(exc, (InputError, OSError)):
        text = f"{type(exc).__name__}: {text}"
    return text[:500]


def _row(record: str, status: str, **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {c: None for c in TSV_COLUMNS}
    row.update(record=record, group=record_group(record), status=status)
    row.update(fields)
    return row


def _imi_peak(linear: dict[str, list[float]] | None, smooth: bool = True) -> float | None:
    """Centre (s) of the IMI histogram's peak inside the 10-90 s window, None if empty.

    The peak is the 2-s bin with the largest 3-bin (6-s) running sum of counts (the
    fullest single bin with ``smooth=False``); ties go to the shorter IMI.
    """
    if not linear:
        return None
    edges = np.asarray(linear["bin_edges_s"], dtype=float)
    counts = np.asarray(linear["counts"], dtype=float)
    centres = 0.5 * (edges[:-1] + edges[1:])
    inside = (edges[:-1] >= IMI_WINDOW_S[0] - 1e-9) & (edges[1:] <= IMI_WINDOW_S[1] + 1e-9)
    if not inside.any() or counts[inside].sum() <= 0:
        return None
    # 3-bin (6 s) running sum: the mode of a few hundred IMIs in 2-s bins is mostly noise
    width = 3 if smooth else 1
    summed = np.convolve(np.where(inside, counts, 0.0), np.ones(width), mode="same")
    k = int(np.argmax(np.where(inside, summed, -1.0)))
    return float(centres[k])


def score_record(
    record: str,
    edf: str | os.PathLike[str],
    txt: str | os.PathLike[str],
    out_records: str | os.PathLike[str],
    rules: str = "wasm2016",
    overrides: dict[str, Any] | None = None,
    age_group: str = "adult",
    allow_poor_signal: bool = False,
    n_threads: int = 2,
) -> dict[str, Any]:
    """Score one downloaded CAP record and write its outputs; never raises for a bad record.

    Parameters
    ----------
    record : str
        Record name (output stem).
    edf, txt : path-like
        The recording and its RemLogic hypnogram.
    out_records : path-like
        Folder for ``<record>_candidates.tsv``, ``_movements.tsv``, ``_summary.json``.
    rules, overrides, age_group, allow_poor_signal, n_threads
        Passed to :func:`plm.score`.

    Returns
    -------
    dict
        A row (:data:`TSV_COLUMNS`) plus ``imi_histograms`` and ``warnings_list``;
        ``status`` is ``ok`` or ``failed`` (``failed_at='score'``, ``error`` the reason).
    """
    import plm

    t0 = time.perf_counter()
    try:
        result = plm.score(
            edf,
            annotations=[txt],
            rules=rules,
            age_group=age_group,
            allow_poor_signal=allow_poor_signal,
            n_threads=n_threads,
            **(overrides or {}),
        )
        if result.events.hypnogram is None:
            raise InputError("no sleep stages found in the hypnogram", source=str(txt))
        paths = result.to_dir(out_records, stem=record)
    except Exception as exc:  # one bad record must not stop the validation
        logger.info("%s: scoring failed: %s", record, exc)
        return _row(
            record,
            "failed",
            failed_at="score",
            error=_one_line(exc),
            elapsed_s=round(time.perf_counter() - t0, 3),
        )
    s = result.summary
    warnings = [str(w) for w in s.get("warnings") or []]
    channels = s.get("channels") or {}
    hist = s.get("imi_histograms") or {}
    row = _row(
        record,
        "ok",
        left_channel=channels.get("left") or channels.get("merged"),
        right_channel=channels.get("right") or channels.get("merged"),
        fs_hz=s.get("fs_hz"),
        imi_peak_s=_imi_peak(hist.get("linear")),
        n_warnings=len(warnings),
        warnings="; ".join(warnings),
        output=str(paths["summary"]),
        elapsed_s=round(time.perf_counter() - t0, 3),
        **{k: s.get(k) for k in _SUMMARY_KEYS},
    )
    row["imi_histograms"] = hist
    row["warnings_list"] = warnings
    return row


def _limit_threads() -> None:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"


# ---------------------------------------------------------------------------------------
# the pipeline
# ---------------------------------------------------------------------------------------


@dataclass
class ValidationRun:
    """What :func:`run_validation` did.

    Attributes
    ----------
    rows : list of dict
        One per record, in the order asked (see :func:`score_record`).
    comparison : dict
        :func:`compare_groups` of the rows.
    settings : dict
        Database, version, base URL, destination, rules, overrides, age group.
    outputs : dict
        Written files (``tsv``, ``json``, ``html``, ``records``).
    """

    rows: list[dict[str, Any]]
    comparison: dict[str, Any]
    settings: dict[str, Any]
    outputs: dict[str, Path] = field(default_factory=dict)

    @property
    def failed(self) -> list[dict[str, Any]]:
        """The rows of the records that failed."""
        return [r for r in self.rows if r["status"] != "ok"]


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
    rules: str = "wasm2016",
    overrides: dict[str, Any] | None = None,
    age_group: str = "adult",
    allow_poor_signal: bool = False,
    jobs: int = 1,
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
    rules, overrides, age_group, allow_poor_signal
        Scoring settings (see :func:`plm.score`).
    jobs : int
        Worker processes for scoring (downloads run one at a time, in this process,
        while earlier records are scored).
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
    from plm.rules import get_rules

    names = parse_records(records)
    base = resolve_base_url(base_url)
    get_rules(rules, **(overrides or {}))  # a bad --set fails before any download
    dest_p, out_p = Path(dest), Path(out)
    out_records = out_p / "records"
    out_records.mkdir(parents=True, exist_ok=True)
    fopts = dict(fetch_options or {})
    settings = {
        "database": DATABASE,
        "version": version,
        "base_url": base,
        "dest": str(dest_p),
        "out": str(out_p),
        "records": names,
        "rules": rules,
        "overrides": dict(overrides or {}),
        "age_group": age_group,
        "allow_poor_signal": allow_poor_signal,
        "plmkit_version": __version__,
        "started": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
    }
    score_kw = {
        "out_records": str(out_records),
        "rules": rules,
        "overrides": dict(overrides or {}),
        "age_group": age_group,
        "allow_poor_signal": allow_poor_signal,
    }
    rows: dict[str, dict[str, Any]] = {}

    def finish(row: dict[str, Any]) -> None:
        rows[row["record"]] = row
        if on_row is not None:
            on_row(row)

    pool: cf.Executor | None = None
    if jobs > 1 and len(names) > 1:
        pool = cf.ProcessPoolExecutor(
            max_workers=min(jobs, len(names)),
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_limit_threads,
        )
    futures: dict[cf.Future, str] = {}
    global_error: str | None = None
    try:
        for rec in names:
            if global_error is not None:
                finish(_row(rec, "failed", failed_at="download", error=global_error))
                continue
            t0 = time.perf_counter()
            try:
                edf, txt = _fetch_record(rec, dest_p, version, base, fopts)
            except Exception as exc:  # any download problem fails this record only
                err = _one_line(exc)
                logger.info("%s: download failed: %s", rec, err)
                if _is_global_fetch_failure(exc):
                    global_error = err
                finish(
                    _row(
                        rec,
                        "failed",
                        failed_at="download",
                        error=err,
                        elapsed_s=round(time.perf_counter() - t0, 3),
                    )
                )
                continue
            if pool is None:
                finish(score_record(rec, edf, txt, **score_kw))
            else:
                fut = pool.submit(score_record, rec, str(edf), str(txt), n_threads=1, **score_kw)
                futures[fut] = rec
        for fut in cf.as_completed(futures):
            rec = futures[fut]
            try:
                row = fut.result()
            except Exception as exc:  # the worker process died
                row = _row(rec, "failed", failed_at="score", error=f"worker failed: "
                           f"{_one_line(exc)}")  # fmt: skip
            finish(row)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    ordered = [rows[r] for r in names]
    settings["finished"] = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    run = ValidationRun(ordered, compare_groups(ordered), settings)
    if write:
        run.outputs = write_validation_outputs(run, out_p)
    return run


# ---------------------------------------------------------------------------------------
# group comparison
# ---------------------------------------------------------------------------------------


def _values(rows: Sequence[dict[str, Any]], group: str, key: str) -> np.ndarray:
    vals = [
        r.get(key)
        for r in rows
        if r["status"] == "ok" and r["group"] == group and r.get(key) is not None
    ]
    arr = np.asarray([float(v) for v in vals], dtype=float)
    return arr[np.isfinite(arr)]


def _describe(x: np.ndarray) -> dict[str, Any]:
    if x.size == 0:
        return {"n": 0, "median": None, "q1": None, "q3": None, "min": None, "max": None}
    q1, med, q3 = np.percentile(x, [25, 50, 75])
    return {
        "n": int(x.size),
        "median": float(med),
        "q1": float(q1),
        "q3": float(q3),
        "min": float(x.min()),
        "max": float(x.max()),
    }


def _min_attainable_p(n1: int, n2: int) -> float:
    """Smallest two-sided p of the exact Mann-Whitney U test for group sizes n1, n2."""
    if n1 == 0 or n2 == 0:
        return 1.0
    return min(1.0, 2.0 / math.comb(n1 + n2, n1))


def _mann_whitney(pat: np.ndarray, ctl: np.ndarray) -> dict[str, Any]:
    from scipy.stats import mannwhitneyu

    out: dict[str, Any] = {
        "test": "Mann-Whitney U, two-sided (scipy.stats.mannwhitneyu)",
        "n_patients": int(pat.size),
        "n_controls": int(ctl.size),
        "u": None,
        "p": None,
        "method": None,
        "min_attainable_p": _min_attainable_p(int(pat.size), int(ctl.size)),
    }
    if pat.size == 0 or ctl.size == 0:
        return out
    if np.unique(np.concatenate([pat, ctl])).size == 1:  # all equal: no evidence either way
        out.update(u=float(pat.size * ctl.size / 2.0), p=1.0, method="all values equal")
        return out
    res = mannwhitneyu(pat, ctl, alternative="two-sided", method="auto")
    exact = (
        pat.size < 8 and ctl.size < 8 and np.unique(np.concatenate([pat, ctl])).size
        == pat.size + ctl.size
    )  # fmt: skip
    out.update(u=float(res.statistic), p=float(res.pvalue),
               method="exact" if exact else "asymptotic")  # fmt: skip
    return out


def _fmt(v: Any, dec: int = 2, unit: str = "") -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "n/a"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return f"{int(v)}{unit}"
    return f"{float(v):.{dec}f}{unit}"


def _median_iqr(d: dict[str, Any], dec: int, unit: str) -> str:
    if not d["n"]:
        return "no value"
    return (
        f"median {_fmt(d['median'], dec, unit)} (IQR {_fmt(d['q1'], dec)}–"
        f"{_fmt(d['q3'], dec, unit)}, n = {d['n']})"
    )


def _pooled_histograms(rows: Sequence[dict[str, Any]], group: str) -> dict[str, Any]:
    lin = ln = None
    lin_edges = ln_edges = None
    for r in rows:
        if r["status"] != "ok" or r["group"] != group:
            continue
        h = r.get("imi_histograms") or {}
        if "linear" in h:
            c = np.asarray(h["linear"]["counts"], dtype=float)
            lin = c if lin is None else lin + c
            lin_edges = h["linear"]["bin_edges_s"]
        if "ln" in h:
            c = np.asarray(h["ln"]["counts"], dtype=float)
            ln = c if ln is None else ln + c
            ln_edges = h["ln"].get("bin_edges_ln")
    out: dict[str, Any] = {}
    if lin is not None:
        out["linear"] = {"bin_edges_s": list(lin_edges), "counts": [int(x) for x in lin]}
    if ln is not None:
        out["ln"] = {"bin_edges_ln": list(ln_edges or []), "counts": [int(x) for x in ln]}
    return out


def _check(
    cid: str,
    expectation: str,
    source: str,
    criterion: str,
    observed: str,
    verdict: str,
    note: str = "",
) -> dict[str, Any]:
    return {
        "id": cid,
        "expectation": expectation,
        "source": source,
        "criterion": criterion,
        "observed": observed,
        "verdict": verdict,
        "note": note,
    }


def _verdict(ok: bool | None) -> str:
    if ok is None:
        return "not assessable"
    return "consistent" if ok else "not consistent"


def _difference_check(
    key: str, stats: dict[str, Any], test: dict[str, Any], source: str
) -> dict[str, Any]:
    label, unit = METRICS[key]
    pat, ctl = stats["patients"][key], stats["controls"][key]
    dec = 1 if unit else 2
    observed = (
        f"patients {_fmt(pat['median'], dec, unit)} vs controls {_fmt(ctl['median'], dec, unit)}"
        f" (medians); U = {_fmt(test['u'], 1)}, p = {_fmt(test['p'], 3)}"
    )
    note = ""
    if not pat["n"] or not ctl["n"]:
        ok = None
        note = "a group has no scored record with this value"
    elif test["min_attainable_p"] >= ALPHA:
        ok = None
        note = (
            f"with {pat['n']} and {ctl['n']} records the smallest attainable two-sided p is "
            f"{test['min_attainable_p']:.3f} ≥ {ALPHA}: too few records to test"
        )
    else:
        ok = bool(pat["median"] > ctl["median"] and test["p"] is not None and test["p"] < ALPHA)
    return _check(
        f"{key}_higher_in_patients",
        f"{label} higher in PLM patients than in controls",
        source,
        f"patients' median > controls' median and Mann-Whitney two-sided p < {ALPHA}",
        observed,
        _verdict(ok),
        note,
    )


def compare_groups(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Group statistics, Mann-Whitney tests and literature checks for scored records.

    Parameters
    ----------
    rows : sequence of dict
        Rows of :func:`score_record` / :func:`run_validation` (failed rows are ignored).

    Returns
    -------
    dict
        ``groups``: per group (``patients``, ``controls``) the records scored and
        ``metrics`` (n, median, q1, q3, min, max per :data:`METRICS` key),
        ``imi_histogram`` (pooled sleep IMIs) and ``imi_peak_s``; ``tests``: per metric
        the Mann-Whitney U result; ``checks``: a list of expectation / criterion /
        observed / verdict items.
    """
    groups: dict[str, Any] = {}
    stats: dict[str, dict[str, Any]] = {}
    for g in ("patients", "controls"):
        recs = [r["record"] for r in rows if r["group"] == g and r["status"] == "ok"]
        metrics = {k: _describe(_values(rows, g, k)) for k in METRICS}
        hist = _pooled_histograms(rows, g)
        groups[g] = {
            "label": GROUP_LABELS[g],
            "records_scored": recs,
            "records_failed": [
                r["record"] for r in rows if r["group"] == g and r["status"] != "ok"
            ],
            "metrics": metrics,
            "imi_histogram": hist,
            "imi_peak_s": _imi_peak(hist.get("linear")),
            "n_plms_index_above_15": int(
                (_values(rows, g, "plms_index") > PLMS_CUTOFF_PER_H).sum()
            ),
            "n_plms_index_below_5": int((_values(rows, g, "plms_index") < 5.0).sum()),
        }
        stats[g] = metrics
    tests = {k: _mann_whitney(_values(rows, "patients", k), _values(rows, "controls", k))
             for k in METRICS}  # fmt: skip

    checks: list[dict[str, Any]] = []
    p_plms, c_plms = stats["patients"]["plms_index"], stats["controls"]["plms_index"]
    gp, gc = groups["patients"], groups["controls"]
    checks.append(
        _check(
            "patients_plms_above_15",
            "PLM patients: PLMS index > 15/h",
            "ICSD-3 adult PLMD cut-off (scoring-standards §8)",
            "patients' median PLMS index > 15/h",
            f"{_median_iqr(p_plms, 1, '/h')}; {gp['n_plms_index_above_15']} of {p_plms['n']} "
            "above 15/h",
            _verdict(None if not p_plms["n"] else p_plms["median"] > PLMS_CUTOFF_PER_H),
        )
    )
    checks.append(
        _check(
            "controls_plms_low",
            "Healthy controls: low PLMS index (mostly < 5–15/h)",
            "scoring-standards §8 (older cut-off 5/h, PLMD cut-off 15/h)",
            "controls' median PLMS index < 15/h",
            f"{_median_iqr(c_plms, 1, '/h')}; {gc['n_plms_index_below_5']} of {c_plms['n']} "
            "below 5/h",
            _verdict(None if not c_plms["n"] else c_plms["median"] < PLMS_CUTOFF_PER_H),
        )
    )
    checks.append(_difference_check("plms_index", stats, tests["plms_index"], _CONTRAST_SOURCE))
    lo, hi = PI_RLS_MEAN - 2 * PI_RLS_SD, PI_RLS_MEAN + 2 * PI_RLS_SD
    for key in ("periodicity_index", "ferri_periodicity_index"):
        label = METRICS[key][0]
        p, c = stats["patients"][key], stats["controls"][key]
        checks.append(
            _check(
                f"patients_{key}_rls",
                f"PLM patients: {label} ≈ {PI_RLS_MEAN:.2f} ± {PI_RLS_SD:.2f}",
                "RLS with PLMS > 15/h, Korean cohort (JCSM 2016, PMC4957186; "
                "scoring-standards §4.3)",
                f"patients' median within mean ± 2 SD = [{lo:.2f}, {min(hi, 1.0):.2f}]",
                _median_iqr(p, 2, ""),
                _verdict(None if not p["n"] else lo <= p["median"] <= hi),
                "the cohort had RLS; CAP plm* patients have PLM disorder",
            )
        )
        checks.append(
            _check(
                f"{key}_threshold",
                f"{label}: threshold ≈ {PI_THRESHOLD} separates patients from controls",
                "Ferri et al., Sleep Med 2016 (scoring-standards §4.3, §8)",
                f"patients' median > {PI_THRESHOLD} and controls' median < {PI_THRESHOLD}",
                f"patients {_median_iqr(p, 2, '')}; controls {_median_iqr(c, 2, '')}",
                _verdict(
                    None
                    if not p["n"] or not c["n"]
                    else p["median"] > PI_THRESHOLD and c["median"] < PI_THRESHOLD
                ),
                "records without CLMs in sleep have no PI and are left out",
            )
        )
        checks.append(_difference_check(key, stats, tests[key], _CONTRAST_SOURCE))
    peak = gp["imi_peak_s"]
    checks.append(
        _check(
            "patients_imi_peak",
            f"PLM patients: IMI histogram peaks at {IMI_PEAK_RANGE_S[0]:g}–"
            f"{IMI_PEAK_RANGE_S[1]:g} s",
            "periodic LMs (scoring-standards §3.9, §4.3)",
            f"peak (2-s bins, 6-s running sum) of the patients' pooled sleep IMIs in "
            f"{IMI_WINDOW_S[0]:g}–{IMI_WINDOW_S[1]:g} s lies in {IMI_PEAK_RANGE_S[0]:g}–"
            f"{IMI_PEAK_RANGE_S[1]:g} s",
            f"peak at {_fmt(peak, 0, ' s')} (fullest single 2-s bin: "
            f"{_fmt(_imi_peak(gp['imi_histogram'].get('linear'), smooth=False), 0, ' s')}); "
            f"controls' peak at {_fmt(gc['imi_peak_s'], 0, ' s')}",
            _verdict(None if peak is None else IMI_PEAK_RANGE_S[0] <= peak <= IMI_PEAK_RANGE_S[1]),
        )
    )
    counts = {v: sum(1 for c in checks if c["verdict"] == v)
              for v in ("consistent", "not consistent", "not assessable")}  # fmt: skip
    return {"groups": groups, "tests": tests, "checks": checks, "verdict_counts": counts}


# ---------------------------------------------------------------------------------------
# outputs
# ---------------------------------------------------------------------------------------


def _jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, Path):
        return str(v)
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, (np.floating, float)):
        f = float(v)
        return f if math.isfinite(f) else None
    return v


def _tsv_cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.4f}" if math.isfinite(float(v)) else ""
    return " ".join(str(v).split())


def write_validation_outputs(run: ValidationRun, out: str | os.PathLike[str]) -> dict[str, Path]:
    """Write ``validation_summary.tsv``, ``validation_summary.json`` and the HTML report.

    Returns
    -------
    dict
        ``tsv``, ``json``, ``html`` → paths (``records`` → the per-record folder).
    """
    out_p = Path(out)
    out_p.mkdir(parents=True, exist_ok=True)
    paths = {
        "tsv": out_p / "validation_summary.tsv",
        "json": out_p / "validation_summary.json",
        "html": out_p / "validation_report.html",
        "records": out_p / "records",
    }
    with atomic_write(paths["tsv"], "w", encoding="utf-8", newline="") as fh:
        fh.write("\t".join(TSV_COLUMNS) + "\n")
        for r in run.rows:
            fh.write("\t".join(_tsv_cell(r.get(c)) for c in TSV_COLUMNS) + "\n")
    records = []
    for r in run.rows:
        rec = {k: r.get(k) for k in TSV_COLUMNS if k not in ("warnings",)}
        rec["warnings"] = r.get("warnings_list") or []
        rec["imi_histograms"] = r.get("imi_histograms")
        records.append(rec)
    doc = {
        "software": {"name": "plmkit", "version": __version__},
        "settings": run.settings,
        "records": records,
        "failed": [
            {"record": r["record"], "failed_at": r["failed_at"], "error": r["error"]}
            for r in run.failed
        ],
        **run.comparison,
    }
    with atomic_write(paths["json"], "w", encoding="utf-8") as fh:
        json.dump(_jsonable(doc), fh, indent=2, ensure_ascii=False)
        fh.write("\n")
    html_text = render_html(run)
    with atomic_write(paths["html"], "w", encoding="utf-8") as fh:
        fh.write(html_text)
    return paths


# --------------------------------------------------------------------------- figures


def _figure(figsize: tuple[float, float]) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained")


def _png(fig: Any) -> str:
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _ok_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    order = {"patients": 0, "controls": 1, "other": 2}

    def key(r: dict[str, Any]) -> tuple[int, str, int]:
        m = re.match(r"^(\D*)(\d*)$", r["record"])
        num = int(m.group(2)) if m and m.group(2) else 0
        return (order[r["group"]], m.group(1) if m else r["record"], num)

    return sorted((r for r in rows if r["status"] == "ok"), key=key)


def _fig_records(rows: Sequence[dict[str, Any]]) -> Any:
    ok = _ok_rows(rows)
    fig = _figure((11, 5.6))
    axes = fig.subplots(2, 2)
    names = [r["record"] for r in ok]
    colors = [GROUP_COLORS[r["group"]] for r in ok]
    x = np.arange(len(ok))
    for ax, key in zip(axes.ravel(), METRICS, strict=True):
        label, unit = METRICS[key]
        vals = [r.get(key) for r in ok]
        heights = [float(v) if v is not None else 0.0 for v in vals]
        ax.bar(x, heights, color=colors)
        for xi, v in zip(x, vals, strict=True):
            if v is None:
                ax.text(xi, 0, "n/a", ha="center", va="bottom", fontsize=6, rotation=90)
        if key == "plms_index":
            ax.axhline(PLMS_CUTOFF_PER_H, color="k", ls="--", lw=0.8, label="15/h")
            ax.legend(loc="upper right", fontsize=7, frameon=False)
        if "periodicity" in key:
            ax.axhspan(PI_RLS_MEAN - PI_RLS_SD, PI_RLS_MEAN + PI_RLS_SD, color="#f5b7b1",
                       alpha=0.5, lw=0, label="0.86 ± 0.10", zorder=0)  # fmt: skip
            ax.axhline(PI_THRESHOLD, color="k", ls="--", lw=0.8, label="0.5")
            ax.set_ylim(0, 1.05)
            ax.legend(loc="upper right", fontsize=7, frameon=False)
        ax.set_title(label + (f" ({unit})" if unit else ""), fontsize=9)
        ax.set_xticks(x, names, rotation=90, fontsize=7)
        ax.tick_params(axis="y", labelsize=7)
    return fig


def _fig_groups(rows: Sequence[dict[str, Any]]) -> Any:
    fig = _figure((11, 3.2))
    axes = fig.subplots(1, len(METRICS))
    rng = np.random.default_rng(0)
    for ax, key in zip(axes, METRICS, strict=True):
        label, unit = METRICS[key]
        data, labels = [], []
        for g in ("patients", "controls"):
            data.append(_values(rows, g, key))
            labels.append(f"{g}\n(n={data[-1].size})")
        nonempty = [d if d.size else np.array([np.nan]) for d in data]
        ax.boxplot(nonempty, widths=0.5, showfliers=False)
        for i, (g, d) in enumerate(zip(("patients", "controls"), data, strict=True)):
            ax.scatter(1 + i + rng.uniform(-0.12, 0.12, d.size), d, s=14,
                       color=GROUP_COLORS[g], zorder=3)  # fmt: skip
        if key == "plms_index":
            ax.axhline(PLMS_CUTOFF_PER_H, color="k", ls="--", lw=0.8)
        if "periodicity" in key:
            ax.axhline(PI_THRESHOLD, color="k", ls="--", lw=0.8)
            ax.set_ylim(-0.02, 1.05)
        ax.set_xticks([1, 2], labels, fontsize=7)
        ax.set_title(label + (f" ({unit})" if unit else ""), fontsize=8)
        ax.tick_params(axis="y", labelsize=7)
    return fig


def _fig_imi_groups(comparison: dict[str, Any]) -> Any:
    fig = _figure((11, 3.2))
    ax_lin, ax_ln = fig.subplots(1, 2)
    for g in ("patients", "controls"):
        h = comparison["groups"][g]["imi_histogram"]
        color = GROUP_COLORS[g]
        if "linear" in h:
            edges = np.asarray(h["linear"]["bin_edges_s"], dtype=float)
            c = np.asarray(h["linear"]["counts"], dtype=float)
            frac = c / c.sum() if c.sum() else c
            ax_lin.stairs(frac, edges, color=color, lw=1.5,
                          label=f"{GROUP_LABELS[g]} ({int(c.sum())} IMIs)")  # fmt: skip
        if "ln" in h and h["ln"].get("bin_edges_ln"):
            edges = np.asarray(h["ln"]["bin_edges_ln"], dtype=float)
            c = np.asarray(h["ln"]["counts"], dtype=float)
            frac = c / c.sum() if c.sum() else c
            ax_ln.stairs(frac, edges, color=color, lw=1.5, label=GROUP_LABELS[g])
    ax_lin.axvspan(*IMI_PEAK_RANGE_S, color="#f9e79f", alpha=0.5, lw=0, zorder=0,
                   label="expected patient peak 15–30 s")  # fmt: skip
    ax_lin.axvline(IMI_WINDOW_S[0], color="k", ls=":", lw=0.8)
    ax_lin.set_xlabel("IMI (s), 2-s bins", fontsize=8)
    ax_lin.set_ylabel("fraction of the group's sleep IMIs", fontsize=8)
    ax_lin.set_title("IMI histogram per group (pooled)", fontsize=9)
    ax_lin.legend(fontsize=7, frameon=False)
    ax_ln.set_xlabel("ln(IMI / s), 0.1 bins", fontsize=8)
    ax_ln.axvline(np.log(IMI_WINDOW_S[0]), color="k", ls=":", lw=0.8)
    ax_ln.set_title("ln IMI histogram per group (pooled)", fontsize=9)
    for ax in (ax_lin, ax_ln):
        ax.tick_params(labelsize=7)
    return fig


def _fig_imi_records(rows: Sequence[dict[str, Any]]) -> Any | None:
    ok = [r for r in _ok_rows(rows) if (r.get("imi_histograms") or {}).get("linear")]
    if not ok:
        return None
    ncols = min(6, len(ok))
    nrows = int(math.ceil(len(ok) / ncols))
    fig = _figure((11, 1.6 * nrows + 0.4))
    axes = np.atleast_1d(fig.subplots(nrows, ncols, sharex=True, squeeze=False)).ravel()
    for ax, r in zip(axes, ok, strict=False):
        h = r["imi_histograms"]["linear"]
        edges = np.asarray(h["bin_edges_s"], dtype=float)
        ax.stairs(h["counts"], edges, fill=True, color=GROUP_COLORS[r["group"]])
        ax.axvspan(*IMI_PEAK_RANGE_S, color="#f9e79f", alpha=0.5, lw=0, zorder=0)
        ax.set_title(f"{r['record']} (n={int(sum(h['counts']))})", fontsize=7)
        ax.tick_params(labelsize=6)
    for ax in axes[len(ok) :]:
        ax.set_visible(False)
    fig.suptitle("Sleep IMI histogram per record (2-s bins, 0–90 s)", fontsize=9)
    return fig


# --------------------------------------------------------------------------- HTML

_CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;color:#222;
max-width:1200px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ccc}
table{border-collapse:collapse;font-size:12px;margin:8px 0}
th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f2f2f2}td.num{text-align:right;font-variant-numeric:tabular-nums}
.consistent{background:#d5f5e3}.not-consistent{background:#fadbd8}
.not-assessable{background:#eaecee}.failed{background:#fadbd8}
.note{color:#555;font-size:12px}img{max-width:100%}code{background:#f4f4f4;padding:0 3px}
"""


def _e(v: Any) -> str:
    return html.escape(str(v), quote=True)


def _img(fig: Any, alt: str) -> str:
    return f'<p><img alt="{_e(alt)}" src="data:image/png;base64,{_png(fig)}"></p>'


def render_html(run: ValidationRun) -> str:
    """The self-contained HTML validation report (figures embedded as base64 PNG)."""
    rows, comp, st = run.rows, run.comparison, run.settings
    n_ok = sum(r["status"] == "ok" for r in rows)
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<title>plmkit validation on the CAP Sleep Database</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>plmkit validation on the PhysioNet CAP Sleep Database</h1>",
        f"<p>plmkit {_e(__version__)} · database <code>{_e(st['database'])}</code> "
        f"{_e(st['version'])} from <code>{_e(st['base_url'])}</code> · rules "
        f"<code>{_e(st['rules'])}</code>"
        + (f" with overrides <code>{_e(st['overrides'])}</code>" if st["overrides"] else "")
        + f" · age group {_e(st['age_group'])} · {n_ok} of {len(rows)} records scored · "
        f"run {_e(st.get('started', ''))} – {_e(st.get('finished', ''))} (UTC)</p>",
        "<p class='note'>The CAP Sleep Database has no scored leg movements: this report "
        "checks that the indices computed from the raw tibialis EMG separate PLM patients "
        "(plm*) from healthy controls (n*) as the literature describes. It is not an "
        "event-level agreement study.</p>",
    ]
    # checks
    vc = comp["verdict_counts"]
    parts.append("<h2>Group comparison against the literature</h2>")
    parts.append(
        f"<p>{vc['consistent']} consistent · {vc['not consistent']} not consistent · "
        f"{vc['not assessable']} not assessable.</p>"
    )
    parts.append(
        "<table><tr><th>expectation (literature)</th><th>source</th><th>criterion</th>"
        "<th>observed</th><th>verdict</th></tr>"
    )
    for c in comp["checks"]:
        cls = c["verdict"].replace(" ", "-")
        note = f"<br><span class='note'>{_e(c['note'])}</span>" if c["note"] else ""
        parts.append(
            f"<tr><td>{_e(c['expectation'])}</td><td>{_e(c['source'])}</td>"
            f"<td>{_e(c['criterion'])}</td><td>{_e(c['observed'])}</td>"
            f"<td class='{cls}'><b>{_e(c['verdict'])}</b>{note}</td></tr>"
        )
    parts.append("</table>")
    # group statistics
    parts.append(
        "<h3>Group statistics</h3><table><tr><th>metric</th><th>PLM patients</th>"
        "<th>controls</th><th>Mann-Whitney U (two-sided)</th></tr>"
    )
    for key, (label, unit) in METRICS.items():
        dec = 1 if unit else 2
        t = comp["tests"][key]
        cells = [
            _median_iqr(comp["groups"][g]["metrics"][key], dec, unit)
            for g in ("patients", "controls")
        ]
        test = (
            f"U = {_fmt(t['u'], 1)}, p = {_fmt(t['p'], 4)} ({t['method']}; smallest "
            f"attainable p {t['min_attainable_p']:.3g})"
            if t["p"] is not None
            else "not computed (a group is empty)"
        )
        parts.append(
            f"<tr><td>{_e(label)}</td><td>{_e(cells[0])}</td><td>{_e(cells[1])}</td>"
            f"<td>{_e(test)}</td></tr>"
        )
    parts.append("</table>")
    parts.append(
        "<p class='note'>Periodicity index (PLMS/CLMS): periodic LMs in sleep over candidate "
        "LMs in sleep (PLMScoRe/SOMAS). Periodicity index (Ferri 2006): sleep IMIs in runs of "
        "≥ 3 consecutive IMIs with 10 &lt; IMI ≤ 90 s over all sleep IMIs. A record with no "
        "CLM in sleep has no PI (n/a).</p>"
    )
    if n_ok:
        parts.append(_img(_fig_groups(rows), "group comparison"))
        parts.append("<h2>IMI histograms</h2>")
        parts.append(_img(_fig_imi_groups(comp), "IMI histograms per group"))
        fig = _fig_imi_records(rows)
        if fig is not None:
            parts.append(_img(fig, "IMI histogram per record"))
        parts.append("<h2>Per-record indices</h2>")
        parts.append(_img(_fig_records(rows), "per-record indices"))
    # per-record table
    parts.append(
        "<h2>Records</h2><table><tr><th>record</th><th>group</th><th>status</th>"
        "<th>leg channels (left / right)</th><th>fs (Hz)</th><th>TST (h)</th>"
        "<th>wake (h)</th><th>LMs</th><th>CLMS</th><th>PLMS</th><th>PLMS index (/h)</th>"
        "<th>PLMW index (/h)</th><th>PI (PLMS/CLMS)</th><th>PI (Ferri)</th>"
        "<th>IMI peak (s)</th><th>warnings / error</th></tr>"
    )
    for r in rows:
        if r["status"] != "ok":
            parts.append(
                f"<tr class='failed'><td>{_e(r['record'])}</td><td>{_e(r['group'])}</td>"
                f"<td>failed ({_e(r['failed_at'])})</td><td colspan='12'></td>"
                f"<td>{_e(r['error'])}</td></tr>"
            )
            continue
        nums = [
            _fmt(r.get("fs_hz"), 0), _fmt(r.get("tst_h"), 2), _fmt(r.get("wake_h"), 2),
            _fmt(r.get("n_lm")), _fmt(r.get("n_clms")), _fmt(r.get("n_plms")),
            _fmt(r.get("plms_index"), 1), _fmt(r.get("plmw_index"), 1),
            _fmt(r.get("periodicity_index"), 2), _fmt(r.get("ferri_periodicity_index"), 2),
            _fmt(r.get("imi_peak_s"), 0),
        ]  # fmt: skip
        parts.append(
            f"<tr><td>{_e(r['record'])}</td><td>{_e(r['group'])}</td><td>ok</td>"
            f"<td>{_e(r.get('left_channel'))} / {_e(r.get('right_channel'))}</td>"
            + "".join(f"<td class='num'>{_e(v)}</td>" for v in nums)
            + f"<td>{_e(r.get('warnings') or '')}</td></tr>"
        )
    parts.append("</table>")
    failed = run.failed
    parts.append("<h2>Failed records</h2>")
    if failed:
        parts.append("<ul>")
        for r in failed:
            parts.append(
                f"<li><b>{_e(r['record'])}</b> ({_e(r['failed_at'])}): {_e(r['error'])}</li>"
            )
        parts.append("</ul>")
    else:
        parts.append("<p>None.</p>")
    cmd = (
        f"plm validate-cap --records {','.join(st['records'])} --rules {st['rules']}"
        + "".join(f" --set {k}={v}" for k, v in st["overrides"].items())
        + (f" --age-group {st['age_group']}" if st["age_group"] != "adult" else "")
        + (" --allow-poor-signal" if st["allow_poor_signal"] else "")
        + f" --out {st['out']}"
    )
    parts.append(
        f"<h2>Reproduce</h2><p><code>{_e(cmd)}</code> (set <code>PLMKIT_PHYSIONET_URL</code> "
        "or <code>--base-url</code> for a mirror). Per-record outputs are in "
        "<code>records/</code>; all numbers are in <code>validation_summary.json</code> and "
        "<code>validation_summary.tsv</code>.</p>"
    )
    parts.append("</body></html>\n")
    return "\n".join(parts)


# ---------------------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------------------


def add_parsers(sub: argparse._SubParsersAction, add_rules_args: Callable[[Any], None]) -> None:
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
    p.add_argument(
        "--allow-poor-signal",
        action="store_true",
        help="score even if leg channels fail the EMG checks (the summary warns)",
    )
    add_rules_args(p)
    p.set_defaults(handler=_cmd_validate)


def _progress_line(row: dict[str, Any]) -> str:
    if row["status"] != "ok":
        return f"{row['record']}: FAILED ({row['failed_at']}): {row['error']}"
    return (
        f"{row['record']} [{row['group']}]: PLMS index {_fmt(row.get('plms_index'), 1, '/h')}, "
        f"PLMW index {_fmt(row.get('plmw_index'), 1, '/h')}, PI "
        f"{_fmt(row.get('periodicity_index'), 2)} "
        f"(Ferri {_fmt(row.get('ferri_periodicity_index'), 2)})"
        f"; legs {row.get('left_channel')} / {row.get('right_channel')}"
    )


def _cmd_validate(args: argparse.Namespace) -> int:
    from plm.rules import parse_overrides

    if args.jobs < 1:
        raise InputError("--jobs must be at least 1")
    records = list(ALL_RECORDS) if args.all else parse_records(args.records)
    overrides = parse_overrides(args.overrides)

    def show(row: dict[str, Any]) -> None:
        print(_progress_line(row), flush=True)

    run = run_validation(
        records,
        dest=args.dest,
        out=args.out,
        base_url=args.base_url,
        version=args.db_version,
        rules=args.rules,
        overrides=overrides,
        age_group=args.age_group,
        allow_poor_signal=args.allow_poor_signal,
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
        print(
            f"plm: error: {n_failed} record(s) failed: "
            + ", ".join(r["record"] for r in run.failed),
            file=sys.stderr,
        )
        return EXIT_FAILED
    return EXIT_OK
