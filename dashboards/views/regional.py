"""Regional comparison: one unit beside its peers, the peer median and the network; its forces;
the threat of its OCGs against those its forces keep; and its trends against the peer median.
The reader chooses how peers are grouped (dim_unit_peer_group: all units, funding per head, size,
operating model); the page names the unit's group that year and why."""

import altair as alt
import pandas as pd
import streamlit as st

from dashboards.data import query
from dashboards.format import ExportColumn, ExportMetadata
from pipelines.serving.formats import amount, axis_title, count, flag_small, scaled_rate, share, share_with_base
from dashboards.auth import guard
from dashboards.charts import band_colour, small_base_shape
from dashboards.widgets import (BANDS, base_column, base_columns, drill_link, exports, figure_columns, metric_filter,
                                metric_reading, no_data, period_filter, period_words, rate_scales, sections, show_table,
                                unit_filter, url_multiselect, url_select)

TREND_DEFAULTS = ["PUR_ARRESTS", "PUR_CHARGES", "PRV_INTERVENTIONS", "PRO_VICTIMS_SAFEGUARDED", "PRP_STAFF_TRAINED",
                  "PUR_CASH_SEIZED"]
SERIES = ["This unit", "Peer median"]
# The periods the trend against the network's limits can be drawn in (fct_metric_trend_limits.period_type).
LIMIT_PERIODS = {"month": "Months", "quarter": "Quarters", "financial_year": "Financial years"}
# The trend's rate: which mart columns hold it, its peer median, its base label and change-of-base flag.
TREND_RATES = {
    "per 100,000 population": ("per_100k_population", "peer_median_per_100k", "population_base_label",
                               "population_base_changed"),
    "per 100 officers": ("officer_rate", "peer_median_officer_rate", "officer_base_label", "officers_base_changed"),
}

guard("view_regional")
st.title("Regional comparison")
if query("select 1 from marts.fct_metric_comparison limit 1").empty:
    no_data()

top = st.columns([1.3, 1.2, 0.9, 1.2, 1.5])
unit, names = unit_filter(top[0], permission="view_regional")
kind, period = period_filter(top[1])
metric = metric_filter(top[2], top[3], top[4], rateable_only=True)
if metric is None:
    no_data("No metric matches these filters. Choose another strand or threat area.")
metric_id, name, measure = metric.name, metric["metric_name"], metric["unit"]
when = period_words(kind, period)
reading, scales = metric_reading(metric_id), rate_scales()
per_people, per_officers = scales.loc["population"], scales.loc["officers"]

# How peers are grouped: the reader's choice, the seeded default first chosen, "All units" always there.
groupings = query("select distinct grouping_code, grouping_name, grouping_order, is_default_grouping"
                  " from marts.dim_unit_peer_group order by grouping_order")
grouping_names = dict(zip(groupings["grouping_code"], groupings["grouping_name"]))
codes = list(grouping_names)
with st.columns([1.3, 3.9])[0]:
    grouping = url_select("Peers by", codes, "peers", format_func=grouping_names.get,
                          default_index=int(groupings["is_default_grouping"].idxmax()) if len(groupings) else 0)

rows = query(
    """
    select c.* exclude (peer_grouping_code, peer_group_id, peer_group_name, peer_group_label, peer_is_grouped,
                        peer_median_per_100k, peer_units_reporting, per_100k_minus_peer_median,
                        peer_median_per_officer, peer_median_value, peer_median_officer_rate),
           p.peer_group_code as peer_group_id, p.peer_group_name, p.peer_group_label, p.peer_is_grouped,
           p.peer_median_per_100k, p.peer_units_reporting, p.per_100k_minus_peer_median,
           p.peer_median_per_officer, p.peer_median_value, p.peer_median_officer_rate,
           r.rocu_name as unit_name, f.band_95, f.rank_shown, f.units_ranked
    from marts.fct_metric_comparison c join marts.dim_rocu r using (rocu_code)
    join marts.fct_metric_peer_comparison p
        on p.rocu_code = c.rocu_code and p.metric_id = c.metric_id and p.period_type = c.period_type
        and p.period = c.period and p.grouping_code = ?
    left join marts.fct_metric_funnel f
        on f.rocu_code = c.rocu_code and f.metric_id = c.metric_id and f.period_type = c.period_type
        and f.period = c.period and f.base_name = 'population'
    where c.metric_id = ? and c.period_type = ? and c.period = ?
    order by c.per_100k_population desc
    """,
    (grouping, metric_id, kind, period),
)
mine = rows[rows["rocu_code"] == unit]
if mine.empty:
    no_data(f"{names[unit]} reported no {name.lower()} for {when}, so there is nothing to compare. "
            "Choose another metric or period.")
