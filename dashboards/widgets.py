"""Filters kept in the URL, links between pages, export buttons and empty states, shared by every page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from urllib.parse import urlencode

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from dashboards.data import current_build, query
from dashboards.format import (ExportColumn, ExportMetadata, defuse, escape_markdown, metadata_csv_bytes, rounded,
                               to_csv_bytes, to_xlsx_bytes)
from pipelines.serving.formats import moment

PERIOD_TYPES = {"financial_year": "Financial year", "quarter": "Quarter", "month": "Month"}
# The dim_month column that names each period type, to find the months inside a period.
PERIOD_COLUMNS = {"financial_year": "financial_year", "quarter": "calendar_quarter", "month": "month"}
STRANDS = ["All", "Pursue", "Prevent", "Protect", "Prepare"]
# fct_metric_funnel's bands in words (its rank_shown is empty where the band is 'similar').
BANDS = {"higher": "higher than the network", "similar": "similar to the network", "lower": "lower than the network"}


_WRITTEN = "url_filters_written"  # session state: the value each URL filter was last given by a page


def _from_link(key: str, value: str | None) -> bool:
    """Whether a URL value came from outside (a link, a bookmark) rather than from this session's own pages."""
    return value is not None and st.session_state.get(_WRITTEN, {}).get(key) != value


def _write(key: str, value: str) -> None:
    st.query_params[key] = value
    st.session_state.setdefault(_WRITTEN, {})[key] = value


def url_select(label: str, options: list, key: str, format_func=str, default_index: int = 0):
    """A selectbox whose choice lives in the URL (?key=value), so a view can be shared.

    A link may name a choice that no longer exists (a unit renamed, a metric withdrawn, a
    month outside the data): the page then says so and what it shows instead, rather than
    quietly showing the default as if it had been asked for.
    """
    if not options:
        return None
    current = st.query_params.get(key)
    index = options.index(current) if current in options else min(default_index, len(options) - 1)
    if current in options and _from_link(key, current) and f"w_{key}" in st.session_state:
        # A link to this same page with another choice: the widget keeps its state unless told.
        st.session_state[f"w_{key}"], index = current, 0
    choice = st.selectbox(label, options, index=index, key=f"w_{key}", format_func=format_func)
    if current not in options and _from_link(key, current):
        link_notice(label, current, format_func(choice))
    _write(key, str(choice))
    return choice


def url_multiselect(label: str, options: list[str], key: str, format_func=str, default: list[str] = ()) -> list[str]:
    """A multiselect whose choices live in the URL as ?key=a,b,c (a link's unknown choices are named)."""
    wanted = st.query_params.get(key)
    chosen = [o for o in (wanted.split(",") if wanted else default) if o in options]
    picked = st.multiselect(label, options, default=chosen, key=f"w_{key}", format_func=format_func)
    unknown = [o for o in (wanted.split(",") if wanted else []) if o and o not in options]
    if unknown and _from_link(key, wanted):
        link_notice(label, ", ".join(unknown), ", ".join(map(format_func, picked)) or "nothing")
    _write(key, ",".join(picked))
    return picked


def link_notice(label: str, asked: str, shown: str) -> None:
    """Say that a link's filter names something the published data does not hold, and what is shown instead."""
    st.warning(f"{label} \"{escape_markdown(asked)}\" in this link is not in the published data, so {escape_markdown(shown)} is shown "
               "instead.", icon=":material/link_off:")


def period_filter(container=st) -> tuple[str, str]:
    """Period type and period, newest first, from what the warehouse holds."""
    with container:
        kind = url_select("Period", list(PERIOD_TYPES), "period_type", format_func=PERIOD_TYPES.get)
        periods = query("select period, is_complete from marts.dim_period where period_type = ? order by period desc",
                        (kind,))
        # Default to the newest complete period: a part-year beside full years misleads.
        complete = periods.index[periods["is_complete"]].tolist()
        period = url_select(PERIOD_TYPES[kind], periods["period"].tolist(), "period",
                            default_index=complete[0] if complete else 0)
    return kind, period


def period_words(kind: str, period: str) -> str:
    """'financial year 2025/26', 'quarter 2026-Q1', 'month 2026-03': the period as a heading says it."""
    return f"{PERIOD_TYPES[kind].lower()} {period}"


