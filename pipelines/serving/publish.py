"""Publish the serving schema of the warehouse, read-only, for pages and board papers.

DuckDB lets one process write or many read, not both; readers therefore never open the
file the pipeline builds. After a good build a new file is made beside the published one
holding only what pages and papers may read: every mart (schema `marts`, a view there
becomes a table) and the build row (`meta.build_info`). Staging, intermediate, raw and
seed tables are not in it, so a read of them fails at once instead of quietly working
around the marts. The build row is written into the new file before it is swapped in with
an atomic rename: a reader sees the old or the new copy, never half of one, and whatever
it reads about the build is true of the figures it reads with it. A failed build (which
stops before this step) leaves the last good copy in place.

Publishing costs what changed, not the whole history: the new file starts as a file copy of the
last published one, and only the marts whose content differs from it (row count, columns and an
order-free sum of row hashes, read from both files) are written again; marts gone from the
warehouse are dropped.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from datetime import datetime, UTC
from pathlib import Path

import duckdb

from pipelines.access.anchors import anchor_head, log_beside
from pipelines.access.audit import AuditLog
from pipelines.serving.build_info import BuildInfo, write_build_info
from pipelines.serving.sql import identifier, literal

SERVING_SCHEMA = "marts"  # the only schema of the warehouse that is published (with meta, the build row)


def publish_copy(source: Path, target: Path, audit: AuditLog, build_id: str | None = None) -> BuildInfo:
    """Publish the serving schema of `source` to `target` atomically, with its build row written in first.

    `audit` is the deployment's audit trail: its head is anchored (written to the anchor log
    beside the trail) and goes into the build, so a board paper made from this copy names the
    trail as it stood when the figures were published, and `rocu audit verify --anchor` can
    later prove the trail was not rewritten before that point.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        copy_serving_schema(source, tmp, previous=target)  # attaches the source read-only: fails fast if a writer still holds it
        content_sha256 = _digest(tmp)
        build_id = build_id or uuid.uuid4().hex
        anchor = anchor_head(audit, log_beside(audit), reason=f"warehouse build {build_id} published")
        info = BuildInfo(build_id=build_id, published_at=datetime.now(UTC).isoformat(timespec="seconds"),
                         source_file=source.name, audit_seq=anchor.seq, audit_head_hash=anchor.hash,
                         content_sha256=content_sha256)
        con = duckdb.connect(str(tmp))
        try:
            write_build_info(con, info)
            con.execute("checkpoint")
        finally:
            con.close()
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
        tmp.with_name(f"{tmp.name}.wal").unlink(missing_ok=True)
    target.with_suffix(".json").unlink(missing_ok=True)  # the old sidecar stamp: the build lives inside now
    return info


def copy_serving_schema(source: Path, target: Path, previous: Path | None = None) -> list[str]:
    """Create `target` holding a table for each table or view of the source's serving schema.

    Returns the names written. With `previous` (the last published copy, when there is one),
    `target` starts as a file copy of it and a mart whose content is the same in both is kept,
    not written again. A view becomes a table, so the copy holds no reference back to the
    schemas left out. The source is attached under its own name and is the session's default
    catalog while copying: a dbt view names its inputs with that catalog (`rocu.staging.x`) or
    without one (`staging.x`), and both must resolve in the source.
    """
    if previous is not None and previous.exists():
        shutil.copyfile(previous, target)
    con = duckdb.connect()
    try:
        con.execute(f"attach {literal(target)} as published")
        con.execute(f"attach {literal(source)} (read_only)")
        (catalog,) = con.execute("select database_name from duckdb_databases() where not internal "
                                 "and database_name not in ('memory', 'published')").fetchone()
        con.execute(f"use {identifier(catalog)}")
        names = _serving_tables(con, catalog)
        con.execute(f"create schema if not exists published.{SERVING_SCHEMA}")
        held = set(_serving_tables(con, "published"))
        for gone in sorted(held - set(names)):
            con.execute(f"drop table published.{SERVING_SCHEMA}.{identifier(gone)}")
        now, before = _fingerprints(con, catalog, names), _fingerprints(con, "published", sorted(held & set(names)))
        written = [name for name in names if now[name] != before.get(name)]
        for name in written:
            con.execute(f"create or replace table published.{SERVING_SCHEMA}.{identifier(name)} as "
                        f"select * from {SERVING_SCHEMA}.{identifier(name)}")
        con.execute("use memory")
        con.execute(f"detach {identifier(catalog)}")
        con.execute("checkpoint published")
        con.execute("detach published")
    finally:
        con.close()
    return written


def _serving_tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
    """The tables and views of `catalog`'s serving schema. Read from duckdb_tables() and duckdb_views():
    the first information_schema.tables query of a connection took about 0.6 s of a 2 s publish."""
    return [r[0] for r in con.execute(
        "select name from (select database_name, schema_name, table_name as name from duckdb_tables() "
        "union all select database_name, schema_name, view_name from duckdb_views()) "
        "where database_name = ? and schema_name = ? order by name", [catalog, SERVING_SCHEMA]).fetchall()]


def _fingerprints(con: duckdb.DuckDBPyConnection, catalog: str, names: list[str]) -> dict[str, tuple]:
    """What each mart holds, cheap to compare across files: its columns with their types, its row
    count and the sum of its rows' hashes (order-free: the same rows in another order are the same
    mart). One query for the columns and one for the rows of every mart, not two per mart."""
    if not names:
        return {}
    columns: dict[str, list] = {name: [] for name in names}
    for table, column, kind in con.execute(
            "select table_name, column_name, data_type from duckdb_columns() where database_name = ? "
            "and schema_name = ? order by table_name, column_index", [catalog, SERVING_SCHEMA]).fetchall():
        columns.get(table, []).append((column, kind))
    rows = con.execute(" union all ".join(
        f"select {literal(name)}, count(*), coalesce(sum(hash(t)::hugeint), 0) "
        f"from {identifier(catalog)}.{SERVING_SCHEMA}.{identifier(name)} t" for name in names)).fetchall()
    return {name: (tuple(columns[name]), count, digest) for name, count, digest in rows}


def _digest(path: Path) -> str:
    """SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as reader:
        for block in iter(lambda: reader.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