me = mine.iloc[0]
grouped = bool(me["peer_is_grouped"])


def beside_peers() -> None:
    """The unit's rate beside its peers', the peer median and the network, and the group it is in."""
    peers = rows[rows["peer_group_id"] == me["peer_group_id"]] if grouped else mine
    group = query("select * from marts.dim_unit_peer_group where rocu_code = ? and financial_year = ? and "
                  "grouping_code = ?", (unit, me["peer_group_year"], grouping))
    st.subheader(f"{names[unit]} beside its peers: {name} per 100,000 population, {when}")
    # Which group and why: the group's rule or range that year, the unit's own figure and where it comes from.
    if not group.empty:
        g = group.iloc[0]
        own = "" if pd.isna(g["measure_label"]) else (f" {names[unit]}: {g['measure_label']}"
                                                      + ("" if pd.isna(g["basis_label"]) else f", {g['basis_label']}")
                                                      + ".")
        if grouped:
            members = ", ".join(names.get(code, code) for code in g["group_units"].split(", "))
            st.markdown(f"**{g['peer_group_label']}.**{own} Units in the group: {members}.",
                        help=f"{g['grouping_name']}: {g['grouping_description']}")
        else:
            st.warning(f"{g['peer_group_label']}: {names[unit]} has no peers by {g['grouping_name'].lower()} for "
                       f"{g['financial_year']}, so no peer median is shown.{own} Choose All units or another grouping.",
                       icon=":material/group_off:")
    a, b, c, d = st.columns(4)
    a.metric(f"{name}, {unit}, {period}", flag_small(me["value"], measure),
             help=f"{me['months_reported']} of {me['months_in_period']} months reported.")
    a.caption((f"{BANDS[me['band_95']].capitalize()} at 95%" if me["band_95"] in BANDS
               else "Not compared with the network (a month, or not a count)")
              + ("; no rank, the order is chance" if me["band_95"] == "similar" else "")
              + ("" if pd.isna(me["rank_shown"]) else f"; rank {int(me['rank_shown'])} of {int(me['units_ranked'])} "
                 "(1 = highest rate)"))
    b.metric(f"{per_people['rate_label'].capitalize()}, {unit}",
             scaled_rate(me["per_100k_population"], measure, per_people["rate_decimals"]),
             None if pd.isna(me["per_100k_minus_peer_median"])
             else f"{me['per_100k_minus_peer_median']:+,.{per_people['rate_decimals']}f} against peer median",
             delta_color="normal" if metric["higher_is_better"] else "inverse",
             help=f"Base: population {me['population']:,.0f}, {me['population_base_label']}.")
    c.metric("Peer median per 100,000", scaled_rate(me["peer_median_per_100k"], measure, per_people["rate_decimals"]),
             help=f"Median of the {me['peer_units_reporting']:.0f} units reporting in the peer group: "
                  f"{me['peer_group_label']}." if grouped else f"No peer median: {me['peer_group_label']}.")
    d.metric("Network per 100,000", scaled_rate(me["national_per_100k"], measure, per_people["rate_decimals"]),
             help=f"Base: population {me['national_population']:,.0f} of the {me['units_reporting']} units reporting, "
                  f"{me['national_population_base_label']}.")

    peers = peers.assign(who=peers["rocu_code"].map(lambda code: "This unit" if code == unit else "Peer"),
                         months=peers["months_reported"].astype(str) + " of " + peers["months_in_period"].astype(str)
                         + " months",
                         part=(peers["months_reported"] < peers["months_in_period"]).map({True: "part period",
                                                                                         False: "whole period"}))
    bars = alt.Chart(peers).mark_bar().encode(
        x=alt.X("per_100k_population:Q", title=axis_title(f"{name}, {period},", reading["axis_label"],
                                                          per_people["rate_label"])),
        y=alt.Y("unit_name:N", sort="-x", title=None, axis=alt.Axis(labelLimit=300)),
        color=alt.Color("who:N", scale=alt.Scale(domain=["This unit", "Peer"], range=["#1f4e79", "#a6bddb"]),
                        title=None),
        tooltip=[alt.Tooltip("unit_name:N", title="Unit"), alt.Tooltip("value:Q", title=name, format=",.0f"),
                 alt.Tooltip("population:Q", title="Population (base)", format=",.0f"),
                 alt.Tooltip("per_100k_population:Q", title="Per 100,000", format=",.2f"),
                 alt.Tooltip("population_base_label:N", title="Base"), alt.Tooltip("months:N", title="Months")],
        # A part period (months missing) is drawn pale with a dark outline, and named below.
        opacity=alt.Opacity("part:N", title=None, scale=alt.Scale(domain=["whole period", "part period"],
                                                                  range=[1.0, 0.35])),
        stroke=alt.value("#1f4e79"),
    )
    lines = pd.DataFrame({"line": ["Peer median", "Network"],
                          "x": [me["peer_median_per_100k"], me["national_per_100k"]]}).dropna()
    rules = alt.Chart(lines).mark_rule(color="black").encode(
        x="x:Q", strokeDash=alt.StrokeDash("line:N", title=None, scale=alt.Scale(domain=["Peer median", "Network"],
                                                                                   range=[[6, 3], [1, 0]])))
    st.altair_chart(bars + rules, width="stretch",
                    alt=f"Bar chart of {name} per 100,000 population for {names[unit]} and its peers, {when}.")
    part_peers = peers[peers["part"] == "part period"]
    if len(part_peers):
        st.caption("Pale bars are part periods, their rate over the months reported: " + "; ".join(
            f"{u} ({m})" for u, m in zip(part_peers["unit_name"], part_peers["months"])) + ".")

    # The same comparison as text, with every base beside its rate; exported as numbers.
    def line(code, who, value, per_100k, officer_rate, months, of_months, population, officers, bases) -> dict:
        return {"Unit code": code, "Unit": who, "Figure": value, "Per 100,000 population": per_100k,
                "Per 100 officers": officer_rate, "Months reported": months, "Months in period": of_months,
                "Base: population": population, "Base: officers (FTE)": officers, "Bases of the rates": bases}


    typed = pd.DataFrame([
        *(line(r["rocu_code"], r["unit_name"], r["value"], r["per_100k_population"], r["officer_rate"],
               r["months_reported"], r["months_in_period"], r["population"], r["officer_fte"],
               f"{r['population_base_label']}; {r['officer_base_label']}") for _, r in peers.iterrows()),
        *([line(None, f"Peer median ({me['peer_group_name']})", me["peer_median_value"], me["peer_median_per_100k"],
                me["peer_median_officer_rate"], None, None, None, None, "the peers' own bases")] if grouped else []),
        line(None, "Network", me["national_value"], me["national_per_100k"], me["national_officer_rate"], None, None,
             me["national_population"], me["national_officer_fte"],
             f"{me['national_population_base_label']}; {me['national_officer_base_label']}"),
    ]).astype({"Months reported": "Int64", "Months in period": "Int64"})
    # Rates on the units' own resources (fct_metric_rates: ROCU staff in post, budget) beside the two force
    # bases of fct_metric_comparison; a unit with no resources return for the period has none ("–"), and the
    # peer median is of the force bases only.
    resource_scales = scales[~scales.index.isin(["population", "officers"])]
    own = query("select rocu_code, base_code, rate, base_value, rate_base_label, network_rate, network_base_value,"
                " network_rate_base_label from marts.fct_metric_rates"
                " where metric_id = ? and period_type = ? and period = ? and list_contains(?, base_code)",
                (metric_id, kind, period, list(resource_scales.index)))
    network_row = typed["Unit"] == "Network"
    resource_columns = {}
    for base, scale in resource_scales.iterrows():
        on = own[own["base_code"] == base].set_index("rocu_code")
        rate_column = scale["rate_label"][:1].upper() + scale["rate_label"][1:]  # "Per 100 ROCU staff"
        base_column_name = f"Base: {scale['base_short_name']}"
        resource_columns[base] = (rate_column, base_column_name)
        typed[rate_column] = typed["Unit code"].map(on["rate"]).astype(float)
        typed[base_column_name] = typed["Unit code"].map(on["base_value"]).astype(float)
        labels = typed["Unit code"].map(on["rate_base_label"])
        if not on.empty:
            typed.loc[network_row, [rate_column, base_column_name]] = [on["network_rate"].iloc[0],
                                                                       on["network_base_value"].iloc[0]]
            labels[network_row] = on["network_rate_base_label"].iloc[0]
        typed["Bases of the rates"] = [f"{text}; {label}" if isinstance(label, str) else text
                                       for text, label in zip(typed["Bases of the rates"], labels)]
    units_row = typed["Unit code"].notna()
    table = pd.DataFrame({
        "Unit": typed["Unit"],
        "Figure": [flag_small(v, measure) if u else amount(v, measure) for v, u in zip(typed["Figure"], units_row)],
        "Per 100,000": typed["Per 100,000 population"].map(
            lambda v: scaled_rate(v, measure, per_people["rate_decimals"])),
        "Per 100 officers": typed["Per 100 officers"].map(
            lambda v: scaled_rate(v, measure, per_officers["rate_decimals"])),
        "Months reported": [f"{m} of {n}" if u else "–" for m, n, u in
                            zip(typed["Months reported"], typed["Months in period"], units_row)],
        "Base: population": [f"{v:,.0f}" if pd.notna(v) else f"median of {me['peer_units_reporting']:.0f} units"
                             for v in typed["Base: population"]],
        "Base: officers (FTE)": typed["Base: officers (FTE)"].map(lambda v: "–" if pd.isna(v) else f"{v:,.0f}"),
        "Bases of the rates": typed["Bases of the rates"],
    })
    for position, (base, (rate_column, base_column_name)) in enumerate(resource_columns.items()):
        scale = resource_scales.loc[base]
        table.insert(4 + position, rate_column,
                     typed[rate_column].map(lambda v, d=scale["rate_decimals"]: scaled_rate(v, measure, d)))
        table[base_column_name] = typed[base_column_name].map(lambda v, u=scale["base_unit"]: amount(v, u))
    show_table(table, f"regional_{unit}_{metric_id}_{period.replace('/', '-')}", export=typed, metadata=ExportMetadata(
        title=f"{name}: {names[unit]} beside its peers and the network, {when}. {me['peer_group_label']}",
        definition=reading["definition"], base=reading["comparison_base"], period=when,
        columns=figure_columns(reading, ["Figure"], {"Per 100,000 population": "population",
                                                     "Per 100 officers": "officers",
                                                     **{rate: base for base, (rate, _) in resource_columns.items()}})
        + base_columns("Base: population", "Base: officers (FTE)")
        + tuple(base_column(name, resource_scales.loc[base, "base_unit"])
                for base, (_, name) in resource_columns.items())))
    if table["Figure"].str.contains("small base").any():
        st.caption("Small base: fewer than 10 events in the period, so a rate moves a lot with one more or one fewer.")

    drill_link(unit, metric_id, kind, period, f"See the months, rows and files behind this figure for {when}")


