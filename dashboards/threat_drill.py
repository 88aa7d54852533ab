"""Drill-through from a figure of the Disruptions and threat page to the OCG months and disruptions behind it.

A link names the figure and its filters in the URL (?figure=..&unit=..&threat=..&period_type=..&period=..,
and for a threat area x 4P x impact cell also &strand=..&impact=..), so a view can be shared. The rows
come from marts only: fct_ocg_ledger_period_groups (the groups each ledger figure counts, by reference,
never by name), fct_ocg_ledger_monthly (their months on the ledger), fct_counted_disruptions (the
disruptions the figures count), fct_disruption_validation_claims (the claims behind the validation
figures), fct_strand_impact_matrix (a threat area x 4P cell, &strand=..) and fct_ocg_disruption_events (the events behind the score change after disruption). The drill page calls `show_figure` after its own server-side check.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from dashboards.data import query
from dashboards.widgets import (PERIOD_COLUMNS, no_data, page_link, period_filter, period_words, show_table,
                                unit_filter, url_select)
from pipelines.serving.formats import count, day, decimal, share_with_base


@dataclass(frozen=True)
class Figure:
    """A figure of the threat page: its words, the summary column that holds it, and which of the
    period's groups it counts (a filter on fct_ocg_ledger_period_groups' flags, all computed in dbt)."""

    label: str
    column: str
    groups: str  # the groups listed: the figure's base where it is a share, else the groups it counts
    noun: str


LEDGER = {
    "high_band_disrupted": Figure("High-band OCGs disrupted", "high_band_disrupted", "g.morile_band = 'high'",
                                  "high-band OCGs"),
    "high_band_untouched_6m": Figure("High-band OCGs untouched six months or more", "high_band_untouched_6m",
                                     "g.morile_band = 'high' and g.is_untouched_6m", "high-band OCGs untouched"),
    "dismantled_after_disruption": Figure("OCGs dismantled after disruption", "dismantled_after_disruption",
                                          "g.dismantled_after_disruption", "OCGs dismantled after disruption"),
    "impact_weighted_disruptions": Figure("Impact-weighted disruptions", "impact_weighted_disruptions",
                                          "g.is_disrupted", "OCGs disrupted"),
    "high_band_force_held": Figure("Active high-band OCGs held by a force", "high_band_force_held",
                                   "g.morile_band = 'high' and g.status = 'active' and g.owner_type = 'force'",
                                   "high-band OCGs held by forces"),
    "high_band_rocu_held": Figure("Active high-band OCGs held by the unit", "high_band_rocu_held",
                                  "g.morile_band = 'high' and g.status = 'active' and g.owner_type = 'rocu'",
                                  "high-band OCGs held by the unit"),
}
CELL = "disruptions_cell"  # a threat area x 4P strand x impact level cell of the unit's disruptions
STRAND_CELL = "strand_cell"  # a threat area x 4P cell of the 4Ps-by-impact matrix (fct_strand_impact_matrix)
LINKED = "ocg_linked"  # the share of the unit's disruptions linked to an OCG (fct_disruption_recording)
VALIDATION = "validation"  # the unit's validation backlog and lag (fct_disruption_validation)
EFFECT = "disruption_effect"  # score change after disruption against undisrupted groups (fct_ocg_disruption_effect)
RATES = "impact_rates"  # impact-weighted disruptions per staff and per £1m (fct_disruption_impact_rates)
FIGURES = {**{key: f.label for key, f in LEDGER.items()},
           CELL: "Disruptions of one threat area, 4P strand and impact level",
           STRAND_CELL: "Disruptions of one threat area and 4P strand, weighted by impact",
           LINKED: "Disruptions linked to an OCG",
           VALIDATION: "Validation of disruption claims: backlog and lag",
           EFFECT: "Score change after a major or moderate disruption",
           RATES: "Impact-weighted disruptions on the unit's staff and budget"}
LEAD_WORDS = {"led": "the unit", "force_led": "a force (unit supported)",
              "other_rocu_led": "another ROCU (unit supported)", "not_recorded": "not recorded"}


def figure_link(unit: str, figure: str, kind: str, period: str, area: str, label: str, container=st,
                **cell: str) -> None:
    """A link from a figure of the threat page to its rows here, its filters in the URL."""
    page_link("drill", label, {"figure": figure, "unit": unit, "threat": area, "period_type": kind,
                               "period": period, **cell}, container)


def show_figure() -> None:
    """The drill-through of one threat-page figure: the unit is checked on the server (view_drill)."""
    top = st.columns([1.2, 1.4, 1.4, 1.6])
    unit, names = unit_filter(top[0], permission="view_drill")
    kind, period = period_filter(top[1])
    with top[3]:
        figure = url_select("Figure", list(FIGURES), "figure", format_func=FIGURES.get)
    # The threat areas the figure's mart holds for the unit: the ledger's groups, or its disruptions (the
    # OCG-linked share is the unit's, across threat areas).
    area_names = {"ALL": "All threat areas"}
    if figure not in (LINKED, VALIDATION, RATES):
        source = {CELL: "fct_disruptions_threat_matrix", STRAND_CELL: "fct_strand_impact_matrix"}.get(
            figure, "fct_ocg_ledger_summary")
        areas = query(f"select distinct threat_area_code, threat_area_name from marts.{source}"
                      " where rocu_code = ? and threat_area_code <> 'ALL' order by threat_area_name", (unit,))
        area_names |= dict(zip(areas["threat_area_code"], areas["threat_area_name"]))
    with top[2]:
        area = url_select("Threat area", list(area_names), "threat", format_func=area_names.get)
    when, where = period_words(kind, period), area_names.get(area, area)
    if figure == CELL:
        show_cell(unit, names[unit], area, where, kind, period, when)
    elif figure == STRAND_CELL:
        show_strand_cell(unit, names[unit], area, where, kind, period, when)
    elif figure == LINKED:
        show_linked(unit, names[unit], kind, period, when)
    elif figure == VALIDATION:
        show_validation_claims(unit, names[unit], kind, period, when)
    elif figure == RATES:
        show_rate_disruptions(unit, names[unit], kind, period, when)
    elif figure == EFFECT:
        show_effect_events(unit, names[unit], area, where, kind, period, when)
    else:
        show_ledger_figure(LEDGER[figure], unit, names[unit], area, where, kind, period, when)


GROUPS = """
select g.ocg_ref, g.threat_area_code, g.morile_band, g.morile_score, g.owner_type, g.owner_code, g.status,
       g.is_disrupted, g.disruptions, g.impact_weighted_disruptions, g.is_untouched_6m, g.last_disrupted_month,
       g.months_since_last_disrupted, g.archived, g.dismantled_after_disruption, g.first_month, g.last_month,
       g.ledger_months
