"""Small inputs shared by the hostile-output and hostile-batch tests (issue 15)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np

from plm.io.edf import SignalSpec, write_edf


def tiny_edf(path: Path) -> Path:
    """A 1-s EDF with one leg channel of zeros (discoverable, not scorable)."""
    write_edf(
        path,
        [SignalSpec("Leg L", np.zeros(10, np.float32), 10, "uV", -10, 10)],
        datetime(2026, 1, 1, 22, 0),
    )
    return path