def disruptions_led() -> None:
    """The disruptions the unit led and those it supported."""
    st.subheader(f"Disruptions {names[unit]} led and supported, {when}")
    lead = query(
        """
        select led, supported, lead_not_recorded, lead_base, led_share_pct, is_small_base,
               network_led, network_lead_base, network_led_share_pct, network_is_small_base,
               network_counted_by_more_than_one_unit
        from marts.fct_disruptions_lead_share where rocu_code = ? and period_type = ? and period = ?
        """,
        (unit, kind, period),
    )
    if lead.empty:
        st.info(f"{names[unit]} has no validated disruptions for {when}.")
    else:
        lr = lead.iloc[0]
        left, right = st.columns(2)
        left.metric(f"Share of the region's disruptions led by the ROCU, {unit}",
                    share_with_base(lr["led"], lr["lead_base"], lr["led_share_pct"], lr["is_small_base"],
                                    "disruptions"),
                    help=f"Led {lr['led']:,}, supported {lr['supported']:,}; {lr['lead_not_recorded']:,} with no lead "
                         "recorded are outside the base.")
        right.metric("Network", share_with_base(lr["network_led"], lr["network_lead_base"], lr["network_led_share_pct"],
                                                lr["network_is_small_base"], "disruptions"),
                     help="Summed over the units: a ratio of counts, not an average of the units' percentages.")
        if lr["network_counted_by_more_than_one_unit"]:
            right.caption(f"{count(lr['network_counted_by_more_than_one_unit'])} disruptions one unit led and another "
                          "supported are counted once in the network's base.")
        led_band = query("select band_95, months_label, is_part_period, lower_95_pct, upper_95_pct"
                         " from marts.fct_share_funnel where share_id = 'DIS_LED_SHARE' and rocu_code = ?"
                         " and period_type = ? and period = ?", (unit, kind, period))
        band_words = "" if led_band.empty else (
            f" Against the network at 95% (exact binomial limits {led_band['lower_95_pct'].iloc[0]:.0f}% to "
            f"{led_band['upper_95_pct'].iloc[0]:.0f}% for this base): {BANDS[led_band['band_95'].iloc[0]]}."
            + (f" Part period: the disruption extract covers {led_band['months_label'].iloc[0]}."
               if led_band["is_part_period"].iloc[0] else ""))
        st.caption("Led: the unit led the disruption; supported: a force or another unit led it and the unit "
                   "supported. Each disruption is counted once." + band_words)


