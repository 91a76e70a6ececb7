"""Reports of scored nights: the PSG report (PDF and self-contained HTML) and the command.

Every report — PSG, SIT / m-SIT (:mod:`pipelines.sit_report`), accelerometry
(:mod:`pipelines.accel_report`) and cohort (:mod:`pipelines.cohort_report`) — is one
:class:`pipelines.layout.Report`: a heading, the patient/study block
(:mod:`pipelines.patient`), and sections rendered alike to HTML and PDF.  The PSG report
(:func:`psg_report`) holds, in order:

* ``indices``: the PLM indices, each naming its denominator, and the clinical cut-off
  (PLMS index > 15/h adult, > 5/h child), highlighted when exceeded;
* ``architecture`` and ``stages``: sleep architecture (time in bed, lights off/on, TST
  from the hypnogram and the analysed sleep time, latencies, WASO, efficiency, arousal
  index, AHI when respiratory events were given) and minutes and % per stage;
* ``night``: the hypnogram above the LM raster; ``imi`` and ``stage_indices``: the IMI
  histograms (CLMs in sleep) and the PLM index by stage;
* ``hr``: the heart-rate response to the LMs, when the night had an ECG;
* ``emg``: three example 30-s windows of rectified EMG per leg
  (:mod:`pipelines.emg_windows`);
* ``settings`` and ``warnings``.

Other parts add sections without touching the builder: a function in
:data:`SECTION_HOOKS` gets ``(result, report)`` before rendering and may call
:func:`pipelines.layout.insert_section`.

Command line: ``plm report RESULT [--out DIR] [--patient ...] [--anonymize]`` (a batch
folder, a result folder, a SIT folder or one summary file) and ``plm export-annotations``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipelines import figures, page, rules_table
from pipelines.cohort import COHORT_FILE
from pipelines.emg_windows import choose_windows, duration_s, emg_windows, find_recording
from pipelines.layout import Report, Section, Table, render_html, render_pdf
from pipelines.patient import PatientInfo, patient_block, patient_from_args
from pipelines.review import (
    REVIEW_SUFFIX,
    find_summaries,
    result_gaps,
    write_review_edf,
)
from pipelines.settings import add_output_args
from plm import keys
from plm._lazy import pandas as pd
from plm.results import PLMResult

__all__ = [
    "HTML_SUFFIX",
    "METRICS",
    "PDF_SUFFIX",
    "SECTION_HOOKS",
    "add_parsers",
    "build_report",
    "choose_windows",
    "emg_windows",
    "index_rows",
    "patient_from_args",
    "psg_report",
    "settings_lines",
    "status_line",
    "warning_lines",
    "write_report_files",
    "write_reports",
]

logger = logging.getLogger(__name__)

PDF_SUFFIX = "_report.pdf"
HTML_SUFFIX = "_report.html"

#: Functions ``hook(result, report)`` run on every night report before it is rendered
#: (e.g. a table comparing rule sets, a review status); they may insert sections.
SECTION_HOOKS: list[Callable[[Any, Report], None]] = [rules_table.report_section]

#: Rows of the index table: (summary key, denominator key or text); labels and units
#: from plm.keys.
_INDEX_ROWS: tuple[tuple[str, str], ...] = (
    ("plms_index", "tst_h"),
    ("plmw_index", "wake_h"),
    ("plmsnr_index", "tst_h"),
    ("plms_arousal_index", "tst_h"),
    ("lms_index", "tst_h"),
    ("clms_index", "tst_h"),
    ("n_plms", ""),
    ("n_plmw", ""),
    ("n_plm", ""),
    ("n_plm_series", ""),
    ("periodicity_index", ""),
    ("ferri_periodicity_index", ""),
    ("imi_geometric_mean_s", ""),
    ("plm_duration_mean_s", ""),
    ("unscorable_h", ""),
)
_NO_HYPNOGRAM_ROWS: tuple[tuple[str, str], ...] = (
    ("plm_rec_index", "scorable_h"),
    ("lm_rec_index", "scorable_h"),
    ("n_plm", ""),
    ("n_lm", ""),
    ("n_plm_series", ""),
    ("periodicity_index_rec", ""),
    ("unscorable_h", ""),
)
#: The index table's metrics: (label, summary key, unit, decimals) from the declaration.
METRICS: tuple[tuple[str, str, str, int], ...] = tuple(
    (keys.label(k), k, keys.unit(k), 0 if k.startswith("n_") else 1)
    for k, _ in _INDEX_ROWS + _NO_HYPNOGRAM_ROWS
)
_DENOMINATOR_TEXT = {
    "tst_h": "per hour of analysed sleep",
    "wake_h": "per hour of wake (analysis window)",
    "scorable_h": "per hour of scorable recording",
}


# ---------------------------------------------------------------------------------------
# tables
# ---------------------------------------------------------------------------------------


def index_rows(summary: dict[str, Any]) -> Table:
    """The leg-movement indices: metric, value, denominator, clinical cut-off."""
    rows, high = [], []
    cutoff = summary.get("plmd_cutoff_per_h")
    age = summary.get("age_group", "adult")
    has_hyp = summary.get("plms_index") is not None or summary.get("tst_h") is not None
    for key, den in _INDEX_ROWS if has_hyp else _NO_HYPNOGRAM_ROWS:
        den_text = ""
        if den:
            den_text = f"{_DENOMINATOR_TEXT[den]} ({page.fmt_key(den, summary.get(den))})"
        cut, exceeded = "", False
        if key == "plms_index" and cutoff is not None:
            cut = f"> {cutoff:g}/h ({age})"
            exceeded = bool(summary.get("plmd_flag"))
        rows.append([keys.label(key), page.fmt_key(key, summary.get(key)), den_text, cut])
        high.append(exceeded)
    return Table(["Metric", "Value", "Denominator", "Cut-off"], rows, high)


_ARCH_ROWS = (
    "tib_min",
    "tst_hypnogram_min",
    "tst_h",
    "sleep_latency_min",
    "rem_latency_min",
    "spt_min",
    "waso_min",
    "sleep_efficiency_pct",
    "arousal_index",
    "ahi",
)


def architecture_table(summary: dict[str, Any], start: Any) -> Table:
    """Sleep architecture: lights off/on, TIB, both TSTs, latencies, WASO, efficiency."""
    rows = []
    for key in ("lights_off_s", "lights_on_s"):
        t = summary.get(key)
        if t is not None:
            rows.append([keys.label(key), figures.clock_text(start, float(t))])
    for key in _ARCH_ROWS:
        value = summary.get(key)
        if key in ("arousal_index", "ahi") and value is None:
            continue  # not scored in the input: no row rather than a misleading 0
        text = page.fmt_key(key, value)
        if key == "tst_h":
            text += " (index denominator)"
        if key in ("arousal_index", "ahi"):
            n_key = "n_arousals" if key == "arousal_index" else "n_apneas_hypopneas"
            text += f" ({summary.get(n_key)} events)"
        rows.append([keys.label(key), text])
    return Table(["Measure", "Value"], rows)


def stage_table(summary: dict[str, Any]) -> Table:
    """Minutes and % of TST per stage (from the hypnogram), and WASO."""
    rows = []
    for x in ("n1", "n2", "n3", "r"):
        rows.append(
            [
                x.upper(),
                page.fmt_key(f"{x}_min", summary.get(f"{x}_min")),
                page.fmt_key(f"{x}_pct", summary.get(f"{x}_pct")),
            ]
        )
    rows.append(["W after sleep onset", page.fmt_key("waso_min", summary.get("waso_min")), ""])
    return Table(["Stage", "Time", "% of TST"], rows, numeric=[False, True, True])


def hr_table(summary: dict[str, Any]) -> Table:
    """A row per heart-rate response category: LMs, peak ΔHR, its latency."""
    from plm.autonomic.rules import CATEGORIES, CATEGORY_LABELS

    rows = []
    for cat in CATEGORIES:
        n = summary.get(f"hr_n_{cat}")
        if n is None:
            continue
        rows.append(
            [
                CATEGORY_LABELS[cat],
                f"{int(n)}",
                f"{int(summary.get(f'hr_n_excluded_{cat}') or 0)}",
                page.fmt_key(f"hr_peak_delta_bpm_{cat}", summary.get(f"hr_peak_delta_bpm_{cat}")),
                page.fmt_key(f"hr_peak_latency_s_{cat}", summary.get(f"hr_peak_latency_s_{cat}")),
            ]
        )
    return Table(
        ["Category", "LMs", "Left out", "Peak ΔHR", "Peak latency"],
        rows,
        numeric=[False, True, True, True, True],
    )


def overridden_fields(rules: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """Fields of a rule dict that differ from its standard profile: (name, used, standard)."""
    from plm.rules import PROFILES

    name = str(rules.get("name", "wasm2016"))
    base = PROFILES.get(name.split("+")[0])
    if base is None:
        return []
    std = base.to_dict()
    return [
        (k, v, std[k])
        for k, v in rules.items()
        if k not in ("name", "reference") and k in std and std[k] != v
    ]


def _plain(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def settings_lines(summary: dict[str, Any]) -> list[str]:
    """Lines describing how the night was scored (profile, overrides, channels, inputs)."""
    rules = summary.get("rules") or {}
    name = str(rules.get("name", "?"))
    lines = [
        f"Rule profile: {name}" + (f" ({rules['reference']})" if rules.get("reference") else "")
    ]
    over = overridden_fields(rules)
    base = name.split("+")[0]
    if over:
        lines.append(
            f"Changed from {base}: "
            + "; ".join(f"{k} = {_plain(v)} (standard {_plain(d)})" for k, v, d in over)
        )
    else:
        lines.append(f"No parameter changed from {base}")
    cutoff = summary.get("plmd_cutoff_per_h")
    if cutoff is not None:
        lines.append(
            f"Age group: {summary.get('age_group', 'adult')} (PLMS cut-off > {cutoff:g}/h)"
        )
    chans = summary.get("channels") or {}
    if chans:
        fs = summary.get("fs_hz")
        lines.append(
            "Channels: "
            + ", ".join(f"{k} = {v}" for k, v in chans.items())
            + (f" ({fs:g} Hz)" if isinstance(fs, (int, float)) else "")
        )
    for src in summary.get("inputs") or []:
        sha = str(src.get("sha256", ""))[:12]
        lines.append(f"Input: {Path(str(src.get('file', '?'))).name} (sha256 {sha}...)")
    sw = summary.get("software") or {}
    if sw:
        lines.append(f"Software: {sw.get('name', 'plmkit')} {sw.get('version', '')}")
    return lines


def warning_lines(summary: dict[str, Any]) -> list[str]:
    """Warnings worth a reader's attention (input warnings, unscorable time, gaps)."""
    out = [str(w) for w in summary.get("warnings") or []]
    unscorable = summary.get("unscorable_h") or 0.0
    if unscorable > 0:
        out.append(
            f"Leg EMG not scorable for {unscorable * 60:.1f} min: left out of every "
            "denominator and series"
        )
    if summary.get("tst_h") is None or summary.get("plms_index") is None:
        if not summary.get("hypnogram", True) or summary.get("tst_h") is None:
            out.append(
                "No hypnogram: PLMS/PLMW indices are not available (per-hour-of-"
                "recording rates are given instead)"
            )
    if summary.get("bilateral_rules_applicable") is False:
        out.append("Single merged-legs channel: bilateral rules not applied")
    unmapped = summary.get("unmapped_labels") or {}
    if unmapped:
        top = sorted(unmapped.items(), key=lambda kv: -kv[1])[:5]
        out.append(
            f"{len(unmapped)} annotation label(s) not recognised: "
            + ", ".join(f"{k!r} x{v}" for k, v in top)
        )
    return out


