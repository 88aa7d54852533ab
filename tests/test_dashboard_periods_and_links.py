"""What a page shows follows what a person asked for: the regional trend follows the chosen
metric, a period figure breaks down month by month to the cells, and a link whose filters no
longer exist says so instead of quietly showing something else."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.months import month_label
from pipelines.settings import Paths
from tests.test_dashboard_apptest import chart_data, complete_year, fresh_caches, param, run, sql, texts, var  # noqa: F401


def trend_metrics(at) -> set[str]:
    """The metrics drawn in the regional page's month-by-month panels (its last chart)."""
    return set(chart_data(at, index=len(at.get("vega_lite_chart")) - 1)["metric"])


def test_regional_trend_follows_the_metric_chosen_at_the_top(var: Path):
    at = run("regional", unit="EMSOU", metric="PUR_ARRESTS", section="Against the peer median")
    before = trend_metrics(at)
    assert "Arrests" in before
    ((other, name),) = sql(var, """
        select c.metric_id, any_value(m.metric_name) from marts.fct_metric_comparison c join marts.dim_metric m
        using (metric_id) where c.rocu_code = 'EMSOU' and c.period_type = 'month'
        and m.unit in ('count', 'gbp', 'kg', 'years') and not list_contains(?, m.metric_name)
        group by all order by 1 limit 1""", sorted(before))
    at.selectbox(key="w_metric").set_value(other).run()
    assert param(at, "metric") == other
    after = trend_metrics(at)
    assert name in after and name not in before
    first = chart_data(at, index=len(at.get("vega_lite_chart")) - 1)["metric"].iloc[0]
    assert first == name  # the chosen metric's panel comes first


def full_year_unit(var: Path, year: str) -> str:
    return sql(var, "select min(rocu_code) from marts.fct_metric_comparison where metric_id = 'PUR_ARRESTS'"
                    " and period_type = 'financial_year' and period = ? and months_reported = 12", year)[0][0]


def test_drill_breaks_a_year_down_month_by_month_and_each_month_to_its_cells(var: Path):
    year = complete_year(var)
    unit = full_year_unit(var, year)
    at = run("drill", unit=unit, metric="PUR_ARRESTS", period_type="financial_year", period=year)
    ((total,),) = sql(var, "select value from marts.fct_metric_comparison where rocu_code = ? and metric_id ="
                           " 'PUR_ARRESTS' and period_type = 'financial_year' and period = ?", unit, year)
    monthly = sql(var, "select f.month, f.value from marts.fct_metric_monthly f join marts.dim_month d using (month)"
                       " where f.rocu_code = ? and f.metric_id = 'PUR_ARRESTS' and d.financial_year = ?"
                       " order by f.month", unit, year)
    assert len(monthly) == 12
    assert sum(v for _, v in monthly) == total  # the months add up to the year (from the mart itself)
    assert at.metric[0].value == f"{total:,.0f}"

    months = next(t.value for t in at.table if "Month" in t.value.columns and "Cells" in t.value.columns)
    body = months[months["Month"] != "Total"]
    assert list(body["Month"]) == [month_label(m) for m, _ in monthly]
    assert [float(v.replace(",", "")) for v in body["Figure"]] == [v for _, v in monthly]
    assert months[months["Month"] == "Total"]["Figure"].iloc[0] == f"{total:,.0f}"
    assert f"add up to {total:,.0f}" in texts(at.markdown) + texts(at.success)

    assert not [e for e in at.expander if e.table], "a month's cells are drawn when it is opened, not before"
    for month, value in monthly:
        at.session_state[f"cells_{month}"] = True  # opened, as a click does
        at.run()
        box = next(e for e in at.expander if e.label.startswith(month_label(month)))
        cells = box.table[0].value
        assert {"File as sent", "Version", "Sheet", "Row", "Column", "As typed"} <= set(cells.columns)
        assert sum(float(v) for v in cells["As typed"]) == value
        assert set(cells["File as sent"].str.replace("\\", "")) == {f"{unit}_return_{month}.xlsx"}
        assert (cells["Row"] != "").all() and (cells["Column"] != "").all()


def test_drill_of_one_month_still_opens_from_an_old_link(var: Path):
    month = sql(var, "select max(month) from marts.fct_return_value_provenance where rocu_code = 'EMSOU'")[0][0]
    at = run("drill", unit="EMSOU", metric="PUR_ARRESTS", month=month)
    ((value,),) = sql(var, "select value from marts.fct_metric_monthly where rocu_code = 'EMSOU'"
                           " and metric_id = 'PUR_ARRESTS' and month = ?", month)
    assert at.metric[0].value == f"{value:,.0f}"
    assert f"Arrests for East Midlands, {month_label(month)}" in texts(at.subheader)


