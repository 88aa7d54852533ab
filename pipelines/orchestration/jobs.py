"""The jobs: build everything, refresh returns, and take in what waits in the inbox.

DuckDB has one writer at a time: every step of a warehouse job runs in one process, one
after another (and dagster.yaml limits the queue to one run at a time).
"""

from dagster import (AssetKey, AssetSelection, OpExecutionContext, define_asset_job, in_process_executor, job,
                     op)

from pipelines.intake.api import take_in_inbox
from pipelines.orchestration.assets.nocc_queries import raw_nocc_queries
from pipelines.orchestration.assets.raw_config import raw_config
from pipelines.orchestration.assets.raw_returns import raw_returns
from pipelines.orchestration.resources import LandingResource

build_warehouse = define_asset_job(
    "build_warehouse", selection=AssetSelection.all(), executor_def=in_process_executor,
    description="Load every raw table, build and test the warehouse with dbt, publish the read-only copy")
refresh_returns = define_asset_job(
    "refresh_returns",
    selection=AssetSelection.assets(raw_returns, raw_config, raw_nocc_queries).downstream() - AssetSelection.keys(
        *[AssetKey(["raw", t]) for t in ("disruptions", "ocg_register", "capacity", "tasking_meetings",
                                         "gateway_requests", "operations")]),
    executor_def=in_process_executor,
    description="Reload returns (all, or one unit's month), the configuration and the NOCC's queries, rebuild the "
                "warehouse and publish")


@op(description="Submit each file waiting in inbox/<UNIT>/ (checks, verdict, moved aside), each exactly once")
def take_in_inbox_files(context: OpExecutionContext, landing: LandingResource) -> int:
    taken = take_in_inbox(landing.zone())
    context.log.info(f"{taken} inbox files taken in")
    return taken


@job(name="take_in_inbox", executor_def=in_process_executor,
     description="Take in the files dropped in the inbox; their verdicts then ask for refresh_returns runs")
def take_in_inbox_job():
    take_in_inbox_files()
