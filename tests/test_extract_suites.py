"""Each extract suite (expectations/<table>.json) rejects a bad extract, through the real Great
Expectations run; and through the real Dagster asset, a rejected file's records never reach the
warehouse while the good files of the same kind still load."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
import pytest
from dagster import DagsterInstance, materialize

from pipelines.intake.api import suite_holds_per_part_when_whole_passes, validate
from pipelines.orchestration.assets.raw_extracts import (EXTRACTS, extract_assets, files_pass_together, read_extract,
                                                        read_extract_file)
from pipelines.orchestration.resources import LandingResource, WarehouseResource
from pipelines.settings import Paths
from tests.conftest import generate_demo

SPECS = {spec.table: spec for spec in EXTRACTS}


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    return generate_demo(tmp_path_factory.mktemp("demo"), 2)


@dataclass(frozen=True)
class BadCell:
    table: str
    column: str
    value: str  # what the bad extract holds in the first record's cell
    rule: str  # the suite's rule that must reject it


BAD_CELLS = [
    BadCell("disruptions", "impact_level", "catastrophic", "impact_level_allowed_values"),
    BadCell("ocg_register", "morile_score", "high-ish", "morile_score_format"),
    BadCell("ocg_register", "extract_month", "March 2025", "extract_month_format"),
    BadCell("ocg_register", "threat_areas", "drugs and guns", "threat_areas_format"),
    BadCell("ocg_register", "membership_size", "about 20", "membership_size_format"),
    BadCell("ocg_register", "geography", "galactic", "geography_allowed_values"),
    BadCell("ocg_register", "date_scored", "1/2/2025", "date_scored_format"),
    BadCell("ocg_register", "date_reviewed", "last spring", "date_reviewed_format"),
    BadCell("ocg_register", "status", "closed", "status_allowed_values"),
    BadCell("ocg_register", "archive_reason", "retired", "archive_reason_allowed_values"),
    BadCell("ocg_register", "plan_4p_in_place", "maybe", "plan_4p_in_place_allowed_values"),
    BadCell("ocg_register", "plan_4p_reviewed", "yes", "plan_4p_reviewed_allowed_values"),
    BadCell("capacity", "leavers", "-1", "leavers_format"),
    BadCell("tasking_meetings", "meeting_date", "31/12/2025", "meeting_date_format"),
    BadCell("gateway_requests", "force_code", "ATLANTIS", "force_code_allowed_values"),
    BadCell("tasking_meetings", "national_tasking_attended", "sometimes", "national_tasking_attended_allowed_values"),
    BadCell("tasking_meetings", "forces_represented", "Kent, Essex", "forces_represented_format"),
    BadCell("operations", "tasked_by", "the chief", "tasked_by_allowed_values"),
    BadCell("operations", "threat_area_code", "SHOPLIFTING", "threat_area_code_allowed_values"),
    BadCell("operations", "status", "paused", "status_allowed_values"),
    BadCell("operations", "start_date", "1/4/2025", "start_date_format"),
    BadCell("operations", "ocg_refs", "OCG-1, OCG-2", "ocg_refs_format"),
    BadCell("operations", "rocu_code", "MARS", "rocu_code_allowed_values"),
    BadCell("escalations", "decision", "maybe", "decision_allowed_values"),
    BadCell("escalations", "force_code", "ATLANTIS", "force_code_allowed_values"),
    BadCell("escalations", "requested_date", "1/4/2025", "requested_date_format"),
    BadCell("escalations", "threat_area_code", "SHOPLIFTING", "threat_area_code_allowed_values"),
]


def first_file(demo: Path, table: str) -> Path:
    return sorted((demo / "extracts").glob(SPECS[table].pattern))[-1]


def spoil(source: Path, target: Path, column: str, value: str | None) -> None:
    """A copy of `source` whose first record has `value` in `column` (everything else as sent)."""
    spoil_record(source, target, {column: value})


def spoil_record(source: Path, target: Path, cells: dict[str, str | None]) -> None:
    """A copy of `source` whose first record holds `cells` instead of what was sent."""
    frame = pl.read_csv(source, infer_schema=False)
    assert set(cells) <= set(frame.columns), (source.name, frame.columns)
    first = pl.int_range(pl.len()) == 0
    frame = frame.with_columns(pl.when(first).then(pl.lit(value, dtype=pl.String)).otherwise(pl.col(column))
                               .alias(column) for column, value in cells.items())
    target.parent.mkdir(parents=True, exist_ok=True)
    frame.write_csv(target)


@pytest.mark.parametrize("bad", BAD_CELLS, ids=lambda b: f"{b.table}-{b.column}")
def test_each_extract_suite_rejects_a_bad_extract(demo, tmp_path, bad):
    source = first_file(demo, bad.table)
    good = [p for p in validate(bad.table, read_extract_file(source), file=source.name) if p.severity == "error"]
    assert good == [], [p.as_text() for p in good]  # the file as generated passes its suite

    folder = tmp_path / "extracts"
    target = folder / source.relative_to(demo / "extracts")
    spoil(source, target, bad.column, bad.value)
    problems = [p for p in validate(bad.table, read_extract_file(target), file=target.name) if p.severity == "error"]
    assert [(p.rule, p.file, p.row, p.column, p.value) for p in problems] == \
        [(bad.rule, target.name, 2, bad.column, bad.value)]  # row 2: the first record under the header

    frame, rejected = read_extract(folder, SPECS[bad.table])
    assert frame.is_empty() and list(rejected) == [target.name]
    (text,) = rejected[target.name]
    assert bad.rule in text and bad.value in text and "row 2" in text and bad.column in text


@dataclass(frozen=True)
class BadRecord:
    """A disruption record whose cells break one rule that ties columns together."""
    cells: dict[str, str | None]  # what the first record holds instead of what was sent
    rule: str  # the one rule that must reject it
    column: str  # the column the problem names
    words: str  # part of the plain-English message


DATED = {"disruption_date": "2025-05-01", "claim_date": "2025-05-02"}
BAD_RECORDS = [
    BadRecord({"against_type": "gang", "ocg_ref": None}, "against_type_allowed_values", "against_type",
              "must be ocg, priority_individual, vulnerability or other"),
    BadRecord({"against_type": None, "ocg_ref": None}, "against_type_required", "against_type",
              "say what the disruption was against"),
    BadRecord({"against_type": "ocg", "ocg_ref": None}, "ocg_needs_reference", "ocg_ref", "against an OCG"),
    BadRecord({"against_type": "vulnerability", "ocg_ref": "OCG-NW-0001"}, "ocg_reference_only_against_ocg", "ocg_ref",
              "belongs only on a disruption against an OCG"),
    BadRecord({"claiming_agency": "interpol"}, "claiming_agency_allowed_values", "claiming_agency",
              "rocu, force, nca, hmrc, border_force or other"),
    BadRecord({"claiming_agency": None}, "claiming_agency_required", "claiming_agency", "which agency claimed"),
    BadRecord({**DATED, "claim_date": None, "validation_status": "pending", "validation_date": None},
              "claim_date_required", "claim_date", "date it was made"),
    BadRecord({**DATED, "claim_date": "3 May 2025", "validation_status": "pending", "validation_date": None},
              "claim_date_format", "claim_date", "YYYY-MM-DD"),
    BadRecord({**DATED, "claim_date": "2025-04-30", "validation_status": "pending", "validation_date": None},
              "claim_before_disruption", "claim_date", "claimed on or after the day it happened"),
    BadRecord({**DATED, "validation_status": "rejected", "validation_date": "May 9 2025"},
              "validation_date_format", "validation_date", "YYYY-MM-DD"),
    BadRecord({**DATED, "validation_status": "validated", "validation_date": None},
              "validated_needs_date", "validation_date", "give the date it was validated"),
    BadRecord({**DATED, "validation_status": "pending", "validation_date": "2025-05-09"},
              "pending_has_no_validation_date", "validation_date", "stays empty until the claim is validated"),
    BadRecord({**DATED, "validation_status": "validated", "validation_date": "2025-05-01"},
              "validation_before_claim", "validation_date", "cannot be validated before it is made"),
]


@pytest.mark.parametrize("bad", BAD_RECORDS, ids=lambda b: b.rule)
def test_the_disruption_suite_rejects_a_record_whose_columns_disagree(demo, tmp_path, bad):
    """What a disruption was against, who claimed it, and its claim and validation dates: each
    rule rejects the file alone, in plain English, naming the row and the column."""
    source = first_file(demo, "disruptions")
    target = tmp_path / "extracts" / source.relative_to(demo / "extracts")
    spoil_record(source, target, bad.cells)
    problems = [p for p in validate("disruptions", read_extract_file(target), file=target.name)
                if p.severity == "error"]
    assert [(p.rule, p.file, p.row, p.column) for p in problems] == [(bad.rule, target.name, 2, bad.column)]
    assert bad.words in problems[0].message


def test_a_file_without_the_new_columns_is_told_which_columns_it_lacks(demo, tmp_path):
    """A unit's older extract, sent without the columns added for issue 13: one plain problem per
    missing column, not a rule about its (absent) values with the rule's {placeholders} left in."""
    source = first_file(demo, "disruptions")
    target = tmp_path / source.name
    new = ["against_type", "claiming_agency", "claim_date", "validation_date"]
    pl.read_csv(source, infer_schema=False).drop(new).write_csv(target)
    problems = validate("disruptions", read_extract_file(target), file=target.name)
    assert [(p.severity, p.rule, p.file, p.column) for p in problems] == \
        [("error", "missing_column", target.name, c) for c in sorted(new)]
    for p, column in zip(problems, sorted(new)):
        assert f"no '{column}' column" in p.message and "{" not in p.message


