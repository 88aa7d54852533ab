"""Sections about definitions and the record: departures from the framework, revisions.

Figures from fct_board_quarterly (counts per unit), fct_board_network_quarterly,
fct_strand_coverage_quarterly, fct_unmapped_labels_quarterly,
fct_metrics_not_reported_quarterly, fct_revised_figures and fct_figure_explanations.
"""

from __future__ import annotations

from datetime import date
from functools import partial

from pipelines.papers import charts, findings
from pipelines.papers.model import Section
from pipelines.months import month_label
from pipelines.serving.formats import amount, count, long_date, missing, plain
from pipelines.papers.sections.common import Context, chart, table

STRANDS = ["pursue", "prevent", "protect", "prepare"]
WITHDRAWN = "Withdrawn: the return now held has no such figure, so no explanation travels with it."


def departures(ctx: Context) -> Section:
    unmapped = ctx.figures.unmapped
    gaps = ctx.figures.not_reported
    net = ctx.network
    per_unit = ctx.quarter_rows
    framework = int(net.framework_return_metrics)
    section = Section("departures", "Definitional departures from the framework",
                      "Where the unit's returns depart from the common framework: local labels that map to no "
                      "framework metric (reported, never dropped), and framework metrics the unit did not report.")
    if ctx.focus:
        r = per_unit.loc[ctx.focus]
        section.findings.append(findings.departures(ctx.focus, int(r.unmapped_labels), int(r.metrics_not_reported),
                                                    int(r.metrics_never_reported), int(r.framework_return_metrics)))
        mine = gaps[gaps["rocu_code"] == ctx.focus].copy()
        strands = ctx.figures.strands
        by_strand = strands[strands["rocu_code"] == ctx.focus].set_index("strand_code").reindex(STRANDS)
        reported = by_strand["metrics_reported"].fillna(0).astype(int)
        missing_by = by_strand["metrics_not_reported"].fillna(0).astype(int)
        section.charts.append(chart(
            "departures", partial(charts.stacked_rows, [s.capitalize() for s in STRANDS],
                                                       {"reported": reported.tolist(),
                                                        "not reported": missing_by.tolist()},
                                                       f"Framework metrics by strand ({framework} in all)"),
            f"Stacked column chart of framework metrics {ctx.focus} reported and did not report in {ctx.quarter}, by "
            "strand: " + "; ".join(f"{s} {plain(reported[s])} reported, {plain(missing_by[s])} not"
                                   for s in STRANDS) + ".",
            f"{ctx.focus}: framework metrics reported and not reported by strand, {ctx.quarter}"))
        labels = unmapped[unmapped["rocu_code"] == ctx.focus]
        section.tables.append(table(f"{ctx.focus}: local labels that map to no framework metric, {ctx.quarter}",
                                    labels, {"local_label": ("Label as written", None),
                                             "months_seen": ("Months seen", count), "months": ("Months", None),
                                             "first_cell": ("Where (sheet!cell)", None)},
                                    note="Every label in the quarter's returns mapped to the framework."
                                    if labels.empty else ""))
        mine["last"] = mine["last_month"].map(lambda m: "never" if missing(m) else month_label(m))
        mine["strand"] = mine["strand_code"].str.capitalize()
        section.tables.append(table(f"{ctx.focus}: framework metrics not reported in {ctx.quarter}", mine, {
            "metric_name": ("Framework metric", None), "metric_id": ("Id", None), "strand": ("Strand", None),
            "last": ("Last reported", None)}))
    else:
        section.findings.append(findings.network_count("used a local label that maps to nothing",
                                                       int(net.units_with_unmapped_label), int(net.units)))
        if net.metrics_never_reported_anywhere:
            section.findings.append(f"{plain(net.metrics_never_reported_anywhere)} framework metrics have never been "
                                    f"reported by any unit: {net.metric_ids_never_reported_anywhere}.")
        section.tables.append(table(f"Local labels that map to no framework metric, {ctx.quarter}", unmapped, {
            "rocu_code": ("Unit", None), "local_label": ("Label as written", None),
            "months_seen": ("Months seen", count), "first_cell": ("Where (sheet!cell)", None)}))
    section.charts.append(chart(
        "notreported", partial(charts.unit_bars, per_unit["metrics_not_reported"].to_dict(), ctx.focus,
                                                 f"Framework metrics not reported in {ctx.quarter} (of {framework})"),
        "Bar chart of framework metrics not reported in the quarter by unit: " + "; ".join(
            f"{u} {plain(v)}" for u, v in per_unit["metrics_not_reported"].items()) + ".",
        f"Framework metrics not reported by unit, {ctx.quarter}"))
    frame = per_unit.reset_index(names="rocu_code")
    section.tables.append(table(f"All units: departures from the framework, {ctx.quarter}", frame, {
        "rocu_code": ("Unit", None), "unmapped_labels": ("Unmapped labels", count),
        "metrics_not_reported": (f"Metrics not reported (of {framework})", count),
        "metrics_never_reported": ("Never reported", count)}))
    return section


