"""One report layout for every modality: a heading, a patient/study block and sections.

A report (:class:`Report`) is a title, a subtitle, the patient/study fields and an
ordered list of :class:`Section` objects — a table, lines of text or a figure.  The same
object renders to a self-contained HTML page (:func:`render_html`) and to an A4 portrait
PDF (:func:`render_pdf`, sections flowed over as many pages as they need), so the PSG,
SIT, accelerometry and cohort reports look alike and say the same thing in both files.

Builders make the section list (e.g. :func:`pipelines.report.psg_sections`); a caller may
insert, drop or replace sections by their ``key`` before rendering
(:func:`insert_section`), which is how further tables (a comparison of rule sets, a
review status) join a report without touching its builder.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipelines import page

__all__ = [
    "Report",
    "Section",
    "Table",
    "insert_section",
    "render_html",
    "render_pdf",
]

#: Page geometry of the PDF (in): A4 portrait and its margins.
PAGE_IN = (8.27, 11.69)
MARGIN_IN = 0.45
_ROW_IN = 0.165  # one table row
_LINE_IN = 0.135  # one line of text
_TITLE_IN = 0.3  # a section heading


@dataclass
class Table:
    """A table of text cells.

    Attributes
    ----------
    columns : list of str
        Header row.
    rows : list of list of str
        Cells, already formatted.
    highlight : list of bool
        Rows to highlight (e.g. a value above its cut-off); empty means none.
    numeric : list of bool
        Columns aligned right (numbers); empty means the second column only.
    links : dict of str to str
        First-column text -> relative URL (HTML only).
    """

    columns: list[str]
    rows: list[list[str]]
    highlight: list[bool] = field(default_factory=list)
    numeric: list[bool] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)

    def _numeric(self) -> list[bool]:
        if self.numeric:
            return self.numeric
        return [i == 1 for i in range(len(self.columns))]

    def _highlight(self) -> list[bool]:
        return self.highlight or [False] * len(self.rows)


@dataclass
class Section:
    """One block of a report.

    Exactly one of ``table``, ``lines`` or ``draw`` is normally set; ``note`` is a
    sentence shown under the heading.

    Attributes
    ----------
    key : str
        Identifier (``architecture``, ``indices``, ...), for callers inserting sections.
    title : str
        Heading.
    table : Table, optional
    lines : list of str, optional
        Bulleted lines.
    draw : callable, optional
        ``draw(figure)`` draws the section's panels into a Matplotlib (sub)figure.
    size_in : (float, float)
        Figure size (in) of ``draw`` in the HTML page; its height is kept in the PDF.
    note : str
        A sentence under the heading (e.g. what a figure shows, or why it is missing).
    half : bool
        May stand beside the next half-width section.
    """

    key: str
    title: str
    table: Table | None = None
    lines: list[str] | None = None
    draw: Callable[[Any], None] | None = None
    size_in: tuple[float, float] = (10.0, 3.2)
    note: str = ""
    half: bool = False


@dataclass
class Report:
    """A whole report: heading, patient/study block, sections, footer."""

    title: str
    subtitle: str
    patient: list[tuple[str, str]]
    sections: list[Section]
    footer: str = ""

    def text(self) -> str:
        """Every text item of the report (for tests and plain-text previews)."""
        out = [self.title, self.subtitle, *(f"{k}: {v}" for k, v in self.patient)]
        for s in self.sections:
            out += [s.title, s.note]
            if s.table is not None:
                out += [" | ".join(r) for r in [s.table.columns, *s.table.rows]]
            out += list(s.lines or [])
        return "\n".join(x for x in out if x)


def insert_section(report: Report, section: Section, *, after: str | None = None) -> None:
    """Insert ``section`` after the section keyed ``after`` (at the end when absent).

    A section with the same key is replaced in place.
    """
    keys = [s.key for s in report.sections]
    if section.key in keys:
        report.sections[keys.index(section.key)] = section
        return
    pos = keys.index(after) + 1 if after in keys else len(report.sections)
    report.sections.insert(pos, section)


# ---------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------


def _html_table(table: Table) -> str:
    numeric = table._numeric()

    def cell(i: int, v: str) -> str:
        if i == 0 and v in table.links:
            link = f'<a href="{page.escape(table.links[v])}">{page.escape(v)}</a>'
            return page.td(link, raw=True)
        return page.td(v, "num" if numeric[i] else None)

    rows = (
        page.tr([cell(i, v) for i, v in enumerate(row)], "exceeded" if hi else None)
        for row, hi in zip(table.rows, table._highlight(), strict=True)
    )
    return page.table(table.columns, rows)


def _html_figure(section: Section) -> str:
    from pipelines import figures

    fig = figures.draw_figure(section.draw, section.size_in, html=True)
    return page.img(fig, section.title, dpi=100)


def _html_section(section: Section) -> str:
    parts = [f"<h2>{page.escape(section.title)}</h2>"]
    if section.note:
        parts.append(f'<p class="note">{page.escape(section.note)}</p>')
    if section.table is not None:
        parts.append(_html_table(section.table))
    if section.lines is not None:
        parts.append(page.ul(section.lines or ["none"]))
    if section.draw is not None:
        parts.append(_html_figure(section))
    return "\n".join(parts)


def _patient_html(patient: Sequence[tuple[str, str]]) -> str:
    if not patient:
        return ""
    cells = "".join(
        f"<div><span class='k'>{page.escape(k)}</span> {page.escape(v)}</div>" for k, v in patient
    )
    return f'<div class="patient">{cells}</div>'


def render_html(report: Report) -> str:
    """The report as a self-contained HTML page."""
    body = [
        f"<h1>{page.escape(report.title)}</h1>",
        f'<p class="sub">{page.escape(report.subtitle)}</p>',
        _patient_html(report.patient),
    ]
    i = 0
    secs = report.sections
    while i < len(secs):
        if secs[i].half and i + 1 < len(secs) and secs[i + 1].half:
            body.append(
                f'<div class="grid"><div>{_html_section(secs[i])}</div>'
                f"<div>{_html_section(secs[i + 1])}</div></div>"
            )
            i += 2
        else:
            body.append(_html_section(secs[i]))
            i += 1
    if report.footer:
        body.append(f"<footer>{page.escape(report.footer)}</footer>")
    return page.page(report.title, "\n".join(b for b in body if b))


# ---------------------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------------------


def _wrap(lines: Sequence[str], width_in: float) -> list[str]:
    chars = max(int(width_in * 15.5), 30)  # 6.5-pt text
    out: list[str] = []
    for line in lines:
        out.extend(textwrap.wrap(line, width=chars, subsequent_indent="   ") or [""])
    return out


def _height_in(section: Section, width_in: float) -> float:
    h = _TITLE_IN + (_LINE_IN * len(_wrap([section.note], width_in)) if section.note else 0.0)
    if section.table is not None:
        h += _ROW_IN * (len(section.table.rows) + 1) + 0.05
    if section.lines is not None:
        h += _LINE_IN * len(_wrap(section.lines or ["none"], width_in)) + 0.05
    if section.draw is not None:
        scale = min(1.0, width_in / section.size_in[0])
        h += max(section.size_in[1] * max(scale, 0.75), 1.2)
    return h


def _pdf_table(ax: Any, table: Table) -> None:
    ax.axis("off")
    if not table.rows:
        ax.text(0, 1, "none", va="top", fontsize=7)
        return
    n_cols = len(table.columns)
    lengths = [  # header text is bold: it needs about 15 % more room per character
        max(1.15 * len(table.columns[c]), *(len(str(r[c])) for r in table.rows)) + 2
        for c in range(n_cols)
    ]
    total = float(sum(lengths))
    tab = ax.table(
        cellText=table.rows,
        colLabels=table.columns,
        colWidths=[x / total for x in lengths],
        cellLoc="left",
        bbox=(0.0, 0.0, 1.0, 1.0),
        edges="closed",
    )
    tab.auto_set_font_size(False)
    tab.set_fontsize(6.8)
    numeric = table._numeric()
    high = table._highlight()
    for (r, c), cell in tab.get_celld().items():
        cell.set_edgecolor("#E2E2E2")
        cell.set_linewidth(0.5)
        if numeric[c] and r > 0:
            cell._loc = "right"
        if r == 0:
            cell.set_text_props(weight="bold")
            cell.set_facecolor("#F0F0F0")
        elif high[r - 1]:
            cell.set_facecolor("#FBD9C4")
            cell.set_text_props(weight="bold")


def _pdf_section(sub: Any, section: Section, width_in: float, height_in: float) -> None:
    sub.suptitle(section.title, x=0.0, ha="left", fontsize=9, weight="bold")
    parts = []
    note_h = _LINE_IN * len(_wrap([section.note], width_in)) if section.note else 0.0
    if section.note:
        parts.append(("note", note_h))
    if section.table is not None:
        parts.append(("table", _ROW_IN * (len(section.table.rows) + 1)))
    if section.lines is not None:
        parts.append(("lines", _LINE_IN * len(_wrap(section.lines or ["none"], width_in))))
    if section.draw is not None:
        parts.append(("draw", max(section.size_in[1], 1.2)))
    spare = height_in - _height_in(section, width_in)
    if spare > 0.05:  # the shorter of two sections side by side keeps its row height
        parts.append(("fill", spare))
    subs = sub.subfigures(len(parts), 1, height_ratios=[h for _, h in parts], squeeze=False)
    for (kind, _), sf in zip(parts, subs[:, 0], strict=True):
        if kind == "draw":
            section.draw(sf)  # type: ignore[misc]
            continue
        if kind == "fill":
            continue
        ax = sf.add_axes((0.0, 0.0, 1.0, 1.0))
        ax.axis("off")
        if kind == "table":
            _pdf_table(ax, section.table)  # type: ignore[arg-type]
        else:
            lines = [section.note] if kind == "note" else (section.lines or ["none"])
            bullet = "" if kind == "note" else "• "
            text = "\n".join(
                (bullet if not x.startswith("   ") else "") + x for x in _wrap(lines, width_in)
            )
            style = "italic" if kind == "note" else "normal"
            ax.text(0, 1, text, va="top", fontsize=6.5, linespacing=1.3, style=style)


def _blocks(sections: Sequence[Section], width_in: float) -> list[tuple[list[Section], float]]:
    """Sections grouped into rows (half-width pairs side by side) with their heights."""
    rows: list[tuple[list[Section], float]] = []
    i = 0
    while i < len(sections):
        s = sections[i]
        if s.half and i + 1 < len(sections) and sections[i + 1].half:
            pair = [s, sections[i + 1]]
            rows.append((pair, max(_height_in(x, width_in / 2) for x in pair)))
            i += 2
        else:
            rows.append(([s], _height_in(s, width_in)))
            i += 1
    return rows


def _head(fig: Any, report: Report, first: bool, page_no: int, n_pages: int) -> None:
    w, h = PAGE_IN
    top = 1 - MARGIN_IN / h
    if first:
        fig.text(MARGIN_IN / w, top, report.title, fontsize=13, weight="bold", va="top")
        fig.text(MARGIN_IN / w, top - 0.27 / h, report.subtitle, fontsize=7.5, va="top",
                 color="#333333")  # fmt: skip
        if report.patient:
            text = "    ".join(f"{k}: {v}" for k, v in report.patient)
            lines = textwrap.wrap(text, width=125)
            fig.text(MARGIN_IN / w, top - 0.46 / h, "\n".join(lines), fontsize=7, va="top",
                     linespacing=1.35, bbox={"facecolor": "#F4F6F8", "edgecolor": "#DDDDDD",
                                             "boxstyle": "round,pad=0.35"})  # fmt: skip
    else:
        fig.text(MARGIN_IN / w, top, f"{report.title} (continued)", fontsize=9, va="top",
                 color="#333333")  # fmt: skip
    foot = f"{report.footer}    page {page_no}/{n_pages}".strip()
    fig.text(MARGIN_IN / w, 0.25 / h, foot, fontsize=5.5, color="#777777", va="bottom")


def _head_in(report: Report, first: bool) -> float:
    if not first:
        return 0.35
    n = len(textwrap.wrap("    ".join(f"{k}: {v}" for k, v in report.patient), width=125))
    return 0.62 + 0.14 * n + (0.15 if report.patient else 0.0)


def render_pdf(report: Report) -> bytes:
    """The report as an A4 portrait PDF (as many pages as the sections need)."""
    from matplotlib.backends.backend_pdf import FigureCanvasPdf, PdfPages

    from pipelines import figures

    width_in = PAGE_IN[0] - 2 * MARGIN_IN
    usable = PAGE_IN[1] - 2 * MARGIN_IN - 0.15
    pages: list[list[tuple[list[Section], float]]] = [[]]
    room = usable - _head_in(report, True)
    for row, h in _blocks(report.sections, width_in):
        if pages[-1] and h > room:
            pages.append([])
            room = usable - _head_in(report, False)
        pages[-1].append((row, h))
        room -= h
    buf = io.BytesIO()
    with figures.rc(), PdfPages(buf, metadata={"CreationDate": None, "Creator": "plmkit"}) as pdf:
        for k, rows in enumerate(pages):
            fig = figures.new_figure(PAGE_IN, layout="constrained")
            w, h_page = PAGE_IN
            m = MARGIN_IN
            fig.get_layout_engine().set(
                h_pad=0.03, w_pad=0.03, hspace=0.0, wspace=0.04,
                rect=(m / w, m / h_page, 1 - 2 * m / w, 1 - (2 * m + 0.15) / h_page),
            )  # fmt: skip
            head = _head_in(report, k == 0)
            used = sum(h for _, h in rows)
            fill = max(usable - head - used, 0.01)
            heights = [head, *(h for _, h in rows), fill]
            subs = fig.subfigures(len(heights), 1, height_ratios=heights)
            _head(fig, report, k == 0, k + 1, len(pages))
            for (row, h), sub in zip(rows, subs[1:-1], strict=True):
                if len(row) == 2:
                    a, b = sub.subfigures(1, 2, wspace=0.04)
                    _pdf_section(a, row[0], width_in / 2, h)
                    _pdf_section(b, row[1], width_in / 2, h)
                else:
                    _pdf_section(sub, row[0], width_in, h)
            FigureCanvasPdf(fig)
            pdf.savefig(fig)
    return buf.getvalue()
