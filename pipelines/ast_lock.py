"""One thread at a time in `ast.parse`, for CPython 3.11's AST constructor.

On 3.11 the converter from the parser's tree to Python `ast` objects keeps its recursion
depth in state shared by every thread. When two threads parse at once (a Streamlit page
being compiled while Great Expectations imports on the warm-up thread, or two people's
verdicts whose row conditions go through pandas' `query`), one of them can fail with
"SystemError: AST constructor recursion depth mismatch" (CPython gh-106905, mended in
3.12). Every caller we have (Streamlit's magic, `inspect.signature`, pandas' `eval`)
goes through `ast.parse`, so serialising that one function is enough.
"""

from __future__ import annotations

import ast
import functools
import sys
import threading

_LOCK = threading.RLock()  # re-entrant: a finaliser run by the collector mid-parse may parse too


def make_ast_parse_thread_safe() -> None:
    """Wrap `ast.parse` in a process-wide lock (once; nothing to do from Python 3.12)."""
    if sys.version_info >= (3, 12) or getattr(ast.parse, "serialised", False):
        return
    unlocked = ast.parse

    @functools.wraps(unlocked)
    def parse(*args, **kwargs):
        with _LOCK:
            return unlocked(*args, **kwargs)

    parse.serialised = True
    ast.parse = parse
