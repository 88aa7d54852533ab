"""The submission registry: every file offered, every version, its state and problems.

Every offer is a new version with its own verdict, even when the bytes were sent before
(they are checked again under the rules of the day, and point at the one stored copy).
A unit sends two kinds of return (return_kind): the monthly performance return, for a month
(period YYYY-MM), and the quarterly resources return, for a financial-year quarter (period
YYYY-Qn). Versions are numbered, and superseded, within one kind, unit and period.
Every version ends in a final state: accepted, accepted_with_queries_or_information, superseded,
rejected, or failed (the check itself broke or was interrupted: not the sender's fault).

SQLite (standard library) rather than the warehouse: the registry must survive warehouse
rebuilds, take writes from several uploaders at once (SQLite serialises them with a busy
timeout) and never be locked by a dbt build.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Iterator

from pipelines.refresh_request import ask_for_refresh

# The order sign-offs were committed in, for a sensor's cursor: approved_at is taken before the
# insert commits (two sign-offs can commit in the other order, or in the same second), and an
# approval's rowid is its version's id. SQLite takes one writer at a time, so `seq` is commit order.
SIGN_OFF_ORDER = """
create table if not exists sign_offs_in_order (
    seq integer primary key autoincrement,
    submission_id integer not null unique references approvals(submission_id)
);
create trigger if not exists sign_offs_kept_in_order after insert on approvals
begin insert into sign_offs_in_order (submission_id) values (new.submission_id); end;
"""
SCHEMA = """
create table if not exists submissions (
    submission_id   integer primary key autoincrement,
    return_kind     text not null default 'monthly',  -- 'monthly' or 'resources' (RETURN_KINDS)
    rocu_code       text not null,
    period          text not null,              -- YYYY-MM the return is for (YYYY-Qn for a resources return)
    version         integer not null,           -- 1, 2, ... per unit and period
    file_sha256     text not null,
    stored_path     text not null,              -- relative to the landing zone
    original_name   text not null,
    size_bytes      integer not null,
    submitted_by    text not null,
    submitted_at    text not null,              -- ISO timestamp (UTC) the file was offered (as the sender dates it)
    received_at     text not null,              -- ISO timestamp (UTC) this service took it in (wall clock)
    state           text not null,              -- received, then one of FINAL_STATES
    error_count     integer not null default 0,
    warning_count   integer not null default 0,
    superseded_by   integer references submissions(submission_id),
    reason          text                        -- why it was sent late or replaces a signed-off version, if asked
);
create index if not exists submissions_by_month on submissions (rocu_code, period, version);
create index if not exists submissions_by_sha on submissions (file_sha256);
create table if not exists approvals (
    submission_id integer primary key references submissions(submission_id),
    approved_by text not null,                  -- the unit approver who signed the return off
    approved_at text not null
);
create index if not exists approvals_in_order on approvals (approved_at, submission_id);
create table if not exists problems (
    submission_id integer not null references submissions(submission_id),
    severity text not null, rule text not null, message text not null,
    file text not null, sheet text, row integer, "column" text, value text
);
create index if not exists problems_by_version on problems (submission_id);
create table if not exists query_answers (      -- append-only: a later answer to a query stands over an earlier one
    answer_id integer primary key autoincrement,
    submission_id integer not null references submissions(submission_id),
    query_key text not null,                    -- the query answered (pipelines/intake/queries.py, query_key)
    explanation text not null,
    source text not null,                       -- 'file' (a Comments or Notes cell beside the figure) or 'page'
    answered_by text not null,
    answered_at text not null                   -- ISO timestamp (UTC)
);
create index if not exists answers_by_version on query_answers (submission_id);
create trigger if not exists query_answers_no_update before update on query_answers
begin select raise(abort, 'Answers to queries are append-only: give a new answer instead.'); end;
create trigger if not exists query_answers_no_delete before delete on query_answers
begin select raise(abort, 'Answers to queries are append-only: they cannot be deleted.'); end;
""" + SIGN_OFF_ORDER

FINAL_STATES = ("rejected", "accepted", "accepted_with_queries_or_information", "superseded",
                "failed")
STATES = ("received", *FINAL_STATES)
ACCEPTED_STATES = ("accepted", "accepted_with_queries_or_information")
_ACCEPTED_SQL = "(" + ", ".join(f"'{s}'" for s in ACCEPTED_STATES) + ")"  # constants only, never user text
# The state's name before it said what it means (every former warning is now a query or information):
# a registry from an older release has it on its rows, renamed when the registry is opened (_migrate).
FORMER_STATE_NAMES = {"accepted_with_warnings": "accepted_with_queries_or_information"}
RETURN_KINDS = ("monthly", "resources")


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
    received_at: str
    state: str
    error_count: int
    warning_count: int
    superseded_by: int | None
    return_kind: str = "monthly"
    reason: str | None = None  # the reason given for a late submission or one replacing a signed-off version

    @property
    def refresh_slice(self) -> tuple[str, str]:
        """(unit, month) a refresh for this version reloads: its own unit-month for a monthly return;
        ("", ""), every return, for a resources return (its tables are reloaded whole)."""
        return (self.rocu_code, self.period) if self.return_kind == "monthly" else ("", "")


class Registry:
    """Thin access to the registry file; one short-lived connection per operation."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self.connect() as con:
            renamed = _migrate(con)
            con.executescript(SCHEMA)
        if renamed:  # the warehouse's copy of every version is reloaded (a refresh of one month would not)
            ask_for_refresh(path.parent.parent, f"registry states renamed ({', '.join(renamed)})")

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        con.row_factory = sqlite3.Row
        con.execute("pragma journal_mode=wal")
        try:
            yield con
        finally:
            con.close()

    def find(self, rocu_code: str, period: str, sha256: str, kind: str = "monthly") -> Submission | None:
        """The latest version of this unit-month that was these exact bytes, if any."""
        with self.connect() as con:
            row = con.execute(
                "select * from submissions where return_kind=? and rocu_code=? and period=? and file_sha256=?"
                " order by version desc limit 1", (kind, rocu_code, period, sha256),
            ).fetchone()
        return Submission(**row) if row else None

    def same_bytes_elsewhere(self, submission: Submission) -> list[Submission]:
        """Other unit-months that were sent exactly these bytes (a return is for one month only)."""
        return self.sent_elsewhere(submission.file_sha256, submission.rocu_code, submission.period)

    def sent_elsewhere(self, sha256: str, rocu_code: str, period: str) -> list[Submission]:
        """Versions of other unit-months with these bytes (also for a file checked but not submitted)."""
        with self.connect() as con:
            rows = con.execute(
                "select * from submissions where file_sha256=? and not (rocu_code=? and period=?)"
                " order by submission_id", (sha256, rocu_code, period),
            ).fetchall()
        return [Submission(**r) for r in rows]

    def get(self, submission_id: int) -> Submission:
        with self.connect() as con:
            row = con.execute("select * from submissions where submission_id=?", (submission_id,)).fetchone()
        if row is None:
            raise KeyError(f"no submission {submission_id}")
        return Submission(**row)

    def add(self, *, rocu_code: str, period: str, sha256: str, stored_path: str, original_name: str,
            size_bytes: int, submitted_by: str, submitted_at: str, received_at: str,
            kind: str = "monthly", reason: str | None = None) -> Submission:
        """Register one offer of a file as the next version of its unit-month (unit-quarter)."""
        assert kind in RETURN_KINDS, kind
        with self.connect() as con:
            con.execute("begin immediate")  # serialise version numbering between uploaders
            (version,) = con.execute(
                "select coalesce(max(version), 0) + 1 from submissions where return_kind=? and rocu_code=?"
                " and period=?", (kind, rocu_code, period),
            ).fetchone()
            cur = con.execute(
                "insert into submissions (return_kind, rocu_code, period, version, file_sha256, stored_path,"
                " original_name, size_bytes, submitted_by, submitted_at, received_at, reason, state)"
                " values (?,?,?,?,?,?,?,?,?,?,?,?, 'received')",
                (kind, rocu_code, period, version, sha256, stored_path, original_name, size_bytes, submitted_by,
                 submitted_at, received_at, reason),
            )
            con.execute("commit")
            return self.get(cur.lastrowid)

    def record_verdict(self, submission_id: int, problems: list, state: str) -> Submission:
        """Store the verdict. The accepted version with the highest number is the unit-month's
        current one, whatever order the checks finish in: an accepted version supersedes the
        lower accepted versions, and is itself superseded if a higher one was accepted first."""
        assert state in FINAL_STATES, state
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
            sub = con.execute("select return_kind, rocu_code, period, version from submissions"
                              " where submission_id=?", (submission_id,)).fetchone()
            superseded_by = None
            if state in ACCEPTED_STATES:
                newer = con.execute(
                    "select submission_id from submissions where return_kind=? and rocu_code=? and period=?"
                    f" and version>? and state in {_ACCEPTED_SQL} order by version desc limit 1",
                    (sub["return_kind"], sub["rocu_code"], sub["period"], sub["version"])).fetchone()
                if newer:
                    state, superseded_by = "superseded", newer[0]
                else:
                    con.execute(
                        "update submissions set state='superseded', superseded_by=? where return_kind=?"
                        f" and rocu_code=? and period=? and version<? and state in {_ACCEPTED_SQL}",
                        (submission_id, sub["return_kind"], sub["rocu_code"], sub["period"], sub["version"]),
                    )
            con.execute(
                "update submissions set state=?, error_count=?, warning_count=?, superseded_by=?"
                " where submission_id=?",
                (state, errors, len(problems) - errors, superseded_by, submission_id),
            )
            con.execute("commit")
        return self.get(submission_id)

    def abandoned(self, received_before: str) -> list[Submission]:
        """Versions still 'received' although they were taken in before `received_before`
        (ISO UTC): their check died with its process and will never give a verdict."""
        with self.connect() as con:
            rows = con.execute("select * from submissions where state='received' and received_at<?"
                               " order by submission_id", (received_before,)).fetchall()
        return [Submission(**r) for r in rows]

    def approve(self, submission_id: int, approved_by: str, approved_at: str) -> Submission:
        """Sign off an accepted version. Only accepted content can be approved; approving twice is a no-op."""
        sub = self.get(submission_id)
        if sub.state not in (*ACCEPTED_STATES, "superseded"):
            raise ValueError(f"submission {submission_id} is {sub.state}: only an accepted return can be approved")
        with self.connect() as con:
            con.execute("insert or ignore into approvals (submission_id, approved_by, approved_at) values (?,?,?)",
                        (submission_id, approved_by, approved_at))
        return sub

    def add_answer(self, submission_id: int, query_key: str, explanation: str, source: str, answered_by: str,
                   answered_at: str) -> None:
        """Keep one answer to a query of a version (never changed or removed: a new answer stands over it)."""
        with self.connect() as con:
            con.execute("insert into query_answers (submission_id, query_key, explanation, source, answered_by,"
                        " answered_at) values (?,?,?,?,?,?)",
                        (submission_id, query_key, explanation, source, answered_by, answered_at))

    def answers(self, submission_id: int | None = None, rocu_code: str | None = None,
                period: str | None = None) -> list[dict]:
        """Answers to queries, oldest first (of one version, of one unit-period's versions, or of all)."""
        return self._of_versions("query_answers", "answer_id", submission_id, rocu_code, period)

    def _of_versions(self, table: str, order: str, submission_id: int | None, rocu_code: str | None,
                     period: str | None) -> list[dict]:
        """Rows of a table kept by version: of one version, of one unit(-period)'s versions, or all."""
        where, args = _about(rocu_code, period)
        join = " join submissions s using (submission_id)" if args else ""
        if submission_id is not None:
            where, args, join = " where t.submission_id=?", (submission_id,), ""
        with self.connect() as con:
            return [dict(r) for r in con.execute(f"select t.* from {table} t{join}{where} order by t.{order}",
                                                 args).fetchall()]

    def approvals(self, rocu_code: str | None = None, period: str | None = None) -> list[dict]:
        """Sign-offs, by version (of one unit, or one unit-period, if asked: read through the index)."""
        return self._of_versions("approvals", "submission_id", None, rocu_code, period)

    def submissions(self, kind: str | None = "monthly", rocu_code: str | None = None,
                    period: str | None = None) -> list[Submission]:
        """Every version of one kind of return (monthly unless asked; None for every kind), of one unit
        or one unit-period if asked (read through the index, not the whole history)."""
        where, args = _about(rocu_code, period, kind)
        with self.connect() as con:
            rows = con.execute(f"select * from submissions s{where} order by rocu_code, period, version",
                               args).fetchall()
        return [Submission(**r) for r in rows]

    def since(self, submission_id: int) -> list[Submission]:
        """Versions of either kind registered after `submission_id` (a sensor's cursor), oldest first."""
        with self.connect() as con:
            rows = con.execute("select * from submissions where submission_id>? order by submission_id",
                               (submission_id,)).fetchall()
        return [Submission(**r) for r in rows]

    def last_id(self) -> int:
        with self.connect() as con:
            return con.execute("select coalesce(max(submission_id), 0) from submissions").fetchone()[0]

    def sign_offs_since(self, seq: int) -> list[tuple[int, int]]:
        """(seq, version signed off) of each sign-off committed after sign-off `seq` (a sensor's cursor),
        in the order they were committed."""
        return self._after("sign_offs_in_order", "seq", seq)

    def last_sign_off(self) -> int:
        return self._last("sign_offs_in_order", "seq")

    def answers_since(self, answer_id: int) -> list[tuple[int, int]]:
        """(answer_id, version answered) of each answer to a query given after answer `answer_id` (a
        sensor's cursor), oldest first."""
        return self._after("query_answers", "answer_id", answer_id)

    def last_answer(self) -> int:
        return self._last("query_answers", "answer_id")

    def _after(self, table: str, key: str, seen: int) -> list[tuple[int, int]]:
        """(key, submission_id) of an append-only table's rows after `seen`, in key order (names are constants)."""
        with self.connect() as con:
            return [tuple(r) for r in con.execute(f"select {key}, submission_id from {table} where {key}>?"
                                                  f" order by {key}", (seen,)).fetchall()]

    def _last(self, table: str, key: str) -> int:
        with self.connect() as con:
            return con.execute(f"select coalesce(max({key}), 0) from {table}").fetchone()[0]

    def problems(self, submission_id: int | None = None, rocu_code: str | None = None,
                 period: str | None = None) -> list[dict]:
        """Problems in the order they were recorded (the order of the verdict's report), of one version,
        of one unit(-period)'s versions, or all."""
        return self._of_versions("problems", "rowid", submission_id, rocu_code, period)


