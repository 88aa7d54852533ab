"""Does effort follow the threat? Per unit and financial year: the effort-follows-threat index with its
components, each threat area's share of the high-band threat against its share of effort, national and
regional priorities, the operations and tasking meetings behind the figures, the tasking rhythm
against the national cycle, and the groups forces escalated and what the unit decided.

Reads only the golden-thread marts (fct_effort_alignment_index, fct_effort_alignment, fct_effort_on_priorities,
fct_operations_by_year, fct_tasking_rhythm, fct_tasking_meetings, fct_escalation_decisions, fct_escalations,
dim_alignment_measure) and dim_rocu; every figure is computed in dbt.
"""

import altair as alt
import pandas as pd
import streamlit as st

from dashboards.alignment_drill import alignment_link, area_priorities
from dashboards.auth import guard
from dashboards.data import query
from dashboards.widgets import no_data, sections, show_table, unit_filter, url_select
from pipelines.serving.formats import count, day, decimal, pct

guard("view_alignment")
st.title("Does effort follow the threat?")
if query("select 1 from marts.fct_effort_alignment_index limit 1").empty:
    no_data()

measures = query("select measure_id, measure_name, definition, components, reading from marts.dim_alignment_measure")
about = measures.set_index("measure_id")


def explained(measure_id: str) -> str:
    """The catalogue's definition and reading of a measure, for a figure's help text."""
    row = about.loc[measure_id]
    return f"{row['definition']}. {row['reading']}."


THREAT_FROM = {
    "ledger": "Threat share from: the OCG ledger (high-band OCG-months, month by month).",
    "register": "Threat share from: the OCG register snapshot (high-band groups active in the year, each once), "
                "because no monthly OCG extract holds this unit in the year.",
}


def index_words(row: pd.Series) -> str:
    """The index against the network's: its interval and band, or its small base (marked, not compared)."""
    if pd.isna(row["effort_follows_threat_index"]):
        return "No index: the unit held no high-band threat or led no effort in the year."
    base = (f"{count(row['high_band_ocgs'])} high-band groups, {count(row['effort_items'])} operations and "
            "disruptions")
    interval = f"95% interval {decimal(row['lower_95'])} to {decimal(row['upper_95'])}"
    if row["is_small_base"]:
        return (f"Index {decimal(row['effort_follows_threat_index'])} ({interval}) rests on a small base ({base}): "
                "shown, not compared with the network.")
    return (f"Index {decimal(row['effort_follows_threat_index'])} ({interval}; {base}): {row['band_95']} to the "
            f"network's {decimal(row['network_index'])}" + (", outside 99.8%" if row["band_998"] != "similar" else "")
            + ". Units are compared, never ranked.")


def against(row: pd.Series) -> str:
    """A unit's band against the network's index in words, or why it has none."""
    if row["is_small_base"]:
        return "small base: not compared"
    if pd.isna(row["band_95"]):
        return "no index"
    return row["band_95"] + (", outside 99.8%" if row["band_998"] != "similar" else "")


top = st.columns([1.4, 1])
unit, names = unit_filter(top[0], permission="view_alignment")
years = query("select distinct financial_year from marts.fct_effort_alignment_index order by 1 desc")["financial_year"]
with top[1]:
    year = url_select("Financial year", years.tolist(), "year")

index = query(
    """
    select effort_follows_threat_index, is_part_year, months_in_period, high_band_ocg_months, operations, disruptions,
           priority_areas, areas_departing_from_national, priorities_without_operation, operations_off_priority,
           widest_gap_threat_area_code, widest_gap_pts, high_band_ocgs, effort_items, is_small_base, lower_95,
           upper_95, network_index, band_95, band_998, threat_source
    from marts.fct_effort_alignment_index where rocu_code = ? and financial_year = ?
    """,
    (unit, year),
)
if index.empty:
    no_data(f"No alignment figures for {names[unit]} in {year}.")
r = index.iloc[0]
if r["is_part_year"]:
    st.warning(f"{year} is a part year here: the data covers {count(r['months_in_period'])} of its 12 months.")

a, b, c, d, e = st.columns(5)
a.metric("Effort-follows-threat index", decimal(r["effort_follows_threat_index"]),
         help=explained("effort_follows_threat_index"))
if r["threat_source"] == "register":
    b.metric("High-band groups on the register", count(r["high_band_ocgs"]), help=explained("threat_source"))
else:
    b.metric("High-band OCG-months", count(r["high_band_ocg_months"]), help=explained("threat_share_pct"))
