"""Nox Medical Noxturnal event exports (CSV).

The export is a UTF-16 (with BOM) or UTF-8 CSV.  French header: ``Heure de début``,
``Heure de fin``, ``Événement``, ``Durée``; English: ``Start Time``, ``End Time``,
``Event``, ``Duration``.  A second row may give units (``[]``, ``[s]``).  Times are local
date-times (``25/07/2018 23:45:40``, 1-s resolution); ``Durée`` is in seconds with
decimals, so the onset is the start time and the duration the ``Durée`` column (the end
time is used only when the duration is missing).  An optional channel column
(``Canal``/``Channel``/``Signal``/``Location``) gives the leg of ``MJ`` events.
"""

from __future__ import annotations

import csv
import io
import math
from datetime import datetime
from pathlib import Path

import pandas as pd

from plm.events import InputError
from plm.io.formats._common import (
    Clock,
    align_clocks,
    clock_offset,
    guess_dayfirst,
    make_frame,
    normalize_header,
    parse_clock,
    parse_float,
    read_text,
)
from plm.io.formats.tsv import sniff_delimiter

__all__ = ["read_noxturnal", "START_NAMES", "EVENT_NAMES"]

START_NAMES = ("heure de debut", "start time", "start", "debut", "begin", "startzeit", "time")
END_NAMES = ("heure de fin", "end time", "end", "fin", "stop time", "endzeit")
EVENT_NAMES = ("evenement", "event", "event type", "type", "ereignis", "name")
DURATION_NAMES = ("duree", "duration", "dauer", "duration s", "duree s")
CHANNEL_NAMES = ("canal", "channel", "signal", "location", "source", "kanal", "derivation")


def _find(low: list[str], names: tuple[str, ...]) -> int | None:
    return next((low.index(n) for n in names if n in low), None)


def _parse_duration(text: str) -> float:
    s = text.strip()
    if ":" in s:  # hh:mm:ss[.fff]
        c = parse_clock(s)
        return c.seconds
    return parse_float(s)


def read_noxturnal(
    path: str | Path,
    start_datetime: datetime | None = None,
    text: str | None = None,
) -> pd.DataFrame:
    """Read a Noxturnal event CSV into the intermediate annotation table.

    Parameters
    ----------
    path : str or Path
        The CSV export (UTF-16 or UTF-8, French or English headers).
    start_datetime : datetime, optional
        Local start of the recording (EDF header).  Without it t = 0 is the first
        event's time (with a warning).
    text : str, optional
        The decoded content, when already read.

    Returns
    -------
    DataFrame
        The intermediate table.

    Raises
    ------
    InputError
        Missing start/event columns (the message lists the columns), unparseable
        times or durations.
    """
    p = Path(path)
    src = str(p)
    if text is None:
        text = read_text(p)
    lines = [(i + 1, ln) for i, ln in enumerate(text.splitlines()) if ln.strip()]
    if not lines:
        raise InputError("empty Noxturnal export", source=src)
    delim = sniff_delimiter(lines[0][1])
    rows = list(csv.reader(io.StringIO("\n".join(ln for _, ln in lines)), delimiter=delim))
    cols = [c.strip().lstrip("\ufeff") for c in rows[0]]
    low = [normalize_header(c) for c in cols]
    i_start = _find(low, START_NAMES)
    i_event = _find(low, EVENT_NAMES)
    if i_start is None or i_event is None:
        raise InputError(
            "no start-time or event column in the Noxturnal export "
            f"(columns: {', '.join(c for c in cols if c)})",
            source=src,
        )
    i_end = _find(low, END_NAMES)
    i_dur = _find(low, DURATION_NAMES)
    i_chan = _find(low, CHANNEL_NAMES)

    data = []
    for (line_no, _), row in zip(lines[1:], rows[1:], strict=False):
        row = [x.strip() for x in row] + [""] * (len(cols) - len(row))
        if all(not x or (x.startswith("[") and x.endswith("]")) for x in row):
            continue  # the units row "[],[],[],[s]"
        data.append((line_no, row))
    dayfirst = guess_dayfirst([r[i_start] for _, r in data[:500]])
    clocks: list[Clock] = []
    durations: list[float] = []
    descs: list[str] = []
    locs: list[str | None] = []
    line_nos: list[int] = []
    for line_no, r in data:
        try:
            c = parse_clock(r[i_start], dayfirst=dayfirst)
        except ValueError:
            raise InputError(
                f"line {line_no}: unparseable start time {r[i_start]!r}", source=src
            ) from None
        dur = math.nan
        if i_dur is not None:
            try:
                dur = _parse_duration(r[i_dur])
            except ValueError:
                raise InputError(
                    f"line {line_no}: unparseable duration {r[i_dur]!r}", source=src
                ) from None
        if math.isnan(dur) and i_end is not None and r[i_end]:
            try:
                dur = clock_offset(parse_clock(r[i_end], dayfirst=dayfirst), c)[0]
            except ValueError:
                raise InputError(
                    f"line {line_no}: unparseable end time {r[i_end]!r}", source=src
                ) from None
        clocks.append(c)
        durations.append(0.0 if math.isnan(dur) else dur)
        descs.append(r[i_event])
        locs.append(r[i_chan] if i_chan is not None else None)
        line_nos.append(line_no)
    onsets, t0, warnings = align_clocks(clocks, start_datetime, source=src)
    return make_frame(
        onsets,
        durations,
        descs,
        locs,
        source=str(p),
        lines=line_nos,
        t0=t0,
        warnings=warnings,
        fmt="noxturnal",
    )
