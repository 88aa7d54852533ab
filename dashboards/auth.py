"""Sign-in and server-side checks for every page.

The session lives in Streamlit's server-side session state; on every page run it is
checked again against the account store (a disabled account or changed role ends it at
once) and its idle timer restarted. Pages call `guard` before drawing anything: hiding a
page from the menu is a convenience, the check in the page is what enforces access.
"""

from __future__ import annotations

import streamlit as st

from pipelines.access import (AuditLog, PermissionDenied, Session, SessionEnded, SignInFailure, UserStore,
                              allowed_units, authenticate, can, check_session, refresh, require,
                              session_from_claims)
from pipelines.settings import Paths

SESSION_KEY = "rocu_session"
_BY_PERSON = "rocu_run_by_person"  # session state: whether a person caused this run (note_run)
# Page (url path) -> permissions, any one of which opens it. The menu shows these pages;
# each page's own `guard` call is the check that counts.
PAGE_PERMISSIONS = {
    "national": ("view_national",),
    "regional": ("view_regional",),
    "threat": ("view_national",),
    "alignment": ("view_alignment",),
    "governance": ("view_governance",),
    "drill": ("view_drill",),
    "submissions": ("view_submissions",),
    "reconciliation": ("view_reconciliation",),
    "upload": ("submit_return",),
    "catalogue": ("view_national",),
    "reports": ("view_reports", "view_network_reports"),
    "audit": ("view_audit",),
    "admin": ("manage_mappings", "manage_windows", "manage_users"),
}


def may_open(session: Session, page: str) -> bool:
    return any(can(session, p) for p in PAGE_PERMISSIONS[page])


def may_follow(session: Session | None, page: str, unit: str | None = None) -> bool:
    """True if a link to `page` (about `unit`, if it names one) would open for this person, not
    refuse them: pages only show links that pass, so no role meets a dead end."""
    if session is None or page not in PAGE_PERMISSIONS:
        return False
    return any(can(session, p, unit) for p in PAGE_PERMISSIONS[page])


def store() -> UserStore:
    return UserStore.at(Paths.from_env())


def identity_provider_configured() -> bool:
    """True when .streamlit/secrets.toml has an [auth] section (production sign-in, docs/security.md)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: the local account store is used
        return False


def note_run(by_person: bool) -> None:
    """Say, at the top of each run, whether a person caused it: a page moving to a newly published
    build by itself is not activity, and must not keep a page left open signed in."""
    st.session_state[_BY_PERSON] = by_person


def current_session() -> Session | None:
    """The signed-in person, re-checked against the store; None when signed out or expired. Only a
    run a person caused restarts the idle timer (`note_run`)."""
    session = st.session_state.get(SESSION_KEY)
    if session is None:
        return None
    checked = check_session(session, store=store())
    if isinstance(checked, SessionEnded):
        sign_out()
        st.session_state["signed_out_because"] = checked.message
        return None
    st.session_state[SESSION_KEY] = refresh(checked) if st.session_state.get(_BY_PERSON, True) else checked
    return st.session_state[SESSION_KEY]


def sign_in_page() -> None:
    st.title("Sign in")
    st.caption("ROCU performance warehouse. Synthetic demonstration data only.")
    if reason := st.session_state.pop("signed_out_because", None):
        st.info(reason)
    if identity_provider_configured():
        _sign_in_with_identity_provider()
        return
    with st.form("sign_in"):
        username = st.text_input("Username")
        password = st.text_input("Password", type="password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        result = authenticate(username, password, store=store())
        if isinstance(result, SignInFailure):
            st.error(result.message)
        else:
            st.session_state[SESSION_KEY] = result
            st.rerun()


def _sign_in_with_identity_provider() -> None:
    """Production: the organisation's OpenID Connect provider signs the person in (st.login);
    their role comes from a claim mapped in [rocu_access] (see docs/security.md)."""
    if not st.user.get("is_logged_in", False):
        st.button("Sign in with your organisation's account", on_click=st.login, type="primary", key="oidc")
        return
    config = st.secrets.get("rocu_access", {})
    result = session_from_claims(st.user.to_dict(), config.get("group_roles", {}),
                                 role_claim=config.get("role_claim", "groups"),
                                 username_claim=config.get("username_claim", "email"), store=store())
    if isinstance(result, SignInFailure):
        st.error(result.message)
        st.button("Sign out", on_click=st.logout, key="oidc_out")
        return
    st.session_state[SESSION_KEY] = result
    st.rerun()


def sign_out() -> None:
    session = st.session_state.pop(SESSION_KEY, None)
    if session is not None and session.source == "oidc":
        st.logout()  # also end the identity provider's cookie, or the next visit signs straight back in


def guard(permission: str, unit: str | None = None) -> Session:
    """Stop the page unless the signed-in person holds `permission` (for `unit`, if given)."""
    session = current_session()
    if session is None:
        st.warning("Please sign in to see this page.")
        st.stop()
    try:
        require(session, permission, unit=unit)
    except PermissionDenied as denied:
        st.error(str(denied))
        st.stop()
    return session


def units_for(session: Session, permission: str, all_units: list[str]) -> list[str]:
    """The units this person may see for `permission`, in the given order."""
    allowed = allowed_units(session, permission)
    return list(all_units) if allowed == "all" else [u for u in all_units if u in allowed]


def audit(action: str, target: str, detail: dict | None = None) -> None:
    """Record an action of the signed-in person in the audit trail."""
    session = st.session_state.get(SESSION_KEY)
    AuditLog.at(Paths.from_env()).record(session.username if session else "anonymous", action, target, detail)


__all__ = ["PAGE_PERMISSIONS", "audit", "can", "current_session", "guard", "may_follow", "may_open", "sign_in_page", "sign_out",
           "units_for"]
