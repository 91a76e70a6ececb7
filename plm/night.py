"""Score one night's events: the rules, the metrics and the result object.

:func:`score_night` is the composition every entry point shares (recordings,
already-scored movements, accelerometry, SIT windows): rule application
(:mod:`plm.engine`) → metrics (:mod:`plm.metrics`) → :class:`plm.results.PLMResult`.
"""

from __future__ import annotations

from typing import Any

from plm.engine import apply_rules
from plm.events import NightEvents
from plm.metrics import compute_summary
from plm.results import PLMResult, provenance
from plm.rules import RuleProfile, get_rules

__all__ = ["score_night"]


def score_night(
    events: NightEvents,
    rules: str | RuleProfile = "wasm2016",
    age_group: str = "adult",
    stem: str = "night",
    **overrides: Any,
) -> PLMResult:
    """Apply a rule profile to a :class:`~plm.events.NightEvents` and compute metrics."""
    profile = get_rules(rules, **overrides)
    engine = apply_rules(events, profile)
    summary = compute_summary(engine, events, profile, age_group=age_group)
    summary.update(provenance(profile, events))
    summary["stem"] = stem
    summary.setdefault("modality", "psg")
    return PLMResult(
        candidates=engine.candidates,
        movements=engine.movements,
        summary=summary,
        rules=profile,
        events=events,
        stem=stem,
    )
