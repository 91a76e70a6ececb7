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

On request, :meth:`PLMResult.to_bids_events` writes ``X_events.tsv`` + ``X_events.json``
(BIDS-style events) and :meth:`PLMResult.to_mne_annotations` returns ``mne.Annotations``.

Each file is written to a temporary name and renamed, the summary last, so a summary on
disk means the set is complete.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from plm import keys
from plm._lazy import pandas as pd
from plm._util import atomic_write, make_output_dir, output_file
from plm._version import __version__
from plm.events import Hypnogram, InputError, NightEvents, empty_intervals
from plm.rules import RuleProfile, get_rules

__all__ = ["PLMResult", "to_jsonable", "find_summaries"]

logger = logging.getLogger(__name__)

SUMMARY_SUFFIX = "_summary.json"
CANDIDATES_SUFFIX = "_candidates.tsv"
MOVEMENTS_SUFFIX = "_movements.tsv"
STAGES_SUFFIX = "_stages.tsv"
GAPS_SUFFIX = "_gaps.tsv"
#: Side tables a result may carry, written as ``<stem>_<name>.tsv`` (see ``plm.keys``).
SIDE_TABLES: tuple[str, ...] = ("hr_response", "hr_curves")
EVENTS_SUFFIX = "_events.tsv"

#: Project columns of the BIDS events table, in order (declared in plm.keys, kind events).
BIDS_COLUMNS: tuple[str, ...] = (
    "side", "category", "stage", "imi", "periodic", "series", "arousal", "respiratory",
    "exclusion", "peak_uv", "area_uv_s",
)  # fmt: skip
#: ``trial_type`` levels of :meth:`PLMResult.events_frame` (the BIDS sidecar's Levels).
TRIAL_TYPES: dict[str, str] = {
    "LM/left": "monolateral leg movement, left leg",
    "LM/right": "monolateral leg movement, right leg",
    "LM/merged": "monolateral leg movement on a single channel for both legs",
    "CLM/plm": "candidate LM, member of a PLM series",
    "CLM/short_imi": "candidate LM preceded by an IMI below the minimum, not in a series",
    "CLM/isolated": "candidate LM neither periodic nor short-IMI",
    "CLM/excluded": "candidate LM taking no part in scoring (see exclusion)",
    "nonCLM/non_clm": "combined LM that is not a candidate LM",
    "nonCLM/excluded": "combined LM excluded from scoring (see exclusion)",
    "PLM series": "periodic LM series, first onset to last offset",
}


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
    directory : Path or None
        The folder the result was read from (:meth:`from_dir`), else None.
    tables : dict
        Side tables written as ``<stem>_<name>.tsv`` (names in :data:`SIDE_TABLES`), e.g.
        the heart-rate response per beat (``hr_response``) and its mean curves
        (``hr_curves``); empty when not computed.
    """

    candidates: pd.DataFrame
    movements: pd.DataFrame
    summary: dict[str, Any]
    rules: RuleProfile
    events: NightEvents
    stem: str = "night"
    signals: dict[str, Any] = field(default_factory=dict, repr=False)
    directory: Path | None = field(default=None, repr=False)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

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
        """Draw the 2-s linear and 0.1-ln IMI histograms (docs/scoring.md §11.4)."""
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

        Raises
        ------
        InputError
            When the stem is not a plain file name (:func:`plm._util.check_stem`):
            nothing is written.
        """
        stem = stem or self.stem
        out = make_output_dir(out_dir, [stem])  # refuses a stem naming a file outside it
        paths = {
            "candidates": output_file(out, stem, CANDIDATES_SUFFIX),
            "movements": output_file(out, stem, MOVEMENTS_SUFFIX),
            "summary": output_file(out, stem, SUMMARY_SUFFIX),
        }
        write_tsv(self.candidates, paths["candidates"])
        write_tsv(self.movements, paths["movements"])
        if self.events.hypnogram is not None:
            paths["stages"] = output_file(out, stem, STAGES_SUFFIX)
            write_tsv(self.events.hypnogram.to_frame(), paths["stages"])
        paths["gaps"] = output_file(out, stem, GAPS_SUFFIX)
        gaps = self.events.gaps
        write_tsv(gaps.reindex(columns=["onset", "duration", "reason"]), paths["gaps"])
        for name in SIDE_TABLES:
            if name in self.tables:
                paths[name] = output_file(out, stem, f"_{name}.tsv")
                write_tsv(self.tables[name], paths[name])
        with atomic_write(paths["summary"], "w", encoding="utf-8") as fh:
            json.dump(to_jsonable(self.summary), fh, indent=2, ensure_ascii=False)
            fh.write("\n")
        return paths

    @classmethod
    def from_dir(cls, path: str | os.PathLike[str], stem: str | None = None) -> PLMResult:
        """Read a scored night back from the files :meth:`to_dir` wrote (its inverse).

        Parameters
        ----------
        path : path-like
            A ``<stem>_summary.json`` file, or a folder holding one summary (or several,
            with ``stem`` saying which).
        stem : str, optional
            Which result of a folder holding several.

        Returns
        -------
        PLMResult
            Candidates, movements and summary as written; ``rules`` from the summary;
            ``events`` with the hypnogram (``<stem>_stages.tsv``), the gaps, the start
            time, inputs, warnings and unmapped labels.  Respiratory events, arousals
            and signals are not written, so they come back empty.  ``to_dir`` of the
            result writes the same bytes again.

        Raises
        ------
        InputError
            No summary (or several and no ``stem``), a missing or unreadable file, or a
            rule profile this version does not understand.
        """
        summary_path = _summary_path(Path(path), stem)
        stem = summary_path.name[: -len(SUMMARY_SUFFIX)]
        folder = summary_path.parent
        try:
            with open(summary_path, encoding="utf-8") as fh:
                summary = json.load(fh)
        except (OSError, json.JSONDecodeError) as exc:
            raise InputError(f"cannot read summary ({exc})", source=str(summary_path)) from None
        candidates = _read_table(folder / f"{stem}{CANDIDATES_SUFFIX}", "candidates")
        movements = _read_table(folder / f"{stem}{MOVEMENTS_SUFFIX}", "movements")
        hypnogram = None
        stages_path = folder / f"{stem}{STAGES_SUFFIX}"
        if stages_path.is_file():
            st = _read_table(stages_path, "stages")
            epoch_s = float(st["duration"].iloc[0]) if len(st) else 30.0
            start_s = float(st["onset"].iloc[0]) if len(st) else 0.0
            hypnogram = Hypnogram(st["stage"].to_numpy(object), epoch_s=epoch_s, start_s=start_s)
        gaps_path = folder / f"{stem}{GAPS_SUFFIX}"
        gaps = (
            _read_table(gaps_path, "gaps") if gaps_path.is_file() else empty_intervals(("reason",))
        )
        rules = _rules_from_summary(summary, summary_path)
        rec_h = summary.get("recording_h")
        engine_cols = [c for c in ("exclusion", "segment", "lm_id") if c in movements]
        events = NightEvents(
            movements=movements.drop(columns=engine_cols),
            hypnogram=hypnogram,
            recording_duration_s=rec_h * 3600.0 if rec_h is not None else None,
            gaps=gaps,
            unmapped_labels=dict(summary.get("unmapped_labels") or {}),
            sources=list(summary.get("inputs") or []),
            warnings=list(summary.get("warnings") or []),
            start_datetime=summary.get("start_datetime"),
        )
        tables = {
            name: _read_table(folder / f"{stem}_{name}.tsv", name)
            for name in SIDE_TABLES
            if (folder / f"{stem}_{name}.tsv").is_file()
        }
        return cls(
            candidates, movements, summary, rules, events, stem=stem, directory=folder,
            tables=tables,
        )  # fmt: skip

    # --- MNE and BIDS (see plm.io.mne for MNE Raw objects in) ------------------------

    def events_frame(
        self, movements: bool = True, candidates: bool = True, series: bool = True
    ) -> pd.DataFrame:
        """The scored events as one onset-sorted table (BIDS events and MNE annotations).

        Parameters
        ----------
        movements : bool
            Monolateral LMs, ``trial_type`` ``LM/left``, ``LM/right`` or ``LM/merged``.
        candidates : bool
            Combined LMs with their category: ``CLM/<category>`` for candidate LMs
            (``plm``, ``short_imi``, ``isolated``, ``excluded``), ``nonCLM/<category>``
            for the others.
        series : bool
            PLM series, ``PLM series``, from the first onset to the last offset.

        Returns
        -------
        DataFrame
            ``onset``, ``duration`` (s from the recording start), ``trial_type`` and the
            columns of :data:`BIDS_COLUMNS` the tables hold (missing where a row has no
            value).
        """
        parts = []
        mv = self.movements
        if movements and len(mv):
            parts.append(mv.assign(trial_type="LM/" + mv["side"].astype(str)))
        cand = self.candidates
        if candidates and len(cand):
            kind = np.where(cand["candidate"].to_numpy(bool), "CLM/", "nonCLM/")
            parts.append(cand.assign(trial_type=kind + cand["category"].astype(str)))
        periodic = cand[cand["series"].notna()] if len(cand) else cand
        if series and len(periodic):
            ends = periodic["onset"] + periodic["duration"]
            grouped = periodic.assign(end=ends).groupby("series", sort=True)
            first, last = grouped["onset"].min(), grouped["end"].max()
            parts.append(
                pd.DataFrame(
                    {
                        "onset": first.to_numpy(float),
                        "duration": (last - first).to_numpy(float),
                        "trial_type": "PLM series",
                        "series": pd.array(first.index.to_numpy(), dtype="Int64"),
                    }
                )
            )
        columns = ["onset", "duration", "trial_type"] + [
            c for c in BIDS_COLUMNS if any(c in part for part in parts)
        ]
        if not parts:
            return pd.DataFrame({c: pd.Series(dtype=float) for c in columns[:2]}).assign(
                trial_type=pd.Series(dtype=object)
            )
        flags = [c for c in ("periodic", "arousal", "respiratory") if c in columns]
        table = pd.concat(
            [part.reindex(columns=columns).astype(dict.fromkeys(flags, object)) for part in parts],
            ignore_index=True,
        )
        if "series" in table:
            table["series"] = pd.to_numeric(table["series"]).astype("Int64")
        return table.sort_values(["onset", "trial_type"], kind="stable").reset_index(drop=True)

    def to_mne_annotations(
        self, movements: bool = True, candidates: bool = True, series: bool = True
    ) -> Any:
        """The scored events as ``mne.Annotations`` on the recording's clock.

        ``orig_time`` is the recording start (``meas_date`` of an MNE Raw, the EDF
        header start), so ``raw.set_annotations(raw.annotations + ann)`` puts them on
        the Raw the night was scored from without touching times.  Descriptions are
        the ``trial_type`` of :meth:`events_frame` (``LM/left``, ``CLM/plm``,
        ``PLM series``, ...), which MNE's ``/``-tags select as groups.

        Parameters
        ----------
        movements, candidates, series : bool
            Which events (see :meth:`events_frame`).

        Returns
        -------
        mne.Annotations

        Raises
        ------
        ImportError
            When MNE-Python is not installed (``pip install plmkit[mne]``).
        """
        import mne

        table = self.events_frame(movements, candidates, series)
        start = self.start
        orig_time = None
        if start is not None:
            orig_time = start if start.tzinfo else start.replace(tzinfo=timezone.utc)
        return mne.Annotations(
            onset=table["onset"].to_numpy(float),
            duration=table["duration"].to_numpy(float),
            description=table["trial_type"].astype(str).to_list(),
            orig_time=orig_time,
        )

    def to_bids_events(self, path: str | os.PathLike[str]) -> dict[str, Path]:
        """Write the scored events as a BIDS-style ``_events.tsv`` with its JSON sidecar.

        Parameters
        ----------
        path : path-like
            The ``.tsv`` file to write (e.g. ``sub-01_task-sleep_events.tsv``), or a
            folder (then ``<stem>_events.tsv`` inside it).

        Returns
        -------
        dict
            ``events`` (the TSV: ``onset``, ``duration``, ``trial_type`` and the
            project's columns, ``n/a`` for missing values) and ``sidecar`` (the JSON
            describing every column, its unit and the ``trial_type`` levels, from
            :mod:`plm.keys`) → written paths.
        """
        out = Path(path)
        if out.is_dir() or not out.suffix:
            out = output_file(out, self.stem, EVENTS_SUFFIX)
        sidecar = out.with_suffix(".json")
        table = self.events_frame()
        with atomic_write(out, "w", encoding="utf-8", newline="") as fh:
            table.to_csv(fh, sep="\t", index=False, na_rep="n/a", float_format="%.4f")
        with atomic_write(sidecar, "w", encoding="utf-8") as fh:
            json.dump(bids_sidecar(table.columns), fh, indent=2, ensure_ascii=False)
            fh.write("\n")
        return {"events": out, "sidecar": sidecar}

    @property
    def start(self) -> datetime | None:
        """Clock time of t = 0 (from the recording, kept in the summary), or None."""
        text = self.events.start_datetime or self.summary.get("start_datetime")
        if not text:
            return None
        try:
            return datetime.fromisoformat(str(text))
        except ValueError:
            logger.warning("%s: unreadable start_datetime %r", self.stem, text)
            return None