def metric_filter(strand_box, threat_box, metric_box, rateable_only: bool = False,
                  default: str = "PUR_ARRESTS") -> pd.Series | None:
    """Strand, threat area and metric pickers (in the URL); returns the chosen metric's catalogue row.

    With ``rateable_only``, only the metrics the catalogue marks rateable (dim_metric.is_rateable)
    are offered: the pages that compare rates per 100,000 people.
    """
    metrics = query(
        "select metric_id, metric_name, unit, strand_code, strand_name, threat_area_name, source, reported_by,"
        " time_aggregation, higher_is_better, definition from marts.dim_metric"
        f"{' where is_rateable' if rateable_only else ''} order by strand_sort_order, metric_name")
    if metrics.empty:
        return None
    with strand_box:
        strand = url_select("Strand", STRANDS, "strand")
    if strand != "All":
        metrics = metrics[metrics["strand_name"] == strand]
    with threat_box:
        area = url_select("Threat area", ["All", *sorted(metrics["threat_area_name"].dropna().unique())], "threat")
    if area != "All":
        metrics = metrics[metrics["threat_area_name"] == area]
    names = dict(zip(metrics["metric_id"], metrics["metric_name"]))
    with metric_box:
        metric = url_select("Metric", list(names), "metric", format_func=names.get,
                            default_index=list(names).index(default) if default in names else 0)
    return None if metric is None else metrics.set_index("metric_id").loc[metric]


def unit_filter(container=st, key: str = "unit", default: str | None = None,
                permission: str | None = None) -> tuple[str | None, dict]:
    """A unit picker (in the URL); returns the code and a code -> name lookup.

    With `permission`, only the units the signed-in person holds it for are offered, and the
    choice is checked on the server (a unit typed into the URL is refused, not shown).
    """
    from dashboards.auth import current_session, guard, units_for

    units = query("select rocu_code, rocu_name from marts.dim_rocu order by rocu_name")
    names = dict(zip(units["rocu_code"], units["rocu_name"]))
    codes = list(names)
    session = current_session() if permission else None
    if session is not None:
        codes = units_for(session, permission, codes)
        wanted = st.query_params.get(key)
        if wanted and wanted not in codes:
            guard(permission, wanted)  # says why and stops
    with container:
        code = url_select("Unit", codes, key, format_func=lambda c: f"{names[c]} ({c})",
                          default_index=codes.index(default) if default in codes else 0)
    if permission and code is not None:
        guard(permission, code)
    return code, names


def page_link(page: str, label: str, params: dict, container=st) -> None:
    """A link to another page of the app (e.g. 'drill') carrying a view in its URL; drawn only
    for a person whose role may open that page for the unit it names (no dead ends)."""
    from dashboards.auth import current_session, may_follow

    if not may_follow(current_session(), page, params.get("unit")):
        return
    try:
        container.page_link(f"views/{page}.py", label=label, icon=":material/arrow_forward:", query_params=params)
    except StreamlitPageNotFoundError:
        # A page run on its own (as AppTest does) has no navigation; a plain link still works.
        container.markdown(f"[{label}]({page}?{urlencode(params)})")


def drill_link(unit: str, metric: str, kind: str, period: str, label: str, container=st) -> None:
    """A link to the drill-through page for one figure: a month's, a quarter's or a financial year's."""
    page_link("drill", label, {"unit": unit, "metric": metric, "period_type": kind, "period": period}, container)


def no_data(message: str = "The warehouse has not been built yet. `make demo` builds it from the demo data (this page "
                           "answers during the build); reload the page once the build is published."):
    st.info(message)
    st.stop()


def sections(parts: dict[str, Callable[[], None]]) -> None:
    """A page's sections as tabs; the open one is named in the address (?section=...), so a link opens it.

    Only the open section runs and is drawn: a page shows its headline figures and one section at
    once, rather than every chart and table below them (issue 16: pages within half a second).
    """
    tabs = st.tabs(list(parts), key="section", bind="query-params")
    for tab, draw in zip(tabs, parts.values()):
        if tab.open:
            with tab:
                draw()


def with_build(metadata: ExportMetadata | None, name: str) -> ExportMetadata:
    """An export's metadata completed with the build it was read from (id, time) and the data date."""
    build = current_build()
    metadata = metadata or ExportMetadata(title=name)
    if build is None:
        return metadata
    return replace(metadata, build_id=build.build_id, published_at=moment(build.published_at),
                   data_date=metadata.data_date or f"returns and extracts received by {moment(build.published_at)}")


def exports(frame: pd.DataFrame, name: str, metadata: ExportMetadata | None = None) -> None:
    """CSV (with its metadata as a companion CSV) and XLSX (with a metadata sheet) downloads of a table.

    Figures are rounded to the precision of their columns in ``metadata`` and stay numbers; text is
    made safe to open in Excel. Each download is audited. A role without export_data (a board
    member) is offered none: the files are made here, on the server, only for those who may take them,
    and only when one is asked for (Streamlit calls the function on the click): writing every table's
    XLSX on every page run was a large part of drawing a page.
    """
    from dashboards.auth import audit, can, current_session

    session = current_session()
    if session is None or not can(session, "export_data"):
        st.caption("Downloads of this table are for roles with the right to export data.")
        return
    metadata = with_build(metadata, name)
    frame = rounded(frame, metadata.columns)
    row = st.container(horizontal=True)
    row.download_button("Download CSV", partial(to_csv_bytes, frame), f"{name}.csv", "text/csv", key=f"csv_{name}",
                        on_click=audit, args=("export", f"{name}.csv", {"rows": len(frame)}))
    row.download_button("Download CSV metadata", partial(metadata_csv_bytes, metadata), f"{name}-metadata.csv",
                        "text/csv", key=f"csvmeta_{name}", on_click=audit, args=("export", f"{name}-metadata.csv", {}))
    row.download_button("Download XLSX", partial(to_xlsx_bytes, frame, name, metadata), f"{name}.xlsx",
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=f"xlsx_{name}",
                        on_click=audit, args=("export", f"{name}.xlsx", {"rows": len(frame)}))


