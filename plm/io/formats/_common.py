"""Helpers shared by the annotation-file readers.

The intermediate table, text decoding and clock-time alignment.

Every reader returns the *intermediate annotation table*: a :class:`pandas.DataFrame` with
``onset`` (s from the reference time), ``duration`` (s), ``description`` (str) and
``location`` (channel, may be missing), plus ``source`` (file name) and ``line`` (1-based
line or record number, for error messages).  Reader facts travel in ``DataFrame.attrs``:

- ``t0``: the reference time of ``onset`` = 0 as a :class:`Clock`, or ``None`` when the
  file holds relative times only;
- ``epoch_s``: the epoch length the file declares, if any;
- ``warnings``: list of one-line strings;
- ``format``: the format name.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from plm.events import InputError

__all__ = [
    "ANNOT_COLUMNS",
    "Clock",
    "empty_annotations",
    "make_frame",
    "read_text",
    "parse_clock",
    "parse_float",
    "align_clocks",
    "clock_offset",
    "normalize_header",
]

ANNOT_COLUMNS: tuple[str, ...] = ("onset", "duration", "description", "location", "source", "line")
DAY_S = 86400.0
#: Clock times up to this much before the reference stay on the same day (negative onset)
#: instead of rolling over to the next day.
EARLY_TOLERANCE_S = 300.0


@dataclass(frozen=True)
class Clock:
    """A local clock reading: an optional calendar date and the seconds since midnight."""

    day: date | None
    seconds: float

    @classmethod
    def from_datetime(cls, dt: datetime) -> Clock:
        """Build a clock reading from a naive datetime."""
        midnight = datetime.combine(dt.date(), datetime.min.time())
        return cls(dt.date(), (dt - midnight).total_seconds())

    def to_datetime(self) -> datetime | None:
        """Return the naive datetime, or ``None`` when the date is unknown."""
        if self.day is None:
            return None
        return datetime.combine(self.day, datetime.min.time()) + timedelta(seconds=self.seconds)

    def isoformat(self) -> str:
        """Return ``YYYY-MM-DDTHH:MM:SS[.ffffff]``, or ``HH:MM:SS`` without a date."""
        dt = self.to_datetime()
        if dt is not None:
            return dt.isoformat()
        t = datetime.min + timedelta(seconds=self.seconds % DAY_S)
        return t.time().isoformat()


def empty_annotations() -> pd.DataFrame:
    """Return an empty intermediate annotation table with the right columns."""
    return make_frame([], [], [])


def make_frame(
    onsets: list[float] | np.ndarray,
    durations: list[float] | np.ndarray,
    descriptions: list[str],
    locations: list[str | None] | None = None,
    *,
    source: str | None = None,
    lines: list[int] | None = None,
    t0: Clock | None = None,
    epoch_s: float | None = None,
    warnings: list[str] | None = None,
    fmt: str | None = None,
) -> pd.DataFrame:
    """Build the intermediate table and attach the reader facts in ``attrs``."""
    n = len(descriptions)
    df = pd.DataFrame(
        {
            "onset": np.asarray(onsets, dtype=float).reshape(n),
            "duration": np.asarray(durations, dtype=float).reshape(n),
            "description": pd.Series([str(d) for d in descriptions], dtype=object),
            "location": pd.Series(
                [None] * n if locations is None else [_clean(x) for x in locations],
                dtype=object,
            ),
            "source": pd.Series([source] * n, dtype=object),
            "line": pd.Series(
                [-1] * n if lines is None else [int(x) for x in lines], dtype="int64"
            ),
        }
    )
    df.attrs = {
        "t0": t0,
        "epoch_s": epoch_s,
        "warnings": list(warnings or []),
        "format": fmt,
    }
    return df


def _clean(x: object) -> str | None:
    if x is None:
        return None
    s = str(x).strip()
    return s if s and s.lower() not in ("nan", "n/a", "none") else None


# --------------------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------------------


def read_text(path: str | Path, max_bytes: int | None = None) -> str:
    """Read a text file whatever its encoding (UTF-16/UTF-8 with or without BOM, cp1252).

    Raises
    ------
    InputError
        When the file cannot be read or holds binary content.
    """
    p = Path(path)
    try:
        with open(p, "rb") as fh:
            raw = fh.read() if max_bytes is None else fh.read(max_bytes)
    except OSError as exc:
        raise InputError(f"cannot read file ({exc.strerror or exc})", source=str(p)) from None
    return decode_bytes(raw, str(p), partial=max_bytes is not None)


def decode_bytes(raw: bytes, source: str, partial: bool = False) -> str:
    """Decode the bytes of a text file; see :func:`read_text`."""
    errors = "ignore" if partial else "strict"  # a head read may cut a multibyte char
    if raw.startswith(codecs.BOM_UTF8):
        enc = "utf-8-sig"
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        enc = "utf-16"
    elif len(raw) >= 4 and raw[1:4:2] == b"\0\0" and raw[0:4:2] != b"\0\0":
        enc = "utf-16-le"  # UTF-16 without a BOM (ASCII-range text)
    elif len(raw) >= 4 and raw[0:4:2] == b"\0\0" and raw[1:4:2] != b"\0\0":
        enc = "utf-16-be"
    else:
        enc = None
    if enc is not None:
        if partial and enc.startswith("utf-16") and len(raw) % 2:
            raw = raw[:-1]
        try:
            text = raw.decode(enc, errors=errors)
        except UnicodeDecodeError as exc:
            raise InputError(f"bad {enc} text ({exc.reason} at byte {exc.start})", source) from None
    else:
        try:
            text = raw.decode("utf-8", errors=errors)
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
    bad = sum(1 for c in text[:4096] if (ord(c) < 32 and c not in "\t\r\n\f") or c == "\ufffd")
    if "\0" in text or bad > max(2, len(text[:4096]) // 100):
        raise InputError("binary content, not a text annotation file", source)
    return text


def normalize_header(text: str) -> str:
    """Column name in comparable form: ``"Heure de début"`` → ``"heure de debut"``."""
    from plm.io.labels import normalize_label

    return normalize_label(text)


# --------------------------------------------------------------------------------------
# Numbers and clock times
# --------------------------------------------------------------------------------------


def parse_float(text: object) -> float:
    """Parse a number that may use a decimal comma; ``''``/``n/a`` → NaN; else ValueError."""
    if text is None:
        return float("nan")
    if isinstance(text, (int, float, np.integer, np.floating)):
        return float(text)
    s = str(text).strip()
    if s.lower() in ("", "n/a", "na", "nan", "-", "none"):
        return float("nan")
    s = s.replace("\u2212", "-")
    if "," in s and "." not in s:
        s = s.replace(",", ".")
    return float(s)


_DATE = r"(?P<date>\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4})"
_TIME = (
    r"(?P<h>\d{1,2})[:.](?P<m>\d{2})(?:[:.](?P<s>\d{2})(?:[.,](?P<f>\d+))?)?"
    r"\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?"
)
_CLOCK_RE = re.compile(rf"\s*(?:{_DATE}(?:[ T]+|\s*,\s*))?{_TIME}\s*(?:Z)?\s*")


def parse_date(text: str, dayfirst: bool = True) -> date:
    """Parse ``YYYY-MM-DD``, ``DD/MM/YYYY``, ``DD.MM.YY`` (or month-first); else ValueError."""
    s = text.strip()
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", s)
    if m:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = re.fullmatch(r"(\d{1,2})[./-](\d{1,2})[./-](\d{2,4})", s)
    if not m:
        raise ValueError(f"unparseable date {text!r}")
    a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if y < 100:
        y += 1900 if y >= 85 else 2000
    d, mo = (a, b) if dayfirst else (b, a)
    if mo > 12 and d <= 12:  # the other order is the only valid one
        d, mo = mo, d
    return date(y, mo, d)


def parse_clock(text: object, dayfirst: bool = True) -> Clock:
    """Parse a clock time with an optional date.

    Accepts ``hh:mm:ss``, ``hh:mm:ss.fff``, ``hh:mm:ss,fff``, ``hh.mm.ss``, 12-hour times
    with AM/PM, and a leading date (``2018-07-25``, ``25/07/2018``, ``25.07.2018``) joined
    by a space or ``T``.

    Raises
    ------
    ValueError
        When the text is not a clock time.
    """
    s = str(text)
    m = _CLOCK_RE.fullmatch(s)
    if m is None:
        raise ValueError(f"unparseable clock time {s!r}")
    h, mi = int(m.group("h")), int(m.group("m"))
    sec = int(m.group("s") or 0)
    frac = float("0." + m.group("f")) if m.group("f") else 0.0
    ampm = m.group("ampm")
    if ampm:
        if not 1 <= h <= 12:
            raise ValueError(f"bad 12-hour clock time {s!r}")
        h = h % 12 + (12 if ampm[0].lower() == "p" else 0)
    if h > 23 or mi > 59 or sec > 60:
        raise ValueError(f"clock time out of range {s!r}")
    day = parse_date(m.group("date"), dayfirst) if m.group("date") else None
    return Clock(day, h * 3600.0 + mi * 60.0 + sec + frac)


def guess_dayfirst(date_texts: list[str]) -> bool:
    """Tell ``DD/MM`` from ``MM/DD`` using the dates of a file (day-first when unsure)."""
    for t in date_texts:
        m = re.match(r"\s*(\d{1,2})[./-](\d{1,2})[./-]\d{2,4}", t)
        if m:
            a, b = int(m.group(1)), int(m.group(2))
            if a > 12 >= b:
                return True
            if b > 12 >= a:
                return False
    return True


def clock_offset(value: Clock, ref: Clock) -> tuple[float, bool]:
    """Seconds from ``ref`` to ``value``.

    With both dates known the difference is exact.  Otherwise the time of day is used and
    a time earlier than the reference (by more than :data:`EARLY_TOLERANCE_S`) is taken
    as the next day: nights cross midnight.

    Returns
    -------
    offset_s : float
    exact : bool
        Whether calendar dates were used.
    """
    if value.day is not None and ref.day is not None:
        return (value.to_datetime() - ref.to_datetime()).total_seconds(), True  # type: ignore[operator]
    d = (value.seconds - ref.seconds + EARLY_TOLERANCE_S) % DAY_S - EARLY_TOLERANCE_S
    return d, False


def align_clocks(
    values: list[Clock],
    start_datetime: datetime | None,
    *,
    reference: Clock | None = None,
    source: str = "",
) -> tuple[np.ndarray, Clock | None, list[str]]:
    """Convert clock readings into seconds from the recording start.

    Parameters
    ----------
    values : list of Clock
        The clock time of each event, in file order.
    start_datetime : datetime, optional
        The recording's local start (the EDF header).  Without it, ``reference`` (a start
        time the file declares) or else the first event's clock time is t = 0.
    reference : Clock, optional
        A start time found in the file header.
    source : str
        File name for the messages.

    Returns
    -------
    onsets : ndarray of float
        Seconds from t = 0.
    t0 : Clock or None
        The clock time of t = 0.
    warnings : list of str
    """
    warnings: list[str] = []
    if start_datetime is not None:
        ref: Clock | None = Clock.from_datetime(start_datetime)
    elif reference is not None:
        ref = reference
    elif values:
        ref = values[0]
        warnings.append(
            f"{Path(source).name}: no recording start time given; t = 0 is the first event's "
            f"clock time ({ref.isoformat()})"
        )
    else:
        ref = None
    if ref is None:
        return np.zeros(0), None, warnings
    out = np.empty(len(values))
    dated_far = False
    for i, v in enumerate(values):
        off, exact = clock_offset(v, ref)
        if exact and start_datetime is not None and abs(off) > 1.5 * DAY_S:
            # e.g. an anonymised EDF date (01.01.85): align on the clock time only
            dated_far = True
            off, _ = clock_offset(Clock(None, v.seconds), Clock(None, ref.seconds))
        out[i] = off
    if dated_far:
        warnings.append(
            f"{Path(source).name}: event dates are more than a day away from the recording "
            f"start {start_datetime.isoformat()} (anonymised EDF date?); aligned on the clock "
            "time only"
        )
    return out, ref, warnings
