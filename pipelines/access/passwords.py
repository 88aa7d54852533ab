"""Password hashing with argon2id (argon2-cffi's defaults, RFC 9106's low-memory profile).

Only hashes are stored. Unknown usernames are checked against a dummy hash so a failed
sign-in takes as long whether or not the account exists.

ROCU_PASSWORD_HASHING may name another of argon2-cffi's parameter sets (`argon2.profiles`). Only
the test suite sets one, CHEAPEST, as test settings commonly swap in a fast hasher: each hash or
check costs 0.17 CPU-s by design, and the suite makes about two hundred. A hash made with other
settings than the running ones is made again at the next sign-in (`needs_rehash`), so hashes made
under a cheaper set never outlive a deployment that runs with the default.
"""

from __future__ import annotations

import os
from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

PROFILE_VARIABLE = "ROCU_PASSWORD_HASHING"
DEFAULT_PROFILE = "RFC_9106_LOW_MEMORY"  # argon2-cffi's default
PROFILES = ("RFC_9106_LOW_MEMORY", "RFC_9106_HIGH_MEMORY", "CHEAPEST")


def hasher_for(profile: str | None) -> PasswordHasher:
    """The hasher of a named argon2-cffi parameter set (None: the default)."""
    name = profile or DEFAULT_PROFILE
    if name not in PROFILES:
        raise ValueError(f"{PROFILE_VARIABLE}={name!r} is not a password hashing profile: use one of "
                         f"{', '.join(PROFILES)}, or leave it unset for {DEFAULT_PROFILE}.")
    return PasswordHasher.from_parameters(getattr(profiles, name))


_HASHER = hasher_for(os.environ.get(PROFILE_VARIABLE))


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
