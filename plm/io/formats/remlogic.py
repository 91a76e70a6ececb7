"""Embla RemLogic event exports (also the PhysioNet CAP Sleep Database ``*.txt`` files).

Layout: free-text header lines (``Patient ID:``, ``Recording Date:``, ``Events
Included:`` and the list of event names), then a tab-separated table whose header row
holds ``Sleep Stage``, (sometimes ``Position``), ``Time [hh:mm:ss]`` (or
``Time [hh:mm:ss.xxx]``, or ISO date-times), ``Event``, ``Duration[s]`` and
``Location``.  Times are local clock times; a night crosses midnight.

Sleep stages come as ``SLEEP-S0 … SLEEP-S4``/``SLEEP-REM``/``SLEEP-MT``/
``SLEEP-UNSCORED`` events; those are used when present.  Otherwise the ``Sleep Stage``
column (``W``, ``S1`` … ``S4``, ``R``, ``MT``) is turned into one stage annotation per
epoch that holds an event (other epochs stay unscored), with a warning.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from plm.events import InputError
from plm.io.formats._common import (
    Clock,
    align_clocks,
    guess_dayfirst,
    make_frame,
    parse_clock,
    parse_date,
    parse_float,
    read_text,
)
from plm.io.labels import map_label

__all__ = ["read_remlogic", "find_table_header"]


def find_table_header(lines: list[str]) -> int | None:
    """Return the index of the table header line (``Time …`` and ``Event`` columns)."""
    for i, ln in enumerate(lines):
        fields = [f.strip().lower() for f in ln.split("\t")]
        if len(fields) >= 3 and any(f.startswith("time") for f in fields) and "event" in fields:
            return i
    return None


def read_remlogic(
    path: str | Path,
    start_datetime: datetime | None = None,
    epoch_s: float = 30.0,
    text: str | None = None,
) -> pd.DataFrame:
    """Read a RemLogic / CAP event export into the intermediate annotation table.

    Parameters
    ----------
    path : str or Path
        The ``.txt`` export.
    start_datetime : datetime, optional
        Local start of the recording (EDF header).  Without it t = 0 is the first
        event's clock time (with a warning).
    epoch_s : float
        Epoch length (s), used only to rebuild stages from the ``Sleep Stage`` column.
    text : str, optional
        The decoded content, when already read.

    Returns
    -------
    DataFrame
        The intermediate table (``onset`` in s from t = 0).

    Raises
    ------
    InputError
        No table header, missing ``Time``/``Event`` columns, unparseable times or
        durations.
    """
    p = Path(path)
    src = str(p)
    if text is None:
        text = read_text(p)
    lines = text.splitlines()
    hi = find_table_header(lines)
    if hi is None:
        raise InputError(
            "no RemLogic event table (a header line with 'Time [hh:mm:ss]' and 'Event')",
            source=src,
        )
    rec_date_txt = None
    for ln in lines[:hi]:
        m = re.match(r"\s*recording date\s*:\s*(.+?)\s*$", ln, re.IGNORECASE)
        if m:
            rec_date_txt = m.group(1).split("\t")[0].strip()
    cols = [c.strip() for c in lines[hi].split("\t")]
    low = [c.lower() for c in cols]
    i_time = next((i for i, c in enumerate(low) if c.startswith("time")), None)
    i_event = low.index("event") if "event" in low else None
    if i_time is None or i_event is None:  # pragma: no cover - guarded by find_table_header
        raise InputError(f"missing Time/Event columns (columns: {', '.join(cols)})", source=src)
    i_dur = next((i for i, c in enumerate(low) if c.startswith("duration")), None)
    i_loc = next((i for i, c in enumerate(low) if c.startswith("location")), None)
    i_stage = next((i for i, c in enumerate(low) if c.startswith("sleep stage")), None)

    rows = []
    for k in range(hi + 1, len(lines)):
        ln = lines[k]
        if not ln.strip():
            continue
        f = [x.strip() for x in ln.split("\t")]
        f += [""] * (len(cols) - len(f))
        rows.append((k + 1, f))
    dayfirst = guess_dayfirst([f[i_time] for _, f in rows[:200]] + [rec_date_txt or ""])
    clocks: list[Clock] = []
    durations: list[float] = []
    descs: list[str] = []
    locs: list[str | None] = []
    stages: list[str] = []
    line_nos: list[int] = []
    for line_no, f in rows:
        try:
            clocks.append(parse_clock(f[i_time], dayfirst=dayfirst))
        except ValueError:
            raise InputError(
                f"line {line_no}: unparseable time {f[i_time]!r}", source=src
            ) from None
        dtxt = f[i_dur] if i_dur is not None else ""
        try:
            d = parse_float(dtxt)
        except ValueError:
            raise InputError(f"line {line_no}: unparseable duration {dtxt!r}", source=src) from None
        durations.append(0.0 if math.isnan(d) else d)
        descs.append(f[i_event])
        locs.append(f[i_loc] if i_loc is not None else None)
        stages.append(f[i_stage] if i_stage is not None else "")
        line_nos.append(line_no)

    onsets, t0, warnings = align_clocks(clocks, start_datetime, source=src)
    if t0 is not None and t0.day is None and start_datetime is None and rec_date_txt:
        try:
            t0 = Clock(parse_date(rec_date_txt, dayfirst=dayfirst), t0.seconds)
        except ValueError:
            warnings.append(f"{p.name}: unparseable Recording Date {rec_date_txt!r}")

    has_stage_events = any(
        (m := map_label(d)) is not None and m.kind == "stage" for d in set(descs)
    )
    if not has_stage_events and any(stages):
        extra, note = _stages_from_column(onsets, stages, line_nos, epoch_s)
        warnings.append(f"{p.name}: {note}")
        onsets = np.concatenate([onsets, extra["onset"]])
        durations += extra["duration"]
        descs += extra["description"]
        locs += [None] * len(extra["description"])
        line_nos += extra["line"]
    return make_frame(
        onsets,
        durations,
        descs,
        locs,
        source=str(p),
        lines=line_nos,
        t0=t0,
        warnings=warnings,
        fmt="remlogic",
    )


def _stages_from_column(
    onsets: np.ndarray, stages: list[str], line_nos: list[int], epoch_s: float
) -> tuple[dict[str, list], str]:
    """One stage annotation per epoch that holds an event, from the ``Sleep Stage`` column."""
    first = float(np.min(onsets))
    by_epoch: dict[int, tuple[str, int]] = {}
    conflicts = 0
    for t, s, ln in zip(onsets, stages, line_nos, strict=False):
        if not s:
            continue
        k = int(math.floor((t - first) / epoch_s))
        if k in by_epoch:
            conflicts += by_epoch[k][0] != s
            continue
        by_epoch[k] = (s, ln)
    out: dict[str, list] = {"onset": [], "duration": [], "description": [], "line": []}
    for k in sorted(by_epoch):
        s, ln = by_epoch[k]
        out["onset"].append(first + k * epoch_s)
        out["duration"].append(epoch_s)
        out["description"].append(f"Sleep stage {s}")
        out["line"].append(ln)
    note = (
        f"no SLEEP-* stage events: hypnogram rebuilt from the 'Sleep Stage' column "
        f"({len(by_epoch)} epochs that hold an event; other epochs unscored"
        + (f"; {conflicts} epochs had conflicting stages, first kept" if conflicts else "")
        + ")"
    )
    return out, note
