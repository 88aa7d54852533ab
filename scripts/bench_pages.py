"""How fast each dashboard page shows its content, in a real browser against a built warehouse.

    .venv/bin/python scripts/bench_pages.py [--var var/] [--runs 3]

Starts `streamlit run dashboards/app.py` on 127.0.0.1 against the given var folder, loads
each page in Debian's chromium and prints the seconds from navigation to the page's first
meaningful content (a text only real data produces), cold (first load, empty caches) and
warm (later loads, median). A measurement tool, not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser import CHROMIUM, CHROMIUM_ARGS, streamlit_server  # noqa: E402

# page path (with the query a shared link would carry) -> text that appears once its data is drawn
PAGES = {
    "National overview": ("", "Where units are strong or weak"),
    "Regional comparison": ("regional?unit=EMSOU", "against its peer median, month by month"),
    "Drill-through": ("drill?unit=EMSOU&metric=PUR_ARRESTS", "Where it comes from."),
    "Submissions": ("submissions", "Returns that need attention"),
    "Upload a return": ("upload?unit=ROCUWM", "Versions received for"),
    "Framework catalogue": ("catalogue", " metrics"),
}
CHART = "[data-testid=stVegaLiteChart] svg, [data-testid=stVegaLiteChart] canvas"
EMPTY = "has not been built yet"


def load(page, url: str, marker: str, timeout_ms: int = 60_000) -> tuple[float, str]:
    """Seconds until the marker (and any chart) shows; and what was seen ('ok' or 'empty state')."""
    start = time.perf_counter()
    page.goto(url, wait_until="commit")
    seen = page.get_by_text(marker).or_(page.get_by_text(EMPTY)).first
    seen.wait_for(state="visible", timeout=timeout_ms)
    if page.get_by_text(EMPTY).count():
        return time.perf_counter() - start, "empty state"
    if page.locator("[data-testid=stVegaLiteChart]").count():
        page.locator(CHART).first.wait_for(state="visible", timeout=timeout_ms)
    return time.perf_counter() - start, "ok"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--var", type=Path, default=ROOT / "var", help="a var folder with a published warehouse")
    parser.add_argument("--runs", type=int, default=3, help="warm loads per page (median reported)")
    args = parser.parse_args(argv)
    var = args.var.resolve()
    if not (var / "published" / "rocu.duckdb").exists():
        print(f"No published warehouse under {var}: run `make build` first (or pass --var).", file=sys.stderr)
        return 2

    rows = []
    with tempfile.TemporaryDirectory() as tmp, streamlit_server(var, Path(tmp) / "streamlit.log") as url:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            for title, (path, marker) in PAGES.items():
                cold, seen = load(page, f"{url}/{path}", marker)
                warm = statistics.median(load(page, f"{url}/{path}", marker)[0] for _ in range(args.runs))
                rows.append((title, cold, warm, seen))
            browser.close()

    width = max(len(r[0]) for r in rows)
    print(f"Seconds to first meaningful content ({var})")
    print(f"{'Page':<{width}}  {'cold':>6}  {'warm':>6}  seen")
    for title, cold, warm, seen in rows:
        print(f"{title:<{width}}  {cold:6.2f}  {warm:6.2f}  {seen}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
