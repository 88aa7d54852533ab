"""dbt in the refresh worker's process gives Dagster what a `dbt build` process gives it: the same
materialisations and asset check results, a failed step naming what failed, and the warehouse file
free for the next step. Tried on a small dbt project of its own, run both ways by real Dagster and dbt."""

import json
import subprocess
import textwrap
from pathlib import Path

import duckdb
import pytest
import yaml
from dagster import (AssetCheckKey, AssetKey, AssetExecutionContext, AssetSelection, DagsterInstance, ResourceParam,
                     materialize)
from dagster_dbt import DbtCliResource, dbt_assets

from pipelines.orchestration.dbt_cli import PROFILE, WORKER_TARGET, dbt_global_flags
from pipelines.orchestration.dbt_in_process import InProcessDbt
from pipelines.orchestration.manifest import DBT_EXECUTABLE, dbt_vars

pytestmark = pytest.mark.slow  # real dbt, twice


def write_project(root: Path) -> Path:
    """A dbt project with one source table, an ephemeral model and a table over it, and two tests."""
    project = root / "project"
    (project / "models").mkdir(parents=True, exist_ok=True)
    (project / "dbt_project.yml").write_text(textwrap.dedent("""\
        name: toy
        version: "1.0.0"
        config-version: 2
        profile: toy
        models:
          toy:
            +materialized: table
        flags:
          send_anonymous_usage_stats: false
        """))
    (project / "profiles.yml").write_text(textwrap.dedent("""\
        toy:
          target: dev
          outputs:
            dev: &dev
              type: duckdb
              path: "{{ var('warehouse_path') }}"
              threads: 2
            worker:
              <<: *dev
              settings:
                threads: 1
        """))
    (project / "models" / "sources.yml").write_text(textwrap.dedent("""\
        version: 2
        sources:
          - name: raw
            schema: main
            tables: [{name: landed_things}]
        models:
          - name: things
            columns:
              - name: id
                data_tests: [unique, not_null]
        """))
    # Through an ephemeral model, whose SQL dbt writes into the nodes that read it at each compile.
    (project / "models" / "landed.sql").write_text(
        "{{ config(materialized='ephemeral') }}\nselect * from {{ source('raw', 'landed_things') }}\n")
    (project / "models" / "things.sql").write_text("select * from {{ ref('landed') }}\n")
    (project / "models" / "counted.sql").write_text("select count(*) as things from {{ ref('things') }}\n")
    return project


def parse(project: Path, warehouse: Path) -> Path:
    target = project / "target"
    subprocess.run([DBT_EXECUTABLE, "--quiet", "parse", "--project-dir", str(project), "--profiles-dir", str(project),
                    "--target-path", str(target), *dbt_vars(warehouse)], check=True)
    return target / "manifest.json"


def land(warehouse: Path, ids: list[int]) -> None:
    con = duckdb.connect(str(warehouse))
    con.execute("create or replace table main.landed_things (id integer)")
    con.executemany("insert into main.landed_things values (?)", [[i] for i in ids])
    con.close()


def run_both_ways(tmp_path: Path, ids: list[int], ways=("process", "in process"),
                  in_process: InProcessDbt | None = None, selection: AssetSelection | None = None) -> dict[str, dict]:
    """What Dagster recorded for a build of the toy project through a `dbt build` process and in process
    (with `in_process`, that one: the same dbt kept between runs, as the worker keeps it)."""
    warehouse = tmp_path / "toy.duckdb"
    land(warehouse, ids)
    project = tmp_path / "project"
    if not project.exists():
        write_project(tmp_path)
    manifest = parse(project, warehouse)
    in_process = in_process or InProcessDbt(project, seeds_dir=project / "seeds")
    recorded = {}
    for way in ways:
        @dbt_assets(manifest=manifest, name="toy_" + way.replace(" ", "_"))
        def toy(context: AssetExecutionContext, dbt: DbtCliResource, dbt_in_process: ResourceParam[InProcessDbt]):
            run_folder = tmp_path / "runs" / context.run_id
            if dbt_in_process.on:
                yield from dbt_in_process.build(context, dbt_vars(warehouse), warehouse, run_folder,
                                                tmp_path / "parse")
            else:
                yield from dbt.cli(["build", *dbt_vars(warehouse)], context=context, target_path=run_folder).stream()

        result = materialize([toy], instance=DagsterInstance.ephemeral(), raise_on_error=False, selection=selection,
                             resources={
            "dbt": DbtCliResource(project_dir=str(project), profiles_dir=str(project), dbt_executable=DBT_EXECUTABLE,
                                  global_config_flags=dbt_global_flags()),
            "dbt_in_process": in_process if way == "in process" else InProcessDbt()})
        failures = [f"{e.event_specific_data.error.message} {e.event_specific_data.user_failure_data}"
                    for e in result.all_events if e.is_step_failure]
        recorded[way] = {
            "success": result.success,
            "materialised": sorted(e.asset_key.to_user_string() for e in result.get_asset_materialization_events()),
            "checks": sorted((e.asset_key.to_user_string(), e.check_name, e.passed)
                             for e in result.get_asset_check_evaluations()),
            "failure": " ".join(failures),
            "run_results": run_folder_results(tmp_path / "runs" / result.run_id),
        }
        # The file is free: another connection, configured otherwise, opens it (DuckDB refuses while
        # this process still holds it for dbt).
        duckdb.connect(str(warehouse), read_only=True).close()
    return recorded