from marts.fct_ocg_ledger_period_groups g
where g.rocu_code = ? and g.period_type = ? and g.period = ? and (? = 'ALL' or g.threat_area_code = ?) and {groups}
order by g.is_disrupted desc, g.morile_score desc, g.ocg_ref
"""
MONTHS = """
select l.ocg_ref, l.month, l.morile_score, l.morile_band, l.owner_type, l.owner_code, l.status, l.disruptions,
       l.impact_weighted_disruptions, l.months_since_last_disrupted, l.is_untouched_6m
from marts.fct_ocg_ledger_monthly l
join marts.fct_ocg_ledger_period_groups g on l.ocg_ref = g.ocg_ref
join marts.dim_month d on l.month = d.month
where g.rocu_code = ? and g.period_type = ? and g.period = ? and (? = 'ALL' or g.threat_area_code = ?) and {groups}
    and d.{column} = ?
order by l.ocg_ref, l.month
"""
# The disruptions a ledger row counted: against the group, in a month it was on the ledger.
# A group's disruptions are counted once across units, as its ledger counts them.
DISRUPTIONS = """
select c.disruption_ref, c.disruption_date, c.ocg_ref, c.rocu_code, c.claiming_agency, c.lead, c.threat_area_name,
       c.strand_name, c.impact_level, c.impact_weight, c.validation_date
