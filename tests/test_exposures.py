"""`_exposures.yml` says what each page and board paper reads, and it is true.

Every exposure names its page (url: dashboards/views/<page>.py) or paper (config.meta.paper),
so "where is this figure computed" is one hop from a page to its marts. The declaration is
checked against the SQL actually sent: every query passing through the one read path of
pages (dashboards/data.py) and of papers (pipelines/papers/data.py) is recorded while each
page is rendered through its branches and a network and a unit paper are made, and the
tables it names are read with DuckDB's own parser.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlparse

import duckdb
import pytest
import yaml
from streamlit.testing.v1 import AppTest

from dashboards.threat_drill import FIGURES as THREAT_FIGURES
from pipelines.papers import NETWORK, Request, make_report
from pipelines.serving.reads import recording
from pipelines.settings import Paths
from tests.conftest import make_session
from tests.test_dashboard_apptest import (complete_year, fresh_caches, latest_month, scenario,  # noqa: F401
                                          sections, sql)

ROOT = Path(__file__).resolve().parents[1]
EXPOSURES = ROOT / "dbt_project" / "models" / "marts" / "_exposures.yml"
VIEWS = ROOT / "dashboards" / "views"
PAPERS = {"pipelines/papers"}  # the board papers' package (make_report); one paper so far
PAPER_UNIT, PAPER_QUARTER = "SEROCU", "2026-Q3"  # as tests/test_board_report.py


def exposures() -> list[dict]:
    return yaml.safe_load(EXPOSURES.read_text())["exposures"]


def page_of(exposure: dict) -> str | None:
    url = exposure.get("url")
    return urlparse(url).path.strip("/") if url else None


def paper_of(exposure: dict) -> str | None:
    return (exposure.get("config") or {}).get("meta", {}).get("paper")


def declared(exposure: dict) -> set[str]:
    """The marts an exposure depends on, as the schema-qualified names the SQL uses."""
    names = set()
    for ref in exposure.get("depends_on") or []:
        match = re.fullmatch(r"ref\('(\w+)'\)", ref)
        assert match, f"{exposure['name']}: '{ref}' is not a ref('...') to a mart"
        names.add(f"marts.{match[1]}")
    return names


def tables_in(query: str) -> set[str]:
    """Tables a query reads, from DuckDB's own parse tree.

    duckdb.get_table_names (1.5.6) refuses any query with a `?` parameter ("Unexpected prepared
    parameter"), and nearly every page query has one; json_serialize_sql is the same parser
    and keeps parameters as parameters. Names of common table expressions are not tables.
    """
    tree = json.loads(duckdb.execute("select json_serialize_sql(?)", [query]).fetchone()[0])
    assert not tree["error"], (tree.get("error_message"), query)
    tables: set[str] = set()
    ctes: set[str] = set()

    def walk(node) -> None:
        if isinstance(node, dict):
            if node.get("type") == "BASE_TABLE":
                tables.add(".".join(p for p in (node["schema_name"], node["table_name"]) if p))
            ctes.update(entry["key"] for entry in (node.get("cte_map") or {}).get("map", []))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(tree["statements"])
    return tables - ctes


def tables_read(queries: list[str]) -> set[str]:
    return set().union(*map(tables_in, queries)) if queries else set()


# --- every exposure names a real page or paper ------------------------------------------

def test_every_exposure_names_its_page_or_paper_and_every_page_has_one():
    pages = {p.stem for p in VIEWS.glob("*.py")}
    app = (ROOT / "dashboards" / "app.py").read_text()
    named_pages, named_papers = [], []
    for exposure in exposures():
        page, paper = page_of(exposure), paper_of(exposure)
        assert (page is None) != (paper is None), f"{exposure['name']} must name one page (url) or one paper"
        if page is not None:
            assert page in pages, f"{exposure['name']}: no page dashboards/views/{page}.py"
            assert f'"{page}")' in app, f"{exposure['name']}: dashboards/app.py does not serve {page}"
            assert exposure["type"] in ("dashboard", "application")
            named_pages.append(page)
        else:
            assert paper in PAPERS and (ROOT / paper).is_dir(), f"{exposure['name']}: no paper {paper}"
            named_papers.append(paper)
        for name in declared(exposure):
            assert (ROOT / "dbt_project" / "models" / "marts" / f"{name.split('.')[1]}.sql").exists(), \
                f"{exposure['name']}: {name} is not a mart"
    assert sorted(named_pages) == sorted(pages), "each page has exactly one exposure"
    assert sorted(named_papers) == sorted(PAPERS), "each paper has exactly one exposure"


def test_the_sql_parser_finds_every_table_and_only_tables():
    query = """with subs as (select * from staging.s where m in ?)
               select * from subs join marts.a using (k) left join (select distinct f from marts.b) b using (f)
               where x = ? and y in (select y from reference.c)"""
    assert tables_in(query) == {"staging.s", "marts.a", "marts.b", "reference.c"}


# --- what pages and papers read is what they declare ------------------------------------

def page_runs(page: str, var: Path) -> list[tuple[str, str | None, dict]]:
    """(role, unit, URL parameters) for each way through a page that reads something different.

    A NOCC analyst may open every page but the upload page (a unit's submitter's).
    """
    analyst = ("nocc_analyst", None)
    if page == "upload":
        return [("unit_approver", "EMSOU", {"unit": "EMSOU"})]
    if page == "admin":
        return [("admin", None, {})]
    if page == "drill":
        year = complete_year(var)
        runs = [(*analyst, {"unit": "EMSOU", "metric": "PUR_ARRESTS", "period_type": "financial_year",
                            "period": year})]
        for (metric,) in sql(var, "select min(metric_id) from marts.dim_metric group by source order by 1"):
            ((month,),) = sql(var, "select max(month) from marts.fct_metric_monthly where rocu_code = 'EMSOU'"
                                   " and metric_id = ?", metric)
            runs.append((*analyst, {"unit": "EMSOU", "metric": metric, "period_type": "month",
                                    "period": month or latest_month(var, "EMSOU")}))
        missing = scenario(var, "missing")
        runs.append((*analyst, {"unit": missing["rocu_code"], "metric": "PUR_ARRESTS", "period_type": "month",
                                "period": missing["period"]}))
        # Every figure of the threat page (dashboards/threat_drill.py), so a new one is run too.
        for figure in THREAT_FIGURES:
            runs.append((*analyst, {"unit": "EMSOU", "figure": figure, "threat": "ALL",
                                    "period_type": "financial_year", "period": year}))
        # Each figure of the alignment page (dashboards/alignment_drill.py).
        ((fy,),) = sql(var, "select max(financial_year) from marts.fct_effort_alignment_index")
        for figure in ("alignment_area", "priorities_without_operation", "operations_off_priority",
                       "escalation_decisions", "tasking_rhythm"):
            runs.append((*analyst, {"unit": "EMSOU", "figure": figure, "threat": "ALL", "year": fy}))
        return runs
    if page == "submissions":
        missing = scenario(var, "missing")
        return [(*analyst, {}), (*analyst, {"unit": missing["rocu_code"], "month": missing["period"]})]
    return [(*analyst, {})]


@pytest.fixture
def var(built_demo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ROCU_VAR_DIR", str(built_demo))
    return built_demo


@pytest.mark.parametrize("exposure", [e for e in exposures() if page_of(e)], ids=lambda e: page_of(e))
def test_a_page_reads_exactly_the_marts_its_exposure_declares(exposure: dict, var: Path):
    page = page_of(exposure)
    problems = []
    with recording() as sent:
        for role, unit, params in page_runs(page, var):
            at = AppTest.from_file(str(VIEWS / f"{page}.py"), default_timeout=120)
            at.session_state["rocu_session"] = make_session(var, role, unit)
            at.query_params.update(params)
            at.run()
            problems += [f"{params}: {e.value}" for e in at.exception]
            for section in sections(at):  # only the open section runs: open each in turn
                at.session_state["section"] = section
                at.run()
                problems += [f"{params}, section {section}: {e.value}" for e in at.exception]
    assert tables_read(sent) == declared(exposure), f"{page}.py reads {sorted(tables_read(sent))}"
    assert not problems


def test_a_paper_reads_exactly_the_marts_its_exposure_declares(built_demo: Path):
    (exposure,) = [e for e in exposures() if paper_of(e) == "pipelines/papers"]
    with recording() as sent:
        for unit in (NETWORK, PAPER_UNIT):
            try:
                make_report(Request(unit, PAPER_QUARTER), Paths(built_demo).published)
            except duckdb.CatalogException:
                break  # a read outside the published marts: the comparison below names it
    assert tables_read(sent) == declared(exposure), f"the paper reads {sorted(tables_read(sent))}"
