"""Report pages of scored ankle accelerometry (``plm score-accel --report``).

One page per night: the PSG report (:func:`pipelines.report.write_reports`) when it can
draw the night, else a self-contained HTML page (an LM raster and the time-in-bed
summary).  Rendering is not scoring: a failing page never fails the scoring, and the
scored outputs (TSV/JSON, :meth:`plm.accel.AccelScore.to_dir`) do not depend on it.
"""

from __future__ import annotations

import base64
import html
import io
import logging
import os
from pathlib import Path

from pipelines.report import write_reports
from plm._util import atomic_write
from plm.accel import AccelNight, AccelScore

__all__ = ["write_accel_reports", "write_night_report"]

logger = logging.getLogger(__name__)


def write_accel_reports(score: AccelScore, out_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """Write a report page per night of ``score`` into ``out_dir``.

    Returns
    -------
    dict
        Output key → path; also added to ``score.files``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    for night in score.nights:
        files.update(write_night_report(night, out))
    score.files.update(files)
    return files


def write_night_report(night: AccelNight, out: Path) -> dict[str, Path]:
    """Report of one night: the PSG report when it can draw it, else a simple HTML page."""
    try:
        paths = write_reports(night.result, out)
        return {f"{night.result.stem}_report_{k}": p for k, p in paths.items()}
    except Exception as exc:  # a report must not fail the scoring
        logger.warning("%s: PSG report failed (%s); writing a simple page", night.result.stem, exc)
    return {f"{night.result.stem}_report_html": _simple_html(night, out)}


def _simple_html(night: AccelNight, out: Path) -> Path:
    """Self-contained page: LM raster over the time in bed, summary table, warnings."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib import pyplot as plt

    res = night.result
    c = res.candidates
    fig, ax = plt.subplots(figsize=(10, 2.2))
    rows = {"left": 2, "right": 1, "bilateral": 0, "merged": 0}
    if len(c):
        c = c[c["category"].astype(str) != "excluded"]
        for _, r in c.iterrows():  # loop per LM (plot only)
            y = rows.get(str(r["side"]), 0)
            col = "#d55e00" if r["category"] == "plm" else "#777777"
            ax.broken_barh(
                [(r["onset"] / 3600.0, max(r["duration"], 2.0) / 3600.0)], (y - 0.4, 0.8), color=col
            )
    ax.set_yticks([0, 1, 2], ["bilateral", "right", "left"])
    ax.set_xlim(night.tib_s[0] / 3600.0, night.tib_s[1] / 3600.0)
    ax.set_xlabel("hours from the recording start (PLMs in vermillion)")
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    img = base64.b64encode(buf.getvalue()).decode("ascii")
    s = res.summary
    keys = (
        "tib_h",
        "tib_source",
        "n_lm",
        "n_clm",
        "n_plm",
        "lm_index_tib",
        "clm_index_tib",
        "plm_index_tib",
        "periodicity_index_rec",
        "n_posture_changes",
        "out_of_bed_h",
        "n_out_of_bed",
        "unscorable_h",
    )
    table = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{html.escape(str(s.get(k)))}</td></tr>" for k in keys
    )
    warn = "".join(f"<li>{html.escape(w)}</li>" for w in s.get("warnings", [])) or "<li>none</li>"
    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Actigraphy PLM report {html.escape(res.stem)}</title></head><body>"
        f"<h1>Actigraphy PLM report: {html.escape(res.stem)}</h1>"
        f"<p>{html.escape(str(s.get('index_note')))}; rules {html.escape(res.rules.name)}</p>"
        f"<img alt='LM raster' src='data:image/png;base64,{img}'>"
        f"<table>{table}</table><h2>Warnings</h2><ul>{warn}</ul></body></html>\n"
    )
    path = out / f"{res.stem}_report.html"
    with atomic_write(path, "w", encoding="utf-8") as fh:
        fh.write(page)
    return path
