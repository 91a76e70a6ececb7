"""Reports: per-night PDF/HTML, cohort report, the report command, figure helpers."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import plm
from pipelines import cohort_report, figures, report
from pipelines.cli import main
from pipelines.layout import render_pdf
from plm.results import PLMResult

DURATION_S = 2400
FS_HZ = 200


@pytest.fixture(scope="module")
def recording(tmp_path_factory) -> Path:
    from plm import simulate as synth

    d = tmp_path_factory.mktemp("report_night")
    path = d / "rep_night.edf"
    synth.write_night_edf(
        synth.simulate_night(DURATION_S, FS_HZ, seed=42), path, other_channels=False
    )
    return path


@pytest.fixture(scope="module")
def scored(recording):
    return plm.score(recording, keep_signals=True)


def _check_pdf(path: Path) -> None:
    data = path.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 10_000
    assert (
        data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") + data.count(b"/Type/Page") >= 1
    )


def _check_html(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "data:image/png;base64," in text
    # self-contained: no external script, stylesheet, image or font
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text)
    assert "<link" not in text and "<script" not in text
    return text


def test_write_reports_with_emg_windows(scored, recording, tmp_path):
    paths = report.write_reports(scored, tmp_path, recording=recording)
    assert paths["pdf"].name == "rep_night_report.pdf"
    _check_pdf(paths["pdf"])
    text = _check_html(paths["html"])
    assert "Example EMG windows" in text and "EMG windows omitted" not in text
    assert text.count("data:image/png;base64,") == 4  # night, IMI, stages, EMG (no ECG)
    assert "PLMS index" in text and "wasm2016" in text
    windows, note = report.emg_windows(scored, recording)
    assert note == "" and len(windows) == 3
    for w in windows:
        assert w.duration_s == 30.0 and {t.side for t in w.traces} == {"left", "right"}
        for tr in w.traces:
            assert len(tr.t_s) == len(tr.rect_uv) == len(tr.baseline_uv) == 30 * FS_HZ
    assert any(len(tr.lms) for w in windows for tr in w.traces)


def test_emg_baseline_matches_the_detector(scored, recording):
    """The baseline drawn is the detector's own (result.signals), not a recomputation."""
    windows, _ = report.emg_windows(scored, recording)
    w = windows[0]
    det = scored.signals["left"][0]
    a = int(round((w.start_s - det.t0_s) * det.fs_hz))
    tr = next(t for t in w.traces if t.side == "left")
    assert tr.baseline_uv[:50] == pytest.approx(det.baseline[a : a + 50], abs=1e-4)


def test_report_without_signals_has_a_note(tmp_path):
    lms = pd.DataFrame({"onset": [60.0, 80.0, 100.0, 120.0], "duration": 1.0, "side": "left"})
    res = plm.score_events(lms, hypnogram=["N2"] * 10, imi_min_s=5)
    paths = report.write_reports(res, tmp_path)
    _check_pdf(paths["pdf"])
    text = _check_html(paths["html"])
    assert "EMG windows omitted" in text
    assert "imi_min_s = 5 (standard 10)" in text  # the override is shown
    assert "class='exceeded'" in text  # 4 PLMs in 5 min of sleep: above 15/h


def test_index_rows_highlight_and_settings():
    s = {
        "plms_index": 20.0,
        "plmd_flag": True,
        "plmd_cutoff_per_h": 15.0,
        "age_group": "adult",
        "tst_h": 7.0,
        "rules": {"name": "wasm2016"},
    }
    table = report.index_rows(s)
    rows = {r[0]: (r, hi) for r, hi in zip(table.rows, table.highlight, strict=True)}
    (row, high) = rows["PLMS index"]
    assert high and row[3] == "> 15/h (adult)" and row[1] == "20.0/h"
    assert row[2] == "per hour of analysed sleep (7:00 (420.0 min))"  # the denominator named
    assert rows["PLMW index"][0][1] == "n/a"
    s.update(plms_index=4.0, plmd_flag=False, plmd_cutoff_per_h=5.0, age_group="child")
    table = report.index_rows(s)
    assert table.rows[0][3] == "> 5/h (child)" and not table.highlight[0]
    lines = report.settings_lines({"rules": plm.get_rules("aasm2012", imi_max_s=60).to_dict()})
    assert lines[0].startswith("Rule profile: aasm2012+custom")
    assert "imi_max_s = 60 (standard 90)" in lines[1]
    warn = report.warning_lines({"unscorable_h": 0.5, "warnings": ["channel x"], "tst_h": None})
    assert warn[0] == "channel x" and "30.0 min" in warn[1] and "No hypnogram" in warn[2]


