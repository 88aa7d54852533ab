"""Helpers for browser tests: a real Streamlit server on 127.0.0.1 and Debian's chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from collections.abc import Iterator

from pipelines.papers.pdf import CHROMIUM, CHROMIUM_ARGS  # noqa: F401 (one place for the browser and its flags)

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(var_dir: Path, log: Path) -> Iterator[str]:
    """Run `streamlit run dashboards/app.py` against `var_dir`; yield its base URL."""
    port = free_port()
    env = {**os.environ, "ROCU_VAR_DIR": str(var_dir)}
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("streamlit")), "run", "dashboards/app.py",
             "--server.address", "127.0.0.1", "--server.port", str(port), "--server.headless", "true",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                        break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not start; see {log}")
                time.sleep(0.3)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def screenshot(page, path: Path) -> None:
    """The whole page: Streamlit scrolls inside its main block, so grow the window to fit it first."""
    height = page.evaluate("() => Math.max(...[...document.querySelectorAll('[data-testid=stMain], "
                           "[data-testid=stAppViewContainer], section.main')].map(e => e.scrollHeight), 1000)")
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": min(height + 50, 12000)})
    page.wait_for_timeout(500)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)


def wait_until_idle(page, timeout: float = 30_000) -> None:
    """Until the app has finished running its script: a click made while a run is still going can
    be overtaken by that run (a page link's new filters written back by the old run's widgets)."""
    from playwright.sync_api import expect

    # The app root carries the script's state from the first instant of a run; the status widget
    # shows only after a run has lasted a moment, so a run just started could pass for idle.
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning",
                                                          timeout=timeout)


def follow_link(page, link, address, timeout: float = 90_000) -> None:
    """Click `link` until the page's address matches `address` (a pattern), within `timeout` ms.

    A click that lands while the app is re-rendering the block around the link can be dropped (the
    rerun replaces the element under the pointer); a person would click again, and so does this."""
    import time

    from playwright.sync_api import expect

    deadline = time.monotonic() + timeout / 1000
    while True:
        wait_until_idle(page)
        link.click()
        try:
            expect(page).to_have_url(address, timeout=5_000)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