def unit_forces() -> None:
    """The metric for each of the unit's forces."""
    st.subheader(f"Forces of {names[unit]}: {name}, {when}")
    forces_in_unit = query("select force_names from marts.dim_rocu where rocu_code = ?", (unit,)).iloc[0, 0]
    forces = query(
        """
        select force_name as force, value, months_with_split as months, forces_total
        from marts.fct_force_split
        where rocu_code = ? and metric_id = ? and period_type = ? and period = ?
        order by value desc
        """,
        (unit, metric_id, kind, period),
    )
    if metric["reported_by"] != "force":
        st.info(f"{name} is a unit-level measure: units report it as one regional total, not by force. "
                f"{names[unit]}'s forces: {forces_in_unit}.")
    elif forces.empty:  # the mart splits only figures summed over time
        st.info(f"{names[unit]} reports {name.lower()} as a unit total, without a split by force, for {when}. "
                f"Its forces: {forces_in_unit}.")
    else:
        st.altair_chart(alt.Chart(forces).mark_bar(color="#1f4e79").encode(
            x=alt.X("value:Q", title=f"{name}, {period}"), y=alt.Y("force:N", sort="-x", title=None),
            tooltip=["force", alt.Tooltip("value:Q", format=",.0f"), "months"]), width="stretch",
            alt=f"Bar chart of {name} by force in {names[unit]}, {when}.")
        force_table = pd.DataFrame({"Force": forces["force"],
                                    "Figure": [flag_small(v, measure) for v in forces["value"]],
                                    "Share of the forces' total": [share(v, t) for v, t in
                                                                   zip(forces["value"], forces["forces_total"])],
                                    "Months with a force split": forces["months"].astype(str)})
        show_table(force_table, f"regional_forces_{unit}_{metric_id}_{period.replace('/', '-')}")


