"""Units and channel labels of ankle accelerometry: which channels are an ankle's x, y, z.

* Units ``g``, ``mg`` or ``m/s²`` (and their spellings) are converted to g
  (:func:`g_per_unit`).
* EDF channel labels and CSV column names are read for a side (left/right), an axis
  (x/y/z) and a body site (ankle/foot/leg...) or accelerometer word: ``L Ankle X``,
  ``Left ankle acc Y``, ``Acc R Z``, ``RAnkleX``, ``left_y`` (:func:`parse_axis_label`);
  labels naming another site or signal (wrist, chest, gyro, ECG...) are not accelerometer
  axes.  :func:`find_accel_channels` groups them into ankles with three axes each.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from plm.io.edf import uv_per_unit

__all__ = ["G", "g_per_unit", "parse_axis_label", "find_accel_channels"]

#: Standard gravity, m/s² per g.
G = 9.80665

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