c.metric("Operations led / disruptions led", f"{count(r['operations'])} / {count(r['disruptions'])}",
         help=explained("effort_share_pct"))
d.metric("Priorities with no operation", f"{count(r['priorities_without_operation'])} of {count(r['priority_areas'])}",
         help=explained("priorities_without_operation"))
e.metric("Operations on non-priority areas", count(r["operations_off_priority"]),
         help=explained("operations_off_priority"))
st.caption(index_words(r))
links = st.columns(3)
alignment_link(unit, "priorities_without_operation", year, "Priorities with no operation", container=links[0])
alignment_link(unit, "operations_off_priority", year, "Operations off priority",
               container=links[1])
alignment_link(unit, "alignment_area", year, "Everything behind the effort",
               container=links[2])
on_priority = query(
    """
    select operations_on_priority, operations, on_priority_pct, network_on_priority_pct, band_95, is_small_base
    from marts.fct_effort_on_priorities where rocu_code = ? and financial_year = ?
    """,
    (unit, year),
)
if not on_priority.empty:
    o = on_priority.iloc[0]
    share_words = (f"{count(o['operations_on_priority'])} of {count(o['operations'])}" if o["is_small_base"]
                   else f"{pct(o['on_priority_pct'])} ({count(o['operations_on_priority'])} "
                        f"of {count(o['operations'])})")
    st.caption(f"Operations on national or regional priority areas: {share_words}, {o['band_95']} to the network's "
               f"{pct(o['network_on_priority_pct'])} (exact binomial 95% limits"
               + ("; small base" if o["is_small_base"] else "") + "). Compared, never ranked.")
if r["widest_gap_threat_area_code"] is not None and not pd.isna(r["widest_gap_threat_area_code"]):
    st.caption(f"Widest gap: {r['widest_gap_threat_area_code']}, effort share {decimal(r['widest_gap_pts'])} "
               "percentage points against its threat share. The index says where effort and threat part, not why.")

def threat_areas() -> pd.DataFrame:
    """The unit's threat areas that year, with their threat and effort shares (read by two sections)."""
    return query(
        """
        select threat_area_code, threat_area_name, national_priority_level, regional_priority_level, departure,
               high_band_ocg_months, operations, disruptions, threat_share_pct, effort_share_pct, effort_gap_pts,
               is_priority_without_operation, operations_off_priority, is_threat_small_base,
               is_operations_small_base, is_disruptions_small_base
        from marts.fct_effort_alignment where rocu_code = ? and financial_year = ? order by threat_area_order
        """,
        (unit, year),
    )


def by_threat_area() -> None:
    """Each threat area's share of the high-band threat beside its share of the unit's effort."""
    st.subheader(f"Threat and effort by threat area, {year}")
    areas = threat_areas()
    st.caption(THREAT_FROM.get(r["threat_source"], "No high-band threat recorded for the unit in the year."))
    chart = pd.concat([
        pd.DataFrame({"Threat area": areas["threat_area_name"], "Share": "Share of the high-band threat",
                      "Percent": areas["threat_share_pct"]}),
        pd.DataFrame({"Threat area": areas["threat_area_name"], "Share": "Share of effort",
                      "Percent": areas["effort_share_pct"]}),
    ])
    st.altair_chart(alt.Chart(chart).mark_bar().encode(
        y=alt.Y("Threat area:N", sort=areas["threat_area_name"].tolist(), title=None),
        x=alt.X("Percent:Q", title="Share of the unit's total (%)"), yOffset="Share:N",
        color=alt.Color("Share:N", title=None),
        tooltip=["Threat area", "Share", alt.Tooltip("Percent:Q", format=".1f")]),
        width="stretch",
        alt=f"Each threat area's share of {names[unit]}'s high-band threat and of its effort in {year}.")
    show_table(pd.DataFrame({
        **area_priorities(areas),
        "Effort share": areas["effort_share_pct"].map(pct),
        "Gap (points)": areas["effort_gap_pts"].map(decimal),
        "High-band OCG-months": areas["high_band_ocg_months"].map(count),
        "Operations": areas["operations"].map(count),
        "Disruptions": areas["disruptions"].map(count),
        "Priority with no operation": areas["is_priority_without_operation"].map({True: "yes", False: ""}),
    }), f"alignment_{unit}_{year.replace('/', '-')}", export=areas)

    small = [name for name, flag in (("threat shares", "is_threat_small_base"), ("operations shares",
             "is_operations_small_base"), ("disruptions shares", "is_disruptions_small_base")) if areas[flag].any()]
    if small:
        st.caption(f"Small base: the {' and the '.join(small)} rest on too few groups or records to compare "
                   f"({count(r['high_band_ocgs'])} high-band groups, {count(r['operations'])} operations, "
                   f"{count(r['disruptions'])} disruptions); read them as counts.")

    with st.expander("Open one threat area's operations, disruptions and meetings"):
        for code, area_name in zip(areas["threat_area_code"], areas["threat_area_name"]):
            alignment_link(unit, "alignment_area", year, f"{area_name}: threat share against effort share", code)