def test_a_link_whose_filters_no_longer_exist_says_what_it_shows_instead(var: Path):
    at = run("drill", unit="NOPE", metric="GONE_METRIC", month="1999-01")
    notices = texts(at.warning).replace("\\", "")  # the link's words are escaped, shown as typed
    assert "NOPE" in notices and "GONE_METRIC" in notices and "1999-01" in notices
    shown_unit = param(at, "unit")
    assert shown_unit != "NOPE" and f"({shown_unit})" in notices
    assert "Arrests" in notices  # the metric shown instead, by name

    at = run("regional", unit="EMSOU", metric="PUR_ARRESTS", period_type="financial_year", period="1999/00")
    assert "1999/00" in texts(at.warning) and param(at, "period") in texts(at.warning).replace("\\", "")

    at = run("regional", unit="EMSOU", trend="PUR_CHARGES,GONE_METRIC", section="Against the peer median")
    assert "GONE_METRIC" in texts(at.warning).replace("\\", "") and "PUR_CHARGES" not in texts(at.warning)

    at = run("national", metric="REMOVED_METRIC")
    assert "REMOVED_METRIC" in texts(at.warning).replace("\\", "")

    at = run("national")  # a link that asks for nothing unknown shows no notice
    assert not at.warning
    at.selectbox(key="w_period_type").set_value("quarter").run()  # changing a filter is not a broken link
    assert not at.warning


def test_a_link_with_nothing_unknown_shows_no_notice_on_any_page(var: Path):
    for page in ("national", "regional", "drill", "submissions"):
        at = run(page)
        assert not at.warning, (page, texts(at.warning))


def test_a_link_to_one_month_from_the_period_view_opens_that_month(var: Path):
    """The month links inside a period's breakdown lead to the same page: its filters must follow the link."""
    year = complete_year(var)
    unit = full_year_unit(var, year)
    at = run("drill", unit=unit, metric="PUR_ARRESTS", period_type="financial_year", period=year)
    month = sql(var, "select max(month) from marts.dim_month where financial_year = ?", year)[0][0]
    at.query_params.update({"period_type": "month", "period": month})
    at.run()
    assert not at.exception
    assert any(h.startswith("Arrests for ") and h.endswith(month_label(month)) for h in (s.value for s in at.subheader))
    assert "Cells behind the figure" in texts(at.markdown)
    assert not at.warning


def test_a_months_cells_are_its_current_versions_however_many_versions_it_had(built_demo_copy: Path):
    """A month's cells in the drill-through are its current version's, however many versions the mart
    holds (the page asks the mart for those alone: at 1000 versions a month, reading them all to keep
    the current took 0.2-0.55 s of a year's drill). The demo's months have one version each, so an
    older one, its figures doubled, is put into the published mart first."""
    ((unit, month, current),) = sql(built_demo_copy, """
        select rocu_code, month, count(*) from marts.fct_return_value_provenance
        where metric_id = 'PUR_ARRESTS' and is_current group by all order by 1, 2 limit 1""")
    con = duckdb.connect(str(Paths(built_demo_copy).published))
    try:
        con.execute("insert into marts.fct_return_value_provenance select * replace (false as is_current, version - 1"
                    " as version, value * 2 as value, cast(cast(raw_value as double) * 2 as varchar) as raw_value)"
                    " from marts.fct_return_value_provenance where rocu_code = ? and month = ? and is_current",
                    [unit, month])
    finally:
        con.close()
    ((value,),) = sql(built_demo_copy, "select value from marts.fct_metric_monthly where rocu_code = ? and"
                                       " metric_id = 'PUR_ARRESTS' and month = ?", unit, month)

    at = run("drill", unit=unit, metric="PUR_ARRESTS", period_type="month", period=month)
    assert f"Cells behind the figure ({current} in the current version)" in texts(at.markdown)
    cells = next(t.value for t in at.table if "As typed" in t.value.columns)
    assert len(cells) == current and sum(float(v) for v in cells["As typed"]) == value

    year = sql(built_demo_copy, "select financial_year from marts.dim_month where month = ?", month)[0][0]
    at = run("drill", unit=unit, metric="PUR_ARRESTS", period_type="financial_year", period=year)
    at.session_state[f"cells_{month}"] = True  # the month opened, as a click does
    at.run()
    box = next(e for e in at.expander if e.label.startswith(month_label(month)))
    assert sum(float(v) for v in box.table[0].value["As typed"]) == value
    assert set(box.table[0].value["Version"]) == {str(v) for (v,) in sql(
        built_demo_copy, "select distinct version from marts.fct_return_value_provenance where rocu_code = ?"
                         " and month = ? and is_current", unit, month)}


def test_an_extract_metrics_quarter_and_year_break_down_month_by_month(var: Path):
    """A disruption metric is counted from the extract, not from cells of a return: its period drill
    lists the months without a file column (it once failed looking for one to escape)."""
    year = complete_year(var)
    for kind, period in (("financial_year", year),
                         ("quarter", sql(var, "select max(calendar_quarter) from marts.dim_month"
                                              " where financial_year = ?", year)[0][0])):
        at = run("drill", unit="EMSOU", metric="DIS_TOTAL", period_type=kind, period=period)
        months = next(t.value for t in at.table if "Month" in t.value.columns and "Cells" in t.value.columns)
        assert "File as sent" not in months.columns and set(months["Cells"]) <= {"extract", ""}
        assert "Each month's cells" in texts(at.markdown)
