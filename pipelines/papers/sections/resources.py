"""Sections about how the unit works: tasking regularity and Gateway requests, capacity.

Quarter figures from fct_board_quarterly (totals, longest gap, capacity at the quarter's end)
and fct_board_network_quarterly (medians, network totals); months from fct_capacity_tasking.
"""

from __future__ import annotations

from functools import partial

from pipelines.papers import charts, findings
from pipelines.papers.model import Section
from pipelines.months import month_label
from pipelines.serving.formats import count, decimal, missing, or_none, pct, plain, share
from pipelines.papers.sections.common import Context, chart, table


def tasking(ctx: Context) -> Section:
    totals = ctx.quarter_rows
    net = ctx.network
    cap = ctx.figures.capacity
    section = Section("tasking", "Tasking regularity and Gateway requests",
                      "How often the regional tasking meeting sat, the longest gap between meetings, and how the "
                      "unit answered Gateway requests for support from its forces. The inspection found tasking "
                      "monthly in one region and every six or twelve weeks in another.")
    med = or_none(net.median_tasking_meetings)
    if ctx.focus:
        t = totals.loc[ctx.focus]
        section.findings.append(findings.tasking(ctx.focus, int(t.tasking_meetings), med,
                                                 or_none(t.max_days_between_meetings),
                                                 bool(t.has_tasking_gap_over_eight_weeks)))
        section.findings.append(findings.gateway(ctx.focus, int(t.gateway_received or 0),
                                                 int(t.gateway_accepted or 0), int(t.gateway_declined or 0)))
        mine = cap[cap["rocu_code"] == ctx.focus].copy()
        section.charts.append(chart(
            "gateway", partial(charts.stacked_rows, [month_label(m) for m in mine["month"]],
                                                    {"accepted": mine["gateway_accepted"].tolist(),
                                                     "declined": mine["gateway_declined"].tolist(),
                                                     "neither accepted nor declined":
                                                         mine["gateway_undecided"].tolist()},
                                                    "Gateway requests received"),
            f"Stacked column chart of Gateway requests to {ctx.focus} by month: " + "; ".join(
                f"{month_label(r.month)} {plain(r.gateway_received)} received, {plain(r.gateway_accepted)} accepted, "
                f"{plain(r.gateway_declined)} declined" for r in mine.itertuples()) + ".",
            f"{ctx.focus}: Gateway requests received by month and outcome, {ctx.quarter}"))
        mine["acceptance"] = [share(a, r) for a, r in zip(mine["gateway_accepted"], mine["gateway_received"])]
        section.tables.append(table(f"{ctx.focus}: tasking and Gateway requests by month", mine, {
            "month": ("Month", None), "meetings_held": ("Tasking meetings", count),
            "max_days_between_meetings": ("Longest gap (days)", count), "gateway_received": ("Gateway received", count),
            "gateway_accepted": ("Accepted", count), "gateway_declined": ("Declined", count),
            "acceptance": ("Accepted share", None)}))
    else:
        section.findings.append(findings.network_count("held a tasking meeting in every month of the quarter",
                                                       int(net.units_meeting_every_month), int(net.units)))
        for unit, r in totals[totals["has_tasking_gap_over_eight_weeks"].fillna(False).astype(bool)].iterrows():
            section.findings.append(f"{unit}: the longest gap between tasking meetings was "
                                    f"{plain(r.max_days_between_meetings)} days, more than eight weeks.")
        section.findings.append(findings.gateway("the network", int(net.gateway_received or 0),
                                                 int(net.gateway_accepted or 0), int(net.gateway_declined or 0)))
    section.charts.append(chart(
        "meetings", partial(charts.unit_bars, totals["tasking_meetings"].to_dict(), ctx.focus,
                                              f"Regional tasking meetings held in {ctx.quarter}", reference=med),
        "Bar chart of tasking meetings held in the quarter by unit: " + "; ".join(
            f"{u} {plain(v)}" for u, v in totals["tasking_meetings"].items()) + f"; network median {plain(med)}.",
        f"Tasking meetings held by unit, {ctx.quarter}"))
    frame = totals.reset_index(names="rocu_code")
    frame["acceptance"] = [share(a, r) for a, r in zip(frame["gateway_accepted"], frame["gateway_received"])]
    section.tables.append(table(f"All units: tasking and Gateway, {ctx.quarter}", frame, {
        "rocu_code": ("Unit", None), "tasking_meetings": ("Tasking meetings", count),
        "months_without_meeting": ("Months without a meeting", count),
        "max_days_between_meetings": ("Longest gap (days)", count),
        "gateway_received": ("Gateway received", count), "gateway_accepted": ("Accepted", count),
        "gateway_declined": ("Declined", count), "acceptance": ("Accepted share", None)}))
    return section


