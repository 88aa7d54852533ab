"""Writing raw tables into the warehouse, all-or-nothing.

Each load replaces its table (or one partition of it) inside one transaction, so a run
killed half way leaves the warehouse as it was and a rerun never duplicates rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, UTC
from pathlib import Path

import duckdb
import polars as pl


def connect(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(path), read_only=read_only)


def replace_table(path: Path, table: str, frame: pl.DataFrame, *, where: str | None = None) -> int:
    """Replace `raw.<table>` with `frame`; with `where`, replace only the rows it selects.

    A `loaded_at` column is added (dbt source freshness reads it).
    """
    with writing(path) as con:
        return replace_in(con, table, frame, where=where)


@contextmanager
def writing(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """One connection for an asset's several tables (each still replaced in its own transaction):
    opening and closing the warehouse costs about 80 ms, and raw_returns alone writes nine tables."""
    con = connect(path)
    try:
        yield con
    finally:
        con.close()


def replace_in(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, *, where: str | None = None) -> int:
    """`replace_table` on an open connection."""
    frame = frame.with_columns(pl.lit(datetime.now(UTC)).alias("loaded_at"))
    try:
        con.execute("create schema if not exists raw")
        con.execute("begin transaction")
        con.register("incoming", frame.to_arrow())
        exists = con.execute(
            "select count(*) from information_schema.tables where table_schema='raw' and table_name=?", [table]
        ).fetchone()[0]
        if where is None or not exists:
            con.execute(f"create or replace table raw.{table} as select * from incoming")
        else:
            con.execute(f"delete from raw.{table} where {where}")
            con.execute(f"insert into raw.{table} by name select * from incoming")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.unregister("incoming")
    return frame.height
