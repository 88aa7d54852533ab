"""The submission registry: every file offered, every version, its state and problems.

SQLite (standard library) rather than the warehouse: the registry must survive warehouse
rebuilds, take writes from several uploaders at once (SQLite serialises them with a busy
timeout) and never be locked by a dbt build.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

SCHEMA = """
create table if not exists submissions (
    submission_id   integer primary key autoincrement,
    rocu_code       text not null,
    period          text not null,              -- YYYY-MM the return is for
    version         integer not null,           -- 1, 2, ... per unit and period
    file_sha256     text not null,
    stored_path     text not null,              -- relative to the landing zone
    original_name   text not null,
    size_bytes      integer not null,
    submitted_by    text not null,
    submitted_at    text not null,              -- ISO timestamp (UTC) the file was offered
    state           text not null,              -- received, rejected, accepted, accepted_with_warnings, superseded
    error_count     integer not null default 0,
    warning_count   integer not null default 0,
    superseded_by   integer references submissions(submission_id),
    unique (rocu_code, period, file_sha256)
);
create table if not exists approvals (
    submission_id integer primary key references submissions(submission_id),
    approved_by text not null,                  -- the unit approver who signed the return off
    approved_at text not null
);
create table if not exists problems (
    submission_id integer not null references submissions(submission_id),
    severity text not null, rule text not null, message text not null,
    file text not null, sheet text, row integer, "column" text, value text
);
"""

STATES = ("received", "rejected", "accepted", "accepted_with_warnings", "superseded")


@dataclass(frozen=True)
class Submission:
    submission_id: int
    rocu_code: str
    period: str
    version: int
    file_sha256: str
    stored_path: str
    original_name: str
    size_bytes: int
    submitted_by: str
    submitted_at: str
    state: str
    error_count: int
    warning_count: int
    superseded_by: int | None


class Registry:
    """Thin access to the registry file; one short-lived connection per operation."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self.connect() as con:
            con.executescript(SCHEMA)

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        con.row_factory = sqlite3.Row
        con.execute("pragma journal_mode=wal")
        try:
            yield con
        finally:
            con.close()

    def find(self, rocu_code: str, period: str, sha256: str) -> Submission | None:
        with self.connect() as con:
            row = con.execute(
                "select * from submissions where rocu_code=? and period=? and file_sha256=?",
                (rocu_code, period, sha256),
            ).fetchone()
        return Submission(**row) if row else None

    def get(self, submission_id: int) -> Submission:
        with self.connect() as con:
            row = con.execute("select * from submissions where submission_id=?", (submission_id,)).fetchone()
        if row is None:
            raise KeyError(f"no submission {submission_id}")
        return Submission(**row)

    def add(self, *, rocu_code: str, period: str, sha256: str, stored_path: str, original_name: str,
            size_bytes: int, submitted_by: str, submitted_at: str) -> tuple[Submission, bool]:
        """Register a file; returns (submission, created). The same bytes twice are not a new version."""
        with self.connect() as con:
            con.execute("begin immediate")  # serialise version numbering between uploaders
            row = con.execute(
                "select * from submissions where rocu_code=? and period=? and file_sha256=?",
                (rocu_code, period, sha256),
            ).fetchone()
            if row:
                con.execute("commit")
                return Submission(**row), False
            (version,) = con.execute(
                "select coalesce(max(version), 0) + 1 from submissions where rocu_code=? and period=?",
                (rocu_code, period),
            ).fetchone()
            cur = con.execute(
                "insert into submissions (rocu_code, period, version, file_sha256, stored_path, original_name,"
                " size_bytes, submitted_by, submitted_at, state) values (?,?,?,?,?,?,?,?,?, 'received')",
                (rocu_code, period, version, sha256, stored_path, original_name, size_bytes, submitted_by,
                 submitted_at),
            )
            con.execute("commit")
            return self.get(cur.lastrowid), True

    def record_verdict(self, submission_id: int, problems: list, state: str) -> Submission:
        """Store the verdict; an accepted version supersedes earlier accepted ones of its month."""
        assert state in STATES, state
        errors = sum(p.severity == "error" for p in problems)
        with self.connect() as con:
            con.execute("begin immediate")
            con.execute("delete from problems where submission_id=?", (submission_id,))
            con.executemany(
                'insert into problems (submission_id, severity, rule, message, file, sheet, row, "column", value)'
                " values (?,?,?,?,?,?,?,?,?)",
                [(submission_id, p.severity, p.rule, p.message, p.file, p.sheet, p.row, p.column, p.value)
                 for p in problems],
            )
            con.execute(
                "update submissions set state=?, error_count=?, warning_count=? where submission_id=?",
                (state, errors, len(problems) - errors, submission_id),
            )
            if state in ("accepted", "accepted_with_warnings"):
                sub = con.execute("select rocu_code, period from submissions where submission_id=?",
                                  (submission_id,)).fetchone()
                con.execute(
                    "update submissions set state='superseded', superseded_by=? where rocu_code=? and period=?"
                    " and submission_id<>? and state in ('accepted','accepted_with_warnings')",
                    (submission_id, sub["rocu_code"], sub["period"], submission_id),
                )
            con.execute("commit")
        return self.get(submission_id)

    def approve(self, submission_id: int, approved_by: str, approved_at: str) -> Submission:
        """Sign off an accepted version. Only accepted content can be approved; approving twice is a no-op."""
        sub = self.get(submission_id)
        if sub.state not in ("accepted", "accepted_with_warnings", "superseded"):
            raise ValueError(f"submission {submission_id} is {sub.state}: only an accepted return can be approved")
        with self.connect() as con:
            con.execute("insert or ignore into approvals (submission_id, approved_by, approved_at) values (?,?,?)",
                        (submission_id, approved_by, approved_at))
        return sub

    def approvals(self) -> list[dict]:
        with self.connect() as con:
            return [dict(r) for r in con.execute("select * from approvals order by submission_id").fetchall()]

    def submissions(self) -> list[Submission]:
        with self.connect() as con:
            rows = con.execute("select * from submissions order by rocu_code, period, version").fetchall()
        return [Submission(**r) for r in rows]

    def problems(self, submission_id: int | None = None) -> list[dict]:
        sql, args = "select * from problems", ()
        if submission_id is not None:
            sql, args = sql + " where submission_id=?", (submission_id,)
        with self.connect() as con:
            return [dict(r) for r in con.execute(sql, args).fetchall()]
