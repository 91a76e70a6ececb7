"""Outputs of the CAP validation: the summary TSV and JSON and the HTML report.

:func:`write_validation_outputs` writes ``validation_summary.tsv`` (one row per record),
``validation_summary.json`` (everything, including the group statistics and the checks)
and ``validation_report.html`` (:func:`render_html`: self-contained, figures embedded as
base64 PNG through :mod:`pipelines.page`).
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from pipelines import figures, page
from pipelines.cap_groups import (
    GROUP_COLORS,
    GROUP_LABELS,
    IMI_PEAK_RANGE_S,
    IMI_WINDOW_S,
    METRICS,
    PI_RLS_MEAN,
    PI_RLS_SD,
    PI_THRESHOLD,
    PLMS_CUTOFF_PER_H,
    ValidationRun,
    fmt,
    group_values,
    median_iqr,
)
from plm._util import atomic_write
from plm._version import __version__

__all__ = ["TSV_COLUMNS", "render_html", "write_validation_outputs"]

#: Scalar columns of ``validation_summary.tsv``, in order.
TSV_COLUMNS = (
    "record", "group", "status", "failed_at", "error",
    "left_channel", "right_channel", "fs_hz", "recording_h", "tst_h", "wake_h",
    "n_lm", "n_clms", "n_plms", "n_plmw",
    "plms_index", "plmw_index", "periodicity_index", "ferri_periodicity_index",
    "imi_geometric_mean_s", "imi_peak_s", "plmd_flag", "n_warnings", "warnings",
    "output", "elapsed_s",
)  # fmt: skip


def _jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, Path):
        return str(v)
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, (np.floating, float)):
        f = float(v)
        return f if math.isfinite(f) else None
    return v


def _tsv_cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.4f}" if math.isfinite(float(v)) else ""
    return " ".join(str(v).split())


def write_validation_outputs(run: ValidationRun, out: str | os.PathLike[str]) -> dict[str, Path]:
    """Write ``validation_summary.tsv``, ``validation_summary.json`` and the HTML report.

    Returns
    -------
    dict
        ``tsv``, ``json``, ``html`` → paths (``records`` → the per-record folder).
    """
    out_p = Path(out)
    out_p.mkdir(parents=True, exist_ok=True)
    paths = {
        "tsv": out_p / "validation_summary.tsv",
        "json": out_p / "validation_summary.json",
        "html": out_p / "validation_report.html",
        "records": out_p / "records",
    }
    with atomic_write(paths["tsv"], "w", encoding="utf-8", newline="") as fh:
        fh.write("\t".join(TSV_COLUMNS) + "\n")
        for r in run.rows:
            fh.write("\t".join(_tsv_cell(r.get(c)) for c in TSV_COLUMNS) + "\n")
    records = []
    for r in run.rows:
        rec = {k: r.get(k) for k in TSV_COLUMNS if k not in ("warnings",)}
        rec["warnings"] = r.get("warnings_list") or []
        rec["imi_histograms"] = r.get("imi_histograms")
        records.append(rec)
    doc = {
        "software": {"name": "plmkit", "version": __version__},
        "settings": run.settings,
        "records": records,
        "failed": [
            {"record": r["record"], "failed_at": r["failed_at"], "error": r["error"]}
            for r in run.failed
        ],
        **run.comparison,
    }
    with atomic_write(paths["json"], "w", encoding="utf-8") as fh:
        json.dump(_jsonable(doc), fh, indent=2, ensure_ascii=False)
        fh.write("\n")
    html_text = render_html(run)
    with atomic_write(paths["html"], "w", encoding="utf-8") as fh:
        fh.write(html_text)
    return paths


# --------------------------------------------------------------------------- figures


def _ok_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    order = {"patients": 0, "controls": 1, "other": 2}

    def key(r: dict[str, Any]) -> tuple[int, str, int]:
        m = re.match(r"^(\D*)(\d*)$", r["record"])
        num = int(m.group(2)) if m and m.group(2) else 0
        return (order[r["group"]], m.group(1) if m else r["record"], num)

    return sorted((r for r in rows if r["status"] == "ok"), key=key)


def _fig_records(rows: Sequence[dict[str, Any]]) -> Any:
    ok = _ok_rows(rows)
    fig = figures._figure((11, 5.6))
    axes = fig.subplots(2, 2)
    names = [r["record"] for r in ok]
    colors = [GROUP_COLORS[r["group"]] for r in ok]
    x = np.arange(len(ok))
    for ax, key in zip(axes.ravel(), METRICS, strict=True):
        label, unit = METRICS[key]
        vals = [r.get(key) for r in ok]
        heights = [float(v) if v is not None else 0.0 for v in vals]
        ax.bar(x, heights, color=colors)
        for xi, v in zip(x, vals, strict=True):
            if v is None:
                ax.text(xi, 0, "n/a", ha="center", va="bottom", fontsize=6, rotation=90)
        if key == "plms_index":
            ax.axhline(PLMS_CUTOFF_PER_H, color="k", ls="--", lw=0.8, label="15/h")
            ax.legend(loc="upper right", fontsize=7, frameon=False)
        if "periodicity" in key:
            ax.axhspan(PI_RLS_MEAN - PI_RLS_SD, PI_RLS_MEAN + PI_RLS_SD, color="#f5b7b1",
                       alpha=0.5, lw=0, label="0.86 ± 0.10", zorder=0)  # fmt: skip
            ax.axhline(PI_THRESHOLD, color="k", ls="--", lw=0.8, label="0.5")
            ax.set_ylim(0, 1.05)
            ax.legend(loc="upper right", fontsize=7, frameon=False)
        ax.set_title(label + (f" ({unit})" if unit else ""), fontsize=9)
        ax.set_xticks(x, names, rotation=90, fontsize=7)
        ax.tick_params(axis="y", labelsize=7)
    return fig


def _fig_groups(rows: Sequence[dict[str, Any]]) -> Any:
    fig = figures._figure((11, 3.2))
    axes = fig.subplots(1, len(METRICS))
    rng = np.random.default_rng(0)
    for ax, key in zip(axes, METRICS, strict=True):
        label, unit = METRICS[key]
        data, labels = [], []
        for g in ("patients", "controls"):
            data.append(group_values(rows, g, key))
            labels.append(f"{g}\n(n={data[-1].size})")
        nonempty = [d if d.size else np.array([np.nan]) for d in data]
        ax.boxplot(nonempty, widths=0.5, showfliers=False)
        for i, (g, d) in enumerate(zip(("patients", "controls"), data, strict=True)):
            ax.scatter(1 + i + rng.uniform(-0.12, 0.12, d.size), d, s=14,
                       color=GROUP_COLORS[g], zorder=3)  # fmt: skip
        if key == "plms_index":
            ax.axhline(PLMS_CUTOFF_PER_H, color="k", ls="--", lw=0.8)
        if "periodicity" in key:
            ax.axhline(PI_THRESHOLD, color="k", ls="--", lw=0.8)
            ax.set_ylim(-0.02, 1.05)
        ax.set_xticks([1, 2], labels, fontsize=7)
        ax.set_title(label + (f" ({unit})" if unit else ""), fontsize=8)
        ax.tick_params(axis="y", labelsize=7)
    return fig


def _fig_imi_groups(comparison: dict[str, Any]) -> Any:
    fig = figures._figure((11, 3.2))
    ax_lin, ax_ln = fig.subplots(1, 2)
    for g in ("patients", "controls"):
        h = comparison["groups"][g]["imi_histogram"]
        color = GROUP_COLORS[g]
        if "linear" in h:
            edges = np.asarray(h["linear"]["bin_edges_s"], dtype=float)
            c = np.asarray(h["linear"]["counts"], dtype=float)
            frac = c / c.sum() if c.sum() else c
            ax_lin.stairs(frac, edges, color=color, lw=1.5,
                          label=f"{GROUP_LABELS[g]} ({int(c.sum())} IMIs)")  # fmt: skip
        if "ln" in h and h["ln"].get("bin_edges_ln"):
            edges = np.asarray(h["ln"]["bin_edges_ln"], dtype=float)
            c = np.asarray(h["ln"]["counts"], dtype=float)
            frac = c / c.sum() if c.sum() else c
            ax_ln.stairs(frac, edges, color=color, lw=1.5, label=GROUP_LABELS[g])
    ax_lin.axvspan(*IMI_PEAK_RANGE_S, color="#f9e79f", alpha=0.5, lw=0, zorder=0,
                   label="expected patient peak 15–30 s")  # fmt: skip
    ax_lin.axvline(IMI_WINDOW_S[0], color="k", ls=":", lw=0.8)
    ax_lin.set_xlabel("IMI (s), 2-s bins", fontsize=8)
    ax_lin.set_ylabel("fraction of the group's sleep IMIs", fontsize=8)
    ax_lin.set_title("IMI histogram per group (pooled)", fontsize=9)
    ax_lin.legend(fontsize=7, frameon=False)
    ax_ln.set_xlabel("ln(IMI / s), 0.1 bins", fontsize=8)
    ax_ln.axvline(np.log(IMI_WINDOW_S[0]), color="k", ls=":", lw=0.8)
    ax_ln.set_title("ln IMI histogram per group (pooled)", fontsize=9)
    for ax in (ax_lin, ax_ln):
        ax.tick_params(labelsize=7)
    return fig


def _fig_imi_records(rows: Sequence[dict[str, Any]]) -> Any | None:
    ok = [r for r in _ok_rows(rows) if (r.get("imi_histograms") or {}).get("linear")]
    if not ok:
        return None
    ncols = min(6, len(ok))
    nrows = int(math.ceil(len(ok) / ncols))
    fig = figures._figure((11, 1.6 * nrows + 0.4))
    axes = np.atleast_1d(fig.subplots(nrows, ncols, sharex=True, squeeze=False)).ravel()
    for ax, r in zip(axes, ok, strict=False):
        h = r["imi_histograms"]["linear"]
        edges = np.asarray(h["bin_edges_s"], dtype=float)
        ax.stairs(h["counts"], edges, fill=True, color=GROUP_COLORS[r["group"]])
        ax.axvspan(*IMI_PEAK_RANGE_S, color="#f9e79f", alpha=0.5, lw=0, zorder=0)
        ax.set_title(f"{r['record']} (n={int(sum(h['counts']))})", fontsize=7)
        ax.tick_params(labelsize=6)
    for ax in axes[len(ok) :]:
        ax.set_visible(False)
    fig.suptitle("Sleep IMI histogram per record (2-s bins, 0–90 s)", fontsize=9)
    return fig


_RECORD_COLUMNS = (
    "record", "group", "status", "leg channels (left / right)", "fs (Hz)", "TST (h)",
    "wake (h)", "LMs", "CLMS", "PLMS", "PLMS index (/h)", "PLMW index (/h)",
    "PI (PLMS/CLMS)", "PI (Ferri)", "IMI peak (s)", "warnings / error",
)  # fmt: skip


def _record_row(r: dict[str, Any]) -> str:
    """One row of the records table."""
    e, td = page.escape, page.td
    if r["status"] != "ok":
        return page.tr(
            [td(r["record"]), td(r["group"]), td(f"failed ({r['failed_at']})"),
             td("", colspan=12), td(r["error"])],
            "failed",
        )  # fmt: skip
    nums = [
        fmt(r.get("fs_hz"), 0), fmt(r.get("tst_h"), 2), fmt(r.get("wake_h"), 2),
        fmt(r.get("n_lm")), fmt(r.get("n_clms")), fmt(r.get("n_plms")),
        fmt(r.get("plms_index"), 1), fmt(r.get("plmw_index"), 1),
        fmt(r.get("periodicity_index"), 2), fmt(r.get("ferri_periodicity_index"), 2),
        fmt(r.get("imi_peak_s"), 0),
    ]  # fmt: skip
    legs = f"{e(r.get('left_channel'))} / {e(r.get('right_channel'))}"
    return page.tr(
        [td(r["record"]), td(r["group"]), td("ok"), td(legs, raw=True)]
        + [td(v, "num") for v in nums]
        + [td(r.get("warnings") or "")]
    )


def _reproduce(st: dict[str, Any]) -> str:
    """The command line that reruns the validation with the same settings."""
    return (
        f"plm validate-cap --records {','.join(st['records'])} --rules {st['rules']}"
        + "".join(f" --set {k}={v}" for k, v in st["overrides"].items())
        + (f" --age-group {st['age_group']}" if st["age_group"] != "adult" else "")
        + (" --allow-poor-signal" if st["allow_poor_signal"] else "")
        + f" --out {st['out']}"
    )


def render_html(run: ValidationRun) -> str:
    """The self-contained HTML validation report (figures embedded as base64 PNG)."""
    e, td = page.escape, page.td
    rows, comp, st = run.rows, run.comparison, run.settings
    n_ok = sum(r["status"] == "ok" for r in rows)
    parts = [
        "<h1>plmkit validation on the PhysioNet CAP Sleep Database</h1>",
        f"<p>plmkit {e(__version__)} · database <code>{e(st['database'])}</code> "
        f"{e(st['version'])} from <code>{e(st['base_url'])}</code> · rules "
        f"<code>{e(st['rules'])}</code>"
        + (f" with overrides <code>{e(st['overrides'])}</code>" if st["overrides"] else "")
        + f" · age group {e(st['age_group'])} · {n_ok} of {len(rows)} records scored · "
        f"run {e(st.get('started', ''))} – {e(st.get('finished', ''))} (UTC)</p>",
        "<p class='note'>The CAP Sleep Database has no scored leg movements: this report "
        "checks that the indices computed from the raw tibialis EMG separate PLM patients "
        "(plm*) from healthy controls (n*) as the literature describes. It is not an "
        "event-level agreement study.</p>",
    ]
    vc = comp["verdict_counts"]
    parts.append("<h2>Group comparison against the literature</h2>")
    parts.append(
        f"<p>{vc['consistent']} consistent · {vc['not consistent']} not consistent · "
        f"{vc['not assessable']} not assessable.</p>"
    )
    checks = []
    for c in comp["checks"]:
        note = f"<br><span class='note'>{e(c['note'])}</span>" if c["note"] else ""
        verdict = f"<b>{e(c['verdict'])}</b>{note}"
        checks.append(
            page.tr(
                [td(c[k]) for k in ("expectation", "source", "criterion", "observed")]
                + [td(verdict, c["verdict"].replace(" ", "-"), raw=True)]
            )
        )
    parts.append(
        page.table(
            ["expectation (literature)", "source", "criterion", "observed", "verdict"], checks
        )  # fmt: skip
    )
    stats = []
    for key, (label, unit) in METRICS.items():
        dec = 1 if unit else 2
        t = comp["tests"][key]
        cells = [
            median_iqr(comp["groups"][g]["metrics"][key], dec, unit)
            for g in ("patients", "controls")
        ]
        test = (
            f"U = {fmt(t['u'], 1)}, p = {fmt(t['p'], 4)} ({t['method']}; smallest "
            f"attainable p {t['min_attainable_p']:.3g})"
            if t["p"] is not None
            else "not computed (a group is empty)"
        )
        stats.append(page.tr([td(label), td(cells[0]), td(cells[1]), td(test)]))
    parts.append("<h3>Group statistics</h3>")
    parts.append(
        page.table(["metric", "PLM patients", "controls", "Mann-Whitney U (two-sided)"], stats)
    )
    parts.append(
        "<p class='note'>Periodicity index (PLMS/CLMS): periodic LMs in sleep over candidate "
        "LMs in sleep (PLMScoRe/SOMAS). Periodicity index (Ferri 2006): sleep IMIs in runs of "
        "≥ 3 consecutive IMIs with 10 &lt; IMI ≤ 90 s over all sleep IMIs. A record with no "
        "CLM in sleep has no PI (n/a).</p>"
    )
    if n_ok:
        imi_records = _fig_imi_records(rows)
        parts += [
            f"<p>{page.img(_fig_groups(rows), 'group comparison')}</p>",
            "<h2>IMI histograms</h2>",
            f"<p>{page.img(_fig_imi_groups(comp), 'IMI histograms per group')}</p>",
            f"<p>{page.img(imi_records, 'IMI histogram per record')}</p>" if imi_records else "",
            "<h2>Per-record indices</h2>",
            f"<p>{page.img(_fig_records(rows), 'per-record indices')}</p>",
        ]
    parts.append("<h2>Records</h2>")
    parts.append(page.table(_RECORD_COLUMNS, [_record_row(r) for r in rows]))
    parts.append("<h2>Failed records</h2>")
    failed = [
        f"<li><b>{e(r['record'])}</b> ({e(r['failed_at'])}): {e(r['error'])}</li>"
        for r in run.failed
    ]
    parts.append(f"<ul>{''.join(failed)}</ul>" if failed else "<p>None.</p>")
    parts.append(
        f"<h2>Reproduce</h2><p><code>{e(_reproduce(st))}</code> (set "
        "<code>PLMKIT_PHYSIONET_URL</code> or <code>--base-url</code> for a mirror). "
        "Per-record outputs are in <code>records/</code>; all numbers are in "
        "<code>validation_summary.json</code> and <code>validation_summary.tsv</code>.</p>"
    )
    return page.page("plmkit validation on the CAP Sleep Database", "\n".join(parts))
