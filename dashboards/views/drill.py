"""Drill-through: from one figure (?unit=..&metric=..&period_type=..&period=..) to what it is made of;
a figure of the Disruptions and threat page (?figure=..) opens on its OCG months and disruptions
(dashboards/threat_drill.py), a figure of the alignment page on its operations, disruptions, meetings
and escalations (dashboards/alignment_drill.py).

A month's figure opens on its cells, versions and files (or for extract metrics the extract
rows and a plain account of where they come from); a quarter's or a year's figure breaks
down month by month, each month down to the cells it came from, and says how the months
make the period's figure (for a sum, that they add up to it).
"""

import pandas as pd
import streamlit as st

from dashboards.auth import can, guard
from dashboards.data import query, stored_file
from dashboards.format import ExportMetadata, escape_markdown
from dashboards import alignment_drill
from dashboards.threat_drill import show_figure
from dashboards.nocc_queries import raise_query_form, show_figure_queries
from pipelines.months import month_label
from pipelines.serving.formats import amount, moment
from dashboards.widgets import (PERIOD_COLUMNS, PERIOD_TYPES, exports, figure_columns, metric_reading, no_data,
                                page_link, period_filter, period_words, show_table, unit_filter, url_select)

SOURCES = {
    "disruption_extract": "the APMIS-style disruptions extract. Each validated disruption led by the unit or one of "
                          "its forces counts once in the month it was recorded; a disruption claimed by both a force "
                          "and its unit is counted once, not twice.",
    "ocg_register": "the OCG register extract: organised crime groups owned by the unit, mapped and not archived at "
                    "the end of the month, with their MoRiLE scores.",
    "capacity_tasking_extract": "the capacity and tasking extract: establishment and staff in post at the month's "
                                "end, leavers, regional tasking meetings held and Gateway requests from forces.",
}
# How the catalogue's time_aggregation makes a period's figure from its months.
COMBINED = {"sum": "the sum of its months", "mean": "the average of its months",
            "ratio": "worked out again from the months' numerators and denominators (not an average of rates)",
            "snapshot": "the figure of the last month reported in it",
            "latest": "the figure of the last month reported in it"}

session = guard("view_drill")
st.title("Drill-through")
if query("select 1 from marts.fct_metric_monthly limit 1").empty:
    no_data()

# A figure of the alignment page (?figure=..): the operations, meetings and escalations behind it.
if st.query_params.get("figure") in alignment_drill.FIGURES:
    alignment_drill.show_figure()
    st.stop()
# A figure of the Disruptions and threat page (?figure=..): the OCG months and disruptions behind it.
if st.query_params.get("figure"):
    show_figure()
    st.stop()

# Links made before periods could be drilled name one month: ?month=2026-03.
if "month" in st.query_params and "period" not in st.query_params:
    st.query_params["period_type"], st.query_params["period"] = "month", st.query_params["month"]
    del st.query_params["month"]

top = st.columns([1.2, 1.4, 1.4])
unit, names = unit_filter(top[0], permission="view_drill")
metrics = query("select metric_id, metric_name, unit, source, definition, time_aggregation from marts.dim_metric"
                " order by metric_name")
catalogue = metrics.set_index("metric_id")
ids = metrics["metric_id"].tolist()
with top[1]:
    metric = url_select("Metric", ids, "metric", format_func=catalogue["metric_name"].get,
                        default_index=ids.index("PUR_ARRESTS") if "PUR_ARRESTS" in ids else 0)
kind, period = period_filter(top[2])
name, measure, source, aggregation = catalogue.loc[metric, ["metric_name", "unit", "source", "time_aggregation"]]


def explain_missing(month: str) -> None:
    """Why a unit has no figure for a month, with the way to its submissions; stops the page."""
    status = query("select status from marts.fct_submission_status where rocu_code = ? and month = ?", (unit, month))
    why = {"missing": "no return was received for that month", "rejected": "its return for that month was rejected",
           "pending": "its return for that month is not due yet"}.get(
        status["status"].iloc[0] if not status.empty else "", "it did not report this measure that month")
    page_link("submissions", "See the unit's submissions", {"unit": unit, "month": month})
    no_data(f"There is no figure for {name.lower()} from {names[unit]} in {month_label(month)}: {why}.")


def month_link(month: str, label: str, container=st) -> None:
    page_link("drill", label, {"unit": unit, "metric": metric, "period_type": "month", "period": month}, container)


def cell_rows(cells: pd.DataFrame) -> pd.DataFrame:
    """Cells as a person checks them against the file: where each sits and what was typed there."""
    return pd.DataFrame({
        "Force": cells["force_name"], "Label in the return": cells["local_label"], "As typed": cells["raw_value"],
        "Value": cells["value"].map(lambda v: amount(v, measure)), "File as sent": cells["original_name"],
        "Version": cells["version"].astype(str), "Sheet": cells["source_sheet"].fillna(""),
        "Row": cells["source_row"].astype("Int64").astype(str), "Column": cells["source_column"]})