def run_folder_results(folder: Path) -> list[tuple[str, str]]:
    results = json.loads((folder / "run_results.json").read_text())["results"]
    return sorted((r["unique_id"].split(".")[2], r["status"]) for r in results)


def test_in_process_dbt_records_what_a_dbt_process_records(tmp_path):
    recorded = run_both_ways(tmp_path, ids=[1, 2, 3])
    assert recorded["in process"] == recorded["process"]
    assert recorded["in process"]["success"] and recorded["in process"]["materialised"] == ["counted", "things"]
    assert recorded["in process"]["checks"] == [("things", "not_null_things_id", True),
                                                ("things", "unique_things_id", True)]


def test_a_failed_test_in_process_fails_the_step_naming_it_as_a_dbt_process_does(tmp_path):
    dbt = InProcessDbt(tmp_path / "project", seeds_dir=tmp_path / "project" / "seeds")
    recorded = run_both_ways(tmp_path, ids=[1, 1, 2], in_process=dbt)  # id 1 twice
    assert {k: v for k, v in recorded["in process"].items() if k != "failure"} == \
        {k: v for k, v in recorded["process"].items() if k != "failure"}
    assert not recorded["in process"]["success"]
    assert ("things", "unique_things_id", False) in recorded["in process"]["checks"]
    assert "unique_things_id" in recorded["in process"]["failure"]
    assert ("unique_things_id", "fail") in recorded["in process"]["run_results"]
    # The same dbt, kept in the process, builds again once the data is mended.
    again = run_both_ways(tmp_path, ids=[1, 2], ways=("in process",), in_process=dbt)["in process"]
    assert again["success"] and ("things", "unique_things_id", True) in again["checks"]


def test_in_process_dbt_builds_the_runs_selection_as_a_dbt_process_does(tmp_path):
    """The worker's runs are subsets: a model without the one downstream of it, and here one of its two
    checks left out, which dagster-dbt turns into explicit tests and an empty indirect selection."""
    recorded = run_both_ways(tmp_path, ids=[1, 2], selection=AssetSelection.assets("things").without_checks()
                             | AssetSelection.checks(AssetCheckKey(AssetKey("things"), "unique_things_id")))
    assert recorded["in process"] == recorded["process"]
    assert recorded["in process"]["materialised"] == ["things"]
    assert recorded["in process"]["checks"] == [("things", "unique_things_id", True)]
    assert recorded["in process"]["run_results"] == [("things", "success"), ("unique_things_id", "pass")]


def test_a_failed_model_in_process_fails_the_step_with_the_databases_error(tmp_path):
    project = write_project(tmp_path)
    (project / "models" / "things.sql").write_text("select no_such_column from {{ ref('landed') }}\n")
    recorded = run_both_ways(tmp_path, ids=[1, 2])
    assert not recorded["in process"]["success"] and not recorded["process"]["success"]
    assert recorded["in process"]["materialised"] == recorded["process"]["materialised"] == []
    assert "no_such_column" in recorded["in process"]["failure"]  # DuckDB's binder error, not only "ERROR"


def test_in_process_dbt_parses_again_when_the_project_changed(tmp_path):
    warehouse = tmp_path / "toy.duckdb"
    land(warehouse, [1, 2])
    project = write_project(tmp_path)
    dbt = InProcessDbt(project, seeds_dir=project / "seeds")
    first = dbt.manifest(warehouse, tmp_path / "run1", tmp_path / "parse")
    assert dbt.manifest(warehouse, tmp_path / "run2", tmp_path / "parse") is first  # kept between runs
    model = project / "models" / "things.sql"
    model.write_text(model.read_text().replace("select *", "select id, id * 2 as twice"))
    again = dbt.manifest(warehouse, tmp_path / "run3", tmp_path / "parse")
    assert again is not first and "twice" in again.nodes["model.toy.things"].raw_code
    # A file gone, however old, is a change too.
    (project / "models" / "counted.sql").unlink()
    assert "model.toy.counted" not in dbt.manifest(warehouse, tmp_path / "run4", tmp_path / "parse").nodes


def test_in_process_builds_run_on_the_target_given_and_a_dbt_process_on_the_default(tmp_path):
    """The worker's builds use their own output of the profile (DuckDB on one core a query); a `dbt
    build` process, and every parse, the profile's default."""
    project = write_project(tmp_path)
    (project / "models" / "duckdb_threads.sql").write_text("select current_setting('threads') as threads\n")
    warehouse = tmp_path / "toy.duckdb"

    def threads_seen() -> int:
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            return con.execute("select threads from main.duckdb_threads").fetchone()[0]
        finally:
            con.close()

    assert run_both_ways(tmp_path, ids=[1, 2], ways=("process",))["process"]["success"]
    default = duckdb.connect().execute("select current_setting('threads')").fetchone()[0]
    assert threads_seen() == default
    worker = InProcessDbt(project, seeds_dir=project / "seeds", target="worker")
    assert run_both_ways(tmp_path, ids=[1, 2], ways=("in process",), in_process=worker)["in process"]["success"]
    assert threads_seen() == 1


def test_the_projects_worker_target_is_its_default_with_duckdb_on_one_thread():
    profile = yaml.safe_load((Path(__file__).resolve().parents[1] / "dbt_project" / "profiles.yml").read_text())[PROFILE]
    default, worker = profile["outputs"][profile["target"]], profile["outputs"][WORKER_TARGET]
    assert {key: value for key, value in worker.items() if key != "settings"} == default
    assert worker["settings"] == {"threads": 1}