def status_line(summary: dict[str, Any]) -> str:
    """Who scored the night and whether it was reviewed (the summary's ``review``, if any)."""
    sw = summary.get("software") or {}
    rules = (summary.get("rules") or {}).get("name", "?")
    line = f"automatic scoring, {sw.get('name', 'plmkit')} {sw.get('version', '')} ({rules})"
    review = summary.get("review")
    if isinstance(review, dict) and review:
        who = review.get("reviewer") or review.get("by") or "a scorer"
        when = review.get("date") or review.get("at") or ""
        return f"{line}; reviewed by {who} {when}".strip()
    return f"{line}; not reviewed"


# ---------------------------------------------------------------------------------------
# the PSG report
# ---------------------------------------------------------------------------------------


def _night(result: Any) -> dict[str, Any]:
    hyp = result.events.hypnogram
    note = None
    if hyp is None and result.summary.get("tst_h") is not None:
        note = (
            "hypnogram not saved with these results (no <stem>_stages.tsv); "
            "the indices below used it"
        )
    return {
        "hypnogram": hyp,
        "hypnogram_note": note,
        "candidates": result.candidates,
        "gaps": result_gaps(result),
        "duration_s": duration_s(result),
        "start": result.start,
    }


def _subtitle(result: Any) -> str:
    s = result.summary
    parts = []
    if s.get("recording_h"):
        parts.append(f"recording {page.fmt_key('recording_h', s['recording_h'])}")
    rules = (s.get("rules") or {}).get("name")
    if rules:
        parts.append(f"rules {rules}")
    if s.get("plms_index") is not None:
        cutoff = s.get("plmd_cutoff_per_h")
        flag = "above" if s.get("plmd_flag") else "not above"
        parts.append(
            f"PLMS index {s['plms_index']:.1f}/h of analysed sleep, {flag} the "
            f"{s.get('age_group', 'adult')} cut-off > {cutoff:g}/h"
        )
    else:
        parts.append("no hypnogram: PLMs per hour of recording, not a PLMS index")
    return " | ".join(parts)


