"""The upload workflow (issue 14 item 4): check a file without submitting it (a dry run that
stores nothing and audits only who checked which fingerprint and the verdict), then submit;
a submission after the deadline, or replacing a signed-off return, needs a reason, enforced by
the intake for the page and the command alike; the approver's queue across months."""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
from datetime import date, datetime, UTC
from pathlib import Path

import duckdb
import pytest

from pipelines.access import AuditLog
from pipelines.cli import main as rocu
from pipelines.intake.api import (LandingZone, ReasonRequired, approve, awaiting_sign_off, check_return,
                                  reasons_needed, submit, submit_return)
from pipelines.intake.check.reasons import deadline_at, deadline_date
from pipelines.settings import Paths
from tests.conftest import PASSWORD, generate_demo, make_session

PERIOD = "2025-09"  # its deadline: the 10th working day of October 2025, Tuesday 14 October
LATE = "The deadline for September 2025 was the end of 14 October 2025: this submission is late."


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    return generate_demo(tmp_path_factory.mktemp("demo"), months=2, end_month=PERIOD)


def demo_return(demo: Path, unit: str = "NEROCU", scenario: str | None = None) -> Path:
    with (demo / "manifest.csv").open() as f:
        row = next(r for r in csv.DictReader(f) if r["rocu_code"] == unit and r["period"] == PERIOD and r["path"]
                   and (scenario is None or r["scenario"] == scenario))
    return demo / row["path"]


def landing_contents(zone: LandingZone) -> dict[str, object]:
    """Everything a submission leaves behind in the landing zone."""
    return {"files": sorted(p.name for p in zone.root.rglob("*") if p.is_file() and p.suffix in (".csv", ".xlsx")),
            "standardised": sorted(p.name for p in (zone.root / "standardised").glob("*")),
            "reports": sorted(p.name for p in (zone.root / "reports").glob("*")),
            "registry": len(zone.registry.submissions(kind=None)), "problems": len(zone.registry.problems())}


def test_the_deadline_is_the_warehouse_deadline(built_demo):
    """The intake's live deadline (for the reason rule) agrees with int_submission_deadlines for every month."""
    con = duckdb.connect(str(Paths(built_demo).warehouse), read_only=True)
    try:
        rows = con.execute("select month, deadline_date, deadline_at from intermediate.int_submission_deadlines"
                           " where month between '2016-01' and '2027-12'").fetchall()
    finally:
        con.close()
    assert len(rows) > 100
    assert [(m, deadline_date(m), deadline_at(m)) for m, _, _ in rows] == rows
    assert deadline_date(PERIOD) == date(2025, 10, 14)


def test_a_dry_run_stores_nothing_and_audits_who_checked_which_fingerprint(built_demo_copy):
    paths = Paths(built_demo_copy)
    zone = LandingZone(paths.landing)
    with (paths.demo / "manifest.csv").open() as f:
        broken = next(r for r in csv.DictReader(f) if r["scenario"] == "broken")
    content = (paths.demo / broken["path"]).read_bytes() + b"\r\n"  # bytes the registry has not seen
    before = landing_contents(zone)
    warehouse = {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in (paths.warehouse, paths.published)}
    audit = AuditLog.at(paths)
    seq = audit.head()[0]

    result = check_return(zone, content, original_name="our return.csv", rocu_code=broken["rocu_code"],
                          period=broken["period"], checked_by="lead.someone")

    assert result.state == "rejected" and result.error_count == 2
    assert {p.value for p in result.problems} >= {"tbc", "-3"}
    assert all(p.file == "our return.csv" and "return.csv" not in p.message.replace("our return.csv", "")
               for p in result.problems)  # named as sent, never the temporary copy
    assert landing_contents(zone) == before  # no file, no registry row, no report, nothing standardised
    assert {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in warehouse} == warehouse
    (record,) = audit.records(since_seq=seq)
    assert (record.actor, record.action, record.target) == ("lead.someone", "dry_run",
                                                            f"{broken['rocu_code']} {broken['period']}")
    assert record.detail == {"sha256": hashlib.sha256(content).hexdigest(), "verdict": "rejected", "errors": 2,
                             "queries": result.query_count,
                             "information": result.warning_count - result.query_count, "kind": "monthly"}
    assert audit.verify() is None