def test_the_asset_loads_good_capacity_files_and_keeps_a_rejected_one_out(demo, tmp_path):
    """Through the real Dagster asset: the spoilt month's records are not in raw.capacity, the
    asset check fails naming the file and the rule, and the good month is loaded."""
    paths = Paths(tmp_path)
    extracts = tmp_path / "extracts"
    months = sorted((demo / "extracts").glob(SPECS["capacity"].pattern))
    assert len(months) == 2
    good, bad = months
    (extracts / "capacity").mkdir(parents=True)
    shutil.copy(good, extracts / "capacity" / good.name)
    spoil(bad, extracts / "capacity" / bad.name, "leavers", "-1")

    resources = {"landing": LandingResource(root=str(paths.landing), extracts_dir=str(extracts)),
                 "warehouse": WarehouseResource(path=str(paths.warehouse), published_path=str(paths.published))}
    (asset,) = [a for a in extract_assets if a.key.path == ["raw", "capacity"]]
    result = materialize([asset], resources=resources, instance=DagsterInstance.ephemeral())
    assert result.success
    (check,) = result.get_asset_check_evaluations()
    assert not check.passed
    assert bad.name in check.metadata["rejected"].value and "leavers_format" in check.metadata["rejected"].value

    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        loaded = dict(con.sql("select source_file, count(*) from raw.capacity group by 1").fetchall())
    finally:
        con.close()
    assert loaded == {good.name: pl.read_csv(good).height}


