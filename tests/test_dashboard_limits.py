"""Issue 12 item 3: the regional page shows a unit's trend against the network with the funnel's
limits shaded, part periods hollow and base changes marked; the national page gives shares a
funnel plot of their own (exact binomial limits). Every figure is the mart's (AppTest against the
shared demo build)."""

from __future__ import annotations

import json

import pandas as pd
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest

from tests.test_dashboard_apptest import (complete_year, fresh_caches, run, scenario, sql, table, texts,  # noqa: F401
                                          var)

LIMITS = ["lower_998_rate", "lower_95_rate", "upper_95_rate", "upper_998_rate"]


def chart_with(at: AppTest, column: str) -> pd.DataFrame:
    """The data of the first chart on the page holding ``column``."""
    for chart in at.get("vega_lite_chart"):
        for data in chart.proto.datasets:
            frame = convert_arrow_bytes_to_pandas_df(data.data.data)
            if column in frame.columns:
                return frame
    raise AssertionError(f"no chart holds {column}")


def mart_trend(var, unit: str, metric: str, base: str, kind: str) -> pd.DataFrame:
    rows = sql(var, "select period, observed_rate, network_rate, lower_998_rate, lower_95_rate, upper_95_rate,"
                    " upper_998_rate, band_95, is_part_period, months_label, base_changed"
                    " from marts.fct_metric_trend_limits where rocu_code = ? and metric_id = ? and base_name = ?"
                    " and period_type = ? order by period_start", unit, metric, base, kind)
    return pd.DataFrame(rows, columns=["period", "observed_rate", "network_rate", *LIMITS, "band_95",
                                       "is_part_period", "months_label", "base_changed"])


def test_regional_trend_shows_the_unit_against_the_network_inside_the_marts_limits(var):
    at = run("regional", unit="EMSOU", metric="PUR_ARRESTS", section="Over time")
    assert any("against the network over time, with the funnel's limits" in s for s in texts(at.subheader).split("\n"))
    drawn = chart_with(at, "lower_95_rate")
    mart = mart_trend(var, "EMSOU", "PUR_ARRESTS", "population", "month")
    assert len(mart) > 12
    assert drawn["period"].tolist() == mart["period"].tolist()
    for column in ["observed_rate", "network_rate", *LIMITS]:
        assert drawn[column].round(9).tolist() == mart[column].round(9).tolist(), column
    assert drawn["band_95"].tolist() == mart["band_95"].tolist()
    # the band is a band: the limits enclose the network rate in every month
    assert (drawn["lower_998_rate"] <= drawn["lower_95_rate"]).all()
    assert (drawn["lower_95_rate"] <= drawn["network_rate"]).all()
    assert (drawn["network_rate"] <= drawn["upper_95_rate"]).all()
    assert (drawn["upper_95_rate"] <= drawn["upper_998_rate"]).all()
    # a change of base is drawn where the mart marks one, and named in the caption
    assert drawn["base_changed"].tolist() == mart["base_changed"].tolist()
    if mart["base_changed"].any():
        assert "new base" in texts(at.caption)


def test_regional_trend_marks_a_part_quarter_hollow_with_its_months(var):
    """The demo's missing return leaves its unit a quarter with 2 of 3 months: drawn hollow and named."""
    missing = scenario(var, "missing")
    unit = missing["rocu_code"]
    at = run("regional", unit=unit, metric="PUR_ARRESTS", section="Over time")
    at.radio(key="limits_period").set_value("quarter").run()
    assert not at.exception
    mart = mart_trend(var, unit, "PUR_ARRESTS", "population", "quarter")
    part = mart[mart["is_part_period"]]
    assert len(part), "the missing month leaves a part quarter"
    assert "2 of 3 months" in part["months_label"].tolist()
    drawn = chart_with(at, "lower_95_rate")
    assert drawn.loc[drawn["is_part_period"], "period"].tolist() == part["period"].tolist()
    caption = texts(at.caption)
    assert "Hollow diamonds are part periods" in caption
    for period, months in zip(part["period"], part["months_label"]):
        assert f"{period} ({months})" in caption


def test_national_share_funnel_bands_units_on_binomial_limits_and_ranks_only_outside_them(var):
    year = complete_year(var)
    at = run("national", metric="PUR_ARRESTS", period_type="financial_year", period=year, section="Shares")
    dots = chart_with(at, "observed_pct")
    rows = sql(var, "select r.rocu_name, s.band_95, s.rank_shown, s.numerator, s.denominator"
                    " from marts.fct_share_funnel s join marts.dim_rocu r using (rocu_code)"
                    " where s.share_id = 'DIS_LED_SHARE' and s.period_type = 'financial_year' and s.period = ?", year)
    assert len(rows) == 9
    assert dict(zip(dots["unit_name"], dots["band_95"])) == {name: band for name, band, *_ in rows}
    curves = chart_with(at, "pct")
    assert set(curves["limit"]) == {"network_pct", "lower_95_pct", "upper_95_pct", "lower_998_pct", "upper_998_pct"}
    shown = table(at, "95% limits").set_index("Unit")
    for name, band, rank, *_ in rows:
        if band == "similar":
            assert shown.loc[name, "Rank"] == "", name
        else:
            assert shown.loc[name, "Rank"] == ("" if rank is None else f"{rank:.0f}"), name


def test_national_funnel_plot_draws_part_periods_hollow(var):
    """A part period is visibly marked on the funnel plot (not only in its tooltip): hollow points."""
    year = complete_year(var)
    at = run("national", metric="PUR_ARRESTS", period_type="financial_year", period=year)
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    marks = [(layer.get("transform", [{}])[0].get("filter"), layer["mark"].get("filled"))
             for layer in _layers(spec) if isinstance(layer.get("mark"), dict) and layer["mark"].get("type") == "point"]
    assert ("datum.is_part_period", False) in marks and ("!datum.is_part_period", True) in marks


def _layers(spec: dict):
    for layer in spec.get("layer", []):
        yield layer
        yield from _layers(layer)


def test_regional_led_share_is_banded_against_the_network_and_a_part_period_says_so(var):
    ((period, band, months, part),) = sql(
        var, "select period, band_95, months_label, is_part_period from marts.fct_share_funnel"
             " where share_id = 'DIS_LED_SHARE' and rocu_code = 'EMSOU' and period_type = 'financial_year'"
             " order by period desc limit 1")
    at = run("regional", unit="EMSOU", metric="PUR_ARRESTS", period_type="financial_year", period=period,
             section="Disruptions led")
    caption = texts(at.caption)
    assert "Against the network at 95% (exact binomial limits" in caption
    assert f"{band} than the network" in caption or f"{band} to the network" in caption
    assert (f"Part period: the disruption extract covers {months}." in caption) == part
