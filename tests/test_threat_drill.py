"""Drill-through from the figures of the Disruptions and threat page to the OCG months and disruptions
behind them (dashboards/threat_drill.py): the rows listed are the rows the figure counts, OCGs are shown
by reference only, the links carry their filters and appear only for roles that may follow them, and
the drill-through itself refuses those roles on the server. Also the validation backlog and lag on the page.
Every expectation is read from the marts of the shared demo build, never pinned."""

from __future__ import annotations

import re

from pipelines.serving.formats import count, decimal, share_with_base
from tests.test_dashboard_apptest import fresh_caches, open_section, run, sections, sql, table, var  # noqa: F401

UNIT = "NWROCU"


def busiest_year(var) -> str:
    """The newest whole financial year of the ledger in which the unit has untouched high-band groups."""
    ((year,),) = sql(var, "select max(period) from marts.fct_ocg_ledger_summary where rocu_code = ?"
                          " and threat_area_code = 'ALL' and period_type = 'financial_year' and months_in_period = 12"
                          " and last_month like '%-03' and high_band_untouched_6m > 0", UNIT)
    return year


def drill(var, figure: str, year: str, **params: str):
    return run("drill", figure=figure, unit=UNIT, threat=params.pop("threat", "ALL"), period_type="financial_year",
               period=year, **params)


def test_untouched_high_band_ocgs_open_on_their_references_and_ledger_months(var):
    year = busiest_year(var)
    at = drill(var, "high_band_untouched_6m", year)
    ((untouched, last_month),) = sql(
        var, "select high_band_untouched_6m, last_month from marts.fct_ocg_ledger_summary where rocu_code = ?"
             " and threat_area_code = 'ALL' and period_type = 'financial_year' and period = ?", UNIT, year)
    assert at.metric[0].value == count(untouched)

    groups = table(at, "Disrupted in the period")
    # the same groups as the ledger's own months say were untouched in the year's last month
    refs = sorted(r for (r,) in sql(var, "select ocg_ref from marts.fct_ocg_ledger_monthly where rocu_code = ?"
                                         " and month = ? and morile_band = 'high' and is_untouched_6m", UNIT, last_month))
    assert sorted(groups["OCG reference"]) == refs and len(refs) == untouched > 0
    assert groups["OCG reference"].str.fullmatch(r"OCG-NW-\d{4}").all()  # references, never names
    assert set(groups["Band"]) == {"high"}

    months = table(at, "Months since last disrupted")
    ((expected,),) = sql(var, "select count(*) from marts.fct_ocg_ledger_monthly l join marts.dim_month d"
                              " using (month) where d.financial_year = ? and l.ocg_ref in ?", year, refs)
    assert len(months) == expected and set(months["OCG reference"]) == set(refs)
    assert f"#### Their {expected} OCG-months on the ledger in financial year {year}" in [m.value for m in at.markdown]
    # untouched at the year's end: no disruption in its last six months on the ledger
    for since in months.loc[months["Month"] == last_month, "Months since last disrupted"]:
        assert since == "–" or int(since.replace(",", "")) >= 6


def test_the_share_of_high_band_ocgs_disrupted_opens_on_its_base_and_the_disruptions(var):
    year = busiest_year(var)
    at = drill(var, "high_band_disrupted", year)
    ((high, disrupted, pct, small),) = sql(
        var, "select high_band_ocgs, high_band_disrupted, high_band_disrupted_pct, is_small_base"
             " from marts.fct_ocg_ledger_summary where rocu_code = ? and threat_area_code = 'ALL'"
             " and period_type = 'financial_year' and period = ?", UNIT, year)
    assert at.metric[0].value == share_with_base(disrupted, high, pct, small, "high-band OCGs")

    groups = table(at, "Disrupted in the period")
    assert len(groups) == high and (groups["Disrupted in the period"] == "yes").sum() == disrupted > 0
    hit = set(groups.loc[groups["Disrupted in the period"] == "yes", "OCG reference"])

    rows = table(at, "Claim kept")
    ((against,),) = sql(var, "select sum(disruptions) from marts.fct_ocg_ledger_period_groups where rocu_code = ?"
                             " and period_type = 'financial_year' and period = ? and morile_band = 'high'", UNIT, year)
    assert len(rows) == against > 0 and set(rows["OCG reference"]) == hit
    assert rows["Reference"].is_unique  # each disruption once
    claims = {r for (r,) in sql(var, "select disruption_ref from marts.fct_disruption_claims where is_counted")}
    assert set(rows["Reference"]) <= claims  # the same records the metric drill-through lists


