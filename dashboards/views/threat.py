"""Disruptions and threat: how far each unit's disruptions reach its high-threat OCGs (the OCG ledger),
how fresh every unit's disruption records are and how many are linked to an OCG, and the unit's
disruptions by threat area, 4P strand, impact level and who led them.

Reads only the marts declared for it in _exposures.yml; OCGs are shown by reference, never by name.
"""

import altair as alt
import pandas as pd
import streamlit as st

from dashboards.auth import can, guard
from dashboards.data import query
from dashboards.threat_drill import figure_link
from dashboards.threat_validation import show_validation
from dashboards.widgets import (drill_link, no_data, period_filter, period_words, sections, show_table,
                                unit_filter, url_select)
from pipelines.serving.formats import count, day, decimal, share_with_base

session = guard("view_national")
st.title("Disruptions and threat")
if query("select 1 from marts.fct_ocg_ledger_summary limit 1").empty:
    no_data()

top = st.columns([1.2, 1.6, 1.4])
kind, period = period_filter(top[0])
unit, names = unit_filter(top[1])
areas = query("select distinct threat_area_code, threat_area_name from marts.fct_ocg_ledger_summary"
              " where rocu_code = ? order by threat_area_code = 'ALL' desc, threat_area_name", (unit,))
area_names = dict(zip(areas["threat_area_code"], areas["threat_area_name"]))
with top[2]:
    area = url_select("Threat area", list(area_names), "threat", format_func=area_names.get)
when = period_words(kind, period)
# Links to the rows behind a figure, only for roles that may open the drill-through (it checks again).
drill = can(session, "view_drill", unit)

row = query(
    """
    select ocgs, high_band_ocgs, high_band_disrupted, high_band_disrupted_pct, is_small_base, high_band_untouched_6m,
           high_band_untouched_unknown, dismantled_after_disruption, archived, disruptions, impact_weighted_disruptions,
           last_month
    from marts.fct_ocg_ledger_summary where rocu_code = ? and threat_area_code = ? and period_type = ? and period = ?
    """,
    (unit, area, kind, period),
)
if row.empty:
    no_data(f"The OCG ledger holds no groups for {names[unit]} ({area_names.get(area, area)}) in {when}.")
r = row.iloc[0]
a, b, c, d = st.columns(4)
a.metric(f"High-band OCGs disrupted, {period}",
         share_with_base(r["high_band_disrupted"], r["high_band_ocgs"], r["high_band_disrupted_pct"],
                         bool(r["is_small_base"]), "high-band OCGs"),
         help="High-band groups (MoRiLE band in their last month of the period) with at least one validated "
              "disruption against them in the period, each disruption counted once.")
b.metric(f"High-band OCGs untouched six months or more, {r['last_month']}", count(r["high_band_untouched_6m"]),
         help="Active high-band groups on the register for six months or more with no disruption in the last six.")
c.metric(f"OCGs dismantled after disruption, {period}", count(r["dismantled_after_disruption"]),
         help=f"Archived as dismantled in the period having been disrupted before; {count(r['archived'])} "
              "archived for any reason.")
d.metric(f"Impact-weighted disruptions, {period}", count(r["impact_weighted_disruptions"]),
         help=f"{count(r['disruptions'])} disruptions weighted major 3, moderate 2, minor 1.")
if drill:
    for column, figure, label in ((a, "high_band_disrupted", "OCGs and disruptions"),
                                  (b, "high_band_untouched_6m", "Untouched OCGs by month"),
                                  (c, "dismantled_after_disruption", "Dismantled OCGs by month"),
                                  (d, "impact_weighted_disruptions", "Disruptions behind it")):
        figure_link(unit, figure, kind, period, area, label, column)


