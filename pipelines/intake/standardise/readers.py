"""The readers themselves: a CSV or XLSX file into grids of text cells, each cell where a
person would see it. They run only inside the reading child (read_child.py); everything
else calls `read_tables.read_grids`, which never reads an untrusted file in its own process.

Every later step (finding the header, mapping labels, naming a problem's place) needs
the row and column a performance lead sees in Excel or a text editor, so a grid keeps
blank rows and columns and its top-left is always A1. Cells stay text exactly as found;
numbers are interpreted later, so nothing is lost or silently changed here.
"""

from __future__ import annotations

import io
import re
import zipfile
from itertools import repeat
from pathlib import Path

from pipelines.intake.standardise.errors import UnreadableFile
from pipelines.intake.standardise.grid import Cell, Grid
from pipelines.intake.standardise.limits import ReaderLimits
from pipelines.intake.standardise.xlsx_parts import LyingPart, read_part, scan_sheet, sheet_parts
from pipelines.intake.standardise.zip_inspection import DAMAGED, LYING, check_sheet_size

CSV_DELIMITERS = (",", ";", "\t", "|")
XLSX_MAGIC = b"PK\x03\x04"


def _utf16_without_mark(data: bytes) -> str | None:
    """'utf-16-le'/'-be' if the bytes look like UTF-16 text without a byte-order mark:
    mostly ASCII text, so every other byte is zero."""
    sample = data[:4000]
    if len(sample) < 8 or len(data) % 2:
        return None
    odd, even = sample[1::2].count(0), sample[0::2].count(0)
    half = len(sample) // 2
    if odd > 0.6 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.6 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def decode_text(data: bytes) -> tuple[str, str]:
    """Bytes -> (text, encoding): UTF-16 (Excel's "Unicode Text"), UTF-8 with or without a
    byte-order mark, else Windows-1252.

    Spreadsheet programs on Windows still save "CSV" as Windows-1252, where '£' and '–'
    are single bytes that are invalid UTF-8, so strict UTF-8 failing means cp1252.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise UnreadableFile("{name} is marked as Unicode (UTF-16) text but its characters cannot be read: "
                                 "it may be damaged. Open it in Excel and save it as \"CSV UTF-8 (Comma delimited)"
                                 "\", then upload that.") from None
    utf16 = _utf16_without_mark(data)
    if utf16:
        try:
            return data.decode(utf16), utf16
        except UnicodeDecodeError:
            pass
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _split_counts(line: str, delimiter: str) -> int:
    """Fields on a line, ignoring delimiters inside double quotes."""
    fields, quoted = 1, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == delimiter and not quoted:
            fields += 1
    return fields


def detect_delimiter(text: str) -> str:
    """The delimiter that splits most lines into the same number (>1) of fields."""
    lines = [ln for ln in text.splitlines()[:50] if ln.strip()]
    best, best_score = ",", 0
    for delimiter in CSV_DELIMITERS:
        counts = [_split_counts(ln, delimiter) for ln in lines]
        multi = [c for c in counts if c > 1]
        if not multi:
            continue
        modal = max(set(multi), key=multi.count)
        score = multi.count(modal)
        if score > best_score:
            best, best_score = delimiter, score
    return best


NOT_TEXT = ("{name} could not be read as a table of values: it does not look like a text (CSV) file. Check it "
            "is the return itself, saved as CSV.")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _looks_binary(text: str) -> bool:
    """Control characters (other than tab and line ends) in more than a few places: not text."""
    sample = text[:65536]
    return len(CONTROL.findall(sample)) > max(3, len(sample) // 1000)


def quote_problem(text: str, delimiter: str) -> tuple[int, str] | None:
    """(row, kind) of the first misplaced double quote, else None.

    In CSV a quote may only surround a whole value (a quote inside it written twice).
    kind 'open': a value opened with a quote is never closed, so the rest of the file
    would become one value; 'inside': a quote in the middle of a value or text after the
    closing one. Only lines with a quote (or inside a quoted value) are looked at.
    """
    if '"' not in text:
        return None
    open_since: int | None = None  # row where the quoted value being read began
    for row, line in enumerate(text.split("\n"), 1):
        if open_since is None and '"' not in line:
            continue
        i, n = 0, len(line)
        at_start = open_since is None
        while i < n:
            if open_since is not None:
                j = line.find('"', i)
                if j < 0:
                    break
                if line.startswith('""', j):
                    i = j + 2
                    continue
                open_since, i = None, j + 1
                if i < n and line[i] not in (delimiter, "\r"):
                    return row, "inside"
                continue
            ch = line[i]
            if ch == '"':
                if not at_start:
                    return row, "inside"
                open_since, at_start = row, False
            else:
                at_start = ch == delimiter
            i += 1
    return (open_since, "open") if open_since is not None else None


def _quote_message(name: str, row: int, kind: str) -> str:
    if kind == "open":
        return (f"On row {row} of {name} a value starts with a double quote (\") that is never closed, so "
                "everything after it would run together into one value. Remove the stray quote on row "
                f"{row} (or add the closing quote), save and upload again.")
    return (f"On row {row} of {name} there is a double quote (\") inside a value. In a CSV file quotes may only "
            "surround a whole value. Remove the quote (or, if it belongs in the text, put the whole value in "
            "quotes and type the quote twice), save and upload again.")


def _check_text_size(name: str, rows: int, cols: int, limits: ReaderLimits) -> None:
    """A text file is held to the same caps as a sheet."""
    if rows > limits.max_sheet_rows or cols > limits.max_sheet_columns or rows * cols > limits.max_sheet_cells:
        raise UnreadableFile(
            f"{name} has {rows:,} lines and up to {cols:,} values on a line, far more than a monthly return (at "
            f"most {limits.max_sheet_rows:,} lines, {limits.max_sheet_columns:,} values on a line and "
            f"{limits.max_sheet_cells:,} values in all are read). Check you chose the right file, or remove what "
            "is not part of the return, save and upload again.", rule="text_too_large")


def read_csv_grid(path: Path, limits: ReaderLimits) -> Grid:
    """A text file as one grid; blank lines kept so row numbers match a text editor."""
    import polars as pl  # in the reading child only

    try:
        text, encoding = decode_text(path.read_bytes())
    except UnreadableFile as exc:
        raise UnreadableFile(str(exc).format(name=path.name)) from None
    if not text.strip():
        raise UnreadableFile(f"{path.name} is empty.")
    if _looks_binary(text):
        raise UnreadableFile(NOT_TEXT.format(name=path.name))
    lines = text.splitlines() or [""]
    _check_text_size(path.name, len(lines), 1, limits)
    delimiter = detect_delimiter(text)
    misplaced = quote_problem(text, delimiter)
    if misplaced:
        raise UnreadableFile(_quote_message(path.name, *misplaced), rule="unbalanced_quote", row=misplaced[0])
    # A line without quotes splits at every delimiter: count them in C, not character by character.
    width = max(map(str.count, lines, repeat(delimiter))) + 1 if '"' not in text \
        else max(_split_counts(ln, delimiter) for ln in lines)
    _check_text_size(path.name, len(lines), width, limits)
    schema = {f"c{i}": pl.String for i in range(width)}
    try:
        frame = pl.read_csv(io.BytesIO(text.encode("utf-8")), has_header=False,
                            separator=delimiter, schema=schema, truncate_ragged_lines=True,
                            quote_char='"')
    except pl.exceptions.PolarsError:
        # Polars' own message is for programmers; the sender needs to know what to do.
        raise UnreadableFile(NOT_TEXT.format(name=path.name)) from None
    return Grid(None, list(map(list, frame.rows())), encoding=encoding, delimiter=delimiter)


def _scan_sheets(path: Path, limits: ReaderLimits) -> dict:
    """Every sheet's true extent and formulas without results, before the reader allocates
    anything: a sheet's declared size can lie, its cells cannot."""
    scans = {}
    try:
        with zipfile.ZipFile(path) as book:
            for sheet, part in sheet_parts(book).items():
                try:
                    xml = read_part(book, part, limits.max_uncompressed_bytes)
                except LyingPart:
                    raise UnreadableFile(LYING.format(name=path.name), rule="workbook_inflates_too_much") from None
                scans[sheet] = scan = scan_sheet(xml)
                del xml
                check_sheet_size(path.name, sheet, scan.rows, scan.cols, limits)
    except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError, ValueError):
        raise UnreadableFile(DAMAGED.format(name=path.name)) from None
    return scans


