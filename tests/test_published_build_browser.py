"""A running server shows what it says, in a real browser: publish a new build with a changed
figure while the server runs, and the open page moves to it by itself (no click, no reload), says
so, and shows the new figure and the new build; a new session on the server shows them too."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest
from playwright.sync_api import expect, sync_playwright

from pipelines.access.audit import AuditLog
from pipelines.serving.publish import SLOT_FILES, publish_copy
from pipelines.settings import Paths
from tests.browser import CHROMIUM, CHROMIUM_ARGS, screenshot, streamlit_server
from tests.test_dashboard_browser import ANALYST, WAIT, open_as, sign_in

pytestmark = pytest.mark.browser

TOTAL = ("select national_value from marts.fct_metric_network where metric_id = 'PUR_ARRESTS'"
         " and period_type = 'financial_year' and period = ?")


@pytest.fixture
def own_var(built_demo: Path, tmp_path: Path) -> Path:
    """A copy of the demo var folder (the shared one is never republished); the accounts come with it."""
    from tests.conftest import make_session

    make_session(built_demo, "nocc_analyst")
    var = tmp_path / "var"
    shutil.copytree(built_demo, var, ignore=shutil.ignore_patterns("dagster_home", "demo", "warehouse", SLOT_FILES))
    return var


def figure_of(var: Path, year: str) -> float:
    con = duckdb.connect(str(Paths(var).published), read_only=True)
    try:
        return con.execute(TOTAL, [year]).fetchone()[0]
    finally:
        con.close()


def test_an_open_page_moves_to_a_new_build_by_itself_and_a_new_session_shows_it_too(own_var: Path, tmp_path: Path, artifacts: Path):
    with streamlit_server(own_var, artifacts / "streamlit-republish.log") as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        open_as(page, url, ANALYST)
        heading = page.get_by_text(re.compile(r"Arrests against the network: funnel plot, financial year (20\d\d/\d\d)"))
        expect(heading).to_be_visible(timeout=WAIT)
        year = re.search(r"20\d\d/\d\d", heading.inner_text()).group(0)
        before = figure_of(own_var, year)
        total = page.get_by_test_id("stMetricValue").first
        expect(total).to_have_text(f"{before:,.0f}", timeout=WAIT)
        expect(page.get_by_text("Data published", exact=False)).to_be_visible()
        screenshot(page, artifacts / "republish-before.png")

        # The pipeline publishes a new build with one figure changed, while the server runs.
        work = tmp_path / "work" / "rocu.duckdb"
        work.parent.mkdir()
        shutil.copyfile(Paths(own_var).published, work)
        con = duckdb.connect(str(work))
        con.execute("update marts.fct_metric_network set national_value = national_value + 1234"
                    " where metric_id = 'PUR_ARRESTS'")
        con.close()
        info = publish_copy(work, Paths(own_var).published, AuditLog.at(Paths(own_var)))
        after = figure_of(own_var, year)
        assert after == before + 1234

        # Nothing is clicked: the open page finds the new build within about a second and draws it.
        expect(total).to_have_text(f"{after:,.0f}", timeout=15_000)
        expect(page.get_by_test_id("stToast").filter(has_text="Figures updated")).to_be_visible(timeout=WAIT)
        expect(page.get_by_test_id("stSidebar").get_by_text(f"build {info.build_id[:8]}", exact=False)).to_be_visible()
        screenshot(page, artifacts / "republish-moved.png")

        page.reload()  # a new browser session on the same server process (and its caches)
        sign_in(page, ANALYST)
        expect(page.get_by_test_id("stMetricValue").first).to_have_text(f"{after:,.0f}", timeout=WAIT)
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar.get_by_text(f"Data published {info.published_at[:19].replace('T', ' ')} UTC",
                                   exact=False)).to_be_visible(timeout=WAIT)
        expect(sidebar.get_by_text(f"build {info.build_id[:8]}", exact=False)).to_be_visible()
        screenshot(page, artifacts / "republish-after.png")
        browser.close()
