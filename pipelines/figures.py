"""Figures of the reports, built as :class:`matplotlib.figure.Figure` objects.

No pyplot and no global state: every function makes its own ``Figure`` (rendered with
the Agg or PDF canvas by :func:`figure_png` / :func:`figure_pdf`), so reports can be made
in worker processes and threads.  The panels themselves are drawn by
:mod:`plm.plotting`.

* ``draw_*`` — the panels of the reports, drawn into a (sub)figure that
  :mod:`pipelines.layout` places on the PDF page or renders for the HTML page;
* :func:`night_figure`, :func:`imi_figure`, :func:`stage_figure`, :func:`emg_figure` —
  the same panels as figures of their own;
* :func:`cohort_figure` — PLMS index distribution, PLMS vs PLMW, periodicity index.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from plm import plotting
from plm._lazy import pandas as pd

__all__ = [
    "A4_PORTRAIT_IN",
    "EmgTrace",
    "EmgWindow",
    "figure_png",
    "figure_pdf",
    "night_figure",
    "imi_figure",
    "stage_figure",
    "emg_figure",
    "clock_text",
    "draw_emg",
    "draw_figure",
    "draw_hr",
    "draw_imi",
    "draw_night",
    "draw_stage_indices",
    "emg_ylim_uv",
    "new_figure",
    "rc",
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


#: Screen pages: the same figures with larger text (they are shown at about 100 dpi).
_RC_HTML = {
    **_RC,
    "font.size": 10,
    "axes.titlesize": 10.5,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
}


def new_figure(figsize: tuple[float, float], layout: str | None = "constrained") -> Any:
    """A Matplotlib Figure (no pyplot), in the report style."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(_RC):
        return Figure(figsize=figsize, layout=layout)


_figure = new_figure


def rc(html: bool = False) -> Any:
    """The report style as a context (the HTML style has larger text)."""
    import matplotlib

    return matplotlib.rc_context(_RC_HTML if html else _RC)


_rc = rc


def draw_figure(draw: Any, figsize: tuple[float, float], *, html: bool = False) -> Any:
    """A new Figure of ``figsize`` with ``draw(figure)`` applied, in the report style."""
    with rc(html):
        fig = new_figure(figsize)
        draw(fig)
    return fig


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


def clock_text(start: datetime | None, t_s: float) -> str:
    """Clock time HH:MM:SS of t_s s after start, or h:mm:ss "from start" when unknown."""
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


def draw_night(fig: Any, night: dict[str, Any]) -> None:
    """Hypnogram above the LM raster, into a (sub)figure."""
    _draw_night(fig, night)


def draw_imi(fig: Any, summary: dict[str, Any]) -> None:
    """The two IMI histograms side by side, into a (sub)figure."""
    plotting.plot_imi_histograms(summary, tuple(fig.subplots(1, 2)))


def draw_stage_indices(fig: Any, summary: dict[str, Any]) -> None:
    """PLM index by stage and the PLMW index, into a (sub)figure."""
    plotting.plot_stage_indices(summary, fig.add_subplot())


def draw_hr(fig: Any, curves: pd.DataFrame) -> None:
    """Mean heart-rate response curves per category (``result.tables['hr_curves']``)."""
    from plm.autonomic import plot_hr_response

    ax = fig.add_subplot()
    plot_hr_response(ax, curves)
    ax.set_title("Mean ΔHR around LM onset, 95 % CI", fontsize="medium")


def draw_emg(fig: Any, windows: Sequence[EmgWindow], rules: dict[str, Any], note: str = "") -> None:
    """Example EMG windows (a column per window, a row per leg), into a (sub)figure."""
    _draw_emg(fig, windows, rules, note)


def night_figure(night: dict[str, Any], figsize: tuple[float, float] = (11, 4.2)) -> Any:
    """Hypnogram above the LM raster (``night``: hypnogram, candidates, gaps, duration_s, start)."""
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
    axes = sub.subplots(n_rows, len(windows), squeeze=False, sharey=True, sharex=True)
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
    # one y range for every panel, both legs: the largest movement is drawn in full
    top = emg_ylim_uv(windows, onset_uv)
    lin = emg_linear_uv(windows, onset_uv)
    for row in axes:
        for ax in row:
            if ax.axison:
                set_emg_scale(ax, top, lin)
    handles, labels = [], []
    for row in axes:
        for ax in row:
            for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
                if lab not in labels:
                    handles.append(h)
                    labels.append(lab)
    sub.legend(handles, labels, loc="outside lower center", ncol=len(labels), frameon=False)


def emg_ylim_uv(windows: Sequence[EmgWindow], onset_above_uv: float = 8.0) -> float:
    """Upper y limit (µV) shared by every EMG panel: the highest sample plus 5 %.

    At least 2.5 times the highest onset threshold, so a quiet window still shows the
    baseline and thresholds apart.
    """
    peaks, floors = [20.0], [0.0]
    for w in windows:
        for tr in w.traces:
            r = np.asarray(tr.rect_uv, dtype=float)
            if r.size and np.isfinite(r).any():
                peaks.append(float(np.nanmax(r)))
            if tr.baseline_uv is not None and np.size(tr.baseline_uv):
                floors.append(float(np.nanmax(tr.baseline_uv)))
    return max(max(peaks) * 1.05, 2.5 * (max(floors) + onset_above_uv))


def emg_linear_uv(windows: Sequence[EmgWindow], onset_above_uv: float = 8.0) -> float:
    """Top of the linear part of the EMG scale (µV): 3 x (highest baseline + onset)."""
    floors = [0.0]
    for w in windows:
        for tr in w.traces:
            if tr.baseline_uv is not None and np.size(tr.baseline_uv):
                floors.append(float(np.nanmax(tr.baseline_uv)))
    return float(np.ceil(max(3.0 * (max(floors) + onset_above_uv), 20.0) / 10.0) * 10.0)


def set_emg_scale(ax: Any, top_uv: float, linear_uv: float) -> None:
    """Linear up to ``linear_uv`` (baseline and thresholds readable), logarithmic above.

    So no movement is clipped and the 2 and 8 µV thresholds stay apart.
    """
    ax.set_yscale("symlog", linthresh=linear_uv, linscale=2.0)
    ax.set_ylim(0, max(top_uv, linear_uv * 1.5))
    ticks = [0, linear_uv / 2, linear_uv]
    decade = 10 ** np.ceil(np.log10(linear_uv * 1.01))
    while decade < top_uv:
        ticks.append(decade)
        decade *= 10
    if top_uv > ticks[-1] * 1.5:  # the top of the scale, so the largest LM can be read
        ticks.append(float(f"{top_uv * 0.97:.1g}"))
    ax.set_yticks(ticks, [f"{v:g}" for v in ticks])
    from matplotlib.ticker import NullLocator

    ax.yaxis.set_minor_locator(NullLocator())


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
    if both.any():  # below the axes: never over the data
        ax2.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False,
                   fontsize="small")  # fmt: skip

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
