"""The long-lived workers' doorbell: a Unix socket per var folder, and a key only its owner can read.

`make demo` runs two workers beside the servers: the intake worker (Great Expectations kept
loaded for every verdict) and the refresh worker (Dagster kept loaded, so a verdict's refresh
starts at once). Both listen the same way, here:

- the socket lives in the temporary folder under a name derived from the var folder (a Unix
  socket path must be short), 0600;
- each connection is authenticated with a key in the var folder that only its owner can read
  (multiprocessing.connection's HMAC challenge), so only processes that can read the var folder
  can ask; a caller with the wrong key is refused and the worker goes on;
- a caller that finds no worker (none started, a stale socket, a rotated key, no answer in
  time) gets None and does the work itself: a worker is a speed-up, never a dependency.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import signal
import sys
import tempfile
import threading
from collections.abc import Callable
from multiprocessing.connection import AuthenticationError, Client, Listener
from pathlib import Path


def socket_path(var: Path, name: str) -> Path:
    """Where worker `name` for `var` listens (short enough for a Unix socket, one per var folder)."""
    digest = hashlib.sha256(str(var.resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"rocu-{name}-{digest}.sock"


def key_path(var: Path, name: str) -> Path:
    return var / f"{name}-worker.key"


def ask(var: Path, name: str, request: tuple, timeout: float) -> tuple | None:
    """Worker `name`'s answer to `request`, or None when no worker answers within `timeout` s."""
    address = socket_path(var, name)
    if not address.exists():
        return None
    try:
        key = key_path(var, name).read_bytes()
        with Client(str(address), family="AF_UNIX", authkey=key) as conn:
            conn.send(request)
            if not conn.poll(timeout):
                return None
            return conn.recv()
    except (OSError, EOFError, AuthenticationError):
        return None  # no worker behind a stale socket, a key rotated by a restart


def is_running(var: Path, name: str) -> bool:
    """True when worker `name` for `var` answers a ping."""
    return ask(var, name, ("ping",), timeout=5.0) == ("ok", "pong")


def serve(var: Path, name: str, answer: Callable[[tuple], tuple], ready: str,
          listening: Callable[[], None] | None = None) -> None:
    """Answer requests with `answer` (each connection on its own thread; `answer` serialises what
    must not run at once) until SIGINT or SIGTERM. A ping is answered here. `listening` is called
    once callers can connect (what they send from then on is answered, in turn)."""
    var.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    key_file = key_path(var, name)
    partial = key_file.with_suffix(f".{os.getpid()}")
    partial.touch(mode=0o600)
    partial.write_bytes(key)
    os.replace(partial, key_file)
    address = socket_path(var, name)
    address.unlink(missing_ok=True)  # a socket left by a worker that was killed
    listener = Listener(str(address), family="AF_UNIX", authkey=key)
    os.chmod(address, 0o600)
    if listening:
        listening()

    def reply(conn) -> None:
        with conn:
            try:
                request = conn.recv()
                conn.send(("ok", "pong") if request[0] == "ping" else answer(request))
            except Exception as error:  # noqa: BLE001 - the caller does the work itself
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
    print(ready, flush=True)
    while True:
        try:
            conn = listener.accept()
        except AuthenticationError:
            continue  # a caller without the key is refused; the worker goes on
        except OSError:
            break
        threading.Thread(target=reply, args=(conn,), daemon=True).start()
