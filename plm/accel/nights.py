"""Score every night of ankle accelerometry (:func:`score_accel`).

Pipeline: :func:`~plm.accel.io.load_accel` → noon-to-noon night windows → time in bed
(diary, ``Lights off``/``Lights on`` annotations, HDCZA rest period, else the whole
window with a warning; :mod:`plm.accel.tib`) → :func:`~plm.accel.detect.detect_accel`
per ankle and continuous stretch → the unchanged engine (:func:`plm.api.score_night`)
with a standard's :class:`~plm.rules.RuleProfile` (``wasm2016`` by default: IMI 10-90 s,
at least 4 LMs; docs/scoring.md §6) → a multi-night summary.  Without a hypnogram the rates are
per hour of time in bed (``plm_index_tib``), never a PLMS index.

Reports (pages) are the application's: ``pipelines.accel_report``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from plm._util import atomic_write, make_output_dir, output_file
from plm.accel.data import AccelData
from plm.accel.detect import OUT_OF_BED, detect_accel_window
from plm.accel.io import load_accel
from plm.accel.rules import AccelRules
from plm.accel.tib import lights_from_annotations, night_windows, read_diary, rest_period
from plm.events import InputError, NightEvents, empty_intervals
from plm.results import to_jsonable, write_tsv
from plm.rules import RuleProfile, get_rules

__all__ = ["AccelNight", "AccelScore", "multinight_summary", "score_accel_data", "score_accel"]


@dataclass
class AccelNight:
    """One scored night of accelerometry.

    Attributes
    ----------
    index : int
        1-based night number.
    result : PLMResult
        Engine result; its summary carries ``modality='actigraphy'``, ``plm_index_tib``...
    posture_changes : DataFrame
        Posture changes detected inside the night window.
    window_s : (float, float)
        Noon-to-noon window (s from the start).
    tib_s : (float, float)
        Time in bed used as the analysis window.
    tib_source : str
        ``diary``, ``annotations``, ``detected`` (HDCZA), ``given`` or ``window``.
    out_of_bed : DataFrame
        ``onset``, ``duration`` (s), ``sides``: walking with getting up and lying down
        inside the time in bed (both ankles joined); left out of the scorable time.
    """

    index: int
    result: Any
    posture_changes: pd.DataFrame
    window_s: tuple[float, float]
    tib_s: tuple[float, float]
    tib_source: str
    out_of_bed: pd.DataFrame = field(default_factory=empty_intervals)


@dataclass
class AccelScore:
    """Every night of an accelerometry recording, and the multi-night summary."""

    stem: str
    nights: list[AccelNight]
    multinight: pd.DataFrame
    multinight_stats: dict[str, Any]
    data_info: dict[str, Any] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def results(self) -> list[Any]:
        """The per-night :class:`~plm.results.PLMResult` objects."""
        return [n.result for n in self.nights]

    def describe(self) -> str:
        """One line per night, for the command line."""
        lines = []
        for n in self.nights:
            s = n.result.summary
            idx = s.get("plm_index_tib")
            lines.append(
                f"{n.result.stem}: {s['n_lm']} LMs, {s['n_clm']} CLMs, {s['n_plm']} PLMs in "
                f"{s.get('tib_h') or 0:.2f} h in bed ({n.tib_source}"
                + (
                    f", {s['out_of_bed_h'] * 60:.1f} min out of bed"
                    if s.get("out_of_bed_h")
                    else ""
                )
                + "); PLM index (time in bed) "
                + (f"{idx:.1f}/h" if idx is not None else "n/a")
                + f" [{n.result.rules.name}, actigraphy]"
            )
        return "\n".join(lines)

    def to_dir(self, out_dir: str | os.PathLike[str]) -> dict[str, Path]:
        """Write every night's three files, the posture changes and the multi-night summary.

        Files per night ``<stem>_nightK``: ``_candidates.tsv``, ``_movements.tsv``,
        ``_summary.json`` (the output contract), ``_posture.tsv``, ``_out_of_bed.tsv``; and
        ``<stem>_multinight.tsv`` / ``<stem>_multinight.json``.  Report pages are written
        by the application (``pipelines.accel_report``).
        """
        out = make_output_dir(out_dir, [self.stem, *(n.result.stem for n in self.nights)])
        files: dict[str, Path] = {}
        for n in self.nights:
            paths = n.result.to_dir(out)
            for k, p in paths.items():
                files[f"{n.result.stem}_{k}"] = p
            pp = output_file(out, n.result.stem, "_posture.tsv")
            write_tsv(n.posture_changes, pp)
            files[f"{n.result.stem}_posture"] = pp
            po = output_file(out, n.result.stem, "_out_of_bed.tsv")
            write_tsv(n.out_of_bed, po)
            files[f"{n.result.stem}_out_of_bed"] = po
        tsv = output_file(out, self.stem, "_multinight.tsv")
        write_tsv(self.multinight, tsv)
        js = output_file(out, self.stem, "_multinight.json")
        payload = {
            "stem": self.stem,
            "modality": "actigraphy",
            "n_nights": len(self.nights),
            "nights": self.multinight.to_dict(orient="records"),
            "statistics": self.multinight_stats,
            **self.data_info,
        }
        with atomic_write(js, "w", encoding="utf-8") as fh:
            json.dump(to_jsonable(payload), fh, indent=2, ensure_ascii=False)
            fh.write("\n")
        files["multinight_tsv"], files["multinight_json"] = tsv, js
        self.files = files
        return files


def multinight_summary(nights: Sequence[AccelNight]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Per-night table and night-to-night statistics of the time-in-bed indices.

    Returns
    -------
    table : DataFrame
        One row per night: ``night``, ``date``, ``lights_off``, ``lights_on`` (ISO clock
        times when known), ``tib_h``, ``tib_source``, ``n_lm``, ``n_clm``, ``n_plm``,
        ``lm_index_tib``, ``clm_index_tib``, ``plm_index_tib``, ``periodicity_index``,
        ``n_posture_changes``, ``out_of_bed_h``.
    stats : dict
        For each index: ``mean``, ``sd`` (ddof = 1), ``cv`` (SD / mean),
        ``min``, ``max``, ``mean_abs_successive_diff`` (night-to-night variability);
        ``null`` where undefined (fewer than 2 nights, zero mean).
    """
    rows = []
    for n in nights:
        s = n.result.summary
        rows.append(
            {
                "night": n.index,
                "date": s.get("night_date"),
                "lights_off": s.get("lights_off_clock"),
                "lights_on": s.get("lights_on_clock"),
                "tib_h": s.get("tib_h"),
                "tib_source": n.tib_source,
                "n_lm": s.get("n_lm"),
                "n_clm": s.get("n_clm"),
                "n_plm": s.get("n_plm"),
                "lm_index_tib": s.get("lm_index_tib"),
                "clm_index_tib": s.get("clm_index_tib"),
                "plm_index_tib": s.get("plm_index_tib"),
                "periodicity_index": s.get("periodicity_index_rec"),
                "n_posture_changes": s.get("n_posture_changes"),
                "out_of_bed_h": s.get("out_of_bed_h"),
            }
        )
    cols = [
        "night",
        "date",
        "lights_off",
        "lights_on",
        "tib_h",
        "tib_source",
        "n_lm",
        "n_clm",
        "n_plm",
        "lm_index_tib",
        "clm_index_tib",
        "plm_index_tib",
        "periodicity_index",
        "n_posture_changes",
        "out_of_bed_h",
    ]
    table = pd.DataFrame(rows, columns=cols)
    stats: dict[str, Any] = {}
    for key in ("plm_index_tib", "clm_index_tib", "lm_index_tib"):
        v = pd.to_numeric(table[key], errors="coerce").dropna().to_numpy(float)
        st: dict[str, Any] = {"n": int(v.size)}
        st["mean"] = float(v.mean()) if v.size else None
        st["sd"] = float(v.std(ddof=1)) if v.size > 1 else None
        st["cv"] = st["sd"] / st["mean"] if st["sd"] is not None and st["mean"] else None
        st["min"] = float(v.min()) if v.size else None
        st["max"] = float(v.max()) if v.size else None
        st["mean_abs_successive_diff"] = float(np.abs(np.diff(v)).mean()) if v.size > 1 else None
        stats[key] = st
    return table, stats


