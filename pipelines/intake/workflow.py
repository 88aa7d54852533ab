"""The upload workflow a person follows: check a file without submitting it, then submit it,
giving a reason where the workflow asks for one; and the returns waiting for sign-off.

A check ("dry run") goes through the same checks as a submission but is not one: the file is
read from a temporary folder outside the landing zone and removed with it, nothing is
registered, saved or loaded, and the audit trail records only who checked which file
(its sha256 fingerprint) and the verdict. A submission after the month's deadline, or one
that would replace a signed-off return, is refused unless it carries a reason
(pipelines/intake/check/reasons.py); the reason goes into the audit trail and the registry
with the upload. `submit` is where that rule lives: every route a return comes in by (the
page, `rocu submit`, the inbox, the demo loader) submits through it.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass, replace
from datetime import date, datetime, UTC
from pathlib import Path

from pipelines.intake.check.arrival import check_arrival, check_same_bytes_elsewhere
from pipelines.intake.check.reasons import Justification, ReasonRequired, justifications, require_reason
from pipelines.intake.check.request import validate_request
from pipelines.intake.land.registry import ACCEPTED_STATES, Submission
from pipelines.intake.land.zone import LandingZone
from pipelines.intake.service import Verdict, _check_content, _check_resources, state_for, submit_return
from pipelines.intake.types import Problem


@dataclass(frozen=True)
class CheckResult:
    """The verdict a file would get now, without it being submitted."""

    rocu_code: str
    period: str
    kind: str
    original_name: str
    file_sha256: str
    state: str  # accepted, accepted_with_queries_or_information or rejected: what submitting would give
    problems: list[Problem]
    needs_reason: list[Justification]  # what submitting it now would need a reason for

    @property
    def error_count(self) -> int:
        return sum(p.severity == "error" for p in self.problems)

    @property
    def warning_count(self) -> int:
        """Problems that do not block acceptance: queries and information."""
        return len(self.problems) - self.error_count

    @property
    def query_count(self) -> int:
        return sum(p.severity == "query" for p in self.problems)


def signed_off_versions(zone: LandingZone, rocu_code: str, period: str, kind: str = "monthly") -> list[int]:
    """Version numbers of this unit-period that an approver has signed off."""
    approved = {a["submission_id"] for a in zone.registry.approvals(rocu_code, period)}
    return [s.version for s in zone.registry.submissions(kind, rocu_code, period) if s.submission_id in approved]


def reasons_needed(zone: LandingZone, rocu_code: str, period: str, kind: str = "monthly",
                   at: datetime | None = None) -> list[Justification]:
    """What submitting for this unit-period now would need a reason for (for the page's warning)."""
    return justifications(period=period, kind=kind, signed_off=signed_off_versions(zone, rocu_code, period, kind),
                          at=at)


def check_return(zone: LandingZone, content: bytes, *, original_name: str, rocu_code: str, period: str,
                 checked_by: str, today: date | None = None, kind: str = "monthly") -> CheckResult:
    """Run every check a submission gets, and store nothing but one audit record (who, fingerprint, verdict)."""
    request = validate_request(rocu_code, period, today or datetime.now(UTC).date(), kind)
    rocu_code, period = request.rocu_code, request.period
    name = Path(original_name).name
    sha = hashlib.sha256(content).hexdigest()
    problems = check_arrival(content, name)
    if not problems:
        with tempfile.TemporaryDirectory(prefix="rocu-check-") as folder:
            path = Path(folder) / f"return{Path(name).suffix.lower()}"  # never a name the sender chose
            path.write_bytes(content)
            check = _check_resources if kind == "resources" else _check_content
            _, problems = check(zone, path, rocu_code, period, name)
            problems = [_named(p, path.name, name) for p in problems]
    problems += check_same_bytes_elsewhere([(s.rocu_code, s.period, s.version)
                                           for s in zone.registry.sent_elsewhere(sha, rocu_code, period)], name)
    state = state_for(problems)
    zone.audit.record(checked_by, "dry_run", f"{rocu_code} {period}",
                      {"sha256": sha, "verdict": state, "errors": sum(p.severity == "error" for p in problems),
                       "queries": sum(p.severity == "query" for p in problems),
                       "information": sum(p.severity == "information" for p in problems), "kind": kind})
    return CheckResult(rocu_code, period, kind, name, sha, state, problems,
                       reasons_needed(zone, rocu_code, period, kind))


def submit(zone: LandingZone, content: bytes, *, original_name: str, rocu_code: str, period: str,
           submitted_by: str, reason: str | None = None, today: date | None = None,
           kind: str = "monthly", submitted_at: datetime | None = None) -> Verdict:
    """A submission by any route: refused (ReasonRequired, audited, nothing landed) when it is late or
    replaces a signed-off return and gives no reason; otherwise landed and checked with the reason kept.
    `submitted_at` dates a submission made earlier (the demo loader replays its units' dates): it is
    late if it was sent after the deadline, whenever it is loaded."""
    request = validate_request(rocu_code, period, today or datetime.now(UTC).date(), kind)
    needed = reasons_needed(zone, request.rocu_code, request.period, kind, at=submitted_at)
    try:
        reason = require_reason(needed, reason)
    except ReasonRequired as refused:
        zone.audit.record(submitted_by, "upload_refused", f"{request.rocu_code} {request.period}",
                          {"file": Path(original_name).name, "sha256": hashlib.sha256(content).hexdigest(),
                           "reason": str(refused), "needs": [j.rule for j in needed]})
        raise
    return submit_return(zone, content, original_name=original_name, rocu_code=request.rocu_code,
                         period=request.period, submitted_by=submitted_by, today=today, kind=kind, reason=reason,
                         justified=tuple(j.rule for j in needed), submitted_at=submitted_at)


def awaiting_sign_off(zone: LandingZone, units: list[str] | None = None) -> list[Submission]:
    """Each unit-period's current accepted version not yet signed off, oldest period first, across
    months and both kinds of return (`units` limits it to those units)."""
    approved = {a["submission_id"] for a in zone.registry.approvals()}
    return sorted((s for s in zone.registry.submissions(kind=None)
                   if s.state in ACCEPTED_STATES and s.submission_id not in approved
                   and (units is None or s.rocu_code in units)),
                  key=lambda s: (s.period, s.rocu_code, s.return_kind))


def _named(problem: Problem, stored: str, name: str) -> Problem:
    """A message names the file as the person sent it, never the temporary copy read."""
    if stored in problem.message:
        return replace(problem, message=problem.message.replace(stored, name))
    return problem
