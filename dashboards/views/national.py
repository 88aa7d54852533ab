"""National overview: the network across the 4Ps, fair rates per unit, trends, strengths."""

import altair as alt
import pandas as pd
import streamlit as st

from dashboards.auth import guard
from dashboards.data import query
from dashboards.format import ExportColumn, ExportMetadata
from pipelines.serving.formats import amount, axis_title, count, flag_small, scaled_rate, share_with_base
from dashboards.charts import band_colour, small_base_shape
from dashboards.widgets import (BANDS, PERIOD_TYPES, base_columns, drill_link, exports, figure_columns, metric_filter,
                                metric_reading, no_data, period_filter, rate_scales, sections, show_table)

# The share funnel's export columns, in the order of fct_share_funnel's columns the page reads.
SHARE_EXPORT = ["Unit code", "Unit", "Cases", "Out of", "Share (%)", "Lower 95% limit (%)", "Upper 95% limit (%)",
                "Against the network (95%)", "Rank", "Months reported"]

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
    select r.rocu_name as unit_name, c.rocu_code, c.value, c.per_100k_population, c.officer_rate,
           c.population, c.population_year, c.officer_fte, c.months_reported, c.months_in_period, f.band_95,
           f.rank_shown, f.units_ranked, c.population_base_label, c.officer_base_label
    from marts.fct_metric_comparison c join marts.dim_rocu r using (rocu_code)
    left join marts.fct_metric_funnel f
        on f.rocu_code = c.rocu_code and f.metric_id = c.metric_id and f.period_type = c.period_type
        and f.period = c.period and f.base_name = 'population'
    where c.metric_id = ? and c.period_type = ? and c.period = ?
    order by f.rank_shown nulls last, r.rocu_name
    """,
    (metric, kind, period),
)
if rows.empty:
    no_data(f"No unit reported {names[metric].lower()} for {period_words}.")

network = query(
    """
    select national_value, national_per_100k, national_officer_rate, units_reporting, population_year,
           population_base_label, officer_base_label, counted_by_more_than_one_unit
    from marts.fct_metric_network where metric_id = ? and period_type = ? and period = ?
    """,
    (metric, kind, period),
)
national = network.iloc[0]
a, b, c = st.columns(3)
a.metric(f"{names[metric]}, network, {period}", amount(national["national_value"], unit),
         help=f"Sum over the {national['units_reporting']} units that reported.")
if national["counted_by_more_than_one_unit"]:
    # a disruption two units claim is in each unit's figure below, once in the network's (fct_metric_network)
    a.caption(f"Less than the units' figures summed: {count(national['counted_by_more_than_one_unit'])} "
              "disruptions were counted by more than one unit, and the network counts each once.")
b.metric(per_people["rate_label"].capitalize(),
         scaled_rate(national["national_per_100k"], unit, per_people["rate_decimals"]),
         help="Network figure divided by the population of the reporting units' force areas: "
              f"{national['population_base_label']}.")
c.metric(per_officers["rate_label"].capitalize(),
         scaled_rate(national["national_officer_rate"], unit, per_officers["rate_decimals"]),
         help="Network figure divided by police officer FTE in the reporting units' forces: "
              f"{national['officer_base_label']}.")


def against_the_network() -> None:
    """Each unit's rate against the network's, with the funnel's limits, and the figures behind it."""
    st.subheader(f"{names[metric]} against the network: funnel plot, {period_words}")
    # The bases are rows of seeds/framework/rate_scales.csv (dim_rate_scale): a new base needs no change here.
    base_name = st.radio("Compared", list(scales.index), horizontal=True, key="funnel_base",
                         format_func=lambda code: scales.loc[code, "rate_label"])
    points = query(
        """
        select r.rocu_name as unit_name, f.base, f.observed, f.observed_rate, f.expected, f.band_95, f.is_small_base,
               f.months_label, f.is_part_period, f.rate_per, f.base_label, f.base_as_at, f.base_is_provisional
        from marts.fct_metric_funnel f join marts.dim_rocu r using (rocu_code)
        where f.metric_id = ? and f.period_type = ? and f.period = ? and f.base_name = ?
        """,
        (metric, kind, period, base_name),
    )
    curves = query(
        """
        select base, network_rate, lower_998_rate, lower_95_rate, upper_95_rate, upper_998_rate
        from marts.fct_metric_funnel_limits
        where metric_id = ? and period_type = ? and period = ? and base_name = ? order by base
        """,
        (metric, kind, period, base_name),
    )
    if points.empty or curves.empty:
        st.info("The funnel plot compares units over a quarter or a financial year, on counts only: choose one of "
                "those periods (or a count metric) to see it.")
    else:
        per, base_words = points["rate_per"].iloc[0], points["base_label"].iloc[0]
        as_at = points["base_as_at"].iloc[0] + (", provisional" if points["base_is_provisional"].any() else "")
        x = alt.X("base:Q", title=f"Base: {base_words} ({as_at})", axis=alt.Axis(format="~s"))
        lines = curves.melt(id_vars="base", var_name="limit", value_name="rate")
        limit_names = {"network_rate": "Network rate", "lower_95_rate": "95% limits", "upper_95_rate": "95% limits",
                       "lower_998_rate": "99.8% limits", "upper_998_rate": "99.8% limits"}
        lines = lines.assign(line=lines["limit"].map(limit_names))
        funnel = alt.Chart(lines).mark_line(color="#555555").encode(
            x=x, y=alt.Y("rate:Q", title=axis_title(names[metric], reading["axis_label"], per)), detail="limit:N",
            strokeDash=alt.StrokeDash("line:N", title=None, scale=alt.Scale(
                domain=["Network rate", "95% limits", "99.8% limits"], range=[[1, 0], [6, 3], [2, 2]])))
        # Filled: whole periods; hollow: part periods (months missing), compared on their monthly rate.
        dot = dict(
            x=x, y="observed_rate:Q",
            color=band_colour(),
            shape=small_base_shape(),
            tooltip=[alt.Tooltip("unit_name:N", title="Unit"),
                     alt.Tooltip("observed:Q", title=names[metric], format=",.0f"),
                     alt.Tooltip("expected:Q", title="Expected at the network rate", format=",.1f"),
                     alt.Tooltip("observed_rate:Q", title=per, format=",.2f"),
                     alt.Tooltip("band_95:N", title="Against the network"),
                     alt.Tooltip("months_label:N", title="Months")])
        dots = (alt.Chart(points).transform_filter("!datum.is_part_period").mark_point(
                    size=90, filled=True).encode(**dot)
                + alt.Chart(points).transform_filter("datum.is_part_period").mark_point(
                    size=90, filled=False, strokeWidth=2).encode(**dot))
        labels = alt.Chart(points).mark_text(align="left", dx=7, fontSize=11).encode(
            x=x, y="observed_rate:Q", text="unit_name:N")
        st.altair_chart(funnel + dots + labels, width="stretch")
        part = points[points["is_part_period"]]
        st.caption(f"Each dot is a unit's rate {per}; the solid line is the network rate, the dashed and dotted lines "
                   "the 95% and 99.8% limits (exact Poisson) a unit of that size would fall inside by chance. A dot "
                   "outside the dashed lines is higher or lower than the network; inside, the difference is chance. "
                   "Triangles: small base (fewer than 10 expected). "
                   + ("Hollow: part periods, compared on their monthly rate: " + "; ".join(
                       f"{u} ({m})" for u, m in zip(part["unit_name"], part["months_label"])) + "." if len(part)
                      else "Every unit reported every month of the period."))
        spread = query(
            """
            select units_compared, units_outside_95, units_outside_95_by_chance, phi, is_overdispersed,
                   limit_widening_factor, units_outside_widened_95
            from marts.fct_metric_funnel_overdispersion
            where metric_id = ? and period_type = ? and period = ? and base_name = ?
            """,
            (metric, kind, period, base_name),
        )
        if not spread.empty:
            s = spread.iloc[0]
            st.caption(
                f"Spread of the units: {int(s['units_outside_95'])} of {int(s['units_compared'])} outside the 95% "
                f"limits, where chance alone would put about {s['units_outside_95_by_chance']:.1f}; overdispersion "
                f"factor φ = {s['phi']:.2f} (about 1 when the spread is chance). "
                + (f"The units differ more than chance alone would make them: limits widened by "
                   f"{s['limit_widening_factor']:.2f} would leave {int(s['units_outside_widened_95'])} outside. "
                   if s["is_overdispersed"] else "No more spread than chance alone. ")
                + f"From {int(s['units_compared'])} units the factor is unstable, so the limits above are not widened "
                  "by it: read it as a caution, not a verdict.")
    bases = [*dict.fromkeys(rows["population_base_label"].dropna()),
             *dict.fromkeys(rows["officer_base_label"].dropna())]
    if bases:
        st.caption("Bases of the rates in the table below: " + "; ".join(bases)
                   + " (the newest figures as at or before the period's last month).")

    table = rows.assign(**{
        "Figure": rows["value"].map(lambda v: flag_small(v, unit)),
        "Per 100,000": rows["per_100k_population"].map(lambda v: scaled_rate(v, unit, per_people["rate_decimals"])),
        "Per 100 officers": rows["officer_rate"].map(lambda v: scaled_rate(v, unit, per_officers["rate_decimals"])),
        "Months reported": rows["months_reported"].astype(str) + " of " + rows["months_in_period"].astype(str),
        "Against the network (95%)": rows["band_95"].map(BANDS).fillna("not compared (not a count)"),
        "Rank": rows["rank_shown"].astype("Int64"),  # fct_metric_funnel: only outside the limits, whole periods
    })[["unit_name", "Figure", "Per 100,000", "Per 100 officers", "Against the network (95%)", "Rank",
        "Months reported", "population", "officer_fte", "population_base_label", "officer_base_label"]]
    table.columns = ["Unit", "Figure", "Per 100,000", "Per 100 officers", "Against the network (95%)", "Rank",
                     "Months reported", "Population (base)", "Officers FTE (base)", "Base of per 100,000",
                     "Base of per 100 officers"]
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        "Population (base)": st.column_config.NumberColumn(format="localized"),
        "Officers FTE (base)": st.column_config.NumberColumn(format="localized")})
    # The export holds the same rows as numbers (unit codes beside names), formatted only on screen.
    export = table.drop(columns=["Figure", "Per 100,000", "Per 100 officers", "Months reported"]).assign(**{
        "Unit code": rows["rocu_code"], "Figure": rows["value"], "Per 100,000 population": rows["per_100k_population"],
        "Per 100 officers": rows["officer_rate"], "Months reported": rows["months_reported"],
        "Months in period": rows["months_in_period"]})[[
            "Unit code", "Unit", "Figure", "Per 100,000 population", "Per 100 officers", "Against the network (95%)",
            "Rank", "Months reported", "Months in period", "Population (base)", "Officers FTE (base)",
            "Base of per 100,000", "Base of per 100 officers"]]
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
        pick = left.selectbox("See what a unit's figure is made of", list(units), format_func=units.get,
                              key="drill_unit")
        drill_link(pick, metric, kind, period, f"Rows and files behind {units[pick]}'s {names[metric].lower()}, "
                   f"{period_words}, month by month", right)


