"""The blank return a unit lead downloads: their own layout, their own labels, no figures.

A template is the unit's agreed layout (seeds/mappings/unit_layouts.csv) listing every
local label in its label map (seeds/mappings/label_map.csv) with the figure cells left
empty, so what they fill in is read by the same parser as their usual spreadsheet.
Empty cells mean "not collected", never zero: the parser skips them.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

import polars as pl
import xlsxwriter

from pipelines import reference
from pipelines.months import financial_year_to_date, month_label, month_start
from pipelines.intake.api import unit_layout

STRANDS = [("pursue", "Pursue"), ("prevent", "Prevent"), ("protect", "Protect"), ("prepare", "Prepare")]
REGIONAL = "Regional"
UNIT_ROW = "Unit (not force attributable)"
HOW_TO = "Leave a cell empty if the figure is not collected; write 0 for none."
NOT_HERE = "Grey cells are not reported at this level: leave them empty."
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WHERE_INSTEAD = {"force": "per force, on the force rows", "unit": f"for the unit, on its own row ({UNIT_ROW})"}


def not_applicable(level: str) -> dict:
    """The prompt and the refusal a grey cell of the force grid shows in Excel (metrics.csv reported_by)."""
    text = f"Not reported at this level: this measure is reported {WHERE_INSTEAD[level]}. Leave this cell empty."
    return {"validate": "length", "criteria": "==", "value": 0, "input_title": "Not reported at this level",
            "input_message": text, "error_title": "Not reported at this level", "error_message": text}


def unit_labels(rocu_code: str) -> pl.DataFrame:
    """The unit's mapped labels with the strand and level (force or unit) of their metric."""
    metrics = reference.metrics().select("metric_id", "strand", "reported_by")
    return (reference.label_map().filter(pl.col("rocu_code") == rocu_code)
            .join(metrics, on="metric_id", how="left")
            .select("local_label", "metric_id", "local_unit", "strand", "reported_by"))


def _layout(rocu_code: str) -> dict:
    """The unit's row of seeds/mappings/unit_layouts.csv (layout, encoding, delimiter, description)."""
    return reference.unit_layouts().filter(pl.col("rocu_code") == rocu_code).row(0, named=True)


def unit_forces(rocu_code: str) -> list[str]:
    forces = reference.current_forces().filter(pl.col("rocu_code") == rocu_code).sort("force_name")
    return forces["force_name"].to_list()


def _csv(rows: list[list[str]], delimiter: str = ",", encoding: str = "utf-8", newline: str = "\n") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return buffer.getvalue().encode(encoding)


def long_csv(rocu_code: str, period: str) -> bytes:
    """Period, Force, Measure, Value: force-level measures once per force, the rest 'Regional'."""
    rows = [["Period", "Force", "Measure", "Value"]]
    forces = unit_forces(rocu_code)
    for r in unit_labels(rocu_code).iter_rows(named=True):
        for force in forces if r["reported_by"] == "force" else [REGIONAL]:
            rows.append([period, force, r["local_label"], ""])
    return _csv(rows, encoding=_layout(rocu_code)["encoding"] or "utf-8")


def text_csv(rocu_code: str, period: str) -> bytes:
    """Two note rows, then Measure, Value, Notes, in the unit's encoding and delimiter."""
    rows = [[f"{rocu_code} – monthly statistics return for {month_label(period)}"], [HOW_TO],
            ["Measure", "Value", "Notes"]]
    rows += [[label, "", ""] for label in unit_labels(rocu_code)["local_label"]]
    layout = _layout(rocu_code)
    return _csv(rows, delimiter=layout["delimiter"] or ",", encoding=layout["encoding"] or "utf-8", newline="\r\n")


def months_as_rows_csv(rocu_code: str, period: str) -> bytes:
    """A title, a blank row, 'Month' + one column per label, one row per month of the year to date."""
    labels = unit_labels(rocu_code)["local_label"].to_list()
    rows = [[f"{rocu_code} – performance summary (financial year to date). {HOW_TO}"], [], ["Month", *labels]]
    rows += [[month_label(m), *[""] * len(labels)] for m in financial_year_to_date(period)]
    return _csv(rows)


def _workbook(buffer: io.BytesIO) -> tuple[xlsxwriter.Workbook, object]:
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True})
    return wb, wb.add_format({"bold": True})


def wide_months_xlsx(rocu_code: str, period: str) -> bytes:
    """Sheet 'Performance': 'Measure' then one column per month of the year to date (Excel dates)."""
    buffer = io.BytesIO()
    wb, bold = _workbook(buffer)
    month_fmt = wb.add_format({"num_format": "mmm-yy", "bold": True})
    ws = wb.add_worksheet("Performance")
    ws.write(0, 0, f"{rocu_code} performance return – {month_label(period)}", bold)
    ws.write(1, 0, HOW_TO)
    ws.write(2, 0, "Measure", bold)
    for j, month in enumerate(financial_year_to_date(period), start=1):
        start = month_start(month)
        ws.write_datetime(2, j, datetime(start.year, start.month, 1), month_fmt)
    for i, label in enumerate(unit_labels(rocu_code)["local_label"], start=3):
        ws.write_string(i, 0, label)
    ws.set_column(0, 0, 48)
    wb.close()
    return buffer.getvalue()


