"""plmkit: leg-movement detection and periodic limb movement scoring.

The pipeline, one module per stage::

    plm.io        reading EDF/BDF recordings and annotation files
    plm.signal    conditioning of leg EMG (band-pass, notch, ECG suppression, rectification)
    plm.detect    adaptive resting baseline and leg-movement detection
    plm.engine    scoring rules: candidates, bilateral LMs, IMIs, periodic series
    plm.metrics   indices and statistics for the report
    plm.results   the result object and the output files

Main entry points: :func:`plm.score` (a recording) and :func:`plm.score_events`
(already scored leg movements).
"""

from __future__ import annotations

import logging
from typing import Any

from plm._version import __version__
from plm.events import Hypnogram, InputError, NightEvents
from plm.rules import PROFILES, RuleProfile, get_rules

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "__version__",
    "score",
    "score_events",
    "get_rules",
    "RuleProfile",
    "PROFILES",
    "Hypnogram",
    "NightEvents",
    "InputError",
]


def __dir__() -> list[str]:
    """The public names, including those loaded lazily (``score``, ``score_events``)."""
    return sorted(set(globals()) | set(__all__))


def __getattr__(name: str) -> Any:
    # Lazy: importing plm stays cheap (no scipy/matplotlib) until scoring is asked for.
    if name in ("score", "score_events"):
        from plm import api

        return getattr(api, name)
    raise AttributeError(f"module 'plm' has no attribute {name!r}")
