"""Reports of scored nights: one-page PDF and self-contained HTML, and a cohort report.

Per night (:func:`write_reports`), ``<stem>_report.pdf`` (A4 portrait, one page) and
``<stem>_report.html`` (figures embedded as base64 PNG, inline CSS, no external
resource) show

* the hypnogram (W, R, N1, N2, N3 from top to bottom, REM highlighted) above the LM
  raster on the same time axis (clock time when the start is known): rows left / right /
  bilateral, PLMs highlighted, respiratory-related (CLMr) and arousal-associated LMs on
  their own rows, unscored stretches hatched;
* the two IMI histograms (2-s linear bins over 0-90 s, 0.1 bins of ln IMI);
* PLM indices by stage (N1, N2, N3, R, NREM, all sleep) and the PLMW index;
* the summary metrics with the clinical cut-off (PLMS index > 15/h adult, > 5/h child),
  highlighted when exceeded;
* three example 30-s windows of rectified EMG per leg with the baseline, the +2 µV
  (offset) and +8 µV (onset) thresholds and the detected LMs shaded.  The rectified EMG
  comes from ``result.signals`` (``plm.score(..., keep_signals=True)``: ``plm score
  --report`` and ``plm batch --report`` read the recording once); a result read back from
  its folder (``plm report``) has none, so the recording is read and detected again (its
  path: the ``recording`` argument, the batch manifest, or the summary's input file name
  found in the working or result folder with the same SHA-256); without it the panel is
  replaced by a note;
* the settings (rule profile, fields overridden against the standard profile, channels)
  and the warnings.

The cohort report of a batch folder is :mod:`pipelines.cohort_report`.

Command line: ``plm report RESULT_DIR [--out DIR]`` (a batch folder or one night's
folder) and ``plm export-annotations RESULT --out FILE`` (the review EDF+ file, see
:mod:`pipelines.review`).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipelines import figures, page, rules_table
from pipelines.cohort import COHORT_FILE
from pipelines.review import (
    REVIEW_SUFFIX,
    find_summaries,
    result_gaps,
    write_review_edf,
)
from plm import keys
from plm.results import PLMResult

__all__ = [
    "PDF_SUFFIX",
    "HTML_SUFFIX",
    "write_reports",
    "metric_rows",
    "settings_lines",
    "warning_lines",
    "choose_windows",
    "emg_windows",
    "add_parsers",
]

logger = logging.getLogger(__name__)

PDF_SUFFIX = "_report.pdf"
HTML_SUFFIX = "_report.html"
MANIFEST_SUFFIX = "_manifest.json"  # written by pipelines.batch

#: Summary keys of the metric table, with their decimals (labels and units: plm.keys).
_METRIC_DECIMALS: tuple[tuple[str, int], ...] = (
    ("tst_h", 2),
    ("wake_h", 2),
    ("plms_index", 1),
    ("plmw_index", 1),
    ("plmsnr_index", 1),
    ("plms_arousal_index", 1),
    ("lms_index", 1),
    ("clms_index", 1),
    ("periodicity_index", 2),
    ("ferri_periodicity_index", 2),
    ("n_plms", 0),
    ("n_plm", 0),
    ("n_plm_series", 0),
    ("imi_geometric_mean_s", 1),
    ("plm_duration_mean_s", 2),
    ("plm_rec_index", 1),
    ("unscorable_h", 2),
)
#: Metrics of the table: (label, summary key, unit, decimals).
METRICS: tuple[tuple[str, str, str, int], ...] = tuple(
    (keys.label(k), k, keys.unit(k), d) for k, d in _METRIC_DECIMALS
)


# ---------------------------------------------------------------------------------------
# text content
# ---------------------------------------------------------------------------------------


def _fmt(value: Any, decimals: int, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = f"{float(value):.{decimals}f}" if decimals else f"{int(round(float(value)))}"
    return f"{text} {unit}".strip() if unit and unit != "/h" else text + (unit or "")


def metric_rows(summary: dict[str, Any]) -> list[figures.MetricRow]:
    """The metrics table: label, value, the clinical cut-off, and whether it is exceeded."""
    rows = []
    cutoff = summary.get("plmd_cutoff_per_h")
    age = summary.get("age_group", "adult")
    for label, key, unit, dec in METRICS:
        row = figures.MetricRow(label, _fmt(summary.get(key), dec, unit))
        if key == "plms_index" and cutoff is not None:
            row.cutoff = f"> {cutoff:g}/h ({age})"
            row.exceeded = bool(summary.get("plmd_flag"))
        rows.append(row)
    return rows


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


# ---------------------------------------------------------------------------------------
# EMG windows
# ---------------------------------------------------------------------------------------


def _duration_s(result: Any) -> float:
    s = result.summary
    if s.get("recording_h"):
        return float(s["recording_h"]) * 3600.0
    ends = [0.0]
    if len(result.candidates):
        ends.append(float((result.candidates["onset"] + result.candidates["duration"]).max()))
    hyp = result.events.hypnogram
    if hyp is not None:
        ends.append(hyp.end_s)
    return max(ends) or 3600.0


def choose_windows(
    candidates: pd.DataFrame,
    duration_s: float,
    n: int = 3,
    width_s: float = 30.0,
    lead_s: float = 5.0,
) -> list[tuple[float, int | None]]:
    """Pick up to ``n`` non-overlapping example windows, deterministic.

    Priority: the middle PLM of the longest series; a non-periodic CLM (respiratory or
    arousal-associated first); a non-CLM; then PLMs of other series and any LM.  Without
    LMs, quiet windows at 1/4, 1/2 and 3/4 of the night.

    Returns
    -------
    list of (start_s, candidate row index or None)
        Sorted by start; each window starts ``lead_s`` before its LM.
    """
    picks: list[tuple[float, int | None]] = []
    last = max(duration_s - width_s, 0.0)

    def add(idx: int | None, t: float) -> None:
        if len(picks) >= n:
            return
        start = float(min(max(t - lead_s, 0.0), last))
        if all(abs(start - s) >= width_s for s, _ in picks):
            picks.append((start, idx))

    cand = candidates
    if len(cand) and "category" in cand:
        cand = cand[cand["category"].astype(str) != "excluded"]
    if len(cand):
        on = cand["onset"].astype(float)
        cat = cand["category"].astype(str)
        plm = cand[cat == "plm"]
        if len(plm) and plm["series"].notna().any():
            sizes = plm["series"].value_counts()
            for series in sorted(sizes.index, key=lambda s: (-sizes[s], int(s))):
                members = plm[plm["series"] == series]
                mid = members.index[len(members) // 2]
                add(mid, float(on[mid]))
                if len(picks) >= 1:
                    break
        other = cand[cat.isin(["isolated", "short_imi"])]
        if len(other):
            flagged = other[other["respiratory"].astype(bool) | other["arousal"].astype(bool)]
            pool = flagged if len(flagged) else other
            idx = pool.index[len(pool) // 2]
            add(idx, float(on[idx]))
        non = cand[cat == "non_clm"]
        if len(non):
            idx = non.index[len(non) // 2]
            add(idx, float(on[idx]))
        rest = cand.index[np.argsort(np.abs(on.to_numpy() - duration_s / 2), kind="stable")]
        for idx in rest:
            add(idx, float(on[idx]))
    for frac in (0.25, 0.5, 0.75):
        add(None, frac * duration_s + lead_s)
    return sorted(picks)


def _find_recording(result: Any, recording: str | os.PathLike[str] | None) -> Path | None:
    """The recording file of a result, or None when it cannot be found."""
    if recording is not None:
        p = Path(recording)
        return p if p.is_file() else None
    folder = getattr(result, "directory", None)
    if folder is not None:
        manifest = Path(folder) / f"{result.stem}{MANIFEST_SUFFIX}"
        if manifest.is_file():
            try:
                with open(manifest, encoding="utf-8") as fh:
                    path = json.load(fh).get("recording_path")
            except (OSError, json.JSONDecodeError):
                path = None
            if path and Path(path).is_file():
                return Path(path)
    inputs = result.summary.get("inputs") or []
    if not inputs:
        return None
    name, sha = str(inputs[0].get("file", "")), inputs[0].get("sha256")
    places = [Path.cwd()] + ([Path(folder)] if folder is not None else [])
    for place in places:
        p = place / name
        if p.is_file() and p.suffix.lower() in (".edf", ".bdf"):
            from plm._util import sha256_file

            if sha is None or sha256_file(p) == sha:
                return p
    return None


def _side_segments(
    result: Any, path: Path | None, spans: list[tuple[float, float]], rules: Any
) -> tuple[dict[str, list[tuple[float, float, np.ndarray, np.ndarray | None]]], str]:
    """Per side: (t0_s, fs, rectified, baseline) of the segments overlapping ``spans``.

    From what scoring kept (``plm.score(..., keep_signals=True)``); a result read back
    from its folder keeps nothing, so the recording's segments under ``spans`` are read
    and detected again (:func:`plm.detect.recording.detect_recording`).
    """
    from plm.detect.recording import detect_recording, rectified_segments

    kept = rectified_segments(result.signals or {})
    if kept and all(kept.values()):
        return kept, ""
    if path is None:
        return {}, (
            "EMG windows omitted: the rectified EMG is not stored with the results and the "
            "recording was not found"
        )
    from plm.io.recording import load_recording

    chans = result.summary.get("channels") or {}
    try:
        rec = load_recording(
            path,
            left=chans.get("left"),
            right=chans.get("right"),
            rules=rules,
            allow_poor_signal=True,
        )
    except Exception:  # labels from another version: fall back to discovery
        rec = load_recording(path, rules=rules, allow_poor_signal=True)
    segs = [(a, b) for a, b in rec.segments if any(s < b and e > a for s, e in spans)]
    if not segs:
        return {}, ""
    window = (float(min(a for a, _ in segs)), float(max(b for _, b in segs)))
    found = detect_recording(rec, rules, window=window, keep_signals=True)
    return rectified_segments(found.signals), ""


def emg_windows(
    result: Any,
    recording: str | os.PathLike[str] | None = None,
    n: int = 3,
    width_s: float = 30.0,
) -> tuple[list[figures.EmgWindow], str]:
    """Example EMG windows of a night, or an empty list and the reason.

    Parameters
    ----------
    result : PLMResult
        The scored night.
    recording : path, optional
        The recording, read again when ``result.signals`` lacks the rectified EMG.
    n, width_s : int, float
        Number and length (s) of the windows.

    Returns
    -------
    (list of EmgWindow, str)
    """
    from pipelines.review import candidate_description

    modality = result.summary.get("modality")
    if modality not in (None, "psg"):
        return [], f"EMG windows not applicable ({modality} recording)"
    rules = result.rules
    duration = _duration_s(result)
    picks = choose_windows(result.candidates, duration, n=n, width_s=width_s)
    spans = [(s, s + width_s) for s, _ in picks]
    try:
        path = _find_recording(result, recording)
        segs, note = _side_segments(result, path, spans, rules)
    except Exception as exc:  # a report must not fail because the EMG cannot be re-read
        logger.warning("%s: EMG windows omitted (%s)", result.stem, exc)
        return [], f"EMG windows omitted: {exc}"
    if not segs:
        return [], note
    start_dt = result.start
    mv = result.movements
    windows = []
    for start, idx in picks:
        end = start + width_s
        if idx is not None:
            what = candidate_description(result.candidates.loc[idx], rules)
        else:
            what = "no LM (resting EMG)"
        win = figures.EmgWindow(start, width_s, f"{figures._clock(start_dt, start)}  {what}")
        for side in ("left", "right", "merged"):
            for t0, fs, rect, base in segs.get(side, []):
                t_end = t0 + len(rect) / fs
                if not (t0 <= start and end <= t_end + 1.0 / fs):
                    continue
                a = int(round((start - t0) * fs))
                b = min(int(round((end - t0) * fs)), len(rect))
                t = (np.arange(a, b) / fs + t0) - start
                lms = mv[(mv["side"].astype(str) == side)] if len(mv) else mv
                if len(lms):
                    on = lms["onset"].astype(float)
                    off = on + lms["duration"].astype(float)
                    lms = lms[(off > start) & (on < end)]
                    lms = pd.DataFrame(
                        {
                            "onset": lms["onset"].astype(float) - start,
                            "duration": lms["duration"].astype(float),
                        }
                    )
                win.traces.append(
                    figures.EmgTrace(
                        side,
                        t,
                        np.asarray(rect[a:b], dtype=np.float32),
                        None if base is None else np.asarray(base[a:b], dtype=np.float32),
                        lms if len(lms) else pd.DataFrame({"onset": [], "duration": []}),
                    )
                )
                break
        if win.traces:
            windows.append(win)
    if not windows:
        return [], "EMG windows omitted: no window inside a continuous segment"
    return windows, ""


# ---------------------------------------------------------------------------------------
# per-night report
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
        "duration_s": _duration_s(result),
        "start": result.start,
    }


def _subtitle(result: Any) -> str:
    s = result.summary
    start = result.start
    parts = []
    if start is not None:
        parts.append(f"Start {start:%Y-%m-%d %H:%M:%S}")
    if s.get("recording_h"):
        parts.append(f"recording {s['recording_h']:.2f} h")
    rules = (s.get("rules") or {}).get("name")
    if rules:
        parts.append(f"rules {rules}")
    if s.get("plms_index") is not None:
        flag = " (above cut-off)" if s.get("plmd_flag") else ""
        parts.append(f"PLMS index {s['plms_index']:.1f}/h{flag}")
    else:
        parts.append("no hypnogram")
    return " | ".join(parts)


def _footer(result: Any) -> str:
    sw = result.summary.get("software") or {}
    return f"{sw.get('name', 'plmkit')} {sw.get('version', '')} | {result.stem}"


def render_html(result: Any, windows: Sequence[figures.EmgWindow], emg_note: str) -> str:
    """The HTML report of a night as text."""
    s = result.summary
    night = _night(result)
    rows = metric_rows(s)
    table = page.table(
        ["Metric", "Value", "Clinical cut-off"],
        (
            page.tr(
                [page.td(r.label), page.td(r.value, "num"), page.td(r.cutoff)],
                "exceeded" if r.exceeded else None,
            )  # fmt: skip
            for r in rows
        ),
    )
    rules = s.get("rules") or {}
    emg = (
        page.img(figures.emg_figure(windows, rules), "example EMG windows")
        if windows
        else f'<p class="note">{page.escape(emg_note)}</p>'
    )
    body = f"""<h1>PLM report: {page.escape(result.stem)}</h1>
