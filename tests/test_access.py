"""Accounts, sign-in, sessions and permissions, on a real SQLite store with real argon2 hashes.

Time is passed in explicitly, so lockout windows and session limits are tested by moving
the clock rather than by waiting.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipelines.access import (PERMISSIONS, ROLES, AccessError, AuditLog, PermissionDenied, Session, SessionEnded,
                              SignInFailure, UserStore, allowed_units, authenticate, can, check_session, refresh,
                              require, session_from_claims, start_session)
from pipelines.access.permissions import grants
from pipelines.settings import Paths

ROOT = Path(__file__).resolve().parents[1]
T0 = datetime(2025, 3, 12, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"
OWN, OTHER = "EMSOU", "NWROCU"

# The intended matrix, written out independently of seeds/access/permissions.csv so that an
# accidental change to the CSV fails here. "own" = own unit only, "all" = any unit, absent = never.
EXPECTED: dict[str, dict[str, str]] = {
    "unit_submitter": {"view_national": "all", "view_regional": "own", "view_alignment": "own",
                       "view_submissions": "own", "download_files": "own", "submit_return": "own", "view_reports": "own",
                       "export_data": "own", "view_reconciliation": "own", "answer_query": "own"},
    "unit_approver": {"view_national": "all", "view_regional": "own", "view_alignment": "own",
                      "view_submissions": "own", "download_files": "own", "submit_return": "own", "approve_return": "own",
                      "view_reports": "own", "export_data": "own", "view_reconciliation": "own",
                      "answer_query": "own"},
    "nocc_analyst": {p: "all" for p in ("view_national", "view_regional", "view_drill", "view_alignment",
                                        "view_submissions", "download_files", "view_reports", "view_network_reports",
                                        "export_data", "view_narratives", "view_audit", "export_audit",
                                        "view_reconciliation", "raise_query", "view_governance",
                                        "update_recommendations")},
    "board_member": {"view_national": "all", "view_alignment": "all", "view_reports": "own",
                     "view_network_reports": "all", "view_governance": "all", "update_recommendations": "own",
                     "view_regional": "own", "view_submissions": "own"},
    "admin": {p: "all" for p in ("manage_users", "manage_mappings", "manage_windows", "view_audit",
                                 "export_audit", "view_governance", "update_recommendations")},
}


@pytest.fixture
def store(tmp_path: Path) -> UserStore:
    return UserStore(tmp_path / "access.sqlite", AuditLog(tmp_path / "audit.sqlite"))


@pytest.fixture
def alice(store: UserStore) -> str:
    store.add("alice", PASSWORD, "unit_submitter", OWN, actor="admin", now=T0)
    return "alice"


def actions(store: UserStore) -> list[str]:
    return [r.action for r in store.audit.records()]


# --- sign-in and lockout ---------------------------------------------------------------

def test_sign_in_gives_a_session_with_role_and_unit_and_is_audited(store: UserStore, alice: str) -> None:
    session = authenticate("  Alice ", PASSWORD, store=store, now=T0)
    assert isinstance(session, Session)
    assert (session.username, session.role, session.rocu_code) == ("alice", "unit_submitter", OWN)
    assert session.issued_at == T0 and session.expires_at == T0 + timedelta(minutes=30)
    assert actions(store)[-1] == "sign_in_success"


def test_password_hash_is_argon2_never_the_password(store: UserStore, alice: str) -> None:
    stored = store.password_hash(alice)
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert PASSWORD.encode() not in (store.path.read_bytes() + store.audit.path.read_bytes())


def test_the_product_hashes_with_rfc_9106_low_memory_and_refuses_an_unknown_profile() -> None:
    """The suite hashes with argon2's cheapest parameters (tests/conftest.py); a deployment, which sets
    nothing, gets RFC 9106's low-memory set, and a hash made under the cheap set is made again at the
    next sign-in there."""
    from argon2 import profiles

    from pipelines.access.passwords import hasher_for

    product = hasher_for(None)
    assert (product.time_cost, product.memory_cost, product.parallelism) == (
        profiles.RFC_9106_LOW_MEMORY.time_cost, profiles.RFC_9106_LOW_MEMORY.memory_cost, 4)
    assert product.check_needs_rehash(hasher_for("CHEAPEST").hash(PASSWORD))
    with pytest.raises(ValueError, match="ROCU_PASSWORD_HASHING='fast' is not a password hashing profile"):
        hasher_for("fast")


def test_unknown_user_and_wrong_password_get_the_same_answer(store: UserStore, alice: str) -> None:
    unknown = authenticate("mallory", PASSWORD, store=store, now=T0)
    wrong = authenticate("alice", "not the password at all", store=store, now=T0)
    assert isinstance(unknown, SignInFailure) and isinstance(wrong, SignInFailure)
    assert unknown.message == wrong.message and unknown.reason == wrong.reason == "not_recognised"
    assert actions(store)[-2:] == ["sign_in_failure", "sign_in_failure"]


def test_five_failures_lock_the_account_until_the_window_passes(store: UserStore, alice: str) -> None:
    for attempt in range(4):
        result = authenticate(alice, f"wrong password {attempt}", store=store, now=T0)
        assert isinstance(result, SignInFailure) and result.reason == "not_recognised"
    locked = authenticate(alice, "wrong password 5", store=store, now=T0 + timedelta(seconds=30))
    assert isinstance(locked, SignInFailure) and locked.reason == "locked"
    assert "locked after 5 failed sign-ins" in locked.message
    assert actions(store)[-2:] == ["sign_in_failure", "lockout"]
    lock_ends = T0 + timedelta(seconds=30) + timedelta(minutes=15)
    assert store.get(alice).locked_until == lock_ends

    still = authenticate(alice, PASSWORD, store=store, now=lock_ends - timedelta(seconds=1))
    assert isinstance(still, SignInFailure) and still.reason == "locked"  # even the right password
    assert isinstance(authenticate(alice, PASSWORD, store=store, now=lock_ends), Session)
    assert store.get(alice).failed_attempts == 0 and store.get(alice).locked_until is None


def test_success_resets_the_failure_count(store: UserStore, alice: str) -> None:
    for _ in range(4):
        authenticate(alice, "wrong password!!", store=store, now=T0)
    assert store.get(alice).failed_attempts == 4
    assert isinstance(authenticate(alice, PASSWORD, store=store, now=T0), Session)
    assert store.get(alice).failed_attempts == 0
    for _ in range(4):
        authenticate(alice, "wrong password!!", store=store, now=T0)
    assert not store.get(alice).is_locked(T0)


def test_admin_unlock_clears_a_lockout_at_once(store: UserStore, alice: str) -> None:
    for _ in range(5):
        authenticate(alice, "wrong password!!", store=store, now=T0)
    store.unlock(alice, actor="admin", now=T0)
    assert isinstance(authenticate(alice, PASSWORD, store=store, now=T0), Session)


def test_password_policy_needs_twelve_characters(store: UserStore) -> None:
    with pytest.raises(AccessError, match="at least 12"):
        store.add("bob", "elevenchars", "nocc_analyst", actor="admin")
    assert store.add("bob", "twelve chars", "nocc_analyst", actor="admin").role == "nocc_analyst"


@pytest.mark.parametrize(("role", "unit", "problem"), [
    ("unit_submitter", None, "belongs to one unit"), ("nocc_analyst", OWN, "must not have a unit"),
    ("unit_approver", "NOSUCH", "Unknown unit"), ("superuser", None, "Unknown role"),
])
def test_role_and_unit_must_fit(store: UserStore, role: str, unit: str | None, problem: str) -> None:
    with pytest.raises(AccessError, match=problem):
        store.add("carol", PASSWORD, role, unit, actor="admin")


def test_duplicate_account_refused(store: UserStore, alice: str) -> None:
    with pytest.raises(AccessError, match="already an account"):
        store.add("ALICE", PASSWORD, "admin", actor="admin")


# --- sessions ----------------------------------------------------------------------------

def test_idle_timeout_and_refresh(store: UserStore, alice: str) -> None:
    session = authenticate(alice, PASSWORD, store=store, now=T0)
    assert check_session(session, store=store, now=T0 + timedelta(minutes=29)) == session
    ended = check_session(session, store=store, now=T0 + timedelta(minutes=30))
    assert isinstance(ended, SessionEnded) and ended.reason == "idle" and "30 minutes" in ended.message
    active = refresh(session, T0 + timedelta(minutes=20))
    assert check_session(active, store=store, now=T0 + timedelta(minutes=45)) == active
    assert refresh(session, T0 + timedelta(minutes=31)) == session  # an expired session cannot be revived


def test_absolute_timeout_however_active(store: UserStore, alice: str) -> None:
    session = authenticate(alice, PASSWORD, store=store, now=T0)
    now = T0
    while now < T0 + timedelta(hours=8) - timedelta(minutes=10):
        now += timedelta(minutes=10)
        session = refresh(session, now)
        assert isinstance(check_session(session, store=store, now=now), Session)
    assert session.expires_at == T0 + timedelta(hours=8)
    ended = check_session(session, store=store, now=T0 + timedelta(hours=8))
    assert isinstance(ended, SessionEnded) and ended.reason == "absolute"


def test_disabled_user_loses_access_at_once(store: UserStore, alice: str) -> None:
    session = authenticate(alice, PASSWORD, store=store, now=T0)
    store.set_disabled(alice, True, actor="admin", now=T0 + timedelta(minutes=1))
    ended = check_session(session, store=store, now=T0 + timedelta(minutes=1))
    assert isinstance(ended, SessionEnded) and ended.reason == "disabled"
    again = authenticate(alice, PASSWORD, store=store, now=T0 + timedelta(minutes=2))
    assert isinstance(again, SignInFailure) and again.reason == "disabled"
    store.set_disabled(alice, False, actor="admin")
    assert isinstance(authenticate(alice, PASSWORD, store=store, now=T0 + timedelta(minutes=3)), Session)


def test_changed_role_ends_the_session(store: UserStore, alice: str) -> None:
    session = authenticate(alice, PASSWORD, store=store, now=T0)
    store.set_role(alice, "unit_submitter", OTHER, actor="admin")
    ended = check_session(session, store=store, now=T0)
    assert isinstance(ended, SessionEnded) and ended.reason == "changed"


def test_user_changes_are_audited_without_secrets(store: UserStore, alice: str) -> None:
    store.set_password(alice, "a brand new passphrase", actor="root")
    changes = [r for r in store.audit.records() if r.action == "user_change"]
    assert [r.detail["change"] for r in changes] == ["add", "password"]
    assert changes[0].actor == "admin" and changes[1].actor == "root" and changes[1].target == alice
    assert "passphrase" not in str([r.detail for r in changes])


# --- permissions ---------------------------------------------------------------------------

def test_permissions_csv_is_exactly_the_intended_matrix() -> None:
    table = {(role, p): ("own" if scope == "own_unit" else "all") for (role, p), scope in grants().items()}
    assert table == {(role, p): scope for role, perms in EXPECTED.items() for p, scope in perms.items()}


@pytest.mark.parametrize("permission", sorted(PERMISSIONS))
@pytest.mark.parametrize("role", sorted(ROLES))
def test_role_permission_matrix(role: str, permission: str) -> None:
    unit = OWN if ROLES[role][1] != "none" else None
    who = start_session("someone", role, unit, now=T0)
    scope = EXPECTED[role].get(permission)
    assert can(who, permission) is (scope is not None)
    assert can(who, permission, OWN) is (scope is not None)
    assert can(who, permission, OTHER) is (scope == "all")
    if scope != "all":
        with pytest.raises(PermissionDenied, match=f"does not allow you to {PERMISSIONS[permission]} for {OTHER}"):
            require(who, permission, OTHER)
    else:
        require(who, permission, OTHER)


def test_network_board_member_sees_network_reports_not_unit_reports() -> None:
    board = start_session("chair", "board_member", None, now=T0)
    assert can(board, "view_network_reports") and can(board, "view_national")
    assert not can(board, "view_reports", OWN) and allowed_units(board, "view_reports") == frozenset()


def test_allowed_units_for_filtering_pages() -> None:
    submitter = start_session("s", "unit_submitter", OWN, now=T0)
    assert allowed_units(submitter, "view_submissions") == frozenset({OWN})
    assert allowed_units(start_session("n", "nocc_analyst", None, now=T0), "view_submissions") == "all"
    assert allowed_units(submitter, "view_narratives") == frozenset()


def test_refusal_is_a_plain_sentence_and_typos_fail_loudly() -> None:
    submitter = start_session("s", "unit_submitter", OWN, now=T0)
    with pytest.raises(PermissionDenied) as refused:
        require(submitter, "view_narratives")
    assert str(refused.value).startswith("You are signed in as a unit submitter for EMSOU, which does not allow "
                                         "you to read disruption narratives.")
    with pytest.raises(ValueError, match="Unknown permission"):
        can(submitter, "submit_retrun")


def test_can_accepts_a_stored_user(store: UserStore, alice: str) -> None:
    assert can(store.get(alice), "submit_return", OWN) and not can(store.get(alice), "submit_return", OTHER)


# --- identity provider ----------------------------------------------------------------------

GROUP_ROLES = {"rocu-nocc": "nocc_analyst", "rocu-emsou-submit": "unit_submitter:EMSOU",
               "rocu-emsou-approve": "unit_approver:EMSOU"}


def test_claims_map_to_one_role(store: UserStore) -> None:
    claims = {"email": "Pat@Example.org", "groups": ["staff", "rocu-emsou-submit"], "is_logged_in": True}
    session = session_from_claims(claims, GROUP_ROLES, store=store, now=T0)
    assert isinstance(session, Session) and session.source == "oidc"
    assert (session.username, session.role, session.rocu_code) == ("pat@example.org", "unit_submitter", OWN)
    assert isinstance(check_session(session, store=store, now=T0), Session)  # no local account needed
    assert store.audit.records()[-1].detail["via"] == "oidc"


@pytest.mark.parametrize("groups", [["staff"], ["rocu-nocc", "rocu-emsou-submit"], None])
def test_claims_with_no_role_or_conflicting_roles_are_refused(store: UserStore, groups: list | None) -> None:
    result = session_from_claims({"email": "pat@example.org", "groups": groups}, GROUP_ROLES, store=store, now=T0)
    assert isinstance(result, SignInFailure) and result.reason == "no_role"


def test_disabled_local_account_blocks_the_identity_provider_too(store: UserStore) -> None:
    store.add("pat@example.org", PASSWORD, "nocc_analyst", actor="admin")
    claims = {"email": "pat@example.org", "roles": "rocu-nocc"}
    session = session_from_claims(claims, GROUP_ROLES, role_claim="roles", store=store, now=T0)
    store.set_disabled("pat@example.org", True, actor="admin")
    assert isinstance(check_session(session, store=store, now=T0), SessionEnded)
    assert session_from_claims(claims, GROUP_ROLES, role_claim="roles", store=store, now=T0).reason == "disabled"


def test_misconfigured_group_map_is_an_operator_error(store: UserStore) -> None:
    with pytest.raises(AccessError, match="Unknown unit"):
        session_from_claims({"email": "p@x.org", "groups": ["g"]}, {"g": "unit_submitter:NOPE"}, store=store)


# --- the command line ------------------------------------------------------------------------

def rocu(args: list[str], var: Path, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipelines.cli", *args], input=stdin, capture_output=True,
                          text=True, cwd=ROOT, env={**os.environ, "ROCU_VAR_DIR": str(var), **(env or {})},
                          timeout=120)


def test_cli_user_commands(tmp_path: Path) -> None:
    added = rocu(["user", "add", "Admin1", "--role", "admin", "--by", "installer"], tmp_path, stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert rocu(["user", "add", "sub1", "--role", "unit_submitter", "--unit", "EMSOU", "--password-env", "NEWPW"],
                tmp_path, env={"NEWPW": "another long passphrase"}).returncode == 0
    short = rocu(["user", "add", "sub2", "--role", "unit_submitter", "--unit", "EMSOU"], tmp_path, stdin="short\n")
    assert short.returncode == 2 and "at least 12" in short.stderr
    assert rocu(["user", "add", "sub3", "--role", "unit_submitter"], tmp_path, stdin=PASSWORD).returncode == 2

    store = UserStore.at(Paths(tmp_path))
    assert isinstance(authenticate("admin1", PASSWORD, store=store), Session)
    for _ in range(5):
        authenticate("sub1", "wrong password!!", store=store)
    listing = rocu(["user", "list"], tmp_path).stdout
    assert "admin1" in listing and "EMSOU" in listing and "locked until" in listing and "2 accounts" in listing
    assert rocu(["user", "unlock", "sub1"], tmp_path).returncode == 0
    assert rocu(["user", "disable", "sub1"], tmp_path).returncode == 0
    assert "disabled" in rocu(["user", "list"], tmp_path).stdout
    assert authenticate("sub1", "another long passphrase", store=store).reason == "disabled"
    missing = rocu(["user", "disable", "nobody"], tmp_path)
    assert missing.returncode == 2 and "no account called nobody" in missing.stderr
    assert [r.actor for r in store.audit.records() if r.action == "user_change"][0] == "installer"


def test_cli_never_takes_a_password_argument(tmp_path: Path) -> None:
    result = rocu(["user", "add", "x1", "--role", "admin", "--password", PASSWORD], tmp_path)
    assert result.returncode == 2 and "unrecognized arguments" in result.stderr


def test_no_password_on_stdin_is_a_plain_not_signed_in(tmp_path: Path) -> None:
    result = rocu(["status", "--user", "someone"], tmp_path, stdin="")
    assert result.returncode == 3 and "No password on stdin" in result.stderr  # not signed in
    assert "Traceback" not in result.stderr
