"""Value rules live in the return-values suite (expectations/return_values.json), not in the parser.

For each rule: the parser alone reads the cell as a number and reports nothing about it; the
whole intake (parser, then Great Expectations) reports the suite's rule on the right cell, in
words that name the file, the place, the value and the rule.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from pipelines.intake.service import submit_return
from pipelines.intake.land.zone import LandingZone
from pipelines.intake.standardise.returns import parse_return
from pipelines.settings import EXPECTATIONS_DIR
from tests.conftest import demo_file, generate_demo

TODAY = date(2026, 11, 24)
UNIT, PERIOD = "NEROCU", "2025-09"


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    return generate_demo(tmp_path_factory.mktemp("demo"), 2)


def line_for(text: str, label: str, force: str | None = None) -> str:
    return next(line for line in text.splitlines()
                if f",{label}," in line and (force is None or f",{force}," in line))


def with_figure(label: str, figure: str) -> Callable[[str], tuple[str, str]]:
    """Put `figure` in the first row of `label`; returns (new text, the changed line)."""
    def change(text: str) -> tuple[str, str]:
        line = line_for(text, label)
        new = line.rsplit(",", 1)[0] + "," + figure
        return text.replace(line, new, 1), new
    return change


def repeated(label: str) -> Callable[[str], tuple[str, str]]:
    """The first row of `label` given again at the end of the file."""
    def change(text: str) -> tuple[str, str]:
        line = line_for(text, label)
        return text.rstrip("\n") + "\n" + line + "\n", line
    return change


@dataclass(frozen=True)
class Rule:
    rule: str
    change: Callable[[str], tuple[str, str]]
    figure: str
    severity: str = "error"
    last_row: bool = False  # the problem is on the repeated row at the end


RULES = [
    Rule("negative_count", with_figure("Arrests", "-4"), "-4"),
    Rule("negative_value", with_figure("Cash seized (£)", "-1000"), "-1000"),
    Rule("negative_value", with_figure("Cyber protect improved practice (%)", "-5"), "-5"),
    Rule("percent_out_of_range", with_figure("Cyber protect improved practice (%)", "145"), "145"),
    Rule("fractional_count", with_figure("Arrests", "2.5"), "2.5", severity="query"),
    Rule("implausible_value", with_figure("Arrests", "1e12"), "1e12"),
    Rule("duplicate_value", repeated("Arrests"), "", last_row=True),
]


def _bad_file(demo: Path, tmp_path: Path, case: Rule) -> tuple[Path, int, str]:
    text = demo_file(demo, UNIT, PERIOD).read_text()
    new_text, line = case.change(text)
    lines = new_text.splitlines()
    row = len(lines) if case.last_row else lines.index(line) + 1
    path = tmp_path / f"{UNIT}_return_{PERIOD}.csv"
    path.write_text(new_text)
    return path, row, line.rsplit(",", 1)[1]


@pytest.mark.parametrize("case", RULES, ids=lambda c: f"{c.rule}:{c.figure or 'repeat'}")
def test_only_the_suite_catches_the_value_rule(demo, tmp_path, case):
    path, row, figure = _bad_file(demo, tmp_path, case)

    parsed = parse_return(path, UNIT, PERIOD)
    assert not [p for p in parsed.problems if p.row == row and p.column == "D"], \
        [p.as_text() for p in parsed.problems]
    assert case.rule not in {p.rule for p in parsed.problems}
    assert float(figure) in parsed.values["value"].to_list()  # read as the number it is, sign and all

    verdict = submit_return(LandingZone(tmp_path / "zone"), path.read_bytes(), original_name=path.name,
                            rocu_code=UNIT, period=PERIOD, submitted_by="lead", today=TODAY)
    found = [p for p in verdict.problems if p.rule == case.rule and p.row == row]
    assert found, [p.as_text() for p in verdict.problems]
    problem = found[0]
    assert (problem.severity, problem.column, problem.value, problem.file) == (case.severity, "D", figure, path.name)
    assert f"Row {row}, column D" in problem.message and path.name in problem.message
    assert figure in problem.message and "Rule:" in problem.message
    expected = "rejected" if case.severity == "error" else "accepted_with_queries_or_information"
    assert verdict.submission.state == expected


def test_an_unreadable_figure_stays_the_parsers_and_the_suite_still_checks_the_rest(demo, tmp_path):
    """'abc' is a parse problem; a negative figure beside it is still reported, by the suite."""
    text = demo_file(demo, UNIT, PERIOD).read_text()
    text, bad = with_figure("Arrests", "abc")(text)
    text, negative = with_figure("Charged", "-3")(text)
    path = tmp_path / f"{UNIT}_return_{PERIOD}.csv"
    path.write_text(text)
    lines = text.splitlines()
    assert [(p.rule, p.row) for p in parse_return(path, UNIT, PERIOD).errors] == \
        [("non_numeric_value", lines.index(bad) + 1)]
    verdict = submit_return(LandingZone(tmp_path / "zone"), path.read_bytes(), original_name=path.name,
                            rocu_code=UNIT, period=PERIOD, submitted_by="lead", today=TODAY)
    assert {(p.rule, p.row, p.value) for p in verdict.problems if p.severity == "error"} >= {
        ("non_numeric_value", lines.index(bad) + 1, "abc"), ("negative_count", lines.index(negative) + 1, "-3")}


def test_a_force_of_another_unit_is_read_and_only_the_suite_rejects_it(demo, tmp_path):
    """'Kent' is a force the parser knows, so it reads the row; that Kent is not one of NEROCU's
    forces is the suite's rule (force_not_in_unit), named on the row with the force as written."""
    text = demo_file(demo, UNIT, PERIOD).read_text()
    line = line_for(text, "Arrests", "Cleveland")
    text = text.replace(line, line.replace(",Cleveland,", ",Kent,"), 1)
    row = text.splitlines().index(line.replace(",Cleveland,", ",Kent,")) + 1
    path = tmp_path / f"{UNIT}_return_{PERIOD}.csv"
    path.write_text(text)

    parsed = parse_return(path, UNIT, PERIOD)
    assert not [p for p in parsed.problems if p.row == row], [p.as_text() for p in parsed.problems]
    assert "KENT" in parsed.values["force_code"].to_list()

    verdict = submit_return(LandingZone(tmp_path / "zone"), path.read_bytes(), original_name=path.name,
                            rocu_code=UNIT, period=PERIOD, submitted_by="lead", today=TODAY)
    (problem,) = [p for p in verdict.problems if p.rule == "force_not_in_unit"]
    assert (problem.severity, problem.row, problem.column, problem.value) == ("error", row, "D", "Kent")
    assert f"Row {row}, column D" in problem.message and path.name in problem.message
    assert "Kent belongs to ERSOU, not NEROCU" in problem.message
    assert verdict.submission.state == "rejected"


