"""The refresh worker: Dagster kept loaded, so a verdict's refresh starts the moment it is asked for.

A new Dagster run process spends about 16 s before any work (Python and Dagster start, the code
location loads, dagster-dbt starts), and a sensor adds up to its 30 s interval before that.
`make demo` starts this worker beside the servers; verdicts, sign-offs, a person's query actions and
configuration changes ring it (pipelines/refresh_request.py) and it executes `refresh_returns` in its own process against
the persistent Dagster instance ($DAGSTER_HOME, the one the UI reads), so every refresh is still
a Dagster run with its events, asset materialisations and checks (written through
pipelines/orchestration/event_log.py, which keeps the event files open).

Runs go one at a time. Requests that arrive during a run wait and are merged into the next:
one unit-month reloads that month only; several (or a request for everything) reload every
return, which costs the same single dbt build. While the worker answers, the sensors leave
refreshes to it (they would otherwise ask for the same runs again).

    python -m pipelines.orchestration.refresh_worker     # DAGSTER_HOME and ROCU_VAR_DIR as for dagster dev
"""

from __future__ import annotations

import os
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

from dagster import DagsterInstance, Definitions

from pipelines import local_service
from pipelines.orchestration.definitions import build_definitions
from pipelines.orchestration.event_log import kept_open_instance
from pipelines.refresh_request import NAME
from pipelines.settings import Paths

EVERYTHING = ("", "")


@dataclass
class Waiting:
    """Refresh requests waiting for the next run, merged."""

    slices: set[tuple[str, str]] = field(default_factory=set)
    reasons: list[str] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def add(self, unit: str, month: str, why: str) -> None:
        with self.changed:
            self.slices.add((unit, month) if unit and month else EVERYTHING)
            self.reasons.append(why)
            self.changed.notify()

    def take(self) -> tuple[tuple[str, str], list[str]]:
        """Block until something waits; then the one slice that covers it all, and why."""
        with self.changed:
            self.changed.wait_for(lambda: bool(self.slices))
            only = next(iter(self.slices)) if len(self.slices) == 1 else EVERYTHING
            reasons, self.slices, self.reasons = self.reasons, set(), []
            return only, reasons


def refresh(defs: Definitions, instance: DagsterInstance, unit: str, month: str, reasons: list[str]) -> bool:
    """One `refresh_returns` run, in this process, recorded in `instance`. True when it succeeded."""
    job = defs.get_job_def("refresh_returns")
    result = job.execute_in_process(
        # Every event is in the instance (the UI shows them); the worker's log gets what each step
        # did and anything that went wrong, not ~600 DEBUG lines (~240 KB) per run for as long as it lives.
        run_config={"ops": {"raw_returns": {"config": {"unit": unit, "month": month}}},
                    "loggers": {"console": {"config": {"log_level": "INFO"}}}},
        instance=instance,
        tags={"rocu/trigger": ", ".join(sorted(set(reasons)))[:200], "rocu/unit": unit or "all",
              "rocu/month": month or "all", "rocu/started_by": "refresh_worker"},
        raise_on_error=False,
    )
    return result.success


def serve(paths: Paths) -> None:
    defs = build_definitions(paths)
    # $DAGSTER_HOME (make demo's var/dagster_home): the runs appear in the UI beside the daemon's
    os.environ.setdefault("DAGSTER_HOME", str(paths.dagster_home))
    home = Path(os.environ["DAGSTER_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():  # telemetry off and one run at a time, as make demo's home has
        shutil.copyfile(Path(__file__).with_name("dagster.yaml"), home / "dagster.yaml")
    instance = kept_open_instance(home)  # its ~1,000 events a run written without an fsync each
    waiting = Waiting()

    def run_forever() -> None:
        while True:
            (unit, month), reasons = waiting.take()
            ok = refresh(defs, instance, unit, month, reasons)
            print(f"refresh {unit or 'all'} {month or ''} ({'; '.join(reasons)}): "
                  f"{'done' if ok else 'FAILED, see the run in the Dagster UI'}", flush=True)

    def answer(request: tuple) -> tuple:
        if request[0] != "refresh":
            return ("error", f"unknown request {request[0]!r}")
        _, unit, month, why = request
        waiting.add(str(unit), str(month), str(why))
        return ("ok", "queued")

    threading.Thread(target=run_forever, daemon=True, name="refresh-runs").start()
    local_service.serve(paths.var, NAME, answer, f"Refresh worker ready for {paths.var} (Dagster loaded).")


if __name__ == "__main__":
    serve(Paths.from_env())