def units_on_the_index() -> None:
    """Every unit on the index that year, against the network."""
    st.subheader(f"The units on the index, {year}")
    network = query(
        """
        select rocu_code, effort_follows_threat_index, lower_95, upper_95, high_band_ocgs, effort_items, is_small_base,
               band_95, band_998, network_index, units_compared, threat_source
        from marts.fct_effort_alignment_index where financial_year = ? order by rocu_code
        """,
        (year,),
    )
    network = network[network["rocu_code"].isin(list(names))]
    if not network.empty and not pd.isna(network["network_index"].iloc[0]):
        st.caption(f"Against the network's index {decimal(network['network_index'].iloc[0])} (the "
                   f"{count(network['units_compared'].iloc[0])} units with a base big enough to compare, pooled). "
                   "In unit order: higher, similar or lower on 95% intervals, never a rank.")
    show_table(pd.DataFrame({
        "Unit": network["rocu_code"],
        "Index": network["effort_follows_threat_index"].map(decimal),
        "95% interval": [f"{decimal(lo)} to {decimal(hi)}" for lo, hi in zip(network["lower_95"], network["upper_95"])],
        "High-band groups": network["high_band_ocgs"].map(count),
        "Threat from": network["threat_source"].map({"ledger": "OCG ledger", "register": "OCG register"}).fillna("–"),
        "Operations and disruptions": network["effort_items"].map(count),
        "Against the network": [against(u) for _, u in network.iterrows()],
    }), f"alignment_units_{year.replace('/', '-')}", export=network)


def operations() -> None:
    """The operations behind the figures, for one threat area or all."""
    st.subheader("Operations behind the figures")
    areas = threat_areas()
    area_names = {"ALL": "All threat areas"} | dict(zip(areas["threat_area_code"], areas["threat_area_name"]))
    area = url_select("Threat area", list(area_names), "threat", format_func=area_names.get)
    ops = query(
        """
        select operation_ref, threat_area_name, tasked_by_name, ocg_refs, ocgs_targeted, start_date, end_date, status,
               is_off_priority
        from marts.fct_operations_by_year
        where rocu_code = ? and financial_year = ? and (? = 'ALL' or threat_area_code = ?)
        order by start_date, operation_ref
        """,
        (unit, year, area, area),
    )
    if ops.empty:
        st.info(f"{names[unit]} led no operation in {area_names.get(area, area).lower()} open in {year}.")
    else:
        show_table(pd.DataFrame({
            "Operation": ops["operation_ref"],
            "Threat area": ops["threat_area_name"],
            "Tasked by": ops["tasked_by_name"],
            "OCGs targeted": ops["ocg_refs"].fillna("none mapped"),
            "Started": ops["start_date"].map(day),
            "Ended": ops["end_date"].map(day),
            "Status": ops["status"],
            "Priority": ops["is_off_priority"].map({True: "neither national nor regional", False: "yes"}),
        }), f"operations_{unit}_{year.replace('/', '-')}_{area}", export=ops)


def tasking_rhythm() -> None:
    """The tasking meetings held against the national cycle."""
    st.subheader(f"Tasking rhythm, {year}")
    rhythm = query(
        """
        select meetings_held, national_cycle_meetings, national_cycle_days, mean_days_between_meetings,
               rhythm_against_national, national_tasking_attended_pct, mean_forces_represented,
               mean_partners_represented
        from marts.fct_tasking_rhythm where rocu_code = ? and financial_year = ?
        """,
        (unit, year),
    )
    if not rhythm.empty:
        t = rhythm.iloc[0]
        f, g, h = st.columns(3)
        f.metric("Regional tasking meetings",
                 f"{count(t['meetings_held'])} (national cycle {decimal(t['national_cycle_meetings'])})",
                 help=explained("meetings_against_national_cycle"))
        g.metric("Mean days between meetings", decimal(t["mean_days_between_meetings"]),
                 help=f"The national group meets every {count(t['national_cycle_days'])} days.")
        h.metric("Meetings recording the unit at national tasking", pct(t["national_tasking_attended_pct"]))
        st.caption(f"Rhythm: {t['rhythm_against_national'] or 'no meetings'}. Neither more nor fewer meetings is "
                   "better in itself; what matters is whether regional tasking falls in step with national tasking.")
        alignment_link(unit, "tasking_rhythm", year, "The meetings behind the rhythm")
    meetings = query(
        """
        select meeting_date, days_since_previous, forces_represented, partners_represented, national_tasking_attended,
               operations_discussed
        from marts.fct_tasking_meetings where rocu_code = ? and financial_year = ? order by meeting_date
        """,
        (unit, year),
    )
    if not meetings.empty:
        show_table(pd.DataFrame({
            "Meeting": meetings["meeting_date"].map(day),
            "Days since the one before": meetings["days_since_previous"].map(count),
            "Forces represented": meetings["forces_represented"].fillna("–"),
            "Partners represented": meetings["partners_represented"].fillna("none"),
            "Unit at national tasking": meetings["national_tasking_attended"].map({True: "yes", False: "no"}),
            "Operations discussed": meetings["operations_discussed"].fillna("none"),
        }), f"meetings_{unit}_{year.replace('/', '-')}", export=meetings)


