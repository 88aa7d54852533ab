"""Problems found in a submitted file, as values a performance lead can act on.

A problem names where it is (file, sheet, row, column), what was found (value), which
rule it broke and how bad it is (expectations/rules.yml): an ``error`` blocks acceptance; a
``query`` is accepted but must be answered (confirmed with an explanation, or corrected by a new
version) before the return can be signed off; ``information`` asks nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "query", "information"]


@dataclass(frozen=True)
class Problem:
    severity: Severity
    rule: str  # stable id, e.g. "unmapped_label"
    message: str  # plain English: what is wrong and how to fix it
    file: str
    sheet: str | None = None
    row: int | None = None  # 1-based, as a spreadsheet shows it
    column: str | None = None  # column letter (A, B, ...) or header name
    value: str | None = None

    def where(self) -> str:
        """'sheet Pursue, row 7, column C' — the place in words, for messages."""
        parts = [f"file {self.file}"]
        if self.sheet:
            parts.append(f"sheet {self.sheet}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts)

    def as_text(self) -> str:
        found = f" (found: {self.value!r})" if self.value is not None else ""
        return f"{self.severity.upper()} [{self.rule}] {self.where()}{found}: {self.message}"

    def as_dict(self) -> dict:
        return asdict(self)


def counts(problems: list[Problem]) -> str:
    """'1 error, 2 queries, 0 for information': a verdict's problems by severity."""
    errors, asked = (sum(p.severity == s for p in problems) for s in ("error", "query"))
    told = len(problems) - errors - asked
    return (f"{errors} error{'s' * (errors != 1)}, {asked} quer{'ies' if asked != 1 else 'y'}, "
            f"{told} for information")


def cell_place(file: str, sheet: str | None, row: int | None, column: str | None) -> str:
    """"Row 7, column D of sheet 'Pursue' in return.xlsx": how every message about a cell begins."""
    place = ", ".join(part for part in (f"Row {row}" if row is not None else "",
                                        f"column {column}" if column else "") if part) or "A row"
    return place + (f" of sheet '{sheet}'" if sheet else "") + f" in {file}"


def column_letter(index: int) -> str:
    """0-based column index to a spreadsheet letter: 0 -> A, 27 -> AB."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
