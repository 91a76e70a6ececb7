"""Every summary key and output column, declared once: unit, label, description, standard.

This is the data dictionary of plmkit's outputs.  Each :class:`Key` names one JSON key or
one table column, the files (*kinds*) it appears in, the commands that write it, its unit,
a short human label (used by the report's metric table and the cohort table), a one-line
description and the standard it follows, with the section of ``docs/scoring.md`` that
states the rule.  ``docs/outputs.md`` is generated from it::

    python -m plm.keys > docs/outputs.md

and a test checks that every key the commands write is declared here and every declared
key is written.

Units are display units: ``h`` hours, ``/h`` events per hour of the key's denominator,
``s`` seconds, ``min`` minutes, ``µV``, ``g`` (standard gravity), ``°``, ``Hz``, ``%``;
an empty unit means a count, a ratio, a flag or text (the description says which).
"""

from __future__ import annotations

from plm.keys import night, tables  # noqa: F401  (the declarations, in this order)
from plm.keys._base import _DECL, _NIGHT, KINDS, PRODUCERS, Key

__all__ = [
    "Key",
    "KEYS",
    "KINDS",
    "PRODUCERS",
    "declared",
    "get",
    "label",
    "unit",
    "description",
    "data_dictionary",
]

KEYS: dict[tuple[str, str], Key] = {}
for _key in _DECL:
    for _kind in _key.kinds:
        if (_kind, _key.name) in KEYS:
            raise RuntimeError(f"{_kind}:{_key.name} declared twice")
        KEYS[(_kind, _key.name)] = _key


def declared(kind: str, producer: str | None = None) -> list[str]:
    """Names declared for a file kind (optionally only those ``producer`` writes), in order.

    A key is written to a file by the commands that write both the key and the file.
    """
    out = []
    for (k, name), key in KEYS.items():
        if k != kind:
            continue
        if producer is None or producer in _written_by(key, kind):
            out.append(name)
    return out


def _written_by(key: Key, kind: str) -> tuple[str, ...]:
    return tuple(p for p in key.by if p in KINDS[kind][2])


def get(name: str, kind: str = "summary") -> Key:
    """The declaration of ``name`` in ``kind`` (falling back to any kind holding it).

    Raises
    ------
    KeyError
        When the name is declared nowhere.
    """
    if (kind, name) in KEYS:
        return KEYS[(kind, name)]
    for (_, n), key in KEYS.items():
        if n == name:
            return key
    raise KeyError(f"output key {name!r} is not declared in plm.keys")


def label(name: str, kind: str = "summary") -> str:
    """Human label of a key or column (the name itself when undeclared)."""
    try:
        return get(name, kind).label
    except KeyError:
        return name


def unit(name: str, kind: str = "summary") -> str:
    """Display unit of a key or column ('' for counts, ratios, flags, text, undeclared)."""
    try:
        return get(name, kind).unit
    except KeyError:
        return ""


def description(name: str, kind: str = "summary") -> str:
    """One-line description of a key or column ('' when undeclared)."""
    try:
        return get(name, kind).description
    except KeyError:
        return ""


def data_dictionary() -> str:
    """The data dictionary ``docs/outputs.md`` as Markdown (one table per file kind)."""
    lines = [
        "# Outputs: the data dictionary",
        "",
        "Generated from `plm/keys/` by `python -m plm.keys > docs/outputs.md`; do not edit",
        "by hand (a test compares this file with the generator's output). Sections (§) are",
        "those of [`docs/scoring.md`](scoring.md). An empty unit means a count, a ratio, a",
        "flag or text (the description says which); `/h` is per hour of the denominator",
        "the description names. Missing values are `null` in JSON and empty cells in TSV.",
        "",
    ]
    for kind, (pattern, what, _) in KINDS.items():
        lines += [f"## `{pattern}`", "", f"{what[0].upper()}{what[1:]}.", ""]
        lines += [
            "| key | label | unit | description | standard | written by |",
            "|---|---|---|---|---|---|",
        ]
        for name in declared(kind):
            key = KEYS[(kind, name)]
            by = _written_by(key, kind)
            who = "every night" if set(by) == set(_NIGHT) else ", ".join(by)
            lines.append(
                f"| `{name}` | {key.label} | {key.unit} | {key.description} | {key.source} "
                f"| {who} |"
            )
        lines.append("")
    return "\n".join(lines)
