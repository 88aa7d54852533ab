"""How pages and papers open the published copy, and an optional listener on the SQL they send.

The two read paths (dashboards/data.py for pages, pipelines/papers/data.py for papers) open
the copy with `attach_published` and pass each query to `sent` before running it. Nobody
listens in a running server (the cost is a loop over an empty list); tests/test_exposures.py
listens while it renders every page and paper, to check `_exposures.yml` against the marts
they really read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from pipelines.serving.sql import literal

PUBLISHED_CATALOG = "published"


def attach_published(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the copy now at `path`, which is its own database instance.

    Not `duckdb.connect(path)`: DuckDB keeps one instance per file path in a process, so while
    any connection to an earlier copy stays open, connecting by the same path returns that
    earlier copy, not the one swapped in since. Attached to an in-memory database instead, each
    copy is opened afresh. A cursor of this connection starts in the in-memory catalog: call
    `use_published` on it first."""
    con = duckdb.connect(":memory:")
    _opened.add(file_id(path))  # before and after: a copy swapped in between is noted too
    con.execute(f"attach {literal(path)} as {PUBLISHED_CATALOG} (read_only)")
    _opened.add(file_id(path))
    use_published(con)
    return con


# Files this process has opened to read, by device and inode (never forgotten: a connection's end is not
# seen). DuckDB's file lock keeps another process from writing a copy a reader holds, not this one; the
# publish (pipelines/serving/publish.py) asks here before it writes over an earlier copy.
_opened: set[tuple[int, int] | None] = set()


def opened_here() -> set[tuple[int, int]]:
    """The files (device, inode) this process has opened through `attach_published`."""
    return {file for file in _opened if file is not None}


def file_id(path: Path) -> tuple[int, int] | None:
    """A file's device and inode (which a hard link shares), or None if there is none."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_dev, stat.st_ino


def use_published(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """`con` (a connection or cursor of `attach_published`) reading `marts.x` from the copy."""
    con.execute(f"use {PUBLISHED_CATALOG}")
    return con

_listeners: list[Callable[[str], None]] = []


def sent(sql: str) -> None:
    """Tell the listeners, if any, that `sql` is about to be run against the published copy."""
    for listener in _listeners:
        listener(sql)


@contextmanager
def recording() -> Iterator[list[str]]:
    """Every query sent while the block runs, in order (pages run in AppTest's thread: one process)."""
    queries: list[str] = []
    listener = queries.append
    _listeners.append(listener)
    try:
        yield queries
    finally:
        _listeners.remove(listener)
