"""A running server shows what it says: the build id, publish time and audit head live inside
the published DuckDB file, pages and board papers read them with their figures, and a new
build shows at once (no restart) with its own figures."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from pipelines.access.audit import AuditLog
from pipelines.serving.publish import publish_copy
from pipelines.serving.build_info import read_build_info
from pipelines.papers import Request, make_report, render
from pipelines.settings import Paths
from tests.conftest import make_session
from tests.test_dashboard_apptest import fresh_caches, sql  # noqa: F401 (fresh_caches is autouse: a server's empty caches)

ROOT = Path(__file__).resolve().parents[1]
VIEWS = ROOT / "dashboards" / "views"


@pytest.fixture
def own_var(built_demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A var folder of its own holding a copy of the demo build (the shared one is never changed)."""
    var = tmp_path / "var"
    (var / "published").mkdir(parents=True)
    shutil.copyfile(Paths(built_demo).published, Paths(var).published)
    monkeypatch.setenv("ROCU_VAR_DIR", str(var))
    return var


def publish_changed(var: Path, work: Path, *updates: str):
    """Publish, with the real publish step, a copy of var's build with some figures changed."""
    work.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(Paths(var).published, work)
    con = duckdb.connect(str(work))
    for update in updates:
        con.execute(update)
    con.close()
    return publish_copy(work, Paths(var).published, AuditLog.at(Paths(var)))


def run_page(page: str, var: Path, **params: str) -> AppTest:
    at = AppTest.from_file(str(VIEWS / f"{page}.py"), default_timeout=120)
    at.session_state["rocu_session"] = make_session(var, "nocc_analyst")
    at.query_params.update(params)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


ARRESTS_YEAR = ("select national_value from marts.fct_metric_network where metric_id = 'PUR_ARRESTS'"
                " and period_type = 'financial_year' and period = ?")


def test_publish_writes_the_build_into_the_published_file(own_var: Path, tmp_path: Path) -> None:
    audit = AuditLog.at(Paths(own_var))
    audit.record("tests", "export", "something", {})
    seq, head = audit.head()
    info = publish_changed(own_var, tmp_path / "work" / "rocu.duckdb")
    con = duckdb.connect(str(Paths(own_var).published), read_only=True)
    try:
        inside = read_build_info(con)
        (rows,) = con.execute("select count(*) from meta.build_info").fetchone()
    finally:
        con.close()
    assert rows == 1 and inside == info
    assert (inside.audit_seq, inside.audit_head_hash) == (seq, head)
    assert inside.source_file == "rocu.duckdb" and "/" not in inside.source_file
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", inside.published_at)
    assert re.fullmatch(r"[0-9a-f]{64}", inside.content_sha256)
    assert not Paths(own_var).published.with_suffix(".json").exists()  # no sidecar to disagree with
    again = publish_changed(own_var, tmp_path / "work" / "rocu.duckdb")
    assert again.build_id != info.build_id


def test_a_running_server_shows_a_new_build_at_once(own_var: Path, tmp_path: Path) -> None:
    at = run_page("national", own_var)
    year = at.query_params["period"]
    year = year[0] if isinstance(year, list) else year
    ((before,),) = sql(own_var, ARRESTS_YEAR, year)
    assert at.metric[0].value == f"{before:,.0f}"

    publish_changed(own_var, tmp_path / "work" / "rocu.duckdb",
                    "update marts.fct_metric_network set national_value = national_value + 1000"
                    " where metric_id = 'PUR_ARRESTS'")
    ((after,),) = sql(own_var, ARRESTS_YEAR, year)
    assert after == before + 1000
    at = run_page("national", own_var, period_type="financial_year", period=year)  # same server process, caches kept
    assert at.metric[0].value == f"{after:,.0f}"