def test_every_rule_of_the_suite_is_shown_firing_here():
    """A rule added to the suite needs a test above where only the suite catches it."""
    spec = json.loads((EXPECTATIONS_DIR / "return_values.json").read_text())
    assert {e["meta"]["rule"] for e in spec["expectations"]} == {c.rule for c in RULES} | {"force_not_in_unit"}


@pytest.mark.parametrize("unit, month, expected", [
    ("SEROCU", "2016-06", None),  # Kent was one of the South East unit's forces until March 2017
    ("ERSOU", "2016-06", "Kent belongs to SEROCU, not ERSOU"),
    ("ERSOU", "2025-09", None),
    ("SEROCU", "2025-09", "Kent belongs to ERSOU, not SEROCU"),
])
def test_a_force_is_checked_against_its_unit_in_the_month_the_figure_is_for(unit, month, expected):
    """Membership is dated (seeds/reference/forces.csv), as in dbt's int_force_membership_monthly:
    a return for a past month is checked against the map of that month, not today's."""
    import polars as pl

    from pipelines.intake.check.structure import check_suite
    from pipelines.intake.standardise.returns import VALUES_SCHEMA

    values = pl.DataFrame([{"rocu_code": unit, "period": month, "metric_id": "PUR_ARRESTS", "force_code": "KENT",
                            "value": 4.0, "local_label": "Arrests", "raw_value": "4", "source_sheet": None,
                            "source_row": 2, "source_column": "D"}], schema=VALUES_SCHEMA)
    found = [p.message for p in check_suite(values, "return.csv") if p.rule == "force_not_in_unit"]
    assert found == [] if expected is None else len(found) == 1 and expected in found[0], found
