"""Annotation and event files → :class:`plm.events.NightEvents`.

Two steps:

1. a reader per format turns a file into the *intermediate annotation table*: a
   :class:`pandas.DataFrame` with ``onset`` (s from the recording start), ``duration``
   (s), ``description`` (the label), ``location`` (channel, may be missing), ``source``
   (file name) and ``line`` (for messages) — :func:`read_annotation_file`;
2. :func:`events_from_annotations` maps the labels (:mod:`plm.io.labels`) once and builds
   the movements, hypnogram, respiratory events, arousals and lights.

:func:`load_night_events` does both for one or several files of one night.

Supported formats (:data:`FORMATS`), detected from the content by :func:`detect_format`:

``tsv``            project TSV, BIDS ``*_events.tsv``, CSV (``onset``, ``duration``, label)
``edf``            EDF+/BDF+ annotations (``plm.io.edf.read_annotations``)
``remlogic``       Embla RemLogic event export, PhysioNet CAP Sleep Database ``.txt``
``noxturnal``      Noxturnal event CSV (UTF-16 or UTF-8, French or English)
``somnomedics``    SOMNOmedics DOMINO text exports (sleep profile, event lists)
``nsrr_xml``       NSRR ``PSGAnnotation`` XML
``profusion_xml``  Compumedics Profusion ``CMPStudyConfig`` XML

Clock-time formats are aligned to ``start_datetime`` (the EDF header's local start);
nights cross midnight, so a clock time earlier than the start is the next day.  Without
a start, a start time declared in the file (DOMINO ``Start Time``, NSRR ``Recording Start
Time``) or else the first event's clock time is t = 0, with a warning.
"""

from __future__ import annotations

import csv
import dataclasses
import logging
import math
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from plm._util import sha256_file
from plm.events import (
    UNSCORED,
    Hypnogram,
    InputError,
    NightEvents,
    empty_intervals,
    empty_movements,
)
from plm.io.formats._common import (
    ANNOT_COLUMNS,
    DAY_S,
    Clock,
    decode_bytes,
    empty_annotations,
    normalize_header,
)
from plm.io.formats.edfplus import edf_annotation_frame, read_edf_annotations
from plm.io.formats.noxturnal import EVENT_NAMES, START_NAMES, read_noxturnal
from plm.io.formats.nsrr_xml import read_nsrr_xml, read_profusion_xml
from plm.io.formats.remlogic import find_table_header, read_remlogic
from plm.io.formats.somnomedics import ROW_RE, read_somnomedics
from plm.io.formats.tsv import read_tsv, sniff_delimiter
from plm.io.labels import LabelRow, Mapped, compile_rows, load_label_map, map_label

__all__ = [
    "recording_night_events",
    "FORMATS",
    "ANNOT_COLUMNS",
    "detect_format",
    "read_annotation_file",
    "events_from_annotations",
    "load_night_events",
    "empty_annotations",
    "build_hypnogram",
]

logger = logging.getLogger(__name__)

#: Supported annotation formats.
FORMATS: tuple[str, ...] = (
    "tsv",
    "edf",
    "remlogic",
    "noxturnal",
    "somnomedics",
    "nsrr_xml",
    "profusion_xml",
)
_ALIASES = {
    "csv": "tsv", "bids": "tsv",
    "edf+": "edf", "edfplus": "edf", "bdf": "edf", "bdf+": "edf",
    "embla": "remlogic", "cap": "remlogic", "rem_logic": "remlogic",
    "nox": "noxturnal", "domino": "somnomedics", "somno": "somnomedics",
    "nsrr": "nsrr_xml", "profusion": "profusion_xml", "compumedics": "profusion_xml",
}  # fmt: skip

