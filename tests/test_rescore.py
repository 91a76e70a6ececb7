"""The review loop without a browser: applying edits, the diff, rescoring, several rule sets."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import plm
from pipelines.cli import main
from plm import keys
from plm.events import InputError
from plm.review import EDITS_FORMAT, apply_edits, diff_movements, folder_checksum

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "night01.edf"


def _series() -> pd.DataFrame:
    """A 4-PLM series (left, 20 s apart) and an isolated right LM."""
    return pd.DataFrame(
        {
            "onset": [60.0, 80.0, 100.0, 120.0, 300.0],
            "duration": [1.0, 1.0, 1.0, 1.0, 2.0],
            "side": ["left"] * 4 + ["right"],
        }
    )


def _edit(kind, index, before=None, after=None, side="left"):
    return {"kind": kind, "index": index, "side": side, "before": before, "after": after,
            "time": "2026-01-01T00:00:00Z"}  # fmt: skip


def _at(mv, i):
    return {"onset": float(mv["onset"][i]), "duration": float(mv["duration"][i])}


def test_rejecting_one_plm_of_a_four_plm_series_removes_the_series():
    mv = _series()
    before = plm.score_events(mv, hypnogram=["N2"] * 20)
    assert (before.summary["n_plm"], before.summary["n_plm_series"]) == (4, 1)
    reviewed, diff, counts = apply_edits(mv, [_edit("reject", 1, _at(mv, 1))])
    after = plm.score_events(reviewed.drop(columns="index"), hypnogram=["N2"] * 20)
    assert (after.summary["n_plm"], after.summary["n_plm_series"]) == (0, 0)
    assert after.summary["n_clm"] == 4
    assert list(diff["change"]) == ["removed"] and int(diff["index"][0]) == 1
    assert counts == {"accept": 0, "reject": 1, "move": 0, "add": 0}


def test_edits_apply_in_order_accept_restores_and_adds_get_new_indices():
    mv = _series()
    moved = {"onset": 300.0, "duration": 12.0}
    edits = [
        _edit("reject", 4, _at(mv, 4), side="right"),
        _edit("accept", 4, _at(mv, 4), _at(mv, 4), side="right"),  # restores it
        _edit("move", 4, _at(mv, 4), moved, side="right"),
        _edit("add", 5, None, {"onset": 140.0, "duration": 1.0, "side": "left"}),
        _edit("accept", 0, _at(mv, 0), _at(mv, 0)),
    ]
    reviewed, diff, _ = apply_edits(mv, edits)
    assert list(reviewed["index"]) == [0, 1, 2, 3, 5, 4]
    assert reviewed["duration"].iloc[-1] == 12.0 and pd.isna(reviewed["peak_uv"].iloc[-1])
    assert list(diff["change"]) == ["added", "changed"]
    after = plm.score_events(reviewed.drop(columns="index"), hypnogram=["N2"] * 20)
    # a fifth PLM (IMI 20 s); the right LM now lasts 12 s: not a CLM
    assert (after.summary["n_plm"], after.summary["n_clm"], after.summary["n_lm"]) == (5, 5, 6)


@pytest.mark.parametrize(
    "edit, message",
    [
        (_edit("reject", 9, {"onset": 1.0, "duration": 1.0}), "no such movement"),
        (_edit("reject", 0, {"onset": 61.0, "duration": 1.0}), "not where the edit file says"),
        (_edit("add", 2, None, {"onset": 1.0, "duration": 1.0, "side": "left"}), "must be new"),
        (_edit("add", 7, None, {"onset": 1.0, "duration": 1.0, "side": "up"}), "side must be"),
    ],
)
def test_edits_that_do_not_fit_are_refused(edit, message):
    with pytest.raises(InputError, match=message):
        apply_edits(_series(), [edit], "edits.json")


def test_diff_of_an_annotated_set_matches_moved_removed_and_added():
    mv = _series()
    after = mv.drop(index=[1]).copy()
    after.loc[4, "onset"] = 300.5
    after.loc[len(mv) + 1] = [500.0, 1.0, "right"]
    reviewed, diff = diff_movements(mv, after)
    assert list(diff["change"]) == ["removed", "changed", "added"]
    assert list(diff["index"].astype("float").fillna(-1)) == [1, 4, -1]
    assert diff["onset_after"].iloc[1] == pytest.approx(300.5)
    assert sorted(reviewed["index"]) == [0, 2, 3, 4, 5]


@pytest.fixture(scope="module")
def sample_result(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    assert main(["score", str(SAMPLE), "--out", str(out)]) == 0
    return out


def _no_edits(result_dir: Path, path: Path) -> Path:
    s = json.loads((result_dir / "night01_summary.json").read_text())
    path.write_text(
        json.dumps(
            {
                "format": EDITS_FORMAT,
                "version": 1,
                "stem": "night01",
                "result_checksum": folder_checksum(result_dir, "night01"),
                "reviewer": None,
                "settings": {
                    "rules": s["rules"],
                    "age_group": s["age_group"],
                    "channels": s["channels"],
                },  # fmt: skip
                "edits": [],
            }
        )
    )
    return path


def _written(folder: Path) -> dict[str, set[str]]:
    kinds = {"_summary.json": "summary", "_candidates.tsv": "candidates",
             "_movements.tsv": "movements", "_stages.tsv": "stages", "_gaps.tsv": "gaps",
             "_hr_response.tsv": "hr_response", "_hr_curves.tsv": "hr_curves",
             "_review_diff.tsv": "review_diff",
             "_rules_comparison.tsv": "rules_comparison"}  # fmt: skip
    out: dict[str, set[str]] = {}
    for p in folder.iterdir():
        kind = next((k for s, k in kinds.items() if p.name.endswith(s)), None)
        if kind is None:
            continue
        if p.suffix == ".tsv":
            out[kind] = set(pd.read_csv(p, sep="\t", nrows=0).columns)
        else:
            out[kind] = set(json.loads(p.read_text()))
    return out


def test_rescore_without_edits_gives_the_same_result_and_declared_outputs(sample_result, tmp_path):
    edits = _no_edits(sample_result, tmp_path / "none.json")
    out = tmp_path / "reviewed"
    assert main(["rescore", str(SAMPLE), "--edits", str(edits), "--out", str(out)]) == 0
    for name in ("candidates", "movements", "stages", "gaps", "hr_response"):
        a = (sample_result / f"night01_{name}.tsv").read_bytes()
        assert (out / f"night01_{name}.tsv").read_bytes() == a, name
    s0 = json.loads((sample_result / "night01_summary.json").read_text())
    s1 = json.loads((out / "night01_summary.json").read_text())
    audit = s1.pop("audit")
    assert s1 == s0
    assert audit["changes"] == {"added": 0, "removed": 0, "changed": 0}
    assert audit["result_checksum"] == folder_checksum(sample_result, "night01")
    assert all(v["before"] == v["after"] for v in audit["indices"].values())
    assert len(pd.read_csv(out / "night01_review_diff.tsv", sep="\t")) == 0
    written, scored = _written(out), _written(sample_result)  # declared == written
    for kind in keys.KINDS:
        have = written.get(kind, set())
        assert have <= set(keys.declared(kind, "rescore")), kind
        extra = {"summary": {"audit"}}.get(kind, set())
        if kind == "review_diff":
            assert have == set(keys.declared(kind, "rescore"))
        else:  # the same as `plm score` on this night (no SpO2 channel), plus the audit
            assert have == scored.get(kind, set()) | extra, kind
    assert "audit" in keys.declared("summary", "rescore")


def test_several_rule_sets_detect_once_and_write_the_side_by_side_table(
    sample_result, tmp_path, monkeypatch
):
    import plm.detect.recording as detection

    calls = []
    real = detection.detect_recording
    monkeypatch.setattr(
        detection, "detect_recording", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    out = tmp_path / "multi"
    argv = ["score", str(SAMPLE), "--rules", "wasm2016,aasm2012", "--out", str(out), "--report"]
    assert main(argv) == 0
    assert len(calls) == 1  # the report reuses the kept signals
    for name in ("wasm2016", "aasm2012"):
        s = json.loads((out / name / "night01_summary.json").read_text())
        assert s["rules"]["name"] == name
    single = (sample_result / "night01_candidates.tsv").read_bytes()
    assert (out / "wasm2016" / "night01_candidates.tsv").read_bytes() == single
    table = pd.read_csv(out / "night01_rules_comparison.tsv", sep="\t")
    assert list(table.columns) == ["metric", "label", "unit", "wasm2016", "aasm2012"]
    cols = {c if c in ("metric", "label", "unit") else "<rule set>" for c in table.columns}
    assert cols == set(keys.declared("rules_comparison", "score-rules"))
    row = table.set_index("metric").loc["plms_index"]
    s_aasm = json.loads((out / "aasm2012" / "night01_summary.json").read_text())
    assert float(row["aasm2012"]) == pytest.approx(s_aasm["plms_index"], abs=1e-4)
    assert "rule:bilateral_rule" in set(table["metric"])
    html = (out / "night01_report.html").read_text(encoding="utf-8")
    assert "Rule sets side by side" in html and "aasm2012" in html


def test_rule_lists_are_refused_with_unknown_or_repeated_names(capsys):
    with pytest.raises(SystemExit):
        main(["score", str(SAMPLE), "--rules", "wasm2016,nope", "--out", "x"])
    assert "distinct profiles" in capsys.readouterr().err
