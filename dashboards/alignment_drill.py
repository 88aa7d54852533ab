"""Drill-through from a figure of the "Does effort follow the threat?" page to the operations,
disruptions, tasking meetings and escalations behind it.

A link names the figure and its filters in the URL (?figure=..&unit=..&year=..&threat=..), so a view
can be shared. The rows come from marts only, the same rows the figure counts: fct_effort_alignment
(the figure itself), fct_operations_by_year (operations open in the year), fct_counted_disruptions
(disruptions the unit led, in the year's months inside the window of fct_effort_alignment_index),
fct_operation_meetings (the meetings that discussed those operations), fct_tasking_meetings and
fct_escalations. The threat side of a threat area links on to the OCG ledger's drill (the high-band
groups of the year). The drill page calls `show_figure` after its own server-side check.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards.data import query
from dashboards.threat_drill import figure_link
from dashboards.widgets import no_data, page_link, show_table, unit_filter, url_select
from pipelines.serving.formats import count, day, decimal, pct

FIGURES = {
    "alignment_area": "Threat share against effort share, by threat area",
    "priorities_without_operation": "Priorities with no operation",
    "operations_off_priority": "Operations on non-priority areas",
    "escalation_decisions": "Days from escalation to decision",
    "tasking_rhythm": "Tasking rhythm against the national cycle",
}
THREAT_FIGURES = ("alignment_area",)  # the figures filtered by threat area


def alignment_link(unit: str, figure: str, year: str, label: str, area: str = "ALL", container=st) -> None:
    """A link from a figure of the alignment page to its rows here, its filters in the URL."""
    page_link("drill", label, {"figure": figure, "unit": unit, "year": year, "threat": area}, container)


def show_figure() -> None:
    """The drill-through of one alignment figure: the unit is checked on the server (view_drill)."""
    top = st.columns([1.2, 1, 1.4, 1.6])
    unit, names = unit_filter(top[0], permission="view_drill")
    years = query("select distinct financial_year from marts.fct_effort_alignment_index order by 1 desc")
    with top[1]:
        year = url_select("Financial year", years["financial_year"].tolist(), "year")
    with top[3]:
        figure = url_select("Figure", list(FIGURES), "figure", format_func=FIGURES.get)
    areas = query("select threat_area_code, threat_area_name from marts.fct_effort_alignment"
                  " where rocu_code = ? and financial_year = ? order by threat_area_order", (unit, year))
    area_names = {"ALL": "All threat areas"} | dict(zip(areas["threat_area_code"], areas["threat_area_name"]))
    area = "ALL"
    if figure in THREAT_FIGURES:
        with top[2]:
            area = url_select("Threat area", list(area_names), "threat", format_func=area_names.get)
    index = query("select first_month, last_month, threat_source from marts.fct_effort_alignment_index"
                  " where rocu_code = ? and financial_year = ?", (unit, year))
    if index.empty:
        no_data(f"No alignment figures for {names[unit]} in {year}.")
    window = index.iloc[0]
    st.subheader(f"{FIGURES[figure]}: {names[unit]}, {year}"
                 + (f", {area_names[area]}" if figure in THREAT_FIGURES and area != "ALL" else ""))
    if figure == "alignment_area":
        show_area(unit, year, area, area_names[area], window)
    elif figure == "priorities_without_operation":
        show_priorities_without_operation(unit, year, window)
    elif figure == "operations_off_priority":
        show_operations(unit, year, "is_off_priority", "on areas that were a priority neither nationally nor "
                        "regionally")
    elif figure == "escalation_decisions":
        show_escalations(unit, year)
    else:
        show_meetings(unit, year)


OPERATIONS = """
select operation_ref, threat_area_code, threat_area_name, tasked_by_name, ocg_refs, start_date, end_date, status,
       is_off_priority
