"""Rule application: monolateral leg movements → candidate LMs → periodic series.

The engine is pure: it takes a :class:`~plm.events.NightEvents` and a
:class:`~plm.rules.RuleProfile` and returns one row per combined leg movement.
Every step cites the rule it implements (``docs/scoring.md §…`` states each
rule with its published source).

Readings chosen where the standards leave room (all are rule-profile fields):

* Boundaries are compared with a tolerance of 1 µs (:data:`EPS_S`), so an IMI typed as
  ``90.0`` is in range even when the subtraction of two floats gives 90.00000000001.
* Bounds written "≤"/"≥" are inclusive, bounds written "<" are strict: IMI in
  [10, 90] s, durations in [0.5, 10] s, bilateral gap and arousal gap strictly < 0.5 s,
  respiratory window [end − 2.0, end + 10.25] s closed.
* Movements whose onset lies outside the analysis window or inside a gap (EDF+D gap,
  unscorable EMG) are kept in the table with an ``exclusion`` reason and take no part in
  combination or series; series and IMIs never span a gap.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from plm.events import SLEEP_STAGES, InputError, NightEvents
from plm.rules import RuleProfile

__all__ = [
    "EPS_S",
    "EngineOutput",
    "apply_rules",
    "analysis_intervals",
    "find_series",
    "union_intervals",
]

logger = logging.getLogger(__name__)

#: Tolerance for comparing times with rule bounds (s): far below any sampling period.
EPS_S = 1e-6

#: Respiratory event types that trigger the respiratory rules (docs/scoring.md §7.1).
RESPIRATORY_TYPES = ("obstructive_apnea", "central_apnea", "mixed_apnea", "apnea", "hypopnea")

CANDIDATE_COLUMNS = [
    "onset",
    "duration",
    "side",
    "n_components",
    "candidate",
    "stage",
    "imi",
    "periodic",
    "series",
    "arousal",
    "respiratory",
    "periodic_nr",
    "category",
    "exclusion",
    "segment",
]


@dataclass
class EngineOutput:
    """What the engine returns: the candidate table plus the bookkeeping behind it.

    Attributes
    ----------
    candidates : DataFrame
        One row per combined leg movement, columns :data:`CANDIDATE_COLUMNS`.
    movements : DataFrame
        The monolateral LMs after same-leg fusion and the minimum-duration rule, with the
        row index of their combined LM (``lm_id``).
    intervals : ndarray, shape (n, 2)
        The scorable parts of the analysis window (window minus gaps), in s.
    window : tuple of float
        Analysis window (start, end) in s.
    respiratory_with_clm : int
        Respiratory events whose window holds at least one candidate LM.
    n_respiratory : int
        Respiratory events used by the rules.
    """

    candidates: pd.DataFrame
    movements: pd.DataFrame
    intervals: np.ndarray
    window: tuple[float, float]
    respiratory_with_clm: int
    n_respiratory: int


# ---------------------------------------------------------------------------------------
# analysis window (docs/scoring.md §10)
# ---------------------------------------------------------------------------------------


def _recording_end(events: NightEvents) -> float:
    """Recording length: declared, else the end of the last thing we know about."""
    if events.recording_duration_s is not None:
        return float(events.recording_duration_s)
    ends = [0.0]
    for table in (events.movements, events.respiratory, events.arousals, events.gaps):
        if len(table):
            ends.append(float((table["onset"] + table["duration"]).max()))
    if events.hypnogram is not None:
        ends.append(events.hypnogram.end_s)
    if events.lights_on_s is not None:
        ends.append(float(events.lights_on_s))
    return max(ends)


def analysis_intervals(events: NightEvents) -> tuple[tuple[float, float], np.ndarray]:
    """Return the analysis window and its scorable intervals (window minus gaps).

    docs/scoring.md §10.1: the window runs from lights-off to lights-on when known, else over the
    whole recording.  Gaps (EDF+D gaps, unscorable leg EMG) are cut out.
    """
    start = 0.0 if events.lights_off_s is None else float(events.lights_off_s)
    end = _recording_end(events) if events.lights_on_s is None else float(events.lights_on_s)
    if end < start:
        raise InputError(f"lights on ({end} s) comes before lights off ({start} s)")
    intervals = [(start, end)]
    if len(events.gaps):
        gaps = events.gaps.sort_values("onset")
        for g_on, g_dur in zip(
            gaps["onset"].to_numpy(float), gaps["duration"].to_numpy(float), strict=True
        ):
            g_off = g_on + g_dur
            nxt = []
            for a, b in intervals:
                if g_off <= a or g_on >= b:
                    nxt.append((a, b))
                    continue
                if g_on > a:
                    nxt.append((a, g_on))
                if g_off < b:
                    nxt.append((g_off, b))
            intervals = nxt
    arr = np.asarray([iv for iv in intervals if iv[1] > iv[0]], dtype=float).reshape(-1, 2)
    return (start, end), arr


def _segment_of(t: np.ndarray, intervals: np.ndarray) -> np.ndarray:
    """Index of the scorable interval containing each time, −1 when none."""
    if len(intervals) == 0:
        return np.full(t.shape, -1, dtype=np.int64)
    idx = np.searchsorted(intervals[:, 0], t, side="right") - 1
    ok = (idx >= 0) & (t < intervals[np.clip(idx, 0, None), 1])
    return np.where(ok, idx, -1)


# ---------------------------------------------------------------------------------------
# monolateral LMs (docs/scoring.md §3.3)
# ---------------------------------------------------------------------------------------


def _validate_movements(movements: pd.DataFrame) -> pd.DataFrame:
    missing = {"onset", "duration", "side"} - set(movements.columns)
    if missing:
        raise InputError(
            f"movement table lacks column(s) {sorted(missing)}; has {list(movements.columns)}"
        )
    mv = movements.copy()
    mv["onset"] = pd.to_numeric(mv["onset"], errors="coerce").astype(float)
    mv["duration"] = pd.to_numeric(mv["duration"], errors="coerce").astype(float)
    bad = ~np.isfinite(mv["onset"].to_numpy()) | ~np.isfinite(mv["duration"].to_numpy())
    if bad.any():
        raise InputError(f"movement row {int(np.flatnonzero(bad)[0])}: onset/duration not a number")
    neg = mv["duration"].to_numpy() < 0
    if neg.any():
        i = int(np.flatnonzero(neg)[0])
        raise InputError(f"movement row {i}: negative duration {mv['duration'].iloc[i]} s")
    side = mv["side"].astype(str).str.strip().str.lower()
    side = side.replace({"l": "left", "r": "right", "both": "merged"})
    unknown = sorted(set(side) - {"left", "right", "merged"})
    if unknown:
        raise InputError(f"movement side must be left, right or merged; got {unknown}")
    mv["side"] = side.to_numpy(dtype=object)
    return mv


def fuse_same_leg(movements: pd.DataFrame, gap_s: float) -> pd.DataFrame:
    """Fuse same-leg movements separated by less than ``gap_s`` (docs/scoring.md §3.3).

    Two bursts of one leg less than 0.5 s apart are one LM, because the offset needs
    0.5 s of quiet (PLMScoRe ``lm_unil``).  Extra columns take the value of the first
    burst, except ``peak_uv`` (maximum) and ``area_uv_s`` (sum).
    """
    parts = []
    for side, grp in movements.groupby("side", sort=True):
        grp = grp.sort_values(["onset", "duration"], kind="stable")
        on = grp["onset"].to_numpy(float)
        off = on + grp["duration"].to_numpy(float)
        run_max_off = np.maximum.accumulate(off)
        new = np.ones(len(on), dtype=bool)
        new[1:] = on[1:] - run_max_off[:-1] >= gap_s - EPS_S
        gid = np.cumsum(new) - 1
        starts = np.flatnonzero(new)
        fused = grp.iloc[starts].copy()
        fused["onset"] = on[starts]
        fused["duration"] = np.maximum.reduceat(off, starts) - on[starts]
        if "peak_uv" in grp:
            fused["peak_uv"] = np.maximum.reduceat(grp["peak_uv"].to_numpy(float), starts)
        if "area_uv_s" in grp:
            fused["area_uv_s"] = np.add.reduceat(grp["area_uv_s"].to_numpy(float), starts)
        fused["n_fused"] = np.bincount(gid)
        fused["side"] = side
        parts.append(fused)
    if not parts:
        out = movements.iloc[:0].copy()
        out["n_fused"] = pd.Series(dtype=np.int64)
        return out
    return pd.concat(parts, ignore_index=True).sort_values("onset", kind="stable")


# ---------------------------------------------------------------------------------------
# bilateral combination (docs/scoring.md §4.1 WASM; §4.2 AASM)
# ---------------------------------------------------------------------------------------


def _groups_overlap_gap(on: np.ndarray, off: np.ndarray, seg: np.ndarray, gap_s: float):
    """WASM: join when overlapping or next onset < running offset + 0.5 s (transitive)."""
    new = np.ones(len(on), dtype=bool)
    if len(on) > 1:
        run_max_off = np.maximum.accumulate(off)
        new[1:] = (on[1:] - run_max_off[:-1] >= gap_s - EPS_S) | (seg[1:] != seg[:-1])
    return np.cumsum(new) - 1


def _groups_onset_difference(on: np.ndarray, side: np.ndarray, seg: np.ndarray, diff_s: float):
    """AASM: LMs of the two legs with onsets < 5 s apart count as one LM.

    A loop per movement: a movement joins the current group when its onset is < 5 s after
    the group's first onset, it is on a leg the group does not have yet, and it lies in
    the same scorable segment.
    """
    gid = np.empty(len(on), dtype=np.int64)
    g = -1
    first_on = -np.inf
    sides: set[str] = set()
    g_seg = -2
    for k in range(len(on)):
        s = side[k]
        if (
            g >= 0
            and seg[k] == g_seg
            and on[k] - first_on < diff_s - EPS_S
            and s not in sides
            and s != "merged"
            and "merged" not in sides
        ):
            sides.add(s)
        else:
            g += 1
            first_on, sides, g_seg = on[k], {s}, seg[k]
        gid[k] = g
    return gid


def combine_bilateral(mono: pd.DataFrame, rules: RuleProfile) -> pd.DataFrame:
    """Combine monolateral LMs into LMs and decide which are candidates (docs/scoring.md §4).

    Parameters
    ----------
    mono : DataFrame
        Monolateral LMs with ``onset``, ``duration``, ``side``, ``segment``; sorted by
        onset.
    rules : RuleProfile

    Returns
    -------
    DataFrame
        One row per combined LM: ``onset``, ``duration``, ``side`` (left, right,
        bilateral or merged), ``n_components``, ``candidate``, ``segment``; and
        ``lm_id`` added to ``mono`` in place.
    """
    on = mono["onset"].to_numpy(float)
    dur = mono["duration"].to_numpy(float)
    off = on + dur
    side = mono["side"].to_numpy(object)
    seg = mono["segment"].to_numpy(np.int64)
    if rules.bilateral_rule == "overlap_gap":
        gid = _groups_overlap_gap(on, off, seg, rules.bilateral_gap_s)
    else:
        gid = _groups_onset_difference(on, side, seg, rules.bilateral_onset_difference_s)
    mono["lm_id"] = gid
    n = int(gid.max()) + 1 if len(gid) else 0
    starts = np.flatnonzero(np.r_[True, gid[1:] != gid[:-1]]) if len(gid) else np.array([], int)
    g_on = on[starts] if n else np.array([], float)
    g_off = np.maximum.reduceat(off, starts) if n else np.array([], float)
    n_comp = np.bincount(gid, minlength=n) if n else np.array([], np.int64)
    is_left = np.bincount(gid, weights=(side == "left"), minlength=n) > 0
    is_right = np.bincount(gid, weights=(side == "right"), minlength=n) > 0
    is_merged = np.bincount(gid, weights=(side == "merged"), minlength=n) > 0
    long_comp = np.bincount(gid, weights=(dur > rules.lm_max_s + EPS_S), minlength=n) > 0
    one_side = np.where(is_merged, "merged", np.where(is_left, "left", "right"))
    g_side = np.where(is_left & is_right, "bilateral", one_side).astype(object)
    g_dur = g_off - g_on
    single = n_comp == 1
    # docs/scoring.md §4.1: CLM 0.5-10 s; bilateral CLM <= 15 s, <= 4 parts, none > 10 s
    cand_single = (g_dur >= rules.lm_min_s - EPS_S) & (g_dur <= rules.lm_max_s + EPS_S)
    if rules.bilateral_rule == "overlap_gap":
        cand_multi = (
            (g_dur <= rules.bilateral_max_s + EPS_S)
            & (n_comp <= rules.bilateral_max_components)
            & ~long_comp
        )
    else:  # AASM: no bilateral duration/component limits, only the 10 s LM maximum
        cand_multi = ~long_comp
    candidate = np.where(single, cand_single, cand_multi)
    return pd.DataFrame(
        {
            "onset": g_on,
            "duration": g_dur,
            "side": g_side,
            "n_components": n_comp.astype(np.int64),
            "candidate": candidate.astype(bool),
            "segment": seg[starts] if n else np.array([], np.int64),
        }
    )


# ---------------------------------------------------------------------------------------
# interval association (respiratory docs/scoring.md §7, arousal §8)
# ---------------------------------------------------------------------------------------


def _overlaps_any(
    on: np.ndarray, off: np.ndarray, iv_on: np.ndarray, iv_off: np.ndarray, strict: bool
) -> np.ndarray:
    """True where [on, off] meets any interval [iv_on, iv_off].

    ``strict=False``: closed intervals (touching counts).  ``strict=True``: the
    intervals must overlap by more than :data:`EPS_S`.  Vectorized: intervals are
    sorted by start and the running maximum of their ends answers "does any interval
    starting before my end reach past my start?".
    """
    if len(iv_on) == 0 or len(on) == 0:
        return np.zeros(len(on), dtype=bool)
    order = np.argsort(iv_on, kind="stable")
    starts = iv_on[order]
    run_max_end = np.maximum.accumulate(iv_off[order])
    eps = -EPS_S if strict else EPS_S
    n_before = np.searchsorted(starts, off + eps, side="right" if not strict else "left")
    has = n_before > 0
    out = np.zeros(len(on), dtype=bool)
    last_end = run_max_end[np.clip(n_before - 1, 0, None)]
    out[has] = (last_end[has] > on[has] + EPS_S) if strict else (last_end[has] >= on[has] - EPS_S)
    return out


def _respiratory_events(events: NightEvents) -> pd.DataFrame:
    resp = events.respiratory
    if not len(resp):
        return resp
    types = resp["type"].astype(str).str.lower() if "type" in resp else None
    if types is None:
        return resp
    keep = types.isin(RESPIRATORY_TYPES) | types.str.contains("apn|hypop", regex=True)
    return resp[keep.to_numpy()]


# ---------------------------------------------------------------------------------------
# periodic series (docs/scoring.md §6)
# ---------------------------------------------------------------------------------------


def find_series(
    onset: np.ndarray, candidate: np.ndarray, segment: np.ndarray, rules: RuleProfile
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Find periodic series in a stream of LMs sorted by onset.

    Parameters
    ----------
    onset : ndarray of float
        LM onsets (s), sorted.
    candidate : ndarray of bool
        Candidate (CLM) flags.  A non-candidate in the stream breaks the series (WASM
        2016); leave non-candidates out of the stream when they must not (AASM).
    segment : ndarray of int
        Scorable segment of each LM; no IMI spans two segments.
    rules : RuleProfile

    Returns
    -------
    imi : ndarray of float
        Onset-to-onset interval to the previous CLM (s); NaN where undefined (first CLM
        of a segment, after a non-CLM, and for non-CLMs: docs/scoring.md §5).
    periodic : ndarray of bool
        Member of a series of >= ``min_series_length`` CLMs.
    series : ndarray of int
        Series number (1, 2, ...) in onset order, 0 when not periodic.
    """
    n = len(onset)
    imi = np.full(n, np.nan)
    chain = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return imi, np.zeros(0, dtype=bool), np.zeros(0, dtype=np.int64)
    lo, hi = rules.imi_min_s - EPS_S, rules.imi_max_s + EPS_S
    if rules.short_imi_action == "break":
        # WASM 2016 (docs/scoring.md §6.1): an IMI < 10 s or > 90 s and a non-CLM end a run.
        prev_ok = np.r_[False, candidate[:-1] & candidate[1:] & (segment[1:] == segment[:-1])]
        d = np.r_[np.nan, np.diff(onset)]
        imi[prev_ok] = d[prev_ok]
        link = prev_ok & (d >= lo) & (d <= hi)
        member = candidate.copy()
        if not rules.short_imi_clm_may_start_series:
            # SOMAS reading: a CLM preceded by an IMI < 10 s never opens a run; the run
            # then opens at the next CLM (its IMI from the refused one is in range).
            member &= ~(~link & (imi < lo))
            link &= np.r_[False, member[:-1]]
        chain = np.where(member, np.cumsum(~link), -1)
    else:
        _chains_skip_short(onset, candidate, segment, rules, imi, chain, lo, hi)
    valid = chain >= 0
    periodic = np.zeros(n, dtype=bool)
    series = np.zeros(n, dtype=np.int64)
    if valid.any():
        sizes = np.bincount(chain[valid])
        periodic[valid] = sizes[chain[valid]] >= rules.min_series_length
        # number series 1, 2, ... in onset order (chains are numbered increasingly)
        _, series[periodic] = np.unique(chain[periodic], return_inverse=True)
        series[periodic] += 1
    return imi, periodic, series


