"""Ankle accelerometry: read triaxial accelerometry, detect leg movements, score nights.

Leg movements (LMs) are detected in ankle (or foot) accelerometry with the EMG detector's
kernel (:mod:`plm.detect.kernel`: resting level, onset/offset hysteresis, minimum
duration) on a gravity-removed amplitude trace; the series rules are then applied by the
unchanged engine with a standard's :class:`~plm.rules.RuleProfile`.  Without a hypnogram
the rates are per hour of time in bed (``plm_index_tib``), never a PLMS index.

Modules
-------
:mod:`plm.accel.rules`
    :class:`AccelRules`, the detection parameters (g, s, Hz, degrees), and their sources.
:mod:`plm.accel.channels`
    Units and channel labels: which channels are an ankle's x, y, z.
:mod:`plm.accel.data`
    :class:`AnkleSignal`, :class:`AccelData`; the uniform time grid and its gaps.
:mod:`plm.accel.io`
    :func:`load_accel` (EDF/BDF, CSV, ActiGraph CSV, Axivity CWA), :func:`is_accelerometry`.
:mod:`plm.accel.cwa`
    :func:`read_cwa`, the Axivity AX3/AX6 reader.
:mod:`plm.accel.detect`
    :func:`detect_accel` (posture reference, noise-scaled margins, detection),
    :func:`detect_accel_window`.
:mod:`plm.accel.kinematics`
    Still runs, the posture reference held through movements, posture changes,
    walking and out of bed.
:mod:`plm.accel.tib`
    Time in bed: :func:`rest_period` (HDCZA, edges refined by lying/upright posture),
    :func:`read_diary`, :func:`night_windows`.
:mod:`plm.accel.nights`
    :func:`score_accel`, :func:`score_accel_data`, :class:`AccelScore`, the multi-night
    summary.

Report pages are the application's (``pipelines.accel_report``).
"""

from plm.accel.channels import G, find_accel_channels, g_per_unit, parse_axis_label
from plm.accel.cwa import cwa_rate_hz, read_cwa
from plm.accel.data import MAX_HOLE_S, AccelData, AnkleSignal
from plm.accel.detect import AccelDetection, detect_accel, detect_accel_window
from plm.accel.io import header_is_accelerometry, is_accelerometry, load_accel
from plm.accel.nights import (
    AccelNight,
    AccelScore,
    multinight_summary,
    score_accel,
    score_accel_data,
)
from plm.accel.rules import AccelRules, get_accel_rules
from plm.accel.tib import night_windows, read_diary, rest_period

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
    "cwa_rate_hz",
    "find_accel_channels",
    "parse_axis_label",
    "g_per_unit",
    "header_is_accelerometry",
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
