"""The dbt process the refresh worker keeps gives Dagster what a `dbt build` process gives it: the same
materialisations and asset check results, a failed step naming what failed, and the warehouse file
free for the next step. Tried on a small dbt project of its own, run both ways by real Dagster and dbt."""

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest
import yaml
from dagster import (AssetCheckKey, AssetKey, AssetExecutionContext, AssetSelection, DagsterInstance, ResourceParam,
                     materialize)
from dagster_dbt import DbtCliResource, dbt_assets

from pipelines.orchestration.dbt_cli import PROFILE, WORKER_TARGET, dbt_global_flags
from pipelines.orchestration.dbt_child import LoadedDbt
from pipelines.orchestration.kept_dbt import KeptDbt, by_roots
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


def run_both_ways(tmp_path: Path, ids: list[int], ways=("process", "kept"),
                  kept: KeptDbt | None = None, selection: AssetSelection | None = None) -> dict[str, dict]:
    """What Dagster recorded for a build of the toy project through a `dbt build` process and through the
    dbt process kept between runs, as the worker keeps it (with `kept`, that one)."""
    warehouse = tmp_path / "toy.duckdb"
    land(warehouse, ids)
    project = tmp_path / "project"
    if not project.exists():
        write_project(tmp_path)
    manifest = parse(project, warehouse)
    kept = kept or KeptDbt(project, seeds_dir=project / "seeds")
    recorded = {}
    for way in ways:
        @dbt_assets(manifest=manifest, name="toy_" + way.replace(" ", "_"))
        def toy(context: AssetExecutionContext, dbt: DbtCliResource, kept_dbt: ResourceParam[KeptDbt]):
            run_folder = tmp_path / "runs" / context.run_id
            if kept_dbt.on:
                yield from kept_dbt.build(context, dbt_vars(warehouse), warehouse, run_folder,
                                                tmp_path / "parse")
            else:
                yield from dbt.cli(["build", *dbt_vars(warehouse)], context=context, target_path=run_folder).stream()

        result = materialize([toy], instance=DagsterInstance.ephemeral(), raise_on_error=False, selection=selection,
                             resources={
            "dbt": DbtCliResource(project_dir=str(project), profiles_dir=str(project), dbt_executable=DBT_EXECUTABLE,
                                  global_config_flags=dbt_global_flags()),
            "kept_dbt": kept if way == "kept" else KeptDbt()})
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
    if not (folder / "run_results.json").exists():  # dbt never finished
        return []
    results = json.loads((folder / "run_results.json").read_text())["results"]
    return sorted((r["unique_id"].split(".")[2], r["status"]) for r in results)


def test_the_kept_dbt_records_what_a_dbt_process_records(tmp_path):
    recorded = run_both_ways(tmp_path, ids=[1, 2, 3])
    assert recorded["kept"] == recorded["process"]
    assert recorded["kept"]["success"] and recorded["kept"]["materialised"] == ["counted", "things"]
    assert recorded["kept"]["checks"] == [("things", "not_null_things_id", True),
                                                ("things", "unique_things_id", True)]


def test_a_failed_test_in_the_kept_dbt_fails_the_step_naming_it_as_a_dbt_process_does(tmp_path):
    dbt = KeptDbt(tmp_path / "project", seeds_dir=tmp_path / "project" / "seeds")
    recorded = run_both_ways(tmp_path, ids=[1, 1, 2], kept=dbt)  # id 1 twice
    assert {k: v for k, v in recorded["kept"].items() if k != "failure"} == \
        {k: v for k, v in recorded["process"].items() if k != "failure"}
    assert not recorded["kept"]["success"]
    assert ("things", "unique_things_id", False) in recorded["kept"]["checks"]
    assert "unique_things_id" in recorded["kept"]["failure"]
    assert ("unique_things_id", "fail") in recorded["kept"]["run_results"]
    # The same dbt process builds again once the data is mended.
    again = run_both_ways(tmp_path, ids=[1, 2], ways=("kept",), kept=dbt)["kept"]
    assert again["success"] and ("things", "unique_things_id", True) in again["checks"]


