"""Command line of ankle actigraphy and the SIT: ``plm score-accel`` and ``plm sit``.

``plm score-accel FILE [--right FILE] [--diary CSV] --out DIR``: score every night of an
accelerometry file (EDF/BDF with ankle x/y/z channels, CSV, Axivity ``.cwa``); see
:mod:`plm.accel`.  ``plm sit RECORDING --window START DURATION [--window ...]
--out DIR``: the suggested immobilization test (:mod:`plm.sit`).

:func:`cmd_score_accel` also accepts the namespace of ``plm score`` (``recording``,
``out``, ``rules``, ``overrides``, ``age_group``, ``report``, ``annotations``), so
``plm score`` can hand an accelerometry file over to it.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from pipelines.settings import (
    add_annotations_arg,
    add_lights_args,
    add_output_args,
    add_scoring_args,
    lights_from_args,
    say,
    settings_from_args,
)
from plm.events import InputError
from plm.rules import parse_overrides

__all__ = ["add_parsers", "cmd_score_accel", "cmd_sit"]

logger = logging.getLogger(__name__)


def cmd_score_accel(args: argparse.Namespace) -> int:
    """Run ``plm score-accel`` (or ``plm score`` on an accelerometry file); exit code."""
    from plm.accel import get_accel_rules, load_accel, read_diary, score_accel_data

    recording = args.recording
    right = getattr(args, "right_file", None)
    diary = getattr(args, "diary", None)
    # `plm score --annotations`: a diary CSV (date, lights_off, lights_on) is accepted
    for extra in getattr(args, "annotations", None) or []:
        try:
            read_diary(extra)
        except InputError:
            raise InputError(
                "for accelerometry, --annotations takes a sleep diary CSV "
                "(date,lights_off,lights_on)",
                str(extra),
            ) from None
        diary = extra
    settings = settings_from_args(args)
    for name in ("left", "right"):
        if getattr(settings, name):
            logger.warning("--%s names EMG channels and is ignored for accelerometry", name)
    accel_rules = get_accel_rules(None, **parse_overrides(getattr(args, "accel_overrides", [])))
    data = load_accel(
        recording,
        right,
        side=getattr(args, "side", None),
        units=getattr(args, "units", None),
        fs_hz=getattr(args, "fs", None),
    )
    lights = None
    off, on = lights_from_args(args, data.start_datetime, str(recording))
    if (off is None) != (on is None):
        raise InputError("give both --lights-off and --lights-on", recording)
    if off is not None and on is not None:
        if on <= off:
            on += 86400.0
        lights = (off, on)
    result = score_accel_data(
        data,
        settings.rules,
        accel_rules=accel_rules,
        age_group=settings.age_group,
        diary=diary,
        lights=lights,
        stem=getattr(args, "stem", None),
        **settings.overrides,
    )
    result.to_dir(args.out)
    if getattr(args, "report", False):
        from pipelines.accel_report import write_accel_reports
        from pipelines.report import patient_from_args

        write_accel_reports(result, args.out, patient=patient_from_args(args, recording))
    say(args, f"{result.describe()}\n-> {Path(args.out)}")
    stats = result.multinight_stats.get("plm_index_tib", {})
    if len(result.nights) > 1 and stats.get("mean") is not None:
        cv = stats.get("cv")
        say(
            args,
            f"{result.stem}: {len(result.nights)} nights, PLM index (time in bed) mean "
            f"{stats['mean']:.1f}/h, SD {stats['sd']:.1f}"
            + (f", CV {cv:.2f}" if cv is not None else ""),
        )
    for w in sorted({w for n in result.nights for w in n.result.summary.get("warnings", [])}):
        say(args, f"  warning: {w}", err=True)
    return 0


def cmd_sit(args: argparse.Namespace) -> int:
    """Run ``plm sit``; exit code."""
    from plm.sit import score_sit

    result = score_sit(
        args.recording,
        windows=[tuple(w) for w in (args.window or [])] or None,
        annotations=args.sit_annotations,
        ratings=args.ratings,
        ratings_relative=args.ratings_relative,
        stem=args.stem,
        **settings_from_args(args).score_kwargs(),
    )
    result.to_dir(args.out)
    if getattr(args, "report", False):
        from pipelines.report import patient_from_args
        from pipelines.sit_report import write_sit_report

        write_sit_report(result, args.out, patient=patient_from_args(args, args.recording))
    say(args, f"{result.describe()}\n-> {Path(args.out)}")
    for w in result.warnings:
        say(args, f"  warning: {w}", err=True)
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add ``score-accel`` and ``sit`` to the ``plm`` command line."""
    p = sub.add_parser(
        "score-accel",
        help="detect and score leg movements in ankle accelerometry (EDF, CSV, Axivity .cwa)",
        description=(
            "Score periodic leg movements in ankle accelerometry, night by night "
            "(noon to noon). Rates are per hour of time in bed (plm_index_tib), never a "
            "PLMS index."
        ),
    )
    p.add_argument("recording", help="EDF/BDF, CSV or .cwa file (the left ankle with --right)")
    p.add_argument("--right", dest="right_file", default=None, help="right-ankle file")
    p.add_argument(
        "--side",
        choices=["left", "right"],
        default=None,
        help="side of a single-ankle file whose labels do not say",
    )
    p.add_argument(
        "--diary", default=None, help="sleep diary CSV: date,lights_off,lights_on (clock times)"
    )
    add_lights_args(p)
    p.add_argument("--units", default=None, help="CSV unit: g, mg or m/s2 (default: detected)")
    p.add_argument("--fs", type=float, default=None, help="CSV sampling rate without time column")
    p.add_argument(
        "--accel-set",
        dest="accel_overrides",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override an accelerometer parameter, e.g. onset_above_rest_g=0.05",
    )
    add_output_args(p)
    add_scoring_args(p, legs=False, poor_signal=False)
    p.set_defaults(handler=cmd_score_accel)

    p = sub.add_parser(
        "sit",
        help="score a suggested immobilization test (SIT / m-SIT) in a recording",
        description=(
            "Score SIT windows (docs/scoring.md §14): LMs 0.5-10 s, IMI 4-90 s, >= 4 per series, "
            "all wake; SIT PLM index per hour of test, 10-min blocks, > 40/h cut-off."
        ),
    )
    p.add_argument("recording", help="EDF/BDF with leg EMG (or ankle accelerometry)")
    p.add_argument(
        "--window",
        nargs=2,
        action="append",
        metavar=("START", "DURATION"),
        help="START as clock time HH:MM[:SS] or seconds from the recording start; DURATION in "
        "minutes or 60min/3600s/1h (repeat for an m-SIT)",
    )
    add_annotations_arg(
        p,
        "file with 'SIT start'/'SIT end' annotations (default: the EDF+'s)",
        dest="sit_annotations",
        nargs=None,
    )
    p.add_argument("--ratings", default=None, help="discomfort ratings CSV: time, 0-100")
    p.add_argument(
        "--ratings-relative",
        action="store_true",
        help="numeric rating times are s from the window start (one window)",
    )
    add_output_args(p)
    add_scoring_args(p)
    p.set_defaults(handler=cmd_sit)
