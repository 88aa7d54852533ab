"""Signing in and staying signed in: authenticate, then check and refresh on every page run.

A Session is a plain value the app keeps (in st.session_state); all timing is a pure
function of `now`, so tests can move the clock. `check_session` re-reads the account, so
disabling it, or changing its role or unit, takes effect at the user's next click.
Failures come back as values with a sentence for the person, never as exceptions.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from pipelines.access.passwords import hash_password, needs_rehash, spend_equal_time, verify_password
from pipelines.access.policy import DEFAULT_POLICY, Policy, utc_now
from pipelines.access.store import USERNAME_PATTERN, User, UserStore, normalise_username

NOT_RECOGNISED = "The username or password is not right. Check both and try again."


@dataclass(frozen=True)
class Session:
    """Who is signed in, as what, and until when (the earlier of the idle and absolute limits)."""

    username: str
    role: str
    rocu_code: str | None
    issued_at: datetime
    expires_at: datetime
    source: Literal["local", "oidc"] = "local"


@dataclass(frozen=True)
class SignInFailure:
    """Why sign-in was refused: `message` is for the person, `reason` for code and the audit."""

    message: str
    reason: Literal["not_recognised", "locked", "disabled", "no_role"]


@dataclass(frozen=True)
class SessionEnded:
    """Why a session is no longer valid; show `message` and ask the person to sign in again."""

    message: str
    reason: Literal["idle", "absolute", "disabled", "changed", "removed"]


def start_session(username: str, role: str, rocu_code: str | None, *, now: datetime | None = None,
                  policy: Policy = DEFAULT_POLICY, source: Literal["local", "oidc"] = "local") -> Session:
    now = utc_now(now)
    return Session(username, role, rocu_code, now, min(now + policy.idle_timeout, now + policy.absolute_timeout),
                   source)


def is_expired(session: Session, now: datetime | None = None) -> bool:
    return utc_now(now) >= session.expires_at


def refresh(session: Session, now: datetime | None = None, policy: Policy = DEFAULT_POLICY) -> Session:
    """Restart the idle timer after activity, never past the absolute limit; an expired session stays expired."""
    now = utc_now(now)
    if is_expired(session, now):
        return session
    return replace(session, expires_at=min(now + policy.idle_timeout, session.issued_at + policy.absolute_timeout))


def check_session(session: Session, *, store: UserStore | None = None,
                  now: datetime | None = None) -> Session | SessionEnded:
    """The session if it is still good, judged on the clock and on the account as stored now."""
    store = store or UserStore.at()
    now, policy = utc_now(now), store.policy
    if now >= session.issued_at + policy.absolute_timeout:
        hours = policy.absolute_timeout.total_seconds() / 3600
        return SessionEnded(f"You have been signed in for {hours:g} hours, the longest a session lasts. "
                            "Please sign in again.", "absolute")
    if is_expired(session, now):
        minutes = policy.idle_timeout.total_seconds() / 60
        return SessionEnded(f"You were signed out after {minutes:g} minutes without activity. "
                            "Please sign in again.", "idle")
    user = store.get(session.username)
    if user is not None and user.disabled:
        return SessionEnded("Your account has been disabled. Ask an administrator if this is a mistake.",
                            "disabled")
    if session.source == "local":  # an identity provider's users need no local account
        if user is None:
            return SessionEnded("Your account no longer exists. Ask an administrator.", "removed")
        if (user.role, user.rocu_code) != (session.role, session.rocu_code):
            return SessionEnded("Your access has changed. Please sign in again to continue.", "changed")
    return session


def authenticate(username: str, password: str, *, store: UserStore | None = None,
                 now: datetime | None = None) -> Session | SignInFailure:
    """Check a username and password against the local store; every outcome is audited."""
    store = store or UserStore.at()
    now, name = utc_now(now), normalise_username(username)
    actor = name[:64] or "(blank)"
    user = store.get(name) if USERNAME_PATTERN.match(name) else None
    stored_hash = store.password_hash(name) if user else None
    if user is None or stored_hash is None:
        spend_equal_time(password)  # as slow as a real check, so timing does not reveal who exists
        return _fail(store, actor, now, NOT_RECOGNISED, "not_recognised", {"why": "unknown username"})
    if user.is_locked(now):
        return _fail(store, actor, now, _locked_message(user, store.policy), "locked", {"why": "locked"})
    if not verify_password(stored_hash, password):
        user, locked_now = store.note_failure(name, now)
        attempts = store.policy.max_failed_attempts if locked_now else user.failed_attempts
        _fail(store, actor, now, NOT_RECOGNISED, "not_recognised", {"why": "wrong password", "attempts": attempts})
        if locked_now:
            store.audit.record(actor, "lockout", name, {"locked_until": user.locked_until.isoformat()}, now=now)
            return SignInFailure(_locked_message(user, store.policy), "locked")
        return SignInFailure(NOT_RECOGNISED, "not_recognised")
    if user.disabled:
        return _fail(store, actor, now, "This account is disabled. Ask an administrator if you need access.",
                     "disabled", {"why": "disabled"})
    store.note_success(name, now, hash_password(password) if needs_rehash(stored_hash) else None)
    store.audit.record(name, "sign_in_success", name, {"role": user.role, "rocu_code": user.rocu_code,
                                                       "via": "password"}, now=now)
    return start_session(user.username, user.role, user.rocu_code, now=now, policy=store.policy)


def _fail(store: UserStore, actor: str, now: datetime, message: str, reason: str, detail: dict) -> SignInFailure:
    store.audit.record(actor, "sign_in_failure", actor, detail, now=now)
    return SignInFailure(message, reason)  # type: ignore[arg-type]


def _locked_message(user: User, policy: Policy) -> str:
    until = user.locked_until.astimezone(ZoneInfo("Europe/London")) if user.locked_until else None
    when = f" after {until:%H:%M} (UK time)" if until else " later"
    return (f"This account is locked after {policy.max_failed_attempts} failed sign-ins. "
            f"Try again{when}, or ask an administrator to unlock it.")
