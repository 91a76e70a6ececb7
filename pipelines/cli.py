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
from datetime import datetime
from pathlib import Path
from typing import Any

from pipelines import actigraphy_cli, batch, fetch_cli, report, rescore, validate_cap
from pipelines.page import duration_text
from pipelines.review import command as review_command
from pipelines.settings import (
    ScoringSettings,
    add_annotations_arg,
    add_lights_args,
    add_log_args,
    add_output_args,
    add_overrides_arg,
    add_scoring_args,
    check_output_args,
    lights_from_args,
    say,
    settings_from_args,
)
from plm._util import stem_of
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
        description="Detect leg movements and score periodic limb movements (WASM 2016 / AASM). "
        "Every command takes -v/--verbose and -q/--quiet, before or after its name.",
    )
    parser.add_argument("--version", action="version", version=f"plmkit {__version__}")
    add_log_args(parser, top=True)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "score",
        help="detect and score leg movements in an EDF/BDF recording",
        description="Read the leg EMG of a recording, detect leg movements, apply a rule "
        "profile and write the result files (<stem>_summary.json, _candidates.tsv, ...). "
        "Ankle accelerometry is handed to `plm score-accel`.",
    )
    p.add_argument("recording", help="EDF, EDF+ or BDF file with tibialis anterior EMG")
    add_annotations_arg(p, "hypnogram/event file(s); default: the recording's own EDF+ annotations")
    add_output_args(p)
    add_scoring_args(p, annotation_format=True, rule_lists=True)

    p = sub.add_parser(
        "score-events",
        help="score already-detected leg movements (event files or exports)",
        description="Score leg movements already marked in event files (TSV/CSV/BIDS, EDF+ "
        "annotations, vendor exports) with a rule profile; sleep stages, respiratory "
        "events, arousals and lights from the same files or from --annotations.",
    )
    p.add_argument("events", nargs="+", help="event file(s): TSV/CSV/BIDS, EDF+, vendor exports")
    add_annotations_arg(
        p,
        "file(s) holding the hypnogram, when the event files have none",
        deprecated=("--hypnogram",),
    )
    add_lights_args(p)
    add_output_args(p)
    add_scoring_args(p, legs=False, poor_signal=False, annotation_format=True)

    p = sub.add_parser(
        "rules",
        help="show a rule profile's parameters (field, value, unit, meaning, source)",
        description="Print every parameter of a rule profile as a table, with its unit, "
        "what it means and the section of docs/scoring.md stating it; --set shows the "
        "profile with overrides, --json prints it as JSON.",
    )
    p.add_argument(
        "name", nargs="?", default="wasm2016", choices=sorted(PROFILES),
        help="rule profile (default wasm2016)",
    )  # fmt: skip
    add_overrides_arg(p, help="override a rule parameter (repeatable)")
    p.add_argument("--json", action="store_true", help="print the profile as JSON")

    for add in PIPELINE_PARSERS:
        add(sub)
    for command in sub.choices.values():  # -v/-q after the sub-command too
        if not any("--verbose" in a.option_strings for a in command._actions):
            add_log_args(command)
    return parser


def result_line(result: Any, out_dir: Path | str) -> str:
    """The one-line outcome of a scored night, naming what each number counts."""
    s = result.summary
    cutoff = s.get("plmd_cutoff_per_h")
    unscorable_min = (s.get("unscorable_h") or 0.0) * 60.0
    if s.get("plms_index") is not None:
        den = duration_text((s.get("tst_h") or 0.0) * 60.0)
        flag = "above" if s.get("plmd_flag") else "not above"
        counted = f"{s['n_plms']} PLMS (sleep), {s['n_plm']} PLMs (whole window)"
        rate = (
            f"PLMS index {s['plms_index']:.1f}/h of analysed sleep ({den}), {flag} the "
            f"{s.get('age_group', 'adult')} cut-off > {cutoff:g}/h"
        )
        if s.get("plmw_index") is not None:
            rate += f"; PLMW index {s['plmw_index']:.1f}/h of wake"
    else:
        counted = f"{s['n_plm']} PLMs (whole window, no hypnogram)"
        rec = s.get("plm_rec_index")
        rate = f"{rec or 0:.1f} PLMs per hour of scorable recording (not a PLMS index)"
    return (
        f"{result.stem}: {counted}; {rate}; unscorable leg EMG {unscorable_min:.1f} min "
        f"[{result.rules.name}] -> {out_dir}"
    )


