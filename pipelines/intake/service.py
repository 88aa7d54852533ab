"""Taking a return in: land it, check it, give a verdict, keep the standardised values.

One intake for both kinds of return a unit sends: the monthly performance return and the
quarterly resources return (kind 'resources', for a financial-year quarter YYYY-Qn). Both are
landed and versioned the same way; only the content checks and what is kept differ
(_check_content for a monthly return, _check_resources for a resources return).
Whatever happens next, the file is stored as sent first. Content of a rejected file goes
no further than its report; accepted content is saved beside the registry for the
pipeline to load.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta, UTC
from pathlib import Path

import polars as pl

from pipelines.access.four_eyes import require_four_eyes
from pipelines.access.permissions import require
from pipelines.access.sessions import Session
from pipelines.intake.check.arrival import check_arrival, check_same_bytes_elsewhere
from pipelines.intake.check.expectations import validate
from pipelines.intake.check.period_signals import check_period_signals
from pipelines.intake.check.rules import severity_of
from pipelines.intake.types import Problem, counts
from pipelines.intake.check.report import write_report
from pipelines.intake.check.request import validate_request
from pipelines.intake.check.structure import (HISTORY_MONTHS, check_jumps, check_missing_metrics, check_required_sheets,
                                       check_suite, check_unit_named, dedupe)
from pipelines.intake.land.registry import ACCEPTED_STATES, Submission
from pipelines.intake.land.zone import LandingZone
from pipelines.intake.queries import answer_from_file, refuse_open_queries
from pipelines.intake.standardise.read_tables import UnreadableFile, read_grids
from pipelines.intake.standardise.returns import VALUES_SCHEMA, parse_return, unit_layout
from pipelines.intake.check.resources import check_resources
from pipelines.intake.standardise.resources import parse_resources
from pipelines.refresh_request import RESOURCES, RETURNS, ask_for_refresh

log = logging.getLogger(__name__)


ABANDONED_AFTER = timedelta(minutes=15)  # far longer than any check may run (the reader's own limits are seconds)
CHECK_FAILED = ("The checks on this file could not be completed because of a fault in the service, not in your "
                "file. Nothing from it was loaded. The file is kept; the NOCC can see this. Send it again later, "
                "or ask the NOCC if it happens again.")
ABANDONED = ("The check of this file was interrupted before it gave a verdict (the service stopped while "
             "checking it). Nothing from it was loaded. The file is kept; send it again.")


@dataclass(frozen=True)
class Verdict:
    submission: Submission
    problems: list[Problem]
    resent_of: Submission | None = None  # an earlier version of this unit-month with the same bytes

    @property
    def accepted(self) -> bool:
        return self.submission.state in (*ACCEPTED_STATES, "superseded")

    def summary(self) -> str:
        s = self.submission
        words = {"accepted": "ACCEPTED",
                 "accepted_with_queries_or_information": "ACCEPTED WITH QUERIES OR INFORMATION",
                 "rejected": "REJECTED",
                 "superseded": "ACCEPTED (since superseded)", "received": "RECEIVED",
                 "failed": "NOT CHECKED (the check failed)"}[s.state]
        again = (f" (the same file as version {self.resent_of.version}, checked again under today's rules)"
                 if self.resent_of else "")
        kind = " (resources return)" if s.return_kind == "resources" else ""
        return (f"{words}: {s.original_name}{kind} for {s.rocu_code} {s.period}, version {s.version}, "
                f"{counts(self.problems)}{again}")


def state_for(problems: list[Problem]) -> str:
    if any(p.severity == "error" for p in problems):
        return "rejected"
    return "accepted_with_queries_or_information" if problems else "accepted"


def submit_return(zone: LandingZone, content: bytes, *, original_name: str, rocu_code: str, period: str,
                  submitted_by: str, submitted_at: datetime | None = None, today: date | None = None,
                  kind: str = "monthly", reason: str | None = None, justified: tuple[str, ...] = ()) -> Verdict:
    """Land, check and judge one return; every call is a new version with a final state.

    This is the step under every route, and it does not ask for a reason: every route (the page,
    the CLI, the inbox, the demo loader) submits through `workflow.submit`, which first asks for a
    reason where the workflow needs one and passes it here (`reason`, and the rules it answers in
    `justified`) for the registry and the audit trail.

    The unit and month (quarter, for kind 'resources') are checked first (InvalidRequest,
    nothing written); then the file is kept as sent, and whatever the checks do, even crash,
    the version ends in a final state.
    """
    today = today or datetime.now(UTC).date()
    request = validate_request(rocu_code, period, today, kind)
    rocu_code, period = request.rocu_code, request.period
    close_abandoned(zone)
    name = Path(original_name).name
    resent_of = zone.registry.find(rocu_code, period, hashlib.sha256(content).hexdigest(), kind)
    submission = zone.land(content, original_name=name, rocu_code=rocu_code, period=period,
                           submitted_by=submitted_by, submitted_at=submitted_at, kind=kind, reason=reason)
    target = f"{rocu_code} {period} v{submission.version}"
    zone.audit.record(submitted_by, "upload", target, {"file": name, "sha256": submission.file_sha256,
                                                       "bytes": len(content), "kind": kind,
                                                       "resent_of": resent_of and resent_of.submission_id,
                                                       **({"reason": reason, "justifies": list(justified)}
                                                          if reason else {})})
    try:
        problems, standardised = _check(zone, submission, content, name)
        state = state_for(problems)
        if state != "rejected":
            _save_standardised(zone, submission.submission_id, standardised)
    except Exception:  # a fault of ours, not the sender's: record it, never leave the version 'received'
        log.exception("check of submission %s (%s) failed", submission.submission_id, target)
        problems, state, standardised = [Problem(severity_of("check_failed"), "check_failed", CHECK_FAILED, file=name)], "failed", {}
    submission = _record(zone, submission, problems, state, ring=False)
    try:
        if "comments" in standardised and submission.state in ACCEPTED_STATES:
            answer_from_file(zone, submission, standardised["comments"].to_dicts())
    finally:
        refresh_for(zone, "verdict", submission)  # once the file's answers are kept too: the run loads both
    if submission.version > 1:
        zone.audit.record(submitted_by, "resubmission", target, {"state": submission.state})
    return Verdict(submission, problems, resent_of)


def close_abandoned(zone: LandingZone, now: datetime | None = None) -> list[Submission]:
    """Give a final state to versions whose check died with its process (a kill, a power cut)."""
    cutoff = ((now or datetime.now(UTC)) - ABANDONED_AFTER).isoformat(timespec="seconds")
    return [_record(zone, s, [Problem(severity_of("check_interrupted"), "check_interrupted", ABANDONED, file=s.original_name)], "failed")
            for s in zone.registry.abandoned(cutoff)]


def _record(zone: LandingZone, submission: Submission, problems: list[Problem], state: str,
            ring: bool = True) -> Submission:
    """Store a verdict with its report and audit record (and, unless the caller rings once it has
    kept what else the verdict brings, ring for its refresh)."""
    submission = zone.registry.record_verdict(submission.submission_id, problems, state)
    write_report(zone.root / "reports", submission, problems)
    zone.audit.record("intake", "verdict", f"{submission.rocu_code} {submission.period} v{submission.version}",
                      {"state": submission.state, "errors": submission.error_count,
                       "warnings": submission.warning_count})
    if ring:
        refresh_for(zone, "verdict", submission)
    return submission


def refresh_for(zone: LandingZone, why: str, submission: Submission) -> None:
    """Ring the refresh worker for the figures this version changes (a resources return reloads
    whole; see pipelines/refresh_request.py)."""
    ask_for_refresh(zone.root.parent, f"{why} {submission.rocu_code} {submission.period} v{submission.version}",
                    *submission.refresh_slice, changed=RETURNS if submission.return_kind == "monthly" else RESOURCES)


def _check(zone: LandingZone, submission: Submission, content: bytes,
           name: str) -> tuple[list[Problem], dict[str, pl.DataFrame]]:
    """Every check of one version: (problems, the standardised frames to keep by kind, when read)."""
    problems, standardised = check_arrival(content, name), {}
    if not problems:
        check = _check_resources if submission.return_kind == "resources" else _check_content
        standardised, problems = check(zone, zone.path_of(submission), submission.rocu_code, submission.period, name)
    problems += check_same_bytes_elsewhere([(s.rocu_code, s.period, s.version)
                                           for s in zone.registry.same_bytes_elsewhere(submission)], name)
    return problems, standardised


def approve(zone: LandingZone, submission_id: int, approver: Session | str) -> Submission:
    """Sign off an accepted return. A signed-in approver must hold approve_return for the
    return's unit, and every query on the version must be answered (both checked here, on the
    server, whatever the page showed)."""
    submission = zone.registry.get(submission_id)
    if isinstance(approver, Session):
        require(approver, "approve_return", unit=submission.rocu_code)
        who = approver.username
    else:
        who = approver  # the demo loader and operators at the server's shell
    require_four_eyes(submission, who, zone.audit)  # the submitter cannot sign off their own version
    refuse_open_queries(zone, submission, who)  # OpenQueries names each query still open
    approved = zone.registry.approve(submission_id, who, datetime.now(UTC).isoformat(timespec="seconds"))
    zone.audit.record(who, "approval", f"{submission.rocu_code} {submission.period} v{submission.version}",
                      {"submission_id": submission_id})
    refresh_for(zone, "sign-off", approved)
    return approved


def _check_content(zone: LandingZone, path: Path, rocu_code: str, period: str,
                   name: str) -> tuple[dict[str, pl.DataFrame], list[Problem]]:
    """Parse the stored file and run every content check on it."""
    parsed = parse_return(path, rocu_code, period, display_name=name)
    problems = list(parsed.problems)
    try:
        grids = read_grids(path)
        problems += check_unit_named([g for g in grids if not g.hidden], rocu_code, name)
        problems += check_period_signals([g for g in grids if not g.hidden], name, period, unit_layout(rocu_code))
        problems += check_required_sheets(grids, rocu_code, name)
    except UnreadableFile:
        pass  # already reported by the parser
    if not parsed.errors and parsed.values.is_empty():
        problems.append(Problem(severity_of("no_figures"), "no_figures", "The return has no figures for this month: every measure "
                                "is blank. Fill in the figures (0 where nothing happened) and upload it again.",
                                file=name))
    suite = check_suite(parsed.values, name)  # every figure that was read, even beside an unreadable one
    problems += suite
    if not parsed.values.is_empty():  # every kind of problem in one round, wherever the file could be read
        problems += check_missing_metrics(parsed.values, rocu_code, name, parsed.unread_metrics)
        problems += check_jumps(_without_errors(parsed.values, problems), _history(zone, rocu_code, period), name)
    # Messages name the file as the user sent it, not its stored (hash) name.
    problems.sort(key=lambda p: (p.severity != "error", p.sheet or "", p.row or 0, p.column or ""))
    problems = dedupe([dataclasses.replace(p, file=name) for p in problems])
    return {"values": parsed.values, "unmapped": parsed.unmapped, "comments": parsed.comments}, problems


def _check_resources(zone: LandingZone, path: Path, rocu_code: str, quarter: str,
                     name: str) -> tuple[dict[str, pl.DataFrame], list[Problem]]:
    """Parse a resources return and run its checks (expectations/resources.json and the row totals)."""
    parsed = parse_resources(path, rocu_code, quarter, display_name=name)
    problems = list(parsed.problems)
    try:
        problems += check_unit_named([g for g in read_grids(path) if not g.hidden], rocu_code, name)
    except UnreadableFile:
        pass  # already reported by the parser
    if not parsed.errors:
        problems += check_resources(parsed.rows, name)
    elif not parsed.rows.is_empty():  # one round: the rows read get the suite's rules now; the rules across
        problems += validate("resources", parsed.rows, name)  # rows wait, as an unread row would skew them
    problems.sort(key=lambda p: (p.severity != "error", p.sheet or "", p.row or 0, p.column or ""))
    problems = dedupe([dataclasses.replace(p, file=name) for p in problems])
    return {"resources": parsed.rows}, problems



def _without_errors(values: pl.DataFrame, problems: list[Problem]) -> pl.DataFrame:
    """The figures no error was found in: an error already says what is wrong with the others."""
    wrong = [(p.sheet, p.row, p.column) for p in problems if p.severity == "error" and p.row is not None]
    if not wrong:
        return values
    places = pl.DataFrame(wrong, schema={"source_sheet": pl.String, "source_row": pl.Int64,
                                         "source_column": pl.String}, orient="row")
    return values.join(places, on=["source_sheet", "source_row", "source_column"], how="anti", nulls_equal=True)


def _history(zone: LandingZone, rocu_code: str, period: str) -> pl.DataFrame:
    """The unit's current accepted values for its last few months before `period`."""
    subs = [s for s in zone.registry.submissions(rocu_code=rocu_code)
            if s.period < period and s.state in ACCEPTED_STATES]
    paths = [p for s in subs[-HISTORY_MONTHS:]
             if (p := zone.root / "standardised" / f"{s.submission_id}.values.parquet").exists()]
    return pl.concat([pl.read_parquet(p).select(list(VALUES_SCHEMA)) for p in paths]) if paths \
        else pl.DataFrame(schema=VALUES_SCHEMA)


def _save_standardised(zone: LandingZone, submission_id: int, frames: dict[str, pl.DataFrame]) -> None:
    """Keep each standardised frame as standardised/<id>.<name>.parquet, for the raw assets to load."""
    folder = zone.root / "standardised"
    folder.mkdir(parents=True, exist_ok=True)
    for kind, frame in frames.items():
        frame = frame.with_columns(pl.lit(submission_id, pl.Int64).alias("submission_id"))
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".tmp", delete=False) as tmp:
            frame.write_parquet(tmp.name)
        Path(tmp.name).replace(folder / f"{submission_id}.{kind}.parquet")


def load_report(zone: LandingZone, submission_id: int) -> dict:
    return json.loads((zone.root / "reports" / f"{submission_id}.json").read_text())
