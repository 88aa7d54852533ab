"""Reference data and the framework, read from seeds/ in one place.

The same CSV files are dbt seeds; Python reads them here so that the generator, the
parsers and the checks use exactly what the warehouse uses. The tables an admin may change
(the label map, the submission windows) are served as they now stand: the seed overlaid by
the deployment's configuration store (pipelines/config_store.py), read again whenever the
store or the seed changed, so a running server sees a change at once, without a restart.
"""

from __future__ import annotations

from functools import cache, lru_cache
from pathlib import Path

import polars as pl

from pipelines.config_store import TABLES, ConfigStore, file_stamp
from pipelines.settings import SEEDS_DIR, Paths


@cache
def _read(relative: str) -> pl.DataFrame:
    return pl.read_csv(SEEDS_DIR / relative, infer_schema_length=None)


def reload() -> None:
    """Forget what was read, so the next call sees a seed file changed by this process."""
    _read.cache_clear()
    _effective.cache_clear()


def _configured(table: str, paths: Paths | None) -> pl.DataFrame:
    """`table` as it now stands (seed + store), all text; cached only while neither file changes."""
    store = ConfigStore.at(paths)
    seed = SEEDS_DIR / TABLES[table].seed
    return _effective(table, SEEDS_DIR, file_stamp(seed), store.path, store.stamp())


@lru_cache(maxsize=16)
def _effective(table: str, seeds_dir: Path, _seed_stamp: object, store_path: Path,
               _store_stamp: object) -> pl.DataFrame:
    effective = ConfigStore(store_path, seeds_dir).effective(table)
    return pl.DataFrame({c: [r[c] or None for r in effective.rows] for c in effective.fields},
                        schema={c: pl.String for c in effective.fields})


def rocus() -> pl.DataFrame:
    return _read("reference/rocus.csv")


def forces() -> pl.DataFrame:
    """Force membership with effective dates (a force may have moved unit)."""
    return _read("reference/forces.csv")


def current_forces() -> pl.DataFrame:
    return forces().filter(pl.col("effective_to").is_null())


def force_membership(months: list[str]) -> pl.DataFrame:
    """Which unit each force belonged to in each of these months (YYYY-MM), as dbt's
    int_force_membership_monthly has it: a membership covers a month when it covers the
    month's first day. The intake checks a return against the month it is for, not today's map."""
    first_day = pl.col("month") + "-01"
    return (forces().join(pl.DataFrame({"month": months}, schema={"month": pl.String}), how="cross")
            .filter((pl.col("effective_from") <= first_day)
                    & (pl.col("effective_to").is_null() | (first_day <= pl.col("effective_to"))))
            .select("month", "force_code", "force_name", "rocu_code"))


def metrics() -> pl.DataFrame:
    return _read("framework/metrics.csv")


def label_map(paths: Paths | None = None) -> pl.DataFrame:
    """Per-unit translation of local labels to framework metrics and units, as it now stands."""
    return _configured("label_map", paths).with_columns(pl.col("multiplier").cast(pl.Float64))


def unit_layouts() -> pl.DataFrame:
    return _read("mappings/unit_layouts.csv")


def resource_items() -> pl.DataFrame:
    """What a quarterly resources return may hold (section, item, label, detail rule, definition)."""
    return _read("resources/resource_items.csv")


def population() -> pl.DataFrame:
    return _read("reference/population.csv")


def police_officers() -> pl.DataFrame:
    return _read("reference/police_officers.csv")


def submission_windows(paths: Paths | None = None) -> pl.DataFrame:
    """The submission-window rules, each from the date it took effect, as text, as they now stand.

    A rule an admin adds with `rocu window add` in another process binds a server that is
    already running on its next call (the cache is keyed on the store's size and time).
    """
    return _configured("submission_windows", paths)


def window_for(period: str) -> dict[str, str] | None:
    """The rule in force for a return's month (YYYY-MM): the latest that took effect on or
    before the month's first day, as the warehouse picks it; None before the first rule."""
    rules = submission_windows().filter(pl.col("effective_from") <= f"{period}-01").sort("effective_from")
    return rules.row(-1, named=True) if rules.height else None


def reader_limits() -> pl.DataFrame:
    """Caps on what an untrusted file may make the reader do (limit_id, value, unit, description)."""
    return _read("intake/reader_limits.csv")
