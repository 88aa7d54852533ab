"""The "Disruptions and threat" section: what the unit's (or network's) disruptions did to the threat.

Figures from the OCG ledger (fct_ocg_ledger_summary; the untouched groups by reference from
fct_ocg_ledger_period_groups), disruptions by threat area x 4P x impact and who led them
(fct_disruptions_threat_matrix, fct_disruptions_threat_matrix_network), the led share with its band
against the network (fct_disruptions_lead_share, fct_share_funnel), the share linked to an OCG
(fct_disruption_recording) and each extract's freshness (fct_disruption_extract_freshness). No ranks:
a band (higher, similar, lower) only where the mart gives one. OCGs by reference, never by name.
"""

from __future__ import annotations

from functools import partial

import pandas as pd

from pipelines.papers import charts
from pipelines.papers.model import Section, Table
from pipelines.papers.sections.common import Context, chart, table
from pipelines.serving.formats import count, day, missing, share_with_base

BANDS = {"higher": "higher than the network", "similar": "similar to the network",
         "lower": "lower than the network"}
LEAD_COLUMNS = {"disruptions": ("Disruptions", count), "led": ("Led by the unit", count),
                "force_led": ("Force-led, unit supported", count),
                "other_rocu_led": ("Another ROCU led, unit supported", count),
                "lead_not_recorded": ("Lead not recorded", count)}


def _disrupted(r) -> str:
    return share_with_base(r.high_band_disrupted, r.high_band_ocgs, r.high_band_disrupted_pct, bool(r.is_small_base),
                           "high-band OCGs")


def _led(r) -> str:
    if missing(r.lead_base):
        return "no disruptions"
    text = share_with_base(r.led, r.lead_base, r.led_share_pct, bool(r.is_small_base), "with a lead")
    return text if missing(r.band_95) else f"{text}, {BANDS.get(r.band_95, r.band_95)}"


def _linked(r) -> str:
    if missing(r.unit_disruptions):
        return "no disruptions"
    return share_with_base(r.disruptions, r.unit_disruptions, r.share_pct, bool(r.is_small_base), "disruptions")


def disruptions(ctx: Context) -> Section:
    f = ctx.figures
    section = Section("disruptions", "Disruptions and threat",
                      "What the disruptions did to the organised crime groups (OCGs) on the register: the share of "
                      "high-band groups disrupted in the quarter (each group once, with its band at the quarter's "
                      "end), the high-band groups left six months or more without a disruption (by reference, never "
                      "by name), groups dismantled after disruption, and validated disruptions by threat area, 4P "
                      "strand and impact level, led by the unit or supported. Weighted: major 3, moderate 2, minor 1. "
                      "A share on a base under 10 is written as a count. Bands against the network are the 95% "
                      "funnel's; no unit is ranked.")
    ledger = f.ledger[f.ledger["threat_area_code"] == "ALL"].set_index("rocu_code").reindex(ctx.units)
    lead = f.lead_share.set_index("rocu_code").reindex(ctx.units)
    linked = f.recording.set_index("rocu_code").reindex(ctx.units)
    fresh = f.freshness.set_index("rocu_code").reindex(ctx.units)
    if ctx.focus:
        _focus_findings(ctx, section, ledger.loc[ctx.focus], lead.loc[ctx.focus], linked.loc[ctx.focus],
                        fresh.loc[ctx.focus])
        matrix = f.threat_matrix[f.threat_matrix["rocu_code"] == ctx.focus]
        columns = LEAD_COLUMNS
    else:
        _network_findings(section, ledger, f.lead_share, f.recording)
        matrix = f.network_matrix
        columns = {**LEAD_COLUMNS, "led": ("Led by the recording unit", count),
                   "force_led": ("Force-led, a unit supported", count),
                   "other_rocu_led": ("Another ROCU led, a unit supported", count)}
    section.tables.append(_matrix(ctx, matrix, columns))
    if ctx.focus:
        section.tables.append(_ledger_by_area(ctx))
    untouched = _untouched(ctx)
    if len(untouched.data):  # none: the findings say so
        section.tables.append(untouched)
    section.charts.append(chart(
        "untouched", partial(charts.unit_bars, ledger["high_band_untouched_6m"].to_dict(), ctx.focus,
                                               f"High-band OCGs untouched six months or more, end of {ctx.quarter}"),
        "Bar chart of high-band OCGs with no disruption in six months or more at the end of the quarter, by unit: "
        + "; ".join(f"{u} {count(v)}" for u, v in ledger["high_band_untouched_6m"].items()) + ".",
        f"High-band OCGs untouched six months or more by unit, end of {ctx.quarter}"))
    section.tables.extend(_all_units(ctx, ledger, lead, linked, fresh))
    return section


