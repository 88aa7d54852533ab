"""Page logic of every dashboard page with Streamlit's AppTest, against the warehouse built from
the demo data (and against an empty folder, where each page must explain itself)."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import streamlit as st
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest

from pipelines import reference
from pipelines.settings import SEEDS_DIR, Paths
from tests.conftest import make_session

VIEWS = Path(__file__).resolve().parents[1] / "dashboards" / "views"
PAGES = ["national", "regional", "submissions", "drill", "catalogue"]


@pytest.fixture(autouse=True)
def fresh_caches():
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()


@pytest.fixture
def var(built_demo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ROCU_VAR_DIR", str(built_demo))
    return built_demo


def run(page: str, as_role: str = "nocc_analyst", as_unit: str | None = None, **params: str) -> AppTest:
    """Run a page signed in as `as_role` (of `as_unit`), against the folder ROCU_VAR_DIR names;
    `params` are the page's URL query parameters."""
    at = AppTest.from_file(str(VIEWS / f"{page}.py"), default_timeout=60)
    at.session_state["rocu_session"] = make_session(Paths.from_env().var, as_role, as_unit)
    at.query_params.update(params)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_section(at: AppTest, label: str) -> AppTest:
    """Open one section (tab) of a page already run, as a click on it does: only the open one runs."""
    assert label in [t.label for t in at.tabs], f"no section {label!r}: {[t.label for t in at.tabs]}"
    at.session_state["section"] = label
    if "section" in at.query_params:  # a page opened on a section by its address: the address follows the click
        at.query_params["section"] = label
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def sections(at: AppTest) -> list[str]:
    """The sections (tabs) of a page already run, in order."""
    return [t.label for t in at.tabs]


def run_every_section(page: str, as_role: str = "nocc_analyst", as_unit: str | None = None, **params: str) -> None:
    """Run a page, then open each of its sections in turn, so every query it can send is sent."""
    at = run(page, as_role, as_unit, **params)
    for label in sections(at):
        open_section(at, label)


def sql(var: Path, query: str, *params) -> list[tuple]:
    con = duckdb.connect(str(Paths(var).published), read_only=True)
    try:
        return con.execute(query, list(params)).fetchall()
    finally:
        con.close()


def scenario(var: Path, name: str) -> dict:
    """The demo manifest's row for a scenario (late, missing, broken)."""
    with (Paths(var).demo / "manifest.csv").open() as f:
        return next(r for r in csv.DictReader(f) if r["scenario"] == name)


def complete_year(var: Path) -> str:
    """The newest financial year in which some unit reported all twelve months."""
    return sql(var, "select max(period) from marts.fct_metric_comparison where period_type = 'financial_year'"
                    " and months_reported = 12")[0][0]


def latest_month(var: Path, unit: str) -> str:
    return sql(var, "select max(month) from marts.fct_return_value_provenance where rocu_code = ?", unit)[0][0]


def param(at: AppTest, key: str) -> str:
    value = at.query_params[key]
    return value[0] if isinstance(value, list) else value


def chart_data(at: AppTest, index: int = 0) -> pd.DataFrame:
    chart = at.get("vega_lite_chart")[index].proto
    return convert_arrow_bytes_to_pandas_df(chart.datasets[0].data.data)


def table(at: AppTest, header: str) -> pd.DataFrame:
    """The table whose columns include ``header`` (a long one is a scrolling grid, st.dataframe)."""
    return next(t.value for t in [*at.table, *at.dataframe] if header in t.value.columns)


def texts(elements) -> str:
    return "\n".join(e.value for e in elements)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_explains_itself_when_no_warehouse_exists(page, tmp_path, monkeypatch):
    monkeypatch.setenv("ROCU_VAR_DIR", str(tmp_path))
    at = run(page)
    assert "has not been built yet" in texts(at.info)


def test_upload_page_works_before_any_warehouse_exists(tmp_path, monkeypatch):
    monkeypatch.setenv("ROCU_VAR_DIR", str(tmp_path))
    at = run("upload", as_role="unit_submitter", as_unit="TARIAN", unit="TARIAN")
    assert "after the next warehouse build" in texts(at.info)
    assert any(b.label.startswith("Download the TARIAN template") for b in at.get("download_button"))