def ocg_threat() -> None:
    """The threat of the unit's OCGs against those its forces keep."""
    st.subheader(f"OCG threat: {names[unit]} against the OCGs its forces keep")
    ocgs = query(
        """
        select owner_type, owner_name, active_ocgs, high_band, medium_band, low_band, mean_morile_score,
               median_morile_score, p25_morile_score, p75_morile_score, max_morile_score, latest_mapped
        from marts.fct_ocg_threat where rocu_code = ? order by owner_type desc, median_morile_score desc
        """,
        (unit,),
    )
    if ocgs.empty:
        st.info(f"The OCG register holds no active OCGs for {names[unit]} or its forces.")
    else:
        ocgs["owner"] = [f"{names[unit]} (unit)" if kind_ == "rocu" else f"{owner} (force)"
                         for kind_, owner in zip(ocgs["owner_type"], ocgs["owner_name"])]
        order = ocgs["owner"].tolist()
        base = alt.Chart(ocgs).encode(y=alt.Y("owner:N", sort=order, title=None, axis=alt.Axis(labelLimit=300)))
        spread = base.mark_bar(height=14, color="#c6dbef").encode(
            x=alt.X("p25_morile_score:Q", title="MoRiLE score of active OCGs (box: middle half, tick: median)"),
            x2="p75_morile_score:Q")
        median = base.mark_tick(thickness=3, size=20).encode(
            x="median_morile_score:Q",
            color=alt.Color("owner_type:N", scale=alt.Scale(domain=["rocu", "force"], range=["#1f4e79", "#888888"]),
                            legend=None),
            tooltip=["owner", "active_ocgs", "high_band", alt.Tooltip("median_morile_score:Q", title="Median"),
                     alt.Tooltip("mean_morile_score:Q", title="Mean", format=".1f")])
        st.altair_chart(spread + median, width="stretch",
                        alt=f"MoRiLE scores of OCGs held by {names[unit]} and by each of its forces.")
        ocg_table = pd.DataFrame({
            "Held by": ocgs["owner"], "Active OCGs": ocgs["active_ocgs"].astype(str),
            "High band": [share(h, n) for h, n in zip(ocgs["high_band"], ocgs["active_ocgs"])],
            "Median score": ocgs["median_morile_score"].map(lambda v: f"{v:.1f}"),
            "Middle half": [f"{lo:.0f} to {hi:.0f}" for lo, hi in
                            zip(ocgs["p25_morile_score"], ocgs["p75_morile_score"])],
            "Highest": ocgs["max_morile_score"].astype(str),
            "Latest mapped": ocgs["latest_mapped"].astype(str)})
        show_table(ocg_table, f"regional_ocgs_{unit}")
        st.caption("Active OCGs on the register now (a snapshot, not the chosen period). The inspection found forces "
                   "often keep higher-threat OCGs than their unit; a unit whose box sits left of its forces' does so.")


