"""Find the figures for one month in a grid, whatever shape the unit's layout has.

Four shapes cover the units' own layouts (named in seeds/mappings/unit_layouts.csv):
a long table (a label column and a value column, perhaps a force and a period column,
on one or several sheets), months across the page, months down the page, and a force by
measure grid. Each finds its header by searching for it, so title rows, notes, blank rows
and blank columns anywhere above or between do not matter.
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Callable

from pipelines.intake.check.rules import severity_of
from pipelines.intake.types import Problem, column_letter
from pipelines.intake.standardise.cells import is_blank, normalise_label, parse_month
from pipelines.intake.standardise.grid import Grid

LABEL_HEADERS = frozenset({"measure", "indicator", "metric", "measure name", "item", "label"})
VALUE_HEADERS = frozenset({"value", "this month", "figure", "count", "number", "actual"})
FORCE_HEADERS = frozenset({"force", "force area", "force name", "area"})
PERIOD_HEADERS = frozenset({"period", "month", "reporting period", "reporting month"})
# A column of the unit's own explanations: its cell is attached to the figures of its row.
COMMENT_HEADERS = frozenset({"comments", "comment", "notes", "note", "explanation", "explanations"})


@dataclass(frozen=True)
class Found:
    """A label and the figure beside it for the return's month, with both places."""

    label: str
    raw_value: str | None
    force_text: str | None
    sheet: str | None
    row: int  # 1-based row of the figure
    column: str  # letter of the figure's column
    label_row: int
    label_column: str
    by_force: bool = False  # the table has a force dimension (a Force column or force rows)
    comment: str | None = None  # the unit's explanation beside the figure (a Comments or Notes cell)


Result = tuple[list[Found], list[Problem]]
IsForce = Callable[[str | None], bool]


def _problem(file: str, grid: Grid, rule: str, message: str, row: int | None = None,
             column: str | None = None, value: str | None = None) -> Problem:
    return Problem(severity_of(rule), rule, message, file, grid.sheet, row, column, value)


def _headers(grid: Grid, row: int) -> dict[str, int]:
    """Normalised header text -> first 0-based column holding it."""
    out: dict[str, int] = {}
    for col in range(grid.width):
        text = grid.cell(row, col)
        if text is not None:
            out.setdefault(normalise_label(text), col)
    return out


def _first(headers: dict[str, int], names: frozenset[str]) -> int | None:
    cols = [col for name, col in headers.items() if name in names]
    return min(cols) if cols else None


def _comment(grid: Grid, row: int, column: int | None) -> str | None:
    """The explanation in a Comments or Notes column on `row`, if the table has one and it is filled."""
    text = None if column is None else grid.cell(row, column)
    return None if is_blank(text) else " ".join(str(text).split())


def read_long(grids: list[Grid], period: str, file: str, is_force: IsForce) -> Result:
    """A label column and a value column (plus optional force and period columns)."""
    found: list[Found] = []
    problems: list[Problem] = []
    tables = 0
    for grid in grids:
        for r in grid.rows_holding(LABEL_HEADERS):
            head = _headers(grid, r)
            label_col, value_col = _first(head, LABEL_HEADERS), _first(head, VALUE_HEADERS)
            if label_col is not None and value_col is not None:
                break
        else:
            continue
        tables += 1
        force_col, period_col = _first(head, FORCE_HEADERS), _first(head, PERIOD_HEADERS)
        comment_col = _first(head, COMMENT_HEADERS)
        other_periods = 0
        for i in range(r + 1, len(grid.cells)):
            label = grid.cell(i, label_col)
            if is_blank(label):
                continue
            if period_col is not None and not is_blank(grid.cell(i, period_col)):
                raw_period = grid.cell(i, period_col)
                month = parse_month(raw_period)
                if month is None:
                    problems.append(_problem(
                        file, grid, "unreadable_period",
                        f"The period '{raw_period}' for '{label.strip()}' is not a month we can "
                        "read, so the figure was not loaded. Write the month as 2025-03, "
                        "March 2025 or a date in that month.",
                        i + 1, column_letter(period_col), raw_period))
                    continue
                if month != period:
                    other_periods += 1
                    continue
            found.append(Found(label, grid.cell(i, value_col),
                               grid.cell(i, force_col) if force_col is not None else None,
                               grid.sheet, i + 1, column_letter(value_col), i + 1,
                               column_letter(label_col), by_force=force_col is not None,
                               comment=_comment(grid, i, comment_col)))
        if other_periods and not found:
            problems.append(_problem(
                file, grid, "period_not_found",
                f"No row is for {period}: every row's Period is another month. Check the "
                "file is the return for this month.", r + 1, column_letter(period_col)))
    if not tables:
        problems.append(Problem(
            severity_of("header_not_found"), "header_not_found",
            "No header row with a measure column (Measure or Indicator) and a value column "
            "(Value or This month) was found, so no figures could be read.", file))
    return found, problems


