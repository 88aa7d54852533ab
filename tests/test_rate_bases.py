"""Every rate in the built marts names its base, the base's year or date and its status, and
each month uses the newest base at or before it (issue 12, item 2). Read from the shared demo
build: months from 2024-04 to 2026-10, so both the mid-2024 population (provisional) and the
31 March 2025 officer count come into use inside the demo's range."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from pipelines.settings import Paths

POPULATION_LABEL = re.compile(r"^per 100,000 population \(mid-\d{4}(, provisional|, approximate)?\)$")
OFFICER_LABEL = re.compile(r"^per 100 officers \(\d{1,2} [A-Z][a-z]+ \d{4}(, provisional|, approximate)?\)$")


@pytest.fixture(scope="module")
def marts(built_demo: Path):
    con = duckdb.connect(str(Paths(built_demo).published), read_only=True)
    yield con
    con.close()


def test_every_rate_names_its_base_year_and_status(marts):
    rows = marts.sql("""
        select population_base_label, officer_base_label
        from marts.fct_metric_comparison where per_100k_population is not null
    """).fetchall()
    assert rows, "no rates in fct_metric_comparison"
    bad = [r for r in rows if not (r[0] and POPULATION_LABEL.match(r[0]) and r[1] and OFFICER_LABEL.match(r[1]))]
    assert not bad, f"{len(bad)} rates without a named base, e.g. {bad[:3]}"
    network = marts.sql("""
        select population_base_label, officer_base_label from marts.fct_metric_network
        where national_per_100k is not null
    """).fetchall()
    assert network and all(POPULATION_LABEL.match(p) and OFFICER_LABEL.match(o) for p, o in network)


def test_months_after_march_2025_use_the_2025_officers_base(marts):
    used = dict(marts.sql("""
        select period, list_distinct(list(officer_base_label)) from marts.fct_metric_comparison
        where period_type = 'month' and per_officer is not null group by period
    """).fetchall())
    assert any(p > "2025-03" for p in used)
    for period, labels in used.items():
        expected = ("per 100 officers (31 March 2025)" if period >= "2025-03"
                    else "per 100 officers (30 September 2019)")
        assert labels == [expected], (period, labels)


def test_the_provisional_population_says_so_and_the_change_of_base_is_marked(marts):
    used = dict(marts.sql("""
        select period, list_distinct(list(population_base_label)) from marts.fct_metric_comparison
        where period_type = 'month' and per_100k_population is not null group by period
    """).fetchall())
    for period, labels in used.items():
        if period >= "2024-06":
            assert labels == ["per 100,000 population (mid-2024, provisional)"], (period, labels)
    # The change of base sits on the first month of each unit's series of rates on the new officers:
    # March 2025, or the first month after it the unit reported; population changed before the demo
    # starts. A figure that is not rateable has no base to change.
    wrong = marts.sql("""
        with series as (
            select rocu_code, metric_id, period, officers_base_changed, officer_base_label,
                min(period) filter (where officer_base_label = 'per 100 officers (31 March 2025)')
                    over (partition by rocu_code, metric_id) as first_on_2025,
                min(period) over (partition by rocu_code, metric_id) as first_reported
            from marts.fct_metric_comparison where period_type = 'month' and per_officer is not null
        )
        select rocu_code, metric_id, period from series
        where officers_base_changed <> (period = first_on_2025 and first_reported < first_on_2025)
    """).fetchall()
    assert wrong == []
    assert not marts.sql("""
        select 1 from marts.fct_metric_comparison c inner join marts.dim_metric m on c.metric_id = m.metric_id
        where not m.is_rateable and (c.officers_base_changed or c.population_base_changed)
    """).fetchall()
    changed = marts.sql("""
        select period, count(distinct rocu_code) from marts.fct_metric_comparison
        where period_type = 'month' and officers_base_changed group by period order by period
    """).fetchall()
    assert changed[0] == ("2025-03", 9)
    assert not marts.sql("select 1 from marts.fct_metric_comparison where population_base_changed").fetchall()


def test_the_pages_name_the_bases_and_the_trend_marks_the_change(built_demo, monkeypatch):
    """The regional page names each rate's base (provisional included) in its table, and its trend
    chart, on the officer base, draws a rule and a 'new base' note in March 2025, when the rates
    move to the 31 March 2025 officers (the demo starts after the mid-2024 population came in);
    the national page's table carries both bases."""
    import json

    from tests.test_dashboard_apptest import chart_data, open_section, run, table

    st_caches_clear()
    monkeypatch.setenv("ROCU_VAR_DIR", str(built_demo))
    at = run("regional", unit="EMSOU", metric="PUR_ARRESTS", period_type="month", period="2025-06")
    rows = table(at, "Bases of the rates")
    mine = rows[rows["Unit"] == "East Midlands"].iloc[0]
    assert mine["Bases of the rates"] == ("per 100,000 population (mid-2024, provisional); "
                                          "per 100 officers (31 March 2025); "
                                          "per 100 ROCU staff (30 June 2025, provisional); "
                                          "per £1m of budget (30 June 2025, provisional)")
    # The rates on the unit's own resources stand beside the force bases, as the rates mart has them,
    # with their bases; the peer median is of the force bases only, and the network has its own.
    with duckdb.connect(str(built_demo / "published" / "rocu.duckdb"), read_only=True) as marts:
        own = {(code, base): (rate, base_value, network_rate) for code, base, rate, base_value, network_rate in
               marts.sql("""select rocu_code, base_code, rate, base_value, network_rate from marts.fct_metric_rates
                            where metric_id = 'PUR_ARRESTS' and period_type = 'month' and period = '2025-06'
                            and base_code in ('staff', 'budget')""").fetchall()}
    assert mine["Per 100 ROCU staff"] == f"{own['EMSOU', 'staff'][0]:,.2f}"
    assert mine["Per £1m of budget"] == f"{own['EMSOU', 'budget'][0]:,.2f}"
    assert mine["Base: ROCU staff in post (headcount)"] == f"{own['EMSOU', 'staff'][1]:,.0f}"
    assert mine["Base: ROCU budget (£)"] == f"£{own['EMSOU', 'budget'][1]:,.0f}"
    network = rows[rows["Unit"] == "Network"].iloc[0]
    assert network["Per 100 ROCU staff"] == f"{own['EMSOU', 'staff'][2]:,.2f}"
    assert rows[rows["Unit"].str.startswith("Peer median")]["Per 100 ROCU staff"].tolist() in ([], ["–"])
    open_section(at, "Against the peer median").radio(key="trend_rate").set_value("per 100 officers").run()
    assert not at.exception, [e.value for e in at.exception]
    charts = at.get("vega_lite_chart")
    trend = chart_data(at, index=len(charts) - 1)
    assert "2025-03" in set(trend.loc[trend["base_changed"].astype(bool), "month"])
    spec = json.dumps(json.loads(charts[-1].proto.spec))
    assert "new base" in spec and '"rule"' in spec

    st_caches_clear()
    at = run("national", metric="PUR_ARRESTS", period_type="month", period="2025-06")
    shown = next(d.value for d in at.dataframe if "Base of per 100,000" in d.value.columns)
    assert set(shown["Base of per 100,000"]) == {"per 100,000 population (mid-2024, provisional)"}
    assert set(shown["Base of per 100 officers"]) == {"per 100 officers (31 March 2025)"}


