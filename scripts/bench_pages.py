"""How fast each dashboard page shows its content, in a real browser against a built warehouse.

    .venv/bin/python scripts/bench_pages.py [--var var/] [--runs 3] [--rounds 10] [--scale 1]

Starts `streamlit run dashboards/app.py` on 127.0.0.1 against the given var folder and drives
Debian's chromium. Two figures per page:

- sign-in: seconds from signing in at the page's address (with the query a shared link carries)
  to its first meaningful content (a text only real data produces), cold (first load, empty
  caches) and warm (later loads, median);
- navigation: inside one signed-in session, seconds from clicking the page in the sidebar (once
  the page shown has finished its run, as a person reads a page before moving on) to its content
  (its headline figures and its first section), over ``--rounds`` rounds of every page; median
  and 95th percentile, against issue 16's target of 0.5 s at the 95th percentile;
- sections: on the pages whose sections are tabs (only the open one runs and is drawn), seconds
  from clicking a section to its content, every section of every such page in each round; the
  same target, so what a page leaves to a click is measured too.

``--scale N`` first makes a copy of the var folder whose warehouse holds N times the demo's
versions of returns and distinct disruption claims (``pipelines/demo/scale.py``: the disruption marts,
which the drill-through and the threat page read, grow N times; the monthly figures do not, as only the
newest version of a return counts), builds it with dbt, publishes it, and measures the pages on that copy.

A measurement tool, not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser import CHROMIUM, CHROMIUM_ARGS, streamlit_server, wait_until_idle  # noqa: E402

# page path (with the query a shared link would carry) -> text that appears once its data is drawn
# page -> (path, text that appears once its data is drawn, account that may open it)
PAGES = {
    "National overview": ("", "against the network: funnel plot", "bench.analyst"),
    "Regional comparison": ("regional?unit=EMSOU", "beside its peers:", "bench.analyst"),
    "Drill-through": ("drill?unit=EMSOU&metric=PUR_ARRESTS&month=2026-09", "Where it comes from.", "bench.analyst"),
    # the disruption claims behind a month's figure: the drill-through's largest read
    "Drill-through, disruptions": ("drill?unit=EMSOU&metric=DIS_TOTAL&period_type=month&period=2026-09",
                                   "Where it comes from.", "bench.analyst"),
    "Disruptions and threat": ("threat?unit=ERSOU", "High-band OCGs held by forces", "bench.analyst"),
    "Does effort follow the threat?": ("alignment?unit=ERSOU", "Threat and effort by threat area", "bench.analyst"),
    "Submissions": ("submissions", "Returns that need attention", "bench.analyst"),
    "Upload a return": ("upload?unit=ROCUWM", "Versions received for", "bench.lead.rocuwm"),
    "Framework catalogue": ("catalogue", " metrics", "bench.analyst"),
}
# What a page shows when opened from the sidebar (no query: its default unit and measure), where
# that differs from the marker above.
NAV_MARKERS = {"Drill-through": "Month by month ("}
SIGN_IN_ONLY = {"Drill-through, disruptions"}  # not a page of the sidebar
# A unit's performance lead moves between their own pages: page -> text its data draws for them.
LEAD_PAGES = {"Upload a return": "Versions received for", "Submissions": "Open a return"}
# The sections (tabs) of a page other than its first -> text that appears in the open section once drawn.
SECTIONS = {
    "National overview": {"Spend per outcome": "Spend per ", "Disruptions led": "Disruptions the units led",
                          "Shares": "Shares against the network", "Trend": "Trend: network total by month",
                          "Strong and weak": "Where units are strong or weak"},
    "Regional comparison": {"Disruptions led": "led and supported", "Forces": "Forces of ", "OCG threat": "OCG threat:",
                            "Over time": "against the network over time", "Against the peer median":
                            "against its peer median, month by month"},
    "Disruptions and threat": {"By threat area": "The 4Ps by impact", "After a disruption": "MoRiLE score change",
                               "Untouched OCGs": "High-band OCGs untouched six months or more",
                               "Records and validation": "Disruption records of every unit",
                               "Disruptions": "by threat area, 4P strand and impact level",
                               "Prevent and protect": "Prevent and protect beside later outcomes"},
    "Does effort follow the threat?": {"The units": "The units on the index", "Operations": "Operations behind the",
                                       "Tasking rhythm": "Tasking rhythm, ", "Escalations": "Escalations from forces",
                                       "How measured": "How to read it"},
}
NAV_TARGET_S = 0.5
ACCOUNTS = {"bench.analyst": ("nocc_analyst", None), "bench.lead.rocuwm": ("unit_submitter", "ROCUWM")}
CHART = "[data-testid=stVegaLiteChart] svg, [data-testid=stVegaLiteChart] canvas"
EMPTY = "has not been built yet"


def bench_accounts(var: Path) -> str:
    """The benchmark's own accounts (made once); returns their password."""
    import secrets

    from pipelines.access import UserStore
    from pipelines.settings import Paths

    store, note = UserStore.at(Paths(var)), var / "access" / "bench-password.txt"
    password = note.read_text().strip() if note.exists() else secrets.token_urlsafe(12)
    for name, (role, unit) in ACCOUNTS.items():
        if store.get(name) is None:
            store.add(name, password, role, unit, actor="bench_pages")
    note.write_text(password)
    note.chmod(0o600)
    return password


