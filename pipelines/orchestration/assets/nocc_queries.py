"""The NOCC's queries on published figures, between the registry and the warehouse.

`raw_nocc_queries` loads the registry's two query tables (each query as raised, and the
history of its states) into raw.nocc_queries and raw.nocc_query_events, reloaded whole, so dbt
builds fct_queries from them. `reconciliation_queries`, downstream of fct_reconciliation, raises
a query for each disagreement above its threshold (needs_query) that has none yet: a rerun
raises nothing twice. Those queries reach the marts at the next build.
"""

from pathlib import Path

import polars as pl
from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, asset, multi_asset

from pipelines.intake.api import raise_from_reconciliation, registry_rows
from pipelines.orchestration.assets.warehouse_models import warehouse_models
from pipelines.orchestration.resources import LandingResource, WarehouseResource
from pipelines.orchestration.warehouse import connect, replace_in, writing

SCHEMAS = {
    "nocc_queries": {"query_id": pl.Int64, "rocu_code": pl.Utf8, "metric_id": pl.Utf8, "period_type": pl.Utf8,
                     "period": pl.Utf8, "value_seen": pl.Float64, "question": pl.Utf8, "origin": pl.Utf8,
                     "raised_by": pl.Utf8, "raised_at": pl.Utf8},
    "nocc_query_events": {"event_id": pl.Int64, "query_id": pl.Int64, "state": pl.Utf8, "actor": pl.Utf8,
                          "at": pl.Utf8, "text": pl.Utf8},
}
RECONCILIATION = next(k for k in warehouse_models.keys if k.path[-1] == "fct_reconciliation")
NEEDS_QUERY = """
select check_code, check_name, rocu_code, month, metric_id, reported_side, reference_side, reported_value,
       reference_value
from marts.fct_reconciliation
where needs_query
order by rocu_code, month, metric_id, check_code
"""


@multi_asset(
    specs=[AssetSpec(AssetKey(["raw", t]), group_name="ingest", kinds={"duckdb"}) for t in SCHEMAS],
    description="The NOCC's queries on published figures and the history of their states, from the registry",
)
def raw_nocc_queries(context: AssetExecutionContext, landing: LandingResource, warehouse: WarehouseResource):
    with writing(Path(warehouse.path)) as con:
        for table, rows in zip(SCHEMAS, registry_rows(landing.zone()), strict=True):
            count = replace_in(con, table, pl.DataFrame(rows, schema=SCHEMAS[table]))
            context.log.info(f"raw.{table}: {count} rows")
            yield MaterializeResult(asset_key=AssetKey(["raw", table]), metadata={"rows": count})


@asset(key=AssetKey(["reconciliation_queries"]), group_name="publish", deps=[RECONCILIATION],
       description="A query to the unit for each disagreement above its threshold (fct_reconciliation.needs_query) "
                   "that has none yet; idempotent")
def reconciliation_queries(context: AssetExecutionContext, landing: LandingResource,
                           warehouse: WarehouseResource) -> MaterializeResult:
    con = connect(Path(warehouse.path), read_only=True)
    try:
        rows = con.sql(NEEDS_QUERY).pl().to_dicts()
    finally:
        con.close()
    raised = raise_from_reconciliation(landing.zone(), rows)
    context.log.info(f"{len(rows)} disagreements need a query; {len(raised)} raised now, the rest already were")
    return MaterializeResult(metadata={"needing_a_query": len(rows), "raised_now": len(raised)})
