"""The board paper as one self-contained, accessible HTML page (charts as inline SVG).

The PDF is this page printed by Chromium, so both formats carry the same words and figures.
"""

from __future__ import annotations

import re
from functools import cache
from html import escape
from pathlib import Path

import jinja2

from pipelines.papers.model import Report

TEMPLATES = Path(__file__).with_name("templates")
_NUMERIC = re.compile(r"^(–|[£+\-]?[\d,.]+( kg|%)?( \([\d,]+ of [\d,]+\))?|[\d,]+ of [\d,]+|(joint )?\d+(st|nd|rd|th) of \d+)$")


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters["accessible"] = accessible_svg
    return env


def accessible_svg(svg: str, alt: str) -> str:
    """Give an inline chart its text alternative: role=img, aria-label and a <title>."""
    label = escape(alt, quote=True)
    return re.sub(r"^<svg ", f'<svg role="img" aria-label="{label}" ', svg, count=1).replace(
        ">", f"><title>{escape(alt)}</title>", 1)


def numeric_columns(shown) -> list[bool]:
    """Right-align a column when every cell in it is a figure."""
    return [len(shown) > 0 and all(_NUMERIC.match(str(v)) for v in shown[c]) for c in shown.columns]


def render_html(report: Report) -> str:
    numeric = {t.caption: numeric_columns(t.shown) for s in report.sections for t in s.tables}
    return _environment().get_template("report.html.j2").render(
        report=report, marking=report.request.marking, numeric=numeric,
        css=(TEMPLATES / "report.css").read_text())
