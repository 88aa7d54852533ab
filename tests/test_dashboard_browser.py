"""The dashboards as a person sees them: a real Streamlit server and Debian's chromium."""

import csv
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from pipelines.months import month_label
from pipelines import reference
from pipelines.intake.land.registry import Registry
from pipelines.settings import Paths
from tests.browser import CHROMIUM, CHROMIUM_ARGS, follow_link, screenshot, streamlit_server, wait_until_idle
from tests.conftest import PASSWORD, make_session

pytestmark = pytest.mark.browser
WAIT = 30_000
STATUS_WORDS = {"late": "Late", "missing": "Missing", "broken": "Rejected"}


ANALYST = "nocc_analyst.network"


@pytest.fixture(scope="module")
def app_url(built_demo, artifacts):
    for role, unit in [("nocc_analyst", None), ("unit_submitter", "ROCUWM"), ("unit_submitter", "ERSOU"),
                       ("unit_submitter", "EMSOU"), ("board_member", "TARIAN")]:
        make_session(built_demo, role, unit)  # the accounts the tests sign in with
    with streamlit_server(built_demo, artifacts / "streamlit.log") as url:
        yield url


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible(timeout=WAIT)
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def open_as(page, url: str, username: str) -> None:
    """Open an address in a new browser session and sign in; the page it names then opens."""
    page.goto(url)
    sign_in(page, username)
    expect(page.get_by_text(f"Signed in as {username}", exact=False)).to_be_visible(timeout=WAIT)


@pytest.fixture(scope="module")
def page(app_url):
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        yield page
        browser.close()


def manifest(var: Path, scenario: str) -> list[dict]:
    with (Paths(var).demo / "manifest.csv").open() as f:
        return [r for r in csv.DictReader(f) if r["scenario"] == scenario]


def unit_name(code: str) -> str:
    rocus = reference.rocus()
    return rocus.filter(rocus["rocu_code"] == code)["rocu_name"].item()


def cell(page, text: str):
    return page.get_by_role("cell", name=text, exact=True).first


def test_national_overview_reads_the_published_warehouse(page, app_url, artifacts):
    open_as(page, app_url, ANALYST)  # the default page lives at the root
    expect(page.get_by_role("heading", name="National overview")).to_be_visible(timeout=WAIT)
    # The period picker is filled from the warehouse, so only real data shows a financial year.
    expect(page.get_by_text(re.compile(r"Arrests against the network: funnel plot, financial year 20\d\d/\d\d"))
           ).to_be_visible(timeout=WAIT)
    # Issue 12: the funnel plot is drawn, with its legend of bands, and the table bands every unit.
    funnel = page.locator("[data-testid='stVegaLiteChart'], .vega-embed").first
    expect(funnel).to_be_visible(timeout=WAIT)
    expect(page.get_by_text("the 95% and 99.8% limits (exact Poisson)", exact=False)).to_be_visible()
    expect(page.get_by_text(re.compile(r"Rows and files behind .+ arrests"))).to_be_visible()
    screenshot(page, artifacts / "national.png")
    # The other sections open on a click (only the open one is drawn), each named in the address.
    page.get_by_role("tab", name="Strong and weak").click()
    expect(page.get_by_text("Where units are strong or weak", exact=False)).to_be_visible(timeout=WAIT)
    expect(page.get_by_text("the funnel plot", exact=False)).to_have_count(0)
    assert "section=Strong+and+weak" in page.url
    page.get_by_role("tab", name="Shares").click()
    expect(page.get_by_text(re.compile(r"Shares against the network: funnel plot, financial year"))
           ).to_be_visible(timeout=WAIT)


def test_catalogue_search_filters_metrics(page, app_url, artifacts):
    open_as(page, f"{app_url}/catalogue", ANALYST)
    expect(page.get_by_role("heading", name="Common performance framework")).to_be_visible(timeout=WAIT)
    metrics = reference.metrics()
    expect(page.get_by_text(f"{metrics.height} metrics", exact=True)).to_be_visible(timeout=WAIT)
    cyber = sum("cyber" in " ".join(map(str, row)).lower() for row in metrics.iter_rows())
    page.get_by_label("Search metrics").fill("cyber")
    page.get_by_label("Search metrics").press("Enter")
    expect(page.get_by_text(f"{cyber} metrics", exact=True)).to_be_visible(timeout=WAIT)
    screenshot(page, artifacts / "catalogue.png")


