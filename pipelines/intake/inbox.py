"""The inbox: files dropped in inbox/<UNIT>/ are submitted like an upload, each exactly once.

Each file is moved aside before it is submitted (to .taken/, so a rerun never submits it
twice) or refused (to .refused/, with the reason beside it), so the inbox only ever holds
files not yet looked at.
"""

from __future__ import annotations

import re
from datetime import date, datetime, UTC
from pathlib import Path

from pipelines.intake.check.arrival import MAX_BYTES
from pipelines.intake.check.request import validate_request
from pipelines.intake.land.zone import LandingZone, read_offered_file
from pipelines.intake.service import submit_return

INBOX_NAME = re.compile(r"(?P<period>\d{4}-\d{2})", re.ASCII)  # inbox/<UNIT>/<anything with YYYY-MM>.csv|.xlsx
# A quarterly resources return: inbox/<UNIT>/<anything with YYYY-Qn>.csv|.xlsx (a financial-year quarter)
INBOX_QUARTER = re.compile(r"(?P<period>\d{4}-Q\d)", re.ASCII | re.IGNORECASE)


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
        _set_aside(inbox / ".taken" / path.parent.name, path)
        submit_return(zone, content, original_name=path.name, rocu_code=request.rocu_code, period=request.period,
                      submitted_by=f"inbox:{request.rocu_code}", kind=kind)
        taken += 1
    return taken


def waiting_in_inbox(zone: LandingZone) -> list[Path]:
    """The files in inbox/<UNIT>/ not yet looked at: a directory listing, nothing opened or read
    (what the sensor asks before it requests a take-in run)."""
    return [path for path in sorted((zone.root / "inbox").glob("*/*"))
            if not (path.parent.name.startswith(".") or path.name.startswith("."))]


def _set_aside(folder: Path, path: Path, reason: str | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    path.replace(folder / path.name)  # moves a link itself, never what it points to
    if reason:
        (folder / f"{path.name}.reason.txt").write_text(reason + "\n")