def _print_result(args: argparse.Namespace, result: Any, out_dir: Path) -> None:
    say(args, result_line(result, out_dir))
    for w in result.summary.get("warnings", []):
        say(args, f"  warning: {w}", err=True)


def _write_report(args: argparse.Namespace, result: Any, recording: Any = None) -> None:
    if not getattr(args, "report", False):
        return
    from pipelines.report import patient_from_args, write_reports

    paths = write_reports(
        result, args.out, recording=recording, patient=patient_from_args(args, recording)
    )
    logger.info("%s: %s, %s", result.stem, paths["pdf"], paths["html"])


def _cmd_score_events(args: argparse.Namespace) -> int:
    from plm.api import score_events
    from plm.io.annotations import load_night_events

    settings = settings_from_args(args)
    events: Any = None
    if settings.annotation_format:
        events = load_night_events(args.events, format=settings.annotation_format)

    def start() -> datetime | None:  # for clock times: the events' or an EDF's start
        nonlocal events
        if events is None:
            events = load_night_events(args.events)
        if events.start_datetime:
            return datetime.fromisoformat(events.start_datetime)
        for path in [*args.events, *(args.annotations or [])]:
            if Path(path).suffix.lower() in (".edf", ".bdf"):
                from plm.io.edf import read_header

                return read_header(path).start_datetime
        return None

    lights_off, lights_on = lights_from_args(args, start, str(args.events[0]))
    source = events if events is not None else (
        args.events if len(args.events) > 1 else args.events[0]
    )  # fmt: skip
    hypnogram: Any = None
    if args.annotations:
        hypnogram = args.annotations[0]
        if len(args.annotations) > 1:
            hypnogram = load_night_events(args.annotations).hypnogram
    result = score_events(
        source,
        hypnogram=hypnogram,
        lights_off_s=lights_off,
        lights_on_s=lights_on,
        stem=args.stem or stem_of(args.events[0]),
        **settings.score_kwargs(legs=False, annotation_format=False),
    )
    result.to_dir(args.out)
    _write_report(args, result)
    _print_result(args, result, Path(args.out))
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
    if args.stem:
        result.stem = result.summary["stem"] = args.stem
    result.to_dir(args.out)
    _write_report(args, result, args.recording)
    _print_result(args, result, Path(args.out))
    return EXIT_OK


def _cmd_rules(args: argparse.Namespace) -> int:
    from plm.rules import profile_table

    profile = ScoringSettings(args.name, settings_from_args(args).overrides).profile()
    if args.json:
        print(json.dumps(profile.to_dict(), indent=2))
        return EXIT_OK
    rows = [
        [r["field"], str(r["value"]), r["unit"], r["meaning"], r["source"]]
        for r in profile_table(profile)
    ]
    head = ["field", "value", "unit", "meaning", "source"]
    widths = [max(len(x) for x in col) for col in zip(head, *rows, strict=False)]
    widths[3] = min(widths[3], 60)
    print(f"Rule profile {profile.name}: {profile.reference}")
    for row in [head, ["-" * w for w in widths], *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return EXIT_OK


COMMANDS = {"score": _cmd_score, "score-events": _cmd_score_events, "rules": _cmd_rules}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``plm`` command; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    verbose = getattr(args, "verbose", 0)
    level = (
        logging.ERROR if getattr(args, "quiet", False) else logging.WARNING - 10 * min(verbose, 2)
    )
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    handler = COMMANDS.get(args.command) or getattr(args, "handler", None)
    if handler is None:
        parser.error(f"unknown command {args.command}")
    try:
        check_output_args(args)  # --out / --dest / --stem: one line before any work
        return int(handler(args))
    except InputError as exc:
        print(f"plm: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (ValueError, FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        print(f"plm: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # disk full, name too long... : the file and the problem
        where = exc.filename if exc.filename is not None else "output"
        print(f"plm: error: {where}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("plm: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
