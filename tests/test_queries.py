"""Errors, queries and information (issue 14 item 1).

Every rule's severity is data (expectations/rules.yml) generated into the Great Expectations
suites; a query does not stop a return being accepted but stops its sign-off until it is
answered (confirmed with an explanation, or corrected by a new version), refused on the server
with a message naming the open queries; answers are append-only and audited; every kind of
problem a readable file has is reported in one round.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest
import yaml

from pipelines.access import AuditLog, PermissionDenied
from pipelines.intake.api import LandingZone, OpenQueries, answer_query, approve, open_queries, queries, submit_return
from pipelines.intake.check.rules import RULES_FILE, SEVERITIES, generated_suites, rules
from pipelines.settings import EXPECTATIONS_DIR, Paths
from tests.conftest import demo_file, generate_demo, make_session

TODAY = date(2026, 11, 24)
UNIT, PERIOD, EARLIER = "NEROCU", "2025-09", "2025-08"


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    return generate_demo(tmp_path_factory.mktemp("demo"), 2)


def with_figure(text: str, label: str, figure: str) -> tuple[str, int]:
    """`text` with `figure` in the first row of `label`, and that row's number (1-based)."""
    lines = text.splitlines()
    index = next(i for i, line in enumerate(lines) if f",{label}," in line)
    lines[index] = lines[index].rsplit(",", 1)[0] + "," + figure
    return "\n".join(lines) + "\n", index + 1


def send(zone: LandingZone, text: str, name: str = f"{UNIT}_return_{PERIOD}.csv", period: str = PERIOD):
    return submit_return(zone, text.encode(), original_name=name, rocu_code=UNIT, period=period,
                         submitted_by="unit_submitter.nerocu", today=TODAY)


# -- the rules as data ---------------------------------------------------------------------------

def test_the_committed_suites_are_generated_from_the_rules_file():
    """`make suites` has been run: each suite's meta is exactly what rules.yml says."""
    generated = generated_suites()
    assert {p.stem for p in generated} == set(rules()["suites"]), "a suite without rules, or rules without a suite"
    stale = [path.name for path, text in generated.items() if path.read_text() != text]
    assert not stale, f"run `make suites`: {stale} do not match {RULES_FILE.name}"


def test_every_rule_is_an_error_a_query_or_information_and_no_warning_is_left():
    severities = [r["severity"] for r in rules()["checks"].values()]
    severities += [r["severity"] for listed in rules()["suites"].values() for r in listed]
    assert set(severities) <= set(SEVERITIES) and {"error", "query", "information"} <= set(severities)
    for path in EXPECTATIONS_DIR.glob("*.json"):
        assert "warning" not in {e["meta"]["severity"] for e in json.loads(path.read_text())["expectations"]}


def test_a_changed_severity_in_the_rules_file_reaches_the_suite(tmp_path, monkeypatch):
    """The generator writes the rules file's severity and message into the suite's meta."""
    spec = yaml.safe_load(RULES_FILE.read_text())
    entry = next(r for r in spec["suites"]["return_values"] if r["rule"] == "fractional_count")
    entry.update(severity="information", message="Changed.")
    (tmp_path / "rules.yml").write_text(yaml.safe_dump(spec))
    (tmp_path / "return_values.json").write_text((EXPECTATIONS_DIR / "return_values.json").read_text())
    monkeypatch.setattr("pipelines.intake.check.rules.RULES_FILE", tmp_path / "rules.yml")
    rules.cache_clear()
    try:
        (text,) = generated_suites(tmp_path).values()
    finally:
        rules.cache_clear()
    meta = next(e["meta"] for e in json.loads(text)["expectations"] if e["meta"]["rule"] == "fractional_count")
    assert meta == {"rule": "fractional_count", "severity": "information", "message": "Changed."}


# -- the query lifecycle -------------------------------------------------------------------------

