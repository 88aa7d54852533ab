"""British formats, honest small numbers and safe exports, shared by every page."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, UTC

import pandas as pd

# One way to write a figure and a share, shared with the board papers: £1,234, 12.5 kg, and
# '1 of 3' below a small base, never a bare '33%'. Re-exported for the pages.
from pipelines.papers.numbers import SMALL_BASE, share  # noqa: F401
from pipelines.papers.numbers import amount as figure  # noqa: F401

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Characters that st.table would read as Markdown; text from a user's file must show as typed.
MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]<>#|$~@])")
LINE_START_SPECIALS = re.compile(r"^(\d+)?([-+.)])")


def month_label(month: str) -> str:
    """'2025-03' -> 'March 2025'."""
    year, mon = month.split("-")
    return date(int(year), int(mon), 1).strftime("%B %Y")


def day(value: date | str | None) -> str:
    """A date the British way: '13 March 2026' ('–' when there is none)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    d = date.fromisoformat(value[:10]) if isinstance(value, str) else value
    return f"{d.day} {d:%B %Y}"


def moment(value: str | datetime | None) -> str:
    """A timestamp the British way, in UTC: '8 June 2026, 14:44 UTC'."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    t = datetime.fromisoformat(value) if isinstance(value, str) else value
    t = t.astimezone(UTC) if t.tzinfo else t  # the registry stores UTC
    return f"{day(t.date())}, {t:%H:%M} UTC"


def count(n: int, noun: str) -> str:
    """'1 warning', '2 warnings'."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def defuse(frame: pd.DataFrame) -> pd.DataFrame:
    """Make text cells safe to open in Excel: a leading =, +, -, @ must not start a formula."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(
                lambda v: "'" + v if isinstance(v, str) and v.startswith(FORMULA_PREFIXES) else v)
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    return defuse(frame).to_csv(index=False).encode("utf-8-sig")  # BOM: Excel reads £ correctly


def to_xlsx_bytes(frame: pd.DataFrame, sheet: str = "data") -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter",
                        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}}) as xl:
        defuse(frame).to_excel(xl, sheet_name=sheet[:31], index=False)
    return buffer.getvalue()


def flag_small(value: float | None, unit: str) -> str:
    """A count with its small base flagged, so a rate built on it is read with care."""
    text = figure(value, unit)
    small = unit == "count" and value is not None and not pd.isna(value) and value < SMALL_BASE
    return f"{text} (small base)" if small else text


def plain(value) -> str:
    """Text from a user's file, escaped so a Markdown table shows it exactly as typed."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    text = MARKDOWN_SPECIALS.sub(r"\\\1", str(value))
    return LINE_START_SPECIALS.sub(lambda m: (m.group(1) or "") + "\\" + m.group(2), text, count=1)
