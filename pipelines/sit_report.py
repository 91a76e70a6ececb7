"""The report of a suggested immobilization test (SIT) or multiple SIT (m-SIT).

A wake test, so none of the sleep report's numbers: per window the SIT PLM index (PLMs
per hour of scorable test time) against the > 40/h SIT cut-off, the 10-minute blocks with
their PLM index and mean discomfort rating, and the discomfort over the test
(docs/scoring.md §14).  Built from ``<stem>_sit.json`` (:meth:`plm.sit.SITResult.summary`),
so ``plm sit --report`` and ``plm report <stem>_sit.json`` write the same page.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from pipelines import page
from pipelines.layout import Report, Section, Table
from pipelines.patient import PatientInfo, patient_block

__all__ = ["sit_report", "write_sit_report", "write_sit_report_from_file"]


def _start(summary: dict[str, Any]) -> datetime | None:
    windows = summary.get("windows") or []
    if not windows or not windows[0].get("start_clock"):
        return None
    first = datetime.fromisoformat(str(windows[0]["start_clock"]))
    return first - timedelta(seconds=float(windows[0]["start_s"]))


def _clock(value: Any) -> str:
    return str(value)[11:19] if value and len(str(value)) >= 19 else str(value or "n/a")


def window_table(summary: dict[str, Any]) -> Table:
    """One row per test window: start, length, counts, SIT PLM index, discomfort."""
    cutoff = float(summary.get("sit_cutoff_per_h") or 40.0)
    rows, high = [], []
    for w in summary.get("windows") or []:
        rows.append(
            [
                f"{w['window']}",
                _clock(w.get("start_clock")),
                page.fmt_key("duration_min", w.get("duration_min"), "sit_window"),
                page.fmt_key("scorable_min", w.get("scorable_min"), "sit_window"),
                f"{w['n_lm']}",
                f"{w['n_plm']}",
                page.fmt_key("sit_plm_index", w.get("sit_plm_index"), "sit_window"),
                page.fmt_key("mean_discomfort", w.get("mean_discomfort"), "sit_window"),
            ]
        )
        high.append(bool(w.get("above_cutoff")))
    cols = ["Window", "Start", "Duration", "Scorable", "LMs", "PLMs",
            f"SIT PLM index (cut-off > {cutoff:g}/h)", "Mean discomfort (0-100)"]  # fmt: skip
    return Table(cols, rows, high, numeric=[True, False, *([True] * 6)])


def block_table(window: dict[str, Any]) -> Table:
    """The 10-minute blocks of one window."""
    rows = []
    for b in window.get("blocks") or []:
        rows.append(
            [
                f"{int(b['block'])}",
                f"{b['start_min']:.0f}-{b['end_min']:.0f} min",
                f"{int(b['n_lm'])}",
                f"{int(b['n_plm'])}",
                page.fmt_key("plm_index", b.get("plm_index"), "blocks"),
                page.fmt_key("mean_discomfort", b.get("mean_discomfort"), "blocks"),
                f"{int(b.get('n_ratings') or 0)}",
            ]
        )
    cols = ["Block", "Minutes", "LMs", "PLMs", "PLM index", "Discomfort", "Ratings"]
    return Table(cols, rows, numeric=[True, False, True, True, True, True, True])


def _draw_blocks(fig: Any, summary: dict[str, Any]) -> None:
    """PLM index per block (bars, cut-off line) and mean discomfort (line, right axis)."""
    from plm.plotting import COLORS

    windows = summary.get("windows") or []
    cutoff = float(summary.get("sit_cutoff_per_h") or 40.0)
    axes = fig.subplots(1, max(len(windows), 1), squeeze=False)[0]
    for ax, w in zip(axes, windows, strict=False):
        blocks = w.get("blocks") or []
        x = np.arange(len(blocks))
        idx = [b.get("plm_index") for b in blocks]
        ax.bar(x, [v or 0.0 for v in idx], color=COLORS["plm"], width=0.7, label="PLM index")
        ax.axhline(cutoff, color=COLORS["cutoff"], linestyle=":", linewidth=1.2)
        ax.text(-0.4, cutoff, f"SIT cut-off {cutoff:g}/h", va="bottom", fontsize="x-small",
                color=COLORS["cutoff"], zorder=5,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})  # fmt: skip
        ax.set_xticks(x, [f"{b['start_min']:.0f}-{b['end_min']:.0f}" for b in blocks])
        ax.set_xlabel("minutes from the test start")
        ax.set_ylabel("PLMs per hour of the block")
        top = max([v or 0.0 for v in idx] + [cutoff]) * 1.25
        ax.set_ylim(0, top)
        ax.set_title(f"Window {w['window']} ({_clock(w.get('start_clock'))})", loc="left")
        mds = [b.get("mean_discomfort") for b in blocks]
        if any(v is not None for v in mds):
            ax2 = ax.twinx()
            y = [np.nan if v is None else float(v) for v in mds]
            ax2.plot(x, y, color="#332288", marker="o", linewidth=1.2, label="discomfort")
            ax2.set_ylim(0, 100)
            ax2.set_ylabel("mean discomfort (0-100)")


def sit_report(
    summary: dict[str, Any],
    *,
    patient: PatientInfo | None = None,
    recording: str | os.PathLike[str] | None = None,
) -> Report:
    """The SIT / m-SIT report from the ``<stem>_sit.json`` content."""
    from pipelines.report import footer_text, settings_lines

    test = str(summary.get("test", "SIT"))
    cutoff = float(summary.get("sit_cutoff_per_h") or 40.0)
    windows = summary.get("windows") or []
    above = sum(bool(w.get("above_cutoff")) for w in windows)
    sections = [
        Section(
            "sit",
            f"{test}: PLMs per hour of test (cut-off > {cutoff:g}/h)",
            table=window_table(summary),
            note=f"{above} of {len(windows)} window(s) above the cut-off. PLMs during "
            "quiet wakefulness, all in wake: no sleep indices apply.",
        ),
        Section(
            "blocks_figure",
            f"{summary.get('block_min', 10):g}-minute blocks",
            draw=lambda fig: _draw_blocks(fig, summary),
            size_in=(min(5.0 * max(len(windows), 1), 10.0), 2.8),
        ),
    ]
    for w in windows:
        sections.append(
            Section(f"blocks_{w['window']}", f"Window {w['window']}: blocks",
                    table=block_table(w), half=len(windows) > 1)
        )  # fmt: skip
    rules_summary = {"rules": summary.get("rules"), "inputs": summary.get("inputs"),
                     "software": summary.get("software")}  # fmt: skip
    sections += [
        Section("settings", "Settings", lines=settings_lines(rules_summary), half=True),
        Section(
            "warnings",
            "Warnings",
            lines=[str(x) for x in summary.get("warnings") or []] or ["none"],
            half=True,
        ),  # fmt: skip
    ]
    inputs = summary.get("inputs") or []
    study = [("Test", f"{test}, suggested immobilization test ({len(windows)} window(s))")]
    if inputs:
        study.append(("Recording", Path(str(inputs[0].get("file", "?"))).name))
    sw = summary.get("software") or {}
    status = (
        f"automatic scoring, {sw.get('name', 'plmkit')} {sw.get('version', '')} "
        f"({(summary.get('rules') or {}).get('name', '?')}); not reviewed"
    )
    block = patient_block(patient, recording=recording, start=_start(summary), study=study,
                          status=status)  # fmt: skip
    stem = str(summary.get("stem", "sit"))
    flags = ", ".join(
        f"window {w['window']} "
        + page.fmt_key("sit_plm_index", w.get("sit_plm_index"), "sit_window")
        for w in windows
    )
    return Report(f"{test} report: {stem}", f"SIT PLM index {flags}; cut-off > {cutoff:g}/h",
                  block, sections, footer_text(summary, stem))  # fmt: skip


def write_sit_report(
    result: Any, out_dir: str | os.PathLike[str], *, patient: PatientInfo | None = None,
    recording: str | os.PathLike[str] | None = None,
) -> dict[str, Path]:  # fmt: skip
    """Write ``<stem>_report.pdf`` / ``.html`` of a :class:`plm.sit.SITResult`."""
    from pipelines.report import write_report_files
    from plm.results import to_jsonable

    summary = to_jsonable(result.summary())
    report = sit_report(summary, patient=patient, recording=recording)
    return write_report_files(report, out_dir, result.stem)


def write_sit_report_from_file(
    path: str | os.PathLike[str], out_dir: str | os.PathLike[str], *,
    patient: PatientInfo | None = None,
) -> dict[str, Path]:  # fmt: skip
    """Write the SIT report of a ``<stem>_sit.json`` file."""
    from pipelines.report import write_report_files

    summary = json.loads(Path(path).read_text(encoding="utf-8"))
    report = sit_report(summary, patient=patient)
    return write_report_files(report, out_dir, str(summary.get("stem", "sit")))