@pytest.mark.parametrize("page", ["national", "regional", "threat", "alignment"])
def test_a_long_page_runs_and_draws_only_its_open_section(page, var):
    """Issue 16 item 5: the page draws its headline figures and the open section only, so a section
    shows none of another's headings and sends none of another's queries. (The address naming the
    section is the browser's part: tests/test_dashboard_browser.py.)"""
    from pipelines.serving.reads import recording

    at = run(page, unit="EMSOU")
    labels = sections(at)
    assert len(labels) > 3
    headings, reads = {}, {}
    for label in labels:
        with recording() as sent:
            open_section(at, label)
        headings[label] = {h.value for h in at.subheader}
        reads[label] = set(sent)
    for label in labels:
        assert headings[label], f"{page}: section {label!r} drew no heading"
        others = set().union(*(headings[o] for o in labels if o != label))
        assert not headings[label] & others, f"{page}: {label!r} also drew {headings[label] & others}"
    # the closed sections send nothing: with any one section open, some of the page's queries are not sent
    every = set().union(*reads.values())
    for label in labels:
        assert reads[label] < every, f"{page}: with {label!r} open, every section's queries were sent"


def test_national_shows_the_network_figure_for_the_newest_complete_year(var):
    at = run("national")
    year = complete_year(var)
    ((total,),) = sql(var, "select any_value(national_value) from marts.fct_metric_comparison where metric_id ="
                           " 'PUR_ARRESTS' and period_type = 'financial_year' and period = ?", year)
    assert f"Arrests against the network: funnel plot, financial year {year}" in texts(at.subheader)
    assert at.metric[0].value == f"{total:,.0f}"
    assert "drill?unit=" in texts(at.markdown) and "metric=PUR_ARRESTS" in texts(at.markdown)


def test_national_shows_the_band_and_no_rank_where_a_unit_is_similar_to_the_network(var):
    """Issue 12: a 1-to-9 rank on counts this small is chance; the page bands each unit against the
    network (fct_metric_funnel, population, 95%) and ranks only units that differ over a whole period."""
    year = complete_year(var)
    at = run("national", metric="PUR_ARRESTS", period_type="financial_year", period=year)
    shown = next(d.value for d in at.dataframe if "Against the network (95%)" in d.value.columns)
    bands = dict(sql(var, "select r.rocu_name, f.band_95 from marts.fct_metric_funnel f join marts.dim_rocu r"
                          " using (rocu_code) where f.metric_id = 'PUR_ARRESTS' and f.period_type = 'financial_year'"
                          " and f.period = ? and f.base_name = 'population'", year))
    assert set(shown["Unit"]) == set(bands)
    for _, row in shown.iterrows():
        assert row["Against the network (95%)"].startswith(bands[row["Unit"]])
        if bands[row["Unit"]] == "similar" or row["Months reported"] != "12 of 12":
            assert pd.isna(row["Rank"]), row.to_dict()


def test_national_funnel_plot_draws_each_unit_in_its_band_inside_the_marts_limits(var):
    """Issue 12: a funnel plot instead of a league table: the units' rates against the network
    rate and the 95% and 99.8% limits, all from the marts (fct_metric_funnel, _limits)."""
    year = complete_year(var)
    at = run("national", metric="PUR_ARRESTS", period_type="financial_year", period=year)
    chart = at.get("vega_lite_chart")[0].proto
    frames = [convert_arrow_bytes_to_pandas_df(d.data.data) for d in chart.datasets]
    dots = next(f for f in frames if "band_95" in f.columns)
    lines = next(f for f in frames if "limit" in f.columns)
    marts = dict(sql(var, "select r.rocu_name, f.band_95 from marts.fct_metric_funnel f join marts.dim_rocu r"
                          " using (rocu_code) where f.metric_id = 'PUR_ARRESTS' and f.period_type = 'financial_year'"
                          " and f.period = ? and f.base_name = 'population'", year))
    assert dict(zip(dots["unit_name"], dots["band_95"])) == marts
    assert set(lines["limit"]) == {"network_rate", "lower_95_rate", "upper_95_rate", "lower_998_rate", "upper_998_rate"}
    ((points,),) = sql(var, "select count(*) from marts.fct_metric_funnel_limits where metric_id = 'PUR_ARRESTS'"
                            " and period_type = 'financial_year' and period = ? and base_name = 'population'", year)
    assert len(lines) == 5 * points
    assert "mean rank" not in texts(at.subheader).lower()  # differences by strand, not a mean of ranks