def spend_per_outcome() -> None:
    """What each unit spent per outcome, where the metric guide costs the outcome."""
    st.subheader(f"Spend per {names[metric].lower()}, {period_words}")
    costing = query("select has_cost_per_outcome, cost_per_outcome_note from marts.dim_metric_guide "
                    "where metric_id = ?", (metric,))
    note = costing["cost_per_outcome_note"].iloc[0] if not costing.empty else None
    if costing.empty or not costing["has_cost_per_outcome"].iloc[0]:
        st.caption(note or f"No cost per outcome is given for {names[metric].lower()}: only the outcomes listed in the "
                   "metric guide are costed.")
    else:
        cost = query(
            """
            select r.rocu_name as unit_name, c.rocu_code, c.spend_gbp, c.outcomes, c.cost_per_outcome_gbp,
                   c.months_label, c.is_part_period, c.is_small_count, c.network_spend_gbp, c.network_outcomes,
                   c.network_cost_per_outcome_gbp, c.units_included, c.units_part_period
            from marts.fct_cost_per_outcome c join marts.dim_rocu r using (rocu_code)
            where c.metric_id = ? and c.period_type = ? and c.period = ?
            order by r.rocu_name
            """,
            (metric, kind, period),
        )
        if cost.empty:
            st.info(f"No cost per {names[metric].lower()} for {period_words}: spend comes from the quarterly "
                    "resources returns, so a month alone is not costed, and a unit needs both the outcome and its "
                    "spend for the same months.")
        else:
            net = cost.iloc[0]
            st.metric(f"Spend per {names[metric].lower()}, network", amount(net["network_cost_per_outcome_gbp"], "gbp"),
                      help=f"Spend {amount(net['network_spend_gbp'], 'gbp')} over {count(net['network_outcomes'])} "
                           f"outcomes, summed over the {net['units_included']} units with both: a ratio of sums, not "
                           "an average of the units' costs.")
            show_table(pd.DataFrame({
                "Unit": cost["unit_name"],
                "Spend": cost["spend_gbp"].map(lambda v: amount(v, "gbp")),
                names[metric]: [count(v) + (" (small count)" if small else "")
                                for v, small in zip(cost["outcomes"], cost["is_small_count"])],
                "Spend per outcome": cost["cost_per_outcome_gbp"].map(lambda v: amount(v, "gbp")),
                "Months with both": cost["months_label"] + cost["is_part_period"].map({True: " (part period)",
                                                                                        False: ""}),
            }), f"national_cost_{metric}_{period.replace('/', '-')}")
            st.caption(f"{note} Spend is each quarter's spend in the unit's resources return, spread over its three "
                       "months, counted only for the months the unit also reported the outcome; units are listed by "
                       "name, not ranked. Small count: fewer than 10, so one more or one fewer moves the cost a lot.")


