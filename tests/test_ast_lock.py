"""Two threads building an AST at once must not fail (CPython 3.11's gh-106905).

The Upload page warms Great Expectations on a background thread while Streamlit compiles
pages on others, and both parse source; on 3.11 that raised "SystemError: AST constructor
recursion depth mismatch" in CI. Importing `pipelines` serialises every AST-building `compile`
(`ast.parse` and libraries that call `compile(..., ast.PyCF_ONLY_AST)` themselves). Each race
runs in a fresh interpreter, because the wrap is global."""

from __future__ import annotations

import subprocess
import sys

import pytest

RACE = r"""
import ast, gc, sys, threading, time
{setup}
sys.setswitchinterval(1e-6)
gc.set_threshold(50, 1, 1)  # collect often, so finalisers run (and threads switch) mid-parse
source = "x = " + "(" * 40 + "1" + ")" * 40 + "\n" + "def f():\n    return [a for a in range(3) if a]\n" * 50
class Junk:
    def __del__(self):
        {on_collect}
errors = []
def parse_often():
    for _ in range(300):
        junk = Junk(); junk.me = junk
        try:
            {parse}
        except SystemError as error:
            errors.append(str(error))
            return
threads = [threading.Thread(target=parse_often) for _ in range(4)]
[t.start() for t in threads]
[t.join() for t in threads]
print(len(errors))
"""


PARSES = {"ast.parse": "ast.parse(source)",
          "compile with PyCF_ONLY_AST (as anyio and mako call it)": "compile(source, '<s>', 'exec', ast.PyCF_ONLY_AST)"}


def failures(setup: str, parse: str, on_collect: str = "time.sleep(0)") -> int:
    run = subprocess.run([sys.executable, "-c", RACE.format(setup=setup, parse=parse, on_collect=on_collect)],
                         capture_output=True, text=True, timeout=300, check=True)
    return int(run.stdout.split()[-1])


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="the race was mended in CPython 3.12")
@pytest.mark.parametrize("parse", list(PARSES.values()), ids=list(PARSES))
def test_parsing_on_several_threads_at_once_never_fails_once_pipelines_is_imported(parse):
    if failures("", parse) == 0:
        pytest.skip("this interpreter did not show the race, so its absence below would prove nothing")
    assert failures("import pipelines", parse) == 0


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="the race was mended in CPython 3.12")
def test_a_finaliser_that_parses_in_the_middle_of_a_parse_on_the_same_thread_breaks_nothing():
    """CI's stop-15 gate: a Streamlit page's parse failed while the collector ran a finaliser on the
    same thread that logged an error; 3.11's traceback parses source lines for its carets. A lock
    cannot stop its own thread, so the collector is held off while an AST is converted."""
    parse_in_finaliser = "ast.parse('f(a[1] + b)')"
    if failures("", "ast.parse(source)", parse_in_finaliser) == 0:
        pytest.skip("this interpreter did not show the race, so its absence below would prove nothing")
    assert failures("import pipelines", "ast.parse(source)", parse_in_finaliser) == 0


def test_the_wrapped_compile_compiles_as_the_builtin_would():
    """Same AST, same code; the caller's own `from __future__` flags still inherited (this module has
    `annotations`, so a compiled annotation stays a string), and `dont_inherit` still honoured."""
    import ast
    import builtins

    import pipelines  # noqa: F401

    assert builtins.compile.serialised and builtins.compile.__name__ == "compile"
    tree = ast.parse("x = 1", filename="f.py", mode="exec", type_comments=True)
    assert isinstance(tree.body[0], ast.Assign)
    namespace: dict = {}
    exec(compile("def f(x: int) -> int: return x", "<s>", "exec"), namespace)
    assert namespace["f"].__annotations__ == {"x": "int", "return": "int"}  # inherited: postponed
    exec(compile("def g(x: int): return x", "<s>", "exec", dont_inherit=True), namespace)
    assert namespace["g"].__annotations__ == {"x": int}  # not inherited: evaluated
    assert eval(compile("1 + 2", "<s>", "eval", optimize=2)) == 3
