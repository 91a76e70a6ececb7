"""Figure of the mean heart-rate response curves (§A5); no pyplot state."""

from __future__ import annotations

from typing import Any

from plm._lazy import pandas as pd
from plm.autonomic.rules import CATEGORIES, CATEGORY_LABELS

# --------------------------------------------------------------------------- figure (§A5)

_COLOURS = {
    "plms_arousal": "#d62728",
    "plms_no_arousal": "#1f77b4",
    "isolated_lms": "#2ca02c",
    "plmw": "#9467bd",
    "respiratory": "#ff7f0e",
}


def plot_hr_response(ax: Any, curves: pd.DataFrame, axis: str = "time") -> Any:
    """Draw the mean ΔHR curves with CI bands on a matplotlib Axes (§A5).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Target axes (no pyplot state is used).
    curves : DataFrame
        ``AutonomicResult.curves``.
    axis : {'time', 'beat'}
        Time-resampled (s) or beat-indexed curves.

    Returns
    -------
    matplotlib.axes.Axes
    """
    sub = curves[curves["axis"] == axis]
    for cat in CATEGORIES:  # loop per category (5)
        c = sub[sub["category"] == cat]
        if c.empty:
            continue
        n = int(c["n"].max())
        col = _COLOURS[cat]
        ax.fill_between(c["x"], c["ci_low_bpm"], c["ci_high_bpm"], color=col, alpha=0.18, lw=0)
        ax.plot(
            c["x"], c["mean_delta_bpm"], color=col, lw=1.8, label=f"{CATEGORY_LABELS[cat]} (n={n})"
        )
    ax.axvline(0, color="0.3", lw=0.8, ls="--")
    ax.axhline(0, color="0.6", lw=0.6)
    ax.set_xlabel("time from LM onset (s)" if axis == "time" else "beats from LM onset")
    ax.set_ylabel("ΔHR (bpm)")
    if len(sub):
        ax.legend(loc="upper left", fontsize="small", framealpha=0.9, edgecolor="none")
    else:
        ax.text(
            0.5, 0.5, "no heart-rate response", ha="center", va="center", transform=ax.transAxes
        )
    return ax
