"""A corpus of bad returns: each gets the expected plain-English problem, named by place,
is kept as sent, and none of its content goes further than its report."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from collections.abc import Callable

import openpyxl
import polars as pl
import pytest

from pipelines.demo import hostile
from pipelines.intake.service import submit_return
from pipelines.intake.land.zone import LandingZone
from tests.conftest import demo_file, generate_demo

TODAY = date(2026, 11, 24)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    return generate_demo(tmp_path_factory.mktemp("demo"), 6)


def csv_text(demo: Path, unit: str, month: str, encoding: str = "utf-8") -> str:
    return demo_file(demo, unit, month).read_bytes().decode(encoding)


def workbook(demo: Path, unit: str, month: str, change: Callable[[openpyxl.Workbook], None]) -> bytes:
    wb = openpyxl.load_workbook(demo_file(demo, unit, month))
    change(wb)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def replace_line(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


@dataclass
class Case:
    name: str
    unit: str
    period: str
    filename: str
    content: Callable[[Path], bytes]
    rule: str
    severity: str = "error"
    row: int | None = None
    column: str | None = None
    value: str | None = None
    sheet: str | None = None


NE = "NEROCU"
NE_CSV = "NEROCU_return_2025-09.csv"


def ne(change: Callable[[str], str]) -> Callable[[Path], bytes]:
    return lambda d: change(csv_text(d, NE, "2025-09")).encode()


def first_arrests_line(text: str) -> str:
    return next(line for line in text.splitlines() if ",Arrests," in line)


CASES = [
    Case("empty file", NE, "2025-09", NE_CSV, lambda d: b"", "empty_file"),
    Case("csv renamed .xlsx", NE, "2025-09", "NEROCU_return.xlsx", lambda d: csv_text(d, NE, "2025-09").encode(),
         "not_a_workbook"),
    Case("password-protected workbook", "EMSOU", "2025-09", "EMSOU_return.xlsx",
         lambda d: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4000, "protected_workbook"),
    Case("corrupt workbook", "EMSOU", "2025-09", "EMSOU_return.xlsx",
         lambda d: demo_file(d, "EMSOU", "2025-09").read_bytes()[:3000], "file_unreadable"),
    Case("oversized file", NE, "2025-09", NE_CSV, lambda d: b"x" * (21 * 1024 * 1024), "file_too_large"),
    Case("pdf", NE, "2025-09", "return.pdf", lambda d: b"%PDF-1.7\n", "file_type", value="return.pdf"),
    Case("period in file differs", NE, "2025-08", NE_CSV, lambda d: csv_text(d, NE, "2025-09").encode(),
         "period_not_found"),
    Case("another unit's workbook", "EMSOU", "2025-09", "EMSOU_return.xlsx",
         lambda d: workbook(d, "EMSOU", "2025-09", lambda wb: wb["Return"].__setitem__(
             "A1", "NEROCU monthly performance return")), "unit_mismatch", row=1, sheet="Return"),
    Case("missing required sheet", "YHROCU", "2025-09", "YHROCU_return.xlsx",
         lambda d: workbook(d, "YHROCU", "2025-09", lambda wb: wb.remove(wb["Prevent"])), "missing_sheet",
         sheet="Prevent"),
    Case("required sheet hidden", "EMSOU", "2025-09", "EMSOU_return.xlsx",
         lambda d: workbook(d, "EMSOU", "2025-09", lambda wb: (wb.create_sheet("Cover"), setattr(
             wb["Return"], "sheet_state", "hidden"))), "missing_sheet", sheet="Return"),
    Case("duplicate metric row", NE, "2025-09", NE_CSV,
         ne(lambda t: t.rstrip("\n") + "\n" + first_arrests_line(t) + "\n"), "duplicate_value"),
    Case("negative count", NE, "2025-09", NE_CSV,
         ne(lambda t: replace_line(t, first_arrests_line(t), first_arrests_line(t).rsplit(",", 1)[0] + ",-4")),
         "negative_count", row=2, column="D", value="-4"),
    Case("non-numeric value", NE, "2025-09", NE_CSV,
         ne(lambda t: replace_line(t, first_arrests_line(t), first_arrests_line(t).rsplit(",", 1)[0] + ",tbc")),
         "non_numeric_value", row=2, column="D", value="tbc"),
    Case("figure too large to be a number", NE, "2025-09", NE_CSV,
         ne(lambda t: replace_line(t, first_arrests_line(t), first_arrests_line(t).rsplit(",", 1)[0] + ",1e309")),
         "non_numeric_value", row=2, column="D", value="1e309"),
    Case("figure no unit could report", NE, "2025-09", NE_CSV,
         ne(lambda t: replace_line(t, first_arrests_line(t), first_arrests_line(t).rsplit(",", 1)[0] + ",1e12")),
         "implausible_value", row=2, column="D", value="1e12"),
    Case("fractional count", NE, "2025-09", NE_CSV,
         ne(lambda t: replace_line(t, first_arrests_line(t), first_arrests_line(t).rsplit(",", 1)[0] + ",2.5")),
         "fractional_count", severity="query", row=2, column="D", value="2.5"),
    Case("unknown force", NE, "2025-09", NE_CSV, ne(lambda t: t.replace("Cleveland,Arrests", "Gotham,Arrests", 1)),
         "unknown_force", row=2, value="Gotham"),
    Case("force of another unit", NE, "2025-09", NE_CSV, ne(lambda t: t.replace("Cleveland,Arrests", "Kent,Arrests", 1)),
         "force_not_in_unit", row=2, value="Kent"),
    Case("unmapped label", NE, "2025-09", NE_CSV,
         ne(lambda t: t.rstrip("\n") + "\n2025-09,Regional,Dogs trained,4\n"), "unmapped_label", severity="information",
         value="Dogs trained"),
    Case("missing metric", NE, "2025-09", NE_CSV,
         ne(lambda t: "\n".join(line for line in t.splitlines() if ",Warrants executed," not in line) + "\n"),
         "missing_metric", severity="query", value="Warrants executed"),
    Case("header not found", NE, "2025-09", NE_CSV, lambda d: b"Some notes\nmore notes\n1,2,3\n", "header_not_found"),
    Case("header but no figures", NE, "2025-09", NE_CSV, lambda d: b"Period,Force,Measure,Value\n", "no_figures"),
    Case("unreadable period text", NE, "2025-09", NE_CSV, ne(lambda t: t.replace("2025-09,", "Septober,", 1)),
         "unreadable_period", row=2, value="Septober"),
    Case("binary rubbish named csv", NE, "2025-09", NE_CSV, lambda d: bytes(range(256)) * 40, "file_unreadable"),
    Case("percentage over 100", "SEROCU", "2025-09", "SEROCU_return.xlsx",
         lambda d: workbook(d, "SEROCU", "2025-09", _serocu_percent(1.45)), "percent_out_of_range", sheet="Protect"),
    Case("cp1252 text figure not a number", "ROCUWM", "2025-09", "ROCUWM_stats.csv",
         lambda d: csv_text(d, "ROCUWM", "2025-09", "cp1252").replace("Charged;", "Charged;n/k ", 1).encode("cp1252"),
         "non_numeric_value", column="B"),
    Case("semicolon file with negative money", "ROCUWM", "2025-09", "ROCUWM_stats.csv",
         lambda d: _rocuwm_cash(csv_text(d, "ROCUWM", "2025-09", "cp1252"), "-£1,000").encode("cp1252"),
         "negative_value", column="B"),
    Case("months-as-rows file without the month", "SWROCU", "2025-09", "SWROCU_FYTD.csv",
         lambda d: "\n".join(line for line in csv_text(d, "SWROCU", "2025-09").splitlines()
                             if not line.startswith("September 2025")).encode() + b"\n", "period_not_found"),
    Case("wide months workbook without the month", "NWROCU", "2025-09", "Titan.xlsx",
         lambda d: workbook(d, "NWROCU", "2025-09", _drop_last_month_column), "period_not_found",
         sheet="Performance"),
    Case("merged-header workbook with text in a figure", "EMSOU", "2025-09", "EMSOU_return.xlsx",
         lambda d: workbook(d, "EMSOU", "2025-09", lambda wb: wb["Return"].__setitem__("B5", "lots")),
         "non_numeric_value", sheet="Return", row=5, column="B", value="lots"),
    Case("workbook for another month", "EMSOU", "2025-08", "EMSOU_return.xlsx",
         lambda d: demo_file(d, "EMSOU", "2025-09").read_bytes(), "period_mismatch", sheet="Return", row=1,
         column="A", value="EMSOU monthly return – September 2025"),
    Case("file name for another month", "ROCUWM", "2025-09", "ROCUWM_stats_2025-10.csv",
         lambda d: demo_file(d, "ROCUWM", "2025-09").read_bytes(), "period_mismatch",
         value="ROCUWM_stats_2025-10.csv"),
    Case("period note for another month", "SEROCU", "2025-09", "SEROCU_return.xlsx",
         lambda d: workbook(d, "SEROCU", "2025-09", lambda wb: wb["Notes"].append(["Period:", "October 2025"])),
         "period_mismatch", sheet="Notes", row=4, column="B", value="October 2025"),
    Case("workbook that states no month", "YHROCU", "2025-09", "YHROCU_return.xlsx",
         lambda d: workbook(d, "YHROCU", "2025-09", _drop_month_from_titles), "period_not_stated",
         severity="information"),
    Case("force measure on the unit row of the force grid", "EMSOU", "2025-09", "EMSOU_return.xlsx",
         lambda d: workbook(d, "EMSOU", "2025-09", lambda wb: wb["Return"].__setitem__("B10", 7)),
         "force_measure_in_unit_row", sheet="Return", row=10, column="B", value="7"),
    Case("unit measure on a force row of the force grid", "EMSOU", "2025-09", "EMSOU_return.xlsx",
         lambda d: workbook(d, "EMSOU", "2025-09", lambda wb: wb["Return"].__setitem__("F6", 3)),
         "unit_measure_in_force_row", sheet="Return", row=6, column="F", value="3"),
    Case("force measure on the Regional row of a long file", NE, "2025-09", NE_CSV,
         ne(lambda t: t.rstrip("\n") + "\n2025-09,Regional,Arrests,9\n"), "force_measure_in_unit_row",
         column="D", value="9"),
    Case("100,000-row file", NE, "2025-09", NE_CSV,
         ne(lambda t: t + "".join(f"2025-09,Regional,Extra measure {i},1\n" for i in range(100_000))),
         "unmapped_label", severity="information"),
    # Hostile files: refused under a documented cap (seeds/intake/reader_limits.csv), never read blindly.
    Case("sheet declaring the largest size Excel allows", "EMSOU", "2025-09", "EMSOU_return.xlsx",
         lambda d: hostile.huge_dimension(), "sheet_too_large", sheet="Return"),
    Case("one cell in the last row and column", "EMSOU", "2025-09", "EMSOU_return.xlsx",
         lambda d: hostile.far_away_cell(), "sheet_too_large", sheet="Return"),
    Case("decompression bomb", "EMSOU", "2025-09", "EMSOU_return.xlsx",
         lambda d: hostile.zip_bomb(compressed_mb=2.6), "workbook_inflates_too_much"),
    Case("decompression bomb lying about its size", "EMSOU", "2025-09", "EMSOU_return.xlsx",
         lambda d: hostile.zip_bomb(compressed_mb=2.6, lying=True), "workbook_inflates_too_much"),
    Case("workbook of twenty thousand parts", "EMSOU", "2025-09", "EMSOU_return.xlsx",
         lambda d: hostile.many_parts(), "workbook_too_many_parts"),
    Case("deeply nested XML", "EMSOU", "2025-09", "EMSOU_return.xlsx",
         lambda d: hostile.deep_xml(), "workbook_inflates_too_much"),
    Case("formula linked to another workbook, no saved result", "EMSOU", "2025-09", "EMSOU_return.xlsx",
         lambda d: workbook(d, "EMSOU", "2025-09", lambda wb: wb["Return"].__setitem__("B5", "=[1]Sheet1!A1")),
         "formula_without_value", sheet="Return", row=5, column="B", value="=[1]Sheet1!A1"),
    Case("half a million lines, just under the upload limit", NE, "2025-09", NE_CSV, lambda d: hostile.big_csv(),
         "text_too_large"),
    Case("stray double quote", NE, "2025-09", NE_CSV,
         ne(lambda t: replace_line(t, first_arrests_line(t), first_arrests_line(t).replace(",Arrests,", ',"Arrests,'))),
         "unbalanced_quote", row=2),
]
HOSTILE = {"sheet_too_large", "text_too_large", "workbook_inflates_too_much", "workbook_too_many_parts", "formula_without_value",
           "unbalanced_quote", "file_unreadable"}


def _serocu_percent(fraction: float):
    def change(wb):
        ws = wb["Protect"]
        for row in ws.iter_rows():
            if row[0].value and "improv" in str(row[0].value).lower():
                row[1].value = fraction
                return
        raise AssertionError("no improved-practice row")
    return change


def _rocuwm_cash(text: str, value: str) -> str:
    line = next(line for line in text.splitlines() if line.lower().startswith("cash seized"))
    return text.replace(line, line.split(";")[0] + f";{value};", 1)


def _drop_month_from_titles(wb):
    for ws in wb.worksheets:
        if isinstance(ws["A1"].value, str):
            ws["A1"].value = ws["A1"].value.replace(" – September 2025", "")


def _drop_last_month_column(wb):
    ws = wb["Performance"]
    ws.delete_cols(ws.max_column)


@pytest.fixture(scope="module")
def results(demo, tmp_path_factory):
    zone = LandingZone(tmp_path_factory.mktemp("zone"))
    out = {}
    for case in CASES:
        content = case.content(demo)
        verdict = submit_return(zone, content, original_name=case.filename, rocu_code=case.unit,
                                period=case.period, submitted_by="test", today=TODAY)
        out[case.name] = (case, content, verdict, zone)
    return out


def test_the_corpus_has_at_least_thirty_bad_files():
    assert len(CASES) >= 30


@pytest.mark.parametrize("name", [c.name for c in CASES])
def test_bad_file_gets_a_clear_located_problem(results, name):
    case, content, verdict, zone = results[name]
    matching = [p for p in verdict.problems if p.rule == case.rule and case.value in (None, p.value)]
    assert matching, f"{name}: expected {case.rule} {case.value!r}, got {[p.as_text() for p in verdict.problems]}"
    problem = matching[0]
    assert problem.severity == case.severity
    assert problem.file == Path(case.filename).name  # the name the user sent, never the stored hash
    assert len(problem.message) > 25 and "Traceback" not in problem.message
    for attr in ("row", "column", "value", "sheet"):
        if getattr(case, attr) is not None:
            assert getattr(problem, attr) == getattr(case, attr), (name, attr, problem.as_text())
    # Kept as sent, whatever the verdict.
    assert zone.path_of(verdict.submission).read_bytes() == content


@pytest.mark.parametrize("name", [c.name for c in CASES if c.severity == "error"])
def test_rejected_content_goes_no_further(results, name):
    case, content, verdict, zone = results[name]
    assert verdict.submission.state == "rejected"
    assert not verdict.accepted
    standardised = zone.root / "standardised"
    assert not list(standardised.glob(f"{verdict.submission.submission_id}.*")) if standardised.exists() else True
    report = zone.root / "reports" / f"{verdict.submission.submission_id}.html"
    assert case.rule in report.read_text()


@pytest.mark.parametrize("name", [c.name for c in CASES if c.rule in HOSTILE])
def test_unreadable_and_hostile_files_are_explained_without_internals(results, name):
    """No server path, no reader's own message, no exception names: words the sender can act on."""
    case, _, verdict, _ = results[name]
    for problem in verdict.problems:
        text = problem.message
        assert "/" not in text.replace("=[1]Sheet1!A1", "") and "\\" not in text, text
        assert not any(word in text for word in ("Error", "Exception", "calamine", "zip error", "errno",
                                                 "openpyxl", "fastexcel", "polars")), text


