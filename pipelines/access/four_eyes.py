"""Four eyes on sign-off: whoever submitted a version of a return cannot also approve it.

Whether the rule applies is data: the `four_eyes` column of the submission window in force
for the return's month (seeds/reference/submission_windows.csv), on when blank or when no
window covers the month. The check runs inside `pipelines.intake.service.approve`, so the command
and the Upload page are held to it whatever the page offered; a refusal is audited.
"""

from __future__ import annotations

from typing import Protocol

from pipelines import reference
from pipelines.access.audit import AuditLog
from pipelines.access.permissions import PermissionDenied

REFUSAL = "You submitted this return, so someone else in your unit must sign it off (four-eyes rule)."


class Submission(Protocol):
    """What the rule needs of a registry version (pipelines.intake.land.registry.Submission has it);
    access sits below the landing zone, so it names the shape rather than importing it."""

    submission_id: int
    rocu_code: str
    period: str
    version: int
    submitted_by: str


class FourEyesRefused(PermissionDenied):
    """The approver is the person who submitted the version."""


def four_eyes_applies(period: str) -> bool:
    """True if the window in force for `period` requires a second person to sign off."""
    rule = reference.window_for(period)
    value = ((rule or {}).get("four_eyes") or "true").strip().lower()
    if value not in ("true", "false"):
        raise ValueError(f"seeds/reference/submission_windows.csv: four_eyes must be true or false, "
                         f"not {value!r} (the rule from {rule['effective_from']}).")
    return value == "true"


def same_person(a: str, b: str) -> bool:
    """Usernames are case-insensitive and stored in lower case; operators may type them otherwise."""
    return a.strip().casefold() == b.strip().casefold()


def blocks(submission: Submission, approver: str) -> bool:
    """True if four eyes forbids `approver` from signing off `submission` (for pages to hide the button)."""
    return same_person(submission.submitted_by, approver) and four_eyes_applies(submission.period)


def require_four_eyes(submission: Submission, approver: str, audit: AuditLog) -> None:
    """Raise FourEyesRefused, after recording the refusal, if `approver` submitted `submission`."""
    if not blocks(submission, approver):
        return
    audit.record(approver, "approval_refused", f"{submission.rocu_code} {submission.period} v{submission.version}",
                 {"submission_id": submission.submission_id, "rule": "four_eyes",
                  "submitted_by": submission.submitted_by})
    raise FourEyesRefused(REFUSAL)
