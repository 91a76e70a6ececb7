"""The output declaration (plm.keys): every written key is declared, every declared key written."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pandas as pd
import pytest

from plm import keys

ROOT = Path(__file__).resolve().parents[1]

#: golden run -> command (``plm <command>``)
RUN_PRODUCER = {
    "score_sample": "score",
    "score_emg": "score",
    "score_edfd": "score",
    "score_aasm": "score",
    "score_events": "score-events",
    "accel": "score-accel",
    "sit": "sit",
    "msit": "sit",
    "batch": "batch",
}

#: file-name ending -> kind (``None``: not a declared output, e.g. the batch manifest)
SUFFIX_KIND = {
    "_summary.json": "summary",
    "_candidates.tsv": "candidates",
    "_movements.tsv": "movements",
    "_stages.tsv": "stages",
    "_gaps.tsv": "gaps",
    "_posture.tsv": "posture",
    "_out_of_bed.tsv": "out_of_bed",
    "_multinight.tsv": "multinight",
    "_multinight.json": "multinight_json",
    "_sit.json": "sit",
    "_msit.tsv": "msit",
    "_blocks.tsv": "blocks",
    "_hr_response.tsv": "hr_response",
    "_hr_curves.tsv": "hr_curves",
    "cohort_summary.tsv": "cohort",
    "errors.tsv": "errors",
    "_manifest.json": None,
    ".edf": None,
}


def _kind(name: str) -> str | None:
    for suffix, kind in SUFFIX_KIND.items():
        if name.endswith(suffix):
            return kind
    raise AssertionError(f"output {name} has no declared kind")


def _names(path: Path) -> dict[str, set[str]]:
    kind = _kind(path.name)
    if kind is None:
        return {}
    if path.suffix == ".tsv":
        return {kind: set(pd.read_csv(path, sep="\t", nrows=0).columns)}
    obj = json.loads(path.read_text(encoding="utf-8"))
    out = {kind: set(obj)}
    if kind == "sit":
        out["sit_window"] = set().union(*(set(w) for w in obj["windows"]))
    return out


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, dict[str, set[str]]]:
    """command -> kind -> every name written by that command on the golden inputs."""
    from pipelines.cli import main
    from tests.golden.golden import run_all

    work = tmp_path_factory.mktemp("keys")
    run_all(work)
    # the golden SIT has one window; two windows add the m-SIT table
    with contextlib.redirect_stdout(io.StringIO()):
        argv = ["sit", str(work / "inputs" / "sit_night.edf"), "--window", "600", "15"]
        code = main([*argv, "--window", "1800", "15", "--out", str(work / "msit")])
    assert code == 0
    got: dict[str, dict[str, set[str]]] = {}
    for run, producer in RUN_PRODUCER.items():
        folder = work / ("batch_out" if run == "batch" else run)
        files = [p for p in folder.rglob("*") if p.is_file() and not p.name.endswith(".html")]
        assert files, run
        for p in files:
            for kind, names in _names(p).items():
                got.setdefault(producer, {}).setdefault(kind, set()).update(names)
    return got


@pytest.mark.parametrize("producer", sorted(set(RUN_PRODUCER.values())))  # others: their tests
def test_every_written_key_is_declared_and_every_declared_key_written(written, producer):
    for kind in keys.KINDS:
        want = set(keys.declared(kind, producer))
        have = written[producer].get(kind, set())
        assert not have - want, f"{producer} {kind}: written but not declared: {have - want}"
        assert not want - have, f"{producer} {kind}: declared but not written: {want - have}"


def test_every_declaration_is_complete_and_cites_an_existing_section():
    doc = (ROOT / "docs" / "scoring.md").read_text(encoding="utf-8")
    for key in keys.KEYS.values():
        assert key.label and key.description and key.standard, key
        assert set(key.by) <= set(keys.PRODUCERS), key
        assert set(key.kinds) <= set(keys.KINDS), key
        if key.section:
            assert f"## {key.section} " in doc or f"### {key.section} " in doc, key.section


def test_code_cites_only_sections_that_exist():
    """Every 'docs/scoring.md §N' in the code names a heading of docs/scoring.md."""
    import re

    doc = (ROOT / "docs" / "scoring.md").read_text(encoding="utf-8")
    heads = set(re.findall(r"^#+ (§[\d.]+) ", doc, flags=re.M))
    for folder in ("plm", "pipelines", "tests"):
        for path in (ROOT / folder).rglob("*.py"):
            for line in path.read_text(encoding="utf-8").splitlines():
                for cite in re.findall(r"docs/scoring\.md ((?:§[\d.]*\d(?:, |/| / )?)+)", line):
                    for sec in re.findall(r"§[\d.]*\d", cite):
                        assert sec in heads, f"{path.name}: {sec} not in docs/scoring.md"


def test_label_unit_lookups():
    assert keys.label("plms_index") == "PLMS index"
    assert keys.unit("plms_index") == "/h"
    assert keys.unit("tst_h") == "h"
    assert keys.unit("n_plms") == ""
    assert keys.label("status", "cohort") == "Status"
    assert keys.label("peak_uv", "movements") == "Peak"
    assert keys.label("not_a_key") == "not_a_key"
    assert keys.unit("not_a_key") == ""
    with pytest.raises(KeyError):
        keys.get("not_a_key")


def test_report_and_cohort_use_the_declaration():
    from pipelines import batch, report

    for label, key, unit, _ in report.METRICS:
        assert (label, unit) == (keys.label(key), keys.unit(key))
    assert set(batch.COHORT_COLUMNS) == set(keys.declared("cohort", "batch"))


def test_outputs_md_is_generated():
    committed = (ROOT / "docs" / "outputs.md").read_text(encoding="utf-8")
    assert committed == keys.data_dictionary(), (
        "docs/outputs.md is stale: python -m plm.keys > docs/outputs.md"
    )