def test_utf16_text_file_reads_like_the_utf8_one(demo, tmp_path):
    """Excel's "Unicode Text" (UTF-16 with a byte-order mark, tab-separated) is a return like any other."""
    zone = LandingZone(tmp_path / "zone")
    verdicts = [submit_return(zone, content, original_name=NE_CSV, rocu_code=NE, period="2025-09",
                              submitted_by="test", today=TODAY)
                for content in (csv_text(demo, NE, "2025-09").encode(),
                                hostile.utf16_text(csv_text(demo, NE, "2025-09")))]
    states = [v.submission.state for v in verdicts]
    assert states[0] == states[1] and states[0].startswith("accepted"), [p.as_text() for v in verdicts
                                                                           for p in v.problems]
    assert [p.rule for p in verdicts[0].problems] == [p.rule for p in verdicts[1].problems]
    values = [pl.read_parquet(zone.root / "standardised" / f"{v.submission.submission_id}.values.parquet")
              .drop("submission_id").sort("metric_id", "force_code") for v in verdicts]
    assert values[0]["value"].to_list() == values[1]["value"].to_list() and values[0].height > 10


def test_stray_quote_message_says_where_and_what_to_fix(results):
    _, _, verdict, _ = results["stray double quote"]
    problem = next(p for p in verdict.problems if p.rule == "unbalanced_quote")
    assert "row 2" in problem.message and "quote" in problem.message


