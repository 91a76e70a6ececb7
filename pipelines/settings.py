"""The scoring settings of a command: built once from the command line, passed everywhere.

Every command that scores (``plm score``, ``score-events``, ``batch``, ``validate-cap``,
``sit``, ``score-accel``) takes the same options for the rules and the legs.  They are
declared once (:func:`add_scoring_args`), read once into a :class:`ScoringSettings`
(:func:`settings_from_args`) and handed as one object to the pipelines, which pass
:meth:`ScoringSettings.score_kwargs` to the library's scoring functions.

This module imports nothing heavy at module level (batch worker processes import it
before setting their thread limits).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "AGE_GROUPS",
    "DEFAULT_RULES",
    "ScoringSettings",
    "add_overrides_arg",
    "add_scoring_args",
    "settings_from_args",
]

DEFAULT_RULES = "wasm2016"
AGE_GROUPS = ("adult", "child")


@dataclass(frozen=True)
class ScoringSettings:
    """How recordings are scored: rules, overrides, age group, legs, input options.

    Attributes
    ----------
    rules : str
        Rule profile name (``wasm2016``, ``aasm2012``...; see ``plm rules``).
    overrides : mapping of str to str
        ``--set NAME=VALUE`` rule parameters, as typed (the library converts them).
    age_group : str
        ``adult`` (PLMD cut-off > 15/h) or ``child`` (> 5/h).
    left, right : str or None
        Leg channel labels (or ``A-B`` bipolar derivations); None: discovered.
    allow_poor_signal : bool
        Score even when the leg channels fail the EMG checks (the summary warns).
    annotation_format : str or None
        Force the format of annotation files; None: detected.
    """

    rules: str = DEFAULT_RULES
    overrides: Mapping[str, str] = field(default_factory=dict)
    age_group: str = "adult"
    left: str | None = None
    right: str | None = None
    allow_poor_signal: bool = False
    annotation_format: str | None = None

    def profile(self) -> Any:
        """The rule profile with the overrides applied (:class:`plm.rules.RuleProfile`).

        Raises
        ------
        ValueError
            For an unknown profile or a bad ``--set`` (a usage error).
        """
        from plm.rules import get_rules

        return get_rules(self.rules, **self.overrides)

    def score_kwargs(self, *, legs: bool = True, annotation_format: bool = True) -> dict[str, Any]:
        """Keyword arguments of :func:`plm.score` (``plm.sit.score_sit``, ``score_events``).

        Parameters
        ----------
        legs : bool
            Include ``left``, ``right`` and ``allow_poor_signal`` (EMG recordings).
        annotation_format : bool
            Include ``annotation_format`` when it is set.

        Returns
        -------
        dict
            ``rules``, ``age_group``, the leg options, ``annotation_format`` when set,
            and every override as its own keyword.
        """
        kw: dict[str, Any] = {"rules": self.rules, "age_group": self.age_group}
        if legs:
            kw.update(left=self.left, right=self.right, allow_poor_signal=self.allow_poor_signal)
        if annotation_format and self.annotation_format is not None:
            kw["annotation_format"] = self.annotation_format
        kw.update(self.overrides)
        return kw

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain JSON values (overrides sorted by name)."""
        return {
            "rules": self.rules,
            "overrides": dict(sorted(self.overrides.items())),
            "age_group": self.age_group,
            "left": self.left,
            "right": self.right,
            "allow_poor_signal": self.allow_poor_signal,
            "annotation_format": self.annotation_format,
        }


def add_overrides_arg(p: argparse.ArgumentParser, help: str | None = None) -> None:
    """Add ``--set NAME=VALUE`` (repeatable) to a parser."""
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help=help
        or "override a rule parameter, e.g. --set imi_min_s=5 (repeatable; see `plm rules`)",
    )


def add_scoring_args(
    p: argparse.ArgumentParser,
    *,
    legs: bool = True,
    poor_signal: bool = True,
    annotation_format: bool = False,
    rule_lists: bool = False,
) -> None:
    """Add the shared scoring options to a sub-command's parser.

    Parameters
    ----------
    p : ArgumentParser
        The sub-command's parser.
    legs : bool
        Add ``--left`` and ``--right`` (leg channel labels).
    poor_signal : bool
        Add ``--allow-poor-signal``.
    annotation_format : bool
        Add ``--annotation-format``.
    rule_lists : bool
        ``--rules`` also takes a comma-separated list (``plm score``: several rule sets in
        one run, see :mod:`pipelines.rules_table`).
    """
    from plm.rules import PROFILES

    if annotation_format:
        p.add_argument("--annotation-format", default=None, help="force the annotation format")
    if legs:
        p.add_argument("--left", default=None, help="left leg channel label (or 'A-B' bipolar)")
        p.add_argument("--right", default=None, help="right leg channel label (or 'A-B' bipolar)")
    if poor_signal:
        p.add_argument(
            "--allow-poor-signal",
            action="store_true",
            help="score even if the leg channels fail the EMG checks (the summary warns)",
        )
    if rule_lists:
        p.add_argument(
            "--rules",
            default=DEFAULT_RULES,
            type=_rule_list,
            metavar="{" + ",".join(sorted(PROFILES)) + "}[,...]",
            help=f"rule profile, or several comma-separated (default {DEFAULT_RULES})",
        )
    else:
        p.add_argument(
            "--rules",
            default=DEFAULT_RULES,
            choices=sorted(PROFILES),
            help=f"rule profile (default {DEFAULT_RULES})",
        )
    add_overrides_arg(p)
    p.add_argument(
        "--age-group",
        default="adult",
        choices=list(AGE_GROUPS),
        help="PLMD cut-off: > 15/h (adult) or > 5/h (child)",
    )


def _rule_list(text: str) -> str:
    """``--rules`` value with one or several comma-separated profile names."""
    from plm.rules import PROFILES

    names = [n.strip() for n in text.split(",")]
    bad = [n for n in names if n not in PROFILES]
    if bad or len(set(names)) != len(names):
        raise argparse.ArgumentTypeError(
            f"{text!r}: give distinct profiles among {', '.join(sorted(PROFILES))}"
        )
    return ",".join(names)


def settings_from_args(args: argparse.Namespace) -> ScoringSettings:
    """Build the :class:`ScoringSettings` of a parsed command line.

    Options a sub-command does not have take their defaults.

    Raises
    ------
    ValueError
        When a ``--set`` item is not ``NAME=VALUE``.
    """
    from plm.rules import parse_overrides

    return ScoringSettings(
        rules=getattr(args, "rules", DEFAULT_RULES),
        overrides=parse_overrides(getattr(args, "overrides", None)),
        age_group=getattr(args, "age_group", "adult"),
        left=getattr(args, "left", None),
        right=getattr(args, "right", None),
        allow_poor_signal=bool(getattr(args, "allow_poor_signal", False)),
        annotation_format=getattr(args, "annotation_format", None),
    )
