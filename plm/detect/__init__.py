"""Leg-movement detection: the resting baseline, onset/offset hysteresis and EMG rules."""

from plm.detect.emg import *  # noqa: F403
from plm.detect.emg import __all__  # noqa: F401
