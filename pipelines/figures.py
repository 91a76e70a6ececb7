"""Figures of the reports, built as :class:`matplotlib.figure.Figure` objects.

No pyplot and no global state: every function makes its own ``Figure`` (rendered with
the Agg or PDF canvas by :func:`figure_png` / :func:`figure_pdf`), so reports can be made
in worker processes and threads.  The panels themselves are drawn by
:mod:`plm.plotting`.

* :func:`report_page` — the one-page A4 portrait summary of a night (PDF report);
* :func:`night_figure`, :func:`imi_figure`, :func:`stage_figure`, :func:`emg_figure` —
  the same panels at screen size (HTML report);
* :func:`cohort_figure` — PLMS index distribution, PLMS vs PLMW, periodicity index.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from plm import plotting

__all__ = [
    "A4_PORTRAIT_IN",
    "EmgTrace",
    "EmgWindow",
    "MetricRow",
    "figure_png",
    "figure_pdf",
    "night_figure",
    "imi_figure",
    "stage_figure",
    "emg_figure",
    "report_page",
    "cohort_figure",
    "draw_cohort",
]

A4_PORTRAIT_IN = (8.27, 11.69)

_RC = {
    "font.size": 8,
    "axes.titlesize": 9,
    "axes.labelsize": 8,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "pdf.fonttype": 42,
}


@dataclass
class EmgTrace:
    """Rectified EMG of one leg over a window, with its baseline and LMs.

    ``t_s`` is relative to the window start; ``lms`` has ``onset``/``duration`` in the
    same time base.
    """

    side: str
    t_s: np.ndarray
    rect_uv: np.ndarray
    baseline_uv: np.ndarray | None
    lms: pd.DataFrame


@dataclass
class EmgWindow:
    """An example window: where it is, why it was chosen, and the traces per leg."""

    start_s: float
    duration_s: float
    title: str
    traces: list[EmgTrace] = field(default_factory=list)


@dataclass
class MetricRow:
    """One line of the metrics table."""

    label: str
    value: str
    cutoff: str = ""
    exceeded: bool = False


def _figure(figsize: tuple[float, float], layout: str | None = "constrained") -> Any:
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(_RC):
        return Figure(figsize=figsize, layout=layout)


def _rc() -> Any:
    import matplotlib

    return matplotlib.rc_context(_RC)


def figure_png(fig: Any, dpi: int = 110) -> bytes:
    """Render a Figure to PNG bytes (Agg canvas)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    with _rc():
        fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def figure_pdf(fig: Any) -> bytes:
    """Render a Figure to PDF bytes (no creation date, so equal inputs give equal bytes)."""
    from matplotlib.backends.backend_pdf import FigureCanvasPdf

    FigureCanvasPdf(fig)
    buf = io.BytesIO()
    with _rc():
        fig.savefig(buf, format="pdf", metadata={"CreationDate": None, "Creator": "plmkit"})
    return buf.getvalue()


def _clock(start: datetime | None, t_s: float) -> str:
    if start is None:
        h, rem = divmod(int(round(t_s)), 3600)
        m, s = divmod(rem, 60)
        return f"{h}:{m:02d}:{s:02d} from start"
    return (start + timedelta(seconds=float(t_s))).strftime("%H:%M:%S")


# ---------------------------------------------------------------------------------------
# panels
# ---------------------------------------------------------------------------------------


def _draw_night(fig_or_sub: Any, night: dict[str, Any], title: str | None = None) -> None:
    ax_h, ax_r = fig_or_sub.subplots(2, 1, sharex=True, height_ratios=[1, 1.25])
    axis = {"duration_s": night["duration_s"], "start_datetime": night["start"],
            "gaps": night["gaps"]}  # fmt: skip
    note = {"missing_text": night["hypnogram_note"]} if night.get("hypnogram_note") else {}
    plotting.plot_hypnogram(night["hypnogram"], ax_h, xlabel=False, **axis, **note)
    plotting.plot_lm_raster(night["candidates"], ax_r, **axis)
    ax_r.set_ylabel("LMs")
    if title:
        ax_h.set_title(title, loc="left")