def drawn(scope, marker: str, timeout_ms: int) -> None:
    """Until `marker` shows within `scope` (the page, or an open section) and, if it has a chart, the
    first chart is drawn."""
    scope.get_by_text(marker).first.wait_for(state="visible", timeout=timeout_ms)
    if scope.locator("[data-testid=stVegaLiteChart]").count():
        scope.locator(CHART).first.wait_for(state="visible", timeout=timeout_ms)


def load(page, url: str, marker: str, user: str, password: str, timeout_ms: int = 60_000) -> tuple[float, str]:
    """Open the address in a new session, sign in, and time from signing in until the marker (and
    any chart) shows; and what was seen ('ok' or 'empty state')."""
    page.goto(url, wait_until="commit")
    page.get_by_label("Username", exact=True).fill(user)
    page.get_by_label("Password", exact=True).fill(password)
    start = time.perf_counter()
    page.get_by_role("button", name="Sign in").click()
    seen = page.get_by_text(marker).or_(page.get_by_text(EMPTY)).first
    seen.wait_for(state="visible", timeout=timeout_ms)
    if page.get_by_text(EMPTY).count():
        return time.perf_counter() - start, "empty state"
    if page.locator("[data-testid=stVegaLiteChart]").count():
        page.locator(CHART).first.wait_for(state="visible", timeout=timeout_ms)
    return time.perf_counter() - start, "ok"


def navigate(page, title: str, marker: str, timeout_ms: int = 60_000) -> float:
    """Click the page in the sidebar of the signed-in session, once the page shown has finished its run
    (as a person reads a page before moving on); seconds until the new page's marker shows."""
    wait_until_idle(page)
    start = time.perf_counter()
    page.locator("[data-testid=stSidebarNav]").get_by_text(title, exact=True).click()
    drawn(page, marker, timeout_ms)
    return time.perf_counter() - start


def open_section(page, label: str, marker: str, timeout_ms: int = 60_000) -> float:
    """Click one section (tab) of the page shown, once it has finished its run; seconds until the
    section's marker shows in it."""
    wait_until_idle(page)
    start = time.perf_counter()
    page.get_by_role("tab", name=label, exact=True).click()
    drawn(page.get_by_role("tabpanel"), marker, timeout_ms)
    return time.perf_counter() - start