from marts.fct_counted_disruptions c
join marts.fct_ocg_ledger_monthly l on c.ocg_ref = l.ocg_ref and c.month = l.month
join marts.fct_ocg_ledger_period_groups g on l.ocg_ref = g.ocg_ref
join marts.dim_month d on l.month = d.month
where g.rocu_code = ? and g.period_type = ? and g.period = ? and (? = 'ALL' or g.threat_area_code = ?) and {groups}
    and d.{column} = ? and c.is_network_counted
order by c.disruption_date, c.disruption_ref
"""


def show_ledger_figure(fig: Figure, unit: str, unit_name: str, area: str, where: str, kind: str, period: str,
                       when: str) -> None:
    """A ledger figure: the groups it counts (by reference), their months in the period, the disruptions."""
    summary = query("select high_band_ocgs, high_band_disrupted, high_band_disrupted_pct, is_small_base,"
                    f" {fig.column} as figure, last_month from marts.fct_ocg_ledger_summary"
                    " where rocu_code = ? and threat_area_code = ? and period_type = ? and period = ?",
                    (unit, area, kind, period))
    if summary.empty:
        no_data(f"The OCG ledger holds no groups for {unit_name} ({where}) in {when}.")
    s = summary.iloc[0]
    st.subheader(f"{fig.label}: {unit_name}, {where}, {when}")
    shown = share_with_base(s["high_band_disrupted"], s["high_band_ocgs"], s["high_band_disrupted_pct"],
                            bool(s["is_small_base"]), "high-band OCGs") \
        if fig.column == "high_band_disrupted" else count(s["figure"])
    st.metric(f"{fig.label}, {period}", shown)
    key = (unit, kind, period, area, area)
    groups = query(GROUPS.format(groups=fig.groups), key)
    column = PERIOD_COLUMNS[kind]
    months = query(MONTHS.format(groups=fig.groups, column=column), (*key, period))
    disruptions = query(DISRUPTIONS.format(groups=fig.groups, column=column), (*key, period))
    name = f"{fig.column}_{unit}_{area}_{period.replace('/', '-')}"

    st.markdown(f"#### The {len(groups)} {fig.noun} behind the figure")
    if fig.column == "high_band_disrupted":
        st.caption("Every high-band group of the period (the base), those with a disruption in it first.")
    show_table(pd.DataFrame({
        "OCG reference": groups["ocg_ref"], "Threat area": groups["threat_area_code"],
        "Band": groups["morile_band"], "MoRiLE score": groups["morile_score"].map(count),
        "Held by": [f"{code} ({kind_})" for kind_, code in zip(groups["owner_type"], groups["owner_code"])],
        "Status": groups["status"], "Disrupted in the period": groups["is_disrupted"].map({True: "yes", False: "no"}),
        "Disruptions": groups["disruptions"].map(count),
        "Impact-weighted": groups["impact_weighted_disruptions"].map(count),
        "Last disrupted": groups["last_disrupted_month"].fillna("not on the ledger"),
        "Months on the ledger in the period": groups["ledger_months"].map(count),
    }), f"drill_ocgs_{name}", export=groups)
    st.caption("Each group once, with what the register said about it in its last month of the period; OCGs are "
               "shown by reference, never by name.")

    st.markdown(f"#### Their {len(months)} OCG-months on the ledger in {when}")
    show_table(pd.DataFrame({
        "OCG reference": months["ocg_ref"], "Month": months["month"], "MoRiLE score": months["morile_score"].map(count),
        "Band": months["morile_band"],
        "Held by": [f"{code} ({kind_})" for kind_, code in zip(months["owner_type"], months["owner_code"])],
        "Status": months["status"], "Disruptions": months["disruptions"].map(count),
        "Impact-weighted": months["impact_weighted_disruptions"].map(count),
        "Months since last disrupted": months["months_since_last_disrupted"].map(count),
    }), f"drill_ocg_months_{name}", export=months)

    st.markdown(f"#### The {len(disruptions)} disruptions against them in {when}")
    show_disruptions(disruptions, f"drill_ocg_disruptions_{name}",
                     f"No validated disruption was recorded against these groups in {when}.")


def show_cell(unit: str, unit_name: str, area: str, where: str, kind: str, period: str, when: str) -> None:
    """A threat area x 4P strand x impact level cell of the unit's disruptions, and the disruptions in it."""
    cells = query("select distinct strand, strand_name, strand_sort_order, impact_level, impact_rank"
                  " from marts.fct_disruptions_threat_matrix"
                  " where rocu_code = ? and period_type = ? and period = ? and (? = 'ALL' or threat_area_code = ?)"
                  " order by strand_sort_order, impact_rank", (unit, kind, period, area, area))
    if cells.empty:
        no_data(f"{unit_name} has no validated disruptions in {when} ({where}).")
    strands = dict(zip(cells["strand"], cells["strand_name"]))
    impacts = list(dict.fromkeys(cells["impact_level"]))
    left, right = st.columns(2)
    with left:
        strand = url_select("Strand", list(strands), "strand", format_func=strands.get)
    with right:
        impact = url_select("Impact", impacts, "impact", format_func=str.capitalize)
    st.subheader(f"{unit_name}'s disruptions: {where}, {strands[strand]}, {impact} impact, {when}")
    rows = cell_disruptions(unit, kind, period, area, strand, impact)
    st.markdown(f"#### The {len(rows)} disruptions in the cell")
    show_disruptions(rows, f"drill_cell_{unit}_{area}_{strand}_{impact}_{period.replace('/', '-')}",
                     f"{unit_name} has no validated {impact} {strands[strand].lower()} disruptions in {when}.")
    st.caption("Validated disruptions, each counted once however many agencies claimed it, as the threat page "
               "counts them.")


