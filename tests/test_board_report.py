"""The consistency report for executive boards: figures in the paper match the marts and
the demo's own inputs, the paper reads nothing but the marts, quarters are financial-year
quarters (calendar ones on request), every page carries marking, period, data date and page
number, the HTML is accessible, and the same build always gives the same paper.

Needs Debian's poppler-utils (pdftotext, pdftoppm, pdfinfo) and chromium.
"""

from __future__ import annotations

import csv
import re
import shutil
import statistics
import subprocess
from collections import defaultdict
from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml

from pipelines.cli import main as rocu
from pipelines.papers import ReportError, Request, findings, make_report, render
from pipelines.papers.data import MARTS
from pipelines.papers.sections import BODY
from pipelines.serving.formats import share
from pipelines.papers.pdf import CHROMIUM, CHROMIUM_ARGS
from pipelines.settings import Paths
from tests.conftest import make_session

# pdftotext and pdftoppm come from Debian's poppler-utils, which `make test` installs.


def rocu_as_analyst(args: list[str]) -> int:
    """`rocu report ...` signed in as a NOCC analyst (the command checks the role)."""
    import os

    from tests.conftest import PASSWORD

    make_session(Paths.from_env().var, "nocc_analyst")
    os.environ["ROCU_TEST_PASSWORD"] = PASSWORD
    return rocu([*args, "--user", "nocc_analyst.network", "--password-env", "ROCU_TEST_PASSWORD"])

# SEROCU's July 2026 return was late in the demo data. 2026-Q2 is the second quarter of financial
# year 2026/27: July to September 2026 (the calendar quarter 2026-C3 covers the same months).
UNIT, QUARTER, CALENDAR = "SEROCU", "2026-Q2", "2026-C3"
QUARTER_MONTHS = ["2026-07", "2026-08", "2026-09"]
PERIOD = "2026-Q2 (July to September 2026, financial year 2026/27)"
UNITS = ("EMSOU", "ERSOU", "NEROCU", "NWROCU", "ROCUWM", "SEROCU", "SWROCU", "TARIAN", "YHROCU")
ROOT = Path(__file__).resolve().parents[1]


# --- helpers -----------------------------------------------------------------------------

def pdf_pages(pdf: Path, layout: bool = False) -> list[str]:
    """Text of each page (pdftotext separates pages with a form feed)."""
    args = ["pdftotext", *(["-layout"] if layout else []), str(pdf), "-"]
    text = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]


def flat(text: str) -> str:
    """Whitespace collapsed, so a sentence wrapped over lines still matches."""
    return re.sub(r"\s+", " ", text)


def sql(published: Path, query: str, *params):
    con = duckdb.connect(str(published), read_only=True)
    try:
        return con.execute(query, list(params)).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def published(built_demo: Path) -> Path:
    return built_demo / "published" / "rocu.duckdb"


@pytest.fixture(scope="module")
def demo(built_demo: Path) -> Path:
    """The demo generator's output the warehouse was built from: its inputs and its truth."""
    return built_demo / "demo"


