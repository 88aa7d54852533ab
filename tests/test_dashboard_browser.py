"""The dashboards as a person sees them: a real Streamlit server and Debian's chromium."""

import re

import pytest
from playwright.sync_api import expect, sync_playwright

from pipelines import reference
from tests.browser import CHROMIUM, CHROMIUM_ARGS, streamlit_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app_url(built_demo, artifacts):
    with streamlit_server(built_demo, artifacts / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="module")
def page(app_url):
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        yield page
        browser.close()


def test_national_overview_reads_the_published_warehouse(page, app_url, artifacts):
    page.goto(f"{app_url}/national")
    expect(page.get_by_role("heading", name="National overview")).to_be_visible(timeout=30_000)
    # The period picker is filled from the warehouse, so only real data shows a financial year.
    expect(page.get_by_text(re.compile(r"Arrests per 100,000 population by unit, financial year 20\d\d/\d\d"))
           ).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Where units are strong or weak", exact=False)).to_be_visible()
    expect(page.locator("[data-testid='stVegaLiteChart'], .vega-embed").first).to_be_visible(timeout=30_000)
    page.screenshot(path=str(artifacts / "national.png"), full_page=True)


def test_catalogue_search_filters_metrics(page, app_url, artifacts):
    page.goto(f"{app_url}/catalogue")
    expect(page.get_by_role("heading", name="Common performance framework")).to_be_visible(timeout=30_000)
    metrics = reference.metrics()
    expect(page.get_by_text(f"{metrics.height} metrics", exact=True)).to_be_visible(timeout=30_000)
    cyber = sum("cyber" in " ".join(map(str, row)).lower() for row in metrics.iter_rows())
    page.get_by_label("Search metrics").fill("cyber")
    page.get_by_label("Search metrics").press("Enter")
    expect(page.get_by_text(f"{cyber} metrics", exact=True)).to_be_visible(timeout=30_000)
    page.screenshot(path=str(artifacts / "catalogue.png"), full_page=True)
