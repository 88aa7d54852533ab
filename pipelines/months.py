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


MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December")


def financial_quarter(month: str) -> str:
    """The financial-year quarter 'YYYY-Qn' holding ``month`` (Q1 = April to June): '2026-02' -> '2025-Q4'."""
    year, mon = parse_month(month)
    first_april = year if mon >= 4 else year - 1
    return f"{first_april:04d}-Q{(mon - 4) % 12 // 3 + 1}"


def quarter_label(quarter: str) -> str:
    """'2025-Q1' -> 'April to June 2025 (2025/26 Q1)', the words the resources return's quarter is read in."""
    year, n = int(quarter[:4]), int(quarter[-1])
    first = add_months(f"{year:04d}-04", 3 * (n - 1))
    last = add_months(first, 2)
    fy = f"{year}/{(year + 1) % 100:02d}"
    return f"{MONTH_NAMES[parse_month(first)[1] - 1]} to {MONTH_NAMES[parse_month(last)[1] - 1]} {last[:4]} ({fy} Q{n})"


def ended_quarters(today: date, count: int) -> list[str]:
    """The ``count`` financial-year quarters that ended before ``today``, newest first (a resources
    return is for a quarter that has ended)."""
    this_month = f"{today.year:04d}-{today.month:02d}"
    current = financial_quarter(this_month)
    out, month = [], this_month
    while len(out) < count:
        month = add_months(month, -1)
        quarter = financial_quarter(month)
        if quarter != current and quarter not in out:
            out.append(quarter)
    return out
