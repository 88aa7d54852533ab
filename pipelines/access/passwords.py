"""Password hashing with argon2id (argon2-cffi's defaults, RFC 9106's low-memory profile).

Only hashes are stored. Unknown usernames are checked against a dummy hash so a failed
sign-in takes as long whether or not the account exists.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """True if `password` matches; never raises for a wrong or malformed hash."""
    try:
        return _HASHER.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker settings than today's (rehash on next sign-in)."""
    return _HASHER.check_needs_rehash(stored_hash)


@cache
def _dummy_hash() -> str:
    return _HASHER.hash("not-a-real-password-only-for-timing")


def spend_equal_time(password: str) -> None:
    """Do the work of one verification, for a username that does not exist."""
    verify_password(_dummy_hash(), password)
