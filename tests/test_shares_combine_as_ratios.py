"""Percentages carry their base and combine as ratios (issue 12, item 5).

The cyber protect questionnaire share (PRO_CYBER_IMPROVED_PCT) is reported with its respondents
(PRO_CYBER_RESPONDENTS). On the built demo, every period's unit figure and the network figure
must be the summed respondents reporting a change over the summed respondents, with that base
in the mart, never the mean of the monthly or the units' percentages.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines.settings import Paths

SHARE = "PRO_CYBER_IMPROVED_PCT"


@pytest.fixture(scope="module")
def marts(built_demo: Path):
    con = duckdb.connect(str(Paths(built_demo).published), read_only=True)
    yield con
    con.close()


def test_a_unit_share_over_a_year_is_a_ratio_of_its_monthly_counts(marts) -> None:
    rows = marts.execute(
        """
        select c.rocu_code, c.period, c.value, c.numerator, c.denominator,
               sum(m.numerator), sum(m.denominator), avg(m.value)
        from marts.fct_metric_comparison c
        join marts.fct_metric_monthly m
            on m.rocu_code = c.rocu_code and m.metric_id = c.metric_id
            and m.financial_year = c.period
        where c.metric_id = ? and c.period_type = 'financial_year'
        group by all
        """, [SHARE]).fetchall()
    assert rows, "the demo reports the cyber protect share"
    differs = 0
    for unit, year, value, num, den, month_num, month_den, mean_of_months in rows:
        assert den and den == pytest.approx(month_den), (unit, year)
        assert num == pytest.approx(month_num)
        assert value == pytest.approx(100 * month_num / month_den), (unit, year)
        differs += abs(value - mean_of_months) > 0.05
    assert differs, "on the demo, the ratio of sums differs from the mean of monthly percentages somewhere"


def test_the_network_share_is_a_ratio_of_sums_with_its_base(marts) -> None:
    rows = marts.execute(
        """
        select n.period, n.national_value, n.national_numerator, n.national_denominator,
               sum(c.numerator), sum(c.denominator), avg(c.value)
        from marts.fct_metric_network n
        join marts.fct_metric_comparison c using (metric_id, period_type, period)
        where n.metric_id = ? and n.period_type = 'quarter'
        group by all
        """, [SHARE]).fetchall()
    assert rows
    differs = 0
    for period, value, num, den, units_num, units_den, mean_of_units in rows:
        assert den == pytest.approx(units_den) and num == pytest.approx(units_num), period
        assert value == pytest.approx(100 * units_num / units_den), period
        differs += abs(value - mean_of_units) > 0.05
    assert differs, "on the demo, the network ratio differs from the mean of the units' percentages somewhere"