def test_a_query_blocks_sign_off_until_it_is_answered(demo, tmp_path):
    paths = Paths(tmp_path)
    zone = LandingZone(paths.landing)
    text, row = with_figure(demo_file(demo, UNIT, PERIOD).read_text(), "Arrests", "2.5")
    verdict = send(zone, text)
    assert verdict.accepted, [p.as_text() for p in verdict.problems]
    (query,) = open_queries(zone, verdict.submission)
    assert (query.rule, query.row, query.column, query.value, query.status) == ("fractional_count", row, "D",
                                                                                "2.5", "open")
    approver = make_session(tmp_path, "unit_approver", UNIT)
    submitter = make_session(tmp_path, "unit_submitter", UNIT)
    audit = AuditLog.at(paths)

    with pytest.raises(OpenQueries) as refused:
        approve(zone, verdict.submission.submission_id, approver)
    assert str(refused.value) == (
        f"Version 1 of {UNIT}'s return for {PERIOD} cannot be signed off yet: 1 query is still open. Each must be "
        "answered (the figure confirmed with an explanation) or the figure corrected by uploading a new version "
        f"first. Open: query 1 (fractional_count) at Row {row}, column D in {UNIT}_return_{PERIOD}.csv "
        "(value 2.5).")
    assert zone.registry.approvals() == []
    last = audit.records()[-1]
    assert (last.action, last.detail["reason"], last.detail["open_queries"]) == (
        "approval_refused", "open_queries", [query.key])

    board = make_session(tmp_path, "board_member", UNIT)
    with pytest.raises(PermissionDenied):
        answer_query(zone, query.submission_id, query.key, "It is right.", board)
    with pytest.raises(ValueError, match="Write an explanation"):
        answer_query(zone, query.submission_id, query.key, "   ", submitter)
    answered = answer_query(zone, query.submission_id, query.key,
                            "Half an arrest: a joint operation shared with Cleveland.", submitter)
    assert (answered.status, answered.answered_by, answered.source) == ("answered", submitter.username, "page")
    assert open_queries(zone, verdict.submission) == []
    last = audit.records()[-1]
    assert (last.actor, last.action, last.detail["key"], last.detail["explanation"]) == (
        submitter.username, "query_answer", query.key, "Half an arrest: a joint operation shared with Cleveland.")
    with sqlite3.connect(zone.registry.path) as con, pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("update query_answers set explanation='changed'")

    approve(zone, verdict.submission.submission_id, approver)
    assert [a["submission_id"] for a in zone.registry.approvals()] == [verdict.submission.submission_id]
    assert audit.verify() is None


def test_a_query_corrected_by_a_new_version_is_closed_and_the_new_version_can_be_signed_off(demo, tmp_path):
    zone = LandingZone(Paths(tmp_path).landing)
    original = demo_file(demo, UNIT, PERIOD).read_text()
    first = send(zone, with_figure(original, "Arrests", "2.5")[0])
    approver = make_session(tmp_path, "unit_approver", UNIT)
    second = send(zone, with_figure(original, "Arrests", "3")[0])

    assert [q.status for q in queries(zone, first.submission.submission_id)] == ["corrected"]
    assert open_queries(zone, second.submission) == []
    with pytest.raises(ValueError, match="corrected by a newer version"):
        answer_query(zone, first.submission.submission_id, queries(zone, first.submission.submission_id)[0].key,
                     "It was right.", "unit_submitter.nerocu")
    approve(zone, second.submission.submission_id, approver)


def test_the_approve_command_refuses_with_the_open_queries(demo, tmp_path, monkeypatch, capsys):
    from pipelines.cli import main as rocu
    from tests.conftest import PASSWORD

    monkeypatch.setenv("ROCU_VAR_DIR", str(tmp_path))
    zone = LandingZone(Paths(tmp_path).landing)
    text, row = with_figure(demo_file(demo, UNIT, PERIOD).read_text(), "Arrests", "2.5")
    verdict = send(zone, text)
    make_session(tmp_path, "unit_approver", UNIT)
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO(PASSWORD + "\n"))
    code = rocu(["approve", str(verdict.submission.submission_id), "--user", "unit_approver.nerocu"])
    err = capsys.readouterr().err
    assert code != 0 and zone.registry.approvals() == []
    assert "cannot be signed off yet: 1 query is still open" in err and f"Row {row}, column D" in err
    assert "Traceback" not in err


# -- one round -----------------------------------------------------------------------------------

def test_every_kind_of_problem_is_reported_in_one_round(demo, tmp_path):
    """An unreadable figure (an error), a figure far from the unit's history (a query) and a
    measure left out (a query) come back together, not one round after another; the measure whose
    figure could not be read is not also called missing."""
    zone = LandingZone(Paths(tmp_path).landing)
    earlier = send(zone, demo_file(demo, UNIT, EARLIER).read_text(), f"{UNIT}_return_{EARLIER}.csv", EARLIER)
    assert earlier.accepted
    text = demo_file(demo, UNIT, PERIOD).read_text()
    arrests = float(next(x for x in text.splitlines() if ",Arrests," in x).rsplit(",", 1)[1])
    text, _ = with_figure(text, "Charged", "tbc")
    text, _ = with_figure(text, "Arrests", f"{max(arrests, 10) * 50:g}")
    text = "\n".join(x for x in text.splitlines() if ",Warrants executed," not in x) + "\n"

    verdict = send(zone, text)
    found = {(p.severity, p.rule) for p in verdict.problems}
    assert verdict.submission.state == "rejected"
    assert {("error", "non_numeric_value"), ("query", "implausible_jump"), ("query", "missing_metric")} <= found
    missing = [p.value for p in verdict.problems if p.rule == "missing_metric"]
    assert "Warrants executed" in missing and "Charged" not in missing


