"""The whole product on the demo data: generator -> intake -> Dagster -> dbt -> published copy."""

import csv

import duckdb
import pytest
from dagster import DagsterInstance

from pipelines.definitions import build_definitions
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
    with (Paths(built_demo).demo / "truth" / "disruption_twins.csv").open() as f:
        twins = list(csv.DictReader(f))
    assert twins
    claims = published.sql("select count(*) from staging.stg_apmis__disruptions"
                           " where validation_status = 'validated'").fetchone()[0]
    counted = published.sql("select sum(value) from marts.fct_metric_monthly where metric_id = 'DIS_TOTAL'"
                            ).fetchone()[0]
    duplicates = published.sql("select count(*) from intermediate.int_disruptions__deduplicated"
                               " where not is_counted and validation_status = 'validated'").fetchone()[0]
    assert duplicates > 0
    assert counted == claims - duplicates


def test_rerunning_the_job_duplicates_nothing(built_demo, published):
    before = published.sql("select count(*), sum(value) from marts.fct_metric_monthly").fetchone()
    defs = build_definitions(Paths(built_demo))
    result = defs.resolve_job_def("build_warehouse").execute_in_process(instance=DagsterInstance.ephemeral())
    assert result.success
    con = duckdb.connect(str(Paths(built_demo).published), read_only=True)
    try:
        after = con.sql("select count(*), sum(value) from marts.fct_metric_monthly").fetchone()
    finally:
        con.close()
    assert after[0] == before[0] and after[1] == pytest.approx(before[1])  # summation order may differ


def test_a_run_killed_half_way_changes_nothing_readers_see_and_a_rerun_completes(built_demo, tmp_path):
    """Kill the job while dbt is building: the published copy is untouched and still opens;
    a rerun succeeds with the same figures (nothing duplicated)."""
    import hashlib
    import os
    import shutil
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    var = tmp_path / "var"
    shutil.copytree(built_demo, var, ignore=shutil.ignore_patterns("dbt_target", "dagster_home"))
    paths = Paths(var)
    before_hash = hashlib.sha256(paths.published.read_bytes()).hexdigest()
    con = duckdb.connect(str(paths.published), read_only=True)
    before = con.sql("select count(*), sum(value) from marts.fct_metric_monthly").fetchone()
    con.close()
    env = {**os.environ, "ROCU_VAR_DIR": str(var), "ROCU_WAREHOUSE_PATH": str(paths.warehouse),
           "DAGSTER_HOME": str(var / "dagster_home")}
    (var / "dagster_home").mkdir()
    dagster = str(Path(sys.executable).with_name("dagster"))
    cmd = [dagster, "job", "execute", "-m", "pipelines.definitions", "-j", "build_warehouse"]
    log = tmp_path / "killed.log"
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 300
        while "Running dbt command" not in log.read_text() and proc.poll() is None:
            assert time.monotonic() < deadline, "dbt never started"
            time.sleep(0.2)
        time.sleep(1.0)  # well inside the dbt build
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode != 0
    assert hashlib.sha256(paths.published.read_bytes()).hexdigest() == before_hash
    con = duckdb.connect(str(paths.warehouse), read_only=True)  # the build file is not corrupted
    con.sql("select count(*) from raw.return_values").fetchone()
    con.close()
    rerun = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stdout[-2000:] + rerun.stderr[-2000:]
    con = duckdb.connect(str(paths.published), read_only=True)
    after = con.sql("select count(*), sum(value) from marts.fct_metric_monthly").fetchone()
    con.close()
    assert after[0] == before[0] and after[1] == pytest.approx(before[1])  # summation order may differ
