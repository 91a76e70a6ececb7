"""Plots of a scored night on matplotlib axes (no pyplot: safe in servers and workers).

Every function draws on an :class:`~matplotlib.axes.Axes` it is given, or on a new
:class:`~matplotlib.figure.Figure` (never the pyplot current figure) when ``ax`` is None,
and returns the axes.  Times on the x axis are seconds from the recording start, shown
as clock time when the start date/time is known.  Colours are the Okabe-Ito palette,
readable with the common colour-vision deficiencies.

Functions
---------
plot_hypnogram       step hypnogram, W/R/N1/N2/N3 top to bottom, REM highlighted
plot_lm_raster       one tick per LM on rows left/right/bilateral, PLMs highlighted,
                     respiratory- and arousal-associated LMs on their own rows
plot_imi_histograms  the two IMI histograms of the summary (2-s linear, 0.1 ln)
plot_stage_indices   PLM indices by stage and the PLMW index
plot_emg_window      rectified EMG, baseline, +2/+8 µV thresholds, LMs shaded
plot_night           hypnogram above the LM raster on one time axis (a new Figure)
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np

from plm._lazy import pandas as pd

__all__ = [
    "COLORS",
    "STAGE_ORDER",
    "format_time_axis",
    "plot_hypnogram",
    "plot_lm_raster",
    "plot_imi_histograms",
    "plot_stage_indices",
    "plot_emg_window",
    "plot_night",
]

#: Okabe-Ito colours by meaning.
COLORS: dict[str, str] = {
    "plm": "#0072B2",  # blue
    "clm": "#4D4D4D",  # dark grey: candidate, not periodic
    "nonclm": "#B3B3B3",  # light grey
    "respiratory": "#E69F00",  # orange
    "arousal": "#CC79A7",  # reddish purple
    "rem": "#D55E00",  # vermillion
    "wake": "#E69F00",
    "sleep": "#0072B2",
    "nrem": "#56B4E9",  # sky blue
    "threshold_on": "#D55E00",
    "threshold_off": "#009E73",  # bluish green
    "baseline": "#000000",
    "emg": "#B0B0B0",
    "lm_shade": "#56B4E9",
    "unscorable": "#CCCCCC",
    "cutoff": "#D55E00",
}

#: Hypnogram rows top to bottom, as sleep labs draw them.
STAGE_ORDER: tuple[str, ...] = ("W", "R", "N1", "N2", "N3")
_STAGE_Y = {s: len(STAGE_ORDER) - 1 - i for i, s in enumerate(STAGE_ORDER)}


def _new_axes(figsize: tuple[float, float]) -> Any:
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    return fig.add_subplot()


def _as_datetime(start: Any) -> datetime | None:
    if start is None or isinstance(start, datetime):
        return start
    try:
        return datetime.fromisoformat(str(start))
    except ValueError:
        return None


def _tick_step_s(duration_s: float) -> float:
    for step in (60, 120, 300, 600, 900, 1800, 3600, 7200):
        if duration_s / step <= 10:
            return float(step)
    return 3 * 3600.0


def format_time_axis(
    ax: Any, duration_s: float, start_datetime: datetime | str | None = None, label: bool = True
) -> None:
    """Set x limits and ticks for seconds from the start: clock time (HH:MM) or hours.

    Parameters
    ----------
    ax : Axes
        Axes whose x data are seconds from the recording start.
    duration_s : float
        Length of the night (s): the x range is [0, duration_s].
    start_datetime : datetime or ISO str, optional
        Clock time of t = 0; ticks then fall on round clock times.
    label : bool
        Write the axis label.
    """
    from matplotlib.ticker import FixedLocator, FuncFormatter

    duration_s = max(float(duration_s), 1.0)
    ax.set_xlim(0.0, duration_s)
    step = _tick_step_s(duration_s)
    start = _as_datetime(start_datetime)
    if start is not None:
        midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
        offset = (start - midnight).total_seconds()
        first = np.ceil(offset / step) * step - offset
        ticks = np.arange(first, duration_s + 1e-9, step)
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.xaxis.set_major_formatter(
            FuncFormatter(lambda x, _pos: (start + timedelta(seconds=float(x))).strftime("%H:%M"))
        )
        if label:
            ax.set_xlabel(f"Clock time (start {start:%Y-%m-%d %H:%M:%S})")
    else:
        ticks = np.arange(0.0, duration_s + 1e-9, step)
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        if step >= 3600:
            fmt = FuncFormatter(lambda x, _pos: f"{x / 3600:g}")
            unit = "h"
        else:
            fmt = FuncFormatter(lambda x, _pos: f"{x / 60:g}")
            unit = "min"
        ax.xaxis.set_major_formatter(fmt)
        if label:
            ax.set_xlabel(f"Time from recording start ({unit})")


def _shade_gaps(ax: Any, gaps: pd.DataFrame | None, label: str | None = None) -> None:
    if gaps is None or not len(gaps):
        return
    first = True
    for on, dur in zip(
        gaps["onset"].to_numpy(float), gaps["duration"].to_numpy(float), strict=True
    ):
        ax.axvspan(
            on,
            on + dur,
            facecolor=COLORS["unscorable"],
            edgecolor="#999999",
            hatch="///",
            linewidth=0,
            alpha=0.6,
            zorder=0,
            label=label if first else None,
        )
        first = False


def plot_hypnogram(
    hypnogram: Any,
    ax: Any = None,
    *,
    duration_s: float | None = None,
    start_datetime: datetime | str | None = None,
    gaps: pd.DataFrame | None = None,
    xlabel: bool = True,
    missing_text: str = "no hypnogram: sleep/wake indices not available",
) -> Any:
    """Draw a hypnogram as a step plot with W at the top and N3 at the bottom.

    REM epochs are drawn as a thick vermillion bar on the R row; unscored epochs leave a
    break in the line; unscorable stretches are hatched.

    Parameters
    ----------
    hypnogram : Hypnogram or None
        The stages; None draws an empty panel saying so.
    ax : Axes, optional
        Where to draw (a new Figure when None).
    duration_s : float, optional
        x range (default: end of the hypnogram).
    start_datetime : datetime or str, optional
        Clock time of t = 0.
    gaps : DataFrame, optional
        ``onset``, ``duration`` of stretches not scored.
    xlabel : bool
        Label the time axis.
    missing_text : str
        Shown when ``hypnogram`` is None.

    Returns
    -------
    Axes
    """
    if ax is None:
        ax = _new_axes((10, 2))
    end = duration_s
    if hypnogram is not None and len(hypnogram.stages):
        stages = np.asarray(hypnogram.stages, dtype=object)
        n = len(stages)
        x = hypnogram.start_s + np.arange(n + 1) * hypnogram.epoch_s
        y = np.array([_STAGE_Y.get(s, np.nan) for s in stages], dtype=float)
        ax.step(x, np.r_[y, y[-1]], where="post", color="#333333", linewidth=1.0)
        is_r = stages == "R"
        if is_r.any():
            edges = np.diff(np.r_[0, is_r.astype(int), 0])
            starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
            ax.hlines(
                np.full(starts.size, _STAGE_Y["R"]),
                x[starts],
                x[stops],
                colors=COLORS["rem"],
                linewidth=4.5,
                label="REM",
                zorder=3,
            )
        end = end if end is not None else float(x[-1])
    else:
        ax.text(
            0.5,
            0.5,
            missing_text,
            transform=ax.transAxes,
            ha="center",
            va="center",
            color="#555555",
        )
    _shade_gaps(ax, gaps)
    ax.set_yticks([_STAGE_Y[s] for s in STAGE_ORDER], list(STAGE_ORDER))
    ax.set_ylim(-0.6, len(STAGE_ORDER) - 0.4)
    ax.set_ylabel("Stage")
    ax.grid(axis="x", color="#E5E5E5", linewidth=0.6)
    format_time_axis(ax, end or 3600.0, start_datetime, label=xlabel)
    return ax


def _raster_rows(candidates: pd.DataFrame) -> list[str]:
    sides = set(candidates["side"].astype(str)) if len(candidates) else set()
    rows = ["left", "right", "bilateral"]
    if "merged" in sides:
        rows = ["merged"] + (rows if sides - {"merged"} else [])
    return rows


def plot_lm_raster(
    candidates: pd.DataFrame,
    ax: Any = None,
    *,
    duration_s: float | None = None,
    start_datetime: datetime | str | None = None,
    gaps: pd.DataFrame | None = None,
    xlabel: bool = True,
    legend: bool = True,
) -> Any:
    """Draw one tick per combined LM on rows Left / Right / Bilateral.

    PLMs are blue, other candidate LMs dark grey, non-candidates light grey; LMs
    excluded by a rule are not drawn.  Two extra rows repeat the ticks of the
    respiratory-related (CLMr, orange) and arousal-associated (purple) LMs.

    Parameters
    ----------
    candidates : DataFrame
        The candidate table (``onset``, ``side``, ``candidate``, ``periodic``,
        ``respiratory``, ``arousal``, ``category``).
    ax : Axes, optional
        Where to draw (a new Figure when None).
    duration_s : float, optional
        x range (default: last LM).
    start_datetime : datetime or str, optional
        Clock time of t = 0.
    gaps : DataFrame, optional
        Stretches not scored (hatched).
    xlabel, legend : bool
        Label the time axis; draw the legend.

    Returns
    -------
    Axes
    """
    from matplotlib.lines import Line2D

    if ax is None:
        ax = _new_axes((10, 2))
    cand = candidates
    if "category" in cand:
        cand = cand[cand["category"].astype(str) != "excluded"]
    rows = _raster_rows(cand)
    labels = [r.capitalize() for r in rows] + ["CLMr", "+ arousal"]
    ypos = {name: len(labels) - 1 - i for i, name in enumerate([*rows, "resp", "arousal"])}
    half = 0.38
    on = cand["onset"].to_numpy(float) if len(cand) else np.zeros(0)
    side = cand["side"].astype(str).to_numpy() if len(cand) else np.zeros(0, dtype=object)
    is_c = cand["candidate"].to_numpy(bool) if len(cand) else np.zeros(0, bool)
    is_p = cand["periodic"].to_numpy(bool) if len(cand) else np.zeros(0, bool)
    for name in rows:
        sel = side == name
        for mask, color, lw, z in (
            (sel & ~is_c, COLORS["nonclm"], 0.8, 1),
            (sel & is_c & ~is_p, COLORS["clm"], 0.8, 2),
            (sel & is_p, COLORS["plm"], 1.0, 3),
        ):
            if mask.any():
                y = ypos[name]
                ax.vlines(on[mask], y - half, y + half, colors=color, linewidth=lw, zorder=z)
    if len(cand):
        resp = cand["respiratory"].to_numpy(bool) & is_c
        aro = cand["arousal"].to_numpy(bool)
        if resp.any():
            y = ypos["resp"]
            ax.vlines(on[resp], y - half, y + half, colors=COLORS["respiratory"], linewidth=1.0)
        if aro.any():
            y = ypos["arousal"]
            ax.vlines(on[aro], y - half, y + half, colors=COLORS["arousal"], linewidth=1.0)
    else:
        ax.text(0.5, 0.5, "no leg movements", transform=ax.transAxes, ha="center", va="center")
    _shade_gaps(ax, gaps)
    ax.axhline(ypos["resp"] + 0.5, color="#999999", linewidth=0.6)
    ax.set_yticks(list(range(len(labels)))[::-1], labels)
    ax.set_ylim(-0.6, len(labels) - 0.4)
    ax.tick_params(axis="y", length=0)
    end = duration_s if duration_s is not None else (float(on.max()) + 60 if on.size else 3600.0)
    format_time_axis(ax, end, start_datetime, label=xlabel)
    if legend:
        handles = [
            Line2D([], [], color=COLORS["plm"], lw=2, label="PLM"),
            Line2D([], [], color=COLORS["clm"], lw=2, label="CLM, not periodic"),
            Line2D([], [], color=COLORS["nonclm"], lw=2, label="non-CLM"),
            Line2D([], [], color=COLORS["respiratory"], lw=2, label="respiratory (CLMr)"),
            Line2D([], [], color=COLORS["arousal"], lw=2, label="with arousal"),
        ]
        if gaps is not None and len(gaps):
            from matplotlib.patches import Patch

            handles.append(
                Patch(
                    facecolor=COLORS["unscorable"],
                    hatch="///",
                    edgecolor="#999999",
                    label="not scored",
                )
            )
        from matplotlib import rcParams
        from matplotlib.font_manager import FontProperties
        from matplotlib.transforms import offset_copy

        def _pts(key: str) -> float:
            return FontProperties(size=rcParams[key]).get_size_in_points()

        # just below the tick labels and the axis label, whatever the axes height
        drop = _pts("xtick.labelsize") + 8 + ((_pts("axes.labelsize") + 6) if xlabel else 0)
        ax.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, 0.0),
            bbox_transform=offset_copy(ax.transAxes, fig=ax.figure, y=-drop, units="points"),
            ncol=len(handles),
            frameon=False,
            fontsize="small",
            handlelength=1.2,
            columnspacing=1.0,
            borderaxespad=0.0,
        )
    return ax


def plot_imi_histograms(
    summary: dict[str, Any],
    axes: tuple[Any, Any] | None = None,
    *,
    imi_min_s: float | None = None,
    imi_max_s: float | None = None,
) -> tuple[Any, Any]:
    """Draw the two IMI histograms of ``summary['imi_histograms']``.

    Left: 2-s bins over 0-90 s; right: 0.1-wide bins of ln(IMI) over 0-4.5, with a
    seconds scale on top.  Dashed lines mark the IMI window of the rules.

    Parameters
    ----------
    summary : dict
        A result summary.
    axes : (Axes, Axes), optional
        Where to draw (a new Figure when None).
    imi_min_s, imi_max_s : float, optional
        IMI window (default: from ``summary['rules']``, else 10 and 90 s).

    Returns
    -------
    (Axes, Axes)
    """
    if axes is None:
        from matplotlib.figure import Figure

        fig = Figure(figsize=(9, 3), layout="constrained")
        axes = tuple(fig.subplots(1, 2))
    ax_lin, ax_ln = axes
    rules = summary.get("rules") or {}
    lo = imi_min_s if imi_min_s is not None else float(rules.get("imi_min_s", 10.0))
    hi = imi_max_s if imi_max_s is not None else float(rules.get("imi_max_s", 90.0))
    hist = summary.get("imi_histograms") or {}
    lin = hist.get("linear") or {}
    ln = hist.get("ln") or {}
    for ax, data, edges_key, log in (
        (ax_lin, lin, "bin_edges_s", False),
        (ax_ln, ln, "bin_edges_ln", True),
    ):
        edges = np.asarray(data.get(edges_key, []), dtype=float)
        counts = np.asarray(data.get("counts", []), dtype=float)
        if edges.size >= 2 and counts.size == edges.size - 1:
            ax.stairs(counts, edges, fill=True, color=COLORS["plm"], alpha=0.85)
            ax.set_xlim(edges[0], edges[-1])
        if not counts.size or counts.sum() == 0:
            ax.text(0.5, 0.5, "no IMIs", transform=ax.transAxes, ha="center", va="center")
        for bound in (lo, hi):
            x = np.log(bound) if log else bound
            if bound > 0:
                ax.axvline(x, color=COLORS["cutoff"], linestyle="--", linewidth=1)
        ax.set_ylabel("IMIs (count)")
        ax.yaxis.get_major_locator().set_params(integer=True)
    ax_lin.set_xlabel(f"IMI (s), 2-s bins; {lo:g}-{hi:g} s dashed")
    ax_ln.set_xlabel("ln(IMI / 1 s), 0.1 bins")
    top = ax_ln.secondary_xaxis("top", functions=(np.exp, lambda s: np.log(np.maximum(s, 1e-9))))
    top.set_ticks([2, 5, 10, 20, 50, 90], [f"{v} s" for v in (2, 5, 10, 20, 50, 90)])
    top.tick_params(labelsize="x-small", pad=1)
    where = "CLMs in sleep" if summary.get("hypnogram", True) else "CLMs, whole window"
    n = summary.get("n_imi")
    count = f", n = {n}" if n is not None else ""
    ax_lin.set_title(f"IMIs, {where}{count}", fontsize="medium", pad=12)
    ax_ln.set_title("ln IMI, the same IMIs", fontsize="medium", pad=12)
    return ax_lin, ax_ln


#: Bars of :func:`plot_stage_indices`: (label, summary key, colour key).
STAGE_BARS: tuple[tuple[str, str, str], ...] = (
    ("N1", "plms_n1_index", "nrem"),
    ("N2", "plms_n2_index", "nrem"),
    ("N3", "plms_n3_index", "nrem"),
    ("R", "plms_r_index", "rem"),
    ("NREM", "plms_nrem_index", "nrem"),
    ("All\nsleep", "plms_index", "sleep"),
    ("Wake", "plmw_index", "wake"),
)


def plot_stage_indices(summary: dict[str, Any], ax: Any = None) -> Any:
    """Bar chart of the PLM index by stage (per hour of that stage) and the PLMW index.

    Stages absent from the night (zero time) show ``n/a``; the dotted line is the
    clinical PLMS cut-off of the summary.

    Parameters
    ----------
    summary : dict
        A result summary.
    ax : Axes, optional
        Where to draw (a new Figure when None).

    Returns
    -------
    Axes
    """
    if ax is None:
        ax = _new_axes((5, 3))
    labels = [b[0] for b in STAGE_BARS]
    values = [summary.get(b[1]) for b in STAGE_BARS]
    colors = [COLORS[b[2]] for b in STAGE_BARS]
    x = np.arange(len(labels))
    heights = [v if v is not None else 0.0 for v in values]
    bars = ax.bar(x, heights, color=colors, width=0.7)
    top = max([h for h in heights] + [float(summary.get("plmd_cutoff_per_h") or 0), 1.0])
    for rect, v in zip(bars, values, strict=True):
        text = "n/a" if v is None else f"{v:.1f}"
        ax.text(
            rect.get_x() + rect.get_width() / 2,
            rect.get_height() + top * 0.02,
            text,
            ha="center",
            va="bottom",
            fontsize="small",
            color="#555555" if v is None else "#000000",
        )
    cutoff = summary.get("plmd_cutoff_per_h")
    wake = labels.index("Wake")
    if cutoff:  # the PLMS cut-off spans the sleep bars only, its label inside the axes
        ax.hlines(cutoff, -0.45, wake - 0.55, color=COLORS["cutoff"], linestyle=":",
                  linewidth=1.2)  # fmt: skip
        ax.text(
            -0.45,
            cutoff + top * 0.015,
            f"PLMS cut-off {cutoff:g}/h",
            ha="left",
            va="bottom",
            fontsize="x-small",
            color=COLORS["cutoff"],
        )
    ax.axvline(wake - 0.5, color="#BBBBBB", linewidth=0.6)
    ax.set_xticks(x, labels, fontsize="small")
    ax.set_ylim(0, top * 1.22)
    ax.set_xlim(-0.6, len(labels) - 0.4)
    ax.set_ylabel("PLM per hour of the stage")
    ax.set_title("PLM index by stage (PLMS) and in wake (PLMW)", fontsize="medium")
    return ax


def plot_emg_window(
    t_s: np.ndarray,
    rect_uv: np.ndarray,
    baseline_uv: np.ndarray | None,
    lms: pd.DataFrame | None = None,
    ax: Any = None,
    *,
    onset_above_uv: float = 8.0,
    offset_above_uv: float = 2.0,
    title: str | None = None,
    ylim_uv: float | None = None,
    legend: bool = False,
    envelope_s: float | None = 0.1,
) -> Any:
    """Draw a stretch of rectified EMG with the baseline, thresholds and LMs.

    The detector compares a short moving mean of the rectified EMG (``envelope_s``, the
    rule profile's field) with the thresholds, not each sample (see :mod:`plm.detect`);
    that envelope is drawn in black over the light per-sample trace, so what crosses
    the +8 µV line is what starts an LM.

    Parameters
    ----------
    t_s : ndarray
        Sample times (s; any origin, e.g. seconds into the window).
    rect_uv : ndarray
        Rectified EMG (µV).
    baseline_uv : ndarray or None
        Resting baseline (µV), same length.
    lms : DataFrame, optional
        ``onset``, ``duration`` in the time base of ``t_s``; shaded.
    ax : Axes, optional
        Where to draw (a new Figure when None).
    onset_above_uv, offset_above_uv : float
        Thresholds above the baseline (µV): onset (8) and offset (2).
    title : str, optional
        Axes title.
    ylim_uv : float, optional
        Upper y limit (default: a robust maximum of the trace).
    legend : bool
        Draw a legend.
    envelope_s : float or None
        Moving-mean window (s) of the envelope compared with the thresholds; None or 0
        draws no envelope.

    Returns
    -------
    Axes
    """
    if ax is None:
        ax = _new_axes((6, 2))
    t = np.asarray(t_s, dtype=float)
    r = np.asarray(rect_uv, dtype=float)
    ax.plot(t, r, color=COLORS["emg"], linewidth=0.35, label="rectified EMG", zorder=1)
    if envelope_s and t.size > 1:
        from plm.detect import envelope

        fs = 1.0 / float(np.median(np.diff(t)))
        env = envelope(r.astype(np.float32), fs, envelope_s)
        ax.plot(t, env, color="#332288", linewidth=0.8, label=f"{envelope_s:g}-s mean", zorder=3)
    if lms is not None and len(lms):
        onsets = lms["onset"].to_numpy(float)
        durations = lms["duration"].to_numpy(float)
        for k, (on, dur) in enumerate(zip(onsets, durations, strict=True)):
            ax.axvspan(
                on,
                on + dur,
                color=COLORS["lm_shade"],
                alpha=0.35,
                linewidth=0,
                zorder=2,
                label="detected LM" if k == 0 else None,
            )
    if baseline_uv is not None:
        b = np.asarray(baseline_uv, dtype=float)
        ax.plot(t, b, color=COLORS["baseline"], linewidth=1.2, label="baseline", zorder=4)
        ax.plot(
            t,
            b + offset_above_uv,
            color=COLORS["threshold_off"],
            linewidth=1.2,
            linestyle="--",
            label=f"baseline +{offset_above_uv:g} µV",
            zorder=4,
        )
        ax.plot(
            t,
            b + onset_above_uv,
            color=COLORS["threshold_on"],
            linewidth=1.2,
            linestyle="--",
            label=f"baseline +{onset_above_uv:g} µV",
            zorder=4,
        )
        floor = float(np.nanmax(b)) + onset_above_uv if b.size else onset_above_uv
    else:
        floor = onset_above_uv
    if ylim_uv is None:
        ylim_uv = max(min(float(np.nanmax(r)) if r.size else 0.0, 6 * floor), 2.5 * floor, 20.0)
    ax.set_ylim(0, ylim_uv)
    if t.size:
        ax.set_xlim(t[0], t[-1])
    ax.set_ylabel("µV")
    if title:
        ax.set_title(title, fontsize="small", loc="left")
    if legend:
        ax.legend(fontsize="x-small", loc="upper right", ncol=2, frameon=False)
    return ax


def plot_night(result: Any, figsize: tuple[float, float] = (11, 4)) -> Any:
    """Hypnogram above the LM raster on a shared time axis, as a new Figure.

    Parameters
    ----------
    result : PLMResult
        The scored night (``events.hypnogram``, ``events.gaps``, ``candidates``).
    figsize : (float, float)
        Figure size in inches.

    Returns
    -------
    Figure
    """
    from matplotlib.figure import Figure

    summary = result.summary
    events = getattr(result, "events", None)
    hyp = events.hypnogram if events is not None else getattr(result, "hypnogram", None)
    gaps = events.gaps if events is not None else getattr(result, "gaps", None)
    duration = float(summary.get("recording_h") or 0) * 3600 or None
    start = summary.get("start_datetime")
    fig = Figure(figsize=figsize, layout="constrained")
    ax_h, ax_r = fig.subplots(2, 1, sharex=True, height_ratios=[1, 1.2])
    plot_hypnogram(hyp, ax_h, duration_s=duration, start_datetime=start, gaps=gaps, xlabel=False)
    plot_lm_raster(
        result.candidates, ax_r, duration_s=duration or None, start_datetime=start, gaps=gaps
    )
    ax_h.set_title(f"{result.stem}: hypnogram and leg movements", loc="left", fontsize="medium")
    return fig
