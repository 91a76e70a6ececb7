"""Group comparison of the CAP validation: PLM patients against healthy controls.

:func:`compare_groups` takes the per-record rows of :func:`pipelines.validate_cap.run_validation`
and gives, per group (``plm*`` patients, ``n*`` controls), the median and IQR of the PLMS
index, PLMW index and both periodicity indices, a two-sided Mann-Whitney U test
(:func:`scipy.stats.mannwhitneyu`) per metric, and checks of each expectation from the
literature, each ``consistent``, ``not consistent`` or ``not assessable`` (missing data,
or groups too small for the test to reach p < 0.05): always computed, never assumed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "GROUP_COLORS",
    "GROUP_LABELS",
    "METRICS",
    "ValidationRun",
    "compare_groups",
    "fmt",
    "group_values",
    "imi_peak",
    "median_iqr",
    "record_group",
]

GROUP_LABELS = {"patients": "PLM patients (plm*)", "controls": "healthy controls (n*)"}
GROUP_COLORS = {"patients": "#c0392b", "controls": "#2471a3", "other": "#7f8c8d"}

#: Metrics compared between groups: key -> (label, unit).
METRICS: dict[str, tuple[str, str]] = {
    "plms_index": ("PLMS index", "/h"),
    "plmw_index": ("PLMW index", "/h"),
    "periodicity_index": ("Periodicity index (PLMS/CLMS)", ""),
    "ferri_periodicity_index": ("Periodicity index (Ferri 2006)", ""),
}

ALPHA = 0.05
PLMS_CUTOFF_PER_H = 15.0
PI_RLS_MEAN, PI_RLS_SD = 0.86, 0.10
PI_THRESHOLD = 0.5
IMI_PEAK_RANGE_S = (15.0, 30.0)
IMI_WINDOW_S = (10.0, 90.0)

_CONTRAST_SOURCE = "follows from the cut-offs above (docs/scoring.md §12, §13)"


def record_group(record: str) -> str:
    """``'patients'`` for ``plm<k>``, ``'controls'`` for ``n<k>``, else ``'other'``."""
    name = Path(record).name.lower()
    if re.fullmatch(r"plm\d+", name):
        return "patients"
    if re.fullmatch(r"n\d+", name):
        return "controls"
    return "other"


def imi_peak(linear: dict[str, list[float]] | None, smooth: bool = True) -> float | None:
    """Centre (s) of the IMI histogram's peak inside the 10-90 s window, None if empty.

    The peak is the 2-s bin with the largest 3-bin (6-s) running sum of counts (the
    fullest single bin with ``smooth=False``); ties go to the shorter IMI.
    """
    if not linear:
        return None
    edges = np.asarray(linear["bin_edges_s"], dtype=float)
    counts = np.asarray(linear["counts"], dtype=float)
    centres = 0.5 * (edges[:-1] + edges[1:])
    inside = (edges[:-1] >= IMI_WINDOW_S[0] - 1e-9) & (edges[1:] <= IMI_WINDOW_S[1] + 1e-9)
    if not inside.any() or counts[inside].sum() <= 0:
        return None
    # 3-bin (6 s) running sum: the mode of a few hundred IMIs in 2-s bins is mostly noise
    width = 3 if smooth else 1
    summed = np.convolve(np.where(inside, counts, 0.0), np.ones(width), mode="same")
    k = int(np.argmax(np.where(inside, summed, -1.0)))
    return float(centres[k])


@dataclass
class ValidationRun:
    """What :func:`run_validation` did.

    Attributes
    ----------
    rows : list of dict
        One per record, in the order asked (see :func:`score_record`).
    comparison : dict
        :func:`compare_groups` of the rows.
    settings : dict
        Database, version, base URL, destination, rules, overrides, age group.
    outputs : dict
        Written files (``tsv``, ``json``, ``html``, ``records``).
    """

    rows: list[dict[str, Any]]
    comparison: dict[str, Any]
    settings: dict[str, Any]
    outputs: dict[str, Path] = field(default_factory=dict)

    @property
    def failed(self) -> list[dict[str, Any]]:
        """The rows of the records that failed."""
        return [r for r in self.rows if r["status"] != "ok"]


def group_values(rows: Sequence[dict[str, Any]], group: str, key: str) -> np.ndarray:
    """The finite values of ``key`` over a group's scored records."""
    vals = [
        r.get(key)
        for r in rows
        if r["status"] == "ok" and r["group"] == group and r.get(key) is not None
    ]
    arr = np.asarray([float(v) for v in vals], dtype=float)
    return arr[np.isfinite(arr)]


