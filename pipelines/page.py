"""Self-contained HTML pages: escaping, the page shell and its style, tables, figures.

Every HTML output of the application (night and cohort reports, the validation report,
the accelerometry report) is built from these pieces, so the pages look alike and stay
self-contained: inline CSS, figures embedded as base64 PNG, no script and no external
resource.
"""

from __future__ import annotations

import base64
import html
import math
import os
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = [
    "CSS",
    "duration_text",
    "escape",
    "fmt_key",
    "img",
    "page",
    "png_base64",
    "table",
    "td",
    "tr",
    "ul",
    "write_file",
]

#: The house style of every page.
CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:1.5em auto;
max-width:1200px;color:#222;line-height:1.4;padding:0 1em}
h1{font-size:1.5em;margin-bottom:.1em}h2{font-size:1.15em;border-bottom:1px solid #ddd;
padding-bottom:.2em;margin-top:1.4em}h3{font-size:1em}.sub{color:#555;margin-top:0}
img{max-width:100%;height:auto}table{border-collapse:collapse;font-size:.9em;margin:.5em 0}
td,th{padding:.25em .7em;border-bottom:1px solid #e4e4e4;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.exceeded td{background:#fbd9c4;font-weight:bold}.grid{display:flex;flex-wrap:wrap;gap:1em}
.grid>div{flex:1 1 420px}.note{color:#555;font-style:italic}ul{padding-left:1.2em}
footer{margin-top:2em;color:#777;font-size:.85em}.flag{color:#b34700;font-weight:bold}
.consistent{background:#d5f5e3}.not-consistent{background:#fadbd8}
.not-assessable{background:#eaecee}tr.failed td,.failed{background:#fadbd8}
code{background:#f4f4f4;padding:0 3px}
.patient{display:flex;flex-wrap:wrap;gap:.3em 1.6em;background:#f4f6f8;border:1px solid #ddd;
border-radius:4px;padding:.5em .8em;margin:.6em 0}.patient .k{color:#555;font-weight:600}
"""


def duration_text(minutes: float | None) -> str:
    """A duration as clinicians read it: ``h:mm (m.m min)``; ``n/a`` when unknown."""
    if minutes is None or (isinstance(minutes, float) and not math.isfinite(minutes)):
        return "n/a"
    total = int(round(float(minutes)))
    return f"{total // 60}:{total % 60:02d} ({float(minutes):.1f} min)"


def fmt_key(key: str, value: Any, kind: str = "summary", decimals: int | None = None) -> str:
    """A value of a declared key as the reports show it, by its unit (``plm.keys``).

    Hours and minutes as ``h:mm (m.m min)``, rates as ``12.3/h``, percentages and seconds
    with one decimal, counts as integers, ratios with two decimals, flags as yes/no;
    ``n/a`` for a missing value.
    """
    from plm import keys

    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if not isinstance(value, (int, float)):
        return str(value)
    unit = keys.unit(key, kind)
    if unit == "h":
        return duration_text(float(value) * 60.0)
    if unit == "min":
        return duration_text(float(value))
    if isinstance(value, int) or (
        unit == "" and float(value).is_integer() and key.startswith("n_")
    ):
        return f"{int(value)}"
    d = decimals if decimals is not None else (2 if unit == "" else 1)
    if unit == "/h":
        return f"{float(value):.{d}f}/h"
    return f"{float(value):.{d}f} {unit}".strip()


def write_file(path: str | os.PathLike[str], data: str | bytes) -> None:
    """Write a page (text, UTF-8) or a PDF (bytes) atomically: never half-written."""
    from plm._util import atomic_write

    with atomic_write(path, "wb") as fh:
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)


def escape(value: Any) -> str:
    """``str(value)`` escaped for HTML text and attribute values."""
    return html.escape(str(value), quote=True)


def page(title: str, body: str, css: str = CSS) -> str:
    """A complete HTML document around ``body`` (already HTML)."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{css}</style>\n</head>\n<body>\n"
        f"{body}\n</body>\n</html>\n"
    )


def png_base64(fig: Any, dpi: int = 100) -> str:
    """A Matplotlib figure rendered to PNG, as base64 text."""
    from pipelines.figures import figure_png

    return base64.b64encode(figure_png(fig, dpi=dpi)).decode("ascii")


def img(fig: Any, alt: str, dpi: int = 100) -> str:
    """An ``<img>`` element embedding a Matplotlib figure as base64 PNG."""
    return f'<img src="data:image/png;base64,{png_base64(fig, dpi)}" alt="{escape(alt)}">'


def ul(lines: Iterable[str]) -> str:
    """A bulleted list of text lines (escaped)."""
    return "<ul>" + "".join(f"<li>{escape(x)}</li>" for x in lines) + "</ul>"


def td(value: Any, cls: str | None = None, *, raw: bool = False, colspan: int = 1) -> str:
    """A table cell; ``value`` escaped unless ``raw`` (already HTML)."""
    attrs = (f" class='{cls}'" if cls else "") + (f" colspan='{colspan}'" if colspan > 1 else "")
    return f"<td{attrs}>{value if raw else escape(value)}</td>"


def tr(cells: Iterable[str], cls: str | None = None) -> str:
    """A table row of cells made by :func:`td`."""
    return (f"<tr class='{cls}'>" if cls else "<tr>") + "".join(cells) + "</tr>"


def table(columns: Sequence[str], rows: Iterable[str]) -> str:
    """A table with a header row of ``columns`` (escaped) and rows made by :func:`tr`."""
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"
