"""The Disruptions and threat page as a person sees it (a real Streamlit server and chromium): its
sections draw with data, and the link under "High-band OCGs untouched six months or more" ("Untouched
OCGs by month") lands on the drill-through with the OCG months behind that figure."""

import re

import duckdb
import pytest
from playwright.sync_api import expect

from pipelines.settings import Paths
from tests.browser import screenshot, wait_until_idle
from tests.test_dashboard_browser import ANALYST, WAIT, app_url, cell, open_as, page, unit_name  # noqa: F401

pytestmark = pytest.mark.browser


def figures(var) -> tuple:
    """A unit and whole financial year with untouched high-band groups, the groups and their month count."""
    con = duckdb.connect(str(Paths(var).published), read_only=True)
    try:
        unit, year, untouched = con.execute(
            "select rocu_code, period, high_band_untouched_6m from marts.fct_ocg_ledger_summary"
            " where threat_area_code = 'ALL' and period_type = 'financial_year' and months_in_period = 12"
            " and last_month like '%-03' and high_band_untouched_6m > 0"
            " order by period desc, high_band_untouched_6m desc, rocu_code limit 1").fetchone()
        refs = [r for (r,) in con.execute(
            "select ocg_ref from marts.fct_ocg_ledger_period_groups where rocu_code = ? and period_type ="
            " 'financial_year' and period = ? and morile_band = 'high' and is_untouched_6m order by ocg_ref",
            [unit, year]).fetchall()]
        (months,) = con.execute("select count(*) from marts.fct_ocg_ledger_monthly l join marts.dim_month d"
                                " using (month) where d.financial_year = ? and l.ocg_ref in ?", [year, refs]).fetchone()
        (validated,) = con.execute("select validated from marts.fct_disruption_validation where rocu_code = ?"
                                   " and period_type = 'financial_year' and period = ?", [unit, year]).fetchone()
    finally:
        con.close()
    return unit, year, untouched, refs, months, validated


def test_threat_page_sections_and_the_drill_to_the_untouched_ocgs_months(page, app_url, built_demo, artifacts):
    unit, year, untouched, refs, months, validated = figures(built_demo)
    name = unit_name(unit)
    open_as(page, f"{app_url}/threat?unit={unit}&period_type=financial_year&period={year}", ANALYST)
    expect(page.get_by_role("heading", name="Disruptions and threat")).to_be_visible(timeout=WAIT)
    # Each section opens on a click of its tab (only the open one is drawn), in the page's order.
    for tab, headings in (("OCGs held", [f"High-band OCGs held by forces and by {name}, month by month"]),
                          ("By threat area", [f"By threat area, financial year {year}",
                                              f"The 4Ps by impact, threat area by strand, financial year {year}"]),
                          ("Untouched OCGs", ["High-band OCGs untouched six months or more, "]),
                          ("Records and validation", [
                              f"Disruption records of every unit: how fresh, and how many are linked to an OCG, "
                              f"financial year {year}", f"Validation of disruption claims: backlog and lag, financial "
                                                        f"year {year}"]),
                          ("Disruptions", [f"{name}'s disruptions by threat area, 4P strand and impact level, "
                                           f"financial year {year}"])):
        page.get_by_role("tab", name=tab, exact=True).click()
        for heading in headings:
            expect(page.get_by_role("heading", name=heading)).to_be_visible(timeout=WAIT)
        if tab == "OCGs held":
            expect(page.locator("[data-testid='stVegaLiteChart'], .vega-embed").first).to_be_visible()
            screenshot(page, artifacts / "threat.png")
        if tab == "Untouched OCGs":
            expect(cell(page, refs[0])).to_be_visible(timeout=WAIT)  # the untouched groups, by reference
        if tab == "Records and validation":
            validation = page.get_by_role("row", name=re.compile(f"^{re.escape(name)} "))
            expect(validation.filter(has_text=f"{validated:,}").first).to_be_visible(timeout=WAIT)

    wait_until_idle(page)  # a run still going when the link is followed writes its own filters back
    page.get_by_text("Untouched OCGs by month", exact=True).click()
    expect(page).to_have_url(re.compile(r"figure=high_band_untouched_6m"), timeout=WAIT)
    expect(page.get_by_role("heading", name=re.compile(
        f"High-band OCGs untouched six months or more: {re.escape(name)}, All threat areas, financial year"))
           ).to_be_visible(timeout=WAIT)
    expect(page.get_by_role("heading", name=f"The {untouched} high-band OCGs untouched behind the figure")
           ).to_be_visible(timeout=WAIT)
    expect(page.get_by_role("heading", name=f"Their {months} OCG-months on the ledger in financial year {year}")
           ).to_be_visible(timeout=WAIT)  # thousands of OCG-months at the calibrated demo's scale
    for ref in refs[:3]:
        expect(cell(page, ref)).to_be_visible()
    assert f"unit={unit}" in page.url and "period_type=financial_year" in page.url
    screenshot(page, artifacts / "threat_drill.png")
