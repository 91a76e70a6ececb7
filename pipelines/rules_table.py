"""Several rule sets in one run, and their side-by-side table.

``plm score REC --rules wasm2016,aasm2012 --out DIR`` reads and detects the recording
once (:func:`plm.api.score_profiles`; the **first** profile drives detection: onset and
offset thresholds, baseline, morphology and amplitude rules) and scores the same
movements under every profile (``--set`` overrides apply to all).  Written:

* ``DIR/<profile>/``: the usual outputs of each profile (``<stem>_summary.json``,
  ``_candidates.tsv``, ``_movements.tsv``...);
* ``DIR/<stem>_rules_comparison.tsv``: one row per metric (:data:`COMPARISON_KEYS`, then
  every rule field whose value differs between the profiles, ``rule:<field>``), one
  column per rule set;
* with ``--report``: ``DIR/<stem>_report.pdf/.html`` of the first profile, the HTML
  holding the side-by-side table (:func:`report_section`).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from plm import keys
from plm._lazy import pandas as pd

__all__ = [
    "COMPARISON_SUFFIX",
    "COMPARISON_KEYS",
    "comparison_table",
    "write_comparison",
    "report_section",
    "cmd_score_rules",
]

logger = logging.getLogger(__name__)

COMPARISON_SUFFIX = "_rules_comparison.tsv"
#: Name of the comparison in ``PLMResult.tables`` (not written by ``to_dir``).
TABLE_NAME = "rules_comparison"
#: Summary keys compared (rows of the table, in this order).
COMPARISON_KEYS: tuple[str, ...] = (
    "plms_index",
    "plmw_index",
    "plmsnr_index",
    "plms_arousal_index",
    "clms_index",
    "lms_index",
    "periodicity_index",
    "n_lm",
    "n_clm",
    "n_nonclm",
    "n_plm",
    "n_plms",
    "n_plmw",
    "n_plm_series",
    "n_clmr",
    "n_lm_excluded_respiratory",
    "n_lm_excluded_too_long",
    "imi_geometric_mean_s",
    "plm_duration_mean_s",
    "plmd_flag",
)


#: Rule fields read by the detector (and signal conditioning): the first set's values apply
#: to every set, as detection runs once.
DETECTION_FIELDS = frozenset(
    {
        "highpass_hz", "lowpass_hz", "lowpass_max_fraction", "filter_order", "notch",
        "ecg_suppression", "baseline_smooth_s", "baseline_max_s", "baseline_min_s",
        "onset_above_baseline_uv", "offset_above_baseline_uv", "offset_quiet_s",
        "unscorable_baseline_uv", "envelope_s", "unscorable_min_s", "unscorable_merge_gap_s",
        "elevated_floor_uv", "morphology_rule", "morphology_window_s", "min_amplitude_rule",
        "min_resolution_uv",
    }
)  # fmt: skip


def comparison_table(results: dict[str, Any]) -> pd.DataFrame:
    """One row per metric, one column per rule set.

    Parameters
    ----------
    results : dict
        Rule-set name → :class:`plm.results.PLMResult`, in column order.

    Returns
    -------
    DataFrame
        ``metric`` (summary key, or ``rule:<field>`` for a rule field that differs
        between the sets), ``label``, ``unit``, then one column per rule set.
    """
    names = list(results)
    rows = []
    for key in COMPARISON_KEYS:
        rows.append(
            {
                "metric": key,
                "label": keys.label(key),
                "unit": keys.unit(key),
                **{n: _plain(results[n].summary.get(key)) for n in names},
            }
        )
    rules = {n: results[n].rules.to_dict() for n in names}
    fields = list(rules[names[0]]) if names else []
    for field in fields:
        values = [rules[n].get(field) for n in names]
        if field in ("name", "reference") or all(v == values[0] for v in values):
            continue
        note = " (detection: first set's value)" if field in DETECTION_FIELDS else ""
        rows.append(
            {
                "metric": f"rule:{field}",
                "label": field.replace("_", " ") + note,
                "unit": "",
                **{n: _plain(rules[n].get(field)) for n in names},
            }
        )
    return pd.DataFrame(rows, columns=["metric", "label", "unit", *names])


def _plain(value: Any) -> Any:
    """A cell: lists joined by commas, floats to 4 decimals (as every output table)."""
    if isinstance(value, (list, tuple)):
        return ",".join(map(str, value))
    if isinstance(value, float) and not isinstance(value, bool):
        return round(value, 4)
    return value


def write_comparison(results: dict[str, Any], out_dir: str | Path, stem: str) -> Path:
    """Write ``<stem>_rules_comparison.tsv`` into ``out_dir``; return its path."""
    from plm.results import write_tsv

    path = Path(out_dir) / f"{stem}{COMPARISON_SUFFIX}"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_tsv(comparison_table(results), path)
    return path


def _fmt(value: Any, unit: str) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if unit == "rule":
            return f"{value:g}"
        return f"{value:.1f}" if unit in ("/h", "s", "h") else f"{value:.2f}"
    return str(value)


def _find_table(result: Any) -> pd.DataFrame | None:
    table = (getattr(result, "tables", None) or {}).get(TABLE_NAME)
    if table is not None:
        return table
    folder = getattr(result, "directory", None)
    for place in [Path(folder), Path(folder).parent] if folder is not None else []:
        path = place / f"{result.stem}{COMPARISON_SUFFIX}"
        if path.is_file():
            return pd.read_csv(path, sep="\t", keep_default_na=False, na_values=[""])
    return None


def report_section(result: Any, report: Any) -> None:
    """Add the side-by-side table of rule sets to a night's report (a report hook).

    The table comes from ``result.tables["rules_comparison"]`` (a multi-profile run) or
    from ``<stem>_rules_comparison.tsv`` in the result's folder or the one above it;
    nothing is added without one.  Registered in :data:`pipelines.report.SECTION_HOOKS`.
    """
    from pipelines.layout import Section, Table, insert_section

    table = _find_table(result)
    if table is None or not len(table):
        return
    sets = [c for c in table.columns if c not in ("metric", "label", "unit")]
    rows, differs = [], []
    for _, row in table.iterrows():
        unit = str(row["unit"]) if pd.notna(row["unit"]) else ""
        label = str(row["label"]) + (f" ({unit})" if unit else "")
        rule = str(row["metric"]).startswith("rule:")
        values = [_fmt(None if pd.isna(row[c]) else row[c], "rule" if rule else unit) for c in sets]
        rows.append([label, *values])
        differs.append(len(set(values)) > 1)
    section = Section(
        key="rules_comparison",
        title="Rule sets side by side",
        table=Table(
            ["Metric", *sets], rows, highlight=differs, numeric=[False] + [True] * len(sets)
        ),
        note=(
            f"The same detected movements scored under each rule set (detection: {sets[0]}); "
            "rows that differ are highlighted."
        ),
    )
    insert_section(report, section, after="indices")


def cmd_score_rules(args: argparse.Namespace, header: Any = None) -> int:
    """``plm score REC --rules A,B[,...]``: see the module docstring."""
    from pipelines.settings import settings_from_args
    from plm.api import score_profiles

    settings = settings_from_args(args)
    kw = settings.score_kwargs()
    names = kw.pop("rules").split(",")
    results = score_profiles(
        header if header is not None else args.recording,
        names,
        annotations=args.annotations,
        keep_signals=args.report,
        **kw,
    )
    out = Path(args.out)
    first = results[names[0]]
    for name, result in results.items():
        result.to_dir(out / name)
    path = write_comparison(results, out, first.stem)
    first.tables[TABLE_NAME] = comparison_table(results)
    if args.report:
        from pipelines.report import write_reports

        write_reports(first, out, recording=args.recording)
    for name, result in results.items():
        s = result.summary
        idx = s.get("plms_index")
        rate = f"PLMS index {idx:.1f}/h" if idx is not None else "no hypnogram"
        print(f"{result.stem} [{name}]: {s['n_lm']} LMs, {s['n_plm']} PLMs; {rate} -> {out / name}")
        for w in s.get("warnings", []):
            print(f"  warning: {w}", file=sys.stderr)
    print(f"{first.stem}: rules side by side -> {path}")
    return 0
