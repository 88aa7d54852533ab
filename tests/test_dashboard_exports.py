"""Exports and formats shared by every dashboard page: safe in Excel, British, honest with small bases."""

from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd
import pytest

from dashboards.format import escape_markdown, to_csv_bytes, to_xlsx_bytes
from pipelines.months import month_label
from pipelines.serving.formats import amount, day, share

DANGEROUS = ["=HYPERLINK(\"http://example.invalid\",\"x\")", "+1+1", "-2+3", "@SUM(A1:A2)"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_a_cell_that_would_start_a_formula_is_neutralised_in_csv_and_xlsx(text):
    frame = pd.DataFrame({"label": [text], "count": [-3]})

    rows = list(csv.reader(io.StringIO(to_csv_bytes(frame).decode("utf-8-sig"))))
    assert rows[1][0] == "'" + text  # Excel shows it as text, never evaluates it
    assert rows[1][1] == "-3"  # numbers stay numbers

    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(frame, "test"))).active
    cell = sheet["A2"]
    assert cell.data_type == "s" and cell.value == "'" + text
    assert sheet["B2"].data_type == "n" and sheet["B2"].value == -3


def test_small_bases_are_shown_as_counts_not_bare_percentages():
    assert share(1, 3) == "1 of 3"
    assert share(5, 20) == "25% (5 of 20)"
    assert share(0, 0) == "none due"


def test_british_formats():
    assert month_label("2025-03") == "March 2025"
    assert day("2026-03-13") == "13 March 2026"
    assert amount(1234567, "gbp") == "£1,234,567"
    assert amount(12.345, "kg") == "12.3 kg"


def test_text_from_a_users_file_cannot_become_markdown():
    assert escape_markdown("-3") == "\\-3"
    assert escape_markdown("a_b*c|d") == "a\\_b\\*c\\|d"
    assert escape_markdown(None) == ""


def test_a_long_table_is_a_scrolling_grid_of_the_text_as_typed_and_a_short_one_is_text():
    """Issue 16 item 5: thousands of rows drawn as text cells took the browser seconds; beyond
    LONG_TABLE_ROWS a table is a grid that draws only the rows in view, showing typed text as it is
    but for text that would start a formula (the grid has its own CSV download)."""
    from streamlit.testing.v1 import AppTest

    def page(rows: int) -> None:
        import pandas as pd

        from dashboards.widgets import show_table

        show_table(pd.DataFrame({"Reference": [f"D-{i}" for i in range(rows)],
                                 "Narrative": ["=HYPERLINK(1)"] + ["a_b*c"] * (rows - 1)}), "claims", typed=("Narrative",))

    from dashboards.widgets import LONG_TABLE_ROWS

    short = AppTest.from_function(page, args=(LONG_TABLE_ROWS,), default_timeout=30).run()
    assert len(short.table) == 1 and not short.dataframe
    assert set(short.table[0].value["Narrative"]) == {"=HYPERLINK(1)", "a\\_b\\*c"}  # Markdown cannot change it
    long = AppTest.from_function(page, args=(LONG_TABLE_ROWS + 1,), default_timeout=30).run()
    assert not long.table and len(long.dataframe) == 1
    grid = long.dataframe[0].value
    assert len(grid) == LONG_TABLE_ROWS + 1 and set(grid["Narrative"][1:]) == {"a_b*c"}  # shown as typed
    assert grid["Narrative"][0] == "'=HYPERLINK(1)"  # defused for the grid's own CSV download
    assert [b.label for b in long.get("download_button")] == [b.label for b in short.get("download_button")]
