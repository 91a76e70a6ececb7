"""The house rules, checked: two layers one way, the library's inner order, module size.

The import contracts live in ``pyproject.toml`` (``[tool.importlinter]``) and are checked
with import-linter, here and as a step of ``.ci/run``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAX_MODULE_LINES = 800
#: how a citation of the outside specification reads (built so this file does not match)
FORBIDDEN = ("spec " + "§", "scoring" + "-standards")


def test_import_contracts_hold():
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which(
        "lint-imports"
    )
    if exe is None:
        pytest.fail("import-linter is not installed (it is a test dependency)")
    proc = subprocess.run(
        [exe, "--config", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "broken" not in proc.stdout.split("Contracts:")[-1].split("kept")[0]


@pytest.mark.parametrize("package", ["plm", "pipelines"])
def test_no_module_is_too_long_to_read_alone(package):
    long = {
        str(p.relative_to(ROOT)): n
        for p in (ROOT / package).rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"modules over {MAX_MODULE_LINES} lines: {long}"


def test_code_cites_the_project_docs_not_an_outside_file():
    # citations point at docs/scoring.md (shipped) or a published source, never at the
    # specification file that is not part of the repository
    offenders = []
    for package in ("plm", "pipelines", "tests", "benchmarks"):
        for p in (ROOT / package).rglob("*.py"):
            for no, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
                if any(word in line for word in FORBIDDEN):
                    offenders.append(f"{p.relative_to(ROOT)}:{no}")
    assert not offenders, offenders
