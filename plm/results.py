"""The result of scoring one night, and the files it writes (the output contract).

Files written by :meth:`PLMResult.to_dir` for a recording stem ``X``:

* ``X_candidates.tsv``: one row per combined leg movement (columns in
  :data:`plm.engine.CANDIDATE_COLUMNS`);
* ``X_movements.tsv``: the monolateral LMs (``onset``, ``duration``, ``side``, and for
  detected movements ``peak_uv``, ``area_uv_s``);
* ``X_summary.json``: every metric (see :mod:`plm.metrics`) plus ``rules``,
  ``software``, ``inputs``, ``warnings`` and ``unmapped_labels``;
* ``X_stages.tsv`` (hypnogram epochs, when there is a hypnogram) and ``X_gaps.tsv``
  (stretches not scored: EDF+D gaps, unscorable leg EMG), so that a result folder can be
  read back for reports and review files without the recording.

Each file is written to a temporary name and renamed, the summary last, so a summary on
disk means the set is complete.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from plm._util import atomic_write
from plm._version import __version__
from plm.events import NightEvents
from plm.rules import RuleProfile

__all__ = ["PLMResult", "to_jsonable", "read_result_dir"]

SUMMARY_SUFFIX = "_summary.json"
CANDIDATES_SUFFIX = "_candidates.tsv"
MOVEMENTS_SUFFIX = "_movements.tsv"
STAGES_SUFFIX = "_stages.tsv"
GAPS_SUFFIX = "_gaps.tsv"


def to_jsonable(obj: Any) -> Any:
    """Convert numpy/pandas scalars and containers to plain JSON types (NaN → None)."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [to_jsonable(v) for v in obj.tolist()]
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        v = float(obj)
        return None if math.isnan(v) or math.isinf(v) else v
    if obj is pd.NA or obj is None:
        return None
    return obj