def test_a_late_submission_needs_a_reason_and_keeps_it_in_the_audit_trail(demo, tmp_path):
    paths = Paths(tmp_path)
    zone = LandingZone(paths.landing)
    path = demo_return(demo)
    with pytest.raises(ReasonRequired) as refused:
        submit(zone, path.read_bytes(), original_name=path.name, rocu_code="NEROCU", period=PERIOD,
               submitted_by="lead.nerocu", reason="   ")
    assert str(refused.value) == (f"{LATE} Give a reason for submitting it; the reason is kept in the audit trail.")
    assert landing_contents(zone)["registry"] == 0 and landing_contents(zone)["files"] == []
    last = AuditLog.at(paths).records()[-1]
    assert (last.action, last.target, last.detail["needs"]) == ("upload_refused", f"NEROCU {PERIOD}", ["late"])

    verdict = submit(zone, path.read_bytes(), original_name=path.name, rocu_code="NEROCU", period=PERIOD,
                     submitted_by="lead.nerocu", reason="Our analyst was off sick.")
    assert verdict.accepted and verdict.submission.version == 1
    upload = next(r for r in AuditLog.at(paths).records() if r.action == "upload")
    assert upload.detail["reason"] == "Our analyst was off sick." and upload.detail["justifies"] == ["late"]
    assert upload.detail["sha256"] == verdict.submission.file_sha256


def test_replacing_a_signed_off_return_needs_a_reason(demo, tmp_path):
    zone = LandingZone(Paths(tmp_path).landing)
    path = demo_return(demo)
    on_time = datetime(2025, 10, 3, 9, 0, tzinfo=UTC)
    first = submit_return(zone, path.read_bytes(), original_name=path.name, rocu_code="NEROCU", period=PERIOD,
                          submitted_by="lead.nerocu", submitted_at=on_time)
    assert [j.rule for j in reasons_needed(zone, "NEROCU", PERIOD, at=on_time)] == []
    approve(zone, first.submission.submission_id, "approver.nerocu")
    needed = reasons_needed(zone, "NEROCU", PERIOD, at=on_time)  # before the deadline: only the sign-off
    assert [(j.rule, j.warning) for j in needed] == [
        ("replaces_signed_off", "Version 1 of this return has been signed off: if this file is accepted it "
                                "replaces the signed-off figures.")]

    changed = path.read_bytes() + b"\r\n"
    with pytest.raises(ReasonRequired, match="Version 1 of this return has been signed off"):
        submit(zone, changed, original_name=path.name, rocu_code="NEROCU", period=PERIOD, submitted_by="lead.nerocu")
    assert len(zone.registry.submissions()) == 1
    second = submit(zone, changed, original_name=path.name, rocu_code="NEROCU", period=PERIOD,
                    submitted_by="lead.nerocu", reason="Arrests corrected after the force's audit.")
    assert second.accepted and second.submission.version == 2
    upload = [r for r in AuditLog.at(Paths(tmp_path)).records() if r.action == "upload"][-1]
    assert upload.detail["justifies"] == ["late", "replaces_signed_off"]
    assert upload.detail["reason"] == "Arrests corrected after the force's audit."


def test_the_inbox_refuses_a_late_return_without_a_reason_and_takes_it_with_one(demo, tmp_path):
    """The reason rule holds on the inbox too: a late file with no reason beside it is a recorded
    refusal naming the file, unit, month and rule; with its reason file it is taken, the reason kept."""
    from pipelines.intake.api import take_in_inbox

    paths = Paths(tmp_path)
    zone = LandingZone(paths.landing)
    path = demo_return(demo)
    inbox = paths.landing / "inbox" / "NEROCU"
    inbox.mkdir(parents=True)
    shutil.copy(path, inbox)
    assert take_in_inbox(zone) == 0
    assert landing_contents(zone)["registry"] == 0 and not list(inbox.iterdir())
    note = (inbox.parent / ".refused" / "NEROCU" / f"{path.name}.reason.txt").read_text()
    assert note.startswith(f"{path.name} was not submitted for NEROCU, September 2025. {LATE}")
    assert f"{path.name}.submission-reason.txt" in note
    last = AuditLog.at(paths).records()[-1]
    assert (last.actor, last.action, last.detail["needs"]) == ("inbox:NEROCU", "upload_refused", ["late"])

    shutil.copy(inbox.parent / ".refused" / "NEROCU" / path.name, inbox)
    (inbox / f"{path.name}.submission-reason.txt").write_text("The force's figures came late.\n")
    assert take_in_inbox(zone) == 1
    (version,) = zone.registry.submissions()
    assert version.reason == "The force's figures came late." and version.submitted_by == "inbox:NEROCU"
    assert not list(inbox.iterdir())  # the reason file went aside with the return, never taken as one
    upload = next(r for r in AuditLog.at(paths).records() if r.action == "upload")
    assert upload.detail["reason"] == "The force's figures came late." and upload.detail["justifies"] == ["late"]