def test_a_threat_area_strand_and_impact_cell_opens_on_its_disruptions(var):
    ((year,),) = sql(var, "select max(period) from marts.fct_disruptions_threat_matrix where period_type ="
                          " 'financial_year' and rocu_code = ?", UNIT)
    ((area, strand, impact, n, led, force_led, other),) = sql(
        var, "select threat_area_code, strand, impact_level, disruptions, led, force_led, other_rocu_led"
             " from marts.fct_disruptions_threat_matrix where rocu_code = ? and period_type = 'financial_year'"
             " and period = ? order by force_led > 0 desc, disruptions desc limit 1", UNIT, year)
    at = drill(var, "disruptions_cell", year, threat=area, strand=strand, impact=impact)
    rows = table(at, "Claim kept")
    assert len(rows) == n and f"#### The {n} disruptions in the cell" in [m.value for m in at.markdown]
    assert set(rows["Impact"]) == {impact.capitalize()} and set(rows["Strand"]) == {strand.capitalize()}
    led_by = rows["Led by"].value_counts()
    assert led_by.get("the unit", 0) == led and led_by.get("a force (unit supported)", 0) == force_led
    assert led_by.get("another ROCU (unit supported)", 0) == other


def test_a_threat_area_by_4p_cell_opens_on_the_disruptions_it_weighs(var):
    """A cell of the 4Ps-by-impact matrix (fct_strand_impact_matrix), chosen from the mart: the rows listed
    are as many as the cell's disruptions and their weights sum to its impact-weighted figure."""
    year = busiest_year(var)
    ((area, strand, n, weighted),) = sql(
        var, "select threat_area_code, strand_code, disruptions, impact_weighted_disruptions"
             " from marts.fct_strand_impact_matrix where rocu_code = ? and period_type = 'financial_year'"
             " and period = ? and threat_area_code <> 'ALL' and strand_code <> 'pursue'"
             " order by disruptions desc, threat_area_code, strand_code limit 1", UNIT, year)
    at = drill(var, "strand_cell", year, threat=area, strand=strand)
    assert at.metric[0].value == count(weighted)
    rows = table(at, "Claim kept")
    assert len(rows) == n > 0 and f"#### The {n} disruptions in the cell" in [m.value for m in at.markdown]
    assert rows["Reference"].is_unique and set(rows["Strand"]) == {strand.capitalize()}
    assert sum(int(w) for w in rows["Weight"]) == weighted
    ((name,),) = sql(var, "select threat_area_name from marts.fct_strand_impact_matrix where threat_area_code = ?"
                          " limit 1", area)
    assert set(rows["Threat area"]) == {name}

    board = run("threat", as_role="board_member", as_unit=UNIT, unit=UNIT, period_type="financial_year", period=year)
    assert not [m.value for m in board.markdown if "figure=strand_cell" in m.value]
    refused = run("drill", as_role="board_member", as_unit=UNIT, figure="strand_cell", unit=UNIT, threat=area,
                  strand=strand, period_type="financial_year", period=year)
    assert refused.error and not refused.table


def test_the_share_linked_to_an_ocg_opens_on_every_disruption_of_its_base(var):
    year = busiest_year(var)
    at = drill(var, "ocg_linked", year)
    ((linked, base, pct, small),) = sql(
        var, "select disruptions, unit_disruptions, share_pct, is_small_base from marts.fct_disruption_recording"
             " where rocu_code = ? and against_type = 'ocg' and period_type = 'financial_year' and period = ?",
        UNIT, year)
    assert at.metric[0].value == share_with_base(linked, base, pct, small, "disruptions")
    rows = table(at, "Against")
    assert len(rows) == base > 0 and (rows["Against"] == "ocg").sum() == linked > 0
    assert (rows.loc[rows["Against"] == "ocg", "OCG reference"].str.fullmatch(r"OCG-\w+-\d{4}")).all()
    assert (rows.loc[rows["Against"] != "ocg", "OCG reference"] == "").all()


