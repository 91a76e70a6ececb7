"""Read ankle accelerometry from EDF/BDF, CSV or Axivity CWA files (:func:`load_accel`).

* **EDF/EDF+/BDF**: three channels per ankle whose labels name an axis (X/Y/Z) and the
  ankle (``L Ankle X``, ``Left ankle acc Y``, ``Acc R Z``, ``RAnkleX``...): see
  :func:`plm.accel.channels.find_accel_channels`.  Units ``g``, ``mg`` or ``m/s²``
  (converted to g).  EDF+D gaps and ``Lights off``/``Lights on`` annotations are kept.
* **CSV**: a time column (ISO date-time, or seconds) and ``x, y, z`` columns, one file per
  ankle, or columns per ankle (``left_x, left_y, left_z, right_x, ...``); ActiGraph
  ActiLife "RAW" CSV exports (10-line header, ``Accelerometer X`` columns) are
  recognised.  Units from the column names (``x_g``, ``x_mg``, ``x_ms2``) or from the
  median vector magnitude (≈ 1 → g, ≈ 9.81 → m/s², ≈ 1000 → mg).
* **Axivity .cwa** (AX3/AX6): :func:`plm.accel.cwa.read_cwa`.  One file per device.

Irregular time stamps are resampled onto a uniform grid; holes longer than
:data:`plm.accel.data.MAX_HOLE_S` are gaps.  :func:`is_accelerometry` tells an
accelerometry file from a leg-EMG recording.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from plm.accel.channels import G, find_accel_channels, g_per_unit
from plm.accel.cwa import read_cwa
from plm.accel.data import (
    AccelData,
    AnkleSignal,
    check_gravity,
    empty_annotations,
    file_source,
    gap_frame,
    to_grid,
)
from plm.events import InputError, empty_intervals
from plm.io import edf
from plm.io.channels import find_leg_channels

__all__ = ["load_accel", "is_accelerometry"]


def _read_edf_accel(path: Path, side: str | None) -> AccelData:
    header = edf.read_header(path)
    source = str(path)
    sigs = header.signals
    groups = find_accel_channels(
        [s.label for s in sigs],
        [("uV" if s.is_annotation else s.physical_dimension) for s in sigs],
    )
    groups = {k: v for k, v in groups.items() if not any(sigs[i].is_annotation for i in v.values())}
    if not groups:
        raise InputError(
            "no ankle accelerometer channels (x, y, z per ankle) found; labels: "
            + ", ".join(repr(s.label) for s in header.data_signals),
            source,
        )
    warnings: list[str] = []
    ankles: dict[str, AnkleSignal] = {}
    segs = edf.segments(header)
    duration = float(segs[-1, 1]) if len(segs) else 0.0
    for grp_side, idx in groups.items():
        s_name = grp_side or side or "left"
        if grp_side is None and side is None:
            warnings.append("ankle side not named in the channel labels: assumed left")
        rates = {sigs[i].fs_hz for i in idx.values()}
        if len(rates) != 1:
            raise InputError(f"{s_name} ankle axes have different sampling rates {rates}", source)
        fs = rates.pop()
        xyz = np.empty((int(round(duration * fs)), 3), dtype=np.float32)
        labels = []
        for k, ax in enumerate("xyz"):  # loop per axis
            sig = sigs[idx[ax]]
            unit = sig.physical_dimension
            factor = g_per_unit(unit)
            if factor is None:
                factor = 1.0
                msg = f"channel {sig.label!r}: unit {unit!r} not an acceleration; read as g"
                if msg not in warnings:
                    warnings.append(msg)
            data = edf.read_signal(header, sig.index)
            slices = edf.sample_segments(header, sig.index)
            xyz[:, k] = edf.on_time_axis(data, fs, slices, duration) * np.float32(factor)
            labels.append(sig.label)
        check_gravity(xyz, source, f"{s_name} ankle ({', '.join(labels)})")
        ankles[s_name] = AnkleSignal(s_name, xyz, float(fs), labels)
    gaps = []
    for (_a0, a1), (b0, _) in zip(segs[:-1], segs[1:], strict=True):
        gaps.append((a1, b0 - a1))
    if len(segs) and segs[0, 0] > 0:
        gaps.insert(0, (0.0, float(segs[0, 0])))
    gap_df = gap_frame([g[0] for g in gaps], [g[1] for g in gaps], "recording gap (EDF+D)")
    ann = edf.read_annotations(header) if header.annotation_indices else empty_annotations()
    return AccelData(
        path=path,
        ankles=ankles,
        start_datetime=header.start_datetime,
        duration_s=duration,
        gaps=gap_df,
        annotations=ann,
        format="EDF",
        warnings=warnings,
        sources=[file_source(path)],
    )


_TIME_COLUMNS = (
    "timestamp",
    "time",
    "datetime",
    "date_time",
    "t",
    "seconds",
    "time_s",
    "sec",
    "secs",
    "elapsed",
    "elapsed_s",
    "time_sec",
    "timestamp_s",
    "unix_time",
    "epoch",
)
_ACTIGRAPH_HEAD = "------------ data file created by actigraph"


def _sniff_sep(line: str) -> str:
    counts = {sep: line.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=lambda k: counts[k]) if max(counts.values()) else ","


def _column_unit(name: str) -> float | None:
    low = name.lower()
    m = re.search(r"\(([^)]*)\)|\[([^\]]*)\]", low)
    if m:
        unit = g_per_unit(m.group(1) or m.group(2) or "")
        if unit is not None:
            return unit
    words = re.split(r"[^0-9a-z]+", low)
    if "mg" in words:
        return 1e-3
    if "ms2" in words or "mps2" in words or ("m" in words and "s2" in words):
        return 1.0 / G
    if "g" in words:
        return 1.0
    return None


def _strip_unit(name: str) -> str:
    text = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", name)
    words = [w for w in re.split(r"[^0-9A-Za-z]+", text) if w]
    words = [w for w in words if w.lower() not in ("g", "mg", "ms2", "mps2", "s2", "m")]
    return " ".join(words)


def _parse_clock_or_date(values: pd.Series, source: str) -> pd.Series:
    try:
        return pd.to_datetime(values, format="ISO8601")
    except (ValueError, TypeError):
        pass
    try:
        return pd.to_datetime(values, format="mixed")
    except (ValueError, TypeError) as exc:
        raise InputError(f"cannot parse the time column ({exc})", source) from None


def _read_csv_accel(
    path: Path, side: str | None, units: str | None, fs_hz: float | None
) -> AccelData:
    source = str(path)
    with open(path, encoding="utf-8-sig", errors="replace") as fh:
        head = [fh.readline() for _ in range(12)]
    warnings: list[str] = []
    start: datetime | None = None
    fmt = "CSV"
    skip = 0
    rate = fs_hz
    if head[0].strip().lower().startswith(_ACTIGRAPH_HEAD):
        fmt = "ActiGraph CSV"
        skip = 10
        text = " ".join(head[:10])
        m = re.search(r"at\s+(\d+(?:\.\d+)?)\s*hz", text, re.I)
        rate = rate or (float(m.group(1)) if m else None)
        dfmt = re.search(r"date format\s+(\S+)", text, re.I)
        st = re.search(r"start time\s+(\d{1,2}:\d{2}(?::\d{2})?)", text, re.I)
        sd = re.search(r"start date\s+(\S+)", text, re.I)
        if st and sd:
            order = (dfmt.group(1) if dfmt else "M/d/yyyy").lower()
            parts = re.split(r"[/.-]", sd.group(1))
            keys = re.split(r"[/.-]", order)
            try:
                vals = {k[0]: int(p) for k, p in zip(keys, parts, strict=True)}
                hh, mm, *ss = (int(v) for v in st.group(1).split(":"))
                start = datetime(vals["y"], vals["m"], vals["d"], hh, mm, ss[0] if ss else 0)
            except (KeyError, ValueError):
                warnings.append("could not parse the ActiGraph start date/time")
    sep = _sniff_sep(head[skip] if len(head) > skip else head[0])
    try:
        df = pd.read_csv(path, sep=sep, skiprows=skip, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"cannot read as CSV ({exc})", source) from None
    if df.empty:
        raise InputError("CSV file has no rows", source)
    names = [str(c) for c in df.columns]
    groups = find_accel_channels([_strip_unit(n) for n in names])
    if not groups:
        raise InputError(
            "no x, y, z acceleration columns found; columns: " + ", ".join(names), source
        )
    # time axis
    norm = {re.sub(r"[^0-9a-z]+", "_", n.lower()).strip("_"): n for n in names}
    tcol = next((norm[c] for c in _TIME_COLUMNS if c in norm), None)
    if tcol is None and fmt == "CSV" and "date" in norm:
        tcol = norm["date"]
    n_rows = len(df)
    if tcol is not None:
        col = df[tcol]
        if pd.api.types.is_numeric_dtype(col):
            t = col.to_numpy(float)
            if np.nanmedian(t) > 1e8:  # Unix time stamps (s since 1970, UTC)
                start = datetime.fromtimestamp(float(t[0]), tz=timezone.utc).replace(tzinfo=None)
            t = t - t[0]
        else:
            ts = _parse_clock_or_date(col.astype(str), source)
            if getattr(ts.dt, "tz", None) is not None:
                ts = ts.dt.tz_localize(None)
            start = ts.iloc[0].to_pydatetime()
            t = (ts - ts.iloc[0]).dt.total_seconds().to_numpy(float)
        if not np.isfinite(t).all():
            raise InputError(f"time column {tcol!r} has empty or invalid values", source)
        d = np.diff(t)
        d = d[d > 0]
        if d.size == 0:
            raise InputError(f"time column {tcol!r} does not increase", source)
        fs = rate or float(1.0 / np.median(d))
        if rate is None:
            fs = float(np.round(fs, 2))
    else:
        if not rate:
            raise InputError(
                "no time column (timestamp/time/seconds) and no sampling rate given", source
            )
        fs = float(rate)
        t = np.arange(n_rows) / fs
    ankles: dict[str, AnkleSignal] = {}
    gaps_all = []
    for grp_side, idx in groups.items():
        s_name = grp_side or side or "left"
        if grp_side is None and side is None:
            warnings.append("ankle side not named in the columns: assumed left")
        cols = [names[idx[a]] for a in "xyz"]
        xyz = np.array(df[cols].apply(pd.to_numeric, errors="coerce"), dtype=np.float64)
        unit = g_per_unit(units) if units else _column_unit(cols[0])
        if units and unit is None:
            raise InputError(f"unknown acceleration unit {units!r} (g, mg, m/s2)", source)
        if unit is None:
            finite = np.isfinite(xyz).all(axis=1)
            med = (
                float(
                    np.median(
                        np.linalg.norm(xyz[finite][:: max(1, finite.sum() // 50_000)], axis=1)
                    )
                )
                if finite.any()
                else 1.0
            )
            unit = 1.0 if med < 3 else (1.0 / G if med < 50 else 1e-3)
            if unit != 1.0:
                name = "m/s²" if unit > 0.05 else "mg"
                warnings.append(f"{s_name} ankle: unit taken as {name} from the magnitude")
        xyz *= unit
        bad = ~np.isfinite(xyz).all(axis=1)
        grid, gaps = to_grid(t[~bad], xyz[~bad], fs, source)
        check_gravity(grid, source, f"{s_name} ankle ({', '.join(cols)})")
        ankles[s_name] = AnkleSignal(s_name, grid, fs, cols)
        gaps_all.append(gaps)
    gaps = (
        pd.concat([g for g in gaps_all if len(g)], ignore_index=True)
        if any(len(g) for g in gaps_all)
        else empty_intervals(("reason",))
    )
    if len(gaps):
        gaps = gaps.drop_duplicates(["onset", "duration"]).reset_index(drop=True)
    duration = max(a.duration_s for a in ankles.values())
    return AccelData(
        path=path,
        ankles=ankles,
        start_datetime=start,
        duration_s=duration,
        gaps=gaps,
        format=fmt,
        warnings=warnings,
        sources=[file_source(path)],
    )


def _read_cwa_accel(path: Path, side: str | None) -> AccelData:
    grid, fs, start, gaps, info = read_cwa(path)
    source = str(path)
    warnings = []
    if info["n_bad_blocks"]:
        warnings.append(f"{info['n_bad_blocks']} CWA block(s) failed the checksum and were dropped")
    if side is None:
        warnings.append("ankle side of the CWA device not given: assumed left")
    s_name = side or "left"
    check_gravity(grid, source, f"{s_name} ankle (CWA device {info['device_id']})")
    return AccelData(
        path=path,
        ankles={s_name: AnkleSignal(s_name, grid, fs, [f"CWA {info['device_id']} x/y/z"])},
        start_datetime=start,
        duration_s=grid.shape[0] / fs,
        gaps=gaps,
        format="CWA",
        warnings=warnings,
        sources=[file_source(path)],
    )


def _read_one(path: Path, side: str | None, units: str | None, fs_hz: float | None) -> AccelData:
    if not path.is_file():
        raise InputError("no such file", str(path))
    suffix = path.suffix.lower()
    if suffix in (".edf", ".bdf", ".rec"):
        return _read_edf_accel(path, side)
    if suffix == ".cwa":
        return _read_cwa_accel(path, side)
    if suffix in (".csv", ".txt", ".tsv", ".gz"):
        return _read_csv_accel(path, side, units, fs_hz)
    raise InputError(
        f"unknown accelerometry format {suffix!r} (EDF/BDF, CSV or Axivity .cwa)", str(path)
    )


def load_accel(
    path: str | os.PathLike[str],
    right: str | os.PathLike[str] | None = None,
    *,
    side: str | None = None,
    units: str | None = None,
    fs_hz: float | None = None,
) -> AccelData:
    """Read ankle accelerometry from EDF/BDF, CSV or Axivity CWA.

    Parameters
    ----------
    path : path-like
        A file holding one or both ankles.  With ``right`` given, the left ankle.
    right : path-like, optional
        A second file holding the right ankle (one device per ankle).
    side : {'left', 'right'}, optional
        Side of a single-ankle file whose labels do not name it (default: left, with a
        warning).
    units : str, optional
        Force the CSV unit (``g``, ``mg``, ``m/s2``).
    fs_hz : float, optional
        Sampling rate of a CSV without a time column.

    Returns
    -------
    AccelData

    Raises
    ------
    InputError
        Unreadable file, no x/y/z channels, magnitude not about 1 g, clashing sides.
    """
    if side is not None and side not in ("left", "right"):
        raise InputError(f"side must be 'left' or 'right', got {side!r}")
    first = _read_one(Path(path), "left" if right is not None else side, units, fs_hz)
    if right is None:
        return first
    second = _read_one(Path(right), "right", units, fs_hz)
    if "right" in first.ankles or "left" in second.ankles:
        raise InputError(
            "with two files, the first must hold the left ankle and the second the right",
            str(path),
        )
    offset = 0.0
    if first.start_datetime and second.start_datetime:
        offset = (second.start_datetime - first.start_datetime).total_seconds()
    elif first.start_datetime or second.start_datetime:
        first.warnings.append("only one file has a start time: the files are aligned at t = 0")
    if abs(offset) > 1e-6:
        # shift the right ankle onto the left file's time base
        r = second.ankles["right"]
        k = int(round(offset * r.fs_hz))
        if k >= 0:
            pad = np.full((k, 3), np.nan, dtype=np.float32)
            r.xyz_g = np.concatenate((pad, r.xyz_g))
            g = second.gaps.copy()
            g["onset"] = g["onset"] + offset
            gaps_r = pd.concat([gap_frame([0.0], [offset], "right ankle not recording"), g])
        else:
            r.xyz_g = r.xyz_g[-k:]
            g = second.gaps.copy()
            g["onset"] = g["onset"] + offset
            gaps_r = g[g["onset"] + g["duration"] > 0]
        second.gaps = gaps_r
    first.ankles["right"] = second.ankles["right"]
    first.duration_s = max(a.duration_s for a in first.ankles.values())
    gaps = [g for g in (first.gaps, second.gaps) if len(g)]
    if gaps:
        first.gaps = pd.concat(gaps, ignore_index=True)
    first.warnings.extend(second.warnings)
    first.sources.extend(second.sources)
    return first


def header_is_accelerometry(header: edf.EdfHeader) -> bool:
    """True when an EDF/BDF header has ankle accelerometer channels and no leg EMG.

    Leg EMG is a voltage channel found by :func:`plm.io.channels.find_leg_channels` that is
    not one of the accelerometer axes.
    """
    sigs = header.signals
    groups = find_accel_channels(
        [s.label for s in sigs],
        [("uV" if s.is_annotation else s.physical_dimension) for s in sigs],
    )
    if not groups:
        return False
    accel_idx = {i for g in groups.values() for i in g.values()}
    try:
        legs = find_leg_channels(header)
    except InputError:
        return True
    return not any(
        ref.index not in accel_idx and sigs[ref.index].is_voltage for ref in legs.refs.values()
    )


def is_accelerometry(path: str | os.PathLike[str]) -> bool:
    """True when a file is ankle accelerometry this module can score.

    * ``.cwa``: an Axivity CWA header;
    * ``.csv``/``.txt``: an ActiGraph RAW CSV header, or x/y/z acceleration columns in the
      header line;
    * ``.edf``/``.bdf``: ankle accelerometer channels (x, y, z) and no leg EMG channel
      (a voltage channel found by :func:`plm.io.channels.find_leg_channels`).

    Never raises for an unreadable file: returns False (the EMG path reports the error).
    """
    p = Path(path)
    suffix = p.suffix.lower()
    try:
        if suffix == ".cwa":
            with open(p, "rb") as fh:
                return fh.read(2) == b"MD"
        if suffix in (".csv", ".txt", ".tsv"):
            with open(p, encoding="utf-8-sig", errors="replace") as fh:
                head = [fh.readline() for _ in range(11)]
            if head[0].strip().lower().startswith(_ACTIGRAPH_HEAD):
                return True
            names = [n.strip().strip('"') for n in head[0].strip().split(_sniff_sep(head[0]))]
            return bool(find_accel_channels([_strip_unit(n) for n in names]))
        if suffix in (".edf", ".bdf", ".rec"):
            return header_is_accelerometry(edf.read_header(p))
    except (OSError, InputError, ValueError):
        return False
    return False
