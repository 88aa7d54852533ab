"""The Admin page in a real browser: an administrator signs in, sees NEROCU's unmapped label with
its suggested metric, accepts it, and the mapping is in the configuration store and the audit
trail. On a deployment of the test's own (tests/test_admin_page.py `submitted`): no warehouse."""

from __future__ import annotations

import re
import shutil

import pytest
from playwright.sync_api import expect, sync_playwright

from pipelines.access import AuditLog
from pipelines.config_store import ConfigStore
from pipelines.settings import Paths
from tests.browser import CHROMIUM, CHROMIUM_ARGS, screenshot, streamlit_server, wait_until_idle
from tests.conftest import make_session
from tests.test_admin_page import submitted  # noqa: F401 (the fixture)
from tests.test_dashboard_browser import open_as

pytestmark = pytest.mark.browser
WAIT = 30_000


def test_admin_accepts_the_suggested_metric_for_an_unmapped_label(submitted, artifacts, tmp_path):  # noqa: F811
    var = tmp_path / "var"
    shutil.copytree(submitted, var)
    admin = make_session(var, "admin").username
    with streamlit_server(var, artifacts / "streamlit_admin.log") as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        open_as(page, f"{url}/admin", admin)
        expect(page.get_by_text("NEROCU: 'Fraud victims helped'", exact=False)).to_be_visible(timeout=WAIT)
        accept = page.get_by_role("button", name=re.compile(r"^Accept: map to Fraud victims supported"))
        expect(accept).to_be_visible(timeout=WAIT)
        screenshot(page, artifacts / "admin_suggestion.png")
        wait_until_idle(page)
        accept.click()
        expect(page.get_by_text("'Fraud victims helped' now maps to Fraud victims supported", exact=False)
               ).to_be_visible(timeout=WAIT)
        screenshot(page, artifacts / "admin_accepted.png")
        browser.close()
    (change,) = ConfigStore.at(Paths(var)).changes()
    assert (change.actor, change.after["metric_id"]) == (admin, "PRO_FRAUD_VICTIMS_SUPPORTED")
    assert [r.actor for r in AuditLog.at(Paths(var)).records() if r.action == "mapping_change"] == [admin]
