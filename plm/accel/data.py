"""Ankle accelerometry in memory: :class:`AnkleSignal`, :class:`AccelData` and the grid.

Every reader (:mod:`plm.accel.io`, :mod:`plm.accel.cwa`) puts the samples of each ankle
on a uniform time grid (:func:`to_grid`; irregular time stamps are interpolated, holes
longer than :data:`MAX_HOLE_S` become gaps: no LM, no IMI and no time counted across
them) and checks that the median vector magnitude is about 1 g (:func:`check_gravity`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from plm._util import sha256_file
from plm.events import InputError, empty_intervals
from plm.io.edf.tal import _empty_annotations as empty_annotations  # the EDF+ annotation table

__all__ = ["AnkleSignal", "AccelData", "MAX_HOLE_S"]

#: Holes in the time stamps longer than this (s) are gaps, not resampled across.
MAX_HOLE_S = 1.0


@dataclass
class AnkleSignal:
    """Triaxial acceleration of one ankle on a uniform time grid.

    Attributes
    ----------
    side : str
        ``left`` or ``right``.
    xyz_g : ndarray of float32, shape (n, 3)
        Acceleration in g; sample ``i`` is at ``i / fs_hz`` s from the recording start.
        Samples inside gaps are NaN.
    fs_hz : float
        Sampling rate (Hz).
    labels : list of str
        Source channel or column labels.
    """

    side: str
    xyz_g: np.ndarray
    fs_hz: float
    labels: list[str] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        """Length of the grid (s)."""
        return self.xyz_g.shape[0] / self.fs_hz


@dataclass
class AccelData:
    """Ankle accelerometry of one recording (one or two ankles).

    Attributes
    ----------
    path : Path
        The (first) input file.
    ankles : dict
        ``left``/``right`` → :class:`AnkleSignal`.
    start_datetime : datetime or None
        Clock time of t = 0 (naive, local).
    duration_s : float
        Recording length (s).
    gaps : DataFrame
        ``onset``, ``duration`` (s), ``reason``: holes in the data (EDF+D gaps, missing
        samples).
    annotations : DataFrame
        ``onset``, ``duration``, ``description`` (EDF+ annotations; empty otherwise).
    format : str
        ``EDF``, ``CSV``, ``ActiGraph CSV`` or ``CWA``.
    warnings : list of str
        Problems that did not stop reading.
    sources : list of dict
        ``{file, sha256}`` of every input file.
    """

    path: Path
    ankles: dict[str, AnkleSignal]
    start_datetime: datetime | None
    duration_s: float
    gaps: pd.DataFrame = field(default_factory=lambda: empty_intervals(("reason",)))
    annotations: pd.DataFrame = field(default_factory=lambda: empty_annotations())
    format: str = ""
    warnings: list[str] = field(default_factory=list)
    sources: list[dict[str, str]] = field(default_factory=list)

    def segments(self, t0: float = 0.0, t1: float | None = None) -> np.ndarray:
        """Continuous stretches ``[start_s, end_s)`` inside ``[t0, t1)`` (gaps removed)."""
        t1 = self.duration_s if t1 is None else t1
        if t1 <= t0:
            return np.zeros((0, 2))
        g = self.gaps
        if len(g) == 0:
            return np.array([[t0, t1]])
        on = g["onset"].to_numpy(float)
        off = on + g["duration"].to_numpy(float)
        order = np.argsort(on)
        on, off = on[order], off[order]
        starts = np.concatenate(([t0], off))
        ends = np.concatenate((on, [t1]))
        starts = np.clip(starts, t0, t1)
        ends = np.clip(ends, t0, t1)
        keep = ends - starts > 1e-9
        return np.column_stack((starts[keep], ends[keep]))


def file_source(path: Path) -> dict[str, str]:
    """Provenance record of an input file: its name and SHA-256."""
    return {"file": path.name, "sha256": sha256_file(path)}


def gap_frame(onsets: Sequence[float], durations: Sequence[float], reason: str) -> pd.DataFrame:
    """Gap table (``onset``, ``duration`` in s, ``reason``) of holes in the data."""
    if len(onsets) == 0:
        return empty_intervals(("reason",))
    return pd.DataFrame(
        {
            "onset": np.asarray(onsets, float),
            "duration": np.asarray(durations, float),
            "reason": [reason] * len(onsets),
        }
    )


def to_grid(
    t_s: np.ndarray, xyz: np.ndarray, fs: float, source: str
) -> tuple[np.ndarray, pd.DataFrame]:
    """Resample samples at times ``t_s`` (s, from 0) onto ``i / fs``; holes become gaps.

    Returns the (n, 3) float32 grid (NaN inside gaps) and the gap table.
    """
    if t_s.size < 2:
        raise InputError("fewer than 2 accelerometer samples", source)
    order = np.argsort(t_s, kind="stable")
    t = t_s[order]
    x = xyz[order]
    if np.any(np.diff(t) <= 0):
        keep = np.concatenate(([True], np.diff(t) > 0))
        t, x = t[keep], x[keep]
    n = int(math.floor(t[-1] * fs + 0.05)) + 1  # tolerate time stamps 5 % of a sample early
    grid_t = np.arange(n) / fs
    out = np.empty((n, 3), dtype=np.float32)
    for k in range(3):  # loop per axis
        out[:, k] = np.interp(grid_t, t, x[:, k])
    hole = np.flatnonzero(np.diff(t) > max(MAX_HOLE_S, 5.0 / fs))
    gaps = gap_frame(t[hole], t[hole + 1] - t[hole], "accelerometer data missing")
    if hole.size:
        idx = np.searchsorted(grid_t, t[hole], side="right")
        idx_end = np.searchsorted(grid_t, t[hole + 1], side="left")
        for a, b in zip(idx, idx_end, strict=True):  # loop per gap
            out[a:b] = np.nan
    return out, gaps


def check_gravity(xyz: np.ndarray, source: str, label: str) -> None:
    """InputError when the median vector magnitude is not about 1 g (wrong units)."""
    finite = np.isfinite(xyz).all(axis=1)
    if not finite.any():
        raise InputError(f"{label}: no finite accelerometer samples", source)
    step = max(1, int(finite.sum() // 200_000))
    mag = np.linalg.norm(xyz[finite][::step].astype(np.float64), axis=1)
    med = float(np.median(mag))
    if not 0.5 <= med <= 2.0:
        raise InputError(
            f"{label}: median acceleration magnitude is {med:.3g} g, expected about 1 g "
            "(check the units: g, mg or m/s²)",
            source,
        )