def night_figure(night: dict[str, Any], figsize: tuple[float, float] = (11, 4.2)) -> Any:
    """Hypnogram above the LM raster (keys of ``night``: see :func:`report_page`)."""
    with _rc():
        fig = _figure(figsize)
        _draw_night(fig, night, "Hypnogram and leg movements")
    return fig


def imi_figure(summary: dict[str, Any], figsize: tuple[float, float] = (9, 3)) -> Any:
    """The two IMI histograms side by side."""
    with _rc():
        fig = _figure(figsize)
        plotting.plot_imi_histograms(summary, tuple(fig.subplots(1, 2)))
    return fig


def stage_figure(summary: dict[str, Any], figsize: tuple[float, float] = (5.5, 3)) -> Any:
    """PLM indices by stage and the PLMW index."""
    with _rc():
        fig = _figure(figsize)
        plotting.plot_stage_indices(summary, fig.add_subplot())
    return fig


def _draw_emg(sub: Any, windows: Sequence[EmgWindow], rules: dict[str, Any], note: str) -> None:
    onset_uv = float(rules.get("onset_above_baseline_uv", 8.0))
    offset_uv = float(rules.get("offset_above_baseline_uv", 2.0))
    envelope_s = float(rules.get("envelope_s", 0.1))
    if not windows:
        ax = sub.add_subplot()
        ax.axis("off")
        ax.text(
            0.5,
            0.5,
            note or "EMG windows not available",
            ha="center",
            va="center",
            wrap=True,
            color="#555555",
        )
        return
    n_rows = max(len(w.traces) for w in windows)
    axes = sub.subplots(n_rows, len(windows), squeeze=False, sharey="row", sharex=True)
    for j, win in enumerate(windows):
        for i in range(n_rows):
            ax = axes[i][j]
            if i >= len(win.traces):
                ax.axis("off")
                continue
            tr = win.traces[i]
            plotting.plot_emg_window(
                tr.t_s,
                tr.rect_uv,
                tr.baseline_uv,
                tr.lms,
                ax,
                onset_above_uv=onset_uv,
                offset_above_uv=offset_uv,
                title=win.title if i == 0 else None,
                envelope_s=envelope_s,
            )
            ax.set_xlim(0, win.duration_s)
            ax.set_ylabel(f"{tr.side} leg (µV)" if j == 0 else "")
            if i == n_rows - 1:
                ax.set_xlabel("s into window")
    # one y range per row: the largest needed
    for i in range(n_rows):
        top = max(axes[i][j].get_ylim()[1] for j in range(len(windows)))
        for j in range(len(windows)):
            axes[i][j].set_ylim(0, top)
    handles, labels = [], []
    for row in axes:
        for ax in row:
            for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
                if lab not in labels:
                    handles.append(h)
                    labels.append(lab)
    sub.legend(handles, labels, loc="outside lower center", ncol=len(labels), frameon=False)


def emg_figure(
    windows: Sequence[EmgWindow],
    rules: dict[str, Any],
    note: str = "",
    figsize: tuple[float, float] = (11, 4.6),
) -> Any:
    """Example EMG windows: a column per window, a row per leg."""
    with _rc():
        fig = _figure(figsize)
        _draw_emg(fig, windows, rules, note)
    return fig


def _draw_table(ax: Any, rows: Sequence[MetricRow]) -> None:
    ax.axis("off")
    text = [[r.label, r.value, r.cutoff] for r in rows]
    table = ax.table(
        cellText=text,
        colLabels=["Metric", "Value", "Cut-off"],
        colWidths=[0.56, 0.2, 0.24],
        loc="upper left",
        cellLoc="left",
        edges="closed",  # an open edge path would not draw the highlight fill
    )
    table.auto_set_font_size(False)
    table.set_fontsize(7)
    table.scale(1.0, 1.12)
    for (r, _c), cell in table.get_celld().items():
        cell.set_edgecolor("#E2E2E2")
        cell.set_linewidth(0.5)
        if r == 0:
            cell.set_text_props(weight="bold")
            cell.set_facecolor("#F0F0F0")
        elif rows[r - 1].exceeded:
            cell.set_facecolor("#FBD9C4")  # light vermillion
            cell.set_text_props(weight="bold")


