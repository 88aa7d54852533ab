"""Accepted monthly returns, from the landing-zone registry into the warehouse's raw tables.

Only accepted content is loaded: the standardised values of each accepted (or since
superseded) version were saved beside the registry when its verdict was given. The whole
registry is reloaded in one transaction each run, so reruns never duplicate.
"""


from dataclasses import asdict
from pathlib import Path

import polars as pl
from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, multi_asset

from pipelines.resources import LandingResource, WarehouseResource
from pipelines.warehouse import replace_table

TABLES = ("submissions", "submission_problems", "return_values", "unmapped_labels")
LOADED_STATES = ("accepted", "accepted_with_warnings", "superseded")
# Empty registries still need typed tables for dbt to build against.
SCHEMAS = {
    "submission_problems": {"submission_id": pl.Int64, "severity": pl.Utf8, "rule": pl.Utf8, "message": pl.Utf8,
                            "file": pl.Utf8, "sheet": pl.Utf8, "row": pl.Int64, "column": pl.Utf8, "value": pl.Utf8},
    "return_values": {"submission_id": pl.Int64, "rocu_code": pl.Utf8, "period": pl.Utf8, "metric_id": pl.Utf8,
                      "force_code": pl.Utf8, "value": pl.Float64, "local_label": pl.Utf8, "raw_value": pl.Utf8,
                      "source_sheet": pl.Utf8, "source_row": pl.Int64, "source_column": pl.Utf8},
    "unmapped_labels": {"submission_id": pl.Int64, "rocu_code": pl.Utf8, "period": pl.Utf8, "local_label": pl.Utf8,
                        "raw_value": pl.Utf8, "source_sheet": pl.Utf8, "source_row": pl.Int64,
                        "source_column": pl.Utf8},
}


def _typed(rows: list[dict] | pl.DataFrame, table: str) -> pl.DataFrame:
    schema = SCHEMAS[table]
    frame = rows if isinstance(rows, pl.DataFrame) else pl.DataFrame(rows, schema=schema)
    return frame.select([pl.col(c).cast(t) if c in frame.columns else pl.lit(None, t).alias(c)
                         for c, t in schema.items()])


def _stored(zone_root: Path, table: str, kind: str, submission_ids: list[int]) -> pl.DataFrame:
    """The standardised values (or unmapped labels) saved with each loaded submission."""
    frames = [_typed(pl.read_parquet(p), table) for i in submission_ids
              if (p := zone_root / "standardised" / f"{i}.{kind}.parquet").exists()]
    return pl.concat(frames) if frames else _typed([], table)


@multi_asset(
    specs=[AssetSpec(AssetKey(["raw", t]), group_name="ingest", kinds={"duckdb"}) for t in TABLES],
    description="Submission registry, problems and standardised values of accepted returns",
)
def raw_returns(context: AssetExecutionContext, landing: LandingResource, warehouse: WarehouseResource):
    zone = landing.zone()
    subs = zone.registry.submissions()
    submissions = pl.DataFrame([asdict(s) for s in subs], infer_schema_length=None)
    problems = _typed(zone.registry.problems(), "submission_problems")
    loaded = [s.submission_id for s in subs if s.state in LOADED_STATES]
    frames = {
        "submissions": submissions,
        "submission_problems": problems,
        "return_values": _stored(zone.root, "return_values", "values", loaded),
        "unmapped_labels": _stored(zone.root, "unmapped_labels", "unmapped", loaded),
    }
    for table, frame in frames.items():
        rows = replace_table(Path(warehouse.path), table, frame)
        context.log.info(f"raw.{table}: {rows} rows")
        yield MaterializeResult(asset_key=AssetKey(["raw", table]), metadata={"rows": rows})
