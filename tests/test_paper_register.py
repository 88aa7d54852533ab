"""The register of issued board papers (who, which board, when, which build, the file's hash) and
"revisions since the last paper": exactly the figures that changed since the paper last issued to
the same board, across two papers with a resubmitted and signed-off figure between them."""

from __future__ import annotations

import csv
import hashlib
import sqlite3
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from dagster import DagsterInstance

from pipelines.intake.land.zone import LandingZone
from pipelines.intake.queries import answer_query, open_queries
from pipelines.intake.service import submit_return
from pipelines.orchestration.definitions import build_definitions
from pipelines.papers import PaperRegister, Request, make_report
from pipelines.papers.register import revisions_since
from pipelines.settings import Paths
from tests.test_board_report import rocu_as_analyst


REASON = "Arrests from Operation Kestrel were recorded against the wrong month"
ANSWER = "Confirmed: a planned day of action led to the arrests"


def report_table(report, caption: str) -> list[dict]:
    """The rows of the paper's table whose caption starts with `caption`, as printed (header -> cell)."""
    shown = next(t.shown for s in report.sections for t in s.tables if t.caption.startswith(caption))
    return shown.to_dict("records")


def figures(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["rocu_code", "month", "metric_id", "value"])


def issue(register: PaperRegister, board: str, build_id: str, held: pd.DataFrame):
    return register.issue(issued_by="analyst", board=board, quarter="2025-Q1", fmt="pdf", file_name="p.pdf",
                          file_sha256="ab" * 32, build_id=build_id, build_published_at="2025-07-10T09:00:00+00:00",
                          figures_sha256="cd" * 32, figures=held)