# -- explanations from the file ------------------------------------------------------------------

def test_a_notes_column_answers_the_query_on_the_figure_beside_it(demo, tmp_path):
    """ROCUWM's hand-typed file has a Notes column: the note on the Arrests row answers the query on
    Arrests (and no other); a queried figure with no note beside it stays open."""
    unit = "ROCUWM"
    path = demo_file(demo, unit, PERIOD)
    lines = path.read_bytes().decode("cp1252").splitlines()
    arrests = next(i for i, line in enumerate(lines) if line.lower().startswith("arrests"))
    charged = next(i for i, line in enumerate(lines) if line.lower().startswith("charged"))
    for i, figure in ((arrests, "2.5"), (charged, "3.5")):
        label, _, note = lines[i].split(";")
        lines[i] = ";".join([label, figure, note])
    assert lines[arrests].endswith(";includes joint operations") and lines[charged].endswith(";")
    paths = Paths(tmp_path)
    zone = LandingZone(paths.landing)
    verdict = submit_return(zone, ("\r\n".join(lines) + "\r\n").encode("cp1252"), original_name=path.name,
                            rocu_code=unit, period=PERIOD, submitted_by="unit_submitter.rocuwm", today=TODAY)

    by_row = {q.row: q for q in queries(zone, verdict.submission) if q.rule == "fractional_count"}
    answered, still_open = by_row[arrests + 1], by_row[charged + 1]
    assert (answered.status, answered.explanation, answered.source, answered.answered_by, answered.column) == (
        "answered", "includes joint operations", "file", "unit_submitter.rocuwm", "B")
    assert (still_open.status, still_open.explanation) == ("open", None)
    record = next(r for r in AuditLog.at(paths).records() if r.action == "query_answer")
    assert (record.actor, record.detail["source"], record.detail["rule"]) == (
        "unit_submitter.rocuwm", "file", "fractional_count")
    with pytest.raises(OpenQueries, match=f"Row {charged + 1}, column B"):
        approve(zone, verdict.submission.submission_id, make_session(tmp_path, "unit_approver", unit))


def test_a_resources_return_reports_its_unreadable_and_its_negative_figures_in_one_round(tmp_path):
    """A resources return with a figure that is not a number and, on another row, negative money:
    both come back in the one verdict (the old intake ran the suite only once the file read cleanly)."""
    from tests.test_resources_return import as_csv, changed, good_rows, submit

    rows = changed(good_rows(), "budget", "home_office_rocu_grant", 5, "-250000")
    rows = changed(rows, "spend", next(r[3] for r in rows if r[2] == "spend"), 5, "lots")
    verdict = submit(LandingZone(tmp_path), as_csv(rows))
    assert {(p.rule, p.value) for p in verdict.problems} >= {("non_numeric_value", "lots"),
                                                               ("negative_money", "-250000")}


# -- the upload page -----------------------------------------------------------------------------

def test_the_upload_page_shows_each_query_with_an_answer_box_and_the_queue_waits_for_it(demo, tmp_path,
                                                                                       monkeypatch):
    import streamlit as st

    from dashboards.format import escape_markdown
    from tests.test_upload_workflow import texts, upload_page

    st.cache_data.clear()
    monkeypatch.setenv("ROCU_VAR_DIR", str(tmp_path))
    zone = LandingZone(Paths(tmp_path).landing)
    text, row = with_figure(demo_file(demo, UNIT, PERIOD).read_text(), "Arrests", "2.5")
    verdict = send(zone, text)
    sid = verdict.submission.submission_id

    approver_page = upload_page("unit_approver", UNIT, PERIOD)
    assert "1 query still open" in texts(approver_page.caption)
    assert not [b for b in approver_page.button if b.key == f"approve_{sid}"]  # no sign-off offered

    at = upload_page("unit_submitter", UNIT, PERIOD)
    assert "Queries on version 1" in texts(at.subheader)
    place = escape_markdown(f"Row {row}, column D in {UNIT}_return_{PERIOD}.csv")
    assert f"**Query 1: {place}** (value {escape_markdown('2.5')})" in texts(at.markdown)
    at.text_area(key=f"answer_{sid}_1").input("A joint operation shared with Cleveland.")
    at.button(key=f"save_{sid}_1").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Answered by unit_submitter.nerocu" in texts(at.success)
    assert "A joint operation shared with Cleveland." in texts(at.success)
    assert open_queries(zone, verdict.submission) == []

    approver_page = upload_page("unit_approver", UNIT, PERIOD)
    approver_page.button(key=f"approve_{sid}").click().run()
    assert [a["submission_id"] for a in zone.registry.approvals()] == [sid]
    st.cache_data.clear()