def ocgs_held() -> None:
    """High-band OCGs held by forces and by the unit, month by month."""
    st.subheader(f"High-band OCGs held by forces and by {names[unit]}, month by month")
    held = query(
        """
        select period as month, 'Held by a force' as held_by, high_band_force_held as ocgs
        from marts.fct_ocg_ledger_summary where rocu_code = ? and threat_area_code = ? and period_type = 'month'
        union all
        select period, 'Held by the unit', high_band_rocu_held
        from marts.fct_ocg_ledger_summary where rocu_code = ? and threat_area_code = ? and period_type = 'month'
        order by 1, 2
        """,
        (unit, area, unit, area),
    )
    st.altair_chart(alt.Chart(held).mark_line(point=True).encode(
        x=alt.X("month:N", title="Month"), y=alt.Y("ocgs:Q", title="Active high-band OCGs"),
        color=alt.Color("held_by:N", title=None), tooltip=["month", "held_by", "ocgs"]), width="stretch",
        alt=f"Active high-band OCGs in {names[unit]} held by its forces and by the unit, month by month.")
    st.caption("The inspection found forces often keep higher-threat OCGs than their unit.")
    if drill and not held.empty:
        newest = held["month"].max()
        left, right = st.columns(2)
        figure_link(unit, "high_band_force_held", "month", newest, area,
                    f"The high-band OCGs forces held in {newest}", left)
        figure_link(unit, "high_band_rocu_held", "month", newest, area,
                    f"The high-band OCGs {names[unit]} held in {newest}", right)


def by_threat_area() -> None:
    """The ledger by threat area, then the 4Ps by impact."""
    st.subheader(f"By threat area, {when}")
    areas_rows = query(
        """
        select threat_area_name, ocgs, high_band_ocgs, high_band_disrupted, high_band_disrupted_pct, is_small_base,
               high_band_untouched_6m, dismantled_after_disruption, impact_weighted_disruptions
        from marts.fct_ocg_ledger_summary
        where rocu_code = ? and period_type = ? and period = ? and threat_area_code <> 'ALL' order by threat_area_name
        """,
        (unit, kind, period),
    )
    show_table(pd.DataFrame({
        "Threat area": areas_rows["threat_area_name"],
        "OCGs": areas_rows["ocgs"].map(count),
        "High-band OCGs disrupted": [share_with_base(n, base, pct, bool(small), "high-band OCGs")
                                     for n, base, pct, small in
                                     zip(areas_rows["high_band_disrupted"], areas_rows["high_band_ocgs"],
                                         areas_rows["high_band_disrupted_pct"], areas_rows["is_small_base"])],
        "Untouched six months or more": areas_rows["high_band_untouched_6m"].map(count),
        "Dismantled after disruption": areas_rows["dismantled_after_disruption"].map(count),
        "Impact-weighted disruptions": areas_rows["impact_weighted_disruptions"].map(count),
    }), f"threat_areas_{unit}_{period.replace('/', '-')}", export=areas_rows)
    show_strand_matrix(unit, names[unit], kind, period, when)


def show_strand_matrix(unit: str, unit_name: str, kind: str, period: str, when: str) -> None:
    """Threat area x 4P matrix of impact-weighted disruptions (fct_strand_impact_matrix): the 4Ps by
    substance, so one prevent disruption never weighs as much as 500 pursue ones."""
    st.subheader(f"The 4Ps by impact, threat area by strand, {when}")
    cells = query(
        """
        select threat_area_code, threat_area_name, strand_code, strand_name, disruptions, impact_weighted_disruptions,
               impact_weighted_share_pct
        from marts.fct_strand_impact_matrix where rocu_code = ? and period_type = ? and period = ?
        order by threat_area_sort_order, strand_sort_order
        """,
        (unit, kind, period),
    )
    if cells.empty:
        st.info(f"{unit_name} recorded no validated disruptions in {when}.")
        return
    cells["cell"] = [f"{count(w)} ({decimal(s)}%)" if n else "none" for n, w, s in zip(
        cells["disruptions"], cells["impact_weighted_disruptions"], cells["impact_weighted_share_pct"])]
    order = list(dict.fromkeys(cells["strand_name"]))
    matrix = cells.pivot(index="threat_area_name", columns="strand_name", values="cell")
    matrix = matrix.loc[list(dict.fromkeys(cells["threat_area_name"])), order].reset_index()
    show_table(matrix.rename(columns={"threat_area_name": "Threat area"}),
               f"strand_matrix_{unit}_{period.replace('/', '-')}", export=cells)
    st.caption("Each cell: validated disruptions, each counted once, weighted by impact level, and the strand's share "
               "of the threat area's weighted disruptions (so one minor prevent disruption is not one strand of two).")
    if drill:
        covered = cells[cells["disruptions"] > 0]
        words = {(code, strand): f"{name} · {strand_name}" for code, name, strand, strand_name in zip(
            covered["threat_area_code"], covered["threat_area_name"], covered["strand_code"], covered["strand_name"])}
        pick, go = st.columns([2, 1], vertical_alignment="bottom")
        cell = pick.selectbox("Open the disruptions of one cell", list(words), format_func=words.get,
                              key="drill_strand_cell")
        figure_link(unit, "strand_cell", kind, period, cell[0], "Open the disruptions it weighs", go, strand=cell[1])


