"""The board paper as an A4 PDF: the HTML page printed by headless Chromium, with the
protective marking, period, data date and "Page N of M" in every page's header and footer.

Every section starts on a new page, so each section paginates independently: printing
each alone gives its exact page count, and from those the contents page gets its numbers.
"""

from __future__ import annotations

import re
from html import escape

from playwright.sync_api import Page, sync_playwright

from pipelines.papers.html import render_html
from pipelines.papers.model import Report

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]
MARGIN = {"top": "22mm", "bottom": "20mm", "left": "14mm", "right": "14mm"}
_PAGE = re.compile(rb"/Type\s*/Page\b(?!s)")
_BAND = ("font-family:'DejaVu Sans',Arial,sans-serif;font-size:7.5pt;color:#111;width:100%;margin:0 14mm;"
         "display:flex;justify-content:space-between;align-items:center;gap:4mm;")


def header_template(report: Report) -> str:
    marking = escape(report.request.marking)
    period = report.period_label.replace("financial year", "FY")  # the running header has one line
    return (f'<div style="{_BAND}"><span style="flex:1.6;white-space:nowrap">{escape(report.request.unit)} · '
            f'{escape(period)}</span><strong style="flex:1;text-align:center;font-size:9pt;white-space:nowrap">'
            f'{marking}</strong><span style="flex:1.6;text-align:right;white-space:nowrap">Data published '
            f'{escape(report.data_date)}</span></div>')


def footer_template(report: Report) -> str:
    marking = escape(report.request.marking)
    return (f'<div style="{_BAND}"><span style="flex:1">Consistency report · build '
            f'{escape(report.build.build_id[:12])}</span><strong style="flex:1;text-align:center;'
            f'font-size:9pt">{marking}</strong><span style="flex:1;text-align:right">Page '
            f'<span class="pageNumber"></span> of <span class="totalPages"></span></span></div>')


def count_pages(pdf: bytes) -> int:
    return len(_PAGE.findall(pdf))


def _print(page: Page, report: Report | None = None) -> bytes:
    options = {"format": "A4", "margin": MARGIN, "print_background": True}
    if report is not None:
        options.update(display_header_footer=True, header_template=header_template(report),
                       footer_template=footer_template(report), outline=True, tagged=True)
    return page.pdf(**options)


def _number_contents(page: Page, keys: list[str]) -> None:
    """Print the cover alone, then each section alone; write each section's first page into the contents."""
    blocks = ["cover", *keys]
    first, next_page = {}, 1
    for block in blocks:
        page.evaluate("""(block) => {
            const sections = [...document.querySelectorAll('main > section')];
            const cover = [...document.querySelectorAll('body > :not(main)')];
            cover.forEach(e => e.style.display = block === 'cover' ? '' : 'none');
            sections.forEach(s => { s.style.display = s.id === block ? '' : 'none';
                                    s.style.breakBefore = s.id === block ? 'auto' : ''; });
        }""", block)
        first[block] = next_page
        next_page += count_pages(_print(page))
    page.evaluate("""(first) => {
        document.querySelectorAll('body > *, main > section').forEach(e => { e.style.display = '';
                                                                            e.style.breakBefore = ''; });
        document.querySelectorAll('.toc-page').forEach(s => { s.textContent = first[s.dataset.target]; });
    }""", first)


def render_pdf(report: Report) -> bytes:
    html = render_html(report)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_content(html, wait_until="load")
            page.emulate_media(media="print")
            _number_contents(page, [s.key for s in report.sections])
            return _print(page, report)
        finally:
            browser.close()
