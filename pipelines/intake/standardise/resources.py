"""parse_resources: one unit's quarterly resources return -> rows of the resources template.

The template (docs/templates/resources-return.md) is one table, in a CSV file or on the
sheet 'Resources' of a workbook: a header row with the columns in REQUIRED_COLUMNS (any order,
any case, title rows above it allowed) and one row per figure. Sections and items are those
of seeds/resources/resource_items.csv, written as their code or their label; a detail names
the partner agency or the funding source where the item needs one. Like parse_return it never
raises for a bad file: what it cannot read comes back as Problems. What a readable row may
hold (known items, no negative money, a date for every budget line) is for the resources
suite, expectations/resources.json.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import polars as pl

from pipelines.intake.standardise.cells import EXCEL_EPOCH, is_blank, normalise_label, parse_number
from pipelines.intake.standardise.read_tables import Grid, UnreadableFile, read_grids
from pipelines.intake.check.rules import severity_of
from pipelines.intake.types import Problem, cell_place, column_letter
from pipelines.settings import SEEDS_DIR

SHEET = "Resources"
REQUIRED_COLUMNS = ("unit", "quarter", "section", "item", "detail", "value", "confirmed_on")
HEADER_SEARCH_ROWS = 10
MONEY_SECTIONS = ("budget", "spend")
RESOURCES_SCHEMA = {
    "rocu_code": pl.String, "period": pl.String, "section": pl.String, "item": pl.String,
    "detail": pl.String, "value": pl.Float64, "raw_value": pl.String, "confirmed_on": pl.String,
    "raw_confirmed_on": pl.String, "section_item": pl.String, "funding_source": pl.String,
    "post_funding_source": pl.String, "partner_agency": pl.String, "money_value": pl.Float64,
    "people_value": pl.Float64, "raw_item": pl.String, "raw_detail": pl.String,
    "source_sheet": pl.String, "source_row": pl.Int64, "source_column": pl.String,
    "item_column": pl.String, "detail_column": pl.String, "date_column": pl.String,
}
# 2025-Q1, 2025/26 Q1, 2025-26 Q1, Q1 2025/26: the financial year and its quarter (Q1 = April to June).
_QUARTER = re.compile(r"(?:(\d{4})(?:[/-]\d{2})?\s*[- ]?\s*Q([1-4])|Q([1-4])\s*[- ]?\s*(\d{4})(?:[/-]\d{2})?)",
                      re.IGNORECASE)


@dataclass(frozen=True)
class ParsedResources:
    rows: pl.DataFrame  # RESOURCES_SCHEMA
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


@cache
def _codes(seed: str, code: str, label: str) -> dict[str, str]:
    """Code or label, as people write them, -> code (seeds/resources/<seed>.csv)."""
    frame = pl.read_csv(SEEDS_DIR / "resources" / f"{seed}.csv", infer_schema=False)
    return {_key(v) or "": r[code] for r in frame.iter_rows(named=True) for v in (r[code], r[label])}


@cache
def _item_codes() -> dict[str, dict[str, str]]:
    """section -> (item code or label, as people write them -> item code)."""
    frame = pl.read_csv(SEEDS_DIR / "resources" / "resource_items.csv", infer_schema=False)
    codes: dict[str, dict[str, str]] = {}
    for r in frame.iter_rows(named=True):
        for v in (r["item"], r["label"]):
            codes.setdefault(r["section"], {})[_key(v) or ""] = r["item"]
    return codes


def _key(raw: str | None) -> str | None:
    return None if is_blank(raw) else normalise_label(raw).replace(" ", "_").replace("-", "_")


def parse_quarter(raw: str | None) -> str | None:
    """A cell naming a financial-year quarter -> 'YYYY-Qn', or None."""
    match = _QUARTER.fullmatch((raw or "").strip())
    if not match:
        return None
    year, n = (match[1], match[2]) if match[1] else (match[4], match[3])
    return f"{year}-Q{n}"


def parse_date(raw: str | None) -> str | None:
    """A typed or Excel date -> 'YYYY-MM-DD', or None if it is not clearly one day."""
    text = (raw or "").strip()
    try:
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T][\d:.]+)?", text):
            return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        if m := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text):  # British day/month/year
            return date(int(m[3]), int(m[2]), int(m[1])).isoformat()
        if m := re.fullmatch(r"(\d{5})(?:\.0+)?", text):  # an Excel serial date read as text
            return (EXCEL_EPOCH + timedelta(days=int(m[1]))).isoformat()
    except ValueError:
        return None
    return None


def _find_header(grid: Grid) -> tuple[int, dict[str, int]] | None:
    """(row index, column name -> index) of the first row naming section, item and value."""
    for r, row in enumerate(grid.cells[:HEADER_SEARCH_ROWS]):
        names = {_key(c): i for i, c in enumerate(row) if not is_blank(c)}
        if {"section", "item", "value"} <= names.keys():
            return r, names
    return None


def _table_grid(grids: list[Grid]) -> Grid | None:
    visible = [g for g in grids if not g.hidden]
    if len(visible) == 1 and visible[0].sheet is None:
        return visible[0]  # a CSV file
    return next((g for g in visible if (g.sheet or "").strip().casefold() == SHEET.casefold()), None)


def parse_resources(path: Path, rocu_code: str, quarter: str, display_name: str | None = None) -> ParsedResources:
    """Read the rows of a resources return for `rocu_code` and `quarter` (YYYY-Qn)."""
    name = display_name or path.name
    empty = pl.DataFrame(schema=RESOURCES_SCHEMA)
    try:
        grids = read_grids(path)
    except UnreadableFile as exc:
        return ParsedResources(empty, [Problem(severity_of(exc.rule), exc.rule, str(exc), file=name,
                                               sheet=exc.sheet, row=exc.row)])
    grid = _table_grid(grids)
    if grid is None:
        return ParsedResources(empty, [Problem(
            severity_of("missing_sheet"), "missing_sheet", f"The workbook has no visible sheet called '{SHEET}'. Put the resources "
            "table on a sheet of that name (see the resources return template) and upload it again.",
            file=name, sheet=SHEET)])
    found = _find_header(grid)
    if found is None:
        return ParsedResources(empty, [Problem(
            severity_of("no_header"), "no_header", f"No header row was found in the first {HEADER_SEARCH_ROWS} rows"
            + (f" of sheet '{grid.sheet}'" if grid.sheet else "") + f" of {name}. The table needs a header row "
            f"with the columns {', '.join(REQUIRED_COLUMNS)}, as in the resources return template.",
            file=name, sheet=grid.sheet)])
    header_row, columns = found
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        return ParsedResources(empty, [Problem(
            severity_of("missing_column"), "missing_column", f"Row {header_row + 1}"
            + (f" of sheet '{grid.sheet}'" if grid.sheet else "") + f" in {name} has no column called '{c}'. "
            "Rule: the resources table needs the columns " + ", ".join(REQUIRED_COLUMNS) + ". Add the column "
            "(or rename it back if it was renamed) and upload again.", file=name, sheet=grid.sheet,
            row=header_row + 1, column=c) for c in missing])
    return _read_rows(grid, header_row, columns, rocu_code, quarter, name)


def _read_rows(grid: Grid, header_row: int, columns: dict[str, int], rocu_code: str, quarter: str,
               name: str) -> ParsedResources:
    problems: list[Problem] = []
    rows: list[dict] = []
    letter = {c: column_letter(i) for c, i in columns.items()}

    def problem(rule: str, r: int, col: str, value: str | None, message: str) -> None:
        where = cell_place(name, grid.sheet, r + 1, letter[col])
        problems.append(Problem(severity_of(rule), rule, f"{where} {message}", file=name, sheet=grid.sheet, row=r + 1,
                                column=letter[col], value=value))

    for r in range(header_row + 1, len(grid.cells)):
        cell = {c: grid.cell(r, i) for c, i in columns.items()}
        if all(is_blank(cell[c]) for c in ("section", "item", "value", "detail")):
            continue
        unit = (cell["unit"] or "").strip()
        if unit and unit.upper() != rocu_code:
            problem("unit_mismatch", r, "unit", unit, f"names the unit {unit}, but the return was submitted "
                    f"for {rocu_code}. Rule: a resources return holds one unit's figures. Check you chose the "
                    "right unit and the right file.")
        written = (cell["quarter"] or "").strip()
        said = parse_quarter(written)
        if written and said is None:
            problem("not_a_quarter", r, "quarter", written, "is not a quarter. Rule: write the financial-year "
                    "quarter as YYYY-Qn, for example 2025-Q1 for April to June 2025.")
        elif said and said != quarter:
            problem("quarter_mismatch", r, "quarter", written, f"is for {said}, but the return was submitted for "
                    f"{quarter}. Rule: a resources return holds one quarter. Correct the cell, or submit the file "
                    "for the quarter it is for.")
        value = None
        if not is_blank(cell["value"]):
            value = parse_number(cell["value"])
            if value is None:
                problem("non_numeric_value", r, "value", cell["value"], "is not a number. Rule: a value is a "
                        "number of pounds or of people, without words. Correct the cell and upload again.")
                continue
        confirmed = None
        if not is_blank(cell["confirmed_on"]):
            confirmed = parse_date(cell["confirmed_on"])
            if confirmed is None:
                problem("not_a_date", r, "confirmed_on", cell["confirmed_on"], "is not a date. Rule: write the "
                        "day the funding was confirmed as a date, for example 2025-03-28 or 28/03/2025.")
        rows.append(_row(cell, value, confirmed, rocu_code, quarter, grid.sheet, r + 1, letter))
    frame = pl.DataFrame(rows, schema=RESOURCES_SCHEMA) if rows else pl.DataFrame(schema=RESOURCES_SCHEMA)
    return ParsedResources(frame, problems)


def _row(cell: dict, value: float | None, confirmed: str | None, rocu_code: str, quarter: str,
         sheet: str | None, row: int, letter: dict[str, str]) -> dict:
    """One table row, with the codes the suite checks (section_item, funding_source, partner_agency)."""
    section, item, detail = _key(cell["section"]), _key(cell["item"]), (cell["detail"] or "").strip() or None
    known = _item_codes().get(section or "")
    item_code = known.get(item or "", item) if known else item
    # An unknown section is the section rule's problem alone; a budget line's item is its funding source.
    section_item = f"{section}:{item_code}" if known and section != "budget" else None
    funding = post_funding = partner = None
    if section == "budget":
        item_code = funding = _codes("funding_sources", "funding_source", "label").get(item or "", item)
    elif section == "staff_contract" and detail:
        post_funding = _codes("funding_sources", "funding_source", "label").get(_key(detail) or "", detail)
    elif section_item == "staff_role:partner_embeds" and detail:
        partner = _codes("partner_agencies", "agency_code", "agency_name").get(_key(detail) or "", detail)
    return {
        "rocu_code": rocu_code, "period": quarter, "section": section, "item": item_code,
        "detail": partner or post_funding or detail,
        "value": value, "raw_value": cell["value"], "confirmed_on": confirmed, "raw_confirmed_on": cell["confirmed_on"],
        "section_item": section_item, "funding_source": funding, "post_funding_source": post_funding,
        "partner_agency": partner,
        # the value again, by what it counts, so the suite's rules need no row conditions (each costs a query)
        "money_value": value if section in MONEY_SECTIONS else None,
        "people_value": value if section not in MONEY_SECTIONS else None,
        "raw_item": cell["item"], "raw_detail": cell["detail"], "source_sheet": sheet, "source_row": row,
        "source_column": letter["value"], "item_column": letter["item"], "detail_column": letter["detail"],
        "date_column": letter["confirmed_on"],
    }