def _about(rocu_code: str | None, period: str | None, kind: str | None = None) -> tuple[str, tuple]:
    """(where clause, arguments) picking submissions `s` of a unit, a period and a kind; any left None is any."""
    asked = {"rocu_code": rocu_code, "period": period, "return_kind": kind}
    terms = [(f"s.{column}=?", value) for column, value in asked.items() if value is not None]
    return (" where " + " and ".join(t for t, _ in terms) if terms else ""), tuple(v for _, v in terms)


def _migrate(con: sqlite3.Connection) -> list[str]:
    """Bring a registry made by an earlier release up to SCHEMA, keeping every row; the former
    state names it renamed.

    Earlier registries refused a second version with the same bytes (a unique key) and had
    no received_at; SQLite cannot drop a constraint, so the table is rebuilt in place. States
    by a former name (FORMER_STATE_NAMES) are renamed; reason is added, empty for old rows.
    """
    renamed = []
    columns = [r[1] for r in con.execute("pragma table_info(submissions)").fetchall()]
    if columns and "return_kind" not in columns:  # before resources returns: every version was monthly
        try:
            con.execute("alter table submissions add column return_kind text not null default 'monthly'")
        except sqlite3.OperationalError:  # another process added it while this one looked
            pass
    if columns and "reason" not in columns:  # before reasons were kept with the version (audit trail only)
        try:
            con.execute("alter table submissions add column reason text")
        except sqlite3.OperationalError:
            pass
    _keep_sign_off_order(con)
    for former, now in FORMER_STATE_NAMES.items():  # look first: opening a current registry writes nothing
        if columns and con.execute("select 1 from submissions where state=? limit 1", (former,)).fetchone():
            if con.execute("update submissions set state=? where state=?", (now, former)).rowcount:
                renamed.append(former)  # this process renamed them (not one opening it at the same time)
    if not columns or "received_at" in columns:
        return renamed
    table = SCHEMA.split(";")[0].replace("create table if not exists submissions", "create table submissions_new")
    names = ", ".join(columns)
    con.execute("begin immediate")
    if "received_at" in [r[1] for r in con.execute("pragma table_info(submissions)").fetchall()]:
        con.execute("commit")  # another process migrated it while this one waited
        return renamed
    con.execute(table)
    con.execute(f"insert into submissions_new ({names}, received_at) select {names}, submitted_at from submissions")
    con.execute("drop table submissions")  # SQLite's own recipe: new table, copy, drop, rename
    con.execute("alter table submissions_new rename to submissions")
    con.execute("commit")
    return renamed


def _keep_sign_off_order(con: sqlite3.Connection) -> None:
    """Give a registry from before sign_offs_in_order the table, its trigger and the sign-offs it holds
    (in the order a sensor read them then: approved_at, then version, so that a sensor's earlier
    cursor, a count of them, is the same as a seq), in one transaction, so no sign-off slips between."""
    def exists(name: str) -> bool:
        return con.execute("select 1 from sqlite_master where name=?", (name,)).fetchone() is not None

    if not exists("approvals") or exists("sign_offs_in_order"):
        return
    con.execute("begin immediate")
    if not exists("sign_offs_in_order"):  # another process may have made it while this one waited
        for statement in filter(str.strip, SIGN_OFF_ORDER.split(";\n")):
            con.execute(statement)
        con.execute("insert into sign_offs_in_order (submission_id) select submission_id from approvals"
                    " order by approved_at, submission_id")
    con.execute("commit")
