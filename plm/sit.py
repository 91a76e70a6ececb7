"""Suggested immobilization test (SIT) and multiple SIT (m-SIT) scoring (docs/scoring.md §14).

The SIT (Montplaisir et al., Mov Disord 1998;13:324-329): the patient sits awake in bed,
legs outstretched, for 60 min with bilateral tibialis anterior EMG; leg movements are
scored with LMs of 0.5-10 s and the periodicity rules of PLMS with an IMI of 4-90 s
(Michaud et al., Sleep Med 2001;2:317-321).  Reported: the SIT PLM index (PLM per hour
of test; every PLM of a SIT is a PLMW), counts per 10-min block, the mean discomfort per
block (SIT-MDS) when ratings are given, and the > 40/h cut-off of Montplaisir 1998.  The
m-SIT (Garcia-Borreguero et al., Sleep 2013;36:1101) repeats the test several times in one
recording.

The rule profile (:func:`sit_rules`) is ``wasm2016`` ("the same periodicity rules as
PLMS", docs/scoring.md §14) with these fields changed:

* ``imi_min_s = 4.0`` (Michaud 2001: IMI 4-90 s; ``imi_max_s`` stays 90);
* ``respiratory_rule = 'none'`` (no respiratory scoring in an awake sitting test);
* ``name = 'sit'``.

Kept from ``wasm2016`` and why: LMs 0.5-10 s (``lm_min_s``, ``lm_max_s``: Michaud 2001);
a longer movement is kept as a non-candidate that breaks a series
(``long_lm_action='noncandidate'``: WASM 2016; the SIT papers predate the rule and say
nothing else); bilateral LMs combined by overlap or a gap < 0.5 s with at most 4 parts
and 15 s (``bilateral_rule='overlap_gap'``: WASM 2016, the project default for PLMS); a
short IMI (< 4 s) breaks the run (``short_imi_action='break'``: WASM 2016; with the 4-s
bound, the modal SIT IMI of 11-12 s (docs/scoring.md §14) is far above it); series of at least 4
(``min_series_length``).  Any field can be overridden (``--set``).

Scoring a window reuses the EMG path: :func:`plm.io.recording.load_recording`,
:func:`plm.detect.recording.detect_recording` on the window (each EDF+D segment separately,
with up to ``PAD_S`` of context on each side for the resting baseline), then
:func:`plm.api.score_night` with ``lights_off_s``/``lights_on_s`` = the window and a
hypnogram of W epochs covering it.  Accelerometry recordings
(:func:`plm.api.recording_modality`) are detected with
:func:`plm.accel.detect_accel_window` instead.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from plm.events import Hypnogram, InputError, NightEvents, empty_intervals
from plm.rules import RuleProfile, get_rules

__all__ = [
    "SIT_CUTOFF_PER_H",
    "BLOCK_MIN",
    "PAD_S",
    "SITWindow",
    "SITResult",
    "sit_rules",
    "parse_start",
    "parse_duration",
    "parse_window",
    "sit_windows_from_annotations",
    "read_ratings",
    "score_sit",
]

logger = logging.getLogger(__name__)

#: SIT PLM index above which the test is positive (Montplaisir 1998; docs/scoring.md §14), per hour.
SIT_CUTOFF_PER_H = 40.0
#: Length of the reporting blocks (min).
BLOCK_MIN = 10.0
#: Context (s) read on each side of a window for the resting baseline.
PAD_S = 60.0


def sit_rules(base: str | RuleProfile = "wasm2016", **overrides: Any) -> RuleProfile:
    """The SIT rule profile (docs/scoring.md §14): ``base`` with IMI 4-90 s and no respiratory rule.

    Parameters
    ----------
    base : str or RuleProfile
        Profile whose other rules are kept (``wasm2016`` by default; see the module
        docstring for the reading of each field).
    **overrides
        Further field values (strings are converted, as in :func:`plm.rules.get_rules`).

    Returns
    -------
    RuleProfile
        Named ``sit`` (``sit-<base>`` for another base; ``+custom`` when overridden).
    """
    profile = get_rules(base)
    base_name = profile.name
    name = "sit" if base_name == "wasm2016" else f"sit-{base_name}"
    profile = dataclasses.replace(
        profile,
        name=name,
        imi_min_s=4.0,  # Michaud 2001: IMI 4-90 s (docs/scoring.md §14)
        imi_max_s=90.0,
        respiratory_rule="none",  # awake, sitting: no respiratory scoring
        reference=(
            "SIT: Montplaisir et al. 1998 (protocol, > 40/h); Michaud et al. 2001 "
            f"(LM 0.5-10 s, IMI 4-90 s); other rules from {base_name}"
        ),
    )
    if overrides:
        profile = get_rules(profile, **overrides)
    return profile


# --------------------------------------------------------------------------------------
# windows
# --------------------------------------------------------------------------------------

_CLOCK_RE = re.compile(r"^\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")


def parse_start(text: str | float, start_datetime: datetime | None, source: str = "") -> float:
    """Start of a window in s from the recording start.

    ``HH:MM[:SS]`` is a clock time on the recording's clock (the first such time at or
    after the recording start, so 00:30 in a recording started at 22:00 is 2.5 h in);
    a plain number is seconds from the start.

    Raises
    ------
    InputError
        Unparseable text, or a clock time without a recording start time.
    """
    if isinstance(text, (int, float)):
        return float(text)
    t = str(text).strip()
    if _CLOCK_RE.match(t):
        if start_datetime is None:
            raise InputError(f"clock time {t!r} given but the recording has no start time", source)
        parts = t.split(":")
        h, m = int(parts[0]), int(parts[1])
        s = float(parts[2]) if len(parts) > 2 else 0.0
        if h > 23 or m > 59 or s >= 60:
            raise InputError(f"not a clock time: {t!r}", source)
        day0 = datetime.combine(start_datetime.date(), datetime.min.time())
        when = day0 + timedelta(hours=h, minutes=m, seconds=s)
        if when < start_datetime - timedelta(seconds=1e-6):
            when += timedelta(days=1)
        return (when - start_datetime).total_seconds()
    try:
        return float(t.rstrip("s"))
    except ValueError:
        raise InputError(f"window start {t!r}: use HH:MM[:SS] or seconds", source) from None


def parse_duration(text: str | float, source: str = "") -> float:
    """Duration in s: a bare number is minutes; ``60min``, ``60m``, ``3600s``, ``1h``.

    Raises
    ------
    InputError
        Unparseable or non-positive.
    """
    if isinstance(text, (int, float)):
        value = float(text) * 60.0
    else:
        t = str(text).strip().lower().replace(" ", "")
        m = re.match(r"^(\d+(?:\.\d+)?)(min|m|s|sec|h)?$", t)
        if not m:
            raise InputError(f"window duration {text!r}: use minutes, 60min, 3600s or 1h", source)
        unit = m.group(2) or "min"
        value = (
            float(m.group(1)) * {"min": 60.0, "m": 60.0, "s": 1.0, "sec": 1.0, "h": 3600.0}[unit]
        )
    if not value > 0:
        raise InputError(f"window duration must be > 0, got {text!r}", source)
    return value


def parse_window(
    start: str | float,
    duration: str | float,
    start_datetime: datetime | None,
    source: str = "",
) -> tuple[float, float]:
    """``(start_s, end_s)`` of a ``--window START DURATION`` pair (see the parsers)."""
    a = parse_start(start, start_datetime, source)
    return a, a + parse_duration(duration, source)


_SIT_START = re.compile(r"\bsit\b.*\b(start|begin|on)\b|\b(start|begin)\b.*\bsit\b", re.I)
_SIT_END = re.compile(r"\bsit\b.*\b(end|stop|off)\b|\b(end|stop)\b.*\bsit\b", re.I)


def sit_windows_from_annotations(ann: pd.DataFrame) -> list[tuple[float, float]]:
    """Pair ``SIT start`` / ``SIT end`` annotations (in time order) into windows (s).

    Labels are matched case-insensitively: ``SIT start``, ``start SIT``, ``SIT begin``,
    ``SIT end``, ``SIT stop``...  A start without an end, or an end without a start, is
    ignored with a log warning.
    """
    if ann is None or len(ann) == 0:
        return []
    a = ann.sort_values("onset", kind="stable")
    out: list[tuple[float, float]] = []
    open_t: float | None = None
    for t, d in zip(a["onset"].to_numpy(float), a["description"].astype(str), strict=True):
        if _SIT_START.search(d):
            if open_t is not None:
                logger.warning("SIT start at %.1f s without an end: ignored", open_t)
            open_t = float(t)
        elif _SIT_END.search(d):
            if open_t is None:
                logger.warning("SIT end at %.1f s without a start: ignored", t)
                continue
            out.append((open_t, float(t)))
            open_t = None
    return out


def read_ratings(
    path: str | os.PathLike[str],
    start_datetime: datetime | None = None,
    relative_to_s: float | None = None,
) -> pd.DataFrame:
    """Read discomfort ratings: a CSV of time and a 0-100 rating.

    Columns: a time column (``time``, ``clock``, ``t``, ``seconds``, ``onset``...) and a
    rating column (``discomfort``, ``rating``, ``score``, ``vas``, ``value``; else the
    second column).  Times are ``HH:MM[:SS]`` clock times (as ``--window``) or seconds
    from the recording start, or from ``relative_to_s`` when given (the window start).

    Returns
    -------
    DataFrame
        ``time_s`` (s from the recording start), ``rating`` (0-100).

    Raises
    ------
    InputError
        Missing columns, unparseable times or ratings outside 0-100.
    """
    source = str(path)
    try:
        df = pd.read_csv(path, sep=None, engine="python", dtype=str, encoding="utf-8-sig")
    except (OSError, pd.errors.ParserError, ValueError) as exc:
        raise InputError(f"cannot read the ratings ({exc})", source) from None
    norm = {re.sub(r"[^a-z]+", "_", str(c).lower()).strip("_"): c for c in df.columns}
    t_col = next(
        (
            norm[c]
            for c in ("time", "clock", "t", "seconds", "time_s", "onset", "timestamp")
            if c in norm
        ),
        None,
    )
    r_col = next(
        (norm[c] for c in ("discomfort", "rating", "score", "vas", "value", "mds") if c in norm),
        None,
    )
    if t_col is None and len(df.columns) >= 2:
        t_col = df.columns[0]
    if r_col is None and len(df.columns) >= 2:
        r_col = next(c for c in df.columns if c != t_col)
    if t_col is None or r_col is None:
        raise InputError(f"ratings need a time and a rating column; has {list(df.columns)}", source)
    times = []
    for v in df[t_col].astype(str):  # loop per rating
        v = v.strip()
        if _CLOCK_RE.match(v):
            times.append(parse_start(v, start_datetime, source))
        else:
            try:
                x = float(v)
            except ValueError:
                raise InputError(f"rating time {v!r}: use HH:MM[:SS] or seconds", source) from None
            times.append(x + (relative_to_s or 0.0))
    rating = pd.to_numeric(df[r_col], errors="coerce").to_numpy(float)
    bad = ~np.isfinite(rating) | (rating < 0) | (rating > 100)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"rating row {i + 1}: {df[r_col].iloc[i]!r} is not a number in 0-100", source
        )
    return pd.DataFrame({"time_s": np.asarray(times, float), "rating": rating})


# --------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------


@dataclass
class SITWindow:
    """One scored SIT window.

    Attributes
    ----------
    index : int
        1-based window number.
    start_s, end_s : float
        Window (s from the recording start).
    start_clock : str or None
        ISO clock time of the start.
    result : PLMResult
        Engine result (stem ``<stem>_sit<k>``).
    blocks : DataFrame
        Per block: ``block``, ``start_min``, ``end_min`` (from the test start),
        ``scorable_min``, ``n_lm``, ``n_clm``, ``n_plm``, ``plm_index``,
        ``mean_discomfort``, ``n_ratings``.
    sit_plm_index : float or None
        PLMs (all in wake) per hour of scorable test time.
    above_cutoff : bool or None
        ``sit_plm_index > 40``.
    mean_discomfort : float or None
        Mean of the ratings inside the window (SIT-MDS).
    """

    index: int
    start_s: float
    end_s: float
    start_clock: str | None
    result: Any
    blocks: pd.DataFrame
    sit_plm_index: float | None
    above_cutoff: bool | None
    mean_discomfort: float | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary of the window."""
        s = self.result.summary
        return {
            "window": self.index,
            "stem": self.result.stem,
            "start_s": self.start_s,
            "end_s": self.end_s,
            "start_clock": self.start_clock,
            "duration_min": (self.end_s - self.start_s) / 60.0,
            "scorable_min": s["scorable_h"] * 60.0,
            "n_lm": s["n_lm"],
            "n_clm": s["n_clm"],
            "n_plm": s["n_plm"],
            "sit_plm_index": self.sit_plm_index,
            "sit_cutoff_per_h": SIT_CUTOFF_PER_H,
            "above_cutoff": self.above_cutoff,
            "mean_discomfort": self.mean_discomfort,
            "blocks": self.blocks.to_dict(orient="records"),
        }