def cell_disruptions(unit: str, kind: str, period: str, area: str, strand: str, impact: str | None = None):
    """The unit's counted disruptions in a threat area (or all) and strand, and impact level if given;
    the heaviest first when every level is listed."""
    order = "c.disruption_date" if impact else "c.impact_weight desc, c.disruption_date"
    return query(
        f"""
        select c.disruption_ref, c.disruption_date, c.ocg_ref, c.rocu_code, c.claiming_agency, c.lead,
               c.threat_area_name, c.strand_name, c.impact_level, c.impact_weight, c.validation_date
        from marts.fct_counted_disruptions c
        join marts.dim_month d on c.month = d.month
        where c.rocu_code = ? and d.{PERIOD_COLUMNS[kind]} = ? and (? = 'ALL' or c.threat_area_code = ?)
            and c.strand = ? and (? is null or c.impact_level = ?)
        order by {order}, c.disruption_ref
        """,
        (unit, period, area, area, strand, impact, impact),
    )


def show_strand_cell(unit: str, unit_name: str, area: str, where: str, kind: str, period: str, when: str) -> None:
    """A threat area x 4P cell of the 4Ps-by-impact matrix (fct_strand_impact_matrix) and the counted
    disruptions it is made of (fct_counted_disruptions, the same int_disruptions__counted rows): their
    number is the cell's count and their weights sum to its impact-weighted figure."""
    cells = query("select strand_code, strand_name, disruptions, impact_weighted_disruptions, impact_weighted_share_pct"
                  " from marts.fct_strand_impact_matrix where rocu_code = ? and period_type = ? and period = ?"
                  " and threat_area_code = ? order by strand_sort_order", (unit, kind, period, area))
    if cells.empty:
        no_data(f"{unit_name} has no validated disruptions in {when} ({where}).")
    strands = dict(zip(cells["strand_code"], cells["strand_name"]))
    strand = url_select("Strand", list(strands), "strand", format_func=strands.get)
    cell = cells.loc[cells["strand_code"] == strand].iloc[0]
    st.subheader(f"{unit_name}'s {strands[strand].lower()} disruptions by impact: {where}, {when}")
    st.metric(f"Impact-weighted disruptions, {period}", count(cell["impact_weighted_disruptions"]),
              help=f"{count(cell['disruptions'])} disruptions weighted major 3, moderate 2, minor 1: "
                   f"{decimal(cell['impact_weighted_share_pct'])}% of the threat area's weighted disruptions.")
    rows = cell_disruptions(unit, kind, period, area, strand)
    st.markdown(f"#### The {len(rows)} disruptions in the cell")
    show_disruptions(rows, f"drill_strand_cell_{unit}_{area}_{strand}_{period.replace('/', '-')}",
                     f"{unit_name} has no validated {strands[strand].lower()} disruptions in {when} ({where}).")
    st.caption("Validated disruptions, each counted once however many agencies claimed it, as the matrix counts "
               "them; the weights listed sum to the cell's impact-weighted figure.")