@dataclass
class PLMResult:
    """Scored night: candidate LMs, monolateral LMs and the summary metrics.

    Attributes
    ----------
    candidates : DataFrame
        One row per combined leg movement.
    movements : DataFrame
        Monolateral leg movements.
    summary : dict
        Metrics and provenance (JSON-serialisable).
    rules : RuleProfile
        The rule profile used.
    events : NightEvents
        The night's inputs (hypnogram, respiratory events, arousals, gaps).
    stem : str
        File-name stem of the outputs.
    signals : dict
        Optional per-leg signal traces for plots (not written to disk).
    """

    candidates: pd.DataFrame
    movements: pd.DataFrame
    summary: dict[str, Any]
    rules: RuleProfile
    events: NightEvents
    stem: str = "night"
    signals: dict[str, Any] = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        s = self.summary
        idx = s.get("plms_index")
        rate = f"PLMS index {idx:.1f}/h" if idx is not None else "no hypnogram"
        return (
            f"<PLMResult {self.stem!r}: {s.get('n_lm', 0)} LMs, {s.get('n_clm', 0)} CLMs, "
            f"{s.get('n_plm', 0)} PLMs, {rate}, rules={self.rules.name}>"
        )

    def summary_frame(self) -> pd.DataFrame:
        """Return the scalar metrics as a one-row DataFrame indexed by the stem."""
        row = {k: v for k, v in self.summary.items() if not isinstance(v, (dict, list))}
        return pd.DataFrame([row], index=pd.Index([self.stem], name="recording"))

    # --- figures (matplotlib, no pyplot state; see plm.plotting) ---------------------

    def _time_axis(self) -> dict[str, Any]:
        rec_h = self.summary.get("recording_h")
        return {
            "duration_s": rec_h * 3600.0 if rec_h is not None else None,
            "start_datetime": self.summary.get("start_datetime"),
            "gaps": self.events.gaps,
        }

    def plot_night(self, figsize: tuple[float, float] = (11, 4)) -> Any:
        """Hypnogram above the LM raster on one time axis; returns a new Figure."""
        from plm import plotting

        return plotting.plot_night(self, figsize=figsize)

    def plot_hypnogram(self, ax: Any = None) -> Any:
        """Draw the hypnogram (W at the top, R highlighted, unscorable hatched)."""
        from plm import plotting

        return plotting.plot_hypnogram(self.events.hypnogram, ax, **self._time_axis())

    def plot_raster(self, ax: Any = None) -> Any:
        """Draw the LM raster: left/right/bilateral, PLMs, CLMr and arousal marks."""
        from plm import plotting

        return plotting.plot_lm_raster(self.candidates, ax, **self._time_axis())

    def plot_imi_histograms(self, axes: tuple[Any, Any] | None = None) -> tuple[Any, Any]:
        """Draw the 2-s linear and 0.1-ln IMI histograms (spec §3.9)."""
        from plm import plotting

        return plotting.plot_imi_histograms(
            self.summary, axes, imi_min_s=self.rules.imi_min_s, imi_max_s=self.rules.imi_max_s
        )

    def plot_stage_indices(self, ax: Any = None) -> Any:
        """Bar chart of the PLM index per stage and the PLMW index."""
        from plm import plotting

        return plotting.plot_stage_indices(self.summary, ax)

    def to_dir(self, out_dir: str | Path, stem: str | None = None) -> dict[str, Path]:
        """Write the three output files into ``out_dir`` (created if needed).

        Returns
        -------
        dict
            ``candidates``, ``movements``, ``summary``, ``gaps`` (and ``stages``) →
            written paths.  The summary is written last: its presence means the set is
            complete.
        """
        stem = stem or self.stem
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = {
            "candidates": out / f"{stem}{CANDIDATES_SUFFIX}",
            "movements": out / f"{stem}{MOVEMENTS_SUFFIX}",
            "summary": out / f"{stem}{SUMMARY_SUFFIX}",
        }
        write_tsv(self.candidates, paths["candidates"])
        write_tsv(self.movements, paths["movements"])
        if self.events.hypnogram is not None:
            paths["stages"] = out / f"{stem}{STAGES_SUFFIX}"
            write_tsv(self.events.hypnogram.to_frame(), paths["stages"])
        paths["gaps"] = out / f"{stem}{GAPS_SUFFIX}"
        gaps = self.events.gaps
        write_tsv(gaps.reindex(columns=["onset", "duration", "reason"]), paths["gaps"])
        with atomic_write(paths["summary"], "w", encoding="utf-8") as fh:
            json.dump(to_jsonable(self.summary), fh, indent=2, ensure_ascii=False)
            fh.write("\n")
        return paths


def write_tsv(frame: pd.DataFrame, path: Path) -> None:
    """Write a table as TSV atomically: empty cells for missing values, 4-decimal floats."""
    with atomic_write(path, "w", encoding="utf-8", newline="") as fh:
        frame.to_csv(fh, sep="\t", index=False, na_rep="", float_format="%.4f")


def read_result_dir(out_dir: str | Path, stem: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read back ``<stem>_candidates.tsv`` and ``<stem>_summary.json`` from a directory."""
    out = Path(out_dir)
    cand = pd.read_csv(out / f"{stem}{CANDIDATES_SUFFIX}", sep="\t", keep_default_na=True)
    with open(out / f"{stem}{SUMMARY_SUFFIX}", encoding="utf-8") as fh:
        summary = json.load(fh)
    return cand, summary


def provenance(rules: RuleProfile, events: NightEvents) -> dict[str, Any]:
    """Fields written into every summary: rules, software, inputs, warnings, labels."""
    return {
        "rules": rules.to_dict(),
        "software": {"name": "plmkit", "version": __version__},
        "inputs": list(events.sources),
        "warnings": list(events.warnings),
        "unmapped_labels": dict(events.unmapped_labels),
        "start_datetime": events.start_datetime,
    }
