"""The board paper's "Disruptions and threat" section (pipelines/papers/sections/disruptions.py): for a unit
and for the network, the disruptions by threat area x 4P x impact, led or supported, the OCG ledger's
measures with their bases, the high-band OCGs untouched (count and references), the OCG-linked share and
extract freshness, as the marts give them; bands, never ranks. Expectations come from the marts."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import duckdb
import pytest

from pipelines.papers import NETWORK, Request, make_report, render
from pipelines.serving.formats import count, share_with_base
from pipelines.settings import Paths

UNIT, QUARTER = "SEROCU", "2026-Q2"  # as tests/test_board_report.py


def sql(published: Path, query: str, *params) -> list[tuple]:
    con = duckdb.connect(str(published), read_only=True)
    try:
        return con.execute(query, list(params)).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def published(built_demo: Path) -> Path:
    return Paths(built_demo).published


@pytest.fixture(scope="module")
def period(published: Path) -> str:
    """The paper's financial quarter as the disruption marts name it ('2026/27 Q2')."""
    ((period,),) = sql(published, "select distinct financial_quarter from marts.dim_month where fy_quarter = ?", QUARTER)
    return period


def section(report):
    return next(s for s in report.sections if s.key == "disruptions")


def table_with(section_, heading: str):
    """The table whose XLSX data has the column (the shown table may pivot or word it)."""
    return next(t for t in section_.tables if heading in t.data.columns)


def test_the_unit_paper_has_the_section_with_the_marts_figures(published: Path, period: str):
    report = make_report(Request(UNIT, QUARTER), published)
    s = section(report)
    assert s.title == "Disruptions and threat"
    ((high, disrupted, pct, small, untouched, dismantled),) = sql(
        published, "select high_band_ocgs, high_band_disrupted, high_band_disrupted_pct, is_small_base,"
                   " high_band_untouched_6m, dismantled_after_disruption from marts.fct_ocg_ledger_summary"
                   " where rocu_code = ? and threat_area_code = 'ALL' and period_type = 'financial_quarter'"
                   " and period = ?", UNIT, period)
    assert s.findings[0] == (f"{UNIT}: {share_with_base(disrupted, high, pct, small, 'high-band OCGs')} disrupted in "
                             f"{QUARTER}; {count(untouched)} untouched six months or more.")
    assert f"{count(untouched)} high-band OCGs had gone six months or more without a disruption" in s.findings[1]
    assert f"{count(dismantled)} OCGs were dismantled after disruption" in s.findings[1]

    matrix = table_with(s, "Force-led, unit supported")
    expected = sql(published, "select threat_area_name, strand_name, disruptions, led, force_led, other_rocu_led"
                              " from marts.fct_disruptions_threat_matrix where rocu_code = ?"
                              " and period_type = 'financial_quarter' and period = ?"
                              " order by threat_area_name, strand_sort_order, impact_rank", UNIT, period)
    assert len(matrix.data) == len(expected) > 0
    assert matrix.data["Disruptions"].tolist() == [r[2] for r in expected]
    assert matrix.data["Led by the unit"].tolist() == [r[3] for r in expected]

    expected_refs = [r for (r,) in sql(
        published, "select ocg_ref from marts.fct_ocg_ledger_period_groups where rocu_code = ? and period_type ="
                   " 'financial_quarter' and period = ? and morile_band = 'high' and is_untouched_6m", UNIT, period)]
    assert len(expected_refs) == untouched
    refs = [t for t in s.tables if "OCG reference" in t.data.columns]
    if untouched:  # the groups by reference, never by name
        assert sorted(refs[0].data["OCG reference"]) == sorted(expected_refs)
        assert refs[0].data["OCG reference"].str.fullmatch(r"OCG-SE-\d{4}").all()
    else:
        assert not refs

    by_area = table_with(s, "High band held by the unit")
    assert "High-band OCGs (base)" in by_area.data.columns  # the base beside the share, for the XLSX
    ledger = next(t for t in s.tables if t.caption.startswith("All units: the OCG ledger"))
    assert len(ledger.shown) == 9
    assert ledger.shown.set_index("Unit").loc[UNIT, "Untouched six months or more"] == count(untouched)
    shown = table_with(s, "Linked to an OCG").shown.set_index("Unit")
    assert len(shown) == 9
    ((led, base, led_pct, led_small, band),) = sql(
        published, "select l.led, l.lead_base, l.led_share_pct, l.is_small_base, f.band_95"
                   " from marts.fct_disruptions_lead_share l left join marts.fct_share_funnel f"
                   " on f.share_id = 'DIS_LED_SHARE' and f.rocu_code = l.rocu_code and f.period_type = l.period_type"
                   " and f.period = l.period where l.rocu_code = ? and l.period_type = 'financial_quarter'"
                   " and l.period = ?", UNIT, period)
    assert shown.loc[UNIT, "Led by the unit"].startswith(share_with_base(led, base, led_pct, led_small, "with a lead"))
    if band:
        assert shown.loc[UNIT, "Led by the unit"].endswith(f"{band} {'to' if band == 'similar' else 'than'} the network")
    ((linked, linked_base),) = sql(
        published, "select disruptions, unit_disruptions from marts.fct_disruption_recording where rocu_code = ?"
                   " and against_type = 'ocg' and period_type = 'financial_quarter' and period = ?", UNIT, period)
    assert f"({count(linked)} of {count(linked_base)} disruptions)" in shown.loc[UNIT, "Linked to an OCG"] \
        or f"{count(linked)} of {count(linked_base)} disruptions (small base)" == shown.loc[UNIT, "Linked to an OCG"]

    words = " ".join([*s.findings, *(t.shown.to_string() for t in s.tables)]).lower()
    assert "rank" not in words  # bands only, no positions
    (bars,) = s.charts
    assert bars.alt.startswith("Bar chart of high-band OCGs") and f"{UNIT} {count(untouched)}" in bars.alt

    html = render(report, "html").decode()
    assert "Disruptions and threat" in html and bars.alt.split(":")[0] in html
    with zipfile.ZipFile(io.BytesIO(render(report, "xlsx"))) as book:
        assert "Disruptions and threat" in book.read("xl/workbook.xml").decode()