def st_caches_clear() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


STAFF_LABEL = re.compile(r"^per 100 ROCU staff \(\d{1,2} [A-Z][a-z]+ \d{4}, provisional\)$")
BUDGET_LABEL = re.compile(r"^per £1m of budget \(\d{1,2} [A-Z][a-z]+ \d{4}, provisional\)$")


def test_rates_per_rocu_staff_and_per_1m_of_budget_come_from_the_current_resources_return(marts):
    """Staff in post and budget are bases held by the unit, from its current resources return as at
    the quarter's end: each month takes the newest quarter ended at or before it, a month before the
    unit's first return has no such base, and every rate on them names the base, date and status."""
    labels = dict(marts.sql("""
        select base_code, list_distinct(list(rate_base_label)) from marts.fct_metric_rates group by base_code
    """).fetchall())
    assert set(labels) == {"population", "officers", "staff", "budget"}
    assert all(STAFF_LABEL.match(x) for x in labels["staff"]) and all(BUDGET_LABEL.match(x) for x in labels["budget"])
    # the base of each month is the current return of the newest quarter ended at or before it
    wrong = marts.sql("""
        with quarters as (
            select rocu_code, last_day(strptime(last_month || '-01', '%Y-%m-%d'))::date as quarter_end,
                staff_in_post, total_budget_gbp
            from marts.fct_unit_resources_quarterly
        ),
        expected as (
            select r.rocu_code, r.period, r.base_code, r.base_value,
                max_by(case r.base_code when 'staff' then q.staff_in_post else q.total_budget_gbp end, q.quarter_end)
                    as from_return,
                max(q.quarter_end) as quarter_end, any_value(r.base_as_at) as base_as_at
            from marts.fct_metric_rates r
            join quarters q on q.rocu_code = r.rocu_code
                and q.quarter_end <= last_day(strptime(r.period || '-01', '%Y-%m-%d'))
            where r.period_type = 'month' and r.base_code in ('staff', 'budget')
            group by all
        )
        select * from expected where base_value <> from_return or base_as_at <> quarter_end
    """).fetchall()
    assert wrong == []
    first_return, first_month = marts.sql("""
        select min(last_month), (select min(period) from marts.fct_metric_rates where period_type = 'month')
        from marts.fct_unit_resources_quarterly
    """).fetchone()
    assert first_month < first_return, "the demo should have months before the first resources return"
    before = marts.sql("""
        select count(*) filter (where base_code in ('staff', 'budget')), count(*) filter (where base_code = 'population')
        from marts.fct_metric_rates where period_type = 'month' and period < ?
    """, params=[first_return]).fetchone()
    assert before[0] == 0 and before[1] > 0
    # the funnel offers every base the seed lists, scaled and worded as the seed says
    offered = marts.sql("""
        select s.base_code, s.per, s.rate_label, count(f.rocu_code), min(f.rate_scale), min(f.rate_per)
        from marts.dim_rate_scale s left join marts.fct_metric_funnel f on f.base_name = s.base_code
        group by all order by s.base_code
    """).fetchall()
    assert all(n > 0 and scale == per and words == label for _, per, label, n, scale, words in offered), offered


