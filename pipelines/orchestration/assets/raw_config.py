"""The configuration as it now stands (seed overlaid by the store), loaded into the warehouse.

An admin's change goes to the configuration store (pipelines/config_store.py), not to the
tracked seed files. This asset writes each configurable table, as the intake reads it, to
raw.config_<table> (text, as stored) with the change that made each row, so dbt builds from
the same rows the intake checks against: staging/config casts them and the models read those.
"""

from pathlib import Path

import polars as pl
from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, multi_asset

from pipelines.config_store import TABLES, ConfigStore, Effective
from pipelines.orchestration.resources import WarehouseResource
from pipelines.orchestration.warehouse import replace_in, writing

ORIGIN = {"change_seq": pl.Int64, "changed_by": pl.String, "changed_at": pl.String}


def config_frame(effective: Effective) -> pl.DataFrame:
    """The effective rows as text columns, with the change that made each (empty for a seed row)."""
    columns = {c: [r[c] or None for r in effective.rows] for c in effective.fields}
    columns["change_seq"] = [o.seq if o else None for o in effective.origins]
    columns["changed_by"] = [o.actor if o else None for o in effective.origins]
    columns["changed_at"] = [o.at if o else None for o in effective.origins]
    return pl.DataFrame(columns, schema={**{c: pl.String for c in effective.fields}, **ORIGIN})


def config_key(table: str) -> AssetKey:
    return AssetKey(["raw", f"config_{table}"])


@multi_asset(
    specs=[AssetSpec(config_key(t), group_name="ingest", kinds={"duckdb"},
                     description=f"The {t} configuration as it now stands: seeds/{TABLES[t].seed} overlaid by "
                                 "the changes in the configuration store") for t in TABLES],
    description="Configuration changed by admins (configuration store over the shipped seeds)",
)
def raw_config(context: AssetExecutionContext, warehouse: WarehouseResource):
    store = ConfigStore.at(warehouse.paths())
    with writing(Path(warehouse.path)) as con:
        for table in TABLES:
            effective = store.effective(table)
            rows = replace_in(con, f"config_{table}", config_frame(effective))
            changed = sum(o is not None for o in effective.origins)
            context.log.info(f"raw.config_{table}: {rows} rows, {changed} from the configuration store")
            yield MaterializeResult(asset_key=config_key(table), metadata={"rows": rows, "changed_rows": changed})