def show_effect_and_rates(unit: str, unit_name: str, area: str, kind: str, period: str, when: str) -> None:
    """What followed a disruption (fct_ocg_disruption_effect: the score change of disrupted groups against
    undisrupted groups of the same band, area and month) and the unit's impact-weighted disruptions on
    its own staff and budget (fct_disruption_impact_rates). Association over time, never cause."""
    st.subheader(f"After a major or moderate disruption: MoRiLE score change against undisrupted groups, {when}")
    effect = query(
        """
        select events_3m, disrupted_groups_3m, disrupted_mean_change_3m, comparison_groups_3m,
               comparison_mean_change_3m, difference_3m, is_small_base_3m, events_unmatched_3m,
               events_6m, disrupted_groups_6m, disrupted_mean_change_6m, comparison_groups_6m,
               comparison_mean_change_6m, difference_6m, is_small_base_6m, events_unmatched_6m
        from marts.fct_ocg_disruption_effect
        where rocu_code = ? and threat_area_code = ? and period_type = ? and period = ?
        """,
        (unit, area, kind, period),
    )
    if effect.empty:
        st.info(f"No major or moderate disruption of {unit_name}'s groups in {when} can be followed yet.")
    else:
        e = effect.iloc[0]
        after = [(f"{m} months later", m) for m in (3, 6)]
        show_table(pd.DataFrame({
            "Score read": [label for label, _ in after],
            "Disrupted groups": [count(e[f"disrupted_groups_{m}m"]) + (" (small base)" if e[f"is_small_base_{m}m"]
                                                                    else "") for _, m in after],
            "Disrupted: mean score change": [decimal(e[f"disrupted_mean_change_{m}m"], 2) for _, m in after],
            "Undisrupted groups compared": [count(e[f"comparison_groups_{m}m"]) for _, m in after],
            "Undisrupted: mean score change": [decimal(e[f"comparison_mean_change_{m}m"], 2) for _, m in after],
            "Difference": [decimal(e[f"difference_{m}m"], 2) for _, m in after],
            "Disruptions with no group to compare": [count(e[f"events_unmatched_{m}m"]) for _, m in after],
        }), f"disruption_effect_{unit}_{area}_{period.replace('/', '-')}", export=effect)
        if drill:
            figure_link(unit, "disruption_effect", kind, period, area, "The disrupted groups and their comparisons")
        st.caption("A negative difference: disrupted groups' threat scores fell further than those of undisrupted "
                   "groups of the same band and threat area in the same month. An association over time, not proof "
                   "that the disruption caused it; a small base moves a lot with one group. Method: "
                   "docs/disruption-effect.md.")

    rates = query(
        """
        select base_code, rate_per, rate_base_label, impact_weighted_disruptions, impact_weighted_rate,
               led_impact_weighted_rate, months_covered, months_in_period, is_part_period
        from marts.fct_disruption_impact_rates where rocu_code = ? and period_type = ? and period = ?
        order by base_code desc
        """,
        (unit, kind, period),
    )
    if rates.empty:
        st.caption(f"No impact-weighted rate on {unit_name}'s own staff or budget for {when}: no resources "
                   "return covers it yet.")
        return
    for column, rate in zip(st.columns(len(rates)), rates.itertuples()):
        column.metric(f"Impact-weighted disruptions {rate.rate_per}, {period}", decimal(rate.impact_weighted_rate, 2),
                      help=f"{count(rate.impact_weighted_disruptions)} weighted disruptions, "
                           f"{rate.rate_base_label}; led by the unit: {decimal(rate.led_impact_weighted_rate, 2)}.")
        if rate.is_part_period:
            column.caption(f"Part period: the disruption extract covers {rate.months_covered} of "
                           f"{rate.months_in_period} months.")
    if drill:
        figure_link(unit, "impact_rates", kind, period, "ALL", "The disruptions the rates weigh")