def read_csv(path: Path) -> list[dict]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def unit_pdf(published: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "serocu.pdf"
    assert rocu_as_analyst(["report", "--unit", UNIT, "--quarter", QUARTER, "--format", "pdf", "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def unit_text(unit_pdf: Path) -> str:
    return flat(" ".join(pdf_pages(unit_pdf)))


# --- the command -------------------------------------------------------------------------

def test_command_writes_every_format(published: Path, tmp_path: Path) -> None:
    signatures = {"pdf": b"%PDF", "html": b"<!doctype html", "xlsx": b"PK"}
    for fmt, magic in signatures.items():
        out = tmp_path / f"network.{fmt}"
        assert rocu_as_analyst(["report", "--network", "--quarter", QUARTER, "--format", fmt, "--out", str(out)]) == 0
        assert out.read_bytes().startswith(magic)
    out = tmp_path / "unit.html"
    assert rocu_as_analyst(["report", "--unit", "NETWORK", "--quarter", QUARTER, "--format", "html", "--out", str(out)]) == 0
    assert "the ROCU network" in out.read_text()


def test_command_explains_bad_requests(published: Path, capsys) -> None:
    assert rocu_as_analyst(["report", "--unit", "ZZROCU", "--quarter", QUARTER]) == 2
    assert "is not a unit" in capsys.readouterr().err
    assert rocu_as_analyst(["report", "--unit", UNIT, "--quarter", "2031-Q1"]) == 2
    assert "Quarters available" in capsys.readouterr().err
    with pytest.raises(ReportError, match="2025-Q1 for April to June 2025"):
        Request(UNIT, "2026Q3")


def test_help_says_how_quarters_are_written(capsys) -> None:
    with pytest.raises(SystemExit):
        rocu(["report", "--help"])
    text = flat(capsys.readouterr().out)
    assert "2025-Q1 is April to June 2025" in text and "2025-C1 is January to March 2025" in text


def test_quarters_are_financial_year_quarters_unless_written_with_c(published: Path) -> None:
    """2026-Q2 is July to September 2026 (financial year 2026/27); 2026-C3 names the same months as a
    calendar quarter, so every figure agrees and only the names differ; 2026-Q4 is January to March 2027."""
    assert Request(UNIT, "2026-q2").scheme == "financial" and Request(UNIT, "2026-C3").scheme == "calendar"
    fiscal, calendar = make_report(Request(UNIT, QUARTER), published), make_report(Request(UNIT, CALENDAR), published)
    assert fiscal.period_label == PERIOD
    assert calendar.period_label == "2026-C3 (July to September 2026)"
    assert "Q1 is April to June" in fiscal.quarter_note and "C1 is January to March" in calendar.quarter_note
    for a, b in zip(fiscal.sections, calendar.sections):
        if a.key != "quality":  # its trend runs over six quarters, named in each scheme
            assert [f.replace(QUARTER, CALENDAR) for f in a.findings] == b.findings, a.key
    months = {q: (first, last) for q, first, last in sql(
        published, "select quarter, first_month, last_month from marts.dim_quarter where quarter in "
                   "('2025-Q4', '2026-Q1', '2026-C1')")}
    assert months == {"2025-Q4": ("2026-01", "2026-03"), "2026-Q1": ("2026-04", "2026-06"),
                      "2026-C1": ("2026-01", "2026-03")}


def test_paper_reads_only_the_marts(published: Path, tmp_path: Path) -> None:
    """A copy holding only the serving schema (marts) and the build row makes the same paper: nothing is
    read from staging, intermediate models or seeds. The exposure names exactly the marts it reads."""
    copy = tmp_path / "serving.duckdb"
    shutil.copyfile(published, copy)
    con = duckdb.connect(str(copy))
    schemas = [r[0] for r in con.execute("select schema_name from information_schema.schemata "
                                         "where catalog_name = current_database()").fetchall()]
    for schema in set(schemas) - {"marts", "meta", "main", "information_schema", "pg_catalog"}:
        con.execute(f'drop schema "{schema}" cascade')
    con.close()
    for request in (Request(UNIT, QUARTER), Request("NETWORK", CALENDAR)):
        assert make_report(request, copy).build.figures_sha256 == make_report(request, published).build.figures_sha256
    exposures = yaml.safe_load((ROOT / "dbt_project/models/marts/_exposures.yml").read_text())["exposures"]
    paper = next(e for e in exposures if e["name"] == "board_consistency_report")
    assert sorted(ref.split("'")[1] for ref in paper["depends_on"]) == sorted(MARTS)
    for path in (ROOT / "pipelines/papers").rglob("*.py"):  # the sections format, they do not aggregate
        text = path.read_text()
        for call in (".groupby(", ".sum(", ".median(", ".rank(", ".mean(", "staging.", "intermediate."):
            assert call not in text, f"{path.name} calls {call}"


def test_the_scorecard_bands_units_against_the_network_and_never_ranks_them(published: Path) -> None:
    """The scorecard says better, similar or worse than the network (from the mart's 95% bands) and
    never puts a unit 1st to 9th: with nine small units most differences in position are chance."""
    unit_paper = make_report(Request(UNIT, QUARTER), published)
    (table,) = [t for s in unit_paper.sections if s.key == "scorecard" for t in s.tables]
    assert list(table.shown.columns) == ["Indicator", UNIT, "Network", "Against the network", "Better when"]
    rows = sql(published, """select comparison, band_998, is_small_base, value is null
                             from marts.fct_scorecard_quarterly where rocu_code = ? and quarter = ? order by sort_order""",
               UNIT, QUARTER)
    said = table.shown["Against the network"].tolist()
    assert len(said) == len(rows) > 0
    for words, (comparison, band_998, small, no_figure) in zip(said, rows):
        if no_figure:
            assert words == "–"
        elif comparison is None:
            assert words == "not compared"
        else:
            assert words.startswith(comparison)
            assert words.endswith("(99.8%)") == (band_998 not in (None, "similar"))
            assert (f"{comparison}*" in words) == small
    assert {w.split(" (")[0].rstrip("*") for w in said} <= {"better", "similar", "worse", "higher", "lower",
                                                           "not compared", "–"}
    network_paper = make_report(Request("NETWORK", QUARTER), published)
    scorecard_text = " ".join(
        " ".join(map(str, t.shown.to_numpy().ravel())) + t.caption
        for s in (*unit_paper.sections, *network_paper.sections) if s.key == "scorecard" for t in s.tables)
    assert not re.search(r"\b\d+(st|nd|rd|th) of \d\b", scorecard_text), "a position among the units"
    (better,) = sql(published, "select count(*) from marts.fct_scorecard_quarterly where quarter = ? and comparison = "
                               "'better'", QUARTER)[0:1]
    marks = sum(str(cell).endswith(" ▲") for s in network_paper.sections if s.key == "scorecard"
                for t in s.tables for cell in t.shown.to_numpy().ravel())
    assert marks == better[0]


def test_the_effort_against_threat_section_bands_the_index_and_the_share_never_ranks(small_bases_var: Path) -> None:
    """Issue 15 item 5: a section per unit on whether effort follows the threat, against national and
    regional priorities, from the marts; the network paper compares the units on the index (its 95%
    interval against the network's index, small bases marked and not compared) and on the share of
    operations on priority areas (binomial limits), in unit order, never ranked."""
    published = small_bases_var / "published" / "rocu.duckdb"  # some units on small bases: conftest.small_bases_var
    ((year,),) = sql(published, "select max(financial_year) from marts.dim_month where fy_quarter = ?", QUARTER)
    unit_paper = make_report(Request(UNIT, QUARTER), published)
    (section,) = [s for s in unit_paper.sections if s.key == "alignment"]
    ((index, area, on, ops, band, network),) = sql(published, """
        select i.effort_follows_threat_index, a.threat_area_name, p.operations_on_priority, p.operations, p.band_95,
               p.network_on_priority_pct
        from marts.fct_effort_alignment_index i
        join marts.fct_effort_on_priorities p using (rocu_code, financial_year)
        join marts.fct_effort_alignment a on a.rocu_code = i.rocu_code and a.financial_year = i.financial_year
             and a.threat_area_code = i.widest_gap_threat_area_code
        where i.rocu_code = ? and i.financial_year = ?""", UNIT, year)
    text = " ".join(section.findings)
    assert f"{UNIT}'s effort-follows-threat index was {index:.0f} of 100" in text and area in text
    assert f"({on:,} of {ops:,} operations) were on national or regional priority areas" in text
    assert f"{band} to the network's {network:.0f}%" in text or f"{band} than the network's {network:.0f}%" in text
    ((areas,),) = sql(published, "select count(*) from marts.fct_effort_alignment where rocu_code = ? and "
                                 "financial_year = ?", UNIT, year)
    assert len(section.tables[0].shown) == areas
    network_paper = make_report(Request("NETWORK", QUARTER), published)
    (table,) = [t for s in network_paper.sections if s.key == "alignment" for t in s.tables]
    bands = dict(sql(published, "select rocu_code, band_95 from marts.fct_effort_on_priorities where financial_year = ?",
                     year))
    assert {u: words.split(" (")[0].split(",")[0] for u, words in zip(
        table.shown["Unit"], table.shown["Share against the network"])} == bands
    index_bands = dict(sql(published, "select rocu_code, case when is_small_base then 'small base: not compared'"
                                      " else band_95 end from marts.fct_effort_alignment_index"
                                      " where financial_year = ?", year))
    assert {u: words.split(",")[0] for u, words in zip(table.shown["Unit"], table.shown["Index against the network"])} \
        == index_bands
    assert "small base: not compared" in index_bands.values()  # units on too few high-band groups
    assert table.shown["Unit"].tolist() == sorted(table.shown["Unit"])  # unit order, not a league table
    ((low, high, small),) = sql(published, "select lower_95, upper_95, is_small_base from marts.fct_effort_alignment_index"
                                           " where rocu_code = ? and financial_year = ?", UNIT, year)
    assert f"95% interval {low:.0f} to {high:.0f}" in text
    assert ("is not compared with the network" in text) == small
    assert "Rank" not in table.shown.columns and "Position" not in table.shown.columns


# --- figures in the PDF match the marts ---------------------------------------------------

def test_pdf_figures_match_the_marts(published: Path, unit_text: str, demo: Path) -> None:
    # Timeliness from the demo generator's manifest: SEROCU's only late return in the quarter is July's.
    scenarios = [r["scenario"] for r in read_csv(demo / "manifest.csv")
                 if r["rocu_code"] == UNIT and r["period"] in QUARTER_MONTHS]
    assert len(scenarios) == 3 and scenarios.count("late") == 1 and scenarios.count("normal") == 2
    assert f"{UNIT} returned 2 of 3 months on time and 1 late" in unit_text
    reported, framework, rocu_mean, forces_mean = sql(published, """
        select metrics_reported, framework_return_metrics, rocu_mean_morile, forces_mean_morile
        from marts.fct_board_quarterly where rocu_code = ? and quarter = ?""", UNIT, QUARTER)[0]
    days_late, deadline = sql(published, "select days_late, deadline_date from marts.fct_submission_status "
                                         "where rocu_code = ? and month = '2026-07'", UNIT)[0]
    assert f"The July 2026 return came {days_late} days after its deadline of {deadline.day} {deadline:%B %Y}" \
        in unit_text
    assert f"{UNIT} reported {round(100 * reported / framework)}% ({reported} of {framework})" in unit_text
    assert f"{UNIT}'s" in unit_text and f"mean MoRiLE score of {rocu_mean:.1f}" in unit_text
    assert f"average {forces_mean:.1f}" in unit_text

    value, per_100k, peer, national, officer_rate, base = sql(published, """
        select value, per_100k_population, peer_median_per_100k, national_per_100k, officer_rate, population_base_label
        from marts.fct_outcomes_quarterly where rocu_code = ? and metric_id = 'PUR_ARRESTS' and quarter = ?""",
                                                             UNIT, QUARTER)[0]
    assert base == "per 100,000 population (mid-2024, provisional)"
    assert (f"Arrests: {per_100k:.2f} per 100,000 population (mid-2024, provisional), {value:,.0f} in the quarter; "
            f"peer median {peer:.2f}, network {national:.2f}") in unit_text
    assert f"{officer_rate:.2f}" in unit_text  # the rate per 100 officers in the outcomes table
    # the peers are named with the grouping, the year and why (dim_unit_peer_group's default grouping)
    ((label,),) = sql(published, "select any_value(peer_group_label) from marts.fct_outcomes_quarterly"
                                 " where rocu_code = ? and quarter = ?", UNIT, QUARTER)
    assert label.startswith("Peers by funding per head, 20") and f"{label}." in unit_text

    # Tasking from the demo's own extracts: meetings in the quarter, and the longest gap to a meeting in it.
    dates = sorted(date.fromisoformat(r["meeting_date"]) for f in (demo / "extracts" / "tasking").glob(
        "tasking_meetings_*.csv") for r in read_csv(f) if r["rocu_code"] == UNIT)
    in_quarter = [d for d in dates if d.strftime("%Y-%m") in QUARTER_MONTHS]
    gap = max((b - a).days for a, b in zip(dates, dates[1:]) if b in in_quarter)
    assert f"{UNIT} held {len(in_quarter)} regional tasking meeting" in unit_text
    assert f"the longest gap between meetings was {gap} days" in unit_text
    # Gateway requests from the demo's extracts.
    gateway = [r for f in (demo / "extracts" / "tasking").glob("gateway_requests_*.csv") for r in read_csv(f)
               if r["rocu_code"] == UNIT and r["month"] in QUARTER_MONTHS]
    received, accepted = (sum(int(r[k]) for r in gateway) for k in ("received", "accepted"))
    assert f"Forces sent {UNIT} {received} Gateway requests: {share(accepted, received)} accepted" in unit_text


def test_small_bases_are_never_bare_percentages(unit_text: str) -> None:
    for pct, _numerator, denominator in re.findall(r"(\d+)% \((\d[\d,]*) of (\d[\d,]*)\)", unit_text):
        assert int(denominator.replace(",", "")) >= 10, f"{pct}% on a base of {denominator}"
    assert "returned 2 of 3 months on time" in unit_text  # not "67%"
    assert not re.search(r"67%(?! \(\d[\d,]* of \d)", unit_text)  # a 67% only ever with its base, checked above


def test_every_page_has_marking_period_data_date_and_number(unit_pdf: Path) -> None:
    pages = [flat(p) for p in pdf_pages(unit_pdf)]
    for number, page in enumerate(pages, start=1):
        assert page.count("OFFICIAL-SENSITIVE") >= 2, f"page {number} lacks the marking top and bottom"
        assert PERIOD.replace("financial year", "FY") in page  # the running header's short form
        assert "Data published" in page
        assert f"Page {number} of {len(pages)}" in page


def test_contents_page_numbers_are_right(unit_pdf: Path) -> None:
    pages = pdf_pages(unit_pdf, layout=True)
    entries = re.findall(r"^\s*(\d+)\. (.+?)\s{2,}(?:page )?(\d+)\s*$", pages[0], flags=re.M)
    assert len(entries) == 1 + len(BODY)  # the scorecard, then every section
    for number, title, page in entries:
        assert f"{number}. {title}" in flat(pages[int(page) - 1]), f"'{title}' is not on page {page}"
    assert entries[0][1] == "Scorecard" and entries[1][2] == "3", "the scorecard must hold to one page"


def test_paper_states_its_build(published: Path, unit_text: str) -> None:
    """The build row inside the published file: id, publish time, audit head, the warehouse's fingerprint."""
    build_id, published_at, seq, head, sha = sql(published, "select build_id, published_at, audit_seq,"
                                                            " audit_head_hash, content_sha256 from meta.build_info")[0]
    flat_text = unit_text.replace(" ", "").replace("\n", "")
    assert build_id in flat_text and sha in flat_text
    assert published_at in flat_text
    assert f"seq {seq}, hash {head[:16]}" in flat(unit_text)


def test_pdf_pages_rendered_to_png(unit_pdf: Path, artifacts: Path) -> None:
    folder = artifacts / "board-report"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    subprocess.run(["pdftoppm", "-r", "70", "-png", str(unit_pdf), str(folder / f"{UNIT.lower()}-{QUARTER}")],
                   check=True)
    pngs = sorted(folder.glob(f"{UNIT.lower()}-*.png"))
    info = subprocess.run(["pdfinfo", str(unit_pdf)], capture_output=True, text=True, check=True).stdout
    assert len(pngs) == int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert all(p.stat().st_size > 5_000 for p in pngs)


def test_network_edition_with_custom_marking(published: Path, tmp_path: Path, artifacts: Path, demo: Path) -> None:
    out = tmp_path / "network.pdf"
    assert rocu_as_analyst(["report", "--network", "--quarter", QUARTER, "--format", "pdf", "--marking", "OFFICIAL",
                 "--out", str(out)]) == 0
    (artifacts / "board-report").mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-l", "3", str(out),
                    str(artifacts / "board-report" / f"network-{QUARTER}")], check=True)
    pages = pdf_pages(out)
    assert all(p.count("OFFICIAL") >= 2 and "SENSITIVE" not in p for p in pages)
    text = flat(" ".join(pages))
    # From the demo's manifest: a unit is on time every month when none of its quarter's returns was late,
    # missing or broken.
    late = {r["rocu_code"] for r in read_csv(demo / "manifest.csv")
            if r["period"] in QUARTER_MONTHS and r["scenario"] != "normal"}
    assert f"{9 - len(late)} of 9 units returned every month on time" in text
    for unit in ("EMSOU", "TARIAN", "NWROCU"):
        assert unit in text


# --- accessible HTML, checked in a real browser --------------------------------------------

def _contrast(fg: str, bg: str) -> float:
    def lum(rgb: str) -> float:
        parts = [int(x) / 255 for x in re.findall(r"\d+", rgb)[:3]]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in parts]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    hi, lo = sorted((lum(fg), lum(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_html_is_accessible_in_the_browser(published: Path, tmp_path: Path, artifacts: Path) -> None:
    from playwright.sync_api import sync_playwright

    out = tmp_path / "report.html"
    assert rocu_as_analyst(["report", "--unit", UNIT, "--quarter", QUARTER, "--format", "html", "--out", str(out)]) == 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 1400})
        page.goto(out.as_uri())
        assert page.get_attribute("html", "lang") == "en-GB"
        levels = page.eval_on_selector_all("h1, h2, h3, h4, h5, h6", "hs => hs.map(h => +h.tagName[1])")
        assert levels[0] == 1 and levels.count(1) == 1
        assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), f"heading levels skip: {levels}"
        captions = page.eval_on_selector_all("table", "ts => ts.map(t => t.caption ? t.caption.innerText : '')")
        assert captions and all(c.strip() for c in captions)
        assert page.eval_on_selector_all("thead th", "ths => ths.every(th => th.scope === 'col')")
        assert page.eval_on_selector_all("tbody th", "ths => ths.every(th => th.scope === 'row')")
        charts = page.eval_on_selector_all(
            "figure svg", "ss => ss.map(s => [s.getAttribute('role'), s.getAttribute('aria-label') || '',"
                          " s.querySelector('title') ? s.querySelector('title').textContent : ''])")
        assert len(charts) >= 15
        assert all(role == "img" and len(alt) > 20 and title == alt for role, alt, title in charts)
        assert page.inner_text(".marking-top") == "OFFICIAL-SENSITIVE"
        assert page.inner_text(".marking-bottom") == "OFFICIAL-SENSITIVE"
        for selector in ("body", "thead th", "figcaption", ".running", "caption"):
            fg, bg = page.eval_on_selector(selector, """e => { const s = getComputedStyle(e);
                let b = e, bg = 'rgb(255, 255, 255)';
                while (b) { const c = getComputedStyle(b).backgroundColor;
                            if (c && c !== 'rgba(0, 0, 0, 0)') { bg = c; break; } b = b.parentElement; }
                return [s.color, bg]; }""")
            assert _contrast(fg, bg) >= 4.5, f"{selector}: {fg} on {bg}"
        page.screenshot(path=str(artifacts / "board-report-html.png"))
        # Printed at A4 width, nothing may stick out (Chromium would shrink the whole page to fit).
        page.set_viewport_size({"width": 688, "height": 1000})
        page.emulate_media(media="print")
        wide = page.evaluate("() => [...document.querySelectorAll('main *')].filter("
                             "e => e.getBoundingClientRect().right > 690).map(e => e.tagName)")
        assert wide == []
        browser.close()


