"""Read a submitted file into grids of text cells, each cell where a person would see it.

Every later step (finding the header, mapping labels, naming a problem's place) needs
the row and column a performance lead sees in Excel or a text editor, so a grid keeps
blank rows and columns and its top-left is always A1. Cells stay text exactly as found;
numbers are interpreted later, so nothing is lost or silently changed here.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import fastexcel
import openpyxl
import polars as pl

Cell = str | None
CSV_DELIMITERS = (",", ";", "\t", "|")
XLSX_MAGIC = b"PK\x03\x04"


class UnreadableFile(Exception):
    """The file cannot be opened as a table; the message is for the person who sent it."""


@dataclass(frozen=True)
class Grid:
    """One sheet (or a whole text file): cells[r][c] is row r+1, column c+1."""

    sheet: str | None
    cells: list[list[Cell]]
    hidden: bool = False
    encoding: str | None = None
    delimiter: str | None = None

    def cell(self, row: int, col: int) -> Cell:
        """0-based access that treats anything outside the grid as empty."""
        if 0 <= row < len(self.cells) and 0 <= col < len(self.cells[row]):
            return self.cells[row][col]
        return None

    @cached_property  # asked once per row while searching for the header: compute once
    def width(self) -> int:
        return max((len(r) for r in self.cells), default=0)


def decode_text(data: bytes) -> tuple[str, str]:
    """Bytes -> (text, encoding): UTF-8 with or without a byte-order mark, else Windows-1252.

    Spreadsheet programs on Windows still save "CSV" as Windows-1252, where '£' and '–'
    are single bytes that are invalid UTF-8, so strict UTF-8 failing means cp1252.
    """
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


def read_csv_grid(path: Path) -> Grid:
    """A text file as one grid; blank lines kept so row numbers match a text editor."""
    text, encoding = decode_text(path.read_bytes())
    if not text.strip():
        raise UnreadableFile(f"{path.name} is empty.")
    delimiter = detect_delimiter(text)
    width = max(_split_counts(ln, delimiter) for ln in text.splitlines() or [""])
    schema = {f"c{i}": pl.String for i in range(width)}
    try:
        frame = pl.read_csv(io.BytesIO(text.encode("utf-8")), has_header=False,
                            separator=delimiter, schema=schema, truncate_ragged_lines=True,
                            quote_char='"')
    except pl.exceptions.PolarsError as exc:
        # Polars' own message is for programmers; the sender needs to know what to do.
        raise UnreadableFile(f"{path.name} could not be read as a table of values: it does not look like "
                             "a text (CSV) file. Check it is the return itself, saved as CSV.") from exc
    cells = [list(row) for row in frame.iter_rows()]
    return Grid(None, cells, encoding=encoding, delimiter=delimiter)


def _origin(sheet: "openpyxl.worksheet.worksheet.Worksheet") -> tuple[int, int]:
    """0-based (row, column) of the first non-empty cell.

    The calamine reader returns the used range only, so a sheet starting at C5 comes back
    starting at its first cell; this offset puts every cell back where Excel shows it.
    """
    first_row, first_col = None, None
    for row in sheet.iter_rows():
        for cell in row:
            if getattr(cell, "value", None) is None:
                continue
            if first_row is None:
                first_row = cell.row
            first_col = cell.column if first_col is None else min(first_col, cell.column)
    return (first_row or 1) - 1, (first_col or 1) - 1


def read_xlsx_grids(path: Path) -> list[Grid]:
    """Every sheet, hidden ones included (flagged), with cached values of formulas."""
    try:
        reader = fastexcel.read_excel(path)
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # any reader failure means the same thing to the sender
        raise UnreadableFile(f"{path.name} could not be opened as an Excel workbook ({exc}).")
    grids: list[Grid] = []
    try:
        for name in reader.sheet_names:
            sheet = reader.load_sheet(name, header_row=None, dtypes="string")
            frame = sheet.to_polars()
            top, left = _origin(book[name]) if frame.height else (0, 0)
            cells: list[list[Cell]] = [[] for _ in range(top)]
            cells += [[None] * left + list(row) for row in frame.iter_rows()]
            grids.append(Grid(name, cells, hidden=sheet.visible != "visible"))
    finally:
        book.close()
    return grids


def read_grids(path: Path) -> list[Grid]:
    """A CSV or XLSX file as grids, chosen by content (a zip is a workbook) not by name.

    The intake reads a file more than once (parsing, then the unit and sheet checks);
    the last few reads are cached by path, size and modification time.
    """
    if not path.is_file():
        raise UnreadableFile(f"{path.name} was not found.")
    stat = path.stat()
    return _read_grids(path, stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=4)
def _read_grids(path: Path, size: int, mtime_ns: int) -> list[Grid]:
    with path.open("rb") as handle:
        head = handle.read(4)
    if head == XLSX_MAGIC:
        return read_xlsx_grids(path)
    if path.suffix.lower() in (".xls", ".xlsm", ".xlsb", ".ods"):
        raise UnreadableFile(f"{path.name} is not a format we accept; save it as .xlsx or .csv.")
    return [read_csv_grid(path)]
