"""The patient/study block of a report: from the EDF+ header, or given, or left out.

EDF+ stores the patient in the header's patient field as ``code sex birthdate name``
(``X`` for unknown, ``_`` for spaces; e.g. ``MCH-0234567 F 02-MAY-1951 Haagse_Harry``) and
the technician and equipment in the recording field (``Startdate 02-MAR-2002 admin tech
equipment``).  ``--patient`` gives or overrides fields (a JSON object, a JSON file, or
``KEY=VALUE``); ``--anonymize`` leaves every patient field out, also the header's.
Patient fields are never written to the result files, only to the report.
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

__all__ = ["PATIENT_KEYS", "PatientInfo", "header_fields", "patient_block", "patient_from_args"]

#: Accepted keys of ``--patient`` -> label in the report, in display order.
PATIENT_KEYS: dict[str, str] = {
    "id": "Patient ID",
    "name": "Name",
    "sex": "Sex",
    "birthdate": "Birthdate",
    "age": "Age",
    "study": "Study",
    "referrer": "Referred by",
    "technician": "Technician",
    "equipment": "Equipment",
    "scorer": "Scorer",
    "review": "Review",
}
_PERSONAL = ("id", "name", "sex", "birthdate", "age")


@dataclass
class PatientInfo:
    """Patient fields given on the command line, and whether to leave them all out."""

    fields: dict[str, str] = field(default_factory=dict)
    anonymize: bool = False


def _parse_given(items: list[str]) -> dict[str, str]:
    from plm.events import InputError

    out: dict[str, str] = {}
    for item in items:
        text = item.strip()
        if text.startswith("{") or (text.endswith(".json") and Path(text).is_file()):
            try:
                obj = json.loads(
                    Path(text).read_text("utf-8") if not text.startswith("{") else text
                )
            except (OSError, json.JSONDecodeError) as exc:
                raise InputError(f"--patient: not a JSON object ({exc})", source=text) from None
            if not isinstance(obj, dict):
                raise InputError("--patient: not a JSON object", source=text)
            out.update({str(k).lower(): str(v) for k, v in obj.items() if v is not None})
            continue
        key, sep, value = text.partition("=")
        if not sep:
            raise InputError(f"--patient expects KEY=VALUE or JSON, got {item!r}")
        out[key.strip().lower()] = value.strip()
    unknown = sorted(set(out) - set(PATIENT_KEYS))
    if unknown:
        raise InputError(f"--patient: unknown key(s) {unknown}; use {', '.join(PATIENT_KEYS)}")
    return out


def patient_from_args(args: argparse.Namespace, recording: Any = None) -> PatientInfo:
    """The ``--patient`` / ``--anonymize`` options of a parsed command line."""
    del recording  # the header is read when the report is written
    return PatientInfo(
        _parse_given(list(getattr(args, "patient", None) or [])),
        bool(getattr(args, "anonymize", False)),
    )


def _known(x: str) -> str | None:
    x = x.strip()
    return None if x in ("", "X", "x") else x.replace("_", " ")


def header_fields(path: str | os.PathLike[str] | None) -> dict[str, str]:
    """Patient and study fields of an EDF+ header (empty for plain EDF or no file)."""
    if path is None or Path(path).suffix.lower() not in (".edf", ".bdf", ".rec"):
        return {}
    from plm.events import InputError
    from plm.io.edf import read_header

    try:
        h = read_header(path)
    except (InputError, OSError):
        return {}
    out: dict[str, str] = {}
    parts = h.patient_id.split()
    if len(parts) >= 4 and parts[1] in ("M", "F", "X"):
        for key, value in zip(("id", "sex", "birthdate", "name"), parts[:4], strict=True):
            if _known(value):
                out[key] = _known(value)  # type: ignore[assignment]
    elif _known(h.patient_id):
        out["id"] = h.patient_id.strip()
    rec = h.recording_id.split()
    if len(rec) >= 5 and rec[0] == "Startdate":
        for key, value in (("technician", rec[3]), ("equipment", rec[4])):
            if _known(value):
                out[key] = _known(value)  # type: ignore[assignment]
    return out


def _age(birthdate: str, on: datetime | None) -> str | None:
    if on is None:
        return None
    for fmt in ("%d-%b-%Y", "%Y-%m-%d", "%d.%m.%Y"):
        try:
            born = datetime.strptime(birthdate.title(), fmt).date()
        except ValueError:
            continue
        day: date = on.date()
        years = day.year - born.year - ((day.month, day.day) < (born.month, born.day))
        return f"{years} y" if 0 <= years < 130 else None
    return None


def patient_block(
    info: PatientInfo | None,
    *,
    recording: str | os.PathLike[str] | None,
    start: datetime | None,
    study: list[tuple[str, str]],
    status: str,
) -> list[tuple[str, str]]:
    """The patient/study block: (label, value) pairs in display order.

    Parameters
    ----------
    info : PatientInfo or None
        Given fields and the anonymize flag.
    recording : path, optional
        The recording, for the EDF+ header's fields.
    start : datetime, optional
        Recording start (study date; age at the study).
    study : list of (str, str)
        Study fields of the modality (test, recording file, ...), after the patient's.
    status : str
        The scorer/review status line.
    """
    info = info or PatientInfo()
    pairs: list[tuple[str, str]] = []
    if info.anonymize:
        pairs.append(("Patient", "anonymized (--anonymize)"))
        fields = {k: v for k, v in info.fields.items() if k not in _PERSONAL}
    else:
        fields = {**header_fields(recording), **info.fields}
        if "age" not in fields and fields.get("birthdate"):
            age = _age(fields["birthdate"], start)
            if age:
                fields["age"] = age
        if not any(k in fields for k in _PERSONAL):
            pairs.append(("Patient", "not given (EDF header anonymous; use --patient)"))
    status_keys = ("scorer", "review")
    for key, label in PATIENT_KEYS.items():
        if key in fields and key not in status_keys:
            pairs.append((label, fields[key]))
    if start is not None:
        pairs.append(("Recording start", f"{start:%Y-%m-%d %H:%M:%S}"))
    pairs += study
    scorer = fields.get("scorer")
    review = fields.get("review")
    line = status
    if scorer or review:
        line += "; " + "; ".join(
            x for x in (f"scorer {scorer}" if scorer else "", review or "") if x
        )
    pairs.append(("Status", line))
    return pairs
