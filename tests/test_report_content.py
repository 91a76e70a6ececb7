"""Each report's text says what the summary says: PSG, SIT, accelerometry, cohort.

The numbers are read back from the HTML text and from the PDF text (``pdftotext``, from
poppler-utils) and compared with the summary formatted as the reports format it.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from pipelines import page
from pipelines.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "night01.edf"


@pytest.fixture(autouse=True, scope="module")
def _pdftotext_installed():
    # the PDF text is read back with poppler's pdftotext: a missing tool fails, never skips
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext not found: run `bash tests/install_tools.sh` (poppler-utils)")


def html_text(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"<(style|title)>.*?</\1>", " ", text, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(out.stdout.split())


def _both(folder: Path, stem: str) -> tuple[str, str]:
    return html_text(folder / f"{stem}_report.html"), pdf_text(folder / f"{stem}_report.pdf")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    from tests.golden.golden import make_inputs

    return make_inputs(tmp_path_factory.mktemp("report_inputs"))


@pytest.fixture(scope="module")
def psg(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("psg")
    argv = ["score", str(SAMPLE), "--out", str(out), "--report", "-q",
            "--patient", '{"id": "P-001", "sex": "F", "birthdate": "02-MAY-1951"}',
            "--patient", "scorer=RT"]  # fmt: skip
    assert main(argv) == 0
    return out, json.loads((out / "night01_summary.json").read_text())


PSG_KEYS = (
    "plms_index", "plmw_index", "plmsnr_index", "plms_arousal_index", "n_plms", "n_plm",
    "n_plm_series", "periodicity_index", "tst_h", "unscorable_h", "tib_min",
    "tst_hypnogram_min", "sleep_latency_min", "spt_min", "waso_min", "sleep_efficiency_pct",
    "n1_min", "n2_min", "n3_min", "n2_pct", "n3_pct", "arousal_index", "ahi",
)  # fmt: skip


def test_psg_report_numbers_equal_the_summary(psg):
    out, s = psg
    for text in _both(out, "night01"):
        for key in PSG_KEYS:
            assert page.fmt_key(key, s[key]) in text, key
        assert "Total sleep time (hypnogram) 0:36 (35.5 min)" in text
        assert "per hour of analysed sleep (0:30 (30.5 min))" in text  # the denominator
        assert "> 15/h (adult)" in text
        assert "Lights off 22:31:00" in text and "Lights on 23:29:00" in text
        assert "Patient ID: P-001" in text or "Patient ID P-001" in text
        assert "74 y" in text  # age at the study, from the birthdate
        assert "not reviewed" in text and "scorer RT" in text
        assert "Heart-rate response" in text and "PLMS with arousal" in text
        assert "IMIs of CLMs in sleep" in text  # the histograms say they are sleep-only
        assert "REM latency n/a" in text  # no R in this night


def test_psg_report_anonymized(tmp_path):
    argv = ["score-events", str(ROOT / "sample_data" / "night01_scored.tsv"), "--out",
            str(tmp_path), "--report", "--anonymize", "--patient", "id=P-001", "-q"]  # fmt: skip
    assert main(argv) == 0
    for text in _both(tmp_path, "night01_scored"):
        assert "P-001" not in text and "anonymized" in text
        assert "EMG windows omitted" in text or "Example EMG windows" in text


def test_sit_report(inputs, tmp_path):
    ratings = tmp_path / "ratings.csv"
    ratings.write_text("time,rating\n22:42,20\n22:55,40\n23:05,70\n")
    argv = ["sit", str(inputs["sit"]), "--window", "22:40", "30", "--ratings", str(ratings),
            "--out", str(tmp_path), "--report", "-q"]  # fmt: skip
    assert main(argv) == 0
    sit = json.loads((tmp_path / "sit_night_sit.json").read_text())
    w = sit["windows"][0]
    for text in _both(tmp_path, "sit_night"):
        assert page.fmt_key("sit_plm_index", w["sit_plm_index"], "sit_window") in text
        assert "cut-off > 40/h" in text
        for b in w["blocks"]:
            assert page.fmt_key("plm_index", b["plm_index"], "blocks") in text
        assert page.fmt_key("mean_discomfort", w["mean_discomfort"], "sit_window") in text
        assert "Total sleep time" not in text and "15/h" not in text
    # plm report on the SIT folder writes the same page, not the PSG page
    again = tmp_path / "again"
    assert main(["report", str(tmp_path), "--out", str(again), "-q"]) == 0
    assert (again / "sit_night_report.pdf").is_file()
    assert not (again / "sit_night_sit1_report.pdf").exists()


def test_accel_reports(inputs, tmp_path):
    assert main(["score-accel", str(inputs["accel"]), "--out", str(tmp_path), "--report",
                 "-q"]) == 0  # fmt: skip
    s = json.loads((tmp_path / "ankles_night1_summary.json").read_text())
    for text in _both(tmp_path, "ankles_night1"):
        assert "Actigraphy PLM report: ankles.edf, night 1" in text
        assert (
            f"PLM index (time in bed) {page.fmt_key('plm_index_tib', s['plm_index_tib'])}" in text
        )
        assert "n/a" not in text.split("Time in bed")[0]  # no n/a rows in the index table
        assert "PLM index by stage" not in text and "Leg EMG" not in text
        assert "Total sleep time" not in text
    multi = json.loads((tmp_path / "ankles_multinight.json").read_text())
    for text in _both(tmp_path, "ankles_multinight"):
        assert "Actigraphy multi-night report: ankles.edf" in text
        mean = multi["statistics"]["plm_index_tib"]["mean"]
        assert f"{mean:.2f}" in text


def test_cohort_report(tmp_path):
    from pipelines.cohort_report import write_cohort_report

    src = tmp_path / "in"
    src.mkdir()
    (src / "night01.edf").write_bytes(SAMPLE.read_bytes())
    out = tmp_path / "batch"
    assert main(["batch", str(src), "--out", str(out), "-q"]) == 0
    paths = write_cohort_report(out)
    s = json.loads((out / "night01" / "night01_summary.json").read_text())
    for text in (html_text(paths["html"]), pdf_text(paths["pdf"])):
        assert "1 recording:" in text and "1 recordings" not in text
        assert "PLMS index" in text and "plms_index" not in text and "tst_h" not in text
        assert "All recordings" in text and "night01" in text
        assert f" {s['n_plms']} " in f" {text} " and f"{s['n_plms']}.00" not in text
        assert page.fmt_key("plms_index", s["plms_index"]) in text
        assert page.duration_text(s["tst_h"] * 60).split(" ")[0] in text