def show_linked(unit: str, unit_name: str, kind: str, period: str, when: str) -> None:
    """The share of the unit's disruptions linked to an OCG: every disruption of the base, those against
    an OCG first, so a reader sees which were recorded without their OCG."""
    share = query("select disruptions, unit_disruptions, share_pct, is_small_base from marts.fct_disruption_recording"
                  " where rocu_code = ? and against_type = 'ocg' and period_type = ? and period = ?",
                  (unit, kind, period))
    if share.empty:
        no_data(f"The disruption extracts do not cover {when}.")
    s = share.iloc[0]
    st.subheader(f"{unit_name}'s disruptions linked to an OCG, {when}")
    st.metric(f"Linked to an OCG, {period}", share_with_base(s["disruptions"], s["unit_disruptions"], s["share_pct"],
                                                            bool(s["is_small_base"]), "disruptions"))
    rows = unit_disruptions(unit, kind, period, "c.against_type <> 'ocg', c.against_type", with_against=True)
    st.markdown(f"#### The {len(rows)} validated disruptions of {unit_name} in {when}")
    show_disruptions(rows, f"drill_ocg_linked_{unit}_{period.replace('/', '-')}",
                     f"{unit_name} has no validated disruptions in {when}.")
    st.caption("Against: what the extract says each disruption was against; only those against an OCG carry its "
               "reference. A unit recording disruptions without their OCG shows many against 'other'.")


