"""The Disruptions and threat page shows the OCG ledger's figures as the marts compute them: the
share of high-band OCGs disrupted with its base, the untouched groups by reference (never a name),
force-held against unit-held high-band groups month by month; every unit's disruption records (how
fresh, the share linked to an OCG) and the unit's disruptions by threat area, strand, impact and lead."""

from __future__ import annotations

from pipelines.serving.formats import day, share_with_base
from tests.test_dashboard_apptest import (chart_data, fresh_caches, open_section, run, sections, sql,  # noqa: F401
                                          table, var)


def test_the_page_shows_the_ledger_for_a_unit_and_year_as_the_marts_say(var):
    ((year,),) = sql(var, "select max(period) from marts.fct_ocg_ledger_summary where period_type = 'financial_year'"
                          " and months_in_period = 12 and last_month like '%-03'")
    at = run("threat", unit="NWROCU", period_type="financial_year", period=year)
    ((high, disrupted, pct, small, untouched, last_month),) = sql(
        var, "select high_band_ocgs, high_band_disrupted, high_band_disrupted_pct, is_small_base,"
             " high_band_untouched_6m, last_month from marts.fct_ocg_ledger_summary"
             " where rocu_code = 'NWROCU' and threat_area_code = 'ALL' and period_type = 'financial_year' and period = ?",
        year)
    headline = next(m for m in at.metric if m.label.startswith("High-band OCGs disrupted"))
    assert headline.value == share_with_base(disrupted, high, pct, small, "high-band OCGs")
    assert next(m for m in at.metric if m.label.startswith("High-band OCGs untouched")).value == f"{untouched:,}"

    held = chart_data(at)  # the first section: high-band OCGs held by forces and by the unit
    months = sql(var, "select period, high_band_force_held, high_band_rocu_held from marts.fct_ocg_ledger_summary"
                      " where rocu_code = 'NWROCU' and threat_area_code = 'ALL' and period_type = 'month'")
    assert len(held) == 2 * len(months)
    force = dict(zip(held[held["held_by"] == "Held by a force"]["month"], held[held["held_by"] == "Held by a force"]["ocgs"]))
    assert force == {m: f for m, f, _ in months}

    refs = [r for (r,) in sql(var, "select ocg_ref from marts.fct_ocg_ledger_monthly where rocu_code = 'NWROCU'"
                                   " and month = ? and morile_band = 'high' and is_untouched_6m", last_month)]
    shown = table(open_section(at, "Untouched OCGs"), "OCG reference")
    assert len(refs) == untouched and sorted(shown["OCG reference"]) == sorted(refs)
    assert shown["OCG reference"].str.fullmatch(r"OCG-NW-\d{4}").all()


def test_the_page_shows_every_units_disruption_records_and_the_units_disruptions_by_lead(var):
    ((year,),) = sql(var, "select max(period) from marts.fct_ocg_ledger_summary where period_type = 'financial_year'"
                          " and months_in_period = 12 and last_month like '%-03'")
    at = run("threat", unit="NWROCU", period_type="financial_year", period=year, section="Records and validation")

    records = table(at, "Linked to an OCG").set_index("Unit")
    expected = sql(var, "select f.rocu_name, f.latest_disruption_date, f.latest_extract_file, r.disruptions,"
                        " r.unit_disruptions, r.share_pct, r.is_small_base"
                        " from marts.fct_disruption_extract_freshness f join marts.fct_disruption_recording r"
                        " on r.rocu_code = f.rocu_code and r.against_type = 'ocg'"
                        " and r.period_type = 'financial_year' and r.period = ?", year)
    assert len(records) == len(expected) == 9
    for name, latest, file, linked, base, pct, small in expected:
        assert records.loc[name, "Newest disruption"] == day(latest)
        assert records.loc[name, "Newest extract with its records"] == file
        assert records.loc[name, "Linked to an OCG"] == share_with_base(linked, base, pct, small, "disruptions")
        assert 0 < linked < base  # the demo's units link most, not all, of a year's disruptions to an OCG
    ((summed_linked, summed_base, network_linked, network_base, doubled),) = sql(
        var, "select sum(disruptions), sum(unit_disruptions), max(network_disruptions), max(network_unit_disruptions),"
             " max(network_counted_by_more_than_one_unit) from marts.fct_disruption_recording"
             " where against_type = 'ocg' and period_type = 'financial_year' and period = ?", year)
    # The network counts once a disruption two units recorded (the demo's are all against an OCG).
    assert doubled > 0 and (network_linked, network_base) == (summed_linked - doubled, summed_base - doubled)
    captions = "\n".join(c.value for c in at.caption)
    assert f"({network_linked:,} of {network_base:,} validated disruptions)" in captions
    assert f"{doubled:,} of the units' disruptions in {year}" in captions or \
        f"{doubled:,} of the units' disruptions in financial year {year}" in captions

    matrix = table(open_section(at, "Disruptions"), "Force-led, unit supported")
    ((counted, led, supported),) = sql(  # the same disruptions as the lead-share headline counts
        var, "select sum(disruptions), sum(led), sum(supported) from marts.fct_disruptions_lead_share"
             " where rocu_code = 'NWROCU' and period_type = 'financial_year' and period = ?", year)
    shown = matrix[["Disruptions", "Led by the unit", "Force-led, unit supported", "Another ROCU led, unit supported"]]
    totals = shown.map(lambda v: int(v.replace(",", ""))).sum()
    assert totals["Disruptions"] == counted > 0
    assert totals["Led by the unit"] == led > 0
    assert totals["Force-led, unit supported"] + totals["Another ROCU led, unit supported"] == supported > 0
    assert set(matrix["Strand"]) <= {"Pursue", "Prevent", "Protect", "Prepare"} and "Pursue" in set(matrix["Strand"])
    assert set(matrix["Impact"]) == {"Major", "Moderate", "Minor"}


