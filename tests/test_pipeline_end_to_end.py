"""The whole product on the demo data: generator -> intake -> Dagster -> dbt -> published copy."""

import csv
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from pipelines.orchestration.assets.warehouse_models import RUN_FOLDERS_KEPT
from pipelines.settings import Paths

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def published(built_demo):
    con = duckdb.connect(str(Paths(built_demo).published), read_only=True)
    yield con
    con.close()


def truth(built_demo, **match):
    with (Paths(built_demo).demo / "truth" / "expected_values.csv").open() as f:
        return [r for r in csv.DictReader(f) if all(r[k] == v for k, v in match.items())]


def test_every_layout_reaches_the_mart_in_framework_units(built_demo, published):
    """ERSOU reports cash in £ thousands and drugs in grams; the mart holds pounds and kilograms."""
    for rocu, metric in [("ERSOU", "PUR_CASH_SEIZED"), ("ERSOU", "PUR_CLASS_A_KG"), ("ROCUWM", "PUR_CLASS_A_KG"),
                         ("EMSOU", "PUR_ARRESTS"), ("NWROCU", "PUR_ARRESTS"), ("YHROCU", "PUR_CASH_SEIZED")]:
        rows = truth(built_demo, rocu_code=rocu, metric_id=metric)
        assert rows, (rocu, metric)
        period = rows[-1]["period"]
        expected = sum(float(r["value"]) for r in rows if r["period"] == period)
        got = published.execute(
            "select value from marts.fct_metric_monthly where rocu_code=? and month=? and metric_id=?",
            [rocu, period, metric]).fetchone()
        assert got is not None and got[0] == pytest.approx(expected), (rocu, metric, period)


def test_all_nine_units_have_figures_for_every_strand_they_report(published):
    units = published.sql("select count(distinct rocu_code) from marts.fct_metric_monthly"
                          " where source = 'monthly_return'").fetchone()[0]
    assert units == 9


def test_force_and_rocu_claims_of_one_disruption_count_once(built_demo, published):
    """Checked against the generator's own record of which force claim twins which ROCU claim,
    and the extract files as sent: not against anything the warehouse computed."""
    demo = Paths(built_demo).demo
    with (demo / "truth" / "disruption_twins.csv").open() as f:
        twins = {(t["force_disruption_ref"], t["rocu_disruption_ref"]) for t in csv.DictReader(f)}
    claims = {}
    for extract in sorted((demo / "extracts" / "disruptions").glob("*.csv")):
        with extract.open() as f:
            claims |= {r["disruption_ref"]: r for r in csv.DictReader(f)}
    assert twins and all(force in claims and rocu in claims for force, rocu in twins)
    warehouse = duckdb.connect(str(Paths(built_demo).warehouse), read_only=True)  # not published: not a mart
    try:
        marked = set(warehouse.sql("select disruption_ref, duplicate_of from intermediate.int_disruptions__deduplicated"
                                   " where duplicate_of is not null").fetchall())
    finally:
        warehouse.close()
    assert marked == twins  # every twin found, and nothing else taken for one
    expected = Counter()  # duplicates per unit and month, among validated claims (what the mart counts)
    for force, _ in twins:
        claim = claims[force]
        if claim["validation_status"] == "validated":
            expected[(claim["rocu_code"], claim["disruption_date"][:7])] += 1
    mart = published.sql("select rocu_code, month, sum(duplicate_claims)::int, sum(claims)::int,"
                         " sum(disruptions)::int from marts.fct_disruptions group by all").fetchall()
    assert {(u, m): d for u, m, d, _, _ in mart if d} == dict(expected)
    validated = Counter((c["rocu_code"], c["disruption_date"][:7]) for c in claims.values()
                        if c["validation_status"] == "validated")
    assert {(u, m): n for u, m, _, n, _ in mart} == dict(validated)
    assert {(u, m): n for u, m, _, _, n in mart} == {k: n - expected[k] for k, n in validated.items()}


def first_dbt_node_finished(dbt_runs: Path) -> bool:
    """Has a dbt run under this folder finished a node? dbt writes each node's SQL under run/ in the
    run's own folder (var/dbt_runs/<run id>/) as it starts it, and runs two at a time: a third
    file means one of the first two has finished."""
    return any(sum(1 for p in run.rglob("*.sql")) >= 3 for run in dbt_runs.glob("*/run"))