def disruptions_led() -> None:
    """The disruptions each unit led and those it supported."""
    st.subheader(f"Disruptions the units led and supported, {period_words}")
    lead = query(
        """
        select r.rocu_name as unit_name, s.led, s.supported, s.lead_not_recorded, s.lead_base, s.led_share_pct,
               s.is_small_base, s.network_led, s.network_lead_base, s.network_led_share_pct, s.network_is_small_base,
               s.network_counted_by_more_than_one_unit
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
                  share_with_base(net["network_led"], net["network_lead_base"], net["network_led_share_pct"],
                                  net["network_is_small_base"], "disruptions"),
                  help="Disruptions the units led over the disruptions whose lead is recorded (led or supported), "
                       "summed over the units: a ratio of counts, not an average of the units' percentages.")
        if net["network_counted_by_more_than_one_unit"]:
            st.caption(f"{count(net['network_counted_by_more_than_one_unit'])} disruptions one unit led and another "
                       "supported are in both units' rows below and once in the network's base.")
        show_table(pd.DataFrame({
            "Unit": lead["unit_name"],
            "Led by the unit": lead["led"].map(count),
            "Supported by the unit": lead["supported"].map(count),
            "Share led by the unit": [share_with_base(n, b, p, s, "disruptions") for n, b, p, s in
                                      zip(lead["led"], lead["lead_base"], lead["led_share_pct"],
                                          lead["is_small_base"])],
            "Lead not recorded": lead["lead_not_recorded"].map(count),
        }), f"national_disruptions_led_{period.replace('/', '-')}")
        st.caption("Led: the unit led the disruption; supported: a force (or another unit) led it and the unit "
                   "supported. Each disruption is counted once. Disruptions with no lead recorded are outside the "
                   "base. Small base: fewer than 10 disruptions, so the share is given as a count.")


def share_funnels() -> None:
    """Shares (such as the share of disruptions led) against the network, with exact binomial limits."""
    st.subheader(f"Shares against the network: funnel plot, {period_words}")
    shares = query("select distinct share_id, share_name from marts.fct_share_funnel where period_type = ? and "
                   "period = ? order by share_name", (kind, period))
    if shares.empty:
        st.info(f"No unit reported a share with its base for {period_words}.")
    else:
        share_names = dict(zip(shares["share_id"], shares["share_name"]))
        share_id = st.selectbox("Share", list(share_names), key="share_funnel", format_func=share_names.get,
                                index=list(share_names).index("DIS_LED_SHARE") if "DIS_LED_SHARE" in share_names else 0)
        share_points = query(
            """
            select r.rocu_name as unit_name, s.rocu_code, s.numerator, s.denominator, s.observed_pct, s.expected,
                   s.network_pct, s.band_95, s.is_small_base, s.months_label, s.is_part_period, s.rank_shown,
                   s.units_ranked, s.lower_95_pct, s.upper_95_pct
            from marts.fct_share_funnel s join marts.dim_rocu r using (rocu_code)
            where s.share_id = ? and s.period_type = ? and s.period = ?
            order by s.rank_shown nulls last, r.rocu_name
            """,
            (share_id, kind, period),
        )
        share_curves = query(
            """
            select denominator, network_pct, lower_998_pct, lower_95_pct, upper_95_pct, upper_998_pct
            from marts.fct_share_funnel_limits where share_id = ? and period_type = ? and period = ? order by step
            """,
            (share_id, kind, period),
        )
        sx = alt.X("denominator:Q", title="Base: cases the share is out of (n)", axis=alt.Axis(format="~s"))
        share_lines = share_curves.melt(id_vars="denominator", var_name="limit", value_name="pct")
        share_lines = share_lines.assign(line=share_lines["limit"].map(
            {"network_pct": "Network share", "lower_95_pct": "95% limits", "upper_95_pct": "95% limits",
             "lower_998_pct": "99.8% limits", "upper_998_pct": "99.8% limits"}))
        share_funnel = alt.Chart(share_lines).mark_line(color="#555555", interpolate="step-after").encode(
            x=sx, y=alt.Y("pct:Q", title=f"{share_names[share_id]} (%)", scale=alt.Scale(domain=[0, 100])),
            detail="limit:N", strokeDash=alt.StrokeDash("line:N", title=None, scale=alt.Scale(
                domain=["Network share", "95% limits", "99.8% limits"], range=[[1, 0], [6, 3], [2, 2]])))
        share_dot = dict(
            x=sx, y="observed_pct:Q",
            color=band_colour(),
            shape=small_base_shape(),
            tooltip=[alt.Tooltip("unit_name:N", title="Unit"), alt.Tooltip("numerator:Q", title="Cases", format=",.0f"),
                     alt.Tooltip("denominator:Q", title="Out of", format=",.0f"),
                     alt.Tooltip("observed_pct:Q", title="Share (%)", format=".1f"),
                     alt.Tooltip("expected:Q", title="Expected at the network share", format=",.1f"),
                     alt.Tooltip("band_95:N", title="Against the network"),
                     alt.Tooltip("months_label:N", title="Months")])
        share_dots = (alt.Chart(share_points).transform_filter("!datum.is_part_period").mark_point(
            size=90, filled=True).encode(**share_dot) + alt.Chart(share_points).transform_filter(
            "datum.is_part_period").mark_point(size=90, filled=False, strokeWidth=2).encode(**share_dot))
        share_labels = alt.Chart(share_points).mark_text(align="left", dx=7, fontSize=11).encode(
            x=sx, y="observed_pct:Q", text="unit_name:N")
        st.altair_chart(share_funnel + share_dots + share_labels, width="stretch")
        share_part = share_points[share_points["is_part_period"]]
        st.caption("Each dot is a unit's share against the number of cases it is out of; the solid line is the network "
                   "share (the units' cases summed over their bases, not an average of percentages), the dashed and "
                   "dotted lines the 95% and 99.8% limits (exact binomial). "
                   "Triangles: small base (fewer than 10 cases). "
                   + ("Hollow: part periods: " + "; ".join(f"{u} ({m})" for u, m in zip(
                       share_part["unit_name"], share_part["months_label"])) + "." if len(share_part)
                      else "Every unit reported every month of the period."))
        share_table = pd.DataFrame({
            "Unit": share_points["unit_name"],
            "Share": [share_with_base(n, b, p, s, "cases") for n, b, p, s in zip(
                share_points["numerator"], share_points["denominator"], share_points["observed_pct"],
                share_points["is_small_base"])],
            "95% limits": [f"{lo:.0f}% to {hi:.0f}%" for lo, hi in zip(share_points["lower_95_pct"],
                                                                       share_points["upper_95_pct"])],
            "Against the network (95%)": share_points["band_95"].map(BANDS),
            "Rank": share_points["rank_shown"].map(lambda r: "" if pd.isna(r) else f"{r:.0f}"),
            "Months reported": share_points["months_label"],
        })
        show_table(share_table, f"national_share_{share_id}_{period.replace('/', '-')}",
                   export=share_points[["rocu_code", "unit_name", "numerator", "denominator", "observed_pct",
                                        "lower_95_pct", "upper_95_pct", "band_95", "rank_shown",
                                        "months_label"]].rename(
                       columns=dict(zip(["rocu_code", "unit_name", "numerator", "denominator", "observed_pct",
                                         "lower_95_pct", "upper_95_pct", "band_95", "rank_shown", "months_label"],
                                        SHARE_EXPORT))),
                   metadata=ExportMetadata(
                       title=f"{share_names[share_id]} by unit against the network, {period_words}",
                       period=period_words, base="the cases each share is out of (Out of)",
                       columns=(ExportColumn("Cases", "count", "cases", 0), ExportColumn("Out of", "count", "cases", 0),
                                *(ExportColumn(c, "percent", "per cent", 1) for c in SHARE_EXPORT[4:7]))))
        st.caption("A rank is shown only where a unit's share is higher or lower than the network over the whole "
                   "period.")


def network_trend() -> None:
    """The network's total month by month."""
    st.subheader("Trend: network total by month")
    trend = query(
        """
        select period as month, national_value as value, units_reporting as units, is_part_network
        from marts.fct_metric_network where metric_id = ? and period_type = 'month' order by period
        """,
        (metric,),
    )
    trend_x = alt.X("month:O", title="Month")
    trend_y = alt.Y("value:Q", title=axis_title(names[metric], reading["axis_label"]))
    trend_tip = ["month", alt.Tooltip("value:Q", format=",.0f"), alt.Tooltip("units:Q", title="Units reporting")]
    # Hollow points: months not every unit reported, so the total is not the whole network's.
    st.altair_chart(
        alt.Chart(trend).mark_line().encode(x=trend_x, y=trend_y)
        + alt.Chart(trend).transform_filter("!datum.is_part_network").mark_point(filled=True, size=40).encode(
            x=trend_x, y=trend_y, tooltip=trend_tip)
        + alt.Chart(trend).transform_filter("datum.is_part_network").mark_point(filled=False, size=60, strokeWidth=2)
        .encode(x=trend_x, y=trend_y, tooltip=trend_tip),
        width="stretch",
    )
    if trend["is_part_network"].any():
        st.caption("Hollow points: months some units had not reported, so the total is not the whole network's: "
                   + "; ".join(f"{m} ({u} units)" for m, u in zip(trend.loc[trend["is_part_network"], "month"],
                                                                  trend.loc[trend["is_part_network"], "units"])) + ".")


def strong_and_weak() -> None:
    """Where units are strong or weak: their bands against the network, counted by strand."""
    st.subheader(f"Where units are strong or weak: differences from the network by strand, {period_words}")
    bands = query(
        """
        select r.rocu_name as unit_name, b.strand_name as strand, b.net_better_share, b.summary_label,
               b.metrics_compared, b.metrics_small_base, b.has_part_period
        from marts.fct_strand_bands b join marts.dim_rocu r using (rocu_code)
        where b.period_type = ? and b.period = ?
        order by r.rocu_name, b.strand_sort_order
        """,
        (kind, period),
    )
    if bands.empty:
        st.info("Units are compared by strand over a quarter or a financial year: choose one of those periods.")
    else:
        strands = ["Pursue", "Prevent", "Protect", "Prepare"]
        bands = bands.assign(summary_label=bands["summary_label"]
                             + bands["has_part_period"].map({True: " †", False: ""}),
                             months=bands["has_part_period"].map({True: "part period for some metrics",
                                                                  False: "whole period"}))
        st.altair_chart(
            alt.Chart(bands).mark_rect().encode(
                x=alt.X("strand:N", sort=strands, title=None),
                y=alt.Y("unit_name:N", title=None, axis=alt.Axis(labelLimit=300)),
                color=alt.Color("net_better_share:Q", title="Better minus worse, share of metrics",
                                scale=alt.Scale(scheme="redblue", domain=[-1, 1])),
                tooltip=[alt.Tooltip("unit_name:N", title="Unit"), "strand",
                         alt.Tooltip("summary_label:N", title="Against the network (95%)"),
                         alt.Tooltip("metrics_small_base:Q", title="Of which small base"),
                         alt.Tooltip("months:N", title="Months")],
            ) + alt.Chart(bands).mark_text(baseline="middle", fontSize=10).encode(
                x=alt.X("strand:N", sort=strands), y="unit_name:N", text="summary_label:N"),
            width="stretch",
        )
        st.caption("For each unit and strand, how many of its count metrics were better, worse or similar to the "
                   "network at 95% (per 100,000 population, exact Poisson limits; better and worse follow the way "
                   "each metric should go). No mean of ranks: a rank between similar units is chance. A blank cell "
                   "means the unit reported none of that strand's count metrics in the period. †: part period, some "
                   "of the unit's metrics were reported for only part of the period and compared on their "
                   "monthly rate.")


sections({"Against the network": against_the_network, "Spend per outcome": spend_per_outcome,
          "Disruptions led": disruptions_led, "Shares": share_funnels, "Trend": network_trend,
          "Strong and weak": strong_and_weak})
