"""The Dagster code location: every asset, resource, job and sensor in one place."""

from __future__ import annotations

import os

from dagster import Definitions, define_asset_job
from dagster_dbt import DbtCliResource

from pipelines.assets.publish import published_warehouse
from pipelines.assets.raw_extracts import extract_assets
from pipelines.assets.raw_returns import raw_returns
from pipelines.assets.warehouse_models import DBT_EXECUTABLE, dbt_project, warehouse_models
from pipelines.resources import LandingResource, WarehouseResource
from pipelines.settings import Paths


def build_definitions(paths: Paths | None = None) -> Definitions:
    """Definitions for a set of folders; tests pass temporary ones."""
    paths = paths or Paths.from_env()
    # dbt's profiles.yml reads the same variable, so both sides write one file.
    os.environ["ROCU_WAREHOUSE_PATH"] = str(paths.warehouse)
    return Definitions(
        assets=[*extract_assets, raw_returns, warehouse_models, published_warehouse],
        jobs=[define_asset_job("build_warehouse", selection="*", description="Load raw data, build and publish")],
        resources={
            "landing": LandingResource(root=str(paths.landing), extracts_dir=str(paths.landing / "extracts")),
            "warehouse": WarehouseResource(path=str(paths.warehouse), published_path=str(paths.published)),
            "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE),
        },
    )


defs = build_definitions()
