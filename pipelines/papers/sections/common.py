"""What every section builder shares: the request in context, table and chart helpers."""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Callable
from functools import partial

import pandas as pd

from pipelines.papers.charts import prefix_ids
from pipelines.papers.data import Figures
from pipelines.papers.model import Chart, Request, Table
from pipelines.papers.register import IssuedPaper


@dataclass
class Context:
    request: Request
    figures: Figures
    previous: IssuedPaper | None = None  # the paper last issued to this board (register), if any
    changed: pd.DataFrame | None = None  # the figures that changed since it (register.revisions_since)

    @property
    def focus(self) -> str | None:
        """The unit the paper is about, or None for the network edition."""
        return None if self.request.is_network else self.request.unit

    @property
    def subject(self) -> str:
        return self.focus or "the network"

    @property
    def quarter(self) -> str:
        return self.request.quarter

    @property
    def quarter_label(self) -> str:
        """'July to September 2026, financial year 2026/27' (dim_quarter)."""
        return self.figures.quarters.set_index("quarter").loc[self.quarter, "quarter_label"]

    @property
    def trend_quarters(self) -> list[str]:
        """The quarters of the paper's scheme ending with its own, oldest first (dim_quarter)."""
        return self.figures.quarters["quarter"].tolist()

    @property
    def months(self) -> list[str]:
        return self.figures.months["month"].tolist()

    @property
    def units(self) -> list[str]:
        return self.figures.units["rocu_code"].tolist()

    @property
    def quarter_rows(self) -> pd.DataFrame:
        """fct_board_quarterly for the paper's quarter, one row per unit."""
        b = self.figures.board
        return b[b["quarter"] == self.quarter].set_index("rocu_code").reindex(self.units)

    def focus_row(self) -> pd.Series:
        return self.quarter_rows.loc[self.focus]

    @property
    def network(self) -> pd.Series:
        """fct_board_network_quarterly for the paper's quarter: the network's medians and totals."""
        return self.figures.network.set_index("quarter").loc[self.quarter]


def table(caption: str, data: pd.DataFrame, columns: dict[str, tuple[str, Callable | None]],
          note: str = "", row_headers: bool = True, raw_extra: dict[str, str] | None = None) -> Table:
    """A table from raw figures: `columns` maps source column -> (heading, formatter or None);
    `raw_extra` adds unformatted columns to the data (XLSX) only, e.g. the numbers behind "3 of 9"."""
    raw = data[list(columns)].reset_index(drop=True)
    shown = pd.DataFrame({
        heading: [("–" if _blank(v) else str(v)) if fmt is None else fmt(v) for v in raw[col]]
        for col, (heading, fmt) in columns.items()
    })
    tidy = raw.rename(columns={col: heading for col, (heading, _) in columns.items()})
    for col, heading in (raw_extra or {}).items():
        tidy[heading] = data[col].reset_index(drop=True)
    return Table(caption=caption, shown=shown, data=tidy, note=note, row_headers=row_headers)


def rows_table(caption: str, headings: list[str], rows: list[list], raw_rows: list[list] | None = None,
               note: str = "") -> Table:
    """A table from already formatted rows (e.g. a scorecard), with raw figures beside them for the XLSX."""
    shown = pd.DataFrame(rows, columns=headings)
    data = pd.DataFrame(raw_rows if raw_rows is not None else rows, columns=headings)
    return Table(caption=caption, shown=shown, data=data, note=note)


def chart(key: str, draw: Callable[[], str], alt: str, caption: str) -> Chart:
    """A chart drawn only when a writer asks for it; `draw` has its figures bound already
    (`partial(charts.unit_bars, values, ...)`), so a frame changed later cannot change the chart."""
    return Chart(draw=partial(_drawn_with_prefix, key, draw), alt=alt, caption=caption)


def _drawn_with_prefix(key: str, draw: Callable[[], str]) -> str:
    """Module level, not a lambda: the reports page caches a paper, which pickles its charts."""
    return prefix_ids(draw(), key)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA or value is pd.NaT