def test_a_new_build_shows_while_a_connection_to_the_old_copy_is_still_open(own_var: Path, tmp_path: Path) -> None:
    """In a server another session's query or a paper being made can hold the earlier copy open
    when a new one is swapped in. DuckDB hands a second connection by the same path to the
    instance already open, so pages and papers must open each copy afresh, not by its path."""
    at = run_page("national", own_var)
    year = at.query_params["period"]
    year = year[0] if isinstance(year, list) else year
    ((before,),) = sql(own_var, ARRESTS_YEAR, year)
    held = duckdb.connect(str(Paths(own_var).published), read_only=True)
    try:
        info = publish_changed(own_var, tmp_path / "work" / "rocu.duckdb",
                               "update marts.fct_metric_network set national_value = national_value + 1000"
                               " where metric_id = 'PUR_ARRESTS'")
        at = run_page("national", own_var, period_type="financial_year", period=year)
        assert at.metric[0].value == f"{before + 1000:,.0f}"
        paper = make_report(Request("EMSOU", "2026-Q1"), Paths(own_var).published)
        assert paper.build.build_id == info.build_id
    finally:
        held.close()


def test_the_sidebar_names_the_build_the_page_shows(own_var: Path, tmp_path: Path) -> None:
    at = AppTest.from_file(str(ROOT / "dashboards" / "app.py"), default_timeout=120)
    at.session_state["rocu_session"] = make_session(own_var, "nocc_analyst")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    info = publish_changed(own_var, tmp_path / "work" / "rocu.duckdb")
    at.run()
    caption = "\n".join(c.value for c in at.sidebar.caption)
    assert f"Data published {info.published_at[:19].replace('T', ' ')} UTC" in caption
    assert info.build_id[:8] in caption


def test_a_board_paper_names_its_build_and_audit_head_and_shows_its_figures(own_var: Path, tmp_path: Path) -> None:
    AuditLog.at(Paths(own_var)).record("tests", "export", "before publishing", {})
    info = publish_changed(own_var, tmp_path / "work" / "rocu.duckdb",
                           "update marts.fct_outcomes_quarterly set value = value + 5000 where rocu_code = 'EMSOU'"
                           " and metric_id = 'PUR_ARRESTS' and quarter = '2026-Q1'")
    AuditLog.at(Paths(own_var)).record("tests", "export", "after publishing", {})  # not in this build
    report = make_report(Request("EMSOU", "2026-Q1"), Paths(own_var).published)
    html = render(report, "html").decode()
    assert info.build_id in html
    assert f"seq {info.audit_seq}" in html and info.audit_head_hash[:16] in html
    assert f'content="{info.audit_head_hash}"' in html  # the full hash, for `rocu audit verify` to check against
    ((value,),) = sql(own_var, "select value from marts.fct_outcomes_quarterly where rocu_code = 'EMSOU' and metric_id"
                               " = 'PUR_ARRESTS' and quarter = '2026-Q1'")
    assert f"{value:,.0f} in the quarter" in html


def test_the_reports_page_makes_the_paper_of_the_build_it_names(own_var: Path, tmp_path: Path) -> None:
    def generate() -> AppTest:
        at = run_page("reports", own_var, unit="EMSOU", quarter="2026-Q1", format="html")  # April to June 2026
        at.button[0].click().run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    generate()
    info = publish_changed(own_var, tmp_path / "work" / "rocu.duckdb",
                           "update marts.fct_board_quarterly set months_on_time = months_on_time - 1,"
                           " months_late = months_late + 1 where rocu_code = 'EMSOU' and quarter = '2026-Q1'")
    at = generate()
    ((on_time, late, due),) = sql(own_var, "select months_on_time, months_late, months_due from"
                                           " marts.fct_board_quarterly where rocu_code = 'EMSOU'"
                                           " and quarter = '2026-Q1'")
    words = "\n".join(m.value for m in [*at.markdown, *at.caption])
    assert info.build_id in words and f"seq {info.audit_seq}, hash {info.audit_head_hash[:16]}" in words
    assert f"EMSOU returned {on_time} of {due} months on time and {late} late" in words  # the new build's figures


