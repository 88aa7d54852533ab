"""dbt inside the refresh worker's own process, from a parse it keeps, for the worker's runs.

A `dbt build` process costs about 5 s before and after its models and tests, whatever it builds:
Python imports dbt (1.4 s), reads and checks its parse of the project (1.5 s), and writes the whole
manifest twice (1.2 s). The refresh worker lives for as long as the servers do and its runs go one
at a time, so it keeps dbt imported and the project parsed and invokes dbt in process (`dbtRunner`,
dbt's programmatic entry point, given the kept manifest) for each run: a unit-month's refresh builds
in about 7 s instead of 12.

Each run is still a Dagster run of the same assets with the same events: the run selects its dbt
nodes as dagster-dbt would (`get_subset_selection_for_context`), and each node's result, handed to
a callback as dbt fires it, becomes dagster-dbt's own `DbtCoreCliEventMessage` and so the same
`Output`s and asset check results a `dbt build` process's JSON lines would have given. dbt's lines
still reach the worker's log, and the run folder gets its `run_results.json`, as before; only the
manifest is not written again (the project's own is `make manifest`'s).

Its builds use the profile's `target` when given one (the worker's: DuckDB on one core a query, see
profiles.yml), its parses the profile's default, whose kept parse every dbt process shares.

The parse is made again when any file of the project or the seeds changed, came or went since
(each run looks), or for another warehouse. dbt's flags, event callbacks, adapters and DuckDB
database are the process's, so one dbt runs at a time: a step stopped half way waits for its dbt to
finish before the next can start one. A process that runs one job and ends (the daemon's runs)
keeps using the `dbt build` process: it would pay the parse either way.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, Failure

from pipelines.orchestration.dbt_cli import dbt_global_flags, keep_parse, start_from_kept_parse
from pipelines.orchestration.manifest import dbt_vars, project_signature
from pipelines.settings import SEEDS_DIR

log = logging.getLogger(__name__)

# What dbt fires when a node has finished; the rest of its events are progress, printed and dropped.
RESULT_EVENTS = frozenset({"LogSeedResult", "LogModelResult", "LogSnapshotResult", "LogTestResult"})
_DONE = object()  # put on the queue when dbt has returned
_ONE_DBT = threading.Lock()  # dbt's state is the process's: one invocation at a time


class InProcessDbt:
    """dbt invoked in this process with a parse kept between runs, one run at a time: the refresh
    worker's. Made without a project (as everywhere else), it is off and runs use `dbt build`."""

    def __init__(self, project_dir: Path | None = None, seeds_dir: Path = SEEDS_DIR, target: str | None = None):
        self.project_dir, self.seeds_dir, self.target = project_dir, seeds_dir, target
        self._manifest = None
        self._parsed_for: tuple[Path, str] | None = None  # the warehouse, and the project's signature then

    @property
    def on(self) -> bool:
        return self.project_dir is not None

    def manifest(self, warehouse: Path, run_folder: Path, parse_cache: Path):
        """The parse for runs against `warehouse`: the kept one, or a new one when the project changed.

        A new one starts from the last parse kept for this warehouse (`parse_cache`), or the project's
        own made for it, so dbt reads again only the files that changed."""
        from dbt.cli.main import dbtRunner

        signature = project_signature(self.project_dir, self.seeds_dir)
        if self._manifest is not None and self._parsed_for == (warehouse, signature):
            return self._manifest
        start_from_kept_parse(parse_cache, run_folder, warehouse, self.project_dir)
        with _ONE_DBT:
            try:
                parsed = dbtRunner().invoke([*dbt_global_flags(), "--quiet", "parse", *self._where(run_folder),
                                             *dbt_vars(warehouse)])
            finally:
                release_warehouse()
        if not parsed.success:
            raise Failure(description=f"dbt could not parse the project: {parsed.exception or 'see the log above'}")
        keep_parse(run_folder, parse_cache, self.project_dir)
        self._manifest, self._parsed_for = parsed.result, (warehouse, signature)
        return self._manifest

    def build(self, context: AssetExecutionContext, args: list[str], warehouse: Path, run_folder: Path,
              parse_cache: Path) -> Iterator[Any]:
        """Run `dbt build` with `args` for the nodes of the run's selection; yield the Dagster events of
        each node's result as it finishes. Fails the step when any node failed, with dbt's errors."""
        from dagster_dbt.asset_utils import (DAGSTER_DBT_EXCLUDE_METADATA_KEY, DAGSTER_DBT_SELECT_METADATA_KEY,
                                             DAGSTER_DBT_SELECTOR_METADATA_KEY,
                                             get_manifest_and_translator_from_dbt_assets,
                                             get_subset_selection_for_context)
        from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage
        from dbt.cli.main import dbtRunner
        from dbt_common.events.functions import msg_to_dict

        manifest = uncompiled(self.manifest(warehouse, run_folder, parse_cache))
        manifest_json, translator, project = get_manifest_and_translator_from_dbt_assets([context.assets_def])
        tags = context.op.tags
        selection, indirect = get_subset_selection_for_context(
            context, manifest_json, tags.get(DAGSTER_DBT_SELECT_METADATA_KEY), tags.get(DAGSTER_DBT_EXCLUDE_METADATA_KEY),
            tags.get(DAGSTER_DBT_SELECTOR_METADATA_KEY), translator, None)
        results: queue.SimpleQueue = queue.SimpleQueue()
        errors: list[str] = []  # what dbt said at error level: a model's database error, a compilation error

        def on_event(event) -> None:  # called on dbt's threads
            if event.info.name in RESULT_EVENTS:
                results.put(msg_to_dict(event))
            elif event.info.level == "error":
                errors.append(event.info.msg)

        outcome: list = []

        def invoke() -> None:
            try:
                with _ONE_DBT:
                    try:
                        outcome.append(dbtRunner(manifest=manifest, callbacks=[on_event]).invoke(
                            [*dbt_global_flags(), "--no-write-json", "build", *args, *self._where(run_folder),
                             *(["--target", self.target] if self.target else []),
                             *(["--indirect-selection", indirect] if indirect else []), *selection]))
                    finally:
                        release_warehouse()
            except Exception as exc:  # noqa: BLE001 - reported by the step below, never left hanging
                errors.append(f"{type(exc).__name__}: {exc}")
            finally:
                results.put(_DONE)

        dbt = threading.Thread(target=invoke, name="dbt-build", daemon=True)
        dbt.start()
        failed = []
        try:
            while (raw := results.get()) is not _DONE:
                event = DbtCoreCliEventMessage(raw_event=raw, event_history_metadata={})
                if raw["data"].get("status", "").lower() in ("error", "fail"):
                    failed.append(str(event))
                yield from event.to_default_asset_events(manifest=manifest_json, dagster_dbt_translator=translator,
                                                         context=context, target_path=run_folder, project=project)
        finally:
            dbt.join()  # a step stopped half way still waits for its dbt: never two at once
        [result] = outcome or [None]
        if result is not None and result.result is not None and hasattr(result.result, "write"):
            result.result.write(str(run_folder / "run_results.json"))  # where a failure is looked into
        if result is None or not result.success:
            said = [*failed, *dict.fromkeys(errors), *([str(result.exception)] if result and result.exception else [])]
            raise Failure(description="dbt build failed in process:\n" + ("\n".join(said) or "no error was reported"))

    def _where(self, run_folder: Path) -> list[str]:
        return ["--project-dir", str(self.project_dir), "--profiles-dir", str(self.project_dir),
                "--target-path", str(run_folder), "--log-path", str(run_folder)]