def against_the_limits() -> None:
    """The unit against the network over time, with the funnel's limits."""
    st.subheader(f"{name}: {names[unit]} against the network over time, with the funnel's limits")
    limits_kind = st.radio("Periods", list(LIMIT_PERIODS), horizontal=True, key="limits_period",
                           format_func=LIMIT_PERIODS.get)
    # The bases this unit's figure has limits on, in the catalogue's order (population first).
    limit_bases = query("select base_code as base_name, rate_label as rate_per from marts.dim_rate_scale as scale"
                        " where exists (select 1 from marts.fct_metric_trend_limits as t"
                        " where t.base_name = scale.base_code and t.rocu_code = ? and t.metric_id = ?)"
                        " order by sort_order", (unit, metric_id))
    if limit_bases.empty:
        st.info(f"{name} is compared with the network on counts only; {names[unit]} has no such figures for it.")
    else:
        limit_base = st.radio("Compared per", limit_bases["base_name"].tolist(), horizontal=True, key="limits_base",
                              format_func=dict(zip(limit_bases["base_name"], limit_bases["rate_per"])).get)
        history = query(
            """
            select period, period_start, months_label, is_part_period, observed, expected, observed_rate, network_rate,
                   lower_998_rate, lower_95_rate, upper_95_rate, upper_998_rate, band_95, is_small_base, rate_per,
                   base_label, base_as_at, base_is_provisional, base_changed, base_changed_month, previous_base_label,
                   new_base_label
            from marts.fct_metric_trend_limits
            where rocu_code = ? and metric_id = ? and base_name = ? and period_type = ?
            order by period_start
            """,
            (unit, metric_id, limit_base, limits_kind),
        )
        if history.empty:
            st.info(f"{names[unit]} has no {name.lower()} in these periods to compare with the network.")
        else:
            limit_per = history["rate_per"].iloc[0]
            history = history.assign(base=history["base_label"] + " (" + history["base_as_at"]
                                     + history["base_is_provisional"].map({True: ", provisional", False: ""}) + ")")
            x = alt.X("period_start:T", title=None,
                      axis=alt.Axis(format="%b %y" if limits_kind == "month" else "%Y", tickCount=8))
            y_title = axis_title(name, reading["axis_label"], limit_per)
            outer = alt.Chart().mark_area(color="#d9d9d9", opacity=0.6).encode(
                x=x, y=alt.Y("lower_998_rate:Q", title=y_title), y2="upper_998_rate:Q")
            inner = alt.Chart().mark_area(color="#bdbdbd", opacity=0.7).encode(x=x, y="lower_95_rate:Q",
                                                                              y2="upper_95_rate:Q")
            network_line = alt.Chart().mark_line(color="#555555", strokeDash=[6, 3]).encode(x=x, y="network_rate:Q")
            unit_line = alt.Chart().mark_line(color="#1f4e79").encode(x=x, y="observed_rate:Q")
            tooltip = [alt.Tooltip("period:N", title="Period"), alt.Tooltip("months_label:N", title="Months"),
                       alt.Tooltip("observed:Q", title=name, format=",.0f"),
                       alt.Tooltip("expected:Q", title="Expected at the network rate", format=",.1f"),
                       alt.Tooltip("observed_rate:Q", title=limit_per, format=",.2f"),
                       alt.Tooltip("network_rate:Q", title="Network", format=",.2f"),
                       alt.Tooltip("lower_95_rate:Q", title="95% limits from", format=",.2f"),
                       alt.Tooltip("upper_95_rate:Q", title="95% limits to", format=",.2f"),
                       alt.Tooltip("band_95:N", title="Against the network"), alt.Tooltip("base:N", title="Base"),
                       alt.Tooltip("is_small_base:N", title="Small base (under 10 expected)")]
            # Filled circles: whole periods; hollow diamonds: part periods (months missing), compared on their
            # monthly rate.
            colour = band_colour()
            whole_dots = alt.Chart().transform_filter("!datum.is_part_period").mark_point(size=70, filled=True).encode(
                x=x, y="observed_rate:Q", color=colour, tooltip=tooltip,
                shape=small_base_shape())
            part_dots = alt.Chart().transform_filter("datum.is_part_period").mark_point(
                size=90, filled=False, shape="diamond", strokeWidth=2).encode(
                x=x, y="observed_rate:Q", color=colour, tooltip=tooltip)
            changes = history[history["base_changed"]]
            change_rule = alt.Chart().transform_filter("datum.base_changed").mark_rule(
                color="#555555", strokeDash=[2, 2]).encode(
                x=x, tooltip=[alt.Tooltip("base_changed_month:N", title="Base changed in"),
                              alt.Tooltip("previous_base_label:N", title="From"),
                              alt.Tooltip("new_base_label:N", title="To")])
            change_note = alt.Chart().transform_filter("datum.base_changed").mark_text(
                align="left", dx=3, dy=6, fontSize=9, color="#555555").encode(x=x, y=alt.value(0),
                                                                               text=alt.value("new base"))
            st.altair_chart(
                alt.layer(outer, inner, network_line, unit_line, whole_dots, part_dots, change_rule, change_note,
                          data=history),
                width="stretch",
                alt=f"{name} {limit_per} for {names[unit]} against the network, with the 95% and 99.8% limits"
                    + ("; a dotted line marks each change of base: " + ", ".join(
                        f"{r.base_changed_month} ({r.previous_base_label} to {r.new_base_label})"
                        for r in changes.itertuples()) if len(changes) else "") + ".")
            part = history[history["is_part_period"]]
            st.caption(
                f"Solid line and points: {names[unit]}; dashed line: the network rate. The dark band is where the "
                "unit's rate would fall 95 times in 100 by chance at the network rate for its base, the light band "
                "99.8 times (exact Poisson limits); a point outside the dark band is higher or lower than the network. "
                + ("Triangles: small base (fewer than 10 expected), where only a large difference can show. "
                   if history["is_small_base"].any() else "")
                + ("Hollow diamonds are part periods, compared on their monthly rate: " + "; ".join(
                    f"{p} ({m})" for p, m in zip(part["period"], part["months_label"])) + ". " if len(part) else "")
                + ("Dotted lines marked 'new base': the period the base moved to newer figures ("
                   + "; ".join(f"{r.base_changed_month}: {r.previous_base_label} to {r.new_base_label}"
                               for r in changes.itertuples()) + ")." if len(changes) else "")
            )
            limits_export = history[["period", "months_label", "observed", "expected", "observed_rate", "network_rate",
                                     "lower_998_rate", "lower_95_rate", "upper_95_rate", "upper_998_rate", "band_95",
                                     "base", "base_changed_month"]].rename(columns={
                "period": "Period", "months_label": "Months reported", "observed": "Figure",
                "expected": "Expected at the network rate", "observed_rate": "Rate", "network_rate": "Network rate",
                "lower_998_rate": "Lower 99.8% limit", "lower_95_rate": "Lower 95% limit",
                "upper_95_rate": "Upper 95% limit", "upper_998_rate": "Upper 99.8% limit",
                "band_95": "Against the network (95%)", "base": "Base", "base_changed_month": "Base changed in"})
            limit_rate = ExportColumn("", f"{measure}_{limit_base}", f"{reading['unit_name']} {limit_per}", 2)
            exports(limits_export, f"regional_limits_{unit}_{metric_id}_{limits_kind}", ExportMetadata(
                title=f"{name}: {names[unit]} against the network with 95% and 99.8% limits", base=limit_per,
                definition=reading["definition"],
                period=f"every {LIMIT_PERIODS[limits_kind].lower().rstrip('s')} published",
                columns=figure_columns(reading, ["Figure"], {}) + (ExportColumn(
                    "Expected at the network rate", reading["unit"], reading["unit_name"], 1),) + tuple(
                    ExportColumn(c, limit_rate.unit_code, limit_rate.unit_name, limit_rate.decimals)
                    for c in ["Rate", "Network rate", "Lower 99.8% limit", "Lower 95% limit", "Upper 95% limit",
                              "Upper 99.8% limit"])))


