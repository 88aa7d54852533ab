"""A file for another month is refused: every month a file states (file name, sheet names,
titles, header dates, period notes) must be the month it is submitted for."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from collections.abc import Callable

import openpyxl
import pytest

from dashboards.template import build_template
from pipelines.intake.check.period_signals import check_period_signals, find_months, stated_months
from pipelines.intake.service import submit_return
from pipelines.intake.land.zone import LandingZone
from pipelines.intake.standardise.read_tables import Grid, read_grids
from pipelines.intake.standardise.returns import unit_layout
from tests.conftest import demo_file, generate_demo

TODAY = date(2026, 11, 24)
MONTH, OTHER = "2025-09", "2025-08"


# --- the finder of months in free text -------------------------------------------------------

@pytest.mark.parametrize("text, months", [
    ("EMSOU monthly return — October 2025", ["2025-10"]),
    ("Return for 2025-10", ["2025-10"]),
    ("Period: Oct-25", ["2025-10"]),
    ("EMSOU_return_2025-10", ["2025-10"]),
    ("Oct 2025 return", ["2025-10"]),
    ("Sept '25 figures", ["2025-09"]),
    ("return_sep_2025", ["2025-09"]),
    ("month ending 31/10/2025", ["2025-10"]),
    ("10/2025", ["2025-10"]),
    ("2025-04-01 00:00:00", ["2025-04"]),  # an Excel date heading as the reader gives it
    ("25 December 2024", ["2024-12"]),
    ("APRIL 2025 to OCTOBER 2025", ["2025-04", "2025-10"]),
])
def test_months_are_found_however_they_are_written(text, months):
    assert [m.month for m in find_months(text)] == months


@pytest.mark.parametrize("text", [
    "Financial year 2025/26", "FY 2025-26", "2025/2026", "Figures may be revised", "Marine 2025",
    "Decision 2025", "October", "Total 12345", "Cash 45678", "13/2025", "2025-13", "32/10/2025",
    "October 25, 2025",  # a day in US order, not a two-digit year
])
def test_financial_years_words_and_numbers_are_not_months(text):
    assert find_months(text) == []


@pytest.mark.parametrize("text, stated", [
    ("April 2025 to October 2025", ["2025-10"]),  # a year to date states the month it runs to
    ("Year to date: Apr-25 – Oct-25", ["2025-10"]),
    ("Performance summary 2025/26 (financial year to date)", []),
    ("as at 03/11/2025", []),
    ("Prepared on 05/11/2025", []),
    ("EMSOU monthly return – October 2025 (prepared on 03/11/2025)", ["2025-10"]),
    ("Updated 4 November 2025", []),
    ("Revised return for October 2025", ["2025-10"]),  # period words win over a stamp word
    ("Return due by 14/11/2025", []),
    ("Period ending 31/10/2025", ["2025-10"]),
])
def test_ranges_and_stamps_state_only_the_period(text, stated):
    assert [m.month for m in stated_months(text)] == stated


def test_notes_state_a_month_only_with_period_words():
    assert stated_months("Operation Hawk began in March 2025", keyed_only=True) == []
    assert [m.month for m in stated_months("Reporting month: October 2025", keyed_only=True)] == ["2025-10"]
    assert [m.month for m in stated_months("Oct-25", before="Period:", keyed_only=True)] == ["2025-10"]


def _grid(rows: list[list[str | None]], sheet: str | None = "Return") -> Grid:
    return Grid(sheet, rows)


def test_financial_year_layouts_are_not_flagged_for_their_other_months():
    wide = _grid([["NWROCU performance return – September 2025"],
                  ["Year to date April 2025 to September 2025, as at 04/10/2025"],
                  ["Measure", "2025-04-01 00:00:00", "2025-05-01 00:00:00", "2025-09-01 00:00:00"],
                  ["Arrests", "4", "5", "6"]], "Performance")
    rows = _grid([["SWROCU – performance summary 2025/26 (financial year to date)"], [],
                  ["Month", "Arrests"], ["April 2025", "3"], ["September 2025", "4"]], None)
    assert check_period_signals([wide], "Titan_performance_2025-09.xlsx", MONTH, "wide_months_xlsx") == []
    assert check_period_signals([rows], "SWROCU_FYTD.csv", MONTH, "months_as_rows_csv") == []
    # ... but their title still has to agree
    problems = check_period_signals([wide], "Titan.xlsx", "2025-08", "wide_months_xlsx")
    assert [(p.rule, p.row, p.column) for p in problems] == [("period_mismatch", 1, "A")]


def test_comments_mentioning_other_months_and_later_stamps_are_not_disagreements():
    sheet = _grid([["YHROCU – Pursue – September 2025"], [], ["Indicator", "This month", "Comments"],
                   ["Arrests", "4", "Operation began in March 2025"],
                   ["Charges", "2", "Updated 03/10/2025"]], "Pursue")
    assert check_period_signals([sheet], "YH.xlsx", MONTH, "sheet_per_strand_xlsx") == []


def test_a_date_heading_and_a_period_note_are_signals():
    heading = _grid([["Indicator", "Oct-25", "Comments"], ["Arrests", "4", ""]], "Pursue")
    [p] = check_period_signals([heading], "YH.xlsx", MONTH, "sheet_per_strand_xlsx")
    assert (p.rule, p.sheet, p.row, p.column, p.value) == ("period_mismatch", "Pursue", 1, "B", "Oct-25")
    note = _grid([["Notes"], ["Figures are provisional"], ["Period:", "October 2025"]], "Notes")
    [p] = check_period_signals([note], "YH.xlsx", MONTH, "sheet_per_strand_xlsx")
    assert (p.rule, p.row, p.column) == ("period_mismatch", 3, "B")
    assert "October 2025" in p.message and "September 2025" in p.message


def test_a_sheet_named_for_another_month_is_named_in_the_problem():
    sheet = _grid([["Indicator", "This month"], ["Arrests", "4"]], "Oct 25")
    [p] = check_period_signals([sheet], "return.xlsx", MONTH, "sheet_per_strand_xlsx")
    assert (p.rule, p.sheet, p.row, p.value) == ("period_mismatch", "Oct 25", None, "Oct 25")
    assert p.message.startswith("The sheet name 'Oct 25' in return.xlsx says October 2025")


def test_a_flood_of_period_notes_is_capped_not_listed_in_full():
    rows = [["Measure", "Value", "Notes"]] + [[f"Measure {i}", "1", "Period: 12/2025"] for i in range(100_000)]
    problems = check_period_signals([_grid(rows, None)], "x.csv", MONTH, "text_csv")
    assert len(problems) == 50 and {p.rule for p in problems} == {"period_mismatch"}


# --- the four layouts without a period column, through the intake ------------------------------

@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    return generate_demo(tmp_path_factory.mktemp("demo"), 2, MONTH)


def _strip_xlsx(path: Path) -> bytes:
    """The workbook with the month taken out of every title."""
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        title = ws["A1"].value
        if isinstance(title, str):
            ws["A1"].value = title.replace("September 2025", "").rstrip(" –")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _strip_csv(path: Path) -> bytes:
    return path.read_bytes().replace(b" for September 2025", b"")


LAYOUTS: dict[str, tuple[Callable[[Path], bytes], str | None, int]] = {
    # unit: (strip every month, sheet of the first title, row of the first title)
    "EMSOU": (_strip_xlsx, "Return", 1),
    "YHROCU": (_strip_xlsx, "Prepare", 1),
    "SEROCU": (_strip_xlsx, "Prepare", 1),
    "ROCUWM": (_strip_csv, None, 1),
}


def _submit(zone: LandingZone, content: bytes, name: str, unit: str, period: str):
    return submit_return(zone, content, original_name=name, rocu_code=unit, period=period,
                         submitted_by="lead", today=TODAY)


@pytest.mark.parametrize("unit", LAYOUTS)
def test_the_months_file_for_its_month_is_accepted(demo, tmp_path, unit):
    path = demo_file(demo, unit, MONTH)
    verdict = _submit(LandingZone(tmp_path), path.read_bytes(), path.name, unit, MONTH)
    assert verdict.accepted, [p.as_text() for p in verdict.problems]
    assert not {"period_mismatch", "period_not_stated"} & {p.rule for p in verdict.problems}


@pytest.mark.parametrize("unit", LAYOUTS)
def test_the_same_file_for_another_month_is_rejected_naming_the_title(demo, tmp_path, unit):
    path = demo_file(demo, unit, MONTH)
    verdict = _submit(LandingZone(tmp_path), path.read_bytes(), "return" + path.suffix, unit, OTHER)
    assert verdict.submission.state == "rejected"
    mismatches = [p for p in verdict.problems if p.rule == "period_mismatch"]
    assert mismatches, [p.as_text() for p in verdict.problems]
    sheets = {p.sheet for p in mismatches}
    _, sheet, row = LAYOUTS[unit]
    assert sheet in sheets and all(p.row == row and p.column == "A" for p in mismatches)
    first = mismatches[0]
    assert "September 2025" in first.value and "September 2025" in first.message
    assert "August 2025" in first.message and "submit it for September 2025" in first.message


@pytest.mark.parametrize("unit", LAYOUTS)
def test_a_file_name_for_another_month_is_rejected_naming_the_file(demo, tmp_path, unit):
    path = demo_file(demo, unit, MONTH)
    strip = LAYOUTS[unit][0]
    name = path.name.replace(MONTH, "2025-10")
    verdict = _submit(LandingZone(tmp_path), strip(path), name, unit, MONTH)
    [p] = [p for p in verdict.problems if p.rule == "period_mismatch"]
    assert verdict.submission.state == "rejected"
    assert p.sheet is None and p.row is None and p.value == name
    assert f"The file name '{name}' says October 2025" in p.message


@pytest.mark.parametrize("unit", LAYOUTS)
def test_a_file_that_states_no_month_gets_information(demo, tmp_path, unit):
    path = demo_file(demo, unit, MONTH)
    strip = LAYOUTS[unit][0]
    verdict = _submit(LandingZone(tmp_path), strip(path), "return" + path.suffix, unit, MONTH)
    rules = {p.rule: p for p in verdict.problems}
    assert "period_mismatch" not in rules
    assert rules["period_not_stated"].severity == "information"
    assert verdict.submission.state == "accepted_with_queries_or_information"


# --- nothing the project writes itself trips the check -----------------------------------------

def test_every_demo_return_and_template_states_only_its_own_month(demo, tmp_path):
    with (demo / "manifest.csv").open() as f:
        rows = [r for r in csv.DictReader(f) if r["path"]]
    assert {r["rocu_code"] for r in rows} >= set(LAYOUTS) | {"NWROCU", "SWROCU", "TARIAN", "NEROCU", "ERSOU"}
    for r in rows:
        path = demo / r["path"]
        grids = [g for g in read_grids(path) if not g.hidden]
        assert check_period_signals(grids, path.name, r["period"], unit_layout(r["rocu_code"])) == [], r
    for unit in {r["rocu_code"] for r in rows}:
        name, content, _ = build_template(unit, MONTH)
        (tmp_path / name).write_bytes(content)
        grids = [g for g in read_grids(tmp_path / name) if not g.hidden]
        assert check_period_signals(grids, name, MONTH, unit_layout(unit)) == [], unit
