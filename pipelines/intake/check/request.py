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
UNIT = re.compile(r"[A-Za-z]{2,12}", re.ASCII)
EARLIEST_YEAR = 2000


class InvalidRequest(ValueError):
    """The unit or month is not one a return can be made for; the message says why, in plain words."""


@dataclass(frozen=True)
class ReturnRequest:
    rocu_code: str  # exactly as in seeds/reference/rocus.csv
    period: str  # YYYY-MM, a month that has ended


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


def validate_request(rocu_code: str, period: str, today: date) -> ReturnRequest:
    """Both checks at once, so a person sees every problem with what they typed in one go."""
    problems, unit, month = [], None, None
    try:
        unit = normalise_unit(rocu_code)
    except InvalidRequest as bad:
        problems.append(str(bad))
    try:
        month = normalise_period(period, today)
    except InvalidRequest as bad:
        problems.append(str(bad))
    if problems:
        raise InvalidRequest(" ".join(problems))
    return ReturnRequest(unit, month)
