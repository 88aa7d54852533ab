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
"""

from __future__ import annotations

import hashlib
import os
import uuid
from datetime import datetime, UTC
from pathlib import Path

import duckdb

from pipelines.access.anchors import anchor_head, log_beside
from pipelines.access.audit import AuditLog
from pipelines.serving.build_info import BuildInfo, write_build_info

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
        copy_serving_schema(source, tmp)  # attaches the source read-only: fails fast if a writer still holds it
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


def copy_serving_schema(source: Path, target: Path) -> list[str]:
    """Create `target` holding a table for each table or view of the source's serving schema.

    Returns the names copied. A view becomes a table, so the copy holds no reference back to
    the schemas left out. The source is attached under its own name and is the session's
    default catalog while copying: a dbt view names its inputs with that catalog
    (`rocu.staging.x`) or without one (`staging.x`), and both must resolve in the source.
    """
    con = duckdb.connect()
    try:
        con.execute(f"attach {_literal(target)} as published")
        con.execute(f"attach {_literal(source)} (read_only)")
        (catalog,) = con.execute("select database_name from duckdb_databases() where not internal "
                                 "and database_name not in ('memory', 'published')").fetchone()
        con.execute(f"use {_ident(catalog)}")
        names = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_catalog = ? and table_schema = ? "
            "order by table_name", [catalog, SERVING_SCHEMA]).fetchall()]
        con.execute(f"create schema published.{SERVING_SCHEMA}")
        for name in names:
            con.execute(f"create table published.{SERVING_SCHEMA}.{_ident(name)} as "
                        f"select * from {SERVING_SCHEMA}.{_ident(name)}")
        con.execute("use memory")
        con.execute(f"detach {_ident(catalog)}")
        con.execute("checkpoint published")
        con.execute("detach published")
    finally:
        con.close()
    return names


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _digest(path: Path) -> str:
    """SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as reader:
        for block in iter(lambda: reader.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