def revisions(ctx: Context) -> Section:
    rev = ctx.figures.revisions
    if ctx.focus:
        rev = rev[rev["rocu_code"] == ctx.focus]
        row = ctx.focus_row()
        revised, months_affected = int(row.revised_figures_to_date), int(row.revised_months_to_date)
    else:
        revised, months_affected = int(ctx.network.revised_figures_to_date), \
            int(ctx.network.revised_unit_months_to_date)
    rev = rev.copy()
    section = Section("revisions", "Revisions since the last paper",
                      "Figures that a resubmission changed after they were first accepted: the value first "
                      f"submitted against the value now held, for every month to {month_label(ctx.months[-1])}. "
                      "Earlier papers quoted the first figures where they predate the resubmission.")
    _since_last_paper(ctx, section)
    largest = None
    if not rev.empty:
        big = rev.sort_values("absolute_change", ascending=False, kind="stable").iloc[0]
        largest = (f"{big.metric_name} for {month_label(big.month)} ({big.rocu_code}), from "
                   f"{amount(big.value_as_first_submitted, big.unit)} to {amount(big.value, big.unit)}")
    section.findings.append(findings.revisions(ctx.subject, revised, months_affected, largest))
    all_rev = ctx.quarter_rows["revised_figures_to_date"].fillna(0).astype(int)
    if int(ctx.network.revised_figures_to_date or 0):
        section.charts.append(chart(
            "revisions", partial(charts.unit_bars, all_rev.to_dict(), ctx.focus, "Figures changed by resubmission"),
            "Bar chart of figures changed by resubmission, by unit: " + "; ".join(
                f"{u} {plain(v)}" for u, v in all_rev.items()) + ".", "Figures changed by resubmission, by unit"))
    rev["first"] = [amount(v, u) for v, u in zip(rev["value_as_first_submitted"], rev["unit"])]
    rev["now"] = [amount(v, u) for v, u in zip(rev["value"], rev["unit"])]
    rev["delta"] = [("+" if c > 0 else "") + amount(c, u) for c, u in zip(rev["change"], rev["unit"])]
    rev["by"] = [f"version {int(v)}, {long_date(t.date())}" if not missing(v) else "–"
                 for v, t in zip(rev["version"], rev["revised_at"])]
    section.tables.append(table(f"Figures changed by resubmission, months to {month_label(ctx.months[-1])}", rev, {
        "rocu_code": ("Unit", None), "month": ("Month", None), "metric_name": ("Metric", None),
        "first": ("First submitted", None), "now": ("Now", None), "delta": ("Change", None),
        "by": ("Changed by", None)}, note="No figure has been revised." if rev.empty else "",
        raw_extra={"value_as_first_submitted": "First submitted (value)", "value": "Now (value)",
                   "change": "Change (value)", "unit": "Unit of measure"}))
    return section


def _since_last_paper(ctx: Context, section: Section) -> None:
    """The figures that changed since the paper last issued to this board (the register of issued
    papers keeps the figures that paper's build held); first in the section, so its finding heads it."""
    if ctx.previous is None:  # no paper issued to this board yet: the section is as before
        return
    changed = ctx.changed
    if ctx.focus:
        changed = changed[changed["rocu_code"] == ctx.focus]
    names = ctx.figures.monthly.drop_duplicates("metric_id").set_index("metric_id")
    changed = changed.assign(
        metric_name=changed["metric_id"].map(names["metric_name"]).fillna(changed["metric_id"]),
        unit=changed["metric_id"].map(names["unit"]).fillna("count"))
    changed = changed.assign(
        then=[amount(v, u) if not missing(v) else "not held" for v, u in zip(changed["value_then"], changed["unit"])],
        now=[amount(v, u) if not missing(v) else "withdrawn" for v, u in zip(changed["value_now"], changed["unit"])],
        month_name=changed["month"].map(month_label))
    # each revision's explanation, as the mart words it; a figure withdrawn since is no longer held, so none travels
    explained = ctx.figures.explanations[["rocu_code", "month", "metric_id", "explanation"]]
    changed = changed.merge(explained, on=["rocu_code", "month", "metric_id"], how="left")
    changed["explanation"] = changed["explanation"].fillna(WITHDRAWN)
    issued = f"{long_date(date.fromisoformat(ctx.previous.issued_at[:10]))} ({ctx.previous.quarter})"
    section.findings.append(findings.revisions_since_paper(ctx.subject, len(changed), issued,
                                                           ctx.previous.build_id))
    section.tables.append(table(
        f"Figures changed since the paper issued to this board on {issued}", changed, {
            "rocu_code": ("Unit", None), "month_name": ("Month", None), "metric_name": ("Metric", None),
            "then": ("In that paper", None), "now": ("Now", None), "explanation": ("Explanation", None)},
        note="No figure has changed since that paper." if changed.empty else "",
        raw_extra={"month": "Month (YYYY-MM)", "metric_id": "Metric id", "value_then": "In that paper (value)",
                   "value_now": "Now (value)", "unit": "Unit of measure"}))