def _chains_skip_short(onset, candidate, segment, rules, imi, chain, lo, hi) -> None:
    """AASM reading (docs/scoring.md §6.3): a short-IMI LM is skipped.

    An LM < 5 s after the last kept LM is neither in a series nor a breakpoint, and the
    next interval is measured from the last kept LM.  A loop per LM: the rule is
    sequential.  Fills ``imi`` and ``chain`` (chain number, -1 for skipped/non-CLM).
    """
    c = -1
    last_on = None
    last_seg = None
    for k in range(len(onset)):
        if not candidate[k]:
            last_on = None  # only reached when non-CLMs are in the stream
            continue
        if last_on is not None and segment[k] == last_seg:
            d = onset[k] - last_on
            imi[k] = d
            if d < lo:
                continue  # skipped: not part of the chain, does not break it
            if d > hi:
                c += 1
        else:
            c += 1
        chain[k] = c
        last_on, last_seg = onset[k], segment[k]


# ---------------------------------------------------------------------------------------
# the whole engine
# ---------------------------------------------------------------------------------------


def apply_rules(events: NightEvents, rules: RuleProfile) -> EngineOutput:
    """Apply a rule profile to one night's monolateral leg movements.

    Parameters
    ----------
    events : NightEvents
        Monolateral LMs and the night's context (hypnogram, respiratory events,
        arousals, lights, gaps).
    rules : RuleProfile
        The scoring standard.

    Returns
    -------
    EngineOutput
        The candidate table and its bookkeeping.
    """
    window, intervals = analysis_intervals(events)
    mono = _validate_movements(events.movements)

    # same-leg fusion then the minimum duration (docs/scoring.md §3.3; PLMScoRe lm_unil, lm_dur1)
    mono = fuse_same_leg(mono, rules.same_leg_merge_gap_s)
    mono = mono[mono["duration"].to_numpy(float) >= rules.lm_min_s - EPS_S].reset_index(drop=True)

    on = mono["onset"].to_numpy(float)
    seg = _segment_of(on, intervals)
    mono["segment"] = seg
    exclusion = np.full(len(mono), "", dtype=object)
    in_window = (on >= window[0] - EPS_S) & (on < window[1])
    exclusion[~in_window] = "outside_window"
    exclusion[in_window & (seg < 0)] = "gap"
    if rules.long_lm_action == "discard":
        # AASM 2007 A.2: an LM longer than 10 s is not an LM (docs/scoring.md §4.3)
        too_long = (mono["duration"].to_numpy(float) > rules.lm_max_s + EPS_S) & (exclusion == "")
        exclusion[too_long] = "too_long"
    mono["exclusion"] = exclusion

    resp = _respiratory_events(events)
    r_on = resp["onset"].to_numpy(float) if len(resp) else np.array([])
    r_off = r_on + (resp["duration"].to_numpy(float) if len(resp) else np.array([]))

    kept = mono[exclusion == ""].copy()
    if rules.respiratory_rule == "exclude_around_event" and len(kept):
        # AASM (docs/scoring.md §7.3): no LM is scored from 0.5 s before to 0.5 s after the event
        k_on = kept["onset"].to_numpy(float)
        k_off = k_on + kept["duration"].to_numpy(float)
        m = rules.respiratory_margin_s
        hit = _overlaps_any(k_on, k_off, r_on - m, r_off + m, strict=False)
        mono.loc[kept.index[hit], "exclusion"] = "respiratory"
        kept = kept[~hit]

    kept = kept.copy()
    combined = combine_bilateral(kept, rules)  # adds kept["lm_id"]
    mono["lm_id"] = -1
    if len(kept):
        mono.loc[kept.index, "lm_id"] = kept["lm_id"].to_numpy(np.int64)

    c_on = combined["onset"].to_numpy(float)
    c_off = c_on + combined["duration"].to_numpy(float)
    cand = combined["candidate"].to_numpy(bool)
    c_seg = combined["segment"].to_numpy(np.int64)

    # CLMr, WASM 2016 (docs/scoring.md §7.2): overlap with [end - 2.0, end + 10.25]
    if rules.respiratory_rule == "flag_window_at_end":
        w_on, w_off = r_off - rules.respiratory_before_end_s, r_off + rules.respiratory_after_end_s
        respiratory = _overlaps_any(c_on, c_off, w_on, w_off, strict=False)
        # events whose window holds a CLM (PLMScoRe "R events % with CLM")
        resp_with_clm = int(_overlaps_any(w_on, w_off, c_on[cand], c_off[cand], strict=False).sum())
    else:
        respiratory = np.zeros(len(combined), dtype=bool)
        resp_with_clm = 0

    # series over the whole window (docs/scoring.md §6.1)
    if rules.noncandidate_breaks_series:
        stream = np.ones(len(combined), dtype=bool)
    else:
        stream = cand.copy()
    imi = np.full(len(combined), np.nan)
    periodic = np.zeros(len(combined), dtype=bool)
    series = np.zeros(len(combined), dtype=np.int64)
    s_imi, s_per, s_ser = find_series(c_on[stream], cand[stream], c_seg[stream], rules)
    imi[stream], periodic[stream], series[stream] = s_imi, s_per, s_ser

    # PLMSnr (docs/scoring.md §7.2): delete CLMr, recompute IMIs and series; non-CLMs still break
    stream_nr = stream & ~(cand & respiratory)
    periodic_nr = np.zeros(len(combined), dtype=bool)
    _, p_nr, _ = find_series(c_on[stream_nr], cand[stream_nr], c_seg[stream_nr], rules)
    periodic_nr[stream_nr] = p_nr

    # arousal association (docs/scoring.md §8): overlap or < 0.5 s between them, either order
    if len(events.arousals):
        a_on = events.arousals["onset"].to_numpy(float)
        a_off = a_on + events.arousals["duration"].to_numpy(float)
        g = rules.arousal_gap_s
        arousal = _overlaps_any(c_on - g, c_off + g, a_on, a_off, strict=True)
    else:
        arousal = np.zeros(len(combined), dtype=bool)

    # stage at onset (docs/scoring.md §9)
    if events.hypnogram is not None:
        stage = events.hypnogram.stage_at(c_on)
    else:
        stage = np.full(len(combined), "none", dtype=object)

    category = np.where(
        ~cand,
        "non_clm",
        np.where(periodic, "plm", np.where(imi < rules.imi_min_s - EPS_S, "short_imi", "isolated")),
    ).astype(object)

    out = pd.DataFrame(
        {
            "onset": c_on,
            "duration": c_off - c_on,
            "side": combined["side"].to_numpy(object),
            "n_components": combined["n_components"].to_numpy(np.int64),
            "candidate": cand,
            "stage": stage,
            "imi": imi,
            "periodic": periodic,
            "series": pd.array(np.where(series > 0, series, 0), dtype="Int64"),
            "arousal": arousal,
            "respiratory": respiratory,
            "periodic_nr": periodic_nr,
            "category": category,
            "exclusion": np.full(len(combined), "", dtype=object),
            "segment": c_seg,
        }
    )
    out.loc[series == 0, "series"] = pd.NA

    # excluded movements stay visible, one row each, never in a series
    excl = mono[mono["exclusion"] != ""]
    if len(excl):
        e_on = excl["onset"].to_numpy(float)
        e_off = e_on + excl["duration"].to_numpy(float)
        ex = pd.DataFrame(
            {
                "onset": e_on,
                "duration": e_off - e_on,
                "side": excl["side"].to_numpy(object),
                "n_components": np.ones(len(excl), dtype=np.int64),
                "candidate": np.zeros(len(excl), dtype=bool),
                "stage": (
                    events.hypnogram.stage_at(e_on)
                    if events.hypnogram is not None
                    else np.full(len(excl), "none", dtype=object)
                ),
                "imi": np.full(len(excl), np.nan),
                "periodic": np.zeros(len(excl), dtype=bool),
                "series": pd.array([pd.NA] * len(excl), dtype="Int64"),
                "arousal": np.zeros(len(excl), dtype=bool),
                "respiratory": (excl["exclusion"] == "respiratory").to_numpy(bool),
                "periodic_nr": np.zeros(len(excl), dtype=bool),
                "category": np.full(len(excl), "excluded", dtype=object),
                "exclusion": excl["exclusion"].to_numpy(object),
                "segment": excl["segment"].to_numpy(np.int64),
            }
        )
        out = pd.concat([out, ex], ignore_index=True)
        order = np.lexsort((out["exclusion"].to_numpy(str), out["onset"].to_numpy(float)))
        # keep combined LM ids stable for mono.lm_id: remember the new row of each
        new_row = np.empty(len(order), dtype=np.int64)
        new_row[order] = np.arange(len(order))
        out = out.iloc[order].reset_index(drop=True)
        has = mono["lm_id"].to_numpy() >= 0
        mono.loc[has, "lm_id"] = new_row[mono.loc[has, "lm_id"].to_numpy(np.int64)]
    out = out[CANDIDATE_COLUMNS]
    mono = mono.drop(columns=[c for c in ("n_fused",) if c in mono.columns])
    return EngineOutput(
        candidates=out,
        movements=mono.reset_index(drop=True),
        intervals=intervals,
        window=window,
        respiratory_with_clm=resp_with_clm,
        n_respiratory=len(resp),
    )


def union_intervals(table: pd.DataFrame) -> pd.DataFrame:
    """Merge overlapping ``onset``/``duration`` intervals into disjoint ones."""
    if table.empty:
        return table[["onset", "duration"]].copy()
    t = table.sort_values("onset")
    on = t["onset"].to_numpy(float)
    off = on + t["duration"].to_numpy(float)
    run_max = np.maximum.accumulate(off)
    new = np.r_[True, on[1:] > run_max[:-1]]
    starts = np.flatnonzero(new)
    ends = np.maximum.reduceat(off, starts)
    return pd.DataFrame({"onset": on[starts], "duration": ends - on[starts]})


def sleep_mask(stage: pd.Series | np.ndarray) -> np.ndarray:
    """True where the stage is a sleep stage (N1, N2, N3, R)."""
    return np.isin(np.asarray(stage, dtype=object), SLEEP_STAGES)
