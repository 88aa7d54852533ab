"""The demo generator: deterministic, realistic, and carrying every layout and scenario.

Each test reads the files the generator really wrote (no mocks), so what is checked is
what the intake, the warehouse and the dashboards will receive.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from pipelines import reference
from pipelines.months import add_months, submission_deadline, working_day
from pipelines.demo.generate import generate
from pipelines.demo.ocg_history import EXTRACT_COLUMNS
from pipelines.demo.ocg_register import MORILE_HIGH, MORILE_MEDIUM
from pipelines.demo.volumes import regions
from pipelines.settings import SEEDS_DIR

END = "2026-10"
MONTHS = 6


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("demo"), months=MONTHS, end_month=END, progress=False)


def manifest(demo: Path) -> pl.DataFrame:
    return pl.read_csv(demo / "manifest.csv", schema_overrides={"path": pl.String,
                                                                "submitted_at": pl.String})


def first_return(demo: Path, rocu_code: str) -> Path:
    row = manifest(demo).filter((pl.col("rocu_code") == rocu_code) & (pl.col("scenario") == "normal"))
    return demo / row["path"][0]


def test_same_seed_gives_identical_bytes_and_another_seed_does_not(demo: Path, tmp_path: Path) -> None:
    again = generate(tmp_path / "again", months=MONTHS, end_month=END, progress=False)
    for name in ("manifest.csv", "truth/expected_values.csv", "truth/disruption_twins.csv",
                 f"extracts/ocg_register/ocg_register_{END}.csv"):
        assert (demo / name).read_bytes() == (again / name).read_bytes(), name
    for path in sorted((demo / "returns").rglob("*.*")):
        assert path.read_bytes() == (again / path.relative_to(demo)).read_bytes(), path
    other = generate(tmp_path / "other", months=MONTHS, end_month=END, seed=7, progress=False)
    assert (other / "truth/expected_values.csv").read_bytes() != \
        (demo / "truth/expected_values.csv").read_bytes()


def test_every_unit_sends_every_month_in_its_own_layout(demo: Path) -> None:
    layouts = reference.unit_layouts()
    assert layouts.height == 9 and layouts["layout"].n_unique() >= 6
    assert set(layouts["file_format"]) == {"csv", "xlsx"}
    m = manifest(demo)
    assert m.height == 9 * MONTHS
    assert m.select("rocu_code", "period").n_unique() == m.height
    for row in layouts.iter_rows(named=True):
        files = m.filter(pl.col("rocu_code") == row["rocu_code"])["path"].drop_nulls()
        assert all(f.endswith("." + row["file_format"]) for f in files), row["rocu_code"]
        assert all((demo / f).is_file() for f in files)


def test_text_files_differ_in_encoding_bom_and_delimiter(demo: Path) -> None:
    rocuwm = first_return(demo, "ROCUWM").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        rocuwm.decode("utf-8")
    text = rocuwm.decode("cp1252")
    assert "£" in text and "–" in text and "Measure;Value;Notes" in text
    assert text.splitlines()[2] == "Measure;Value;Notes"  # two note rows above the header
    assert re.search(r";£\d{1,3}(,\d{3})+;", text)  # money typed with pound sign and commas
    assert re.search(r";\d{1,3},\d{3};", text) and re.search(r";\d+%;", text)
    ersou = first_return(demo, "ERSOU").read_bytes()
    assert ersou.startswith(b"\xef\xbb\xbf")
    assert "(£k)" in ersou.decode("utf-8-sig") and "(g)" in ersou.decode("utf-8-sig")
    nerocu = first_return(demo, "NEROCU").read_bytes()
    assert not nerocu.startswith(b"\xef\xbb\xbf")
    assert nerocu.decode("utf-8").splitlines()[0] == "Period,Force,Measure,Value"
    swrocu = first_return(demo, "SWROCU").read_text(encoding="utf-8").splitlines()
    assert swrocu[1] == "" and swrocu[2].startswith("Month,")
    assert swrocu[3].split(",")[0] in {"April 2026", "May 2026"}  # months written as text


def test_workbooks_have_merged_cells_hidden_sheet_and_cached_formulas(demo: Path) -> None:
    emsou = openpyxl.load_workbook(first_return(demo, "EMSOU"))
    merged = list(emsou["Return"].merged_cells.ranges)
    assert merged and all(r.min_row == r.max_row == 3 for r in merged)
    assert {emsou["Return"].cell(3, r.min_col).value for r in merged} >= {"Pursue", "Protect"}

    for code in ("NWROCU", "TARIAN"):
        path = first_return(demo, code)
        book = openpyxl.load_workbook(path)
        assert book["Lists"].sheet_state == "hidden"
        sheet = book["Performance"]
        assert sheet.cell(3, 2).is_date
        last = sheet.max_row
        assert str(sheet.cell(last, 2).value).startswith("=SUM(")
        cached = openpyxl.load_workbook(path, data_only=True)["Performance"]
        assert cached.cell(last, 2).value == sum(cached.cell(r, 2).value for r in (4, 5, 6))

    yh = openpyxl.load_workbook(first_return(demo, "YHROCU"))
    assert yh.sheetnames == ["Pursue", "Prevent", "Protect", "Prepare", "Notes"]
    assert [c.value for c in yh["Pursue"][3]] == ["Indicator", "This month", "Comments"]
    se = openpyxl.load_workbook(first_return(demo, "SEROCU"))
    cells = [c for ws in se.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert any(isinstance(c.value, str) and "," in c.value and c.column == 2 for c in cells)
    assert any(c.number_format.endswith("%") and isinstance(c.value, float) and c.value < 1
               for c in cells)
    assert any(isinstance(c.value, str) and c.value != c.value.strip() for c in cells)


def test_volumes_scale_with_population(demo: Path) -> None:
    truth = pl.read_csv(demo / "truth/expected_values.csv")
    arrests = (truth.filter(pl.col("metric_id") == "PUR_ARRESTS")
               .group_by("rocu_code").agg(pl.col("value").sum()))
    by_unit = dict(zip(arrests["rocu_code"], arrests["value"]))
    assert by_unit["NWROCU"] > 2 * by_unit["TARIAN"]
    pops = {code: r.population for code, r in regions().items()}
    ranked = arrests.with_columns(pl.col("rocu_code").replace_strict(pops).alias("population"))
    assert ranked.select(pl.corr("value", "population", method="spearman")).item() > 0.7


def test_weak_units_report_few_prevent_and_protect_measures() -> None:
    # A share's base (the cyber protect respondents) is not a measure of its own.
    strands = reference.metrics().select("metric_id", "strand").filter(pl.col("metric_id") != "PRO_CYBER_RESPONDENTS")
    counts = (reference.label_map().join(strands, on="metric_id")
              .filter(pl.col("strand").is_in(["prevent", "protect"]))
              .group_by("rocu_code").len())
    n = dict(zip(counts["rocu_code"], counts["len"]))
    for weak in ("ROCUWM", "SWROCU"):
        assert n.get(weak, 0) <= 3
    assert min(v for k, v in n.items() if k not in ("ROCUWM", "SWROCU")) >= 5


def test_scenarios_are_in_the_manifest_relative_to_the_end_month(demo: Path) -> None:
    m = manifest(demo)
    special = m.filter(pl.col("scenario") != "normal")
    assert set(zip(special["rocu_code"], special["period"], special["scenario"])) == {
        ("SEROCU", add_months(END, -3), "late"),
        ("TARIAN", add_months(END, -5), "missing"),  # E-8 pulled into a 6-month run
        ("ROCUWM", add_months(END, -5), "broken"),
    }
    missing = special.filter(pl.col("scenario") == "missing")
    assert missing["path"].is_null().all() and missing["submitted_at"].is_null().all()
    for row in m.filter(pl.col("scenario") != "missing").iter_rows(named=True):
        sent = date.fromisoformat(row["submitted_at"][:10])
        following = add_months(row["period"], 1)
        if row["scenario"] == "late":
            assert sent == working_day(following, 14) > submission_deadline(row["period"])
        else:
            assert working_day(following, 2) <= sent <= working_day(following, 8)
    truth = pl.read_csv(demo / "truth/expected_values.csv")
    covered = set(zip(truth["rocu_code"], truth["period"]))
    assert ("ROCUWM", add_months(END, -5)) not in covered
    assert ("SEROCU", add_months(END, -3)) in covered
    assert len(covered) == 9 * MONTHS - 2


def disruptions(demo: Path) -> pl.DataFrame:
    files = sorted((demo / "extracts/disruptions").glob("disruptions_*.csv"))
    assert len(files) == MONTHS
    return pl.concat([pl.read_csv(f, infer_schema=False) for f in files])


def test_disruption_extract_columns_and_values(demo: Path) -> None:
    d = disruptions(demo)
    assert d.columns == ["disruption_ref", "disruption_date", "lead_agency_type", "lead_unit_code",
                         "rocu_code", "threat_area_code", "strand", "impact_level", "ocg_ref",
                         "against_type", "claiming_agency", "narrative", "validation_status",
                         "claim_date", "validation_date"]
    assert d["disruption_ref"].n_unique() == d.height
    assert d["disruption_ref"].str.contains(r"^APM-\d{6}$").all()
    assert set(d["lead_agency_type"]) == {"rocu", "force"}
    assert set(d["impact_level"]) == {"major", "moderate", "minor"}
    assert set(d["validation_status"]) == {"validated", "pending", "rejected"}
    assert (d["validation_status"] == "validated").mean() > 0.6
    assert (d["strand"] == "pursue").mean() > 0.6
    threats = pl.read_csv(SEEDS_DIR / "reference/threat_areas.csv")["threat_area_code"]
    assert set(d["threat_area_code"]) <= set(threats)
    forces = reference.current_forces()
    member = set(zip(forces["force_code"], forces["rocu_code"]))
    led_by_force = d.filter(pl.col("lead_agency_type") == "force")
    assert all(pair in member for pair in zip(led_by_force["lead_unit_code"], led_by_force["rocu_code"]))
    # A unit-led record names its own unit, or it is a supporting unit's record of another unit's
    # disruption: the lead unit's own record of it (same OCG, date, threat area, strand) is there too.
    keys = ["ocg_ref", "disruption_date", "threat_area_code", "strand"]
    supported = d.filter((pl.col("lead_agency_type") == "rocu") & (pl.col("lead_unit_code") != pl.col("rocu_code")))
    assert supported.height > 0 and supported["ocg_ref"].is_not_null().all()
    own = d.filter((pl.col("lead_agency_type") == "rocu") & (pl.col("lead_unit_code") == pl.col("rocu_code")))
    matched = supported.join(own.select("rocu_code", *keys), left_on=["lead_unit_code", *keys],
                             right_on=["rocu_code", *keys], how="semi")
    assert matched.height == supported.height
    assert d["ocg_ref"].drop_nulls().str.contains(r"^OCG-[A-Z]{2}-\d{4}$").all()


def test_disruptions_say_what_they_were_against_who_claimed_them_and_when(demo: Path) -> None:
    d = disruptions(demo)
    assert ((d["against_type"] == "ocg") == d["ocg_ref"].is_not_null()).all()
    assert set(d["against_type"]) == set(pl.read_csv(SEEDS_DIR / "reference/disruption_against_types.csv")["against_type"])
    agencies = set(pl.read_csv(SEEDS_DIR / "reference/claiming_agencies.csv")["claiming_agency"])
    assert {"rocu", "force", "nca", "hmrc", "border_force"} <= set(d["claiming_agency"]) <= agencies
    assert (d["claim_date"] >= d["disruption_date"]).all()
    assert (d["claim_date"].str.slice(0, 7) == d["disruption_date"].str.slice(0, 7)).all()
    assert ((d["validation_status"] == "pending") == d["validation_date"].is_null()).all()
    decided = d.filter(pl.col("validation_date").is_not_null())
    assert (decided["validation_date"] >= decided["claim_date"]).all()


def test_twins_obey_the_matching_rule_and_nothing_else_does(demo: Path) -> None:
    d = disruptions(demo)
    keys = ["rocu_code", "ocg_ref", "disruption_date", "threat_area_code", "strand"]
    rocu = d.filter((pl.col("claiming_agency") == "rocu") & pl.col("ocg_ref").is_not_null())
    others = d.filter((pl.col("claiming_agency") != "rocu") & pl.col("ocg_ref").is_not_null())
    matched = rocu.join(others, on=keys, suffix="_force")
    found = set(zip(matched["disruption_ref"], matched["disruption_ref_force"]))
    twins = pl.read_csv(demo / "truth/disruption_twins.csv", infer_schema=False)
    assert found == set(zip(twins["rocu_disruption_ref"], twins["force_disruption_ref"]))
    assert twins["ocg_ref"].is_not_null().all()
    assert {"force", "nca"} <= set(matched["claiming_agency_force"])  # partners' claims are twins too
    share = twins.height / d.filter(pl.col("lead_agency_type") == "rocu").height
    assert 0.04 < share < 0.13
    assert d.filter(pl.col("ocg_ref").is_not_null()).select(keys).is_duplicated().sum() == 2 * twins.height


def register_extracts(demo: Path) -> pl.DataFrame:
    """Every monthly register extract the generator wrote, one after another."""
    files = sorted((demo / "extracts/ocg_register").glob("ocg_register_*.csv"))
    assert [f.name for f in files] == [f"ocg_register_{add_months(END, k - MONTHS + 1)}.csv" for k in range(MONTHS)]
    return pl.concat([pl.read_csv(f, schema_overrides={"extract_month": pl.String}, try_parse_dates=True) for f in files])


def test_ocg_register_bands_and_force_held_threat(demo: Path) -> None:
    ocg = pl.read_csv(demo / f"extracts/ocg_register/ocg_register_{END}.csv")
    assert ocg.columns == EXTRACT_COLUMNS
    assert ocg.height >= 3000 and ocg["ocg_ref"].n_unique() == ocg.height  # thousands: docs/demo-calibration.md
    band = (pl.when(pl.col("morile_score") >= MORILE_HIGH).then(pl.lit("high"))
            .when(pl.col("morile_score") >= MORILE_MEDIUM).then(pl.lit("medium")).otherwise(pl.lit("low")))
    assert ocg.select((band == pl.col("morile_band")).all()).item()
    assert ocg["date_archived"].null_count() > ocg.height / 3
    assert ocg.select(((pl.col("status") == "archived") == pl.col("date_archived").is_not_null()).all()).item()
    assert ocg.select(((pl.col("status") == "archived") == pl.col("archive_reason").is_not_null()).all()).item()
    active = ocg.filter(pl.col("date_archived").is_null())
    means = active.group_by("rocu_code", "owner_type").agg(pl.col("morile_score").mean())
    wide = means.pivot(on="owner_type", index="rocu_code", values="morile_score")
    assert wide.filter(pl.col("force") > pl.col("rocu") + 5).height >= 2
    assert wide.filter(pl.col("rocu") > pl.col("force") + 5).height >= 2


def test_ocg_register_history_moves_scores_owners_and_status(demo: Path) -> None:
    """Each month's file is the whole register as at that month end, and between the first and the
    last month groups are re-scored, change owner and are archived for each of the three reasons."""
    ocg = register_extracts(demo)
    assert ocg.select("ocg_ref", "extract_month").is_duplicated().sum() == 0
    first, last = ocg["extract_month"].min(), ocg["extract_month"].max()
    start = ocg.filter(pl.col("extract_month") == first)
    end = ocg.filter(pl.col("extract_month") == last)
    assert set(start["ocg_ref"]) <= set(end["ocg_ref"])  # the register keeps archived groups
    both = start.join(end, on="ocg_ref", suffix="_end")
    assert both.filter(pl.col("morile_score") != pl.col("morile_score_end")).height >= 20
    assert both.filter(pl.col("owner_code") != pl.col("owner_code_end")).height >= 1
    newly = both.filter((pl.col("status") == "active") & (pl.col("status_end") == "archived"))
    assert newly.height >= 20 and set(newly["archive_reason_end"]) == {"dismantled", "inactive", "merged"}
    assert both.filter((pl.col("status") == "archived") & (pl.col("status_end") == "active")).height == 0
    month_ends = pl.col("extract_month").str.to_date("%Y-%m").dt.month_end()
    assert ocg.select((pl.col("date_scored") <= month_ends).all(), (pl.col("date_reviewed") <= month_ends).all(),
                      (pl.col("date_mapped") <= pl.col("date_scored")).all()).row(0) == (True, True, True)
    assert set(ocg["geography"]) == {"force", "regional", "national", "international"}
    assert ocg.select(pl.col("threat_areas").str.split(";").list.first() == pl.col("threat_area_code")).to_series().all()
    assert ocg["lro_ref"].str.contains(r"^LRO-[A-Z]{2}-\d{3}$").all()


def test_capacity_and_tasking_extracts(demo: Path) -> None:
    cap = pl.concat([pl.read_csv(f) for f in sorted((demo / "extracts/capacity").glob("*.csv"))])
    assert cap.columns == ["rocu_code", "month", "establishment_fte", "in_post_fte",
                           "fixed_term_fte", "leavers"]
    assert cap.height == 9 * MONTHS
    assert cap.select((pl.col("in_post_fte") <= pl.col("establishment_fte")).all()).item()
    tasking = demo / "extracts/tasking"
    gw = pl.concat([pl.read_csv(f) for f in sorted(tasking.glob("gateway_requests_*.csv"))])
    assert gw.columns == ["rocu_code", "force_code", "month", "received", "accepted", "declined"]
    assert gw.select((pl.col("accepted") + pl.col("declined") <= pl.col("received")).all()).item()
    assert gw.height == reference.current_forces().height * MONTHS
    meetings = pl.concat([pl.read_csv(f, schema_overrides={"meeting_date": pl.Date})
                          for f in sorted(tasking.glob("tasking_meetings_*.csv"))])
    assert meetings.columns == ["rocu_code", "meeting_date", "meeting_type", "forces_represented",
                                "partners_represented", "national_tasking_attended", "operations_discussed"]
    forces = dict(reference.current_forces().select("force_code", "rocu_code").iter_rows())
    for code, present in meetings.select("rocu_code", "forces_represented").iter_rows():
        assert present and all(forces[f] == code for f in present.split(";")), (code, present)
    assert set(meetings["national_tasking_attended"]) == {"yes", "no"}
    assert set(meetings["meeting_type"]) == {"regional tasking"}
    per_unit = dict(meetings.group_by("rocu_code").len().iter_rows())
    assert per_unit["NEROCU"] >= MONTHS - 2  # monthly
    assert per_unit["ROCUWM"] <= 3  # every 12 weeks
    assert len(set(per_unit.values())) >= 3  # irregular between units


def test_operations_follow_regional_priorities_and_one_unit_departs(demo: Path) -> None:
    """Every unit leads operations; SWROCU, whose regional priorities raise organised acquisitive
    crime (seeds/priorities/regional_priorities.csv), puts a larger share of its operations there
    than the other units do; closed operations have an end date and open ones none."""
    (path,) = sorted((demo / "extracts/operations").glob("operations_*.csv"))
    assert path.name == f"operations_{END}.csv"  # a snapshot as at the last month
    ops = pl.read_csv(path, schema_overrides={"start_date": pl.Date, "end_date": pl.Date})
    assert ops.columns == ["operation_ref", "rocu_code", "tasked_by", "threat_area_code", "ocg_refs",
                           "start_date", "end_date", "status"]
    assert ops["operation_ref"].is_unique().all()
    assert set(ops["rocu_code"]) == set(reference.current_forces()["rocu_code"])
    assert set(ops["tasked_by"]) == {"national_tasking", "regional_ttcg", "force_gateway", "self_generated"}
    closed = ops["status"] == "closed"
    assert ops.filter(closed)["end_date"].is_not_null().all() and ops.filter(~closed)["end_date"].is_null().all()
    oac = ops.group_by(pl.col("rocu_code") == "SWROCU").agg((pl.col("threat_area_code") == "OAC").mean())
    shares = dict(oac.iter_rows())
    assert shares[True] > 2 * shares[False], shares


def test_default_run_covers_two_years_with_its_scenarios(tmp_path: Path) -> None:
    # How long it takes is not asserted: timings on shared machines are noise (see scripts/bench.py).
    out = generate(tmp_path / "full", progress=False)
    m = manifest(out)
    assert m.height == 9 * 24 and m["period"].max() == "2026-10" and m["period"].min() == "2024-11"
    special = dict(zip(zip(m["rocu_code"], m["scenario"]), m["period"]))
    assert special[("SEROCU", "late")] == "2026-07"
    assert special[("TARIAN", "missing")] == "2026-02"
    assert special[("ROCUWM", "broken")] == "2026-05"
    assert f"band high = {MORILE_HIGH} and over" in (out / "README.md").read_text()