def test_a_threat_area_narrows_every_figure(var):
    ((period, area, high, disrupted),) = sql(
        var, "select period, threat_area_code, high_band_ocgs, high_band_disrupted from marts.fct_ocg_ledger_summary"
             " where rocu_code = 'EMSOU' and period_type = 'quarter' and threat_area_code = 'DRUGS'"
             " order by period desc limit 1")
    at = run("threat", unit="EMSOU", period_type="quarter", period=period, threat=area)
    headline = next(m for m in at.metric if m.label.startswith("High-band OCGs disrupted"))
    assert f"{disrupted:,} of {high:,} high-band OCGs" in headline.value


def test_the_page_explains_itself_when_no_warehouse_exists(tmp_path, monkeypatch):
    monkeypatch.setenv("ROCU_VAR_DIR", str(tmp_path))
    at = run("threat")
    assert "has not been built yet" in "\n".join(e.value for e in at.info)


def test_the_disruptions_lead_to_their_records_for_roles_that_may_open_them(var):
    """An analyst gets a link from the unit's disruptions to the drill-through of its records for the
    same period; a board member, who may not open the drill-through, gets no link to follow."""
    ((year,),) = sql(var, "select max(period) from marts.fct_disruptions_threat_matrix where period_type = 'financial_year'")
    at = run("threat", unit="NWROCU", period_type="financial_year", period=year, section="Disruptions")
    links = [m.value for m in at.markdown if "drill?" in m.value and "metric=" in m.value]
    assert len(links) == 1 and links[0].startswith("[See every disruption record behind North West's figures for ")
    assert "metric=DIS_TOTAL" in links[0] and "unit=NWROCU" in links[0] and "period_type=financial_year" in links[0]
    board = run("threat", as_role="board_member", as_unit="NWROCU", unit="NWROCU", period_type="financial_year",
                period=year)
    for section in sections(board):  # none in any section
        assert not [m.value for m in open_section(board, section).markdown if "drill?" in m.value], section


def test_the_page_shows_the_score_change_after_disruption_and_the_rates_on_the_units_own_bases(var):
    """The score change of disrupted groups against undisrupted ones, with the groups on each side, and the
    impact-weighted disruptions per 100 ROCU staff and per £1m, as fct_ocg_disruption_effect and
    fct_disruption_impact_rates give them."""
    ((year,),) = sql(var, "select max(period) from marts.fct_ocg_disruption_effect where period_type = 'financial_year'"
                          " and rocu_code = 'NWROCU' and threat_area_code = 'ALL' and disrupted_groups_3m > 0")
    at = run("threat", unit="NWROCU", period_type="financial_year", period=year, section="After a disruption")
    shown = table(at, "Undisrupted: mean score change").set_index("Score read")
    ((groups, mean, compared, compared_mean, difference),) = sql(
        var, "select disrupted_groups_3m, disrupted_mean_change_3m, comparison_groups_3m, comparison_mean_change_3m,"
             " difference_3m from marts.fct_ocg_disruption_effect where rocu_code = 'NWROCU'"
             " and threat_area_code = 'ALL' and period_type = 'financial_year' and period = ?", year)
    three = shown.loc["3 months later"]
    assert three["Disrupted groups"].split(" ")[0] == f"{groups:,}"
    assert three["Disrupted: mean score change"] == f"{mean:,.2f}"
    assert three["Undisrupted groups compared"] == f"{compared:,}"
    assert three["Undisrupted: mean score change"] == f"{compared_mean:,.2f}"
    assert three["Difference"] == f"{difference:,.2f}"

    rates = sql(var, "select rate_per, impact_weighted_rate from marts.fct_disruption_impact_rates"
                     " where rocu_code = 'NWROCU' and period_type = 'financial_year' and period = ?", year)
    assert {r for r, _ in rates} == {"per 100 ROCU staff", "per £1m of budget"}
    metrics = {m.label: m.value for m in at.metric}
    for per, value in rates:
        assert metrics[f"Impact-weighted disruptions {per}, {year}"] == f"{value:,.2f}"


def test_prevent_and_protect_are_set_beside_later_outcomes_as_associations_never_causes(var):
    """Issue 13 item 5: each link of seeds/framework/outcome_links.csv the unit's returns hold both sides
    of, with its rank correlation, interval and association from the mart, and its caveat."""
    ((unit,),) = sql(var, "select min(rocu_code) from marts.fct_outcome_associations")
    at = run("threat", unit=unit, section="Prevent and protect")
    rows = sql(var, "select question, spearman_r, lower_95, upper_95, coalesce(association, 'not estimated'), caveat"
                    " from marts.fct_outcome_associations where rocu_code = ? order by link_id", unit)
    shown = table(at, "Rank correlation (95% interval)")
    assert shown["Question"].tolist() == [q for q, *_ in rows]
    assert shown["Association"].tolist() == [a for *_, a, _ in rows]
    for cell, (_, r, lo, hi, *_) in zip(shown["Rank correlation (95% interval)"], rows):
        assert cell == "too few months" or cell == f"{r:.2f} ({lo:.2f} to {hi:.2f})"
    words = " ".join(c.value for c in at.caption)
    assert "never a cause" in words and all(caveat in words for *_, caveat in rows)
