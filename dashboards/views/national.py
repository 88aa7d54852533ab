"""National overview: the network across the 4Ps, fair rates per unit, trends, strengths."""

import altair as alt
import pandas as pd
import streamlit as st

from dashboards.auth import guard
from dashboards.data import query
from pipelines.serving.formats import amount, count, flag_small, share_with_base
from dashboards.widgets import (PERIOD_TYPES, drill_link, exports, metric_filter, no_data, period_filter,
                                show_table)

def led_share_text(led, base, share_pct, is_small) -> str:
    return share_with_base(led, base, share_pct, is_small, "disruptions")


BANDS = {"higher": "higher than the network", "similar": "similar to the network", "lower": "lower than the network"}

guard("view_national")
st.title("National overview")
if query("select 1 from marts.fct_metric_comparison limit 1").empty:
    no_data()

top = st.columns([1.3, 0.9, 1.2, 1.5])
kind, period = period_filter(top[0])
chosen = metric_filter(top[1], top[2], top[3], rateable_only=True)
if chosen is None:
    no_data("No metric matches these filters. Choose another strand or threat area.")
metric, unit = chosen.name, chosen["unit"]
names = {metric: chosen["metric_name"]}
period_words = f"{PERIOD_TYPES[kind].lower()} {period}"

rows = query(
    """
    select r.rocu_name as unit_name, c.rocu_code, c.value, c.per_100k_population, c.per_officer, c.network_rank,
           c.population, c.population_year, c.officer_fte, c.months_reported, c.months_in_period, f.band_95
    from marts.fct_metric_comparison c join marts.dim_rocu r using (rocu_code)
    left join marts.fct_metric_funnel f
        on f.rocu_code = c.rocu_code and f.metric_id = c.metric_id and f.period_type = c.period_type
        and f.period = c.period and f.base_name = 'population'
    where c.metric_id = ? and c.period_type = ? and c.period = ?
    order by c.per_100k_population desc
    """,
    (metric, kind, period),
)
if rows.empty:
    no_data(f"No unit reported {names[metric].lower()} for {period_words}.")

network = query(
    """
    select national_value, national_per_100k, national_per_officer, units_reporting, population_year
    from marts.fct_metric_network where metric_id = ? and period_type = ? and period = ?
    """,
    (metric, kind, period),
)
national = network.iloc[0]
a, b, c = st.columns(3)
a.metric(f"{names[metric]}, network, {period}", amount(national["national_value"], unit),
         help=f"Sum over the {national['units_reporting']} units that reported.")
b.metric("Per 100,000 population", f"{national['national_per_100k']:,.2f}",
         help="Network figure divided by the population of the reporting units' force areas.")
c.metric("Per police officer", f"{national['national_per_officer']:,.4f}",
         help="Network figure divided by police officer FTE in the reporting units' forces.")

st.subheader(f"{names[metric]} per 100,000 population by unit, {period_words}")
bars = alt.Chart(rows).mark_bar(color="#1f4e79").encode(
    x=alt.X("per_100k_population:Q", title=f"{names[metric]} per 100,000 population"),
    y=alt.Y("unit_name:N", sort="-x", title=None, axis=alt.Axis(labelLimit=300)),
    tooltip=[alt.Tooltip("unit_name:N", title="Unit"), alt.Tooltip("value:Q", title=names[metric], format=",.0f"),
             alt.Tooltip("population:Q", title="Population (base)", format=",.0f"),
             alt.Tooltip("per_100k_population:Q", title="Per 100,000", format=",.2f")],
)
rule = alt.Chart(network).mark_rule(strokeDash=[6, 3], color="black").encode(x="national_per_100k:Q")
st.altair_chart(bars + rule, width="stretch")
st.caption("Dashed line: the network rate. Population is the latest ONS estimate at or before the period "
           f"(year {int(national['population_year'])}; Welsh forces approximate).")

table = rows.assign(**{
    "Figure": rows["value"].map(lambda v: flag_small(v, unit)),
    "Per 100,000": rows["per_100k_population"].map(lambda v: f"{v:,.2f}"),
    "Per officer": rows["per_officer"].map(lambda v: f"{v:,.4f}"),
    "Months reported": rows["months_reported"].astype(str) + " of " + rows["months_in_period"].astype(str),
    "Against the network (95%)": rows["band_95"].map(BANDS).fillna("not compared (not a count)"),
    # A rank only where the funnel says the unit differs, and never on a part period's total.
    "Rank": rows["network_rank"].where(rows["band_95"].isin(["higher", "lower"])
                                       & (rows["months_reported"] == rows["months_in_period"])).astype("Int64"),
})[["unit_name", "Figure", "Per 100,000", "Per officer", "Against the network (95%)", "Rank", "Months reported",
    "population", "officer_fte"]]
table.columns = ["Unit", "Figure", "Per 100,000", "Per officer", "Against the network (95%)", "Rank",
                 "Months reported", "Population (base)", "Officers FTE (base)"]
