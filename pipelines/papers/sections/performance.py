"""Sections about results and threat: outcomes against peers, OCG threat against forces.

Figures from fct_outcomes_quarterly (rates, peer medians, network indexes), fct_ocg_threat,
fct_board_quarterly and fct_board_network_quarterly.
"""

from __future__ import annotations

from functools import partial

import pandas as pd

from pipelines.papers import charts, findings
from pipelines.papers.model import Section
from pipelines.months import month_label
from pipelines.serving.formats import SMALL_BASE, amount, count, decimal, missing, rate, rate_100k
from pipelines.papers.sections.common import Context, chart, table

HEADLINE = ["DIS_TOTAL", "DIS_MAJOR", "PUR_ARRESTS", "PUR_CHARGES", "PUR_CONVICTIONS", "PUR_CASH_SEIZED",
            "PRV_INTERVENTIONS", "PRO_VICTIMS_SAFEGUARDED", "PRO_ORGANISATIONS_ADVISED", "PRP_EXERCISES"]
RATE_COLUMNS = {"per_100k_population": "Per 100k", "peer_median_per_100k": "Peer median per 100k",
                "national_per_100k": "Network per 100k", "officer_rate": "Per 100 officers",
                "peer_median_officer_rate": "Peer median per 100 officers",
                "national_officer_rate": "Network per 100 officers"}
OUTCOME_SOURCES = ("monthly_return", "disruption_extract")  # not capacity, tasking or the OCG register
NETWORK_METRICS = ["DIS_TOTAL", "PUR_ARRESTS", "PUR_CONVICTIONS", "PRV_INTERVENTIONS"]


def bases_note(rows: pd.DataFrame) -> str:
    """The bases the rates in `rows` are on, each named with its year or date and status, as the
    marts word them ("per 100,000 population (mid-2024, provisional)"); provisional ones say so."""
    labels = [*dict.fromkeys(rows["population_base_label"].dropna()), *dict.fromkeys(rows["officer_base_label"].dropna())]
    return f"Rates {'; '.join(labels)}." if labels else ""


def _rank(r: pd.Series) -> str:
    """A place only where the band allows one (fct_outcomes_quarterly.rank_shown); else the band."""
    if not missing(r.rank_shown):
        return f"{int(r.rank_shown)} of {int(r.units_reporting)} ({r.band_95})"
    return "–" if missing(r.band_95) else f"{r.band_95}, no rank"


