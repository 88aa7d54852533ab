"""The caps on reading an untrusted file, loaded in one place from seeds/intake/reader_limits.csv.

A return is small (tens of KB); a file far beyond every cap is refused before the real
reader sees it, and the reader itself runs in a child process held to the memory and time
caps. Each cap is data an operator can change, documented beside its value.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from pipelines.settings import SEEDS_DIR

LIMITS_CSV = SEEDS_DIR / "intake" / "reader_limits.csv"


@dataclass(frozen=True)
class ReaderLimits:
    max_zip_members: int
    max_uncompressed_bytes: int
    max_member_ratio: float
    max_overall_ratio: float
    min_ratio_bytes: int
    dimension_scan_bytes: int
    max_sheet_rows: int
    max_sheet_columns: int
    max_sheet_cells: int
    reader_memory_mb: int
    reader_seconds: float

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def reader_limits() -> ReaderLimits:
    """The caps as configured; every field must have a row in the seed (a missing one fails loudly)."""
    # Imported here, not at the top: the reading child (read_child.py, started for every file read)
    # needs only ReaderLimits, and reference with its configuration store is ~20 ms of its start-up.
    from pipelines import reference

    rows = reference.reader_limits()
    values = dict(zip(rows["limit_id"].to_list(), rows["value"].to_list()))
    kinds = {f.name: f.type for f in dataclasses.fields(ReaderLimits)}
    missing = set(kinds) - set(values)
    if missing:
        raise ValueError(f"{LIMITS_CSV.name} lacks limits {sorted(missing)}")
    return ReaderLimits(**{name: (int if kind == "int" else float)(values[name]) for name, kind in kinds.items()})
