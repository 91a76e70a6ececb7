"""Time in bed and night windows of ankle accelerometry.

A recording is cut into noon-to-noon windows (:func:`night_windows`, GGIR convention);
the time in bed of each comes from a sleep diary (:func:`read_diary`), else from
``Lights off``/``Lights on`` annotations of an EDF+ (:func:`lights_from_annotations`),
else from the HDCZA rest period (:func:`rest_period`, adapted to the ankle: the 3-D angle
change between the *median* orientations of 5-s epochs, so that LMs shorter than 2.5 s
do not count as getting up); the caller falls back to the whole window.
"""

from __future__ import annotations

import os
import re
import warnings
from datetime import date, datetime, time, timedelta

import numpy as np
import pandas as pd
from scipy import ndimage

from plm.accel.data import AccelData
from plm.accel.kinematics import angle_deg, gait_bouts
from plm.accel.rules import AccelRules
from plm.detect.kernel import odd, runs
from plm.events import InputError

__all__ = ["rest_period", "read_diary", "night_windows", "lights_from_annotations"]


def rest_period(
    data: AccelData, t0_s: float, t1_s: float, rules: AccelRules | None = None
) -> tuple[float, float] | None:
    """Main rest period (time in bed) in ``[t0_s, t1_s)`` by the HDCZA heuristic.

    van Hees et al., Sci Rep 2018;8:12975 (GGIR ``HASPT``): per 5-s epoch an orientation;
    the absolute change between consecutive epochs; its 5-min rolling median; epochs
    below (10th percentile × 15; 0.2° when that is 0) are still; still blocks longer than
    30 min, joined across gaps shorter than 60 min; the longest.  Ankle adaptation: the
    3-D angle between the per-axis *median* orientations of consecutive 5-s epochs (the
    sensor axes' orientation on the ankle is not known, and the median ignores LMs
    shorter than half an epoch) plus the within-epoch median absolute deviation of
    ``|a|`` (g, read as radians), so that walking, which keeps the median orientation,
    counts as movement.  The ankles are combined by the larger change.

    The edges are then refined by posture (:func:`_lying_epochs`): where an ankle walks
    in the window, its upright direction is known, and the rest period becomes the run
    of epochs with every such ankle lying (joined across upright stretches shorter than
    ``tib_upright_gap_s``, e.g. a walk to the bathroom) that overlaps the HDCZA block
    most.  Sitting still before bed, which HDCZA takes for rest, is then left out; the
    edges land on lying down and getting up (5-s epochs).  Without walking in the window
    the HDCZA block is returned.

    Returns
    -------
    (start_s, end_s) or None
        None when no block qualifies.
    """
    rules = rules or AccelRules()
    ep = rules.tib_epoch_s
    n_ep = int((t1_s - t0_s) // ep)
    if n_ep < 4:
        return None
    change = np.zeros(max(n_ep - 1, 0))
    valid = np.ones(n_ep, dtype=bool)
    for ank in data.ankles.values():  # loop per ankle
        k = int(round(ep * ank.fs_hz))
        i0 = int(round(t0_s * ank.fs_hz))
        x = ank.xyz_g[i0 : i0 + n_ep * k]
        if x.shape[0] < n_ep * k:
            pad = np.full((n_ep * k - x.shape[0], 3), np.nan, np.float32)
            x = np.concatenate((x, pad))
        ep3 = x.reshape(n_ep, k, 3)
        with warnings.catch_warnings():  # epochs without data (gaps) are NaN
            warnings.simplefilter("ignore", RuntimeWarning)
            med = np.nanmedian(ep3, axis=1) if k > 1 else x
            # movement inside the epoch (walking keeps the median orientation): the
            # median absolute deviation of |a| in g, read as radians of tilt (1 g <-> 57.3°)
            mag = np.linalg.norm(ep3, axis=2)
            mad = np.nanmedian(np.abs(mag - np.nanmedian(mag, axis=1)[:, None]), axis=1)
        ok = np.isfinite(med).all(axis=1)
        valid &= ok
        ang = angle_deg(med[1:], med[:-1])
        ang = ang + np.degrees(np.nan_to_num(mad[1:]))
        ang = np.where(ok[1:] & ok[:-1], ang, 0.0)
        change = np.maximum(change, ang)
    w = odd(rules.tib_median_s / ep)
    roll = ndimage.median_filter(change, size=w, mode="nearest")
    thr = float(np.percentile(roll, rules.tib_percentile)) * rules.tib_multiplier
    if thr <= 0:
        thr = 0.2
    still = np.concatenate((roll < thr, [False])) & valid
    s, e = runs(still)
    if s.size == 0:
        return None
    # join blocks separated by gaps shorter than tib_max_gap_s, then keep long ones
    long_blk = (e - s) * ep > rules.tib_min_block_s
    s, e = s[long_blk], e[long_blk]
    if s.size == 0:
        return None
    join = (s[1:] - e[:-1]) * ep < rules.tib_max_gap_s
    starts = s[np.concatenate(([True], ~join))]
    ends = e[np.concatenate((~join, [True]))]
    k = int(np.argmax(ends - starts))
    start, end = t0_s + starts[k] * ep, t0_s + ends[k] * ep
    lying = _lying_epochs(data, t0_s, n_ep, rules)
    if lying is None:
        return start, end
    # the lying run (joined across short times upright) that overlaps the block most
    gap = max(1, int(round(rules.tib_upright_gap_s / ep)))
    closed = ndimage.binary_closing(np.pad(lying, gap), structure=np.ones(gap, bool))[gap:-gap]
    ls, le = runs(closed)
    a, b = starts[k], ends[k]
    overlap = np.minimum(le, b) - np.maximum(ls, a)
    if ls.size == 0 or overlap.max() <= 0:
        return start, end
    j = int(np.argmax(overlap))
    return t0_s + ls[j] * ep, t0_s + le[j] * ep


def _lying_epochs(data: AccelData, t0_s: float, n_ep: int, rules: AccelRules) -> np.ndarray | None:
    """Per 5-s epoch: every ankle lying (None when no ankle walked in the window).

    Each ankle's *upright* direction is learned from its walking (the median gravity
    direction over :func:`~plm.accel.kinematics.gait_bouts`, the shank vertical); an
    epoch is lying when its median orientation is at least ``lying_min_deg`` from it
    (sitting keeps the shank within about 40° of vertical, lying in any posture about
    90°).  Ankles that never walk in the window are not used.
    """
    ep = rules.tib_epoch_s
    lying = np.ones(n_ep, bool)
    used = False
    for ank in data.ankles.values():  # loop per ankle
        fs = ank.fs_hz
        k = int(round(ep * fs))
        i0 = int(round(t0_s * fs))
        x = ank.xyz_g[i0 : i0 + n_ep * k]
        if x.shape[0] < n_ep * k:
            x = np.concatenate((x, np.full((n_ep * k - x.shape[0], 3), np.nan, np.float32)))
        ok = np.isfinite(x).all(axis=1)
        w_on, w_off = gait_bouts(np.where(ok[:, None], x, np.float32(0.0)), fs, rules)
        if w_on.size == 0:
            continue
        with warnings.catch_warnings():  # epochs without data (gaps) are NaN
            warnings.simplefilter("ignore", RuntimeWarning)
            med = np.nanmedian(x.reshape(n_ep, k, 3), axis=1)
        walking = np.zeros(n_ep, bool)
        for a, b in zip(w_on, w_off, strict=True):  # loop per walking bout
            walking[a // k : -(-b // k)] = True
        good = np.isfinite(med).all(axis=1)
        if not (walking & good).any():
            continue
        up = np.median(med[walking & good], axis=0)
        ang = angle_deg(np.where(good[:, None], med, up), up)
        lying &= (ang >= rules.lying_min_deg) | ~good
        used = True
    return lying if used else None


def _parse_clock(text: str) -> time:
    text = str(text).strip()
    for fmt in ("%H:%M:%S", "%H:%M", "%H.%M", "%I:%M %p", "%I:%M:%S %p"):
        try:
            return datetime.strptime(text, fmt).time()
        except ValueError:
            continue
    raise ValueError(f"not a clock time: {text!r}")


def read_diary(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a sleep diary CSV: ``date,lights_off,lights_on`` (one row per night).

    ``date`` is the evening's date (ISO ``YYYY-MM-DD``); ``lights_off`` and ``lights_on``
    are clock times (``HH:MM[:SS]``); a ``lights_on`` earlier than ``lights_off`` is on the
    next day, and a ``lights_off`` before noon (after midnight) is on the day after
    ``date``.  Column names are case-insensitive (``lights off``, ``bedtime``, ``in_bed``,
    ``getup``, ``out_of_bed`` are also accepted).

    Returns
    -------
    DataFrame
        ``date`` (datetime.date), ``lights_off``, ``lights_on`` (datetime).

    Raises
    ------
    InputError
        Missing columns or unparseable values.
    """
    source = str(path)
    try:
        df = pd.read_csv(path, sep=None, engine="python", dtype=str, encoding="utf-8-sig")
    except (OSError, pd.errors.ParserError, ValueError) as exc:
        raise InputError(f"cannot read the diary ({exc})", source) from None
    norm = {re.sub(r"[^a-z]+", "_", str(c).lower()).strip("_"): c for c in df.columns}
    alias = {
        "date": ("date", "night", "evening", "day"),
        "off": ("lights_off", "lightsoff", "bedtime", "in_bed", "inbed", "lights_out", "off"),
        "on": ("lights_on", "lightson", "getup", "get_up", "out_of_bed", "rise_time", "on"),
    }
    cols = {}
    for key, names in alias.items():
        cols[key] = next((norm[n] for n in names if n in norm), None)
    if any(v is None for v in cols.values()):
        raise InputError(
            f"diary needs columns date, lights_off, lights_on; has {list(df.columns)}", source
        )
    rows = []
    for i, r in df.iterrows():  # loop per night
        try:
            d = date.fromisoformat(str(r[cols["date"]]).strip()[:10])
            t_off = _parse_clock(r[cols["off"]])
            t_on = _parse_clock(r[cols["on"]])
        except ValueError as exc:
            raise InputError(f"diary row {int(i) + 1}: {exc}", source) from None
        off = datetime.combine(d, t_off)
        if t_off.hour < 12:
            off += timedelta(days=1)
        on = datetime.combine(off.date(), t_on)
        if on <= off:
            on += timedelta(days=1)
        rows.append((d, off, on))
    return pd.DataFrame(rows, columns=["date", "lights_off", "lights_on"])


def night_windows(data: AccelData, rules: AccelRules | None = None) -> list[tuple[float, float]]:
    """Noon-to-noon windows (s from the start) covering the recording.

    With a start clock time the windows are split at ``night_split_hour`` (12:00) local
    time; without one, every 24 h from the start.  Windows holding less than
    ``min_night_data_s`` of data are dropped.
    """
    rules = rules or AccelRules()
    dur = data.duration_s
    if data.start_datetime is not None:
        st = data.start_datetime
        first = datetime.combine(st.date(), time(rules.night_split_hour))
        if first > st:
            first -= timedelta(days=1)
        edge0 = (first - st).total_seconds()
    else:
        edge0 = 0.0
    edges = np.arange(edge0, dur + 86400.0, 86400.0)
    out = []
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        a2, b2 = max(a, 0.0), min(b, dur)
        if b2 <= a2:
            continue
        segs = data.segments(a2, b2)
        have = float(np.sum(segs[:, 1] - segs[:, 0])) if len(segs) else 0.0
        if have >= min(rules.min_night_data_s, dur - 1e-6):
            out.append((a2, b2))
    return out


def lights_from_annotations(ann: pd.DataFrame, a: float, b: float) -> tuple[float, float] | None:
    """Time in bed from ``Lights off``/``Lights on`` annotations in ``[a, b)`` (s).

    The earliest lights-off and the latest lights-on inside the window (the window's
    edges where one is missing); None without any, or when they do not make an interval.
    """
    if ann is None or len(ann) == 0:
        return None
    desc = ann["description"].astype(str).str.lower().str.replace(r"[^a-z]+", " ", regex=True)
    on_t = ann["onset"].to_numpy(float)
    inside = (on_t >= a) & (on_t < b)
    off_hits = on_t[inside & desc.str.contains(r"\blights? (?:off|out)\b").to_numpy()]
    on_hits = on_t[inside & desc.str.contains(r"\blights? on\b").to_numpy()]
    if off_hits.size == 0 and on_hits.size == 0:
        return None
    lo = float(off_hits.min()) if off_hits.size else a
    hi = float(on_hits.max()) if on_hits.size else b
    if hi <= lo:
        return None
    return lo, hi