def footer_text(summary: dict[str, Any], stem: str) -> str:
    """The small print of every page: software, version, stem."""
    from plm._version import __version__

    sw = summary.get("software") or {}
    return f"{sw.get('name', 'plmkit')} {sw.get('version', __version__)} | {stem}"


def _emg_section(result: Any, windows: list[Any], note: str) -> Section:
    rules = result.summary.get("rules") or {}
    legend = (
        f"Rectified EMG (grey) and its {rules.get('envelope_s', 0.1):g}-s mean, resting "
        f"baseline (black), baseline +{rules.get('offset_above_baseline_uv', 2.0):g} µV "
        f"(offset, dashed) and +{rules.get('onset_above_baseline_uv', 8.0):g} µV (onset, "
        "dashed), detected LMs shaded; one µV scale for every panel and both legs."
    )
    if not windows:
        return Section("emg", "Example EMG windows (30 s)", note=note)
    return Section(
        "emg",
        "Example EMG windows (30 s)",
        draw=lambda fig: figures.draw_emg(fig, windows, rules),
        size_in=(10.0, 4.4),
        note=legend,
    )


def psg_report(
    result: Any,
    *,
    windows: list[Any] | None = None,
    emg_note: str = "",
    patient: PatientInfo | None = None,
    recording: str | os.PathLike[str] | None = None,
) -> Report:
    """The PSG report of a scored night (see the module docstring for its sections)."""
    s = result.summary
    has_hyp = s.get("tst_h") is not None
    night = _night(result)
    sections = [Section("indices", "Periodic limb movements", table=index_rows(s))]
    if has_hyp:
        sections += [
            Section(
                "architecture",
                "Sleep architecture",
                table=architecture_table(s, result.start),
                half=True,
            ),
            Section("stages", "Sleep stages (hypnogram)", table=stage_table(s), half=True),
        ]
    sections.append(
        Section(
            "night",
            "Hypnogram and leg movements",
            draw=lambda fig: figures.draw_night(fig, night),
            size_in=(10.0, 3.9),
        )
    )
    sections.append(
        Section(
            "imi",
            "Intermovement intervals",
            draw=lambda fig: figures.draw_imi(fig, s),
            size_in=(7.0, 2.8),
            half=has_hyp,
            note=f"IMIs of CLMs {'in sleep' if has_hyp else 'over the whole window'} "
            f"(n = {s.get('n_imi')}): 2-s bins and 0.1 bins of ln IMI.",
        )
    )
    if has_hyp:
        sections.append(
            Section(
                "stage_indices",
                "PLM index by stage",
                draw=lambda fig: figures.draw_stage_indices(fig, s),
                size_in=(5.5, 2.8),
                half=True,
                note="PLMs per hour of each stage; the PLMS cut-off applies to sleep only.",
            )
        )
    curves = (getattr(result, "tables", None) or {}).get("hr_curves")
    if s.get("hr_status") is not None and curves is not None and len(curves):
        sections.append(
            Section(
                "hr",
                "Heart-rate response to leg movements",
                draw=lambda fig: figures.draw_hr(fig, curves),
                size_in=(6.5, 2.8),
                half=True,
                note=str(s.get("hr_status")),
            )
        )
        sections.append(Section("hr_table", "Heart-rate response by category",
                                table=hr_table(s), half=True))  # fmt: skip
    sections.append(_emg_section(result, windows or [], emg_note))
    sections += [
        Section("settings", "Settings", lines=settings_lines(s), half=True),
        Section("warnings", "Warnings", lines=warning_lines(s) or ["none"], half=True),
    ]
    inputs = s.get("inputs") or []
    study = [("Test", "polysomnography, leg EMG" if s.get("channels") else "scored events")]
    if inputs:
        study.append(("Recording", Path(str(inputs[0].get("file", "?"))).name))
    block = patient_block(
        patient, recording=recording, start=result.start, study=study, status=status_line(s)
    )
    return Report(
        f"PLM report: {result.stem}",
        _subtitle(result),
        block,
        sections,
        footer_text(s, result.stem),
    )


