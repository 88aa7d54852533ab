"""Issue 12 item 6: exports hold typed numbers (no "1,964" as text), rounded to the precision of
their measure (no float noise), with their metadata (definition, base, period, build, data date and
each column's unit code and name): a metadata sheet in XLSX, a companion metadata CSV beside a CSV.
Text stays safe against formula injection in both."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import app_test

from dashboards.format import ExportColumn, ExportMetadata, metadata_csv_bytes, rounded, to_csv_bytes, to_xlsx_bytes
from tests.test_dashboard_apptest import complete_year, fresh_caches, run, sql, var  # noqa: F401 (fixtures)

INJECTION = "=HYPERLINK(\"http://example.invalid\",\"x\")"
COLUMNS = (ExportColumn("Figure", "gbp", "pounds", 0),
           ExportColumn("Per 100 officers", "gbp_officers", "pounds per 100 officers", 2))


def sample() -> tuple[pd.DataFrame, ExportMetadata]:
    frame = pd.DataFrame({"Unit code": ["EMSOU", "TITAN"], "Unit": [INJECTION, "North West"],
                          "Figure": [1964.4999999, 250000.0], "Per 100 officers": [3.3900000000000001, 0.1 + 0.2]})
    meta = ExportMetadata(title="Cash seized", definition="@SUM(A1:A2) cash seized", base="per 100 officers",
                          period="financial year 2024/25", build_id="run-1", published_at="1 May 2025, 09:00 UTC",
                          data_date="returns received by 1 May 2025", columns=COLUMNS)
    return rounded(frame, COLUMNS), meta


def test_xlsx_cells_are_numbers_rounded_to_their_precision_with_a_metadata_sheet():
    frame, meta = sample()
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(frame, "cash", meta)))
    data, info = book["cash"], book["metadata"]
    header = [c.value for c in data[1]]
    figure, rate = header.index("Figure") + 1, header.index("Per 100 officers") + 1
    assert data.cell(2, figure).data_type == "n" and data.cell(2, figure).value == 1964  # no pennies, not "1,964"
    assert data.cell(2, rate).data_type == "n" and data.cell(2, rate).value == 3.39
    assert data.cell(3, rate).value == 0.3  # not 0.30000000000000004
    assert data.cell(2, figure).number_format == "#,##0" and data.cell(2, rate).number_format == "#,##0.00"
    assert data.cell(2, header.index("Unit") + 1).value == "'" + INJECTION  # text, never a formula
    fields = {r[0]: r[1:] for r in info.iter_rows(min_row=2, values_only=True)}
    assert fields["Definition"][0] == "'@SUM(A1:A2) cash seized"
    assert fields["Base"][0] == "per 100 officers" and fields["Period"][0] == "financial year 2024/25"
    assert fields["Build"][0] == "run-1" and fields["Data date"][0] == "returns received by 1 May 2025"
    assert fields["Column: Figure"] == ("pounds", "gbp", 0)
    assert fields["Column: Per 100 officers"] == ("pounds per 100 officers", "gbp_officers", 2)
    assert all(c.data_type != "f" for row in info.iter_rows() for c in row)


def test_csv_numbers_parse_as_numbers_and_the_metadata_travels_beside_it():
    frame, meta = sample()
    rows = list(csv.DictReader(io.StringIO(to_csv_bytes(frame).decode("utf-8-sig"))))
    assert [int(r["Figure"]) for r in rows] == [1964, 250000]
    assert [float(r["Per 100 officers"]) for r in rows] == [3.39, 0.3]
    assert rows[0]["Per 100 officers"] == "3.39" and rows[0]["Unit"] == "'" + INJECTION
    fields = {r["Field"]: r for r in csv.DictReader(io.StringIO(metadata_csv_bytes(meta).decode("utf-8-sig")))}
    assert fields["Definition"]["Value"].startswith("'@SUM")
    assert fields["Column: Figure"]["Unit code"] == "gbp" and fields["Column: Figure"]["Value"] == "pounds"


@pytest.fixture
def media(monkeypatch: pytest.MonkeyPatch) -> list[MediaFileManager]:
    """The real media file managers (in-memory stores) of AppTest runs, kept so a test can open what a
    page offers to download."""
    managers: list[MediaFileManager] = []

    class Kept(MediaFileManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            managers.append(self)

    monkeypatch.setattr(app_test, "MediaFileManager", Kept)
    return managers


def downloads(at, managers: list[MediaFileManager]) -> dict[str, bytes]:
    """Each download button's label and the bytes it gives when clicked, the first table's where a page
    has several. A page makes a table's files only on the click: Streamlit's server then runs the
    button's function (`execute_deferred`), as here."""
    out = {}
    for button in at.get("download_button"):
        if button.proto.label in out:
            continue
        if file_id := button.proto.deferred_file_id:
            manager = next(m for m in managers if file_id in m._deferred_callables)
            url = manager.execute_deferred(file_id)
        else:
            url = button.proto.url
            manager = next(m for m in managers if url.rsplit("/", 1)[-1].split(".")[0] in m._storage._files_by_id)
        out[button.proto.label] = manager._storage.get_file(url.rsplit("/", 1)[-1]).content
    return out


