"""`plm score-events`: the output contract, overrides and bad input, through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from pipelines.cli import main

CONTRACT_COLUMNS = [
    "onset", "duration", "side", "n_components", "candidate", "stage", "imi", "periodic",
    "series", "arousal", "respiratory",
]  # fmt: skip
CONTRACT_KEYS = [
    "plms_index", "plmw_index", "clms_index", "plms_arousal_index", "plmsnr_index",
    "periodicity_index", "ferri_periodicity_index", "tst_h", "wake_h", "n_clm", "n_plm",
    "n_plms", "rules", "software", "inputs",
]  # fmt: skip


def write_events(path, extra_rows=()):
    rows = [("0", "30", "Sleep stage W")]
    rows += [(str(30 * k), "30", "Sleep stage N2") for k in range(1, 120)]
    for k, on in enumerate([100, 120, 140, 160, 180]):
        rows.append((f"{on}", "1.5", "LM left" if k % 2 else "Limb Movement (Right)"))
    rows += [("150", "28", "Obstructive Apnea"), ("181", "5", "Arousal")]
    rows += [("0", "0", "Lights off"), ("3590", "0", "Lights on")]
    rows += list(extra_rows)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("onset\tduration\tdescription\n")
        for r in rows:
            fh.write("\t".join(r) + "\n")


def test_score_events_writes_the_contract(tmp_path, capsys):
    ev = tmp_path / "night1_events.tsv"
    write_events(ev, extra_rows=[("500", "3", "Snore")])
    out = tmp_path / "out"
    assert main(["score-events", str(ev), "--out", str(out)]) == 0
    cand = pd.read_csv(out / "night1_events_candidates.tsv", sep="\t")
    assert list(cand.columns[: len(CONTRACT_COLUMNS)]) == CONTRACT_COLUMNS
    assert cand["periodic"].tolist() == [True] * 5
    summary = json.loads((out / "night1_events_summary.json").read_text())
    for key in CONTRACT_KEYS:
        assert key in summary
    assert summary["n_plms"] == 5
    assert summary["tst_h"] == pytest.approx(119 / 120 - 10 / 3600)  # lights on at 3590 s
    assert summary["rules"]["name"] == "wasm2016"
    assert summary["software"]["name"] == "plmkit"
    assert summary["inputs"][0]["file"] == "night1_events.tsv"
    assert len(summary["inputs"][0]["sha256"]) == 64
    assert summary["unmapped_labels"] == {"Snore": 1}
    # apnea ends at 178 s: WASM window [176, 188.25] holds only the LM at 180 s
    assert cand["respiratory"].tolist() == [False, False, False, False, True]
    assert cand["arousal"].tolist() == [False, False, False, False, True]
    assert "PLMS index" in capsys.readouterr().out


def test_score_events_profile_and_set_override(tmp_path):
    ev = tmp_path / "n.tsv"
    write_events(ev)
    out = tmp_path / "o"
    rc = main(["score-events", str(ev), "--rules", "aasm2012", "--set", "imi_max_s=15",
               "--out", str(out)])  # fmt: skip
    assert rc == 0
    s = json.loads((out / "n_summary.json").read_text())
    assert s["rules"]["name"] == "aasm2012+custom"
    assert s["rules"]["imi_max_s"] == 15.0
    # AASM drops LMs within 0.5 s of the apnea (150-178 s): the LM at 160 s goes; the
    # IMIs left (20, 20, 40 s) all exceed imi_max_s = 15 s: no series.
    assert s["n_plms"] == 0
    assert s["n_lm_excluded_respiratory"] == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("start\tlabel\n1\tLM left\n", "onset"),
        ("onset\tduration\tdescription\n10\t-1\tLM left\n", "negative"),
    ],
)
def test_bad_event_file_gives_one_line_error_and_no_output(tmp_path, content, message):
    ev = tmp_path / "bad.tsv"
    ev.write_text(content)
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "score-events", str(ev), "--out", str(out)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("plm: error:")
    assert "bad.tsv" in err[0] and message in err[0]
    assert "Traceback" not in proc.stderr
    assert not out.exists() or not any(out.iterdir())


def test_unknown_set_parameter_is_a_usage_error(tmp_path, capsys):
    ev = tmp_path / "n.tsv"
    write_events(ev)
    rc = main(["score-events", str(ev), "--set", "imi_min=3", "--out", str(tmp_path / "o")])
    assert rc == 2
    assert "unknown rule parameter" in capsys.readouterr().err


def test_rules_command_prints_profile(capsys):
    assert main(["rules", "aasm2007", "--json"]) == 0
    profile = json.loads(capsys.readouterr().out)
    assert profile["imi_min_s"] == 5.0 and profile["min_amplitude_rule"] is True


def test_score_events_reads_an_edf_plus_annotation_file(tmp_path):
    """Issue 2 item 5: scored LMs in an EDF+ annotation file (e.g. exported by PSG software)."""
    from datetime import datetime

    from plm.io.edf import write_edf

    onsets = [100.0, 120.0, 140.0, 160.0, 300.0]
    ann = pd.DataFrame(
        {
            "onset": [30.0 * k for k in range(40)] + onsets,
            "duration": [30.0] * 40 + [1.0] * 5,
            "description": ["Sleep stage 2"] * 40
            + ["Limb movement - left", "Limb Movement (Right)", "LM left", "Leg movement R",
               "LM right"],
        }
    )  # fmt: skip
    path = tmp_path / "scored.edf"
    write_edf(path, [], datetime(2026, 3, 1, 23, 0), annotations=ann, record_duration_s=30.0)
    out = tmp_path / "o"
    assert main(["score-events", str(path), "--out", str(out)]) == 0
    s = json.loads((out / "scored_summary.json").read_text())
    cand = pd.read_csv(out / "scored_candidates.tsv", sep="\t")
    assert cand["onset"].tolist() == onsets
    assert cand["side"].tolist() == ["left", "right", "left", "right", "right"]
    assert s["n_plms"] == 4 and s["tst_h"] == pytest.approx(40 * 30 / 3600)