st.dataframe(table, hide_index=True, width="stretch", column_config={
    "Population (base)": st.column_config.NumberColumn(format="localized"),
    "Officers FTE (base)": st.column_config.NumberColumn(format="localized")})
exports(table, f"national_{metric}_{period.replace('/', '-')}")
st.caption("Against the network: higher, similar or lower than the network rate per 100,000 population at 95% "
           "(exact Poisson limits; a unit with months missing is compared on its monthly rate). A rank is shown "
           "only where a unit is higher or lower over the whole period: where it is similar, the order is chance.")
if table["Figure"].str.contains("small base").any():
    st.caption("Small base: fewer than 10 events in the period, so a rate moves a lot with one more or one fewer.")
if not rows.empty:
    units = dict(zip(rows["rocu_code"], rows["unit_name"]))
    left, right = st.columns([1, 2])
    pick = left.selectbox("See what a unit's figure is made of", list(units), format_func=units.get, key="drill_unit")
    drill_link(pick, metric, kind, period, f"Rows and files behind {units[pick]}'s {names[metric].lower()}, "
               f"{period_words}, month by month", right)

st.subheader(f"Disruptions the units led and supported, {period_words}")
lead = query(
    """
    select r.rocu_name as unit_name, s.led, s.supported, s.lead_not_recorded, s.lead_base, s.led_share_pct,
           s.is_small_base, s.network_led, s.network_lead_base, s.network_led_share_pct, s.network_is_small_base
    from marts.fct_disruptions_lead_share s join marts.dim_rocu r using (rocu_code)
    where s.period_type = ? and s.period = ?
    order by r.rocu_name
    """,
    (kind, period),
)
if lead.empty:
    st.info(f"No validated disruptions for {period_words}.")
else:
    net = lead.iloc[0]
    st.metric("Share of the region's disruptions led by the ROCU, network",
              led_share_text(net["network_led"], net["network_lead_base"], net["network_led_share_pct"],
                        net["network_is_small_base"]),
              help="Disruptions the units led over the disruptions whose lead is recorded (led or supported), "
                   "summed over the units: a ratio of counts, not an average of the units' percentages.")
    show_table(pd.DataFrame({
        "Unit": lead["unit_name"],
        "Led by the unit": lead["led"].map(count),
        "Supported by the unit": lead["supported"].map(count),
        "Share led by the unit": [led_share_text(n, b, p, s) for n, b, p, s in
                                  zip(lead["led"], lead["lead_base"], lead["led_share_pct"], lead["is_small_base"])],
        "Lead not recorded": lead["lead_not_recorded"].map(count),
    }), f"national_disruptions_led_{period.replace('/', '-')}")
    st.caption("Led: the unit led the disruption; supported: a force (or another unit) led it and the unit "
               "supported. Each disruption is counted once. Disruptions with no lead recorded are outside the base. "
               "Small base: fewer than 10 disruptions, so the share is given as a count.")

st.subheader("Trend: network total by month")
trend = query(
    """
    select period as month, national_value as value, units_reporting as units
    from marts.fct_metric_network where metric_id = ? and period_type = 'month' order by period
    """,
    (metric,),
)
st.altair_chart(
    alt.Chart(trend).mark_line(point=True).encode(
        x=alt.X("month:O", title="Month"), y=alt.Y("value:Q", title=names[metric]),
        tooltip=["month", alt.Tooltip("value:Q", format=",.0f"), alt.Tooltip("units:Q", title="Units reporting")],
    ),
    width="stretch",
)

st.subheader(f"Where units are strong or weak: mean rank by strand, {period_words}")
ranks = query(
    """
    select r.rocu_name as unit_name, s.strand_name as strand, s.mean_rank, s.metrics_ranked as metrics
    from marts.fct_strand_ranks s join marts.dim_rocu r using (rocu_code)
    where s.period_type = ? and s.period = ?
    order by r.rocu_name, s.strand_sort_order
    """,
    (kind, period),
)
st.altair_chart(
    alt.Chart(ranks).mark_rect().encode(
        x=alt.X("strand:N", sort=["Pursue", "Prevent", "Protect", "Prepare"], title=None),
        y=alt.Y("unit_name:N", title=None, axis=alt.Axis(labelLimit=300)),
        color=alt.Color("mean_rank:Q", scale=alt.Scale(scheme="greys", reverse=True), title="Mean rank (1 best)"),
        tooltip=["unit_name", "strand", alt.Tooltip("mean_rank:Q", format=".1f"), "metrics"],
    ) + alt.Chart(ranks).mark_text(baseline="middle").encode(
        x=alt.X("strand:N", sort=["Pursue", "Prevent", "Protect", "Prepare"]), y="unit_name:N",
        text=alt.Text("mean_rank:Q", format=".1f"),
        color=alt.condition("datum.mean_rank < 4", alt.value("white"), alt.value("black")),
    ),
    width="stretch",
)
st.caption("Rank of each unit's rate per 100,000 among units reporting the metric, averaged over the strand's "
           "metrics. A blank cell means the unit reported none of that strand's metrics in the period.")