def metric_reading(metric_id: str) -> pd.Series:
    """How one metric's figures are read: unit name, axis label, precision and the base it is compared on."""
    return query("select metric_id, metric_name, definition, unit, unit_name, axis_label, value_decimals,"
                 " comparison_base from marts.dim_metric_guide where metric_id = ?", (metric_id,)).iloc[0]


def rate_scales() -> pd.DataFrame:
    """The bases rates are written on (population, officers, ROCU staff, budget), with their label and precision
    and what the base itself is counted in, by base code, in the seed's order."""
    return query("select base_code, rate_label, rate_decimals, base_unit, base_short_name from marts.dim_rate_scale"
                 " order by sort_order").set_index("base_code")


def figure_columns(reading: pd.Series, value_columns: list[str], rate_columns: dict[str, str]) -> tuple:
    """The export columns of a metric's table: its figures in the metric's unit, its rates on their bases."""
    scales = rate_scales() if rate_columns else None
    figures = [ExportColumn(c, reading["unit"], reading["unit_name"], int(reading["value_decimals"]))
               for c in value_columns]
    rates = [ExportColumn(c, f"{reading['unit']}_{base}", f"{reading['unit_name']} {scales.loc[base, 'rate_label']}",
                          int(scales.loc[base, "rate_decimals"])) for c, base in rate_columns.items()]
    return tuple(figures + rates)


# What a base is counted in (dim_rate_scale.base_unit), named and rounded for exports: officer FTE to
# one decimal, as the Home Office publishes it; people and pounds whole.
BASE_UNITS = {"people": ("people", 0), "fte": ("full-time equivalent", 1), "gbp": ("pounds", 0)}


def base_column(name: str, base_unit: str) -> ExportColumn:
    """The export column of a base itself, in its unit."""
    unit_name, decimals = BASE_UNITS[base_unit]
    return ExportColumn(name, base_unit, unit_name, decimals)


def base_columns(population: str = "Population (base)", officers: str = "Officers FTE (base)") -> tuple:
    """The export columns of the two force bases: people and officer FTE."""
    return (base_column(population, "people"), base_column(officers, "fte"))


# A table longer than this is drawn as a scrolling grid, which draws only the rows in view: drawn as
# text cells, the drill-through's claims at 100 times the demo's volume (thousands of rows) took 8 s.
# The demo's everyday lists (a unit's untouched OCGs, a month's claims) stay text, under 200 rows.
LONG_TABLE_ROWS = 200


def show_table(frame: pd.DataFrame, name: str, typed: tuple[str, ...] = (), export: pd.DataFrame | None = None,
               metadata: ExportMetadata | None = None) -> None:
    """A table as readable text (a scrolling grid when long), with its CSV and XLSX exports.

    ``typed`` names columns holding text from a user's file: escaped on screen so Markdown
    cannot change it (in the grid, text that would start a formula is defused), exported exactly
    as sent. ``export`` is the same table with typed figures (numbers, not the text shown), when
    the shown one formats them.
    """
    if len(frame) > LONG_TABLE_ROWS:
        # The grid offers a CSV download of its own: text from a user's file is defused for it, as in ours.
        st.dataframe(frame.assign(**{c: defuse(frame[[c]])[c] for c in typed}), hide_index=True, width="stretch")
    else:
        st.table(frame.assign(**{c: frame[c].map(escape_markdown) for c in typed}), hide_index=True)
    exports(frame if export is None else export, name, metadata)


# Each severity (expectations/rules.yml) as the table says it; "warning" is how returns checked earlier recorded it.
SEVERITY_WORDS = {"error": "Error: must be fixed", "query": "Query: confirm it or correct it before sign-off",
                  "information": "Information", "warning": "Warning: check it"}


def show_problems(problems: pd.DataFrame, name: str) -> None:
    """Every problem of a return, in the words and places a performance lead can act on."""
    if problems.empty:
        st.success("No problems were found.")
        return
    table = pd.DataFrame({
        "Severity": problems["severity"].map(SEVERITY_WORDS),
        "Sheet": problems["sheet"].fillna(""),
        "Row": problems["row"].map(lambda v: "" if pd.isna(v) else f"{v:.0f}"),
        "Column": problems["column"].fillna(""), "Value found": problems["value"].fillna(""),
        "Rule": problems["rule"].str.replace("_", " ").str.capitalize(), "What to do": problems["message"]})
    show_table(table, name, typed=("Sheet", "Column", "Value found", "What to do"))
