"""The one-page scorecard: every headline indicator, the unit beside the network median and
its position among the nine units, plus the first finding of each section."""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Callable

import pandas as pd

from pipelines.papers import charts
from pipelines.papers.model import Section
from pipelines.papers.numbers import (SMALL_BASE, decimal, median, missing, ordinal, pct, plain, rate_100k)
from pipelines.papers.sections.common import Context, chart, rows_table
from pipelines.papers.sections.resources import quarter_totals, end_of_quarter


@dataclass
class Indicator:
    label: str
    values: pd.Series  # one number per unit, what is ranked and plotted
    higher_is_better: bool
    shown: Callable[[str], str]  # the unit's figure, with its base where it is a share
    median_shown: Callable[[float | None], str]


def _part(n: pd.Series, of: pd.Series) -> Callable[[str], str]:
    """'2 of 3' or '51%' (compact) depending on the base."""
    def show(unit: str) -> str:
        base = of[unit]
        if missing(base) or not base:
            return "–"
        return f"{plain(n[unit])} of {plain(base)}" if base < SMALL_BASE else f"{100 * n[unit] / base:.0f}%"
    return show


def indicators(ctx: Context) -> list[Indicator]:
    q = ctx.quarter_rows
    tasks = quarter_totals(ctx)
    last = end_of_quarter(ctx)
    out = ctx.figures.outcomes
    dis = out[out["metric_id"] == "DIS_TOTAL"].set_index("rocu_code")["per_100k_population"].reindex(ctx.units)
    due = q["months_due"].max()
    frame = q["framework_return_metrics"].max()
    acceptance = 100 * tasks["accepted"] / tasks["received"].where(tasks["received"] > 0)

    def of_series(series: pd.Series, f: Callable) -> Callable[[str], str]:
        return lambda unit: f(series[unit])

    return [
        Indicator("Returns on time (months)", q["months_on_time"], True, _part(q["months_on_time"], q["months_due"]),
                  lambda m: f"{plain(m)} of {plain(due)}"),
        Indicator(f"Framework metrics reported (of {plain(frame)})", q["completeness_pct"], True,
                  _part(q["metrics_reported"], q["framework_return_metrics"]), pct),
        Indicator("Figures outside pursue (4P balance)", q["non_pursue_share_pct"], True,
                  _part(q["non_pursue_figures"], q["figures_above_zero"]), pct),
        Indicator("Files rejected by the checks", q["rejected_versions"], False,
                  _part(q["rejected_versions"], q["versions"]), plain),
        Indicator("Local labels mapping to nothing", q["unmapped_labels"], False, of_series(q["unmapped_labels"], plain),
                  plain),
        Indicator("MoRiLE mean: unit minus forces", q["morile_gap_rocu_minus_forces"], True,
                  of_series(q["morile_gap_rocu_minus_forces"], decimal), decimal),
        Indicator("Regional tasking meetings", tasks["meetings"], True, of_series(tasks["meetings"], plain), plain),
        Indicator("Longest gap between meetings (days)", tasks["longest_gap"], False,
                  of_series(tasks["longest_gap"], plain), plain),
        Indicator("Gateway requests accepted", acceptance, True, _part(tasks["accepted"], tasks["received"]), pct),
        Indicator("Vacancy rate, end of quarter", last["vacancy_rate_pct"], False,
                  of_series(last["vacancy_rate_pct"], pct), pct),
        Indicator("Fixed-term share of staff in post", last["fixed_term_share_pct"], False,
                  of_series(last["fixed_term_share_pct"], pct), pct),
        Indicator("Disruptions per 100,000 population", dis, True, of_series(dis, rate_100k), rate_100k),
    ]


def _position(ind: Indicator, unit: str) -> str:
    values = ind.values.dropna()
    if unit not in values.index:
        return "–"
    ranks = values.rank(method="min", ascending=not ind.higher_is_better)
    rank = int(ranks[unit])
    joint = "joint " if (ranks == rank).sum() > 1 else ""
    return f"{joint}{ordinal(rank)} of {len(values)}"


def _at_or_better(ind: Indicator, unit: str) -> bool:
    med, v = median(ind.values.tolist()), ind.values.get(unit)
    if missing(v) or med is None:
        return False
    return v >= med if ind.higher_is_better else v <= med


def scorecard(ctx: Context, headlines: list[str]) -> Section:
    inds = indicators(ctx)
    section = Section("scorecard", "Scorecard",
                      f"Headline indicators for {ctx.quarter}: {'the unit beside' if ctx.focus else 'each unit and'} "
                      "the network median. Position 1st is best (the direction is in the last column)"
                      f"{'; in the chart, right is better' if ctx.focus else ''}. Shares on a base under "
                      f"{SMALL_BASE} are shown as counts (\"2 of 3\").", findings=headlines)
    if ctx.focus:
        rows, strip = [], []
        for ind in inds:
            med = median(ind.values.tolist())
            rows.append([ind.label, ind.shown(ctx.focus), ind.median_shown(med), _position(ind, ctx.focus),
                         "higher" if ind.higher_is_better else "lower"])
            vals = ind.values.dropna()
            strip.append({"label": ind.label, "values": vals.tolist(), "median": med,
                          "low": vals.min() if len(vals) else 0, "high": vals.max() if len(vals) else 0,
                          "low_label": ind.median_shown(vals.min()) if len(vals) else "",
                          "high_label": ind.median_shown(vals.max()) if len(vals) else "",
                          "focus": ind.values.get(ctx.focus), "focus_label": ind.shown(ctx.focus),
                          "lower_is_better": not ind.higher_is_better})
        section.tables.append(rows_table(f"{ctx.focus} scorecard, {ctx.quarter}",
                                         ["Indicator", ctx.focus, "Network median", "Position", "Better when"], rows,
                                         raw_rows=[[i.label, i.values.get(ctx.focus), median(i.values.tolist()),
                                                    r[3], r[4]] for i, r in zip(inds, rows)]))
        section.charts.append(chart(
            "scorecard", charts.position_strip(strip),
            f"Strip chart placing {ctx.focus} among the nine units on each scorecard indicator: " + "; ".join(
                f"{r[0]} {r[1]} ({r[3]})" for r in rows) + ".",
            f"{ctx.focus} among the nine units on each indicator, {ctx.quarter}"))
    else:
        head = ["Indicator", *ctx.units, "Median"]
        rows = [[i.label, *[i.shown(u) for u in ctx.units], i.median_shown(median(i.values.tolist()))] for i in inds]
        raw = [[i.label, *[i.values.get(u) for u in ctx.units], median(i.values.tolist())] for i in inds]
        section.tables.append(rows_table(f"Network scorecard, {ctx.quarter}", head, rows, raw_rows=raw))
        better = {u: sum(_at_or_better(i, u) for i in inds) for u in ctx.units}
        section.charts.append(chart(
            "scorecard", charts.unit_bars(better, None, f"Indicators at or better than the network median "
                                                        f"(of {len(inds)})"),
            "Bar chart of how many scorecard indicators each unit meets at or better than the network median: "
            + "; ".join(f"{u} {v} of {len(inds)}" for u, v in better.items()) + ".",
            f"Indicators at or better than the network median, by unit, {ctx.quarter}"))
    return section
