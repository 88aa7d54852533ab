"""Section builders, in the order the paper presents them."""

from __future__ import annotations

from pipelines.papers import findings
from pipelines.papers.model import Section
from pipelines.papers.sections.alignment import alignment
from pipelines.papers.sections.common import Context
from pipelines.papers.sections.definitions import departures, revisions
from pipelines.papers.sections.disruptions import disruptions
from pipelines.papers.sections.governance import recommendations
from pipelines.papers.sections.performance import outcomes, threat
from pipelines.papers.sections.resources import capacity, tasking
from pipelines.papers.sections.returns import balance, quality, submissions
from pipelines.papers.sections.scorecard import scorecard

BODY = (submissions, quality, balance, outcomes, threat, disruptions, alignment, tasking, capacity, departures,
        revisions, recommendations)


def build_sections(ctx: Context) -> list[Section]:
    """The scorecard first, carrying the first finding of every other section."""
    body = [build(ctx) for build in BODY]
    headlines = [s.findings[0] for s in body if s.findings]
    ended = int(ctx.network.months_due)  # the quarter's months that had ended at build time
    if ended < 3:
        headlines.insert(0, findings.partial_quarter(ctx.quarter, ended))
    return [scorecard(ctx, headlines), *body]
