"""How figures, dates and times are written, for pages and board papers alike.

One module, so a page and a paper write the same figure, share and date the same way:
£1,234, 12.5 kg, '1 of 3' below a small base (never a bare '33%'), '13 March 2026'. Months
are named by the calendar (`pipelines.months.month_label`). Formatting only: every figure
is computed in dbt.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

SMALL_BASE = 10  # below this base a share is written "n of N", never as a percentage


def missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(value) in ("<NA>", "NaT", "nan")


def or_none(value: float | None) -> float | None:
    """A figure, or None where it is missing (a chart's reference line, a finding's median)."""
    return None if missing(value) else value


def count(value: float | None) -> str:
    return "–" if missing(value) else f"{float(value):,.0f}"


def decimal(value: float | None, places: int = 1) -> str:
    return "–" if missing(value) else f"{float(value):,.{places}f}"


def rate_100k(value: float | None) -> str:
    """Per 100,000 population, two decimals: 3.39."""
    return decimal(value, 2)


def rate_officer(value: float | None) -> str:
    """Per police officer, four decimals: 0.0215."""
    return decimal(value, 4)


def rate(value: float | None, unit: str, per: str = "100k") -> str:
    """A rate in the figure's own unit: £28,670 or 3.39 per 100,000; £5.73 or 0.0215 per officer."""
    if missing(value):
        return "–"
    if unit == "gbp":
        return f"£{value:,.0f}" if per == "100k" else f"£{value:,.2f}"
    text = rate_100k(value) if per == "100k" else rate_officer(value)
    return f"{text} kg" if unit == "kg" else text


def scaled_rate(value: float | None, unit: str, decimals: int) -> str:
    """A rate at a scale people read, to its base's precision (dim_rate_scale): 3.39, 2.15 kg; money
    in whole pounds (£573 per 100 officers), never pennies."""
    if missing(value):
        return "–"
    if unit == "gbp":
        return f"£{value:,.0f}"
    text = decimal(value, decimals)
    return f"{text} kg" if unit == "kg" else text


def axis_title(name: str, axis_label: str, per: str = "") -> str:
    """A chart axis naming its unit: 'Cash seized per 100 officers (£)', 'Arrests (number)'."""
    return f"{name}{' ' + per if per else ''} ({axis_label})"


def pct(value: float | None) -> str:
    return "–" if missing(value) else f"{float(value):.0f}%"


def share(numerator: float | None, denominator: float | None) -> str:
    """'1 of 3' below the small base, '45% (27 of 59)' above it."""
    if missing(denominator) or not denominator:
        return "none due"
    numerator = 0 if missing(numerator) else numerator
    if denominator < SMALL_BASE:
        return f"{numerator:,.0f} of {denominator:,.0f}"
    return f"{100 * numerator / denominator:.0f}% ({numerator:,.0f} of {denominator:,.0f})"


def share_with_base(numerator: float | None, base: float | None, share_pct: float | None, is_small: bool,
                    noun: str) -> str:
    """A share computed in dbt, with its base: '54% (13 of 24 disruptions)'; a small base (the
    mart's is_small_base) as '1 of 3 disruptions (small base)', never a bare percentage."""
    if missing(base) or not base:
        return f"no {noun}"
    numerator = 0 if missing(numerator) else numerator
    if is_small:
        return f"{numerator:,.0f} of {base:,.0f} {noun} (small base)"
    return f"{share_pct:.0f}% ({numerator:,.0f} of {base:,.0f} {noun})"


def amount(value: float | None, unit: str) -> str:
    """A figure in its framework unit: £1,234, 12.5 kg, 1,234."""
    if missing(value):
        return "–"
    if unit == "gbp":
        return f"£{value:,.0f}"
    if unit == "kg":
        return f"{value:,.1f} kg"
    if unit == "percent":
        return f"{value:.1f}%"
    if unit in ("fte", "score", "years"):
        return f"{value:,.1f}"
    return count(value)


def plain(value: float | None) -> str:
    """A median or count without spurious decimals: 3, 2.5."""
    if missing(value):
        return "–"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def long_date(day: date) -> str:
    """12 March 2025."""
    return f"{day.day} {day:%B %Y}"


def day(value: date | str | None) -> str:
    """A date the British way: '13 March 2026' ('–' when there is none)."""
    if missing(value):
        return "–"
    return long_date(date.fromisoformat(value[:10]) if isinstance(value, str) else value)


def moment(value: str | datetime | None) -> str:
    """A timestamp the British way, in UTC: '8 June 2026, 14:44 UTC'."""
    if missing(value):
        return "–"
    t = datetime.fromisoformat(value) if isinstance(value, str) else value
    t = t.astimezone(UTC) if t.tzinfo else t  # the registry stores UTC
    return f"{day(t.date())}, {t:%H:%M} UTC"


def counted(n: int, noun: str) -> str:
    """'1 warning', '2 warnings'."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def flag_small(value: float | None, unit: str) -> str:
    """A count with its small base flagged, so a rate built on it is read with care."""
    text = amount(value, unit)
    small = unit == "count" and not missing(value) and value < SMALL_BASE
    return f"{text} (small base)" if small else text