def test_the_kept_dbt_builds_the_runs_selection_as_a_dbt_process_does(tmp_path):
    """The worker's runs are subsets: a model without the one downstream of it, and here one of its two
    checks left out, which dagster-dbt turns into explicit tests and an empty indirect selection."""
    recorded = run_both_ways(tmp_path, ids=[1, 2], selection=AssetSelection.assets("things").without_checks()
                             | AssetSelection.checks(AssetCheckKey(AssetKey("things"), "unique_things_id")))
    assert recorded["kept"] == recorded["process"]
    assert recorded["kept"]["materialised"] == ["things"]
    assert recorded["kept"]["checks"] == [("things", "unique_things_id", True)]
    assert recorded["kept"]["run_results"] == [("things", "success"), ("unique_things_id", "pass")]


def test_a_failed_model_in_the_kept_dbt_fails_the_step_with_the_databases_error(tmp_path):
    project = write_project(tmp_path)
    (project / "models" / "things.sql").write_text("select no_such_column from {{ ref('landed') }}\n")
    recorded = run_both_ways(tmp_path, ids=[1, 2])
    assert not recorded["kept"]["success"] and not recorded["process"]["success"]
    assert recorded["kept"]["materialised"] == recorded["process"]["materialised"] == []
    assert "no_such_column" in recorded["kept"]["failure"]  # DuckDB's binder error, not only "ERROR"


def test_the_loaded_dbt_parses_again_when_the_project_changed(tmp_path):
    warehouse = tmp_path / "toy.duckdb"
    land(warehouse, [1, 2])
    project = write_project(tmp_path)
    dbt = LoadedDbt(project, seeds_dir=project / "seeds")
    first = dbt.manifest(warehouse, tmp_path / "run1", tmp_path / "parse")
    assert dbt.manifest(warehouse, tmp_path / "run2", tmp_path / "parse") is first  # kept between runs
    model = project / "models" / "things.sql"
    model.write_text(model.read_text().replace("select *", "select id, id * 2 as twice"))
    again = dbt.manifest(warehouse, tmp_path / "run3", tmp_path / "parse")
    assert again is not first and "twice" in again.nodes["model.toy.things"].raw_code
    # A file gone, however old, is a change too.
    (project / "models" / "counted.sql").unlink()
    assert "model.toy.counted" not in dbt.manifest(warehouse, tmp_path / "run4", tmp_path / "parse").nodes


def test_the_kept_dbts_builds_run_on_the_target_given_and_a_dbt_process_on_the_default(tmp_path):
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
    worker = KeptDbt(project, seeds_dir=project / "seeds", target="worker")
    assert run_both_ways(tmp_path, ids=[1, 2], ways=("kept",), kept=worker)["kept"]["success"]
    assert threads_seen() == 1


def test_the_kept_dbt_builds_in_a_process_of_its_own_whose_end_fails_the_run_and_the_next_build_starts_another(
        tmp_path):
    """dbt runs beside the worker, not in it (its Python and Dagster's then use two cores). A dbt process
    that ends mid-build (here a Python model ends it) fails that run's step, saying so; the next build
    starts a new process and succeeds."""
    project = write_project(tmp_path)
    (project / "models" / "worker_pid.py").write_text(
        "import os\n\ndef model(dbt, session):\n    return session.sql(f'select {os.getpid()} as pid')\n")
    dbt = KeptDbt(project, seeds_dir=project / "seeds")
    assert run_both_ways(tmp_path, ids=[1, 2], ways=("kept",), kept=dbt)["kept"]["success"]
    first = duckdb.connect(str(tmp_path / "toy.duckdb"), read_only=True).execute(
        "select pid from main.worker_pid").fetchone()[0]
    assert first != os.getpid()

    (project / "models" / "worker_pid.py").write_text("import os\n\ndef model(dbt, session):\n    os._exit(3)\n    return session.sql('select 1 as pid')\n")
    ended = run_both_ways(tmp_path, ids=[1, 2], ways=("kept",), kept=dbt)["kept"]
    assert not ended["success"] and "the dbt process ended during the run (exit code 3)" in ended["failure"]

    (project / "models" / "worker_pid.py").write_text(
        "import os\n\ndef model(dbt, session):\n    return session.sql(f'select {os.getpid()} as pid')\n")
    assert run_both_ways(tmp_path, ids=[1, 2], ways=("kept",), kept=dbt)["kept"]["success"]
    second = duckdb.connect(str(tmp_path / "toy.duckdb"), read_only=True).execute(
        "select pid from main.worker_pid").fetchone()[0]
    assert second not in (first, os.getpid())
    dbt.close()


