"""parse_return: every demo return reads back to exactly the generator's truth.

Also checks that each figure points at the cell it came from, that a broken file is
reported in words naming row, column, value and rule, that unmapped labels are listed
rather than dropped, and that hand-made awkward files (written here, for real) parse.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pytest
import xlsxwriter

from pipelines import reference
from pipelines.intake.types import column_letter
from pipelines.demo.generate import generate
from pipelines.intake.standardise.cells import parse_month, parse_number
from pipelines.intake.land.zone import LandingZone
from pipelines.intake.service import submit_return
from pipelines.intake.standardise.returns import parse_return

END = "2026-10"
KEYS = ["rocu_code", "period", "metric_id", "force_code"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("demo"), months=6, end_month=END, progress=False)


def returns(demo: Path, scenario: str | None = None) -> list[dict]:
    m = pl.read_csv(demo / "manifest.csv", schema_overrides={"path": pl.String})
    m = m.filter(pl.col("path").is_not_null())
    if scenario:
        m = m.filter(pl.col("scenario") == scenario)
    return list(m.iter_rows(named=True))


def csv_cell(path: Path, row: int, column: str) -> str:
    """The text at a row and column letter of a text return, read independently."""
    data = path.read_bytes()
    text = data.decode("utf-8-sig") if data.startswith(b"\xef\xbb\xbf") else None
    if text is None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252")
    line = text.splitlines()[row - 1]
    delimiter = ";" if line.count(";") > line.count(",") else ","
    fields = next(csv.reader(io.StringIO(line), delimiter=delimiter))
    return fields[[column_letter(i) for i in range(len(fields))].index(column)]


def test_every_clean_demo_return_parses_to_the_truth(demo: Path) -> None:
    truth = pl.read_csv(demo / "truth/expected_values.csv", schema_overrides={"force_code": pl.String})
    parsed = []
    for row in returns(demo):
        if row["scenario"] == "broken":
            continue
        result = parse_return(demo / row["path"], row["rocu_code"], row["period"])
        assert result.errors == [], [p.as_text() for p in result.errors]
        parsed.append(result.values)
    got = pl.concat(parsed)
    assert got.select(KEYS).is_duplicated().sum() == 0
    joined = truth.join(got, on=KEYS, how="full", nulls_equal=True, suffix="_parsed")
    assert joined["value"].null_count() == 0, "parsed values the truth does not have"
    assert joined["value_parsed"].null_count() == 0, "truth values the parser missed"
    assert joined.select(((pl.col("value") - pl.col("value_parsed")).abs() <= 1e-6).all()).item()
    assert got.height == truth.height
    for column in ("source_row", "source_column", "raw_value", "local_label"):
        assert got[column].null_count() == 0, column


def test_each_value_points_at_the_cell_it_came_from(demo: Path) -> None:
    for row in returns(demo):
        if row["scenario"] == "broken" or row["period"] != END:
            continue
        path = demo / row["path"]
        values = parse_return(path, row["rocu_code"], row["period"]).values
        if path.suffix == ".csv":
            assert values["source_sheet"].is_null().all()
            for v in values.iter_rows(named=True):
                assert csv_cell(path, v["source_row"], v["source_column"]) == v["raw_value"]
            continue
        book = openpyxl.load_workbook(path, data_only=True)
        assert values["source_sheet"].null_count() == 0
        for v in values.iter_rows(named=True):
            ws = book[v["source_sheet"]]
            cell = ws[f"{v['source_column']}{v['source_row']}"].value
            assert parse_number(str(cell)) == parse_number(v["raw_value"]), v
            label_cell = ws[f"A{v['source_row']}"].value
            if v["rocu_code"] != "EMSOU":  # EMSOU's labels are in the header, forces in A
                assert label_cell == v["local_label"]


def test_every_mapped_label_of_a_unit_is_found_in_its_files(demo: Path) -> None:
    lmap = reference.label_map()
    for row in returns(demo):
        if row["scenario"] == "broken" or row["period"] != END:
            continue
        values = parse_return(demo / row["path"], row["rocu_code"], row["period"]).values
        expected = set(lmap.filter(pl.col("rocu_code") == row["rocu_code"])["metric_id"])
        assert set(values["metric_id"]) == expected, row["rocu_code"]


def test_broken_file_errors_name_row_column_value_and_rule(demo: Path, tmp_path: Path) -> None:
    """The parser reports the figure it cannot read; the return-values suite, run by the intake,
    reports the negative one it read. Both messages name the place, the value and the rule."""
    (row,) = returns(demo, "broken")
    path = demo / row["path"]
    result = parse_return(path, row["rocu_code"], row["period"])
    assert result.verdict == "rejected"
    assert [p.rule for p in result.errors] == ["non_numeric_value"]
    assert -3 in result.values["value"].to_list()  # read as it is: whether it may be negative is the suite's rule
    lines = path.read_bytes().decode("cp1252").splitlines()
    verdict = submit_return(LandingZone(tmp_path), path.read_bytes(), original_name=path.name,
                            rocu_code=row["rocu_code"], period=row["period"], submitted_by="lead",
                            today=date(2026, 11, 24))
    by_rule = {p.rule: p for p in verdict.problems if p.severity == "error"}
    assert set(by_rule) == {"non_numeric_value", "negative_count"}
    tbc = by_rule["non_numeric_value"]
    assert tbc.value == "tbc" and tbc.column == "B" and ";tbc;" in lines[tbc.row - 1]
    negative = by_rule["negative_count"]
    assert negative.value == "-3" and negative.column == "B" and ";-3;" in lines[negative.row - 1]
    for problem in (tbc, negative):
        assert f"Row {problem.row}, column B" in problem.message
        assert problem.value in problem.message and path.name in problem.message
    assert "not a number" in tbc.message and "cannot be negative" in negative.message
    unmapped = [p for p in result.warnings if p.rule == "unmapped_label"]
    assert [p.value for p in unmapped] == ["Misc outcomes (see notes)"]
    assert result.unmapped["local_label"].to_list() == ["Misc outcomes (see notes)"]
    assert result.unmapped["raw_value"].to_list() == ["7"]


@pytest.mark.parametrize("rocu_code, label", [
    ("NEROCU", "Vehicles seized"),
    ("SWROCU", "Community engagement events"),
    ("TARIAN", "Dronau a adferwyd / Drones recovered"),
    ("NWROCU", "Total outcomes"),
])
def test_unmapped_labels_are_reported_not_dropped(demo: Path, rocu_code: str, label: str) -> None:
    row = next(r for r in returns(demo, "normal") if r["rocu_code"] == rocu_code)
    result = parse_return(demo / row["path"], rocu_code, row["period"])
    assert result.verdict == "accepted with queries or information"
    assert label in result.unmapped["local_label"].to_list()
    warning = next(p for p in result.problems if p.rule == "unmapped_label")
    assert warning.severity == "information" and label in warning.message
    assert warning.row is not None and warning.column is not None
    unmapped = result.unmapped.filter(pl.col("local_label") == label).row(0, named=True)
    assert parse_number(unmapped["raw_value"]) is not None
    if rocu_code == "NWROCU":  # the total is a formula: its cached value must be read
        wanted = {"PUR_ARRESTS", "PUR_CHARGES", "PUR_CONVICTIONS"}
        parts = result.values.filter(pl.col("metric_id").is_in(wanted))["value"].sum()
        assert parse_number(unmapped["raw_value"]) == parts


def test_hand_typed_semicolon_file_with_title_rows_and_blank_column(tmp_path: Path) -> None:
    text = ("\r\n\r\nWest Midlands return – notes: £ throughout\r\n"
            "  ;Measure ; ;VALUE;Notes\r\n"
            ";  arrests  ; ;1,234;\r\n"
            "\r\n"
            ";CASH SEIZED; ;£1,234,567.50;\r\n"
            ";Class A (grams); ;(250);\r\n"
            ";Cyber protect – improved practice; ;45%;\r\n"
            ";Exercises; ;-;\r\n"
            ";Drones recovered; ;3;\r\n")
    path = tmp_path / "odd.csv"
    path.write_bytes(text.encode("cp1252"))
    result = parse_return(path, "ROCUWM", "2026-10")
    got = {r["metric_id"]: r for r in result.values.iter_rows(named=True)}
    assert got["PUR_ARRESTS"]["value"] == 1234 and got["PUR_ARRESTS"]["source_row"] == 5
    assert got["PUR_ARRESTS"]["source_column"] == "D"
    assert got["PUR_CASH_SEIZED"]["value"] == 1234567.5 and got["PUR_CASH_SEIZED"]["source_row"] == 7
    assert got["PRO_CYBER_IMPROVED_PCT"]["value"] == 45
    assert "PRP_EXERCISES" not in got  # '-' means not reported, not zero
    assert got["PUR_CLASS_A_KG"]["value"] == -0.25  # (250) grams: negative, which the suite rejects, not the parser
    assert result.errors == []
    assert result.unmapped["local_label"].to_list() == ["Drones recovered"]


def test_workbook_starting_away_from_a1_keeps_true_cell_positions(tmp_path: Path) -> None:
    path = tmp_path / "offset.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Pursue")
    ws.write("C5", "Indicator")
    ws.write("E5", "This month")
    ws.write("C7", "ARRESTS ")
    ws.write_number("E7", 12)
    ws.write("C8", "Cash seized £k")
    ws.write_string("E8", "1,234.5")
    hidden = wb.add_worksheet("Old")
    hidden.write("A1", "Arrests")
    hidden.write("B1", 99)
    hidden.hide()
    wb.close()
    result = parse_return(path, "YHROCU", "2026-10")
    got = {r["metric_id"]: r for r in result.values.iter_rows(named=True)}
    assert (got["PUR_ARRESTS"]["source_row"], got["PUR_ARRESTS"]["source_column"]) == (7, "E")
    assert got["PUR_ARRESTS"]["value"] == 12 and got["PUR_ARRESTS"]["source_sheet"] == "Pursue"
    assert got["PUR_CASH_SEIZED"]["value"] == 1234500
    assert [p.rule for p in result.problems] == ["hidden_sheet_ignored"]
    assert result.problems[0].sheet == "Old"


def test_forces_are_matched_by_name_and_checked_against_the_unit(tmp_path: Path) -> None:
    path = tmp_path / "forces.csv"
    path.write_text("Period,Force,Measure,Value\n"
                    "2026-10,CLEVELAND,Arrests,3\n"
                    "2026-10, durham ,Arrests,4\n"
                    "2026-10,Kent,Arrests,5\n"
                    "2026-10,Atlantis,Arrests,6\n"
                    "2026-09,Northumbria,Arrests,7\n"
                    "2026-10,Regional,Convictions,8\n"
                    "2026-10,Regional,Convictions,9\n", encoding="utf-8")
    result = parse_return(path, "NEROCU", "2026-10")
    rows = [(r["metric_id"], r["force_code"], r["value"]) for r in result.values.iter_rows(named=True)]
    assert rows == [("PUR_ARRESTS", "CLEVELAND", 3), ("PUR_ARRESTS", "DURHAM", 4), ("PUR_ARRESTS", "KENT", 5),
                    ("PUR_CONVICTIONS", None, 8), ("PUR_CONVICTIONS", None, 9)]  # Kent and the repeat: the suite's
    rules = sorted((p.rule, p.row) for p in result.errors)
    assert rules == [("unknown_force", 5)]


def test_months_are_found_in_every_way_people_write_them(tmp_path: Path) -> None:
    path = tmp_path / "sw.csv"
    path.write_text("South West summary\n\nMonth,Arrests,Charges\nApril 2026,5,1\n"
                    "Sep-26,6,2\nOct 2026,7,3\n", encoding="utf-8")
    result = parse_return(path, "SWROCU", "2026-09")
    assert dict(zip(result.values["metric_id"], result.values["value"])) == {
        "PUR_ARRESTS": 6, "PUR_CHARGES": 2}
    assert result.values["source_row"].to_list() == [5, 5]
    missing = parse_return(path, "SWROCU", "2026-08")
    assert [p.rule for p in missing.errors] == ["period_not_found"]
    assert [parse_month(t) for t in ("2025-03", "31/03/2025", "March 2025", "Mar-25",
                                     "2025-03-01 00:00:00", "45732", "sept 2025", "Marchy")] == [
        "2025-03", "2025-03", "2025-03", "2025-03", "2025-03", "2025-03", "2025-09", None]


def test_unreadable_files_are_problems_not_crashes(tmp_path: Path) -> None:
    fake = tmp_path / "return.xlsx"
    fake.write_bytes(b"PK\x03\x04 this is not really a workbook")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    for path, code in ((fake, "NWROCU"), (empty, "NEROCU"), (tmp_path / "absent.csv", "NEROCU")):
        result = parse_return(path, code, "2026-10")
        assert [p.rule for p in result.errors] == ["file_unreadable"]
        assert result.values.is_empty() and path.name in result.errors[0].message
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("just,some,words\nand,more,words\n", encoding="utf-8")
    assert [p.rule for p in parse_return(wrong, "NEROCU", "2026-10").errors] == ["header_not_found"]


def test_numbers_are_read_exactly_or_refused() -> None:
    assert parse_number("£1,234,567") == 1234567
    assert parse_number(" 1,234 ") == 1234
    assert parse_number("45%") == 45
    assert parse_number("(12)") == -12
    assert parse_number("0.45") == 0.45
    for bad in ("tbc", "1,23", "12 arrests", "nan", "inf", "1.2.3", ""):
        assert parse_number(bad) is None, bad


def test_a_grid_finds_the_rows_holding_a_label_however_it_is_typed() -> None:
    """The header search's one lookup: cells are matched as labels are (spaces collapsed, case
    ignored), rows come back once each and in order, and an absent label finds none."""
    from pipelines.intake.standardise.grid import Grid

    grid = Grid("Pursue", [[None, "Title"], ["  MEASURE ", "This   Month"], ["arrests", "3"],
                           ["Measure", "measure"], []])
    assert grid.rows_holding({"measure"}) == [1, 3]
    assert grid.rows_holding({"this month", "title"}) == [0, 1]
    assert grid.rows_holding({"value"}) == []


def test_a_notes_sheet_is_found_below_a_figures_table_with_its_own_notes() -> None:
    """A notes table is a measure column and a notes column without figures: a figures table with a
    Notes column is passed over (its notes are read with it) and the notes table below it is read."""
    from pipelines.intake.standardise.grid import Grid
    from pipelines.intake.standardise.notes import notes_sheet_comments

    grid = Grid("Notes", [["Measure", "Value", "Notes"], ["Arrests", "4", "beside the figure"], [],
                          ["Notes on the return"], ["Measure", None, "Notes"],
                          [" arrests ", None, "Two  arrests shared with a force"], ["Seizures", None, "-"]])
    figure = {"local_label": "Arrests", "metric_id": "pursue_arrests", "source_sheet": "Pursue",
              "source_row": 7, "source_column": "B"}
    assert notes_sheet_comments([grid], [figure]) == [
        {**{k: figure[k] for k in ("local_label", "metric_id", "source_sheet", "source_row", "source_column")},
         "comment": "Two arrests shared with a force"}]
