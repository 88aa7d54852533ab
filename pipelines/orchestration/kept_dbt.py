"""dbt kept loaded for the refresh worker's runs, in a process of its own (pipelines/orchestration/dbt_child.py).

The worker's runs are Dagster runs of the same assets with the same events as any other: each run
selects its dbt nodes as dagster-dbt would (`get_subset_selection_for_context`), and each node's
result, handed over by the dbt process as dbt fires it, becomes dagster-dbt's own
`DbtCoreCliEventMessage` and so the same `Output`s and asset check results a `dbt build` process's
JSON lines would have given. dbt's lines still reach the worker's log (the dbt process writes to
the worker's output), and the run folder gets its `run_results.json`; only the manifest is not
written again (the project's own is `make manifest`'s).

Its builds use the profile's `target` when given one (the worker's: DuckDB on one core a query, see
profiles.yml), its parses the profile's default, whose kept parse every dbt process shares.

One build at a time: a step stopped half way waits for its build to finish before the next can
start one. The dbt process is started on first use and again after it ended (a crash fails that
run's step, naming it); it ends with the worker. A process that runs one job and ends (the
daemon's runs) keeps using the `dbt build` process: it would pay the parse either way.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, Failure

from pipelines.settings import SEEDS_DIR

CHILD_MODULE = "pipelines.orchestration.dbt_child"


class KeptDbt:
    """dbt kept loaded in a process of its own, with its parse, for the refresh worker's runs. Made
    without a project (as everywhere else), it is off and runs use `dbt build`."""

    def __init__(self, project_dir: Path | None = None, seeds_dir: Path = SEEDS_DIR, target: str | None = None):
        self.project_dir, self.seeds_dir, self.target = project_dir, seeds_dir, target
        self._process: subprocess.Popen | None = None
        self._channel: Connection | None = None
        self._one_at_a_time = threading.Lock()

    @property
    def on(self) -> bool:
        return self.project_dir is not None

    def parse(self, warehouse: Path, run_folder: Path, parse_cache: Path, nice: int = 0) -> None:
        """Have the dbt process parse the project for runs against `warehouse` now (at `nice`), rather
        than in the first run; raises Failure with dbt's message when it cannot."""
        for kind, *said in self._ask(("parse", warehouse, run_folder, parse_cache, nice)):
            if kind == "done" and not said[0]:
                raise Failure(description=said[1])

    def build(self, context: AssetExecutionContext, args: list[str], warehouse: Path, run_folder: Path,
              parse_cache: Path) -> Iterator[Any]:
        """Run `dbt build` with `args` for the nodes of the run's selection; yield the Dagster events of
        each node's result as it finishes. Fails the step when any node failed, with dbt's errors."""
        from dagster_dbt.asset_utils import (DAGSTER_DBT_EXCLUDE_METADATA_KEY, DAGSTER_DBT_SELECT_METADATA_KEY,
                                             DAGSTER_DBT_SELECTOR_METADATA_KEY,
                                             get_manifest_and_translator_from_dbt_assets,
                                             get_subset_selection_for_context)
        from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage

        manifest_json, translator, project = get_manifest_and_translator_from_dbt_assets([context.assets_def])
        tags = context.op.tags
        selection, indirect = get_subset_selection_for_context(
            context, manifest_json, tags.get(DAGSTER_DBT_SELECT_METADATA_KEY), tags.get(DAGSTER_DBT_EXCLUDE_METADATA_KEY),
            tags.get(DAGSTER_DBT_SELECTOR_METADATA_KEY), translator, None)
        args = [*args, *(["--indirect-selection", indirect] if indirect else []), *by_roots(selection, manifest_json)]
        failed, errors, outcome = [], [], (False, "the dbt process gave no outcome")
        for kind, *said in self._ask(("build", args, warehouse, run_folder, parse_cache)):
            if kind == "result":
                event = DbtCoreCliEventMessage(raw_event=said[0], event_history_metadata={})
                if said[0]["data"].get("status", "").lower() in ("error", "fail"):
                    failed.append(str(event))
                yield from event.to_default_asset_events(manifest=manifest_json, dagster_dbt_translator=translator,
                                                         context=context, target_path=run_folder, project=project)
            elif kind == "error":
                errors.append(said[0])
            else:
                outcome = tuple(said)
        succeeded, exception = outcome
        if not succeeded:
            said = [*failed, *dict.fromkeys(errors), *([exception] if exception else [])]
            raise Failure(description="dbt build failed:\n" + ("\n".join(said) or "no error was reported"))

    def _ask(self, request: tuple) -> Iterator[tuple]:
        """Send `request` to the dbt process and yield its answers up to its ("done", ...). Left early
        (a step stopped half way), it still reads them to the end: never two builds at once, and the
        next request never reads this one's answers."""
        with self._one_at_a_time:
            channel = self._started()
            done = False
            try:
                channel.send(request)
                while not done:
                    answer = self._receive(channel)
                    done = answer[0] == "done"
                    yield answer
            finally:
                while not done and self._channel is not None:  # none once the process has ended
                    done = self._receive(channel)[0] == "done"

    def _receive(self, channel: Connection) -> tuple:
        try:
            return channel.recv()
        except (EOFError, OSError) as exc:
            code = self._stop()
            raise Failure(description=f"the dbt process ended during the run (exit code {code}); "
                                      "the next run starts a new one") from exc

    def _started(self) -> Connection:
        if self._process is not None and self._process.poll() is None:
            return self._channel
        self._stop()
        ours, theirs = socket.socketpair()
        with theirs:
            self._process = subprocess.Popen(
                [sys.executable, "-m", CHILD_MODULE, str(theirs.fileno()), str(os.getpid()), str(self.project_dir),
                 str(self.seeds_dir), self.target or ""], pass_fds=[theirs.fileno()])
        self._channel = Connection(ours.detach())
        return self._channel

    def _stop(self) -> int | None:
        """End the dbt process (if any); its exit code."""
        process, self._process = self._process, None
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        if process is None:
            return None
        if process.poll() is None:
            process.terminate()
        return process.wait()

    def close(self) -> None:
        with self._one_at_a_time:
            self._stop()


