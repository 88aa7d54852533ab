"""Inspect an .xlsx as a zip before anything reads it: refuse what no return needs.

Only the zip's central directory (names and declared sizes) is read, plus the first few
KB of each XML part for a sheet's declared size; nothing is inflated beyond that. The
caps come from seeds/intake/reader_limits.csv. Declared sizes can lie: the child process
that reads the workbook checks the true extent again, under memory and time limits.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from pipelines.intake.standardise.errors import UnreadableFile
from pipelines.intake.standardise.limits import ReaderLimits
from pipelines.intake.standardise.xlsx_parts import declared_size, sheet_parts

DAMAGED = ("{name} could not be opened as an Excel workbook: it is damaged or not a complete .xlsx file. "
           "Open it in Excel, save it again as an Excel Workbook (.xlsx) and upload that.")
INFLATES = ("{name} unpacks to {size} MB, far more than any monthly return (well under 1 MB); it was not "
            "read. Check you chose the right file; if it is the return, copy the return's sheets into a new "
            "workbook, save it and upload that.")

LYING = ("{name} unpacks to far more than it says it holds, which no workbook saved by Excel does; it was not "
         "read. Check you chose the right file; if it is the return, copy its sheets into a new workbook, save "
         "it and upload that.")


def inspect_workbook(path: Path, limits: ReaderLimits) -> None:
    """Raise UnreadableFile (a verdict with its own rule) if the workbook breaks a cap."""
    name = path.name
    try:
        with zipfile.ZipFile(path) as book:
            _check_members(book, name, limits)
            _check_declared_sheets(book, name, limits)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError, ValueError):
        raise UnreadableFile(DAMAGED.format(name=name)) from None


def _check_members(book: zipfile.ZipFile, name: str, limits: ReaderLimits) -> None:
    members = book.infolist()
    if len(members) > limits.max_zip_members:
        raise UnreadableFile(
            f"{name} is made of {len(members):,} parts; an Excel workbook holding a return has a few dozen "
            f"(at most {limits.max_zip_members:,} are accepted). It was not read. Save the return as a new "
            "workbook and upload that.", rule="workbook_too_many_parts")
    if any(m.flag_bits & 0x1 for m in members):
        raise UnreadableFile(f"{name} is password-protected. Remove the password in Excel, save it and "
                             "upload it again.", rule="protected_workbook")
    total = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members)
    too_big = total > limits.max_uncompressed_bytes
    too_packed = total > limits.min_ratio_bytes and total / max(packed, 1) > limits.max_overall_ratio
    one_too_packed = any(m.file_size > limits.min_ratio_bytes
                         and m.file_size / max(m.compress_size, 1) > limits.max_member_ratio for m in members)
    if too_big or too_packed or one_too_packed:
        raise UnreadableFile(INFLATES.format(name=name, size=f"{total / 1e6:,.0f}"),
                             rule="workbook_inflates_too_much")


def _check_declared_sheets(book: zipfile.ZipFile, name: str, limits: ReaderLimits) -> None:
    """A sheet's <dimension> says how big its used range is; refuse absurd ones unread."""
    for sheet, part in sheet_parts(book).items():
        with book.open(part) as handle:
            head = handle.read(limits.dimension_scan_bytes)
        size = declared_size(head)
        if size:
            check_sheet_size(name, sheet, *size, limits)


def check_sheet_size(name: str, sheet: str, rows: int, cols: int, limits: ReaderLimits) -> None:
    """The same caps for a declared size (here) and for the cells actually found (in the reader)."""
    if rows > limits.max_sheet_rows or cols > limits.max_sheet_columns or rows * cols > limits.max_sheet_cells:
        raise UnreadableFile(
            f"Sheet '{sheet}' in {name} spans {rows:,} rows by {cols:,} columns, far more than a monthly return "
            f"(at most {limits.max_sheet_rows:,} rows, {limits.max_sheet_columns:,} columns and "
            f"{limits.max_sheet_cells:,} cells are read). Something has been typed or formatted far below or to "
            "the right of the return: delete the empty rows and columns after the figures (or copy the return "
            "into a new workbook), save and upload again.", rule="sheet_too_large", sheet=sheet)