def test_national_funnel_reports_the_units_overdispersion_without_widening_its_limits(var):
    """Issue 12 item 3 (STATS.md): beside the funnel, how many units fall outside the 95% limits against
    chance alone, and the overdispersion factor from the mart, reported as a caution; the limits drawn
    stay the exact Poisson ones."""
    year = complete_year(var)
    at = run("national", metric="PUR_ARRESTS", period_type="financial_year", period=year)
    ((outside, units, chance, phi, over, factor, widened),) = sql(
        var, "select units_outside_95, units_compared, units_outside_95_by_chance, phi, is_overdispersed,"
             " limit_widening_factor, units_outside_widened_95 from marts.fct_metric_funnel_overdispersion"
             " where metric_id = 'PUR_ARRESTS' and period_type = 'financial_year' and period = ?"
             " and base_name = 'population'", year)
    (caption,) = [c.value for c in at.caption if c.value.startswith("Spread of the units")]
    assert f"{outside} of {units} outside the 95% limits" in caption
    assert f"about {chance:.1f}" in caption and f"φ = {phi:.2f}" in caption
    assert (f"limits widened by {factor:.2f} would leave {widened} outside" in caption) == over
    assert ("No more spread than chance alone" in caption) == (not over)
    assert "not widened" in caption


def test_national_threat_area_filter_narrows_the_metrics(var):
    at = run("national", threat="Cyber-crime")
    metric = at.selectbox(key="w_metric")
    cyber = {r[0] for r in sql(var, "select metric_name from marts.dim_metric where threat_area_code = 'CYBER'")}
    assert metric.options and set(metric.options) <= cyber
    assert param(at, "threat") == "Cyber-crime"


def test_regional_puts_a_unit_beside_its_peer_group_and_the_network(var):
    year = complete_year(var)
    at = run("regional", unit="EMSOU", metric="PUR_ARRESTS", period_type="financial_year", period=year)
    # the default grouping's group that year, of the units reporting arrests in it
    peers = {r[0] for r in sql(var, "select r.rocu_name from marts.fct_metric_comparison c join marts.dim_rocu r"
                                    " using (rocu_code) where c.metric_id = 'PUR_ARRESTS' and c.period_type ="
                                    " 'financial_year' and c.period = ? and c.peer_group_id = (select peer_group_id"
                                    " from marts.fct_metric_comparison where rocu_code = 'EMSOU' and metric_id ="
                                    " 'PUR_ARRESTS' and period_type = 'financial_year' and period = ?)", year, year)}
    rows = table(at, "Per 100,000")
    assert set(rows["Unit"][:-2]) == peers
    assert rows["Unit"].iloc[-2].startswith("Peer median") and rows["Unit"].iloc[-1] == "Network"
    ((value, rate),) = sql(var, "select value, per_100k_population from marts.fct_metric_comparison where rocu_code"
                                " = 'EMSOU' and metric_id = 'PUR_ARRESTS' and period_type = 'financial_year'"
                                " and period = ?", year)
    mine = rows[rows["Unit"] == "East Midlands"].iloc[0]
    assert (mine["Figure"], mine["Per 100,000"]) == (f"{value:,.0f}", f"{rate:,.2f}")


