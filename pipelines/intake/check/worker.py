"""The intake worker: one long-lived process that keeps Great Expectations loaded for every verdict.

Importing Great Expectations and building its suites is most of a cold verdict (about 6.5 CPU s
of 7 on the demo's returns). `make demo` starts this worker beside Dagster and the dashboards;
the command line, the Upload page and the inbox then send it the frames they have already read
and get the same problems back in a fraction of a second. Only parsed frames cross over: the
hostile file itself is still read by the caller's own isolated reader, never here.

Without a worker (a test, a fresh checkout, a worker that died), `validate` checks in the
caller's own process, as before: the worker is a speed-up, never a dependency.

The socket lives in the temporary folder under a name derived from the var folder (a Unix
socket path must be short); a key that only the var folder's owner can read authenticates
each connection (multiprocessing.connection's HMAC challenge), so only processes that can read
the var folder can ask.

    python -m pipelines.intake.check.worker     # serve the var folder ROCU_VAR_DIR names
"""

from __future__ import annotations

import io
import os
import secrets
import signal
import sys
import threading
from multiprocessing.connection import AuthenticationError, Listener
from pathlib import Path

import polars as pl

from pipelines.intake.check.expectations import WARMED_SUITES, check_here, prepare
from pipelines.intake.check.worker_client import KEY_FILE, socket_path
from pipelines.settings import Paths


def serve(var: Path) -> None:
    """Warm Great Expectations, then answer verdicts until SIGINT or SIGTERM (one check at a time:
    the GX context is not shared between threads)."""
    for name in WARMED_SUITES:
        prepare(name)  # before the socket exists: a caller never waits on the worker's own warm-up
    var.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    key_file = var / KEY_FILE
    partial = key_file.with_suffix(f".{os.getpid()}")
    partial.touch(mode=0o600)
    partial.write_bytes(key)
    os.replace(partial, key_file)
    address = socket_path(var)
    address.unlink(missing_ok=True)  # a socket left by a worker that was killed
    listener = Listener(str(address), family="AF_UNIX", authkey=key)
    os.chmod(address, 0o600)
    checking = threading.Lock()

    def answer(conn) -> None:
        with conn:
            try:
                request = conn.recv()
                if request[0] == "ping":
                    conn.send(("ok", "pong"))
                elif request[0] == "validate":
                    _, name, ipc, file = request
                    with checking:
                        problems = check_here(name, pl.read_ipc(io.BytesIO(ipc)), file)
                    conn.send(("ok", problems))
                else:
                    conn.send(("error", f"unknown request {request[0]!r}"))
            except Exception as error:  # noqa: BLE001 - the caller checks again in its own process
                try:
                    conn.send(("error", f"{type(error).__name__}: {error}"))
                except OSError:
                    pass

    def stop(*_) -> None:
        listener.close()
        address.unlink(missing_ok=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"Intake worker ready for {var} (Great Expectations loaded).", flush=True)
    while True:
        try:
            conn = listener.accept()
        except AuthenticationError:
            continue  # a caller without the key is refused; the worker goes on
        except OSError:
            break
        threading.Thread(target=answer, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    serve(Paths.from_env().var)
