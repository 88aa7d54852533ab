"""The Dagster code location itself: importing it has no side effects, building it for one set of
folders does not change another's, and dbt's per-run folders do not pile up."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import duckdb
from dagster import AssetKey, DagsterInstance

from pipelines.orchestration.assets.warehouse_models import RUN_FOLDERS_KEPT, prune_run_folders
from pipelines.orchestration import definitions
from pipelines.orchestration.dbt_cli import dbt_global_flags
from pipelines.orchestration.definitions import build_definitions
from pipelines.orchestration.manifest import DBT_EXECUTABLE
from pipelines.settings import DBT_PROJECT_DIR, SEEDS_DIR, Paths

def test_importing_the_definitions_never_parses_the_dbt_project(tmp_path):
    """A model newer than the manifest used to make the import run `dbt parse` (~19 s); now the
    import only reads the manifest `make manifest` wrote, and writes nothing anywhere."""
    model = next((DBT_PROJECT_DIR / "models" / "marts").glob("*.sql"))
    kept = model.stat()
    os.utime(model)  # now newer than any manifest

    def files(folder: Path) -> dict[Path, int]:
        return {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}

    try:
        before = files(DBT_PROJECT_DIR)
        env = {**os.environ, "ROCU_VAR_DIR": str(tmp_path)}
        done = subprocess.run([sys.executable, "-c", "import pipelines.orchestration.definitions"], env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        assert files(tmp_path) == {}  # no manifest parsed into the run-time folder
        assert files(DBT_PROJECT_DIR) == before  # nor into the project
    finally:
        os.utime(model, ns=(kept.st_atime_ns, kept.st_mtime_ns))


def test_definitions_for_two_folders_leave_the_environment_alone_and_each_writes_its_own_warehouse(tmp_path):
    environment = dict(os.environ)
    first, second = Paths(tmp_path / "first"), Paths(tmp_path / "second")
    jobs = [build_definitions(paths).resolve_job_def("build_warehouse") for paths in (first, second)]
    project_target = set((DBT_PROJECT_DIR / "target").iterdir())
    holidays = AssetKey(["reference", "bank_holidays"])  # a seed whose tests read no other table
    for job in jobs:  # both built before either runs: nothing one build sets may steer the other's run
        assert job.execute_in_process(instance=DagsterInstance.ephemeral(), asset_selection=[holidays]).success
    with (SEEDS_DIR / "reference" / "bank_holidays.csv").open() as f:
        rows = sum(1 for _ in csv.DictReader(f))
    for paths in (first, second):
        assert paths.warehouse.exists(), f"nothing written to {paths.warehouse}"
        con = duckdb.connect(str(paths.warehouse), read_only=True)
        try:
            assert con.sql("select count(*) from reference.bank_holidays").fetchone()[0] == rows
        finally:
            con.close()
        (run_folder,) = (paths.var / "dbt_runs").iterdir()  # each run's dbt artifacts in its own folders
        assert (run_folder / "run_results.json").exists()
        assert not list(run_folder.glob("dbt.log*"))  # dbt's file log is off: ~10% of a build's CPU
    assert set((DBT_PROJECT_DIR / "target").iterdir()) == project_target  # none left in the project
    assert dict(os.environ) == environment


def test_only_the_newest_dbt_run_folders_are_kept(tmp_path):
    """dagster-dbt leaves a folder per run (38 MB after 25 runs); each run prunes all but the newest."""
    for age in range(6):
        run = tmp_path / f"run-{age}"
        run.mkdir()
        (run / "dbt.log").write_text("log\n")
        os.utime(run, (1_000_000 + age, 1_000_000 + age))
    gone = prune_run_folders(tmp_path, keep=RUN_FOLDERS_KEPT)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"run-{age}" for age in range(6 - RUN_FOLDERS_KEPT, 6)]
    assert len(gone) == 6 - RUN_FOLDERS_KEPT


def dbt_log_messages(run_folder: Path) -> list[str]:
    import json

    return [json.loads(line)["info"]["msg"] for line in (run_folder / "dbt.log").read_text().splitlines()]


def test_a_run_starts_dbt_once_and_parses_only_what_changed_even_for_a_new_warehouse(tmp_path, monkeypatch):
    """dagster-dbt used to start `dbt --version` before every run (a process, ~3 s, and dbt asks the
    package index for its latest release: a network call) and dbt re-parsed the whole project on every
    run (~6 s), because the parse `make manifest` keeps is for another warehouse; later only a new
    warehouse's first run did. Every dbt process started is recorded by a wrapper around the real dbt."""
    calls = tmp_path / "dbt-calls.txt"
    wrapper = tmp_path / "dbt"
    wrapper.write_text(f'#!/bin/sh\necho "$@" >> "{calls}"\nexec "{DBT_EXECUTABLE}" "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setattr(definitions, "DBT_EXECUTABLE", str(wrapper))
    # dbt says whether it parsed partially only in its debug log, which runs leave off
    monkeypatch.setenv("ROCU_DBT_FILE_LOG", "debug")
    paths = Paths(tmp_path / "var")
    job = build_definitions(paths).resolve_job_def("build_warehouse")
    holidays = AssetKey(["reference", "bank_holidays"])
    folders = []
    for _ in range(2):
        result = job.execute_in_process(instance=DagsterInstance.ephemeral(), asset_selection=[holidays])
        assert result.success
        folders.append(paths.var / "dbt_runs" / result.run_id)
    flags = dbt_global_flags()  # the debug file log asked for above
    started = [line.split()[:len(flags) + 1] for line in calls.read_text().splitlines()]
    assert started == [[*flags, "build"]] * 2  # no `dbt --version`, nothing but the builds
    first, second = (dbt_log_messages(folder) for folder in folders)
    for messages in (first, second):  # the first from the project's parse, made for another warehouse
        assert not any("Unable to do partial parsing" in m for m in messages)
        assert any(m.startswith("Partial parsing enabled") for m in messages)


def test_a_parse_that_cannot_be_read_is_left_out_and_dbt_parses_in_full(tmp_path):
    from pipelines.orchestration.dbt_cli import PARTIAL_PARSE, parse_for_warehouse

    damaged = tmp_path / PARTIAL_PARSE
    damaged.write_bytes(b"\xc1 not a parse")
    warehouse = tmp_path / "var" / "warehouse" / "rocu.duckdb"
    assert not parse_for_warehouse(damaged, tmp_path / "run", warehouse, DBT_PROJECT_DIR)
    assert not (tmp_path / "run" / PARTIAL_PARSE).exists()


def test_a_parse_is_not_given_to_a_warehouse_whose_database_has_another_name(tmp_path):
    """DuckDB names the database after the file, and the parse holds that name in every model: a parse
    for rocu.duckdb given to w.duckdb once made `dbt docs generate` find no table at all."""
    from pipelines.orchestration.dbt_cli import PARTIAL_PARSE, parse_for_warehouse
    from pipelines.orchestration.manifest import TARGET_DIR

    renamed, same = tmp_path / "copy" / "w.duckdb", tmp_path / "var" / "warehouse" / "rocu.duckdb"
    assert not parse_for_warehouse(TARGET_DIR / PARTIAL_PARSE, tmp_path / "run-1", renamed, DBT_PROJECT_DIR)
    assert not (tmp_path / "run-1" / PARTIAL_PARSE).exists()
    assert parse_for_warehouse(TARGET_DIR / PARTIAL_PARSE, tmp_path / "run-2", same, DBT_PROJECT_DIR)
    assert (tmp_path / "run-2" / PARTIAL_PARSE).stat().st_size > 0


def test_a_kept_parse_is_reused_only_by_the_project_that_made_it(tmp_path):
    """A parse holds the project's absolute paths. A var folder built by a checkout elsewhere (copied or
    moved with the project) once made every seed fail ('No files found ... /other/checkout/seeds/...')
    until var/dbt_parse was deleted by hand; now a parse made elsewhere is left unused."""
    from pipelines.orchestration.dbt_cli import PARTIAL_PARSE, keep_parse, reuse_parse

    here, elsewhere = tmp_path / "here" / "dbt_project", tmp_path / "elsewhere" / "dbt_project"
    finished = tmp_path / "runs" / "first"
    finished.mkdir(parents=True)
    (finished / PARTIAL_PARSE).write_bytes(b"parse made from here")
    cache = tmp_path / "var" / "dbt_parse"
    keep_parse(finished, cache, here)

    assert reuse_parse(cache, tmp_path / "runs" / "second", here)
    assert (tmp_path / "runs" / "second" / PARTIAL_PARSE).read_bytes() == b"parse made from here"
    assert not reuse_parse(cache, tmp_path / "runs" / "third", elsewhere)
    assert not (tmp_path / "runs" / "third" / PARTIAL_PARSE).exists()
    (cache / "project.txt").unlink()  # a parse kept before parses named their project
    assert not reuse_parse(cache, tmp_path / "runs" / "fourth", here)
