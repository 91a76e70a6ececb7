"""A technician's review of a scored night: edit files, applying edits, the diff, the audit.

A scored night is reviewed movement by movement (the review page written by ``plm
review``, or the annotation EDF+ file opened in the lab's viewer).  The corrections come
back as an *edit file*, read by :func:`read_edits`:

* the review page's JSON export (:data:`EDITS_FORMAT`): the checksum of the result it was
  made from (:func:`folder_checksum`), the scoring settings, the reviewer, and every edit
  in order (``accept``, ``reject``, ``move``, ``add``) with the movement's state before
  and after;
* an annotation file (EDF+, or any vendor export :func:`plm.io.annotations.load_night_events`
  reads) holding the whole reviewed set of monolateral LMs (``LM left``, ``LM right``),
  e.g. the review EDF+ written by ``plm export-annotations`` after a technician added,
  deleted or moved LM events in EDFbrowser.

:func:`apply_edits` replaces the detector's movements (the rows of
``<stem>_movements.tsv``) by the reviewed set; :func:`diff_movements` tells what changed
when only the reviewed set is known; :func:`rescore_recording` scores the recording again
with the reviewed movements (the detector's gaps, hypnogram and events unchanged) and
:func:`audit_block` writes what was done into the new summary.

Movement indices are 0-based rows of the original ``<stem>_movements.tsv``; a movement
added on the page gets index ``N + k`` (``N`` original rows, ``k``-th addition).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from plm.events import InputError
from plm.results import CANDIDATES_SUFFIX, SUMMARY_SUFFIX, PLMResult

__all__ = [
    "EDITS_FORMAT",
    "EDITS_VERSION",
    "EDIT_KINDS",
    "DIFF_COLUMNS",
    "DIFF_SUFFIX",
    "ReviewEdits",
    "Rescored",
    "checksum_bytes",
    "folder_checksum",
    "result_checksum",
    "read_edits",
    "apply_edits",
    "diff_movements",
    "audit_block",
    "rescore_recording",
]

logger = logging.getLogger(__name__)

#: ``format`` field of the review page's JSON export.
EDITS_FORMAT = "plmkit-review-edits"
#: Version of that format this module reads.
EDITS_VERSION = 1
#: Edit kinds of the JSON export.
EDIT_KINDS: tuple[str, ...] = ("accept", "reject", "move", "add")
#: Columns of ``<stem>_review_diff.tsv``.
DIFF_COLUMNS: tuple[str, ...] = (
    "change",
    "index",
    "side",
    "onset_before",
    "duration_before",
    "onset_after",
    "duration_after",
    "category_before",
    "category_after",
)
DIFF_SUFFIX = "_review_diff.tsv"
#: Two onsets (or durations) closer than this (s) are the same (EDF+ keeps 0.1 ms).
TIME_TOL_S = 5e-4
_MOVEMENT_COLUMNS = ("onset", "duration", "side", "peak_uv", "area_uv_s")


# ---------------------------------------------------------------------------------------
# checksums
# ---------------------------------------------------------------------------------------


def checksum_bytes(summary: bytes, candidates: bytes) -> str:
    """The checksum of a result: ``sha256:`` + SHA-256 of its summary and candidate files.

    Parameters
    ----------
    summary, candidates : bytes
        The bytes of ``<stem>_summary.json`` and ``<stem>_candidates.tsv`` as written by
        :meth:`plm.results.PLMResult.to_dir`.

    Returns
    -------
    str
        ``"sha256:<64 hex digits>"`` of ``len(summary)`` (8 bytes, big-endian), the
        summary bytes and the candidate bytes.
    """
    h = hashlib.sha256()
    h.update(len(summary).to_bytes(8, "big"))
    h.update(summary)
    h.update(candidates)
    return "sha256:" + h.hexdigest()


def folder_checksum(folder: str | os.PathLike[str], stem: str) -> str:
    """:func:`checksum_bytes` of the result ``stem`` written in ``folder``."""
    base = Path(folder)
    try:
        summary = (base / f"{stem}{SUMMARY_SUFFIX}").read_bytes()
        candidates = (base / f"{stem}{CANDIDATES_SUFFIX}").read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the result ({exc})", source=str(base)) from None
    return checksum_bytes(summary, candidates)


def result_checksum(result: PLMResult) -> str:
    """:func:`checksum_bytes` of a result in memory (written to a temporary folder)."""
    with tempfile.TemporaryDirectory(prefix="plm-checksum-") as tmp:
        result.to_dir(tmp)
        return folder_checksum(tmp, result.stem)


# ---------------------------------------------------------------------------------------
# edit files
# ---------------------------------------------------------------------------------------


@dataclass
class ReviewEdits:
    """An edit file, read.

    Attributes
    ----------
    path : Path
        The file.
    sha256 : str
        SHA-256 of the file (hex).
    kind : {'json', 'annotations'}
        The review page's export, or an annotation file with the reviewed LMs.
    edits : list of dict
        JSON: every edit in order (``kind``, ``index``, ``side``, ``before``, ``after``,
        ``time``); empty for an annotation file.
    movements : DataFrame or None
        Annotation file: the reviewed monolateral LMs (``onset``, ``duration``, ``side``).
    result_checksum : str or None
        JSON: the checksum of the result the edits were made on.
    reviewer, exported_at : str or None
        JSON: who reviewed (as typed on the page) and when the file was exported.
    settings : dict
        JSON: how the result was scored (``rules``: every rule field, ``age_group``,
        ``channels``, ``inputs``), used to score the recording again.
    stem : str or None
        JSON: the result's stem.
    """

    path: Path
    sha256: str
    kind: str
    edits: list[dict[str, Any]] = field(default_factory=list)
    movements: pd.DataFrame | None = None
    result_checksum: str | None = None
    reviewer: str | None = None
    exported_at: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    stem: str | None = None


def _num(value: Any, what: str, source: str) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{what}: not a number ({value!r})", source=source) from None
    if not np.isfinite(out):
        raise InputError(f"{what}: not a finite number ({value!r})", source=source)
    return out


def _state(obj: Any, what: str, source: str, side: bool = False) -> dict[str, Any] | None:
    if obj is None:
        return None
    if not isinstance(obj, dict):
        raise InputError(f"{what}: expected an object", source=source)
    out: dict[str, Any] = {
        "onset": _num(obj.get("onset"), f"{what} onset", source),
        "duration": _num(obj.get("duration"), f"{what} duration", source),
    }
    if out["duration"] <= 0:
        raise InputError(f"{what}: duration must be > 0 s", source=source)
    if side or "side" in obj:
        out["side"] = str(obj.get("side", ""))
    return out


def _read_json_edits(path: Path, raw: bytes, sha: str) -> ReviewEdits:
    src = str(path)
    try:
        obj = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"not a JSON edit file ({exc})", source=src) from None
    if not isinstance(obj, dict) or obj.get("format") != EDITS_FORMAT:
        raise InputError(f"not a review edit file (format is not {EDITS_FORMAT!r})", src)
    if int(obj.get("version", 0)) > EDITS_VERSION:
        raise InputError(f"edit file version {obj.get('version')} is newer than this plmkit", src)
    edits = []
    for k, e in enumerate(obj.get("edits") or []):
        what = f"edit {k + 1}"
        if not isinstance(e, dict) or e.get("kind") not in EDIT_KINDS:
            raise InputError(f"{what}: kind must be one of {', '.join(EDIT_KINDS)}", src)
        try:
            index = int(e["index"])
        except (KeyError, TypeError, ValueError):
            raise InputError(f"{what}: no movement index", source=src) from None
        edits.append(
            {
                "kind": e["kind"],
                "index": index,
                "side": str(e.get("side", "")),
                "before": _state(e.get("before"), f"{what} before", src),
                "after": _state(e.get("after"), f"{what} after", src),
                "time": e.get("time"),
            }
        )
    return ReviewEdits(
        path=path,
        sha256=sha,
        kind="json",
        edits=edits,
        result_checksum=obj.get("result_checksum"),
        reviewer=obj.get("reviewer") or None,
        exported_at=obj.get("exported_at"),
        settings=dict(obj.get("settings") or {}),
        stem=obj.get("stem"),
    )


def read_edits(
    path: str | os.PathLike[str],
    start_datetime: Any = None,
    recording_duration_s: float | None = None,
    format: str | None = None,  # noqa: A002 - as plm.io.annotations.load_night_events
) -> ReviewEdits:
    """Read an edit file: the review page's JSON export or an annotation file.

    Parameters
    ----------
    path : path-like
        ``*.json`` (the page's export) or any annotation file with the reviewed LMs.
    start_datetime : datetime, optional
        The recording's start, to place clock-time annotation formats.
    recording_duration_s : float, optional
        The recording's length (s).
    format : str, optional
        Force the annotation format.

    Returns
    -------
    ReviewEdits

    Raises
    ------
    InputError
        Unreadable file, wrong format, an annotation file without leg movements.
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the edit file ({exc.strerror})", source=str(p)) from None
    sha = hashlib.sha256(raw).hexdigest()
    if p.suffix.lower() == ".json" or raw.lstrip()[:1] == b"{":
        return _read_json_edits(p, raw, sha)
    from plm.io.annotations import load_night_events

    events = load_night_events(
        [p],
        start_datetime=start_datetime,
        recording_duration_s=recording_duration_s,
        format=format,
        hash_files=False,
    )
    mv = events.movements
    if mv is None or not len(mv):
        raise InputError("no leg-movement annotations (LM left / LM right) found", str(p))
    mv = mv[["onset", "duration", "side"]].copy()
    mv["side"] = mv["side"].astype(str)
    return ReviewEdits(path=p, sha256=sha, kind="annotations", movements=mv)


# ---------------------------------------------------------------------------------------
# applying edits, the diff
# ---------------------------------------------------------------------------------------


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return (
        abs(a["onset"] - b["onset"]) <= TIME_TOL_S
        and abs(a["duration"] - b["duration"]) <= TIME_TOL_S
    )


def apply_edits(
    movements: pd.DataFrame, edits: list[dict[str, Any]], source: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    """Apply the review page's edits to the original movement table.

    Parameters
    ----------
    movements : DataFrame
        The rows of the original ``<stem>_movements.tsv`` (``onset``, ``duration``,
        ``side``, optionally ``peak_uv``, ``area_uv_s``), in file order.
    edits : list of dict
        From :attr:`ReviewEdits.edits`, in the order they were made.
    source : str, optional
        The edit file (for error messages).

    Returns
    -------
    (DataFrame, DataFrame, dict)
        The reviewed movements (``onset``, ``duration``, ``side``, ``peak_uv``,
        ``area_uv_s`` — NaN for moved and added movements — and ``index``, sorted by
        onset); the diff (:data:`DIFF_COLUMNS`, categories empty); the count of edits
        by kind.

    Raises
    ------
    InputError
        An edit names a movement that does not exist, or its ``before`` state differs
        from the movement's state at that point (the edits belong to another result).
    """
    n = len(movements)
    state: dict[int, dict[str, Any]] = {}  # current position, side and "deleted"
    orig: dict[int, dict[str, Any]] = {}
    for i, row in enumerate(movements.itertuples(index=False)):
        orig[i] = {"onset": float(row.onset), "duration": float(row.duration), "side": row.side}
        state[i] = {**orig[i], "deleted": False}
    counts = dict.fromkeys(EDIT_KINDS, 0)
    for k, e in enumerate(edits):
        what, i = f"edit {k + 1} ({e['kind']} of movement {e['index']})", e["index"]
        counts[e["kind"]] += 1
        if e["kind"] == "add":
            if i < n or i in state:
                raise InputError(f"{what}: index of an added movement must be new", source)
            if e["after"] is None:
                raise InputError(f"{what}: no 'after' state", source)
            side = e["after"].get("side") or e["side"]
            if side not in ("left", "right", "both"):
                raise InputError(f"{what}: side must be left or right", source)
            state[i] = {**e["after"], "side": side, "deleted": False}
            continue
        cur = state.get(i)
        if cur is None:
            raise InputError(f"{what}: no such movement", source)
        if e["before"] is None or not _same(cur, e["before"]):
            raise InputError(f"{what}: movement is not where the edit file says", source)
        if e["kind"] == "reject":
            cur["deleted"] = True
        elif e["kind"] == "accept":  # also restores a rejected movement
            cur["deleted"] = False
        else:
            if e["after"] is None or cur["deleted"]:
                raise InputError(f"{what}: no 'after' state, or the movement is rejected", source)
            cur.update(onset=e["after"]["onset"], duration=e["after"]["duration"])
    rows, diff = [], []
    for i, st in state.items():
        before = orig.get(i)
        cur = None if st["deleted"] else st
        if cur is not None:
            kept = before is not None and _same(cur, before)
            extra = movements.iloc[i] if kept else None
            rows.append(
                {
                    "onset": cur["onset"],
                    "duration": cur["duration"],
                    "side": cur["side"],
                    "peak_uv": float(extra["peak_uv"]) if extra is not None and "peak_uv" in extra
                    else np.nan,
                    "area_uv_s": float(extra["area_uv_s"])
                    if extra is not None and "area_uv_s" in extra
                    else np.nan,
                    "index": i,
                }
            )  # fmt: skip
        change = (
            "added" if before is None and cur is not None
            else "removed" if before is not None and cur is None
            else "changed" if before is not None and cur is not None and not _same(cur, before)
            else None
        )  # fmt: skip
        if change:
            diff.append(_diff_row(change, None if before is None else i, before, cur))
    reviewed = pd.DataFrame(rows, columns=[*_MOVEMENT_COLUMNS, "index"])
    reviewed = reviewed.sort_values(["onset", "side"], kind="stable").reset_index(drop=True)
    return reviewed, _diff_frame(diff), counts


def _diff_row(
    change: str, index: int | None, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> dict[str, Any]:
    side = (after or before or {}).get("side", "")
    return {
        "change": change,
        "index": index,
        "side": side,
        "onset_before": None if before is None else before["onset"],
        "duration_before": None if before is None else before["duration"],
        "onset_after": None if after is None else after["onset"],
        "duration_after": None if after is None else after["duration"],
        "category_before": "",
        "category_after": "",
    }


def _diff_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(DIFF_COLUMNS))
    frame["index"] = pd.array(frame["index"].tolist(), dtype="Int64")
    for col in ("onset_before", "duration_before", "onset_after", "duration_after"):
        frame[col] = pd.to_numeric(frame[col]).astype(float)
    order = frame["onset_before"].fillna(frame["onset_after"])
    return frame.iloc[np.argsort(order.to_numpy(), kind="stable")].reset_index(drop=True)


def diff_movements(before: pd.DataFrame, after: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What changed between two movement tables (e.g. detected → annotated after review).

    Movements equal within 0.5 ms (same side, onset and duration) are unchanged; of the
    rest, pairs on the same side that overlap are *changed* (largest overlap first); the
    remaining original rows are *removed* and the remaining reviewed rows *added*.

    Parameters
    ----------
    before : DataFrame
        The original ``<stem>_movements.tsv`` rows (``onset``, ``duration``, ``side``,
        optionally ``peak_uv``, ``area_uv_s``).
    after : DataFrame
        The reviewed movements (``onset``, ``duration``, ``side``).

    Returns
    -------
    (DataFrame, DataFrame)
        The reviewed movements as :func:`apply_edits` returns them (``index``: the
        original row, or ``N + k`` for the k-th added movement in onset order; peak and
        area kept for unchanged rows) and the diff (:data:`DIFF_COLUMNS`).
    """
    b_on = before["onset"].to_numpy(float)
    b_du = before["duration"].to_numpy(float)
    b_side = before["side"].astype(str).to_numpy()
    a = after.sort_values(["onset", "side"], kind="stable").reset_index(drop=True)
    a_on, a_du = a["onset"].to_numpy(float), a["duration"].to_numpy(float)
    a_side = a["side"].astype(str).to_numpy()
    match_a = np.full(len(a), -1)
    used = np.zeros(len(before), dtype=bool)
    for j in range(len(a)):  # exact matches
        hit = np.flatnonzero(
            ~used
            & (b_side == a_side[j])
            & (np.abs(b_on - a_on[j]) <= TIME_TOL_S)
            & (np.abs(b_du - a_du[j]) <= TIME_TOL_S)
        )
        if hit.size:
            match_a[j], used[hit[0]] = hit[0], True
    exact = match_a >= 0
    pairs = []  # overlapping leftovers, largest overlap first
    for j in np.flatnonzero(~exact):
        ov = np.minimum(b_on + b_du, a_on[j] + a_du[j]) - np.maximum(b_on, a_on[j])
        for i in np.flatnonzero(~used & (b_side == a_side[j]) & (ov > 0)):
            pairs.append((-float(ov[i]), int(j), int(i)))
    changed = np.zeros(len(a), dtype=bool)
    for _, j, i in sorted(pairs):
        if match_a[j] < 0 and not used[i]:
            match_a[j], used[i], changed[j] = i, True, True
    n = len(before)
    index = match_a.copy()
    index[match_a < 0] = n + np.arange(int((match_a < 0).sum()))
    rows, diff = [], []
    for j in range(len(a)):
        i = int(match_a[j])
        keep = i >= 0 and not changed[j]
        rows.append(
            {
                "onset": a_on[j],
                "duration": a_du[j],
                "side": a_side[j],
                "peak_uv": float(before["peak_uv"].iloc[i]) if keep and "peak_uv" in before
                else np.nan,
                "area_uv_s": float(before["area_uv_s"].iloc[i]) if keep and "area_uv_s" in before
                else np.nan,
                "index": int(index[j]),
            }
        )  # fmt: skip
        cur = {"onset": a_on[j], "duration": a_du[j], "side": a_side[j]}
        if i < 0:
            diff.append(_diff_row("added", None, None, cur))
        elif changed[j]:
            old = {"onset": b_on[i], "duration": b_du[i], "side": b_side[i]}
            diff.append(_diff_row("changed", i, old, cur))
    for i in np.flatnonzero(~used):
        old = {"onset": b_on[i], "duration": b_du[i], "side": b_side[i]}
        diff.append(_diff_row("removed", int(i), old, None))
    reviewed = pd.DataFrame(rows, columns=[*_MOVEMENT_COLUMNS, "index"])
    return reviewed, _diff_frame(diff)


def _category_at(result: PLMResult, onset: float, side: str) -> str:
    """Category of the combined LM holding the monolateral LM (side, onset), or ''."""
    mv = result.movements
    if not len(mv) or "lm_id" not in mv:
        return ""
    hit = mv[(mv["side"].astype(str) == side) & (np.abs(mv["onset"] - onset) <= TIME_TOL_S)]
    if not len(hit):
        return ""
    row = hit.iloc[0]
    if str(row.get("exclusion", "") or ""):
        return "excluded"
    lm = int(row["lm_id"])
    if lm < 0 or lm >= len(result.candidates):
        return ""
    return str(result.candidates["category"].iloc[lm])


def _add_categories(diff: pd.DataFrame, before: PLMResult, after: PLMResult) -> pd.DataFrame:
    out = diff.copy()
    out["category_before"] = [
        _category_at(before, o, s) if pd.notna(o) else ""
        for o, s in zip(out["onset_before"], out["side"], strict=True)
    ]
    out["category_after"] = [
        _category_at(after, o, s) if pd.notna(o) else ""
        for o, s in zip(out["onset_after"], out["side"], strict=True)
    ]
    return out


# ---------------------------------------------------------------------------------------
# rescoring and the audit
# ---------------------------------------------------------------------------------------

#: Summary keys reported before → after in the audit (every index and the counts).
AUDIT_KEYS_SUFFIXES = ("_index",)
AUDIT_COUNTS = ("n_lm", "n_clm", "n_plm", "n_plms", "n_plmw", "n_plm_series")


def audit_block(
    edits: ReviewEdits,
    before: PLMResult,
    after: PLMResult,
    diff: pd.DataFrame,
    counts: dict[str, int],
    checksum: str,
) -> dict[str, Any]:
    """The ``audit`` block of a rescored summary.

    Returns
    -------
    dict
        ``edit_file`` (name), ``edit_sha256``, ``edit_format`` (json or annotations),
        ``result_checksum`` (of the pre-review result), ``reviewer``, ``reviewed_at``,
        ``edits`` (count by kind, JSON only), ``changes`` (added, removed, changed from the
        diff), ``n_movements_before``, ``n_movements_after`` and ``indices``: every index
        and count of the summary, ``{"before": x, "after": y}``.
    """
    sb, sa = before.summary, after.summary
    names = [k for k in sb if k.endswith(AUDIT_KEYS_SUFFIXES) or k in AUDIT_COUNTS]
    changes = {c: int((diff["change"] == c).sum()) for c in ("added", "removed", "changed")}
    return {
        "edit_file": edits.path.name,
        "edit_sha256": edits.sha256,
        "edit_format": edits.kind,
        "result_checksum": checksum,
        "reviewer": edits.reviewer,
        "reviewed_at": edits.exported_at,
        "edits": dict(counts) if edits.kind == "json" else None,
        "changes": changes,
        "n_movements_before": len(before.movements),
        "n_movements_after": len(after.movements),
        "indices": {k: {"before": sb.get(k), "after": sa.get(k)} for k in names},
    }


@dataclass
class Rescored:
    """The outcome of :func:`rescore_recording`.

    Attributes
    ----------
    original : PLMResult
        The recording scored as before the review.
    reviewed : PLMResult
        Scored with the reviewed movements; its summary holds the ``audit`` block.
    diff : DataFrame
        Every added, removed or changed movement (:data:`DIFF_COLUMNS`).
    checksum : str
        Checksum of ``original`` (:func:`result_checksum`).
    """

    original: PLMResult
    reviewed: PLMResult
    diff: pd.DataFrame
    checksum: str


def _measure(reviewed: pd.DataFrame, signals: dict[str, Any]) -> pd.DataFrame:
    """Peak and area of moved and added movements from the kept rectified EMG."""
    from plm.detect.recording import rectified_segments

    segs = rectified_segments(signals or {})
    out = reviewed.copy()
    for k in np.flatnonzero(out["peak_uv"].isna().to_numpy()):
        on, du, side = float(out.at[k, "onset"]), float(out.at[k, "duration"]), out.at[k, "side"]
        for t0, fs, rect, base in segs.get(str(side), []):
            a, z = int(round((on - t0) * fs)), int(round((on + du - t0) * fs))
            if a < 0 or z > len(rect) or z <= a or base is None:
                continue
            d = np.asarray(rect[a:z], dtype=float) - np.asarray(base[a:z], dtype=float)
            out.at[k, "peak_uv"] = float(d.max())
            out.at[k, "area_uv_s"] = float(np.clip(d, 0, None).sum()) / fs
            break
    return out


def _profile_from_json(raw: dict[str, Any], cls: Any) -> Any:
    """A rule profile from its fields as a browser wrote them (``10.0`` comes back as 10)."""
    import dataclasses

    base = cls()
    out: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name not in raw:
            continue
        v, default = raw[f.name], getattr(base, f.name)
        if isinstance(default, float) and isinstance(v, int) and not isinstance(v, bool):
            v = float(v)
        elif isinstance(default, tuple) and isinstance(v, list):
            v = tuple(v)
        out[f.name] = v
    try:
        return cls(**out)
    except (TypeError, ValueError) as exc:
        raise InputError(f"rule profile of the edit file not understood ({exc})") from None


def rescore_recording(
    path: str | os.PathLike[str],
    edits: ReviewEdits,
    annotations: Any = None,
    rules: Any = "wasm2016",
    age_group: str = "adult",
    left: str | None = None,
    right: str | None = None,
    allow_poor_signal: bool = False,
    annotation_format: str | None = None,
    edits_format: str | None = None,
    **overrides: Any,
) -> Rescored:
    """Score a recording again with a technician's reviewed movements.

    The recording is read and detected as by :func:`plm.score` (same gaps, unscorable
    stretches, hypnogram and events); the detected movements are replaced by the
    reviewed set and the rules run again.

    Parameters
    ----------
    path : path-like
        The recording.
    edits : ReviewEdits
        From :func:`read_edits`.  A JSON export brings its own settings (rule fields,
        age group, channels; annotation files are taken from ``annotations``); the other
        arguments are used for an annotation edit file.
    annotations, rules, age_group, left, right, allow_poor_signal, annotation_format
        As :func:`plm.score`.
    edits_format : str, optional
        Force the format of an annotation edit file.
    **overrides
        Rule parameters to override.

    Returns
    -------
    Rescored

    Raises
    ------
    InputError
        The JSON edits were made on another result (checksum mismatch), or an edit does
        not fit the movements.
    """
    from plm.api import prepare_recording, score_prepared
    from plm.rules import RuleProfile, get_rules

    settings = edits.settings if edits.kind == "json" else {}
    if settings.get("rules"):
        profile = _profile_from_json(settings["rules"], RuleProfile)
        age_group = str(settings.get("age_group") or age_group)
        chans = settings.get("channels") or {}
        left, right = left or chans.get("left"), right or chans.get("right")
    else:
        profile = get_rules(rules, **overrides)
    prepared = prepare_recording(
        path, annotations, profile, left, right, allow_poor_signal, True, annotation_format
    )
    original = score_prepared(prepared, profile, age_group)
    checksum = result_checksum(original)
    cols = [c for c in original.movements.columns if c in _MOVEMENT_COLUMNS]
    base = original.movements[cols].reset_index(drop=True)
    if edits.kind == "json":
        if edits.result_checksum and edits.result_checksum != checksum:
            raise InputError(
                f"the edits were made on result {edits.result_checksum[:19]}..., this "
                f"recording scores to {checksum[:19]}... (another recording, rules or "
                "plmkit version)",
                source=str(edits.path),
            )
        reviewed, diff, counts = apply_edits(base, edits.edits, str(edits.path))
    else:
        rec = prepared.recording  # read again, placed on the recording's clock
        edits = read_edits(edits.path, rec.start_datetime, rec.duration_s, edits_format)
        reviewed, diff = diff_movements(base, edits.movements)
        counts = {}
    reviewed = _measure(reviewed, prepared.detection.signals)[[*cols, "index"]]
    after = score_prepared(prepared, profile, age_group, movements=reviewed.drop(columns="index"))
    diff = _add_categories(diff, original, after)
    after.summary["audit"] = audit_block(edits, original, after, diff, counts, checksum)
    original.signals, after.signals = {}, {}
    return Rescored(original, after, diff, checksum)