def test_the_demo_loader_gives_a_reason_when_late_or_replacing_a_signed_off_return(demo, tmp_path):
    from pipelines.demo.load import DEMO_REASONS, _submit_unit

    zone = LandingZone(Paths(tmp_path).landing)
    path = demo_return(demo)
    changed = tmp_path / path.name
    changed.write_bytes(path.read_bytes() + b"\r\n")
    row = {"rocu_code": "NEROCU", "period": PERIOD, "kind": "monthly"}
    _submit_unit(demo, zone.root, [{**row, "path": str(path), "submitted_at": "2025-10-03T09:00:00"},  # on time
                                   {**row, "path": str(changed), "submitted_at": "2025-10-20T09:00:00"}])
    on_time, replacing = zone.registry.submissions()
    assert on_time.reason is None
    assert replacing.reason == f"{DEMO_REASONS['late']} {DEMO_REASONS['replaces_signed_off']}"
    assert on_time.state == "superseded"  # the replacing version was accepted


def test_the_approvers_queue_lists_returns_waiting_for_sign_off_across_months(demo, tmp_path):
    zone = LandingZone(Paths(tmp_path).landing)
    with (demo / "manifest.csv").open() as f:
        rows = [r for r in csv.DictReader(f) if r["rocu_code"] in ("NEROCU", "TARIAN") and r["path"]
                and r["scenario"] != "broken"]
    ids = {}
    for row in sorted(rows, key=lambda r: r["period"]):
        path = demo / row["path"]
        verdict = submit_return(zone, path.read_bytes(), original_name=path.name, rocu_code=row["rocu_code"],
                                period=row["period"], submitted_by="lead")
        ids[(row["rocu_code"], row["period"])] = verdict.submission.submission_id
    queue = awaiting_sign_off(zone, ["NEROCU"])
    assert [(s.rocu_code, s.period) for s in queue] == sorted(k for k in ids if k[0] == "NEROCU")
    assert len({s.period for s in queue}) == 2  # across months
    approve(zone, queue[0].submission_id, "approver.nerocu")
    assert [s.submission_id for s in awaiting_sign_off(zone, ["NEROCU"])] == [queue[1].submission_id]


def test_rocu_submit_dry_run_and_reason(demo, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ROCU_VAR_DIR", str(tmp_path))
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    monkeypatch.setenv("TEST_PASSWORD", PASSWORD)
    make_session(tmp_path, "unit_submitter", "NEROCU")
    path = demo_return(demo)
    me = [str(path), "--unit", "NEROCU", "--period", PERIOD, "--user", "unit_submitter.nerocu",
          "--password-env", "TEST_PASSWORD"]
    zone = LandingZone(Paths(tmp_path).landing)

    assert rocu(["submit", *me, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"CHECKED, NOT SUBMITTED: {path.name} for NEROCU {PERIOD} would be accepted")
    assert "Nothing was stored." in out and f"To submit it, give --reason: {LATE}" in out
    assert landing_contents(zone)["registry"] == 0 and landing_contents(zone)["files"] == []
    last = AuditLog.at(Paths(tmp_path)).records()[-1]
    assert (last.actor, last.action, last.detail["sha256"]) == ("unit_submitter.nerocu", "dry_run",
                                                                hashlib.sha256(path.read_bytes()).hexdigest())

    assert rocu(["submit", *me]) == 2  # late, and no reason: refused, nothing landed
    err = capsys.readouterr().err
    assert err.startswith(f"NOT SUBMITTED: {LATE}") and "--reason" in err
    assert landing_contents(zone)["registry"] == 0

    assert rocu(["submit", *me, "--reason", "Sent late: system outage."]) == 0
    assert capsys.readouterr().out.startswith("ACCEPTED")
    upload = next(r for r in AuditLog.at(Paths(tmp_path)).records() if r.action == "upload")
    assert upload.detail["reason"] == "Sent late: system outage."


# The page (Streamlit's AppTest): the same steps as a person takes them.

def upload_page(as_role: str, unit: str, month: str):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "dashboards" / "views" / "upload.py"),
                           default_timeout=60)
    at.session_state["rocu_session"] = make_session(Paths.from_env().var, as_role, unit)
    at.query_params.update(unit=unit, month=month)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(elements) -> str:
    return "\n".join(e.value for e in elements)