from marts.fct_operations_by_year
where rocu_code = ? and financial_year = ? and {where}
order by start_date, operation_ref
"""
MEETINGS_ON = """
select meeting_date, operation_ref, threat_area_name, national_tasking_attended
from marts.fct_operation_meetings
where rocu_code = ? and financial_year = ? and is_open_operation_of_unit and {where}
order by meeting_date, operation_ref
"""


def show_area(unit: str, year: str, area: str, where: str, window: pd.Series) -> None:
    """A threat area's (or every area's) threat and effort shares, and the operations, disruptions and
    meetings behind the effort; the threat side opens on the OCG ledger's groups."""
    figures = query("select threat_area_name, threat_share_pct, effort_share_pct, high_band_ocg_months,"
                    " high_band_ocgs, operations, disruptions from marts.fct_effort_alignment"
                    " where rocu_code = ? and financial_year = ? and (? = 'ALL' or threat_area_code = ?)"
                    " order by threat_area_order", (unit, year, area, area))
    if area != "ALL" and not figures.empty:
        f = figures.iloc[0]
        a, b = st.columns(2)
        a.metric("Share of the high-band threat", pct(f["threat_share_pct"]))
        b.metric("Share of effort", pct(f["effort_share_pct"]))
    if window["threat_source"] == "ledger":
        figure_link(unit, "high_band_disrupted", "financial_year", year, area,
                    f"The high-band groups behind the threat share ({where}, OCG ledger)")
    elif window["threat_source"] == "register":
        st.caption("The threat share comes from the OCG register snapshot (no monthly OCG extract holds the unit "
                   "in the year).")
    area_filter = "(? = 'ALL' or threat_area_code = ?)"
    show_operations(unit, year, area_filter, f"in {where.lower()}", (area, area))
    disruptions = query(
        """
        select c.disruption_ref, c.disruption_date, c.threat_area_name, c.strand_name, c.impact_level, c.ocg_ref,
               c.validation_date
        from marts.fct_counted_disruptions c
        join marts.dim_month d on c.month = d.month
        where c.rocu_code = ? and c.lead_role = 'led' and d.financial_year = ? and c.month between ? and ?
            and (? = 'ALL' or c.threat_area_code = ?)
        order by c.disruption_date, c.disruption_ref
        """,
        (unit, year, window["first_month"], window["last_month"], area, area))
    st.markdown(f"#### The {count(len(disruptions))} disruptions the unit led")
    if disruptions.empty:
        st.info(f"The unit led no validated disruption in {where.lower()} in {year}.")
    else:
        show_table(pd.DataFrame({
            "Reference": disruptions["disruption_ref"], "Date": disruptions["disruption_date"].map(day),
            "Threat area": disruptions["threat_area_name"], "Strand": disruptions["strand_name"],
            "Impact": disruptions["impact_level"].str.capitalize(), "OCG reference": disruptions["ocg_ref"].fillna(""),
            "Validated": disruptions["validation_date"].map(day),
        }), f"alignment_disruptions_{unit}_{area}_{year.replace('/', '-')}", export=disruptions)


def show_operations(unit: str, year: str, where: str, words: str, params: tuple = ()) -> None:
    """The operations a figure counts and the tasking meetings that discussed them."""
    ops = query(OPERATIONS.format(where=where), (unit, year, *params))
    st.markdown(f"#### The {count(len(ops))} operations the unit led {words}, open in {year}")
    if ops.empty:
        st.info(f"No operation the unit led {words} was open in {year}.")
        return
    show_table(pd.DataFrame({
        "Operation": ops["operation_ref"], "Threat area": ops["threat_area_name"], "Tasked by": ops["tasked_by_name"],
        "OCGs targeted": ops["ocg_refs"].fillna("none mapped"), "Started": ops["start_date"].map(day),
        "Ended": ops["end_date"].map(day), "Status": ops["status"],
    }), f"alignment_operations_{unit}_{year.replace('/', '-')}", export=ops)
    meetings = query(MEETINGS_ON.format(where=where), (unit, year, *params))
    st.markdown(f"#### The tasking meetings that discussed them ({count(meetings['meeting_date'].nunique())})")
    if meetings.empty:
        st.info("No regional tasking meeting in the year recorded discussing these operations.")
        return
    show_table(pd.DataFrame({
        "Meeting": meetings["meeting_date"].map(day), "Operation discussed": meetings["operation_ref"],
        "Threat area": meetings["threat_area_name"],
        "Unit at national tasking": meetings["national_tasking_attended"].map({True: "yes", False: "no"}),
    }), f"alignment_operation_meetings_{unit}_{year.replace('/', '-')}", export=meetings)


def area_priorities(areas: pd.DataFrame) -> dict[str, pd.Series]:
    """The columns every table of threat areas begins with, worded alike on the page and its drill-through:
    the area, its national and regional priority, how they differ, and its share of the threat."""
    return {"Threat area": areas["threat_area_name"],
            "National priority": areas["national_priority_level"].fillna("–"),
            "Regional priority": areas["regional_priority_level"].fillna("–"),
            "Departs from national": areas["departure"].fillna(""),
            "Threat share": areas["threat_share_pct"].map(pct)}


