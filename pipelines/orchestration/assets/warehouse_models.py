"""The dbt project as Dagster assets: one lineage graph from raw tables to marts.

dbt sources are keyed ["raw", <table>], the same keys as the raw assets, so each model
sits downstream of the files that feed it; dbt tests become asset checks. The asset graph
comes from the manifest `make manifest` wrote (never parsed here); each run tells dbt which
warehouse to build through `--vars`, and keeps its artifacts in its own folder under
var/dbt_runs/, of which only the newest few are kept. A run starts from the previous run's
parse of the project for the same warehouse (var/dbt_parse/), or the first from the project's own
made for it, so dbt re-parses only what changed. The refresh worker's runs ask the dbt process it keeps,
with the project parsed (pipelines/orchestration/kept_dbt.py); every other run starts a `dbt build`
process.
"""

import shutil
from pathlib import Path

from dagster import AssetExecutionContext, ResourceParam
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets

from pipelines.orchestration.dbt_cli import keep_parse, start_from_kept_parse
from pipelines.orchestration.kept_dbt import KeptDbt
from pipelines.orchestration.manifest import TARGET_DIR, dbt_vars, require_manifest
from pipelines.orchestration.resources import Supersession, WarehouseResource
from pipelines.settings import DBT_PROJECT_DIR

# dbt unit tests check a model's logic on fixed, hand-written inputs: a run on new data cannot change
# their result, so runs leave them out (dbt's own advice: unit tests in development and CI) and the
# test suite runs them (tests/test_dbt_unit_tests.py). They were 98 of a build's 937 nodes and about
# half its wall time.
PRODUCTION_BUILD = ["--exclude-resource-type", "unit_test"]
RUN_FOLDERS_KEPT = 3  # per-run dbt folders (artifacts, dbt.log) kept for looking into a failed run

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR,
                         target_path=TARGET_DIR.relative_to(DBT_PROJECT_DIR))


@dbt_assets(manifest=require_manifest(), project=dbt_project)
def warehouse_models(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource,
                     superseded: ResourceParam[Supersession], kept_dbt: ResourceParam[KeptDbt]):
    """Seed the reference data, build every model and run its data tests."""
    if newer := superseded.newer_request():
        # Nothing built, so nothing downstream runs: the publish is skipped, the published copy stands.
        context.log.info(f"Not built in this run: a request waiting ({newer}) covers it, and its run rebuilds and "
                         "publishes all this one would.")
        return
    database = Path(warehouse.path)
    database.parent.mkdir(parents=True, exist_ok=True)  # DuckDB creates the file, not its folder
    var = warehouse.paths().var
    runs, run_folder, parse_cache = var / "dbt_runs", var / "dbt_runs" / context.run_id, var / "dbt_parse"
    try:
        if kept_dbt.on:
            yield from kept_dbt.build(context, [*PRODUCTION_BUILD, *dbt_vars(database)], database, run_folder,
                                      parse_cache)
            return
        start_from_kept_parse(parse_cache, run_folder, database, DBT_PROJECT_DIR)
        yield from dbt.cli(["build", *PRODUCTION_BUILD, *dbt_vars(database)], context=context,
                           target_path=run_folder).stream()
        keep_parse(run_folder, parse_cache, DBT_PROJECT_DIR)
    finally:
        prune_run_folders(runs, keep=RUN_FOLDERS_KEPT)


def prune_run_folders(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` per-run folders, so they do not pile up (dagster-dbt
    leaves one per run: 38 MB after 25 runs). Returns the folders deleted."""
    runs = sorted((p for p in folder.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime,
                  reverse=True) if folder.exists() else []
    for old in runs[keep:]:
        shutil.rmtree(old, ignore_errors=True)
    return runs[keep:]