def cell_export(cells: pd.DataFrame) -> pd.DataFrame:
    """The same cells with typed figures (the value a number, version and row whole numbers) for export."""
    return pd.DataFrame({
        "Month": cells["month"].values, "Unit code": unit, "Force": cells["force_name"],
        "Label in the return": cells["local_label"], "As typed": cells["raw_value"], "Value": cells["value"],
        "File as sent": cells["original_name"], "Version": cells["version"].astype("Int64"),
        "Sheet": cells["source_sheet"], "Row": cells["source_row"].astype("Int64"), "Column": cells["source_column"]})


def drill_metadata(title: str, when: str) -> ExportMetadata:
    """An export's metadata: the metric's definition and base, and the unit and precision of its Value/Figure."""
    reading = metric_reading(metric)
    return ExportMetadata(title=title, definition=reading["definition"], base=reading["comparison_base"],
                          period=when, columns=figure_columns(reading, ["Figure", "Value"], {}))


TYPED = ("Label in the return", "As typed", "File as sent", "Sheet")  # text from a unit's file, shown as typed
# The current version's cells only: at 1000 versions a month, reading them all and keeping the
# current in the page took 0.2-0.55 s for a year; the versions themselves are listed from fct_metric_versions.
CELLS = """
select p.*, coalesce(f.force_name, 'Unit total') as force_name
from marts.fct_return_value_provenance p
join marts.dim_month d using (month)
left join (select distinct force_code, force_name from marts.dim_force) f using (force_code)
where p.rocu_code = ? and p.metric_id = ? and d.{column} = ? and p.is_current
order by p.month, p.source_sheet, p.source_row
"""


def show_period() -> None:
    """A quarter's or a year's figure, month by month, each month down to its cells."""
    st.subheader(f"{name} for {names[unit]}, {period_words(kind, period)}")
    found = query("select value, months_reported, months_in_period from marts.fct_metric_comparison"
                  " where rocu_code = ? and metric_id = ? and period_type = ? and period = ?",
                  (unit, metric, kind, period))
    if found.empty:
        no_data(f"There is no figure for {name.lower()} from {names[unit]} in {period_words(kind, period)}: "
                "it reported none in any month of it.")
    total = found.iloc[0]
    months = query("select month, value, cells, original_name, version, months_total, months_add_up"
                   " from marts.fct_metric_period_months"
                   " where rocu_code = ? and metric_id = ? and period_type = ? and period = ? order by month",
                   (unit, metric, kind, period))
    left, right = st.columns([1, 3])
    left.metric(f"{name}, {unit}, {period}", amount(total["value"], measure))
    left.caption(f"{int(total['months_reported'])} of {int(total['months_in_period'])} months reported.")
    right.markdown(f"**What it counts.** {catalogue.loc[metric, 'definition']}")
    right.markdown(f"**How the months make it.** The figure for the {PERIOD_TYPES[kind].lower()} is "
                   f"{COMBINED.get(aggregation, 'the figure of the last month reported in it')}.")
    if kind == "quarter":
        show_figure_queries(left, session, unit, metric, kind, period)
        raise_query_form(session, unit, metric, kind, period, total["value"], f"{name.lower()} in {period}")

    current = query(CELLS.format(column=PERIOD_COLUMNS[kind]), (unit, metric, period)) \
        if source == "monthly_return" else pd.DataFrame(columns=["month"])
    from_cells = months["cells"].notna().any()
    table = pd.DataFrame({"Month": months["month"].map(month_label),
                          "Figure": months["value"].map(lambda v: amount(v, measure))})
    if from_cells:
        table["Cells"] = months["cells"].fillna(0).astype(int).astype(str)
        table["File as sent"] = months["original_name"].fillna("")
        table["Version"] = months["version"].astype("Int64").astype(str)
    else:
        table["Cells"] = "extract"
    if aggregation == "sum":
        added, adds_up = months["months_total"].iloc[0], bool(months["months_add_up"].fillna(False).iloc[0])
        table.loc[len(table)] = {"Month": "Total", "Figure": amount(added, measure), "Cells": ""} | (
            {"File as sent": "", "Version": ""} if from_cells else {})
    st.markdown(f"#### Month by month ({len(months)} months)")
    typed = pd.DataFrame({"Unit code": unit, "Month": months["month"], "Figure": months["value"]})
    if from_cells:
        typed = typed.assign(**{"Cells": months["cells"].astype("Int64"), "File as sent": months["original_name"],
                                "Version": months["version"].astype("Int64")})
    if aggregation == "sum":
        typed.loc[len(typed)] = {"Unit code": unit, "Month": "Total", "Figure": added}
    show_table(table.fillna(""), f"drill_months_{unit}_{metric}_{period.replace('/', '-')}",
               typed=("File as sent",) if from_cells else (), export=typed, metadata=drill_metadata(f"{name} for {names[unit]}, month by month",
                                                     period_words(kind, period)))
    if aggregation == "sum":
        if adds_up:
            st.success(f"The {len(months)} months add up to {amount(added, measure)}, the figure for "
                       f"{period_words(kind, period)}.")
        else:
            st.error(f"The months add up to {amount(added, measure)}, but the figure for the period is "
                     f"{amount(total['value'], measure)}. Please tell the warehouse team.")

    st.markdown("#### Each month's cells")
    for month, value, count in zip(months["month"], months["value"], months["cells"].fillna(0).astype(int)):
        mine = current[current["month"] == month] if not current.empty else current
        heading = f"{month_label(month)}: {amount(value, measure)}"
        # Drawn when opened (a rerun): a year's twelve tables of cells, drawn closed, doubled the page's time.
        box = st.expander(f"{heading} from {count} cells" if source == "monthly_return" else heading,
                          key=f"cells_{month}", on_change="rerun")
        with box:
            if not box.open:
                continue
            if source == "monthly_return":
                rows = cell_rows(mine)
                st.table(rows.assign(**{c: rows[c].map(escape_markdown) for c in TYPED}), hide_index=True)
            else:
                st.markdown(f"Counted from {SOURCES.get(source, source)}")
            month_link(month, f"Open {month_label(month)} on its own: versions, files and validation report")
    if not current.empty:
        exports(cell_export(current), f"drill_cells_{unit}_{metric}_{period.replace('/', '-')}",
                drill_metadata(f"{name} for {names[unit]}: the cells behind it", period_words(kind, period)))


