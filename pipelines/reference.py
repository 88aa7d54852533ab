"""Reference data and the framework, read from seeds/ in one place.

The same CSV files are dbt seeds; Python reads them here so that the generator, the
parsers and the checks use exactly what the warehouse uses.
"""

from __future__ import annotations

from functools import cache

import polars as pl

from pipelines.settings import SEEDS_DIR


@cache
def _read(relative: str) -> pl.DataFrame:
    return pl.read_csv(SEEDS_DIR / relative, infer_schema_length=None)


def reload() -> None:
    """Forget what was read, so the next call sees a seed file changed by this process."""
    _read.cache_clear()


def rocus() -> pl.DataFrame:
    return _read("reference/rocus.csv")


def forces() -> pl.DataFrame:
    """Force membership with effective dates (a force may have moved unit)."""
    return _read("reference/forces.csv")


def current_forces() -> pl.DataFrame:
    return forces().filter(pl.col("effective_to").is_null())


def metrics() -> pl.DataFrame:
    return _read("framework/metrics.csv")


def label_map() -> pl.DataFrame:
    """Per-unit translation of local labels to framework metrics and units."""
    return _read("mappings/label_map.csv")


def unit_layouts() -> pl.DataFrame:
    return _read("mappings/unit_layouts.csv")


def population() -> pl.DataFrame:
    return _read("reference/population.csv")


def police_officers() -> pl.DataFrame:
    return _read("reference/police_officers.csv")


def submission_windows() -> pl.DataFrame:
    """The submission-window rules, each from the date it took effect, as text.

    Read afresh on every call, never cached: a rule an admin adds with `rocu window add`
    in another process must bind a server that is already running at once.
    """
    return pl.read_csv(SEEDS_DIR / "reference" / "submission_windows.csv", infer_schema_length=0)


def window_for(period: str) -> dict[str, str] | None:
    """The rule in force for a return's month (YYYY-MM): the latest that took effect on or
    before the month's first day, as the warehouse picks it; None before the first rule."""
    rules = submission_windows().filter(pl.col("effective_from") <= f"{period}-01").sort("effective_from")
    return rules.row(-1, named=True) if rules.height else None


def reader_limits() -> pl.DataFrame:
    """Caps on what an untrusted file may make the reader do (limit_id, value, unit, description)."""
    return _read("intake/reader_limits.csv")