<p class="sub">{page.escape(_subtitle(result))}</p>
<h2>Hypnogram and leg movements</h2>
{page.img(figures.night_figure(night), "hypnogram and leg-movement raster")}
<div class="grid"><div><h2>Intermovement intervals</h2>
{page.img(figures.imi_figure(s, figsize=(7.5, 2.9)), "IMI histograms")}</div>
<div><h2>PLM index by stage</h2>
{page.img(figures.stage_figure(s), "PLM index by stage")}</div></div>
<h2>Summary metrics</h2>
{table}
{rules_table.report_section(result)}
<h2>Example EMG windows (30 s)</h2>
<p>Rectified EMG (grey), resting baseline (black), offset threshold baseline
+{rules.get("offset_above_baseline_uv", 2.0):g} µV (green, dashed), onset threshold baseline
+{rules.get("onset_above_baseline_uv", 8.0):g} µV (vermillion, dashed); detected LMs shaded.</p>
{emg}
<div class="grid"><div><h2>Settings</h2>{page.ul(settings_lines(s))}</div>
<div><h2>Warnings</h2>{page.ul(warning_lines(s) or ["none"])}</div></div>
<footer>{page.escape(_footer(result))}</footer>"""
    return page.page(f"PLM report {result.stem}", body)


def render_pdf(result: Any, windows: Sequence[figures.EmgWindow], emg_note: str) -> bytes:
    """The one-page PDF report of a night as bytes."""
    s = result.summary
    fig = figures.report_page(
        title=f"PLM report: {result.stem}",
        subtitle=_subtitle(result),
        night=_night(result),
        summary=s,
        metrics=metric_rows(s),
        settings=settings_lines(s),
        warnings=warning_lines(s),
        windows=windows,
        emg_note=emg_note,
        footer=_footer(result),
    )
    return figures.figure_pdf(fig)


def write_reports(
    result: Any,
    out_dir: str | os.PathLike[str],
    *,
    stem: str | None = None,
    recording: str | os.PathLike[str] | None = None,
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
        The recording, for the EMG windows when ``result.signals`` lacks the rectified
        EMG.

    Returns
    -------
    dict
        ``pdf``, ``html`` → written paths.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = stem or result.stem
    windows, note = emg_windows(result, recording)
    paths = {"pdf": out / f"{stem}{PDF_SUFFIX}", "html": out / f"{stem}{HTML_SUFFIX}"}
    page.write_file(paths["pdf"], render_pdf(result, windows, note))
    page.write_file(paths["html"], render_html(result, windows, note).encode("utf-8"))
    logger.info("%s: reports written to %s", stem, out)
    return paths


# ---------------------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------------------


def _report_dir(result_dir: Path, out: Path | None) -> int:
    """Reports for a batch folder or a folder of results; returns the exit code."""
    from plm.events import InputError

    cohort = result_dir / COHORT_FILE
    targets: list[tuple[Path, str, Path]] = []  # (folder, stem, out folder)
    table = None
    if cohort.is_file():
        table = pd.read_csv(cohort, sep="\t", keep_default_na=False, na_values=[""])
        for _, row in table.iterrows():
            if row["status"] not in ("ok", "skipped"):
                continue
            sub = str(row.get("output_dir") or row["recording"])
            folder = result_dir / sub
            targets.append((folder, str(row["recording"]), (out / sub) if out else folder))
    else:
        for summary in find_summaries(result_dir):
            stem = summary.name[: -len("_summary.json")]
            targets.append((result_dir, stem, out or result_dir))
    if not targets and table is None:
        raise InputError(
            "no results here (no cohort_summary.tsv, no *_summary.json)", source=str(result_dir)
        )
    failed = 0
    for folder, stem, dest in targets:
        try:
            result = PLMResult.from_dir(folder, stem=stem)
            paths = write_reports(result, dest, stem=stem)
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
    if path.is_file():
        result = PLMResult.from_dir(path)
        paths = write_reports(result, out or path.parent)
        print(f"{result.stem}: {paths['pdf']}, {paths['html']}")
        return 0
    if not path.is_dir():
        raise InputError("no such result folder or summary file", source=str(path))
    return _report_dir(path, out)


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
        out = out / f"{result.stem}{REVIEW_SUFFIX}"
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
        "RESULT (a batch output folder, a folder of results, or a *_summary.json); for a "
        "batch folder also cohort_report.html/.pdf.",
    )
    p.add_argument("result", help="batch output folder, result folder or *_summary.json")
    p.add_argument("--out", default=None, help="output folder (default: next to the results)")
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
    p.set_defaults(handler=_cmd_export)
