"""Report pages of scored ankle accelerometry (``plm score-accel --report``).

One page per night and a multi-night page, in the layout of every report
(:mod:`pipelines.layout`).  Accelerometry has no sleep staging, so its rates are per hour
of scorable time in bed (``plm_index_tib``), never a PLMS index: the night page shows the
time in bed, the indices over it, the LM raster and the IMI histogram, and none of the
sleep report's rows (no stage chart, no n/a rows, no leg-EMG warnings).  Rendering is not
scoring: a failing page never fails the scoring, and the scored outputs do not depend on
it.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from pipelines import figures, page
from pipelines.layout import Report, Section, Table
from pipelines.patient import PatientInfo, patient_block
from plm import keys

__all__ = [
    "multinight_report",
    "night_report",
    "write_accel_reports",
    "write_multinight_report_from_file",
    "write_night_report",
]

logger = logging.getLogger(__name__)

#: Rows of a night's index table: (key, denominator shown).
_NIGHT_ROWS = (
    ("plm_index_tib", True),
    ("clm_index_tib", True),
    ("lm_index_tib", True),
    ("n_plm", False),
    ("n_clm", False),
    ("n_lm", False),
    ("n_plm_series", False),
    ("periodicity_index_rec", False),
    ("imi_geometric_mean_s", False),
    ("plm_duration_mean_s", False),
    ("n_posture_changes", False),
)
#: Statistics of the multi-night page, in order.
_STATS = ("n", "mean", "sd", "cv", "min", "max", "mean_abs_successive_diff")
_EMG_WORDS = ("leg emg", "emg channel", "tibialis")


def _recording_name(summary: dict[str, Any]) -> str:
    """The recording(s) a page is named after: both ankles' files when there are two."""
    files = [Path(str(i.get("file", ""))).name for i in summary.get("inputs") or []]
    files = [f for f in files if f]
    return " + ".join(files) if files else str(summary.get("stem", "recording"))


def _start(summary: dict[str, Any]) -> datetime | None:
    text = summary.get("start_datetime")
    return datetime.fromisoformat(str(text)) if text else None


def night_table(summary: dict[str, Any]) -> Table:
    """The night's counts and time-in-bed indices; rows without a value are left out."""
    den = page.fmt_key("tib_scorable_h", summary.get("tib_scorable_h"))
    rows = []
    for key, per in _NIGHT_ROWS:
        value = summary.get(key)
        if value is None:
            continue
        rows.append(
            [
                keys.label(key),
                page.fmt_key(key, value),
                f"per hour of scorable time in bed ({den})" if per else "",
            ]
        )
    return Table(["Metric", "Value", "Denominator"], rows)


def tib_table(summary: dict[str, Any]) -> Table:
    """Time in bed: night, lights off/on (clock), its length and source."""
    rows = [
        [keys.label("night_date"), str(summary.get("night_date") or "n/a")],
        [keys.label("lights_off_clock"), str(summary.get("lights_off_clock") or "n/a")[11:19]],
        [keys.label("lights_on_clock"), str(summary.get("lights_on_clock") or "n/a")[11:19]],
        [keys.label("tib_h"), page.fmt_key("tib_h", summary.get("tib_h"))],
        [
            keys.label("tib_scorable_h"),
            page.fmt_key("tib_scorable_h", summary.get("tib_scorable_h")),
        ],
        [keys.label("tib_source"), str(summary.get("tib_source") or "n/a")],
    ]
    if summary.get("out_of_bed_h") is not None:  # walking/upright inside the time in bed
        rows.append(
            [
                keys.label("out_of_bed_h"),
                f"{page.fmt_key('out_of_bed_h', summary.get('out_of_bed_h'))}"
                f" ({int(summary.get('n_out_of_bed') or 0)} episode(s), not in the denominator)",
            ]
        )
    if summary.get("unscorable_h"):
        rows.append(
            ["Unscorable movement signal", page.fmt_key("unscorable_h", summary["unscorable_h"])]
        )
    return Table(["Time in bed", "Value"], rows)


def accel_warnings(summary: dict[str, Any]) -> list[str]:
    """The night's warnings, without those about leg EMG (there is none)."""
    out = [str(w) for w in summary.get("warnings") or []]
    out = [w for w in out if not any(x in w.lower() for x in _EMG_WORDS)]
    note = summary.get("index_note")
    return out + ([str(note)] if note else [])


