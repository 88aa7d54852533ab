"""Checks on a file before its content is read: is it a return we can accept at all?"""

from __future__ import annotations

import re
from datetime import date

from pipelines import reference
from pipelines.check.problems import Problem

MAX_BYTES = 20 * 1024 * 1024
PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls, or an encrypted (password-protected) workbook


def check_arrival(content: bytes, name: str, rocu_code: str, period: str, today: date) -> list[Problem]:
    """Problems that make reading the file pointless; an empty list means read on."""
    def err(rule: str, message: str, value: str | None = None) -> Problem:
        return Problem("error", rule, message, file=name, value=value)

    problems: list[Problem] = []
    if rocu_code not in set(reference.rocus()["rocu_code"]):
        problems.append(err("unknown_unit", "This unit code is not one of the nine ROCUs. Use the code shown on "
                            "your template (for example EMSOU or TARIAN).", rocu_code))
    match = PERIOD.match(period)
    if not match:
        problems.append(err("bad_period", "The period must be a month written as YYYY-MM, for example 2025-03.",
                            period))
    elif (int(match[1]), int(match[2])) >= (today.year, today.month):
        problems.append(err("future_period", "A return can only be made for a month that has ended. Check the "
                            "period you chose.", period))
    lower = name.lower()
    if not (lower.endswith(".csv") or lower.endswith(".xlsx")):
        problems.append(err("file_type", "Only CSV (.csv) and Excel workbook (.xlsx) files are accepted. Save "
                            "the return as one of these and upload it again.", name))
    if not content:
        problems.append(err("empty_file", "The file is empty. Upload the completed return."))
    elif len(content) > MAX_BYTES:
        problems.append(err("file_too_large", f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB. "
                            "A monthly return is usually well under 1 MB: check you chose the right file.",
                            f"{len(content):,} bytes"))
    elif lower.endswith(".xlsx") and content[:4] == OLE_MAGIC:
        problems.append(err("protected_workbook", "The workbook is password-protected or in the old .xls format. "
                            "Remove the password (or save as .xlsx) and upload it again."))
    elif lower.endswith(".xlsx") and content[:4] != XLSX_MAGIC:
        problems.append(err("not_a_workbook", "The file is named .xlsx but is not an Excel workbook. Open it in "
                            "Excel and save it as an Excel Workbook (.xlsx)."))
    return problems
