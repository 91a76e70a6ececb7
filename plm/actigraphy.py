"""Ankle actigraphy: read triaxial accelerometry, detect leg movements, score nights.

Leg movements (LMs) are detected in ankle (or foot) accelerometry with the same structure
as the EMG detector (:mod:`plm.detect`): conditioning → adaptive resting level → onset /
offset with a minimum duration; the series rules are then applied by the unchanged engine
(:func:`plm.api.score_night`) with a standard's :class:`~plm.rules.RuleProfile`
(``wasm2016`` by default: IMI 10-90 s, at least 4 LMs; spec §3.5).  Without a hypnogram
the rates are per hour of time in bed (``plm_index_tib``), never a PLMS index.

Reading (:func:`load_accel`)
----------------------------
* **EDF/EDF+/BDF**: three channels per ankle whose labels name an axis (X/Y/Z) and the
  ankle (``L Ankle X``, ``Left ankle acc Y``, ``Acc R Z``, ``RAnkleX``...): see
  :func:`find_accel_channels`.  Units ``g``, ``mg`` or ``m/s²`` (converted to g).
* **CSV**: a time column (ISO date-time, or seconds) and ``x, y, z`` columns, one file per
  ankle, or columns per ankle (``left_x, left_y, left_z, right_x, ...``); ActiGraph
  ActiLife "RAW" CSV exports (10-line header, ``Accelerometer X`` columns) are
  recognised.  Units from the column names (``x_g``, ``x_mg``, ``x_ms2``) or from the
  median vector magnitude (≈ 1 → g, ≈ 9.81 → m/s², ≈ 1000 → mg).
* **Axivity .cwa** (AX3/AX6): a small numpy reader of the open CWA format (1024-byte
  header, 512-byte data blocks, packed or unpacked samples, fractional timestamps,
  checksums), :func:`read_cwa`.  One file per device (ankle).
Irregular time stamps are resampled onto a uniform grid; holes longer than
``MAX_HOLE_S`` are gaps (``gaps``: no LM, no IMI and no time counted across them).

Detection (:func:`detect_accel`, spec §3.2 structure)
-----------------------------------------------------
1. **Gravity / posture reference.**  Per axis, the running median of the 0.1-s block
   means over the ``gravity_window_s`` (20 s) *before* each instant (``M_b``) and over
   the 20 s *after* it (``M_a``).  An LM lasts at most 10 s, so it never holds the
   median; a posture change (a step of the gravity direction) is followed by ``M_a``
   at once and by ``M_b`` once it is passed.
2. **Movement signal** ``s = min(|a - M_b|, |a - M_a|)`` (g, vector norm): the departure
   from the resting orientation *and* the dynamic acceleration, with gravity removed.
   Unlike a linear high-pass it does not decay during a held movement (a 5-s held
   dorsiflexion keeps its full value instead of fading with the filter's time constant)
   and it does not ring after a posture change: after a step, ``|a - M_a|`` is at the
   noise level as soon as the new position is held, so only the turn itself shows.
   ``gravity_method='highpass'`` uses a linear Butterworth high-pass at ``highpass_hz``
   per axis instead (for comparison).
3. **Envelope** ``e`` = moving mean of ``s`` over ``envelope_s`` (0.1 s, as for EMG).
4. **Resting level** ``b``: the EMG detector's scheme in g: a floor = morphological
   opening (30 s) of the 0.5-s-smoothed block means; resting blocks = within
   ``onset_above_rest_g`` of the floor; ``b`` = their masked moving mean over 60 s.
   ``b`` above ``unscorable_rest_g`` is unscorable (e.g. vibration, walking).
5. **Onset** at ``e > b + onset_above_rest_g``; **offset** at the start of the first
   ``offset_quiet_s`` (0.5 s) with ``e <= b + offset_above_rest_g``; LMs shorter than
   ``lm_min_s`` (0.5 s) are dropped (spec §3.2).  Maximum durations, same-leg merging and
   bilateral rules are the engine's (spec §3.3).
6. **Posture changes are not LMs**: an event after which the gravity direction differs
   from the one before it (``M_b`` at the onset vs ``M_a`` at the offset) by more than
   ``posture_change_deg`` (30°) is a change of position (turning over), reported in
   ``posture_changes`` and left out of the LMs.  An LM returns the leg to about where it
   was.

Parameters (:class:`AccelRules`; all in g, s, Hz or degrees)
-------------------------------------------------------------
No scoring standard defines leg-movement thresholds for accelerometry (the PAM-RL
algorithm is proprietary), so the amplitudes are project choices, stated as such:

=========================  =======  ====================================================
parameter                  default  source / reason
=========================  =======  ====================================================
``gravity_window_s``       20.0     > 2 × the 10-s longest LM (spec §3.3): an LM never
                                    holds the running median
``gravity_method``         median   see step 2; ``highpass`` for the linear filter
``highpass_hz``            0.25     only for ``gravity_method='highpass'`` (0.25-0.5 Hz
                                    are usual for removing gravity)
``envelope_s``             0.1      as the EMG envelope (``RuleProfile.envelope_s``)
``baseline_floor_s``       30.0     as the EMG floor (``unscorable_min_s``)
``baseline_window_s``      60.0     as the EMG resting level (``baseline_min_s``)
``onset_above_rest_g``     0.03     project choice: ≈ 1.7° of tilt, 8 LSB of a 13-bit
                                    ±8 g sensor (AX3/ADXL345: 1/256 g) and ≥ 5 SD of the
                                    0.1-s envelope for 4-6 mg RMS sensor noise
``offset_above_rest_g``    0.01     project choice: ≈ 0.6°; 1/3 of the onset margin, as
                                    the EMG 2 µV offset is 1/4 of the 8 µV onset
``offset_quiet_s``         0.5      WASM 2016 offset rule (spec §3.2)
``lm_min_s``               0.5      WASM 2016 / AASM minimum LM duration (spec §3.2)
``posture_change_deg``     30.0     project choice: turning over rotates the shank by
                                    45-180°; an LM leaves it within a few degrees
                                    (van Hees 2015 uses 5° between 5-s epochs to call
                                    a wrist *still*, the opposite question)
``unscorable_rest_g``      0.1      project choice: resting level of continuous movement
                                    (walking ≥ 0.2 g), not of a lying leg (< 0.01 g)
``tib_*``                  —        HDCZA rest-period detection (van Hees et al., Sci
                                    Rep 2018;8:12975; GGIR ``HASPT``): 5-s epochs, 5-min
                                    rolling median of the angle change, threshold = 10th
                                    percentile × 15 (0.2° if 0), blocks > 30 min, gaps
                                    < 60 min joined, longest block
``night_split_hour``       12       nights are noon-to-noon windows (GGIR convention)
=========================  =======  ====================================================

Time in bed (:func:`score_accel`): from a diary CSV (``date,lights_off,lights_on``), else
``Lights off``/``Lights on`` annotations of an EDF+, else the HDCZA rest period (adapted
to the ankle: the 3-D angle change between the *median* orientations of 5-s epochs, so
that LMs shorter than 2.5 s do not count as getting up), else the whole night window (with
a warning).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import ndimage
from scipy import signal as sps

from plm.events import InputError, NightEvents, empty_intervals
from plm.rules import RuleProfile, get_rules

__all__ = [
    "AccelRules",
    "AnkleSignal",
    "AccelData",
    "AccelDetection",
    "AccelNight",
    "AccelScore",
    "MAX_HOLE_S",
    "G",
    "load_accel",
    "read_cwa",
    "find_accel_channels",
    "is_accelerometry",
    "detect_accel",
    "detect_accel_window",
    "rest_period",
    "read_diary",
    "night_windows",
    "score_accel",
    "score_accel_data",
    "get_accel_rules",
    "multinight_summary",
]

logger = logging.getLogger(__name__)

#: Standard gravity, m/s² per g.
G = 9.80665
#: Holes in the time stamps longer than this (s) are gaps, not resampled across.
MAX_HOLE_S = 1.0
#: Block length (s) of the block means behind the references and the resting level.
BLOCK_S = 0.1


@dataclass(frozen=True)
class AccelRules:
    """Parameters of leg-movement detection in ankle accelerometry (see module docstring).

    Amplitudes are in g (``_g``), durations in seconds (``_s``), angles in degrees
    (``_deg``), frequencies in hertz (``_hz``).  The series rules (IMI, series length,
    bilateral combination, maximum LM duration) come from the standard's
    :class:`~plm.rules.RuleProfile`, not from here.
    """

    name: str = "accel2026"
    gravity_window_s: float = 20.0
    gravity_method: Literal["median", "highpass"] = "median"
    highpass_hz: float = 0.25
    envelope_s: float = 0.1
    baseline_floor_s: float = 30.0
    baseline_window_s: float = 60.0
    onset_above_rest_g: float = 0.03
    offset_above_rest_g: float = 0.01
    offset_quiet_s: float = 0.5
    lm_min_s: float = 0.5
    posture_change_deg: float = 30.0
    unscorable_rest_g: float = 0.1
    # time in bed (HDCZA, van Hees 2018)
    tib_epoch_s: float = 5.0
    tib_median_s: float = 300.0
    tib_percentile: float = 10.0
    tib_multiplier: float = 15.0
    tib_min_block_s: float = 1800.0
    tib_max_gap_s: float = 3600.0
    night_split_hour: int = 12
    min_night_data_s: float = 1800.0

    def __post_init__(self) -> None:
        """Reject values no detector could mean."""
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if f.name.endswith(("_s", "_g", "_hz", "_deg")) and v < 0:
                raise ValueError(f"accelerometer parameter {f.name} must be >= 0, got {v}")
        if self.gravity_method not in ("median", "highpass"):
            raise ValueError(
                f"gravity_method must be 'median' or 'highpass', got {self.gravity_method!r}"
            )
        if self.offset_above_rest_g > self.onset_above_rest_g:
            raise ValueError("offset_above_rest_g must not exceed onset_above_rest_g")
        if self.gravity_window_s <= 0 or self.tib_epoch_s <= 0:
            raise ValueError("gravity_window_s and tib_epoch_s must be > 0")
        if not 0 <= self.night_split_hour <= 23:
            raise ValueError("night_split_hour must be in 0..23")

    def to_dict(self) -> dict[str, Any]:
        """Return every parameter as a JSON-serialisable dict."""
        return dataclasses.asdict(self)


def get_accel_rules(rules: AccelRules | None = None, **overrides: Any) -> AccelRules:
    """Return :class:`AccelRules` with fields overridden (strings converted to the type).

    Raises
    ------
    ValueError
        For an unknown field or a value of the wrong type.
    """
    base = rules or AccelRules()
    if not overrides:
        return base
    known = {f.name: f for f in dataclasses.fields(AccelRules)}
    unknown = sorted(set(overrides) - set(known))
    if unknown:
        raise ValueError(f"unknown accelerometer parameter(s) {unknown}; known: {sorted(known)}")
    values: dict[str, Any] = {}
    for k, v in overrides.items():
        cur = getattr(base, k)
        if isinstance(v, str) and not isinstance(cur, str):
            try:
                v = type(cur)(float(v)) if isinstance(cur, int) else type(cur)(v)
            except ValueError:
                raise ValueError(
                    f"accelerometer parameter {k} expects a number, got {v!r}"
                ) from None
        values[k] = v
    name = base.name if base.name.endswith("+custom") else base.name + "+custom"
    return dataclasses.replace(base, name=values.pop("name", name), **values)


# --------------------------------------------------------------------------------------
# data containers
# --------------------------------------------------------------------------------------


def _empty_annotations() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "onset": pd.Series(dtype=float),
            "duration": pd.Series(dtype=float),
            "description": pd.Series(dtype=object),
        }
    )


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
    annotations: pd.DataFrame = field(default_factory=lambda: _empty_annotations())
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


@dataclass
class AccelDetection:
    """LMs detected in one ankle's accelerometry.

    Attributes
    ----------
    movements : DataFrame
        ``onset``, ``duration`` (s), ``peak_g`` (maximum envelope above the resting level),
        ``area_g_s`` (its integral, g·s), ``tilt_deg`` (orientation after vs before).
    posture_changes : DataFrame
        ``onset``, ``duration`` (s), ``tilt_deg`` of the events left out as posture changes.
    unscorable : DataFrame
        ``onset``, ``duration`` (s) where the resting level exceeds ``unscorable_rest_g``.
    baseline : ndarray of float32
        Per-sample resting level (g).
    envelope : ndarray of float32
        Per-sample movement envelope ``e`` (g), for plots.
    fs_hz, t0_s : float
        Sampling rate and time of the first sample.
    info : dict
        Counts of rejected events.
    """

    movements: pd.DataFrame
    posture_changes: pd.DataFrame
    unscorable: pd.DataFrame
    baseline: np.ndarray
    envelope: np.ndarray
    fs_hz: float
    t0_s: float = 0.0
    info: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------------------
# units and channel labels
# --------------------------------------------------------------------------------------

_G_PER_UNIT: dict[str, float] = {
    "g": 1.0,
    "gs": 1.0,
    "gravity": 1.0,
    "mg": 1e-3,
    "millig": 1e-3,
    "m/s2": 1.0 / G,
    "m/s^2": 1.0 / G,
    "m/s\u00b2": 1.0 / G,
    "ms-2": 1.0 / G,
    "ms^-2": 1.0 / G,
    "m.s-2": 1.0 / G,
    "m*s-2": 1.0 / G,
    "m/s/s": 1.0 / G,
    "ms2": 1.0 / G,
    "m/sec2": 1.0 / G,
    "m/sec^2": 1.0 / G,
    "m s-2": 1.0 / G,
}


def g_per_unit(unit: str) -> float | None:
    """Return g per unit of an acceleration unit (``g``, ``mg``, ``m/s²``...), or None."""
    return _G_PER_UNIT.get(unit.strip().lower().replace(" ", "") or "", None) if unit else None


_CAMEL_RE = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_LOCATION_WORDS = ("ankle", "ank", "foot", "leg", "tibia", "tib", "shank", "calf", "malleolus")
_ACC_WORDS = ("accelerometer", "acceleration", "accel", "acc", "actigraph", "actigraphy", "imu")
_SIDE_MAP = {
    "l": "left",
    "left": "left",
    "lt": "left",
    "sx": "left",
    "links": "left",
    "gauche": "left",
    "r": "right",
    "right": "right",
    "rt": "right",
    "dx": "right",
    "rechts": "right",
    "droite": "right",
}
_VETO_WORDS = frozenset(
    {
        "wrist",
        "arm",
        "hand",
        "chest",
        "thorax",
        "trunk",
        "body",
        "head",
        "position",
        "pos",
        "hip",
        "waist",
        "gyro",
        "gyr",
        "mag",
        "ecg",
        "emg",
        "eeg",
        "eog",
        "temp",
        "light",
        "lux",
        "battery",
        "vm",
        "enmo",
        "steps",
        "inclinometer",
    }
)
_TOKEN_RE = re.compile(
    r"^(?P<s1>left|right|l|r)?(?P<kw>"
    + "|".join(_ACC_WORDS + _LOCATION_WORDS)
    + r")?(?P<s2>left|right|l|r)?(?P<axis>[xyz])?$"
)


@dataclass(frozen=True)
class _AxisLabel:
    side: str | None
    axis: str
    location: bool
    acc: bool


def _split_words(label: str) -> list[str]:
    text = _CAMEL_RE.sub(" ", label)
    return [t for t in re.split(r"[^0-9a-z]+", text.lower()) if t]


def parse_axis_label(label: str) -> _AxisLabel | None:
    """What an accelerometer channel or column label says: side, axis, location.

    ``"L Ankle X"`` → left, x; ``"RAnkleX"`` → right, x; ``"Acc R Z"`` → right, z;
    ``"left_y"`` → left, y; ``"x"`` → no side, x.  Returns None when the label names no
    single axis or names another body site or signal (wrist, chest, gyro, ...).
    """
    words = _split_words(label)
    if not words or any(w in _VETO_WORDS for w in words):
        return None
    sides: set[str] = set()
    axes: list[str] = []
    loc = acc = False
    for w in words:
        if w in ("ax", "ay", "az"):  # 'ax' = acceleration x
            axes.append(w[1])
            acc = True
            continue
        if w in ("accx", "accy", "accz"):
            axes.append(w[-1])
            acc = True
            continue
        if w in _SIDE_MAP:
            sides.add(_SIDE_MAP[w])
            continue
        if w in ("x", "y", "z"):
            axes.append(w)
            continue
        m = _TOKEN_RE.match(w)
        if m and any(m.group(k) for k in ("s1", "kw", "s2", "axis")):
            for k in ("s1", "s2"):
                if m.group(k):
                    sides.add(_SIDE_MAP[m.group(k)])
            kw = m.group("kw")
            if kw in _LOCATION_WORDS:
                loc = True
            elif kw:
                acc = True
            if m.group("axis"):
                axes.append(m.group("axis"))
            continue
        if w in ("axis", "raw", "data", "sensor", "channel", "ch", "g", "mg", "ms2", "s2", "m"):
            continue
        if w.isdigit():
            continue
        return None  # an unknown word: not an accelerometer axis label
    if len(axes) != 1 or len(sides) > 1:
        return None
    return _AxisLabel(next(iter(sides)) if sides else None, axes[0], loc, acc)


def find_accel_channels(labels: Sequence[str], units: Sequence[str] | None = None) -> dict:
    """Group labels into ankles with an x, y and z channel each.

    Parameters
    ----------
    labels : sequence of str
        Channel (or column) labels.
    units : sequence of str, optional
        Physical dimension of each channel; channels whose unit is a voltage are skipped.

    Returns
    -------
    dict
        ``side`` (``left``/``right``/``None`` for an unsided single device) →
        ``{'x': index, 'y': index, 'z': index}``.  A label counts only when it names the
        ankle (ankle/foot/leg/tibia...) or a side together with an accelerometer word, or
        when every axis label is bare and there is exactly one triplet.
    """
    from plm.io.edf import uv_per_unit

    found: dict[str | None, dict[str, int]] = {}
    strong: dict[str | None, bool] = {}
    for i, lab in enumerate(labels):
        if units is not None and units[i] and uv_per_unit(units[i]) is not None:
            continue
        info = parse_axis_label(lab)
        if info is None:
            continue
        group = found.setdefault(info.side, {})
        if info.axis in group:
            continue  # first one wins
        group[info.axis] = i
        strong[info.side] = (
            strong.get(info.side, False) or info.location or (info.acc and info.side is not None)
        )
    complete = {s: g for s, g in found.items() if set(g) == {"x", "y", "z"}}
    sided = {s: g for s, g in complete.items() if s is not None}
    if sided:
        return {s: g for s, g in sided.items() if strong.get(s) or len(sided) == 2}
    return complete


# --------------------------------------------------------------------------------------
# readers
# --------------------------------------------------------------------------------------


def _file_source(path: Path) -> dict[str, str]:
    from plm._util import sha256_file

    return {"file": path.name, "sha256": sha256_file(path)}


def _gap_frame(onsets: Sequence[float], durations: Sequence[float], reason: str) -> pd.DataFrame:
    if len(onsets) == 0:
        return empty_intervals(("reason",))
    return pd.DataFrame(
        {
            "onset": np.asarray(onsets, float),
            "duration": np.asarray(durations, float),
            "reason": [reason] * len(onsets),
        }
    )


def _to_grid(
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
    gaps = _gap_frame(t[hole], t[hole + 1] - t[hole], "accelerometer data missing")
    if hole.size:
        idx = np.searchsorted(grid_t, t[hole], side="right")
        idx_end = np.searchsorted(grid_t, t[hole + 1], side="left")
        for a, b in zip(idx, idx_end, strict=True):  # loop per gap
            out[a:b] = np.nan
    return out, gaps


def _check_gravity(xyz: np.ndarray, source: str, label: str) -> None:
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


def _read_edf_accel(path: Path, side: str | None) -> AccelData:
    from plm.io import edf

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
        n = int(round(duration * fs))
        xyz = np.full((n, 3), np.nan, dtype=np.float32)
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
            for t0, sl in edf.sample_segments(header, sig.index):  # loop per segment
                a = int(round(t0 * fs))
                piece = data[sl]
                b = min(n, a + piece.size)
                xyz[a:b, k] = piece[: b - a] * np.float32(factor)
            labels.append(sig.label)
        _check_gravity(xyz, source, f"{s_name} ankle ({', '.join(labels)})")
        ankles[s_name] = AnkleSignal(s_name, xyz, float(fs), labels)
    gaps = []
    for (_a0, a1), (b0, _) in zip(segs[:-1], segs[1:], strict=True):
        gaps.append((a1, b0 - a1))
    if len(segs) and segs[0, 0] > 0:
        gaps.insert(0, (0.0, float(segs[0, 0])))
    gap_df = _gap_frame([g[0] for g in gaps], [g[1] for g in gaps], "recording gap (EDF+D)")
    ann = edf.read_annotations(header) if header.annotation_indices else _empty_annotations()
    return AccelData(
        path=path,
        ankles=ankles,
        start_datetime=header.start_datetime,
        duration_s=duration,
        gaps=gap_df,
        annotations=ann,
        format="EDF",
        warnings=warnings,
        sources=[_file_source(path)],
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
        grid, gaps = _to_grid(t[~bad], xyz[~bad], fs, source)
        _check_gravity(grid, source, f"{s_name} ankle ({', '.join(cols)})")
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
        sources=[_file_source(path)],
    )


# ----------------------------------------------------------------------------- CWA

_CWA_HEADER_BYTES = 1024
_CWA_BLOCK = 512


def cwa_rate_hz(code: int) -> float:
    """Sampling rate (Hz) of a CWA rate code: 3200 / 2^(15 - (code & 15))."""
    return 3200.0 / (1 << (15 - (code & 0x0F)))


def _cwa_times(packed: np.ndarray) -> np.ndarray:
    """Packed CWA time stamps (YYYYYYMM MMDDDDDh hhhhmmmm mmssssss) → datetime64[s]."""
    p = packed.astype(np.int64)
    parts = pd.DataFrame(
        {
            "year": ((p >> 26) & 0x3F) + 2000,
            "month": (p >> 22) & 0x0F,
            "day": (p >> 17) & 0x1F,
            "hour": (p >> 12) & 0x1F,
            "minute": (p >> 6) & 0x3F,
            "second": p & 0x3F,
        }
    )
    return pd.to_datetime(parts, errors="coerce").to_numpy("datetime64[ns]")


def read_cwa(
    path: str | os.PathLike[str],
) -> tuple[np.ndarray, float, datetime, pd.DataFrame, dict]:
    """Read an Axivity AX3/AX6 ``.cwa`` file (Open Movement CWA format, open specification).

    The format: a 1024-byte header (``MD``) then 512-byte data blocks (``AX``), each with a
    packed RTC time stamp, a sample index at which it holds (``timestampOffset``), an
    optional 1/65536-s fractional part (``deviceFractional`` top bit), the rate code
    (3200 / 2^(15 - code & 15) Hz), the packing (``numAxesBPS``: 3 or 6 axes; 16-bit
    signed values scaled by 1/2^(8+n) g with n from the top 3 bits of ``lightScale``, or
    10-bit values with a 2-bit exponent in 1/256 g) and a checksum (the 16-bit word sum of
    the block is 0).  Blocks failing the checksum are dropped with a warning.  For 6-axis
    (AX6) files the accelerometer is the last three axes.

    Returns
    -------
    xyz_g : ndarray of float32, shape (n, 3)
        Acceleration (g) on a uniform grid at the nominal rate from the first sample;
        NaN inside gaps.
    fs_hz : float
        Nominal sampling rate.
    start : datetime
        Clock time of the first sample.
    gaps : DataFrame
        Holes in the data longer than :data:`MAX_HOLE_S`.
    info : dict
        ``device_id``, ``session_id``, ``n_blocks``, ``n_bad_blocks``, ``measured_fs_hz``.

    Raises
    ------
    InputError
        For a file that is not a CWA file or holds no valid data block.
    """
    p = Path(path)
    source = str(p)
    raw = np.fromfile(p, dtype=np.uint8)
    if raw.size < _CWA_HEADER_BYTES or raw[:2].tobytes() != b"MD":
        raise InputError("not an Axivity CWA file (no 'MD' header)", source)
    device_id = int(raw[5]) | (int(raw[6]) << 8)
    session_id = int(raw[7:11].view("<u4")[0])
    nb = (raw.size - _CWA_HEADER_BYTES) // _CWA_BLOCK
    if nb == 0:
        raise InputError("CWA file holds no data block", source)
    blocks = raw[_CWA_HEADER_BYTES : _CWA_HEADER_BYTES + nb * _CWA_BLOCK].reshape(nb, _CWA_BLOCK)
    is_data = (blocks[:, 0] == ord("A")) & (blocks[:, 1] == ord("X"))
    words = blocks.view("<u2")
    ok_sum = (words.sum(axis=1, dtype=np.uint64) & 0xFFFF) == 0
    bad = is_data & ~ok_sum
    blocks = blocks[is_data & ok_sum]
    info: dict[str, Any] = {
        "device_id": device_id,
        "session_id": session_id,
        "n_blocks": int(is_data.sum()),
        "n_bad_blocks": int(bad.sum()),
    }
    if len(blocks) == 0:
        raise InputError("no valid CWA data block (bad checksums?)", source)

    def u16(off: int) -> np.ndarray:
        return blocks[:, off : off + 2].copy().view("<u2")[:, 0].astype(np.int64)

    def i16(off: int) -> np.ndarray:
        return blocks[:, off : off + 2].copy().view("<i2")[:, 0].astype(np.int64)

    dev_frac = u16(4)
    sequence = blocks[:, 10:14].copy().view("<u4")[:, 0].astype(np.int64)
    stamp = blocks[:, 14:18].copy().view("<u4")[:, 0]
    light = u16(18)
    rate_code = blocks[:, 24].astype(np.int64)
    axes_bps = blocks[:, 25].astype(np.int64)
    ts_off = i16(26)
    count = u16(28)
    order = np.argsort(sequence, kind="stable")
    if np.any(order != np.arange(order.size)):
        blocks, dev_frac, stamp, light, rate_code = (
            blocks[order],
            dev_frac[order],
            stamp[order],
            light[order],
            rate_code[order],
        )
        axes_bps, ts_off, count = axes_bps[order], ts_off[order], count[order]
    if np.unique(rate_code).size > 1 or np.unique(axes_bps).size > 1:
        raise InputError("CWA blocks change sampling rate or packing mid-file", source)
    fs = cwa_rate_hz(int(rate_code[0]))
    n_axes = int(axes_bps[0] >> 4)
    packing = int(axes_bps[0] & 0x0F)
    if packing == 0 and n_axes == 3:
        per_block = 120
        v = blocks[:, 30:510].copy().view("<u4").astype(np.int64)  # (nb, 120)
        e = v >> 30

        def s10(x: np.ndarray) -> np.ndarray:
            x = x & 0x3FF
            return (x ^ 0x200) - 0x200

        vals = np.stack((s10(v) << e, s10(v >> 10) << e, s10(v >> 20) << e), axis=-1)
        scale = np.full(len(blocks), 1.0 / 256.0)
    elif packing == 2 and n_axes in (3, 6, 9):
        per_block = 480 // (2 * n_axes)
        v = blocks[:, 30 : 30 + per_block * n_axes * 2].copy().view("<i2")
        v = v.reshape(len(blocks), per_block, n_axes).astype(np.int64)
        a0 = 0 if n_axes == 3 else 3  # AX6: Gx Gy Gz Ax Ay Az
        vals = v[:, :, a0 : a0 + 3]
        scale = 1.0 / (2.0 ** (8 + (light >> 13)))
    else:
        raise InputError(f"unsupported CWA packing 0x{int(axes_bps[0]):02x}", source)
    count = np.minimum(count, per_block)
    # time of each block's sample 0 (s from the first block's whole-second stamp)
    when = _cwa_times(stamp)
    if np.isnat(when).any():
        raise InputError("CWA block with an invalid time stamp", source)
    base = when[0]
    secs = (when - base) / np.timedelta64(1, "s")
    frac = np.where(dev_frac & 0x8000, (dev_frac & 0x7FFF) << 1, 0)
    ts_off = ts_off + ((frac * int(fs)) >> 16)  # undo the backwards-compatible shim
    t_ref = secs + frac / 65536.0
    j = np.arange(per_block)
    t_samp = t_ref[:, None] + (j[None, :] - ts_off[:, None]) / fs
    valid = j[None, :] < count[:, None]
    t_flat = t_samp[valid]
    xyz = (vals * scale[:, None, None])[valid].astype(np.float64)
    t0 = float(t_flat.min())
    t_rel = t_flat - t0
    start = pd.Timestamp(base).to_pydatetime() + timedelta(seconds=t0)
    grid, gaps = _to_grid(t_rel, xyz, fs, source)
    span = float(t_rel.max())
    info["measured_fs_hz"] = float((t_rel.size - 1) / span) if span > 0 else fs
    return grid, fs, start, gaps, info


def _read_cwa_accel(path: Path, side: str | None) -> AccelData:
    grid, fs, start, gaps, info = read_cwa(path)
    source = str(path)
    warnings = []
    if info["n_bad_blocks"]:
        warnings.append(f"{info['n_bad_blocks']} CWA block(s) failed the checksum and were dropped")
    if side is None:
        warnings.append("ankle side of the CWA device not given: assumed left")
    s_name = side or "left"
    _check_gravity(grid, source, f"{s_name} ankle (CWA device {info['device_id']})")
    return AccelData(
        path=path,
        ankles={s_name: AnkleSignal(s_name, grid, fs, [f"CWA {info['device_id']} x/y/z"])},
        start_datetime=start,
        duration_s=grid.shape[0] / fs,
        gaps=gaps,
        format="CWA",
        warnings=warnings,
        sources=[_file_source(path)],
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
            gaps_r = pd.concat([_gap_frame([0.0], [offset], "right ankle not recording"), g])
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
            from plm.io import edf
            from plm.io.channels import find_leg_channels

            header = edf.read_header(p)
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
            for ref in legs.refs.values():
                sig = sigs[ref.index]
                if ref.index not in accel_idx and sig.is_voltage:
                    return False
            return True
    except (OSError, InputError, ValueError):
        return False
    return False


# --------------------------------------------------------------------------------------
# detection
# --------------------------------------------------------------------------------------


def _odd(n: float) -> int:
    k = max(1, int(round(n)))
    return k if k % 2 else k + 1


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start (inclusive) and end (exclusive) indices of the True runs of a bool array."""
    m = np.concatenate(([False], np.asarray(mask, bool), [False]))
    d = np.diff(m.view(np.int8))
    return np.flatnonzero(d > 0).astype(np.int64), np.flatnonzero(d < 0).astype(np.int64)