def against_peer_median() -> None:
    """The metric and others the reader picks, against the peer median month by month."""
    per = st.radio("Rate in the trend", list(TREND_RATES), horizontal=True, key="trend_rate")
    rate_col, median_col, base_col, changed_col = TREND_RATES[per]
    st.subheader(f"{name} and other measures: {names[unit]} against its peer median, month by month ({per})")
    reported = query("select distinct c.metric_id, m.metric_name from marts.fct_metric_comparison c"
                     " join marts.dim_metric m using (metric_id) where c.rocu_code = ? and c.period_type = 'month'"
                     " and m.is_rateable order by m.metric_name", (unit,))
    trend_names = dict(zip(reported["metric_id"], reported["metric_name"]))
    # The metric chosen at the top comes first; the others are there to set it in context.
    others = url_multiselect("Other metrics to show beside it", list(trend_names), "trend", format_func=trend_names.get,
                             default=[m for m in TREND_DEFAULTS if m in trend_names][:5])
    picked = [m for m in [metric_id, *others] if m in trend_names]
    if metric_id not in trend_names:
        st.info(f"{names[unit]} has no monthly figures for {name.lower()}, so it has no panel below.")
    if not picked:
        st.info("Choose one or more metrics to see their monthly trend.")
    else:
        trend = query(
            f"""
            select m.metric_name as metric, c.period as month, c.{rate_col} as "This unit",
                   p.{median_col} as "Peer median", c.{base_col} as base, c.{changed_col} as base_changed
            from marts.fct_metric_comparison c join marts.dim_metric m using (metric_id)
            join marts.fct_metric_peer_comparison p
                on p.rocu_code = c.rocu_code and p.metric_id = c.metric_id and p.period_type = c.period_type
                and p.period = c.period and p.grouping_code = ?
            where c.rocu_code = ? and c.period_type = 'month' and list_contains(?, c.metric_id)
            order by list_position(?, c.metric_id), month
            """,
            (grouping, unit, picked, picked),
        )
        long = trend.melt(["metric", "month", "base", "base_changed"], var_name="series", value_name="rate")
        long["start"] = pd.to_datetime(long["month"] + "-01")
        # The month the rate's base moved to newer figures: a dotted rule and a note in every panel.
        changes = long[long["base_changed"] & (long["series"] == SERIES[0])]
        rate_format = ",.2f"
        rates = alt.Chart().mark_line(point=alt.OverlayMarkDef(size=18)).encode(
            x=alt.X("start:T", title=None, axis=alt.Axis(format="%b %y", tickCount=6)),
            y=alt.Y("rate:Q", title=per),
            color=alt.Color("series:N", scale=alt.Scale(domain=SERIES, range=["#1f4e79", "#999999"]), title=None),
            strokeDash=alt.StrokeDash("series:N", scale=alt.Scale(domain=SERIES, range=[[1, 0], [5, 3]]), title=None),
            tooltip=["metric", "month", "series", alt.Tooltip("rate:Q", title=per, format=rate_format),
                     alt.Tooltip("base:N", title="Base")],
        )
        base_rule = alt.Chart().transform_filter("datum.base_changed && datum.series == 'This unit'").mark_rule(
            color="#555555", strokeDash=[2, 2]).encode(
            x="start:T", tooltip=["month", alt.Tooltip("base:N", title="Base from this month")])
        base_note = alt.Chart().transform_filter("datum.base_changed && datum.series == 'This unit'").mark_text(
            align="left", dx=3, dy=6, fontSize=9, color="#555555").encode(x="start:T", y=alt.value(0),
                                                                          text=alt.value("new base"))
        st.altair_chart(
            alt.layer(rates, base_rule, base_note, data=long).properties(width=200, height=140).facet(
                facet=alt.Facet("metric:N", title=None, sort=[trend_names[m] for m in picked]), columns=3)
            .resolve_scale(y="independent"),
            alt=f"Small multiples of monthly rates {per} for {names[unit]} and its peer median"
                + ("; a dotted line marks each change of base: " + ", ".join(
                    f"{r.month} ({r.base})" for r in changes.drop_duplicates("month").itertuples())
                   if len(changes) else "")
                + ".",
        )
        st.caption("Solid line: this unit; dashed line: the median of its peer group by "
                   f"{grouping_names[grouping].lower()} (each financial year's group; none in a year the unit is not "
                   "grouped). Each panel has its own scale. "
                   "Bases: " + "; ".join(dict.fromkeys(trend["base"].dropna()))
                   + (". Dotted line marked 'new base': the month the rates move to newer figures for the base"
                      if len(changes) else "") + ".")
        rate = ExportColumn("", f"rate_{rate_col}", f"the metric's unit {per}",
                            2 if rate_col == "per_100k_population" else 4)
        exports(trend, f"regional_trend_{unit}", ExportMetadata(
            title=f"{names[unit]} against its peer median, month by month ({per})", base=per,
            period="every month published",
            columns=tuple(ExportColumn(c, rate.unit_code, rate.unit_name, rate.decimals) for c in SERIES)))


sections({"Beside its peers": beside_peers, "Disruptions led": disruptions_led, "Forces": unit_forces,
          "OCG threat": ocg_threat, "Over time": against_the_limits, "Against the peer median": against_peer_median})
