"""Plain event tables: the project's TSV, BIDS ``*_events.tsv`` and CSV files.

Columns (case-insensitive): ``onset`` (s from the recording start, or a clock time),
``duration`` (s; ``n/a`` or empty → 0), and a label column, the first of
``description``, ``trial_type``, ``event``, ``label``, ``annotation``, ``value``.
A ``channel``/``location`` column gives the channel.  A table with no label column but a
``side`` column (a movement list) or a ``stage`` column (a hypnogram table) is accepted.
The delimiter (tab, comma, semicolon) is sniffed from the header line; lines starting
with ``#`` are comments.
"""

from __future__ import annotations

import csv
import math
from datetime import datetime
from pathlib import Path

import pandas as pd

from plm.events import InputError
from plm.io.formats._common import (
    Clock,
    align_clocks,
    make_frame,
    parse_clock,
    parse_float,
    read_text,
)

__all__ = ["read_tsv", "LABEL_COLUMNS", "LOCATION_COLUMNS"]

LABEL_COLUMNS: tuple[str, ...] = (
    "description",
    "trial_type",
    "event",
    "label",
    "annotation",
    "value",
)
LOCATION_COLUMNS: tuple[str, ...] = ("location", "channel", "channels", "ch_name", "signal")


def sniff_delimiter(header: str) -> str:
    """Return the delimiter of a table from its header line (tab, semicolon or comma)."""
    counts = {d: header.count(d) for d in ("\t", ";", ",")}
    best = max(counts, key=lambda d: (counts[d], d == "\t"))
    return best if counts[best] else "\t"


def read_tsv(
    path: str | Path,
    start_datetime: datetime | None = None,
    text: str | None = None,
) -> pd.DataFrame:
    """Read a TSV/CSV/BIDS event table into the intermediate annotation table.

    Parameters
    ----------
    path : str or Path
        The file.
    start_datetime : datetime, optional
        Only used when ``onset`` holds clock times instead of seconds.
    text : str, optional
        The decoded content, when already read.

    Returns
    -------
    DataFrame
        ``onset``, ``duration`` (s), ``description``, ``location``, ``source``, ``line``.

    Raises
    ------
    InputError
        Missing ``onset`` or label column (the message lists the columns seen),
        unparseable onsets or durations.
    """
    p = Path(path)
    src = str(p)
    if text is None:
        text = read_text(p)
    lines = text.splitlines()
    body = [
        (i + 1, ln) for i, ln in enumerate(lines) if ln.strip() and not ln.lstrip().startswith("#")
    ]
    if not body:
        raise InputError("empty event table (no header line)", source=src)
    header_no, header = body[0]
    delim = sniff_delimiter(header)
    # One event per line: each line is parsed on its own, so a stray quote cannot swallow
    # the rows after it (a quoted field spanning lines is not a valid event table).
    for line_no, ln in body:
        if ln.count('"') % 2:
            raise InputError(f"line {line_no}: unbalanced quote in {ln.strip()[:60]!r}", source=src)
    rows = [next(csv.reader([ln], delimiter=delim)) for _, ln in body]
    cols = [c.strip().lstrip("\ufeff") for c in rows[0]]
    low = [c.lower() for c in cols]
    if "onset" not in low:
        raise InputError(f"no 'onset' column (columns: {', '.join(cols) or 'none'})", source=src)
    i_on = low.index("onset")
    i_dur = low.index("duration") if "duration" in low else None
    i_lab = next((low.index(c) for c in LABEL_COLUMNS if c in low), None)
    i_side = low.index("side") if "side" in low else None
    i_stage = low.index("stage") if "stage" in low else None
    if i_lab is None and i_side is None and i_stage is None:
        raise InputError(
            f"no label column ({', '.join(LABEL_COLUMNS)}) in the table "
            f"(columns: {', '.join(cols)})",
            source=src,
        )
    i_loc = next((low.index(c) for c in LOCATION_COLUMNS if c in low), None)

    onsets: list[float] = []
    clocks: list[Clock] = []
    durations: list[float] = []
    descs: list[str] = []
    locs: list[str | None] = []
    line_nos: list[int] = []
    for (line_no, _), row in zip(body[1:], rows[1:], strict=False):
        if not any(x.strip() for x in row):
            continue
        row = row + [""] * (len(cols) - len(row))
        on_txt = row[i_on].strip()
        try:
            on = parse_float(on_txt)
        except ValueError:
            try:
                clocks.append(parse_clock(on_txt))
            except ValueError:
                raise InputError(
                    f"line {line_no}: unparseable onset {on_txt!r}", source=src
                ) from None
            on = math.inf  # placeholder, replaced by the aligned clock time
        if math.isnan(on):
            raise InputError(f"line {line_no}: missing onset ({on_txt!r})", source=src)
        onsets.append(on)
        dur_txt = row[i_dur].strip() if i_dur is not None else ""
        try:
            dur = parse_float(dur_txt)
        except ValueError:
            raise InputError(
                f"line {line_no}: unparseable duration {dur_txt!r}", source=src
            ) from None
        durations.append(0.0 if math.isnan(dur) else dur)
        if i_lab is not None:
            desc = row[i_lab].strip()
        elif i_side is not None:
            desc = f"LM {row[i_side].strip()}"
        else:
            desc = f"Sleep stage {row[i_stage].strip()}"  # type: ignore[index]
        descs.append(desc)
        locs.append(row[i_loc] if i_loc is not None else None)
        line_nos.append(line_no)

    warnings: list[str] = []
    t0: Clock | None = None
    if clocks:
        if len(clocks) != len(onsets):
            raise InputError("onset column mixes seconds and clock times", source=src)
        aligned, t0, warnings = align_clocks(clocks, start_datetime, source=src)
        onsets = aligned.tolist()
    return make_frame(
        onsets,
        durations,
        descs,
        locs,
        source=str(p),
        lines=line_nos,
        t0=t0,
        warnings=warnings,
        fmt="tsv",
    )