def show_validation_claims(unit: str, unit_name: str, kind: str, period: str, when: str) -> None:
    """The claims behind the unit's validation figures (fct_disruption_validation_claims, the rows
    fct_disruption_validation counts): awaiting at the period's end first, then those validated in it."""
    figures = query("select claims_made, awaiting_at_end, validated, validated_within_target, target_days, period_end"
                    " from marts.fct_disruption_validation where rocu_code = ? and period_type = ? and period = ?",
                    (unit, kind, period))
    if figures.empty:
        no_data(f"The disruption extracts do not cover {when}.")
    f = figures.iloc[0]
    st.subheader(f"{unit_name}'s disruption claims and their validation, {when}")
    columns = st.columns(4)
    columns[0].metric("Claims made", count(f["claims_made"]))
    columns[1].metric(f"Awaiting validation on {day(f['period_end'])}", count(f["awaiting_at_end"]))
    columns[2].metric("Validated in the period", count(f["validated"]))
    columns[3].metric("Validated within target", "no target set" if pd.isna(f["target_days"]) else
                      f"{count(f['validated_within_target'])} of {count(f['validated'])}")
    rows = query(
        """
        select disruption_ref, claim_date, validation_status, validation_date, is_made_in_period, is_awaiting,
               days_awaiting_at_end, is_validated_in_period, days_to_validation, is_validated_within_target
        from marts.fct_disruption_validation_claims
        where rocu_code = ? and period_type = ? and period = ?
        order by is_awaiting desc, days_awaiting_at_end desc nulls last, claim_date, disruption_ref
        """,
        (unit, kind, period),
    )
    yes = {True: "yes", False: "no"}
    st.markdown(f"#### The {len(rows)} claims behind the figures")
    show_table(pd.DataFrame({
        "Reference": rows["disruption_ref"], "Claimed": rows["claim_date"].map(day),
        "Status now": rows["validation_status"], "Decided": rows["validation_date"].map(day),
        "Made in the period": rows["is_made_in_period"].map(yes),
        "Awaiting at the period's end": [f"yes, {count(d)} days" if a else "no"
                                         for a, d in zip(rows["is_awaiting"], rows["days_awaiting_at_end"])],
        "Validated in the period": [f"yes, in {count(d)} days" if v else "no"
                                    for v, d in zip(rows["is_validated_in_period"], rows["days_to_validation"])],
        "Within target": rows["is_validated_within_target"].map(yes),
    }), f"drill_validation_{unit}_{period.replace('/', '-')}", export=rows)
    st.caption("Counted claims only (another agency's duplicate of the unit's claim is not a second claim to "
               "validate). A claim decided after the period's end was still awaiting on its last day.")


def show_effect_events(unit: str, unit_name: str, area: str, where: str, kind: str, period: str, when: str) -> None:
    """The events behind the score change after disruption (fct_ocg_disruption_events, which
    fct_ocg_disruption_effect rolls up): each disrupted group month with its change and its comparison."""
    effect = query("select events_3m, events_unmatched_3m, disrupted_mean_change_3m, comparison_mean_change_3m,"
                   " events_6m, events_unmatched_6m, disrupted_mean_change_6m, comparison_mean_change_6m"
                   " from marts.fct_ocg_disruption_effect"
                   " where rocu_code = ? and threat_area_code = ? and period_type = ? and period = ?",
                   (unit, area, kind, period))
    if effect.empty:
        no_data(f"No major or moderate disruption of {unit_name}'s groups in {when} ({where}) can be followed yet.")
    e = effect.iloc[0]
    st.subheader(f"After a major or moderate disruption: {unit_name}, {where}, {when}")
    columns = st.columns(2)
    for column, m in zip(columns, (3, 6)):
        column.metric(f"Disrupted groups' mean score change, {m} months later",
                      decimal(e[f"disrupted_mean_change_{m}m"], 2),
                      help=f"{count(e[f'events_{m}m'])} events compared; undisrupted groups' mean change "
                           f"{decimal(e[f'comparison_mean_change_{m}m'], 2)}; "
                           f"{count(e[f'events_unmatched_{m}m'])} with no group to compare.")
    rows = query(
        f"""
        select v.ocg_ref, v.month, v.threat_area_name, v.morile_band, v.months_after, v.score_change,
               v.comparison_groups, v.comparison_mean_change, v.is_matched
        from marts.fct_ocg_disruption_events v
        join marts.dim_month d on v.month = d.month
        where v.rocu_code = ? and d.{PERIOD_COLUMNS[kind]} = ? and (? = 'ALL' or v.threat_area_code = ?)
        order by v.months_after, v.month, v.ocg_ref
        """,
        (unit, period, area, area),
    )
    st.markdown(f"#### The {len(rows)} events behind the figures (each group month and horizon)")
    show_table(pd.DataFrame({
        "OCG reference": rows["ocg_ref"], "Month disrupted": rows["month"], "Threat area": rows["threat_area_name"],
        "Band": rows["morile_band"], "Months later": rows["months_after"].map(count),
        "Score change": rows["score_change"].map(lambda v: decimal(v, 0)),
        "Undisrupted groups compared": rows["comparison_groups"].map(count),
        "Their mean change": [decimal(v, 2) if m else "no group to compare"
                              for v, m in zip(rows["comparison_mean_change"], rows["is_matched"])],
    }), f"drill_effect_{unit}_{area}_{period.replace('/', '-')}", export=rows)
    st.caption("Each event is set against the undisrupted groups of its own band and threat area in the same month, "
               "across the network. An association over time, never proof that the disruption caused the change; "
               "OCGs by reference, never by name. Method: docs/disruption-effect.md.")


