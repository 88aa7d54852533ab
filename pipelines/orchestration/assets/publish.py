"""Publish a read-only copy of the warehouse for dashboards and reports.

DuckDB lets one process write or many read, not both; readers therefore never open the
file the pipeline builds. After a good build the warehouse is copied beside the
published file, stamped with its build (id, time, audit head) inside the copy, and
swapped in with an atomic rename: a reader sees the old or the new copy, never half of
one, and whatever it reads about the build is true of the figures it reads with it. A
failed build (which stops before this asset) leaves the last good copy in place.
"""

import hashlib
import os
import uuid
from datetime import datetime, UTC
from pathlib import Path

import duckdb
from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from pipelines.access.anchors import anchor_head, log_beside
from pipelines.access.audit import AuditLog
from pipelines.orchestration.assets.warehouse_models import warehouse_models
from pipelines.serving.build_info import BuildInfo, write_build_info
from pipelines.orchestration.resources import WarehouseResource


def publish_copy(source: Path, target: Path, audit: AuditLog, build_id: str | None = None) -> BuildInfo:
    """Copy `source` to `target` atomically, with its build row written into the copy first.

    `audit` is the deployment's audit trail: its head is anchored (written to the anchor log
    beside the trail) and goes into the build, so a board paper made from this copy names the
    trail as it stood when the figures were published, and `rocu audit verify --anchor` can
    later prove the trail was not rewritten before that point.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    con = duckdb.connect(str(source), read_only=True)  # fails fast if a writer still holds it
    con.close()
    try:
        content_sha256 = _copy_with_digest(source, tmp)
        build_id = build_id or uuid.uuid4().hex
        anchor = anchor_head(audit, log_beside(audit), reason=f"warehouse build {build_id} published")
        info = BuildInfo(build_id=build_id, published_at=datetime.now(UTC).isoformat(timespec="seconds"),
                         source_file=source.name, audit_seq=anchor.seq, audit_head_hash=anchor.hash,
                         content_sha256=content_sha256)
        con = duckdb.connect(str(tmp))
        try:
            write_build_info(con, info)
            con.execute("checkpoint")
        finally:
            con.close()
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    target.with_suffix(".json").unlink(missing_ok=True)  # the old sidecar stamp: the build lives inside now
    return info


def _copy_with_digest(source: Path, target: Path) -> str:
    """Copy a file and return the SHA-256 of what was copied, in one pass."""
    digest = hashlib.sha256()
    with source.open("rb") as reader, target.open("wb") as writer:
        for block in iter(lambda: reader.read(1 << 20), b""):
            digest.update(block)
            writer.write(block)
    return digest.hexdigest()


@asset(key=AssetKey(["published_warehouse"]), group_name="publish", deps=list(warehouse_models.keys),
       kinds={"duckdb"})
def published_warehouse(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    info = publish_copy(Path(warehouse.path), Path(warehouse.published_path), AuditLog.at(warehouse.paths()),
                        build_id=context.run_id)
    context.log.info(f"published build {info.build_id} to {warehouse.published_path}")
    return MaterializeResult(metadata=info.as_dict())