def escalations() -> None:
    """The groups forces escalated and what the unit decided."""
    st.subheader(f"Escalations from forces, {year}")
    decisions = query(
        """
        select requested, accepted, declined, pending, decided, accepted_pct, network_accepted_pct, band_95,
               is_small_base, median_days_to_decision, p90_days_to_decision, commonest_decline_reason,
               high_band_requested
        from marts.fct_escalation_decisions where rocu_code = ? and financial_year = ?
        """,
        (unit, year),
    )
    if decisions.empty:
        st.info(f"No force escalated a group to {names[unit]} in {year}.")
    else:
        x = decisions.iloc[0]
        accepted = (f"{count(x['accepted'])} of {count(x['decided'])}" if x["is_small_base"]
                    else f"{pct(x['accepted_pct'])} ({count(x['accepted'])} of {count(x['decided'])})")
        i, j, k = st.columns(3)
        i.metric("Groups escalated by forces", count(x["requested"]),
                 help=f"{count(x['high_band_requested'])} of them high band when escalated; "
                      f"{count(x['pending'])} pending.")
        j.metric("Accepted, of those decided", accepted, help=explained("escalations_accepted_pct"))
        k.metric("Days from request to decision (median)", decimal(x["median_days_to_decision"]),
                 help=f"{explained('days_to_decision')} 90th percentile: {decimal(x['p90_days_to_decision'])} days.")
        st.caption(f"Accepted: {x['band_95'] or 'not compared'} to the network's {pct(x['network_accepted_pct'])} "
                   "(exact binomial 95% limits" + ("; small base" if x["is_small_base"] else "") + "). "
                   + (f"The reason given most often for declining: {x['commonest_decline_reason'].lower()}. "
                      if isinstance(x["commonest_decline_reason"], str) else "")
                   + "Saying no is a question for the board, not a failure: forces choose what to escalate.")
        alignment_link(unit, "escalation_decisions", year,
                       "The escalations behind the decision times, longest wait first")
        asked = query(
            """
            select escalation_ref, force_code, ocg_ref, morile_band_when_asked, threat_area_name, requested_date,
                   decision_name, decision_date, days_to_decision, decline_reason_name
            from marts.fct_escalations where rocu_code = ? and financial_year = ?
            order by requested_date, escalation_ref
            """,
            (unit, year),
        )
        show_table(pd.DataFrame({
            "Escalation": asked["escalation_ref"],
            "Force": asked["force_code"],
            "OCG": asked["ocg_ref"],
            "Band when escalated": asked["morile_band_when_asked"].fillna("–"),
            "Threat area": asked["threat_area_name"],
            "Asked": asked["requested_date"].map(day),
            "Decision": asked["decision_name"],
            "Decided": asked["decision_date"].map(day),
            "Days": asked["days_to_decision"].map(count),
            "Why declined": asked["decline_reason_name"].fillna(""),
        }), f"escalations_{unit}_{year.replace('/', '-')}", export=asked)


def definitions() -> None:
    """How each measure on the page is defined and read."""
    st.subheader("How these measures are defined")
    show_table(measures.rename(columns={"measure_name": "Measure", "definition": "Definition",
                                        "components": "Shown beside it", "reading": "How to read it"})
               .drop(columns="measure_id"), "alignment_measures")


sections({"By threat area": by_threat_area, "The units": units_on_the_index, "Operations": operations,
          "Tasking rhythm": tasking_rhythm, "Escalations": escalations, "How measured": definitions})
