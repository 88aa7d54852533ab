"""Which build a published warehouse file is, written inside the file itself.

Readers (dashboards, board papers, `rocu report`) read this row through the same
connection as their figures, so what they say about the build is true of the figures
they show: a stamp kept beside the file could describe a different copy than the one a
reader has open.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import duckdb

TABLE = "meta.build_info"


@dataclass(frozen=True)
class BuildInfo:
    """One published build: its id, when it was published, what it came from."""

    build_id: str  # the Dagster run id when published by a run, else a random uuid
    published_at: str  # UTC, ISO 8601 to the second
    source_file: str  # the warehouse file's name (never a server path)
    audit_seq: int  # the audit trail's last record when the build was published
    audit_head_hash: str  # ... and that record's hash
    content_sha256: str  # SHA-256 of the published marts' content, recomputable from the copy (serving/publish.py)

    @property
    def audit_head(self) -> str:
        """How papers and pages name the audit head: 'seq 41, hash 0f3a…' (first 16 hex digits)."""
        return f"seq {self.audit_seq}, hash {self.audit_head_hash[:16]}"

    def as_dict(self) -> dict:
        return asdict(self)


def write_build_info(con: duckdb.DuckDBPyConnection, info: BuildInfo) -> None:
    """Replace the build row in a read-write connection to the copy about to be published."""
    con.execute("create schema if not exists meta")
    con.execute(f"create or replace table {TABLE} (build_id varchar not null, published_at varchar not null, "
                "source_file varchar not null, audit_seq bigint not null, audit_head_hash varchar not null, "
                "content_sha256 varchar not null)")
    con.execute(f"insert into {TABLE} values (?, ?, ?, ?, ?, ?)",
                [info.build_id, info.published_at, info.source_file, info.audit_seq, info.audit_head_hash,
                 info.content_sha256])


def read_build_info(con: duckdb.DuckDBPyConnection) -> BuildInfo | None:
    """The build row of the open file, or None for a file published before builds carried one."""
    try:
        row = con.execute(f"select build_id, published_at, source_file, audit_seq, audit_head_hash, content_sha256 "
                          f"from {TABLE}").fetchone()
    except duckdb.CatalogException:
        return None
    return BuildInfo(*row) if row else None