def test_a_run_killed_half_way_changes_nothing_readers_see_and_a_rerun_completes(built_demo_copy, tmp_path):
    """Kill a refresh once dbt has built its first node (of about three hundred models and tests, most still
    to come): the published copy is untouched and still opens; a rerun over the loaded raw tables
    succeeds with the same figures (nothing duplicated). The refresh is the run the product makes
    after every verdict; it shares its raw loading, dbt step and publishing with build_warehouse.
    The killed run is a process of its own (`dagster job execute`); the rerun runs the same job here."""
    var = built_demo_copy
    paths = Paths(var)
    before_hash = hashlib.sha256(paths.published.read_bytes()).hexdigest()
    con = duckdb.connect(str(paths.published), read_only=True)
    before = con.sql("select count(*), sum(value) from marts.fct_metric_monthly").fetchone()
    con.close()
    env = dict(os.environ)  # built_demo_copy points ROCU_VAR_DIR, the warehouse and DAGSTER_HOME at the copy
    dagster = str(Path(sys.executable).with_name("dagster"))
    cmd = [dagster, "job", "execute", "-m", "pipelines.orchestration.definitions", "-j", "refresh_returns"]
    log = tmp_path / "killed.log"
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 300
        while not first_dbt_node_finished(var / "dbt_runs"):
            assert proc.poll() is None, "the job ended before dbt built a model:\n" + log.read_text()[-2000:]
            assert time.monotonic() < deadline, "dbt built no model within 300 s"
            time.sleep(0.1)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode != 0
    assert hashlib.sha256(paths.published.read_bytes()).hexdigest() == before_hash
    con = duckdb.connect(str(paths.warehouse), read_only=True)  # the build file is not corrupted
    con.sql("select count(*) from raw.return_values").fetchone()
    con.close()
    from dagster import DagsterInstance

    from pipelines.orchestration.definitions import build_definitions

    rerun = build_definitions(paths).resolve_job_def("refresh_returns").execute_in_process(
        instance=DagsterInstance.ephemeral(), raise_on_error=False)
    assert rerun.success, [str(e.event_specific_data.error) for e in rerun.all_events if e.is_failure]
    con = duckdb.connect(str(paths.published), read_only=True)
    after = con.sql("select count(*), sum(value) from marts.fct_metric_monthly").fetchone()
    con.close()
    assert after[0] == before[0] and after[1] == pytest.approx(before[1])  # summation order may differ
    assert len(list((var / "dbt_runs").iterdir())) <= RUN_FOLDERS_KEPT  # old run folders are pruned


def test_submission_status_shows_the_late_missing_and_rejected_months(built_demo, published):
    with (Paths(built_demo).demo / "manifest.csv").open() as f:
        scenarios = {(r["rocu_code"], r["period"]): r["scenario"] for r in csv.DictReader(f)}
    expected = {"late": "late", "missing": "missing", "broken": "rejected"}
    special = {k: expected[v] for k, v in scenarios.items() if v in expected}
    assert len(special) == 3
    for (unit, month), status in special.items():
        got = published.execute("select status from marts.fct_submission_status where rocu_code=? and month=?",
                                [unit, month]).fetchone()
        assert got == (status,), (unit, month)
    on_time = published.sql("select count(*) from marts.fct_submission_status where status = 'on_time'").fetchone()
    assert on_time[0] == sum(1 for v in scenarios.values() if v == "normal")


def test_every_figure_traces_back_to_the_stored_file_and_cell(built_demo, published):
    from pipelines.intake.land.zone import LandingZone
    from pipelines.intake.standardise.read_tables import read_grids

    row = published.sql("""
        select p.value, p.raw_value, p.source_sheet, p.source_row, p.source_column, p.file_sha256,
               p.submission_id, p.rocu_code, p.month, p.metric_id
        from marts.fct_return_value_provenance p where p.is_current and p.rocu_code = 'EMSOU'
        order by p.month desc, p.metric_id limit 1
    """).fetchone()
    value, raw, sheet, src_row, src_col, sha, submission_id, unit, month, metric = row
    zone = LandingZone(Paths(built_demo).landing)
    stored = zone.path_of(zone.registry.get(submission_id))
    assert sha in stored.name
    grid = next(g for g in read_grids(stored) if g.sheet == sheet)
    col = sum((ord(c) - 64) * 26 ** i for i, c in enumerate(reversed(src_col))) - 1
    assert grid.cell(src_row - 1, col) == raw
    mart = published.execute("select value, submission_id from marts.fct_metric_monthly"
                             " where rocu_code=? and month=? and metric_id=?", [unit, month, metric]).fetchone()
    assert mart[1] == submission_id


@pytest.fixture(scope="module")
def dbt_docs(built_demo, tmp_path_factory) -> Path:
    """`dbt docs generate` run once on a copy of the built warehouse; its target folder."""
    import shutil

    from tests.conftest import run_dbt

    folder = tmp_path_factory.mktemp("dbt-docs")
    copy = folder / "w.duckdb"
    shutil.copyfile(Paths(built_demo).warehouse, copy)
    result = run_dbt(["docs", "generate"], copy, folder / "target")
    assert result.returncode == 0, result.stdout[-2000:]
    return folder / "target"


def test_dbt_docs_generate_works_on_the_built_warehouse(dbt_docs):
    catalog = (dbt_docs / "catalog.json").read_text()
    assert "fct_metric_comparison" in catalog and "per_100k_population" in catalog


def test_every_model_and_column_is_documented(dbt_docs):
    """Read the manifest and catalog dbt writes: no model or column without a description."""
    manifest = json.loads((dbt_docs / "manifest.json").read_text())
    catalog = json.loads((dbt_docs / "catalog.json").read_text())
    undocumented = []
    for key, node in manifest["nodes"].items():
        if node["resource_type"] != "model":
            continue
        if not node.get("description"):
            undocumented.append(node["name"])
        described = {c.lower() for c, v in node["columns"].items() if v.get("description")}
        undocumented += [f"{node['name']}.{c}" for c in catalog["nodes"][key]["columns"] if c.lower() not in described]
    assert undocumented == []