@dataclass
class SITResult:
    """All SIT windows of one recording."""

    stem: str
    windows: list[SITWindow]
    rules: RuleProfile
    modality: str
    inputs: list[dict[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def msit(self) -> pd.DataFrame:
        """The m-SIT table: one row per window."""
        cols = [
            "window",
            "start_clock",
            "start_s",
            "duration_min",
            "scorable_min",
            "n_lm",
            "n_clm",
            "n_plm",
            "sit_plm_index",
            "above_cutoff",
            "mean_discomfort",
        ]
        rows = [{k: w.to_dict()[k] for k in cols} for w in self.windows]
        return pd.DataFrame(rows, columns=cols)

    def summary(self) -> dict[str, Any]:
        """Everything of ``<stem>_sit.json``."""
        from plm._version import __version__

        return {
            "stem": self.stem,
            "test": "m-SIT" if len(self.windows) > 1 else "SIT",
            "modality": self.modality,
            "sit_cutoff_per_h": SIT_CUTOFF_PER_H,
            "block_min": BLOCK_MIN,
            "windows": [w.to_dict() for w in self.windows],
            "rules": self.rules.to_dict(),
            "software": {"name": "plmkit", "version": __version__},
            "inputs": self.inputs,
            "warnings": self.warnings,
        }

    def describe(self) -> str:
        """One line per window, for the command line."""
        lines = []
        for w in self.windows:
            idx = w.sit_plm_index
            flag = " (above the 40/h cut-off)" if w.above_cutoff else ""
            mds = (
                f", mean discomfort {w.mean_discomfort:.0f}/100"
                if w.mean_discomfort is not None
                else ""
            )
            lines.append(
                f"{w.result.stem}: {w.result.summary['n_lm']} LMs, {w.result.summary['n_plm']} "
                f"PLMs in {(w.end_s - w.start_s) / 60:.0f} min; SIT PLM index "
                + (f"{idx:.1f}/h{flag}" if idx is not None else "n/a")
                + mds
                + f" [{self.rules.name}]"
            )
        return "\n".join(lines)

    def to_dir(self, out_dir: str | os.PathLike[str]) -> dict[str, Path]:
        """Write each window's contract files, ``<stem>_sit.json`` and ``<stem>_msit.tsv``.

        ``<stem>_msit.tsv`` is written when there are two or more windows.
        """
        from plm._util import atomic_write, make_output_dir, output_file
        from plm.results import to_jsonable, write_tsv

        out = make_output_dir(out_dir, [self.stem, *(w.result.stem for w in self.windows)])
        files: dict[str, Path] = {}
        for w in self.windows:
            for k, p in w.result.to_dir(out).items():
                files[f"{w.result.stem}_{k}"] = p
            bp = output_file(out, w.result.stem, "_blocks.tsv")
            write_tsv(w.blocks, bp)
            files[f"{w.result.stem}_blocks"] = bp
        if len(self.windows) > 1:
            p = output_file(out, self.stem, "_msit.tsv")
            write_tsv(self.msit, p)
            files["msit"] = p
        p = output_file(out, self.stem, "_sit.json")
        with atomic_write(p, "w", encoding="utf-8") as fh:
            json.dump(to_jsonable(self.summary()), fh, indent=2, ensure_ascii=False)
            fh.write("\n")
        files["sit"] = p
        return files


# --------------------------------------------------------------------------------------
# scoring
# --------------------------------------------------------------------------------------


def _blocks(
    result: Any, a: float, b: float, ratings: pd.DataFrame | None, block_s: float
) -> pd.DataFrame:
    """Counts, PLM index and mean discomfort per block of the window ``[a, b)``."""
    n_blk = max(1, int(math.ceil((b - a) / block_s - 1e-9)))
    starts = a + np.arange(n_blk) * block_s
    ends = np.minimum(starts + block_s, b)
    c = result.candidates
    scored = c[c["exclusion"].astype(str) == ""] if len(c) else c
    on = scored["onset"].to_numpy(float) if len(scored) else np.zeros(0)
    k = np.clip(np.floor((on - a) / block_s).astype(np.int64), 0, n_blk - 1)
    cand = scored["candidate"].to_numpy(bool) if len(scored) else np.zeros(0, bool)
    per = scored["periodic"].to_numpy(bool) if len(scored) else np.zeros(0, bool)
    n_lm = np.bincount(k, minlength=n_blk)
    n_clm = np.bincount(k, weights=cand, minlength=n_blk).astype(int)
    n_plm = np.bincount(k, weights=per, minlength=n_blk).astype(int)
    # scorable time per block: the engine's scorable intervals clipped to the block
    gaps = result.events.gaps
    scorable = ends - starts
    if len(gaps):
        g_on = gaps["onset"].to_numpy(float)
        g_off = g_on + gaps["duration"].to_numpy(float)
        from plm.engine import union_intervals

        u = union_intervals(pd.DataFrame({"onset": g_on, "duration": g_off - g_on}))
        u_on = u["onset"].to_numpy(float)
        u_off = u_on + u["duration"].to_numpy(float)
        lost = np.clip(
            np.minimum(ends[:, None], u_off[None, :]) - np.maximum(starts[:, None], u_on[None, :]),
            0,
            None,
        ).sum(axis=1)
        scorable = scorable - lost
    with np.errstate(invalid="ignore", divide="ignore"):
        idx = np.where(scorable > 0, n_plm / (scorable / 3600.0), np.nan)
    mean_r = np.full(n_blk, np.nan)
    n_r = np.zeros(n_blk, dtype=int)
    if ratings is not None and len(ratings):
        t = ratings["time_s"].to_numpy(float)
        r = ratings["rating"].to_numpy(float)
        inside = (t >= a) & (t <= b)
        kr = np.clip(np.floor((t[inside] - a) / block_s).astype(np.int64), 0, n_blk - 1)
        n_r = np.bincount(kr, minlength=n_blk)
        sums = np.bincount(kr, weights=r[inside], minlength=n_blk)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_r = np.where(n_r > 0, sums / np.maximum(n_r, 1), np.nan)
    return pd.DataFrame(
        {
            "block": np.arange(1, n_blk + 1),
            "start_min": (starts - a) / 60.0,
            "end_min": (ends - a) / 60.0,
            "scorable_min": scorable / 60.0,
            "n_lm": n_lm.astype(int),
            "n_clm": n_clm,
            "n_plm": n_plm,
            "plm_index": idx,
            "mean_discomfort": mean_r,
            "n_ratings": n_r.astype(int),
        }
    )


def score_sit(
    path: str | os.PathLike[str],
    windows: Sequence[tuple[str | float, str | float]] | None = None,
    *,
    annotations: str | os.PathLike[str] | None = None,
    ratings: str | os.PathLike[str] | None = None,
    ratings_relative: bool = False,
    rules: str | RuleProfile = "wasm2016",
    age_group: str = "adult",
    left: str | None = None,
    right: str | None = None,
    allow_poor_signal: bool = False,
    out_dir: str | os.PathLike[str] | None = None,
    stem: str | None = None,
    n_threads: int = 2,
    **overrides: Any,
) -> SITResult:
    """Score one or more SIT windows of a recording (docs/scoring.md §14).

    Parameters
    ----------
    path : path-like
        EDF/EDF+/BDF with leg EMG, or ankle accelerometry (see :mod:`plm.accel`).
    windows : sequence of (start, duration), optional
        ``start`` as ``HH:MM[:SS]`` (recording clock) or seconds from the start;
        ``duration`` in minutes or ``60min`` / ``3600s`` / ``1h``.  Default: the ``SIT
        start`` / ``SIT end`` annotations of ``annotations`` or of the recording.
    annotations : path-like, optional
        EDF+ or TSV/CSV event file with ``SIT start`` / ``SIT end`` (onset in s or clock).
    ratings : path-like, optional
        Discomfort ratings CSV (time, 0-100), see :func:`read_ratings`.
    ratings_relative : bool
        Numeric rating times are seconds from the (single) window start.
    rules : str or RuleProfile
        Base profile for :func:`sit_rules` (``wasm2016``).
    age_group : {'adult', 'child'}
        Passed to the metrics.
    left, right : str, optional
        Leg channel labels.
    allow_poor_signal : bool
        Score leg channels failing the EMG checks.
    out_dir : path-like, optional
        Write the outputs (:meth:`SITResult.to_dir`).
    stem : str, optional
        Output stem (default: the file name).
    n_threads : int
        Threads for the per-leg processing.
    **overrides
        Rule-profile overrides.

    Returns
    -------
    SITResult

    Raises
    ------
    InputError
        No window, a window outside the recording (the message names the file and the
        window), unreadable ratings.
    """
    from plm._util import stem_of
    from plm.api import recording_modality
    from plm.io.annotations import read_annotation_file
    from plm.night import score_night

    src = str(path)
    profile = sit_rules(rules, **overrides)
    stem = stem or stem_of(path)
    modality, header = recording_modality(path)
    accel = modality == "accelerometry"
    warnings: list[str] = []
    if accel:
        from plm.accel import load_accel

        data = load_accel(path)
        start_dt, duration = data.start_datetime, data.duration_s
        own_ann = data.annotations
        sources = list(data.sources)
        warnings.extend(data.warnings)
        rec = None
    else:
        from plm.detect.recording import detect_recording
        from plm.io.recording import load_recording

        rec = load_recording(
            header if header is not None else path,
            left=left,
            right=right,
            rules=profile,
            allow_poor_signal=allow_poor_signal,
        )
        start_dt, duration = rec.start_datetime, rec.duration_s
        own_ann = rec.annotations if rec.header.annotation_indices else None
        sources = [rec.source()]
        warnings.extend(rec.warnings)
    if windows:
        spans = [parse_window(s, d, start_dt, src) for s, d in windows]
    else:
        ann = (
            read_annotation_file(annotations, start_datetime=start_dt)
            if annotations is not None
            else own_ann
        )
        spans = sit_windows_from_annotations(ann)
        if not spans:
            raise InputError(
                "no SIT window: give --window START DURATION or 'SIT start'/'SIT end' annotations",
                src,
            )
    for a, b in spans:
        if a < 0 or b > duration + 1e-6:
            clock = ""
            if start_dt is not None:
                clock = f" ({(start_dt + timedelta(seconds=a)):%H:%M:%S}-" + (
                    f"{(start_dt + timedelta(seconds=b)):%H:%M:%S})"
                )
            raise InputError(
                f"SIT window {a:g}-{b:g} s{clock} is outside the recording (0-{duration:g} s)",
                src,
            )
    if ratings_relative and len(spans) > 1:
        raise InputError("relative rating times need a single window", str(ratings))
    rating_df = (
        read_ratings(ratings, start_dt, spans[0][0] if ratings_relative else None)
        if ratings is not None
        else None
    )
    out_windows: list[SITWindow] = []
    for k, (a, b) in enumerate(spans, start=1):  # loop per window
        if accel:
            from plm.accel import detect_accel_window

            movements, _posture, unscorable = detect_accel_window(data, a, b)
            gap_tables = [data.gaps, unscorable]
        else:
            found = detect_recording(
                rec, profile, window=(a - PAD_S, b + PAD_S), n_threads=n_threads
            )
            movements, unscorable = found.movements, found.unscorable
            if len(unscorable):
                from plm.engine import union_intervals

                unscorable = union_intervals(unscorable)
                unscorable["reason"] = "unscorable leg EMG"
            gap_tables = [rec.gaps_frame(), unscorable]
        if len(movements):
            on = movements["onset"].to_numpy(float)
            off = on + movements["duration"].to_numpy(float)
            movements = movements[(off > a) & (on < b)].reset_index(drop=True)
        n_ep = max(1, int(math.ceil((b - a) / 30.0 - 1e-9)))
        gaps = [g for g in gap_tables if len(g)]
        events = NightEvents(
            movements=movements,
            hypnogram=Hypnogram(np.full(n_ep, "W", dtype=object), epoch_s=30.0, start_s=a),
            lights_off_s=a,
            lights_on_s=b,
            recording_duration_s=duration,
            gaps=pd.concat(gaps, ignore_index=True) if gaps else empty_intervals(("reason",)),
            sources=list(sources),
            warnings=list(warnings),
            start_datetime=start_dt.isoformat() if start_dt else None,
        )
        res = score_night(events, profile, age_group=age_group, stem=f"{stem}_sit{k}")
        s = res.summary
        sit_idx = s.get("plmw_index")
        blocks = _blocks(res, a, b, rating_df, BLOCK_MIN * 60.0)
        mds = None
        if rating_df is not None:
            t = rating_df["time_s"].to_numpy(float)
            sel = (t >= a) & (t <= b)
            if sel.any():
                mds = float(rating_df["rating"].to_numpy(float)[sel].mean())
            else:
                s["warnings"] = [*s.get("warnings", []), "no discomfort rating inside the window"]
        start_clock = (
            (start_dt + timedelta(seconds=a)).isoformat(timespec="seconds") if start_dt else None
        )
        s.update(
            modality="actigraphy" if accel else "emg",
            test="SIT",
            sit_window=k,
            sit_start_s=a,
            sit_end_s=b,
            sit_start_clock=start_clock,
            sit_duration_min=(b - a) / 60.0,
            sit_plm_index=sit_idx,
            sit_cutoff_per_h=SIT_CUTOFF_PER_H,
            sit_above_cutoff=(sit_idx > SIT_CUTOFF_PER_H) if sit_idx is not None else None,
            sit_mean_discomfort=mds,
            sit_blocks=blocks.to_dict(orient="records"),
        )
        out_windows.append(
            SITWindow(
                k,
                a,
                b,
                start_clock,
                res,
                blocks,
                sit_idx,
                s["sit_above_cutoff"],
                mds,
            )
        )
        logger.info("%s: SIT window %d: %s PLM/h", src, k, sit_idx)
    result = SITResult(
        stem=stem,
        windows=out_windows,
        rules=profile,
        modality="actigraphy" if accel else "emg",
        inputs=sources,
        warnings=warnings,
    )
    if out_dir is not None:
        result.to_dir(out_dir)
    return result