def _out_of_bed(unscorable: pd.DataFrame, tib: tuple[float, float]) -> pd.DataFrame:
    """Out-of-bed episodes inside the time in bed, both ankles joined (``sides``).

    Stretches reaching lights off or lights on (getting into bed, getting up) are the
    edges of the time in bed, not episodes; like every out-of-bed stretch they are gaps
    to the engine.
    """
    cols = ["onset", "duration", "sides"]
    if not len(unscorable):
        return pd.DataFrame(columns=cols)
    rows = unscorable[unscorable["reason"].astype(str).str.startswith(OUT_OF_BED)]
    if not len(rows):
        return pd.DataFrame(columns=cols)
    on = rows["onset"].to_numpy(float)
    off = on + rows["duration"].to_numpy(float)
    side = rows["reason"].astype(str).str.extract(r"\((\w+)\)")[0].fillna("").to_numpy()
    order = np.argsort(on, kind="stable")
    out: list[list[Any]] = []
    for a, b, sd in zip(on[order], off[order], side[order], strict=True):  # loop per row
        if b <= a:
            continue
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
            out[-1][2].add(sd)
        else:
            out.append([a, b, {sd}])
    # getting into bed at lights off and out at lights on are the time in bed's edges
    inside = [r for r in out if r[0] > tib[0] and r[1] < tib[1]]
    return pd.DataFrame(
        [(a, b - a, ",".join(sorted(x for x in sd if x))) for a, b, sd in inside], columns=cols
    )


