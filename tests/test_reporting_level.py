"""A figure on a row of the wrong level is an error, never silently counted twice or dropped:
force-level measures belong on force rows, unit-level measures on the unit's own row
(seeds/framework/metrics.csv, reported_by), in the force grid and in long files alike."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from dashboards.template import build_template, unit_forces, unit_labels
from pipelines.intake.service import submit_return
from pipelines.intake.land.zone import LandingZone
from pipelines.intake.standardise.returns import parse_return
from tests.conftest import demo_file, generate_demo

MONTH = "2025-09"
TODAY = date(2026, 11, 24)
UNIT_ROW = "Unit (not force attributable)"


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    return generate_demo(tmp_path_factory.mktemp("demo"), 1, MONTH)


def _places(ws) -> tuple[dict[str, int], dict[str, int]]:
    """(measure label -> column, row name -> row) of the force grid on sheet 'Return'."""
    header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "Force")
    columns = {ws.cell(header, c).value: c for c in range(2, ws.max_column + 1) if ws.cell(header, c).value}
    rows = {ws.cell(r, 1).value: r for r in range(header + 1, ws.max_row + 1) if ws.cell(r, 1).value}
    return columns, rows


def _emsou_with(demo: Path, tmp_path: Path, label: str, row_name: str, value: int) -> tuple[Path, int, str]:
    wb = openpyxl.load_workbook(demo_file(demo, "EMSOU", MONTH))
    ws = wb["Return"]
    columns, rows = _places(ws)
    row, col = rows[row_name], columns[label]
    ws.cell(row, col).value = value
    path = tmp_path / "EMSOU_return_2025-09.xlsx"
    wb.save(path)
    return path, row, openpyxl.utils.get_column_letter(col)


def test_a_force_measure_on_the_unit_row_of_the_force_grid_is_an_error(demo, tmp_path):
    path, row, column = _emsou_with(demo, tmp_path, "Arrests", UNIT_ROW, 7)
    parsed = parse_return(path, "EMSOU", MONTH)
    [p] = [p for p in parsed.problems if p.rule == "force_measure_in_unit_row"]
    assert (p.severity, p.sheet, p.row, p.column, p.value) == ("error", "Return", row, column, "7")
    assert "'Arrests' is reported per force" in p.message and "counted twice or not at all" in p.message
    assert "Put it in the force rows, or leave the cell empty" in p.message
    assert not parsed.values.filter(parsed.values["force_code"].is_null()
                                    & (parsed.values["metric_id"] == "PUR_ARRESTS")).height

    verdict = submit_return(LandingZone(tmp_path / "zone"), path.read_bytes(), original_name=path.name,
                            rocu_code="EMSOU", period=MONTH, submitted_by="lead", today=TODAY)
    assert verdict.submission.state == "rejected"
    assert "force_measure_in_unit_row" in {p.rule for p in verdict.problems}


def test_a_unit_measure_on_a_force_row_of_the_force_grid_is_an_error(demo, tmp_path):
    path, row, column = _emsou_with(demo, tmp_path, "Convictions", "Leicestershire", 3)
    parsed = parse_return(path, "EMSOU", MONTH)
    [p] = [p for p in parsed.problems if p.rule == "unit_measure_in_force_row"]
    assert (p.severity, p.sheet, p.row, p.column, p.value) == ("error", "Return", row, column, "3")
    assert "Leicestershire's row" in p.message and "reported for the unit as a whole" in p.message


@pytest.mark.parametrize("line, rule", [
    ("2025-09,Regional,Arrests,5", "force_measure_in_unit_row"),
    ("2025-09,,Arrests,5", "force_measure_in_unit_row"),
    ("2025-09,Cleveland,Convictions,2", "unit_measure_in_force_row"),
])
def test_the_long_layout_with_a_force_column_follows_the_same_rule(demo, tmp_path, line, rule):
    source = demo_file(demo, "NEROCU", MONTH)
    path = tmp_path / source.name
    text = source.read_text()
    if "Convictions" in line:  # the unit's own Convictions row moves to a force: no duplicate
        text = "\n".join(x for x in text.splitlines() if ",Convictions," not in x) + "\n"
    path.write_text(text + line + "\n")
    parsed = parse_return(path, "NEROCU", MONTH)
    [p] = [p for p in parsed.problems if p.rule == rule]
    assert p.row == len(text.splitlines()) + 1 and p.column == "D" and p.value == line.rsplit(",", 1)[1]


@pytest.mark.parametrize("unit", ["EMSOU", "NEROCU", "ERSOU", "NWROCU", "ROCUWM"])
def test_clean_demo_returns_never_trip_the_level_rule(demo, unit):
    parsed = parse_return(demo_file(demo, unit, MONTH), unit, MONTH)
    assert not {"force_measure_in_unit_row", "unit_measure_in_force_row"} & {p.rule for p in parsed.problems}


def test_the_force_grid_template_shades_the_cells_that_do_not_apply(tmp_path):
    name, content, _ = build_template("EMSOU", MONTH)
    ws = openpyxl.load_workbook(io.BytesIO(content))["Return"]
    columns, rows = _places(ws)
    levels = dict(unit_labels("EMSOU").select("local_label", "reported_by").iter_rows())
    forces = unit_forces("EMSOU")
    assert set(rows) == {*forces, UNIT_ROW} and set(columns) == set(levels)
    notes = [dv for dv in ws.data_validations.dataValidation]
    for label, col in columns.items():
        for row_name, row in rows.items():
            cell = ws.cell(row, col)
            applies = (row_name == UNIT_ROW) == (levels[label] == "unit")
            grey = cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb.endswith("D9D9D9")
            assert grey != applies, (label, row_name, cell.coordinate)
            guarded = [dv for dv in notes if cell.coordinate in dv.sqref]
            if applies:
                assert not guarded, cell.coordinate
            else:
                assert guarded and "not reported at this level" in (guarded[0].prompt or "").lower()
    # The shaded template still reads back cleanly: shading is not a figure.
    path = tmp_path / name
    path.write_bytes(content)
    assert parse_return(path, "EMSOU", MONTH).problems == []
