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
    changed = marts.sql("""
        select distinct period from marts.fct_metric_comparison
        where period_type = 'month' and officers_base_changed
    """).fetchall()
    assert changed == [("2025-03",)]
