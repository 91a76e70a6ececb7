"""The command line reads like one tool: help everywhere, one name per concept."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd
import pytest

import plm
from pipelines.cli import build_parser, main, result_line
from pipelines.settings import SHARED_OPTIONS

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"

#: Commands that score, and the shared options each must take.
SCORING = {
    "score": ("--out", "--stem", "--report", "--annotations", "--rules", "--set", "--age-group",
              "--patient", "--anonymize"),
    "score-events": ("--out", "--stem", "--report", "--annotations", "--lights-off",
                     "--lights-on", "--rules", "--set", "--age-group", "--patient",
                     "--anonymize"),
    "score-accel": ("--out", "--stem", "--report", "--lights-off", "--lights-on", "--rules",
                    "--set", "--age-group", "--patient", "--anonymize"),
    "sit": ("--out", "--stem", "--report", "--annotations", "--rules", "--set", "--age-group",
            "--patient", "--anonymize"),
    "batch": ("--out", "--report", "--rules", "--set", "--age-group"),
}  # fmt: skip
#: Former or competing names of the shared concepts: never shown in any --help.
FORBIDDEN = ("--hypnogram", "--output", "--outdir", "--profile", "--rule", "--age",
             "--lightsoff", "--lights_off", "--name")  # fmt: skip


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_every_command_and_option_has_help(capsys):
    commands = _commands()
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helped = {a.dest for a in sub._choices_actions if a.help}
    assert set(commands) <= helped, set(commands) - helped
    for name, p in commands.items():
        assert p.description, f"plm {name} has no description"
        for action in p._actions:
            if action.help == argparse.SUPPRESS:
                continue
            assert action.help, f"plm {name}: {action.option_strings or action.dest} has no help"
        with pytest.raises(SystemExit) as exc:
            main([name, "--help"])
        assert exc.value.code == 0
        text = capsys.readouterr().out
        assert "-v, --verbose" in text and "-q, --quiet" in text
        for bad in FORBIDDEN:
            assert f"{bad} " not in text and f"{bad}\n" not in text, (name, bad)


def test_shared_concepts_use_the_same_option_names():
    commands = _commands()
    for name, options in SCORING.items():
        have = {o for a in commands[name]._actions for o in a.option_strings}
        missing = set(options) - have
        assert not missing, f"plm {name} lacks {sorted(missing)}"
    names = set(SHARED_OPTIONS.values())
    for name, p in commands.items():  # an option named like a concept is that concept
        for action in p._actions:
            for opt in action.option_strings:
                if action.help != argparse.SUPPRESS:
                    assert opt not in FORBIDDEN, (name, opt)
        assert names  # the table of concepts is declared once, in pipelines.settings


def test_verbose_and_quiet_before_or_after_the_command():
    p = build_parser()
    a = p.parse_args(["-v", "score", "x.edf", "--out", "o"])
    b = p.parse_args(["score", "x.edf", "--out", "o", "-v"])
    c = p.parse_args(["score", "x.edf", "--out", "o", "--quiet"])
    assert a.verbose == b.verbose == 1 and c.quiet and not a.quiet


def test_score_events_one_line_names_what_it_counts(tmp_path, capsys):
    events = str(SAMPLE / "night01_scored.tsv")
    assert main(["score-events", events, "--out", str(tmp_path), "--annotations",
                 str(SAMPLE / "night01.edf"), "--lights-off", "22:31", "--lights-on",
                 "3540"]) == 0  # fmt: skip
    line = capsys.readouterr().out.strip()
    assert "PLMS (sleep)" in line and "PLMs (whole window)" in line
    assert "cut-off > 15/h" in line and "unscorable leg EMG 0.0 min" in line
    s = json.loads((tmp_path / "night01_scored_summary.json").read_text())
    assert s["lights_off_s"] == 60.0 and s["lights_on_s"] == 3540.0  # clock time = seconds


def test_deprecated_hypnogram_alias_still_works(tmp_path, caplog):
    events = str(SAMPLE / "night01_scored.tsv")
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["score-events", events, "--hypnogram", str(SAMPLE / "night01.edf"),
                 "--out", str(a)]) == 0  # fmt: skip
    assert main(["score-events", events, "--annotations", str(SAMPLE / "night01.edf"),
                 "--out", str(b)]) == 0  # fmt: skip
    assert "--hypnogram is deprecated; use --annotations" in caplog.text
    sa = json.loads((a / "night01_scored_summary.json").read_text())
    sb = json.loads((b / "night01_scored_summary.json").read_text())
    assert sa["plms_index"] == sb["plms_index"]


def test_quiet_prints_nothing(tmp_path, capsys):
    assert main(["score-events", str(SAMPLE / "night01_scored.tsv"), "--out", str(tmp_path),
                 "-q"]) == 0  # fmt: skip
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_rules_is_a_table(capsys):
    assert main(["rules", "aasm2012", "--set", "imi_min_s=6"]) == 0
    out = capsys.readouterr().out
    head = out.splitlines()[1].split()
    assert head == ["field", "value", "unit", "meaning", "source"]
    row = next(x for x in out.splitlines() if x.startswith("imi_min_s "))
    assert " 6.0 " in row and " s " in row and "override (standard 5.0)" in row
    assert "docs/scoring.md §6" in row
    assert main(["rules", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["name"] == "wasm2016"


def test_result_line_without_hypnogram():
    lms = pd.DataFrame({"onset": [60.0, 80, 100, 120], "duration": 1.0, "side": "left"})
    res = plm.score_events(lms)
    line = result_line(res, "out")
    assert "no hypnogram" in line and "not a PLMS index" in line


def test_api_accepts_what_the_cli_accepts():
    path = SAMPLE / "night01_scored.tsv"
    from_frame = plm.score_events(pd.read_csv(path, sep="\t"))
    from_path = plm.score_events(path)
    for key in ("n_plm", "n_plms", "plms_index", "tst_h", "ahi", "arousal_index"):
        assert from_frame.summary[key] == from_path.summary[key]
    assert {"score", "score_events", "get_rules"} <= set(dir(plm))
    assert set(plm.__all__) <= set(dir(plm))
