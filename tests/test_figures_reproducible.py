"""The same inputs build the same figures, to the last bit: DuckDB adds rows in parallel, so a plain
sum of fractions could come out a last digit apart from one build to the next, and the publish would
copy marts whose figures did not change (dbt_project/macros/exact_sum.sql)."""

from pathlib import Path

import duckdb

from tests.conftest import run_dbt

# the network-wide marts a unit's return moves, built on the sums of values and bases across units
MARTS = ["fct_metric_rates", "fct_metric_funnel", "fct_metric_funnel_limits", "fct_metric_trend_limits",
         "fct_metric_comparison", "fct_metric_peer_comparison"]


def test_building_the_network_wide_marts_again_from_the_same_inputs_changes_no_row(built_demo_copy: Path, tmp_path):
    warehouse = built_demo_copy / "warehouse" / "rocu.duckdb"
    differing = {}
    for build in range(2):
        # the marts and the views they read (a view's SQL is the one it was created with)
        done = run_dbt(["run", "--select", *MARTS, *(f"+{mart},config.materialized:view" for mart in MARTS)],
                       warehouse, tmp_path / f"build{build}")
        assert done.returncode == 0, done.stdout[-2000:]
        con = duckdb.connect(str(warehouse))
        try:
            if build:
                differing = {mart: con.execute(
                    f"select (select count(*) from (select * from marts.{mart} except all select * from before.{mart}))"
                    f" + (select count(*) from (select * from before.{mart} except all select * from marts.{mart}))"
                ).fetchone()[0] for mart in MARTS}
                rows = {mart: con.execute(f"select count(*) from marts.{mart}").fetchone()[0] for mart in MARTS}
            con.execute("create schema if not exists before")
            for mart in MARTS:
                con.execute(f"create or replace table before.{mart} as select * from marts.{mart}")
        finally:
            con.close()
    assert all(rows.values())
    assert differing == dict.fromkeys(MARTS, 0)
