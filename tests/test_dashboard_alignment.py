"""The "Does effort follow the threat?" page shows the golden-thread marts' figures as they are: the
index with its components, each threat area's shares and priorities, the operations and meetings
behind them, and a tasking rhythm described against the national cycle, never scored."""

from __future__ import annotations

from pipelines.serving.formats import count, decimal, pct
from tests.test_dashboard_apptest import fresh_caches, open_section, run, sections, sql, table, var  # noqa: F401


def newest_whole_year(var) -> str:
    ((year,),) = sql(var, "select max(financial_year) from marts.fct_effort_alignment_index where not is_part_year")
    return year


def test_the_index_components_and_areas_are_the_marts_figures(var):
    year = newest_whole_year(var)
    at = run("alignment", unit="SWROCU", year=year)
    ((index, ocg_months, without, priorities, off),) = sql(
        var, "select effort_follows_threat_index, high_band_ocg_months, priorities_without_operation, priority_areas,"
             " operations_off_priority from marts.fct_effort_alignment_index where rocu_code = 'SWROCU'"
             " and financial_year = ?", year)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Effort-follows-threat index"] == decimal(index)
    assert metrics["High-band OCG-months"] == count(ocg_months)
    assert metrics["Priorities with no operation"] == f"{count(without)} of {count(priorities)}"
    assert metrics["Operations on non-priority areas"] == count(off)
    help_text = next(m for m in at.metric if m.label == "Effort-follows-threat index").proto.help
    assert "total variation distance" in help_text  # the catalogue's definition beside the figure

    areas = table(at, "Threat share")
    expected = sql(var, "select threat_area_name, threat_share_pct, effort_share_pct, coalesce(departure, '')"
                        " from marts.fct_effort_alignment where rocu_code = 'SWROCU' and financial_year = ?"
                        " order by threat_area_order", year)
    assert areas[["Threat area", "Threat share", "Effort share", "Departs from national"]].values.tolist() == \
        [[name, pct(t), pct(e), d] for name, t, e, d in expected]
    assert "raised" in set(areas["Departs from national"])  # SWROCU's regional priorities depart


def test_a_threat_area_drills_to_its_operations_and_the_meetings_are_listed(var):
    year = newest_whole_year(var)
    at = run("alignment", unit="SWROCU", year=year, threat="OAC", section="Operations")
    refs = [r for (r,) in sql(var, "select operation_ref from marts.fct_operations_by_year where rocu_code = 'SWROCU'"
                                   " and financial_year = ? and threat_area_code = 'OAC'"
                                   " order by start_date, operation_ref", year)]
    assert refs and table(at, "Tasked by")["Operation"].tolist() == refs
    ((held,),) = sql(var, "select meetings_held from marts.fct_tasking_rhythm where rocu_code = 'SWROCU'"
                          " and financial_year = ?", year)
    assert len(table(open_section(at, "Tasking rhythm"), "Unit at national tasking")) == held
    words = " ".join(c.value for c in at.caption).lower()
    assert "neither more nor fewer meetings is better" in words and "more is better" not in words


def test_a_unit_sees_only_its_own_alignment(var):
    at = run("alignment", as_role="unit_submitter", as_unit="EMSOU", unit="SWROCU")
    assert any("does not allow you to" in e.value for e in at.error)
    own = run("alignment", as_role="unit_submitter", as_unit="EMSOU")
    assert own.selectbox(key="w_unit").options == ["East Midlands (EMSOU)"]


