"""The dbt project as Dagster assets: one lineage graph from raw tables to marts.

dbt sources are keyed ["raw", <table>], the same keys as the raw assets, so each model
sits downstream of the files that feed it; dbt tests become asset checks.
"""


import subprocess
import sys
from pathlib import Path

from dagster import AssetExecutionContext
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets

from pipelines.settings import DBT_PROJECT_DIR, SEEDS_DIR, Paths

DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))  # works without an activated venv

dbt_project = DbtProject(
    project_dir=DBT_PROJECT_DIR,
    profiles_dir=DBT_PROJECT_DIR,
    target_path=Paths.from_env().var / "dbt_target",
)


def _newest_source_mtime() -> float:
    folders = [DBT_PROJECT_DIR / d for d in ("models", "tests", "macros")] + [SEEDS_DIR]
    files = [DBT_PROJECT_DIR / "dbt_project.yml", *(f for d in folders for f in d.rglob("*") if f.is_file())]
    return max(f.stat().st_mtime for f in files)


def ensure_manifest() -> Path:
    """Parse the dbt project when there is no manifest or the project changed since (the
    asset graph must match what `dbt build` will run)."""
    manifest = dbt_project.manifest_path
    if not manifest.exists() or manifest.stat().st_mtime < _newest_source_mtime():
        subprocess.run(
            [DBT_EXECUTABLE, "parse", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
             "--target-path", str(dbt_project.target_path), "--quiet"],
            check=True,
        )
    return dbt_project.manifest_path


@dbt_assets(manifest=ensure_manifest(), project=dbt_project)
def warehouse_models(context: AssetExecutionContext, dbt: DbtCliResource):
    """Seed the reference data, build and test every model."""
    yield from dbt.cli(["build"], context=context).stream()
