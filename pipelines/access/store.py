"""The local account store: users, roles, units and lockout state in one SQLite file.

The embedded default for a small deployment (an organisation's identity provider can take
over sign-in, see docs/security.md). Every change to an account is written to the audit
trail by the store itself, so no caller can forget to.
"""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pipelines.access.audit import AuditLog
from pipelines.access.passwords import hash_password
from pipelines.access.permissions import ROLES
from pipelines.access.policy import DEFAULT_POLICY, Policy, iso, parse_iso, password_problem, utc_now
from pipelines.settings import Paths

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")

_SCHEMA = """
create table if not exists users (
    username text primary key,
    password_hash text not null,
    role text not null,
    rocu_code text,
    disabled integer not null default 0,
    failed_attempts integer not null default 0,
    locked_until text,
    created_at text not null,
    updated_at text not null
);
"""
_COLUMNS = "username, role, rocu_code, disabled, failed_attempts, locked_until, created_at, updated_at"


class AccessError(ValueError):
    """An account change that cannot be made; str() says why in plain words."""


@dataclass(frozen=True)
class User:
    """An account as stored, without its password hash."""

    username: str
    role: str
    rocu_code: str | None
    disabled: bool
    failed_attempts: int
    locked_until: datetime | None
    created_at: datetime
    updated_at: datetime

    def is_locked(self, now: datetime | None = None) -> bool:
        return self.locked_until is not None and utc_now(now) < self.locked_until


def normalise_username(username: str) -> str:
    return username.strip().lower()


def check_assignment(role: str, rocu_code: str | None) -> str | None:
    """The unit code to store for `role`, or AccessError if the pair makes no sense."""
    from pipelines.reference import rocus

    if role not in ROLES:
        raise AccessError(f"Unknown role {role!r}. Roles: {', '.join(ROLES)}.")
    code = rocu_code.strip().upper() if rocu_code and rocu_code.strip() else None
    rule = ROLES[role][1]
    if rule == "required" and code is None:
        raise AccessError(f"A {role} account belongs to one unit: give its code with --unit (e.g. EMSOU).")
    if rule == "none" and code is not None:
        raise AccessError(f"A {role} account works across the network and must not have a unit.")
    if code is not None and code not in set(rocus()["rocu_code"].to_list()):
        raise AccessError(f"Unknown unit {code!r}. Units: {', '.join(rocus()['rocu_code'].to_list())}.")
    return code