def test_the_national_pages_exports_are_typed_and_carry_their_metadata(var: Path, media):
    year = complete_year(var)
    at = run("national", metric="PUR_CASH_SEIZED", period_type="financial_year", period=year)
    # drawing the page makes no file: each is made when its button is clicked
    assert all(b.proto.deferred_file_id and not b.proto.url for b in at.get("download_button"))
    assert not any(m._storage._files_by_id for m in media)
    files = downloads(at, media)
    ((build_id,),) = sql(var, "select build_id from meta.build_info")
    ((definition, base),) = sql(var, "select definition, comparison_base from marts.dim_metric_guide"
                                     " where metric_id = 'PUR_CASH_SEIZED'")
    figures = dict(sql(var, "select rocu_code, value from marts.fct_metric_comparison where metric_id ="
                            " 'PUR_CASH_SEIZED' and period_type = 'financial_year' and period = ?", year))

    book = openpyxl.load_workbook(io.BytesIO(files["Download XLSX"]))
    data = book.worksheets[0]
    header = [c.value for c in data[1]]
    assert {"Unit code", "Unit", "Figure", "Per 100,000 population", "Per 100 officers"} <= set(header)
    for row in data.iter_rows(min_row=2):
        cells = dict(zip(header, row))
        assert cells["Figure"].data_type == "n" and cells["Figure"].value == round(figures[cells["Unit code"].value])
        for rate in ("Per 100,000 population", "Per 100 officers"):
            assert cells[rate].data_type == "n" and round(cells[rate].value, 2) == cells[rate].value
    info = {r[0]: r[1:] for r in book["metadata"].iter_rows(min_row=2, values_only=True)}
    assert info["Definition"][0] == definition and info["Base"][0] == base
    assert info["Period"][0] == f"financial year {year}" and info["Build"][0] == build_id
    assert info["Data date"][0] and info["Published"][0].endswith("UTC")
    assert info["Column: Figure"] == ("pounds", "gbp", 0)
    assert info["Column: Per 100 officers"][1:] == ("gbp_officers", 2)

    rows = list(csv.DictReader(io.StringIO(files["Download CSV"].decode("utf-8-sig"))))
    assert {r["Unit code"]: int(r["Figure"]) for r in rows} == {k: round(v) for k, v in figures.items()}
    assert all(float(r["Per 100 officers"]) >= 0 for r in rows)
    meta = {r["Field"]: r["Value"] for r in csv.DictReader(io.StringIO(files["Download CSV metadata"].decode("utf-8-sig")))}
    assert meta["Build"] == build_id and meta["Definition"] == definition


def test_a_role_without_export_data_is_offered_no_download(var: Path):
    """The permissions seed gives board members no export_data: the page makes no file for them
    (the buttons and their bytes are made on the server), and says why."""
    year = complete_year(var)
    analyst = run("national", metric="PUR_ARRESTS", period_type="financial_year", period=year)
    board = run("national", as_role="board_member", as_unit="EMSOU", metric="PUR_ARRESTS",
                period_type="financial_year", period=year)
    assert not board.exception and board.get("download_button") == []
    assert any("right to export data" in c.value for c in board.caption)
    assert {b.proto.label for b in analyst.get("download_button")} >= {"Download CSV", "Download XLSX"}
