"""The validation report saved with each submission: JSON for programs, HTML for people."""

from __future__ import annotations

import html
import json
from dataclasses import asdict
from pathlib import Path

from pipelines.intake.types import Problem, counts
from pipelines.intake.land.registry import Submission

VERDICT_WORDS = {
    "accepted": "Accepted",
    "accepted_with_queries_or_information":
        "Accepted with queries or information (answer each query before sign-off)",
    "rejected": "Rejected: fix the errors below and upload the file again",
    "superseded": "Accepted, since replaced by a later version",
    "failed": "Not checked: the check failed on our side, not because of the file. Nothing was loaded; "
              "send it again later",
}


def write_report(folder: Path, submission: Submission, problems: list[Problem]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    payload = {"submission": asdict(submission), "verdict": submission.state,
               "problems": [p.as_dict() for p in problems]}
    (folder / f"{submission.submission_id}.json").write_text(json.dumps(payload, indent=2))
    target = folder / f"{submission.submission_id}.html"
    target.write_text(render_html(submission, problems))
    return target


def render_html(submission: Submission, problems: list[Problem]) -> str:
    e = html.escape
    rows = "".join(
        "<tr>" + "".join(f"<td>{e('' if v is None else str(v))}</td>" for v in
                         (p.severity, p.sheet, p.row, p.column, p.value, p.rule, p.message)) + "</tr>"
        for p in problems
    )
    table = (
        "<table><caption>Problems found</caption><thead><tr>"
        + "".join(f'<th scope="col">{h}</th>' for h in
                  ("Severity", "Sheet", "Row", "Column", "Value found", "Rule", "What to do"))
        + f"</tr></thead><tbody>{rows}</tbody></table>"
        if problems else "<p>No problems were found.</p>"
    )
    s = submission
    return f"""<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Validation report: {e(s.original_name)}</title>
<style>body{{font-family:sans-serif;max-width:70rem;margin:2rem auto}}table{{border-collapse:collapse}}
td,th{{border:1px solid #555;padding:.3rem .5rem;text-align:left;vertical-align:top}}</style></head>
<body><main><h1>Validation report</h1>
<dl><dt>File</dt><dd>{e(s.original_name)}</dd><dt>Unit</dt><dd>{e(s.rocu_code)}</dd>
<dt>{"Quarter" if s.return_kind == "resources" else "Month"}</dt><dd>{e(s.period)}</dd><dt>Version</dt><dd>{s.version}</dd>
<dt>Submitted</dt><dd>{e(s.submitted_at)} by {e(s.submitted_by)}</dd>
<dt>Verdict</dt><dd><strong>{e(VERDICT_WORDS.get(s.state, s.state))}</strong>
({counts(problems)})</dd></dl>
{table}</main></body></html>
"""
