"""The jobs: build everything, refresh returns, and take in what waits in the inbox.

DuckDB has one writer at a time: every step of a warehouse job runs in one process, one
after another (and dagster.yaml limits the queue to one run at a time).
"""

from dagster import (AssetKey, AssetSelection, DagsterRun, OpExecutionContext, define_asset_job, in_process_executor,
                     job, op)

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


def returns_slice(run: DagsterRun) -> tuple[str, str]:
    """The unit and month a run of these jobs reloaded returns for (empty: every return)."""
    config = (run.run_config or {}).get("ops", {}).get("raw_returns", {}).get("config", {})
    return config.get("unit", ""), config.get("month", "")


def rebuilt_everything(run: DagsterRun) -> bool:
    """True for a run that reloaded every return and rebuilt all downstream: `build_warehouse` or
    `refresh_returns`, every asset of it (not a subset, not a re-execution of a failed run's steps),
    and no unit-month slice. Its success covers every change made before it started."""
    return (run.job_name in (build_warehouse.name, refresh_returns.name) and not run.asset_selection
            and not run.parent_run_id and returns_slice(run) == ("", ""))


@op(description="Submit each file waiting in inbox/<UNIT>/ (checks, verdict, moved aside), each exactly once")
def take_in_inbox_files(context: OpExecutionContext, landing: LandingResource) -> int:
    taken = take_in_inbox(landing.zone())
    context.log.info(f"{taken} inbox files taken in")
    return taken


@job(name="take_in_inbox", executor_def=in_process_executor,
     description="Take in the files dropped in the inbox; their verdicts then ask for refresh_returns runs")
def take_in_inbox_job():
    take_in_inbox_files()