def build_report(
    result: Any,
    *,
    recording: str | os.PathLike[str] | None = None,
    patient: PatientInfo | None = None,
) -> Report:
    """The report of any scored night: PSG, or an accelerometry night by its modality."""
    if result.summary.get("modality") == "actigraphy":
        from pipelines.accel_report import night_report

        report = night_report(result, patient=patient)
    else:
        path = None
        try:
            path = find_recording(result, recording)
        except OSError:
            path = None
        windows, note = emg_windows(result, path)
        report = psg_report(result, windows=windows, emg_note=note, patient=patient, recording=path)
    for hook in SECTION_HOOKS:
        hook(result, report)
    return report


def write_report_files(
    report: Report, out_dir: str | os.PathLike[str], stem: str
) -> dict[str, Path]:
    """Render ``report`` to ``<stem>_report.pdf`` and ``<stem>_report.html`` (atomically).

    Raises
    ------
    InputError
        When ``stem`` is not a plain file name (:func:`plm._util.check_stem`).
    """
    from plm._util import make_output_dir, output_file

    out = make_output_dir(out_dir, [stem])
    paths = {"pdf": output_file(out, stem, PDF_SUFFIX), "html": output_file(out, stem, HTML_SUFFIX)}
    page.write_file(paths["pdf"], render_pdf(report))
    page.write_file(paths["html"], render_html(report))
    logger.info("%s: reports written to %s", stem, out)
    return paths


