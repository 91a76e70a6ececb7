"""Simulated recordings with planted ground truth (public, in the spirit of ``mne.simulation``).

- :mod:`plm.simulate.nights`: leg EMG nights (movements, series, hypnogram, respiratory events,
  arousals, artifacts) written as EDF+, and :func:`match_events` to score a detector against
  the planted truth.
- :mod:`plm.simulate.accel`: ankle accelerometry of the same movements (EDF, CSV).
- :mod:`plm.simulate.cwa`: the Axivity CWA writer.

Every generator is seeded: the same arguments give the same bytes.
"""

from plm.simulate.accel import (
    SyntheticAccel,
    simulate_accel,
    simulate_accel_night,
    simulate_paired_night,
    write_accel_csv,
    write_accel_edf,
)
from plm.simulate.cwa import write_cwa
from plm.simulate.nights import (
    ARTIFACTS,
    MatchResult,
    SyntheticNight,
    match_events,
    simulate_night,
    simulate_quiet_night,
    write_night_edf,
    write_truth_tsv,
)

__all__ = [
    "ARTIFACTS",
    "MatchResult",
    "SyntheticAccel",
    "SyntheticNight",
    "match_events",
    "simulate_accel",
    "simulate_accel_night",
    "simulate_night",
    "simulate_paired_night",
    "simulate_quiet_night",
    "write_accel_csv",
    "write_accel_edf",
    "write_cwa",
    "write_night_edf",
    "write_truth_tsv",
]