def test_an_archived_group_without_a_reason_rejects_the_register_and_a_missing_officer_only_warns(demo, tmp_path):
    """Row conditions: 'archive_reason' is required only where 'status' is archived; an empty lead
    responsible officer is information (the file still loads)."""
    source = first_file(demo, "ocg_register")
    target = tmp_path / "extracts" / "ocg_register" / source.name
    spoil(source, target, "status", "archived")
    spoil(target, target, "archive_reason", None)
    problems = validate("ocg_register", read_extract_file(target), file=target.name)
    assert [(p.severity, p.rule, p.row, p.column) for p in problems] == \
        [("error", "archived_needs_reason", 2, "archive_reason")]
    assert "archived" in problems[0].message and "dismantled, inactive or merged" in problems[0].message

    spoil(source, target, "lro_ref", None)
    problems = validate("ocg_register", read_extract_file(target), file=target.name)
    assert [(p.severity, p.rule, p.row) for p in problems] == [("information", "lead_responsible_officer_recorded", 2)]
    frame, rejected = read_extract(tmp_path / "extracts", SPECS["ocg_register"])
    assert rejected == {} and frame.height == pl.read_csv(source).height


def test_every_monthly_register_extract_is_loaded_not_only_the_newest(demo):
    """The register's history is derived from every landed month, so every file is read."""
    files = sorted((demo / "extracts").glob(SPECS["ocg_register"].pattern))
    assert len(files) == 2
    frame, rejected = read_extract(demo / "extracts", SPECS["ocg_register"])
    assert rejected == {}
    assert sorted(frame["source_file"].unique()) == [f.name for f in files]
    assert sorted(frame["extract_month"].unique()) == [f.stem.removeprefix("ocg_register_") for f in files]