def _draw_text(ax: Any, title: str, lines: Sequence[str], width: int = 62) -> None:
    ax.axis("off")
    wrapped: list[str] = []
    for line in lines:
        wrapped.extend(textwrap.wrap(line, width=width, subsequent_indent="   ") or [""])
    ax.text(0.0, 1.0, title, fontsize=8, weight="bold", va="top", transform=ax.transAxes)
    ax.text(
        0.0,
        0.9,
        "\n".join(wrapped[:22]) + ("\n..." if len(wrapped) > 22 else ""),
        fontsize=6.5,
        va="top",
        transform=ax.transAxes,
        family="DejaVu Sans",
        linespacing=1.35,
    )


def report_page(
    *,
    title: str,
    subtitle: str,
    night: dict[str, Any],
    summary: dict[str, Any],
    metrics: Sequence[MetricRow],
    settings: Sequence[str],
    warnings: Sequence[str],
    windows: Sequence[EmgWindow],
    emg_note: str = "",
    footer: str = "",
) -> Any:
    """The one-page A4 portrait report of a night.

    Parameters
    ----------
    title, subtitle : str
        Page heading and the line below it.
    night : dict
        ``hypnogram`` (Hypnogram or None), ``candidates`` (DataFrame), ``gaps``
        (DataFrame), ``duration_s`` (float), ``start`` (datetime or None).
    summary : dict
        The result summary (IMI histograms, stage indices, rules).
    metrics : sequence of MetricRow
        The metrics table.
    settings, warnings : sequence of str
        Lines of the settings and warnings boxes.
    windows : sequence of EmgWindow
        Example EMG windows (may be empty, then ``emg_note`` is shown).
    emg_note : str
        Why the EMG windows are missing.
    footer : str
        Small text at the bottom (software, files).

    Returns
    -------
    Figure
    """
    with _rc():
        fig = _figure(A4_PORTRAIT_IN)
        fig.get_layout_engine().set(h_pad=0.04, w_pad=0.04, hspace=0.02)
        head, s_night, s_hist, s_tab, s_emg = fig.subfigures(
            5, 1, height_ratios=[0.5, 3.0, 2.0, 2.95, 2.75]
        )
        head.text(0.01, 0.95, title, fontsize=13, weight="bold", va="top")
        head.text(0.01, 0.35, subtitle, fontsize=8, va="top", color="#333333")
        _draw_night(s_night, night)
        ax1, ax2, ax3 = s_hist.subplots(1, 3, width_ratios=[1, 1, 1.1])
        plotting.plot_imi_histograms(summary, (ax1, ax2))
        plotting.plot_stage_indices(summary, ax3)
        left, right = s_tab.subfigures(1, 2, width_ratios=[1.05, 1])
        _draw_table(left.add_subplot(), metrics)
        ax_s, ax_w = right.subplots(2, 1, height_ratios=[1.25, 1])
        _draw_text(ax_s, "Settings", settings)
        _draw_text(ax_w, "Warnings", list(warnings) or ["none"])
        _draw_emg(s_emg, windows, summary.get("rules") or {}, emg_note)
        if windows:
            s_emg.suptitle(
                "Example 30-s windows: rectified EMG, baseline, offset/onset thresholds, "
                "detected LMs shaded",
                fontsize=8,
                x=0.01,
                ha="left",
            )
        if footer:
            fig.text(0.01, 0.003, footer, fontsize=5.5, color="#777777", va="bottom")
    return fig


# ---------------------------------------------------------------------------------------
# cohort
# ---------------------------------------------------------------------------------------


def _num(table: pd.DataFrame, col: str) -> np.ndarray:
    if col not in table:
        return np.full(len(table), np.nan)
    return pd.to_numeric(table[col], errors="coerce").to_numpy(float)


def cohort_figure(table: pd.DataFrame, figsize: tuple[float, float] = (11, 3.4)) -> Any:
    """PLMS index histogram (cut-off line), PLMS vs PLMW scatter, periodicity histogram.

    Parameters
    ----------
    table : DataFrame
        The cohort table (``cohort_summary.tsv``); only ``ok``/``skipped`` rows are drawn.
    figsize : (float, float)
        Figure size (in).

    Returns
    -------
    Figure
    """
    with _rc():
        fig = _figure(figsize)
        draw_cohort(table, fig.subplots(1, 3))
    return fig


