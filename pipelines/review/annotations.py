"""Review file: the scored night as an annotation-only EDF+ file for the lab's viewer.

``<stem>_plm_annotations.edf`` holds no signal, only EDF+ annotations (TALs), and starts
at the recording's start date/time, so a viewer that overlays an annotation file on the
recording (EDFbrowser, Polyman, Sleep-EDF style hypnograms) shows the detections in
place.  One annotation per

* detected monolateral LM: ``LM left``, ``LM right`` (``LM merged`` for a single
  merged-legs channel);
* combined LM (one row of the candidate table), named by what the rules made of it:
  ``PLM bilateral (series 3)``, ``CLM left (isolated)``, ``CLM right (short IMI)``,
  ``non-CLM bilateral (> 15 s)``, ``LM left excluded (gap)``; followed by ``, CLMr``
  when respiratory-related (WASM window at the end of an apnea/hypopnea) and
  ``, arousal`` when arousal-associated;
* periodic series: ``PLM series 3 (12 PLMs)``, from the first PLM's onset to the last
  PLM's offset;
* stretch that was not scored: ``Unscorable leg EMG`` (baseline too high), ``Not scored:
  <reason>`` for other gaps (EDF+D gaps).

A result folder read back with :meth:`plm.results.PLMResult.from_dir` (the inverse of
``to_dir``) rebuilds the review file and the report without rescoring.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from plm._lazy import pandas as pd
from plm.events import empty_intervals
from plm.results import GAPS_SUFFIX, STAGES_SUFFIX, PLMResult, find_summaries
from plm.rules import RuleProfile

__all__ = [
    "REVIEW_SUFFIX",
    "STAGES_SUFFIX",
    "GAPS_SUFFIX",
    "review_annotations",
    "write_review_edf",
    "find_summaries",
    "result_gaps",
]

logger = logging.getLogger(__name__)

REVIEW_SUFFIX = "_plm_annotations.edf"

#: Start written when the recording's start date/time is unknown (EDF needs one).
FALLBACK_START = datetime(1985, 1, 1, 0, 0, 0)

_EXCLUSION_TEXT = {
    "outside_window": "outside lights-off window",
    "gap": "gap",
    "respiratory": "respiratory",
    "too_long": "> 10 s",
}


def result_gaps(result: PLMResult) -> pd.DataFrame:
    """Stretches that were not scored (``onset``, ``duration``, ``reason``)."""
    gaps = result.events.gaps
    if gaps is None or not len(gaps):
        return empty_intervals(("reason",))
    out = gaps.copy()
    if "reason" not in out:
        out["reason"] = ""
    return out[["onset", "duration", "reason"]].reset_index(drop=True)


# ---------------------------------------------------------------------------------------
# annotations
# ---------------------------------------------------------------------------------------


def _noncandidate_reason(side: str, duration: float, n_components: int, rules) -> str:
    if rules is None:
        return ""
    if n_components <= 1:
        if duration > rules.lm_max_s + 1e-6:
            return f"> {rules.lm_max_s:g} s"
        if duration < rules.lm_min_s - 1e-6:
            return f"< {rules.lm_min_s:g} s"
        return ""
    if rules.bilateral_rule == "overlap_gap":
        if duration > rules.bilateral_max_s + 1e-6:
            return f"> {rules.bilateral_max_s:g} s"
        if n_components > rules.bilateral_max_components:
            return f"> {rules.bilateral_max_components} LMs"
    return f"part > {rules.lm_max_s:g} s"


def candidate_description(row: Any, rules: RuleProfile | None = None) -> str:
    """Short text for one row of the candidate table (see the module docstring)."""
    side = str(row["side"])
    category = str(row["category"])
    if category == "plm":
        series = row["series"]
        head = f"PLM {side}" + (f" (series {int(series)})" if pd.notna(series) else "")
    elif category == "short_imi":
        head = f"CLM {side} (short IMI)"
    elif category == "isolated":
        head = f"CLM {side} (isolated)"
    elif category == "excluded":
        why = str(row["exclusion"]) if pd.notna(row["exclusion"]) else ""
        head = f"LM {side} excluded ({_EXCLUSION_TEXT.get(why, why.replace('_', ' '))})"
    else:
        reason = _noncandidate_reason(side, float(row["duration"]), int(row["n_components"]), rules)
        head = f"non-CLM {side}" + (f" ({reason})" if reason else "")
    flags = []
    if bool(row["respiratory"]) and bool(row["candidate"]):
        flags.append("CLMr")
    if bool(row["arousal"]):
        flags.append("arousal")
    return ", ".join([head, *flags])


def review_annotations(result: PLMResult) -> pd.DataFrame:
    """Annotations of the review file for a scored night.

    Parameters
    ----------
    result : PLMResult
        The scored night (from :func:`plm.score` or :meth:`PLMResult.from_dir`).

    Returns
    -------
    DataFrame
        ``onset``, ``duration`` (s from the recording start) and ``description``, sorted
        by onset: series first, then combined LMs, monolateral LMs, unscored stretches.
    """
    rules = result.rules
    parts: list[pd.DataFrame] = []
    cand = result.candidates
    if len(cand):
        periodic = cand[cand["category"].astype(str) == "plm"]
        if len(periodic) and periodic["series"].notna().any():
            per = periodic[periodic["series"].notna()].copy()
            per["end"] = per["onset"].astype(float) + per["duration"].astype(float)
            grp = per.groupby(per["series"].astype(int), sort=True)
            ser = pd.DataFrame(
                {"onset": grp["onset"].min(), "end": grp["end"].max(), "n": grp.size()}
            )
            parts.append(
                pd.DataFrame(
                    {
                        "onset": ser["onset"].to_numpy(float),
                        "duration": (ser["end"] - ser["onset"]).to_numpy(float),
                        "description": [
                            f"PLM series {s} ({n} PLMs)"
                            for s, n in zip(ser.index, ser["n"], strict=True)
                        ],
                        "_order": 0,
                    }
                )
            )
        parts.append(
            pd.DataFrame(
                {
                    "onset": cand["onset"].to_numpy(float),
                    "duration": cand["duration"].to_numpy(float),
                    "description": [
                        candidate_description(row, rules) for _, row in cand.iterrows()
                    ],
                    "_order": 1,
                }
            )
        )
    mv = result.movements
    if len(mv):
        parts.append(
            pd.DataFrame(
                {
                    "onset": mv["onset"].to_numpy(float),
                    "duration": mv["duration"].to_numpy(float),
                    "description": ["LM " + str(s) for s in mv["side"]],
                    "_order": 2,
                }
            )
        )
    gaps = result_gaps(result)
    if len(gaps):
        parts.append(
            pd.DataFrame(
                {
                    "onset": gaps["onset"].to_numpy(float),
                    "duration": gaps["duration"].to_numpy(float),
                    "description": [
                        "Unscorable leg EMG"
                        if "unscorable" in str(r).lower()
                        else f"Not scored: {r}"
                        if str(r)
                        else "Not scored"
                        for r in gaps["reason"].fillna("")
                    ],
                    "_order": 3,
                }
            )
        )
    if not parts:
        return pd.DataFrame(
            {
                "onset": pd.Series(dtype=float),
                "duration": pd.Series(dtype=float),
                "description": pd.Series(dtype=object),
            }
        )
    out = pd.concat(parts, ignore_index=True)
    out = out.sort_values(["onset", "_order"], kind="stable").drop(columns="_order")
    return out.reset_index(drop=True)


def write_review_edf(result: PLMResult, path: str | os.PathLike[str]) -> Path:
    """Write the review annotations as an annotation-only EDF+C file (atomically).

    Parameters
    ----------
    result : PLMResult
        The scored night (from :func:`plm.score` or :meth:`PLMResult.from_dir`).
    path : path-like
        Output file, conventionally ``<stem>_plm_annotations.edf``.

    Returns
    -------
    Path
        The written file.

    Notes
    -----
    The file starts at the recording's start date/time (seconds dropped below 1 s, as
    EDF headers cannot hold them).  When the start is unknown it starts at
    1985-01-01 00:00:00 (the earliest EDF date) and a warning is logged.
    """
    from plm.io.edf import write_edf

    start = result.start
    if start is None:
        logger.warning("%s: recording start unknown; review file starts at 1985-01-01", path)
        start = FALLBACK_START
    ann = review_annotations(result)
    # 30-s data records (one scoring epoch each): an 8-h night's file stays ~100 kB
    return write_edf(
        path,
        [],
        start.replace(microsecond=0),
        annotations=ann,
        record_duration_s=30.0,
        file_type="EDF+C",
    )