def scaled_copy(source: Path, factor: int, into: Path) -> Path:
    """A copy of the var folder `source` (its accounts and landing zone too) whose warehouse holds
    `factor` times the demo's versions and disruptions, built by dbt and published."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from bench import dbt_command

    from pipelines.access import AuditLog
    from pipelines.demo.scale import grow_raw
    from pipelines.serving.publish import publish_copy
    from pipelines.settings import Paths

    shutil.copytree(source, into, ignore=shutil.ignore_patterns("dbt_runs", "dbt_parse", "published", "dagster_home",
                                                                "*.log"))
    paths = Paths(into)
    grow_raw(paths.warehouse, factor)
    start = time.perf_counter()
    subprocess.run(dbt_command(["build"], paths.warehouse, into / "dbt_target"), check=True, stdout=subprocess.DEVNULL)
    publish_copy(paths.warehouse, paths.published, AuditLog.at(paths))
    print(f"Built and published {factor}x the demo's versions and disruptions in {time.perf_counter() - start:.0f} s")
    return into


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(var: Path, password: str, runs: int, rounds: int, log: Path) -> tuple[list, dict, dict]:
    """Against a server on `var`: each page's sign-in times (cold, warm median of `runs`), then `rounds`
    of sidebar navigation and of opening every section, in one signed-in session."""
    rows = []
    with streamlit_server(var, log) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        for title, (path, marker, user) in PAGES.items():
            cold, seen = load(page, f"{url}/{path}", marker, user, password)
            warm = statistics.median(load(page, f"{url}/{path}", marker, user, password)[0] for _ in range(runs))
            rows.append((title, cold, warm, seen))
        # Navigation: the analyst's pages, one signed-in session, sidebar clicks only.
        nav_pages = {t: NAV_MARKERS.get(t, m) for t, (_, m, user) in PAGES.items()
                     if user == "bench.analyst" and t not in SIGN_IN_ONLY}
        load(page, f"{url}/", PAGES["National overview"][1], "bench.analyst", password)
        times: dict[str, list[float]] = {t: [] for t in nav_pages}
        for _ in range(rounds):
            for title, marker in nav_pages.items():
                times[title].append(navigate(page, title, marker))
        load(page, f"{url}/upload?unit=ROCUWM", PAGES["Upload a return"][1], "bench.lead.rocuwm", password)
        times |= {f"{t} (performance lead)": [] for t in LEAD_PAGES}
        for _ in range(rounds):
            for title, marker in LEAD_PAGES.items():
                times[f"{title} (performance lead)"].append(navigate(page, title, marker))
        load(page, f"{url}/", PAGES["National overview"][1], "bench.analyst", password)
        # Sections: each page's sections in turn, after opening the page from the sidebar.
        switches: dict[str, list[float]] = {t: [] for t in SECTIONS}
        for _ in range(rounds):
            for title, parts in SECTIONS.items():
                navigate(page, title, nav_pages[title])
                for label, marker in parts.items():
                    switches[title].append(open_section(page, label, marker))
        browser.close()
    return rows, times, switches


def print_times(heading: str, everything: str, times: dict[str, list[float]], width: int) -> None:
    """Median and 95th percentile per page, then over every time, against the target."""
    print(f"\n{heading}")
    print(f"{'Page':<{width}}  {'median':>6}  {'p95':>6}")
    for title, values in times.items():
        print(f"{title:<{width}}  {statistics.median(values):6.2f}  {percentile(values, 0.95):6.2f}")
    every = [t for values in times.values() for t in values]
    print(f"{everything:<{width}}  {statistics.median(every):6.2f}  {percentile(every, 0.95):6.2f}"
          f"  (target: p95 at most {NAV_TARGET_S} s; ratio {percentile(every, 0.95) / NAV_TARGET_S:.2f})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--var", type=Path, default=ROOT / "var", help="a var folder with a published warehouse")
    parser.add_argument("--runs", type=int, default=3, help="warm loads per page (median reported)")
    parser.add_argument("--rounds", type=int, default=10, help="rounds of sidebar navigation over every page")
    parser.add_argument("--scale", type=int, default=1, help="measure on N times the demo's versions and disruptions")
    args = parser.parse_args(argv)
    var = args.var.resolve()
    if not (var / "published" / "rocu.duckdb").exists():
        print(f"No published warehouse under {var}: run `make build` first (or pass --var).", file=sys.stderr)
        return 2

    password = bench_accounts(var)
    with tempfile.TemporaryDirectory() as tmp:
        if args.scale > 1:
            var = scaled_copy(var, args.scale, Path(tmp) / "var")
        rows, times, switches = measure(var, password, args.runs, args.rounds, Path(tmp) / "streamlit.log")

    width = max(len(title) for title in [*(r[0] for r in rows), *times])
    print(f"Seconds to first meaningful content ({args.var.resolve()}, {args.scale}x)")
    print(f"{'Page':<{width}}  {'cold':>6}  {'warm':>6}  seen")
    for title, cold, warm, seen in rows:
        print(f"{title:<{width}}  {cold:6.2f}  {warm:6.2f}  {seen}")
    print_times(f"Navigation inside one signed-in session, {args.rounds} rounds (seconds)", "All pages", times, width)
    print_times(f"Opening a section of the page, {args.rounds} rounds of every section (seconds)", "All sections",
                switches, width)
    return 0


if __name__ == "__main__":
    sys.exit(main())