def _block_means(x: np.ndarray, bn: int) -> np.ndarray:
    n = x.shape[0]
    full = n // bn
    m = x[: full * bn].reshape((full, bn) + x.shape[1:]).mean(axis=1, dtype=np.float64)
    if n > full * bn:
        m = np.concatenate((m, x[full * bn :].mean(axis=0, dtype=np.float64)[None]))
    return m


def _references(blocks: np.ndarray, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Look-back and look-ahead running medians (per axis) over ``w`` blocks (odd)."""
    back = np.empty_like(blocks)
    ahead = np.empty_like(blocks)
    h = w // 2
    for k in range(blocks.shape[1]):  # loop per axis
        back[:, k] = ndimage.median_filter(blocks[:, k], size=w, origin=h, mode="nearest")
        ahead[:, k] = ndimage.median_filter(blocks[:, k], size=w, origin=-h, mode="nearest")
    return back, ahead


def _resting_level(m: np.ndarray, blk_s: float, rules: AccelRules) -> np.ndarray:
    """Adaptive resting level of the movement signal on blocks (g), as plm.detect."""

    def w(seconds: float) -> int:
        return max(1, int(round(seconds / blk_s)))

    wf = w(rules.baseline_floor_s)
    smooth = ndimage.uniform_filter1d(m, w(0.5), mode="nearest")
    floor = ndimage.maximum_filter1d(
        ndimage.minimum_filter1d(smooth, wf, mode="nearest"), wf, mode="nearest"
    )
    rest = m <= floor + rules.onset_above_rest_g
    wm = w(rules.baseline_window_s)
    num = ndimage.uniform_filter1d(np.where(rest, m, 0.0), wm, mode="constant")
    den = ndimage.uniform_filter1d(rest.astype(np.float64), wm, mode="constant")
    b = floor.copy()
    ok = den > 1e-9
    b[ok] = num[ok] / den[ok]
    return b


def _angle_deg(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    nu = np.linalg.norm(u, axis=-1)
    nv = np.linalg.norm(v, axis=-1)
    c = np.sum(u * v, axis=-1) / np.maximum(nu * nv, 1e-12)
    return np.degrees(np.arccos(np.clip(c, -1.0, 1.0)))


def _empty_detected() -> pd.DataFrame:
    return pd.DataFrame(
        {c: pd.Series(dtype=float) for c in ("onset", "duration", "peak_g", "area_g_s", "tilt_deg")}
    )


def _empty_posture() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=float) for c in ("onset", "duration", "tilt_deg")})


def detect_accel(
    xyz_g: np.ndarray,
    fs_hz: float,
    rules: AccelRules | None = None,
    t0_s: float = 0.0,
) -> AccelDetection:
    """Detect leg movements in one ankle's triaxial acceleration (spec §3.2 structure).

    Parameters
    ----------
    xyz_g : array, shape (n, 3)
        Acceleration (g) of one continuous stretch (no NaN).
    fs_hz : float
        Sampling rate (Hz), at least 5 Hz.
    rules : AccelRules, optional
        Detection parameters (defaults: :class:`AccelRules`).
    t0_s : float
        Time of the first sample (s); output times are ``t0_s + sample / fs``.

    Returns
    -------
    AccelDetection
        LMs, posture changes (not LMs) and unscorable stretches.  See the module
        docstring for the algorithm.
    """
    rules = rules or AccelRules()
    a = np.asarray(xyz_g, dtype=np.float32)
    if a.ndim != 2 or a.shape[1] != 3:
        raise ValueError(f"expected an (n, 3) acceleration array, got shape {a.shape}")
    fs = float(fs_hz)
    if not np.isfinite(fs) or fs < 5:
        raise ValueError(f"sampling rate must be at least 5 Hz, got {fs_hz!r}")
    n = a.shape[0]
    empty = AccelDetection(
        _empty_detected(),
        _empty_posture(),
        empty_intervals(),
        np.zeros(n, np.float32),
        np.zeros(n, np.float32),
        fs,
        float(t0_s),
        {"n_candidates": 0},
    )
    if n < max(3, int(fs)):
        return empty
    if not np.isfinite(a).all():
        raise ValueError("acceleration holds NaN or inf; pass continuous stretches only")
    bn = max(1, int(round(BLOCK_S * fs)))
    blk_s = bn / fs
    blocks = _block_means(a, bn)  # (nb, 3) float64
    nb = blocks.shape[0]
    wg = _odd(rules.gravity_window_s / blk_s)
    back, ahead = _references(blocks, wg)
    if rules.gravity_method == "median":
        rb = np.repeat(back.astype(np.float32), bn, axis=0)[:n]
        ra = np.repeat(ahead.astype(np.float32), bn, axis=0)[:n]
        s = np.minimum(np.linalg.norm(a - rb, axis=1), np.linalg.norm(a - ra, axis=1))
        del rb, ra
    else:
        sos = sps.butter(2, rules.highpass_hz, btype="highpass", fs=fs, output="sos")
        if n <= 3 * 2 * sos.shape[0] * 3:
            return empty
        hp = sps.sosfiltfilt(sos, a, axis=0).astype(np.float32)
        s = np.linalg.norm(hp, axis=1)
        del hp
    s = s.astype(np.float32)
    ne = _odd(rules.envelope_s * fs) if rules.envelope_s > 0 else 1
    e = ndimage.uniform_filter1d(s, ne, mode="nearest") if ne > 1 else s
    m = _block_means(s, bn)
    b_blk = _resting_level(m, blk_s, rules)
    b = np.repeat(b_blk.astype(np.float32), bn)[:n]

    # unscorable: resting level of continuous movement
    umask = b > rules.unscorable_rest_g
    u_start, u_end = _runs(umask)
    unscorable = (
        pd.DataFrame({"onset": t0_s + u_start / fs, "duration": (u_end - u_start) / fs})
        if u_start.size
        else empty_intervals()
    )
    above = e - b
    active = above > np.float32(rules.offset_above_rest_g)
    hi = above > np.float32(rules.onset_above_rest_g)
    if u_start.size:
        active &= ~umask
        hi &= ~umask
    q_start, q_end = _runs(~active)
    n_quiet = max(1, int(round(rules.offset_quiet_s * fs)))
    long_q = ((q_end - q_start) >= n_quiet) | (q_end == n)
    reg_start = np.concatenate(([0], q_end[long_q]))
    reg_end = np.concatenate((q_start[long_q], [n]))
    keep = reg_end > reg_start
    reg_start, reg_end = reg_start[keep], reg_end[keep]
    h_start, _ = _runs(hi)
    info: dict[str, Any] = {}
    if h_start.size == 0 or reg_start.size == 0:
        empty.unscorable = unscorable
        empty.baseline, empty.envelope = b, np.asarray(e, np.float32)
        return empty
    j = np.searchsorted(h_start, reg_start)
    jc = np.minimum(j, h_start.size - 1)
    on = h_start[jc]
    has = (j < h_start.size) & (on < reg_end)
    on, off = on[has], reg_end[has]
    info["n_candidates"] = int(on.size)
    if u_start.size:  # edges of an unscorable stretch are not LMs
        edge = np.isin(off, u_start) | np.isin(on, u_end)
        info["rejected_unscorable_edge"] = int(edge.sum())
        on, off = on[~edge], off[~edge]
    long_enough = (off - on) >= rules.lm_min_s * fs - 1e-6
    info["rejected_short"] = int((~long_enough).sum())
    on, off = on[long_enough], off[long_enough]
    # posture: gravity direction before the onset vs after the offset
    i_before = np.clip(on // bn - 1, 0, nb - 1)
    i_after = np.clip((off - 1) // bn + 1, 0, nb - 1)
    tilt = _angle_deg(back[i_before], ahead[i_after]) if on.size else np.zeros(0)
    posture = tilt > rules.posture_change_deg
    info["posture_changes"] = int(posture.sum())
    pc = (
        pd.DataFrame(
            {
                "onset": t0_s + on[posture] / fs,
                "duration": (off[posture] - on[posture]) / fs,
                "tilt_deg": tilt[posture],
            }
        )
        if posture.any()
        else _empty_posture()
    )
    on, off, tilt = on[~posture], off[~posture], tilt[~posture]
    if on.size:
        d = np.maximum(above, 0).astype(np.float64)
        csum = np.concatenate(([0.0], np.cumsum(d)))
        area = (csum[off] - csum[on]) / fs
        ext = np.concatenate((above, [0.0])).astype(np.float64)
        idx = np.empty(2 * on.size, dtype=np.int64)
        idx[0::2], idx[1::2] = on, off
        peak = np.maximum.reduceat(ext, idx)[0::2]
        movements = pd.DataFrame(
            {
                "onset": t0_s + on / fs,
                "duration": (off - on) / fs,
                "peak_g": peak,
                "area_g_s": area,
                "tilt_deg": tilt,
            }
        )
    else:
        movements = _empty_detected()
    logger.debug(
        "accel: %d LMs, %d posture changes, %d unscorable stretches",
        len(movements),
        len(pc),
        len(unscorable),
    )
    return AccelDetection(
        movements, pc, unscorable, b, np.asarray(e, np.float32), fs, float(t0_s), info
    )


def detect_accel_window(
    data: AccelData,
    t0_s: float,
    t1_s: float,
    rules: AccelRules | None = None,
    pad_s: float = 60.0,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Detect the LMs of every ankle between ``t0_s`` and ``t1_s`` (s from the start).

    Each continuous stretch overlapping the window (with ``pad_s`` of context on each
    side, for the references and the resting level) is detected separately.

    Returns
    -------
    movements : DataFrame
        ``onset``, ``duration``, ``side``, ``peak_g``, ``area_g_s``, ``tilt_deg``;
        movements overlapping the window.
    posture : DataFrame
        Posture changes (``onset``, ``duration``, ``side``, ``tilt_deg``).
    unscorable : DataFrame
        ``onset``, ``duration``, ``reason`` (``unscorable accelerometry (side)``).
    """
    rules = rules or AccelRules()
    mv, pc, un = [], [], []
    for side, ank in data.ankles.items():  # loop per ankle
        fs = ank.fs_hz
        for a, b in data.segments(max(0.0, t0_s - pad_s), min(data.duration_s, t1_s + pad_s)):
            i0 = int(math.ceil(a * fs - 1e-6))
            i1 = min(int(math.floor(b * fs + 1e-6)), ank.xyz_g.shape[0])
            if i1 - i0 < 2:
                continue
            piece = ank.xyz_g[i0:i1]
            ok = np.isfinite(piece).all(axis=1)
            s_on, s_off = _runs(ok)
            for p0, p1 in zip(s_on, s_off, strict=True):  # loop per finite run
                det = detect_accel(piece[p0:p1], fs, rules, t0_s=(i0 + p0) / fs)
                if len(det.movements):
                    mv.append(det.movements.assign(side=side))
                if len(det.posture_changes):
                    pc.append(det.posture_changes.assign(side=side))
                if len(det.unscorable):
                    un.append(det.unscorable.assign(reason=f"unscorable accelerometry ({side})"))
    movements = (
        pd.concat(mv, ignore_index=True)
        if mv
        else _empty_detected().assign(side=pd.Series(dtype=object))
    )
    if len(movements):
        on = movements["onset"].to_numpy(float)
        off = on + movements["duration"].to_numpy(float)
        movements = movements[(off > t0_s) & (on < t1_s)]
        movements = movements.sort_values(["onset", "side"], kind="stable").reset_index(drop=True)
    posture = (
        pd.concat(pc, ignore_index=True).sort_values("onset", kind="stable").reset_index(drop=True)
        if pc
        else _empty_posture().assign(side=pd.Series(dtype=object))
    )
    unscorable = pd.concat(un, ignore_index=True) if un else empty_intervals(("reason",))
    return movements, posture, unscorable


# --------------------------------------------------------------------------------------
# time in bed, nights
# --------------------------------------------------------------------------------------


def rest_period(
    data: AccelData, t0_s: float, t1_s: float, rules: AccelRules | None = None
) -> tuple[float, float] | None:
    """Main rest period (time in bed) in ``[t0_s, t1_s)`` by the HDCZA heuristic.

    van Hees et al., Sci Rep 2018;8:12975 (GGIR ``HASPT``): per 5-s epoch an orientation;
    the absolute change between consecutive epochs; its 5-min rolling median; epochs
    below (10th percentile × 15; 0.2° when that is 0) are still; still blocks longer than
    30 min, joined across gaps shorter than 60 min; the longest.  Ankle adaptation: the
    3-D angle between the per-axis *median* orientations of consecutive 5-s epochs (the
    sensor axes' orientation on the ankle is not known, and the median ignores LMs
    shorter than half an epoch) plus the within-epoch median absolute deviation of
    ``|a|`` (g, read as radians), so that walking, which keeps the median orientation,
    counts as movement.  The ankles are combined by the larger change.  Sitting still
    looks like lying still to this heuristic: a diary is more reliable.

    Returns
    -------
    (start_s, end_s) or None
        None when no block qualifies.
    """
    rules = rules or AccelRules()
    ep = rules.tib_epoch_s
    n_ep = int((t1_s - t0_s) // ep)
    if n_ep < 4:
        return None
    change = np.zeros(max(n_ep - 1, 0))
    valid = np.ones(n_ep, dtype=bool)
    for ank in data.ankles.values():  # loop per ankle
        k = int(round(ep * ank.fs_hz))
        i0 = int(round(t0_s * ank.fs_hz))
        x = ank.xyz_g[i0 : i0 + n_ep * k]
        if x.shape[0] < n_ep * k:
            pad = np.full((n_ep * k - x.shape[0], 3), np.nan, np.float32)
            x = np.concatenate((x, pad))
        ep3 = x.reshape(n_ep, k, 3)
        med = np.nanmedian(ep3, axis=1) if k > 1 else x
        ok = np.isfinite(med).all(axis=1)
        valid &= ok
        ang = _angle_deg(med[1:], med[:-1])
        # movement inside the epoch (walking keeps the median orientation): the median
        # absolute deviation of |a| in g, read as radians of tilt (1 g <-> 57.3 deg)
        mag = np.linalg.norm(ep3, axis=2)
        mad = np.nanmedian(np.abs(mag - np.nanmedian(mag, axis=1)[:, None]), axis=1)
        ang = ang + np.degrees(np.nan_to_num(mad[1:]))
        ang = np.where(ok[1:] & ok[:-1], ang, 0.0)
        change = np.maximum(change, ang)
    w = _odd(rules.tib_median_s / ep)
    roll = ndimage.median_filter(change, size=w, mode="nearest")
    thr = float(np.percentile(roll, rules.tib_percentile)) * rules.tib_multiplier
    if thr <= 0:
        thr = 0.2
    still = np.concatenate((roll < thr, [False])) & valid
    s, e = _runs(still)
    if s.size == 0:
        return None
    # join blocks separated by gaps shorter than tib_max_gap_s, then keep long ones
    long_blk = (e - s) * ep > rules.tib_min_block_s
    s, e = s[long_blk], e[long_blk]
    if s.size == 0:
        return None
    join = (s[1:] - e[:-1]) * ep < rules.tib_max_gap_s
    starts = s[np.concatenate(([True], ~join))]
    ends = e[np.concatenate((~join, [True]))]
    k = int(np.argmax(ends - starts))
    return t0_s + starts[k] * ep, t0_s + ends[k] * ep


def _parse_clock(text: str) -> time:
    text = str(text).strip()
    for fmt in ("%H:%M:%S", "%H:%M", "%H.%M", "%I:%M %p", "%I:%M:%S %p"):
        try:
            return datetime.strptime(text, fmt).time()
        except ValueError:
            continue
    raise ValueError(f"not a clock time: {text!r}")


def read_diary(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a sleep diary CSV: ``date,lights_off,lights_on`` (one row per night).

    ``date`` is the evening's date (ISO ``YYYY-MM-DD``); ``lights_off`` and ``lights_on``
    are clock times (``HH:MM[:SS]``); a ``lights_on`` earlier than ``lights_off`` is on the
    next day, and a ``lights_off`` before noon (after midnight) is on the day after
    ``date``.  Column names are case-insensitive (``lights off``, ``bedtime``, ``in_bed``,
    ``getup``, ``out_of_bed`` are also accepted).

    Returns
    -------
    DataFrame
        ``date`` (datetime.date), ``lights_off``, ``lights_on`` (datetime).

    Raises
    ------
    InputError
        Missing columns or unparseable values.
    """
    source = str(path)
    try:
        df = pd.read_csv(path, sep=None, engine="python", dtype=str, encoding="utf-8-sig")
    except (OSError, pd.errors.ParserError, ValueError) as exc:
        raise InputError(f"cannot read the diary ({exc})", source) from None
    norm = {re.sub(r"[^a-z]+", "_", str(c).lower()).strip("_"): c for c in df.columns}
    alias = {
        "date": ("date", "night", "evening", "day"),
        "off": ("lights_off", "lightsoff", "bedtime", "in_bed", "inbed", "lights_out", "off"),
        "on": ("lights_on", "lightson", "getup", "get_up", "out_of_bed", "rise_time", "on"),
    }
    cols = {}
    for key, names in alias.items():
        cols[key] = next((norm[n] for n in names if n in norm), None)
    if any(v is None for v in cols.values()):
        raise InputError(
            f"diary needs columns date, lights_off, lights_on; has {list(df.columns)}", source
        )
    rows = []
    for i, r in df.iterrows():  # loop per night
        try:
            d = date.fromisoformat(str(r[cols["date"]]).strip()[:10])
            t_off = _parse_clock(r[cols["off"]])
            t_on = _parse_clock(r[cols["on"]])
        except ValueError as exc:
            raise InputError(f"diary row {int(i) + 1}: {exc}", source) from None
        off = datetime.combine(d, t_off)
        if t_off.hour < 12:
            off += timedelta(days=1)
        on = datetime.combine(off.date(), t_on)
        if on <= off:
            on += timedelta(days=1)
        rows.append((d, off, on))
    return pd.DataFrame(rows, columns=["date", "lights_off", "lights_on"])


def night_windows(data: AccelData, rules: AccelRules | None = None) -> list[tuple[float, float]]:
    """Noon-to-noon windows (s from the start) covering the recording.

    With a start clock time the windows are split at ``night_split_hour`` (12:00) local
    time; without one, every 24 h from the start.  Windows holding less than
    ``min_night_data_s`` of data are dropped.
    """
    rules = rules or AccelRules()
    dur = data.duration_s
    if data.start_datetime is not None:
        st = data.start_datetime
        first = datetime.combine(st.date(), time(rules.night_split_hour))
        if first > st:
            first -= timedelta(days=1)
        edge0 = (first - st).total_seconds()
    else:
        edge0 = 0.0
    edges = np.arange(edge0, dur + 86400.0, 86400.0)
    out = []
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        a2, b2 = max(a, 0.0), min(b, dur)
        if b2 <= a2:
            continue
        segs = data.segments(a2, b2)
        have = float(np.sum(segs[:, 1] - segs[:, 0])) if len(segs) else 0.0
        if have >= min(rules.min_night_data_s, dur - 1e-6):
            out.append((a2, b2))
    return out


def _lights_from_annotations(ann: pd.DataFrame, a: float, b: float) -> tuple[float, float] | None:
    if ann is None or len(ann) == 0:
        return None
    desc = ann["description"].astype(str).str.lower().str.replace(r"[^a-z]+", " ", regex=True)
    on_t = ann["onset"].to_numpy(float)
    inside = (on_t >= a) & (on_t < b)
    off_hits = on_t[inside & desc.str.contains(r"\blights? (?:off|out)\b").to_numpy()]
    on_hits = on_t[inside & desc.str.contains(r"\blights? on\b").to_numpy()]
    if off_hits.size == 0 and on_hits.size == 0:
        return None
    lo = float(off_hits.min()) if off_hits.size else a
    hi = float(on_hits.max()) if on_hits.size else b
    if hi <= lo:
        return None
    return lo, hi


# --------------------------------------------------------------------------------------
# scoring
# --------------------------------------------------------------------------------------


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
    """

    index: int
    result: Any
    posture_changes: pd.DataFrame
    window_s: tuple[float, float]
    tib_s: tuple[float, float]
    tib_source: str


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
                f"{s.get('tib_h') or 0:.2f} h in bed ({n.tib_source}); PLM index (time in bed) "
                + (f"{idx:.1f}/h" if idx is not None else "n/a")
                + f" [{n.result.rules.name}, actigraphy]"
            )
        return "\n".join(lines)

    def to_dir(self, out_dir: str | os.PathLike[str], report: bool = False) -> dict[str, Path]:
        """Write every night's three files, the posture changes and the multi-night summary.

        Files per night ``<stem>_nightK``: ``_candidates.tsv``, ``_movements.tsv``,
        ``_summary.json`` (the output contract), ``_posture.tsv``; and
        ``<stem>_multinight.tsv`` / ``<stem>_multinight.json``.  With ``report``, a page
        per night (``pipelines.report.write_reports`` when available, else a
        self-contained HTML page).
        """
        import json

        from plm._util import atomic_write
        from plm.results import to_jsonable, write_tsv

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        files: dict[str, Path] = {}
        for n in self.nights:
            paths = n.result.to_dir(out)
            for k, p in paths.items():
                files[f"{n.result.stem}_{k}"] = p
            pp = out / f"{n.result.stem}_posture.tsv"
            write_tsv(n.posture_changes, pp)
            files[f"{n.result.stem}_posture"] = pp
            if report:
                files.update(_write_report(n, out))
        tsv = out / f"{self.stem}_multinight.tsv"
        write_tsv(self.multinight, tsv)
        js = out / f"{self.stem}_multinight.json"
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
        ``n_posture_changes``.
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
    from plm.api import score_night

    profile = get_rules(rules, **overrides)
    ar = accel_rules or AccelRules()
    stem = stem or _stem_of(data.path)
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
            tib = _lights_from_annotations(data.annotations, a, b)
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
        s["night"] = k
        nights.append(AccelNight(k, res, posture, (a, b), tib, how))
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


def _stem_of(path: str | os.PathLike[str]) -> str:
    name = Path(path).name
    for suffix in (".edf", ".bdf", ".csv", ".cwa", ".txt", ".tsv", ".rec"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return Path(name).stem


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
    report: bool = False,
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
        Series rules (default ``wasm2016``: IMI 10-90 s, >= 4 LMs; spec §3.5).
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
        Write the outputs there (:meth:`AccelScore.to_dir`).
    report : bool
        Also write a report page per night.
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
        res.to_dir(out_dir, report=report)
    return res


# --------------------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------------------


def _write_report(night: AccelNight, out: Path) -> dict[str, Path]:
    """Report of one night: the PSG report when available, else a simple HTML page."""
    try:
        from pipelines.report import write_reports
    except ImportError:
        write_reports = None
    if write_reports is not None:
        try:
            paths = write_reports(night.result, out)
            return {f"{night.result.stem}_report_{k}": p for k, p in paths.items()}
        except Exception as exc:  # a report must not fail the scoring
            logger.warning(
                "%s: PSG report failed (%s); writing a simple page", night.result.stem, exc
            )
    return {f"{night.result.stem}_report_html": _simple_html(night, out)}


def _simple_html(night: AccelNight, out: Path) -> Path:
    import base64
    import html
    import io

    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib import pyplot as plt

    from plm._util import atomic_write

    res = night.result
    c = res.candidates
    fig, ax = plt.subplots(figsize=(10, 2.2))
    rows = {"left": 2, "right": 1, "bilateral": 0, "merged": 0}
    if len(c):
        c = c[c["category"].astype(str) != "excluded"]
        for _, r in c.iterrows():  # loop per LM (plot only)
            y = rows.get(str(r["side"]), 0)
            col = "#d55e00" if r["category"] == "plm" else "#777777"
            ax.broken_barh(
                [(r["onset"] / 3600.0, max(r["duration"], 2.0) / 3600.0)], (y - 0.4, 0.8), color=col
            )
    ax.set_yticks([0, 1, 2], ["bilateral", "right", "left"])
    ax.set_xlim(night.tib_s[0] / 3600.0, night.tib_s[1] / 3600.0)
    ax.set_xlabel("hours from the recording start (PLMs in vermillion)")
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    img = base64.b64encode(buf.getvalue()).decode("ascii")
    s = res.summary
    keys = (
        "tib_h",
        "tib_source",
        "n_lm",
        "n_clm",
        "n_plm",
        "lm_index_tib",
        "clm_index_tib",
        "plm_index_tib",
        "periodicity_index_rec",
        "n_posture_changes",
        "unscorable_h",
    )
    table = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{html.escape(str(s.get(k)))}</td></tr>" for k in keys
    )
    warn = "".join(f"<li>{html.escape(w)}</li>" for w in s.get("warnings", [])) or "<li>none</li>"
    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Actigraphy PLM report {html.escape(res.stem)}</title></head><body>"
        f"<h1>Actigraphy PLM report: {html.escape(res.stem)}</h1>"
        f"<p>{html.escape(str(s.get('index_note')))}; rules {html.escape(res.rules.name)}</p>"
        f"<img alt='LM raster' src='data:image/png;base64,{img}'>"
        f"<table>{table}</table><h2>Warnings</h2><ul>{warn}</ul></body></html>\n"
    )
    path = out / f"{res.stem}_report.html"
    with atomic_write(path, "w", encoding="utf-8") as fh:
        fh.write(page)
    return path
