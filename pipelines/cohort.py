"""The cohort tables of a batch: ``cohort_summary.tsv`` and ``errors.tsv``, and merging.

``cohort_summary.tsv`` has one row per recording (:data:`COHORT_COLUMNS`): status
``ok``/``failed``/``skipped``, the main metrics, where its outputs are, when it was
scored and the one-line error of a failed one.  ``errors.tsv`` lists
``recording<TAB>error`` for each failed one (a header only when none failed).
:func:`merge_tables` combines the tables of batch shards (``plm merge``).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "COHORT_COLUMNS",
    "COHORT_FILE",
    "ERRORS_FILE",
    "METRIC_KEYS",
    "merge_tables",
    "print_table",
    "read_cohort",
    "write_cohort",
    "write_cohort_or_say",
]

COHORT_FILE = "cohort_summary.tsv"
ERRORS_FILE = "errors.tsv"

METRIC_KEYS = (
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
    *METRIC_KEYS,
    "rules",
    "output_dir",
    "recording_path",
    "annotations",
    "scored_at",
    "elapsed_s",
    "error",
)


def _clean(text: Any) -> str:
    return " ".join(str(text).split()) if text is not None else ""


def write_cohort(rows: Sequence[dict[str, Any]], out_dir: str | os.PathLike[str]) -> dict:
    """Write ``cohort_summary.tsv`` and ``errors.tsv``: both, or neither.

    Both tables are written and synced to temporary files first, then renamed
    (``errors.tsv``, then ``cohort_summary.tsv``): a full disk or any other write error
    leaves neither table nor a temporary file behind.

    Returns
    -------
    dict
        ``cohort``, ``errors`` → paths.

    Raises
    ------
    OSError
        When a table cannot be written (nothing is left behind).
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
    failed = table[table["status"] == "failed"]
    with contextlib.ExitStack() as stack:  # renamed on leaving, in reverse order
        cohort_fh = stack.enter_context(
            atomic_write(paths["cohort"], "w", encoding="utf-8", newline="")
        )
        errors_fh = stack.enter_context(
            atomic_write(paths["errors"], "w", encoding="utf-8", newline="")
        )
        table.to_csv(cohort_fh, sep="\t", index=False, na_rep="", float_format="%.4f")
        errors_fh.write("recording\terror\n")
        for rec, err in zip(failed["recording"], failed["error"], strict=True):
            errors_fh.write(f"{_clean(rec)}\t{_clean(err)}\n")
        for fh in (cohort_fh, errors_fh):  # a full disk fails here, before any rename
            fh.flush()
            os.fsync(fh.fileno())
    return paths


def write_cohort_or_say(
    rows: Sequence[dict[str, Any]], out_dir: str | os.PathLike[str]
) -> dict | None:
    """:func:`write_cohort`, or one ``plm: error:`` line on stderr and None when it fails.

    The command then exits with 1: the recordings' own folders are complete, so a rerun
    skips them and writes the tables.
    """
    import sys

    try:
        return write_cohort(rows, out_dir)
    except OSError as exc:
        print(
            f"plm: error: {Path(out_dir) / COHORT_FILE}: cannot write the cohort tables "
            f"({exc.strerror or exc}); the recordings' folders are kept, rerun to write them",
            file=sys.stderr,
        )
        return None


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


def _fmt(v: Any, dec: int = 1) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (int, float)):
        return f"{v:.{dec}f}"
    return str(v)


def print_table(rows: Sequence[dict[str, Any]]) -> None:
    """Print the cohort as a short fixed-width table (status, PLMS/PLMW index, note)."""
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
