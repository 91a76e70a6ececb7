"""The review page in a real browser (headless Chromium + selenium), then ``plm rescore``.

The night (tests/_review_night.py) has a 4-PLM series on the left (100-160 s), an
isolated left LM (400 s), a 5-PLM series on the right (600-700 s) and an isolated right
LM (900 s).  The reviewer, with the keyboard and the mouse:

1. accepts 100 s; 2. rejects 120 s -> the left series has 3 CLMs left: no series;
3. drags the offset of 400 s ~10.5 s later -> longer than 10 s: a non-CLM;
4. nudges the onset of 600 s twice by +0.1 s -> still in series 2;
5. adds a missed right LM at 905-906 s (mark on the EMG) -> a CLM (short IMI);
6. rejects 700 s and undoes it.

Hand-worked outcome: LMs 11 -> 11, CLMs 11 -> 10, PLMs 9 -> 5, series 2 -> 1, PLMS index
27 -> 15 /h.  The same edits typed into the review EDF+ (as a viewer saves it, written
with pyedflib) give the same result.  No test is skipped when the browser is missing: it
fails with the install line.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipelines.cli import main
from tests._review_night import LEFT, RIGHT, START, chromium, write_night

WAIT_S = 30.0


def _wait(predicate, what: str, timeout_s: float = WAIT_S):
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")


@pytest.fixture(scope="module")
def night(tmp_path_factory):
    work = tmp_path_factory.mktemp("review_night")
    rec = write_night(work / "hand.edf")
    res = work / "res"
    assert main(["score", str(rec), "--out", str(res)]) == 0
    return rec, res


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    downloads = tmp_path_factory.mktemp("downloads")
    driver = chromium(downloads)
    driver.downloads = downloads
    try:
        yield driver
    finally:
        driver.quit()


def test_the_night_is_detected_as_planned(night):
    _, res = night
    mv = pd.read_csv(res / "hand_movements.tsv", sep="\t")
    want = sorted([(t, "left") for t in LEFT] + [(t, "right") for t in RIGHT])
    assert len(mv) == len(want)
    assert np.allclose(mv["onset"], [t for t, _ in want], atol=0.1)
    assert list(mv["side"]) == [s for _, s in want]
    s = json.loads((res / "hand_summary.json").read_text())
    assert (s["n_lm"], s["n_clm"], s["n_plm"], s["n_plm_series"]) == (11, 11, 9, 2)
    assert s["plms_index"] == pytest.approx(27.0)


def _state(driver):
    return driver.execute_script("return window.plmReview.state()")


def _canvas_point(driver, t_s: float, track: int) -> tuple[int, int]:
    """Offset from the EMG canvas centre of time ``t_s`` on track 0 (left) or 1 (right)."""
    canvas = driver.find_element("id", "emg")
    w, h = canvas.size["width"], canvas.size["height"]
    v0, v1 = driver.execute_script("return window.plmReview.view()")
    ax_left = 100
    x = ax_left + (w - ax_left - 8) * (t_s - v0) / (v1 - v0)
    th = (h - 8 - 30 - 14) / 2
    y = 8 + track * (th + 14) + th / 2
    return round(x - w / 2), round(y - h / 2)


def _drag(driver, t0: float, t1: float, track: int) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    canvas = driver.find_element("id", "emg")
    x0, y0 = _canvas_point(driver, t0, track)
    x1, _ = _canvas_point(driver, t1, track)
    chain = ActionChains(driver)
    chain.move_to_element_with_offset(canvas, x0, y0).click_and_hold()
    chain.move_by_offset((x1 - x0) // 2, 0).move_by_offset(x1 - x0 - (x1 - x0) // 2, 0)
    chain.release().perform()


def _keys(driver, *keys: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    for k in keys:
        ActionChains(driver).send_keys(k).perform()


@pytest.fixture(scope="module")
def session(night, browser, tmp_path_factory):
    """Review the night in the page; return (page, export path, export JSON)."""
    from selenium.webdriver.common.keys import Keys

    rec, res = night
    out = tmp_path_factory.mktemp("page") / "hand_review.html"
    assert main(["review", str(res), "--out", str(out)]) == 0  # recording found by name
    browser.get(out.as_uri())
    browser.execute_script("localStorage.clear()")
    browser.get(out.as_uri())
    _wait(lambda: browser.execute_script("return !!window.plmReview"), "the page script")
    assert browser.execute_script("return document.getElementById('note').textContent") == ""
    st = _state(browser)
    assert (st["n"], st["cur"], st["reviewed"]) == (11, 0, 0)
    assert st["current"]["onset"] == pytest.approx(100.0, abs=0.1)

    _keys(browser, "a")  # accept 100 s -> next
    _keys(browser, "r")  # reject 120 s -> next (140 s)
    assert _state(browser)["current"]["onset"] == pytest.approx(140.0, abs=0.1)
    _keys(browser, "j", Keys.ARROW_RIGHT)  # 160, 400
    cur = _state(browser)["current"]
    assert (cur["onset"], cur["side"]) == (pytest.approx(400.0, abs=0.1), "left")
    off = cur["onset"] + cur["duration"]
    _drag(browser, off, off + 10.5, track=0)  # offset ~10.5 s later
    cur = _state(browser)["current"]
    assert cur["duration"] == pytest.approx(11.5, abs=0.3)
    _keys(browser, "j", "]", "]")  # 600 s: onset +0.2 s (one coalesced edit)
    cur = _state(browser)["current"]
    assert cur["onset"] == pytest.approx(600.2, abs=0.1)
    _keys(browser, Keys.END)  # 900 s (right)
    assert _state(browser)["current"]["onset"] == pytest.approx(900.0, abs=0.1)
    _keys(browser, "n")
    _drag(browser, 905.0, 906.0, track=1)  # add a missed movement on the right leg
    st = _state(browser)
    assert st["n"] == 12 and st["current"]["status"] == "added"
    assert st["current"]["onset"] == pytest.approx(905.0, abs=0.15)
    _keys(browser, "k", "k")  # 900 -> 700 s
    assert _state(browser)["current"]["onset"] == pytest.approx(700.0, abs=0.1)
    _keys(browser, "x")
    assert _state(browser)["edits"] == 6
    _keys(browser, "u")  # undo the rejection of 700 s
    st = _state(browser)
    assert st["edits"] == 5 and st["reviewed"] == 5  # 100, 120, 400, 600, the added one
    progress = browser.find_element("id", "progress").text
    assert "reviewed 5 of 12" in progress

    # an overview click jumps to the movement nearest the time clicked
    ov = browser.find_element("id", "overview")
    from selenium.webdriver.common.action_chains import ActionChains

    w = ov.size["width"]
    x = 64 + (w - 64 - 8) * 650.0 / 1200.0
    ActionChains(browser).move_to_element_with_offset(ov, round(x - w / 2), 0).click().perform()
    assert _state(browser)["current"]["onset"] == pytest.approx(650.0, abs=1.0)

    browser.find_element("id", "reviewer").send_keys("T. Tech")
    browser.find_element("id", "emg").click()
    _keys(browser, "e")
    path = _wait(
        lambda: next(iter(browser.downloads.glob("hand_review_edits.json")), None), "the download"
    )
    _wait(lambda: path.stat().st_size > 0 and json.loads(path.read_text()), "a complete file")
    exported = json.loads(path.read_text())
    from_page = json.loads(browser.execute_script("return window.plmReview.exportJSON()"))
    assert exported["edits"] == from_page["edits"]
    return out, path, exported


def test_page_is_self_contained(session):
    page, _, _ = session
    html = page.read_text(encoding="utf-8")
    assert "<script src" not in html and "<link" not in html
    assert "http://" not in html and "https://" not in html


def test_export_holds_every_edit_with_before_after_and_time(night, session):
    _, _, exp = session
    from plm import keys
    from plm.review import EDITS_FORMAT, folder_checksum

    assert set(exp) == set(keys.declared("review_edits", "review"))
    assert exp["format"] == EDITS_FORMAT
    assert exp["result_checksum"] == folder_checksum(night[1], "hand")
    assert exp["reviewer"] == "T. Tech"
    kinds = [(e["kind"], e["index"]) for e in exp["edits"]]
    assert kinds == [("accept", 0), ("reject", 1), ("move", 4), ("move", 5), ("add", 11)]
    for e in exp["edits"]:
        assert e["time"].endswith("Z")
    move600 = exp["edits"][3]
    assert move600["after"]["onset"] - move600["before"]["onset"] == pytest.approx(0.2)
    assert move600["after"]["duration"] - move600["before"]["duration"] == pytest.approx(-0.2)
    assert exp["edits"][1]["after"] is None and exp["edits"][4]["before"] is None
    assert exp["settings"]["rules"]["name"] == "wasm2016"


def _rescore(rec, edits, out) -> dict:
    assert main(["rescore", str(rec), "--edits", str(edits), "--out", str(out)]) == 0
    return json.loads((out / "hand_summary.json").read_text())


def test_rescore_from_the_page_changes_indices_as_the_edits_imply(night, session, tmp_path):
    rec, _ = night
    _, path, _ = session
    s = _rescore(rec, path, tmp_path / "reviewed")
    assert (s["n_lm"], s["n_clm"], s["n_plm"], s["n_plm_series"]) == (11, 10, 5, 1)
    assert s["plms_index"] == pytest.approx(15.0)
    audit = s["audit"]
    assert audit["edits"] == {"accept": 1, "reject": 1, "move": 2, "add": 1}
    assert audit["changes"] == {"added": 1, "removed": 1, "changed": 2}
    assert audit["reviewer"] == "T. Tech"
    assert audit["indices"]["plms_index"] == {"before": 27.0, "after": 15.0}
    assert audit["indices"]["n_plm_series"] == {"before": 2, "after": 1}
    diff = pd.read_csv(tmp_path / "reviewed" / "hand_review_diff.tsv", sep="\t")
    assert list(diff["change"]) == ["removed", "changed", "changed", "added"]
    assert list(diff["category_before"].fillna("")) == ["plm", "isolated", "plm", ""]
    assert list(diff["category_after"].fillna("")) == ["", "non_clm", "plm", "short_imi"]
    cand = pd.read_csv(tmp_path / "reviewed" / "hand_candidates.tsv", sep="\t")
    left = cand[cand["side"] == "left"]
    assert not left["periodic"].any()  # the left series is gone


def _edited_review_edf(res: Path, exported: dict, out: Path) -> Path:
    """The review EDF+ with the page's edits typed in, saved as a viewer would (pyedflib)."""
    import pyedflib

    src = out.parent / "hand_plm_annotations.edf"
    assert main(["export-annotations", str(res), "--out", str(src)]) == 0
    with pyedflib.EdfReader(str(src)) as r:
        onsets, durations, texts = r.readAnnotations()
    rows = list(zip(onsets.tolist(), durations.tolist(), list(texts), strict=True))
    mv = pd.read_csv(res / "hand_movements.tsv", sep="\t")
    for e in exported["edits"]:
        if e["kind"] == "add":
            a = e["after"]
            rows.append((a["onset"], a["duration"], f"LM {a['side']}"))
            continue
        m = mv.iloc[e["index"]]
        k = next(
            i
            for i, (o, _, t) in enumerate(rows)
            if t == f"LM {m['side']}" and abs(o - m["onset"]) < 1e-3
        )
        if e["kind"] == "reject":
            rows.pop(k)
        elif e["kind"] == "move":
            rows[k] = (e["after"]["onset"], e["after"]["duration"], rows[k][2])
    w = pyedflib.EdfWriter(str(out), 1, file_type=pyedflib.FILETYPE_EDFPLUS)
    try:
        w.setSignalHeader(
            0,
            {"label": "Dummy", "dimension": "uV", "sample_frequency": 1, "physical_max": 1.0,
             "physical_min": -1.0, "digital_max": 32767, "digital_min": -32768},
        )  # fmt: skip
        w.setStartdatetime(START)
        for o, d, t in sorted(rows):
            w.writeAnnotation(o, d if d > 0 else -1, t)
        w.writeSamples([np.zeros(1200)])
    finally:
        w.close()
    return out