def test_regional_offers_the_peer_groupings_and_names_the_group_and_why(var):
    year = complete_year(var)
    at = run("regional", unit="EMSOU", metric="PUR_ARRESTS", period_type="financial_year", period=year)
    groupings = sql(var, "select grouping_code, grouping_name, is_default_grouping from marts.dim_unit_peer_group"
                         " where rocu_code = 'EMSOU' and financial_year = ? order by grouping_order", year)
    choice = at.selectbox(key="w_peers")
    assert choice.options == [name for _, name, _ in groupings] and "All units" in choice.options
    assert len(groupings) == 4 and choice.value == next(code for code, _, default in groupings if default)
    for code, name, _ in groupings:
        at.selectbox(key="w_peers").set_value(code).run()
        assert not at.exception and param(at, "peers") == code
        ((label, grouped, members, group),) = sql(
            var, "select peer_group_label, is_grouped, group_units, peer_group_name from marts.dim_unit_peer_group"
                 " where rocu_code = 'EMSOU' and financial_year = ? and grouping_code = ?", year, code)
        assert label.startswith("All units" if code == "ALL" else f"Peers by {name.lower()}, {year}: ")
        shown = texts(at.markdown) + texts(at.warning)
        assert label in shown, (code, label)
        rows = table(at, "Per 100,000")
        if grouped:
            names = {r[0] for r in sql(var, "select rocu_name from marts.dim_rocu where list_contains(?, rocu_code)",
                                       members.split(", "))}
            assert set(rows["Unit"][:-2]) <= names and "East Midlands" in set(rows["Unit"])
            assert rows["Unit"].iloc[-2] == f"Peer median ({group})"
        else:
            assert "no peer median" in shown and list(rows["Unit"]) == ["East Midlands", "Network"]


def test_regional_says_when_a_unit_is_not_grouped_and_shows_no_peer_median(built_demo_copy):
    """A unit with no resources return for the year is not grouped by size (dim_unit_peer_group's unit test
    shows the model doing so); the page says so and why, and shows the unit beside the network only."""
    year = complete_year(built_demo_copy)
    con = duckdb.connect(str(Paths(built_demo_copy).published))
    try:
        reason = "not grouped: no resources return in the financial year"
        con.execute("update marts.dim_unit_peer_group set peer_group_code = 'NOT_GROUPED', peer_group_name ="
                    " 'Not grouped', is_grouped = false, measure_value = null, measure_label = null,"
                    " group_units = null, group_rule_label = ?, peer_group_label = 'Peers by size, ' ||"
                    " financial_year || ': ' || ? where rocu_code = 'EMSOU' and grouping_code = 'SIZE'",
                    [reason, reason])
        con.execute("update marts.fct_metric_peer_comparison p set peer_group_code = g.peer_group_code,"
                    " peer_group_name = g.peer_group_name, peer_group_label = g.peer_group_label, peer_is_grouped ="
                    " false, peer_median_per_100k = null, peer_units_reporting = null, per_100k_minus_peer_median ="
                    " null, peer_median_per_officer = null, peer_median_value = null, peer_median_officer_rate = null"
                    " from marts.dim_unit_peer_group g where p.rocu_code = 'EMSOU' and p.grouping_code = 'SIZE'"
                    " and g.rocu_code = p.rocu_code and g.grouping_code = p.grouping_code"
                    " and g.financial_year = p.peer_group_year")
    finally:
        con.close()
    at = run("regional", unit="EMSOU", metric="PUR_ARRESTS", period_type="financial_year", period=year, peers="SIZE")
    warning = texts(at.warning)
    assert f"Peers by size, {year}: {reason}" in warning and "no peer median" in warning
    assert list(table(at, "Per 100,000")["Unit"]) == ["East Midlands", "Network"]


def test_regional_splits_a_unit_by_its_forces_or_says_why_not(var):
    year = complete_year(var)
    at = run("regional", unit="EMSOU", metric="PUR_ARRESTS", period_type="financial_year", period=year,
             section="Forces")
    forces = reference.current_forces()
    emsou = set(forces.filter(forces["rocu_code"] == "EMSOU")["force_name"])
    split = table(at, "Share of the forces' total")
    assert set(split["Force"]) == emsou
    total = sum(int(f.replace(",", "")) for f in split["Figure"].str.replace(" (small base)", ""))
    assert all(s.endswith(f"of {total:,})") or s.endswith(f"of {total:,}") for s in split["Share of the forces' total"])

    at = run("regional", unit="TARIAN", metric="PUR_ARRESTS", period_type="financial_year", period=year,
             section="Forces")
    assert "as a unit total" in texts(at.info)