def test_escalations_from_forces_and_the_share_on_priorities_are_the_marts_figures(var):
    """Issue 15 item 2 and 3: the groups forces escalated, what the unit decided and how long it took,
    banded against the network (never ranked), with every escalation listed behind the figures."""
    year = newest_whole_year(var)
    at = run("alignment", unit="SWROCU", year=year, section="Escalations")
    ((requested, accepted, decided, band, network, median_days, reason),) = sql(
        var, "select requested, accepted, decided, band_95, network_accepted_pct, median_days_to_decision,"
             " commonest_decline_reason from marts.fct_escalation_decisions where rocu_code = 'SWROCU'"
             " and financial_year = ?", year)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Groups escalated by forces"] == count(requested)
    assert f"({count(accepted)} of {count(decided)})" in metrics["Accepted, of those decided"] \
        or metrics["Accepted, of those decided"] == f"{count(accepted)} of {count(decided)}"
    assert metrics["Days from request to decision (median)"] == decimal(median_days)
    words = " ".join(c.value for c in at.caption)
    assert f"Accepted: {band} to the network's {pct(network)}" in words
    assert reason.lower() in words
    listed = table(at, "Why declined")
    refs = [r for (r,) in sql(var, "select escalation_ref from marts.fct_escalations where rocu_code = 'SWROCU'"
                                   " and financial_year = ? order by requested_date, escalation_ref", year)]
    assert listed["Escalation"].tolist() == refs and len(refs) == requested
    ((on, ops, share_band),) = sql(var, "select operations_on_priority, operations, band_95 from"
                                        " marts.fct_effort_on_priorities where rocu_code = 'SWROCU'"
                                        " and financial_year = ?", year)
    assert f"({count(on)} of {count(ops)}), {share_band} to the network's" in words


def test_the_units_are_compared_on_the_index_by_interval_and_small_bases_are_not(small_bases_var, monkeypatch):
    """Issue 15 items 3 and 5, no ranks on noise: each unit's index against the network's on its 95%
    interval (higher / similar / lower) in unit order; a unit on too few high-band groups or too little
    effort is marked small and not compared, on the table and beside its own figure."""
    var = small_bases_var  # some units on too few high-band groups (conftest.small_bases_var)
    monkeypatch.setenv("ROCU_VAR_DIR", str(var))
    year = newest_whole_year(var)
    expected = sql(var, "select rocu_code, effort_follows_threat_index, lower_95, upper_95, is_small_base, band_95,"
                        " band_998 from marts.fct_effort_alignment_index where financial_year = ? order by rocu_code",
                   year)
    small = [u for u, *_, is_small, _, _ in expected if is_small]
    assert small and len(small) < len(expected), "small_bases_var puts some units, not all, on a small base"
    at = run("alignment", unit=small[0], year=year, section="The units")
    units = table(at, "Against the network")
    assert units["Unit"].tolist() == [u for u, *_ in expected]
    assert units["Index"].tolist() == [decimal(i) for _, i, *_ in expected]
    assert units["95% interval"].tolist() == [f"{decimal(lo)} to {decimal(hi)}" for _, _, lo, hi, *_ in expected]
    assert units["Against the network"].tolist() == [
        "small base: not compared" if s else b + (", outside 99.8%" if b998 != "similar" else "")
        for _, _, _, _, s, b, b998 in expected]
    words = " ".join(c.value for c in at.caption)
    assert "rests on a small base" in words and "not compared with the network" in words
    assert "never ranked" in words and "rank 1" not in words.lower()
    compared = next(u for u, *_, is_small, _, _ in expected if not is_small)
    ((band, network),) = sql(var, "select band_95, network_index from marts.fct_effort_alignment_index"
                                  " where rocu_code = ? and financial_year = ?", compared, year)
    words = " ".join(c.value for c in run("alignment", unit=compared, year=year, section="The units").caption)
    assert f"{band} to the network's {decimal(network)}" in words


def test_the_page_says_beside_the_threat_figures_where_the_threat_comes_from(var):
    """Issue 15 item 3: the threat share comes from the OCG ledger where it holds the unit, else from
    the register snapshot, and the page says which beside the figures (the mart's threat_source)."""
    year = newest_whole_year(var)
    sources = sql(var, "select rocu_code, threat_source from marts.fct_effort_alignment_index"
                       " where financial_year = ? order by rocu_code", year)
    at = run("alignment", unit="SWROCU", year=year, section="The units")
    shown = {"ledger": "OCG ledger", "register": "OCG register"}
    assert table(at, "Against the network")["Threat from"].tolist() == [shown[s] for _, s in sources]
    own = dict(sources)["SWROCU"]
    words = " ".join(c.value for c in open_section(at, "By threat area").caption)
    assert f"Threat share from: the {shown[own]}" in words


