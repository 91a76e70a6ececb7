"""Parameters of leg-movement detection in ankle accelerometry (:class:`AccelRules`).

All in g, s, Hz, degrees or plain ratios.  No scoring standard defines leg-movement
thresholds for accelerometry (the PAM-RL algorithm is proprietary), so the amplitudes
and angles are project choices, stated as such, each with its reason.  ``docs/actigraphy.md``
has the same table and the measurements behind the choices.

===========================  =======  ==================================================
parameter                    default  source / reason
===========================  =======  ==================================================
**amplitude trace**
``gravity_method``           posture  the held posture reference (steps 1-2 of
                                      :mod:`plm.accel.detect`); ``median`` (20-s running
                                      medians, the 2026 method) and ``highpass`` for
                                      comparison
``gravity_window_s``         20.0     running mean inside a still run (slow drift);
                                      the ``median`` method's windows: > 2 × the 10-s
                                      longest LM (docs/scoring.md §4.3)
``highpass_hz``              0.25     only for ``highpass`` (0.25-0.5 Hz usual)
``envelope_s``               0.1      as the EMG envelope (``RuleProfile.envelope_s``)
``baseline_floor_s``         30.0     as the EMG floor (``unscorable_min_s``)
``baseline_window_s``        60.0     as the EMG resting level (``baseline_min_s``)
**margins**
``onset_above_rest_g``       0.03     project choice: ≈ 1.7° of tilt, 8 LSB of a 13-bit
                                      ±8 g sensor (AX3/ADXL345: 1/256 g); the floor of
                                      the onset margin
``offset_above_rest_g``      0.01     project choice: ≈ 0.6°, 1/3 of the onset margin
                                      (the EMG offset is 1/4 of its onset); the floor
``onset_above_noise_sd``     8.0      the margins follow the night's sensor noise, as the
``offset_above_noise_sd``    5.0      EMG baseline follows resting EMG: × the robust SD
                                      of the resting envelope.  5 SD: a 0.1-s envelope of
                                      8-10 mg noise at 25 Hz stays below it for 0.5 s, so
                                      a 0.2-s twitch is not stretched into an LM; 8 SD
                                      keeps the onset ≥ 1.6 × the offset
``offset_quiet_s``           0.5      WASM 2016 offset rule (docs/scoring.md §3.2)
``lm_min_s``                 0.5      WASM 2016 / AASM minimum LM duration (docs/scoring.md §3.3)
``unscorable_rest_g``        0.1      project choice: resting level of continuous
                                      movement, not of a lying leg (< 0.01 g)
**still runs and posture**
``still_smooth_s``           0.3      smoothing of the block means before the range: a
                                      1-3 Hz tremor or step ringing is not a change of
                                      orientation
``still_window_s``           0.5      the LM's fastest part (rise 0.15-0.5 s) spans it;
                                      a 1-s pause before a turn still holds a still run
``still_range_g``            0.02     ≈ 1.1°: below the smallest LM (≈ 2-4°) at 2-5 mg
``still_noise_sd``           5.0      × the noise of the smoothed means: ≈ 20 mg at
                                      10 mg / 25 Hz
``still_min_s``              0.3      shortest pause that counts (1-3 s before a turn)
``held_min_deg``             1.0      the leg is back in its posture (an LM returns it
                                      within a few tenths of a degree; 2 × the noise of a
                                      run's median at 10 mg)
``held_overshoot``           2.0      a held movement reaches its plateau without going
                                      further first (≤ 2 ×, room for a 40 % plateau dip);
                                      an LM leaving a residual went 4-25° first
``held_return_fraction``     0.3      the return passes within 30 % of the displacement
                                      of the posture (a residual to either side allowed)
``held_movement_max_s``      30.0     longest held movement followed back: > the 11-20 s
                                      held movements seen (a movement > 10 s is a
                                      non-candidate, docs/scoring.md §4.3); longer
                                      holds are postures
``posture_min_s``            3.0      a displacement < ``posture_change_deg`` held less
                                      than this is a pause inside a movement
``posture_change_deg``       10.0     project choice: the reference changes by more
                                      across a posture change (turns 45-180°, partial
                                      turns 15-40°); an LM leaves it within a few degrees
``posture_probe_s``          2.0      the reference after an event is read this long
                                      after its offset (not past the next onset)
``posture_merge_s``          3.0      pieces of one turn (a pause inside it) are one
                                      change
**walking and out of bed**
``gait_impact_g``            0.3      heel strikes are 0.5-2 g at the ankle; LM
                                      accelerations are single pulses
``gait_mean_s``              1.0      impacts are measured above the 1-s mean of |a|
                                      (one stride), which removes gravity and the swing
``gait_refractory_s``        0.25     one impact per heel strike (a strike rings < 0.2 s;
                                      steps come ≥ 0.4 s apart)
``gait_min_hz``              0.5      stride / step rates of walking: ≈ 0.8-1 strides/s
``gait_max_hz``              2.5      (1.6-2 steps/s), with margin
``gait_min_steps``           6        ≥ 5 regular intervals (≈ 5 s): no LM series is
                                      periodic at 1-2 Hz
``gait_max_cv``              0.3      intervals vary by at most 30 % (periodic)
``upright_min_deg``          45.0     the leg during the bout vs lying before it: the
                                      shank turns ≈ 90° from lying to standing
``upright_ref_s``            10.0     the lying orientation: the 10 s before getting up
``walk_join_s``              3.0      getting up / lying down joined to the walk
**time in bed**
``tib_*``                    —        HDCZA rest-period detection (van Hees et al., Sci
                                      Rep 2018;8:12975; GGIR ``HASPT``): 5-s epochs,
                                      5-min rolling median of the angle change, threshold
                                      = 10th percentile × 15 (0.2° if 0), blocks > 30
                                      min, gaps < 60 min joined, longest block
``lying_min_deg``            60.0     edges refined by posture: lying ≈ 90° from the
                                      walking (upright) direction, sitting 10-40°
``tib_upright_gap_s``        600.0    upright stretches shorter than this (a walk to the
                                      bathroom) do not end the rest period
``night_split_hour``         12       nights are noon-to-noon windows (GGIR convention)
``min_night_data_s``         1800.0   a window with less data is not a night
===========================  =======  ==================================================

The series rules (IMI, series length, bilateral combination, maximum LM duration) come
from the standard's :class:`~plm.rules.RuleProfile`, not from here.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["AccelRules", "get_accel_rules"]


@dataclass(frozen=True)
class AccelRules:
    """Parameters of leg-movement detection in ankle accelerometry (see module docstring).

    Amplitudes are in g (``_g``), durations in seconds (``_s``), angles in degrees
    (``_deg``), frequencies in hertz (``_hz``), noise multiples in SDs (``_sd``); the
    others are ratios or counts.  The series rules (IMI, series length,
    bilateral combination, maximum LM duration) come from the standard's
    :class:`~plm.rules.RuleProfile`, not from here.
    """

    name: str = "accel2026"
    # amplitude trace
    gravity_method: Literal["posture", "median", "highpass"] = "posture"
    gravity_window_s: float = 20.0
    highpass_hz: float = 0.25
    envelope_s: float = 0.1
    baseline_floor_s: float = 30.0
    baseline_window_s: float = 60.0
    # margins
    onset_above_rest_g: float = 0.03
    offset_above_rest_g: float = 0.01
    onset_above_noise_sd: float = 8.0
    offset_above_noise_sd: float = 5.0
    offset_quiet_s: float = 0.5
    lm_min_s: float = 0.5
    unscorable_rest_g: float = 0.1
    # still runs and posture
    still_smooth_s: float = 0.3
    still_window_s: float = 0.5
    still_range_g: float = 0.02
    still_noise_sd: float = 5.0
    still_min_s: float = 0.3
    held_min_deg: float = 1.0
    held_overshoot: float = 2.0
    held_return_fraction: float = 0.3
    held_movement_max_s: float = 30.0
    posture_min_s: float = 3.0
    posture_change_deg: float = 10.0
    posture_probe_s: float = 2.0
    posture_merge_s: float = 3.0
    # walking and out of bed
    gait_impact_g: float = 0.3
    gait_mean_s: float = 1.0
    gait_refractory_s: float = 0.25
    gait_min_hz: float = 0.5
    gait_max_hz: float = 2.5
    gait_min_steps: int = 6
    gait_max_cv: float = 0.3
    upright_min_deg: float = 45.0
    upright_ref_s: float = 10.0
    walk_join_s: float = 3.0
    # time in bed (HDCZA, van Hees 2018; edges refined by posture)
    tib_epoch_s: float = 5.0
    tib_median_s: float = 300.0
    tib_percentile: float = 10.0
    tib_multiplier: float = 15.0
    tib_min_block_s: float = 1800.0
    tib_max_gap_s: float = 3600.0
    lying_min_deg: float = 60.0
    tib_upright_gap_s: float = 600.0
    night_split_hour: int = 12
    min_night_data_s: float = 1800.0

    def __post_init__(self) -> None:
        """Reject values no detector could mean."""
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if f.name.endswith(("_s", "_g", "_hz", "_deg")) and v < 0:
                raise ValueError(f"accelerometer parameter {f.name} must be >= 0, got {v}")
        if self.gravity_method not in ("posture", "median", "highpass"):
            raise ValueError(
                "gravity_method must be 'posture', 'median' or 'highpass', got "
                f"{self.gravity_method!r}"
            )
        if self.offset_above_rest_g > self.onset_above_rest_g:
            raise ValueError("offset_above_rest_g must not exceed onset_above_rest_g")
        if self.onset_above_noise_sd < 0 or self.offset_above_noise_sd < 0:
            raise ValueError("onset/offset_above_noise_sd must be >= 0")
        if self.offset_above_noise_sd > self.onset_above_noise_sd:
            raise ValueError("offset_above_noise_sd must not exceed onset_above_noise_sd")
        if not 0 < self.gait_min_hz < self.gait_max_hz:
            raise ValueError("need 0 < gait_min_hz < gait_max_hz")
        if self.held_overshoot < 1 or not 0 <= self.held_return_fraction <= 1:
            raise ValueError("need held_overshoot >= 1 and 0 <= held_return_fraction <= 1")
        if self.gait_min_steps < 2 or self.gait_max_cv < 0:
            raise ValueError("gait_min_steps must be >= 2 and gait_max_cv >= 0")
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
