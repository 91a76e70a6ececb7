"""The data model: what one night hands to the scoring engine.

Every time is in seconds from the recording start (the EDF start date/time, or the
first event of an event file).  Tables are small :class:`pandas.DataFrame` objects with
one row per event, never per sample.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pandas is imported where a table is made: `plm --help` does not load it
    import pandas as pd

__all__ = [
    "STAGES",
    "SLEEP_STAGES",
    "Hypnogram",
    "NightEvents",
    "InputError",
    "empty_movements",
    "empty_intervals",
]

#: Stage codes used everywhere (AASM names; R&K stages 3 and 4 both map to N3).
STAGES: tuple[str, ...] = ("W", "N1", "N2", "N3", "R")
SLEEP_STAGES: tuple[str, ...] = ("N1", "N2", "N3", "R")
UNSCORED = "unscored"


class InputError(ValueError):
    """Bad input: the message names the file (when known) and the problem, in one line."""

    def __init__(self, problem: str, source: str | None = None) -> None:
        self.problem = problem
        self.source = source
        super().__init__(f"{source}: {problem}" if source else problem)


def empty_movements() -> pd.DataFrame:
    """Return an empty monolateral-movement table (``onset``, ``duration``, ``side``)."""
    import pandas as pd

    return pd.DataFrame(
        {
            "onset": pd.Series(dtype=float),
            "duration": pd.Series(dtype=float),
            "side": pd.Series(dtype=object),
        }
    )


def empty_intervals(extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """Return an empty interval table (``onset``, ``duration`` and ``extra`` columns)."""
    import pandas as pd

    cols: dict[str, pd.Series] = {
        "onset": pd.Series(dtype=float),
        "duration": pd.Series(dtype=float),
    }
    for name in extra:
        cols[name] = pd.Series(dtype=object)
    return pd.DataFrame(cols)


@dataclass
class Hypnogram:
    """Sleep stages on a regular epoch grid.

    Parameters
    ----------
    stages : array of str
        One of ``W``, ``N1``, ``N2``, ``N3``, ``R`` or ``unscored`` per epoch.
    epoch_s : float
        Epoch length in seconds (30 s by default).
    start_s : float
        Start of the first epoch, in seconds from the recording start.
    """

    stages: np.ndarray
    epoch_s: float = 30.0
    start_s: float = 0.0

    def __post_init__(self) -> None:
        self.stages = np.asarray(self.stages, dtype=object)
        bad = set(self.stages.tolist()) - set(STAGES) - {UNSCORED}
        if bad:
            raise InputError(f"unknown sleep stage code(s) {sorted(bad)} in hypnogram")
        if not self.epoch_s > 0:
            raise InputError(f"epoch length must be > 0 s, got {self.epoch_s}")

    @property
    def end_s(self) -> float:
        """End of the last epoch, in seconds from the recording start."""
        return self.start_s + len(self.stages) * self.epoch_s

    def stage_at(self, t_s: np.ndarray | float) -> np.ndarray:
        """Return the stage of the epoch containing each time (``unscored`` outside)."""
        t = np.atleast_1d(np.asarray(t_s, dtype=float))
        idx = np.floor((t - self.start_s) / self.epoch_s).astype(np.int64)
        inside = (idx >= 0) & (idx < len(self.stages))
        out = np.full(t.shape, UNSCORED, dtype=object)
        out[inside] = self.stages[idx[inside]]
        return out

    def stage_seconds(self, intervals: np.ndarray) -> dict[str, float]:
        """Seconds of each stage inside a set of disjoint ``[start, end)`` intervals.

        Parameters
        ----------
        intervals : array, shape (n, 2)
            Disjoint time intervals in seconds (e.g. the scorable analysis window).
        """
        n = len(self.stages)
        out = {s: 0.0 for s in (*STAGES, UNSCORED)}
        if n == 0:
            return out
        starts = self.start_s + np.arange(n) * self.epoch_s
        ends = starts + self.epoch_s
        covered = np.zeros(n)
        for a, b in np.asarray(intervals, dtype=float).reshape(-1, 2):
            covered += np.clip(np.minimum(ends, b) - np.maximum(starts, a), 0.0, None)
        for s in out:
            out[s] = float(covered[self.stages == s].sum())
        return out

    def to_frame(self) -> pd.DataFrame:
        """Return the hypnogram as an event table (one row per epoch)."""
        import pandas as pd

        n = len(self.stages)
        return pd.DataFrame(
            {
                "onset": self.start_s + np.arange(n) * self.epoch_s,
                "duration": np.full(n, self.epoch_s),
                "stage": self.stages,
            }
        )


@dataclass
class NightEvents:
    """Everything the scoring engine needs about one night, already in seconds.

    Parameters
    ----------
    movements : DataFrame
        Monolateral leg movements: ``onset`` and ``duration`` in s, ``side`` ``left`` or
        ``right`` (or ``both`` for a single merged-legs channel).  Optional extra
        columns (``peak_uv``, ``area_uv_s``) are carried through.
    hypnogram : Hypnogram or None
        Sleep stages; ``None`` when the night has no scoring.
    respiratory : DataFrame
        Apneas and hypopneas: ``onset``, ``duration`` (s), ``type``.
    arousals : DataFrame
        Arousals: ``onset``, ``duration`` (s).
    lights_off_s, lights_on_s : float or None
        Analysis window bounds (docs/scoring.md §10.1); ``None`` means the recording bounds.
    recording_duration_s : float or None
        Length of the recording; inferred from the events when unknown.
    gaps : DataFrame
        Stretches that cannot be scored: ``onset``, ``duration`` (s), ``reason`` (for
        example the gaps of an EDF+D file, or unscorable leg EMG).  No IMI or series
        spans a gap, and gap time counts in no denominator.
    unmapped_labels : dict
        Annotation labels that mapped to nothing, with their counts.
    sources : list of dict
        Input files (``file``, ``sha256``) for provenance.
    warnings : list of str
        Problems worth reporting that did not stop scoring.
    """

    movements: pd.DataFrame = field(default_factory=empty_movements)
    hypnogram: Hypnogram | None = None
    respiratory: pd.DataFrame = field(default_factory=lambda: empty_intervals(("type",)))
    arousals: pd.DataFrame = field(default_factory=empty_intervals)
    lights_off_s: float | None = None
    lights_on_s: float | None = None
    recording_duration_s: float | None = None
    gaps: pd.DataFrame = field(default_factory=lambda: empty_intervals(("reason",)))
    unmapped_labels: dict[str, int] = field(default_factory=dict)
    sources: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    start_datetime: str | None = None  # ISO local clock time of t = 0, when known