def test_a_notes_sheet_answers_the_query_on_the_figure_it_names(demo, tmp_path):
    """Issue 14 item 1: YHROCU keeps its explanations on a sheet of their own (a table of measure and
    note, no figures) rather than beside the figures: the note naming its arrests measure answers the
    query on that figure, at the figure's own place; a measure with no note stays open."""
    from openpyxl import load_workbook

    unit = "YHROCU"
    book = load_workbook(demo_file(demo, unit, PERIOD))
    sheet = book["Pursue"]
    header = next(r for r in sheet.iter_rows() if [c.value for c in r[:3]] == ["Indicator", "This month", "Comments"])
    rows = [r for r in sheet.iter_rows(min_row=header[0].row + 1) if isinstance(r[0].value, str) and r[1].value]
    arrests = next(r for r in rows if r[0].value.lower().startswith("arrest"))
    other = next(r for r in rows if r is not arrests)
    for row, figure in ((arrests, 2.5), (other, 3.5)):  # fractional counts: a query each
        row[1].value, row[2].value = figure, None  # no note beside the figure
    notes = book.create_sheet("Explanations for the NOCC")
    notes.append(["Measure", "Notes"])
    notes.append([arrests[0].value.upper() + "  ", "Two arrests shared with a force, counted as halves"])
    notes.append(["A measure not on the return", "nothing to attach this to"])
    path = tmp_path / f"{unit}_{PERIOD}.xlsx"
    book.save(path)
    zone = LandingZone(Paths(tmp_path).landing)
    verdict = submit_return(zone, path.read_bytes(), original_name=path.name, rocu_code=unit, period=PERIOD,
                            submitted_by="unit_submitter.yhrocu", today=TODAY)
    by_row = {q.row: q for q in queries(zone, verdict.submission) if q.rule == "fractional_count"}
    answered, still_open = by_row[arrests[1].row], by_row[other[1].row]
    assert (answered.status, answered.explanation, answered.source, answered.sheet) == (
        "answered", "Two arrests shared with a force, counted as halves", "file", "Pursue")
    assert (still_open.status, still_open.explanation) == ("open", None)


def test_a_verdict_rings_once_the_files_answers_are_kept_and_a_note_too_long_leaves_its_query_open(
        demo, tmp_path, monkeypatch):
    """The refresh a verdict rings for loads the answers the file gave too, so it rings after they are
    kept; a note too long to be an answer leaves its query open (for an answer on the page) instead of
    failing the upload after its verdict was given."""
    from openpyxl import load_workbook

    import pipelines.intake.service as service
    from pipelines.intake.queries import MAX_EXPLANATION

    unit = "YHROCU"
    book = load_workbook(demo_file(demo, unit, PERIOD))
    sheet = book["Pursue"]
    header = next(r for r in sheet.iter_rows() if [c.value for c in r[:3]] == ["Indicator", "This month", "Comments"])
    rows = [r for r in sheet.iter_rows(min_row=header[0].row + 1) if isinstance(r[0].value, str) and r[1].value]
    short, long = rows[0], rows[1]
    for row, figure in ((short, 2.5), (long, 3.5)):  # fractional counts: a query each
        row[1].value, row[2].value = figure, None
    notes = book.create_sheet("Explanations for the NOCC")
    notes.append(["Measure", "Notes"])
    notes.append([short[0].value, "Shared with a neighbouring force, counted as halves"])
    notes.append([long[0].value, "Shared. " * (MAX_EXPLANATION // 8 + 1)])
    path = tmp_path / f"{unit}_{PERIOD}.xlsx"
    book.save(path)
    zone = LandingZone(Paths(tmp_path).landing)
    rings = []
    monkeypatch.setattr(service, "ask_for_refresh", lambda var, why, *slice_, **changed: rings.append(
        (why, [a["explanation"] for a in zone.registry.answers()])))
    verdict = submit_return(zone, path.read_bytes(), original_name=path.name, rocu_code=unit, period=PERIOD,
                            submitted_by="unit_submitter.yhrocu", today=TODAY)
    assert verdict.submission.state == "accepted_with_queries_or_information"
    assert rings == [(f"verdict {unit} {PERIOD} v1", ["Shared with a neighbouring force, counted as halves"])]
    by_row = {q.row: q for q in queries(zone, verdict.submission) if q.rule == "fractional_count"}
    assert (by_row[short[1].row].status, by_row[short[1].row].source) == ("answered", "file")
    assert (by_row[long[1].row].status, by_row[long[1].row].explanation) == ("open", None)
