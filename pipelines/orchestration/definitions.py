"""The Dagster code location: every asset, resource, job and sensor in one place."""

import os

from dagster import AssetKey, AssetSelection, Definitions, define_asset_job, in_process_executor
from dagster_dbt import DbtCliResource

from pipelines.orchestration.assets.publish import published_warehouse
from pipelines.orchestration.assets.raw_config import raw_config
from pipelines.orchestration.assets.raw_extracts import extract_assets
from pipelines.orchestration.assets.raw_returns import raw_returns
from pipelines.orchestration.assets.warehouse_models import DBT_EXECUTABLE, dbt_project, warehouse_models
from pipelines.orchestration.resources import LandingResource, WarehouseResource
from pipelines.orchestration.sensors import returns_sensor
from pipelines.settings import Paths

# DuckDB has one writer at a time: every step of a warehouse job runs in one process, one
# after another (and dagster.yaml limits the queue to one run at a time).
build_warehouse = define_asset_job(
    "build_warehouse", selection=AssetSelection.all(), executor_def=in_process_executor,
    description="Load every raw table, build and test the warehouse with dbt, publish the read-only copy")
refresh_returns = define_asset_job(
    "refresh_returns",
    selection=AssetSelection.assets(raw_returns, raw_config).downstream() - AssetSelection.keys(
        *[AssetKey(["raw", t]) for t in ("disruptions", "ocg_register", "capacity", "tasking_meetings",
                                         "gateway_requests")]),
    executor_def=in_process_executor,
    description="Reload returns (all, or one unit's month) and the configuration, rebuild the warehouse and publish")


def build_definitions(paths: Paths | None = None) -> Definitions:
    """Definitions for a set of folders; tests pass temporary ones."""
    paths = paths or Paths.from_env()
    # dbt's profiles.yml reads the same variable, so both sides write one file.
    os.environ["ROCU_WAREHOUSE_PATH"] = str(paths.warehouse)
    return Definitions(
        assets=[*extract_assets, raw_returns, raw_config, warehouse_models, published_warehouse],
        jobs=[build_warehouse, refresh_returns],
        sensors=[returns_sensor],
        resources={
            "landing": LandingResource(root=str(paths.landing), extracts_dir=str(paths.landing / "extracts")),
            "warehouse": WarehouseResource(path=str(paths.warehouse), published_path=str(paths.published),
                                           var_dir=str(paths.var)),
            "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE),
        },
    )


defs = build_definitions()