def capacity(ctx: Context) -> Section:
    last = ctx.quarter_rows
    net = ctx.network
    section = Section("capacity", "Capacity: vacancies and fixed-term posts",
                      "Funded establishment against staff in post at the end of the quarter, and the share of staff "
                      "on fixed-term posts (short-term funding makes capability hard to keep).")
    vac_med = or_none(net.median_vacancy_rate_pct)
    ft_med = or_none(net.median_fixed_term_share_pct)
    if ctx.focus:
        r = last.loc[ctx.focus]
        section.findings.append(findings.capacity(ctx.focus, r.vacancy_rate_pct, r.establishment_fte,
                                                  r.fixed_term_share_pct, vac_med, ft_med))
        section.findings.append(findings.leavers(ctx.focus, int(r.leavers or 0)))
    else:
        section.findings.append(f"Vacancy rates at the end of the quarter ran from {pct(net.min_vacancy_rate_pct)} "
                                f"({net.min_vacancy_rate_unit}) to {pct(net.max_vacancy_rate_pct)} "
                                f"({net.max_vacancy_rate_unit}); network median {pct(vac_med)}.")
        section.findings.append(f"Fixed-term share of staff in post: network median {pct(ft_med)}, highest "
                                f"{net.max_fixed_term_share_unit} ({pct(net.max_fixed_term_share_pct)}).")
    for key, col, label, med in (("vacancy", "vacancy_rate_pct", "Vacancy rate (% of establishment)", vac_med),
                                 ("fixedterm", "fixed_term_share_pct", "Fixed-term share of staff in post (%)", ft_med)):
        section.charts.append(chart(
            key, partial(charts.unit_bars, last[col].to_dict(), ctx.focus, f"{label}, end of {ctx.quarter}", label=pct,
                                           reference=med),
            f"Bar chart of {label.lower()} by unit: " + "; ".join(f"{u} {pct(v)}" for u, v in last[col].items())
            + f"; network median {pct(med)}.", f"{label} by unit, end of {ctx.quarter}"))
    if ctx.focus:
        mine = ctx.figures.capacity.query("rocu_code == @ctx.focus")
        section.tables.append(table(f"{ctx.focus}: capacity by month", mine, {
            "month": ("Month", None), "establishment_fte": ("Establishment (FTE)", decimal),
            "in_post_fte": ("In post (FTE)", decimal), "vacant_fte": ("Vacant (FTE)", decimal),
            "vacancy_rate_pct": ("Vacancy rate", pct), "fixed_term_fte": ("Fixed-term (FTE)", decimal),
            "fixed_term_share_pct": ("Fixed-term share", pct), "leavers": ("Leavers", count)}))
    frame = last.reset_index(names="rocu_code")
    section.tables.append(table(f"All units: capacity at the end of {ctx.quarter}", frame, {
        "rocu_code": ("Unit", None), "capacity_as_at": ("As at", lambda m: "–" if missing(m) else m),
        "establishment_fte": ("Establishment (FTE)", decimal), "in_post_fte": ("In post (FTE)", decimal),
        "vacancy_rate_pct": ("Vacancy rate", pct), "fixed_term_share_pct": ("Fixed-term share", pct)}))
    return section