def outcomes(ctx: Context) -> Section:
    out = ctx.figures.outcomes
    rateable = out[out["per_100k_population"].notna() & out["source"].isin(OUTCOME_SOURCES)].copy()
    section = Section("outcomes", "Outcomes against peers, per 100,000 population and per 100 officers",
                      "Counts are set against the population the unit serves and the police officers of its "
                      "forces, so that regions of different size compare fairly. The peer group is the units "
                      "grouped with it by the default peer grouping (docs/peer-groups.md), named below with the "
                      "reason; the network figure is all units reporting. Rates on counts "
                      f"under {SMALL_BASE} are shown but not compared.")
    if ctx.focus:
        mine = rateable[rateable["rocu_code"] == ctx.focus].copy()
        head = mine.set_index("metric_id").reindex([m for m in HEADLINE if m in set(mine["metric_id"])])
        for r in head.itertuples():
            section.findings.append(findings.outcome(ctx.focus, r.metric_name, r.value, r.per_100k_population,
                                                     r.peer_median_per_100k, r.national_per_100k, r.unit,
                                                     r.pct_above_peer_median, r.population_base_label))
        dots = [{"label": r.metric_name, "unit_index": r.index_vs_network, "peer_index": r.peer_index_vs_network}
                for r in head.itertuples() if not missing(r.index_vs_network) and not missing(r.peer_index_vs_network)
                and (r.unit != "count" or r.value >= SMALL_BASE)]
        if dots:
            section.charts.append(chart(
                "outcomes", partial(charts.index_dots, dots),
                f"Dot chart of {ctx.focus}'s rates per 100,000 for {len(dots)} headline outcomes as an index of the "
                "network rate (network = 100): " + "; ".join(
                    f"{d['label']} {d['unit_index']:.0f} (peers {d['peer_index']:.0f})" for d in dots) + ". "
                + bases_note(mine),
                f"{ctx.focus}: headline outcomes per 100,000 against peers and network, {ctx.quarter}"))
        base = mine.iloc[0] if len(mine) else None
        note = "" if base is None else (
            f"Population {count(base.population)} and police officers {decimal(base.officer_fte)} FTE: "
            f"rates {base.population_base_label} and {base.officer_base_label}. Network rates "
            f"{base.national_population_base_label} and {base.national_officer_base_label}. "
            + ("" if missing(base.peer_group_label) else f"{base.peer_group_label}."))
        mine["total"] = [amount(v, u) for v, u in zip(mine["value"], mine["unit"])]
        mine["months"] = [f"{int(a)} of {int(b)}" for a, b in zip(mine["months_reported"], mine["months_in_period"])]
        mine["rank"] = [_rank(r) for r in mine.itertuples()]
        for col in RATE_COLUMNS:
            # both scales read to two places (pounds whole), as dim_rate_scale gives them to the pages
            mine[f"{col}__shown"] = [rate(v, u) for v, u in zip(mine[col], mine["unit"])]
        mine = mine.sort_values(["strand_code", "metric_name"])
        t = table(f"{ctx.focus}: outcomes in {ctx.quarter} per 100,000 population and per 100 officers", mine,
                  {"metric_name": ("Outcome", None), "total": ("Quarter total", None), "months": ("Months", None),
                   **{f"{col}__shown": (heading, None) for col, heading in RATE_COLUMNS.items()},
                   "rank": ("Rank", None)}, note=note)
        raw = {"metric_id": "Metric id", "metric_name": "Outcome", "unit": "Unit of measure", "value": "Quarter total",
               "months_reported": "Months reported", "months_in_period": "Months in quarter", **RATE_COLUMNS,
               "band_95": "Against the network (95%)", "rank_shown": "Rank", "units_reporting": "Units reporting",
               "population": "Population", "officer_fte": "Police officers (FTE)",
               "population_base_label": "Base of per 100k", "officer_base_label": "Base of per 100 officers"}
        t.data = mine[list(raw)].rename(columns=raw).reset_index(drop=True)
        section.tables.append(t)
    else:
        section.findings.extend(_network_outcome_findings(ctx, rateable))
    dis = rateable[rateable["metric_id"] == "DIS_TOTAL"].set_index("rocu_code").reindex(ctx.units)
    if dis["per_100k_population"].notna().any():
        national = dis["national_per_100k"].dropna().iloc[0]
        base = dis["national_population_base_label"].dropna().iloc[0]
        section.charts.append(chart(
            "disruptions", partial(charts.unit_bars, dis["per_100k_population"].to_dict(), ctx.focus,
                                                     f"Disruptions per 100,000 population, {ctx.quarter}",
                                                     label=rate_100k, reference=national, reference_label="network"),
            "Bar chart of disruptions per 100,000 population by unit: " + "; ".join(
                f"{u} {rate_100k(v)}" for u, v in dis["per_100k_population"].items()) + f"; network {rate_100k(national)}"
            f" (base: {base}).",
            f"Disruptions {base} by unit, {ctx.quarter}"))
    wide = rateable[rateable["metric_id"].isin(NETWORK_METRICS)]
    names = wide.drop_duplicates("metric_id").set_index("metric_id")["metric_name"]
    pivot = wide.pivot(index="rocu_code", columns="metric_id", values="per_100k_population").reindex(ctx.units)
    per_100_officers = wide.pivot(index="rocu_code", columns="metric_id", values="officer_rate").reindex(ctx.units)
    cols = [m for m in NETWORK_METRICS if m in pivot.columns]
    frame = pd.concat([pivot[cols].add_suffix("__100k"), per_100_officers[cols].add_suffix("__officer")], axis=1)
    frame = frame.reset_index(names="rocu_code")
    spec = {"rocu_code": ("Unit", None)}
    for m in cols:
        spec[f"{m}__100k"] = (f"{names[m]} per 100k", rate_100k)
        spec[f"{m}__officer"] = (f"{names[m]} per 100 officers", rate_100k)
    section.tables.append(table(f"All units: selected outcomes per 100,000 and per 100 officers, {ctx.quarter}", frame,
                                spec, note=bases_note(wide)))
    return section


def _network_outcome_findings(ctx: Context, rateable: pd.DataFrame) -> list[str]:
    lines = []
    for metric in NETWORK_METRICS:
        rows = rateable[rateable["metric_id"] == metric].dropna(subset=["per_100k_population"])
        if rows.empty:
            continue
        hi, lo = rows.loc[rows["per_100k_population"].idxmax()], rows.loc[rows["per_100k_population"].idxmin()]
        lines.append(f"{hi.metric_name}: network {rate_100k(hi.national_per_100k)} "
                     f"{hi.national_population_base_label}; highest "
                     f"{hi.rocu_code} ({rate_100k(hi.per_100k_population)}), lowest {lo.rocu_code} "
                     f"({rate_100k(lo.per_100k_population)}).")
    return lines


