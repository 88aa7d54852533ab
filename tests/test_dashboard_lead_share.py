"""The national and regional pages show the share of the region's disruptions led by the ROCU,
as the mart computes it, with its base ("n of N disruptions") and small bases marked."""

from __future__ import annotations

from tests.test_dashboard_apptest import complete_year, fresh_caches, run, sql, table, var  # noqa: F401

HEADLINE = "Share of the region's disruptions led by the ROCU"


def written(led: int, base: int, pct: float, small: bool) -> str:
    return f"{led:,} of {base:,} disruptions (small base)" if small else f"{pct:.0f}% ({led:,} of {base:,} disruptions)"


def test_national_page_gives_the_network_share_and_each_unit_led_and_supported(var):
    year = complete_year(var)
    at = run("national", metric="PUR_ARRESTS", period_type="financial_year", period=year, section="Disruptions led")
    rows = sql(var, "select r.rocu_name, s.led, s.supported, s.lead_base, s.led_share_pct, s.is_small_base,"
                    " s.network_led, s.network_lead_base, s.network_led_share_pct, s.network_is_small_base"
                    " from marts.fct_disruptions_lead_share s join marts.dim_rocu r using (rocu_code)"
                    " where s.period_type = 'financial_year' and s.period = ?", year)
    headline = next(m for m in at.metric if m.label.startswith(HEADLINE))
    assert headline.value == written(*rows[0][6:10])
    shown = table(at, "Share led by the unit").set_index("Unit")
    assert len(shown) == len(rows) == 9
    for name, led, supported, base, pct, small, *_ in rows:
        assert shown.loc[name, "Led by the unit"] == f"{led:,}"
        assert shown.loc[name, "Supported by the unit"] == f"{supported:,}"
        assert shown.loc[name, "Share led by the unit"] == written(led, base, pct, small)


def test_regional_page_gives_the_unit_share_beside_the_network_and_marks_a_small_base(var):
    # The month with the smallest EMSOU base: a small base is written as a count, never a percentage.
    ((month, led, base, pct, small),) = sql(
        var, "select s.period, s.led, s.lead_base, s.led_share_pct, s.is_small_base"
             " from marts.fct_disruptions_lead_share s join marts.fct_metric_comparison c using (rocu_code, period_type,"
             " period) where s.rocu_code = 'EMSOU' and s.period_type = 'month' and c.metric_id = 'PUR_ARRESTS'"
             " order by s.lead_base, s.period limit 1")
    at = run("regional", unit="EMSOU", metric="PUR_ARRESTS", period_type="month", period=month,
             section="Disruptions led")
    mine = next(m for m in at.metric if m.label.startswith(HEADLINE))
    assert mine.value == written(led, base, pct, small)
    assert ("small base" in mine.value) == (base < 10)
    assert "%" not in mine.value or base >= 10