def test_regional_compares_the_unit_ocg_threat_with_its_forces(var):
    at = run("regional", unit="EMSOU", section="OCG threat")
    ocgs = table(at, "Median score")
    owners = sql(var, "select owner_type from marts.fct_ocg_threat where rocu_code = 'EMSOU'")
    assert len(ocgs) == len(owners)
    assert ocgs["Held by"].iloc[0] == "East Midlands (unit)"
    assert all(h.endswith("(force)") for h in ocgs["Held by"].iloc[1:])


def test_regional_keeps_its_filters_in_the_url_and_draws_small_multiples(var):
    at = run("regional", unit="EMSOU", section="Against the peer median")
    at.selectbox(key="w_unit").set_value("SEROCU").run()
    assert param(at, "unit") == "SEROCU" and param(at, "section") == "Against the peer median"
    trend = chart_data(at, index=len(at.get("vega_lite_chart")) - 1)
    assert trend["metric"].nunique() > 1 and set(trend["series"]) == {"This unit", "Peer median"}


def test_submissions_grid_holds_every_unit_and_month_with_the_demo_scenarios(var):
    at = run("submissions")
    grid = chart_data(at)
    months = sql(var, "select count(distinct month) from marts.fct_submission_status")[0][0]
    assert grid["rocu_code"].nunique() == 9 and len(grid) == 9 * months
    cell = grid.set_index(["rocu_code", "month"])
    late, missing, broken = (scenario(var, s) for s in ("late", "missing", "broken"))
    assert tuple(cell.loc[(late["rocu_code"], late["period"]), ["words", "mark"]]) == ("Late", "L")
    assert tuple(cell.loc[(missing["rocu_code"], missing["period"]), ["words", "mark"]]) == ("Missing", "M")
    assert tuple(cell.loc[(broken["rocu_code"], broken["period"]), ["words", "mark"]]) == ("Rejected", "R")
    attention = table(at, "Days late")
    assert sorted(attention["Status"]) == ["Late", "Missing", "Rejected"]


def test_submissions_opens_each_version_with_its_verdict_and_problems(var):
    broken = scenario(var, "broken")
    at = run("submissions", unit=broken["rocu_code"], month=broken["period"])
    assert "Version 1: Rejected" in texts(at.markdown)
    problems = table(at, "Value found")
    tbc = problems[problems["Value found"] == "tbc"].iloc[0]
    assert tbc["Severity"].startswith("Error") and tbc["Row"] and tbc["Column"]
    assert "not a number" in tbc["What to do"] and Path(broken["path"]).name.replace("_", "\\_") in tbc["What to do"]

    missing = scenario(var, "missing")
    at = run("submissions", unit=missing["rocu_code"], month=missing["period"])
    assert "No file has been received" in texts(at.info)


def test_drill_goes_from_a_figure_to_its_cells_and_file(var):
    month = latest_month(var, "EMSOU")
    at = run("drill", unit="EMSOU", metric="PUR_ARRESTS", month=month)
    ((value,),) = sql(var, "select value from marts.fct_metric_monthly where rocu_code = 'EMSOU'"
                           " and metric_id = 'PUR_ARRESTS' and month = ?", month)
    assert at.metric[0].value == f"{value:,.0f}"
    cells = table(at, "As typed")
    assert sum(float(v) for v in cells["As typed"]) == value
    assert set(cells["Force"]) <= set(reference.current_forces()["force_name"])
    files = table(at, "File as sent")
    assert files["File as sent"].iloc[0].replace("\\", "") == f"EMSOU_return_{month}.xlsx"


