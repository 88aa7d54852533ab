"""Queries the NOCC raises on published figures: the lifecycle in the registry and the audit trail,
who may do what (checked on the server), working days and the configurable overdue rule, the
command line, and the queries reconciliation raises, once each."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from pipelines.access import AuditLog, PermissionDenied
from pipelines.cli import main as rocu
from pipelines.intake import nocc_queries
from pipelines.intake.api import (LandingZone, QueryRefused, answer_nocc_query, close_query, queries_of,
                                  raise_from_reconciliation, raise_query, visible_queries, working_days_between)
from pipelines.settings import Paths
from tests.conftest import PASSWORD, make_session

RAISED = datetime(2026, 1, 8, 10, 0, tzinfo=UTC)  # a Thursday


@pytest.fixture
def var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ROCU_VAR_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture
def zone(var: Path) -> LandingZone:
    return LandingZone(Paths(var).landing)


def ask(zone: LandingZone, session, unit: str = "EMSOU", **kw):
    return raise_query(zone, session, unit=unit, metric="PUR_ARRESTS", period_type="month", period="2025-11",
                       value_seen=41.0, question="Arrests doubled in November: what happened?", now=RAISED, **kw)


def test_a_query_is_raised_answered_and_closed_with_every_step_audited(var: Path, zone: LandingZone):
    analyst, other_analyst = make_session(var, "nocc_analyst"), _second_analyst(var)
    lead, neighbour = make_session(var, "unit_submitter", "EMSOU"), make_session(var, "unit_submitter", "NWROCU")

    with pytest.raises(PermissionDenied, match="does not allow you to raise or close queries"):
        ask(zone, lead)  # a unit role cannot raise
    assert queries_of(zone) == []

    q = ask(zone, analyst)
    assert (q.rocu_code, q.metric_id, q.period_type, q.period, q.value_seen, q.state, q.raised_by) == (
        "EMSOU", "PUR_ARRESTS", "month", "2025-11", 41.0, "raised", analyst.username)
    # the unit sees its own queue only; the NOCC sees every query
    assert [x.query_id for x in visible_queries(zone, lead)] == [q.query_id]
    assert visible_queries(zone, neighbour) == []
    assert [x.query_id for x in visible_queries(zone, other_analyst)] == [q.query_id]
    with pytest.raises(PermissionDenied, match="for EMSOU"):
        answer_nocc_query(zone, q.query_id, "Not ours to answer.", neighbour)
    with pytest.raises(QueryRefused, match="cannot be empty"):
        answer_nocc_query(zone, q.query_id, "   ", lead)

    answered = answer_nocc_query(zone, q.query_id, "Operation Kestrel: a planned day of action; 23 arrests.", lead,
                                 now=datetime(2026, 1, 12, 9, tzinfo=UTC))
    assert (answered.state, answered.answered_by) == ("answered", lead.username)
    assert answered.answer.startswith("Operation Kestrel")
    with pytest.raises(PermissionDenied):
        close_query(zone, q.query_id, lead)  # only the raiser or a NOCC analyst closes
    closed = close_query(zone, q.query_id, other_analyst, "Explained by the day of action.",
                         now=datetime(2026, 1, 13, 9, tzinfo=UTC))
    assert (closed.state, closed.closed_by, closed.close_note) == ("closed", other_analyst.username,
                                                                   "Explained by the day of action.")
    assert closed.answer == answered.answer  # the answer stays with the query
    with pytest.raises(QueryRefused, match="already closed"):
        close_query(zone, q.query_id, analyst)
    with pytest.raises(QueryRefused, match="cannot be answered now"):
        answer_nocc_query(zone, q.query_id, "Late extra detail.", lead)

    trail = [(r.actor, r.action, r.detail.get("nocc_query")) for r in AuditLog.at(Paths(var)).records()
             if r.action.startswith("query_")]
    assert trail == [(analyst.username, "query_raise", q.query_id), (lead.username, "query_answer", q.query_id),
                     (other_analyst.username, "query_close", q.query_id)]
    # the history is append-only, in the registry as in the audit trail
    with sqlite3.connect(zone.registry.path) as con:
        states = [r[0] for r in con.execute("select state from nocc_query_events order by event_id")]
        assert states == ["raised", "answered", "closed"]
        for sql in ("update nocc_query_events set state = 'raised'", "delete from nocc_queries"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                con.execute(sql)


def test_the_raiser_closes_their_own_query(var: Path, zone: LandingZone):
    analyst = make_session(var, "nocc_analyst")
    q = ask(zone, analyst)
    assert close_query(zone, q.query_id, analyst).state == "closed"


def test_a_query_is_refused_for_a_figure_that_cannot_exist(var: Path, zone: LandingZone):
    analyst = make_session(var, "nocc_analyst")
    with pytest.raises(QueryRefused, match="no metric 'NOT_A_METRIC'"):
        raise_query(zone, analyst, unit="EMSOU", metric="not_a_metric", period_type="month", period="2025-11",
                    value_seen=None, question="?")
    with pytest.raises(QueryRefused, match="not a month"):
        raise_query(zone, analyst, unit="EMSOU", metric="PUR_ARRESTS", period_type="month", period="2025-13",
                    value_seen=None, question="?")
    assert queries_of(zone) == []


def test_working_days_skip_weekends_and_bank_holidays():
    assert working_days_between(date(2026, 1, 8), date(2026, 1, 12)) == 2  # Thursday to Monday: Friday, Monday
    assert working_days_between(date(2025, 12, 24), date(2025, 12, 29)) == 1  # Christmas, Boxing Day, a weekend
    assert working_days_between(date(2026, 1, 12), date(2026, 1, 12)) == 0


def test_overdue_after_the_seeds_working_days_with_a_fixed_clock(var: Path, zone: LandingZone):
    q = ask(zone, make_session(var, "nocc_analyst"))
    assert nocc_queries.days_to_answer("2026-01-08") == 10  # seeds/reference/nocc_query_rules.csv
    assert q.answer_due() == date(2026, 1, 22)  # ten working days after Thursday 8 January
    assert not q.is_overdue(date(2026, 1, 22))
    assert q.is_overdue(date(2026, 1, 23))
    answered = answer_nocc_query(zone, q.query_id, "Confirmed.", make_session(var, "unit_approver", "EMSOU"),
                                 now=datetime(2026, 1, 26, tzinfo=UTC))
    assert not answered.is_overdue(date(2026, 2, 1)) and answered.working_days_waiting(date(2026, 2, 1)) == 12


def test_the_overdue_rule_is_data(var: Path, zone: LandingZone, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    rules = tmp_path / "rules.csv"
    rules.write_text("effective_from,working_days_to_answer,description\n2015-04-01,10,old\n2026-01-01,2,new\n")
    monkeypatch.setattr(nocc_queries, "RULES_CSV", rules)
    nocc_queries._rules.cache_clear()
    try:
        q = ask(zone, make_session(var, "nocc_analyst"))  # raised Thursday: two working days, Friday and Monday
        assert not q.is_overdue(date(2026, 1, 12)) and q.is_overdue(date(2026, 1, 13))
        assert nocc_queries.days_to_answer("2025-12-31") == 10
    finally:
        nocc_queries._rules.cache_clear()


def test_reconciliation_raises_one_query_per_disagreement_however_often_it_runs(var: Path, zone: LandingZone):
    rows = [{"check_code": "unit_total_vs_force_split", "check_name": "A unit's total against its force split",
             "rocu_code": "EMSOU", "month": "2025-11", "metric_id": "PUR_CHARGES", "reported_side": "Unit total",
             "reference_side": "Sum of the force rows", "reported_value": 25.0, "reference_value": 20.0},
            {"check_code": "disruptions_return_vs_extract", "check_name": "Disruptions", "rocu_code": "NEROCU",
             "month": "2025-11", "metric_id": "DIS_TOTAL", "reported_side": "Monthly return",
             "reference_side": "Disruption extract", "reported_value": 3.0, "reference_value": None}]
    first = raise_from_reconciliation(zone, rows)
    assert [(q.rocu_code, q.origin, q.raised_by, q.value_seen) for q in first] == [
        ("EMSOU", "reconciliation", "reconciliation", 25.0), ("NEROCU", "reconciliation", "reconciliation", 3.0)]
    assert "gives 25, Sum of the force rows gives 20" in first[0].question
    assert raise_from_reconciliation(zone, rows) == []  # a rerun raises nothing
    assert len(queries_of(zone)) == 2
    changed = [rows[0] | {"reported_value": 27.0}]  # the figure changed and still disagrees: a new query
    assert len(raise_from_reconciliation(zone, changed)) == 1


def test_the_command_line_raises_answers_lists_and_closes(var: Path, zone: LandingZone, capsys,
                                                          monkeypatch: pytest.MonkeyPatch):
    analyst, lead = make_session(var, "nocc_analyst"), make_session(var, "unit_submitter", "EMSOU")
    make_session(var, "unit_submitter", "NWROCU")
    monkeypatch.setenv("ROCU_TEST_PASSWORD", PASSWORD)
    sign_in = ["--password-env", "ROCU_TEST_PASSWORD"]
    raise_args = ["query", "raise", "--unit", "EMSOU", "--metric", "PUR_ARRESTS", "--period", "2025-11",
                  "--value", "41", "--question", "Why so many?"]
    assert rocu([*raise_args, "--user", lead.username, *sign_in]) == 1  # a unit cannot raise
    assert "does not allow you to raise" in capsys.readouterr().err
    assert rocu([*raise_args, "--user", analyst.username, *sign_in]) == 0
    assert "RAISED: query 1" in capsys.readouterr().out
    assert rocu(["query", "list", "--user", "unit_submitter.nwrocu", *sign_in]) == 0
    assert "0 queries" in capsys.readouterr().out  # another unit sees nothing of EMSOU's
    assert rocu(["query", "answer", "1", "--text", "A day of action.", "--user", "unit_submitter.nwrocu",
                 *sign_in]) == 1
    assert rocu(["query", "answer", "1", "--text", "A day of action.", "--user", lead.username, *sign_in]) == 0
    assert rocu(["query", "list", "--user", lead.username, *sign_in]) == 0
    listed = capsys.readouterr().out
    assert "answered" in listed and "answer: A day of action." in listed and "1 query" in listed
    assert rocu(["query", "close", "1", "--note", "Fine.", "--user", analyst.username, *sign_in]) == 0
    assert rocu(["query", "close", "1", "--user", analyst.username, *sign_in]) == 2  # already closed
    assert queries_of(zone)[0].state == "closed"


def test_a_persons_answer_asks_for_a_refresh_and_reconciliations_queries_do_not(var: Path, zone: LandingZone):
    from dagster import DagsterInstance, build_sensor_context

    from pipelines.orchestration.resources import LandingResource
    from pipelines.orchestration.sensors import queries_sensor

    landing = LandingResource(root=str(zone.root), extracts_dir=str(var / "extracts"))
    cursor = None

    def tick():
        nonlocal cursor
        result = queries_sensor(build_sensor_context(resources={"landing": landing}, cursor=cursor,
                                                     instance=DagsterInstance.ephemeral()))
        cursor = result.cursor
        return result.run_requests or []

    q = ask(zone, make_session(var, "nocc_analyst"))
    assert tick() == []  # the first evaluation starts from what is there
    raise_from_reconciliation(zone, [{"check_code": "figure_versions", "check_name": "Versions", "rocu_code": "EMSOU",
                                      "month": "2025-10", "metric_id": "PUR_ARRESTS", "reported_side": "Current",
                                      "reference_side": "Previous", "reported_value": 5.0, "reference_value": 3.0}])
    assert tick() == []  # a build raised it: asking for a build again would never end
    answer_nocc_query(zone, q.query_id, "Confirmed.", make_session(var, "unit_submitter", "EMSOU"))
    (request,) = tick()
    assert request.run_key.startswith("queries|") and not request.run_config  # a whole refresh_returns run
    assert tick() == []


def test_the_refresh_an_answer_asks_for_loads_the_queries_and_rebuilds_their_marts(var: Path):
    from dagster import AssetKey

    from pipelines.orchestration.definitions import build_definitions, refresh_returns
    from pipelines.orchestration.sensors import queries_sensor

    assert queries_sensor.job_name == "refresh_returns"
    selected = refresh_returns.selection.resolve(build_definitions(Paths(var)).resolve_asset_graph())
    assert {AssetKey(["raw", "nocc_queries"]), AssetKey(["raw", "nocc_query_events"]),
            AssetKey(["marts", "fct_queries"]), AssetKey(["marts", "fct_query_quality"]),
            AssetKey(["published_warehouse"]), AssetKey(["reconciliation_queries"])} <= selected


def _second_analyst(var: Path):
    from pipelines.access import Session, UserStore, authenticate

    store = UserStore.at(Paths(var))
    store.add("second.analyst", PASSWORD, "nocc_analyst", None, actor="tests")
    session = authenticate("second.analyst", PASSWORD, store=store)
    assert isinstance(session, Session)
    return session