def test_the_register_is_append_only_and_keeps_each_papers_figures(tmp_path: Path) -> None:
    register = PaperRegister(tmp_path / "register.sqlite")
    first = issue(register, "EMSOU", "build-1", figures([("EMSOU", "2025-04", "PUR_ARRESTS", 12.0)]))
    issue(register, "NEROCU", "build-1", figures([("NEROCU", "2025-04", "PUR_ARRESTS", 3.0)]))
    assert [p.board for p in register.papers()] == ["EMSOU", "NEROCU"]
    assert register.figures(first.issue_id).to_dict("records") == [
        {"rocu_code": "EMSOU", "month": "2025-04", "metric_id": "PUR_ARRESTS", "value": 12.0}]
    db = sqlite3.connect(register.path)
    for sql in ("update issued_papers set issued_by = 'someone else'", "delete from issued_papers",
                "update issued_figures set value = 13", "delete from issued_figures"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute(sql)
    db.close()


def test_the_last_paper_to_a_board_is_the_last_from_another_build(tmp_path: Path) -> None:
    register = PaperRegister(tmp_path / "register.sqlite")
    held = figures([])
    one = issue(register, "EMSOU", "build-1", held)
    issue(register, "NEROCU", "build-2", held)  # another board
    issue(register, "EMSOU", "build-2", held)  # the same build as the paper being made
    assert register.last_issued("EMSOU", "build-2") == one
    assert register.last_issued("EMSOU", "build-3").build_id == "build-2"
    assert register.last_issued("SEROCU", "build-2") is None


def test_revisions_since_lists_changed_added_and_withdrawn_figures_only(tmp_path: Path) -> None:
    then = figures([("EMSOU", "2025-04", "PUR_ARRESTS", 12.0), ("EMSOU", "2025-04", "PUR_CHARGES", 5.0),
                    ("EMSOU", "2025-05", "PUR_ARRESTS", 7.0), ("EMSOU", "2025-05", "PUR_WARRANTS", 2.0)])
    now = figures([("EMSOU", "2025-04", "PUR_ARRESTS", 12.0),  # same
                   ("EMSOU", "2025-04", "PUR_CHARGES", 6.0),  # changed
                   ("EMSOU", "2025-04", "PUR_CONVICTIONS", 1.0),  # added to a month the paper covered
                   ("EMSOU", "2025-05", "PUR_ARRESTS", 7.0),  # same; PUR_WARRANTS withdrawn
                   ("EMSOU", "2025-06", "PUR_ARRESTS", 9.0)])  # a month after the paper: new, not a revision
    changed = revisions_since(then, now)
    shown = changed.fillna({"value_then": -1, "value_now": -1})  # -1: not held
    assert shown[["metric_id", "month", "value_then", "value_now"]].to_dict("records") == [
        {"metric_id": "PUR_CHARGES", "month": "2025-04", "value_then": 5.0, "value_now": 6.0},
        {"metric_id": "PUR_CONVICTIONS", "month": "2025-04", "value_then": -1, "value_now": 1.0},
        {"metric_id": "PUR_WARRANTS", "month": "2025-05", "value_then": 2.0, "value_now": -1},
    ]


def fy_quarter(month: str) -> str:
    """'2025-05' -> '2025-Q1' (April to June 2025), as dim_month.fy_quarter."""
    year, m = int(month[:4]), int(month[5:])
    return f"{year}-Q{(m - 4) // 3 + 1}" if m >= 4 else f"{year - 1}-Q4"


def published_value(paths: Paths, unit: str, month: str, metric: str) -> float:
    con = duckdb.connect(str(paths.published), read_only=True)
    try:
        return con.execute("select value from marts.fct_metric_monthly where rocu_code = ? and month = ? "
                           "and metric_id = ?", [unit, month, metric]).fetchone()[0]
    finally:
        con.close()


def test_two_papers_to_one_board_list_exactly_the_figure_changed_between_them(built_demo_copy, tmp_path):
    paths = Paths(built_demo_copy)
    with (paths.demo / "manifest.csv").open() as f:
        # a month with months before it, so the unusual jump below is queried
        row = next(r for r in csv.DictReader(f) if r["rocu_code"] == "NEROCU" and r["scenario"] == "normal"
                   and r["period"] >= "2025-04")
    month, quarter = row["period"], fy_quarter(row["period"])
    arrests = published_value(paths, "NEROCU", month, "PUR_ARRESTS")

    first = tmp_path / "first.html"
    assert rocu_as_analyst(["report", "--unit", "NEROCU", "--quarter", quarter, "--format", "html",
                            "--out", str(first)]) == 0

    # NEROCU corrects its arrests by +100; the approver signs it off; the unit-month is rebuilt and republished.
    text = (paths.demo / row["path"]).read_text()
    line = next(x for x in text.splitlines() if ",Arrests," in x)
    corrected = text.replace(line, line.rsplit(",", 1)[0] + f",{float(line.rsplit(',', 1)[1]) + 100:g}")
    zone = LandingZone(paths.landing)
    verdict = submit_return(zone, corrected.encode(), original_name="NEROCU_corrected.csv", rocu_code="NEROCU",
                            period=month, submitted_by="lead.nerocu", reason=REASON)
    assert verdict.accepted
    # The jump is queried; the unit confirms the figure, and that answer travels with it too.
    jump = next(q for q in open_queries(zone, verdict.submission) if q.rule == "implausible_jump")
    answer_query(zone, jump.submission_id, jump.key, ANSWER, "lead.nerocu")
    zone.registry.approve(verdict.submission.submission_id, "approver.nerocu", "2026-11-24T10:00:00+00:00")
    run = build_definitions(paths).resolve_job_def("refresh_returns").execute_in_process(
        instance=DagsterInstance.ephemeral(),
        run_config={"ops": {"raw_returns": {"config": {"unit": "NEROCU", "month": month}}}})
    assert run.success
    assert published_value(paths, "NEROCU", month, "PUR_ARRESTS") == arrests + 100

    second = tmp_path / "second.html"
    assert rocu_as_analyst(["report", "--unit", "NEROCU", "--quarter", quarter, "--format", "html",
                            "--out", str(second)]) == 0

    register = PaperRegister.at(paths)
    papers = register.papers("NEROCU")
    assert len(papers) == 2
    assert [p.issued_by for p in papers] == ["nocc_analyst.network"] * 2
    assert [p.file_sha256 for p in papers] == [hashlib.sha256(f.read_bytes()).hexdigest() for f in (first, second)]
    assert papers[0].build_id != papers[1].build_id
    assert [p.file_name for p in papers] == ["first.html", "second.html"]

    # Exactly one figure changed between the two builds, for any unit: NEROCU's arrests of that month.
    report = make_report(Request("NEROCU", quarter), paths.published, register)
    assert report.previous == papers[0]  # the second paper's build is excluded: the list is since the first
    changed = revisions_since(register.figures(papers[0].issue_id), report.figures_held)
    assert changed[["rocu_code", "month", "metric_id", "value_then", "value_now"]].to_dict("records") == [
        {"rocu_code": "NEROCU", "month": month, "metric_id": "PUR_ARRESTS", "value_then": arrests,
         "value_now": arrests + 100}]
    html = second.read_text()
    assert "1 figure for NEROCU changed since the paper issued to this board on" in html
    assert f"warehouse build {papers[0].build_id[:8]}" in html
    assert "No figure has changed since that paper." not in html
    # Each revision carries its explanation, from the mart: the reason given with the replacing
    # version and the unit's answer to the query on that figure.
    explained = report_table(report, "Figures changed since the paper issued to this board")
    assert len(explained) == 1 and REASON in explained[0]["Explanation"] and ANSWER in explained[0]["Explanation"]
    assert REASON in html and ANSWER in html
    assert "changed since the paper issued" not in first.read_text()  # the first paper had none before it
