"""Sections about how the unit works: tasking regularity and Gateway requests, capacity."""

from __future__ import annotations

import pandas as pd

from pipelines.papers import charts, findings
from pipelines.papers.model import Section
from pipelines.papers.numbers import count, decimal, median, missing, month_label, pct, plain, share
from pipelines.papers.sections.common import Context, chart, table


def quarter_totals(ctx: Context) -> pd.DataFrame:
    cap = ctx.figures.capacity
    agg = cap.groupby("rocu_code").agg(meetings=("meetings_held", "sum"), longest_gap=("max_days_between_meetings", "max"),
                                       months_without=("meetings_held", lambda s: int((s == 0).sum())),
                                       received=("gateway_received", "sum"), accepted=("gateway_accepted", "sum"),
                                       declined=("gateway_declined", "sum"))
    return agg.reindex(ctx.units)


def tasking(ctx: Context) -> Section:
    totals = quarter_totals(ctx)
    cap = ctx.figures.capacity
    section = Section("tasking", "Tasking regularity and Gateway requests",
                      "How often the regional tasking meeting sat, the longest gap between meetings, and how the "
                      "unit answered Gateway requests for support from its forces. The inspection found tasking "
                      "monthly in one region and every six or twelve weeks in another.")
    med = median(totals["meetings"].tolist())
    if ctx.focus:
        t = totals.loc[ctx.focus]
        section.findings.append(findings.tasking(ctx.focus, int(t.meetings), med, t.longest_gap))
        section.findings.append(findings.gateway(ctx.focus, int(t.received), int(t.accepted), int(t.declined)))
        mine = cap[cap["rocu_code"] == ctx.focus].copy()
        mine["other"] = mine["gateway_received"] - mine["gateway_accepted"] - mine["gateway_declined"]
        section.charts.append(chart(
            "gateway", charts.stacked_rows([month_label(m) for m in mine["month"]],
                                           {"accepted": mine["gateway_accepted"].tolist(),
                                            "declined": mine["gateway_declined"].tolist(),
                                            "neither accepted nor declined": mine["other"].clip(lower=0).tolist()},
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
        every = int((totals["months_without"] == 0).sum())
        section.findings.append(findings.network_count("held a tasking meeting in every month of the quarter",
                                                       every, len(ctx.units)))
        long_gaps = totals[totals["longest_gap"] > 56]
        for unit, r in long_gaps.iterrows():
            section.findings.append(f"{unit}: the longest gap between tasking meetings was {plain(r.longest_gap)} "
                                    "days, more than eight weeks.")
        section.findings.append(findings.gateway("the network", int(totals["received"].sum()),
                                                 int(totals["accepted"].sum()), int(totals["declined"].sum())))
    section.charts.append(chart(
        "meetings", charts.unit_bars(totals["meetings"].to_dict(), ctx.focus,
                                     f"Regional tasking meetings held in {ctx.quarter}", reference=med),
        "Bar chart of tasking meetings held in the quarter by unit: " + "; ".join(
            f"{u} {plain(v)}" for u, v in totals["meetings"].items()) + f"; network median {plain(med)}.",
        f"Tasking meetings held by unit, {ctx.quarter}"))
    frame = totals.reset_index(names="rocu_code")
    frame["acceptance"] = [share(a, r) for a, r in zip(frame["accepted"], frame["received"])]
    section.tables.append(table(f"All units: tasking and Gateway, {ctx.quarter}", frame, {
        "rocu_code": ("Unit", None), "meetings": ("Tasking meetings", count),
        "months_without": ("Months without a meeting", count), "longest_gap": ("Longest gap (days)", count),
        "received": ("Gateway received", count), "accepted": ("Accepted", count), "declined": ("Declined", count),
        "acceptance": ("Accepted share", None)}))
    return section


def end_of_quarter(ctx: Context) -> pd.DataFrame:
    """Each unit's capacity in the last month of the quarter it reported."""
    cap = ctx.figures.capacity.sort_values("month")
    return cap.groupby("rocu_code").tail(1).set_index("rocu_code").reindex(ctx.units)


def capacity(ctx: Context) -> Section:
    last = end_of_quarter(ctx)
    section = Section("capacity", "Capacity: vacancies and fixed-term posts",
                      "Funded establishment against staff in post at the end of the quarter, and the share of staff "
                      "on fixed-term posts (short-term funding makes capability hard to keep).")
    vac_med = median(last["vacancy_rate_pct"].tolist())
    ft_med = median(last["fixed_term_share_pct"].tolist())
    if ctx.focus:
        r = last.loc[ctx.focus]
        section.findings.append(findings.capacity(ctx.focus, r.vacancy_rate_pct, r.establishment_fte,
                                                  r.fixed_term_share_pct, vac_med, ft_med))
        leavers = ctx.figures.capacity.query("rocu_code == @ctx.focus")["leavers"].sum()
        section.findings.append(findings.leavers(ctx.focus, int(leavers)))
    else:
        hi = last["vacancy_rate_pct"].idxmax()
        lo = last["vacancy_rate_pct"].idxmin()
        section.findings.append(f"Vacancy rates at the end of the quarter ran from {pct(last.loc[lo, 'vacancy_rate_pct'])} "
                                f"({lo}) to {pct(last.loc[hi, 'vacancy_rate_pct'])} ({hi}); network median {pct(vac_med)}.")
        section.findings.append(f"Fixed-term share of staff in post: network median {pct(ft_med)}, highest "
                                f"{last['fixed_term_share_pct'].idxmax()} ({pct(last['fixed_term_share_pct'].max())}).")
    for key, col, label, med in (("vacancy", "vacancy_rate_pct", "Vacancy rate (% of establishment)", vac_med),
                                 ("fixedterm", "fixed_term_share_pct", "Fixed-term share of staff in post (%)", ft_med)):
        section.charts.append(chart(
            key, charts.unit_bars(last[col].to_dict(), ctx.focus, f"{label}, end of {ctx.quarter}", label=pct,
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
        "rocu_code": ("Unit", None), "month": ("As at", lambda m: "–" if missing(m) else m),
        "establishment_fte": ("Establishment (FTE)", decimal), "in_post_fte": ("In post (FTE)", decimal),
        "vacancy_rate_pct": ("Vacancy rate", pct), "fixed_term_share_pct": ("Fixed-term share", pct)}))
    return section