def _matrix(ctx: Context, matrix: pd.DataFrame, columns: dict) -> Table:
    """Threat area and strand down, impact level across; each cell its disruptions and who led them. The
    XLSX keeps the mart's rows, one per threat area, strand and impact level, with every column."""
    cells = matrix.assign(cell=[_cell(r) for r in matrix.itertuples()], impact=matrix["impact_level"].str.capitalize())
    impacts = list(dict.fromkeys(cells.sort_values("impact_rank")["impact"]))
    shown = (cells.pivot(index=["threat_area_name", "strand_sort_order", "strand_name"], columns="impact", values="cell")
             .reindex(columns=impacts).fillna("–").reset_index().drop(columns="strand_sort_order")
             .rename(columns={"threat_area_name": "Threat area", "strand_name": "Strand"}).rename_axis(columns=None))
    raw = {"threat_area_name": ("Threat area", None), "strand_name": ("Strand", None), "impact": ("Impact", None),
           **columns}
    data = cells[list(raw)].rename(columns={col: heading for col, (heading, _) in raw.items()}).reset_index(drop=True)
    who = "the unit" if ctx.focus else "the unit that recorded it"
    return Table(caption=f"{ctx.focus or 'The network'}: validated disruptions by threat area, 4P strand and impact "
                         f"level, {ctx.quarter}", shown=shown, data=data,
                 note=f"Each cell: disruptions, then how many {who} led, a force led (supported) or another ROCU led "
                      "(supported), and any with no lead recorded. Each disruption counted once however many agencies "
                      "claimed it." + ("" if ctx.focus else _network_note(matrix)))


def _network_note(matrix) -> str:
    """The network's cells add up the units', less any disruption two units recorded (counted once in dbt:
    fct_disruptions_threat_matrix_network.counted_by_more_than_one_unit)."""
    if not (matrix["counted_by_more_than_one_unit"] > 0).any():
        return " The network's cells add up the units'."
    return (" The network's cells add up the units', less the disruptions one unit led and another supported, "
            "both recording them: the network counts each once.")


def _cell(r) -> str:
    parts = [f"{count(r.led)} led"] + [f"{count(n)} {words}" for n, words in (
        (r.force_led, "force-led"), (r.other_rocu_led, "other ROCU"), (r.lead_not_recorded, "not recorded")) if n]
    return f"{count(r.disruptions)}: {', '.join(parts)}"


def _focus_findings(ctx: Context, section: Section, ledger: pd.Series, lead: pd.Series, linked: pd.Series,
                    fresh: pd.Series) -> None:
    unit = ctx.focus
    if missing(ledger.ocgs):
        section.findings.append(f"The OCG ledger holds no groups for {unit} in {ctx.quarter}.")
    else:
        # The first finding heads the scorecard: kept short.
        section.findings.append(f"{unit}: {_disrupted(ledger)} disrupted in {ctx.quarter}; "
                                f"{count(ledger.high_band_untouched_6m)} untouched six months or more.")
        section.findings.append(
            f"By {ledger.last_month}, {count(ledger.high_band_untouched_6m)} high-band OCGs had gone six months or "
            f"more without a disruption; {count(ledger.dismantled_after_disruption)} OCGs were dismantled after "
            f"disruption ({count(ledger.impact_weighted_disruptions)} impact-weighted disruptions against its OCGs).")
    section.findings.append(f"Of its disruptions in the quarter with a recorded lead, {unit} led {_led(lead)}"
                            + ("" if missing(lead.band_95) else " (95% limits)") + ".")
    network = "" if missing(linked.network_share_pct) else " (network " + share_with_base(
        linked.network_disruptions, linked.network_unit_disruptions, linked.network_share_pct, False,
        "disruptions") + ")"
    section.findings.append(
        f"{_linked(linked)} of {unit}'s validated disruptions were against an OCG on the register{network}; its "
        f"newest disruption record is dated {day(fresh.latest_disruption_date)}, "
        f"{count(fresh.months_behind_network)} months behind the network's newest.")


def _network_findings(section: Section, ledger: pd.DataFrame, lead: pd.DataFrame, linked: pd.DataFrame) -> None:
    section.findings.append("High-band OCGs untouched six months or more at the quarter's end: " + "; ".join(
        f"{u} {count(n)}" for u, n in ledger["high_band_untouched_6m"].items()) + ".")
    if not lead.empty:
        n = lead.iloc[0]
        section.findings.append("Across the network the units led " + share_with_base(
            n.network_led, n.network_lead_base, n.network_led_share_pct, bool(n.network_is_small_base),
            "disruptions with a recorded lead") + " of their disruptions in the quarter.")
    if not linked.empty:
        n = linked.iloc[0]
        section.findings.append(share_with_base(n.network_disruptions, n.network_unit_disruptions,
                                                n.network_share_pct, False, "validated disruptions")
                                + " were against an OCG on the register.")


