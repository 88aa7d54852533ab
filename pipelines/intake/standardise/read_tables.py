"""Read a submitted file into grids of text cells, safely: the one way the intake reads a file.

Files come from outside, so `read_grids` never reads one in this process: a workbook is
first inspected as a zip against the caps in seeds/intake/reader_limits.csv, then read by
a fresh child process held to memory and time limits (isolation.py), which runs the
readers in readers.py. Whatever the file does to the reader, the caller gets grids or an
UnreadableFile with a plain message.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pipelines.intake.standardise import limits as reader_config
from pipelines.intake.standardise.errors import UnreadableFile
from pipelines.intake.standardise.grid import Cell, Grid
from pipelines.intake.standardise.isolation import read_isolated
from pipelines.intake.standardise.limits import ReaderLimits
from pipelines.intake.standardise.zip_inspection import inspect_workbook

__all__ = ["Cell", "Grid", "UnreadableFile", "read_grids"]

XLSX_MAGIC = b"PK\x03\x04"
OTHER_WORKBOOKS = (".xls", ".xlsm", ".xlsb", ".ods")


def read_grids(path: Path) -> list[Grid]:
    """A CSV or XLSX file as grids, read safely (see the module docstring).

    The intake reads a file more than once (parsing, then the unit and sheet checks); the
    last few outcomes, refusals included, are cached by path, size and modification time.
    """
    if not path.is_file():
        raise UnreadableFile(f"{path.name} was not found.")
    stat = path.stat()
    outcome = _read_grids(path, stat.st_size, stat.st_mtime_ns, reader_config.reader_limits())
    if isinstance(outcome, UnreadableFile):
        raise UnreadableFile(str(outcome), outcome.rule, outcome.sheet, outcome.row)
    return outcome


@lru_cache(maxsize=4)
def _read_grids(path: Path, size: int, mtime_ns: int, limits: ReaderLimits) -> list[Grid] | UnreadableFile:
    try:
        with path.open("rb") as handle:
            head = handle.read(4)
        if head == XLSX_MAGIC:
            inspect_workbook(path, limits)
        elif path.suffix.lower() in OTHER_WORKBOOKS:
            raise UnreadableFile(f"{path.name} is not a format we accept; save it as .xlsx or .csv.")
        return read_isolated(path, limits).result()
    except UnreadableFile as exc:
        return exc
