"""Parameters of leg-movement detection in ankle accelerometry (:class:`AccelRules`).

All in g, s, Hz or degrees.  No scoring standard defines leg-movement thresholds for
accelerometry (the PAM-RL algorithm is proprietary), so the amplitudes are project
choices, stated as such:

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
    (``_deg``), frequencies in hertz (``_hz``).  The series rules (IMI, series length,
    bilateral combination, maximum LM duration) come from the standard's
    :class:`~plm.rules.RuleProfile`, not from here.
    """

    name: str = "accel2026"
    gravity_window_s: float = 20.0
    gravity_method: Literal["posture", "median", "highpass"] = "posture"
    highpass_hz: float = 0.25
    envelope_s: float = 0.1
    baseline_floor_s: float = 30.0
    baseline_window_s: float = 60.0
    onset_above_rest_g: float = 0.03
    offset_above_rest_g: float = 0.01
    onset_above_noise_sd: float = 8.0
    offset_above_noise_sd: float = 5.0
    offset_quiet_s: float = 0.5
    lm_min_s: float = 0.5
    posture_change_deg: float = 10.0
    held_min_deg: float = 1.0
    held_overshoot: float = 2.0
    held_return_fraction: float = 0.3
    posture_min_s: float = 3.0
    still_smooth_s: float = 0.3
    still_window_s: float = 0.5
    still_range_g: float = 0.02
    still_noise_sd: float = 5.0
    still_min_s: float = 0.3
    posture_probe_s: float = 2.0
    held_movement_max_s: float = 30.0
    posture_merge_s: float = 3.0
    unscorable_rest_g: float = 0.1
    # walking and out of bed
    gait_impact_g: float = 0.3
    gait_min_hz: float = 0.5
    gait_max_hz: float = 2.5
    gait_min_steps: int = 6
    gait_max_cv: float = 0.3
    upright_min_deg: float = 45.0
    walk_join_s: float = 3.0
    # time in bed (HDCZA, van Hees 2018)
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
