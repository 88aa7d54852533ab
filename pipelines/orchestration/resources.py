"""Configured resources handed to assets: where files land and where the warehouse is."""

from __future__ import annotations

import fcntl
from collections.abc import Callable, Generator
from contextlib import contextmanager
from pathlib import Path

from dagster import ConfigurableResource, InitResourceContext

from pipelines.intake.api import LandingZone
from pipelines.settings import Paths


class LandingResource(ConfigurableResource):
    """The landing zone (returns and their registry) and the folder extracts arrive in."""

    root: str
    extracts_dir: str

    def zone(self) -> LandingZone:
        return LandingZone(Path(self.root))


class WarehouseResource(ConfigurableResource):
    """The DuckDB file the pipeline builds and the published copy readers use.

    `var_dir` is the deployment's run-time folder (its audit trail goes into each
    published build); left empty, it is the folder that holds warehouse/rocu.duckdb.

    A run that uses the warehouse holds its writer lock from its first step to its last: DuckDB
    takes one writing process at a time, and runs come from more than one process (the refresh
    worker's in its own, the UI's and the sensors' through the daemon). A second run waits for
    the first to finish instead of failing on DuckDB's lock half way through its steps.
    """

    path: str
    published_path: str
    var_dir: str = ""

    def paths(self) -> Paths:
        return Paths(Path(self.var_dir) if self.var_dir else Path(self.path).parents[1])

    @contextmanager
    def yield_for_execution(self, context: InitResourceContext) -> Generator[WarehouseResource, None, None]:
        lock_file = writer_lock(Path(self.path))
        lock_file.parent.mkdir(parents=True, exist_ok=True)
        with lock_file.open("a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if context.log:
                    context.log.info("waiting for another run to finish with the warehouse")
                fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield self
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


class Supersession:
    """What a run in progress does about requests that arrived since it began.

    Only the refresh worker knows (its queue of requests); it hands each run its own. While a run is
    loading its raw tables, requests it covers join it: it takes them off the queue and loads again
    from the landing zone, which holds what they were rung for (a sign-off landing during its
    verdict's run is then loaded by that run, not by one started after it). A request that covers the
    run and was not taken in (a wider one; or one that came after the load, or after the most a run
    takes in) makes it leave what it has not done yet to that next run: its raw load, when
    the request was already waiting as it began, the rest of it when it came part way, or else its
    dbt build and publish. Anywhere else, never.
    """

    def __init__(self, newer_request: Callable[[], str | None] | None = None,
                 join_waiting: Callable[[set[str]], str | None] | None = None):
        self._newer_request = newer_request
        self._join_waiting = join_waiting

    def newer_request(self) -> str | None:
        """Why the waiting request was made, when one covers this run; otherwise None."""
        return self._newer_request() if self._newer_request else None

    def join_waiting(self, loading: set[str]) -> str | None:
        """Why the waiting requests were made, when the raw tables this run is `loading` cover all they
        would reload and the run has taken them; otherwise None."""
        return self._join_waiting(loading) if self._join_waiting else None


def writer_lock(warehouse: Path) -> Path:
    """The file a run locks while it writes `warehouse` (beside it, never inside what is published)."""
    return warehouse.with_name(warehouse.name + ".writer-lock")
