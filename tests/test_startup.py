"""`plm --help` stays cheap: the command line imports no pandas, matplotlib or scipy.stats.

Not a timing test: it checks which modules a fresh interpreter has loaded after building
the parser (benchmarks/README.md, case `startup`, has the times).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pandas", "matplotlib", "scipy.stats", "scipy.signal", "mne", "distributed")


def test_parser_imports_nothing_heavy():
    code = (
        "import json, sys; from pipelines.cli import build_parser; build_parser(); "
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_lazy_pandas_is_pandas():
    import pandas

    from plm._lazy import pandas as pd

    assert pd.DataFrame is pandas.DataFrame
    assert repr(pd).endswith("(imported)>")