def show_priorities_without_operation(unit: str, year: str, window: pd.Series) -> None:
    """The priority areas with no operation: their levels, and any disruptions the unit led in them."""
    areas = query("select threat_area_code, threat_area_name, national_priority_level, regional_priority_level,"
                  " departure, threat_share_pct, disruptions from marts.fct_effort_alignment"
                  " where rocu_code = ? and financial_year = ? and is_priority_without_operation"
                  " order by threat_area_order", (unit, year))
    st.markdown(f"#### The {count(len(areas))} priority areas with no operation the unit led open in {year}")
    if areas.empty:
        st.info(f"Every priority area had an operation the unit led open in {year}.")
        return
    show_table(pd.DataFrame({**area_priorities(areas), "Disruptions the unit led": areas["disruptions"].map(count)}),
               f"alignment_priorities_without_operation_{unit}_{year.replace('/', '-')}", export=areas)
    st.caption("No operation to list: a priority may be met by prevent and protect work, national operations or "
               "the disruptions above. Each area opens on its threat and effort:")
    for code, name in zip(areas["threat_area_code"], areas["threat_area_name"]):
        alignment_link(unit, "alignment_area", year, f"{name}: the threat and the disruptions behind it", code)


def show_escalations(unit: str, year: str) -> None:
    """The escalations behind the decision times: each decided one with its days, and those pending."""
    rows = query("""
        select escalation_ref, force_code, ocg_ref, morile_band_when_asked, threat_area_name, requested_date,
               decision_name, decision_date, days_to_decision, decline_reason_name
        from marts.fct_escalations where rocu_code = ? and financial_year = ?
        order by days_to_decision desc nulls last, requested_date, escalation_ref""", (unit, year))
    decided = rows[rows["days_to_decision"].notna()]
    st.markdown(f"#### The {count(len(decided))} escalations decided, longest wait first "
                f"({count(len(rows) - len(decided))} pending, not in the times)")
    if rows.empty:
        st.info(f"No force escalated a group to the unit in {year}.")
        return
    show_table(pd.DataFrame({
        "Escalation": rows["escalation_ref"], "Force": rows["force_code"], "OCG": rows["ocg_ref"],
        "Band when escalated": rows["morile_band_when_asked"].fillna("–"), "Threat area": rows["threat_area_name"],
        "Asked": rows["requested_date"].map(day), "Decision": rows["decision_name"],
        "Decided": rows["decision_date"].map(day), "Days": rows["days_to_decision"].map(count),
        "Why declined": rows["decline_reason_name"].fillna(""),
    }), f"alignment_escalations_{unit}_{year.replace('/', '-')}", export=rows)


def show_meetings(unit: str, year: str) -> None:
    """The meetings behind the tasking rhythm, with the operations each discussed."""
    meetings = query("""
        select meeting_date, days_since_previous, forces_represented_count, partners_represented_count,
               national_tasking_attended, operations_discussed
        from marts.fct_tasking_meetings where rocu_code = ? and financial_year = ? order by meeting_date""",
                     (unit, year))
    rhythm = query("select meetings_held, national_cycle_meetings, mean_days_between_meetings from"
                   " marts.fct_tasking_rhythm where rocu_code = ? and financial_year = ?", (unit, year))
    if not rhythm.empty:
        r = rhythm.iloc[0]
        st.caption(f"{count(r['meetings_held'])} meetings held against {decimal(r['national_cycle_meetings'])} in "
                   f"the national cycle; {decimal(r['mean_days_between_meetings'])} days apart on average. Neither "
                   "more nor fewer meetings is better in itself.")
    st.markdown(f"#### The {count(len(meetings))} regional tasking meetings in {year}")
    if meetings.empty:
        st.info(f"The unit recorded no regional tasking meeting in {year}.")
        return
    show_table(pd.DataFrame({
        "Meeting": meetings["meeting_date"].map(day),
        "Days since the one before": meetings["days_since_previous"].map(count),
        "Forces represented": meetings["forces_represented_count"].map(count),
        "Partners represented": meetings["partners_represented_count"].map(count),
        "Unit at national tasking": meetings["national_tasking_attended"].map({True: "yes", False: "no"}),
        "Operations discussed": meetings["operations_discussed"].fillna("none"),
    }), f"alignment_meetings_{unit}_{year.replace('/', '-')}", export=meetings)
