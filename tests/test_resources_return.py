"""The quarterly resources return through the one intake: landed, versioned, checked, kept."""

from __future__ import annotations

import csv
import io
import re
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


def test_a_resources_verdict_asks_for_one_whole_refresh(tmp_path):
    """The returns sensor sees resources verdicts too: they need a reload, but no month slice."""
    from dagster import DagsterInstance, build_sensor_context

    from pipelines.orchestration.resources import LandingResource
    from pipelines.orchestration.sensors import returns_sensor

    landing = LandingResource(root=str(tmp_path / "landing"), extracts_dir=str(tmp_path / "extracts"))
    context = build_sensor_context(resources={"landing": landing}, cursor="0", instance=DagsterInstance.ephemeral())
    submit(landing.zone(), as_csv(good_rows()))
    result = returns_sensor(context)
    [request] = result.run_requests
    assert request.run_key.startswith("resources|") and not request.run_config


def test_demo_resources_are_plausible_against_public_figures_and_differ_between_units(tmp_path):
    """Public figures (docs/reference-data.md): £166m network budget in 2018/19, about 30% Home
    Office / 70% PCCs in 2025/26, 2,703 in post in March 2021 plus 725 uplift officers by 2023."""
    from pipelines.demo.resources import write_resources

    manifest = write_resources(tmp_path, [f"2025-{m:02d}" for m in range(4, 13)], seed=3)
    frame = pl.concat([pl.read_csv(tmp_path / path, infer_schema=False).with_columns(pl.lit(unit).alias("u"))
                       if path.endswith(".csv") else
                       pl.read_excel(tmp_path / path, sheet_name="Resources", read_options={"header_row": 2},
                                     infer_schema_length=0).with_columns(pl.lit(unit).alias("u"))
                       for unit, quarter, path, _ in manifest if quarter == "2025-Q1"], how="diagonal_relaxed")
    frame = frame.with_columns(pl.col("value").cast(pl.Float64))
    budget = frame.filter(pl.col("section") == "budget")
    staff = frame.filter(pl.col("section") == "staff_role")["value"].sum()
    home_office = budget.filter(pl.col("item") == "home_office_rocu_grant")["value"].sum() / budget["value"].sum()
    assert 3_000 < staff < 3_800  # 2,703 + 725
    assert 166e6 < budget["value"].sum() < 260e6
    assert 0.27 < home_office < 0.33
    by_unit = budget.group_by("u", "item").agg(pl.col("value").sum()).pivot("item", index="u", values="value")
    shares = by_unit["home_office_rocu_grant"] / by_unit.select(pl.exclude("u")).sum_horizontal()
    assert shares.max() - shares.min() > 0.1  # funding mixes differ enough for comparisons to show something


def test_cli_submits_a_resources_return(tmp_path, monkeypatch, capsys):
    from pipelines.cli import main as rocu
    from tests.conftest import PASSWORD, make_session

    monkeypatch.setenv("ROCU_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("TEST_PASSWORD", PASSWORD)
    make_session(tmp_path, "unit_submitter", "NEROCU")
    file = tmp_path / "NEROCU_resources.csv"
    file.write_bytes(as_csv(good_rows()))
    args = ["submit", str(file), "--unit", "NEROCU", "--kind", "resources", "--user", "unit_submitter.nerocu",
            "--password-env", "TEST_PASSWORD"]
    assert rocu([*args, "--period", QUARTER]) == 0
    assert capsys.readouterr().out.startswith(f"ACCEPTED: NEROCU_resources.csv (resources return) for NEROCU {QUARTER}")
    assert rocu([*args, "--period", "2025-Q9"]) == 2  # not a quarter: refused before anything is landed
    assert "is not a quarter" in capsys.readouterr().err
    assert rocu(["status", "--user", "unit_submitter.nerocu", "--password-env", "TEST_PASSWORD"]) == 0
    assert f"NEROCU   {QUARTER}" in capsys.readouterr().out  # status lists resources returns too


def test_the_inbox_takes_a_resources_return_by_its_quarter(tmp_path):
    from pipelines.intake.api import take_in_inbox

    zone = LandingZone(tmp_path)
    (tmp_path / "inbox" / "NEROCU").mkdir(parents=True)
    (tmp_path / "inbox" / "NEROCU" / f"NEROCU_resources_{QUARTER}.csv").write_bytes(as_csv(good_rows()))
    assert take_in_inbox(zone, today=TODAY) == 1
    [taken] = zone.registry.submissions(kind="resources")
    assert (taken.period, taken.state) == (QUARTER, "accepted")


def test_the_upload_page_takes_a_resources_return_with_the_same_checks_and_messages(tmp_path, monkeypatch):
    """A unit submitter chooses 'Quarterly resources return' and a quarter on the Upload page: the
    template is the resources one, a bad file gets the verdict and the problems the intake gives
    (the same as `rocu submit --kind resources`), and the correction is version 2 of the quarter,
    listed apart from the unit's monthly returns."""
    from pipelines.months import ended_quarters, quarter_label
    from tests.test_dashboard_apptest import run, table, texts

    quarter = ended_quarters(date.today(), 8)[1]
    profile = next(p for p in profiles() if p["rocu_code"] == "NEROCU")
    good = as_csv(resource_rows(np.random.default_rng(7), profile, quarter, 0))
    bad = as_csv(changed(resource_rows(np.random.default_rng(7), profile, quarter, 0),
                         "budget", "home_office_rocu_grant", 5, "-250000"))
    expected = submit_return(LandingZone(tmp_path / "direct"), bad, original_name="resources.csv",
                             rocu_code="NEROCU", period=quarter, submitted_by="lead", kind="resources")

    monkeypatch.setenv("ROCU_VAR_DIR", str(tmp_path / "var"))  # a landing zone of its own
    at = run("upload", as_role="unit_submitter", as_unit="NEROCU", unit="NEROCU", kind="resources",
             quarter=quarter)
    assert [s.value for s in at.selectbox if s.label == "Kind of return"] == ["resources"]
    assert at.selectbox(key="w_quarter").options == [quarter_label(q) for q in ended_quarters(date.today(), 8)]
    assert any(b.label == f"Download the NEROCU resources return template for {quarter_label(quarter)}"
               for b in at.get("download_button"))

    at.file_uploader[0].upload("resources.csv", bad, "text/csv")
    at.run()
    at.button(key="submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert texts(at.error).startswith("Rejected") and "(quarterly resources return), version 1: 1 error" in texts(at.error)
    problems = table(at, "Value found").map(lambda text: re.sub(r"\\(.)", r"\1", text))  # unescape the Markdown
    assert list(problems["Value found"]) == [p.value for p in expected.problems] == ["-250000"]
    assert list(problems["What to do"]) == [p.message for p in expected.problems]
    assert list(problems["Row"]) == [str(p.row) for p in expected.problems]

    at.file_uploader[0].clear().upload("resources-corrected.csv", good, "text/csv")
    at.run()
    at.button(key="submit").click().run()
    assert texts(at.success).startswith("Accepted") and "version 2: 0 errors" in texts(at.success)
    versions = table(at, "Verdict")
    assert list(versions["Version"]) == ["1", "2"]
    registry = LandingZone(tmp_path / "var" / "landing").registry
    assert [s.return_kind for s in registry.submissions(kind=None)] == ["resources", "resources"]
    assert registry.submissions() == []  # no monthly return was made