def untouched_ocgs() -> None:
    """High-band OCGs untouched six months or more, each by reference."""
    st.subheader(f"High-band OCGs untouched six months or more, {r['last_month']}")
    untouched = query(
        """
        select ocg_ref, owner_type, owner_code, threat_area_code, morile_score, months_on_register, last_disrupted_month
        from marts.fct_ocg_ledger_monthly
        where rocu_code = ? and month = ? and morile_band = 'high' and is_untouched_6m
            and (? = 'ALL' or threat_area_code = ?)
        order by morile_score desc, ocg_ref
        """,
        (unit, r["last_month"], area, area),
    )
    if untouched.empty:
        st.info(f"No high-band OCG in {names[unit]} has gone six months or more without a disruption.")
    else:
        show_table(pd.DataFrame({
            "OCG reference": untouched["ocg_ref"],
            "Held by": [f"{code} ({kind_})" for kind_, code in zip(untouched["owner_type"], untouched["owner_code"])],
            "Threat area": untouched["threat_area_code"],
            "MoRiLE score": untouched["morile_score"].map(count),
            "Months on the register": untouched["months_on_register"].map(count),
            "Last disrupted": untouched["last_disrupted_month"].fillna("not on the ledger"),
        }), f"untouched_{unit}_{r['last_month']}", export=untouched)
        if drill:
            figure_link(unit, "high_band_untouched_6m", kind, period, area,
                        f"These OCGs' months on the ledger in {when}")


def record_quality() -> None:
    """How fresh every unit's disruption records are, how many are linked to an OCG, and their validation."""
    st.subheader(f"Disruption records of every unit: how fresh, and how many are linked to an OCG, {when}")
    records = query(
        """
        select f.rocu_name, f.latest_disruption_date, f.latest_claim_date, f.latest_extract_file,
               f.months_behind_network, f.network_latest_month, r.disruptions, r.unit_disruptions, r.share_pct,
               r.is_small_base, r.network_disruptions, r.network_unit_disruptions, r.network_share_pct,
               r.network_counted_by_more_than_one_unit
        from marts.fct_disruption_extract_freshness f
        left join marts.fct_disruption_recording r
            on r.rocu_code = f.rocu_code and r.against_type = 'ocg' and r.period_type = ? and r.period = ?
        order by f.rocu_name
        """,
        (kind, period),
    )
    linked = [share_with_base(n, base, pct, bool(small), "disruptions")
              for n, base, pct, small in zip(records["disruptions"], records["unit_disruptions"], records["share_pct"],
                                             records["is_small_base"].fillna(True))]
    show_table(pd.DataFrame({
        "Unit": records["rocu_name"],
        "Newest disruption": records["latest_disruption_date"].map(day),
        "Newest claim": records["latest_claim_date"].map(day),
        "Newest extract with its records": records["latest_extract_file"].fillna("none landed"),
        "Months behind the network": records["months_behind_network"].map(count),
        "Linked to an OCG": linked,
    }), f"disruption_records_{period.replace('/', '-')}", export=records)
    if not records.empty and records["network_unit_disruptions"].notna().any():
        n = records.dropna(subset=["network_unit_disruptions"]).iloc[0]
        network = share_with_base(n["network_disruptions"], n["network_unit_disruptions"], n["network_share_pct"],
                                  False, "validated disruptions")
        st.caption(f"Across the network, {network} in {when} were against an OCG on the register. Newest disruption "
                   f"month landed for any unit: {n['network_latest_month']}. A unit far below the network's share may "
                   "be recording disruptions without their OCG.")
        if n["network_counted_by_more_than_one_unit"]:
            st.caption(f"{count(n['network_counted_by_more_than_one_unit'])} of the units' disruptions in {when} were "
                       "counted by more than one unit: each unit's row keeps its own, the network counts each once, so "
                       "the network's figures are less than the units' summed.")
    if drill:
        figure_link(unit, "ocg_linked", kind, period, "ALL", f"{names[unit]}'s disruptions and what each was against")


    show_validation(kind, period, when)
    if drill:
        figure_link(unit, "validation", kind, period, "ALL", f"The claims behind {names[unit]}'s validation figures")


