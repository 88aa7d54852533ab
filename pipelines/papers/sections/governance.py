"""The inspection's recommendations: the tracker rows of the paper's unit (or of the network), as boards
recorded them on the Governance page, from fct_recommendation_tracker as at the paper's build.

No finding goes to the scorecard: a status is what a board recorded, not a measure of the quarter.
"""

from __future__ import annotations

import pandas as pd

from pipelines.papers.model import Section
from pipelines.papers.sections.common import Context, rows_table
from pipelines.serving.formats import day, missing


def _status(row: pd.Series) -> str:
    if row.is_derived:
        return f"{row.status_name} ({row.evidence})"
    return row.status_name if row.is_recorded else f"{row.status_name} (nothing recorded)"


def _text(value: object) -> str:
    return "" if missing(value) else str(value)


def recommendations(ctx: Context) -> Section:
    tracker = ctx.figures.recommendations
    section = Section(
        "recommendations", "The inspection's recommendations",
        "Each of the inspection's seven recommendations and its areas for improvement, with "
        + (f"{ctx.focus}'s status and the network's" if ctx.focus else "the network's status")
        + " as recorded in the tracker (the Governance page) when this paper's warehouse was built. "
        "For a recommendation tracked per unit the network's status comes from the units': met when every unit it "
        "applies to has met it, not started when none has started, otherwise in progress.")
    if tracker.empty:
        return section
    network = tracker[tracker["is_network_row"]].set_index("item_ref")
    if ctx.focus:
        own = tracker[tracker["rocu_code"] == ctx.focus].set_index("item_ref")
        rows, raw = [], []
        for ref, n in network.iterrows():
            mine = own.loc[ref] if ref in own.index else None
            shown = n if mine is None else mine
            rows.append([ref, n.short_title, "tracked for the network" if mine is None else _status(mine),
                         _status(n), _text(shown.evidence) if mine is not None or not n.is_derived else "",
                         _text(shown.evidence_link), day(shown.as_at)])
            raw.append([ref, n.short_title, None if mine is None else mine.status, n.status,
                        None if mine is None else mine.evidence, shown.evidence_link, shown.as_at])
        section.tables.append(rows_table(
            f"{ctx.focus}: the inspection's recommendations and areas for improvement",
            ["Ref", "Recommendation or area for improvement", ctx.focus, "The network", "Evidence", "Link", "As at"],
            rows, raw_rows=raw))
    else:
        rows = [[ref, n.short_title, _status(n), _text(n.evidence) if not n.is_derived else "", day(n.as_at)]
                for ref, n in network.iterrows()]
        raw = [[ref, n.short_title, n.status, n.evidence, n.as_at] for ref, n in network.iterrows()]
        section.tables.append(rows_table(
            "The network: the inspection's recommendations and areas for improvement",
            ["Ref", "Recommendation or area for improvement", "Status", "Evidence", "As at"], rows, raw_rows=raw))
    return section