def test_the_dbt_process_ends_when_the_worker_that_started_it_is_killed(tmp_path):
    project = write_project(tmp_path)
    land(tmp_path / "toy.duckdb", [1])
    worker = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""\
        import os
        from pathlib import Path
        from pipelines.orchestration.kept_dbt import KeptDbt
        dbt = KeptDbt(Path({str(project)!r}), seeds_dir=Path({str(project / "seeds")!r}))
        dbt.parse(Path({str(tmp_path / "toy.duckdb")!r}), Path({str(tmp_path / "run")!r}), Path({str(tmp_path / "parse")!r}))
        print(dbt._process.pid, flush=True)
        os._exit(9)  # as a killed worker: nothing closed, nothing cleaned up
        """)], capture_output=True, text=True, timeout=120)
    child = int(worker.stdout.split()[-1])
    deadline = time.monotonic() + 10
    while Path(f"/proc/{child}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not Path(f"/proc/{child}").exists(), "the dbt process outlived the worker that started it"


def test_the_projects_worker_target_is_its_default_with_duckdb_on_one_thread():
    profile = yaml.safe_load((Path(__file__).resolve().parents[1] / "dbt_project" / "profiles.yml").read_text())[PROFILE]
    default, worker = profile["outputs"][profile["target"]], profile["outputs"][WORKER_TARGET]
    assert {key: value for key, value in worker.items() if key != "settings"} == default
    assert worker["settings"] == {"threads": 1}


def dbt_lists(dbt: LoadedDbt, warehouse: Path, run_folder: Path, selection: list[str]) -> set[str]:
    """The nodes dbt selects for a build of the project with `selection`, as `dbt ls` names them."""
    from dbt.cli.main import dbtRunner

    listed = dbtRunner(manifest=dbt.manifest(warehouse, run_folder, run_folder.parent / "parse")).invoke(
        ["--quiet", "--log-level", "none", "ls", "--project-dir", str(dbt.project_dir), "--profiles-dir",
         str(dbt.project_dir), "--target-path", str(run_folder), "--exclude-resource-type", "unit_test",
         "--exclude-resource-type", "exposure", *dbt_vars(warehouse), *selection])
    assert listed.success, listed.exception
    return set(listed.result)


def test_a_refresh_names_the_models_it_starts_from_and_dbt_selects_the_same_nodes(tmp_path):
    """Each kind of refresh selects what lies downstream of the raw tables it reloads. dagster-dbt names
    each of those models; `by_roots` names the first ones with `+`, and dbt must then select the very
    same models and tests. A selection that leaves out a model after one it selects is kept as it is."""
    from pipelines.orchestration.manifest import require_manifest
    from pipelines.orchestration.refresh_worker import RELOADS
    from pipelines.settings import DBT_PROJECT_DIR, SEEDS_DIR

    manifest = json.loads(Path(require_manifest()).read_text())
    models = {uid for uid, node in manifest["nodes"].items() if node["resource_type"] == "model"}

    def downstream(ids: set[str]) -> set[str]:
        found, todo = set(), list(ids)
        while todo:
            for child in manifest["child_map"].get(todo.pop(), []):
                if child in models and child not in found:
                    found.add(child)
                    todo.append(child)
        return found

    def named(ids: set[str]) -> list[str]:  # as dagster-dbt names a subset of models
        return ["--select", " ".join(".".join(manifest["nodes"][uid]["fqn"]) for uid in sorted(ids))]

    dbt, warehouse = LoadedDbt(DBT_PROJECT_DIR, SEEDS_DIR), tmp_path / "rocu.duckdb"
    for change, tables in RELOADS.items():
        subset = downstream({f"source.rocu_warehouse.raw.{table}" for table in tables})
        full = named(subset)
        short = by_roots(full, manifest)
        assert short != full and len(short[1].split()) < len(subset), change
        assert all(name.endswith("+") for name in short[1].split())
        assert dbt_lists(dbt, warehouse, tmp_path / change, short) == dbt_lists(dbt, warehouse, tmp_path / change, full)
    # A model without the ones after it (the mart that reads it) stays named as dagster-dbt named it.
    chosen = {"model.rocu_warehouse.int_return_versions__chosen"}
    assert downstream(chosen) and by_roots(named(chosen), manifest) == named(chosen)
    assert by_roots(["--select", "fqn:*"], manifest) == ["--select", "fqn:*"]