def test_drill_explains_extract_metrics_and_missing_figures(var):
    at = run("drill", unit="EMSOU", metric="DIS_TOTAL", month=latest_month(var, "EMSOU"))
    assert "Not a monthly return" in texts(at.markdown)
    rows = table(at, "Disruptions counted")
    assert f"{rows['Disruptions counted'].sum():,}" == at.metric[0].value
    claims = table(at, "Narrative")  # an analyst may read the narratives
    counted = claims[claims["Counted"] == "yes"]
    assert len(counted) == rows["Disruptions counted"].sum()
    assert (claims["Narrative"].str.len() > 0).any()
    # Each claim says who claimed it and what it was against; a duplicate is another agency's claim of
    # the unit's own disruption.
    agencies = set(pd.read_csv(SEEDS_DIR / "reference" / "claiming_agencies.csv")["claiming_agency"])
    assert set(claims["Claimed by"]) <= agencies and "rocu" in set(claims["Claimed by"])
    assert set(claims["Against"]) <= set(pd.read_csv(SEEDS_DIR / "reference" / "disruption_against_types.csv")[
        "against_type"])
    assert (claims.loc[claims["Counted"] != "yes", "Claimed by"] != "rocu").all()

    missing = scenario(var, "missing")
    at = run("drill", unit=missing["rocu_code"], metric="PUR_ARRESTS", month=missing["period"])
    assert "no return was received" in texts(at.info)


def test_upload_gives_the_verdict_and_every_problem_at_once_and_takes_a_correction(var, tmp_path, monkeypatch):
    broken = scenario(var, "broken")
    content = (Paths(var).demo / broken["path"]).read_bytes()
    monkeypatch.setenv("ROCU_VAR_DIR", str(tmp_path))  # a landing zone of its own
    at = run("upload", as_role="unit_submitter", as_unit=broken["rocu_code"], unit=broken["rocu_code"],
             month=broken["period"])
    at.file_uploader[0].upload(Path(broken["path"]).name, content, "text/csv")
    at.run()
    at.text_area(key="reason").input("Resent after the deadline to test the page.")
    at.button(key="submit").click().run()
    assert texts(at.error).startswith("Rejected")
    problems = table(at, "Value found")
    assert {"tbc", "\\-3"} <= set(problems["Value found"])

    fixed = content.replace(b";tbc;", b";3;").replace(b";-3;", b";3;")
    at.file_uploader[0].clear().upload("corrected.csv", fixed, "text/csv")
    at.run()
    at.text_area(key="reason").input("Corrected after the deadline.")
    at.button(key="submit").click().run()
    assert "version 2" in texts(at.warning)  # the unmapped label is still a warning
    versions = table(at, "Verdict")
    assert list(versions["Version"]) == ["1", "2"]


def test_upload_sign_off_is_not_offered_to_the_person_who_submitted(tmp_path, monkeypatch):
    """Four eyes on the page: the submitter sees why they cannot sign off; another approver can."""
    from pipelines.access import UserStore, authenticate
    from pipelines.demo.generate import main as generate

    generate(["--out", str(tmp_path / "demo"), "--months", "1", "--end-month", "2025-09", "--quiet"])
    with (tmp_path / "demo" / "manifest.csv").open() as f:
        row = next(r for r in csv.DictReader(f) if r["rocu_code"] == "NEROCU" and r["path"])
    monkeypatch.setenv("ROCU_VAR_DIR", str(tmp_path / "var"))
    at = run("upload", as_role="unit_approver", as_unit="NEROCU", unit="NEROCU", month=row["period"])
    path = tmp_path / "demo" / row["path"]
    at.file_uploader[0].upload(path.name, path.read_bytes(), "text/csv")
    at.run()
    at.text_area(key="reason").input("Sent after the deadline.")
    at.button(key="submit").click().run()
    assert not at.exception and "version 1" in texts(at.success) + texts(at.warning)
    assert not [b for b in at.button if b.key.startswith("approve_")]
    assert "You submitted version 1, so someone else in your unit must sign it off" in texts(at.caption)

    store = UserStore.at(Paths.from_env())
    store.add("second.approver", "a long enough secret", "unit_approver", "NEROCU", actor="tests")
    other = AppTest.from_file(str(VIEWS / "upload.py"), default_timeout=60)
    other.session_state["rocu_session"] = authenticate("second.approver", "a long enough secret", store=store)
    other.query_params.update(unit="NEROCU", month=row["period"])
    other.run()
    (button,) = [b for b in other.button if b.key.startswith("approve_")]
    button.click().run()
    assert not other.exception and "signed off by second.approver" in texts(other.success)
