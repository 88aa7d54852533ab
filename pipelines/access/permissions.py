"""Who may do what: roles and permissions are data (seeds/access/permissions.csv), checked here.

Pages and the intake ask one question, `can(who, permission, unit)`, or demand an answer
with `require(...)`. A grant's scope is `all` (any unit, and the network) or `own_unit`
(only the unit the account belongs to), so a unit user can never act for another unit.
The names below are the vocabulary; which role holds which permission is only in the CSV.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path
from typing import Literal, Protocol

from pipelines.settings import SEEDS_DIR

PERMISSIONS_CSV = SEEDS_DIR / "access" / "permissions.csv"
Scope = Literal["own_unit", "all"]

# role -> (words for people, whether an account of this role belongs to a unit)
ROLES: dict[str, tuple[str, Literal["required", "optional", "none"]]] = {
    "unit_submitter": ("a unit submitter", "required"),
    "unit_approver": ("a unit approver", "required"),
    "nocc_analyst": ("a NOCC analyst", "none"),
    "board_member": ("a board member", "optional"),  # without a unit: the network's board
    "admin": ("an administrator", "none"),
}

# permission -> what it lets a person do, finishing "does not allow you to ..."
PERMISSIONS: dict[str, str] = {
    "view_national": "see national figures",
    "view_regional": "see the regional comparison",
    "view_drill": "drill through to the records behind a figure",
    "view_alignment": "see whether effort follows the threat",
    "view_submissions": "see submissions",
    "view_reconciliation": "see where the figures disagree",
    "raise_query": "raise or close queries on published figures",
    "answer_query": "see and answer queries on the unit's figures",
    "download_files": "download submitted files",
    "submit_return": "submit returns",
    "approve_return": "sign off returns",
    "view_reports": "see board reports",
    "view_network_reports": "see the network board report",
    "export_data": "export data",
    "view_narratives": "read disruption narratives",
    "view_audit": "see the audit trail",
    "export_audit": "export the audit trail",
    "manage_users": "manage user accounts",
    "manage_mappings": "change label mappings",
    "manage_windows": "change submission windows",
    "view_governance": "see units' governance and the inspection tracker",
    "update_recommendations": "update the inspection tracker",
}


class Subject(Protocol):
    """Anything with a role and a unit: a Session or a User."""

    role: str
    rocu_code: str | None


class PermissionDenied(Exception):
    """Raised by `require`; str() is a sentence fit to show the person refused."""


@cache
def grants(path: Path = PERMISSIONS_CSV) -> dict[tuple[str, str], Scope]:
    """(role, permission) -> scope, read once from the CSV and checked against the vocabulary."""
    table: dict[tuple[str, str], Scope] = {}
    with open(path, newline="", encoding="utf-8") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            role, permission, scope = row["role"].strip(), row["permission"].strip(), row["scope"].strip()
            if role not in ROLES or permission not in PERMISSIONS or scope not in ("own_unit", "all"):
                raise ValueError(f"{path}, line {line}: unknown role, permission or scope: {row}")
            if scope == "own_unit" and ROLES[role][1] == "none":
                raise ValueError(f"{path}, line {line}: {role} has no unit, so cannot hold an own_unit grant")
            if (role, permission) in table:
                raise ValueError(f"{path}, line {line}: {role} {permission} is granted twice")
            table[(role, permission)] = scope  # type: ignore[assignment]
    return table


def _check_permission(permission: str) -> None:
    if permission not in PERMISSIONS:  # a typo in code must fail loudly, not silently refuse
        raise ValueError(f"Unknown permission {permission!r}; expected one of {sorted(PERMISSIONS)}")


def can(subject: Subject, permission: str, unit: str | None = None) -> bool:
    """True if `subject` may use `permission`, for `unit` when given (own unit when not)."""
    _check_permission(permission)
    scope = grants().get((subject.role, permission))
    if scope == "all":
        return True
    if scope != "own_unit" or not subject.rocu_code:
        return False
    return unit is None or unit.strip().upper() == subject.rocu_code.upper()


def allowed_units(subject: Subject, permission: str) -> Literal["all"] | frozenset[str]:
    """Which units' data a page may show under `permission`: "all", one unit, or none."""
    _check_permission(permission)
    scope = grants().get((subject.role, permission))
    if scope == "all":
        return "all"
    if scope == "own_unit" and subject.rocu_code:
        return frozenset({subject.rocu_code})
    return frozenset()


def describe(subject: Subject) -> str:
    """"a unit submitter for EMSOU", the way a refusal names the person's role."""
    label = ROLES[subject.role][0] if subject.role in ROLES else f"role {subject.role}"
    return label + (f" for {subject.rocu_code}" if subject.rocu_code else "")


def require(subject: Subject, permission: str, unit: str | None = None) -> None:
    """Raise PermissionDenied, with a plain message, unless `can(...)`."""
    if can(subject, permission, unit):
        return
    what = PERMISSIONS[permission] + (f" for {unit}" if unit else "")
    raise PermissionDenied(f"You are signed in as {describe(subject)}, which does not allow you to {what}. "
                           "Ask an administrator if you need this.")
