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
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "AGE_GROUPS",
    "DEFAULT_RULES",
    "SHARED_OPTIONS",
    "ScoringSettings",
    "add_annotations_arg",
    "add_lights_args",
    "add_log_args",
    "add_output_args",
    "add_overrides_arg",
    "add_scoring_args",
    "check_output_args",
    "lights_from_args",
    "say",
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


# ---------------------------------------------------------------------------------------
# options every command shares: one name per concept, declared here once
# ---------------------------------------------------------------------------------------

#: Concept -> the one option name every command uses for it (checked by the CLI tests).
SHARED_OPTIONS: dict[str, str] = {
    "output folder": "--out",
    "output file stem": "--stem",
    "write the report": "--report",
    "annotation / hypnogram files": "--annotations",
    "lights off": "--lights-off",
    "lights on": "--lights-on",
    "rule profile": "--rules",
    "rule override": "--set",
    "age group": "--age-group",
    "patient fields": "--patient",
    "leave patient fields out": "--anonymize",
    "more log output": "--verbose",
    "errors only": "--quiet",
}

TIME_HELP = "seconds from the recording start, or clock time HH:MM[:SS]"


class _DeprecatedAlias(argparse.Action):
    """A former option name: still accepted, hidden from --help, warns once."""

    def __init__(self, *args: Any, new: str = "", **kwargs: Any) -> None:
        self.new = new
        super().__init__(*args, **kwargs)

    def __call__(self, parser: Any, namespace: Any, values: Any, option: Any = None) -> None:
        import logging

        logging.getLogger("plm").warning("%s is deprecated; use %s", option, self.new)
        setattr(namespace, self.dest, values)


def add_log_args(p: argparse.ArgumentParser, *, top: bool = False) -> None:
    """Add ``-v/--verbose`` and ``-q/--quiet`` (on the main parser and every sub-command).

    On sub-commands the defaults are suppressed, so ``plm -v score ...`` and
    ``plm score ... -v`` both work.
    """
    default_v: Any = 0 if top else argparse.SUPPRESS
    default_q: Any = False if top else argparse.SUPPRESS
    p.add_argument(
        "-v", "--verbose", action="count", default=default_v,
        help="more log output (-vv: debug)",
    )  # fmt: skip
    p.add_argument(
        "-q", "--quiet", action="store_true", default=default_q,
        help="print errors only (no result lines, warnings or progress)",
    )  # fmt: skip


def add_output_args(
    p: argparse.ArgumentParser,
    *,
    out_required: bool = True,
    stem: bool = True,
    report: bool = True,
    patient: bool | None = None,
) -> None:
    """Add ``--out``, ``--stem``, ``--report`` and the report's patient options.

    Parameters
    ----------
    p : ArgumentParser
        The sub-command's parser.
    out_required : bool
        ``--out`` must be given (else it defaults to next to the inputs).
    stem, report : bool
        Add ``--stem`` and ``--report``.
    patient : bool, optional
        Add ``--patient`` and ``--anonymize`` (default: with ``--report``).
    """
    p.add_argument(
        "--out",
        required=out_required,
        default=None,
        help="output folder" + ("" if out_required else " (default: next to the inputs)"),
    )
    if stem:
        p.add_argument(
            "--stem", default=None, help="output file-name stem (default: the input file's name)"
        )
    if report:
        p.add_argument("--report", action="store_true", help="also write the PDF and HTML report")
    if patient if patient is not None else report:
        p.add_argument(
            "--patient",
            action="append",
            default=[],
            metavar="JSON|KEY=VALUE",
            help="patient/study fields of the report, as a JSON object or file, or "
            "KEY=VALUE (repeatable; keys: id, name, sex, birthdate, age, study, "
            "referrer, scorer, review); default: the EDF+ header",
        )
        p.add_argument(
            "--anonymize",
            action="store_true",
            help="leave every patient field out of the report (also those of the header)",
        )


#: Output-folder options (attribute -> option) checked before any command runs.
OUTPUT_FOLDER_OPTIONS = {"out": "--out", "dest": "--dest"}


def check_output_args(args: argparse.Namespace) -> None:
    """Refuse unusable output options in one line, before a command does any work.

    ``--out`` and ``--dest`` must name a folder that is or can be made
    (:func:`plm._util.check_output_dir`; a command whose ``--out`` may also be a file
    sets the parser default ``out_file_ok=True``), and ``--stem`` a plain file name
    (:func:`plm._util.check_stem`).  Every command's options pass here
    (:func:`pipelines.cli.main`).

    Raises
    ------
    InputError
        Naming the option, the path and the problem.
    """
    from plm._util import check_output_dir, check_stem

    for attr, option in OUTPUT_FOLDER_OPTIONS.items():
        value = getattr(args, attr, None)
        if isinstance(value, (str, os.PathLike)):
            file_ok = attr == "out" and bool(getattr(args, "out_file_ok", False))
            check_output_dir(value, file_ok=file_ok, option=option)
    stem = getattr(args, "stem", None)
    if stem is not None:
        check_stem(stem, source="--stem")


def add_annotations_arg(
    p: argparse.ArgumentParser,
    help: str,
    *,
    dest: str = "annotations",
    nargs: str | None = "+",
    deprecated: tuple[str, ...] = (),
) -> None:
    """Add ``--annotations`` (and hidden, deprecated former names of the same option)."""
    p.add_argument("--annotations", dest=dest, nargs=nargs, default=None, help=help)
    for old in deprecated:
        p.add_argument(
            old, dest=dest, nargs=nargs, default=None, action=_DeprecatedAlias,
            new="--annotations", help=argparse.SUPPRESS,
        )  # fmt: skip


def add_lights_args(p: argparse.ArgumentParser) -> None:
    """Add ``--lights-off`` and ``--lights-on`` (seconds or clock time)."""
    p.add_argument("--lights-off", default=None, metavar="TIME", help=f"lights off: {TIME_HELP}")
    p.add_argument("--lights-on", default=None, metavar="TIME", help=f"lights on: {TIME_HELP}")


def lights_from_args(
    args: argparse.Namespace, start: Any = None, source: str = ""
) -> tuple[float | None, float | None]:
    """``--lights-off`` / ``--lights-on`` in s from the recording start.

    Parameters
    ----------
    args : Namespace
        The parsed command line.
    start : datetime or callable, optional
        The recording start (for clock times), or a function returning it (called only
        when a clock time is given).
    source : str
        The recording, for messages.

    Raises
    ------
    InputError
        Unparseable times, or a clock time without a recording start.
    """
    from plm.sit import parse_start

    out: list[float | None] = []
    clock = False
    for name in ("lights_off", "lights_on"):
        value = getattr(args, name, None)
        if value is None:
            out.append(None)
            continue
        text = str(value).strip()
        clock = clock or ":" in text
        if ":" in text and callable(start):
            start = start()
        out.append(parse_start(text, None if callable(start) else start, source))
    off, on = out
    if clock and off is not None and on is not None and on <= off:
        on += 86400.0  # a clock time is the first at or after the start: the next day
    return off, on


def say(args: argparse.Namespace, text: str, *, err: bool = False) -> None:
    """Print a result line (stdout) or a warning (stderr) unless ``--quiet``."""
    import sys

    if not getattr(args, "quiet", False):
        print(text, file=sys.stderr if err else sys.stdout)
