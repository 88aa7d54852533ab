"""The refresh worker: Dagster kept loaded, so a verdict's refresh starts the moment it is asked for.

A new Dagster run process spends about 16 s before any work (Python and Dagster start, the code
location loads, dagster-dbt starts), and a sensor adds up to its 30 s interval before that.
`make demo` starts this worker beside the servers; it also keeps a process of dbt with dbt imported
and the project parsed, and asks it for each run's build (pipelines/orchestration/kept_dbt.py: about
5 s less a run than a `dbt build` process). Verdicts, sign-offs, a person's query actions and
configuration changes ring it (pipelines/refresh_request.py) and it executes `refresh_returns` in its own process against
the persistent Dagster instance ($DAGSTER_HOME, the one the UI reads), so every refresh is still
a Dagster run with its events, asset materialisations and checks (written through
pipelines/orchestration/event_log.py, which keeps the event files open).

A run rebuilds only what lies downstream of what changed: a monthly return's verdict or sign-off
reloads the monthly returns tables, a resources return its own two, a NOCC query action the
queries (5 of the 67 models), a unit's answer to a query on its return the answers (2). The
configuration, or anything unnamed, rebuilds everything, and so does the run after a failed one
(whatever that run left half done is then rebuilt).

Runs go one at a time. A run still loading its raw tables takes in a request that arrives and that
loading again covers (a sign-off landing during its verdict's run: the same unit-month), and loads
again from the landing zone, which holds what the request was rung for: the figure is published
by that run, without a second run's start (at most two a run). A run leaves what it has not yet done
to the next when a request waiting covers it and was not taken in (a wider one; or one that came
after the load, or after two were taken in): its raw load if the request was there as it began, the
rest of it if it came part way (asked before each table), else its dbt build and publish. A run that
took a request in and then fails has failed for it too, as that request's own run would have: the
next run, asked for by the next change, rebuilds everything.
Requests that arrive during a run wait and are merged into the next: one unit-month reloads that
month only; several (or a request for everything) reload every return, which costs the same single
dbt build. While the worker answers, the sensors leave refreshes to it (they would otherwise ask
for the same runs again).

Each request is in the requests log before it rings (pipelines/refresh_request.py); the worker marks
the ones a run covered as served when the run succeeds (the run after a failed one, which rebuilds
everything, serves the failed run's too; a run leaving work to the one covering it is served with
that one). Starting, and whenever it has been idle for LOG_READ_SECONDS, it takes up what is unserved
since the last whole run it did not start itself (a build, or a sensor's refresh of every return,
which covered all asked before it): a ring lost on its way or while it was down, requests waiting
when it stopped, a failed run's once it starts again (not in a loop while it runs).

    python -m pipelines.orchestration.refresh_worker     # DAGSTER_HOME and ROCU_VAR_DIR as for dagster dev
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass, field

from datetime import UTC, datetime

from dagster import AssetKey, AssetSelection, DagsterInstance, DagsterRunStatus, Definitions, RunsFilter

from pipelines import local_service
from pipelines.orchestration.dbt_cli import WORKER_TARGET
from pipelines.orchestration.definitions import build_definitions
from pipelines.orchestration.event_log import persistent_instance
from pipelines.orchestration.jobs import rebuilt_everything, refresh_returns
from pipelines.orchestration.kept_dbt import KeptDbt
from pipelines.orchestration.resources import Supersession
from pipelines.refresh_request import (ANSWERS, EVERYTHING, NAME, QUERIES, RESOURCES, RETURNS, STARTED_BY,
                                      mark_served, unserved)
from pipelines.settings import DBT_PROJECT_DIR, Paths

ALL_RETURNS = ("", "")  # the slice that reloads every return
# The raw tables each kind of change reloads; the run is what lies downstream of them.
RELOADS = {
    RETURNS: ("submissions", "approvals", "submission_problems", "return_values", "unmapped_labels",
              "return_comments", "query_answers"),
    RESOURCES: ("resource_submissions", "resource_values"),
    QUERIES: ("nocc_queries", "nocc_query_events"),
    ANSWERS: ("query_answers",),
}
# The changes whose tables a run of one unit-month reloads for that unit-month only (raw_returns): a
# request for one of them is for its unit-month (or every return), and covers only a run of that slice.
SLICED = (RETURNS, ANSWERS, EVERYTHING)
RECENT_RUNS = 50  # read back for the last run the worker did not start
LOG_READ_SECONDS = 30  # idle this long, the worker reads the requests log for any whose ring was lost


@dataclass
class Waiting:
    """Refresh requests waiting for the next run, merged."""

    slices: set[tuple[str, str]] = field(default_factory=set)
    changes: set[str] = field(default_factory=set)
    reasons: list[str] = field(default_factory=list)
    running: tuple[tuple[str, str], set[str]] | None = None  # the slice and changes of the run taken last
    joined: list[str] = field(default_factory=list)  # why the requests that run took in were made
    changed: threading.Condition = field(default_factory=threading.Condition)
    ids: set[int] = field(default_factory=set)  # the requests waiting, by their id in the requests log
    in_the_run: set[int] = field(default_factory=set)  # ... and the ones the run taken last took or took in
    left_to_next: bool = False  # the run taken last left some of its work to the next (covered by it)

    def add(self, unit: str, month: str, why: str, change: str = EVERYTHING, request_id: int = 0) -> None:
        with self.changed:
            if request_id and request_id in self.ids | self.in_the_run:
                return  # rung, and found in the log at start too
            if change in SLICED:
                self.slices.add((unit, month) if unit and month else ALL_RETURNS)
            self.changes.add(change)
            self.reasons.append(why)
            self.ids.add(request_id)
            self.changed.notify()

    def _slice(self) -> tuple[str, str]:
        return next(iter(self.slices)) if len(self.slices) == 1 else ALL_RETURNS

    def take(self, everything: bool = False,
             timeout: float | None = None) -> tuple[tuple[str, str], set[str], list[str]] | None:
        """Block until something waits (None after `timeout` s with nothing); then the one slice of
        returns that covers it all, what changed, and why (with `everything`, all of it: the run after
        a failed one)."""
        with self.changed:
            if not self.changed.wait_for(lambda: bool(self.changes), timeout):
                return None
            only, changes, reasons = self._slice(), self.changes, self.reasons
            if everything:
                only, changes = ALL_RETURNS, changes | {EVERYTHING}
            self.slices, self.changes, self.reasons = set(), set(), []
            self.running, self.joined, self.in_the_run, self.ids = (only, changes), [], self.ids, set()
            self.left_to_next = False
            return only, changes, reasons

    def covering_the_run(self) -> str | None:
        """`covering` for the run the last `take` started (noted: that run then leaves work to the next)."""
        why = self.covering(*self.running[0], self.running[1]) if self.running else None
        self.left_to_next = self.left_to_next or why is not None
        return why

    def covering(self, unit: str, month: str, changes: set[str]) -> str | None:
        """Why the next run was asked for, when it will rebuild all a run for (`unit`, `month`,
        `changes`) would: the same changes or more, and the same returns or all of them."""
        with self.changed:
            if not self.changes:
                return None
            wider = EVERYTHING in self.changes or (EVERYTHING not in changes and changes <= self.changes)
            returns_too = not changes & set(SLICED) or self._slice() in (ALL_RETURNS, (unit, month))
            return "; ".join(self.reasons) if wider and returns_too else None

    def join_the_run(self, loading: set[str]) -> str | None:
        """Take every waiting request into the run the last `take` started, when the raw tables it is
        `loading` are all the waiting requests would reload (for returns, of its month or of every
        return), so that loading them again does all their runs would; then why they were made.
        Otherwise None, and they wait for the next run."""
        with self.changed:
            if not self.running or not self.changes:
                return None
            if not all(change in RELOADS and set(RELOADS[change]) <= loading for change in self.changes):
                return None  # e.g. the configuration, or a NOCC query's tables, loaded by other assets
            if self.slices and self.running[0] != ALL_RETURNS and self.slices != {self.running[0]}:
                return None
            reasons = self.reasons
            self.slices, self.changes, self.reasons = set(), set(), []
            self.joined += reasons
            self.in_the_run, self.ids = self.in_the_run | self.ids, set()
            return "; ".join(reasons)


def assets_to_refresh(defs: Definitions, changes: set[str]) -> list[AssetKey] | None:
    """The assets of `refresh_returns` downstream of what changed (None: all of them)."""
    if EVERYTHING in changes or not changes <= RELOADS.keys():
        return None
    raw = [AssetKey(["raw", table]) for change in changes for table in RELOADS[change]]
    selection = AssetSelection.assets(*raw).downstream() & refresh_returns.selection
    return sorted(selection.resolve(defs.resolve_asset_graph()))


def refresh(defs: Definitions, instance: DagsterInstance, unit: str, month: str, reasons: list[str],
            changes: set[str] | frozenset[str] = frozenset({EVERYTHING})) -> bool:
    """One `refresh_returns` run, in this process, recorded in `instance`. True when it succeeded."""
    job = defs.resolve_job_def("refresh_returns")
    result = job.execute_in_process(
        asset_selection=assets_to_refresh(defs, set(changes)),
        # Every event is in the instance (the UI shows them); the worker's log gets what each step
        # did and anything that went wrong, not ~600 DEBUG lines (~240 KB) per run for as long as it lives.
        run_config={"ops": {"raw_returns": {"config": {"unit": unit, "month": month}}},
                    "loggers": {"console": {"config": {"log_level": "INFO"}}}},
        instance=instance,
        tags={"rocu/trigger": ", ".join(sorted(set(reasons)))[:200], "rocu/unit": unit or "all",
              "rocu/month": month or "all", "rocu/started_by": STARTED_BY,
              "rocu/changed": ", ".join(sorted(changes))},
        raise_on_error=False,
    )
    return result.success


def covered_before(instance: DagsterInstance) -> str | None:
    """When the last successful whole run the worker did not start began (UTC ISO): a build, or a
    sensor's refresh of every return, which covered every request asked before it ("" when runs were
    made here but none succeeded: nothing is covered). None when no run was ever made here: what is
    there was built some other way, as the sensors take it on their first evaluation."""
    records = [record for job in ("build_warehouse", "refresh_returns")
               for record in instance.get_run_records(RunsFilter(job_name=job), limit=RECENT_RUNS)]
    if not records:
        return None
    succeeded = [r for r in records if r.dagster_run.status == DagsterRunStatus.SUCCESS and r.start_time]
    if not succeeded:
        return ""
    # A sensor's run of one unit-month covered that month only, a re-execution of some steps none of the
    # loads; the worker's own runs are marked in the log.
    whole = [r.start_time for r in succeeded if r.dagster_run.tags.get("rocu/started_by") != STARTED_BY
             and rebuilt_everything(r.dagster_run)]
    # None among the recent runs: what came before the oldest of them was covered.
    start = max(whole) if whole else min(r.start_time for r in succeeded)
    return datetime.fromtimestamp(start, UTC).isoformat(timespec="microseconds")


def take_up_unserved(waiting: Waiting, paths: Paths, instance: DagsterInstance, leave: set[int] = frozenset()) -> int:
    """Queue the requests in the log no run has served (see the module's note), but those in `leave`
    (a failed run's: the next request's run does them all); how many. The log unreadable, none."""
    try:
        since = covered_before(instance)
        backlog = [r for r in unserved(paths.var, since) if r.request_id not in leave] if since is not None else []
    except Exception as error:  # noqa: BLE001 - the log or Dagster's run storage busy: read again when idle
        print(f"the refresh requests log could not be read against the runs ({error})", flush=True)
        return 0
    for request in backlog:
        waiting.add(request.unit, request.month, f"{request.why} (asked {request.asked_at[:19]}, not yet served)",
                    request.changed, request.request_id)
    return len(backlog)


def serve(paths: Paths) -> None:
    waiting = Waiting()
    dbt = KeptDbt(DBT_PROJECT_DIR, target=WORKER_TARGET)
    defs = build_definitions(paths, Supersession(waiting.covering_the_run, waiting.join_the_run), dbt)
    # the runs appear in the UI beside the daemon's; their ~1,000 events a run without an fsync each
    instance = persistent_instance(paths.dagster_home)

    def parse_project() -> None:
        """Parse the project now rather than in the first verdict's run, at a priority that yields the
        cores to the servers starting beside it."""
        try:
            dbt.parse(paths.warehouse, paths.var / "dbt_runs" / "refresh-worker-start", paths.var / "dbt_parse",
                      nice=10)
        except Exception as exc:  # noqa: BLE001 - the first run parses again and fails with dbt's message
            print(f"dbt could not parse the project at start ({exc}); the first run will try again", flush=True)

    parsing = threading.Thread(target=parse_project, daemon=True, name="dbt-parse")
    listening = threading.Event()

    def run_forever() -> None:
        listening.wait()  # a ring from now on is answered: what the log holds now is all that could be lost
        if taken_up := take_up_unserved(waiting, paths, instance):
            print(f"{taken_up} refresh request(s) not served before this worker started: refreshing", flush=True)
        parsing.join()  # one dbt at a time: a request at start waits for the parse it needs anyway
        ok, unserved_ids = True, set()
        while True:
            # after a failed run everything: it may have left anything half rebuilt
            if (taken := waiting.take(everything=not ok, timeout=LOG_READ_SECONDS)) is None:
                take_up_unserved(waiting, paths, instance, leave=unserved_ids)  # a ring lost on its way
                continue
            (unit, month), changes, reasons = taken
            try:
                ok = refresh(defs, instance, unit, month, reasons, changes)
            except Exception as error:  # noqa: BLE001 - e.g. Dagster's storage: this thread must go on serving
                print(f"refresh could not run ({type(error).__name__}: {error})", flush=True)
                ok = False
            # A failed run's requests are served by the next, which does all; a covered run's by the
            # run that covers it.
            unserved_ids |= waiting.in_the_run
            if ok and not waiting.left_to_next:
                try:
                    mark_served(paths.var, unserved_ids)
                    unserved_ids = set()
                except (OSError, sqlite3.Error) as error:  # marked with the next run's
                    print(f"the refresh requests log could not be written ({error})", flush=True)
            print(f"refresh {unit or 'all'} {month or ''} ({'; '.join(reasons + waiting.joined)}): "
                  f"{'done' if ok else 'FAILED, see the run in the Dagster UI'}", flush=True)

    def answer(request: tuple) -> tuple:
        if request[0] != "refresh":
            return ("error", f"unknown request {request[0]!r}")
        _, unit, month, why, *rest = request  # an earlier release's caller may send no change or no id
        change = rest[0] if rest else EVERYTHING
        request_id = rest[1] if len(rest) > 1 else 0
        waiting.add(str(unit), str(month), str(why), str(change), int(request_id or 0))
        return ("ok", "queued")

    parsing.start()
    threading.Thread(target=run_forever, daemon=True, name="refresh-runs").start()
    local_service.serve(paths.var, NAME, answer, f"Refresh worker ready for {paths.var} (Dagster loaded).",
                        listening=listening.set)


if __name__ == "__main__":
    serve(Paths.from_env())
