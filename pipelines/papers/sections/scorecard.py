"""The one-page scorecard: every headline indicator, the unit beside the network and how it
compares (better, similar or worse on 95% limits; never a position among the nine units, which
would rank chance), plus the first finding of each section.

Figures, network figures and bands come from fct_scorecard_quarterly (indicators, their order,
labels and direction from the seed scorecard_indicators); this module only writes them.
"""

from __future__ import annotations

from functools import partial

from collections.abc import Callable

import pandas as pd

from pipelines.papers import charts
from pipelines.papers.model import Section
from pipelines.serving.formats import SMALL_BASE, decimal, missing, pct, plain, rate_100k
from pipelines.papers.sections.common import Context, chart, rows_table

FORMATS: dict[str, Callable[[float | None], str]] = {"months": plain, "pct": pct, "count": plain,
                                                      "decimal": decimal, "rate_100k": rate_100k}


def _label(row: pd.Series) -> str:
    """The indicator's label with its base: the count it is a share of, or the base of a rate
    named with its year and status (the mart's rate_base_label)."""
    rate_base = "" if missing(row.rate_base_label) else row.rate_base_label
    return row.label.replace("{base}", plain(row.base)).replace("{rate_base}", rate_base)


def _shown(row: pd.Series) -> str:
    """The unit's figure; a part of a small base (or a count of a base) as "2 of 3"."""
    if row.shown_as_share:
        if missing(row.base) or not row.base:
            return "–"
        if row.base < SMALL_BASE or row.figure_format != "pct":
            return f"{plain(row.numerator)} of {plain(row.base)}"
    return FORMATS[row.figure_format](row.value)


def _median_shown(row: pd.Series, value: float | None, months_due: float) -> str:
    if row.figure_format == "months":
        return "–" if missing(value) else f"{plain(value)} of {plain(months_due)}"
    return FORMATS[row.figure_format](value)


def _network_shown(row: pd.Series, months_due: float, say_median: bool = True) -> str:
    """The network figure the unit is compared with: a pooled share, the network rate, or the median."""
    if row.network_value_kind == "pooled share":
        return pct(row.network_value)
    if row.network_value_kind == "network rate":
        return rate_100k(row.network_value)
    if row.network_value_kind == "median":
        median = _median_shown(row, row.network_value, months_due)
        return f"{median}†" if say_median else median
    return "–"


def _against(row: pd.Series) -> str:
    """How the unit compares, in words: the band at 95% (and an outlier at 99.8%), its small base."""
    if missing(row.value):
        return "–"
    if missing(row.comparison):
        return "not compared"
    words = str(row.comparison) + ("*" if row.is_small_base else "")
    if not missing(row.band_998) and row.band_998 != "similar":
        words += " (99.8%)"
    return words


AGAINST_NOTE = f"* small base (under {SMALL_BASE}); (99.8%): outside the 99.8% limits too; † median of the units."
MARKS = {"better": " ▲", "worse": " ▼", "higher": " ↑", "lower": " ↓"}


def scorecard(ctx: Context, headlines: list[str]) -> Section:
    card = ctx.figures.scorecard
    due = ctx.network.months_due
    codes = card.drop_duplicates("indicator_code").sort_values("sort_order")
    section = Section("scorecard", "Scorecard",
                      f"Headline indicators for {ctx.quarter}: {'the unit beside' if ctx.focus else 'each unit and'} "
                      "the network, compared on 95% limits (better, similar or worse; never a position)"
                      f"{'. In the chart, right is better' if ctx.focus else ''}. Shares on a base under {SMALL_BASE} "
                      "are shown as counts (\"2 of 3\").", findings=headlines)
    if ctx.focus:
        mine = card[card["rocu_code"] == ctx.focus].sort_values("sort_order")
        rows, raw, strip = [], [], []
        for r in mine.itertuples():
            label = _label(r)
            better = "neither" if missing(r.higher_is_better) else (
                "higher" if r.higher_is_better else "lower")
            rows.append([label, _shown(r), _network_shown(r, due), _against(r), better])
            raw.append([label, r.value, r.network_value, _against(r), better])
            values = card.loc[(card["indicator_code"] == r.indicator_code) & card["value"].notna(), "value"]
            strip.append({"label": label, "values": values.tolist(), "median": r.network_median,
                          "low": 0 if missing(r.network_min) else r.network_min,
                          "high": 0 if missing(r.network_max) else r.network_max,
                          "low_label": "" if missing(r.network_min) else _median_shown(r, r.network_min, due),
                          "high_label": "" if missing(r.network_max) else _median_shown(r, r.network_max, due),
                          "focus": None if missing(r.value) else r.value, "focus_label": _shown(r),
                          "lower_is_better": not missing(r.higher_is_better) and not r.higher_is_better})
        section.tables.append(rows_table(f"{ctx.focus} scorecard, {ctx.quarter}",
                                         ["Indicator", ctx.focus, "Network", "Against the network", "Better when"], rows,
                                         raw_rows=raw, note=AGAINST_NOTE))
        section.charts.append(chart(
            "scorecard", partial(charts.value_strip, strip),
            f"Strip chart placing {ctx.focus} among the nine units on each scorecard indicator: " + "; ".join(
                f"{r[0]} {r[1]} ({r[3]})" for r in rows) + ".",
            f"{ctx.focus} among the nine units on each indicator, {ctx.quarter}"))
    else:
        by_unit = card.set_index(["indicator_code", "rocu_code"])
        head = ["Indicator", *ctx.units, "Network"]
        rows, raw = [], []
        for c in codes.itertuples():
            unit_rows = [by_unit.loc[(c.indicator_code, u)] if (c.indicator_code, u) in by_unit.index else None
                         for u in ctx.units]
            rows.append([_label(c), *["–" if r is None else _shown(r) + MARKS.get(r.comparison, "")
                                      for r in unit_rows], _network_shown(c, due, say_median=False)])
            raw.append([_label(c), *[None if r is None else r.value for r in unit_rows], c.network_value])
        section.tables.append(rows_table(
            f"Network scorecard, {ctx.quarter}", head, rows, raw_rows=raw,
            note="▲ better, ▼ worse than the network at 95%; ↑ higher, ↓ lower where neither is better; no mark: "
                 "similar, or no base to compare. Network: the pooled share of a share, the network rate of a rate, "
                 "else the median of the units."))
        per_unit = card.drop_duplicates("rocu_code").set_index("rocu_code").reindex(ctx.units)
        counts = {kind: per_unit[f"indicators_{kind}"].fillna(0).astype(int).tolist()
                  for kind in ("better", "similar", "worse")}
        section.charts.append(chart(
            "scorecard", partial(charts.stacked_rows, list(ctx.units), counts, "Indicators compared with the network at 95%"),
            "Stacked bar chart of how many scorecard indicators each unit is better than, similar to or worse than "
            "the network on: " + "; ".join(
                f"{u} {b} better, {m} similar, {w} worse" for u, b, m, w in
                zip(ctx.units, counts["better"], counts["similar"], counts["worse"])) + ".",
            f"Indicators better, similar or worse than the network, by unit, {ctx.quarter}"))
    return section
