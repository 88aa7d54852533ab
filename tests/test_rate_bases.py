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
OFFICER_LABEL = re.compile(r"^per officer \(\d{1,2} [A-Z][a-z]+ \d{4}(, provisional|, approximate)?\)$")


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
        expected = "per officer (31 March 2025)" if period >= "2025-03" else "per officer (30 September 2019)"
        assert labels == [expected], (period, labels)


def test_the_provisional_population_says_so_and_the_change_of_base_is_marked(marts):
    used = dict(marts.sql("""
        select period, list_distinct(list(population_base_label)) from marts.fct_metric_comparison
        where period_type = 'month' and per_100k_population is not null group by period
    """).fetchall())
    for period, labels in used.items():
        if period >= "2024-06":
            assert labels == ["per 100,000 population (mid-2024, provisional)"], (period, labels)
    # The change of base sits on the first month of each unit's series on the new officers: March
    # 2025, or the first month after it the unit reported; population changed before the demo starts.
    wrong = marts.sql("""
        with series as (
            select rocu_code, metric_id, period, officers_base_changed, officer_base_label,
                min(period) filter (where officer_base_label = 'per officer (31 March 2025)')
                    over (partition by rocu_code, metric_id) as first_on_2025,
                min(period) over (partition by rocu_code, metric_id) as first_reported
            from marts.fct_metric_comparison where period_type = 'month'
        )
        select rocu_code, metric_id, period from series
        where officers_base_changed <> (period = first_on_2025 and first_reported < first_on_2025)
    """).fetchall()
    assert wrong == []
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

    from tests.test_dashboard_apptest import chart_data, run, table

    st_caches_clear()
    monkeypatch.setenv("ROCU_VAR_DIR", str(built_demo))
    at = run("regional", unit="EMSOU", metric="PUR_ARRESTS", period_type="month", period="2025-06")
    rows = table(at, "Bases of the rates")
    mine = rows[rows["Unit"] == "East Midlands"].iloc[0]
    assert mine["Bases of the rates"] == ("per 100,000 population (mid-2024, provisional); "
                                          "per officer (31 March 2025)")
    at.radio(key="trend_rate").set_value("per officer").run()
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
    assert set(shown["Base of per officer"]) == {"per officer (31 March 2025)"}


def st_caches_clear() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