def test_the_threat_page_links_each_figure_for_roles_that_may_open_the_drill_through(var):
    year = busiest_year(var)
    at = run("threat", unit=UNIT, period_type="financial_year", period=year)
    links = [m.value for section in sections(at) for m in open_section(at, section).markdown
             if "drill?" in m.value and "figure=" in m.value]
    figures = {re.search(r"figure=(\w+)", link)[1] for link in links}
    assert figures == {"high_band_disrupted", "high_band_untouched_6m", "dismantled_after_disruption",
                       "impact_weighted_disruptions", "disruptions_cell", "ocg_linked", "validation",
                       "high_band_force_held", "high_band_rocu_held", "disruption_effect", "impact_rates",
                       "strand_cell"}
    held = [link for link in links if "_held" in link]
    ((newest,),) = sql(var, "select max(period) from marts.fct_ocg_ledger_summary where rocu_code = ?"
                            " and threat_area_code = 'ALL' and period_type = 'month'", UNIT)
    assert all("period_type=month" in link and f"period={newest}" in link for link in held)  # the chart's newest month
    for link in set(links) - set(held):  # the page's filters travel in the link
        assert f"unit={UNIT}" in link and "period_type=financial_year" in link and f"period={year.replace('/', '%2F')}" in link
    cell = next(link for link in links if "figure=disruptions_cell" in link)
    assert "strand=" in cell and "impact=" in cell
    assert "strand=" in next(link for link in links if "figure=strand_cell" in link)

    board = run("threat", as_role="board_member", as_unit=UNIT, unit=UNIT, period_type="financial_year", period=year)
    for section in sections(board):
        assert not [m.value for m in open_section(board, section).markdown if "drill?" in m.value], section
    # and a link typed by hand is refused on the server, not drawn
    refused = run("drill", as_role="board_member", as_unit=UNIT, figure="high_band_untouched_6m", unit=UNIT,
                  threat="ALL", period_type="financial_year", period=year)
    assert refused.error and not refused.table


def test_the_threat_page_shows_every_units_validation_backlog_and_lag(var):
    year = busiest_year(var)
    at = run("threat", unit=UNIT, period_type="financial_year", period=year, section="Records and validation")
    shown = table(at, "Median days to validation").set_index("Unit")
    expected = sql(var, "select u.rocu_name, v.claims_made, v.awaiting_at_end, v.validated, v.median_days_to_validation,"
                        " v.p90_days_to_validation, v.validated_within_target, v.validated_within_target_pct,"
                        " v.is_small_base, v.target_days from marts.fct_disruption_validation v"
                        " join marts.dim_rocu u using (rocu_code) where v.period_type = 'financial_year'"
                        " and v.period = ?", year)
    assert len(shown) == len(expected) == 9
    for name, made, awaiting, validated, median, p90, within, pct, small, target in expected:
        row = shown.loc[name]
        assert row["Claims made"] == count(made) and row["Validated"] == count(validated)
        assert row["Median days to validation"] == decimal(median) and row["90th percentile days"] == decimal(p90)
        assert row["Awaiting validation at the period's end"].startswith("none" if not awaiting else count(awaiting))
        if target is not None:
            assert row["Validated within the unit's target"] == (
                f"{share_with_base(within, validated, pct, small, 'validated')}, target {count(target)} days")


def test_the_validation_figures_open_on_the_claims_they_count(var):
    """The unit's backlog, claims made and claims validated open on exactly the claims behind them: the
    drill's list, counted here, gives the page's figures (fct_disruption_validation), and every claim awaiting
    at the period's end had been claimed by then and not decided by then, read from the claims mart."""
    year = busiest_year(var)
    at = drill(var, "validation", year)
    ((made, awaiting, validated, within, period_end),) = sql(
        var, "select claims_made, awaiting_at_end, validated, validated_within_target, period_end"
             " from marts.fct_disruption_validation where rocu_code = ? and period_type = 'financial_year'"
             " and period = ?", UNIT, year)
    assert [m.value for m in at.metric[:3]] == [count(made), count(awaiting), count(validated)]
    rows = table(at, "Awaiting at the period's end")
    assert (rows["Made in the period"] == "yes").sum() == made > 0
    assert rows["Awaiting at the period's end"].str.startswith("yes").sum() == awaiting
    assert rows["Validated in the period"].str.startswith("yes").sum() == validated > 0
    assert (rows["Within target"] == "yes").sum() == within
    # the backlog's rule, read back from the claims' own dates: claimed by the period's end, undecided on it
    claims = {ref: (claimed, status, decided) for ref, claimed, status, decided in sql(
        var, "select distinct disruption_ref, claim_date, validation_status, validation_date"
             " from marts.fct_disruption_validation_claims where rocu_code = ?", UNIT)}
    awaiting_refs = rows.loc[rows["Awaiting at the period's end"].str.startswith("yes"), "Reference"]
    for ref in awaiting_refs:
        claimed, status, decided = claims[ref]
        assert claimed <= period_end and (decided > period_end if decided else status == "pending")
    for ref in set(rows["Reference"]) - set(awaiting_refs):
        claimed, status, decided = claims[ref]
        assert decided and decided <= period_end or status != "pending"