def show_month(month: str) -> None:
    """One month's figure: its cells, versions and files, or the extract rows it is counted from."""
    st.subheader(f"{name} for {names[unit]}, {month_label(month)}")

    found = query("select value, value_as_first_submitted, is_revised, numerator, denominator from marts.fct_metric_monthly"
                  " where rocu_code = ? and metric_id = ? and month = ?", (unit, metric, month))
    if found.empty:
        explain_missing(month)

    row = found.iloc[0]
    left, right = st.columns([1, 3])
    left.metric(f"{name}, {unit}, {month_label(month)}", amount(row["value"], measure))
    if row["is_revised"]:
        left.caption(f"Revised: first submitted as {amount(row['value_as_first_submitted'], measure)}.")
    if pd.notna(row["denominator"]):
        left.caption(f"Worked out as {amount(row['numerator'], 'count')} of {amount(row['denominator'], 'count')}.")
    right.markdown(f"**What it counts.** {catalogue.loc[metric, 'definition']}")
    show_figure_queries(left, session, unit, metric, "month", month)
    raise_query_form(session, unit, metric, "month", month, row["value"], f"{name.lower()} in {month_label(month)}")

    if source == "monthly_return":
        current = query(
            """
            select p.*, coalesce(f.force_name, 'Unit total') as force_name
            from marts.fct_return_value_provenance p
            left join (select distinct force_code, force_name from marts.dim_force) f using (force_code)
            where p.rocu_code = ? and p.metric_id = ? and p.month = ? and p.is_current
            order by p.source_sheet, p.source_row
            """,
            (unit, metric, month),
        )
        right.markdown(f"**Where it comes from.** The monthly return of {names[unit]}: the cells below, as the unit "
                       "typed them, converted to framework units through the unit's label map.")
        st.markdown(f"#### Cells behind the figure ({len(current)} in the current version)")
        cell_table = pd.DataFrame({
            "Force": current["force_name"], "Label in the return": current["local_label"], "As typed": current["raw_value"],
            "Value": current["value"].map(lambda v: amount(v, measure)), "Sheet": current["source_sheet"].fillna(""),
            "Row": current["source_row"].astype("Int64").astype(str), "Column": current["source_column"]})
        show_table(cell_table, f"drill_cells_{unit}_{metric}_{month}", typed=("Label in the return", "As typed", "Sheet"),
                   export=cell_export(current), metadata=drill_metadata(f"{name} for {names[unit]}: the cells behind it",
                                                                         month_label(month)))

        st.markdown("#### Versions and files")
        files = query("select version, original_name, file_sha256, is_current, is_first_accepted, submitted_at, cells,"
                      " cells_total as total from marts.fct_metric_versions"
                      " where rocu_code = ? and metric_id = ? and month = ? order by version desc",
                      (unit, metric, month))
        file_table = pd.DataFrame({
            "Version": files["version"].astype(str), "File as sent": files["original_name"],
            "Submitted": files["submitted_at"].map(moment), "Cells": files["cells"].astype(str),
            "Adds up to": files["total"].map(lambda v: amount(v, measure)),
            "Used now": files["is_current"].map({True: "yes, current version", False: "no, replaced"}),
            "First accepted": files["is_first_accepted"].map({True: "yes", False: "no"}),
            "File fingerprint (SHA-256)": files["file_sha256"].str[:16] + "…"})
        show_table(file_table, f"drill_files_{unit}_{metric}_{month}",
                   typed=("File as sent",))
        st.caption("Every version is kept as sent, under its fingerprint; the warehouse uses the latest accepted one.")
        used = files[files["is_current"]]
        stored = stored_file(used["file_sha256"].iloc[0]) if not used.empty else None
        if stored and can(session, "download_files", unit):
            st.download_button(f"Download the file as sent ({used['original_name'].iloc[0]})", stored.read_bytes(),
                               used["original_name"].iloc[0], key="original")
        page_link("submissions", f"Validation reports for {names[unit]}, {month_label(month)}",
                  {"unit": unit, "month": month})
    else:
        right.markdown(f"**Where it comes from.** Not a monthly return: it is counted from {SOURCES.get(source, source)}")
        if source == "disruption_extract":
            rows = query(
                """
                select threat_area_name as "Threat area", strand as "Strand", impact_level as "Impact",
                       disruptions as "Disruptions counted", led as "Led by the unit",
                       supported as "Supported by the unit", lead_not_recorded as "Lead not recorded",
                       duplicate_claims as "Duplicate claims not counted",
                       metric_disruptions
                from marts.fct_disruptions_by_metric
                where rocu_code = ? and month = ? and metric_id = ? order by strand, impact_level
                """,
                (unit, month, metric),
            )
            counted = int(rows["metric_disruptions"].iloc[0]) if not rows.empty else 0
            st.markdown(f"#### Disruption rows behind the figure ({counted} disruptions)")
            show_table(rows.drop(columns="metric_disruptions"), f"drill_{source}_{unit}_{metric}_{month}")
            # The claims themselves; narratives are sensitive and shown only to roles allowed them.
            narratives = can(session, "view_narratives", unit)
            claims = query(
                f"""
                select disruption_ref as "Reference", disruption_date as "Date", claiming_agency as "Claimed by",
                       coalesce(lead_unit_code, lead_agency_type) as "Led by", against_type as "Against",
                       threat_area_code as "Threat area", strand as "Strand", impact_level as "Impact",
                       coalesce(ocg_ref, '') as "OCG", validation_date as "Validated",
                       case when is_counted then 'yes' else 'no: ' || duplicate_of end
                       as "Counted"{', narrative as "Narrative"' if narratives else ''}
                from marts.fct_disruption_claims
                where rocu_code = ? and month = ? order by disruption_date
                """,
                (unit, month),
            )
            st.markdown(f"#### The {len(claims)} validated claims")
            show_table(claims, f"drill_claims_{unit}_{month}", typed=("Narrative",) if narratives else ())
            if not narratives:
                st.caption("Narratives are shown only to roles allowed to see them.")
        elif source == "capacity_tasking_extract":
            wide = query("select * exclude (rocu_code, month, calendar_quarter, financial_year)"
                         " from marts.fct_capacity_tasking where rocu_code = ? and month = ?", (unit, month))
            rows = wide.T.reset_index().set_axis(["Measure", "Value"], axis=1)
            rows["Measure"] = (rows["Measure"].str.replace("_", " ").str.replace(" pct", " (%)")
                               .str.replace(" fte", " (FTE)"))
            # An extract figure may be empty for the month (no Gateway requests recorded): shown as '–'.
            rows["Value"] = rows["Value"].map(
                lambda v: amount(v, "count" if pd.isna(v) or float(v).is_integer() else "fte"))
            st.markdown("#### The extract's figures for the month")
            show_table(rows, f"drill_{source}_{unit}_{metric}_{month}")
        else:
            rows = query("select owner_name as \"Held by\", active_ocgs as \"Active OCGs\", high_band as \"High band\","
                         " median_morile_score as \"Median MoRiLE score\", latest_mapped as \"Latest mapped\""
                         " from marts.fct_ocg_threat where rocu_code = ? and owner_type = 'rocu'", (unit,))
            st.markdown("#### The unit's OCGs on the register now")
            show_table(rows, f"drill_{source}_{unit}_{metric}_{month}")
            st.caption("The register extract is a snapshot: it shows OCGs active now, not only in the chosen month.")


if kind == "month":
    show_month(period)
else:
    show_period()
