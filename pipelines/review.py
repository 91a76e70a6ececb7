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

:func:`read_result` reads a result directory back (the files written by
:meth:`plm.results.PLMResult.to_dir`, including ``<stem>_stages.tsv`` and
``<stem>_gaps.tsv``) so the review file and the report can be rebuilt without rescoring.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from plm.events import Hypnogram, InputError, empty_intervals
from plm.results import (
    CANDIDATES_SUFFIX,
    GAPS_SUFFIX,
    MOVEMENTS_SUFFIX,
    STAGES_SUFFIX,
    SUMMARY_SUFFIX,
)
from plm.rules import RuleProfile

__all__ = [
    "REVIEW_SUFFIX",
    "STAGES_SUFFIX",
    "GAPS_SUFFIX",
    "SimpleResult",
    "review_annotations",
    "write_review_edf",
    "read_result",
    "find_summaries",
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


@dataclass
class SimpleResult:
    """A scored night read back from its files (what reports and the review file need).

    Attributes
    ----------
    candidates, movements : DataFrame
        As in :class:`plm.results.PLMResult`.
    summary : dict
        The summary JSON.
    stem : str
        File stem.
    start_datetime : datetime or None
        Clock time of t = 0, from the summary's ``start_datetime``.
    hypnogram : Hypnogram or None
        From ``<stem>_stages.tsv`` when present.
    gaps : DataFrame
        ``onset``, ``duration``, ``reason`` from ``<stem>_gaps.tsv`` (empty when absent).
    rules : RuleProfile or None
        Rebuilt from the summary's ``rules``.
    directory : Path
        Where the files are.
    signals : dict
        Always empty (signals are never written to disk).
    """

    candidates: pd.DataFrame
    movements: pd.DataFrame
    summary: dict[str, Any]
    stem: str
    start_datetime: datetime | None = None
    hypnogram: Hypnogram | None = None
    gaps: pd.DataFrame = field(default_factory=lambda: empty_intervals(("reason",)))
    rules: RuleProfile | None = None
    directory: Path | None = None
    signals: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------
# accessors that work on PLMResult and SimpleResult alike
# ---------------------------------------------------------------------------------------


def result_start(result: Any) -> datetime | None:
    """Clock time of t = 0 of a result (PLMResult or SimpleResult), or None."""
    start = getattr(result, "start_datetime", None)
    if isinstance(start, datetime):
        return start
    text = start or result.summary.get("start_datetime")
    events = getattr(result, "events", None)
    if not text and events is not None:
        text = getattr(events, "start_datetime", None)
    if not text:
        return None
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        logger.warning("unreadable start_datetime %r in the summary", text)
        return None


def result_hypnogram(result: Any) -> Hypnogram | None:
    """The hypnogram of a result, or None."""
    events = getattr(result, "events", None)
    if events is not None:
        return events.hypnogram
    return getattr(result, "hypnogram", None)


def result_gaps(result: Any) -> pd.DataFrame:
    """Stretches that were not scored (``onset``, ``duration``, ``reason``)."""
    events = getattr(result, "events", None)
    gaps = events.gaps if events is not None else getattr(result, "gaps", None)
    if gaps is None or not len(gaps):
        return empty_intervals(("reason",))
    out = gaps.copy()
    if "reason" not in out:
        out["reason"] = ""
    return out[["onset", "duration", "reason"]].reset_index(drop=True)


def result_rules(result: Any) -> RuleProfile | None:
    """The rule profile of a result (rebuilt from the summary when needed)."""
    rules = getattr(result, "rules", None)
    if isinstance(rules, RuleProfile):
        return rules
    return rules_from_summary(result.summary)


def rules_from_summary(summary: dict[str, Any]) -> RuleProfile | None:
    """Rebuild the :class:`RuleProfile` stored in a summary; None if it does not fit."""
    raw = summary.get("rules")
    if not isinstance(raw, dict):
        return None
    try:
        return RuleProfile(**raw)
    except (TypeError, ValueError) as exc:
        logger.warning("rule profile in the summary not understood (%s)", exc)
        return None


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


def review_annotations(result: Any) -> pd.DataFrame:
    """Annotations of the review file for a scored night.

    Parameters
    ----------
    result : PLMResult or SimpleResult
        The scored night.

    Returns
    -------
    DataFrame
        ``onset``, ``duration`` (s from the recording start) and ``description``, sorted
        by onset: series first, then combined LMs, monolateral LMs, unscored stretches.
    """
    rules = result_rules(result)
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


def write_review_edf(result: Any, path: str | os.PathLike[str]) -> Path:
    """Write the review annotations as an annotation-only EDF+C file (atomically).

    Parameters
    ----------
    result : PLMResult or SimpleResult
        The scored night.
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

    start = result_start(result)
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


# ---------------------------------------------------------------------------------------
# result directories
# ---------------------------------------------------------------------------------------


def find_summaries(directory: str | os.PathLike[str]) -> list[Path]:
    """Summary files (``*_summary.json``) directly inside a directory, sorted."""
    return sorted(Path(directory).glob(f"*{SUMMARY_SUFFIX}"))


def _read_tsv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, sep="\t", keep_default_na=False, na_values=[""])
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read table ({exc})", source=str(path)) from None


def _tidy_candidates(cand: pd.DataFrame) -> pd.DataFrame:
    cand = cand.copy()
    for col in ("candidate", "periodic", "arousal", "respiratory", "periodic_nr"):
        if col in cand:
            cand[col] = (
                cand[col].map(lambda v: str(v).strip().lower() in ("true", "1", "yes")).astype(bool)
            )
    if "series" in cand:
        cand["series"] = pd.to_numeric(cand["series"], errors="coerce").astype("Int64")
    for col in ("side", "category", "stage", "exclusion"):
        if col in cand:
            v = cand[col].astype(object)
            cand[col] = v.where(v.notna(), "").astype(str)
    for col in ("onset", "duration", "imi"):
        if col in cand:
            cand[col] = pd.to_numeric(cand[col], errors="coerce").astype(float)
    if "n_components" in cand:
        cand["n_components"] = pd.to_numeric(cand["n_components"]).fillna(1).astype(np.int64)
    return cand


def read_result(path: str | os.PathLike[str], stem: str | None = None) -> SimpleResult:
    """Read a scored night back from its files.

    Parameters
    ----------
    path : path-like
        A ``<stem>_summary.json`` file, or a directory holding exactly one summary (or
        several, with ``stem`` saying which).
    stem : str, optional
        Which recording of a directory holding several.

    Returns
    -------
    SimpleResult

    Raises
    ------
    InputError
        When the directory holds no summary (or several and no ``stem``), or a file is
        missing or unreadable.
    """
    p = Path(path)
    if p.is_dir():
        if stem is not None:
            summary_path = p / f"{stem}{SUMMARY_SUFFIX}"
        else:
            found = find_summaries(p)
            if not found:
                raise InputError(f"no *{SUMMARY_SUFFIX} in this folder", source=str(p))
            if len(found) > 1:
                names = ", ".join(f.name[: -len(SUMMARY_SUFFIX)] for f in found[:5])
                raise InputError(
                    f"{len(found)} results in this folder ({names}...); name one summary file",
                    source=str(p),
                )
            summary_path = found[0]
    else:
        summary_path = p
    if not summary_path.name.endswith(SUMMARY_SUFFIX):
        raise InputError(f"expected a *{SUMMARY_SUFFIX} file or a result folder", str(p))
    if not summary_path.is_file():
        raise InputError("result summary not found", source=str(summary_path))
    stem = summary_path.name[: -len(SUMMARY_SUFFIX)]
    folder = summary_path.parent
    try:
        with open(summary_path, encoding="utf-8") as fh:
            summary = json.load(fh)
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read summary ({exc})", source=str(summary_path)) from None
    cand_path = folder / f"{stem}{CANDIDATES_SUFFIX}"
    mv_path = folder / f"{stem}{MOVEMENTS_SUFFIX}"
    for needed in (cand_path, mv_path):
        if not needed.is_file():
            raise InputError("result file missing", source=str(needed))
    candidates = _tidy_candidates(_read_tsv(cand_path))
    movements = _read_tsv(mv_path)
    if "side" in movements:
        side = movements["side"].astype(object)
        movements["side"] = side.where(side.notna(), "").astype(str)
    hyp = None
    stages_path = folder / f"{stem}{STAGES_SUFFIX}"
    if stages_path.is_file():
        st = _read_tsv(stages_path)
        if len(st):
            epoch = float(st["duration"].iloc[0])
            hyp = Hypnogram(
                st["stage"].fillna("unscored").astype(str).to_numpy(object),
                epoch_s=epoch,
                start_s=float(st["onset"].iloc[0]),
            )
    gaps = empty_intervals(("reason",))
    gaps_path = folder / f"{stem}{GAPS_SUFFIX}"
    if gaps_path.is_file():
        g = _read_tsv(gaps_path)
        if len(g):
            reason = g["reason"].astype(object) if "reason" in g else pd.Series("", index=g.index)
            g["reason"] = reason.where(reason.notna(), "").astype(str)
            gaps = g[["onset", "duration", "reason"]]
    result = SimpleResult(
        candidates=candidates,
        movements=movements,
        summary=summary,
        stem=stem,
        hypnogram=hyp,
        gaps=gaps,
        rules=rules_from_summary(summary),
        directory=folder,
    )
    result.start_datetime = result_start(result)
    return result
