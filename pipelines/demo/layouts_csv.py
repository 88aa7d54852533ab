"""Writers for the units that send text files (CSV), each in the unit's own habits.

Three shapes: a long table (one row per measure and force), a semicolon-separated
Windows-1252 file typed by hand (pound signs, thousands separators, odd case), and a
year-to-date table with one row per month. Together they exercise what the parser must
cope with: encodings, byte-order marks, delimiters, title rows and text figures.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from pipelines.months import financial_year_to_date, month_end, month_label
from pipelines.demo.volumes import Entry, Region, format_plain, format_text

REGIONAL = "Regional"

# Per-unit habits of the long layout: file encoding, line ending and how Period is written.
LONG_STYLE = {
    "NEROCU": {"encoding": "utf-8", "newline": "\n", "period": lambda m: m},
    "ERSOU": {"encoding": "utf-8-sig", "newline": "\r\n",
              "period": lambda m: month_end(m).strftime("%d/%m/%Y")},
}

BROKEN_LABEL = "Misc outcomes (see notes)"


def _write(path: Path, rows: list[list[str]], *, delimiter: str, encoding: str,
           newline: str) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    writer.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode(encoding))


def write_long_csv(path: Path, rocu_code: str, period: str, content: dict[str, list[Entry]],
                   region: Region, broken: bool = False) -> None:
    """Period, Force, Measure, Value: force names for force splits, 'Regional' otherwise."""
    if broken:
        raise NotImplementedError("the demo breaks only text_csv returns")
    style = LONG_STYLE.get(rocu_code, LONG_STYLE["NEROCU"])
    names = {code: name for code, name, _ in region.forces}
    rows = [["Period", "Force", "Measure", "Value"]]
    for e in content[period]:
        force = names[e.force_code] if e.force_code else REGIONAL
        rows.append([style["period"](period), force, e.local_label, format_plain(e)])
    _write(path, rows, delimiter=",", encoding=style["encoding"], newline=style["newline"])


def text_csv_rows(rocu_code: str, period: str, entries: list[Entry]) -> list[list[str]]:
    """The hand-typed rows: two notes, a header, then label; value; note."""
    rows = [
        [f"{rocu_code} – monthly statistics return for {month_label(period)}"],
        ["Money in £ unless stated – drugs in grams – figures provisional until validated"],
        ["Measure", "Value", "Notes"],
    ]
    for i, e in enumerate(entries):
        label = e.local_label + (" " if i % 3 == 0 else "") + ("  " if i % 7 == 0 else "")
        note = "includes joint operations" if e.metric_id == "PUR_ARRESTS" else ""
        rows.append([label, format_text(e), note])
    return rows


def break_text_rows(rows: list[list[str]], entries: list[Entry]) -> list[list[str]]:
    """A realistic bad file: a 'tbc', a negative count and a label nobody mapped."""
    rows = [list(r) for r in rows]
    counts = [i for i, e in enumerate(entries) if e.local_unit == "count"]
    rows[3 + counts[1]][1] = "tbc"
    rows[3 + counts[3]][1] = "-3"
    rows.insert(8, [BROKEN_LABEL, "7", "new heading this month"])
    return rows


def write_text_csv(path: Path, rocu_code: str, period: str, content: dict[str, list[Entry]],
                   region: Region, broken: bool = False) -> None:
    """Windows-1252, semicolons, CRLF line endings, figures typed as text."""
    rows = text_csv_rows(rocu_code, period, content[period])
    if broken:
        rows = break_text_rows(rows, content[period])
    _write(path, rows, delimiter=";", encoding="cp1252", newline="\r\n")


def write_months_as_rows_csv(path: Path, rocu_code: str, period: str,
                             content: dict[str, list[Entry]], region: Region,
                             broken: bool = False) -> None:
    """A title, a blank row, then 'Month' + one column per label, one row per month."""
    if broken:
        raise NotImplementedError("the demo breaks only text_csv returns")
    months = financial_year_to_date(period)
    labels = [e.local_label for e in content[period]]
    fy = f"{months[0][:4]}/{int(months[0][2:4]) + 1:02d}"
    rows = [[f"{rocu_code} – performance summary {fy} (financial year to date)"], [],
            ["Month", *labels]]
    for month in months:
        by_label = {e.local_label: e for e in content[month]}
        rows.append([month_label(month), *(format_plain(by_label[lab]) for lab in labels)])
    _write(path, rows, delimiter=",", encoding="utf-8", newline="\n")