def test_the_network_paper_has_the_networks_matrix_and_every_units_untouched_groups(published: Path, period: str):
    s = section(make_report(Request(NETWORK, QUARTER), published))
    matrix = table_with(s, "Force-led, a unit supported")
    expected = sql(published, "select disruptions, led from marts.fct_disruptions_threat_matrix_network"
                              " where period_type = 'financial_quarter' and period = ?"
                              " order by threat_area_name, strand_sort_order, impact_rank", period)
    assert matrix.data["Disruptions"].tolist() == [r[0] for r in expected] and expected
    ((units_total,),) = sql(published, "select sum(disruptions) from marts.fct_disruptions_threat_matrix"
                                       " where period_type = 'financial_quarter' and period = ?", period)
    ((doubled,),) = sql(published, "select sum(counted_by_more_than_one_unit) from"
                                   " marts.fct_disruptions_threat_matrix_network"
                                   " where period_type = 'financial_quarter' and period = ?", period)
    # the network's rows add up the units', a disruption two units recorded once (the demo has some)
    assert sum(r[0] for r in expected) == units_total - doubled and doubled > 0

    untouched = dict(sql(published, "select rocu_code, high_band_untouched_6m from marts.fct_ocg_ledger_summary"
                                    " where threat_area_code = 'ALL' and period_type = 'financial_quarter'"
                                    " and period = ?", period))
    refs = table_with(s, "OCG reference").data
    assert refs["Unit"].value_counts().to_dict() == {u: n for u, n in untouched.items() if n}
    assert s.findings[0] == "High-band OCGs untouched six months or more at the quarter's end: " + "; ".join(
        f"{u} {count(untouched.get(u))}" for (u,) in sql(published, "select rocu_code from marts.dim_rocu"
                                                                    " order by rocu_code")) + "."
    ((network_led, network_base, network_pct, network_small),) = sql(
        published, "select distinct network_led, network_lead_base, network_led_share_pct, network_is_small_base"
                   " from marts.fct_disruptions_lead_share where period_type = 'financial_quarter' and period = ?",
        period)
    assert share_with_base(network_led, network_base, network_pct, network_small,
                           "disruptions with a recorded lead") in s.findings[1]
