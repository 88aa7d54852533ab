"""The unit and month a file is offered for, checked before anything is written.

The unit and month decide where a file is registered and who may send it, so they are
settled first: a unit code is one of the codes in seeds/reference/rocus.csv exactly (ASCII
letters; case and surrounding spaces are forgiven, look-alike letters from other scripts
are not), and a month is `YYYY-MM` in ASCII digits for a month that has ended. Anything
else is refused with a message, and nothing is landed, registered or audited as a return.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from pipelines import reference

PERIOD = re.compile(r"(\d{4})-(\d{2})", re.ASCII)
QUARTER = re.compile(r"(\d{4})-Q(\d)", re.ASCII | re.IGNORECASE)
UNIT = re.compile(r"[A-Za-z]{2,12}", re.ASCII)
EARLIEST_YEAR = 2000


class InvalidRequest(ValueError):
    """The unit or month is not one a return can be made for; the message says why, in plain words."""


@dataclass(frozen=True)
class ReturnRequest:
    rocu_code: str  # exactly as in seeds/reference/rocus.csv
    period: str  # YYYY-MM, a month that has ended (YYYY-Qn, a quarter, for a resources return)


def normalise_unit(raw: str) -> str:
    """The unit code exactly as the reference data spells it, or InvalidRequest."""
    text = raw.strip(" \t\r\n") if isinstance(raw, str) else ""
    codes = sorted(reference.rocus()["rocu_code"])
    if not UNIT.fullmatch(text) or text.upper() not in codes:
        raise InvalidRequest(f"{raw!r} is not a ROCU code. Use one of: {', '.join(codes)}.")
    return text.upper()


def normalise_period(raw: str, today: date) -> str:
    """`YYYY-MM` for a month that has ended, or InvalidRequest."""
    text = raw.strip(" \t\r\n") if isinstance(raw, str) else ""
    match = PERIOD.fullmatch(text)
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < EARLIEST_YEAR:
        raise InvalidRequest(f"{raw!r} is not a month. Write the month the return is for as YYYY-MM, "
                             "for example 2025-03 for March 2025.")
    if (int(match[1]), int(match[2])) >= (today.year, today.month):
        raise InvalidRequest(f"{text} has not ended yet: a return can only be made for a month that has ended.")
    return text


def quarter_months(quarter: str) -> tuple[int, int, int]:
    """Financial-year quarter 'YYYY-Qn' -> (year, first month, last month) of the calendar months
    it covers: 2025-Q1 is April to June 2025, 2025-Q4 January to March 2026 (as dim_quarter)."""
    match = QUARTER.fullmatch(quarter)
    year, n = int(match[1]), int(match[2])
    first = 3 * n + 1
    return (year, first, first + 2) if n < 4 else (year + 1, 1, 3)


def normalise_quarter(raw: str, today: date) -> str:
    """`YYYY-Qn` (financial year, Q1 = April to June) for a quarter that has ended, or InvalidRequest."""
    text = raw.strip(" \t\r\n") if isinstance(raw, str) else ""
    match = QUARTER.fullmatch(text)
    if not match or not 1 <= int(match[2]) <= 4 or int(match[1]) < EARLIEST_YEAR:
        raise InvalidRequest(f"{raw!r} is not a quarter. Write the financial-year quarter the return is for as "
                             "YYYY-Qn, for example 2025-Q1 for April to June 2025 or 2025-Q4 for January to "
                             "March 2026.")
    text = text.upper()
    year, _, last = quarter_months(text)
    if (year, last) >= (today.year, today.month):
        raise InvalidRequest(f"{text} has not ended yet: a resources return can only be made for a quarter "
                             "that has ended.")
    return text


# How each kind of return names its period: a monthly return a month, a resources return a quarter.
PERIOD_RULES = {"monthly": normalise_period, "resources": normalise_quarter}


def validate_request(rocu_code: str, period: str, today: date, kind: str = "monthly") -> ReturnRequest:
    """Both checks at once, so a person sees every problem with what they typed in one go."""
    problems, unit, month = [], None, None
    try:
        unit = normalise_unit(rocu_code)
    except InvalidRequest as bad:
        problems.append(str(bad))
    try:
        month = PERIOD_RULES[kind](period, today)
    except InvalidRequest as bad:
        problems.append(str(bad))
    if problems:
        raise InvalidRequest(" ".join(problems))
    return ReturnRequest(unit, month)
