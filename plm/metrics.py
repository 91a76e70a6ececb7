"""Night-level metrics: every index of the WASM 2016 reporting set (docs/scoring.md §11).

All rates are per hour of the matching denominator (docs/scoring.md §10):

* sleep indices (``*s_index``): per hour of total sleep time (TST = N1+N2+N3+R epochs in
  the scorable analysis window);
* wake indices (``*w_index``): per hour of wake (W epochs in that window);
* per-stage indices: per hour of that stage;
* without a hypnogram, only ``*_rec_index`` keys (per hour of scorable recording time)
  are given, and every sleep/wake index is ``None``: it is never called a PLMS index.

A rate whose denominator is zero is ``None`` (JSON ``null``), never 0 or infinity.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from plm.architecture import sleep_architecture
from plm.engine import EPS_S, EngineOutput, union_intervals
from plm.events import SLEEP_STAGES, NightEvents
from plm.rules import RuleProfile

__all__ = ["compute_summary", "imi_histograms", "ferri_periodicity_index"]

#: Histogram bins of docs/scoring.md §11.4: 2-s linear bins over 0-90 s; 0.1 ln bins over 0-4.5.
LINEAR_EDGES_S = np.arange(0.0, 90.0 + 2.0, 2.0)
LN_EDGES = np.round(np.arange(0.0, 4.5 + 0.1, 0.1), 10)


def _rate(count: int | float, hours: float) -> float | None:
    return float(count) / hours if hours > 0 else None


def _ratio(num: int | float, den: int | float) -> float | None:
    return float(num) / den if den > 0 else None


def _mean_sd(x: np.ndarray) -> tuple[float | None, float | None]:
    x = np.asarray(x, dtype=float)
    if x.size == 0:
        return None, None
    sd = float(np.std(x, ddof=1)) if x.size > 1 else None
    return float(np.mean(x)), sd


def imi_histograms(imi_s: np.ndarray) -> dict[str, dict[str, list[float]]]:
    """Return the two IMI histograms of docs/scoring.md §11.4 (SOMAS and PLMScoRe bins).

    Parameters
    ----------
    imi_s : ndarray
        Defined IMIs in seconds.

    Returns
    -------
    dict
        ``linear``: counts in 2-s bins over [0, 90] s; ``ln``: counts in 0.1-wide bins of
        ln(IMI) over [0, 4.5].  Values outside the ranges are not counted; the last bin
        includes its right edge.
    """
    imi_s = np.asarray(imi_s, dtype=float)
    imi_s = imi_s[np.isfinite(imi_s) & (imi_s > 0)]
    lin, _ = np.histogram(imi_s, bins=LINEAR_EDGES_S)
    ln, _ = np.histogram(np.log(imi_s), bins=LN_EDGES)
    return {
        "linear": {"bin_edges_s": LINEAR_EDGES_S.tolist(), "counts": lin.astype(int).tolist()},
        "ln": {"bin_edges_ln": LN_EDGES.tolist(), "counts": ln.astype(int).tolist()},
    }


def ferri_periodicity_index(
    imi_s: np.ndarray, select: np.ndarray, rules: RuleProfile
) -> float | None:
    """Ferri 2006 periodicity index (docs/scoring.md §12.2).

    PI = (IMIs that belong to runs of >= 3 consecutive IMIs with 10 < IMI <= 90 s) /
    (all IMIs).  Consecutive means consecutive in the CLM stream: an undefined IMI (after
    a non-CLM or a gap) ends a run.

    Parameters
    ----------
    imi_s : ndarray
        IMI of each LM of the stream in onset order, NaN where undefined.
    select : ndarray of bool
        Which LMs' IMIs to count (e.g. CLMs with onset in sleep).
    rules : RuleProfile
        Gives ``ferri_imi_min_s`` (exclusive), ``ferri_imi_max_s`` (inclusive) and
        ``ferri_min_run_imis``.
    """
    imi_s = np.asarray(imi_s, dtype=float)
    good = (imi_s > rules.ferri_imi_min_s + EPS_S) & (imi_s <= rules.ferri_imi_max_s + EPS_S)
    run_id = np.cumsum(~good)
    sizes = np.bincount(run_id[good], minlength=run_id.max() + 1 if len(run_id) else 1)
    in_run = good & (sizes[run_id] >= rules.ferri_min_run_imis)
    defined = np.isfinite(imi_s) & select
    return _ratio(int((in_run & defined).sum()), int(defined.sum()))


def compute_summary(
    engine: EngineOutput,
    events: NightEvents,
    rules: RuleProfile,
    age_group: str = "adult",
) -> dict[str, Any]:
    """Compute every night-level metric from the engine's candidate table.

    Parameters
    ----------
    engine : EngineOutput
        Output of :func:`plm.engine.apply_rules`.
    events : NightEvents
        The night (hypnogram, respiratory events, warnings).
    rules : RuleProfile
        The rule profile used.
    age_group : {'adult', 'child'}
        Selects the PLMD cut-off (> 15/h adults, > 5/h children; docs/scoring.md §13).

    Returns
    -------
    dict
        Flat metrics with stable snake_case keys plus the two histograms.
    """
    if age_group not in ("adult", "child"):
        raise ValueError(f"age_group must be 'adult' or 'child', got {age_group!r}")
    c = engine.candidates
    scored = c[c["exclusion"] == ""]
    stage = scored["stage"].to_numpy(object)
    cand = scored["candidate"].to_numpy(bool)
    per = scored["periodic"].to_numpy(bool)
    per_nr = scored["periodic_nr"].to_numpy(bool)
    aro = scored["arousal"].to_numpy(bool)
    resp = scored["respiratory"].to_numpy(bool)
    cat = scored["category"].to_numpy(object)
    side = scored["side"].to_numpy(object)
    dur = scored["duration"].to_numpy(float)
    imi = scored["imi"].to_numpy(float)
    sleep = np.isin(stage, SLEEP_STAGES)
    wake = stage == "W"
    nrem = np.isin(stage, ("N1", "N2", "N3"))

    window_h = (engine.window[1] - engine.window[0]) / 3600.0
    scorable_h = float(np.sum(engine.intervals[:, 1] - engine.intervals[:, 0])) / 3600.0
    gaps = events.gaps
    unscorable_h = 0.0
    if len(gaps):
        is_unscorable = gaps["reason"].astype(str).str.contains("unscorable", case=False)
        u = union_intervals(gaps[is_unscorable.to_numpy(bool)])
        # only the part inside the analysis window counts
        u_on = u["onset"].to_numpy(float)
        u_off = u_on + u["duration"].to_numpy(float)
        inside = np.minimum(u_off, engine.window[1]) - np.maximum(u_on, engine.window[0])
        unscorable_h = float(np.clip(inside, 0, None).sum()) / 3600.0

    s: dict[str, Any] = {}
    hyp = events.hypnogram
    s["hypnogram"] = hyp is not None
    s["recording_h"] = (
        events.recording_duration_s / 3600.0 if events.recording_duration_s is not None else None
    )
    s["analysis_window_h"] = window_h
    s["scorable_h"] = scorable_h
    s["unscorable_h"] = unscorable_h
    if hyp is not None:
        st = hyp.stage_seconds(engine.intervals)
        tst_h = sum(st[x] for x in SLEEP_STAGES) / 3600.0
        wake_h = st["W"] / 3600.0
        stage_h = {x: st[x] / 3600.0 for x in ("N1", "N2", "N3", "R")}
        s["unscored_h"] = st["unscored"] / 3600.0
    else:
        tst_h = wake_h = 0.0
        stage_h = {x: 0.0 for x in ("N1", "N2", "N3", "R")}
        s["unscored_h"] = None
    nrem_h = stage_h["N1"] + stage_h["N2"] + stage_h["N3"]
    s["tst_h"] = tst_h if hyp is not None else None
    s["wake_h"] = wake_h if hyp is not None else None
    for x in ("N1", "N2", "N3", "R"):
        s[f"{x.lower()}_h"] = stage_h[x] if hyp is not None else None
    s["nrem_h"] = nrem_h if hyp is not None else None

    # counts (docs/scoring.md §11.1)
    s["n_lm"] = int(len(scored))
    s["n_lm_monolateral"] = int((engine.movements["exclusion"] == "").sum())
    s["n_lm_excluded_respiratory"] = int((c["exclusion"] == "respiratory").sum())
    s["n_lm_excluded_too_long"] = int((c["exclusion"] == "too_long").sum())
    s["n_lm_in_gaps"] = int((c["exclusion"] == "gap").sum())
    s["n_lm_outside_window"] = int((c["exclusion"] == "outside_window").sum())
    s["n_clm"] = int(cand.sum())
    s["n_nonclm"] = int((~cand).sum())
    s["n_plm"] = int(per.sum())
    s["n_lms"] = int(sleep.sum())
    s["n_clms"] = int((cand & sleep).sum())
    s["n_clmw"] = int((cand & wake).sum())
    s["n_plms"] = int((per & sleep).sum())
    s["n_plmw"] = int((per & wake).sum())
    s["n_plms_arousal"] = int((per & sleep & aro).sum())
    s["n_lms_arousal"] = int((sleep & aro).sum())
    s["n_clmr"] = int((cand & resp & sleep).sum())
    s["n_plmsnr"] = int((per_nr & sleep).sum())
    s["n_plmsnr_arousal"] = int((per_nr & sleep & aro).sum())
    s["n_short_imi_clms"] = int(((cat == "short_imi") & sleep).sum())
    s["n_isolated_clms"] = int(((cat == "isolated") & sleep).sum())
    s["n_short_imi_clmw"] = int(((cat == "short_imi") & wake).sum())
    s["n_isolated_clmw"] = int(((cat == "isolated") & wake).sum())
    s["n_nonclms"] = int((~cand & sleep).sum())
    for sd in ("left", "right", "bilateral"):
        s[f"n_plms_{sd}"] = int((per & sleep & (side == sd)).sum())
    s["n_plm_series"] = int(scored["series"].dropna().nunique())
    s["n_respiratory_events"] = engine.n_respiratory
    s["respiratory_events_with_clm_pct"] = (
        100.0 * engine.respiratory_with_clm / engine.n_respiratory
        if engine.n_respiratory and rules.respiratory_rule == "flag_window_at_end"
        else None
    )

    # sleep indices, per hour of TST (docs/scoring.md §11.2)
    sleep_rates = {
        "lms_index": s["n_lms"],
        "clms_index": s["n_clms"],
        "plms_index": s["n_plms"],
        "plms_arousal_index": s["n_plms_arousal"],
        "lms_arousal_index": s["n_lms_arousal"],
        "plmsnr_index": s["n_plmsnr"],
        "plmsnr_arousal_index": s["n_plmsnr_arousal"],
        "clmr_index": s["n_clmr"],
        "short_imi_clms_index": s["n_short_imi_clms"],
        "isolated_clms_index": s["n_isolated_clms"],
        "nonclms_index": s["n_nonclms"],
        "plms_left_index": s["n_plms_left"],
        "plms_right_index": s["n_plms_right"],
        "plms_bilateral_index": s["n_plms_bilateral"],
    }
    for key, n in sleep_rates.items():
        s[key] = _rate(n, tst_h) if hyp is not None else None
    wake_rates = {
        "clmw_index": s["n_clmw"],
        "plmw_index": s["n_plmw"],
        "short_imi_clmw_index": s["n_short_imi_clmw"],
        "isolated_clmw_index": s["n_isolated_clmw"],
    }
    for key, n in wake_rates.items():
        s[key] = _rate(n, wake_h) if hyp is not None else None
    # per-stage PLM and CLM indices, per hour of that stage
    for x, mask in (
        ("n1", stage == "N1"),
        ("n2", stage == "N2"),
        ("n3", stage == "N3"),
        ("nrem", nrem),
        ("r", stage == "R"),
    ):
        hours = nrem_h if x == "nrem" else stage_h[x.upper()]
        s[f"plms_{x}_index"] = _rate(int((per & mask).sum()), hours) if hyp is not None else None
        s[f"clms_{x}_index"] = _rate(int((cand & mask).sum()), hours) if hyp is not None else None

    # rates per hour of scorable recording time: always given, labelled as such
    s["lm_rec_index"] = _rate(s["n_lm"], scorable_h)
    s["clm_rec_index"] = _rate(s["n_clm"], scorable_h)
    s["plm_rec_index"] = _rate(s["n_plm"], scorable_h)

    # periodicity (docs/scoring.md §12)
    s["periodicity_index"] = _ratio(s["n_plms"], s["n_clms"]) if hyp is not None else None
    s["periodicity_index_wake"] = _ratio(s["n_plmw"], s["n_clmw"]) if hyp is not None else None
    s["periodicity_index_nr"] = (
        _ratio(s["n_plmsnr"], s["n_clms"] - s["n_clmr"]) if hyp is not None else None
    )
    s["periodicity_index_rec"] = _ratio(s["n_plm"], s["n_clm"])
    stream = cand  # IMIs are defined on CLMs only
    s["ferri_periodicity_index"] = (
        ferri_periodicity_index(imi, stream & sleep, rules) if hyp is not None else None
    )
    s["ferri_periodicity_index_wake"] = (
        ferri_periodicity_index(imi, stream & wake, rules) if hyp is not None else None
    )

    # durations (s), arithmetic mean and SD (ddof=1), sleep
    sel = sleep if hyp is not None else np.ones(len(scored), dtype=bool)
    for name, mask in (
        ("lm", sel),
        ("plm", per & sel),
        ("short_imi_clm", (cat == "short_imi") & sel),
        ("isolated_clm", (cat == "isolated") & sel),
    ):
        m, sd = _mean_sd(dur[mask])
        s[f"{name}_duration_mean_s"] = m
        s[f"{name}_duration_sd_s"] = sd

    # IMI statistics over CLMs in sleep (or the whole window without a hypnogram)
    imi_sel = imi[cand & sel & np.isfinite(imi)]
    in_range = imi_sel[(imi_sel >= rules.imi_min_s - EPS_S) & (imi_sel <= rules.imi_max_s + EPS_S)]
    s["n_imi"] = int(imi_sel.size)
    s["n_imi_short"] = int((imi_sel < rules.imi_min_s - EPS_S).sum())
    s["n_imi_in_range"] = int(in_range.size)
    s["n_imi_long"] = int((imi_sel > rules.imi_max_s + EPS_S).sum())
    ln_mean, ln_sd = _mean_sd(np.log(in_range)) if in_range.size else (None, None)
    s["imi_ln_mean"] = ln_mean  # SOMAS: mean of ln(IMI) over in-range IMIs
    s["imi_ln_sd"] = ln_sd
    s["imi_geometric_mean_s"] = math.exp(ln_mean) if ln_mean is not None else None
    all_ln_mean, all_ln_sd = _mean_sd(np.log(imi_sel)) if imi_sel.size else (None, None)
    s["imi_all_geometric_mean_s"] = math.exp(all_ln_mean) if all_ln_mean is not None else None
    s["imi_all_geometric_sd"] = math.exp(all_ln_sd) if all_ln_sd is not None else None
    s["imi_histograms"] = imi_histograms(imi_sel)

    # clinical flag (docs/scoring.md §13)
    cutoff = (
        rules.plmd_cutoff_adult_per_h if age_group == "adult" else rules.plmd_cutoff_child_per_h
    )
    s["age_group"] = age_group
    s["plmd_cutoff_per_h"] = cutoff
    s["plmd_flag"] = (s["plms_index"] > cutoff) if s["plms_index"] is not None else None

    # sleep architecture from the hypnogram alone (docs/scoring.md §10.6-§10.7)
    s.update(sleep_architecture(hyp, engine.window, events.arousals, events.respiratory))
    return s


def summary_row(summary: dict[str, Any]) -> pd.Series:
    """Flatten a summary to one row of scalars (drops histograms and nested settings)."""
    return pd.Series({k: v for k, v in summary.items() if not isinstance(v, (dict, list))})
