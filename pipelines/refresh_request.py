"""Asking for a warehouse refresh the moment something changes what the pages show.

A verdict, a sign-off, a person's query action and a configuration change each ring the refresh worker
(pipelines/orchestration/refresh_worker.py) as soon as they are recorded: the worker starts a
`refresh_returns` Dagster run at once, with no sensor's polling interval in the way. Ringing
never waits for the run and never fails the action that rang: with no worker running (a test,
`dagster dev` on its own) nothing answers, and the sensors ask for the same refresh on their
next tick instead (no sensor watches the configuration store: a change there then waits for the
next refresh or build).

Every request is first written to a log in the var folder (refresh-requests.sqlite), and the
worker marks each one served once a run that covered it has succeeded. A ring is a message to a
process, and messages are lost: one rung while the worker restarts, one waiting in its memory
when it stops, one whose run failed. A worker starting (and idle) takes up the requests still
unserved in the log, those asked since the last whole run it did not start itself, which covered
what came before (pipelines/orchestration/refresh_worker.py).
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pipelines import local_service

log = logging.getLogger(__name__)

NAME = "refresh"
STARTED_BY = "refresh_worker"  # the rocu/started_by tag of the worker's runs
RING_SECONDS = 5.0  # the worker only queues the request; it answers at once

# What a change touched: the run rebuilds only what lies downstream of it (the worker maps each
# to the raw tables it reloads). Anything else, or nothing said, rebuilds everything.
RETURNS = "returns"  # a monthly return's verdict or sign-off: one unit's month
RESOURCES = "resources"  # a quarterly resources return
QUERIES = "queries"  # a NOCC query raised, answered or closed
ANSWERS = "answers"  # a unit's answer to a query the intake raised on its return's figure
EVERYTHING = "everything"  # e.g. the configuration, which reaches most figures
CHANGES = (RETURNS, RESOURCES, QUERIES, ANSWERS, EVERYTHING)


def ask_for_refresh(var: Path, why: str, unit: str = "", month: str = "", changed: str = EVERYTHING) -> bool:
    """Ask the refresh worker for `var` to refresh what `changed` touched: for returns, one unit's
    month (or every return, when either is empty). True when a worker took the request."""
    if changed not in CHANGES:
        raise ValueError(f"unknown change {changed!r}; one of {', '.join(CHANGES)}")
    request_id = _logged(var, unit, month, why, changed)
    answer = local_service.ask(var, NAME, ("refresh", unit, month, why, changed, request_id), timeout=RING_SECONDS)
    return answer is not None and answer[0] == "ok"


@dataclass(frozen=True)
class Request:
    """One request for a refresh, as the log keeps it."""

    request_id: int
    unit: str
    month: str
    why: str
    changed: str
    asked_at: str  # UTC, ISO 8601 to the microsecond


LOG_SCHEMA = """
create table if not exists requests (
    request_id integer primary key autoincrement,
    unit text not null, month text not null, why text not null, changed text not null,
    asked_at text not null,
    served_at text                      -- when a run that covered it succeeded (set by the worker)
);
create index if not exists requests_unserved on requests (served_at, request_id);
"""


def _now() -> str:
    """UTC, ISO 8601 to the microsecond always (the form the worker compares run start times in)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def log_path(var: Path) -> Path:
    return var / "refresh-requests.sqlite"


def _connect(var: Path) -> sqlite3.Connection:
    con = sqlite3.connect(log_path(var), timeout=10, isolation_level=None)
    con.execute("pragma journal_mode=wal")
    con.executescript(LOG_SCHEMA)
    return con


def _logged(var: Path, unit: str, month: str, why: str, changed: str) -> int:
    """Write the request to the log; its id (0 when the log cannot be written: the ring still goes)."""
    try:
        var.mkdir(parents=True, exist_ok=True)
        con = _connect(var)
        try:
            return con.execute("insert into requests (unit, month, why, changed, asked_at) values (?,?,?,?,?)",
                               (unit, month, why, changed, _now())).lastrowid
        finally:
            con.close()
    except (OSError, sqlite3.Error) as error:
        log.warning("could not log the refresh request (%s): %s", why, error)
        return 0


def unserved(var: Path, asked_after: str | None) -> list[Request]:
    """Requests no run has served yet, asked after `asked_after` (UTC ISO; None for all), oldest first."""
    if not log_path(var).exists():
        return []
    con = _connect(var)
    try:
        rows = con.execute("select request_id, unit, month, why, changed, asked_at from requests"
                           " where served_at is null and asked_at > ? order by request_id",
                           (asked_after or "",)).fetchall()
    finally:
        con.close()
    return [Request(*row) for row in rows]


def mark_served(var: Path, request_ids: set[int]) -> None:
    """Record that a run which covered these requests has succeeded."""
    if not (ids := sorted(i for i in request_ids if i)):
        return
    con = _connect(var)
    try:
        con.execute(f"update requests set served_at=? where request_id in ({', '.join('?' * len(ids))})",
                    (_now(), *ids))
    finally:
        con.close()


def worker_running(var: Path) -> bool:
    """True while a refresh worker serves `var`: the sensors then leave refreshes to it."""
    return local_service.is_running(var, NAME)
