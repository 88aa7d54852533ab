"""The shape of a board paper, independent of its format.

Sections hold findings, charts and tables; the HTML, PDF and XLSX writers only lay
them out, so every format carries exactly the same figures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

NETWORK = "NETWORK"
DEFAULT_MARKING = "OFFICIAL-SENSITIVE"
FORMATS = ("pdf", "html", "xlsx")
_QUARTER = re.compile(r"^\d{4}-Q[1-4]$")


@dataclass(frozen=True)
class Request:
    """What the board asked for: one unit (or the network), one calendar quarter."""

    unit: str
    quarter: str
    marking: str = DEFAULT_MARKING

    def __post_init__(self) -> None:
        object.__setattr__(self, "unit", self.unit.strip().upper())
        if not _QUARTER.match(self.quarter):
            raise ReportError(f"'{self.quarter}' is not a calendar quarter. Write it as 2025-Q1 (January to March 2025).")
        if not self.marking.strip():
            raise ReportError("The protective marking cannot be empty (the default is OFFICIAL-SENSITIVE).")

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
    svg: str
    alt: str
    caption: str


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
    database_sha256: str  # the warehouse as built, before it was published
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
    period_label: str  # e.g. "2026-Q2 (April to June 2026)"
    data_date: str  # e.g. "25 November 2026"
    build: Build
    sections: list[Section]
