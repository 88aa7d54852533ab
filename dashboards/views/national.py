"""National overview: the network across the 4Ps, fair rates per unit, trends, strengths."""

import altair as alt
import streamlit as st

from dashboards.auth import guard
from dashboards.data import query
from dashboards.format import ExportMetadata
from pipelines.serving.formats import amount, axis_title, flag_small, scaled_rate
from dashboards.widgets import (PERIOD_TYPES, drill_link, exports, figure_columns, metric_filter, metric_reading,
                                no_data, period_filter, rate_scales, base_columns)

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
reading, scales = metric_reading(metric), rate_scales()
per_people, per_officers = scales.loc["population"], scales.loc["officers"]

rows = query(
    """
    select r.rocu_name as unit_name, c.rocu_code, c.value, c.per_100k_population, c.officer_rate, c.network_rank,
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
    select national_value, national_per_100k, national_officer_rate, units_reporting, population_year
    from marts.fct_metric_network where metric_id = ? and period_type = ? and period = ?
    """,
    (metric, kind, period),
)
national = network.iloc[0]
a, b, c = st.columns(3)
a.metric(f"{names[metric]}, network, {period}", amount(national["national_value"], unit),
         help=f"Sum over the {national['units_reporting']} units that reported.")
b.metric(per_people["rate_label"].capitalize(),
         scaled_rate(national["national_per_100k"], unit, per_people["rate_decimals"]),
         help="Network figure divided by the population of the reporting units' force areas.")
c.metric(per_officers["rate_label"].capitalize(),
         scaled_rate(national["national_officer_rate"], unit, per_officers["rate_decimals"]),
         help="Network figure divided by police officer FTE in the reporting units' forces.")

st.subheader(f"{names[metric]} per 100,000 population by unit, {period_words}")
bars = alt.Chart(rows).mark_bar(color="#1f4e79").encode(
    x=alt.X("per_100k_population:Q", title=axis_title(names[metric], reading["axis_label"], per_people["rate_label"])),
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
    "Per 100,000": rows["per_100k_population"].map(lambda v: scaled_rate(v, unit, per_people["rate_decimals"])),
    "Per 100 officers": rows["officer_rate"].map(lambda v: scaled_rate(v, unit, per_officers["rate_decimals"])),
    "Months reported": rows["months_reported"].astype(str) + " of " + rows["months_in_period"].astype(str),
    "Against the network (95%)": rows["band_95"].map(BANDS).fillna("not compared (not a count)"),
    # A rank only where the funnel says the unit differs, and never on a part period's total.
    "Rank": rows["network_rank"].where(rows["band_95"].isin(["higher", "lower"])
                                       & (rows["months_reported"] == rows["months_in_period"])).astype("Int64"),
})[["unit_name", "Figure", "Per 100,000", "Per 100 officers", "Against the network (95%)", "Rank", "Months reported",
    "population", "officer_fte"]]
table.columns = ["Unit", "Figure", "Per 100,000", "Per 100 officers", "Against the network (95%)", "Rank",
                 "Months reported", "Population (base)", "Officers FTE (base)"]
st.dataframe(table, hide_index=True, width="stretch", column_config={
    "Population (base)": st.column_config.NumberColumn(format="localized"),
    "Officers FTE (base)": st.column_config.NumberColumn(format="localized")})
# The export holds the same rows as numbers (unit codes beside names), formatted only on screen.
export = table.drop(columns=["Figure", "Per 100,000", "Per 100 officers", "Months reported"]).assign(**{
    "Unit code": rows["rocu_code"], "Figure": rows["value"], "Per 100,000 population": rows["per_100k_population"],
    "Per 100 officers": rows["officer_rate"], "Months reported": rows["months_reported"],
    "Months in period": rows["months_in_period"]})[[
        "Unit code", "Unit", "Figure", "Per 100,000 population", "Per 100 officers", "Against the network (95%)",
        "Rank", "Months reported", "Months in period", "Population (base)", "Officers FTE (base)"]]
exports(export, f"national_{metric}_{period.replace('/', '-')}", ExportMetadata(
    title=f"{names[metric]} by unit, {period_words}", definition=reading["definition"],
    base=reading["comparison_base"], period=period_words,
    columns=figure_columns(reading, ["Figure"], {"Per 100,000 population": "population",
                                                  "Per 100 officers": "officers"}) + base_columns()))
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
        x=alt.X("month:O", title="Month"), y=alt.Y("value:Q", title=axis_title(names[metric], reading["axis_label"])),
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
