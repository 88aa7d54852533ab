"""Taking a monthly return in: land it, check it, give a verdict, keep the standardised values.

Whatever happens next, the file is stored as sent first. Content of a rejected file goes
no further than its report; accepted content is saved beside the registry for the
pipeline to load.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import polars as pl

from pipelines.check.arrival import check_arrival
from pipelines.check.problems import Problem
from pipelines.check.report import write_report
from pipelines.land.registry import Submission
from pipelines.land.zone import LandingZone
from pipelines.standardise.returns import parse_return


@dataclass(frozen=True)
class Verdict:
    submission: Submission
    problems: list[Problem]
    created: bool  # False when the same bytes had already been submitted

    @property
    def accepted(self) -> bool:
        return self.submission.state in ("accepted", "accepted_with_warnings", "superseded")

    def summary(self) -> str:
        s = self.submission
        words = {"accepted": "ACCEPTED", "accepted_with_warnings": "ACCEPTED WITH WARNINGS", "rejected": "REJECTED",
                 "superseded": "ACCEPTED (since superseded)", "received": "RECEIVED"}[s.state]
        again = "" if self.created else " (this exact file was already submitted; nothing new was stored)"
        return (f"{words}: {s.original_name} for {s.rocu_code} {s.period}, version {s.version}, "
                f"{s.error_count} errors, {s.warning_count} warnings{again}")


def state_for(problems: list[Problem]) -> str:
    if any(p.severity == "error" for p in problems):
        return "rejected"
    return "accepted_with_warnings" if problems else "accepted"


def submit_return(zone: LandingZone, content: bytes, *, original_name: str, rocu_code: str, period: str,
                  submitted_by: str, submitted_at: datetime | None = None, today: date | None = None) -> Verdict:
    """Land, check and judge one return. Idempotent for the same bytes, unit and month."""
    name = Path(original_name).name
    submission, created = zone.land(content, original_name=name, rocu_code=rocu_code, period=period,
                                    submitted_by=submitted_by, submitted_at=submitted_at)
    if not created and submission.state != "received":
        return Verdict(submission, [Problem(**{k: p[k] for k in Problem.__dataclass_fields__})
                                    for p in zone.registry.problems(submission.submission_id)], created=False)

    today = today or datetime.now(timezone.utc).date()
    problems = check_arrival(content, name, rocu_code, period, today)
    values = unmapped = None
    if not problems:
        parsed = parse_return(zone.path_of(submission), rocu_code, period)
        # Messages name the file as the user sent it, not its stored (hash) name.
        problems = [dataclasses.replace(p, file=name) for p in parsed.problems]
        values, unmapped = parsed.values, parsed.unmapped
    state = state_for(problems)
    if state != "rejected":
        _save_standardised(zone, submission.submission_id, values, unmapped)
    submission = zone.registry.record_verdict(submission.submission_id, problems, state)
    write_report(zone.root / "reports", submission, problems)
    return Verdict(submission, problems, created=True)


def _save_standardised(zone: LandingZone, submission_id: int, values: pl.DataFrame,
                       unmapped: pl.DataFrame) -> None:
    folder = zone.root / "standardised"
    folder.mkdir(parents=True, exist_ok=True)
    for kind, frame in (("values", values), ("unmapped", unmapped)):
        frame = frame.with_columns(pl.lit(submission_id, pl.Int64).alias("submission_id"))
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".tmp", delete=False) as tmp:
            frame.write_parquet(tmp.name)
        Path(tmp.name).replace(folder / f"{submission_id}.{kind}.parquet")


def load_report(zone: LandingZone, submission_id: int) -> dict:
    return json.loads((zone.root / "reports" / f"{submission_id}.json").read_text())
