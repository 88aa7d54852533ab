"""Filters kept in the URL, export buttons and empty states, shared by every page."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards.data import query
from dashboards.format import to_csv_bytes, to_xlsx_bytes

PERIOD_TYPES = {"financial_year": "Financial year", "quarter": "Quarter", "month": "Month"}


def url_select(label: str, options: list, key: str, format_func=str, default_index: int = 0):
    """A selectbox whose choice lives in the URL (?key=value), so a view can be shared."""
    if not options:
        return None
    current = st.query_params.get(key)
    index = options.index(current) if current in options else min(default_index, len(options) - 1)
    choice = st.selectbox(label, options, index=index, key=f"w_{key}", format_func=format_func)
    st.query_params[key] = str(choice)
    return choice


def period_filter(container=st) -> tuple[str, str]:
    """Period type and period, newest first, from what the warehouse holds."""
    with container:
        kind = url_select("Period", list(PERIOD_TYPES), "period_type", format_func=PERIOD_TYPES.get)
        periods = query(
            "select period, max(months_reported) = any_value(months_in_period) as complete"
            " from marts.fct_metric_comparison where period_type = ? group by period order by period desc", (kind,))
        # Default to the newest complete period: a part-year beside full years misleads.
        complete = periods.index[periods["complete"]].tolist()
        period = url_select(PERIOD_TYPES[kind], periods["period"].tolist(), "period",
                            default_index=complete[0] if complete else 0)
    return kind, period


def no_data(message: str = "The warehouse has not been built yet. Run `make demo` to build it from the demo data."):
    st.info(message)
    st.stop()


def exports(frame: pd.DataFrame, name: str) -> None:
    """CSV and XLSX downloads of a table, safe to open in Excel."""
    left, right, _ = st.columns([1, 1, 6])
    left.download_button("Download CSV", to_csv_bytes(frame), f"{name}.csv", "text/csv", key=f"csv_{name}")
    right.download_button("Download XLSX", to_xlsx_bytes(frame, name), f"{name}.xlsx",
                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=f"xlsx_{name}")