def write_reports(
    result: Any,
    out_dir: str | os.PathLike[str],
    *,
    stem: str | None = None,
    recording: str | os.PathLike[str] | None = None,
    patient: PatientInfo | None = None,
) -> dict[str, Path]:
    """Write ``<stem>_report.pdf`` and ``<stem>_report.html`` of a night (atomically).

    Parameters
    ----------
    result : PLMResult
        The scored night (from :func:`plm.score`, or :meth:`plm.results.PLMResult.from_dir`).
    out_dir : path-like
        Output folder (created if needed).
    stem : str, optional
        File stem (default ``result.stem``).
    recording : path-like, optional
        The recording: the EMG windows when ``result.signals`` lacks the rectified EMG,
        and the patient fields of its EDF+ header.
    patient : PatientInfo, optional
        Patient fields given on the command line, or ``anonymize``.

    Returns
    -------
    dict
        ``pdf``, ``html`` → written paths.
    """
    report = build_report(result, recording=recording, patient=patient)
    return write_report_files(report, out_dir, stem or result.stem)


# ---------------------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------------------


def _special_reports(
    folder: Path, out: Path | None, patient: PatientInfo
) -> tuple[set[str], int, int]:
    """SIT and multi-night pages of a folder: (stems they cover, written, failed)."""
    import json

    covered: set[str] = set()
    written = failed = 0
    for path in sorted(folder.glob("*_sit.json")):
        from pipelines.sit_report import write_sit_report_from_file

        try:
            stems = [str(w.get("stem")) for w in json.loads(path.read_text("utf-8"))["windows"]]
            paths = write_sit_report_from_file(path, out or folder, patient=patient)
            covered.update(stems)
            written += 1
            print(f"{path.name[: -len('_sit.json')]}: {paths['pdf']}, {paths['html']}")
        except (OSError, ValueError, KeyError) as exc:
            failed += 1
            print(f"{path.name}: report failed: {exc}", file=sys.stderr)
    for path in sorted(folder.glob("*_multinight.json")):
        from pipelines.accel_report import write_multinight_report_from_file

        try:
            paths = write_multinight_report_from_file(path, out or folder, patient=patient)
            written += 1
            print(f"{path.name[: -len('_multinight.json')]}: {paths['pdf']}, {paths['html']}")
        except (OSError, ValueError, KeyError) as exc:
            failed += 1
            print(f"{path.name}: report failed: {exc}", file=sys.stderr)
    return covered, written, failed


