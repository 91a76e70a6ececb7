"""Rule profiles: every parameter of a scoring standard as a named field with units.

Three profiles ship (docs/scoring.md §1.1): ``wasm2016`` (the default), ``aasm2012`` and
``aasm2007``.  A profile is a frozen dataclass; :func:`get_rules` returns one by name
with any field overridden, so the profile actually used can be written into every output.

References
----------
Ferri R et al. WASM 2016 standards for recording and scoring leg movements.
Sleep Med 2016;26:86-95.  Iber C et al. The AASM Manual v1, 2007 (rules as quoted in the
NSRR CHAT manual section 6.8.4).  Berry RB et al. AASM Manual v2.5, 2018.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["RuleProfile", "PROFILES", "FIELDS", "get_rules", "parse_overrides", "profile_table"]


@dataclass(frozen=True)
class RuleProfile:
    """Named parameters of one leg-movement scoring standard.

    Every duration is in seconds (``_s``), every amplitude in microvolts (``_uv``) and
    every frequency in hertz (``_hz``).  Defaults are the WASM 2016 values; the other
    profiles are built with :func:`dataclasses.replace`.
    """

    name: str = "wasm2016"

    # --- signal conditioning (docs/scoring.md §2) -------------------------------
    highpass_hz: float = 10.0
    lowpass_hz: float = 100.0  # capped at lowpass_max_fraction * fs at run time
    lowpass_max_fraction: float = 0.45
    filter_order: int = 4  # Butterworth order of each of the high- and low-pass
    notch: Literal["auto", "off", "50", "60"] = "auto"
    ecg_suppression: bool = True  # only used when an ECG channel is found

    # --- resting baseline and LM detection (docs/scoring.md §3) -----------------
    baseline_smooth_s: float = 0.3  # moving window of the noise envelope
    baseline_max_s: float = 0.5  # look-back maximum (dilation) of the envelope
    baseline_min_s: float = 60.0  # look-back minimum (erosion): the resting level
    onset_above_baseline_uv: float = 8.0  # LM onset: EMG rises 8 uV above rest
    offset_above_baseline_uv: float = 2.0  # LM end: start of >= 0.5 s not above rest + 2 uV
    offset_quiet_s: float = 0.5
    unscorable_baseline_uv: float = 15.0  # baseline above this: leg EMG not scorable
    envelope_s: float = 0.1  # moving mean of the rectified EMG compared with the
    # thresholds (0 = the literal per-sample rule; see plm.detect for why 0.1 s)
    unscorable_min_s: float = 30.0  # raised EMG lasting longer than this is noise, not LMs
    unscorable_merge_gap_s: float = 5.0  # unscorable stretches closer than this merge
    elevated_floor_uv: float = 10.0  # above this resting floor a stretch gets its own baseline
    morphology_rule: bool = True  # WASM 2016 computer rule, docs/scoring.md §3.4
    morphology_window_s: float = 0.5  # running median must exceed rest + 2 uV somewhere
    min_amplitude_rule: bool = False  # AASM 2007 A.3 (peak >= rest + 8 uV)
    min_resolution_uv: float = 2.0  # coarser ADC steps cannot resolve the 2 uV rule

    # --- signals real recordings carry (docs/scoring.md §3.7) -------------------
    sustained_onset_s: float = 0.5  # mean |EMG| over this must pass rest + 8 uV in an LM (0 = off)
    motion_rule: bool = True  # reject motion transients: no broadband EMG in the high band
    motion_highpass_hz: float = 60.0  # high band: EMG reaches it, electrode motion does not
    motion_window_s: float = 0.5  # running median of the high band must exceed its rest ...
    motion_above_uv: float = 2.5  # ... by this much somewhere in the LM
    motion_context_s: float = 5.0  # high-band rest: median over this before and after
    flat_min_s: float = 2.0  # identical raw samples for this long: flat lead (0 = off)
    flat_margin_s: float = 0.5  # flat stretches widened by this on both sides
    leadoff_std_uv: float = 1000.0  # raw SD over 1 s above this: lead off, not EMG (0 = off)
    leadoff_margin_s: float = 1.0  # lead-off stretches widened by this (notch/filter ringing)

    # --- monolateral LMs (docs/scoring.md §3.3, §4.3) ---------------------------
    lm_min_s: float = 0.5  # shorter bursts are not LMs
    same_leg_merge_gap_s: float = 0.5  # same-leg bursts closer than this are one LM
    lm_max_s: float = 10.0  # longest monolateral candidate LM
    long_lm_action: Literal["noncandidate", "discard"] = "noncandidate"

    # --- bilateral combination (docs/scoring.md §4) -----------------------------
    bilateral_rule: Literal["overlap_gap", "onset_difference"] = "overlap_gap"
    bilateral_gap_s: float = 0.5  # WASM: overlap or next onset < offset + 0.5 s
    bilateral_onset_difference_s: float = 5.0  # AASM: onsets < 5 s apart are one LM
    bilateral_max_s: float = 15.0  # WASM: longest bilateral candidate LM
    bilateral_max_components: int = 4  # WASM: at most 4 monolateral LMs

    # --- periodic series (docs/scoring.md §6) -----------------------------------
    imi_min_s: float = 10.0  # inclusive
    imi_max_s: float = 90.0  # inclusive
    min_series_length: int = 4
    short_imi_action: Literal["break", "skip"] = "break"
    short_imi_clm_may_start_series: bool = True  # MATPLM/PLMScoRe reading
    noncandidate_breaks_series: bool = True

    # --- respiratory events (docs/scoring.md §7) --------------------------------
    respiratory_rule: Literal["flag_window_at_end", "exclude_around_event", "none"] = (
        "flag_window_at_end"
    )
    respiratory_before_end_s: float = 2.0  # WASM: window [end - 2.0, end + 10.25]
    respiratory_after_end_s: float = 10.25
    respiratory_margin_s: float = 0.5  # AASM: drop LMs in [start - 0.5, end + 0.5]

    # --- arousals (docs/scoring.md §8) ------------------------------------------
    arousal_gap_s: float = 0.5  # associated if overlapping or < 0.5 s apart

    # --- Ferri 2006 periodicity index (docs/scoring.md §12.2) -------------------
    ferri_imi_min_s: float = 10.0  # exclusive lower bound (10 < IMI)
    ferri_imi_max_s: float = 90.0  # inclusive upper bound (IMI <= 90)
    ferri_min_run_imis: int = 3

    # --- clinical cut-off (docs/scoring.md §13) ---------------------------------
    plmd_cutoff_adult_per_h: float = 15.0
    plmd_cutoff_child_per_h: float = 5.0

    # free text, written to outputs
    reference: str = field(
        default="Ferri et al., WASM 2016, Sleep Med 2016;26:86-95", compare=False
    )

    def __post_init__(self) -> None:
        """Reject values no standard could mean (negative durations, empty windows)."""
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name.endswith(("_s", "_uv", "_hz")) and isinstance(value, (int, float)):
                if value < 0:
                    raise ValueError(f"rule parameter {f.name} must be >= 0, got {value}")
        if self.imi_min_s > self.imi_max_s:
            raise ValueError(
                f"imi_min_s ({self.imi_min_s}) must not exceed imi_max_s ({self.imi_max_s})"
            )
        if self.min_series_length < 2:
            raise ValueError("min_series_length must be at least 2")
        choices = {
            "notch": ("auto", "off", "50", "60"),
            "long_lm_action": ("noncandidate", "discard"),
            "bilateral_rule": ("overlap_gap", "onset_difference"),
            "short_imi_action": ("break", "skip"),
            "respiratory_rule": ("flag_window_at_end", "exclude_around_event", "none"),
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ValueError(
                    f"rule parameter {name} must be one of {allowed}, got {getattr(self, name)!r}"
                )

    def to_dict(self) -> dict[str, Any]:
        """Return every parameter as a JSON-serialisable dict."""
        return dataclasses.asdict(self)


_WASM2016 = RuleProfile()

# AASM 2007 (docs/scoring.md §16): LMs 0.5-10 s (longer ones are not LMs at all), bilateral
# LMs with onsets < 5 s apart are one LM, IMI 5-90 s, no series-breaking rule for short
# IMIs (the short-IMI LM is skipped), LMs from 0.5 s before to 0.5 s after an apnea or
# hypopnea are not scored, no morphology rule.
_AASM2007 = dataclasses.replace(
    _WASM2016,
    name="aasm2007",
    morphology_rule=False,
    min_amplitude_rule=True,
    long_lm_action="discard",
    bilateral_rule="onset_difference",
    imi_min_s=5.0,
    short_imi_action="skip",
    noncandidate_breaks_series=False,
    respiratory_rule="exclude_around_event",
    reference="Iber et al., AASM Manual v1, 2007 (NSRR CHAT manual 6.8.4)",
)

# AASM v2.x (2012 onward, docs/scoring.md §16): the 2007 numbers without the separate
# minimum-amplitude rule.
_AASM2012 = dataclasses.replace(
    _AASM2007,
    name="aasm2012",
    min_amplitude_rule=False,
    reference="Berry et al., AASM Manual v2.x, 2012-2018 (PMC9619152 Table 3)",
)

PROFILES: dict[str, RuleProfile] = {
    "wasm2016": _WASM2016,
    "aasm2012": _AASM2012,
    "aasm2007": _AASM2007,
}


#: Every field of :class:`RuleProfile`, declared once: (unit, meaning, docs/scoring.md
#: section).  ``plm rules NAME`` prints them as a table (:func:`profile_table`).
FIELDS: dict[str, tuple[str, str, str]] = {
    "name": ("", "profile name (+custom when a field is overridden)", "§1.1"),
    "highpass_hz": ("Hz", "band-pass lower edge", "§2.1"),
    "lowpass_hz": ("Hz", "band-pass upper edge (capped by lowpass_max_fraction x fs)", "§2.1"),
    "lowpass_max_fraction": ("", "highest low-pass edge as a fraction of the sampling rate",
                             "§2.1"),
    "filter_order": ("", "Butterworth order of each of the high- and low-pass", "§2.1"),
    "notch": ("", "mains notch: auto, off, 50 or 60 Hz", "§2.2"),
    "ecg_suppression": ("", "remove ECG artefact when an ECG channel is found", "§2.3"),
    "baseline_smooth_s": ("s", "moving window of the noise envelope", "§3.1"),
    "baseline_max_s": ("s", "look-back maximum of the envelope", "§3.1"),
    "baseline_min_s": ("s", "look-back minimum: the resting level", "§3.1"),
    "onset_above_baseline_uv": ("µV", "LM onset: EMG this far above the resting level",
                                "§3.2"),
    "offset_above_baseline_uv": ("µV", "LM end: EMG back below the resting level plus this",
                                 "§3.2"),
    "offset_quiet_s": ("s", "how long the EMG must stay below the end threshold", "§3.2"),
    "unscorable_baseline_uv": ("µV", "resting level above which leg EMG is unscorable",
                               "§3.6"),
    "envelope_s": ("s", "moving mean of the rectified EMG compared with the thresholds",
                   "§2.4"),
    "unscorable_min_s": ("s", "raised EMG longer than this is noise, not LMs", "§3.6"),
    "unscorable_merge_gap_s": ("s", "unscorable stretches closer than this merge", "§3.6"),
    "elevated_floor_uv": ("µV", "resting floor above which a stretch gets its own baseline",
                          "§3.1"),
    "morphology_rule": ("", "WASM computer rule on the shape of the burst", "§3.4"),
    "morphology_window_s": ("s", "running-median window of the morphology rule", "§3.4"),
    "min_amplitude_rule": ("", "AASM 2007: peak at least rest + 8 µV", "§3.5"),
    "min_resolution_uv": ("µV", "coarsest ADC step that resolves the 2 µV rule", "§3.2"),
    "sustained_onset_s": ("s", "an LM's mean rectified EMG over this must pass the onset "
                          "threshold somewhere (0 = off)", "§3.7"),
    "motion_rule": ("", "reject electrode-motion transients: no broadband EMG in the high band",
                    "§3.7"),
    "motion_highpass_hz": ("Hz", "lower edge of the high band EMG reaches and motion does not",
                           "§3.7"),
    "motion_window_s": ("s", "running-median window of the high band", "§3.7"),
    "motion_above_uv": ("µV", "high band must exceed its rest by this somewhere in the LM",
                        "§3.7"),
    "motion_context_s": ("s", "high-band rest: median over this before and after", "§3.7"),
    "flat_min_s": ("s", "identical raw samples this long: flat lead, unscorable (0 = off)",
                   "§3.7"),
    "flat_margin_s": ("s", "flat stretches widened by this on both sides", "§3.7"),
    "leadoff_std_uv": ("µV", "raw SD over 1 s above this: lead off, unscorable (0 = off)",
                       "§3.7"),
    "leadoff_margin_s": ("s", "lead-off stretches widened by this", "§3.7"),
    "lm_min_s": ("s", "shortest LM", "§3.3"),
    "same_leg_merge_gap_s": ("s", "same-leg bursts closer than this are one LM", "§3.3"),
    "lm_max_s": ("s", "longest monolateral candidate LM", "§4.3"),
    "long_lm_action": ("", "longer LMs: noncandidate (break series) or discard", "§4.3"),
    "bilateral_rule": ("", "how two legs' LMs combine: overlap_gap or onset_difference",
                       "§4"),
    "bilateral_gap_s": ("s", "WASM: overlap or next onset within this of the end", "§4.1"),
    "bilateral_onset_difference_s": ("s", "AASM: onsets closer than this are one LM", "§4.2"),
    "bilateral_max_s": ("s", "longest bilateral candidate LM", "§4.1"),
    "bilateral_max_components": ("", "most monolateral LMs in one bilateral LM", "§4.1"),
    "imi_min_s": ("s", "shortest IMI of a periodic series (inclusive)", "§6"),
    "imi_max_s": ("s", "longest IMI of a periodic series (inclusive)", "§6"),
    "min_series_length": ("", "fewest CLMs in a periodic series", "§6"),
    "short_imi_action": ("", "an IMI below the minimum: break the run or skip the LM", "§6.3"),
    "short_imi_clm_may_start_series": ("", "a CLM after a short IMI may open a run", "§6.2"),
    "noncandidate_breaks_series": ("", "a non-candidate LM ends a run", "§6.1"),
    "respiratory_rule": ("", "flag_window_at_end (WASM CLMr), exclude_around_event (AASM) "
                         "or none", "§7"),
    "respiratory_before_end_s": ("s", "CLMr window start before the event end", "§7.2"),
    "respiratory_after_end_s": ("s", "CLMr window end after the event end", "§7.2"),
    "respiratory_margin_s": ("s", "AASM: LMs this close to an event are not scored", "§7.3"),
    "arousal_gap_s": ("s", "LM and arousal overlapping or closer than this are associated",
                      "§8"),
    "ferri_imi_min_s": ("s", "Ferri index: IMI above this (exclusive)", "§12.2"),
    "ferri_imi_max_s": ("s", "Ferri index: IMI up to this (inclusive)", "§12.2"),
    "ferri_min_run_imis": ("", "Ferri index: fewest consecutive IMIs of a run", "§12.2"),
    "plmd_cutoff_adult_per_h": ("/h", "PLMS index above which an adult is flagged", "§13"),
    "plmd_cutoff_child_per_h": ("/h", "PLMS index above which a child is flagged", "§13"),
    "reference": ("", "the publication the profile follows", "§1.1"),
}  # fmt: skip


def profile_table(profile: RuleProfile) -> list[dict[str, Any]]:
    """Every field of a profile as rows: field, value, unit, meaning, source.

    ``source`` is the section of docs/scoring.md stating the rule, with ``override``
    and the standard value when the field differs from the profile it was built from.
    """
    base = PROFILES.get(profile.name.split("+")[0])
    rows = []
    for f in dataclasses.fields(profile):
        unit, meaning, section = FIELDS[f.name]
        value = getattr(profile, f.name)
        source = f"docs/scoring.md {section}"
        std = getattr(base, f.name) if base is not None else value
        if f.name != "name" and std != value:
            source += f"; override (standard {std})"
        rows.append(
            {"field": f.name, "value": value, "unit": unit, "meaning": meaning, "source": source}
        )
    return rows


def _coerce(name: str, text: str, current: Any) -> Any:
    """Convert a command-line string to the type of the field it overrides."""
    if isinstance(current, bool):
        low = text.strip().lower()
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"rule parameter {name} expects true/false, got {text!r}")
    if isinstance(current, int):
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"rule parameter {name} expects an integer, got {text!r}") from None
    if isinstance(current, float):
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"rule parameter {name} expects a number, got {text!r}") from None
    return text


def get_rules(rules: str | RuleProfile = "wasm2016", **overrides: Any) -> RuleProfile:
    """Return a rule profile by name, with fields overridden.

    Parameters
    ----------
    rules : str or RuleProfile
        ``"wasm2016"`` (default), ``"aasm2012"``, ``"aasm2007"``, or a profile.
    **overrides
        Field values to replace, e.g. ``imi_min_s=5.0``.  Strings are converted to the
        field's type, so values straight from a command line are accepted.

    Returns
    -------
    RuleProfile
        The profile; its ``name`` gets a ``+custom`` suffix when anything was overridden.

    Raises
    ------
    ValueError
        For an unknown profile, an unknown field or a value of the wrong type.
    """
    if isinstance(rules, RuleProfile):
        base = rules
    else:
        key = str(rules).strip().lower().replace("-", "").replace("_", "")
        if key not in PROFILES:
            raise ValueError(f"unknown rule profile {rules!r}; choose one of {sorted(PROFILES)}")
        base = PROFILES[key]
    if not overrides:
        return base
    known = {f.name for f in dataclasses.fields(RuleProfile)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(f"unknown rule parameter(s) {unknown}; known: {sorted(known)}")
    values = {}
    for name, value in overrides.items():
        current = getattr(base, name)
        values[name] = _coerce(name, value, current) if isinstance(value, str) else value
    name = base.name if base.name.endswith("+custom") else base.name + "+custom"
    return dataclasses.replace(base, name=values.pop("name", name), **values)


def parse_overrides(items: list[str] | None) -> dict[str, str]:
    """Parse ``NAME=VALUE`` strings from a command line into a dict.

    Raises
    ------
    ValueError
        When an item has no ``=``.
    """
    out: dict[str, str] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"--set expects NAME=VALUE, got {item!r}")
        out[name.strip()] = value.strip()
    return out
