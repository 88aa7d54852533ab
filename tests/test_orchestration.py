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

from pipelines.orchestration.definitions import build_definitions
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
    rocus = AssetKey(["reference", "rocus"])
    for job in jobs:  # both built before either runs: nothing one build sets may steer the other's run
        assert job.execute_in_process(instance=DagsterInstance.ephemeral(), asset_selection=[rocus]).success
    with (SEEDS_DIR / "reference" / "rocus.csv").open() as f:
        units = sum(1 for _ in csv.DictReader(f))
    for paths in (first, second):
        assert paths.warehouse.exists(), f"nothing written to {paths.warehouse}"
        con = duckdb.connect(str(paths.warehouse), read_only=True)
        try:
            assert con.sql("select count(*) from reference.rocus").fetchone()[0] == units
        finally:
            con.close()
    assert dict(os.environ) == environment
