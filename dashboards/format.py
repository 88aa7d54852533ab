"""British formats, honest small numbers and safe exports, shared by every page."""

from __future__ import annotations

import io
from datetime import date

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
SMALL_BASE = 10  # below this many, a share is shown as "n of N", not as a bare percentage


def month_label(month: str) -> str:
    """'2025-03' -> 'March 2025'."""
    year, mon = month.split("-")
    return date(int(year), int(mon), 1).strftime("%B %Y")


def figure(value: float | None, unit: str) -> str:
    """A figure with its unit, British style: £1,234, 12.5 kg, 1,234, 45.0%."""
    if value is None or pd.isna(value):
        return "–"
    if unit == "gbp":
        return f"£{value:,.0f}"
    if unit == "kg":
        return f"{value:,.1f} kg"
    if unit == "percent":
        return f"{value:.1f}%"
    if unit in ("fte", "score"):
        return f"{value:,.1f}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def share(numerator: float, denominator: float) -> str:
    """A share that never hides a small base: '1 of 3' rather than '33%'."""
    if not denominator:
        return "no base"
    if denominator < SMALL_BASE:
        return f"{numerator:,.0f} of {denominator:,.0f}"
    return f"{100 * numerator / denominator:.0f}% ({numerator:,.0f} of {denominator:,.0f})"


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
