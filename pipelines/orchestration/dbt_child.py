"""dbt kept imported, with its parse of the project, in the refresh worker's dbt process.

A `dbt build` process costs about 5 s before and after its models and tests, whatever it builds:
Python imports dbt (1.4 s), reads and checks its parse of the project (1.5 s), and writes the whole
manifest twice (1.2 s). The refresh worker lives for as long as the servers do and its runs go one
at a time, so it keeps one process of dbt (this module, `python -m pipelines.orchestration.dbt_child`,
started by pipelines/orchestration/kept_dbt.py) with dbt imported and the project parsed, and asks
it for each run's build: dbt's programmatic entry point (`dbtRunner`) given the kept parse.

That process is not the worker's own: dbt's Python (about 30 ms a node, over a hundred nodes a
refresh) and Dagster's recording of each node's result (about 0.8 s a refresh) then run on two
cores rather than taking turns on one interpreter lock.

The parse is made again when any file of the project or the seeds changed, came or went since
(each run looks), or for another warehouse. dbt's flags, event callbacks, adapters and DuckDB
database are the process's, so it runs one dbt at a time, and closes the warehouse when dbt returns.

Messages (pickled, over the socket the worker passes): the worker sends ("parse", warehouse,
run_folder, parse_cache, nice) or ("build", args, warehouse, run_folder, parse_cache); for a build this
process answers ("result", event) for each node as dbt finishes it and ("error", message) for each
error dbt reports, then ("done", succeeded, exception or None) for either.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

from pipelines.orchestration.dbt_cli import dbt_global_flags, keep_parse, start_from_kept_parse
from pipelines.orchestration.manifest import dbt_vars, project_signature

log = logging.getLogger(__name__)

# What dbt fires when a node has finished; the rest of its events are progress, printed and dropped.
RESULT_EVENTS = frozenset({"LogSeedResult", "LogModelResult", "LogSnapshotResult", "LogTestResult"})
_ONE_DBT = threading.Lock()  # dbt's state is the process's: one invocation at a time


class ParseFailed(Exception):
    """dbt could not parse the project; the message is dbt's."""


class LoadedDbt:
    """dbt invoked in this process with a parse kept between runs, one run at a time."""

    def __init__(self, project_dir: Path, seeds_dir: Path, target: str | None = None):
        self.project_dir, self.seeds_dir, self.target = project_dir, seeds_dir, target
        self._manifest = None
        self._parsed_for: tuple[Path, str] | None = None  # the warehouse, and the project's signature then

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
            raise ParseFailed(f"dbt could not parse the project: {parsed.exception or 'see the log above'}")
        keep_parse(run_folder, parse_cache, self.project_dir)
        self._manifest, self._parsed_for = parsed.result, (warehouse, signature)
        return self._manifest

    def build(self, args: list[str], warehouse: Path, run_folder: Path, parse_cache: Path,
              on_result: Callable[[dict], None], on_error: Callable[[str], None]) -> tuple[bool, str | None]:
        """Run `dbt build` with `args` (the run's selection among them), handing each node's result to
        `on_result` as dbt fires it and each error dbt reports to `on_error` (both on dbt's threads).
        Returns whether it succeeded and dbt's exception, if any; the run folder gets run_results.json."""
        from dbt.cli.main import dbtRunner
        from dbt_common.events.functions import msg_to_dict

        manifest = uncompiled(self.manifest(warehouse, run_folder, parse_cache))

        def on_event(event) -> None:
            if event.info.name in RESULT_EVENTS:
                on_result(msg_to_dict(event))
            elif event.info.level == "error":
                on_error(event.info.msg)

        with _ONE_DBT:
            try:
                result = dbtRunner(manifest=manifest, callbacks=[on_event]).invoke(
                    [*dbt_global_flags(), "--no-write-json", "build", *args, *self._where(run_folder),
                     *(["--target", self.target] if self.target else [])])
            finally:
                release_warehouse()
        if result.result is not None and hasattr(result.result, "write"):
            result.result.write(str(run_folder / "run_results.json"))  # where a failure is looked into
        return result.success, str(result.exception) if result.exception else None

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
    and, invoked in process, leaves it open when dbt returns; no other process could write the file
    (the worker's next steps: the publish, the next raw load) until this one ended. The adapter itself
    closes it this way when a connection with other credentials replaces it. A failure to close is
    logged, not raised: the build's own outcome is what the step reports."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        env, DuckDBConnectionManager._ENV = DuckDBConnectionManager._ENV, None
        if env is not None:
            try:
                env.close()
            except Exception:  # noqa: BLE001
                log.exception("could not close dbt-duckdb's database after dbt returned")


def _parse(dbt: LoadedDbt, warehouse: Path, run_folder: Path, parse_cache: Path, nice: int) -> None:
    """`dbt.manifest`, on a thread of its own at `nice` (on Linux a thread's priority is its own): the
    worker's parse at start yields the cores to the servers starting beside it."""
    failed: list[BaseException] = []

    def parse() -> None:
        if nice and sys.platform == "linux":
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
        try:
            dbt.manifest(warehouse, run_folder, parse_cache)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            failed.append(exc)

    thread = threading.Thread(target=parse, name="dbt-parse")
    thread.start()
    thread.join()
    if failed:
        raise failed[0]


def serve(channel: Connection, dbt: LoadedDbt) -> None:
    """Answer the worker's requests until it closes the channel."""
    sending = threading.Lock()  # dbt's threads hand results over at once

    def send(message: tuple) -> None:
        with sending:
            channel.send(message)

    while True:
        try:
            kind, *request = channel.recv()
        except EOFError:
            return
        try:
            if kind == "parse":
                _parse(dbt, *request)
                send(("done", True, None))
            elif kind == "build":
                send(("done", *dbt.build(*request, on_result=lambda r: send(("result", r)),
                                         on_error=lambda m: send(("error", m)))))
            else:
                send(("done", False, f"unknown request {kind!r}"))
        except Exception as exc:  # noqa: BLE001 - the worker's step fails with it; this process goes on
            send(("done", False, str(exc) if isinstance(exc, ParseFailed) else f"{type(exc).__name__}: {exc}"))


def _end_with(parent: int) -> None:
    """End this process when the worker has gone, even mid-build (a killed worker closes no channel)."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def main() -> None:
    channel_fd, parent, project_dir, seeds_dir, target = sys.argv[1:6]
    # Ctrl+C reaches the whole process group: end at once, as dbt's own process would. The warehouse
    # stays consistent (DuckDB's write-ahead log); the worker's next run rebuilds what was left.
    for stop in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop, lambda *_: os._exit(130))
    threading.Thread(target=_end_with, args=(int(parent),), daemon=True, name="watch-worker").start()
    serve(Connection(int(channel_fd)), LoadedDbt(Path(project_dir), Path(seeds_dir), target or None))


if __name__ == "__main__":
    main()