def threat(ctx: Context) -> Section:
    ocg = ctx.figures.ocg
    q = ctx.quarter_rows
    as_at = ctx.network.ocg_register_month
    section = Section("threat", "OCG threat level (MoRiLE): the unit against its forces",
                      "Mean MoRiLE score of active organised crime groups held by the unit, beside those kept by its "
                      "constituent forces. A unit mean below its forces' suggests forces keep the higher-threat "
                      "groups. "
                      + (f"As the OCG register stood in {month_label(as_at)}, the quarter's last extract."
                         if not missing(as_at) else "No OCG register extract fell in the quarter."))
    net = ctx.network
    if ctx.focus:
        row = ctx.focus_row()
        section.findings.append(findings.threat(ctx.focus, row.rocu_mean_morile, int(row.rocu_active_ocgs or 0),
                                                row.forces_mean_morile, int(row.forces_active_ocgs or 0),
                                                int(row.rocu_high_band_ocgs or 0), int(row.forces_high_band_ocgs or 0)))
        mine = ocg[ocg["rocu_code"] == ctx.focus].copy()
        mine["owner"] = [f"{n} (unit)" if t == "rocu" else n for n, t in zip(mine["owner_name"], mine["owner_type"])]
        section.charts.append(chart(
            "owners", partial(charts.owner_ranges, [{"label": r.owner, "owner_type": r.owner_type, "p25": r.p25_morile_score,
                                                     "p75": r.p75_morile_score, "mean": r.mean_morile_score,
                                                     "n": int(r.active_ocgs)} for r in mine.itertuples()]),
            f"Range chart of MoRiLE scores for {ctx.focus} and each of its forces: " + "; ".join(
                f"{r.owner} mean {r.mean_morile_score:.1f} from {int(r.active_ocgs)} OCGs" for r in mine.itertuples())
            + ".", f"{ctx.focus}: MoRiLE scores of active OCGs by owner"))
        section.tables.append(table(f"{ctx.focus} and its forces: active OCGs and MoRiLE scores", mine, {
            "owner": ("Owner", None), "active_ocgs": ("Active OCGs", count), "high_band": ("High band", count),
            "medium_band": ("Medium", count), "low_band": ("Low", count), "mean_morile_score": ("Mean score", decimal),
            "median_morile_score": ("Median", decimal), "p25_morile_score": ("25th percentile", decimal),
            "p75_morile_score": ("75th percentile", decimal), "max_morile_score": ("Highest", count)}))
    else:
        section.findings.append(findings.network_count(
            "have forces whose OCGs carry a higher mean MoRiLE score than the unit's own",
            int(net.units_forces_hold_higher_threat), int(net.units)))
        if not missing(net.min_morile_gap):
            section.findings.append(f"The gap (unit mean minus forces' mean) runs from {decimal(net.min_morile_gap)} "
                                    f"({net.min_morile_gap_unit}) to {decimal(net.max_morile_gap)} "
                                    f"({net.max_morile_gap_unit}).")
    section.charts.append(chart(
        "threat", partial(charts.paired_dots, {u: (q.loc[u, "rocu_mean_morile"], q.loc[u, "forces_mean_morile"])
                                               for u in ctx.units}, ("unit's OCGs", "forces' OCGs"), ctx.focus,
                                              "Mean MoRiLE score of active OCGs"),
        "Dot chart of mean MoRiLE scores, unit against its forces: " + "; ".join(
            f"{u} unit {decimal(q.loc[u, 'rocu_mean_morile'])}, forces {decimal(q.loc[u, 'forces_mean_morile'])}"
            for u in ctx.units) + ".", "Mean MoRiLE score: each unit against its forces"))
    frame = q.reset_index(names="rocu_code")
    section.tables.append(table("All units: MoRiLE means, unit against forces", frame, {
        "rocu_code": ("Unit", None), "rocu_active_ocgs": ("Unit OCGs", count), "rocu_mean_morile": ("Unit mean", decimal),
        "forces_active_ocgs": ("Forces' OCGs", count), "forces_mean_morile": ("Forces' mean", decimal),
        "morile_gap_rocu_minus_forces": ("Gap", decimal), "rocu_high_band_ocgs": ("Unit high band", count),
        "forces_high_band_ocgs": ("Forces' high band", count)}))
    return section
