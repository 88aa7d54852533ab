"""Every intake rule is an error, a query or information: read from one source, expectations/rules.yml.

The Great Expectations suites (expectations/<suite>.json) keep their expectations (type and
arguments); the meta of each expectation (rule id, severity, message) is generated from
rules.yml by `make suites` (`python -m pipelines.intake.check.rules`), and a test checks the
committed suites match it. Rules found by the intake's own code take their severity from the
`checks` section through `severity_of`.
"""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path

import yaml

from pipelines.settings import EXPECTATIONS_DIR

RULES_FILE = EXPECTATIONS_DIR / "rules.yml"
SEVERITIES = ("error", "query", "information")


@cache
def rules() -> dict:
    """The parsed rules file, its severities checked (a typo must not silently relax a rule)."""
    spec = yaml.safe_load(RULES_FILE.read_text())
    entries = [(name, rule) for name, rule in spec["checks"].items()] + [
        (f"{suite}: {rule['rule']}", rule) for suite, listed in spec["suites"].items() for rule in listed]
    for name, rule in entries:
        if rule.get("severity") not in SEVERITIES:
            raise ValueError(f"{RULES_FILE.name}: rule {name} has severity {rule.get('severity')!r}, "
                             f"not one of {', '.join(SEVERITIES)}")
        if rule.get("blocking") and rule["severity"] != "error":
            raise ValueError(f"{RULES_FILE.name}: rule {name} is blocking (a file that breaks it cannot be read "
                             f"past it), so it must be an error, not {rule['severity']!r}")
    return spec


def severity_of(rule: str) -> str:
    """The severity of a rule the intake's code finds (rules.yml, section `checks`)."""
    return rules()["checks"][rule]["severity"]


def suite_with_rules(suite: dict) -> dict:
    """`suite` (a parsed expectations/<name>.json) with each expectation's meta from rules.yml."""
    listed = rules()["suites"].get(suite["name"])
    if listed is None or len(listed) != len(suite["expectations"]):
        raise ValueError(f"{RULES_FILE.name} lists {len(listed or [])} rules for suite {suite['name']}, which has "
                         f"{len(suite['expectations'])} expectations: one rule per expectation, in order")
    return {**suite, "expectations": [{**exp, "meta": dict(meta)}
                                      for exp, meta in zip(suite["expectations"], listed, strict=True)]}


def suite_text(suite: dict) -> str:
    """A suite as it is committed: two-space JSON, one newline at the end."""
    return json.dumps(suite, indent=2) + "\n"


def generated_suites(folder: Path = EXPECTATIONS_DIR) -> dict[Path, str]:
    """Each suite file in `folder` and the text it should hold, its meta from rules.yml."""
    return {path: suite_text(suite_with_rules(json.loads(path.read_text())))
            for path in sorted(folder.glob("*.json"))}


def main() -> int:
    """Write the rules into the suites; say which files changed."""
    for path, text in generated_suites().items():
        if path.read_text() != text:
            path.write_text(text)
            print(f"updated {path.relative_to(EXPECTATIONS_DIR.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
