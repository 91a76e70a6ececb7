"""Sleep architecture of a scored night: the numbers a PSG report opens with.

Time in bed, sleep latency, REM latency, sleep period time, wake after sleep onset, sleep
efficiency, minutes and percentage per stage, the arousal index and the AHI
(docs/scoring.md §10.6, §10.7).  They come from the hypnogram alone, between lights off
and lights on: unlike the denominators of the leg-movement indices (``tst_h``,
docs/scoring.md §10.2) they do not leave out gaps or unscorable leg EMG, so the total
sleep time here is the one a sleep technologist reads off the hypnogram.

Without a hypnogram every key is ``None`` except the analysis window bounds.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from plm.events import SLEEP_STAGES, Hypnogram

__all__ = ["ARCHITECTURE_KEYS", "sleep_architecture"]

_STAGE_KEYS = ("n1", "n2", "n3", "r")

#: Summary keys added by :func:`sleep_architecture`, in report order.
ARCHITECTURE_KEYS: tuple[str, ...] = (
    "lights_off_s",
    "lights_on_s",
    "tib_min",
    "tst_hypnogram_min",
    "sleep_latency_min",
    "rem_latency_min",
    "spt_min",
    "waso_min",
    "sleep_efficiency_pct",
    *(f"{x}_min" for x in _STAGE_KEYS),
    *(f"{x}_pct" for x in _STAGE_KEYS),
    "n_arousals",
    "arousal_index",
    "n_apneas_hypopneas",
    "ahi",
)


def _events_in_sleep(
    table: pd.DataFrame, hyp: Hypnogram, window: tuple[float, float]
) -> int | None:
    """Events of ``table`` with onset in a sleep epoch inside ``window``; None for no table."""
    if table is None or not len(table):
        return None
    on = table["onset"].to_numpy(float)
    on = on[(on >= window[0]) & (on < window[1])]
    return int(np.isin(hyp.stage_at(on), SLEEP_STAGES).sum())


def sleep_architecture(
    hypnogram: Hypnogram | None,
    window: tuple[float, float],
    arousals: pd.DataFrame | None = None,
    respiratory: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Sleep architecture between lights off and lights on (docs/scoring.md §10.6-§10.7).

    Parameters
    ----------
    hypnogram : Hypnogram or None
        The sleep stages.
    window : (float, float)
        Lights off and lights on, s from the recording start (the analysis window).
    arousals, respiratory : DataFrame, optional
        Arousals and apneas/hypopneas (``onset`` in s).  An empty table means "not
        scored": the arousal index and the AHI are then ``None``, not 0.

    Returns
    -------
    dict
        The keys of :data:`ARCHITECTURE_KEYS`; durations in minutes, efficiency and stage
        shares in %, the arousal index and AHI per hour of ``tst_hypnogram_min``.
    """
    off_s, on_s = float(window[0]), float(window[1])
    out: dict[str, Any] = dict.fromkeys(ARCHITECTURE_KEYS)
    out["lights_off_s"], out["lights_on_s"] = off_s, on_s
    if hypnogram is None:
        return out
    n = len(hypnogram.stages)
    starts = hypnogram.start_s + np.arange(n) * hypnogram.epoch_s
    ends = starts + hypnogram.epoch_s
    cover_s = np.clip(np.minimum(ends, on_s) - np.maximum(starts, off_s), 0.0, None)
    stages = hypnogram.stages
    inside = cover_s > 0
    sleep = np.isin(stages, SLEEP_STAGES) & inside
    tib_s = max(on_s - off_s, 0.0)
    tst_s = float(cover_s[sleep].sum())
    out["tib_min"] = tib_s / 60.0
    out["tst_hypnogram_min"] = tst_s / 60.0
    out["sleep_efficiency_pct"] = 100.0 * tst_s / tib_s if tib_s > 0 else None
    for x in _STAGE_KEYS:
        minutes = float(cover_s[(stages == x.upper()) & inside].sum()) / 60.0
        out[f"{x}_min"] = minutes
        out[f"{x}_pct"] = 100.0 * minutes * 60.0 / tst_s if tst_s > 0 else None
    if sleep.any():
        first, last = np.flatnonzero(sleep)[[0, -1]]
        onset_s = max(float(starts[first]), off_s)
        end_s = min(float(ends[last]), on_s)
        out["sleep_latency_min"] = (onset_s - off_s) / 60.0
        out["spt_min"] = (end_s - onset_s) / 60.0
        period = np.zeros(n, bool)
        period[first : last + 1] = True
        out["waso_min"] = float(cover_s[period & (stages == "W")].sum()) / 60.0
        rem = np.flatnonzero((stages == "R") & inside & period)
        if rem.size:
            out["rem_latency_min"] = (max(float(starts[rem[0]]), off_s) - onset_s) / 60.0
    tst_h = tst_s / 3600.0
    for count_key, rate_key, table in (
        ("n_arousals", "arousal_index", arousals),
        ("n_apneas_hypopneas", "ahi", respiratory),
    ):
        count = _events_in_sleep(table, hypnogram, (off_s, on_s))
        out[count_key] = count
        out[rate_key] = count / tst_h if count is not None and tst_h > 0 else None
    return out