def alignment_links(at) -> dict[tuple[str, str], dict]:
    """The page's drill-through links in every section: (figure, threat area) -> the link's URL parameters."""
    from tests.test_role_links import links

    return {(params["figure"], params.get("threat", "ALL")): params for section in sections(at)
            for page, params in links(open_section(at, section)) if page == "drill" and "figure" in params}


def test_each_alignment_figure_opens_the_drill_on_the_rows_behind_it(var):
    """Issue 15 item 3: every figure of the page links to the drill-through, its filters in the URL, and
    the drill lists exactly the rows the mart counts: operations, the meetings that discussed them,
    disruptions, escalations and meetings."""
    year = newest_whole_year(var)
    at = run("alignment", unit="SWROCU", year=year)
    found = alignment_links(at)
    assert {figure for figure, _ in found} == {"alignment_area", "priorities_without_operation",
                                               "operations_off_priority", "escalation_decisions", "tasking_rhythm"}
    params = found[("alignment_area", "DRUGS")]
    assert params == {"figure": "alignment_area", "unit": "SWROCU", "year": year, "threat": "DRUGS"}

    drill = run("drill", **params)
    assert not drill.exception and not drill.error, [e.value for e in drill.error]
    ((ops, disruptions),) = sql(var, "select operations, disruptions from marts.fct_effort_alignment"
                                     " where rocu_code = 'SWROCU' and financial_year = ? and threat_area_code = 'DRUGS'",
                                year)
    refs = [r for (r,) in sql(var, "select operation_ref from marts.fct_operations_by_year where rocu_code = 'SWROCU'"
                                   " and financial_year = ? and threat_area_code = 'DRUGS'"
                                   " order by start_date, operation_ref", year)]
    assert table(drill, "Tasked by")["Operation"].tolist() == refs and len(refs) == ops
    assert len(table(drill, "Strand")) == disruptions  # the disruptions the effort share counts
    discussed = sql(var, "select distinct operation_ref from marts.fct_operation_meetings where rocu_code = 'SWROCU'"
                         " and financial_year = ? and threat_area_code = 'DRUGS'", year)
    assert discussed, "the demo's SWROCU meetings discuss its drugs operations"
    assert set(table(drill, "Operation discussed")["Operation discussed"]) == {r for (r,) in discussed}
    assert set(table(drill, "Operation discussed")["Operation discussed"]) <= set(refs)

    off = run("drill", **found[("operations_off_priority", "ALL")])
    ((off_count,),) = sql(var, "select index.operations_off_priority from marts.fct_effort_alignment_index index"
                               " where rocu_code = 'SWROCU' and financial_year = ?", year)
    assert len(table(off, "Tasked by")) == off_count

    asked = run("drill", **found[("escalation_decisions", "ALL")])
    ((requested, decided),) = sql(var, "select requested, decided from marts.fct_escalation_decisions"
                                       " where rocu_code = 'SWROCU' and financial_year = ?", year)
    rows = table(asked, "Why declined")
    assert len(rows) == requested and (rows["Days"] != "–").sum() == decided

    rhythm = run("drill", **found[("tasking_rhythm", "ALL")])
    ((held,),) = sql(var, "select meetings_held from marts.fct_tasking_rhythm where rocu_code = 'SWROCU'"
                          " and financial_year = ?", year)
    assert len(table(rhythm, "Unit at national tasking")) == held

    gaps = run("drill", **found[("priorities_without_operation", "ALL")])
    expected = [n for (n,) in sql(var, "select threat_area_name from marts.fct_effort_alignment where"
                                       " rocu_code = 'SWROCU' and financial_year = ? and is_priority_without_operation"
                                       " order by threat_area_order", year)]
    if expected:
        assert table(gaps, "Disruptions the unit led")["Threat area"].tolist() == expected
    else:
        assert any("Every priority area had an operation" in i.value for i in gaps.info)
