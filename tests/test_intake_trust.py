"""Trust in the intake: what cannot be a return is refused before anything is written; every
version ends in a final state, even when a check crashes or dies; the highest accepted
version is current whatever order checks finish in; the same bytes sent again are checked
again; figures that no unit could report are errors."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta, UTC
from pathlib import Path

import pytest

from pipelines.intake.check.request import InvalidRequest
from pipelines.cli import Exit
from pipelines.cli import main as rocu
from pipelines.intake.service import close_abandoned, submit_return
from pipelines.intake.land.zone import LandingZone
from pipelines.orchestration.resources import LandingResource
from pipelines.intake.api import take_in_inbox
from tests.conftest import PASSWORD, demo_file, generate_demo, make_session

TODAY = date(2026, 11, 24)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    return generate_demo(tmp_path_factory.mktemp("demo"), 3)


def submit(zone: LandingZone, content: bytes, unit: str = "NEROCU", period: str = "2025-09", name: str = "r.csv"):
    return submit_return(zone, content, original_name=name, rocu_code=unit, period=period, submitted_by="lead",
                         today=TODAY)


def nothing_written(zone: LandingZone) -> bool:
    return not zone.registry.submissions() and not any(p.is_file() for p in zone.files.rglob("*"))


@pytest.mark.parametrize("unit, period", [
    ("NEROCU", "2025-13"),  # not a month: once registered, it stopped every unit's build
    ("NEROCU", "2024-09 x"),
    ("NEROCU", "2024-9"),
    ("NEROCU", "２０２４-09"),  # full-width digits
    ("NEROCU", "2024-09\u00a0"),  # a no-break space is not forgiven
    ("NEROCU", "2026-11"),  # not ended yet
    ("NЕROCU", "2025-09"),  # Cyrillic Е: looks the same, is not the code
    ("NOWHERE", "2025-09"),
    ("", "2025-09"),
])
def test_a_unit_or_month_that_cannot_be_is_refused_before_anything_is_written(demo, tmp_path, unit, period):
    zone = LandingZone(tmp_path)
    with pytest.raises(InvalidRequest) as refused:
        submit(zone, demo_file(demo, "NEROCU").read_bytes(), unit, period)
    assert nothing_written(zone)
    assert repr(unit) in str(refused.value) or repr(period) in str(refused.value) or "has not ended" in str(refused.value)


@pytest.mark.parametrize("unit, period", [("nerocu", "2025-09"), (" NEROCU", "2025-09\n"), ("NEROCU", " 2025-09 ")])
def test_case_and_surrounding_whitespace_are_normalised_to_the_exact_code_and_month(demo, tmp_path, unit, period):
    verdict = submit(LandingZone(tmp_path), demo_file(demo, "NEROCU").read_bytes(), unit, period)
    assert (verdict.submission.rocu_code, verdict.submission.period) == ("NEROCU", "2025-09")
    assert verdict.accepted


def test_cli_refuses_an_unusable_unit_or_month_with_its_own_exit_code(demo, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ROCU_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("TEST_PASSWORD", PASSWORD)
    make_session(tmp_path, "unit_submitter", "NEROCU")
    path = str(demo_file(demo, "NEROCU", "2025-08"))
    me = ["--user", "unit_submitter.nerocu", "--password-env", "TEST_PASSWORD"]
    assert rocu(["submit", path, "--unit", "NEROCU", "--period", "2025-13", *me]) == Exit.USAGE == 2
    assert "'2025-13' is not a month" in capsys.readouterr().err
    # a lower-case code is the unit's own code: checked against the permission as NEROCU
    assert rocu(["submit", path, "--unit", "nerocu", "--period", "2025-08", "--reason", "Late.", *me]) == Exit.OK
    monkeypatch.setenv("TEST_PASSWORD", "not the password at all")
    assert rocu(["submit", path, "--unit", "NEROCU", "--period", "2025-08", *me]) == Exit.NOT_SIGNED_IN == 3
    zone = LandingZone(tmp_path / "landing")
    assert [(s.rocu_code, s.period) for s in zone.registry.submissions()] == [("NEROCU", "2025-08")]


def test_cli_and_inbox_refuse_symbolic_links(demo, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ROCU_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("TEST_PASSWORD", PASSWORD)
    make_session(tmp_path, "unit_submitter", "NEROCU")
    secret = tmp_path / "secret.csv"
    secret.write_text("not for submission\n")
    link = tmp_path / "NEROCU_return_2025-09.csv"
    link.symlink_to(secret)
    code = rocu(["submit", str(link), "--unit", "NEROCU", "--period", "2025-09", "--user", "unit_submitter.nerocu",
                 "--password-env", "TEST_PASSWORD"])
    assert code == Exit.USAGE and "symbolic link" in capsys.readouterr().err
    landing = LandingResource(root=str(tmp_path / "landing"), extracts_dir=str(tmp_path / "landing" / "x"))
    inbox = tmp_path / "landing" / "inbox" / "NEROCU"
    inbox.mkdir(parents=True)
    (inbox / link.name).symlink_to(secret)
    (inbox / "nerocu return.csv").write_bytes(b"no month in the name")
    assert take_in_inbox(landing.zone(), today=TODAY) == 0
    zone = landing.zone()
    assert zone.registry.submissions() == [] and not any(p.is_file() for p in zone.files.rglob("*"))
    refused = inbox.parent / ".refused" / "NEROCU"
    assert "symbolic link" in (refused / f"{link.name}.reason.txt").read_text()
    assert "no month" in (refused / "nerocu return.csv.reason.txt").read_text()
    assert secret.read_text() == "not for submission\n"  # the link was moved, not what it points to


def test_a_figure_too_large_for_a_number_is_a_located_error_not_a_crash(demo, tmp_path):
    text = demo_file(demo, "NEROCU").read_text()
    line = next(ln for ln in text.splitlines() if ",Arrests," in ln)
    row = text.splitlines().index(line) + 1
    verdict = submit(LandingZone(tmp_path), text.replace(line, line.rsplit(",", 1)[0] + ",1e309").encode())
    assert verdict.submission.state == "rejected"
    problem = next(p for p in verdict.problems if p.value == "1e309")
    assert (problem.rule, problem.row, problem.column) == ("non_numeric_value", row, "D")


def test_a_figure_no_unit_could_report_is_an_error_even_without_history(demo, tmp_path):
    text = demo_file(demo, "NEROCU").read_text()
    line = next(ln for ln in text.splitlines() if ",Arrests," in ln)
    verdict = submit(LandingZone(tmp_path), text.replace(line, line.rsplit(",", 1)[0] + ",1000000000000").encode())
    assert verdict.submission.state == "rejected"
    problem = next(p for p in verdict.problems if p.rule == "implausible_value")
    assert (problem.row, problem.column, problem.value) == (text.splitlines().index(line) + 1, "D", "1000000000000")


def test_a_crashing_check_ends_failed_and_the_same_bytes_are_checked_again(demo, tmp_path, monkeypatch):
    zone = LandingZone(tmp_path)
    content = demo_file(demo, "NEROCU").read_bytes()

    def broken(*args, **kwargs):
        raise RuntimeError("a fault inside the checks")

    monkeypatch.setattr("pipelines.intake.service._check_content", broken)
    first = submit(zone, content)
    assert first.submission.state == "failed"
    assert [p.rule for p in first.problems] == ["check_failed"]
    assert "fault" in first.problems[0].message and "RuntimeError" not in first.problems[0].message
    assert (tmp_path / "reports" / f"{first.submission.submission_id}.html").exists()
    monkeypatch.undo()
    again = submit(zone, content)  # the cause is fixed: the same bytes get a new version and a verdict
    assert again.accepted and again.submission.version == 2
    assert again.resent_of.submission_id == first.submission.submission_id
    assert "same file as version 1" in again.summary()
    assert zone.registry.get(first.submission.submission_id).state == "failed"
    assert len(list(zone.files.rglob("*.csv"))) == 1  # one stored copy, two versions pointing at it
    assert again.submission.stored_path == first.submission.stored_path


def test_a_check_that_died_with_its_process_is_closed_as_failed(tmp_path):
    zone = LandingZone(tmp_path)
    orphan = zone.land(b"a,b\n", original_name="r.csv", rocu_code="EMSOU", period="2025-03", submitted_by="lead")
    assert close_abandoned(zone) == []  # still within the time a check may take
    closed = close_abandoned(zone, now=datetime.now(UTC) + timedelta(hours=1))
    assert [s.submission_id for s in closed] == [orphan.submission_id]
    after = zone.registry.get(orphan.submission_id)
    assert after.state == "failed" and zone.registry.problems(orphan.submission_id)[0]["rule"] == "check_interrupted"
    assert not [s for s in zone.registry.submissions() if s.state == "received"]


def test_the_highest_accepted_version_is_current_whatever_order_checks_finish_in(tmp_path):
    zone = LandingZone(tmp_path)
    v1 = zone.land(b"v1", original_name="r.csv", rocu_code="EMSOU", period="2025-03", submitted_by="lead")
    v2 = zone.land(b"v2", original_name="r.csv", rocu_code="EMSOU", period="2025-03", submitted_by="lead")
    zone.registry.record_verdict(v2.submission_id, [], "accepted")  # the corrected version finishes first
    slow = zone.registry.record_verdict(v1.submission_id, [], "accepted")
    assert (slow.state, slow.superseded_by) == ("superseded", v2.submission_id)
    assert zone.registry.get(v2.submission_id).state == "accepted"


def test_the_same_file_sent_for_another_month_is_an_error(demo, tmp_path):
    zone = LandingZone(tmp_path)
    content = demo_file(demo, "EMSOU", "2025-09").read_bytes()
    assert submit(zone, content, "EMSOU", "2025-09", "EMSOU.xlsx").accepted
    again = submit(zone, content, "EMSOU", "2025-08", "EMSOU.xlsx")
    assert again.submission.state == "rejected"
    problem = next(p for p in again.problems if p.rule == "same_file_other_month")
    assert "EMSOU for 2025-09" in problem.message


def test_a_registry_from_the_previous_release_is_migrated_keeping_every_row(tmp_path):
    import sqlite3

    old = sqlite3.connect(tmp_path / "registry.sqlite")
    old.executescript("""
        create table submissions (submission_id integer primary key autoincrement, rocu_code text not null,
            period text not null, version integer not null, file_sha256 text not null, stored_path text not null,
            original_name text not null, size_bytes integer not null, submitted_by text not null,
            submitted_at text not null, state text not null, error_count integer not null default 0,
            warning_count integer not null default 0, superseded_by integer references submissions(submission_id),
            unique (rocu_code, period, file_sha256));
        insert into submissions values (1, 'EMSOU', '2025-03', 1, 'ab', 'ab/ab.csv', 'r.csv', 2, 'lead',
            '2025-04-02T09:00:00+00:00', 'accepted', 0, 0, null);
    """)
    old.commit()
    old.close()
    zone = LandingZone(tmp_path)
    (kept,) = zone.registry.submissions()
    assert (kept.submission_id, kept.state, kept.received_at) == (1, "accepted", "2025-04-02T09:00:00+00:00")
    sha = hashlib.sha256(b"ab").hexdigest()
    for _ in range(2):  # the old unique key on the bytes is gone: a second offer is a second version
        zone.land(b"ab", original_name="r.csv", rocu_code="EMSOU", period="2025-04", submitted_by="lead")
    assert [s.version for s in zone.registry.submissions() if s.file_sha256 == sha] == [1, 2]


@pytest.mark.parametrize("suite", sorted(p.stem for p in (Path(__file__).parents[1] / "expectations").glob("*.json")))
def test_every_expectation_of_every_suite_is_built(suite):
    from pipelines.intake.check.expectations import _validator, load_suite_spec

    _, built = _validator(suite)  # raises if Great Expectations dropped one it could not build
    assert len(built.expectations) == len(load_suite_spec(suite)["expectations"]) > 0