def test_formula_message_says_how_to_get_the_value(results):
    _, _, verdict, _ = results["formula linked to another workbook, no saved result"]
    problem = next(p for p in verdict.problems if p.rule == "formula_without_value")
    assert "B5" in problem.message and "Return" in problem.message
    assert "save" in problem.message and "paste" in problem.message.lower()


def test_huge_file_report_is_capped_not_flooded(results):
    _, _, verdict, _ = results["100,000-row file"]
    unmapped = [p for p in verdict.problems if p.rule == "unmapped_label"]
    assert 50 <= len(unmapped) <= 51
    assert "more problems like this one" in unmapped[-1].message


def test_the_real_broken_demo_file_is_rejected_with_both_errors(tmp_path):
    out = tmp_path / "demo"
    generate_demo(out, 6)
    import csv
    broken = next(r for r in csv.DictReader((out / "manifest.csv").open()) if r["scenario"] == "broken")
    path = out / broken["path"]
    verdict = submit_return(LandingZone(tmp_path / "zone"), path.read_bytes(), original_name=path.name,
                            rocu_code=broken["rocu_code"], period=broken["period"], submitted_by="t", today=TODAY)
    rules = {p.rule for p in verdict.problems}
    assert verdict.submission.state == "rejected"
    assert {"non_numeric_value", "negative_count", "unmapped_label"} <= rules


