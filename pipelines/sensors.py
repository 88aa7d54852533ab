"""Sensors: new files in the inbox are taken in; new verdicts become warehouse runs."""

import re
from datetime import date, datetime, UTC
from pathlib import Path

from dagster import DefaultSensorStatus, RunRequest, SensorEvaluationContext, SensorResult, SkipReason, sensor

from pipelines.check.arrival import MAX_BYTES
from pipelines.check.request import validate_request
from pipelines.intake import submit_return
from pipelines.land.zone import read_offered_file
from pipelines.resources import LandingResource

INBOX_NAME = re.compile(r"(?P<period>\d{4}-\d{2})", re.ASCII)  # inbox/<UNIT>/<anything with YYYY-MM>.csv|.xlsx


def take_in_inbox(landing: LandingResource, today: date | None = None) -> int:
    """Submit files dropped in inbox/<UNIT>/ (month from the file name), each moved aside first
    (to .taken/, so a rerun never submits it twice) or refused (to .refused/, with the reason
    beside it): a link, a folder, a name without a month, or a unit or month that cannot be."""
    zone, taken = landing.zone(), 0
    inbox = zone.root / "inbox"
    today = today or datetime.now(UTC).date()
    for path in sorted(inbox.glob("*/*")):
        if path.parent.name.startswith(".") or path.name.startswith("."):
            continue
        try:
            match = INBOX_NAME.search(path.name)
            if not match:
                raise ValueError(f"{path.name} has no month (YYYY-MM) in its name, so it was not submitted.")
            request = validate_request(path.parent.name, match["period"], today)
            content = read_offered_file(path, MAX_BYTES)
        except ValueError as refused:  # InvalidRequest is a ValueError too
            _set_aside(inbox / ".refused" / path.parent.name, path, reason=str(refused))
            zone.audit.record(f"inbox:{path.parent.name}", "upload_refused", path.name, {"reason": str(refused)})
            continue
        _set_aside(inbox / ".taken" / path.parent.name, path)
        submit_return(zone, content, original_name=path.name, rocu_code=request.rocu_code, period=request.period,
                      submitted_by=f"inbox:{request.rocu_code}")
        taken += 1
    return taken


def _set_aside(folder: Path, path: Path, reason: str | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    path.replace(folder / path.name)  # moves a link itself, never what it points to
    if reason:
        (folder / f"{path.name}.reason.txt").write_text(reason + "\n")


@sensor(job_name="refresh_returns", minimum_interval_seconds=30, default_status=DefaultSensorStatus.RUNNING,
        description="Takes in files dropped in the inbox, then asks for a warehouse refresh of each unit-month "
                    "whose submission got a verdict since the last evaluation")
def returns_sensor(context: SensorEvaluationContext, landing: LandingResource):
    registry = landing.zone().registry
    # On its first evaluation the sensor starts from what is already there (the last full build
    # loaded it), so switching it on does not queue a run for every month ever submitted.
    last_seen = int(context.cursor) if context.cursor else max((s.submission_id for s in registry.submissions()),
                                                               default=0)
    taken = take_in_inbox(landing)
    new = [s for s in registry.submissions() if s.submission_id > last_seen and s.state != "received"]
    if not new:
        return SensorResult(skip_reason=SkipReason(f"no new verdicts ({taken} inbox files taken in)"),
                            cursor=str(last_seen))
    requests = {
        (s.rocu_code, s.period): RunRequest(
            run_key=f"{s.rocu_code}|{s.period}|{s.submission_id}",
            run_config={"ops": {"raw_returns": {"config": {"unit": s.rocu_code, "month": s.period}}}},
            tags={"rocu/unit": s.rocu_code, "rocu/month": s.period},
        )
        for s in new
    }
    return SensorResult(run_requests=list(requests.values()), cursor=str(max(s.submission_id for s in new)))