def bids_sidecar(columns: Any) -> dict[str, dict[str, Any]]:
    """The BIDS JSON sidecar of an events table: description and unit of every column.

    Descriptions and units come from the declarations of :mod:`plm.keys` (kind
    ``events``); units are written in the CMIXF-12 form BIDS asks for (``uV``, ``uV.s``).
    """
    out: dict[str, dict[str, Any]] = {}
    for col in columns:
        key = keys.get(col, "events")
        entry: dict[str, Any] = {"LongName": key.label, "Description": key.description}
        if key.unit:
            entry["Units"] = key.unit.replace("µ", "u").replace("·", ".")
        if col == "trial_type":
            entry["Levels"] = dict(TRIAL_TYPES)
        out[str(col)] = entry
    return out


def write_tsv(frame: pd.DataFrame, path: Path) -> None:
    """Write a table as TSV atomically: empty cells for missing values, 4-decimal floats."""
    with atomic_write(path, "w", encoding="utf-8", newline="") as fh:
        frame.to_csv(fh, sep="\t", index=False, na_rep="", float_format="%.4f")


def find_summaries(directory: str | os.PathLike[str]) -> list[Path]:
    """Summary files (``*_summary.json``) directly inside a directory, sorted."""
    return sorted(Path(directory).glob(f"*{SUMMARY_SUFFIX}"))


