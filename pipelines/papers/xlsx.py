"""The board paper as data: one worksheet per section with its findings and the raw
figures behind every table, marked top and bottom like the paper itself."""

from __future__ import annotations

import io
import math
import numbers
from datetime import date, datetime

import xlsxwriter

from pipelines.papers.model import Report, Table


SHEETS = {"scorecard": "Scorecard", "submissions": "Timeliness", "quality": "Data quality", "balance": "4P balance",
          "outcomes": "Outcomes", "threat": "OCG threat", "tasking": "Tasking and Gateway", "capacity": "Capacity",
          "departures": "Departures", "revisions": "Revisions"}


def _sheet_name(index: int, key: str, title: str) -> str:
    name = SHEETS.get(key) or "".join(" " if c in '[]:*?/\\' else c for c in title)
    return f"{index} {name}"[:31].rstrip()


def _write_value(ws, row: int, col: int, value, fmt_date) -> None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or str(value) in ("<NA>", "NaT", "nan"):
        return
    if isinstance(value, bool):
        ws.write_boolean(row, col, value)
    elif isinstance(value, numbers.Number):
        ws.write_number(row, col, float(value))
    elif isinstance(value, datetime):
        ws.write_string(row, col, value.isoformat())
    elif isinstance(value, date):
        ws.write_datetime(row, col, datetime(value.year, value.month, value.day), fmt_date)
    else:
        ws.write_string(row, col, str(value))


def _write_table(ws, row: int, table: Table, formats: dict) -> int:
    ws.write_string(row, 0, table.caption, formats["caption"])
    row += 1
    for col, heading in enumerate(table.data.columns):
        ws.write_string(row, col, str(heading), formats["head"])
    for values in table.data.itertuples(index=False):
        row += 1
        for col, value in enumerate(values):
            _write_value(ws, row, col, value, formats["date"])
    if table.data.empty and table.note:
        row += 1
        ws.write_string(row, 0, table.note)
    elif table.note:
        row += 1
        ws.write_string(row, 0, table.note, formats["note"])
    return row + 2


def render_xlsx(report: Report) -> bytes:
    buffer = io.BytesIO()
    marking = report.request.marking
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                      "strings_to_numbers": False})
    created = _published(report.build.published_at)
    wb.set_properties({"title": report.title, "subject": report.period_label, "author": "ROCU performance warehouse",
                       "comments": f"Warehouse build {report.build.build_id}", "created": created})
    formats = {"mark": wb.add_format({"bold": True, "align": "center"}), "title": wb.add_format({"bold": True, "font_size": 14}),
               "caption": wb.add_format({"bold": True}), "head": wb.add_format({"bold": True, "bg_color": "#E4E4E4",
                                                                                   "border": 1, "text_wrap": True}),
               "note": wb.add_format({"italic": True}), "date": wb.add_format({"num_format": "d mmmm yyyy"})}
    head = f"&C&\"-,Bold\"{marking.replace('&', '&&')}"
    foot = f"&L{report.request.unit} {report.request.quarter}&C&\"-,Bold\"{marking.replace('&', '&&')}&RPage &P of &N"

    def sheet(name: str):
        ws = wb.add_worksheet(name)
        ws.set_header(head)
        ws.set_footer(foot)
        ws.set_paper(9)  # A4
        ws.set_column(0, 0, 36)
        ws.set_column(1, 20, 16)
        ws.write_string(0, 0, marking, formats["mark"])
        return ws

    about = sheet("About")
    rows = [("Report", report.title), ("Quarter", report.period_label), ("Quarters", report.quarter_note),
            ("Warehouse build", report.build.build_id),
            ("Data published", report.build.published_at), ("Audit trail head at publication",
                                                            f"seq {report.build.audit_seq}, {report.build.audit_head_hash}"),
            ("Warehouse SHA-256 (the published marts)", report.build.database_sha256), ("Figures SHA-256", report.build.figures_sha256),
            ("Protective marking", marking),
            ("Small numbers", "Shares on a base under 10 are shown as counts, never as percentages.")]
    about.write_string(1, 0, report.title, formats["title"])
    for i, (k, v) in enumerate(rows, start=3):
        about.write_string(i, 0, k, formats["caption"])
        about.write_string(i, 1, v)
    for index, section in enumerate(report.sections, start=1):
        ws = sheet(_sheet_name(index, section.key, section.title))
        ws.write_string(1, 0, f"{index}. {section.title}", formats["title"])
        ws.write_string(2, 0, f"{report.subject}, {report.period_label}; data published {report.data_date}")
        row = 4
        if section.findings:
            ws.write_string(row, 0, "Findings", formats["caption"])
            for finding in section.findings:
                row += 1
                ws.write_string(row, 0, finding)
            row += 2
        for table in section.tables:
            row = _write_table(ws, row, table, formats)
        ws.write_string(row, 0, marking, formats["mark"])
    about.write_string(len(rows) + 4, 0, marking, formats["mark"])
    wb.close()
    return buffer.getvalue()


def _published(published_at: str) -> datetime:
    try:
        return datetime.fromisoformat(published_at).replace(tzinfo=None)
    except ValueError:
        return datetime(2000, 1, 1)
