"""Pages only select from the marts and format: every query a page sends reads the `marts`
schema alone, aggregates nothing (sums, counts, means, medians, ranks are the marts' work, each
with its dbt unit test), and names exactly the marts its exposure in _exposures.yml declares."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

import dashboards.data
from dashboards.threat_drill import FIGURES as THREAT_FIGURES
from tests.test_dashboard_apptest import (complete_year, fresh_caches, latest_month, run, run_every_section,  # noqa: F401
                                          scenario, sql, var)

EXPOSURES = Path(__file__).resolve().parents[1] / "dbt_project" / "models" / "marts" / "_exposures.yml"
RELATION = re.compile(r"\b(?:from|join)\s+([a-z_]+)\.([a-z_]+)", re.IGNORECASE)
AGGREGATE = re.compile(r"\bgroup\s+by\b|\b(?:sum|avg|count|median|min|max|any_value|quantile\w*|rank|string_agg)\s*\(",
                       re.IGNORECASE)
# Each page's exposure, and the views (URL parameters) that between them send every query the page can send.
PAGE_VIEWS = {
    "national_overview": ("national", [{}, {"period_type": "month"}]),
    "regional_comparison": ("regional", [{"unit": "EMSOU", "metric": "PUR_ARRESTS"},
                                         {"unit": "EMSOU", "metric": "PUR_ARRESTS", "period_type": "quarter"}]),
    "drill_through": ("drill", [{"unit": "EMSOU", "metric": "PUR_ARRESTS", "period_type": "financial_year"},
                                {"unit": "EMSOU", "metric": "PUR_ARRESTS", "period_type": "month", "period": "LATEST"},
                                {"unit": "EMSOU", "metric": "DIS_MAJOR", "period_type": "month", "period": "LATEST"},
                                {"unit": "EMSOU", "metric": "CAP_IN_POST", "period_type": "month", "period": "LATEST"},
                                {"unit": "EMSOU", "metric": "OCG_ACTIVE", "period_type": "month", "period": "LATEST"},
                                {"unit": "MISSING", "metric": "PUR_ARRESTS", "period_type": "month", "period": "MISSING"},
                                # every threat-page figure (dashboards/threat_drill.py), so a new one is run too
                                *({"unit": "EMSOU", "figure": figure, "period_type": "financial_year"}
                                  for figure in THREAT_FIGURES),
                                # each alignment figure (dashboards/alignment_drill.py)
                                *({"unit": "EMSOU", "figure": figure} for figure in (
                                    "alignment_area", "priorities_without_operation", "operations_off_priority",
                                    "escalation_decisions", "tasking_rhythm"))]),
    "submissions_dashboard": ("submissions", [{}]),
    "reconciliation_dashboard": ("reconciliation", [{}]),
    "framework_catalogue": ("catalogue", [{}]),
    "board_reports_page": ("reports", [{}]),
    "governance_and_recommendations": ("governance", [{"unit": "EMSOU"}]),
}


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The SQL of every query pages send through dashboards.data (run for real, only recorded)."""
    queries: list[str] = []
    real = dashboards.data._query

    def recording(query: str, params: tuple, build_id: str):
        queries.append(query)
        return real(query, params, build_id)

    monkeypatch.setattr(dashboards.data, "_query", recording)
    return queries


def declared(exposure: str) -> set[str]:
    spec = next(e for e in yaml.safe_load(EXPOSURES.read_text())["exposures"] if e["name"] == exposure)
    return {re.fullmatch(r"ref\('(\w+)'\)", d).group(1) for d in spec["depends_on"]}


@pytest.mark.parametrize("exposure", PAGE_VIEWS)
def test_a_page_selects_from_the_marts_it_declares_and_aggregates_nothing(exposure, var, sent):
    page, views = PAGE_VIEWS[exposure]
    for params in views:
        if params.get("period") == "LATEST":
            params = {**params, "period": latest_month(var, "EMSOU")}
        if params.get("period") == "MISSING":  # a month with no figure: the page says why, from the submissions
            missing = scenario(var, "missing")
            params = {**params, "unit": missing["rocu_code"], "period": missing["period"]}
        run_every_section(page, as_role="nocc_analyst", **params)
    assert sent, f"the {page} page sent no query"
    relations = {m for q in sent for m in RELATION.findall(q)}
    assert {schema for schema, _ in relations} == {"marts"}, sorted(relations)
    aggregating = [q for q in sent if AGGREGATE.search(q)]
    assert not aggregating, aggregating
    assert {table for _, table in relations} == declared(exposure)


def test_the_pages_use_the_marts_that_hold_their_figures(var, sent):
    """The figures once worked out in the pages come from their marts (each unit-tested in dbt)."""
    year = complete_year(var)
    run_every_section("national", period_type="financial_year", period=year)
    run_every_section("regional", unit="EMSOU", metric="PUR_ARRESTS", period_type="financial_year", period=year)
    run("drill", unit="EMSOU", metric="PUR_ARRESTS", period_type="financial_year", period=year)
    run("drill", unit="EMSOU", metric="PUR_ARRESTS", period_type="month", period=latest_month(var, "EMSOU"))
    run("drill", unit="EMSOU", metric="DIS_MAJOR", period_type="month", period=latest_month(var, "EMSOU"))
    run("submissions")
    read = {table for q in sent for _, table in RELATION.findall(q)}
    assert {"dim_period", "fct_metric_network", "fct_strand_bands", "fct_force_split", "fct_metric_period_months",
            "fct_metric_versions", "fct_disruptions_by_metric", "fct_disruption_claims", "fct_submission_summary"} <= read
    rateable = [q for q in sent if "from marts.dim_metric" in q and "is_rateable" in q]
    assert rateable, "the national and regional pickers offer the metrics dim_metric marks rateable"
    offered = {r[0] for r in sql(var, "select metric_id from marts.dim_metric where is_rateable")}
    assert offered and not offered & {r[0] for r in sql(var, "select metric_id from marts.dim_metric"
                                                             " where unit in ('percent', 'score', 'fte')")}
