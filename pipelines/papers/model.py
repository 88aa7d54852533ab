"""The shape of a board paper, independent of its format.

Sections hold findings, charts and tables; the HTML, PDF and XLSX writers only lay
them out, so every format carries exactly the same figures.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from pipelines.papers.register import IssuedPaper

NETWORK = "NETWORK"
DEFAULT_MARKING = "OFFICIAL-SENSITIVE"
FORMATS = ("pdf", "html", "xlsx")
_QUARTER = re.compile(r"^\d{4}-[QC][1-4]$")
QUARTER_HELP = ("Board papers cover financial-year quarters: 2025-Q1 is April to June 2025 (financial year "
                "2025/26), Q2 July to September, Q3 October to December, Q4 January to March 2026. For a "
                "calendar quarter write C: 2025-C1 is January to March 2025.")


@dataclass(frozen=True)
class Request:
    """What the board asked for: one unit (or the network), one quarter.

    2025-Q1 is the first quarter of financial year 2025/26 (April to June 2025); 2025-C1 is
    the calendar quarter January to March 2025. The months of each are defined in dbt
    (dim_month.fy_quarter and calendar_quarter_code, dim_quarter), so papers and pages agree.
    """

    unit: str
    quarter: str
    marking: str = DEFAULT_MARKING

    def __post_init__(self) -> None:
        object.__setattr__(self, "unit", self.unit.strip().upper())
        object.__setattr__(self, "quarter", self.quarter.strip().upper())
        if not _QUARTER.match(self.quarter):
            raise ReportError(f"'{self.quarter}' is not a quarter. Write 2025-Q1 for April to June 2025 (the first "
                              "quarter of financial year 2025/26) or 2025-C1 for the calendar quarter January to "
                              "March 2025.")
        if not self.marking.strip():
            raise ReportError("The protective marking cannot be empty (the default is OFFICIAL-SENSITIVE).")

    @property
    def scheme(self) -> str:
        """'financial' (2025-Q1) or 'calendar' (2025-C1), as dim_quarter.quarter_scheme."""
        return "calendar" if self.quarter[5] == "C" else "financial"

    @property
    def is_network(self) -> bool:
        return self.unit == NETWORK


class ReportError(ValueError):
    """A request the warehouse cannot answer, with a message a board secretary understands."""


@dataclass
class Table:
    """Figures behind a chart or finding: `shown` is formatted for reading, `data` is raw for the XLSX."""

    caption: str
    shown: pd.DataFrame
    data: pd.DataFrame
    row_headers: bool = True  # first column names the row (th scope="row")
    note: str = ""


@dataclass
class Chart:
    """Drawn the first time a writer asks for its SVG: the XLSX shows no charts, and drawing a
    paper's charts costs about 1.5 s."""

    draw: Callable[[], str]
    alt: str
    caption: str

    @cached_property
    def svg(self) -> str:
        return self.draw()


@dataclass
class Section:
    key: str
    title: str
    intro: str
    findings: list[str] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


@dataclass
class Build:
    """Which published build the paper was made from (the only time stamp it carries).

    Read from the build row inside the published file, through the connection the figures
    are read with, so the paper names the build its figures came from.
    """

    build_id: str
    published_at: str
    database_sha256: str  # the published marts' content (pipelines/serving/publish.py: content_digest)
    audit_seq: int  # the audit trail's head when the build was published
    audit_head_hash: str
    figures_sha256: str = ""

    @property
    def audit_head(self) -> str:
        """'seq 41, hash 0f3a9c…' (the first 16 hex digits); the full hash is in the HTML's metadata."""
        return f"seq {self.audit_seq}, hash {self.audit_head_hash[:16]}"

    @property
    def audit_anchor(self) -> str:
        """The head as `rocu audit verify --anchor` takes it: SEQ:first 16 hex digits."""
        return f"{self.audit_seq}:{self.audit_head_hash[:16]}"


@dataclass
class Report:
    request: Request
    title: str
    subject: str  # e.g. "EMSOU (East Midlands)" or "the ROCU network"
    period_label: str  # e.g. "2026-Q1 (April to June 2026, financial year 2026/27)"
    data_date: str  # e.g. "25 November 2026"
    build: Build
    sections: list[Section]
    figures_held: pd.DataFrame | None = None  # the framework figures read (kept in the register when issued)
    previous: IssuedPaper | None = None  # the paper last issued to this board (register), if any

    @property
    def quarter_note(self) -> str:
        """How the paper names quarters (printed under "How to read this paper" and in the XLSX)."""
        if self.request.scheme == "calendar":
            return ("Quarters are calendar quarters, written with a C: C1 is January to March, C2 April to June, "
                    "C3 July to September, C4 October to December.")
        return ("Quarters are financial-year quarters (the year runs April to March and is named by the year it "
                "starts): Q1 is April to June, Q2 July to September, Q3 October to December, Q4 January to March.")
