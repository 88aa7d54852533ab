"""Read what people type into cells: labels, figures and months.

Returns are typed by hand, so the same thing arrives many ways: ' Arrests ', 'ARRESTS';
'£1,234,567', '1,234', '45%', '(12)'; 'March 2025', 'Mar-25', '31/03/2025' or an Excel
date. These functions accept all of them and refuse anything ambiguous, so a figure is
either read exactly or reported, never guessed.
"""

from __future__ import annotations

import calendar
import math
import re
from datetime import date, timedelta

# Cells that mean "no figure given" rather than zero or an error.
BLANK_MARKERS = frozenset({"", "-", "–", "—", "n/a", "na", "not collected"})
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")
_MONTHS = {name.casefold(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS |= {name.casefold(): i for i, name in enumerate(calendar.month_abbr) if name}
_MONTHS |= {"sept": 9}
EXCEL_EPOCH = date(1899, 12, 30)


def normalise_label(text: str) -> str:
    """The key labels are matched on: trimmed, inner spaces collapsed, case ignored."""
    return " ".join(str(text).split()).casefold()


def is_blank(raw: str | None) -> bool:
    return raw is None or normalise_label(raw) in BLANK_MARKERS


def parse_number(raw: str) -> float | None:
    """A typed figure as a number, or None if it is not one.

    Pound signs, spaces and a trailing % are dropped (45% -> 45: the label map says what
    the figure is in); commas must be thousands separators; (12) is accounting for -12.
    """
    text = raw.strip().replace("\u00a0", "").replace(" ", "").replace("£", "")
    negative = text.startswith("(") and text.endswith(")")
    if negative:
        text = text[1:-1]
    if text.endswith("%"):
        text = text[:-1]
    if "," in text:
        if not _GROUPED.fullmatch(text):
            return None
        text = text.replace(",", "")
    if not _NUMBER.fullmatch(text):
        return None
    value = float(text)
    if not math.isfinite(value):  # '1e309' overflows to infinity: no count or amount is that
        return None
    return -value if negative else value


def parse_month(raw: str | None) -> str | None:
    """A cell naming a month -> 'YYYY-MM', or None if it does not clearly name one."""
    if raw is None:
        return None
    text = raw.strip()
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})(?:-(\d{1,2}))?(?:[ T][\d:.]+)?", text):
        year, mon = int(m.group(1)), int(m.group(2))
    elif m := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text):  # British day/month/year
        year, mon = int(m.group(3)), int(m.group(2))
    elif m := re.fullmatch(r"([A-Za-z]+)[\s\-/']*(\d{4}|\d{2})", text):
        mon = _MONTHS.get(m.group(1).casefold(), 0)
        year = int(m.group(2)) + (2000 if len(m.group(2)) == 2 else 0)
    elif m := re.fullmatch(r"(\d{5})(?:\.0+)?", text):  # an Excel serial date read as text
        day = EXCEL_EPOCH + timedelta(days=int(m.group(1)))
        year, mon = day.year, day.month
    else:
        return None
    if not (1 <= mon <= 12 and 1990 <= year <= 2100):
        return None
    return f"{year:04d}-{mon:02d}"
