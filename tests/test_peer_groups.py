"""Peer groups built from the data (dim_unit_peer_group, docs/peer-groups.md), on the demo build:
every unit in one group of every grouping, the groups mean something on the demo's data, and the
peer median of fct_metric_comparison is the median over the default grouping's group."""

from __future__ import annotations

import statistics
from pathlib import Path

import duckdb
import pytest

from pipelines.settings import Paths


@pytest.fixture(scope="module")
def con(built_demo: Path):
    con = duckdb.connect(str(Paths(built_demo).published), read_only=True)
    yield con
    con.close()


def test_a_year_with_resources_returns_has_every_unit_in_a_group_of_each_grouping(con) -> None:
    (year,) = con.execute("select max(financial_year) from marts.fct_unit_resources_quarterly").fetchone()
    rows = con.execute("select grouping_code, peer_group_code, count(*) from marts.dim_unit_peer_group"
                       " where financial_year = ? and is_grouped group by all", [year]).fetchall()
    groups: dict[str, dict[str, int]] = {}
    for grouping, group, units in rows:
        groups.setdefault(grouping, {})[group] = units
    assert groups["ALL"] == {"ALL": 9}
    # thirds of nine units with a return each; the operating model splits the units, not one group of nine
    assert sorted(groups["FUNDING_PER_HEAD"].values()) == [3, 3, 3]
    assert sorted(groups["SIZE"].values()) == [3, 3, 3]
    assert sum(groups["OPERATING_MODEL"].values()) == 9 and len(groups["OPERATING_MODEL"]) >= 2


def test_the_peer_median_is_the_median_of_the_default_grouping_group(con) -> None:
    rows = con.execute("""
        select c.rocu_code, c.per_100k_population, c.peer_group_id, c.peer_median_per_100k, p.peer_median_per_100k,
               p.grouping_code
        from marts.fct_metric_comparison c join marts.fct_metric_peer_comparison p
            using (rocu_code, metric_id, period_type, period)
        where c.metric_id = 'PUR_ARRESTS' and c.period_type = 'financial_quarter'
            and c.period = (select max(period) from marts.fct_metric_comparison where period_type = 'financial_quarter')
            and p.is_default_grouping""").fetchall()
    assert len(rows) == 9 and {r[5] for r in rows} == {"FUNDING_PER_HEAD"}
    for unit, _, group, median, per_grouping_median, _ in rows:
        members = [r[1] for r in rows if r[2] == group]
        assert median == pytest.approx(statistics.median(members)) == pytest.approx(per_grouping_median), unit
