"""What only pages need on top of the shared formats (pipelines.serving.formats): text from a
user's file shown exactly as typed, and exports that are safe to open in Excel.

Exports hold typed figures: a number stays a number in the file (rounded to the precision its
measure has, so no float noise), and formatting (£, thousands separators) is only for display.
Every export carries its metadata: an XLSX has a "metadata" sheet; a CSV has a companion
"<name>-metadata.csv" offered beside it (a CSV has one table, and a header block above the data
would stop it parsing as a table). Both list the definition, base, period, build, data date and
each column's unit code and name.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

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


@dataclass(frozen=True)
class ExportColumn:
    """A figure column of an export: its unit of measure (code and name) and its precision."""

    name: str
    unit_code: str  # e.g. gbp, count, per_100k_population
    unit_name: str  # e.g. pounds, number per 100,000 population
    decimals: int


@dataclass(frozen=True)
class ExportMetadata:
    """What a person needs to read an export without the page beside it."""

    title: str
    definition: str = ""
    base: str = ""
    period: str = ""
    build_id: str = ""
    published_at: str = ""
    data_date: str = ""
    columns: tuple[ExportColumn, ...] = ()

    def table(self) -> pd.DataFrame:
        """Field and value rows, then one row per figure column with its unit code, unit and decimals."""
        fields = [("Title", self.title), ("Definition", self.definition), ("Base", self.base),
                  ("Period", self.period), ("Build", self.build_id), ("Published", self.published_at),
                  ("Data date", self.data_date)]
        rows = [{"Field": f, "Value": v or "not applicable"} for f, v in fields]
        rows += [{"Field": f"Column: {c.name}", "Value": c.unit_name, "Unit code": c.unit_code,
                  "Decimals": c.decimals} for c in self.columns]
        return pd.DataFrame(rows, columns=["Field", "Value", "Unit code", "Decimals"]).astype({"Decimals": "Int64"})


def rounded(frame: pd.DataFrame, columns: tuple[ExportColumn, ...]) -> pd.DataFrame:
    """Figures rounded to their measure's precision (3.39, not 3.3900000000000001); whole ones as integers."""
    out = frame.copy()
    for c in columns:
        if c.name in out.columns:
            values = pd.to_numeric(out[c.name], errors="coerce").round(c.decimals)
            out[c.name] = values.astype("Int64") if c.decimals == 0 else values
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    return defuse(frame).to_csv(index=False).encode("utf-8-sig")  # BOM: Excel reads £ correctly


def metadata_csv_bytes(metadata: ExportMetadata) -> bytes:
    """The companion file of a CSV export: its metadata, as a table of its own."""
    return to_csv_bytes(metadata.table())


def to_xlsx_bytes(frame: pd.DataFrame, sheet: str = "data", metadata: ExportMetadata | None = None) -> bytes:
    """A workbook of typed cells (numbers stay numbers, shown to their precision) and a metadata sheet."""
    buffer = io.BytesIO()
    sheet = sheet[:31] if sheet[:31] != "metadata" else "data"
    with pd.ExcelWriter(buffer, engine="xlsxwriter",
                        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}}) as xl:
        defuse(frame).to_excel(xl, sheet_name=sheet, index=False)
        if metadata is not None:
            formats = {c.name: c.decimals for c in metadata.columns}
            for i, col in enumerate(frame.columns):
                if col in formats:  # display only: the cell keeps its full (rounded) number
                    number = xl.book.add_format({"num_format": "#,##0" + ("." + "0" * formats[col] if formats[col] else "")})
                    xl.sheets[sheet].set_column(i, i, max(12, len(str(col)) + 2), number)
            defuse(metadata.table()).to_excel(xl, sheet_name="metadata", index=False)
    return buffer.getvalue()


def escape_markdown(value) -> str:
    """Text from a user's file, escaped so a Markdown table shows it exactly as typed."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    text = MARKDOWN_SPECIALS.sub(r"\\\1", str(value))
    return LINE_START_SPECIALS.sub(lambda m: (m.group(1) or "") + "\\" + m.group(2), text, count=1)