def _summary_path(p: Path, stem: str | None) -> Path:
    """The summary file named by a file or folder (and a stem), or InputError."""
    if p.is_dir():
        if stem is not None:
            summary_path = p / f"{stem}{SUMMARY_SUFFIX}"
        else:
            found = find_summaries(p)
            if not found:
                raise InputError(f"no *{SUMMARY_SUFFIX} in this folder", source=str(p))
            if len(found) > 1:
                names = ", ".join(f.name[: -len(SUMMARY_SUFFIX)] for f in found[:5])
                raise InputError(
                    f"{len(found)} results in this folder ({names}...); name one summary file",
                    source=str(p),
                )
            summary_path = found[0]
    else:
        summary_path = p
    if not summary_path.name.endswith(SUMMARY_SUFFIX):
        raise InputError(f"expected a *{SUMMARY_SUFFIX} file or a result folder", str(p))
    if not summary_path.is_file():
        raise InputError("result summary not found", source=str(summary_path))
    return summary_path


def _read_table(path: Path, kind: str) -> pd.DataFrame:
    """Read an output table with the types its columns are declared with (plm.keys).

    Flags become bool, counts int64 (``series``, empty when not periodic, nullable
    Int64), text columns str with ``""`` for an empty cell, everything else float.
    """
    if not path.is_file():
        raise InputError("result file missing", source=str(path))
    try:
        frame = pd.read_csv(path, sep="\t", keep_default_na=False, na_values=[""], dtype=object)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read table ({exc})", source=str(path)) from None
    for col in frame.columns:
        kind_of = keys.description(col, kind).split(":")[0]
        v = frame[col]
        try:
            if kind_of == "text":
                frame[col] = v.where(v.notna(), "").astype(str)
            elif kind_of == "flag":
                frame[col] = v.map(lambda x: str(x).strip().lower() in ("true", "1")).astype(bool)
            elif col == "series" or kind_of == "count or empty":
                frame[col] = pd.to_numeric(v).astype("Int64")
            elif kind_of == "flag or empty":
                frame[col] = v.map(
                    lambda x: pd.NA if pd.isna(x) else str(x).strip().lower() in ("true", "1")
                ).astype("boolean")
            elif kind_of == "count":
                frame[col] = pd.to_numeric(v).astype(np.int64)
            elif (kind, col) in keys.KEYS:
                frame[col] = pd.to_numeric(v).astype(float)
            else:  # a column of the user's movement table: numbers when they are
                num = pd.to_numeric(v, errors="coerce")
                ok = num.notna() | v.isna()
                frame[col] = num.astype(float) if ok.all() else v.where(v.notna(), "")
        except (TypeError, ValueError) as exc:
            raise InputError(f"column {col}: {exc}", source=str(path)) from None
    return frame


def _rules_from_summary(summary: dict[str, Any], source: Path) -> RuleProfile:
    """Rebuild the rule profile written into a summary."""
    raw = summary.get("rules")
    if not isinstance(raw, dict):
        logger.warning("%s: no rule profile in the summary; wasm2016 assumed", source)
        return get_rules("wasm2016")
    known = {f.name for f in dataclasses.fields(RuleProfile)}
    unknown = sorted(set(raw) - known)
    if unknown:
        logger.warning("%s: rule field(s) %s unknown to this version, ignored", source, unknown)
    try:
        return RuleProfile(**{k: v for k, v in raw.items() if k in known})
    except (TypeError, ValueError) as exc:
        raise InputError(f"rule profile not understood ({exc})", source=str(source)) from None


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
