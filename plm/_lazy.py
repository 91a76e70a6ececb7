"""A module imported at its first use, so that ``plm --help`` does not load pandas.

``from plm._lazy import pandas as pd`` binds ``pd`` to a :class:`LazyModule`: the first
attribute read (``pd.DataFrame``) imports pandas (0.2-0.4 s on a 2-core machine) and
every later read is a dictionary look-up.  Type annotations need no import at all under
``from __future__ import annotations``.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

__all__ = ["LazyModule", "pandas"]


class LazyModule:
    """A stand-in for the module ``name`` that imports it on the first attribute read.

    Thread-safe: :func:`importlib.import_module` holds the import lock of the module, so
    two threads reading an attribute at once import it once.
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        module = self._module
        if module is None:
            module = self._module = importlib.import_module(self._name)
        return getattr(module, attr)

    def __repr__(self) -> str:
        state = "imported" if self._module is not None else "not imported yet"
        return f"<lazy module {self._name!r} ({state})>"


#: pandas, imported when a table is first made.
pandas = LazyModule("pandas")