def test_the_national_page_compares_per_staff_and_per_budget_and_shows_cost_per_outcome(built_demo, monkeypatch):
    """The funnel offers every base of dim_rate_scale (a new base needs no page change) and, per 100
    ROCU staff, plots the staff figures; the cost per arrest is shown per unit beside the network
    figure, not ranked, with its part periods marked; a money outcome says why it is not costed."""
    from tests.test_dashboard_apptest import open_section, run, sql, table, texts

    st_caches_clear()
    monkeypatch.setenv("ROCU_VAR_DIR", str(built_demo))
    year = "2025/26"
    at = run("national", metric="PUR_ARRESTS", period_type="financial_year", period=year)
    radio = at.radio(key="funnel_base")
    assert list(radio.options) == ["per 100,000 population", "per 100 officers", "per 100 ROCU staff",
                                   "per £1m of budget"]
    radio.set_value("staff").run()
    assert not at.exception, [e.value for e in at.exception]
    points = next(d for d in chart_datasets(at) if "rate_per" in d.columns)
    assert set(points["rate_per"]) == {"per 100 ROCU staff"}
    assert set(points["base_label"]) == {"ROCU staff in post (headcount)"}

    costs = table(open_section(at, "Spend per outcome"), "Spend per outcome")
    expected = sql(built_demo, "select count(*), any_value(network_cost_per_outcome_gbp) from marts.fct_cost_per_outcome"
                               " where metric_id = 'PUR_ARRESTS' and period_type = 'financial_year' and period = ?",
                   year)[0]
    assert len(costs) == expected[0] == 9 and "Rank" not in costs.columns
    assert f"£{expected[1]:,.0f}" in [m.value for m in at.metric]
    assert "Spend per arrest" in texts(at.caption)

    st_caches_clear()
    at = run("national", metric="PUR_CASH_SEIZED", period_type="financial_year", period=year,
             section="Spend per outcome")
    assert "Not costed: pounds spent per pound seized" in texts(at.caption)


def chart_datasets(at) -> list:
    """Every dataset of every chart on the page (a layered chart carries one per layer)."""
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df as to_frame

    return [to_frame(d.data.data) for chart in at.get("vega_lite_chart") for d in chart.proto.datasets]