def sheet_per_strand_xlsx(rocu_code: str, period: str) -> bytes:
    """One sheet per strand (Indicator | This month | Comments) and a Notes sheet."""
    buffer = io.BytesIO()
    wb, bold = _workbook(buffer)
    labels = unit_labels(rocu_code)
    for strand, sheet in STRANDS:
        ws = wb.add_worksheet(sheet)
        ws.write(0, 0, f"{rocu_code} – {sheet} – {month_label(period)}", bold)
        ws.write_row(2, 0, ["Indicator", "This month", "Comments"], bold)
        for i, label in enumerate(labels.filter(pl.col("strand") == strand)["local_label"], start=3):
            ws.write_string(i, 0, label)
        ws.set_column(0, 0, 40)
    wb.add_worksheet("Notes").write(0, 0, HOW_TO)
    wb.close()
    return buffer.getvalue()


def merged_header_xlsx(rocu_code: str, period: str) -> bytes:
    """Sheet 'Return': strands merged across row 3, labels in row 4, a row per force and one for the unit."""
    buffer = io.BytesIO()
    wb, bold = _workbook(buffer)
    merged = wb.add_format({"bold": True, "align": "center", "border": 1})
    grey = wb.add_format({"bg_color": "#D9D9D9"})
    ws = wb.add_worksheet("Return")
    ws.write(0, 0, f"{rocu_code} monthly return – {month_label(period)}", bold)
    ws.write(1, 0, f"{HOW_TO} {NOT_HERE}")
    ws.write(3, 0, "Force", bold)
    forces = unit_forces(rocu_code)
    for i, name in enumerate([*forces, UNIT_ROW], start=4):
        ws.write(i, 0, name, bold if name == UNIT_ROW else None)
    labels, col = unit_labels(rocu_code), 1
    for strand, sheet in STRANDS:
        names = labels.filter(pl.col("strand") == strand)["local_label"].to_list()
        if not names:
            continue
        if len(names) > 1:
            ws.merge_range(2, col, 2, col + len(names) - 1, sheet, merged)
        else:
            ws.write(2, col, sheet, merged)
        ws.write_row(3, col, names, bold)
        levels = labels.filter(pl.col("strand") == strand)["reported_by"].to_list()
        for k, level in enumerate(levels):
            # Force-level measures are not typed on the unit's row, unit-level ones not on force rows.
            first, last = (4 + len(forces),) * 2 if level == "force" else (4, 3 + len(forces))
            for row in range(first, last + 1):
                ws.write_blank(row, col + k, None, grey)
            ws.data_validation(first, col + k, last, col + k, not_applicable(level))
        col += len(names) + 1  # a blank column between strand groups, as the unit lays it out
    ws.set_column(0, 0, 30)
    wb.close()
    return buffer.getvalue()


BUILDERS = {
    "long_csv": long_csv, "text_csv": text_csv, "months_as_rows_csv": months_as_rows_csv,
    "wide_months_xlsx": wide_months_xlsx, "sheet_per_strand_xlsx": sheet_per_strand_xlsx,
    "merged_header_xlsx": merged_header_xlsx,
}


def build_template(rocu_code: str, period: str) -> tuple[str, bytes, str]:
    """(file name, bytes, MIME type) of the blank return for one unit and month."""
    content = BUILDERS[unit_layout(rocu_code)](rocu_code, period)
    is_xlsx = content[:4] == b"PK\x03\x04"
    name = f"{rocu_code}_return_template_{period}.{'xlsx' if is_xlsx else 'csv'}"
    return name, content, XLSX if is_xlsx else "text/csv"


def layout_description(rocu_code: str) -> str:
    return _layout(rocu_code)["description"]


RESOURCES_HEADER = ["unit", "quarter", "section", "item", "detail", "value", "confirmed_on"]


def build_resources_template(rocu_code: str, quarter: str) -> tuple[str, bytes, str]:
    """(file name, bytes, MIME type) of a blank quarterly resources return (docs/templates/resources-return.md):
    one row per item of seeds/resources/resource_items.csv, values empty; an item whose detail is required
    (an agency, a funding source) has one row to copy for each."""
    rows = [RESOURCES_HEADER] + [[rocu_code, quarter, item["section"], item["item"], "", "", ""]
                                 for item in reference.resource_items().iter_rows(named=True)]
    return f"{rocu_code}_resources_template_{quarter}.csv", _csv(rows), "text/csv"