def read_wide_months(grids: list[Grid], period: str, file: str, is_force: IsForce) -> Result:
    """A label column, then one column per month (dates or month names) across the page."""
    for grid in grids:
        for r in grid.rows_holding(LABEL_HEADERS):
            label_col = _first(_headers(grid, r), LABEL_HEADERS)
            months = {parse_month(grid.cell(r, c)): c for c in range(label_col + 1, grid.width)}
            months.pop(None, None)
            if not months:
                continue
            if period not in months:
                return [], [_problem(file, grid, "period_not_found",
                                     f"The header row has no column for {period}, so this "
                                     "month's figures could not be found. Add the month's column.",
                                     r + 1)]
            col, comment_col = months[period], _first(_headers(grid, r), COMMENT_HEADERS)
            found = [Found(grid.cell(i, label_col), grid.cell(i, col), None, grid.sheet, i + 1,
                           column_letter(col), i + 1, column_letter(label_col),
                           comment=_comment(grid, i, comment_col))
                     for i in range(r + 1, len(grid.cells)) if not is_blank(grid.cell(i, label_col))]
            return found, []
    return [], [Problem(severity_of("header_not_found"), "header_not_found",
                        "No header row with 'Measure' followed by month columns was found, so "
                        "no figures could be read.", file)]


def read_months_as_rows(grids: list[Grid], period: str, file: str, is_force: IsForce) -> Result:
    """A 'Month' column then one column per label; the row for the period holds the figures."""
    for grid in grids:
        for r in grid.rows_holding(PERIOD_HEADERS):
            filled = [c for c in range(grid.width) if not is_blank(grid.cell(r, c))]
            if len(filled) < 2 or normalise_label(grid.cell(r, filled[0])) not in PERIOD_HEADERS:
                continue
            month_col = filled[0]
            rows = [i for i in range(r + 1, len(grid.cells))
                    if parse_month(grid.cell(i, month_col)) == period]
            if not rows:
                return [], [_problem(file, grid, "period_not_found",
                                     f"No row is for {period} in column {column_letter(month_col)}, "
                                     "so this month's figures could not be found.",
                                     r + 1, column_letter(month_col))]
            i = rows[0]
            comment_col = next((c for c in filled[1:] if normalise_label(grid.cell(r, c)) in COMMENT_HEADERS), None)
            found = [Found(grid.cell(r, c), grid.cell(i, c), None, grid.sheet, i + 1,
                           column_letter(c), r + 1, column_letter(c), comment=_comment(grid, i, comment_col))
                     for c in filled[1:] if c != comment_col]
            return found, []
    return [], [Problem(severity_of("header_not_found"), "header_not_found",
                        "No header row starting with 'Month' was found, so no figures could "
                        "be read.", file)]


def read_force_grid(grids: list[Grid], period: str, file: str, is_force: IsForce) -> Result:
    """Labels across a header row, one row per force (and one for the unit) below it."""
    for grid in grids:
        start = next(((i, c) for i in range(len(grid.cells)) for c in range(grid.width)
                      if not is_blank(grid.cell(i, c)) and is_force(grid.cell(i, c))), None)
        if start is None:
            continue
        first, force_col = start
        header = next((h for h in range(first - 1, -1, -1)
                       if sum(not is_blank(grid.cell(h, c))
                              for c in range(force_col + 1, grid.width)) >= 2), None)
        if header is None:
            continue
        labels = [c for c in range(force_col + 1, grid.width) if not is_blank(grid.cell(header, c))]
        comment_col = next((c for c in labels if normalise_label(grid.cell(header, c)) in COMMENT_HEADERS), None)
        labels = [c for c in labels if c != comment_col]
        found: list[Found] = []
        for i in range(first, len(grid.cells)):
            who = grid.cell(i, force_col)
            if is_blank(who):
                continue
            for c in labels:
                found.append(Found(grid.cell(header, c), grid.cell(i, c), who, grid.sheet, i + 1,
                                   column_letter(c), header + 1, column_letter(c), by_force=True,
                                   comment=_comment(grid, i, comment_col)))
        return found, []
    return [], [Problem(severity_of("header_not_found"), "header_not_found",
                        "No table with force names down the side and measures across the top "
                        "was found, so no figures could be read.", file)]


LAYOUT_READERS: dict[str, Callable[..., Result]] = {
    "long_csv": read_long,
    "text_csv": read_long,
    "sheet_per_strand_xlsx": read_long,
    "wide_months_xlsx": read_wide_months,
    "months_as_rows_csv": read_months_as_rows,
    "merged_header_xlsx": read_force_grid,
}
