"""Which writer and file name each unit uses for its monthly return.

The layout comes from seeds/mappings/unit_layouts.csv (the same file the parser reads),
so a unit's layout is changed in one place; file names are each unit's own habit.
"""

from __future__ import annotations

from pathlib import Path
from collections.abc import Callable

from pipelines import reference
from pipelines.demo import layouts_csv, layouts_xlsx
from pipelines.months import financial_year_to_date
from pipelines.demo.volumes import Entry, Region

Writer = Callable[..., None]

WRITERS: dict[str, Writer] = {
    "long_csv": layouts_csv.write_long_csv,
    "text_csv": layouts_csv.write_text_csv,
    "months_as_rows_csv": layouts_csv.write_months_as_rows_csv,
    "wide_months_xlsx": layouts_xlsx.write_wide_months,
    "sheet_per_strand_xlsx": layouts_xlsx.write_sheet_per_strand,
    "merged_header_xlsx": layouts_xlsx.write_merged_header,
}

FILE_NAMES = {
    "NEROCU": "NEROCU_return_{period}.csv",
    "NWROCU": "Titan_performance_{period}.xlsx",
    "YHROCU": "YHROCU_4P_return_{period}.xlsx",
    "EMSOU": "EMSOU_return_{period}.xlsx",
    "ROCUWM": "ROCUWM_stats_{period}.csv",
    "ERSOU": "ERSOU_monthly_{period}.csv",
    "SEROCU": "SEROCU_return_{period}.xlsx",
    "SWROCU": "SWROCU_FYTD_{period}.csv",
    "TARIAN": "TARIAN_perfformiad_{period}.xlsx",
}


def unit_layout(rocu_code: str) -> str:
    layouts = reference.unit_layouts()
    return layouts.filter(layouts["rocu_code"] == rocu_code)["layout"].item()


def return_path(rocu_code: str, period: str) -> Path:
    """Path of a return relative to the demo folder."""
    return Path("returns") / rocu_code / FILE_NAMES[rocu_code].format(period=period)


def write_return(out: Path, region: Region, period: str,
                 entries: dict[tuple[str, str], list[Entry]], broken: bool = False) -> Path:
    """Write one unit's return for ``period`` (with its year-to-date context) under ``out``."""
    code = region.rocu_code
    content = {m: entries[(code, m)] for m in financial_year_to_date(period)}
    relative = return_path(code, period)
    WRITERS[unit_layout(code)](out / relative, code, period, content, region, broken=broken)
    return relative