def show_rate_disruptions(unit: str, unit_name: str, kind: str, period: str, when: str) -> None:
    """The rates on the unit's own staff and budget (fct_disruption_impact_rates) and every counted
    disruption their numerator weighs."""
    rates = query("select rate_per, rate_base_label, impact_weighted_disruptions, impact_weighted_rate"
                  " from marts.fct_disruption_impact_rates where rocu_code = ? and period_type = ? and period = ?"
                  " order by base_code desc", (unit, kind, period))
    if rates.empty:
        no_data(f"No impact-weighted rate on {unit_name}'s own staff or budget for {when}: no resources return "
                "covers it yet.")
    st.subheader(f"{unit_name}'s impact-weighted disruptions on its staff and budget, {when}")
    for column, rate in zip(st.columns(len(rates)), rates.itertuples()):
        column.metric(f"Impact-weighted disruptions {rate.rate_per}", decimal(rate.impact_weighted_rate, 2),
                      help=f"{count(rate.impact_weighted_disruptions)} weighted disruptions, {rate.rate_base_label}.")
    rows = unit_disruptions(unit, kind, period, "c.impact_weight desc")
    st.markdown(f"#### The {len(rows)} disruptions the rates weigh")
    show_disruptions(rows, f"drill_impact_rates_{unit}_{period.replace('/', '-')}",
                     f"{unit_name} has no validated disruptions in {when}.")
    st.caption("Validated disruptions, each counted once, weighted major 3, moderate 2, minor 1; the base is the "
               "unit's own, from its resources return, as named beside each rate.")


def unit_disruptions(unit: str, kind: str, period: str, first: str, with_against: bool = False) -> pd.DataFrame:
    """Every counted disruption of the unit in the period (fct_counted_disruptions), ordered by `first`
    (a fixed ORDER BY fragment of this module, never user input), then by date and reference."""
    return query(
        f"""
        select c.disruption_ref, c.disruption_date, {"c.against_type, " if with_against else ""}c.ocg_ref, c.rocu_code,
               c.claiming_agency, c.lead, c.threat_area_name, c.strand_name, c.impact_level, c.impact_weight,
               c.validation_date
        from marts.fct_counted_disruptions c
        join marts.dim_month d on c.month = d.month
        where c.rocu_code = ? and d.{PERIOD_COLUMNS[kind]} = ?
        order by {first}, c.disruption_date, c.disruption_ref
        """,
        (unit, period),
    )


def show_disruptions(rows: pd.DataFrame, name: str, empty: str) -> None:
    if rows.empty:
        st.info(empty)
        return
    show_table(pd.DataFrame({
        "Reference": rows["disruption_ref"], "Date": rows["disruption_date"].map(day),
        **({"Against": rows["against_type"]} if "against_type" in rows else {}),
        "OCG reference": rows["ocg_ref"].fillna(""), "Unit": rows["rocu_code"],
        "Claim kept": rows["claiming_agency"], "Led by": rows["lead"].map(LEAD_WORDS).fillna(rows["lead"]),
        "Threat area": rows["threat_area_name"], "Strand": rows["strand_name"],
        "Impact": rows["impact_level"].str.capitalize(), "Weight": rows["impact_weight"].map(count),
        "Validated": rows["validation_date"].map(day),
    }), name, export=rows)
