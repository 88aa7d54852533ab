"""The NOCC's queries end to end on the built demo: raised from the drill-through, answered on the
Upload page, loaded by the Dagster asset, modelled by dbt (fct_queries, fct_query_quality), shown
beside the figure and printed in the board paper; and the queries reconciliation raises after a
build, once each."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
from dagster import DagsterInstance, materialize

from pipelines.access import AuditLog
from pipelines.intake.api import LandingZone, queries_of, raise_query
from pipelines.orchestration.assets.nocc_queries import raw_nocc_queries, reconciliation_queries
from pipelines.orchestration.resources import LandingResource, WarehouseResource
from pipelines.papers import Request, make_report
from pipelines.serving.publish import publish_copy
from pipelines.settings import Paths
from tests.conftest import make_session, run_dbt
from tests.test_dashboard_apptest import fresh_caches, latest_month, run, texts  # noqa: F401

QUARTER_RAISED = datetime(2026, 10, 1, 9, tzinfo=UTC)  # a Thursday in financial-year quarter 2026-Q3


def resources(var: Path) -> dict:
    paths = Paths(var)
    return {"landing": LandingResource(root=str(paths.landing), extracts_dir=str(paths.landing / "extracts")),
            "warehouse": WarehouseResource(path=str(paths.warehouse), published_path=str(paths.published),
                                           var_dir=str(var))}


def marts(var: Path, sql: str, *params) -> list[tuple]:
    with duckdb.connect(str(Paths(var).published), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def test_a_build_raises_a_query_for_each_disagreement_needing_one_and_a_rerun_raises_none(built_demo_copy: Path):
    var = built_demo_copy
    zone = LandingZone(Paths(var).landing)
    needing = marts(var, "select count(*) from marts.fct_reconciliation where needs_query")[0][0]
    by_reconciliation = lambda: [q for q in queries_of(zone) if q.origin == "reconciliation"]  # noqa: E731
    assert len(by_reconciliation()) == needing  # the demo build's own step raised one each (its returns agree)

    # two disagreements above their thresholds, and one below, as a build leaves them in the mart
    with duckdb.connect(str(Paths(var).warehouse)) as con:
        con.execute("""
            insert into marts.fct_reconciliation by name
            select * from (values
                ('unit_total_vs_force_split', 'A unit''s total against the sum of its force split', 'EMSOU',
                 '2026-09', 'PUR_CHARGES', 'Unit total on the return', 'Sum of the force rows', 25.0, 20.0, true),
                ('disruptions_return_vs_extract', 'Disruptions: the return against the disruption extract',
                 'NEROCU', '2026-09', 'DIS_TOTAL', 'Monthly return', 'Disruption extract', 3.0, 0.0, true),
                ('figure_versions', 'The same figure in two versions', 'EMSOU', '2026-09', 'PUR_ARRESTS',
                 'Current version', 'Previous accepted version', 40.0, 40.5, false)
            ) as t (check_code, check_name, rocu_code, month, metric_id, reported_side, reference_side,
                    reported_value, reference_value, needs_query)
        """)
    for expected in (2, 0):  # a rerun raises nothing again
        run = materialize([reconciliation_queries], resources=resources(var), instance=DagsterInstance.ephemeral())
        assert run.success
        (materialization,) = run.asset_materializations_for_node("reconciliation_queries")
        assert materialization.metadata["raised_now"].value == expected
    raised = by_reconciliation()
    assert sorted((q.rocu_code, q.metric_id, q.period, q.value_seen, q.state) for q in raised[:2]) == [
        ("EMSOU", "PUR_CHARGES", "2026-09", 25.0, "raised"), ("NEROCU", "DIS_TOTAL", "2026-09", 3.0, "raised")]
    assert len(raised) == needing + 2
    audited = [r for r in AuditLog.at(Paths(var)).records() if r.action == "query_raise"]
    assert [r.actor for r in audited[-2:]] == ["reconciliation", "reconciliation"]


def test_a_query_raised_on_the_drill_through_is_answered_by_the_unit_and_reaches_the_marts_and_paper(
        built_demo_copy: Path):
    var = built_demo_copy
    month = latest_month(var, "EMSOU")
    figure = {"unit": "EMSOU", "metric": "PUR_ARRESTS", "period_type": "month", "period": month}

    # a unit's people have no form (they cannot open the drill-through at all); an analyst has
    drill = run("drill", **figure)
    drill.text_area(key="raise_question").input("Arrests are well above the unit's usual month: what happened?")
    drill.button(key="raise_query").click().run()
    assert not drill.exception and "raised: EMSOU sees it in its queue now" in texts(drill.success)
    zone = LandingZone(Paths(var).landing)
    (asked,) = [q for q in queries_of(zone) if q.origin == "analyst"]
    ((value,),) = marts(var, "select value from marts.fct_metric_monthly where rocu_code = 'EMSOU'"
                             " and metric_id = 'PUR_ARRESTS' and month = ?", month)
    assert (asked.period, asked.value_seen) == (month, value)

    # the unit answers in its queue on the Upload page
    upload = run("upload", as_role="unit_submitter", as_unit="EMSOU", unit="EMSOU")
    assert "waiting for your answer" in texts(upload.caption)
    upload.text_area(key=f"nocc_answer_{asked.query_id}").input("A planned day of action: 23 arrests in one day.")
    upload.button(key=f"nocc_send_{asked.query_id}").click().run()
    assert not upload.exception
    assert "A planned day of action" in texts(upload.success)
    other = run("upload", as_role="unit_submitter", as_unit="NWROCU", unit="NWROCU")
    assert "Arrests are well above" not in texts(other.markdown)  # another unit's queue holds none of EMSOU's

    # one more, raised in 2026-Q3 and never answered: overdue by the time of the build
    analyst = make_session(var, "nocc_analyst")
    late = raise_query(zone, analyst, unit="EMSOU", metric="PUR_CHARGES", period_type="month", period="2026-09",
                       value_seen=None, question="Charges fell to zero: is September complete?", now=QUARTER_RAISED)

    # the refresh an answer asks for: load the registry, build the query marts, publish
    assert materialize([raw_nocc_queries], resources=resources(var), instance=DagsterInstance.ephemeral()).success
    built = run_dbt(["build", "--select", "stg_intake__nocc_queries+", "stg_intake__nocc_query_events+"],
                    Paths(var).warehouse, var / "dbt-target")
    assert built.returncode == 0, built.stdout[-3000:]
    publish_copy(Paths(var).warehouse, Paths(var).published, AuditLog.at(Paths(var)))

    rows = dict((r[0], r[1:]) for r in marts(var, "select query_id, state, answer, is_overdue, working_days_open"
                                                  " from marts.fct_queries where origin = 'analyst'"))
    assert rows[asked.query_id][:3] == ("answered", "A planned day of action: 23 arrests in one day.", False)
    assert rows[late.query_id][0] == "raised" and rows[late.query_id][2] is True
    ((overdue,),) = marts(var, "select overdue from marts.fct_query_quality where rocu_code = 'EMSOU'"
                               " and period_type = 'quarter' and period = '2026-Q3'")
    assert overdue >= 1

    # the marker and the answer beside the figure
    fresh_caches_now()
    drill = run("drill", **figure)
    assert "Queried by the NOCC" in texts(drill.warning)
    assert "A planned day of action: 23 arrests in one day." in texts(drill.markdown)

    # and in the board paper of the quarter the second query was raised in
    report = make_report(Request("EMSOU", "2026-Q3"), Paths(var).published)
    (queries,) = [t for s in report.sections for t in s.tables if t.caption.startswith("Queries raised by the NOCC")]
    shown = queries.shown.set_index("Query")
    assert shown.loc[str(late.query_id), "Question"] == "Charges fell to zero: is September complete?"
    assert shown.loc[str(late.query_id), "Status"] == "waiting for an answer (overdue)"
    (by_unit,) = [t for s in report.sections for t in s.tables if t.caption.startswith("NOCC queries by unit")]
    assert by_unit.shown.set_index("Unit").loc["EMSOU", "Overdue"] == f"{overdue:,}"

    # and on the Submissions page, a data-quality measure read from fct_query_quality; a unit's
    # people see their own unit's only
    ((name, label, *counts),) = marts(
        var, "select r.rocu_name, d.quarter_label, q.queries_raised, q.awaiting_answer, q.overdue, q.answered "
             "from marts.fct_query_quality as q inner join marts.dim_rocu as r on q.rocu_code = r.rocu_code "
             "inner join marts.dim_quarter as d on q.period = d.quarter "
             "where q.rocu_code = 'EMSOU' and q.period_type = 'quarter' and q.period = '2026-Q3'")
    for role, unit in (("nocc_analyst", None), ("unit_submitter", "EMSOU")):
        page = run("submissions", as_role=role, as_unit=unit)
        (table,) = [t.value for t in page.table if "Quarter raised" in t.value.columns]
        row = table[(table["Unit"] == name) & (table["Quarter raised"] == label)]
        assert row[["Raised", "Waiting for an answer", "Overdue", "Answered"]].values.tolist() == [
            [str(c) for c in counts]], table
        if unit:
            assert set(table["Unit"]) == {name}
    other = run("submissions", as_role="unit_submitter", as_unit="NWROCU")
    assert not [t for t in other.table if "Quarter raised" in t.value.columns]  # NWROCU was never queried
    assert "The NOCC raised no query on these units' figures" in texts(other.info)


def fresh_caches_now() -> None:
    import streamlit as st

    st.cache_data.clear()


def test_an_analyst_raises_a_query_on_a_quarters_figure_and_none_on_a_financial_year(built_demo_copy: Path):
    (quarter,) = marts(built_demo_copy, "select max(period) from marts.fct_metric_comparison where rocu_code = 'EMSOU'"
                                        " and metric_id = 'PUR_ARRESTS' and period_type = 'quarter'")[0]
    drill = run("drill", unit="EMSOU", metric="PUR_ARRESTS", period_type="quarter", period=quarter)
    drill.text_area(key="raise_question").input("The quarter is twice the last: is a month counted twice?")
    drill.button(key="raise_query").click().run()
    assert "raised: EMSOU sees it in its queue now" in texts(drill.success)
    (asked,) = [q for q in queries_of(LandingZone(Paths(built_demo_copy).landing)) if q.origin == "analyst"]
    assert (asked.period_type, asked.period) == ("quarter", quarter)
    # the form is not drawn for a financial year, a period a query is not raised on
    year = run("drill", unit="EMSOU", metric="PUR_ARRESTS", period_type="financial_year")
    assert not [t for t in year.text_area if t.key == "raise_question"]
