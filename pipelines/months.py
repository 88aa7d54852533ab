"""Months, financial years and working days: one calendar for the generator, the template and pages.

Returns are monthly and the financial year starts in April. `submission_deadline` is the
demo generator's approximation (10th weekday of the next month, bank holidays ignored);
the deadline that counts is computed in dbt (int_submission_deadlines) from the seeds.
"""

from __future__ import annotations

from datetime import date, timedelta

DEADLINE_WORKING_DAY = 10


def parse_month(month: str) -> tuple[int, int]:
    """'2025-03' -> (2025, 3); raises ValueError for anything else."""
    year, mon = month.split("-")
    if len(year) != 4 or not 1 <= int(mon) <= 12:
        raise ValueError(f"not a month in YYYY-MM form: {month!r}")
    return int(year), int(mon)


def add_months(month: str, n: int) -> str:
    year, mon = parse_month(month)
    index = year * 12 + (mon - 1) + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_range(end: str, months: int) -> list[str]:
    """The ``months`` months ending with ``end``, oldest first."""
    return [add_months(end, -k) for k in range(months - 1, -1, -1)]


def months_between(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` inclusive."""
    out = [first]
    while out[-1] < last:
        out.append(add_months(out[-1], 1))
    return out


def month_start(month: str) -> date:
    year, mon = parse_month(month)
    return date(year, mon, 1)


def month_end(month: str) -> date:
    return month_start(add_months(month, 1)) - timedelta(days=1)


def days_in_month(month: str) -> int:
    return month_end(month).day


def financial_year_start(month: str) -> str:
    """The April that opens the financial year containing ``month``."""
    year, mon = parse_month(month)
    return f"{year if mon >= 4 else year - 1:04d}-04"


def financial_year_to_date(month: str) -> list[str]:
    """April .. ``month``: the columns or rows a year-to-date return carries."""
    return months_between(financial_year_start(month), month)


def working_day(month: str, n: int) -> date:
    """The n-th weekday (1-based) of ``month``."""
    day = month_start(month)
    count = 0
    while True:
        if day.weekday() < 5:
            count += 1
            if count == n:
                return day
        day += timedelta(days=1)


def submission_deadline(period: str) -> date:
    """Last day a return for ``period`` is on time: 10th working day of the next month."""
    return working_day(add_months(period, 1), DEADLINE_WORKING_DAY)


def month_label(month: str) -> str:
    """'2025-03' -> 'March 2025', the way people write it."""
    return month_start(month).strftime("%B %Y")
