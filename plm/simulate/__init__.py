"""Simulated recordings with planted ground truth (public, in the spirit of ``mne.simulation``).

- :mod:`plm.simulate.nights`: leg EMG nights (movements, series, hypnogram, respiratory
  events, arousals, artifacts; :mod:`~plm.simulate.parts`, :mod:`~plm.simulate.artifacts`),
  optionally with heart beats and SpO2 responding to each movement
  (:mod:`~plm.simulate.cardio`); :mod:`plm.simulate.write` writes them as EDF+ and
  :mod:`plm.simulate.match` scores a detector against the planted truth.
- :mod:`plm.simulate.accel`: ankle accelerometry of the same movements (EDF, CSV), with
  the scenes of :mod:`~plm.simulate.accel_scenes` (held movements, turns, walks).
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
from plm.simulate.match import MatchResult, match_events
from plm.simulate.nights import ARTIFACTS, SyntheticNight, simulate_night, simulate_quiet_night
from plm.simulate.write import write_night_edf, write_truth_tsv

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
