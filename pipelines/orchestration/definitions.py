"""The Dagster code location: every asset, resource, job and sensor in one place.

Loading it reads the dbt manifest `make manifest` wrote and sets nothing global: the folders
(and so the warehouse dbt builds) come in through the resources alone.
"""

from dagster import Definitions

from pipelines.orchestration.assets.nocc_queries import raw_nocc_queries, reconciliation_queries
from pipelines.orchestration.assets.publish import published_warehouse
from pipelines.orchestration.assets.raw_config import raw_config
from pipelines.orchestration.assets.raw_extracts import extract_assets
from pipelines.orchestration.assets.raw_returns import raw_returns
from pipelines.orchestration.assets.warehouse_models import dbt_project, warehouse_models
from pipelines.orchestration.dbt_cli import dbt_global_flags
from pipelines.orchestration.dbt_resource import DbtCli
from pipelines.orchestration.jobs import build_warehouse, refresh_returns, take_in_inbox_job
from pipelines.orchestration.kept_dbt import KeptDbt
from pipelines.orchestration.manifest import DBT_EXECUTABLE
from pipelines.orchestration.resources import LandingResource, Supersession, WarehouseResource
from pipelines.orchestration.sensors import failed_refresh_sensor, inbox_sensor, queries_sensor, returns_sensor
from pipelines.settings import Paths


def build_definitions(paths: Paths | None = None, superseded: Supersession | None = None,
                      kept_dbt: KeptDbt | None = None) -> Definitions:
    """Definitions for a set of folders; tests pass temporary ones. The refresh worker passes
    `superseded`, which knows its queue of requests, and `kept_dbt`, the dbt process it keeps."""
    paths = paths or Paths.from_env()
    return Definitions(
        assets=[*extract_assets, raw_returns, raw_config, raw_nocc_queries, warehouse_models, published_warehouse,
                reconciliation_queries],
        jobs=[build_warehouse, refresh_returns, take_in_inbox_job],
        sensors=[inbox_sensor, returns_sensor, queries_sensor, failed_refresh_sensor],
        resources={
            "landing": LandingResource(root=str(paths.landing), extracts_dir=str(paths.landing / "extracts")),
            "warehouse": WarehouseResource(path=str(paths.warehouse), published_path=str(paths.published),
                                           var_dir=str(paths.var)),
            "superseded": superseded or Supersession(),
            "kept_dbt": kept_dbt or KeptDbt(),
            "dbt": DbtCli(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE,
                          global_config_flags=dbt_global_flags()),
        },
    )


defs = build_definitions()