def by_roots(selection: list[str], manifest_json: dict) -> list[str]:
    """The same nodes as dagster-dbt's `--select` of a run's models, named by the models they start from.

    For a run of some of the assets dagster-dbt names every model it builds (a returns refresh: 48).
    dbt compares each name with every node of the project, in Python, before it builds anything: 0.5 s
    of a refresh. A refresh builds what lies downstream of the raw tables it reloads, so the same set
    is its first models and everything after them (`name+`: 7 names). It is used only when it is the
    same set: when every model after a selected model is selected too. The tests are then the same
    as well, as dbt selects a test with any of its models (eager indirect selection) and `+` selects
    the tests after a model. Anything else is left as dagster-dbt gave it."""
    if len(selection) != 2 or selection[0] != "--select":
        return selection
    built = ("model", "seed", "snapshot")
    nodes = {uid: node for uid, node in manifest_json["nodes"].items() if node["resource_type"] in built}
    by_name = {".".join(node["fqn"]): uid for uid, node in nodes.items()}
    names = selection[1].split()
    if not names or any(name not in by_name for name in names):
        return selection
    chosen = {by_name[name] for name in names}
    children = manifest_json["child_map"]
    downstream, todo = set(), list(chosen)
    while todo:
        for child in children.get(todo.pop(), []):
            if child in nodes and child not in downstream:
                downstream.add(child)
                todo.append(child)
    if not downstream <= chosen:
        return selection
    roots = sorted(chosen - downstream)
    return ["--select", " ".join(f"{'.'.join(nodes[uid]['fqn'])}+" for uid in roots)]
