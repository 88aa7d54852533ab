"""Every rule id the intake's code can raise is listed in expectations/rules.yml, with its severity.

The rules file is the one home of each rule's severity (issue 11, issue 14 item 1). These tests
read the intake's source, so a new `Problem(severity_of("new_rule"), "new_rule", ...)` or
`UnreadableFile(..., rule="new_rule")` that nobody listed fails here, before a verdict ever
carries an id that no catalogue explains.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

from pipelines.intake.check.rules import RULES_FILE, rules, severity_of
from pipelines.settings import PROJECT_ROOT as ROOT

INTAKE = ROOT / "pipelines" / "intake"


def _strings(node: ast.AST):
    """The string constants an argument can evaluate to (`a or "b"`, `"a" if x else "b"`)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            yield from _strings(value)
    elif isinstance(node, ast.IfExp):
        yield from _strings(node.body)
        yield from _strings(node.orelse)


def rule_ids_in_code(folder: Path = INTAKE) -> dict[str, str]:
    """Each rule id written in the intake's code, with one place it is written.

    A rule id is a string given as `rule`: the second argument of `Problem`, the `rule`
    parameter of any function or exception of the same module (by position or keyword), a
    `rule=` keyword anywhere, and a `rule` parameter's default.
    """
    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text())
        position = {"Problem": 1}
        for fn in ast.walk(tree):
            if isinstance(fn, ast.FunctionDef):
                names = [a.arg for a in fn.args.args]
                if "rule" in names:
                    index = names.index("rule")
                    position[fn.name] = index - (1 if names[0] == "self" else 0)
                    defaults = fn.args.defaults
                    offset = len(names) - len(defaults)
                    if index >= offset:
                        for value in _strings(defaults[index - offset]):
                            found.setdefault(value, f"{path.name}:{fn.lineno}")
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call):
                continue
            name = call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", None)
            arguments = [k.value for k in call.keywords if k.arg == "rule"]
            if name in position and len(call.args) > position[name]:
                arguments.append(call.args[position[name]])
            for argument in arguments:
                for value in _strings(argument):
                    found.setdefault(value, f"{path.name}:{call.lineno}")
    return found


def listed_rule_ids() -> set[str]:
    spec = rules()
    return set(spec["checks"]) | {r["rule"] for listed in spec["suites"].values() for r in listed}


def test_the_scan_finds_rule_ids_written_every_way_the_code_writes_them(tmp_path):
    """The scanner itself: positional, keyword, helper, default and `or` forms are all found."""
    (tmp_path / "sample.py").write_text(
        "class Unreadable(Exception):\n"
        "    def __init__(self, message, rule='by_default'):\n"
        "        self.rule = rule\n"
        "def _problem(file, grid, rule, message):\n"
        "    return Problem(severity_of(rule), rule, message, file)\n"
        "def check(exc):\n"
        "    Problem(severity_of('positional'), 'positional', 'm', 'f')\n"
        "    _problem('f', None, 'through_helper', 'm')\n"
        "    raise Unreadable('m', rule='as_keyword')\n"
        "    Problem('error', exc.rule or 'after_or', 'm', 'f')\n")
    assert set(rule_ids_in_code(tmp_path)) == {"by_default", "positional", "through_helper", "as_keyword",
                                              "after_or"}


def test_every_rule_id_the_intake_can_raise_is_listed_in_the_rules_file():
    used = rule_ids_in_code()
    assert len(used) > 30, "the scan found too few rule ids: it no longer reads the code's way of writing them"
    unlisted = {rule: where for rule, where in used.items() if rule not in listed_rule_ids()}
    assert not unlisted, f"rule ids raised in code but not listed in {RULES_FILE.name}: {unlisted}"


def test_every_check_in_the_rules_file_is_raised_by_the_code():
    """No stale entry: a rule listed under `checks` that no code raises would mislead a reader."""
    stale = set(rules()["checks"]) - set(rule_ids_in_code())
    assert not stale, f"{RULES_FILE.name} lists checks no code raises: {sorted(stale)}"


def test_no_code_writes_a_severity_for_a_rule_of_its_own():
    """The severity comes from the rules file (severity_of), never a literal beside the rule id."""
    literal = []
    for path in sorted(INTAKE.rglob("*.py")):
        for call in ast.walk(ast.parse(path.read_text())):
            if (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "Problem"
                    and call.args and isinstance(call.args[0], ast.Constant)):
                literal.append(f"{path.relative_to(ROOT)}:{call.lineno}")
    assert not literal, f"Problem built with a literal severity (use severity_of): {literal}"


def test_a_blocking_rule_cannot_be_relaxed_in_the_rules_file(tmp_path, monkeypatch):
    spec = yaml.safe_load(RULES_FILE.read_text())
    spec["checks"]["header_not_found"]["severity"] = "query"
    (tmp_path / "rules.yml").write_text(yaml.safe_dump(spec))
    monkeypatch.setattr("pipelines.intake.check.rules.RULES_FILE", tmp_path / "rules.yml")
    rules.cache_clear()
    try:
        with pytest.raises(ValueError, match="header_not_found is blocking"):
            severity_of("header_not_found")
    finally:
        monkeypatch.undo()
        rules.cache_clear()
    assert severity_of("header_not_found") == "error"