#: Ignored series labels whose median duration is at most this (s) look like single
#: movements (Profusion marks each LM of a series "PLM (Left)"): say so in a warning.
SERIES_AS_SINGLE_MAX_S = 15.0
#: Events may start this many epochs before 0 or after the recording end.
OUTSIDE_TOLERANCE_EPOCHS = 1.0
#: Stage onsets and durations may miss the epoch grid by this much (s).
GRID_TOLERANCE_S = 1.0
_MAX_HYPNOGRAM_S = 7 * DAY_S
#: Plausible hypnogram epoch lengths (s): 30 s (AASM), 20 s in some older R&K systems.
#: Outside this range the file is refused unless ``allow_implausible=True``.
EPOCH_RANGE_S = (20.0, 60.0)
#: Longest plausible recording (s); an event list implying more is refused.
MAX_RECORDING_S = 7 * DAY_S

LabelSpec = Iterable[Mapping[str, Any] | LabelRow] | Mapping[str, str] | str | os.PathLike[str]


# --------------------------------------------------------------------------------------
# Format detection and dispatch
# --------------------------------------------------------------------------------------


def detect_format(path: str | os.PathLike[str]) -> str:
    """Tell the format of an annotation file from its content (not its extension).

    Parameters
    ----------
    path : str or Path
        The file.

    Returns
    -------
    str
        One of :data:`FORMATS`.

    Raises
    ------
    InputError
        Unreadable file, binary content that is not EDF, or a text layout no reader
        knows (the message lists the supported formats).
    """
    p = Path(path)
    try:
        with open(p, "rb") as fh:
            raw = fh.read(65536)
    except OSError as exc:
        raise InputError(f"cannot read file ({exc.strerror or exc})", source=str(p)) from None
    if not raw:
        raise InputError("empty file", source=str(p))
    if raw[:8] == b"0       " or raw[:8] == b"\xffBIOSEMI":
        return "edf"
    text = decode_bytes(raw, str(p), partial=len(raw) == 65536)
    head = text.lstrip("\ufeff").lstrip()
    if head.startswith("<"):
        top = head[:8192]
        if "PSGAnnotation" in top:
            return "nsrr_xml"
        if "CMPStudyConfig" in top:
            return "profusion_xml"
        raise InputError(
            "XML file is neither NSRR PSGAnnotation nor Profusion CMPStudyConfig", source=str(p)
        )
    lines = head.splitlines()[:400]
    if find_table_header(lines) is not None:
        return "remlogic"
    keys = set()
    for ln in lines[:12]:
        if ":" in ln and not ROW_RE.match(ln):
            keys.add(normalize_header(ln.partition(":")[0]))
    if "signal id" in keys or (
        "start time" in keys and keys & {"signal type", "events list", "rate"}
    ):
        return "somnomedics"
    first = next((ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#")), "")
    cols = [normalize_header(c) for c in first.split(sniff_delimiter(first))]
    if "onset" in cols:
        return "tsv"
    if any(c in cols for c in START_NAMES) and any(c in cols for c in EVENT_NAMES):
        return "noxturnal"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "noxturnal"
    if p.suffix.lower() in (".tsv", ".csv"):
        # a table we cannot place: let the table reader name what is missing
        return "tsv"
    raise InputError(
        "cannot tell the annotation format from the content "
        f"(supported: {', '.join(FORMATS)}; force one with format=)",
        source=str(p),
    )


def _canonical_format(fmt: str, source: str) -> str:
    f = fmt.strip().lower()
    f = _ALIASES.get(f, f)
    if f not in FORMATS and f != "xml":
        raise InputError(
            f"unknown annotation format {fmt!r} (supported: {', '.join(FORMATS)})", source=source
        )
    return f


def read_annotation_file(
    path: str | os.PathLike[str],
    format: str | None = None,  # noqa: A002 - public keyword
    start_datetime: datetime | None = None,
) -> pd.DataFrame:
    """Read one annotation file into the intermediate annotation table.

    Parameters
    ----------
    path : str or Path
        The file.
    format : str, optional
        Force a format (one of :data:`FORMATS`; aliases such as ``csv``, ``bids``,
        ``cap``, ``nox``, ``domino`` are accepted).  Detected from the content if omitted.
    start_datetime : datetime, optional
        Local start of the recording, to align clock-time formats (EDF header).

    Returns
    -------
    DataFrame
        ``onset`` (s from the recording start), ``duration`` (s), ``description``,
        ``location``, ``source``, ``line``; ``attrs`` holds ``t0`` (clock time of
        t = 0), ``epoch_s``, ``warnings`` and ``format``.

    Raises
    ------
    InputError
        Unknown forced format, unreadable file, or bad content (naming the file).
    """
    p = Path(path)
    fmt = _canonical_format(format, str(p)) if format else detect_format(p)
    readers = {
        "tsv": read_tsv,
        "edf": read_edf_annotations,
        "remlogic": read_remlogic,
        "noxturnal": read_noxturnal,
        "somnomedics": read_somnomedics,
        "nsrr_xml": read_nsrr_xml,
        "profusion_xml": read_profusion_xml,
    }
    if fmt == "xml":
        from plm.io.formats.nsrr_xml import read_xml

        reader = read_xml
    else:
        reader = readers[fmt]
    try:
        df = reader(p, start_datetime=start_datetime)
    except InputError:
        raise
    except (csv.Error, UnicodeError, OSError) as exc:
        raise InputError(f"cannot read as {fmt} ({exc})", source=str(p)) from None
    logger.debug("read %d annotations from %s (%s)", len(df), p, fmt)
    return df


# --------------------------------------------------------------------------------------
# Annotation table → NightEvents
# --------------------------------------------------------------------------------------


def _rows_from_spec(extra: LabelSpec | None) -> list[LabelRow] | None:
    if extra is None:
        return None
    if isinstance(extra, (str, os.PathLike)):
        return load_label_map(extra)
    return compile_rows(extra)  # type: ignore[arg-type]


def _where(df: pd.DataFrame, i: int, source: str | None) -> tuple[str, str | None]:
    """Return ('line 12' or 'row 3', source file) for a message about row ``i``."""
    src = source
    if "source" in df.columns:
        s = df["source"].iat[i]
        if isinstance(s, str) and s:
            src = s
    if "line" in df.columns:
        ln = df["line"].iat[i]
        if ln is not None and not pd.isna(ln) and int(ln) > 0:
            return f"line {int(ln)}", src
    return f"row {i}", src


def events_from_annotations(
    annot: pd.DataFrame,
    source: str | os.PathLike[str] | None = None,
    epoch_s: float = 30.0,
    recording_duration_s: float | None = None,
    extra_labels: LabelSpec | None = None,
    *,
    allow_implausible: bool = False,
    _hash_source: bool = True,
) -> NightEvents:
    """Map an annotation table to the night's events.

    Parameters
    ----------
    annot : DataFrame
        ``onset`` (s), ``duration`` (s; NaN → 0), ``description``; optional
        ``location`` (channel), ``source`` and ``line`` (for messages).
    source : str or Path, optional
        File name for messages (and provenance when it is an existing file).
    epoch_s : float
        Hypnogram epoch length (s).
    recording_duration_s : float, optional
        Recording length (s).  Events starting more than one epoch outside
        ``[0, recording_duration_s]`` are an error; hypnogram epochs starting after the
        end are dropped.  Inferred from the events when omitted.
    extra_labels : list of dict, dict, or path, optional
        Extra label rows (see :func:`plm.io.labels.compile_rows`) or a label-map file.
    allow_implausible : bool
        Accept an epoch length outside :data:`EPOCH_RANGE_S` (at least 1 s), with a warning.

    Returns
    -------
    NightEvents
        Movements, hypnogram (grid starting at the first stage annotation; gaps are
        ``unscored``), respiratory events, arousals, lights off/on (first lights-off,
        last lights-on), unmapped label counts and warnings (including the
        ``ignored_labels`` counts of series labels).

    Raises
    ------
    InputError
        Missing columns, NaN onsets, negative durations (naming the row), stage
        annotations off the epoch grid or overlapping with a different stage, events
        outside the recording.
    """
    src = str(source) if source is not None else None
    if not epoch_s or not epoch_s > 0 or not math.isfinite(epoch_s):
        raise InputError(f"epoch length must be > 0 s, got {epoch_s}", source=src)
    implausible: list[str] = []
    if not EPOCH_RANGE_S[0] <= epoch_s <= EPOCH_RANGE_S[1]:
        problem = (
            f"epoch length {epoch_s:g} s is outside the plausible "
            f"{EPOCH_RANGE_S[0]:g}-{EPOCH_RANGE_S[1]:g} s"
        )
        if not allow_implausible or epoch_s < 1.0:  # < 1 s: one entry per epoch is unbounded
            raise InputError(problem, source=src)
        implausible.append(f"{problem} (accepted on request)")
    if annot is None or not isinstance(annot, pd.DataFrame):
        raise InputError("annotations must be a DataFrame", source=src)
    missing = [c for c in ("onset", "description") if c not in annot.columns]
    if missing:
        raise InputError(
            f"annotation table lacks column(s) {', '.join(missing)} "
            f"(columns: {', '.join(map(str, annot.columns)) or 'none'})",
            source=src,
        )
    df = annot.reset_index(drop=True)
    n = len(df)
    onset = pd.to_numeric(df["onset"], errors="coerce").to_numpy(dtype=float)
    if "duration" in df.columns:
        duration = pd.to_numeric(df["duration"], errors="coerce").to_numpy(dtype=float)
    else:
        duration = np.zeros(n)
    desc = ["" if pd.isna(d) else str(d).strip() for d in df["description"]]
    loc_col = df["location"] if "location" in df.columns else pd.Series([None] * n)
    locs = [None if (x is None or pd.isna(x) or str(x).strip() == "") else str(x) for x in loc_col]
    rec = None if recording_duration_s is None else float(recording_duration_s)
    if rec is not None and not (rec > 0 and math.isfinite(rec)):
        raise InputError(
            f"recording duration must be > 0 s, got {recording_duration_s}", source=src
        )
    for i in np.flatnonzero(np.abs(onset) > MAX_RECORDING_S):
        where, s = _where(df, int(i), src)
        raise InputError(
            f"{where}: onset {onset[i]:g} s is more than 7 days from the recording start",
            source=s,
        )
    for i in np.flatnonzero(duration > MAX_RECORDING_S):
        where, s = _where(df, int(i), src)
        raise InputError(f"{where}: duration {duration[i]:g} s is more than 7 days", source=s)

    for i in np.flatnonzero(~np.isfinite(onset)):
        where, s = _where(df, int(i), src)
        raise InputError(f"{where}: missing or unparseable onset for {desc[i]!r}", source=s)
    for i in np.flatnonzero(duration < 0):
        where, s = _where(df, int(i), src)
        raise InputError(
            f"{where}: negative duration ({duration[i]:g} s) for {desc[i]!r} at t={onset[i]:g} s",
            source=s,
        )
    duration = np.where(np.isfinite(duration), duration, 0.0)

    rows = _rows_from_spec(extra_labels)
    cache: dict[tuple[str, str | None], Mapped | None] = {}
    mapped: list[Mapped | None] = []
    for d, lc in zip(desc, locs, strict=False):
        key = (d, lc)
        if key not in cache:
            cache[key] = map_label(d, lc, extra=rows) if d else None
        mapped.append(cache[key])

    warnings: list[str] = list(annot.attrs.get("warnings", []) or []) + implausible
    tol = OUTSIDE_TOLERANCE_EPOCHS * epoch_s
    for i, m in enumerate(mapped):
        if m is None or m.kind == "ignore":
            continue
        if onset[i] < -tol or (rec is not None and onset[i] > rec + tol):
            where, s = _where(df, i, src)
            span = f"{rec:g} s" if rec is not None else "starts at t=0 s"
            raise InputError(
                f"event at t={onset[i]:g} s lies outside the recording ({span}): "
                f"{where}, {desc[i]!r}",
                source=s,
            )

    kinds = np.array([m.kind if m is not None else "" for m in mapped], dtype=object)
    values = np.array([m.value if m is not None else None for m in mapped], dtype=object)

    def table(kind: str, value_column: str | None, empty: pd.DataFrame) -> pd.DataFrame:
        """The rows of one kind as an onset-sorted table (``empty`` when there are none)."""
        sel = kinds == kind
        if not sel.any():
            return empty
        cols: dict[str, Any] = {"onset": onset[sel], "duration": duration[sel]}
        if value_column:
            cols[value_column] = pd.Series(values[sel], dtype=object)
        return pd.DataFrame(cols).sort_values("onset", kind="stable").reset_index(drop=True)

    movements = table("lm", "side", empty_movements())
    no_side = Counter(
        desc[i]
        for i, m in enumerate(mapped)
        if m and m.kind == "lm" and m.note.startswith("no side")
    )
    if no_side:
        warnings.append(
            f"{sum(no_side.values())} leg movement(s) name no side and have no leg channel "
            f"({_fmt_counts(no_side)}): scored as side 'both'"
        )

    respiratory = table("respiratory", "type", empty_intervals(("type",)))
    arousals = table("arousal", None, empty_intervals())

    # lights
    off = onset[kinds == "lights_off"]
    on = onset[kinds == "lights_on"]
    lights_off = float(off.min()) if off.size else None
    lights_on = float(on.max()) if on.size else None
    if off.size > 1 or on.size > 1:
        warnings.append(
            f"{off.size} lights-off and {on.size} lights-on marks: using the first lights-off "
            "and the last lights-on"
        )
    if lights_off is not None and lights_on is not None and lights_on <= lights_off:
        warnings.append(
            f"lights on (t={lights_on:g} s) is not after lights off (t={lights_off:g} s): "
            "both ignored"
        )
        lights_off = lights_on = None

    # hypnogram
    st_idx = np.flatnonzero(kinds == "stage")
    hypnogram = None
    if st_idx.size:
        hypnogram, hw = build_hypnogram(df, st_idx, onset, duration, values, epoch_s, rec, src)
        warnings += hw

    # ignored and unmapped labels
    ignored = Counter(desc[i] for i, m in enumerate(mapped) if m is not None and m.kind == "ignore")
    if ignored:
        warnings.append(
            f"ignored_labels: {dict(ignored)} (labels denoting periodic series, not single "
            "movements, are not scored as movements)"
        )
        for label in ignored:
            idx = [i for i, d in enumerate(desc) if d == label and mapped[i].kind == "ignore"]  # type: ignore[union-attr]
            med = float(np.median(duration[idx]))
            if 0 < med <= SERIES_AS_SINGLE_MAX_S:
                warnings.append(
                    f"{label!r} events last {med:g} s (median): they may be single movements "
                    f"marked as part of a series; if so map them, e.g. "
                    f"extra_labels={{{label!r}: 'lm:auto'}}"
                )
    unmapped = Counter(desc[i] for i, m in enumerate(mapped) if m is None)
    unmapped_labels = dict(sorted(unmapped.items(), key=lambda kv: (-kv[1], kv[0])))

    if rec is None:
        ends = [
            onset[i] + duration[i]
            for i, m in enumerate(mapped)
            if m is not None and m.kind != "ignore"
        ]
        if hypnogram is not None:
            ends.append(hypnogram.end_s)
        if ends:
            rec = float(max(ends))
            warnings.append(
                f"recording duration not given: taken as the end of the last event ({rec:g} s)"
            )

    t0 = annot.attrs.get("t0")
    sources: list[dict[str, Any]] = []
    if _hash_source and src is not None and Path(src).is_file():
        sources.append({"file": Path(src).name, "sha256": sha256_file(src)})
    kwargs: dict[str, Any] = {}
    if "ignored_labels" in {f.name for f in dataclasses.fields(NightEvents)}:
        kwargs["ignored_labels"] = dict(ignored)
    for w in warnings:
        logger.info("%s", w)
    return NightEvents(
        movements=movements,
        hypnogram=hypnogram,
        respiratory=respiratory,
        arousals=arousals,
        lights_off_s=lights_off,
        lights_on_s=lights_on,
        recording_duration_s=rec,
        unmapped_labels=unmapped_labels,
        sources=sources,
        warnings=warnings,
        start_datetime=t0.isoformat() if isinstance(t0, Clock) else None,
        **kwargs,
    )


def _fmt_counts(c: Counter) -> str:
    return ", ".join(f"{k!r} ×{v}" for k, v in c.most_common(5)) + (", …" if len(c) > 5 else "")


def build_hypnogram(
    df: pd.DataFrame,
    st_idx: np.ndarray,
    onset: np.ndarray,
    duration: np.ndarray,
    values: np.ndarray,
    epoch_s: float,
    rec: float | None,
    src: str | None,
) -> tuple[Hypnogram, list[str]]:
    """Put stage annotations on an epoch grid that starts at the first one.

    ``st_idx`` selects the stage rows of ``df`` (used to name the row in errors);
    ``onset``/``duration`` (s) and ``values`` (stage codes) are indexed like ``df``.
    A zero or missing duration is one epoch; ``rec`` (s), when given, drops epochs
    after the recording end.  Returns the hypnogram and warnings.
    """
    warnings: list[str] = []
    order = st_idx[np.argsort(onset[st_idx], kind="stable")]
    start = float(onset[order[0]])
    spans: list[tuple[int, int, str, int]] = []
    for i in order:
        t, d = float(onset[i]), float(duration[i])
        k0 = int(round((t - start) / epoch_s))
        if abs(t - (start + k0 * epoch_s)) > GRID_TOLERANCE_S:
            where, s = _where(df, int(i), src)
            raise InputError(
                f"{where}: stage annotation at t={t:g} s is off the {epoch_s:g} s epoch grid "
                f"that starts at t={start:g} s",
                source=s,
            )
        if not math.isfinite(d) or d <= GRID_TOLERANCE_S:
            k = 1
        else:
            k = int(round(d / epoch_s))
            if k < 1 or abs(d - k * epoch_s) > GRID_TOLERANCE_S:
                where, s = _where(df, int(i), src)
                raise InputError(
                    f"{where}: stage annotation at t={t:g} s lasts {d:g} s, not a multiple "
                    f"of the {epoch_s:g} s epoch",
                    source=s,
                )
        spans.append((k0, k, str(values[i]), int(i)))
    n_total = max(k0 + k for k0, k, _, _ in spans)
    if n_total * epoch_s > _MAX_HYPNOGRAM_S:
        raise InputError(
            f"stage annotations span {n_total * epoch_s:g} s, more than 7 days", source=src
        )
    stages = np.full(n_total, UNSCORED, dtype=object)
    owner = np.full(n_total, -1, dtype=np.int64)
    duplicates = 0
    for k0, k, stage, i in spans:
        seg = slice(k0, k0 + k)
        taken = owner[seg] >= 0
        if taken.any():
            clash = np.flatnonzero(taken & (stages[seg] != stage))
            if clash.size:
                e = k0 + int(clash[0])
                where, s = _where(df, i, src)
                raise InputError(
                    f"overlapping hypnogram epochs at t={start + e * epoch_s:g} s "
                    f"({stages[e]} and {stage}; {where})",
                    source=s,
                )
            duplicates += int(taken.sum())
        stages[seg] = stage
        owner[seg] = i
    if duplicates:
        warnings.append(f"{duplicates} hypnogram epoch(s) scored twice with the same stage")
    if rec is not None:
        keep = int(max(0, math.ceil((rec - start) / epoch_s - 1e-9)))
        if keep < n_total:
            dropped = stages[keep:]
            scored = int(np.sum(dropped != UNSCORED))
            if scored:
                warnings.append(
                    f"{scored} scored hypnogram epoch(s) start after the recording end "
                    f"({rec:g} s): dropped"
                )
            stages = stages[:keep]
    return Hypnogram(stages=stages, epoch_s=epoch_s, start_s=start), warnings


# --------------------------------------------------------------------------------------
# One night from several files
# --------------------------------------------------------------------------------------


def _ref_diff(a: Clock, b: Clock) -> tuple[float, bool]:
    """Seconds from clock ``b`` to clock ``a``, and whether calendar dates were used.

    By time of day (within ±12 h) when a date is missing or the dates are more than a day
    apart (anonymised dates).
    """
    if a.day is not None and b.day is not None:
        d = (a.to_datetime() - b.to_datetime()).total_seconds()  # type: ignore[operator]
        if abs(d) <= 1.5 * DAY_S:
            return d, True
    return (a.seconds - b.seconds + DAY_S / 2) % DAY_S - DAY_S / 2, False


def load_night_events(
    paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    start_datetime: datetime | None = None,
    recording_duration_s: float | None = None,
    format: str | Sequence[str | None] | None = None,  # noqa: A002 - public keyword
    extra_labels: LabelSpec | None = None,
    epoch_s: float | None = None,
    hash_files: bool = True,
    allow_implausible: bool = False,
) -> NightEvents:
    """Read one or several annotation files of one night into :class:`NightEvents`.

    Parameters
    ----------
    paths : path or list of paths
        E.g. the three DOMINO exports of a night, or an EDF+ file plus a separate
        hypnogram.  Their annotations are concatenated and mapped once.
    start_datetime : datetime, optional
        Local start of the recording (EDF header) for the clock-time formats.  Without
        it, files with different reference times are aligned on the earliest one.
    recording_duration_s : float, optional
        Recording length (s), for the outside-the-recording check.
    format : str or list of str, optional
        Force the format of all files, or one per file (``None`` entries detect).
    extra_labels : list of dict, dict, or path, optional
        Extra label rows or a label-map file (see :func:`plm.io.labels.load_label_map`).
    epoch_s : float, optional
        Hypnogram epoch length (s); by default the one a file declares (DOMINO ``Rate``,
        XML ``EpochLength``), else 30 s.
    hash_files : bool
        Fill ``sources`` with each file's SHA-256; False leaves ``sources`` empty (the
        caller hashes, e.g. :func:`plm.score` hashes a recording once, in the background).
    allow_implausible : bool
        Accept an epoch length outside :data:`EPOCH_RANGE_S` (at least 1 s), with a warning.

    Returns
    -------
    NightEvents
        With ``sources`` (file name and SHA-256 of each file) and ``start_datetime``.

    Raises
    ------
    InputError
        Naming the file and the problem (bad encoding, broken XML, binary garbage,
        missing columns, …).
    """
    if isinstance(paths, (str, os.PathLike)):
        path_list = [Path(paths)]
    else:
        path_list = [Path(p) for p in paths]
    if not path_list:
        raise InputError("no annotation files given")
    if format is None or isinstance(format, str):
        fmts: list[str | None] = [format] * len(path_list)
    else:
        fmts = list(format)
        if len(fmts) != len(path_list):
            raise InputError(f"{len(fmts)} formats given for {len(path_list)} files")
    frames = [
        read_annotation_file(p, format=f, start_datetime=start_datetime)
        for p, f in zip(path_list, fmts, strict=True)
    ]
    ev = _events_from_frames(
        frames, path_list, start_datetime, recording_duration_s, extra_labels, epoch_s,
        allow_implausible,
    )  # fmt: skip
    if hash_files:
        ev.sources = [{"file": Path(p).name, "sha256": sha256_file(p)} for p in path_list]
    return ev


def recording_night_events(
    annotations: pd.DataFrame,
    source: str | os.PathLike[str],
    start_datetime: datetime | None = None,
    recording_duration_s: float | None = None,
) -> NightEvents:
    """Import a recording's own EDF+ annotations, already read, into :class:`NightEvents`.

    The same import as :func:`load_night_events` on the recording, without reading it
    again (see :func:`plm.io.recording.load_recording`).

    Parameters
    ----------
    annotations : DataFrame
        ``onset`` (s from the header start), ``duration`` (s), ``description``
        (:attr:`plm.io.recording.Recording.annotations`).
    source : path-like
        The recording, for messages.
    start_datetime : datetime, optional
        The recording's header start.
    recording_duration_s : float, optional
        Recording length (s), for the outside-the-recording check.

    Returns
    -------
    NightEvents
        With empty ``sources`` (the caller records the recording's checksum).
    """
    frame = edf_annotation_frame(annotations, start_datetime, str(source), start_datetime)
    return _events_from_frames(
        [frame], [Path(source)], start_datetime, recording_duration_s, None, None
    )


def _events_from_frames(
    frames: list[pd.DataFrame],
    path_list: list[Path],
    start_datetime: datetime | None,
    recording_duration_s: float | None,
    extra_labels: LabelSpec | None,
    epoch_s: float | None,
    allow_implausible: bool = False,
) -> NightEvents:
    """Align intermediate tables on a common t = 0 and map them to :class:`NightEvents`."""
    warnings: list[str] = []
    for fr in frames:
        warnings += list(fr.attrs.get("warnings", []) or [])

    # a common t = 0 when the files carry different reference times
    refs = [(k, fr.attrs.get("t0")) for k, fr in enumerate(frames)]
    clocked = [(k, t0) for k, t0 in refs if isinstance(t0, Clock)]
    t0: Clock | None = clocked[0][1] if clocked else None
    if start_datetime is not None:
        t0 = Clock.from_datetime(start_datetime)
    elif len(clocked) > 1:
        base = clocked[0][1]
        diffs: dict[int, float] = {}
        for k, c in clocked:
            diffs[k], exact = _ref_diff(c, base)
            if not exact and c.day is not None and base.day is not None:
                warnings.append(
                    f"{path_list[k].name}: date {c.day} differs from {base.day} "
                    f"({path_list[clocked[0][0]].name}) by more than a day; aligned on clock time"
                )
        k_min = min(diffs, key=lambda k: diffs[k])
        t0 = dict(clocked)[k_min]
        for k, d in diffs.items():
            shift = d - diffs[k_min]
            if shift:
                frames[k] = frames[k].assign(onset=frames[k]["onset"] + shift)
                warnings.append(
                    f"{path_list[k].name}: starts {shift:g} s after {path_list[k_min].name}; "
                    f"onsets shifted to a common t = 0 ({t0.isoformat()})"
                )

    if start_datetime is None and t0 is not None and len(clocked) < len(frames):
        unclocked = ", ".join(path_list[k].name for k, c in refs if not isinstance(c, Clock))
        warnings.append(f"{unclocked}: no clock reference; onsets taken as from {t0.isoformat()}")

    if epoch_s is None:
        declared = {float(fr.attrs["epoch_s"]) for fr in frames if fr.attrs.get("epoch_s")}
        if len(declared) > 1:
            raise InputError(
                f"files declare different epoch lengths {sorted(declared)} s; pass epoch_s="
            )
        epoch_s = declared.pop() if declared else 30.0

    nonempty = [fr for fr in frames if len(fr)]
    annot = pd.concat(nonempty, ignore_index=True) if nonempty else empty_annotations()
    annot.attrs = {"warnings": warnings, "t0": t0}
    ev = events_from_annotations(
        annot,
        source=", ".join(str(p) for p in path_list),
        epoch_s=epoch_s,
        recording_duration_s=recording_duration_s,
        extra_labels=extra_labels,
        allow_implausible=allow_implausible,
        _hash_source=False,
    )
    return ev