def read_xlsx_grids(path: Path, limits: ReaderLimits) -> list[Grid]:
    """Every sheet, hidden ones included (flagged), with cached values of formulas."""
    import fastexcel  # in the reading child only

    scans = _scan_sheets(path, limits)
    try:
        reader = fastexcel.read_excel(path)
        names = reader.sheet_names
    except Exception:  # any reader failure means the same thing to the sender; its words are not for them
        raise UnreadableFile(DAMAGED.format(name=path.name)) from None
    grids: list[Grid] = []
    for name in names:
        try:
            sheet = reader.load_sheet(name, header_row=None, dtypes="string")
            frame = sheet.to_polars()
        except Exception:
            raise UnreadableFile(f"Sheet '{name}' of {path.name} could not be read: it may be damaged. Open the "
                                 "workbook in Excel, save it again as .xlsx and upload that.", sheet=name) from None
        scan = scans.get(name)
        # The reader returns the used range only (a sheet starting at C5 comes back starting at
        # its first cell); the scan's first row and column put every cell back where Excel shows it.
        top, left = (scan.first_row - 1, scan.first_col - 1) if scan and scan.first_row and frame.height else (0, 0)
        cells: list[list[Cell]] = [[] for _ in range(top)]
        cells += [[None] * left + list(row) for row in frame.rows()] if left else list(map(list, frame.rows()))
        formulas = tuple(scan.formulas_without_value) if scan else ()
        grids.append(Grid(name, cells, hidden=sheet.visible != "visible", formulas_without_value=formulas))
    return grids


def read_in_process(path: Path, limits: ReaderLimits) -> list[Grid]:
    """The actual read, chosen by content (a zip is a workbook) not by name. Runs in the
    reading child; call `read_tables.read_grids` everywhere else."""
    with path.open("rb") as handle:
        head = handle.read(4)
    if head == XLSX_MAGIC:
        return read_xlsx_grids(path, limits)
    return [read_csv_grid(path, limits)]
