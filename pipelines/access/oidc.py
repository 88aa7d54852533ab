"""Sign-in through the organisation's identity provider (Streamlit's st.login / st.user).

The provider proves who the person is; its group or role claim says what they may do here.
`group_roles` (deployment configuration, see docs/security.md) maps a claim value to a role
here, written "role" or "role:UNIT", e.g. "unit_submitter:EMSOU". A person matching no
group, or groups that give different roles, is refused rather than guessed about.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pipelines.access.policy import utc_now
from pipelines.access.sessions import Session, SignInFailure, start_session
from pipelines.access.store import AccessError, UserStore, check_assignment, normalise_username


def parse_role(value: str) -> tuple[str, str | None]:
    """'unit_submitter:EMSOU' -> ('unit_submitter', 'EMSOU'), checked against roles and units."""
    role, _, unit = value.partition(":")
    return role.strip(), check_assignment(role.strip(), unit or None)


def claim_values(claims: Mapping[str, Any], claim: str) -> list[str]:
    """A claim as a list of strings, whether the provider sent a list or one value."""
    value = claims.get(claim)
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]


def session_from_claims(claims: Mapping[str, Any], group_roles: Mapping[str, str], *,
                        role_claim: str = "groups", username_claim: str = "email",
                        store: UserStore | None = None, now: datetime | None = None) -> Session | SignInFailure:
    """A Session for someone the identity provider has signed in (pass st.user.to_dict()); audited.

    Raises AccessError if `group_roles` names an unknown role or unit: that is a
    configuration mistake for the operator, not something the person can fix.
    """
    store = store or UserStore.at()
    now = utc_now(now)
    username = normalise_username(str(claims.get(username_claim) or claims.get("sub") or ""))
    if not username:
        raise AccessError(f"The identity provider sent neither {username_claim!r} nor 'sub'; check [auth].")
    roles = {parse_role(group_roles[g]) for g in claim_values(claims, role_claim) if g in group_roles}
    user = store.get(username)
    if len(roles) != 1:
        why = "no group gives access" if not roles else "groups give different roles"
        store.audit.record(username[:64], "sign_in_failure", username[:64], {"why": why, "via": "oidc"}, now=now)
        extra = ("is not in any group that gives access to the warehouse" if not roles
                 else "is in groups that give different roles here, so none is used")
        return SignInFailure(f"Your account ({username}) {extra}. Ask an administrator to put it in one group.",
                             "no_role")
    if user is not None and user.disabled:  # a disabled local account blocks the same name from the provider too
        store.audit.record(username[:64], "sign_in_failure", username[:64], {"why": "disabled", "via": "oidc"},
                           now=now)
        return SignInFailure("This account is disabled. Ask an administrator if you need access.", "disabled")
    ((role, unit),) = roles
    store.audit.record(username, "sign_in_success", username, {"role": role, "rocu_code": unit, "via": "oidc"},
                       now=now)
    return start_session(username, role, unit, now=now, policy=store.policy, source="oidc")