def uncompiled(manifest):
    """The kept parse made ready for another build. dbt compiles each node into the parse it is given,
    and a node it has marked as having its ephemeral models' SQL put in front is not given it again:
    its next compile would send SQL that names them without defining them. Copying the parse would
    cost 0.3-0.5 s a run; undoing those marks costs nothing."""
    for node in manifest.nodes.values():
        if getattr(node, "extra_ctes_injected", False):
            node.extra_ctes_injected, node.extra_ctes, node._pre_injected_sql = False, [], None
    return manifest


def release_warehouse() -> None:
    """Close the DuckDB database dbt-duckdb keeps open in this process after dbt returns.

    dbt-duckdb holds one database per process for its connections (`DuckDBConnectionManager._ENV`)
    and, invoked in process, leaves it open when dbt returns. The run's next steps open the same file
    themselves (the publish attaches it read-only), which DuckDB refuses while this process holds it
    otherwise configured, and no other process could write it until this one ended. The adapter
    itself closes it this way when a connection with other credentials replaces it. A failure to close
    is logged, not raised: the build's own outcome is what the step reports."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        env, DuckDBConnectionManager._ENV = DuckDBConnectionManager._ENV, None
        if env is not None:
            try:
                env.close()
            except Exception:  # noqa: BLE001
                log.exception("could not close dbt-duckdb's database after dbt returned")