def _clock(start: datetime | None, t: float) -> str | None:
    return (start + timedelta(seconds=float(t))).isoformat(timespec="seconds") if start else None


def score_accel_data(
    data: AccelData,
    rules: str | RuleProfile = "wasm2016",
    *,
    accel_rules: AccelRules | None = None,
    age_group: str = "adult",
    diary: str | os.PathLike[str] | pd.DataFrame | None = None,
    lights: tuple[float, float] | None = None,
    stem: str | None = None,
    **overrides: Any,
) -> AccelScore:
    """Detect and score every night of loaded accelerometry (see :func:`score_accel`)."""
    from plm._util import stem_of
    from plm.night import score_night

    profile = get_rules(rules, **overrides)
    ar = accel_rules or AccelRules()
    stem = stem or stem_of(data.path)
    source = str(data.path)
    diary_df = read_diary(diary) if isinstance(diary, (str, os.PathLike)) else diary
    if diary_df is not None and data.start_datetime is None:
        raise InputError("a diary needs the recording's start date/time (none in the file)", source)
    if lights is not None:
        if not 0 <= lights[0] < lights[1]:
            raise InputError(f"lights off/on {lights} s: need 0 <= off < on", source)
        windows = [(max(0.0, lights[0] - 3600.0), min(data.duration_s, lights[1] + 3600.0))]
    else:
        windows = night_windows(data, ar)
    if not windows:
        raise InputError("no night with enough accelerometer data", source)
    nights: list[AccelNight] = []
    for a, b in windows:  # loop per night
        warnings = list(data.warnings)
        tib: tuple[float, float] | None = None
        how = "given"
        if lights is not None:
            tib = (float(lights[0]), float(min(lights[1], data.duration_s)))
        if tib is None and diary_df is not None and len(diary_df):
            st = data.start_datetime
            offs = np.array([(x - st).total_seconds() for x in diary_df["lights_off"]])
            ons = np.array([(x - st).total_seconds() for x in diary_df["lights_on"]])
            hit = np.flatnonzero((offs >= a) & (offs < b))
            if hit.size:
                tib = (max(float(offs[hit[0]]), 0.0), min(float(ons[hit[0]]), data.duration_s))
                how = "diary"
        if tib is None:
            tib = lights_from_annotations(data.annotations, a, b)
            how = "annotations"
        if tib is None:
            tib = rest_period(data, a, b, ar)
            how = "detected"
        if tib is None:
            tib = (a, b)
            how = "window"
            warnings.append(
                "time in bed unknown (no diary, no lights annotations, no rest period "
                "found): the whole night window is used"
            )
        if tib[1] - tib[0] <= 0:
            warnings.append("time in bed outside the recording: night skipped")
            continue
        movements, posture, unscorable = detect_accel_window(data, tib[0], tib[1], ar)
        gaps = [g for g in (data.gaps, unscorable) if len(g)]
        events = NightEvents(
            movements=movements,
            hypnogram=None,
            lights_off_s=tib[0],
            lights_on_s=tib[1],
            recording_duration_s=data.duration_s,
            gaps=pd.concat(gaps, ignore_index=True) if gaps else empty_intervals(("reason",)),
            sources=list(data.sources),
            warnings=warnings,
            start_datetime=data.start_datetime.isoformat() if data.start_datetime else None,
        )
        if len(data.ankles) == 1:
            events.warnings.append(
                f"one ankle only ({next(iter(data.ankles))}): bilateral rules cannot apply and "
                "movements of the other leg are not seen"
            )
        k = len(nights) + 1
        res = score_night(events, profile, age_group=age_group, stem=f"{stem}_night{k}")
        s = res.summary
        tib_h = s["scorable_h"]
        s["modality"] = "actigraphy"
        s["tib_h"] = (tib[1] - tib[0]) / 3600.0
        s["tib_scorable_h"] = tib_h
        s["tib_source"] = how
        s["lights_off_s"], s["lights_on_s"] = tib
        s["lights_off_clock"] = _clock(data.start_datetime, tib[0])
        s["lights_on_clock"] = _clock(data.start_datetime, tib[1])
        night_start = _clock(data.start_datetime, tib[0])
        s["night_date"] = (
            (data.start_datetime + timedelta(seconds=tib[0] - ar.night_split_hour * 3600.0))
            .date()
            .isoformat()
            if data.start_datetime
            else None
        )
        s["night_start"] = night_start
        for key in ("lm", "clm", "plm"):
            n_key = f"n_{key}"
            s[f"{key}_index_tib"] = s[n_key] / tib_h if tib_h > 0 else None
        s["plms_index"] = None
        s["index_note"] = (
            "actigraphy without a hypnogram: rates are per hour of time in bed "
            "(plm_index_tib), not per hour of sleep; not a PLMS index"
        )
        s["accel_rules"] = ar.to_dict()
        s["accel_format"] = data.format
        s["accel_fs_hz"] = {sd: ank.fs_hz for sd, ank in data.ankles.items()}
        s["channels"] = {sd: ", ".join(ank.labels) for sd, ank in data.ankles.items()}
        s["bilateral_rules_applicable"] = len(data.ankles) == 2
        s["n_posture_changes"] = int(len(posture))
        oob = _out_of_bed(unscorable, tib)
        s["out_of_bed_h"] = float(oob["duration"].sum()) / 3600.0
        s["n_out_of_bed"] = int(len(oob))
        s["accel_noise_g"] = movements.attrs.get("noise_g", {})
        s["night"] = k
        nights.append(AccelNight(k, res, posture, (a, b), tib, how, oob))
    table, stats = multinight_summary(nights)
    return AccelScore(
        stem=stem,
        nights=nights,
        multinight=table,
        multinight_stats=stats,
        data_info={
            "rules": profile.to_dict(),
            "accel_rules": ar.to_dict(),
            "inputs": list(data.sources),
            "start_datetime": data.start_datetime.isoformat() if data.start_datetime else None,
            "recording_h": data.duration_s / 3600.0,
        },
    )


