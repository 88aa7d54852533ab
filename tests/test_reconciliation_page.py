"""The Reconciliation page shows fct_reconciliation as the mart holds it: both sides, the difference
and whether it needs a query, by default only the disagreements above their threshold, and a unit's
people only their own unit. The figures are the mart's (its dbt unit tests cover how they are made):
here hand-made rows replace the mart's in a copy of the published build."""

from __future__ import annotations

import duckdb
import pytest

from pipelines.settings import Paths
from tests.test_dashboard_apptest import fresh_caches, run, table  # noqa: F401

COLUMNS = ("check_code, check_name, rocu_code, month, metric_id, metric_name, unit, reported_side, reference_side, "
           "reported_value, reference_value, reported_version, reference_version, difference, absolute_difference, "
           "relative_difference_pct, agrees, min_absolute_difference, min_relative_difference_pct, "
           "is_above_threshold, needs_query")
ROWS = [
    ("disruptions_return_vs_extract", "Disruptions: the return against the disruption extract", "EMSOU", "2025-04",
     "DIS_TOTAL", "Disruptions", "count", "Monthly return", "Disruption extract", 12, 10, None, None, 2, 2, 20.0,
     False, 1, 10, True, True),
    ("figure_versions", "The same figure in two versions", "NEROCU", "2025-06", "PUR_ARRESTS", "Arrests", "count",
     "Current version", "Previous accepted version", 60, 50, 3, 2, 10, 10, 20.0, False, 1, 10, True, True),
    ("unit_total_vs_force_split", "A unit's total against the sum of its force split", "EMSOU", "2025-05",
     "PUR_ARRESTS", "Arrests", "count", "Unit total on the return", "Sum of the force rows", 20, 20, None, None,
     0, 0, 0.0, True, 1, 1, False, False),
]


@pytest.fixture
def var(built_demo_copy):
    con = duckdb.connect(str(Paths(built_demo_copy).published))
    try:
        con.execute("delete from marts.fct_reconciliation")
        con.executemany(f"insert into marts.fct_reconciliation ({COLUMNS}) values "
                        f"({', '.join('?' * len(ROWS[0]))})", ROWS)
    finally:
        con.close()
    return built_demo_copy


def test_the_analyst_sees_every_disagreement_needing_a_query_with_both_sides(var):
    at = run("reconciliation")
    shown = table(at, "Needs a query")
    assert shown["Unit"].tolist() == ["East Midlands", "North East"]
    first = shown.iloc[0]
    assert first["Reported"] == "Monthly return: 12" and first["Against"] == "Disruption extract: 10"
    assert (first["Difference"], first["Relative size"], first["Needs a query"]) == ("+2", "20.0%", "Yes")
    assert shown.iloc[1]["Reported"] == "Current version: 60 (version 3)"
    assert shown.iloc[1]["Against"] == "Previous accepted version: 50 (version 2)"


def test_turning_the_filter_off_shows_the_figures_that_agree(var):
    at = run("reconciliation")
    at.toggle(key="only_queries").set_value(False).run()
    shown = table(at, "Needs a query")
    assert len(shown) == 3 and shown["Needs a query"].tolist().count("No") == 1


def test_a_units_people_see_their_own_unit_only(var):
    at = run("reconciliation", as_role="unit_submitter", as_unit="NEROCU")
    shown = table(at, "Needs a query")
    assert shown["Unit"].tolist() == ["North East"]
    assert at.selectbox(key="w_unit").options[1:] == ["North East (NEROCU)"]
