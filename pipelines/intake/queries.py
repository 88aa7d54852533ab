"""Queries on a return: unusual figures the unit must answer before the return is signed off.

A query is a problem of severity ``query`` in a version's verdict (expectations/rules.yml). It
is open until it is answered: confirmed with an explanation (typed on the upload page, or read
from a Comments or Notes cell beside the figure in the file), or corrected by a newer accepted
version of the same return (which gets its own verdict, and its own queries if still unusual).
Answers are kept append-only in the registry (query_answers) and recorded in the audit trail,
as approvals are; `approve` refuses to sign off a version while any of its queries is open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, UTC

from pipelines.access.permissions import require
from pipelines.access.sessions import Session
from pipelines.intake.land.registry import Submission
from pipelines.intake.land.zone import LandingZone
from pipelines.intake.types import cell_place
from pipelines.refresh_request import ANSWERS, ask_for_refresh

QUERY_STATUSES = ("open", "answered", "corrected")
ANSWER_SOURCES = ("file", "page")
MAX_EXPLANATION = 2000  # characters: an explanation, not an essay


class OpenQueries(ValueError):
    """Sign-off refused: the version has queries no one has answered; the message names them."""


@dataclass(frozen=True)
class Query:
    """One query on one version, with its latest answer if any."""

    submission_id: int
    number: int  # 1, 2, ... in the order of the verdict's report: "query 2" to a person
    key: str  # what the query is about, stable within the version: rule|sheet|row|column|value
    rule: str
    message: str
    file: str
    sheet: str | None
    row: int | None
    column: str | None
    value: str | None
    status: str  # QUERY_STATUSES
    explanation: str | None = None
    answered_by: str | None = None
    answered_at: str | None = None
    source: str | None = None  # ANSWER_SOURCES

    def place(self) -> str:
        """Where the queried figure is, in words ("Row 7, column D of sheet 'Pursue' in r.xlsx")."""
        if self.row is None and self.column is None:
            return f"{self.file}" + (f", '{self.value}'" if self.value else "")
        return cell_place(self.file, self.sheet, self.row, self.column)

    def describe(self) -> str:
        """"query 2 (implausible_jump) at Row 7, column D ... (value 950)": how a refusal names it."""
        value = f" (value {self.value})" if self.value and self.row is not None else ""
        return f"query {self.number} ({self.rule}) at {self.place()}{value}"


def query_key(problem: dict) -> str:
    """The stable name of the query a problem row raises (its rule and place and what was found)."""
    return "|".join("" if problem.get(k) is None else str(problem[k])
                    for k in ("rule", "sheet", "row", "column", "value"))


def queries(zone: LandingZone, submission: Submission | int) -> list[Query]:
    """Every query of a version, each with its status and latest answer."""
    if isinstance(submission, int):
        submission = zone.registry.get(submission)
    latest = {a["query_key"]: a for a in zone.registry.answers(submission.submission_id)}
    corrected = submission.state == "superseded"  # a newer version was accepted in its place
    out = []
    for problem in zone.registry.problems(submission.submission_id):
        if problem["severity"] != "query":
            continue
        key = query_key(problem)
        answer = latest.get(key)
        status = "answered" if answer else "corrected" if corrected else "open"
        out.append(Query(submission.submission_id, len(out) + 1, key, problem["rule"], problem["message"],
                         problem["file"], problem["sheet"], problem["row"], problem["column"], problem["value"],
                         status, *((answer["explanation"], answer["answered_by"], answer["answered_at"],
                                    answer["source"]) if answer else (None, None, None, None))))
    return out


ANSWERED_SCHEMA = {"submission_id": int, "rule": str, "sheet": str, "row": int, "column": str,
                   "explanation": str, "source": str, "answered_by": str, "answered_at": str}


def answered_queries(zone: LandingZone, rocu_code: str | None = None, period: str | None = None) -> list[dict]:
    """Every answered query of every version (or of one unit-period's versions), with the cell it is
    about and its latest answer (ANSWERED_SCHEMA): what the warehouse loads, so an answer travels
    with the figure it explains."""
    latest = {(a["submission_id"], a["query_key"]): a for a in zone.registry.answers(None, rocu_code, period)}
    out = []
    for problem in zone.registry.problems(None, rocu_code, period):
        answer = latest.get((problem["submission_id"], query_key(problem)))
        if problem["severity"] == "query" and answer:
            out.append({"submission_id": problem["submission_id"], "rule": problem["rule"],
                        "sheet": problem["sheet"], "row": problem["row"], "column": problem["column"],
                        **{k: answer[k] for k in ("explanation", "source", "answered_by", "answered_at")}})
    return out


def open_queries(zone: LandingZone, submission: Submission | int) -> list[Query]:
    return [q for q in queries(zone, submission) if q.status == "open"]


def answer_query(zone: LandingZone, submission_id: int, key: str, explanation: str,
                 answered_by: Session | str, source: str = "page") -> Query:
    """Confirm a queried figure with an explanation. A signed-in person must be allowed to submit
    the unit's returns (checked here, on the server); the answer is kept and audited."""
    submission = zone.registry.get(submission_id)
    if isinstance(answered_by, Session):
        require(answered_by, "submit_return", unit=submission.rocu_code)
        who = answered_by.username
    else:
        who = answered_by  # the intake itself (explanations read from the file), the demo loader
    assert source in ANSWER_SOURCES, source
    explanation = " ".join((explanation or "").split())
    if not explanation:
        raise ValueError("Write an explanation: say why the figure is right (for example what happened that "
                         "month). To correct the figure instead, upload a new version of the return.")
    if len(explanation) > MAX_EXPLANATION:
        raise ValueError(f"The explanation is {len(explanation):,} characters long; keep it under "
                         f"{MAX_EXPLANATION:,} (a few sentences).")
    query = next((q for q in queries(zone, submission) if q.key == key), None)
    if query is None:
        raise ValueError(f"Version {submission.version} of {submission.rocu_code}'s return for "
                         f"{submission.period} has no such query.")
    if query.status == "corrected":
        raise ValueError(f"{query.describe().capitalize()} was corrected by a newer version of the return: "
                         "answer that version's queries instead.")
    at = datetime.now(UTC).isoformat(timespec="seconds")
    zone.registry.add_answer(submission_id, key, explanation, source, who, at)
    zone.audit.record(who, "query_answer", f"{submission.rocu_code} {submission.period} v{submission.version}",
                      {"submission_id": submission_id, "query": query.number, "rule": query.rule, "key": key,
                       "source": source, "explanation": explanation})
    if source != "file":  # the file's own explanations arrive with its verdict, which rings for them
        ask_for_refresh(zone.root.parent, f"query_answer {submission.rocu_code} {submission.period} "
                        f"v{submission.version}", *submission.refresh_slice, changed=ANSWERS)
    return next(q for q in queries(zone, submission) if q.key == key)


def answer_from_file(zone: LandingZone, submission: Submission, comments: list[dict]) -> list[Query]:
    """Answer each open query with the explanation the unit wrote beside its figure in the file (a
    Comments or Notes cell on the figure's row), as the person who sent the file."""
    beside = {(c["source_sheet"], c["source_row"], c["source_column"]): c["comment"] for c in comments}
    answered = []
    for q in open_queries(zone, submission):
        if (q.sheet, q.row, q.column) in beside:
            try:
                answered.append(answer_query(zone, q.submission_id, q.key, beside[(q.sheet, q.row, q.column)],
                                             submission.submitted_by, source="file"))
            except ValueError:  # not an answer as it stands (too long): the query stays open for one on the page
                continue
    return answered


def refuse_open_queries(zone: LandingZone, submission: Submission, approver: str) -> None:
    """Raise OpenQueries, after recording the refusal, if any query of `submission` is open."""
    still_open = open_queries(zone, submission)
    if not still_open:
        return
    target = f"{submission.rocu_code} {submission.period} v{submission.version}"
    zone.audit.record(approver, "approval_refused", target,
                      {"submission_id": submission.submission_id, "reason": "open_queries",
                       "open_queries": [q.key for q in still_open]})
    count = f"{len(still_open)} quer{'y is' if len(still_open) == 1 else 'ies are'}"
    raise OpenQueries(
        f"Version {submission.version} of {submission.rocu_code}'s return for {submission.period} cannot be signed "
        f"off yet: {count} still open. Each must be answered (the figure confirmed with an explanation) or the "
        "figure corrected by uploading a new version first. Open: "
        + "; ".join(q.describe() for q in still_open) + ".")
