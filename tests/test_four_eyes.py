"""Four eyes: whoever submitted a version of a return cannot sign it off; someone else in the unit
must. On by default, switched per submission window (the seed, or a rule added with `rocu window add`),
checked on the server in `pipelines.intake.service.approve`, so the command and the page both get it."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest

from pipelines.access import AuditLog, PermissionDenied, UserStore
from pipelines.cli import main as rocu
from pipelines.config_store import ConfigStore
from pipelines.configure import add_window
from pipelines.demo.generate import main as generate
from pipelines.intake.service import approve, submit_return
from pipelines.intake.land.zone import LandingZone
from pipelines.settings import SEEDS_DIR, Paths
from tests.conftest import PASSWORD, make_session

TODAY = date(2026, 11, 24)
REFUSAL = "You submitted this return, so someone else in your unit must sign it off (four-eyes rule)."


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    generate(["--out", str(out), "--months", "2", "--end-month", "2025-09", "--quiet"])
    return out


def accepted(demo: Path, zone: LandingZone, period: str, submitted_by: str, unit: str = "NEROCU") -> int:
    """Submit the demo's return for `unit` and `period` as `submitted_by`; its submission id."""
    with (demo / "manifest.csv").open() as f:
        row = next(r for r in csv.DictReader(f) if r["rocu_code"] == unit and r["period"] == period and r["path"])
    path = demo / row["path"]
    verdict = submit_return(zone, path.read_bytes(), original_name=path.name, rocu_code=unit, period=period,
                            submitted_by=submitted_by, today=TODAY)
    assert verdict.accepted, verdict.problems
    return verdict.submission.submission_id


def test_the_submitter_cannot_sign_off_their_own_return_and_the_refusal_is_audited(demo, tmp_path):
    paths = Paths(tmp_path)
    own = make_session(tmp_path, "unit_approver", "NEROCU")  # approvers may also submit
    zone = LandingZone(paths.landing)
    sid = accepted(demo, zone, "2025-09", own.username)
    with pytest.raises(PermissionDenied) as refused:
        approve(zone, sid, own)
    assert str(refused.value) == REFUSAL
    assert zone.registry.approvals() == []
    last = AuditLog.at(paths).records()[-1]
    assert (last.actor, last.action, last.target) == (own.username, "approval_refused", "NEROCU 2025-09 v1")
    assert last.detail["rule"] == "four_eyes"

    UserStore.at(paths).add("second.approver", PASSWORD, "unit_approver", "NEROCU", actor="tests")
    from pipelines.access import authenticate

    other = authenticate("second.approver", PASSWORD, store=UserStore.at(paths))
    approve(zone, sid, other)
    assert [a["approved_by"] for a in zone.registry.approvals()] == ["second.approver"]
    assert AuditLog.at(paths).verify() is None


def test_an_operator_string_is_held_to_the_same_rule(demo, tmp_path):
    zone = LandingZone(Paths(tmp_path).landing)
    sid = accepted(demo, zone, "2025-09", "lead.nerocu")
    with pytest.raises(PermissionDenied, match="four-eyes rule"):
        approve(zone, sid, " Lead.NEROCU ")  # usernames are case-insensitive
    assert approve(zone, sid, "approver.nerocu").submission_id == sid


def test_rocu_approve_refuses_the_submitter_with_exit_1(demo, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ROCU_VAR_DIR", str(tmp_path))
    own = make_session(tmp_path, "unit_approver", "NEROCU")
    sid = accepted(demo, LandingZone(Paths(tmp_path).landing), "2025-09", own.username)
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert rocu(["approve", str(sid), "--user", own.username]) == 1
    assert REFUSAL in capsys.readouterr().err
    assert LandingZone(Paths(tmp_path).landing).registry.approvals() == []


def test_a_window_can_switch_four_eyes_off_for_the_months_it_governs(demo, tmp_path, monkeypatch):
    monkeypatch.setenv("ROCU_VAR_DIR", str(tmp_path))  # the change goes to this deployment's store
    log = AuditLog.at(Paths(tmp_path))
    row = add_window(date(2025, 9, 1), 10, True, "one-person units", four_eyes=False, actor="admin",
                     audit=log, store=ConfigStore.at(Paths(tmp_path)))
    assert row["four_eyes"] == "false" and log.records()[-1].detail["after"]["four_eyes"] == "false"
    zone = LandingZone(Paths(tmp_path).landing)
    august, september = (accepted(demo, zone, month, "lead.nerocu") for month in ("2025-08", "2025-09"))
    approve(zone, september, "lead.nerocu")  # the rule in force for September allows it
    with pytest.raises(PermissionDenied, match="four-eyes rule"):
        approve(zone, august, "lead.nerocu")  # August is still under the earlier rule


def test_every_window_in_the_seed_says_whether_four_eyes_applies():
    with (SEEDS_DIR / "reference" / "submission_windows.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert rows and all(r["four_eyes"] in ("true", "false") for r in rows)
    assert rows[0]["four_eyes"] == "true"  # on by default


def test_rocu_window_add_takes_the_four_eyes_switch(tmp_path, monkeypatch, capsys):
    """The option parses and reaches add_window (stopped harmlessly by an impossible deadline)."""
    monkeypatch.setenv("ROCU_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("TEST_PASSWORD", PASSWORD)
    admin = make_session(tmp_path, "admin")
    for switch in ("--four-eyes", "--no-four-eyes"):
        assert rocu(["window", "add", "--from", "2030-04-01", "--deadline-day", "99", switch,
                     "--user", admin.username, "--password-env", "TEST_PASSWORD"]) == 2
        assert "between the 1st and the 20th working day" in capsys.readouterr().err
