"""The Dagster step that publishes the serving schema after a good build (see pipelines/serving/publish.py)."""

from pathlib import Path

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from pipelines.access.audit import AuditLog
from pipelines.orchestration.assets.warehouse_models import warehouse_models
from pipelines.orchestration.resources import WarehouseResource
from pipelines.serving.publish import publish_copy


@asset(key=AssetKey(["published_warehouse"]), group_name="publish", deps=list(warehouse_models.keys),
       kinds={"duckdb"})
def published_warehouse(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    info = publish_copy(Path(warehouse.path), Path(warehouse.published_path), AuditLog.at(warehouse.paths()),
                        build_id=context.run_id)
    context.log.info(f"published build {info.build_id} to {warehouse.published_path}")
    return MaterializeResult(metadata=info.as_dict())