@pytest.fixture
def fresh_caches():
    import streamlit as st

    st.cache_data.clear()
    yield
    st.cache_data.clear()


def test_the_page_checks_without_submitting_then_submits_with_a_reason(demo, tmp_path, monkeypatch, fresh_caches):
    monkeypatch.setenv("ROCU_VAR_DIR", str(tmp_path))
    zone = LandingZone(Paths(tmp_path).landing)
    path = demo_return(demo)
    at = upload_page("unit_submitter", "NEROCU", PERIOD)
    at.file_uploader[0].upload(path.name, path.read_bytes(), "text/csv")
    at.run()
    at.button(key="check").click().run()
    assert f"Checked, not submitted: {path.name} would be accepted" in texts(at.success) + texts(at.warning)
    assert landing_contents(zone)["registry"] == 0 and landing_contents(zone)["files"] == []
    assert LATE in texts(at.warning)  # the warning is there before the person submits

    at.button(key="submit").click().run()  # no reason typed: the intake refuses it
    assert texts(at.error).startswith(f"Not submitted. {LATE}")
    assert landing_contents(zone)["registry"] == 0

    at.text_area(key="reason").input("The return was held up by the force's figures.")
    at.button(key="submit").click().run()
    assert f"{path.name} for North East, September 2025 (monthly return), version 1" in texts(at.success) + texts(at.warning)
    actions = [(r.action, r.detail.get("reason")) for r in AuditLog.at(Paths(tmp_path)).records()
               if r.action in ("dry_run", "upload", "upload_refused")]
    assert [a for a, _ in actions] == ["dry_run", "upload_refused", "upload"]
    assert actions[-1][1] == "The return was held up by the force's figures."


def test_the_page_shows_the_months_deadline_and_status_from_the_mart(built_demo, monkeypatch, fresh_caches):
    monkeypatch.setenv("ROCU_VAR_DIR", str(built_demo))
    con = duckdb.connect(str(Paths(built_demo).published), read_only=True)
    try:
        rows = con.execute("select rocu_code, month, deadline_date, workflow_status, arrived_late"
                           " from marts.fct_return_workflow").fetchall()
    finally:
        con.close()
    statuses = {status for *_, status, _ in rows}
    assert {"missing", "signed_off"} <= statuses
    late = next(r for r in rows if r[3] == "signed_off" and r[4])
    missing = next(r for r in rows if r[3] == "missing")
    for unit, month, deadline, status, _ in (late, missing):
        at = upload_page("unit_submitter", unit, month)
        shown = texts(at.markdown)
        assert f"**Deadline:** end of {deadline.day} {deadline:%B %Y}." in shown
        assert {"missing": "**Status:** Missing: no accepted return, and the deadline has passed.",
                "signed_off": "**Status:** Signed off (it arrived after the deadline)."}[status] in shown


def test_the_submissions_grid_shows_warnings_and_sign_off(built_demo, monkeypatch, fresh_caches):
    from tests.test_dashboard_apptest import chart_data, run, scenario, table

    monkeypatch.setenv("ROCU_VAR_DIR", str(built_demo))
    late = scenario(built_demo, "late")
    at = run("submissions", unit=late["rocu_code"], month=late["period"])
    grid = chart_data(at).set_index(["rocu_code", "month"])
    assert grid.loc[(late["rocu_code"], late["period"]), "signoff"] == "Signed off"  # the demo's approver signed it
    attention = table(at, "Days late")
    assert {"Warnings in latest", "Sign-off"} <= set(attention.columns)
    assert set(attention["Sign-off"]) <= {"Signed off", "Waiting for sign-off", "No accepted version"}
    assert "Sign-off: signed off." in texts(at.markdown)
    assert f"Signed off by demo.{late['rocu_code'].lower()}.approver on" in texts(at.markdown)
