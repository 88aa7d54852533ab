"""Asking the intake worker (pipelines/intake/check/worker.py) for a verdict's problems.

The caller's side only: where the worker for a var folder listens, whether it answers, and the
problems it gives for a frame. Nothing here imports Great Expectations; when no worker answers,
the caller checks in its own process (expectations.validate).
"""

from __future__ import annotations

import hashlib
import io
import tempfile
from multiprocessing.connection import AuthenticationError, Client
from pathlib import Path

import polars as pl

from pipelines.intake.types import Problem
from pipelines.settings import Paths

ANSWER_SECONDS = 120.0  # a verdict the worker has not answered by then is made in the caller's process
KEY_FILE = "intake-worker.key"


def socket_path(var: Path) -> Path:
    """Where the worker for `var` listens (short enough for a Unix socket, one per var folder)."""
    digest = hashlib.sha256(str(var.resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"rocu-intake-{digest}.sock"


def _key_path(var: Path) -> Path:
    return var / KEY_FILE


def is_running(var: Path | None = None) -> bool:
    """True when a worker for `var` (default: this process's var folder) answers a ping."""
    return _ask(("ping",), var, timeout=5.0) == ("ok", "pong")


def ask_worker(name: str, frame: pl.DataFrame, file: str | None) -> list[Problem] | None:
    """The worker's problems for `frame` against suite `name`, or None when there is no worker to
    ask (or it did not answer in time): the caller then checks in its own process."""
    var = Paths.from_env().var
    if not socket_path(var).exists():
        return None  # no worker: not worth serialising the frame (every check without one comes here)
    buffer = io.BytesIO()
    frame.write_ipc(buffer)
    answer = _ask(("validate", name, buffer.getvalue(), file), var, timeout=ANSWER_SECONDS)
    if answer is None or answer[0] != "ok":
        return None  # an error in the worker is raised again, in words, by the caller's own check
    return answer[1]


def _ask(request: tuple, var: Path | None, timeout: float) -> tuple | None:
    var = var or Paths.from_env().var
    address = socket_path(var)
    if not address.exists():
        return None
    try:
        key = _key_path(var).read_bytes()
        with Client(str(address), family="AF_UNIX", authkey=key) as conn:
            conn.send(request)
            if not conn.poll(timeout):
                return None
            return conn.recv()
    except (OSError, EOFError, AuthenticationError):
        return None  # no worker behind a stale socket, a key rotated by a restart: check here
