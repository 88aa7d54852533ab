"""An optional listener on the SQL that pages and papers send to the published copy.

The two read paths (dashboards/data.py for pages, pipelines/papers/data.py for papers)
pass each query here before running it. Nobody listens in a running server (the cost is a
loop over an empty list); tests/test_exposures.py listens while it renders every page and
paper, to check `_exposures.yml` against the marts they really read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

_listeners: list[Callable[[str], None]] = []


def sent(sql: str) -> None:
    """Tell the listeners, if any, that `sql` is about to be run against the published copy."""
    for listener in _listeners:
        listener(sql)


@contextmanager
def recording() -> Iterator[list[str]]:
    """Every query sent while the block runs, in order (pages run in AppTest's thread: one process)."""
    queries: list[str] = []
    listener = queries.append
    _listeners.append(listener)
    try:
        yield queries
    finally:
        _listeners.remove(listener)
