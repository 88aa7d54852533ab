"""Does effort follow the threat? The golden thread for a board, against national and regional priorities.

Figures for the financial year the paper's quarter ends in, from fct_effort_alignment (each threat
area's share of the unit's high-band threat beside its share of the unit's effort, with the area's
priorities), fct_effort_alignment_index (the index and its components) and fct_effort_on_priorities
(the share of operations on priority areas, banded against the network). The units are compared on
both, never ranked: the index on its Wilson interval against the network's index, the share on exact
binomial limits; a small base is shown, marked and not compared.
"""

from __future__ import annotations

from functools import partial

import pandas as pd

from pipelines.papers import charts, findings
from pipelines.papers.model import Section
from pipelines.serving.formats import decimal, missing, pct, plain, share
from pipelines.papers.sections.common import Context, chart, rows_table

MARKS = {"higher": " ▲", "lower": " ▼"}


def _gap(value: float | None) -> str:
    return "–" if missing(value) else f"{value:+.0f}"


def _levels(row) -> str:
    """'high / medium (lowered)': the national, then the regional priority level, and a departure."""
    levels = " / ".join("–" if missing(v) else str(v) for v in (row.national_priority_level,
                                                              row.regional_priority_level))
    return f"{levels} ({row.departure})" if row.departs_from_national and not missing(row.departure) else levels


def _against(row: pd.Series) -> str:
    words = f"{row.band_95}{', outside 99.8%' if row.band_998 != 'similar' else ''}"
    return f"{words} (small base)" if row.is_small_base else words


def _threat_basis(row) -> str:
    """What the unit's threat shares are of, naming the source (the ledger, else the register snapshot)."""
    if row.threat_source == "register":
        return (f"{plain(row.high_band_ocgs)} high-band groups on the OCG register snapshot (no monthly OCG extract "
                "holds the unit in the year)")
    return f"{plain(row.high_band_ocg_months)} high-band OCG-months on the OCG ledger"


def _index_mark(row) -> str:
    return "" if row.is_small_base or missing(row.band_95) else MARKS.get(row.band_95, "")


def _interval(row) -> str:
    return "–" if missing(row.lower_95) else f"{decimal(row.lower_95, 0)} to {decimal(row.upper_95, 0)}"


def _index_against(row) -> str:
    if row.is_small_base:
        return "small base: not compared"
    if missing(row.band_95):
        return "–"
    return f"{row.band_95}{', outside 99.8%' if row.band_998 != 'similar' else ''}"


def alignment(ctx: Context) -> Section:
    areas, index, shares = ctx.figures.alignment, ctx.figures.alignment_index, ctx.figures.on_priorities
    year = None if index.empty else index["financial_year"].iloc[0]
    months_held = None if index.empty else int(index["months_in_period"].iloc[0])
    section = Section(
        "alignment", "Does effort follow the threat?",
        f"For financial year {year or 'of the quarter'}"
        + ("" if months_held is None else f" ({months_held} of 12 months on the OCG ledger, as at this build)")
        + ": each threat area's share of the unit's high-band threat (high-band OCG-months on the OCG ledger) beside "
        "its share of the unit's effort (the operations and disruptions it led), with the area's national and "
        "regional priority. The effort-follows-threat index is 100 minus half the sum of the gaps (100: effort "
        "spread as the threat is); it is compared with the network's index on a 95% interval whose base joins the "
        "unit's high-band groups and its operations and disruptions, and not compared where that base is small. The "
        "share of operations on priority areas is compared with the network's on exact binomial 95% limits. Units "
        "are never ranked.")
    if index.empty:
        section.findings.append("The warehouse holds no operations or OCG ledger for the financial year of "
                                f"{ctx.quarter}.")
        return section
    names = dict(zip(areas["threat_area_code"], areas["threat_area_name"]))
    network_pct = None if shares.empty else shares["network_on_priority_pct"].iloc[0]
    if ctx.focus:
        _unit(ctx, section, areas, index, shares, names, network_pct)
    else:
        _network(ctx, section, index, shares, network_pct)
    return section


