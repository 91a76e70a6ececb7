r"""SOMNOmedics DOMINO text exports.

One file per event list: ``Sleep profile``, ``Classification Arousals``, ``Flow Events`` ….

Layout::

    Signal ID: SchlafProfil\profil
    Start Time: 23.09.2020 01:00:00
    Unit:
    Signal Type: Discret
    Events list: N4,N3,N2,N1,REM,Wake,Movement
    Rate: 30 s

    01:00:00,000; N1                                   <- hypnogram: one row per epoch
    01:01:00,750-01:01:12,250; 12;PLM Arousal (EEG)    <- event lists: start-end; s; type

Times are local clock times with a decimal comma; the header ``Start Time`` (a full
date-time) is t = 0 unless the recording start is given.  Hypnogram rows become
``Sleep stage <word>`` annotations lasting the ``Rate`` (``Wake``/``Wach``, ``N1`` …
``N4``, ``REM``/``Rem``, ``Movement`` and ``A`` (artefact) → unscored).  Event durations
are taken from the start and end times (the integer duration column is rounded).
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from pathlib import Path

import pandas as pd

from plm.events import InputError
from plm.io.formats._common import (
    Clock,
    align_clocks,
    clock_offset,
    make_frame,
    normalize_header,
    parse_clock,
    parse_float,
    read_text,
)

__all__ = ["read_somnomedics", "HEADER_KEYS", "ROW_RE"]

#: Header keys (normalised) that identify a DOMINO export.
HEADER_KEYS = ("signal id", "start time", "signal type", "events list", "rate", "unit")
#: A data row: ``hh:mm:ss,fff[-hh:mm:ss,fff];``.
ROW_RE = re.compile(
    r"\s*\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\s*(?:-\s*\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?)?\s*;"
)


def read_somnomedics(
    path: str | Path,
    start_datetime: datetime | None = None,
    text: str | None = None,
) -> pd.DataFrame:
    """Read one DOMINO text export into the intermediate annotation table.

    Parameters
    ----------
    path : str or Path
        ``Sleep profile - *.txt``, ``Classification Arousals - *.txt``,
        ``Flow Events - *.txt`` or another DOMINO event list.
    start_datetime : datetime, optional
        Local start of the recording (EDF header).  Without it the header
        ``Start Time`` is t = 0.
    text : str, optional
        The decoded content, when already read.

    Returns
    -------
    DataFrame
        The intermediate table; ``attrs['epoch_s']`` is the hypnogram ``Rate``.

    Raises
    ------
    InputError
        No data rows, unparseable times or header start time.
    """
    p = Path(path)
    src = str(p)
    if text is None:
        text = read_text(p)
    header: dict[str, str] = {}
    rows: list[tuple[int, str]] = []
    for i, ln in enumerate(text.splitlines()):
        if not ln.strip():
            continue
        if ROW_RE.match(ln):
            rows.append((i + 1, ln))
        elif not rows and ":" in ln:
            key, _, val = ln.partition(":")
            header[normalize_header(key)] = val.strip()
        elif rows:
            raise InputError(f"line {i + 1}: unparseable row {ln.strip()[:60]!r}", source=src)
    warnings: list[str] = []
    start_txt = header.get("start time") or header.get("startzeit") or header.get("start")
    reference: Clock | None = None
    if start_txt:
        try:
            reference = parse_clock(start_txt, dayfirst=True)
        except ValueError:
            raise InputError(f"unparseable Start Time {start_txt!r}", source=src) from None
    rate_txt = header.get("rate")
    epoch_s: float | None = None
    if rate_txt:
        m = re.match(r"\s*(\d[\d.,]*(?:[eE][+-]?\d+)?|[.,]\d+)\s*(ms|s|sec|min)?", rate_txt)
        if m:
            try:
                epoch_s = parse_float(m.group(1)) * {"ms": 1e-3, "min": 60.0}.get(
                    m.group(2) or "s", 1.0
                )
            except ValueError:
                raise InputError(f"unparseable Rate {rate_txt!r}", source=src) from None
    is_profile = (
        "events list" in header
        or "ereignisliste" in header
        or (header.get("signal type", "").lower().startswith("discret"))
    )

    clocks: list[Clock] = []
    durations: list[float] = []
    descs: list[str] = []
    line_nos: list[int] = []
    for line_no, ln in rows:
        fields = [f.strip() for f in ln.split(";")]
        times = fields[0]
        try:
            if "-" in times:
                a, b = (parse_clock(t) for t in times.split("-", 1))
                dur = clock_offset(b, a)[0]
            else:
                a = parse_clock(times)
                dur = math.nan
        except ValueError:
            raise InputError(f"line {line_no}: unparseable time {times!r}", source=src) from None
        rest = [f for f in fields[1:] if f != ""]
        if is_profile and math.isnan(dur):
            if not rest:
                raise InputError(f"line {line_no}: hypnogram row without a stage", source=src)
            desc = f"Sleep stage {rest[0]}"
            dur = epoch_s if epoch_s else 30.0
        else:
            # "start-end; duration; type[; more]" or "time; duration; type"
            if rest and _is_number(rest[0]):
                if math.isnan(dur):
                    dur = parse_float(rest[0])
                rest = rest[1:]
            if not rest:
                raise InputError(f"line {line_no}: event row without a type", source=src)
            desc = rest[0]
        clocks.append(a)
        durations.append(0.0 if math.isnan(dur) else dur)
        descs.append(desc)
        line_nos.append(line_no)
    if reference is None:
        warnings.append(f"{p.name}: no 'Start Time' in the header")
    onsets, t0, w = align_clocks(clocks, start_datetime, reference=reference, source=src)
    warnings += w
    return make_frame(
        onsets,
        durations,
        descs,
        None,
        source=str(p),
        lines=line_nos,
        t0=t0,
        epoch_s=epoch_s if is_profile else None,
        warnings=warnings,
        fmt="somnomedics",
    )


def _is_number(s: str) -> bool:
    try:
        parse_float(s)
    except ValueError:
        return False
    return True