# --- reproducible -------------------------------------------------------------------------

def test_same_build_gives_the_same_paper(published: Path, unit_pdf: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.pdf"
    assert rocu_as_analyst(["report", "--unit", UNIT, "--quarter", QUARTER, "--format", "pdf", "--out", str(again)]) == 0
    assert pdf_pages(again) == pdf_pages(unit_pdf)
    request = Request(UNIT, QUARTER)
    first, second = make_report(request, published), make_report(request, published)
    assert first.build == second.build
    assert render(first, "html") == render(second, "html")
    assert render(first, "xlsx") == render(second, "xlsx")


def test_an_xlsx_paper_draws_no_chart_and_html_draws_each_once(published: Path) -> None:
    """The XLSX shows no charts, and drawing a paper's charts took about 1.5 s of its 1.7 s
    (scripts in the closing note): a chart is drawn when a writer first asks for its SVG."""
    report = make_report(Request(UNIT, QUARTER), published)
    charts = [c for s in report.sections for c in s.charts]
    assert len(charts) >= 10
    render(report, "xlsx")
    assert not [c for c in charts if "svg" in vars(c)]  # none drawn
    html = render(report, "html")
    assert all("svg" in vars(c) for c in charts)
    assert html.count(b"<svg") >= len(charts) and render(report, "html") == html  # drawn once, kept


# --- revisions: first submitted against current -------------------------------------------

def test_revisions_show_first_and_current_values(published: Path, tmp_path: Path) -> None:
    """No demo return is resubmitted, so record one revised figure in the marts of a copy of the published
    build (how dbt counts revisions is its unit test's business): the paper writes what the marts hold."""
    copy = tmp_path / "rocu.duckdb"
    shutil.copyfile(published, copy)
    con = duckdb.connect(str(copy))
    (value,) = con.execute("select value from marts.fct_metric_monthly where rocu_code = 'EMSOU' "
                           "and month = '2026-05' and metric_id = 'PUR_ARRESTS'").fetchone()
    con.execute("insert into marts.fct_revised_figures values ('EMSOU', '2026-05', 'PUR_ARRESTS', 'Arrests', 'count', "
                "?, ?, 7, 7, 2, '2026-06-20 10:00:00+00')", [value - 7, value])
    con.execute("update marts.fct_board_quarterly set revised_figures_to_date = 1, revised_months_to_date = 1 "
                "where rocu_code = 'EMSOU' and quarter = '2026-Q1'")
    con.execute("update marts.fct_board_network_quarterly set revised_figures_to_date = 1, "
                "revised_unit_months_to_date = 1 where quarter = '2026-Q1'")
    con.close()
    report = make_report(Request("EMSOU", "2026-Q1"), copy)
    section = next(s for s in report.sections if s.key == "revisions")
    assert section.findings[0].startswith("1 figure for EMSOU changed after first submission, across 1 month")
    assert f"from {value - 7:,.0f} to {value:,.0f}" in section.findings[0]
    shown = section.tables[0].shown
    assert shown.iloc[0]["First submitted"] == f"{value - 7:,.0f}" and shown.iloc[0]["Change"] == "+7"
    assert section.charts and section.charts[0].alt
    html = render(report, "html").decode()
    assert "Figures changed by resubmission" in html
    assert "version 2, 20 June 2026" in shown.iloc[0]["Changed by"]
    assert make_report(Request("EMSOU", "2026-Q1"), copy).build.figures_sha256 != \
        make_report(Request("EMSOU", "2026-Q1"), published).build.figures_sha256


# --- findings: pure sentences -------------------------------------------------------------

def test_findings_are_careful_with_small_numbers() -> None:
    assert findings.strand_coverage("prevent", 1, 3, 3) == \
        "Prevent outcomes were reported in 1 of 3 months; the network median is 3 of 3."
    assert findings.strand_coverage("protect", 0, 1, 1) == \
        "Protect outcomes were reported in 0 of 1 month; the network median is 1 of 1."
    for denominator in range(1, 10):
        for numerator in range(0, denominator + 1):
            assert "%" not in share(numerator, denominator)
    assert share(27, 59) == "46% (27 of 59)"
    small = findings.outcome("EMSOU", "Preparedness exercises", 5, 0.1, 0.09, 0.09)
    assert "too few to compare" in small and "per 100,000" not in small
    money = findings.outcome("EMSOU", "Cash seized", 1_429_631, 28670.4, 19301.9, 15547.9, "gbp", 48.54)
    assert money.startswith("Cash seized: £28,670 per 100,000 population (£1,429,631 in the quarter)")
    assert "49% above its peers" in money
    assert findings.data_quality("ROCUWM", 1, 3, 2, 1, 0) == (
        "ROCUWM submitted 3 files; 1 of 3 was rejected, with 2 errors and 1 warning raised "
        "(more rejections than the previous quarter's 0).")
    assert findings.timeliness("TARIAN", 2, 0, 1, 3, 3) == \
        "TARIAN returned 2 of 3 months on time and 1 missing or rejected; the network median is 3 of 3."
    assert "forces keep higher-threat groups" in findings.threat("ROCUWM", 47.2, 16, 58.7, 33, 1, 8)
    assert "high band: 1 of 9 of the unit's OCGs and 0% (0 of 30) of the forces'" in \
        findings.threat("X", 60, 9, 40, 30, 1, 0)
    assert findings.tasking("SWROCU", 0, 2, None) == \
        "SWROCU held no regional tasking meeting in the quarter (network median 2)."
    assert findings.tasking("ROCUWM", 2, 3, 84, True).endswith("was 84 days, more than eight weeks.")


def test_unit_findings_match_strand_months_in_the_demo_truth(published: Path, demo: Path) -> None:
    """SWROCU reports no prevent outcomes in the demo: the finding names the months and the network median,
    both counted from the demo generator's truth (every figure of every good return) and the framework."""
    strand = {r["metric_id"]: r["strand"] for r in read_csv(ROOT / "seeds" / "framework" / "metrics.csv")}
    totals: dict[tuple[str, str, str], float] = defaultdict(float)
    for r in read_csv(demo / "truth" / "expected_values.csv"):
        if r["period"] in QUARTER_MONTHS and strand.get(r["metric_id"]) == "prevent":
            totals[(r["rocu_code"], r["period"], r["metric_id"])] += float(r["value"])
    months = {u: len({m for (unit, m, _), v in totals.items() if unit == u and v > 0}) for u in UNITS}
    assert months["SWROCU"] == 0
    report = make_report(Request("SWROCU", QUARTER), published)
    balance = next(s for s in report.sections if s.key == "balance")
    median = statistics.median(months.values())
    expected = f"Prevent outcomes were reported in 0 of 3 months; the network median is {median:.0f} of 3."
    assert expected in balance.findings


def test_the_4p_balance_weighs_the_units_disruptions_by_impact_from_the_demo_truth(published: Path, demo: Path) -> None:
    """The balance is the impact-weighted share of the unit's disruptions outside pursue, counted here from
    the demo's disruption extracts (validated; a partner's twin of the unit's claim, from the generator's
    truth, left out) and the impact weights seed, never from how many figures are above zero."""
    twins = {r["force_disruption_ref"] for r in read_csv(demo / "truth" / "disruption_twins.csv")}
    weight = {r["impact_level"]: float(r["weight"]) for r in read_csv(ROOT / "seeds" / "reference" / "impact_levels.csv")}
    claims = {r["disruption_ref"]: r for path in sorted((demo / "extracts" / "disruptions").glob("*.csv"))
              for r in read_csv(path)}
    weighted: dict[bool, float] = defaultdict(float)
    counted = 0
    for r in claims.values():
        if (r["rocu_code"] == UNIT and r["disruption_date"][:7] in QUARTER_MONTHS
                and r["validation_status"].lower() == "validated" and r["disruption_ref"] not in twins):
            weighted[r["strand"].lower() != "pursue"] += weight[r["impact_level"].lower()]
            counted += 1
    assert counted >= 10 and weighted[True] and weighted[False], "the demo should give the unit a mixed quarter"
    total = weighted[True] + weighted[False]
    report = make_report(Request(UNIT, QUARTER), published)
    balance = next(s for s in report.sections if s.key == "balance")
    assert any(f.startswith(f"Outside pursue (prevent, protect, prepare): {100 * weighted[True] / total:.0f}% of "
                            f"{UNIT}'s disruptions weighted by impact ({weighted[True]:,.0f} of {total:,.0f}, "
                            f"from {counted:,} disruptions)") for f in balance.findings), balance.findings
    # the same disruptions counted one per figure would have said something else
    assert not any("figures above zero" in f for f in balance.findings)


# --- the dashboard page -------------------------------------------------------------------

def test_reports_page_offers_the_download(built_demo: Path) -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "dashboards" / "views" / "reports.py"),
                           default_timeout=120)
    at.session_state["rocu_session"] = make_session(built_demo, "nocc_analyst")
    at.run()
    assert not at.exception
    at.selectbox[0].set_value("EMSOU")
    at.selectbox[1].set_value("2026-Q1")  # financial-year quarter: April to June 2026
    at.selectbox[2].set_value("xlsx")
    at.button[0].click().run()
    assert not at.exception
    buttons = at.get("download_button")
    assert buttons and "rocu-consistency-emsou-2026-Q1.xlsx" in buttons[0].proto.label
    assert any("EMSOU returned" in m.value for m in at.markdown)
    at.radio[0].set_value("calendar").run()  # calendar quarters on request
    assert not at.exception
    at.selectbox[1].set_value("2026-C2")
    at.button[0].click().run()
    assert "rocu-consistency-emsou-2026-C2.xlsx" in at.get("download_button")[0].proto.label


def test_a_copy_from_an_older_release_gives_a_plain_message_not_a_catalog_error(tmp_path):
    """A published copy that lacks a mart the paper reads (an older release) is named as such."""
    from pipelines.serving.build_info import BuildInfo, write_build_info

    old = tmp_path / "rocu.duckdb"
    con = duckdb.connect(str(old))
    con.execute("create schema marts")
    con.execute("create table marts.dim_rocu as select 'EMSOU' as rocu_code, 'East Midlands' as rocu_name, "
                "'EMSOU' as brand, 5 as force_count, '' as force_names")
    write_build_info(con, BuildInfo("build-1", "2026-11-01T00:00:00+00:00", "rocu.duckdb", 1, "ab" * 32, "cd" * 32))
    con.close()
    with pytest.raises(ReportError) as refused:
        make_report(Request("EMSOU", "2026-Q1"), old)
    assert "older release" in str(refused.value) and "Rebuild the warehouse" in str(refused.value)
    assert "Catalog" not in str(refused.value)
