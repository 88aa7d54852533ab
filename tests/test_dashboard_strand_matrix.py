"""The threat page's threat area x 4P matrix shows fct_strand_impact_matrix as the mart says: each
cell the impact-weighted disruptions and the strand's share of the area, the unit's mix first."""

from __future__ import annotations

from tests.test_dashboard_apptest import run, sql, table, var  # noqa: F401


def test_the_matrix_shows_each_cell_weighted_by_impact_as_the_mart_says(var):
    ((year,),) = sql(var, "select max(period) from marts.fct_strand_impact_matrix where period_type = 'financial_year'"
                          " and rocu_code = 'NWROCU'")
    at = run("threat", unit="NWROCU", period_type="financial_year", period=year, section="By threat area")
    cells = sql(var, "select threat_area_name, strand_name, disruptions, impact_weighted_disruptions,"
                     " impact_weighted_share_pct from marts.fct_strand_impact_matrix"
                     " where rocu_code = 'NWROCU' and period_type = 'financial_year' and period = ?", year)
    shown = table(at, "Pursue").set_index("Threat area")
    assert list(shown.columns) == ["Pursue", "Prevent", "Protect", "Prepare"]
    assert shown.index[0] == "All threat areas"
    for area, strand, n, weighted, share in cells:
        assert shown.loc[area, strand] == (f"{weighted:,.0f} ({share:.1f}%)" if n else "none"), (area, strand)