def _accel_settings(summary: dict[str, Any]) -> list[str]:
    from pipelines.report import settings_lines

    lines = [x for x in settings_lines(summary) if not x.startswith("Age group")]
    acc = summary.get("accel_rules") or {}
    if acc:
        shown = ", ".join(f"{k} = {v}" for k, v in list(acc.items())[:6])
        lines.append(f"Accelerometry detection: {shown}, ...")
    if summary.get("accel_format"):
        lines.append(f"Accelerometer format: {summary['accel_format']}")
    return lines


def _draw_raster(fig: Any, night: dict[str, Any]) -> None:
    from plm import plotting

    ax = fig.add_subplot()
    plotting.plot_lm_raster(night["candidates"], ax, duration_s=night["duration_s"],
                            start_datetime=night["start"], gaps=night["gaps"])  # fmt: skip
    lo, hi = night["tib_s"]
    if hi > lo:
        ax.set_xlim(lo, hi)
    ax.set_ylabel("LMs")


def night_report(result: Any, *, patient: PatientInfo | None = None) -> Report:
    """The page of one accelerometry night."""
    from pipelines.emg_windows import duration_s
    from pipelines.report import footer_text, status_line
    from pipelines.review import result_gaps

    s = result.summary
    night = {
        "candidates": result.candidates,
        "gaps": result_gaps(result),
        "duration_s": duration_s(result),
        "start": result.start,
        "tib_s": (float(s.get("lights_off_s") or 0.0), float(s.get("lights_on_s") or 0.0)),
    }
    sections = [
        Section("indices", "Leg movements over the time in bed", table=night_table(s),
                note="Ankle accelerometry has no sleep staging: rates are per hour of time "
                "in bed, not a PLMS index; no clinical PLMS cut-off applies."),
        Section("tib", "Time in bed", table=tib_table(s)),
        Section("night", "Leg movements in bed", draw=lambda fig: _draw_raster(fig, night),
                size_in=(10.0, 2.4)),
        Section("imi", "Intermovement intervals", draw=lambda fig: figures.draw_imi(fig, s),
                size_in=(8.0, 2.7)),
        Section("settings", "Settings", lines=_accel_settings(s), half=True),
        Section("warnings", "Warnings", lines=accel_warnings(s) or ["none"], half=True),
    ]  # fmt: skip
    name = _recording_name(s)
    study = [("Test", "ankle accelerometry (actigraphy)"), ("Recording", name),
             ("Night", f"{s.get('night', '?')} ({s.get('night_date', '?')})")]  # fmt: skip
    block = patient_block(patient, recording=None, start=_start(s), study=study,
                          status=status_line(s))  # fmt: skip
    idx = page.fmt_key("plm_index_tib", s.get("plm_index_tib"))
    title = f"Actigraphy PLM report: {name}, night {s.get('night', '?')}"
    sub = f"PLM index (time in bed) {idx} | rules {result.rules.name} | {s.get('tib_source')}"
    return Report(title, sub, block, sections, footer_text(s, result.stem))


def multinight_table(payload: dict[str, Any]) -> Table:
    """One row per night of ``<stem>_multinight.json``."""
    cols = ["night", "date", "tib_h", "n_plm", "plm_index_tib", "clm_index_tib",
            "lm_index_tib", "periodicity_index", "n_posture_changes"]  # fmt: skip
    rows = []
    for n in payload.get("nights") or []:
        rows.append([page.fmt_key(c, n.get(c), "multinight") for c in cols])
    head = ["Night", "Date", "Time in bed", "PLMs", "PLM index", "CLM index", "LM index",
            "Periodicity", "Posture changes"]  # fmt: skip
    return Table(head, rows, numeric=[True, False, *([True] * (len(cols) - 2))])


def stats_table(payload: dict[str, Any]) -> Table:
    """Night-to-night statistics of the time-in-bed indices."""
    rows = []
    for key, st in (payload.get("statistics") or {}).items():
        cells = [keys.label(key)]
        for name in _STATS:
            v = st.get(name)
            cells.append("n/a" if v is None else (f"{v}" if name == "n" else f"{float(v):.2f}"))
        rows.append(cells)
    head = ["Index (per hour in bed)", "n", "mean", "SD", "CV", "min", "max", "MASD"]
    return Table(head, rows, numeric=[False, *([True] * 7)])


