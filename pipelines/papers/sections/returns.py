"""Sections about the returns themselves: timeliness and completeness, data quality, 4P balance.

Figures from fct_board_quarterly (per unit), fct_board_network_quarterly (medians and totals),
fct_strand_coverage_quarterly, fct_submission_status and fct_submission_problems.
"""

from __future__ import annotations

from functools import partial

from pipelines.papers import charts, findings
from pipelines.papers.model import Section
from pipelines.months import month_label
from pipelines.serving.formats import count, long_date, missing, or_none, pct, plain, share
from pipelines.papers.sections.common import Context, chart, table

STATUS_WORDS = {"on_time": "on time", "late": "late", "missing": "missing", "rejected": "rejected (no accepted file)",
                "pending": "not yet due", "failed": "check failed (service fault)"}
STRANDS = ["pursue", "prevent", "protect", "prepare"]


def submissions(ctx: Context) -> Section:
    q = ctx.quarter_rows.reset_index()
    net = ctx.network
    status = ctx.figures.status
    section = Section("submissions", "Submission timeliness and completeness",
                      "Was each monthly return in by its deadline, and how much of the framework did it cover? "
                      "A month counts as on time when an accepted file arrived by the deadline "
                      "(the tenth working day of the next month).")
    due = int(net.months_due or 0)
    framework = int(net.framework_return_metrics)
    if ctx.focus:
        row = ctx.focus_row()
        section.findings.append(findings.timeliness(ctx.focus, int(row.months_on_time), int(row.months_late),
                                                    int(row.months_missing), int(row.months_due),
                                                    or_none(net.median_months_on_time)))
        own = status[(status["rocu_code"] == ctx.focus) & status["month"].isin(ctx.months)]
        for r in own[own["status"] == "late"].itertuples():
            section.findings.append(f"The {month_label(r.month)} return came {plain(r.days_late)} days after its "
                                    f"deadline of {long_date(r.deadline_date)}.")
        # the unit's own framework: optional metrics count only where its return includes them
        section.findings.append(findings.completeness(ctx.focus, int(row.metrics_reported),
                                                      int(row.framework_return_metrics),
                                                      or_none(net.median_metrics_reported)))
    else:
        section.findings.append(findings.network_count(f"returned every month on time ({due} of {due})",
                                                       int(net.units_all_on_time), int(net.units)))
        for r in q[q["months_on_time"] < q["months_due"]].itertuples():
            section.findings.append(findings.timeliness(r.rocu_code, r.months_on_time, r.months_late,
                                                        r.months_missing, r.months_due, None))
        section.findings.append(f"Framework metrics reported ranged from {plain(net.min_metrics_reported)} to "
                                f"{plain(net.max_metrics_reported)} of {framework} (network median "
                                f"{plain(net.median_metrics_reported)}).")
    year = sorted(status["month"].unique())
    section.charts.append(chart(
        "status", partial(charts.status_grid, status.to_dict("records"), ctx.units, year, ctx.focus),
        f"Grid of return status for each of the nine units over the twelve months to {month_label(ctx.months[-1])}: "
        f"a filled circle means on time, a triangle late, a cross missing, R rejected.",
        f"Return status by unit and month, twelve months to {month_label(ctx.months[-1])}"))
    section.charts.append(chart(
        "completeness", partial(charts.unit_bars, dict(zip(q["rocu_code"], q["metrics_reported"])), ctx.focus,
                                                  f"Framework metrics reported in {ctx.quarter} (of {framework})",
                                                  reference=or_none(net.median_metrics_reported)),
        f"Bar chart of framework metrics reported by each unit in {ctx.quarter}, out of {framework}; "
        f"network median {plain(net.median_metrics_reported)}.",
        f"Completeness: framework metrics reported in {ctx.quarter}"))
    if ctx.focus:
        own = status[(status["rocu_code"] == ctx.focus) & status["month"].isin(ctx.months)].copy()
        own["first_accepted"] = own["first_accepted_at"].map(lambda v: "–" if missing(v) else long_date(v.date()))
        section.tables.append(table(f"{ctx.focus}: returns for {ctx.quarter}", own, {
            "month_label": ("Month", None), "deadline_date": ("Deadline", lambda v: long_date(v)),
            "status": ("Status", STATUS_WORDS.get), "first_accepted": ("First accepted", None),
            "days_late": ("Days late", count), "versions": ("Files sent", count)}))
    section.tables.append(table(f"All units: timeliness and completeness, {ctx.quarter}", q, {
        "rocu_code": ("Unit", None), "months_due": ("Months due", count),
        "months_on_time": ("On time", count), "months_late": ("Late", count),
        "months_missing": ("Missing or rejected", count), "metrics_reported": (f"Metrics reported (of {framework})", count),
        "completeness_pct": ("Completeness", pct)}))
    return section


