"""Access control and audit: accounts, sign-in, sessions, permissions and the audit trail.

What the app and the intake need is importable from here; docs/security.md explains the
roles, the settings and how to hand sign-in to the organisation's identity provider.
"""

from pipelines.access.anchors import Anchor, anchor_head
from pipelines.access.audit import ACTIONS, AuditLog, AuditRecord, record, verify
from pipelines.access.audit_export import export
from pipelines.access.oidc import session_from_claims
from pipelines.access.permissions import PERMISSIONS, ROLES, PermissionDenied, allowed_units, can, require
from pipelines.access.policy import DEFAULT_POLICY, Policy
from pipelines.access.sessions import (Session, SessionEnded, SignInFailure, authenticate, check_session,
                                       is_expired, refresh, start_session)
from pipelines.access.store import AccessError, User, UserStore

__all__ = [
    "ACTIONS", "DEFAULT_POLICY", "Anchor", "anchor_head", "PERMISSIONS", "ROLES", "AccessError", "AuditLog", "AuditRecord",
    "PermissionDenied", "Policy", "Session", "SessionEnded", "SignInFailure", "User", "UserStore",
    "allowed_units", "authenticate", "can", "check_session", "export", "is_expired", "record", "refresh",
    "require", "session_from_claims", "start_session", "verify",
]
