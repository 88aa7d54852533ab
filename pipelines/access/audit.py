"""The audit trail: who did what, when, in an append-only, hash-chained SQLite table.

Triggers refuse UPDATE and DELETE, so ordinary mistakes cannot change history; the hash
chain makes deliberate changes (someone drops the triggers and edits a row) detectable by
`verify()`. It lives in its own file so that no other database's migrations or clean-ups
can touch it. Writers serialise on BEGIN IMMEDIATE, so many processes may record at once.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from contextlib import closing
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pipelines.access.policy import iso, utc_now
from pipelines.settings import Paths

ACTIONS = frozenset({
    "sign_in_success", "sign_in_failure", "lockout", "upload", "upload_refused", "dry_run", "verdict", "approval",
    "approval_refused", "query_answer", "query_raise", "query_close", "resubmission", "mapping_change", "window_change", "export", "user_change", "report",
    "recommendation_update",
})
GENESIS_HASH = "0" * 64

_SCHEMA = """
create table if not exists audit (
    seq integer primary key,
    at text not null,
    actor text not null,
    action text not null,
    target text,
    detail text not null,
    prev_hash text not null,
    hash text not null
);
create trigger if not exists audit_no_update before update on audit
begin select raise(abort, 'The audit trail is append-only: records cannot be changed.'); end;
create trigger if not exists audit_no_delete before delete on audit
begin select raise(abort, 'The audit trail is append-only: records cannot be deleted.'); end;
"""


@dataclass(frozen=True)
class AuditRecord:
    """One line of the trail; `detail` is whatever JSON the writer gave."""

    seq: int
    at: str
    actor: str
    action: str
    target: str | None
    detail: Any
    prev_hash: str
    hash: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def canonical_json(value: Any) -> str:
    """One spelling of a JSON value, so the same record always hashes the same."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def record_hash(prev_hash: str, seq: int, at: str, actor: str, action: str, target: str | None,
                detail: Any) -> str:
    """sha256 over the previous hash and the canonical JSON of this record's content."""
    body = canonical_json({"seq": seq, "at": at, "actor": actor, "action": action,
                           "target": target, "detail": detail})
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


class AuditLog:
    """The trail in one SQLite file; every method opens and closes its own connection."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.path.touch(mode=0o600, exist_ok=True)  # readable by the service account only
        with closing(self._connect()) as db:
            db.execute("pragma journal_mode=wal")
            db.executescript(_SCHEMA)

    @classmethod
    def at(cls, paths: Paths | None = None) -> AuditLog:
        """The deployment's trail: var/access/audit.sqlite."""
        return cls((paths or Paths.from_env()).var / "access" / "audit.sqlite")

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        db.execute("pragma busy_timeout = 60000")
        return db

    def record(self, actor: str, action: str, target: str | None = None,
               detail: dict[str, Any] | None = None, *, now: datetime | None = None) -> AuditRecord:
        """Append one record, chained to the last; safe with concurrent writers."""
        if action not in ACTIONS:
            raise ValueError(f"Unknown audit action {action!r}; expected one of {sorted(ACTIONS)}")
        detail_value = json.loads(canonical_json(detail or {}))  # what a reader will get back
        at = iso(utc_now(now))
        with closing(self._connect()) as db:
            db.execute("begin immediate")
            try:
                last = db.execute("select seq, hash from audit order by seq desc limit 1").fetchone()
                seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
                digest = record_hash(prev, seq, at, actor, action, target, detail_value)
                db.execute("insert into audit values (?, ?, ?, ?, ?, ?, ?, ?)",
                           (seq, at, actor, action, target, canonical_json(detail_value), prev, digest))
                db.execute("commit")
            except BaseException:
                db.execute("rollback")
                raise
        return AuditRecord(seq, at, actor, action, target, detail_value, prev, digest)

    def records(self, since_seq: int = 0) -> list[AuditRecord]:
        """Records after `since_seq`, oldest first."""
        with closing(self._connect()) as db:
            rows = db.execute("select seq, at, actor, action, target, detail, prev_hash, hash "
                              "from audit where seq > ? order by seq", (since_seq,)).fetchall()
        return [AuditRecord(*row[:5], _loads(row[5]), *row[6:]) for row in rows]

    def tail(self, n: int = 20) -> list[AuditRecord]:
        """The last n records, oldest first."""
        with closing(self._connect()) as db:
            (top,) = db.execute("select coalesce(max(seq), 0) from audit").fetchone()
        return self.records(since_seq=max(0, top - n))

    def verify(self) -> int | None:
        """The first seq whose record does not match its hash or its place in the chain; None if intact.

        Catches an edited, inserted, renumbered or deleted record anywhere but at the very
        end: removing the newest records leaves a shorter valid chain, and recomputing every
        hash after an edit leaves a valid chain too. Anchors (pipelines/access/anchors.py),
        heads written down elsewhere, catch both.
        """
        with closing(self._connect()) as db:
            rows = db.execute("select seq, at, actor, action, target, detail, prev_hash, hash "
                              "from audit order by seq")
            expected_seq, prev = 1, GENESIS_HASH
            for seq, at, actor, action, target, detail, prev_hash, digest in rows:
                try:
                    content = json.loads(detail)
                except (TypeError, ValueError):
                    return seq
                if (seq != expected_seq or prev_hash != prev
                        or record_hash(prev, seq, at, actor, action, target, content) != digest):
                    return seq
                expected_seq, prev = seq + 1, digest
        return None

    def hash_of(self, seq: int) -> str | None:
        """The stored hash of record `seq` (the genesis hash for 0); None if there is no such record."""
        if seq == 0:
            return GENESIS_HASH
        with closing(self._connect()) as db:
            row = db.execute("select hash from audit where seq = ?", (seq,)).fetchone()
        return row[0] if row else None

    def head(self) -> tuple[int, str]:
        """(last seq, its hash): the value to write down to detect truncation later."""
        with closing(self._connect()) as db:
            row = db.execute("select seq, hash from audit order by seq desc limit 1").fetchone()
        return (row[0], row[1]) if row else (0, GENESIS_HASH)


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def record(actor: str, action: str, target: str | None = None, detail: dict[str, Any] | None = None,
           *, now: datetime | None = None) -> AuditRecord:
    """Append to the deployment's trail (var/access/audit.sqlite)."""
    return AuditLog.at().record(actor, action, target, detail, now=now)


def verify() -> int | None:
    """First broken seq of the deployment's trail, or None if it is intact."""
    return AuditLog.at().verify()