def quality(ctx: Context) -> Section:
    quarters = ctx.trend_quarters
    net = ctx.network
    section = Section("quality", "Data-quality problems and their trend",
                      "Problems the checks found in the files sent: errors reject a file, warnings (such as a label "
                      "that maps to nothing) let it through but must be explained.")
    problems = ctx.figures.problems
    network = ctx.figures.network.set_index("quarter").reindex(quarters)
    if ctx.focus:
        board = ctx.figures.board
        mine = board[board["rocu_code"] == ctx.focus].set_index("quarter").reindex(quarters)
        cur = mine.loc[ctx.quarter]
        section.findings.append(findings.data_quality(
            ctx.focus, int(cur.rejected_files or 0), int(cur.files or 0), int(cur.errors or 0), int(cur.warnings or 0),
            None if missing(cur.previous_rejected_files) else int(cur.previous_rejected_files)))
        series = {f"{ctx.focus} errors": mine["errors"].tolist(), f"{ctx.focus} warnings": mine["warnings"].tolist(),
                  "network median warnings": network["median_warnings"].tolist()}
        problems = problems[problems["rocu_code"] == ctx.focus]
        trend = mine.reset_index()
    else:
        section.findings.append(findings.data_quality("The network", int(net.rejected_files), int(net.files),
                                                      int(net.errors), int(net.warnings),
                                                      None if missing(net.previous_rejected_files)
                                                      else int(net.previous_rejected_files)))
        section.findings.append(findings.network_count("had a file rejected in the quarter",
                                                       int(net.units_with_rejected_file), int(net.units)))
        series = {"files rejected": network["rejected_files"].tolist(), "errors": network["errors"].tolist(),
                  "warnings": network["warnings"].tolist()}
        trend = network.reset_index()
    section.charts.append(chart(
        "quality", partial(charts.trend_lines, quarters, series, "Problems raised"),
        f"Line chart of data-quality problems per quarter from {quarters[0]} to {quarters[-1]}: "
        + "; ".join(f"{k} {', '.join(plain(v) for v in vals)}" for k, vals in series.items()) + ".",
        f"Data-quality problems per quarter, {quarters[0]} to {quarters[-1]}"))
    trend["rejected_share"] = [share(r, f) for r, f in zip(trend["rejected_files"], trend["files"])]
    section.tables.append(table(f"{ctx.focus or 'Network'}: files and problems by quarter", trend, {
        "quarter": ("Quarter", None), "files": ("Files", count), "rejected_share": ("Rejected", None),
        "errors": ("Errors", count), "warnings": ("Warnings", count), "unmapped_labels": ("Unmapped labels", count)},
        raw_extra={"rejected_files": "Rejected (files)"}))
    problems = problems.copy()
    problems["where"] = [f"{s + '!' if isinstance(s, str) else ''}{c}{plain(r)}"
                         for s, c, r in zip(problems["sheet"], problems["source_column"], problems["source_row"])]
    problems["rule"] = problems["rule"].str.replace("_", " ")
    section.tables.append(table(f"Problems found in {ctx.quarter} files", problems, {
        "rocu_code": ("Unit", None), "month": ("Month", None), "version": ("File version", count),
        "severity": ("Severity", None), "rule": ("Rule", None), "where": ("Cell", None),
        "found_value": ("Value found", None)}, note="No problems were found." if problems.empty else ""))
    section.tables.append(nocc_queries_table(ctx))
    section.tables.append(query_quality_table(ctx))
    return section


QUERY_STATE_WORDS = {"raised": "waiting for an answer", "answered": "answered", "closed": "closed"}


def nocc_queries_table(ctx: Context):
    """The NOCC's queries raised in the quarter (the unit's own, in a unit's paper) and the units' answers."""
    asked = ctx.figures.nocc_queries
    asked = asked[asked["rocu_code"] == ctx.focus].copy() if ctx.focus else asked.copy()
    asked["status"] = [QUERY_STATE_WORDS.get(s, s) + (" (overdue)" if o else "")
                       for s, o in zip(asked["state"], asked["is_overdue"])]
    asked["figure"] = [f"{n if isinstance(n, str) else m}, {p}"
                       for n, m, p in zip(asked["metric_name"], asked["metric_id"], asked["period"])]
    return table(f"Queries raised by the NOCC in {ctx.quarter}, and the answers", asked, {
        "query_id": ("Query", None), "rocu_code": ("Unit", None), "figure": ("Figure", None),
        "question": ("Question", None), "status": ("Status", None), "answer": ("Answer", None)},
        note="The NOCC raised no query in the quarter." if asked.empty else "")


