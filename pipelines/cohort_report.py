"""The cohort report of a batch folder: ``cohort_report.html`` and ``cohort_report.pdf``.

In the layout of every report (:mod:`pipelines.layout`): the PLMS index distribution with
the cut-off, PLMS vs PLMW and the periodicity index; the recordings above the cut-off; a
row per recording; the failed ones.  Headers are the declared labels (``plm.keys``), counts
are integers.  The HTML links each recording to its night report when there is one.
Written by ``plm batch --report`` and ``plm report BATCH_DIR``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pipelines import figures, page
from pipelines.cohort import COHORT_FILE
from pipelines.layout import Report, Section, Table, render_html, render_pdf
from pipelines.report import HTML_SUFFIX
from plm import keys
from plm._lazy import pandas as pd

__all__ = ["COHORT_REPORT", "cohort_report", "write_cohort_report"]

COHORT_REPORT = "cohort_report"

#: Columns of the per-recording table, in order.
_ROW_COLUMNS = (
    "recording",
    "status",
    "plms_index",
    "plmw_index",
    "plmsnr_index",
    "periodicity_index",
    "n_plms",
    "tst_h",
    "unscorable_h",
    "plm_rec_index",
    "rules",
)
_FLAG_COLUMNS = ("recording", "plms_index", "plmw_index", "periodicity_index", "n_plms", "tst_h")


def _value(column: str, value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if column in ("recording", "status", "rules", "error"):
        return str(value)
    if column.startswith("n_"):
        return f"{int(float(value))}"
    if keys.unit(column, "cohort") == "h":  # h:mm only: the table is wide
        return page.duration_text(float(value) * 60.0).split(" ")[0]
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return page.fmt_key(column, number, "cohort")


#: Short headers of the wide per-recording table (the PDF page is narrow).
_SHORT = {
    "plmsnr_index": "PLMSnr index",
    "periodicity_index": "Periodicity",
    "n_plms": "PLMS",
    "tst_h": "Analysed sleep",
    "unscorable_h": "Unscorable EMG",
    "plm_rec_index": "PLM/h recording",
    "rules": "Rules",
}


def _header(column: str, short: bool = False) -> str:
    if short and column in _SHORT:
        return _SHORT[column]
    kind = "summary" if ("summary", column) in keys.KEYS else "cohort"
    unit = keys.unit(column, kind)
    text = keys.label(column, kind)
    return f"{text} ({unit})" if unit and unit not in ("h", "min") else text


def _table(
    frame: pd.DataFrame, columns: tuple[str, ...], links: dict[str, str], short: bool = False
) -> Table:
    cols = [c for c in columns if c in frame]
    rows = [[_value(c, row[c]) for c in cols] for _, row in frame.iterrows()]
    numeric = [c not in ("recording", "status", "rules", "error") for c in cols]
    return Table([_header(c, short) for c in cols], rows, numeric=numeric, links=links)


def _flagged(table: pd.DataFrame) -> pd.DataFrame:
    ok = table[table["status"].isin(["ok", "skipped"])]
    if not len(ok):
        return ok
    flag = ok["plmd_flag"].astype(str).str.lower().isin(["true", "1"])
    out = ok[flag].assign(plms_index=pd.to_numeric(ok[flag]["plms_index"], errors="coerce"))
    return out.sort_values("plms_index", ascending=False).reset_index(drop=True)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def cohort_report(table: pd.DataFrame, links: dict[str, str] | None = None) -> Report:
    """The cohort report of a cohort table (``cohort_summary.tsv``)."""
    links = links or {}
    n_ok = int(table["status"].isin(["ok", "skipped"]).sum())
    failed = table[table["status"] == "failed"]
    flagged = _flagged(table)
    counts = (
        f"{_plural(len(table), 'recording')}: {n_ok} scored, {len(failed)} failed, "
        f"{len(flagged)} above the PLMS cut-off"
    )
    sections = [
        Section(
            "distribution",
            "PLMS index, PLMS vs PLMW, periodicity",
            draw=lambda fig: figures.draw_cohort(table, fig.subplots(1, 3)),
            size_in=(11.0, 3.6),
        ),
        Section(
            "flagged",
            "Recordings above the PLMS cut-off",
            table=_table(flagged, _FLAG_COLUMNS, links),
        ),
        Section(
            "recordings", "All recordings", table=_table(table, _ROW_COLUMNS, links, short=True)
        ),
        Section(
            "failed",
            "Failed recordings",
            table=_table(failed, ("recording", "error"), {}),
        ),
    ]
    rules = sorted({str(r) for r in table.get("rules", pd.Series(dtype=str)).dropna()})
    study = [("Cohort", counts), ("Rules", ", ".join(rules) or "n/a")]
    return Report("Cohort report", counts, study, sections, "plmkit | cohort")


def write_cohort_report(
    out_dir: str | os.PathLike[str], table: pd.DataFrame | None = None
) -> dict[str, Path]:
    """Write ``cohort_report.html`` and ``cohort_report.pdf`` of a batch folder.

    Parameters
    ----------
    out_dir : path-like
        The batch output folder (holding ``cohort_summary.tsv`` unless ``table`` is given).
    table : DataFrame, optional
        The cohort table.

    Returns
    -------
    dict
        ``html``, ``pdf`` → written paths.
    """
    from plm.events import InputError

    out = Path(out_dir)
    if table is None:
        src = out / COHORT_FILE
        if not src.is_file():
            raise InputError("no cohort_summary.tsv in this folder", source=str(out))
        table = pd.read_csv(src, sep="\t", keep_default_na=False, na_values=[""])
    links = {}
    for _, row in table.iterrows():
        sub = str(row.get("output_dir") or row["recording"])
        rep = out / sub / f"{row['recording']}{HTML_SUFFIX}"
        if rep.is_file():
            links[str(row["recording"])] = os.path.relpath(rep, out)
    report = cohort_report(table, links)
    paths = {"html": out / f"{COHORT_REPORT}.html", "pdf": out / f"{COHORT_REPORT}.pdf"}
    page.write_file(paths["html"], render_html(report))
    page.write_file(paths["pdf"], render_pdf(report))
    return paths
