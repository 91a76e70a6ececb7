"""NSRR annotation XML and Compumedics Profusion XML.

NSRR (``PSGAnnotation``)::

    <PSGAnnotation><EpochLength>30</EpochLength><ScoredEvents>
      <ScoredEvent><EventType/><EventConcept>Recording Start Time</EventConcept>
        <Start>0</Start><Duration>30600.0</Duration><ClockTime>00.00.00 22.14.59</ClockTime>
      </ScoredEvent>
      <ScoredEvent><EventType>Stages|Stages</EventType><EventConcept>Stage 2 sleep|2</EventConcept>
        <Start>0</Start><Duration>60</Duration></ScoredEvent>
      <ScoredEvent><EventType>Limb Movement|Limb Movement</EventType>
        <EventConcept>Limb movement - left|Limb Movement (Left)</EventConcept>
        <Start>512.3</Start><Duration>2.1</Duration><SignalLocation>L Leg</SignalLocation>
      </ScoredEvent> ...

Profusion (``CMPStudyConfig``): ``EpochLength``, ``SleepStages/SleepStage`` (one integer
per epoch: 0 W, 1 N1, 2 N2, 3 N3, 4 N3 (R&K stage 4), 5 R, others unscored) and
``ScoredEvents/ScoredEvent`` with ``Name``, ``Start``, ``Duration``, ``Input`` (channel).

``Start`` is in seconds from the recording start.  Stage events are rewritten as
``Sleep stage <W|1|2|3|4|R|?>`` from their numeric code, so ``Movement|6`` is not taken
for a leg movement.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from plm.events import InputError
from plm.io.formats._common import Clock, clock_offset, make_frame, parse_float

__all__ = ["read_nsrr_xml", "read_profusion_xml", "read_xml", "STAGE_CODES"]

#: Profusion / NSRR numeric stage codes → the stage word used in ``Sleep stage <word>``.
STAGE_CODES: dict[int, str] = {0: "W", 1: "1", 2: "2", 3: "3", 4: "4", 5: "R"}


def _parse(path: Path) -> ET.Element:
    try:
        return ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise InputError(f"broken XML ({exc})", source=str(path)) from None
    except (LookupError, ValueError) as exc:  # unknown encoding declared in the XML header
        raise InputError(f"unreadable XML ({exc})", source=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read file ({exc.strerror or exc})", source=str(path)) from None


def _text(el: ET.Element, tag: str) -> str:
    child = el.find(tag)
    return (child.text or "").strip() if child is not None and child.text else ""


def _num(el: ET.Element, tag: str, src: str, i: int, required: bool = True) -> float:
    txt = _text(el, tag)
    try:
        v = parse_float(txt)
    except ValueError:
        raise InputError(f"ScoredEvent {i}: unparseable <{tag}> {txt!r}", source=src) from None
    if required and math.isnan(v):
        raise InputError(f"ScoredEvent {i}: missing <{tag}>", source=src)
    return v


def _stage_word(code_text: str) -> str:
    try:
        code = int(float(code_text))
    except ValueError:
        return "?"
    return STAGE_CODES.get(code, "?")


def _epoch(root: ET.Element, src: str) -> float | None:
    txt = _text(root, "EpochLength")
    if not txt:
        return None
    try:
        v = float(txt)
    except ValueError:
        raise InputError(f"unparseable <EpochLength> {txt!r}", source=src) from None
    if not v > 0:
        raise InputError(f"<EpochLength> must be > 0, got {txt}", source=src)
    return v


def read_xml(path: str | Path, start_datetime: datetime | None = None) -> pd.DataFrame:
    """Read either XML dialect (chosen from the root element)."""
    p = Path(path)
    root = _parse(p)
    if root.tag == "CMPStudyConfig":
        return _read_profusion(root, p)
    if root.tag == "PSGAnnotation":
        return _read_nsrr(root, p, start_datetime)
    raise InputError(
        f"unknown XML annotation root <{root.tag}> (expected PSGAnnotation or CMPStudyConfig)",
        source=str(p),
    )


def read_nsrr_xml(path: str | Path, start_datetime: datetime | None = None) -> pd.DataFrame:
    """Read an NSRR ``PSGAnnotation`` XML file into the intermediate annotation table.

    Parameters
    ----------
    path : str or Path
        The XML file.
    start_datetime : datetime, optional
        Local start of the recording.  When the file has a ``Recording Start Time``
        clock time that differs, onsets are shifted to the given start.

    Returns
    -------
    DataFrame
        The intermediate table (``onset`` in s from the recording start).
    """
    p = Path(path)
    root = _parse(p)
    if root.tag != "PSGAnnotation":
        raise InputError(f"not an NSRR PSGAnnotation file (root <{root.tag}>)", source=str(p))
    return _read_nsrr(root, p, start_datetime)


def read_profusion_xml(path: str | Path, start_datetime: datetime | None = None) -> pd.DataFrame:
    """Read a Compumedics Profusion ``CMPStudyConfig`` XML file.

    Parameters
    ----------
    path : str or Path
        The XML file.
    start_datetime : datetime, optional
        Unused (Profusion XML carries no clock time); kept for a uniform signature.

    Returns
    -------
    DataFrame
        The intermediate table; ``attrs['epoch_s']`` is ``EpochLength``.
    """
    p = Path(path)
    root = _parse(p)
    if root.tag != "CMPStudyConfig":
        raise InputError(f"not a Profusion CMPStudyConfig file (root <{root.tag}>)", source=str(p))
    return _read_profusion(root, p)


def _read_nsrr(root: ET.Element, p: Path, start_datetime: datetime | None) -> pd.DataFrame:
    src = str(p)
    epoch_s = _epoch(root, src)
    onsets: list[float] = []
    durations: list[float] = []
    descs: list[str] = []
    locs: list[str | None] = []
    idx: list[int] = []
    clock: Clock | None = None
    for i, ev in enumerate(root.iter("ScoredEvent"), start=1):
        concept = _text(ev, "EventConcept")
        etype = _text(ev, "EventType")
        if concept.lower().startswith("recording start time"):
            ct = _text(ev, "ClockTime")
            m = re.search(r"(\d{1,2})[.:](\d{2})[.:](\d{2})\s*$", ct)
            if m:
                clock = Clock(
                    None, int(m.group(1)) * 3600.0 + int(m.group(2)) * 60 + int(m.group(3))
                )
            continue
        start = _num(ev, "Start", src, i)
        dur = _num(ev, "Duration", src, i, required=False)
        if "stage" in etype.lower() and "|" in concept:
            desc = f"Sleep stage {_stage_word(concept.rsplit('|', 1)[1])}"
        else:
            desc = concept or etype
        onsets.append(start)
        durations.append(0.0 if math.isnan(dur) else dur)
        descs.append(desc)
        locs.append(_text(ev, "SignalLocation") or None)
        idx.append(i)
    warnings: list[str] = []
    on = np.asarray(onsets, dtype=float)
    t0 = clock
    if start_datetime is not None:
        t0 = Clock.from_datetime(start_datetime)
        if clock is not None:
            shift, _ = clock_offset(clock, Clock(None, t0.seconds))
            if shift:
                on = on + shift
                warnings.append(
                    f"{p.name}: annotation start {clock.isoformat()} differs from the recording "
                    f"start {start_datetime.time().isoformat()}; onsets shifted by {shift:g} s"
                )
    return make_frame(
        on, durations, descs, locs, source=str(p), lines=idx, t0=t0, epoch_s=epoch_s,
        warnings=warnings, fmt="nsrr_xml",
    )  # fmt: skip


def _read_profusion(root: ET.Element, p: Path) -> pd.DataFrame:
    src = str(p)
    epoch_s = _epoch(root, src) or 30.0
    onsets: list[float] = []
    durations: list[float] = []
    descs: list[str] = []
    locs: list[str | None] = []
    idx: list[int] = []
    events = root.find("ScoredEvents")
    for i, ev in enumerate(events.iter("ScoredEvent") if events is not None else [], start=1):
        name = _text(ev, "Name")
        start = _num(ev, "Start", src, i)
        dur = _num(ev, "Duration", src, i, required=False)
        onsets.append(start)
        durations.append(0.0 if math.isnan(dur) else dur)
        descs.append(name)
        locs.append(_text(ev, "Input") or None)
        idx.append(i)
    stages = root.find("SleepStages")
    if stages is not None:
        for k, st in enumerate(stages.iter("SleepStage")):
            onsets.append(k * epoch_s)
            durations.append(epoch_s)
            descs.append(f"Sleep stage {_stage_word((st.text or '').strip())}")
            locs.append(None)
            idx.append(-1)
    return make_frame(
        onsets, durations, descs, locs, source=str(p), lines=idx, epoch_s=epoch_s,
        fmt="profusion_xml",
    )  # fmt: skip
