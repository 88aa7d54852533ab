"""Checks on a file before its content is read: is it a return we can accept at all?"""

from __future__ import annotations

from collections.abc import Iterable

from pipelines.intake.check.rules import severity_of
from pipelines.intake.types import Problem

MAX_BYTES = 20 * 1024 * 1024
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls, or an encrypted (password-protected) workbook


def check_arrival(content: bytes, name: str) -> list[Problem]:
    """Problems that make reading the file pointless; an empty list means read on.

    The unit and month were checked before the file was landed (pipelines/intake/check/request.py).
    """
    def err(rule: str, message: str, value: str | None = None) -> Problem:
        return Problem(severity_of(rule), rule, message, file=name, value=value)

    problems: list[Problem] = []
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


def check_same_bytes_elsewhere(elsewhere: Iterable[tuple[str, str, int]], name: str) -> list[Problem]:
    """A return is for one unit and one month: the exact bytes already sent as (unit, month,
    version) for another unit-month mean this is the wrong file, or that one was."""
    return [Problem(severity_of("same_file_other_month"), "same_file_other_month",
                    f"This exact file was already sent as the return of {unit} for {period} (version {version}). "
                    "A return is for one month only: check you chose this month's file, and that the earlier "
                    "one was right.", file=name, value=f"{unit} {period}")
            for unit, period, version in elsewhere][:1]
