"""When a submission needs a reason: after the month's deadline, or replacing a signed-off return.

The deadline is the rule the warehouse uses (int_submission_deadlines): the end of the Nth
working day (England and Wales bank holidays excluded) of the following month, UK time, N
from the submission window in force (seeds/reference/submission_windows.csv). The intake
needs it live, before any build, so it is worked out here from the same seeds; a test holds
the two to the same dates. A quarterly resources return has no deadline rule, so only the
signed-off rule applies to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, UTC
from functools import cache
from zoneinfo import ZoneInfo

import polars as pl

from pipelines import reference
from pipelines.months import add_months, month_label, month_start
from pipelines.settings import SEEDS_DIR

UK = ZoneInfo("Europe/London")


class ReasonRequired(ValueError):
    """The submission needs a reason and none was given; the message says why, in plain words."""


@dataclass(frozen=True)
class Justification:
    """One thing about a submission that a person must give a reason for."""

    rule: str  # "late" or "replaces_signed_off"
    warning: str  # plain English, shown before the person submits


@cache
def _bank_holidays() -> frozenset[date]:
    frame = pl.read_csv(SEEDS_DIR / "reference" / "bank_holidays.csv", try_parse_dates=True)
    return frozenset(frame["holiday_date"].to_list())


def deadline_date(period: str) -> date | None:
    """The last day a month's return is on time (None before the first submission window)."""
    rule = reference.window_for(period)
    if rule is None:
        return None
    wanted, day, count = int(rule["deadline_working_day"]), month_start(add_months(period, 1)), 0
    while True:
        if day.weekday() < 5 and day not in _bank_holidays():
            count += 1
            if count == wanted:
                return day
        day += timedelta(days=1)


def deadline_at(period: str) -> datetime | None:
    """The moment the month's return becomes late: midnight at the end of the deadline day, UK time."""
    day = deadline_date(period)
    return None if day is None else datetime.combine(day + timedelta(days=1), time(), UK)


def justifications(*, period: str, kind: str, signed_off: list[int], at: datetime | None = None) -> list[Justification]:
    """What a submission for `period` at `at` would need a reason for.

    `signed_off` holds the version numbers of this unit-period that have been signed off:
    a new version replaces them in the published figures once accepted.
    """
    at = at or datetime.now(UTC)
    if at.tzinfo is None:  # a time without a zone is UK local time (the demo manifest's submission times)
        at = at.replace(tzinfo=UK)
    needed = []
    if kind == "monthly" and (due := deadline_at(period)) is not None and at >= due:
        needed.append(Justification("late", f"The deadline for {month_label(period)} was the end of "
                                    f"{_long(deadline_date(period))}: this submission is late."))
    if signed_off:
        versions = ", ".join(str(v) for v in sorted(signed_off))
        needed.append(Justification("replaces_signed_off", f"Version {versions} of this return has been signed "
                                    "off: if this file is accepted it replaces the signed-off figures."))
    return needed


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def require_reason(needed: list[Justification], reason: str | None) -> str | None:
    """The reason, stripped, if one is needed and given; ReasonRequired if needed and missing."""
    reason = (reason or "").strip() or None
    if needed and reason is None:
        raise ReasonRequired(" ".join(j.warning for j in needed)
                             + " Give a reason for submitting it; the reason is kept in the audit trail.")
    return reason
