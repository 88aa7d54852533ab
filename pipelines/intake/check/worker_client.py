"""Asking the intake worker (pipelines/intake/check/worker.py) for a verdict's problems.

The caller's side only: whether the worker for this var folder answers, and the problems it
gives for a frame. Nothing here imports Great Expectations; when no worker answers, the caller
checks in its own process (expectations.validate). The socket and key: pipelines/local_service.py.
"""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl

from pipelines import local_service
from pipelines.intake.types import Problem
from pipelines.settings import Paths

ANSWER_SECONDS = 120.0  # a verdict the worker has not answered by then is made in the caller's process
NAME = "intake"


def socket_path(var: Path) -> Path:
    return local_service.socket_path(var, NAME)


def key_path(var: Path) -> Path:
    return local_service.key_path(var, NAME)


def is_running(var: Path | None = None) -> bool:
    """True when a worker for `var` (default: this process's var folder) answers a ping."""
    return local_service.is_running(var or Paths.from_env().var, NAME)


def ask_worker(name: str, frame: pl.DataFrame, file: str | None) -> list[Problem] | None:
    """The worker's problems for `frame` against suite `name`, or None when there is no worker to
    ask (or it did not answer in time): the caller then checks in its own process."""
    var = Paths.from_env().var
    if not socket_path(var).exists():
        return None  # no worker: not worth serialising the frame (every check without one comes here)
    buffer = io.BytesIO()
    frame.write_ipc(buffer)
    answer = local_service.ask(var, NAME, ("validate", name, buffer.getvalue(), file), timeout=ANSWER_SECONDS)
    if answer is None or answer[0] != "ok":
        return None  # an error in the worker is raised again, in words, by the caller's own check
    return answer[1]