def _describe(x: np.ndarray) -> dict[str, Any]:
    if x.size == 0:
        return {"n": 0, "median": None, "q1": None, "q3": None, "min": None, "max": None}
    q1, med, q3 = np.percentile(x, [25, 50, 75])
    return {
        "n": int(x.size),
        "median": float(med),
        "q1": float(q1),
        "q3": float(q3),
        "min": float(x.min()),
        "max": float(x.max()),
    }


def _min_attainable_p(n1: int, n2: int) -> float:
    """Smallest two-sided p of the exact Mann-Whitney U test for group sizes n1, n2."""
    if n1 == 0 or n2 == 0:
        return 1.0
    return min(1.0, 2.0 / math.comb(n1 + n2, n1))


def _mann_whitney(pat: np.ndarray, ctl: np.ndarray) -> dict[str, Any]:
    from scipy.stats import mannwhitneyu

    out: dict[str, Any] = {
        "test": "Mann-Whitney U, two-sided (scipy.stats.mannwhitneyu)",
        "n_patients": int(pat.size),
        "n_controls": int(ctl.size),
        "u": None,
        "p": None,
        "method": None,
        "min_attainable_p": _min_attainable_p(int(pat.size), int(ctl.size)),
    }
    if pat.size == 0 or ctl.size == 0:
        return out
    if np.unique(np.concatenate([pat, ctl])).size == 1:  # all equal: no evidence either way
        out.update(u=float(pat.size * ctl.size / 2.0), p=1.0, method="all values equal")
        return out
    res = mannwhitneyu(pat, ctl, alternative="two-sided", method="auto")
    exact = (
        pat.size < 8 and ctl.size < 8 and np.unique(np.concatenate([pat, ctl])).size
        == pat.size + ctl.size
    )  # fmt: skip
    out.update(u=float(res.statistic), p=float(res.pvalue),
               method="exact" if exact else "asymptotic")  # fmt: skip
    return out