def test_regional_comparison_and_its_link_to_the_drill_through(page, app_url, artifacts):
    open_as(page, f"{app_url}/regional?unit=EMSOU&metric=PUR_ARRESTS&period_type=financial_year", ANALYST)
    expect(page.get_by_role("heading", name=re.compile(
        r"East Midlands beside its peers: Arrests per 100,000 population, financial year 20\d\d.\d\d"))
           ).to_be_visible(timeout=WAIT)
    expect(cell(page, "Network")).to_be_visible(timeout=WAIT)
    expect(page.get_by_role("cell", name=re.compile(r"^Peer median \("))).to_be_visible()
    # peers grouped by the default grouping, named with the year and why; the other groupings offered
    expect(page.get_by_text(re.compile(r"^Peers by funding per head, 20\d\d/\d\d: units with £[\d.]+–£[\d.]+ per head")).first
           ).to_be_visible()
    expect(page.get_by_label(re.compile("^Peers by")).first).to_be_visible()
    screenshot(page, artifacts / "regional.png")
    page.get_by_role("tab", name="Forces").click()
    forces = reference.current_forces()
    for force in forces.filter(forces["rocu_code"] == "EMSOU")["force_name"]:
        expect(cell(page, force)).to_be_visible(timeout=WAIT)
    page.get_by_role("tab", name="OCG threat").click()
    expect(cell(page, "East Midlands (unit)")).to_be_visible(timeout=WAIT)
    page.get_by_role("tab", name="Against the peer median").click()
    expect(page.get_by_role("heading", name=re.compile("against its peer median, month by month"))
           ).to_be_visible(timeout=WAIT)

    page.get_by_role("tab", name="Beside its peers").click()
    wait_until_idle(page)
    page.get_by_text("See the months, rows and files behind this figure").click()
    expect(page.get_by_role("heading", name=re.compile(
        r"Arrests for East Midlands, financial year 20\d\d.\d\d"))).to_be_visible(timeout=WAIT)
    expect(page.get_by_role("heading", name=re.compile(r"Month by month \(\d+ months\)"))).to_be_visible(timeout=WAIT)
    expect(page.get_by_text(re.compile(r"The \d+ months add up to [\d,]+, the figure for financial year"))
           ).to_be_visible()
    assert "unit=EMSOU" in page.url and "metric=PUR_ARRESTS" in page.url and "period_type=financial_year" in page.url
    screenshot(page, artifacts / "drill.png")

    # One month of it opens on its cells, versions and files.
    wait_until_idle(page)
    page.get_by_text(re.compile(r"^March 20\d\d: [\d,]+ from \d+ cells")).click()
    month_link = page.get_by_text(re.compile(r"Open March 20\d\d on its own"))
    expect(month_link).to_be_visible(timeout=WAIT)
    # a run still going when the link is followed writes its own filters back; a dropped click is made again
    follow_link(page, month_link, re.compile(r"period_type=month"))
    expect(page.get_by_role("heading", name=re.compile(r"Arrests for East Midlands, March 20\d\d"))
           ).to_be_visible(timeout=WAIT)
    expect(page.get_by_role("heading", name=re.compile(r"Cells behind the figure \(\d+ in the current version\)"))
           ).to_be_visible(timeout=WAIT)
    screenshot(page, artifacts / "drill_month.png")


def test_submissions_grid_shows_late_missing_and_rejected_and_opens_a_cell(page, app_url, built_demo, artifacts):
    open_as(page, f"{app_url}/submissions", ANALYST)
    expect(page.get_by_role("heading", name="Returns that need attention")).to_be_visible(timeout=WAIT)
    for status, words in STATUS_WORDS.items():
        row = manifest(built_demo, status)[0]
        expect(page.get_by_role("row", name=re.compile(
            f"{unit_name(row['rocu_code'])} {month_label(row['period'])} {words}"))).to_be_visible(timeout=WAIT)
    screenshot(page, artifacts / "submissions.png")

    # Click the missing month's cell in the grid: the page opens it below.
    missing = manifest(built_demo, "missing")[0]
    label = f"month: {missing['period']}; rocu_name: {unit_name(missing['rocu_code'])};"
    grid_cell = page.locator(f"[data-testid=stVegaLiteChart] path[aria-roledescription='rect mark'][aria-label*='{label}']")
    expect(grid_cell).to_have_count(1, timeout=WAIT)
    grid_cell.click()
    expect(page.get_by_text(f"{unit_name(missing['rocu_code'])}, {month_label(missing['period'])}: Missing.")
           ).to_be_visible(timeout=WAIT)
    expect(page.get_by_text("No file has been received")).to_be_visible()

    broken = manifest(built_demo, "broken")[0]
    open_as(page, f"{app_url}/submissions?unit={broken['rocu_code']}&month={broken['period']}", ANALYST)
    expect(page.get_by_text(re.compile(r"Version 1: Rejected"))).to_be_visible(timeout=WAIT)
    expect(cell(page, "tbc")).to_be_visible(timeout=WAIT)
    screenshot(page, artifacts / "submissions_rejected.png")


