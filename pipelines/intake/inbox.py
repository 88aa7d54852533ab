"""The inbox: files dropped in inbox/<UNIT>/ are submitted like an upload, each exactly once.

Each file is moved aside before it is submitted (to .taken/, so a rerun never submits it
twice) or refused (to .refused/, with the reason beside it), so the inbox only ever holds
files not yet looked at. A file submitted after its month's deadline, or replacing a
signed-off return, needs the sender's reason as any route does (workflow.submit): they put
it in a text file beside the return named like it with REASON_SUFFIX added
(NEROCU_return_2025-05.csv.submission-reason.txt); without one the file is refused.
"""

from __future__ import annotations

import re
from datetime import date, datetime, UTC
from pathlib import Path

from pipelines.intake.check.arrival import MAX_BYTES
from pipelines.intake.check.reasons import ReasonRequired
from pipelines.intake.check.request import validate_request
from pipelines.intake.land.zone import LandingZone, read_offered_file
from pipelines.intake.workflow import submit
from pipelines.months import month_label

INBOX_NAME = re.compile(r"(?P<period>\d{4}-\d{2})", re.ASCII)  # inbox/<UNIT>/<anything with YYYY-MM>.csv|.xlsx
# A quarterly resources return: inbox/<UNIT>/<anything with YYYY-Qn>.csv|.xlsx (a financial-year quarter)
INBOX_QUARTER = re.compile(r"(?P<period>\d{4}-Q\d)", re.ASCII | re.IGNORECASE)
REASON_SUFFIX = ".submission-reason.txt"  # <return's name> + this: the sender's reason, beside the return
MAX_REASON_BYTES = 8_000


def take_in_inbox(zone: LandingZone, today: date | None = None) -> int:
    """Submit files dropped in inbox/<UNIT>/ (month, or quarter for a resources return, from the
    file name), each moved aside first
    (to .taken/, so a rerun never submits it twice) or refused (to .refused/, with the reason
    beside it): a link, a folder, a name without a month, or a unit or month that cannot be."""
    taken = 0
    inbox = zone.root / "inbox"
    today = today or datetime.now(UTC).date()
    for path in waiting_in_inbox(zone):
        try:
            kind, match = "resources", INBOX_QUARTER.search(path.name)
            if not match:
                kind, match = "monthly", INBOX_NAME.search(path.name)
            if not match:
                raise ValueError(f"{path.name} has no month (YYYY-MM) in its name, nor a quarter (YYYY-Qn) for a "
                                 "resources return, so it was not submitted.")
            request = validate_request(path.parent.name, match["period"], today, kind)
            content = read_offered_file(path, MAX_BYTES)
        except ValueError as refused:  # InvalidRequest is a ValueError too
            _set_aside(inbox / ".refused" / path.parent.name, path, reason=str(refused))
            zone.audit.record(f"inbox:{path.parent.name}", "upload_refused", path.name, {"reason": str(refused)})
            continue
        sidecar = path.with_name(path.name + REASON_SUFFIX)
        reason = _reason_beside(sidecar)
        taken_to = inbox / ".taken" / path.parent.name
        _set_aside(taken_to, path)
        if sidecar.exists() or sidecar.is_symlink():
            _set_aside(taken_to, sidecar)
        try:
            submit(zone, content, original_name=path.name, rocu_code=request.rocu_code, period=request.period,
                   submitted_by=f"inbox:{request.rocu_code}", reason=reason, today=today, kind=kind)
        except ReasonRequired as refused:  # recorded as a refusal by submit; nothing was landed
            when = month_label(request.period) if kind == "monthly" else request.period
            _set_aside(inbox / ".refused" / path.parent.name, taken_to / path.name,
                       reason=f"{path.name} was not submitted for {request.rocu_code}, {when}. {refused} To submit "
                              f"it from the inbox, write the reason in a text file named {sidecar.name} and drop "
                              "it in the inbox beside the return, then drop the return in again.")
            continue
        taken += 1
    return taken


def _reason_beside(sidecar: Path) -> str | None:
    """The sender's reason from the text file beside a return, if there is one (a link or a file
    that is not text gives none)."""
    if not sidecar.exists() and not sidecar.is_symlink():
        return None
    try:
        return read_offered_file(sidecar, MAX_REASON_BYTES).decode("utf-8", errors="replace").strip() or None
    except ValueError:
        return None


def waiting_in_inbox(zone: LandingZone) -> list[Path]:
    """The files in inbox/<UNIT>/ not yet looked at: a directory listing, nothing opened or read
    (what the sensor asks before it requests a take-in run)."""
    return [path for path in sorted((zone.root / "inbox").glob("*/*"))
            if not (path.parent.name.startswith(".") or path.name.startswith(".") or path.name.endswith(REASON_SUFFIX))]


def _set_aside(folder: Path, path: Path, reason: str | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    path.replace(folder / path.name)  # moves a link itself, never what it points to
    if reason:
        (folder / f"{path.name}.reason.txt").write_text(reason + "\n")
