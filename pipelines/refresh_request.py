"""Asking for a warehouse refresh the moment something changes what the pages show.

A verdict, a sign-off, a person's query action and a configuration change each ring the refresh worker
(pipelines/orchestration/refresh_worker.py) as soon as they are recorded: the worker starts a
`refresh_returns` Dagster run at once, with no sensor's polling interval in the way. Ringing
never waits for the run and never fails the action that rang: with no worker running (a test,
`dagster dev` on its own) nothing answers, and the sensors ask for the same refresh on their
next tick instead (no sensor watches the configuration store: a change there then waits for the
next refresh or build).
"""

from __future__ import annotations

from pathlib import Path

from pipelines import local_service

NAME = "refresh"
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
    answer = local_service.ask(var, NAME, ("refresh", unit, month, why, changed), timeout=RING_SECONDS)
    return answer is not None and answer[0] == "ok"


def worker_running(var: Path) -> bool:
    """True while a refresh worker serves `var`: the sensors then leave refreshes to it."""
    return local_service.is_running(var, NAME)