def test_a_closed_operation_needs_an_end_date_and_each_operation_is_listed_once(demo, tmp_path):
    """Row condition: 'end_date' is required where 'status' is closed; a reference twice is refused."""
    source = first_file(demo, "operations")
    target = tmp_path / "extracts" / "operations" / source.name
    spoil(source, target, "status", "closed")
    spoil(target, target, "end_date", None)
    problems = validate("operations", read_extract_file(target), file=target.name)
    ref = pl.read_csv(source, infer_schema=False)["operation_ref"][0]
    assert [(p.severity, p.rule, p.row, p.column) for p in problems] == \
        [("error", "closed_needs_end_date", 2, "end_date")]
    assert ref in problems[0].message and "closed" in problems[0].message

    second = pl.read_csv(source, infer_schema=False)["operation_ref"][1]
    spoil(source, target, "operation_ref", second)
    problems = validate("operations", read_extract_file(target), file=target.name)
    assert [(p.rule, p.row, p.value) for p in problems] == \
        [("operation_ref_unique", 2, second), ("operation_ref_unique", 3, second)]


def test_only_the_newest_operations_snapshot_is_read(demo, tmp_path):
    """Operations arrive as a snapshot: an older file, even a bad one, is neither loaded nor checked."""
    source = first_file(demo, "operations")
    folder = tmp_path / "extracts"
    spoil(source, folder / "operations" / "operations_2000-01.csv", "status", "paused")
    shutil.copy(source, folder / "operations" / source.name)
    frame, rejected = read_extract(folder, SPECS["operations"])
    assert rejected == {} and set(frame["source_file"]) == {source.name}
    assert frame.height == pl.read_csv(source).height


ASKED = {"requested_date": "2025-05-01"}
BAD_ESCALATIONS = [
    BadRecord({**ASKED, "decision": "declined", "decision_date": "2025-05-20", "decline_reason": None},
              "declined_needs_reason", "decline_reason", "say why the unit declined it"),
    BadRecord({**ASKED, "decision": "accepted", "decision_date": "2025-05-20", "decline_reason": "capacity"},
              "reason_only_when_declined", "decline_reason", "belongs only on a declined escalation"),
    BadRecord({**ASKED, "decision": "accepted", "decision_date": None, "decline_reason": None},
              "decided_needs_date", "decision_date", "give the day the unit decided"),
    BadRecord({**ASKED, "decision": "pending", "decision_date": "2025-05-20", "decline_reason": None},
              "pending_has_no_decision_date", "decision_date", "stays empty until the unit decides"),
    BadRecord({**ASKED, "decision": "accepted", "decision_date": "2025-04-20", "decline_reason": None},
              "decision_before_request", "decision_date", "cannot decide before it is asked"),
    BadRecord({**ASKED, "decision": "declined", "decision_date": "2025-05-20", "decline_reason": "bored"},
              "decline_reason_allowed_values", "decline_reason", "a reason from the reference list"),
]


@pytest.mark.parametrize("bad", BAD_ESCALATIONS, ids=lambda b: b.rule)
def test_the_escalation_suite_rejects_a_record_whose_decision_disagrees(demo, tmp_path, bad):
    """Issue 15 item 2: an escalation's decision, its date and the reason for declining agree, or the
    file is rejected with one plain-English problem naming the row and the column."""
    source = first_file(demo, "escalations")
    target = tmp_path / source.name
    spoil_record(source, target, bad.cells)
    problems = [p for p in validate("escalations", read_extract_file(target), file=target.name)
                if p.severity == "error"]
    assert [(p.rule, p.file, p.row, p.column) for p in problems] == [(bad.rule, target.name, 2, bad.column)]
    assert bad.words in problems[0].message and "{" not in problems[0].message


def month_frames(folder: Path, table: str) -> list[pl.DataFrame]:
    return [read_extract_file(p) for p in sorted(folder.glob(SPECS[table].pattern))]


def test_monthly_files_that_all_pass_are_checked_in_one_go(demo):
    """Great Expectations costs about the same a call whatever the frame's size: a kind's monthly files
    that all pass are checked together, once; the register (its refs repeat every month) file by file."""
    assert all(suite_holds_per_part_when_whole_passes(spec.table) for spec in EXTRACTS)
    for table in ("disruptions", "capacity", "tasking_meetings", "gateway_requests"):
        frames = month_frames(demo / "extracts", table)
        assert len(frames) == 2 and files_pass_together(SPECS[table], frames), table
    assert not files_pass_together(SPECS["ocg_register"], month_frames(demo / "extracts", "ocg_register"))