def test_rescore_from_an_edited_review_edf_matches_the_page(night, session, tmp_path):
    rec, res = night
    _, path, exported = session
    page = _rescore(rec, path, tmp_path / "from_page")
    edf = _edited_review_edf(res, exported, tmp_path / "edited.edf")
    viewer = _rescore(rec, edf, tmp_path / "from_edf")
    for key in ("n_lm", "n_clm", "n_plm", "n_plm_series", "plms_index", "plmw_index",
                "clms_index", "n_short_imi_clms", "n_isolated_clms", "n_nonclms"):  # fmt: skip
        assert viewer[key] == pytest.approx(page[key]), key
    assert viewer["audit"]["changes"] == page["audit"]["changes"]
    assert viewer["audit"]["edit_format"] == "annotations"
    a = pd.read_csv(tmp_path / "from_page" / "hand_candidates.tsv", sep="\t")
    b = pd.read_csv(tmp_path / "from_edf" / "hand_candidates.tsv", sep="\t")
    assert list(a["category"]) == list(b["category"])
    assert np.allclose(a["onset"], b["onset"], atol=1e-3)
    assert np.allclose(a["duration"], b["duration"], atol=1e-3)
    da = pd.read_csv(tmp_path / "from_page" / "hand_review_diff.tsv", sep="\t")
    db = pd.read_csv(tmp_path / "from_edf" / "hand_review_diff.tsv", sep="\t")
    assert list(da["change"]) == list(db["change"])
    assert list(da["index"].fillna(-1)) == list(db["index"].fillna(-1))


def test_rescore_refuses_edits_of_another_result_and_keeps_outputs(
    night, session, tmp_path, capsys
):
    rec, _ = night
    _, path, exported = session
    bad = tmp_path / "other.json"
    bad.write_text(json.dumps({**exported, "result_checksum": "sha256:" + "0" * 64}))
    assert main(["rescore", str(rec), "--edits", str(bad), "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "edits were made on result" in err[0]
    assert not (tmp_path / "x" / "hand_summary.json").exists()
    out = tmp_path / "twice"
    _rescore(rec, path, out)
    first = (out / "hand_summary.json").read_bytes()
    assert main(["rescore", str(rec), "--edits", str(path), "--out", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    assert (out / "hand_summary.json").read_bytes() == first
    assert main(["rescore", str(rec), "--edits", str(path), "--out", str(out), "--force"]) == 0
    kept = list(out.glob("pre_review_*/hand_summary.json"))
    assert len(kept) == 1 and kept[0].read_bytes() == first
