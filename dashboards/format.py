"""What only pages need on top of the shared formats (pipelines.serving.formats): text from a
user's file shown exactly as typed, and exports that are safe to open in Excel."""

from __future__ import annotations

import io
import re

import pandas as pd


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Characters that st.table would read as Markdown; text from a user's file must show as typed.
MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]<>#|$~@])")
LINE_START_SPECIALS = re.compile(r"^(\d+)?([-+.)])")


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


def escape_markdown(value) -> str:
    """Text from a user's file, escaped so a Markdown table shows it exactly as typed."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    text = MARKDOWN_SPECIALS.sub(r"\\\1", str(value))
    return LINE_START_SPECIALS.sub(lambda m: (m.group(1) or "") + "\\" + m.group(2), text, count=1)