def _report_dir(result_dir: Path, out: Path | None, patient: PatientInfo | None = None) -> int:
    """Reports for a batch folder or a folder of results; returns the exit code."""
    from plm.events import InputError

    patient = patient or PatientInfo()
    cohort = result_dir / COHORT_FILE
    targets: list[tuple[Path, str, Path]] = []  # (folder, stem, out folder)
    table = None
    covered: set[str] = set()
    written = failed = 0
    if cohort.is_file():
        table = pd.read_csv(cohort, sep="\t", keep_default_na=False, na_values=[""])
        for _, row in table.iterrows():
            if row["status"] not in ("ok", "skipped"):
                continue
            sub = str(row.get("output_dir") or row["recording"])
            folder = result_dir / sub
            targets.append((folder, str(row["recording"]), (out / sub) if out else folder))
    else:
        covered, written, failed = _special_reports(result_dir, out, patient)
        for summary in find_summaries(result_dir):
            stem = summary.name[: -len("_summary.json")]
            if stem not in covered:
                targets.append((result_dir, stem, out or result_dir))
    if not targets and table is None and not written and not failed:
        raise InputError(
            "no results here (no cohort_summary.tsv, no *_summary.json)", source=str(result_dir)
        )
    for folder, stem, dest in targets:
        try:
            result = PLMResult.from_dir(folder, stem=stem)
            paths = write_reports(result, dest, stem=stem, patient=patient)
            print(f"{stem}: {paths['pdf']}, {paths['html']}")
        except (InputError, OSError, ValueError, KeyError) as exc:
            failed += 1
            print(f"{stem}: report failed: {exc}", file=sys.stderr)
    if table is not None:
        dest = out or result_dir
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
        from pipelines.cohort_report import write_cohort_report

        paths = write_cohort_report(result_dir if out is None else dest, table)
        print(f"cohort: {paths['pdf']}, {paths['html']}")
    return 1 if failed else 0


