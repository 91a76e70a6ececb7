"""Command line: ``plm score``, ``plm score-events``, ``plm rules`` and the pipelines.

A thin shell over the library: it parses arguments, calls one function, prints one
line per result and turns expected errors into one-line messages with exit code 2.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from pipelines import actigraphy_cli, batch, fetch_cli, report, rescore, validate_cap
from pipelines.discover import stem_of
from pipelines.review import command as review_command
from pipelines.settings import (
    ScoringSettings,
    add_overrides_arg,
    add_scoring_args,
    settings_from_args,
)
from plm._version import __version__
from plm.events import InputError
from plm.rules import PROFILES

logger = logging.getLogger("plm")

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

#: Functions adding the sub-commands of the pipelines to the ``plm`` parser.
PIPELINE_PARSERS = (
    fetch_cli.add_fetch_parser,
    batch.add_parsers,
    report.add_parsers,
    validate_cap.add_parsers,
    actigraphy_cli.add_parsers,
    review_command.add_parsers,
    rescore.add_parsers,
)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``plm`` command."""
    parser = argparse.ArgumentParser(
        prog="plm",
        description="Detect leg movements and score periodic limb movements (WASM 2016 / AASM).",
    )
    parser.add_argument("--version", action="version", version=f"plmkit {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("score", help="detect and score leg movements in an EDF/BDF recording")
    p.add_argument("recording", help="EDF, EDF+ or BDF file with tibialis anterior EMG")
    p.add_argument(
        "--annotations",
        nargs="+",
        default=None,
        help="hypnogram/event file(s); default: the recording's own EDF+ annotations",
    )
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--report", action="store_true", help="also write the PDF/HTML report")
    add_scoring_args(p, annotation_format=True, rule_lists=True)

    p = sub.add_parser("score-events", help="score already-detected leg movements")
    p.add_argument("events", nargs="+", help="event file(s): TSV/CSV/BIDS, EDF+, vendor exports")
    p.add_argument("--hypnogram", default=None, help="separate hypnogram file")
    p.add_argument("--lights-off", type=float, default=None, help="lights off (s from start)")
    p.add_argument("--lights-on", type=float, default=None, help="lights on (s from start)")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--stem", default=None, help="output file stem (default: the file's)")
    add_scoring_args(p, legs=False, poor_signal=False, annotation_format=True)

    p = sub.add_parser("rules", help="print a rule profile's parameters")
    p.add_argument("name", nargs="?", default="wasm2016", choices=sorted(PROFILES))
    add_overrides_arg(p, help="override a rule parameter (repeatable)")

    for add in PIPELINE_PARSERS:
        add(sub)
    return parser


def _print_result(result, out_dir: Path) -> None:
    s = result.summary
    if s.get("plms_index") is not None:
        rate = f"PLMS index {s['plms_index']:.1f}/h, PLMW index " + (
            f"{s['plmw_index']:.1f}/h" if s.get("plmw_index") is not None else "n/a"
        )
    else:
        rate = f"no hypnogram: {s['plm_rec_index'] or 0:.1f} PLM per hour of recording"
    print(
        f"{result.stem}: {s['n_lm']} LMs, {s['n_clm']} CLMs, {s['n_plm']} PLMs; {rate} "
        f"[{result.rules.name}] -> {out_dir}"
    )
    for w in s.get("warnings", []):
        print(f"  warning: {w}", file=sys.stderr)


def _cmd_score_events(args: argparse.Namespace) -> int:
    from plm.api import score_events

    settings = settings_from_args(args)
    if settings.annotation_format:
        from plm.io.annotations import load_night_events

        source = load_night_events(args.events, format=settings.annotation_format)
    else:
        source = args.events if len(args.events) > 1 else args.events[0]
    result = score_events(
        source,
        hypnogram=args.hypnogram,
        lights_off_s=args.lights_off,
        lights_on_s=args.lights_on,
        stem=args.stem or stem_of(args.events[0]),
        **settings.score_kwargs(legs=False, annotation_format=False),
    )
    result.to_dir(args.out)
    _print_result(result, Path(args.out))
    return EXIT_OK


def _cmd_score(args: argparse.Namespace) -> int:
    from plm.api import recording_modality, score

    modality, header = recording_modality(args.recording)  # the library's dispatch
    if modality == "accelerometry":  # same contract, own detector; diary, lights, report
        from pipelines.actigraphy_cli import cmd_score_accel

        return cmd_score_accel(args)
    if "," in args.rules:  # several rule sets, one detection
        from pipelines.rules_table import cmd_score_rules

        return cmd_score_rules(args, header)
    result = score(
        header if header is not None else args.recording,  # the header is parsed once
        annotations=args.annotations,
        keep_signals=args.report,
        **settings_from_args(args).score_kwargs(),
    )
    result.to_dir(args.out)
    if args.report:
        from pipelines.report import write_reports

        write_reports(result, args.out, recording=args.recording)
    _print_result(result, Path(args.out))
    return EXIT_OK


def _cmd_rules(args: argparse.Namespace) -> int:
    profile = ScoringSettings(args.name, settings_from_args(args).overrides).profile()
    print(json.dumps(profile.to_dict(), indent=2))
    return EXIT_OK


COMMANDS = {"score": _cmd_score, "score-events": _cmd_score_events, "rules": _cmd_rules}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``plm`` command; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    handler = COMMANDS.get(args.command) or getattr(args, "handler", None)
    if handler is None:
        parser.error(f"unknown command {args.command}")
    try:
        return int(handler(args))
    except InputError as exc:
        print(f"plm: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (ValueError, FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        print(f"plm: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("plm: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