def _ledger_by_area(ctx: Context) -> Table:
    rows = ctx.figures.ledger[ctx.figures.ledger["rocu_code"] == ctx.focus].copy()
    rows["disrupted"] = [_disrupted(r) for r in rows.itertuples()]
    return table(f"{ctx.focus}: the OCG ledger by threat area, {ctx.quarter}", rows, {
        "threat_area_name": ("Threat area", None), "ocgs": ("OCGs", count),
        "disrupted": ("High-band OCGs disrupted", None),
        "high_band_untouched_6m": ("Untouched six months or more", count),
        "dismantled_after_disruption": ("Dismantled after disruption", count),
        "impact_weighted_disruptions": ("Impact-weighted disruptions", count)},
        note="Each group once, with its band, owner and threat area in its last month of the quarter.",
        raw_extra={"high_band_disrupted": "High-band OCGs disrupted (n)", "high_band_ocgs": "High-band OCGs (base)",
                   "high_band_disrupted_pct": "High-band OCGs disrupted (%)", "is_small_base": "Small base",
                   "high_band_force_held": "High band held by forces", "high_band_rocu_held": "High band held by the unit"})


def _untouched(ctx: Context) -> Table:
    rows = ctx.figures.untouched
    if ctx.focus:
        rows = rows[rows["rocu_code"] == ctx.focus]
    rows = rows.assign(held_by=[f"{code} ({kind})" for kind, code in zip(rows["owner_type"], rows["owner_code"])],
                       last=rows["last_disrupted_month"].fillna("not on the ledger"))
    return table(f"{ctx.focus or 'All units'}: high-band OCGs untouched six months or more, end of {ctx.quarter}",
                 rows, {"rocu_code": ("Unit", None), "ocg_ref": ("OCG reference", None),
                        "threat_area_code": ("Threat area", None), "morile_score": ("MoRiLE score", count),
                        "held_by": ("Held by", None), "last": ("Last disrupted", None)},
                 note="OCGs by reference, never by name. Active high-band groups on the register six months or more "
                      "with no validated disruption in the last six.")


def _all_units(ctx: Context, ledger: pd.DataFrame, lead: pd.DataFrame, linked: pd.DataFrame,
               fresh: pd.DataFrame) -> list[Table]:
    """Two tables of every unit: the ledger's measures, then who led and how the records are kept."""
    measures = pd.DataFrame({
        "rocu_code": ctx.units,
        "disrupted": [_disrupted(r) if not missing(r.ocgs) else "no OCGs" for r in ledger.itertuples()],
        "untouched": ledger["high_band_untouched_6m"].values,
        "dismantled": ledger["dismantled_after_disruption"].values,
        "weighted": ledger["impact_weighted_disruptions"].values,
        "high_band_disrupted": ledger["high_band_disrupted"].values, "high_band_ocgs": ledger["high_band_ocgs"].values,
    })
    records = pd.DataFrame({
        "rocu_code": ctx.units,
        "led_text": [_led(r) for r in lead.itertuples()],
        "linked_text": [_linked(r) for r in linked.itertuples()],
        "newest": fresh["latest_disruption_date"].values,
        "behind": fresh["months_behind_network"].values,
        "led": lead["led"].values, "lead_base": lead["lead_base"].values, "band_95": lead["band_95"].values,
        "ocg_linked": linked["disruptions"].values, "unit_disruptions": linked["unit_disruptions"].values,
    })
    return [
        table(f"All units: the OCG ledger, {ctx.quarter}", measures, {
            "rocu_code": ("Unit", None), "disrupted": ("High-band OCGs disrupted", None),
            "untouched": ("Untouched six months or more", count),
            "dismantled": ("Dismantled after disruption", count),
            "weighted": ("Impact-weighted disruptions", count)},
            raw_extra={"high_band_disrupted": "High-band OCGs disrupted (n)",
                       "high_band_ocgs": "High-band OCGs (base)"}),
        table(f"All units: who led the disruptions and how they are recorded, {ctx.quarter}", records, {
            "rocu_code": ("Unit", None), "led_text": ("Led by the unit", None),
            "linked_text": ("Linked to an OCG", None), "newest": ("Newest disruption record", day),
            "behind": ("Months behind the network", count)},
            note="Led by the unit: of the disruptions with a recorded lead, with the band of the 95% funnel against "
                 "the network's share where there is one. Newest disruption record: as at the build.",
            raw_extra={"led": "Led by the unit (n)", "lead_base": "Disruptions with a recorded lead (base)",
                       "band_95": "Led share against the network (95%)", "ocg_linked": "Linked to an OCG (n)",
                       "unit_disruptions": "Validated disruptions (base)"}),
    ]
