"""The intake worker: one long-lived process that keeps Great Expectations loaded for every verdict.

Importing Great Expectations and building its suites is most of a cold verdict (about 6.5 CPU s
of 7 on the demo's returns). `make demo` starts this worker beside Dagster and the dashboards;
the command line, the Upload page and the inbox then send it the frames they have already read
and get the same problems back in a fraction of a second. Only parsed frames cross over: the
hostile file itself is still read by the caller's own isolated reader, never here.

Without a worker (a test, a fresh checkout, a worker that died), `validate` checks in the
caller's own process, as before: the worker is a speed-up, never a dependency.

The socket and its key: pipelines/local_service.py.

    python -m pipelines.intake.check.worker     # serve the var folder ROCU_VAR_DIR names
"""

from __future__ import annotations

import io
import threading
from pathlib import Path

import polars as pl

from pipelines import local_service
from pipelines.intake.check.expectations import WARMED_SUITES, check_here, prepare
from pipelines.intake.check.worker_client import NAME
from pipelines.settings import Paths


def serve(var: Path) -> None:
    """Warm Great Expectations, then answer verdicts until SIGINT or SIGTERM (one check at a time:
    the GX context is not shared between threads)."""
    for name in WARMED_SUITES:
        prepare(name)  # before the socket exists: a caller never waits on the worker's own warm-up
    checking = threading.Lock()

    def answer(request: tuple) -> tuple:
        if request[0] != "validate":
            return ("error", f"unknown request {request[0]!r}")
        _, name, ipc, file = request
        with checking:
            return ("ok", check_here(name, pl.read_ipc(io.BytesIO(ipc)), file))

    local_service.serve(var, NAME, answer, f"Intake worker ready for {var} (Great Expectations loaded).")


if __name__ == "__main__":
    serve(Paths.from_env().var)
