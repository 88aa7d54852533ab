"""Security settings in one place: lockout, session lifetimes and the password rule.

Kept as one frozen value so tests (and a stricter deployment) can pass their own without
touching module globals; DEFAULT_POLICY is what every function uses unless told otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

MAX_FAILED_ATTEMPTS = 5
LOCKOUT_DURATION = timedelta(minutes=15)
IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=8)
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # argon2 would hash a megabyte happily; refuse it before it costs us


@dataclass(frozen=True)
class Policy:
    """How many failures lock an account, for how long, and how long a session lives."""

    max_failed_attempts: int = MAX_FAILED_ATTEMPTS
    lockout_duration: timedelta = LOCKOUT_DURATION
    idle_timeout: timedelta = IDLE_TIMEOUT
    absolute_timeout: timedelta = ABSOLUTE_TIMEOUT
    min_password_length: int = MIN_PASSWORD_LENGTH


DEFAULT_POLICY = Policy()


def password_problem(password: str, username: str, policy: Policy = DEFAULT_POLICY) -> str | None:
    """Why a new password is refused, in words for the person choosing it; None if it is fine."""
    if len(password) < policy.min_password_length:
        return (f"The password has {len(password)} characters; it needs at least "
                f"{policy.min_password_length}. A short phrase of several words is easiest to remember.")
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"The password is longer than {MAX_PASSWORD_LENGTH} characters; choose a shorter one."
    if password.strip().lower() == username.strip().lower():
        return "The password must not be the same as the username."
    return None


def utc_now(now: datetime | None = None) -> datetime:
    """`now` as an aware UTC datetime (naive values are taken to be UTC already)."""
    if now is None:
        return datetime.now(UTC)
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)


def iso(moment: datetime | None) -> str | None:
    """UTC ISO 8601 text, the one form timestamps are stored in."""
    return None if moment is None else utc_now(moment).isoformat()


def parse_iso(text: str | None) -> datetime | None:
    return None if text is None else utc_now(datetime.fromisoformat(text))