def _cmd_report(args: argparse.Namespace) -> int:
    from plm.events import InputError

    path = Path(args.result)
    out = Path(args.out) if args.out else None
    patient = patient_from_args(args)
    if path.is_file() and path.name.endswith("_sit.json"):
        from pipelines.sit_report import write_sit_report_from_file

        paths = write_sit_report_from_file(path, out or path.parent, patient=patient)
        print(f"{path.name[: -len('_sit.json')]}: {paths['pdf']}, {paths['html']}")
        return 0
    if path.is_file() and path.name.endswith("_multinight.json"):
        from pipelines.accel_report import write_multinight_report_from_file

        paths = write_multinight_report_from_file(path, out or path.parent, patient=patient)
        print(f"{path.name[: -len('_multinight.json')]}: {paths['pdf']}, {paths['html']}")
        return 0
    if path.is_file():
        result = PLMResult.from_dir(path)
        paths = write_reports(result, out or path.parent, patient=patient)
        print(f"{result.stem}: {paths['pdf']}, {paths['html']}")
        return 0
    if not path.is_dir():
        raise InputError("no such result folder or summary file", source=str(path))
    return _report_dir(path, out, patient)


def _cmd_export(args: argparse.Namespace) -> int:
    from plm.events import InputError

    items = [Path(p) for p in args.result]
    if len(items) == 1 and items[0].is_dir():
        result = PLMResult.from_dir(items[0], stem=args.stem)
    else:
        stems = set()
        for p in items:
            for suffix in (
                "_summary.json",
                "_candidates.tsv",
                "_movements.tsv",
                "_stages.tsv",
                "_gaps.tsv",
            ):
                if p.name.endswith(suffix):
                    stems.add((p.parent, p.name[: -len(suffix)]))
        if len(stems) != 1:
            raise InputError(
                "give one result folder or the files of one result (<stem>_summary.json...)",
                source=str(items[0]),
            )
        folder, stem = stems.pop()
        result = PLMResult.from_dir(folder / f"{stem}_summary.json")
    out = Path(args.out)
    if out.is_dir() or not out.suffix:
        from plm._util import output_file

        out = output_file(out, result.stem, REVIEW_SUFFIX)
    write_review_edf(result, out)
    from pipelines.review import review_annotations

    n = len(review_annotations(result))
    start = result.start
    when = f", start {start:%Y-%m-%d %H:%M:%S}" if start else ", start unknown (1985-01-01)"
    print(f"{result.stem}: {n} annotations -> {out}{when}")
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Register ``plm report`` and ``plm export-annotations``."""
    p = sub.add_parser(
        "report",
        help="PDF/HTML reports of scored nights (a batch folder or one night's folder)",
        description="Write <stem>_report.pdf and <stem>_report.html for every result in "
        "RESULT (a batch output folder, a folder of results, or a *_summary.json): the PSG, "
        "SIT / m-SIT or accelerometry page by the result's kind; for a batch folder also "
        "cohort_report.html/.pdf.",
    )
    p.add_argument(
        "result",
        help="batch output folder, result folder, *_summary.json, *_sit.json or *_multinight.json",
    )
    add_output_args(p, out_required=False, stem=False, report=False, patient=True)
    p.set_defaults(handler=_cmd_report)

    p = sub.add_parser(
        "export-annotations",
        help="write the review EDF+ annotation file of a scored night",
        description="Write <stem>_plm_annotations.edf (annotation-only EDF+, same start "
        "date/time as the recording) from a result folder or its files.",
    )
    p.add_argument("result", nargs="+", help="result folder, or <stem>_summary.json etc.")
    p.add_argument("--out", required=True, help="output .edf file (or a folder)")
    p.add_argument("--stem", default=None, help="which result of a folder holding several")
    p.set_defaults(handler=_cmd_export, out_file_ok=True)