def disruption_breakdown() -> None:
    """The unit's disruptions by threat area, 4P strand, impact level and who led them."""
    st.subheader(f"{names[unit]}'s disruptions by threat area, 4P strand and impact level, {when}")
    matrix = query(
        """
        select threat_area_code, threat_area_name, strand, strand_name, impact_level, disruptions, led, force_led,
               other_rocu_led, lead_not_recorded
        from marts.fct_disruptions_threat_matrix
        where rocu_code = ? and period_type = ? and period = ? and (? = 'ALL' or threat_area_code = ?)
        order by threat_area_name, strand_sort_order, impact_rank
        """,
        (unit, kind, period, area, area),
    )
    if matrix.empty:
        st.info(f"{names[unit]} has no validated disruptions in {when}.")
    else:
        show_table(pd.DataFrame({
            "Threat area": matrix["threat_area_name"],
            "Strand": matrix["strand_name"],
            "Impact": matrix["impact_level"].str.capitalize(),
            "Disruptions": matrix["disruptions"].map(count),
            "Led by the unit": matrix["led"].map(count),
            "Force-led, unit supported": matrix["force_led"].map(count),
            "Another ROCU led, unit supported": matrix["other_rocu_led"].map(count),
            "Lead not recorded": matrix["lead_not_recorded"].map(count),
        }), f"disruptions_matrix_{unit}_{period.replace('/', '-')}", export=matrix)
        st.caption("Validated disruptions, each counted once however many agencies claimed it.")
        if drill:
            words = {(code, strand, impact): f"{name} · {strand_name} · {impact.capitalize()}"
                     for code, name, strand, strand_name, impact in
                     zip(matrix["threat_area_code"], matrix["threat_area_name"], matrix["strand"],
                         matrix["strand_name"], matrix["impact_level"])}
            pick, go = st.columns([2, 1], vertical_alignment="bottom")
            cell = pick.selectbox("Open the disruptions of one row", list(words), format_func=words.get,
                                  key="drill_cell")
            figure_link(unit, "disruptions_cell", kind, period, cell[0], "Open these disruptions", go,
                        strand=cell[1], impact=cell[2])
    # The records behind these figures, for the roles that may open them (no link a role cannot follow).
    if drill:
        drill_link(unit, "DIS_TOTAL", kind, period,
                   f"See every disruption record behind {names[unit]}'s figures for {when}")


def prevent_and_protect() -> None:
    """Prevent and protect beside the outcomes that followed."""
    st.subheader(f"Prevent and protect beside later outcomes, {names[unit]}")
    links = query(
        """
        select question, activity_name, outcome_name, lag_months, months_paired, first_month, last_month, spearman_r,
               lower_95, upper_95, association, is_too_few_months, caveat
        from marts.fct_outcome_associations where rocu_code = ? order by link_id
        """,
        (unit,),
    )
    if links.empty:
        st.info(f"{names[unit]}'s returns do not hold both sides of any link in seeds/framework/outcome_links.csv "
                "(for example young people diverted from county lines and county lines closed).")
    else:
        show_table(pd.DataFrame({
            "Question": links["question"],
            "Months paired": [f"{count(n)} ({a} to {b})" for n, a, b in
                              zip(links["months_paired"], links["first_month"], links["last_month"])],
            "Rank correlation (95% interval)": [
                "too few months" if few else f"{decimal(r, 2)} ({decimal(lo, 2)} to {decimal(hi, 2)})"
                for r, lo, hi, few in zip(links["spearman_r"], links["lower_95"], links["upper_95"],
                                          links["is_too_few_months"])],
            "Association": links["association"].fillna("not estimated"),
        }), f"outcome_links_{unit}", export=links)
        st.caption("Each is an association over time, never a cause: " + " ".join(
            dict.fromkeys(f"{c}." for c in links["caveat"])) + " Spearman's rank correlation over the months the unit "
            "reported both; positive or negative only where the 95% interval lies wholly on one side of zero.")


sections({"OCGs held": ocgs_held, "By threat area": by_threat_area,
          "After a disruption": lambda: show_effect_and_rates(unit, names[unit], area, kind, period, when),
          "Untouched OCGs": untouched_ocgs, "Records and validation": record_quality,
          "Disruptions": disruption_breakdown, "Prevent and protect": prevent_and_protect})
