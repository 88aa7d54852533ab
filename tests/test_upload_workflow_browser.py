"""The upload workflow as a person sees it in a real browser: check without submitting, then submit
with the reason the late, replacing return needs; then another person signs it off from the
approver's queue. On a copy of the shared build (built_demo_copy): it adds a version and a sign-off."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from pipelines.access import AuditLog
from pipelines.intake.api import LandingZone
from pipelines.settings import Paths
from tests.browser import CHROMIUM, CHROMIUM_ARGS, screenshot, streamlit_server, wait_until_idle
from tests.conftest import make_session
from tests.test_dashboard_browser import open_as

pytestmark = pytest.mark.browser
WAIT = 30_000
UNIT = "ERSOU"


def test_check_then_submit_with_a_reason_then_sign_off_from_the_queue(built_demo_copy, artifacts, tmp_path):
    paths = Paths(built_demo_copy)
    with (paths.demo / "manifest.csv").open() as f:
        normal = [r for r in csv.DictReader(f) if r["rocu_code"] == UNIT and r["scenario"] == "normal"][-1]
    month = normal["period"]
    good = tmp_path / Path(normal["path"]).name  # the same figures re-saved: a new version, signed-off figures kept
    good.write_bytes((paths.demo / normal["path"]).read_bytes() + b"\r\n")
    zone = LandingZone(paths.landing)
    before = len(zone.registry.submissions())
    version = 1 + max(s.version for s in zone.registry.submissions() if (s.rocu_code, s.period) == (UNIT, month))
    submitter, approver = (make_session(built_demo_copy, role, UNIT).username
                           for role in ("unit_submitter", "unit_approver"))

    with streamlit_server(built_demo_copy, artifacts / "streamlit_upload_workflow.log") as url, \
            sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        open_as(page, f"{url}/upload?unit={UNIT}&month={month}", submitter)
        expect(page.get_by_text(re.compile(r"^Deadline: end of \d+ \w+ \d{4}\. Status: Signed off"))
               ).to_be_visible(timeout=WAIT)
        page.locator("[data-testid=stFileUploader] input[type=file]").set_input_files(str(good))
        expect(page.get_by_text(good.name).first).to_be_visible(timeout=WAIT)
        wait_until_idle(page)
        expect(page.get_by_role("button", name="Check without submitting")).to_be_enabled(timeout=WAIT)
        page.get_by_role("button", name="Check without submitting").click()
        expect(page.get_by_text(re.compile(rf"^Checked, not submitted: {re.escape(good.name)} would be accepted"))
               ).to_be_visible(timeout=WAIT)
        assert len(zone.registry.submissions()) == before  # a check is not a submission
        expect(page.get_by_text("this submission is late", exact=False)).to_be_visible()
        expect(page.get_by_text("if this file is accepted it replaces the signed-off figures", exact=False)
               ).to_be_visible()
        screenshot(page, artifacts / "upload_checked.png")

        reason = page.get_by_label(re.compile("^Reason"))
        reason.fill("Re-sent to test the upload workflow.")
        reason.press("Control+Enter")
        wait_until_idle(page)
        page.get_by_role("button", name="Submit", exact=True).click()
        expect(page.get_by_text(re.compile(rf"^Accepted\. {re.escape(good.name)} for Eastern, .* version {version}:"))
               ).to_be_visible(timeout=WAIT)
        upload = [r for r in AuditLog.at(paths).records() if r.action == "upload"][-1]
        assert (upload.actor, upload.detail["reason"]) == (submitter, "Re-sent to test the upload workflow.")
        screenshot(page, artifacts / "upload_submitted.png")

        open_as(page, f"{url}/upload?unit={UNIT}&month={month}", approver)
        expect(page.get_by_role("heading", name="Returns waiting for your sign-off")).to_be_visible(timeout=WAIT)
        sign = page.get_by_role("button", name=f"Sign off version {version} ({good.name})")
        expect(sign).to_be_visible(timeout=WAIT)
        screenshot(page, artifacts / "upload_sign_off_queue.png")
        wait_until_idle(page)
        sign.click()
        expect(page.get_by_text(f"Version {version} signed off by {approver}.", exact=False)).to_be_visible(timeout=WAIT)
        browser.close()
    (second,) = [s for s in zone.registry.submissions() if (s.rocu_code, s.period, s.version) == (UNIT, month, version)]
    assert second.submission_id in {a["submission_id"] for a in zone.registry.approvals()}