def _unit(ctx: Context, section: Section, areas: pd.DataFrame, index: pd.DataFrame, shares: pd.DataFrame,
          names: dict[str, str], network_pct: float | None) -> None:
    unit = ctx.focus
    mine = areas[areas["rocu_code"] == unit]
    me = index[index["rocu_code"] == unit]
    if me.empty:
        section.findings.append(f"{unit} led no operations and held no high-band threat in the year.")
        return
    r = me.iloc[0]
    section.findings.append(findings.effort_index(unit, r.financial_year, int(r.months_in_period),
                                                  r.effort_follows_threat_index,
                                                  names.get(r.widest_gap_threat_area_code), r.widest_gap_pts))
    section.findings.append(findings.index_against_network(unit, r.effort_follows_threat_index, r.lower_95,
                                                           r.upper_95, bool(r.is_small_base), int(r.high_band_ocgs),
                                                           int(r.effort_items), r.network_index, r.band_95))
    mine_share = shares[shares["rocu_code"] == unit]
    if not mine_share.empty:
        s = mine_share.iloc[0]
        section.findings.append(findings.effort_on_priorities(unit, int(s.operations_on_priority), int(s.operations),
                                                              s.on_priority_pct, bool(s.is_small_base),
                                                              network_pct, s.band_95))
    section.findings.append(findings.priorities_without_operation(
        unit, mine.loc[mine["is_priority_without_operation"], "threat_area_name"].tolist()))
    departing = mine[mine["departs_from_national"]]
    section.findings.append(findings.departures_from_national(
        unit, [f"{a.threat_area_name} ({a.departure})" for a in departing.itertuples()]))
    rows = [[a.threat_area_name, _levels(a), pct(a.threat_share_pct),
             pct(a.effort_share_pct), _gap(a.effort_gap_pts), plain(a.operations), plain(a.disruptions)]
            for a in mine.itertuples()]
    raw = [[a.threat_area_name, _levels(a), a.threat_share_pct,
            a.effort_share_pct, a.effort_gap_pts, a.operations, a.disruptions] for a in mine.itertuples()]
    section.tables.append(rows_table(
        f"{unit}: threat and effort by threat area, {r.financial_year}",
        ["Threat area", "Priority: national / regional", "Threat share", "Effort share", "Gap (points)",
         "Operations", "Disruptions"], rows, raw_rows=raw,
        note=f"Threat share: of the unit's {_threat_basis(r)}; effort share: of the "
             f"{plain(r.operations)} operations and {plain(r.disruptions)} disruptions it led (the components "
             "weighted as seeds/priorities/effort_components.csv says)."))
    pairs = {a.threat_area_name: (a.threat_share_pct, a.effort_share_pct) for a in mine.itertuples()
             if not (missing(a.threat_share_pct) and missing(a.effort_share_pct))}
    if pairs:
        section.charts.append(chart(
            "alignment", partial(charts.paired_dots, pairs, ("share of high-band threat", "share of effort"), None,
                                                     f"Share of {unit}'s total (%)"),
            f"Dot chart of each threat area's share of {unit}'s high-band threat against its share of {unit}'s "
            "effort: " + "; ".join(f"{k} threat {pct(a)}, effort {pct(b)}" for k, (a, b) in pairs.items()) + ".",
            f"{unit}: share of high-band threat and share of effort by threat area, {r.financial_year}"))


def _network(ctx: Context, section: Section, index: pd.DataFrame, shares: pd.DataFrame,
             network_pct: float | None) -> None:
    by_unit = index.set_index("rocu_code")
    banded = shares.set_index("rocu_code")
    if not index.empty and not missing(index["network_index"].iloc[0]):
        section.findings.append(findings.network_index(
            {u: ("small base" if small else band) for u, small, band in
             zip(index["rocu_code"], index["is_small_base"], index["band_95"]) if not missing(band) or small},
            index["network_index"].iloc[0]))
    if network_pct is not None:
        section.findings.append(findings.network_on_priorities(banded["band_95"].to_dict(), network_pct))
    rows, raw = [], []
    for unit in ctx.units:
        if unit not in by_unit.index:
            continue
        r = by_unit.loc[unit]
        s = banded.loc[unit] if unit in banded.index else None
        on_priority = "–" if s is None else share(s.operations_on_priority, s.operations)
        rows.append([unit, decimal(r.effort_follows_threat_index, 0) + _index_mark(r), _interval(r),
                     _index_against(r), plain(r.high_band_ocgs), plain(r.operations),
                     on_priority + ("" if s is None else MARKS.get(s.band_95, "")),
                     "–" if s is None else _against(s), plain(r.priorities_without_operation)])
        raw.append([unit, r.effort_follows_threat_index, _interval(r), r.band_95, r.high_band_ocgs,
                    r.operations, None if s is None else s.on_priority_pct, None if s is None else s.band_95,
                    r.priorities_without_operation])
    year = index["financial_year"].iloc[0]
    section.tables.append(rows_table(
        f"Effort against threat by unit, {year} (▲ higher, ▼ lower than the network at 95%; in unit order, "
        "never a rank)",
        ["Unit", "Index (of 100)", "Index 95% interval", "Index against the network", "High-band groups",
         "Operations led", "On priority areas", "Share against the network", "Priorities with no operation"],
        rows, raw_rows=raw,
        note=f"Network index {decimal(index['network_index'].iloc[0])}: the indexes of the units with a base big "
             "enough to compare, pooled on their bases. A unit with fewer than 10 high-band groups, or fewer than 10 "
             "operations and disruptions, is a small base: shown, not compared."))
