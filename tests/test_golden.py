"""Golden test: every command's outputs on fixed inputs equal the frozen fingerprints.

Refactors keep behaviour: the inputs (generated from fixed seeds) and every scored output
(TSV, JSON, the review EDF+; version fields, wall-clock stamps and absolute paths removed)
must hash to what ``tests/golden/fingerprints.json`` holds. Reports and figures are not
frozen (rendering is not scoring).
"""

from __future__ import annotations

import json

from tests.golden.golden import FROZEN, run_all


def test_every_output_equals_the_frozen_fingerprints(tmp_path):
    frozen = json.loads(FROZEN.read_text())
    got = run_all(tmp_path)
    assert sorted(got) == sorted(frozen)
    for run, files in frozen.items():
        changed = sorted(k for k in set(files) | set(got[run]) if files.get(k) != got[run].get(k))
        assert not changed, f"{run}: outputs differ from the golden run: {changed}"
