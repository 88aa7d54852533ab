"""Writers for the units that send workbooks (XLSX), each in the unit's own habits.

Three shapes: months across the page with real Excel dates, a hidden lists sheet and a
formula total; one sheet per 4P strand; and a force-by-measure grid under merged strand
headings. SEROCU's variant types money as text, holds a share as a percent-formatted
fraction and has a label in odd case with a trailing space.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from pipelines.months import financial_year_to_date, month_label, month_start
from pipelines.demo.volumes import Entry, Region, cell_number

STRAND_SHEETS = [("pursue", "Pursue"), ("prevent", "Prevent"), ("protect", "Protect"),
                 ("prepare", "Prepare")]
UNIT_ROW_LABEL = "Unit (not force attributable)"
TOTAL_LABELS = {"TARIAN": "Cyfanswm canlyniadau / Total outcomes"}
TOTAL_LABEL = "Total outcomes"
TOTAL_OF = 3  # the total row adds up the first three measures (arrests, charges, convictions)
ODD_CASE_LABELS = {"SEROCU": {"Persons charged": "PERSONS Charged "}}


def _workbook(path: Path, period: str) -> xlsxwriter.Workbook:
    """A workbook with a fixed creation time, so the same seed gives the same bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    start = month_start(period)
    wb.set_properties({"created": datetime(start.year, start.month, 1), "author": "Demo"})
    return wb


def write_wide_months(path: Path, rocu_code: str, period: str, content: dict[str, list[Entry]],
                      region: Region, broken: bool = False) -> None:
    """Sheet 'Performance': title, note, header Measure + months to date, formula total."""
    if broken:
        raise NotImplementedError("the demo breaks only text_csv returns")
    months = financial_year_to_date(period)
    wb = _workbook(path, period)
    bold = wb.add_format({"bold": True})
    month_fmt = wb.add_format({"num_format": "mmm-yy", "bold": True})
    ws = wb.add_worksheet("Performance")
    ws.write(0, 0, f"{rocu_code} performance return – {month_label(period)}", bold)
    ws.write(1, 0, "Figures for earlier months may be revised; money in £, drugs in kg.")
    ws.write(2, 0, "Measure", bold)
    for j, month in enumerate(months, start=1):
        start = month_start(month)
        ws.write_datetime(2, j, datetime(start.year, start.month, 1), month_fmt)
    labels = [e.local_label for e in content[period]]
    for i, label in enumerate(labels, start=3):
        ws.write(i, 0, label)
    for j, month in enumerate(months, start=1):
        by_label = {e.local_label: e for e in content[month]}
        for i, label in enumerate(labels, start=3):
            ws.write_number(i, j, cell_number(by_label[label]))
        first = xl_rowcol_to_cell(3, j)
        last = xl_rowcol_to_cell(3 + TOTAL_OF - 1, j)
        cached = sum(cell_number(by_label[lab]) for lab in labels[:TOTAL_OF])
        ws.write_formula(3 + len(labels), j, f"=SUM({first}:{last})", bold, cached)
    ws.write(3 + len(labels), 0, TOTAL_LABELS.get(rocu_code, TOTAL_LABEL), bold)
    ws.set_column(0, 0, 48)
    lists = wb.add_worksheet("Lists")
    for i, (_, name) in enumerate(STRAND_SHEETS):
        lists.write(i, 0, name)
    lists.write_column(0, 1, ["Yes", "No", "Not collected"])
    lists.hide()
    wb.close()


def write_sheet_per_strand(path: Path, rocu_code: str, period: str,
                           content: dict[str, list[Entry]], region: Region,
                           broken: bool = False) -> None:
    """Sheets Pursue..Prepare (title, blank, Indicator | This month | Comments) + Notes."""
    if broken:
        raise NotImplementedError("the demo breaks only text_csv returns")
    text_money = rocu_code == "SEROCU"
    odd_case = ODD_CASE_LABELS.get(rocu_code, {})
    wb = _workbook(path, period)
    bold = wb.add_format({"bold": True})
    pct = wb.add_format({"num_format": "0%"})
    for strand, sheet in STRAND_SHEETS:
        ws = wb.add_worksheet(sheet)
        ws.write(0, 0, f"{rocu_code} – {sheet} – {month_label(period)}", bold)
        ws.write_row(2, 0, ["Indicator", "This month", "Comments"], bold)
        row = 3
        for e in content[period]:
            if e.strand != strand:
                continue
            ws.write_string(row, 0, odd_case.get(e.local_label, e.local_label))
            if text_money and e.local_unit == "gbp":
                ws.write_string(row, 1, f"{e.local_value:,.0f}")
            elif e.local_unit == "fraction":
                ws.write_number(row, 1, e.local_value, pct)
            else:
                ws.write_number(row, 1, cell_number(e))
            row += 1
        ws.set_column(0, 0, 40)
    notes = wb.add_worksheet("Notes")
    notes.write(0, 0, "Notes", bold)
    notes.write(1, 0, "Figures are provisional until the regional performance meeting.")
    notes.write(2, 0, "Money in thousands of pounds." if not text_money else "Money in pounds.")
    wb.close()


def write_merged_header(path: Path, rocu_code: str, period: str,
                        content: dict[str, list[Entry]], region: Region,
                        broken: bool = False) -> None:
    """Sheet 'Return': strands merged across row 3, labels in row 4, a row per force."""
    if broken:
        raise NotImplementedError("the demo breaks only text_csv returns")
    entries = content[period]
    wb = _workbook(path, period)
    bold = wb.add_format({"bold": True})
    merged = wb.add_format({"bold": True, "align": "center", "border": 1})
    ws = wb.add_worksheet("Return")
    ws.write(0, 0, f"{rocu_code} monthly return – {month_label(period)}", bold)
    ws.write(3, 0, "Force", bold)
    force_rows = {code: 4 + i for i, (code, _, _) in enumerate(region.forces)}
    for code, name, _ in region.forces:
        ws.write(force_rows[code], 0, name)
    unit_row = 4 + len(region.forces)
    ws.write(unit_row, 0, UNIT_ROW_LABEL, bold)
    col = 1
    for strand, sheet in STRAND_SHEETS:
        labels = list(dict.fromkeys(e.local_label for e in entries if e.strand == strand))
        if not labels:
            continue
        if len(labels) > 1:
            ws.merge_range(2, col, 2, col + len(labels) - 1, sheet, merged)
        else:
            ws.write(2, col, sheet, merged)
        for k, label in enumerate(labels):
            ws.write(3, col + k, label, bold)
            for e in entries:
                if e.local_label == label:
                    row = force_rows[e.force_code] if e.force_code else unit_row
                    ws.write_number(row, col + k, cell_number(e))
        col += len(labels) + 1  # a blank column between strand groups
    ws.set_column(0, 0, 30)
    wb.close()
