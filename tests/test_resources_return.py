"""The quarterly resources return through the one intake: landed, versioned, checked, kept."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from pipelines.demo.resources import HEADER, profiles, resource_rows, write_resources_return
from pipelines.intake.api import InvalidRequest, LandingZone, submit_return

TODAY = date(2026, 11, 24)
QUARTER = "2025-Q2"


def good_rows(unit: str = "NEROCU") -> list[list]:
    profile = next(p for p in profiles() if p["rocu_code"] == unit)
    return resource_rows(np.random.default_rng(7), profile, QUARTER, 0)


def as_csv(rows: list[list], header: list[str] = HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def submit(zone: LandingZone, content: bytes, unit: str = "NEROCU", quarter: str = QUARTER,
           name: str = "resources.csv"):
    return submit_return(zone, content, original_name=name, rocu_code=unit, period=quarter,
                         submitted_by="lead", today=TODAY, kind="resources")


def changed(rows: list[list], section: str, item: str, column: int, value) -> list[list]:
    """`rows` with one cell of the first row for section/item set to `value` (columns as HEADER)."""
    out = [list(r) for r in rows]
    row = next(r for r in out if r[2] == section and r[3] == item)
    row[column] = value
    return out


def test_good_csv_and_workbook_accepted_and_kept_as_a_second_kind_of_return(tmp_path):
    zone = LandingZone(tmp_path / "landing")
    verdict = submit(zone, as_csv(good_rows()))
    assert verdict.submission.state == "accepted", [p.as_text() for p in verdict.problems]
    assert verdict.submission.return_kind == "resources" and verdict.submission.period == QUARTER
    profile = next(p for p in profiles() if p["rocu_code"] == "SEROCU")
    workbook = tmp_path / write_resources_return(tmp_path, profile, QUARTER, good_rows("SEROCU"))
    assert workbook.suffix == ".xlsx"
    assert submit(zone, workbook.read_bytes(), "SEROCU", name=workbook.name).submission.state == "accepted"
    kept = pl.read_parquet(tmp_path / "landing" / "standardised" / f"{verdict.submission.submission_id}"
                                                                     ".resources.parquet")
    assert kept.filter(pl.col("section") == "staff_role")["value"].sum() == \
        kept.filter(pl.col("section") == "staff_contract")["value"].sum() > 200
    # The monthly listing is unchanged by resources returns; every kind is there when asked.
    assert zone.registry.submissions() == [] and len(zone.registry.submissions(kind=None)) == 2


def test_resent_resources_return_is_a_new_version_that_supersedes(tmp_path):
    zone = LandingZone(tmp_path)
    first = submit(zone, as_csv(good_rows()))
    second = submit(zone, as_csv(changed(good_rows(), "spend", "spend_in_quarter", 5, 3_100_000)))
    assert (first.submission.version, second.submission.version) == (1, 2)
    assert zone.registry.get(first.submission.submission_id).state == "superseded"


@pytest.mark.parametrize("quarter", ["2025-Q5", "2025-03", "Q2", "2025-Q0", "2026-Q3"])
def test_a_quarter_that_is_not_a_quarter_or_has_not_ended_is_refused_before_landing(tmp_path, quarter):
    zone = LandingZone(tmp_path)
    with pytest.raises(InvalidRequest, match="quarter"):
        submit(zone, as_csv(good_rows()), quarter=quarter)
    assert zone.registry.submissions(kind=None) == []


def problems_of(tmp_path: Path, content: bytes) -> list:
    verdict = submit(LandingZone(tmp_path), content)
    assert verdict.submission.state == "rejected"
    return verdict.problems


def test_negative_money_names_row_column_value_and_rule(tmp_path):
    rows = changed(good_rows(), "budget", "home_office_rocu_grant", 5, "-250000")
    [problem] = problems_of(tmp_path, as_csv(rows))
    assert (problem.rule, problem.row, problem.column, problem.value) == ("negative_money", 2, "F", "-250000")
    assert "resources.csv" in problem.message and "cannot be negative" in problem.message


def test_a_funding_source_not_in_the_list(tmp_path):
    rows = changed(good_rows(), "budget", "other_grants", 3, "Lottery fund")
    [problem] = problems_of(tmp_path, as_csv(rows))
    assert (problem.rule, problem.column, problem.row) == ("unknown_funding_source", "D", 4)
    assert "'lottery_fund' is not a funding source" in problem.message
    rows = changed(good_rows(), "staff_contract", "fixed_term", 4, "Police Property Act fund")
    [problem] = problems_of(tmp_path / "2", as_csv(rows))
    assert (problem.rule, problem.column, problem.value) == ("unknown_funding_source", "E",
                                                             "Police Property Act fund")


def test_a_quarter_in_the_file_that_is_not_a_quarter_or_not_the_one_submitted(tmp_path):
    rows = changed(good_rows(), "spend", "spend_in_quarter", 1, "2025-Q7")
    rows = changed(rows, "staff_role", "officers", 1, "2024-Q2")
    found = {(p.rule, p.column, p.value) for p in problems_of(tmp_path, as_csv(rows))}
    assert found == {("not_a_quarter", "B", "2025-Q7"), ("quarter_mismatch", "B", "2024-Q2")}


def test_staff_by_role_and_by_contract_must_add_up(tmp_path):
    rows = changed(good_rows(), "staff_role", "officers", 5, 10)
    [problem] = problems_of(tmp_path, as_csv(rows))
    assert problem.rule == "staff_totals_differ" and "must add up to the same number" in problem.message


def test_missing_required_column_is_named(tmp_path):
    header = [h for h in HEADER if h != "confirmed_on"]
    rows = [r[:-1] for r in good_rows()]
    [problem] = problems_of(tmp_path, as_csv(rows, header))
    assert (problem.rule, problem.column, problem.row) == ("missing_column", "confirmed_on", 1)
    assert "no column called 'confirmed_on'" in problem.message


def test_budget_line_without_its_confirmation_date_and_embeds_without_agency(tmp_path):
    rows = changed(good_rows(), "budget", "force_pcc_contributions", 6, "")
    embed = next(r for r in rows if r[3] == "partner_embeds")
    embed[4] = "Interpol"
    found = {(p.rule, p.column, p.value) for p in problems_of(tmp_path, as_csv(rows))}
    assert found == {("funding_date_missing", "G", None), ("unknown_partner_agency", "E", "Interpol")}


def test_unknown_item_and_missing_section(tmp_path):
    rows = [r for r in good_rows() if r[2] != "spend"]
    rows = changed(rows, "leavers", "nca", 3, "Moved abroad")
    found = {(p.rule, p.value) for p in problems_of(tmp_path, as_csv(rows))}
    assert found == {("unknown_item", "Moved abroad"), ("missing_section", "spend")}


def test_the_documented_template_is_accepted(tmp_path):
    template = Path("docs/templates/resources_return_template.csv")
    verdict = submit(LandingZone(tmp_path), template.read_bytes(), quarter="2025-Q1", name=template.name)
    assert verdict.submission.state == "accepted", [p.as_text() for p in verdict.problems]