def test_choose_windows_is_deterministic_and_disjoint(scored):
    dur = scored.summary["recording_h"] * 3600
    a = report.choose_windows(scored.candidates, dur)
    assert a == report.choose_windows(scored.candidates, dur)
    starts = [s for s, _ in a]
    assert len(a) == 3 and starts == sorted(starts)
    assert all(b - s >= 30 for s, b in zip(starts, starts[1:], strict=False))
    assert all(0 <= s <= dur - 30 for s in starts)
    assert scored.candidates.loc[a[0][1] if a[0][1] is not None else a[1][1], "onset"] >= 0
    empty = report.choose_windows(scored.candidates.iloc[:0], 600.0)
    assert [i for _, i in empty] == [None, None, None]


def test_score_cli_report(recording, tmp_path):
    out = tmp_path / "out"
    assert main(["score", str(recording), "--out", str(out), "--report"]) == 0
    _check_pdf(out / "rep_night_report.pdf")
    _check_html(out / "rep_night_report.html")


def test_report_command_on_batch_and_single_folder(recording, tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    for name in ("one", "two"):
        (src / f"{name}.edf").write_bytes(recording.read_bytes())
    (src / "bad.edf").write_bytes(b"garbage")
    out = tmp_path / "batch"
    assert main(["batch", str(src), "--out", str(out)]) == 1
    assert main(["report", str(out)]) == 0
    for name in ("one", "two"):
        _check_pdf(out / name / f"{name}_report.pdf")
        text = _check_html(out / name / f"{name}_report.html")
        assert "EMG windows omitted" not in text  # recording found through the manifest
    _check_pdf(out / "cohort_report.pdf")
    text = _check_html(out / "cohort_report.html")
    assert "bad" in text and "Failed recordings" in text
    assert 'href="one/one_report.html"' in text
    # a single night's folder, reports elsewhere
    dest = tmp_path / "elsewhere"
    assert main(["report", str(out / "one"), "--out", str(dest)]) == 0
    _check_pdf(dest / "one_report.pdf")
    # the summary file works too
    assert main(["report", str(out / "two" / "two_summary.json"), "--out", str(dest)]) == 0
    assert (dest / "two_report.html").is_file()
    assert main(["report", str(tmp_path / "missing")]) == 2
    capsys.readouterr()


def test_cohort_report_handles_no_scored_recordings(tmp_path):
    from pipelines import batch

    base = {c: None for c in batch.COHORT_COLUMNS}
    batch.write_cohort([{**base, "recording": "x", "status": "failed", "error": "boom"}], tmp_path)
    paths = cohort_report.write_cohort_report(tmp_path)
    _check_pdf(paths["pdf"])
    assert "boom" in _check_html(paths["html"])


def test_figures_render_without_pyplot(scored, recording):
    night = report._night(scored)
    windows, _ = report.emg_windows(scored, recording)
    for fig in (
        figures.night_figure(night),
        figures.imi_figure(scored.summary),
        figures.stage_figure(scored.summary),
        figures.emg_figure(windows, scored.summary["rules"]),
    ):
        assert figures.figure_png(fig).startswith(b"\x89PNG")
    rep = report.psg_report(scored, windows=windows)
    assert render_pdf(rep).startswith(b"%PDF")


def test_emg_panels_share_one_scale_that_clips_nothing(scored, recording):
    windows, _ = report.emg_windows(scored, recording)
    top = figures.emg_ylim_uv(windows)
    peak = max(float(tr.rect_uv.max()) for w in windows for tr in w.traces)
    assert top >= peak
    fig = figures.emg_figure(windows, scored.summary["rules"])
    limits = {ax.get_ylim() for ax in fig.axes if ax.axison}
    assert len(limits) == 1  # both legs, every window
    onsets = scored.candidates["onset"].to_numpy(float)
    for w in windows:  # the time shown is an LM's onset, not the window's start
        if w.title.startswith("LM onset"):
            shown = w.title.split()[2]
            assert any(figures.clock_text(scored.start, float(o)) == shown for o in onsets)


def test_plotting_never_touches_pyplot(tmp_path):
    code = (
        "import sys, pandas as pd, plm; from pipelines.report import write_reports; "
        "r = plm.score_events(pd.DataFrame({'onset': [60.0, 80, 100, 120], 'duration': 1.0,"
        " 'side': 'left'}), hypnogram=['N2'] * 10); "
        f"write_reports(r, {str(tmp_path)!r}); "
        "from plm import plotting; plotting.plot_night(r); "
        "sys.exit(1 if 'matplotlib.pyplot' in sys.modules else 0)"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_read_result_keeps_report_inputs(scored, tmp_path):
    scored.to_dir(tmp_path)
    back = PLMResult.from_dir(tmp_path)
    assert report._night(back)["hypnogram"] is not None
    assert report.index_rows(back.summary) == report.index_rows(scored.summary)
