"""Publish a read-only copy of the warehouse for dashboards and reports.

DuckDB lets one process write or many read, not both; readers therefore never open the
file the pipeline builds. After a good build the warehouse is copied beside the
published file and swapped in with an atomic rename: a reader sees the old or the new
copy, never half of one, and a failed build (which stops before this asset) leaves the
last good copy in place.
"""


import json
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

import duckdb
from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from pipelines.assets.warehouse_models import warehouse_models
from pipelines.resources import WarehouseResource


def publish_copy(source: Path, target: Path) -> dict:
    """Copy `source` to `target` atomically and write a build stamp beside it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    con = duckdb.connect(str(source), read_only=True)  # fails fast if a writer still holds it
    con.close()
    shutil.copyfile(source, tmp)
    os.replace(tmp, target)
    stamp = {"published_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
             "source": str(source), "size_bytes": target.stat().st_size}
    target.with_suffix(".json").write_text(json.dumps(stamp, indent=2))
    return stamp


@asset(key=AssetKey(["published_warehouse"]), group_name="publish", deps=list(warehouse_models.keys),
       kinds={"duckdb"})
def published_warehouse(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    stamp = publish_copy(Path(warehouse.path), Path(warehouse.published_path))
    context.log.info(f"published {stamp['size_bytes']} bytes to {warehouse.published_path}")
    return MaterializeResult(metadata=stamp)