def _draw_nights(fig: Any, payload: dict[str, Any]) -> None:
    from plm.plotting import COLORS

    nights = payload.get("nights") or []
    ax = fig.add_subplot()
    x = np.arange(len(nights))
    y = [float(n.get("plm_index_tib") or 0.0) for n in nights]
    ax.bar(x, y, color=COLORS["plm"], width=0.6)
    ax.set_xticks(x, [f"{n['night']}\n{n.get('date', '')}" for n in nights])
    ax.set_ylabel("PLM index (time in bed, /h)")
    ax.set_title("PLM index per night", loc="left")


def multinight_report(payload: dict[str, Any], *, patient: PatientInfo | None = None) -> Report:
    """The multi-night page of ``<stem>_multinight.json``."""
    from pipelines.report import footer_text, settings_lines

    n = int(payload.get("n_nights") or len(payload.get("nights") or []))
    sections = [
        Section("nights", f"{n} night(s)", table=multinight_table(payload)),
        Section("statistics", "Night-to-night variability", table=stats_table(payload)),
        Section("figure", "PLM index per night", draw=lambda fig: _draw_nights(fig, payload),
                size_in=(max(3.0, min(1.2 * n + 2.0, 10.0)), 2.6)),
        Section("settings", "Settings", lines=settings_lines(payload)[:1]),
    ]  # fmt: skip
    name = _recording_name(payload)
    block = patient_block(patient, recording=None, start=_start(payload),
                          study=[("Test", "ankle accelerometry, several nights"),
                                 ("Recording", name)],
                          status="automatic scoring; not reviewed")  # fmt: skip
    stats = (payload.get("statistics") or {}).get("plm_index_tib") or {}
    mean = stats.get("mean")
    sub = f"{n} night(s); PLM index (time in bed) mean " + (
        f"{mean:.1f}/h" if mean is not None else "n/a"
    )
    stem = str(payload.get("stem", "accel"))
    return Report(f"Actigraphy multi-night report: {name}", sub, block, sections,
                  footer_text(payload, stem))  # fmt: skip


def write_accel_reports(
    score: Any, out_dir: str | os.PathLike[str], *, patient: PatientInfo | None = None
) -> dict[str, Path]:
    """Write a page per night and the multi-night page of an :class:`plm.accel.AccelScore`.

    Returns
    -------
    dict
        Output key → path; also added to ``score.files``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    for night in score.nights:
        files.update(write_night_report(night, out, patient=patient))
    js = out / f"{score.stem}_multinight.json"
    if js.is_file():
        try:
            paths = write_multinight_report_from_file(js, out, patient=patient)
            files.update({f"{score.stem}_multinight_report_{k}": p for k, p in paths.items()})
        except Exception as exc:  # a report must not fail the scoring
            logger.warning("%s: multi-night report failed (%s)", score.stem, exc)
    score.files.update(files)
    return files


def write_night_report(
    night: Any, out: Path, *, patient: PatientInfo | None = None
) -> dict[str, Path]:
    """Report of one night (a warning instead when it cannot be drawn)."""
    from pipelines.report import write_report_files

    res = night.result
    try:
        paths = write_report_files(night_report(res, patient=patient), out, res.stem)
    except Exception as exc:  # a report must not fail the scoring
        logger.warning("%s: report failed (%s)", res.stem, exc)
        return {}
    return {f"{res.stem}_report_{k}": p for k, p in paths.items()}


def write_multinight_report_from_file(
    path: str | os.PathLike[str], out_dir: str | os.PathLike[str], *,
    patient: PatientInfo | None = None,
) -> dict[str, Path]:  # fmt: skip
    """Write ``<stem>_multinight_report.pdf`` / ``.html`` from ``<stem>_multinight.json``."""
    from pipelines.report import write_report_files

    payload = json.loads(Path(path).read_text(encoding="utf-8"))
    report = multinight_report(payload, patient=patient)
    return write_report_files(report, out_dir, f"{payload.get('stem', 'accel')}_multinight")
