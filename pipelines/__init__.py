"""Pipelines composed from the ``plm`` library: batch scoring, reports, validation.

The library (``plm/``) holds no orchestration; these modules do, and the ``plm`` command
line reaches them through :func:`register_cli`.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

#: (module, function adding its sub-commands) for every pipeline with a CLI.
_CLI_MODULES = (
    ("pipelines.fetch_cli", "add_fetch_parser"),
    ("pipelines.batch", "add_parsers"),
    ("pipelines.report", "add_parsers"),
    ("pipelines.validate_cap", "add_parsers"),
    ("pipelines.actigraphy_cli", "add_parsers"),
)


def register_cli(
    sub: argparse._SubParsersAction, add_rules_args: Callable[[argparse.ArgumentParser], None]
) -> None:
    """Add every pipeline's sub-commands to the ``plm`` parser."""
    for module_name, func_name in _CLI_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        func = getattr(module, func_name)
        if len(inspect.signature(func).parameters) >= 2:
            func(sub, add_rules_args)
        else:
            func(sub)