def score_accel(
    path: str | os.PathLike[str],
    right: str | os.PathLike[str] | None = None,
    *,
    rules: str | RuleProfile = "wasm2016",
    accel_rules: AccelRules | None = None,
    age_group: str = "adult",
    side: str | None = None,
    units: str | None = None,
    fs_hz: float | None = None,
    diary: str | os.PathLike[str] | None = None,
    lights: tuple[float, float] | None = None,
    out_dir: str | os.PathLike[str] | None = None,
    stem: str | None = None,
    **overrides: Any,
) -> AccelScore:
    """Score periodic leg movements in ankle accelerometry, night by night.

    Pipeline: :func:`load_accel` → noon-to-noon night windows → time in bed (diary,
    annotations, HDCZA rest period) → :func:`detect_accel` per ankle → the engine
    (:func:`plm.api.score_night`, the standard's series rules) → summary with
    ``modality='actigraphy'``, ``plm_index_tib``, ``clm_index_tib``, ``lm_index_tib``
    (per hour of scorable time in bed; ``plms_index`` stays null) → multi-night summary.

    Parameters
    ----------
    path : path-like
        EDF/BDF, CSV or Axivity ``.cwa`` file (left ankle when ``right`` is given).
    right : path-like, optional
        Right-ankle file (one device per ankle).
    rules : str or RuleProfile
        Series rules (default ``wasm2016``: IMI 10-90 s, >= 4 LMs; docs/scoring.md §6).
    accel_rules : AccelRules, optional
        Detection parameters.
    age_group : {'adult', 'child'}
        Passed to the metrics.
    side : {'left', 'right'}, optional
        Side of a single-ankle file.
    units, fs_hz : optional
        CSV unit and sampling rate (see :func:`load_accel`).
    diary : path-like, optional
        Sleep diary CSV (``date,lights_off,lights_on``).
    lights : (float, float), optional
        Lights off/on in s from the start (a single night).
    out_dir : path-like, optional
        Write the outputs there (:meth:`AccelScore.to_dir`; report pages are the
        application's, ``pipelines.accel_report``).
    stem : str, optional
        Output stem (default: the file name without extension).
    **overrides
        Rule-profile overrides (e.g. ``imi_min_s=5``).

    Returns
    -------
    AccelScore
    """
    data = load_accel(path, right, side=side, units=units, fs_hz=fs_hz)
    res = score_accel_data(
        data,
        rules,
        accel_rules=accel_rules,
        age_group=age_group,
        diary=diary,
        lights=lights,
        stem=stem,
        **overrides,
    )
    if out_dir is not None:
        res.to_dir(out_dir)
    return res