def draw_cohort(table: pd.DataFrame, axes: Sequence[Any]) -> None:
    """Draw the three cohort panels of :func:`cohort_figure` on three given axes."""
    ok = table[table["status"].isin(["ok", "skipped"])] if "status" in table else table
    plms = _num(ok, "plms_index")
    plmw = _num(ok, "plmw_index")
    pi = _num(ok, "periodicity_index")
    cutoffs = _num(ok, "plmd_cutoff_per_h")
    cutoff = float(np.nanmedian(cutoffs)) if np.isfinite(cutoffs).any() else 15.0
    if len(ok) and "plmd_flag" in ok:
        flag = ok["plmd_flag"].astype(str).str.lower().isin(["true", "1"]).to_numpy()
    else:
        flag = np.zeros(len(ok), bool)
    ax1, ax2, ax3 = axes
    good = plms[np.isfinite(plms)]
    top = max(float(good.max()) if good.size else 0.0, cutoff * 2, 10.0)
    bins = np.linspace(0, np.ceil(top / 5) * 5, 21)
    if good.size:
        ax1.hist(good, bins=bins, color=plotting.COLORS["plm"], alpha=0.85, edgecolor="white")
    ax1.axvline(cutoff, color=plotting.COLORS["cutoff"], linestyle="--", linewidth=1.2)
    ax1.text(
        cutoff,
        0.97,
        f" cut-off {cutoff:g}/h",
        transform=ax1.get_xaxis_transform(),
        color=plotting.COLORS["cutoff"],
        va="top",
        fontsize=7,
    )
    ax1.set_xlabel("PLMS index (per hour of sleep)")
    ax1.set_ylabel("Recordings")
    ax1.set_title(f"PLMS index (n = {good.size}, {int(flag.sum())} above cut-off)")
    ax1.yaxis.get_major_locator().set_params(integer=True)

    both = np.isfinite(plms) & np.isfinite(plmw)
    ax2.scatter(
        plms[both & ~flag],
        plmw[both & ~flag],
        s=18,
        color=plotting.COLORS["plm"],
        label="below cut-off",
        edgecolor="white",
        linewidth=0.4,
    )
    ax2.scatter(
        plms[both & flag],
        plmw[both & flag],
        s=22,
        marker="D",
        color=plotting.COLORS["cutoff"],
        label="above cut-off",
        edgecolor="white",
        linewidth=0.4,
    )
    ax2.axvline(cutoff, color=plotting.COLORS["cutoff"], linestyle="--", linewidth=1)
    ax2.set_xlabel("PLMS index (per hour of sleep)")
    ax2.set_ylabel("PLMW index (per hour of wake)")
    ax2.set_title("PLMS vs PLMW")
    x_hi = float(np.nanmax(plms[both])) if both.any() else cutoff * 2
    y_hi = float(np.nanmax(plmw[both])) if both.any() else 10.0
    ax2.set_xlim(-0.03 * max(x_hi, cutoff), max(x_hi, cutoff) * 1.08)
    ax2.set_ylim(-0.03 * max(y_hi, 1.0), max(y_hi, 1.0) * 1.25)
    if both.any():
        ax2.legend(loc="upper center", ncol=2, frameon=False, fontsize="small")

    pgood = pi[np.isfinite(pi)]
    if pgood.size:
        ax3.hist(
            pgood, bins=np.linspace(0, 1, 21), color=plotting.COLORS["nrem"], edgecolor="white"
        )
    ax3.set_xlim(0, 1)
    ax3.set_xlabel("Periodicity index (PLMS / CLMS)")
    ax3.set_ylabel("Recordings")
    ax3.set_title("Periodicity index")
    ax3.yaxis.get_major_locator().set_params(integer=True)
    if not np.isfinite(plms).any():
        for ax in (ax1, ax2, ax3):
            ax.text(
                0.5,
                0.5,
                "no scored recording\nwith a hypnogram",
                transform=ax.transAxes,
                ha="center",
                va="center",
                color="#555555",
            )