def test_the_held_by_chart_opens_on_the_high_band_groups_each_owner_held(var):
    """The chart's newest month: the groups listed for forces and for the unit are the active high-band groups
    of the ledger's own months with that owner, and their counts are the chart's points."""
    ((month, by_force, by_unit),) = sql(
        var, "select period, high_band_force_held, high_band_rocu_held from marts.fct_ocg_ledger_summary"
             " where rocu_code = ? and threat_area_code = 'ALL' and period_type = 'month'"
             " order by period desc limit 1", UNIT)
    for figure, owner, expected in (("high_band_force_held", "force", by_force), ("high_band_rocu_held", "rocu", by_unit)):
        at = run("drill", figure=figure, unit=UNIT, threat="ALL", period_type="month", period=month)
        assert at.metric[0].value == count(expected)
        groups = table(at, "Disrupted in the period")
        refs = sorted(r for (r,) in sql(var, "select ocg_ref from marts.fct_ocg_ledger_monthly where rocu_code = ?"
                                             " and month = ? and morile_band = 'high' and status = 'active'"
                                             " and owner_type = ?", UNIT, month, owner))
        assert sorted(groups["OCG reference"]) == refs and len(refs) == expected
        assert groups["Held by"].str.endswith(f"({owner})").all()


def test_the_score_change_after_disruption_opens_on_the_events_it_counts(var):
    """The events listed are the ones the effect rolls up: the matched 3-month events, counted and averaged
    here, give the page's figures; the unmatched ones are the events it counts apart."""
    year = busiest_year(var)
    ((events, unmatched, mean_change),) = sql(
        var, "select events_3m, events_unmatched_3m, disrupted_mean_change_3m from marts.fct_ocg_disruption_effect"
             " where rocu_code = ? and threat_area_code = 'ALL' and period_type = 'financial_year' and period = ?",
        UNIT, year)
    at = drill(var, "disruption_effect", year)
    assert at.metric[0].value == decimal(mean_change, 2)
    rows = table(at, "Undisrupted groups compared")
    three = rows[rows["Months later"] == "3"]
    matched = three[three["Their mean change"] != "no group to compare"]
    assert len(matched) == events > 0 and len(three) - len(matched) == unmatched
    changes = [float(v.replace(",", "")) for v in matched["Score change"]]
    assert abs(sum(changes) / len(changes) - mean_change) <= 0.005 + 1e-9  # the mart rounds to two places
    assert rows["OCG reference"].str.fullmatch(r"OCG-NW-\d{4}").all()  # references, never names


def test_the_impact_weighted_rates_open_on_the_disruptions_they_weigh(var):
    """The disruptions listed, their weights summed here, are the rates' numerator, and each rate is that
    numerator on the base the mart names."""
    year = busiest_year(var)
    rates = sql(var, "select impact_weighted_disruptions, impact_weighted_rate from marts.fct_disruption_impact_rates"
                     " where rocu_code = ? and period_type = 'financial_year' and period = ? order by base_code desc",
                UNIT, year)
    at = drill(var, "impact_rates", year)
    assert [m.value for m in at.metric] == [decimal(rate, 2) for _, rate in rates] and rates
    rows = table(at, "Claim kept")
    weights = sum(int(w.replace(",", "")) for w in rows["Weight"])
    assert {weighted for weighted, _ in rates} == {weights} and weights > 0

