"""The cohort report of a batch folder: ``cohort_report.html`` and ``cohort_report.pdf``.

PLMS index distribution with the cut-off, PLMS vs PLMW, periodicity index distribution,
the recordings above the cut-off and the failed ones; the HTML links each recording to
its night report when there is one.  Written by ``plm batch --report`` and
``plm report BATCH_DIR``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd

from pipelines import figures, page
from pipelines.cohort import COHORT_FILE, METRIC_KEYS
from pipelines.report import HTML_SUFFIX

__all__ = ["COHORT_REPORT", "write_cohort_report"]

COHORT_REPORT = "cohort_report"

_ALL_COLUMNS = (
    "recording",
    "status",
    *(k for k in METRIC_KEYS if k not in ("n_plm", "plm_rec_index", "plmd_cutoff_per_h")),
    "rules",
)
_FLAG_COLUMNS = ["recording", "plms_index", "plmw_index", "periodicity_index", "n_plms", "tst_h"]


def _flagged(table: pd.DataFrame) -> pd.DataFrame:
    ok = table[table["status"].isin(["ok", "skipped"])]
    flag = ok["plmd_flag"].astype(str).str.lower().isin(["true", "1"]) if len(ok) else []
    cols = [c for c in _FLAG_COLUMNS if c in ok]
    out = ok[flag][cols] if len(ok) else ok[cols]
    if "plms_index" in out:
        out = out.assign(plms_index=pd.to_numeric(out["plms_index"], errors="coerce"))
        out = out.sort_values("plms_index", ascending=False)
    return out.reset_index(drop=True)


def _failed(table: pd.DataFrame) -> pd.DataFrame:
    bad = table[table["status"] == "failed"]
    cols = [c for c in ("recording", "error") if c in bad]
    return bad[cols].reset_index(drop=True)


def _table_pages(pdf: Any, title: str, frame: pd.DataFrame, rows_per_page: int = 45) -> None:
    for i in range(0, max(len(frame), 1), rows_per_page):
        chunk = frame.iloc[i : i + rows_per_page]
        fig = figures._figure(figures.A4_PORTRAIT_IN, layout=None)
        ax = fig.add_axes((0.06, 0.05, 0.88, 0.88))
        ax.axis("off")
        ax.set_title(title + (" (continued)" if i else ""), loc="left", fontsize=11)
        if chunk.empty:
            ax.text(0, 0.95, "none", fontsize=9)
        else:
            cells = [
                [f"{v:.2f}" if isinstance(v, float) else str(v)[:90] for v in row]
                for row in chunk.itertuples(index=False)
            ]
            tab = ax.table(
                cellText=cells,
                colLabels=list(chunk.columns),
                loc="upper left",
                cellLoc="left",
                edges="closed",
            )
            tab.auto_set_font_size(False)
            tab.set_fontsize(7)
            tab.auto_set_column_width(list(range(len(chunk.columns))))
        from matplotlib.backends.backend_pdf import FigureCanvasPdf

        FigureCanvasPdf(fig)
        pdf.savefig(fig)


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
    import io

    from matplotlib.backends.backend_pdf import PdfPages

    from plm.events import InputError

    out = Path(out_dir)
    if table is None:
        src = out / COHORT_FILE
        if not src.is_file():
            raise InputError("no cohort_summary.tsv in this folder", source=str(out))
        table = pd.read_csv(src, sep="\t", keep_default_na=False, na_values=[""])
    n_ok = int(table["status"].isin(["ok", "skipped"]).sum())
    n_failed = int((table["status"] == "failed").sum())
    flagged, failed = _flagged(table), _failed(table)
    links = {}
    for _, row in table.iterrows():
        sub = str(row.get("output_dir") or row["recording"])
        rep = out / sub / f"{row['recording']}{HTML_SUFFIX}"
        if rep.is_file():
            links[str(row["recording"])] = os.path.relpath(rep, out)
    fig = figures.cohort_figure(table)
    counts = (
        f"{len(table)} recordings: {n_ok} scored, {n_failed} failed, "
        f"{len(flagged)} above the PLMS cut-off"
    )
    all_cols = [c for c in _ALL_COLUMNS if c in table]
    body = f"""<h1>Cohort report</h1>
<p class="sub">{page.escape(counts)}</p>
{page.img(fig, "cohort distributions")}
<h2>Recordings above the PLMS cut-off (plmd_flag)</h2>
{page.frame_table(flagged, links, header=page.key_header)}
<h2>Failed recordings</h2>
{page.frame_table(failed)}
<h2>All recordings</h2>
{page.frame_table(table[all_cols], links, header=page.key_header)}"""
    paths = {"html": out / f"{COHORT_REPORT}.html", "pdf": out / f"{COHORT_REPORT}.pdf"}
    page.write_file(paths["html"], page.page("PLM cohort report", body).encode("utf-8"))

    buf = io.BytesIO()
    with PdfPages(buf, metadata={"CreationDate": None, "Creator": "plmkit"}) as pdf:
        sheet = figures._figure(figures.A4_PORTRAIT_IN)
        top, bottom = sheet.subfigures(2, 1, height_ratios=[1.0, 1.4])
        top.suptitle("Cohort report", x=0.02, ha="left", fontsize=13, weight="bold")
        with figures._rc():
            axes = top.subplots(1, 3)
            figures.draw_cohort(table, axes)
            ax = bottom.add_subplot()
            ax.axis("off")
            ax.text(0, 1.0, counts, fontsize=9, va="top")
            lines = (
                ["Above the PLMS cut-off:"]
                + [
                    f"  {r.recording}: PLMS index {float(r.plms_index):.1f}/h"
                    for r in flagged.head(25).itertuples()
                ]
                + (["  none"] if flagged.empty else [])
            )
            lines += (
                ["", "Failed:"]
                + [f"  {r.recording}: {str(r.error)[:95]}" for r in failed.head(15).itertuples()]
                + (["  none"] if failed.empty else [])
            )
            ax.text(0, 0.93, "\n".join(lines), fontsize=7, va="top", linespacing=1.4)
        from matplotlib.backends.backend_pdf import FigureCanvasPdf

        FigureCanvasPdf(sheet)
        pdf.savefig(sheet)
        if len(flagged) > 25:
            _table_pages(pdf, "Recordings above the PLMS cut-off", flagged)
        if len(failed) > 15:
            _table_pages(pdf, "Failed recordings", failed)
    page.write_file(paths["pdf"], buf.getvalue())
    return paths