@pytest.mark.slow
def test_nothing_in_the_corpus_can_stop_the_build(built_demo_copy, demo):
    """Every bad file goes through the intake of a built warehouse, with registry rows from an
    older release that never checked the month ('2025-13', a lower-case unit); the refresh the
    verdicts ask for (every model downstream of the returns, with its tests) still builds and
    publishes, and the good returns' figures are what they were."""
    import sqlite3

    import duckdb
    from dagster import DagsterInstance

    from pipelines.orchestration.definitions import build_definitions
    from pipelines.settings import Paths

    paths = Paths(built_demo_copy)
    figures_sql = "select * from marts.fct_metric_monthly order by all"

    def published_figures():
        con = duckdb.connect(str(paths.published), read_only=True)
        try:
            return con.sql(figures_sql).fetchall()
        finally:
            con.close()

    before = published_figures()
    zone = LandingZone(paths.landing)
    for case in CASES:
        submit_return(zone, case.content(demo), original_name=case.filename, rocu_code=case.unit, period=case.period,
                      submitted_by="test", today=TODAY)
    legacy = sqlite3.connect(paths.landing / "registry.sqlite")
    for unit, period in (("NEROCU", "2025-13"), ("emsou", "2025-09"), ("NEROCU", "2024-09 ")):
        legacy.execute("insert into submissions (rocu_code, period, version, file_sha256, stored_path, original_name,"
                       " size_bytes, submitted_by, submitted_at, received_at, state, error_count)"
                       " values (?, ?, 1, 'x', 'x', 'old.csv', 1, 'old', '2025-10-01T00:00:00+00:00',"
                       " '2025-10-01T00:00:00+00:00', 'rejected', 1)", (unit, period))
    legacy.commit()
    legacy.close()
    assert not [s for s in zone.registry.submissions() if s.state == "received"]

    job = build_definitions(paths).resolve_job_def("refresh_returns")
    assert job.execute_in_process(instance=DagsterInstance.ephemeral()).success
    assert published_figures() == before
