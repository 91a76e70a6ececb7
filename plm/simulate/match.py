"""Scoring a detector against planted truth: event matching by intersection over union."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["MatchResult", "match_events"]


@dataclass
class MatchResult:
    """Event-level agreement between detected and true intervals.

    Attributes
    ----------
    tp, fp, fn : int
        Matched pairs, unmatched detections, unmatched truth events.
    precision, recall, f1 : float
        ``tp/(tp+fp)``, ``tp/(tp+fn)`` and their harmonic mean (1.0 when both sets are
        empty; 0.0 when one is).
    onset_errors_s, offset_errors_s : ndarray
        Detected minus true onset / offset (s) of every matched pair.
    pairs : DataFrame
        ``detected``, ``truth`` (row positions in the inputs) and ``iou`` of the pairs.
    """

    tp: int
    fp: int
    fn: int
    precision: float
    recall: float
    f1: float
    onset_errors_s: np.ndarray
    offset_errors_s: np.ndarray
    pairs: pd.DataFrame

    def summary(self) -> dict[str, float]:
        """Counts, precision/recall/F1 and median/90th-percentile |onset error| (s)."""
        err = np.abs(self.onset_errors_s)
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "onset_error_median_s": float(np.median(err)) if err.size else float("nan"),
            "onset_error_p90_s": float(np.percentile(err, 90)) if err.size else float("nan"),
        }


def match_events(
    detected: pd.DataFrame,
    truth: pd.DataFrame,
    min_iou: float = 0.5,
    by_side: bool = True,
) -> MatchResult:
    """Match detected to true intervals one-to-one by intersection over union.

    Pairs with IoU >= ``min_iou`` are matched greedily, highest IoU first (with
    ``min_iou >= 0.5`` the matching is unique anyway: an interval can have IoU > 0.5
    with at most one interval of a set of disjoint intervals).

    Parameters
    ----------
    detected, truth : DataFrame
        ``onset`` and ``duration`` (s); with ``by_side`` both need a ``side`` column and
        only same-side events are matched.
    min_iou : float
        Minimum intersection over union of a match.
    by_side : bool
        Match within each side separately.

    Returns
    -------
    MatchResult
    """
    for name, df in (("detected", detected), ("truth", truth)):
        missing = {"onset", "duration"} - set(df.columns)
        if by_side:
            missing |= {"side"} - set(df.columns)
        if missing:
            raise ValueError(f"{name} table lacks column(s) {sorted(missing)}")
    d_on = detected["onset"].to_numpy(float)
    d_off = d_on + detected["duration"].to_numpy(float)
    t_on = truth["onset"].to_numpy(float)
    t_off = t_on + truth["duration"].to_numpy(float)
    d_side = detected["side"].astype(str).to_numpy() if by_side else np.zeros(len(d_on), str)
    t_side = truth["side"].astype(str).to_numpy() if by_side else np.zeros(len(t_on), str)
    # candidate pairs: every truth interval overlapping each detection (loop per detection)
    order_t = np.argsort(t_on, kind="stable")
    cand_d, cand_t = [], []
    for i in range(len(d_on)):
        j_hi = np.searchsorted(t_on[order_t], d_off[i], side="left")
        js = order_t[:j_hi]
        js = js[(t_off[js] > d_on[i]) & (t_side[js] == d_side[i])]
        cand_d.extend([i] * js.size)
        cand_t.extend(js.tolist())
    cd = np.asarray(cand_d, dtype=np.int64)
    ct = np.asarray(cand_t, dtype=np.int64)
    inter = np.clip(np.minimum(d_off[cd], t_off[ct]) - np.maximum(d_on[cd], t_on[ct]), 0, None)
    union = np.maximum(d_off[cd], t_off[ct]) - np.minimum(d_on[cd], t_on[ct])
    iou = np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)
    good = iou >= min_iou
    cd, ct, iou = cd[good], ct[good], iou[good]
    used_d = np.zeros(len(d_on), bool)
    used_t = np.zeros(len(t_on), bool)
    pairs = []
    for k in np.argsort(-iou, kind="stable"):  # loop per candidate pair
        if not used_d[cd[k]] and not used_t[ct[k]]:
            used_d[cd[k]] = used_t[ct[k]] = True
            pairs.append((int(cd[k]), int(ct[k]), float(iou[k])))
    pairs_df = pd.DataFrame(pairs, columns=["detected", "truth", "iou"])
    tp = len(pairs)
    fp = len(d_on) - tp
    fn = len(t_on) - tp
    precision = tp / (tp + fp) if tp + fp else (1.0 if fn == 0 else 0.0)
    recall = tp / (tp + fn) if tp + fn else (1.0 if fp == 0 else 0.0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    pd_i = pairs_df["detected"].to_numpy(int)
    pt_i = pairs_df["truth"].to_numpy(int)
    return MatchResult(
        tp=tp,
        fp=fp,
        fn=fn,
        precision=precision,
        recall=recall,
        f1=f1,
        onset_errors_s=d_on[pd_i] - t_on[pt_i],
        offset_errors_s=d_off[pd_i] - t_off[pt_i],
        pairs=pairs_df,
    )


# --------------------------------------------------------------------------- files
