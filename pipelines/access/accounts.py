"""Account administration with the permission checked: the one path the Admin page and `rocu user` share.

The store (pipelines/access/store.py) holds the rules of an account (a valid name, a strong
password, a role with the unit it needs) and audits every change itself; this module adds the
rule of who may make the change: a person holding manage_users. The page passes the signed-in
Session; the command line passes `ShellOperator`, since whoever runs `rocu user` at the server's
shell can already read var/access/ and is the first admin (docs/security.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from pipelines.access.permissions import require
from pipelines.access.store import AccessError, User, UserStore


class Acting(Protocol):
    username: str
    role: str
    rocu_code: str | None


@dataclass(frozen=True)
class ShellOperator:
    """The operator at the server's shell, named by `--by`: an administrator by position."""

    username: str
    role: str = "admin"
    rocu_code: str | None = None


def add_account(store: UserStore, by: Acting, name: str, password: str, role: str, unit: str | None = None) -> User:
    require(by, "manage_users")
    return store.add(name, password, role, unit, actor=by.username)


def change_role(store: UserStore, by: Acting, name: str, role: str, unit: str | None = None) -> User:
    """A new role and unit; nobody may change their own role (an admin could lock every admin out)."""
    require(by, "manage_users")
    if _self(by, name) and role != by.role:
        raise AccessError("You cannot change your own role; ask another administrator.")
    return store.set_role(name, role, unit, actor=by.username)


def set_disabled(store: UserStore, by: Acting, name: str, disabled: bool) -> User:
    """Disable (or enable) an account; nobody may disable their own, which could lock every admin out."""
    require(by, "manage_users")
    if disabled and _self(by, name):
        raise AccessError("You cannot disable your own account; ask another administrator.")
    return store.set_disabled(name, disabled, actor=by.username)


def unlock(store: UserStore, by: Acting, name: str) -> User:
    require(by, "manage_users")
    return store.unlock(name, actor=by.username)


def set_password(store: UserStore, by: Acting, name: str, password: str) -> User:
    require(by, "manage_users")
    return store.set_password(name, password, actor=by.username)


def _self(by: Acting, name: str) -> bool:
    return name.strip().lower() == by.username.strip().lower()