def upload(page, app_url: str, unit: str, month: str, path: Path) -> None:
    open_as(page, f"{app_url}/upload?unit={unit}&month={month}", f"unit_submitter.{unit.lower()}")
    expect(page.get_by_role("heading", name="Upload a return")).to_be_visible(timeout=WAIT)
    expect(page.get_by_text("after the next warehouse build", exact=False)).to_be_visible()
    page.locator("[data-testid=stFileUploader] input[type=file]").set_input_files(str(path))
    expect(page.get_by_text(path.name).first).to_be_visible(timeout=WAIT)
    # The file's name shows while it is still uploading: wait until the page's script has the file (its
    # buttons are enabled only then), so the reason's rerun below cannot overtake the upload.
    wait_until_idle(page)
    expect(page.get_by_role("button", name="Check without submitting")).to_be_enabled(timeout=WAIT)
    reason = page.get_by_label(re.compile("^Reason"))  # the demo's months are past their deadlines
    reason.fill("Sent after the deadline by the browser test.")
    reason.press("Control+Enter")
    wait_until_idle(page)
    submit = page.get_by_role("button", name="Submit", exact=True)
    expect(submit).to_be_enabled(timeout=WAIT)
    submit.click()


def test_upload_a_bad_then_a_good_return(page, app_url, built_demo, artifacts, tmp_path):
    demo = Paths(built_demo).demo
    broken = manifest(built_demo, "broken")[0]
    # A changed copy, so it is a new version rather than the same bytes again.
    bad = tmp_path / Path(broken["path"]).name
    bad.write_bytes((demo / broken["path"]).read_bytes() + b"\r\n")
    registry = Registry(Paths(built_demo).landing / "registry.sqlite")
    first = next(s for s in registry.submissions()
                 if (s.rocu_code, s.period, s.version) == (broken["rocu_code"], broken["period"], 1))
    problem = next(p for p in registry.problems(first.submission_id) if p["rule"] == "non_numeric_value")

    upload(page, app_url, broken["rocu_code"], broken["period"], bad)
    expect(page.get_by_text(re.compile(r"^Rejected: fix the errors below .* version 2: 2 errors"))
           ).to_be_visible(timeout=WAIT)
    expect(cell(page, problem["value"])).to_be_visible()
    expect(page.get_by_text(f"Row {problem['row']}, column {problem['column']} in {bad.name} holds "
                            f"'{problem['value']}'", exact=False)).to_be_visible()
    screenshot(page, artifacts / "upload_rejected.png")

    # A good return: the unit's latest file re-saved (same figures, so the warehouse totals stay as they are).
    normal = [r for r in manifest(built_demo, "normal") if r["rocu_code"] == "ERSOU"][-1]
    good = tmp_path / Path(normal["path"]).name
    good.write_bytes((demo / normal["path"]).read_bytes() + b"\r\n")
    upload(page, app_url, "ERSOU", normal["period"], good)
    expect(page.get_by_text(re.compile(rf"^Accepted\. {re.escape(good.name)} for Eastern, .* version 2: 0 errors"))
           ).to_be_visible(timeout=WAIT)
    expect(page.get_by_text("No problems were found.")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Versions received for Eastern"))).to_be_visible()
    screenshot(page, artifacts / "upload_accepted.png")


def counted(user, attempt: int) -> bool:
    """The store holds a refusal: its count, or the lock the fifth one sets (which clears the count)."""
    return user.failed_attempts >= attempt or (attempt == 5 and user.locked_until is not None)


def test_sign_in_refuses_a_wrong_password_and_locks_after_five(page, app_url, built_demo, artifacts):
    import time

    from pipelines.access import UserStore

    store = UserStore.at(Paths(built_demo))
    make_session(built_demo, "unit_approver", "SWROCU")
    page.goto(app_url)  # the default page is served at the root
    for attempt in range(1, 6):
        sign_in(page, "unit_approver.swrocu", "not the password at all")
        deadline = time.monotonic() + 30  # each refusal is counted on the server before the next try
        while not counted(store.get("unit_approver.swrocu"), attempt):
            assert time.monotonic() < deadline, f"refusal {attempt} was not counted within 30 s"
            time.sleep(0.1)
        expect(page.get_by_text(re.compile("is not right|is locked", re.I)).first).to_be_visible(timeout=WAIT)
    sign_in(page, "unit_approver.swrocu")  # the right password, too late
    expect(page.get_by_text(re.compile("account is locked", re.I)).first).to_be_visible(timeout=WAIT)
    expect(page.get_by_role("heading", name="National overview")).not_to_be_visible()
    screenshot(page, artifacts / "sign_in_locked.png")


def test_a_board_member_cannot_open_the_drill_through_by_its_address(page, app_url, artifacts):
    open_as(page, f"{app_url}/drill?unit=EMSOU&metric=PUR_ARRESTS", "board_member.tarian")
    expect(page.get_by_role("heading", name="Drill-through")).not_to_be_visible()
    expect(page.get_by_role("heading", name="National overview")).to_be_visible(timeout=WAIT)
    nav = page.locator("[data-testid=stSidebarNav]")
    expect(nav.get_by_text("Board reports")).to_be_visible()
    expect(nav.get_by_text("Drill-through")).to_have_count(0)
    expect(nav.get_by_text("Submissions")).to_be_visible()  # their own unit's (issue 14: no dead ends)
    screenshot(page, artifacts / "forbidden_drill.png")


def test_a_submitter_sees_only_their_own_units_submissions(page, app_url, artifacts):
    open_as(page, f"{app_url}/submissions?unit=NEROCU", "unit_submitter.emsou")
    expect(page.get_by_text("does not allow you to", exact=False)).to_be_visible(timeout=WAIT)
    open_as(page, f"{app_url}/submissions", "unit_submitter.emsou")
    expect(page.get_by_role("heading", name="Open a return")).to_be_visible(timeout=WAIT)
    expect(page.get_by_text("East Midlands, ", exact=False).first).to_be_visible()
    screenshot(page, artifacts / "submissions_own_unit.png")


def test_effort_against_threat_for_the_unit_whose_priorities_depart(page, app_url, artifacts, built_demo):
    """Issue 15: SWROCU's regional priorities depart from the national ones; the page shows its index as
    the mart has it, the departure, and drills through to the operations behind an area's effort."""
    from tests.test_dashboard_apptest import sql

    ((year, index),) = sql(built_demo, "select financial_year, effort_follows_threat_index"
                                       " from marts.fct_effort_alignment_index where rocu_code = 'SWROCU'"
                                       " and not is_part_year order by financial_year desc limit 1")
    ((operation,),) = sql(built_demo, "select min(operation_ref) from marts.fct_operations_by_year"
                                      " where rocu_code = 'SWROCU' and financial_year = ? and threat_area_code = 'OAC'",
                          year)
    open_as(page, f"{app_url}/alignment?unit=SWROCU&year={year}", ANALYST)
    expect(page.get_by_role("heading", name="Does effort follow the threat?")).to_be_visible(timeout=WAIT)
    metric = page.get_by_test_id("stMetric").filter(has_text="Effort-follows-threat index")
    expect(metric).to_contain_text(f"{index:.1f}", timeout=WAIT)
    row = page.get_by_role("row").filter(has=page.get_by_role("cell", name="Organised acquisitive crime", exact=True))
    expect(row.first).to_contain_text("raised", timeout=WAIT)
    screenshot(page, artifacts / "alignment.png")

    # The drill-through to an area's operations is a shareable address, its section included.
    open_as(page, f"{app_url}/alignment?unit=SWROCU&year={year}&threat=OAC&section=Operations", ANALYST)
    expect(cell(page, operation)).to_be_visible(timeout=WAIT)
    page.get_by_role("tab", name="Tasking rhythm").click()
    expect(page.get_by_text("Rhythm: ", exact=False).first).to_contain_text(
        "Neither more nor fewer meetings is better", timeout=WAIT)

    # Each figure opens the drill-through on the rows behind it: the tasking rhythm on its meetings.
    from pipelines.serving.formats import day

    ((first, held),) = sql(built_demo, "select min(meeting_date), count(*) from marts.fct_tasking_meetings"
                                       " where rocu_code = 'SWROCU' and financial_year = ?", year)
    follow_link(page, page.get_by_role("link", name="The meetings behind the rhythm"),
                re.compile(r"/drill\?.*figure=tasking_rhythm"))
    expect(page.get_by_role("heading", name="Tasking rhythm against the national cycle", exact=False)) \
        .to_be_visible(timeout=WAIT)
    expect(page.get_by_text(f"The {held} regional tasking meetings in {year}")).to_be_visible(timeout=WAIT)
    expect(cell(page, day(first))).to_be_visible(timeout=WAIT)
    screenshot(page, artifacts / "alignment_drill_meetings.png")