def test_a_dagster_build_is_named_by_its_run(built_demo: Path) -> None:
    con = duckdb.connect(str(Paths(built_demo).published), read_only=True)
    try:
        info = read_build_info(con)
    finally:
        con.close()
    assert info is not None and re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", info.build_id)
    assert info.source_file == "rocu.duckdb"


def test_rocu_report_prints_the_build_and_audit_head_it_was_made_from(own_var: Path, tmp_path: Path, capsys) -> None:
    from tests.test_board_report import rocu_as_analyst

    info = publish_changed(own_var, tmp_path / "work" / "rocu.duckdb")
    out = tmp_path / "paper.html"
    assert rocu_as_analyst(["report", "--unit", "EMSOU", "--quarter", "2026-Q2", "--format", "html",
                            "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert info.build_id in printed and info.published_at in printed
    assert f"seq {info.audit_seq}, hash {info.audit_head_hash[:16]}" in printed
    assert info.build_id in out.read_text()


def test_publishing_anchors_the_audit_head_and_a_papers_anchor_catches_a_later_rewrite(
        own_var: Path, tmp_path: Path, capsys) -> None:
    from pipelines.access.anchors import default_log_path, read_anchor_log
    from pipelines.cli import main as rocu
    from tests.test_audit import rewrite_from

    audit = AuditLog.at(Paths(own_var))
    for i in range(5):
        audit.record("tests", "export", f"before publishing {i}", {})
    info = publish_changed(own_var, tmp_path / "work" / "rocu.duckdb")
    anchors, problems = read_anchor_log(default_log_path(Paths(own_var)))
    assert not problems and [(a.seq, a.hash) for a in anchors] == [(info.audit_seq, info.audit_head_hash)]
    html = render(make_report(Request("EMSOU", "2026-Q2"), Paths(own_var).published), "html").decode()
    token = re.search(r"rocu audit verify --anchor (\d+:[0-9a-f]{16})", html)[1]  # as printed on the paper
    assert rocu(["audit", "verify", "--anchor", token]) == 0
    rewrite_from(audit.path, 2)  # an insider changes record 2 and recomputes every later hash
    default_log_path(Paths(own_var)).unlink()  # ... and removes the local anchor log
    assert audit.verify() is None  # the chain alone no longer shows it
    assert rocu(["audit", "verify", "--anchor", token]) == 1
    assert "rewritten" in capsys.readouterr().err


def test_a_page_moving_to_a_new_build_by_itself_says_so_and_keeps_the_idle_timer(own_var: Path, tmp_path: Path) -> None:
    """An open page looks for a new build twice a second (a fragment in the sidebar) and reruns whole on
    one it finds. That rerun is not a person's activity: a page left open must still time out."""
    from dataclasses import replace
    from datetime import datetime, timedelta, UTC

    def run_app(moved_to=None) -> tuple[AppTest, datetime]:
        at = AppTest.from_file(str(ROOT / "dashboards" / "app.py"), default_timeout=120)
        at.session_state["rocu_session"] = replace(make_session(own_var, "nocc_analyst"), expires_at=soon)
        if moved_to is not None:
            at.session_state["rocu_moved_to_build"] = moved_to  # what the watcher leaves for the rerun it asks
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at, at.session_state["rocu_session"].expires_at

    soon = datetime.now(UTC) + timedelta(minutes=2)
    info = publish_changed(own_var, tmp_path / "work" / "rocu.duckdb")
    at, expires = run_app()
    assert expires > soon + timedelta(minutes=5) and not at.toast  # a person's run restarts the idle timer
    at, expires = run_app(moved_to=info)
    assert expires == soon
    assert [t.value for t in at.toast] == [f"Figures updated: the build published "
                                           f"{info.published_at[:19].replace('T', ' ')} UTC."]