def fmt(v: Any, dec: int = 2, unit: str = "") -> str:
    """A value for tables and checks: ``n/a`` when missing, integers without decimals."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "n/a"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return f"{int(v)}{unit}"
    return f"{float(v):.{dec}f}{unit}"


def median_iqr(d: dict[str, Any], dec: int, unit: str) -> str:
    """``median M (IQR Q1–Q3, n = N)`` of a :func:`compare_groups` metric description."""
    if not d["n"]:
        return "no value"
    return (
        f"median {fmt(d['median'], dec, unit)} (IQR {fmt(d['q1'], dec)}–"
        f"{fmt(d['q3'], dec, unit)}, n = {d['n']})"
    )


def _pooled_histograms(rows: Sequence[dict[str, Any]], group: str) -> dict[str, Any]:
    lin = ln = None
    lin_edges = ln_edges = None
    for r in rows:
        if r["status"] != "ok" or r["group"] != group:
            continue
        h = r.get("imi_histograms") or {}
        if "linear" in h:
            c = np.asarray(h["linear"]["counts"], dtype=float)
            lin = c if lin is None else lin + c
            lin_edges = h["linear"]["bin_edges_s"]
        if "ln" in h:
            c = np.asarray(h["ln"]["counts"], dtype=float)
            ln = c if ln is None else ln + c
            ln_edges = h["ln"].get("bin_edges_ln")
    out: dict[str, Any] = {}
    if lin is not None:
        out["linear"] = {"bin_edges_s": list(lin_edges), "counts": [int(x) for x in lin]}
    if ln is not None:
        out["ln"] = {"bin_edges_ln": list(ln_edges or []), "counts": [int(x) for x in ln]}
    return out


def _check(
    cid: str,
    expectation: str,
    source: str,
    criterion: str,
    observed: str,
    verdict: str,
    note: str = "",
) -> dict[str, Any]:
    return {
        "id": cid,
        "expectation": expectation,
        "source": source,
        "criterion": criterion,
        "observed": observed,
        "verdict": verdict,
        "note": note,
    }


def _verdict(ok: bool | None) -> str:
    if ok is None:
        return "not assessable"
    return "consistent" if ok else "not consistent"


def _difference_check(
    key: str, stats: dict[str, Any], test: dict[str, Any], source: str
) -> dict[str, Any]:
    label, unit = METRICS[key]
    pat, ctl = stats["patients"][key], stats["controls"][key]
    dec = 1 if unit else 2
    observed = (
        f"patients {fmt(pat['median'], dec, unit)} vs controls {fmt(ctl['median'], dec, unit)}"
        f" (medians); U = {fmt(test['u'], 1)}, p = {fmt(test['p'], 3)}"
    )
    note = ""
    if not pat["n"] or not ctl["n"]:
        ok = None
        note = "a group has no scored record with this value"
    elif test["min_attainable_p"] >= ALPHA:
        ok = None
        note = (
            f"with {pat['n']} and {ctl['n']} records the smallest attainable two-sided p is "
            f"{test['min_attainable_p']:.3f} ≥ {ALPHA}: too few records to test"
        )
    else:
        ok = bool(pat["median"] > ctl["median"] and test["p"] is not None and test["p"] < ALPHA)
    return _check(
        f"{key}_higher_in_patients",
        f"{label} higher in PLM patients than in controls",
        source,
        f"patients' median > controls' median and Mann-Whitney two-sided p < {ALPHA}",
        observed,
        _verdict(ok),
        note,
    )


def compare_groups(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Group statistics, Mann-Whitney tests and literature checks for scored records.

    Parameters
    ----------
    rows : sequence of dict
        Rows of :func:`score_record` / :func:`run_validation` (failed rows are ignored).

    Returns
    -------
    dict
        ``groups``: per group (``patients``, ``controls``) the records scored and
        ``metrics`` (n, median, q1, q3, min, max per :data:`METRICS` key),
        ``imi_histogram`` (pooled sleep IMIs) and ``imi_peak_s``; ``tests``: per metric
        the Mann-Whitney U result; ``checks``: a list of expectation / criterion /
        observed / verdict items.
    """
    groups: dict[str, Any] = {}
    stats: dict[str, dict[str, Any]] = {}
    for g in ("patients", "controls"):
        recs = [r["record"] for r in rows if r["group"] == g and r["status"] == "ok"]
        metrics = {k: _describe(group_values(rows, g, k)) for k in METRICS}
        hist = _pooled_histograms(rows, g)
        groups[g] = {
            "label": GROUP_LABELS[g],
            "records_scored": recs,
            "records_failed": [
                r["record"] for r in rows if r["group"] == g and r["status"] != "ok"
            ],
            "metrics": metrics,
            "imi_histogram": hist,
            "imi_peak_s": imi_peak(hist.get("linear")),
            "n_plms_index_above_15": int(
                (group_values(rows, g, "plms_index") > PLMS_CUTOFF_PER_H).sum()
            ),
            "n_plms_index_below_5": int((group_values(rows, g, "plms_index") < 5.0).sum()),
        }
        stats[g] = metrics
    tests = {k: _mann_whitney(group_values(rows, "patients", k), group_values(rows, "controls", k))
             for k in METRICS}  # fmt: skip

    checks: list[dict[str, Any]] = []
    p_plms, c_plms = stats["patients"]["plms_index"], stats["controls"]["plms_index"]
    gp, gc = groups["patients"], groups["controls"]
    checks.append(
        _check(
            "patients_plms_above_15",
            "PLM patients: PLMS index > 15/h",
            "ICSD-3 adult PLMD cut-off (docs/scoring.md §13)",
            "patients' median PLMS index > 15/h",
            f"{median_iqr(p_plms, 1, '/h')}; {gp['n_plms_index_above_15']} of {p_plms['n']} "
            "above 15/h",
            _verdict(None if not p_plms["n"] else p_plms["median"] > PLMS_CUTOFF_PER_H),
        )
    )
    checks.append(
        _check(
            "controls_plms_low",
            "Healthy controls: low PLMS index (mostly < 5–15/h)",
            "docs/scoring.md §13 (older cut-off 5/h, PLMD cut-off 15/h)",
            "controls' median PLMS index < 15/h",
            f"{median_iqr(c_plms, 1, '/h')}; {gc['n_plms_index_below_5']} of {c_plms['n']} "
            "below 5/h",
            _verdict(None if not c_plms["n"] else c_plms["median"] < PLMS_CUTOFF_PER_H),
        )
    )
    checks.append(_difference_check("plms_index", stats, tests["plms_index"], _CONTRAST_SOURCE))
    lo, hi = PI_RLS_MEAN - 2 * PI_RLS_SD, PI_RLS_MEAN + 2 * PI_RLS_SD
    for key in ("periodicity_index", "ferri_periodicity_index"):
        label = METRICS[key][0]
        p, c = stats["patients"][key], stats["controls"][key]
        checks.append(
            _check(
                f"patients_{key}_rls",
                f"PLM patients: {label} ≈ {PI_RLS_MEAN:.2f} ± {PI_RLS_SD:.2f}",
                "RLS with PLMS > 15/h, Korean cohort (JCSM 2016, PMC4957186; docs/scoring.md §12)",
                f"patients' median within mean ± 2 SD = [{lo:.2f}, {min(hi, 1.0):.2f}]",
                median_iqr(p, 2, ""),
                _verdict(None if not p["n"] else lo <= p["median"] <= hi),
                "the cohort had RLS; CAP plm* patients have PLM disorder",
            )
        )
        checks.append(
            _check(
                f"{key}_threshold",
                f"{label}: threshold ≈ {PI_THRESHOLD} separates patients from controls",
                "Ferri et al., Sleep Med 2016 (docs/scoring.md §12, §13)",
                f"patients' median > {PI_THRESHOLD} and controls' median < {PI_THRESHOLD}",
                f"patients {median_iqr(p, 2, '')}; controls {median_iqr(c, 2, '')}",
                _verdict(
                    None
                    if not p["n"] or not c["n"]
                    else p["median"] > PI_THRESHOLD and c["median"] < PI_THRESHOLD
                ),
                "records without CLMs in sleep have no PI and are left out",
            )
        )
        checks.append(_difference_check(key, stats, tests[key], _CONTRAST_SOURCE))
    peak = gp["imi_peak_s"]
    checks.append(
        _check(
            "patients_imi_peak",
            f"PLM patients: IMI histogram peaks at {IMI_PEAK_RANGE_S[0]:g}–"
            f"{IMI_PEAK_RANGE_S[1]:g} s",
            "periodic LMs (docs/scoring.md §11.4, §12)",
            f"peak (2-s bins, 6-s running sum) of the patients' pooled sleep IMIs in "
            f"{IMI_WINDOW_S[0]:g}–{IMI_WINDOW_S[1]:g} s lies in {IMI_PEAK_RANGE_S[0]:g}–"
            f"{IMI_PEAK_RANGE_S[1]:g} s",
            f"peak at {fmt(peak, 0, ' s')} (fullest single 2-s bin: "
            f"{fmt(imi_peak(gp['imi_histogram'].get('linear'), smooth=False), 0, ' s')}); "
            f"controls' peak at {fmt(gc['imi_peak_s'], 0, ' s')}",
            _verdict(None if peak is None else IMI_PEAK_RANGE_S[0] <= peak <= IMI_PEAK_RANGE_S[1]),
        )
    )
    counts = {v: sum(1 for c in checks if c["verdict"] == v)
              for v in ("consistent", "not consistent", "not assessable")}  # fmt: skip
    return {"groups": groups, "tests": tests, "checks": checks, "verdict_counts": counts}
