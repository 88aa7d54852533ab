"""Resources returns and the capability register in the built demo warehouse (the shared build)."""

from __future__ import annotations

import duckdb
import pytest

from pipelines.settings import Paths


@pytest.fixture(scope="module")
def published(built_demo):
    con = duckdb.connect(str(Paths(built_demo).published), read_only=True)
    yield con
    con.close()


def test_every_unit_and_whole_quarter_has_its_resources_and_the_network_looks_like_the_public_figures(published):
    rows = published.sql("select count(*), count(distinct rocu_code), count(distinct quarter)"
                         " from marts.fct_unit_resources_quarterly").fetchone()
    assert rows == (9 * 7, 9, 7)  # 24 demo months to 2026-10 hold seven whole financial quarters
    staff, budget, home_office = published.sql(
        "select sum(staff_in_post), sum(total_budget_gbp), sum(budget_home_office_gbp) / sum(total_budget_gbp)"
        " from marts.fct_unit_resources_quarterly where quarter = '2025-Q1'").fetchone()
    assert 3_000 < staff < 3_800 and 166e6 < budget < 260e6 and 0.27 < home_office < 0.33
    # every unit's staff add up by role and by contract (the intake's rule), and shares are of pounds
    assert published.sql("select count(*) from marts.fct_unit_resources_quarterly"
                         " where staff_in_post <> permanent_staff + fixed_term_staff"
                         " or abs(home_office_share_pct - round(100 * budget_home_office_gbp / total_budget_gbp, 1))"
                         " > 0.05").fetchone() == (0,)
    agencies = published.sql("select count(distinct detail) from marts.fct_unit_resource_lines_quarterly"
                             " where item = 'partner_embeds'").fetchone()[0]
    assert agencies >= 4


def test_completeness_expects_only_what_a_units_capabilities_produce(published):
    held = published.sql("select is_available from marts.dim_unit_capability_monthly where rocu_code = 'NWROCU'"
                         " and capability_code = 'COUNTY_LINES' and month in ('2025-03', '2025-04') order by month"
                         ).fetchall()
    assert held == [(True,), (False,)]  # the register's dated spell ended on 31 March 2025
    # SWROCU has no CSEA capability: its missing CSEA metrics are not counted as not reported
    assert published.sql("select count(*) from marts.fct_metrics_not_reported_quarterly where rocu_code = 'SWROCU'"
                         " and metric_id in ('PUR_CSEA_ARRESTS', 'PRO_CHILDREN_SAFEGUARDED')").fetchone() == (0,)
    # NWROCU does not report county lines closed: not reported while it held the capability, not after
    quarters = {q for (q,) in published.sql(
        "select quarter from marts.fct_metrics_not_reported_quarterly where rocu_code = 'NWROCU'"
        " and metric_id = 'PUR_COUNTY_LINES_CLOSED' and quarter_scheme = 'financial'").fetchall()}
    assert "2024-Q4" in quarters and not quarters & {"2025-Q1", "2025-Q2"}