def test_a_reference_in_two_months_fails_the_check_together_and_both_files_load(demo, tmp_path):
    """Uniqueness holds within a file: a disruption reference in two months' files fails one check of
    both together, so each file is then checked alone, and both pass and load."""
    first, second = sorted((demo / "extracts").glob(SPECS["disruptions"].pattern))
    folder = tmp_path / "extracts" / "disruptions"
    folder.mkdir(parents=True)
    shutil.copy(first, folder / first.name)
    ref = pl.read_csv(first, infer_schema=False)["disruption_ref"][0]
    spoil(second, folder / second.name, "disruption_ref", ref)
    assert not files_pass_together(SPECS["disruptions"], month_frames(tmp_path / "extracts", "disruptions"))
    frame, rejected = read_extract(tmp_path / "extracts", SPECS["disruptions"])
    assert rejected == {}
    assert frame.height == pl.read_csv(first).height + pl.read_csv(second).height


def test_a_month_without_the_new_columns_is_checked_alone_and_only_it_is_rejected(demo, tmp_path):
    """Files with different columns are never checked together (the gaps would be nulls): the older
    month is rejected for the columns it lacks, the other month loads."""
    first, second = sorted((demo / "extracts").glob(SPECS["disruptions"].pattern))
    folder = tmp_path / "extracts" / "disruptions"
    folder.mkdir(parents=True)
    new = ["against_type", "claiming_agency", "claim_date", "validation_date"]
    pl.read_csv(first, infer_schema=False).drop(new).write_csv(folder / first.name)
    shutil.copy(second, folder / second.name)
    assert not files_pass_together(SPECS["disruptions"], month_frames(tmp_path / "extracts", "disruptions"))
    frame, rejected = read_extract(tmp_path / "extracts", SPECS["disruptions"])
    assert list(rejected) == [first.name] and len(rejected[first.name]) == len(new)
    assert set(frame["source_file"]) == {second.name} and frame.height == pl.read_csv(second).height


def _probe_suite(tmp_path: Path, monkeypatch, name: str, expectations: list[dict]) -> None:
    """A suite `name` of its own in a folder the checks read instead of expectations/."""
    import json

    from pipelines.intake.check import expectations as suites
    (tmp_path / f"{name}.json").write_text(json.dumps({"name": name, "expectations": expectations}))
    monkeypatch.setattr(suites, "EXPECTATIONS_DIR", tmp_path)


def test_a_rule_sees_a_column_named_only_in_its_row_condition_and_the_message_sees_the_whole_row(
        tmp_path, monkeypatch):
    """The suite is given only the columns its rules read (expectations.check_here): a column that
    only a row condition names is still one of them, and a message still names any cell of the row."""
    _probe_suite(tmp_path, monkeypatch, "probe_condition", [{
        "type": "expect_column_values_to_be_between", "kwargs": {
            "column": "figure", "min_value": 0, "row_condition": 'kind=="count"', "condition_parser": "pandas"},
        "meta": {"rule": "negative_count", "severity": "error", "message": "{label} is {figure} on {where}"}}])
    frame = pl.DataFrame({"kind": ["count", "percent", "count"], "figure": [3.0, -2.0, -1.0],
                          "label": ["Arrests", "Share", "Charges"], "source_file": ["f.csv"] * 3,
                          "source_row": [2, 3, 4], "source_column": ["D"] * 3})
    problems = validate("probe_condition", frame, file="f.csv")
    assert [(p.rule, p.row, p.value) for p in problems] == [("negative_count", 4, "-1.0")]
    assert problems[0].message == "Charges is -1 on Row 4, column D in f.csv"


def test_a_rule_on_the_table_s_own_columns_is_given_the_frame_as_it_came(tmp_path, monkeypatch):
    _probe_suite(tmp_path, monkeypatch, "probe_table", [
        {"type": "expect_table_column_count_to_equal", "kwargs": {"value": 3},
         "meta": {"rule": "column_count", "severity": "error", "message": "three columns"}},
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "a"},
         "meta": {"rule": "a_given", "severity": "error", "message": "a is given"}}])
    three = pl.DataFrame({"a": [1], "b": [2], "c": [3]})
    assert validate("probe_table", three) == []
    assert [p.rule for p in validate("probe_table", three.drop("c"))] == ["column_count"]
