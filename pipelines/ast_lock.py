"""One thread at a time in CPython 3.11's AST constructor.

On 3.11 the converter from the parser's tree to Python `ast` objects keeps its recursion depth
in state shared by every thread. When two threads build an AST at once (a Streamlit page being
compiled while Great Expectations imports on the warm-up thread, or two people's verdicts whose
row conditions go through pandas' `query`), one of them can fail with "SystemError: AST
constructor recursion depth mismatch" (CPython gh-106905, mended in 3.12).

Every AST is built by the builtin `compile` with the PyCF_ONLY_AST flag: `ast.parse` calls it,
and so do libraries directly (anyio's lazy imports, mako) or through a `parse` bound before we
could wrap it (jinja2). Compiling an AST object (Streamlit compiles each page's tree after
adding its magic) converts it back through the same shared depth. So `compile` itself takes a process-wide
lock for both kinds of call, and holds the garbage collector off meanwhile (a finaliser run
mid-parse may parse on the same thread). Python code that calls `compile` inherits its own
`from __future__` flags unless it says `dont_inherit`; the wrapper passes the caller's flags
on, so nothing compiles differently.
"""

import __future__
import ast
import builtins
import functools
import gc
import sys
import threading

_LOCK = threading.RLock()  # re-entrant: code run inside a compile (an audit hook, say) may compile too
# The flags `compile` inherits from its caller: every `from __future__` feature's, except the two
# that are always on (nested_scopes' is an ordinary code-object flag, not a compiler one).
_FUTURE_FLAGS = functools.reduce(lambda a, b: a | b, (getattr(__future__, name).compiler_flag
                                                      for name in __future__.all_feature_names
                                                      if name not in ("nested_scopes", "generators")))


def make_ast_parse_thread_safe() -> None:
    """Wrap the builtin `compile` so AST-building calls take a process-wide lock (once; nothing to
    do from Python 3.12)."""
    if sys.version_info >= (3, 12) or getattr(builtins.compile, "serialised", False):
        return
    unlocked = builtins.compile

    @functools.wraps(unlocked)
    def compile(source, filename, mode, flags=0, dont_inherit=False, optimize=-1, **kwargs):  # noqa: A001
        if not dont_inherit:  # as the builtin would: the calling code's own future flags
            flags |= sys._getframe(1).f_code.co_flags & _FUTURE_FLAGS
        # Building an AST (ast2obj) and compiling one (obj2ast) both keep their depth in that shared state.
        if flags & ast.PyCF_ONLY_AST or isinstance(source, ast.AST):
            with _LOCK:
                # No collection while converting: a finaliser it ran could parse on this same thread
                # (a logged error's traceback parses its source lines for the carets) and reset the
                # depth under us; the lock cannot stop that, it is the same thread.
                collecting = gc.isenabled()
                gc.disable()
                try:
                    return unlocked(source, filename, mode, flags, True, optimize, **kwargs)
                finally:
                    if collecting:
                        gc.enable()
        return unlocked(source, filename, mode, flags, True, optimize, **kwargs)

    compile.serialised = True
    builtins.compile = compile