def balance(ctx: Context) -> Section:
    strands = ctx.figures.strands
    net = ctx.network
    due = int(net.months_due or 0)
    section = Section("balance", "4P balance against the network",
                      "Pursue, prevent, protect and prepare, weighed by substance: each strand's share of the "
                      "unit's counted disruptions weighted by impact level (major 3, moderate 2, minor 1), so one "
                      "minor prevent disruption does not weigh as much as hundreds of arrests. Whether each "
                      "strand is reported every month is shown beside it. The inspection found returns were "
                      "mostly pursue and mostly numbers.")
    grid = (strands.pivot(index="rocu_code", columns="strand_code", values="months_with_figure")
            .reindex(index=ctx.units, columns=STRANDS).fillna(0))
    weighted = (strands.pivot(index="rocu_code", columns="strand_code", values="impact_weighted_disruptions")
                .reindex(index=ctx.units, columns=STRANDS).fillna(0))
    medians = strands.drop_duplicates("strand_code").set_index("strand_code")[
        "network_median_months_with_figure"].reindex(STRANDS).to_dict()
    q = ctx.quarter_rows
    if ctx.focus:
        row = ctx.focus_row()
        section.findings.append(findings.balance(ctx.focus, or_none(row.non_pursue_impact_weighted),
                                                 or_none(row.impact_weighted_disruptions), int(row.disruptions or 0),
                                                 or_none(row.non_pursue_impact_share_pct),
                                                 or_none(net.median_non_pursue_impact_share_pct)))
        mine = strands[strands["rocu_code"] == ctx.focus].set_index("strand_code").reindex(STRANDS)
        short = [s for s in STRANDS if not mine.loc[s, "is_every_month"]]
        if due and not short:
            section.findings.append(findings.all_strands(ctx.focus, due))
        for s in short if due else []:
            section.findings.append(findings.strand_coverage(s, int(grid.loc[ctx.focus, s]), due, medians[s]))
        mine["months"] = [f"{plain(v if not missing(v) else 0)} of {due}" for v in mine["months_with_figure"]]
        mine["median"] = [f"{plain(medians[s])} of {due}" for s in STRANDS]
        mine = mine.reset_index()
        mine["strand"] = mine["strand_code"].str.capitalize()
        section.tables.append(table(f"{ctx.focus}: the 4P strands, {ctx.quarter}", mine, {
            "strand": ("Strand", None), "disruptions": ("Disruptions", count),
            "impact_weighted_disruptions": ("Weighted by impact", count),
            "impact_weighted_share_pct": ("Share of weighted", pct),
            "framework_metrics": ("Framework metrics", count), "metrics_reported": ("Metrics reported", count),
            "months": ("Months with a figure", None), "median": ("Network median months", None)}))
    else:
        section.findings.append(findings.network_count(f"reported all four Ps in every month ({due} of {due})",
                                                       int(net.units_all_strands_every_month), int(net.units)))
        for r in strands[~strands["is_every_month"].astype(bool)].itertuples() if due else []:
            section.findings.append(f"{r.rocu_code}: " + findings.strand_coverage(
                r.strand_code, int(r.months_with_figure), due, medians[r.strand_code]))
    section.charts.append(chart(
        "balance", partial(charts.strand_stack, {u: weighted.loc[u].to_dict() for u in ctx.units}, ctx.focus),
        "Stacked bar chart of impact-weighted disruptions by 4P strand for each unit in " + ctx.quarter + ": "
        + "; ".join(f"{u} " + ", ".join(f"{s} {plain(weighted.loc[u, s])}" for s in STRANDS) for u in ctx.units)
        + ".",
        f"Disruptions weighted by impact, by 4P strand, {ctx.quarter}"))
    table_rows = grid.astype(int).reset_index(names="rocu_code")
    table_rows["non_pursue_impact_share_pct"] = q["non_pursue_impact_share_pct"].values
    table_rows["non_pursue_impact_weighted"] = q["non_pursue_impact_weighted"].values
    table_rows["impact_weighted_disruptions"] = q["impact_weighted_disruptions"].values
    section.tables.append(table(f"All units: months with a figure by strand (of {due}), {ctx.quarter}", table_rows, {
        "rocu_code": ("Unit", None), **{s: (s.capitalize(), count) for s in STRANDS},
        "non_pursue_impact_share_pct": ("Weighted disruptions outside pursue", pct)},
        raw_extra={"non_pursue_impact_weighted": "Weighted disruptions outside pursue",
                   "impact_weighted_disruptions": "Weighted disruptions"}))
    return section


def query_quality_table(ctx: Context):
    """Open, answered and overdue NOCC queries per unit in the quarter: a data-quality measure (fct_query_quality)."""
    counts = ctx.figures.query_quality
    counts = counts[counts["rocu_code"] == ctx.focus] if ctx.focus else counts
    return table(f"NOCC queries by unit, raised in {ctx.quarter}", counts, {
        "rocu_code": ("Unit", None), "queries_raised": ("Raised", count), "open_queries": ("Open", count),
        "answered": ("Answered", count), "answered_late": ("Answered late", count), "overdue": ("Overdue", count),
        "closed": ("Closed", count)},
        note=("No query was raised in the quarter." if ctx.request.scheme == "financial" else
              "Counted by financial-year quarter (2025-Q1 = April to June 2025) only.") if counts.empty else "")