class UserStore:
    """Accounts in SQLite; changes are audited to `audit` under the acting admin's name."""

    def __init__(self, path: Path, audit: AuditLog, policy: Policy = DEFAULT_POLICY) -> None:
        self.path, self.audit, self.policy = Path(path), audit, policy
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.path.touch(mode=0o600, exist_ok=True)  # password hashes: the service account only
        with closing(self._connect()) as db:
            db.execute("pragma journal_mode=wal")
            db.executescript(_SCHEMA)

    @classmethod
    def at(cls, paths: Paths | None = None, policy: Policy = DEFAULT_POLICY) -> UserStore:
        """The deployment's store, var/access/access.sqlite, auditing to var/access/audit.sqlite."""
        paths = paths or Paths.from_env()
        return cls(paths.var / "access" / "access.sqlite", AuditLog.at(paths), policy)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        db.execute("pragma busy_timeout = 60000")
        return db

    def get(self, username: str) -> User | None:
        with closing(self._connect()) as db:
            row = db.execute(f"select {_COLUMNS} from users where username = ?",
                             (normalise_username(username),)).fetchone()
        return _user(row) if row else None

    def users(self) -> list[User]:
        with closing(self._connect()) as db:
            return [_user(r) for r in db.execute(f"select {_COLUMNS} from users order by username")]

    def password_hash(self, username: str) -> str | None:
        with closing(self._connect()) as db:
            row = db.execute("select password_hash from users where username = ?",
                             (normalise_username(username),)).fetchone()
        return row[0] if row else None

    def add(self, username: str, password: str, role: str, rocu_code: str | None = None, *,
            actor: str, now: datetime | None = None) -> User:
        """Create an account; refuses a taken or malformed name, a weak password, a bad role/unit."""
        name = normalise_username(username)
        if not USERNAME_PATTERN.match(name):
            raise AccessError("A username is 2 to 64 letters, digits or . _ @ -, starting with a letter or digit.")
        code = check_assignment(role, rocu_code)
        if problem := password_problem(password, name, self.policy):
            raise AccessError(problem)
        stamp = iso(utc_now(now))
        with closing(self._connect()) as db:
            try:
                db.execute("insert into users (username, password_hash, role, rocu_code, created_at, updated_at)"
                           " values (?, ?, ?, ?, ?, ?)", (name, hash_password(password), role, code, stamp, stamp))
            except sqlite3.IntegrityError:
                raise AccessError(f"There is already an account called {name}.") from None
        self.audit.record(actor, "user_change", name, {"change": "add", "role": role, "rocu_code": code}, now=now)
        return self._require(name)

    def set_disabled(self, username: str, disabled: bool, *, actor: str, now: datetime | None = None) -> User:
        """Disable (or re-enable) an account; a disabled user's open sessions end at their next check."""
        return self._change(username, "disable" if disabled else "enable", "disabled = ?", (int(disabled),),
                            actor=actor, now=now)

    def unlock(self, username: str, *, actor: str, now: datetime | None = None) -> User:
        return self._change(username, "unlock", "failed_attempts = 0, locked_until = null", (),
                            actor=actor, now=now)

    def set_password(self, username: str, password: str, *, actor: str, now: datetime | None = None) -> User:
        if problem := password_problem(password, normalise_username(username), self.policy):
            raise AccessError(problem)
        return self._change(username, "password", "password_hash = ?, failed_attempts = 0, locked_until = null",
                            (hash_password(password),), actor=actor, now=now)

    def set_role(self, username: str, role: str, rocu_code: str | None = None, *, actor: str,
                 now: datetime | None = None) -> User:
        code = check_assignment(role, rocu_code)
        return self._change(username, "role", "role = ?, rocu_code = ?", (role, code), actor=actor, now=now,
                            detail={"role": role, "rocu_code": code})

    def note_failure(self, username: str, now: datetime) -> tuple[User, bool]:
        """Count a failed sign-in; returns the user and whether this failure locked the account."""
        name, stamp = normalise_username(username), iso(now)
        until = iso(utc_now(now) + self.policy.lockout_duration)
        with closing(self._connect()) as db:
            db.execute("begin immediate")
            db.execute("update users set failed_attempts = failed_attempts + 1, updated_at = ? "
                       "where username = ?", (stamp, name))
            locked = db.execute("update users set failed_attempts = 0, locked_until = ? "
                                "where username = ? and failed_attempts >= ?",
                                (until, name, self.policy.max_failed_attempts)).rowcount > 0
            db.execute("commit")
        return self._require(name), locked

    def note_success(self, username: str, now: datetime, new_hash: str | None = None) -> None:
        """Reset the failure count (and store a stronger hash when settings have moved on)."""
        with closing(self._connect()) as db:
            db.execute("update users set failed_attempts = 0, locked_until = null, updated_at = ?, "
                       "password_hash = coalesce(?, password_hash) where username = ?",
                       (iso(now), new_hash, normalise_username(username)))

    def _change(self, username: str, change: str, assignments: str, values: tuple, *, actor: str,
                now: datetime | None, detail: dict | None = None) -> User:
        name = normalise_username(username)
        with closing(self._connect()) as db:
            changed = db.execute(f"update users set {assignments}, updated_at = ? where username = ?",
                                 (*values, iso(utc_now(now)), name)).rowcount
        if changed == 0:
            raise AccessError(f"There is no account called {name}.")
        self.audit.record(actor, "user_change", name, {"change": change, **(detail or {})}, now=now)
        return self._require(name)

    def _require(self, name: str) -> User:
        user = self.get(name)
        if user is None:
            raise AccessError(f"There is no account called {name}.")
        return user


def _user(row: tuple) -> User:
    name, role, code, disabled, failed, locked, created, updated = row
    return User(name, role, code, bool(disabled), failed, parse_iso(locked), parse_iso(created), parse_iso(updated))
