"""Reconciliation: where figures that should agree disagree, each disagreement with its size.

Reads only fct_reconciliation (both sides, the difference and the threshold are computed in dbt;
the thresholds are seed reconciliation_checks). A unit's people see their own unit only. The
query a disagreement above the threshold needs (needs_query) is raised by the query store.
"""

import pandas as pd
import streamlit as st

from dashboards.auth import guard, units_for
from dashboards.data import query
from dashboards.widgets import no_data, show_table, url_select
from pipelines.months import month_label
from pipelines.serving.formats import amount, decimal

session = guard("view_reconciliation")
st.title("Reconciliation")
st.caption("Figures that should agree, side by side: a return's disruptions and OCGs against the extracts, a "
           "unit's total against its force rows, and a figure against its previous version. A disagreement "
           "above the check's threshold needs a query to the unit.")
rows = query("select r.*, u.rocu_name from marts.fct_reconciliation as r inner join marts.dim_rocu as u "
             "using (rocu_code) order by r.check_code, u.rocu_name, r.month desc, r.metric_id")
if rows.empty:
    no_data("Nothing to reconcile yet: no return carries a figure that another source also holds.")
allowed = units_for(session, "view_reconciliation", sorted(rows["rocu_code"].unique()))
rows = rows[rows["rocu_code"].isin(allowed)]
checks = dict(zip(rows["check_code"], rows["check_name"]))
names = dict(zip(rows["rocu_code"], rows["rocu_name"]))

top = st.columns([2, 2, 1.4])
with top[0]:
    check = url_select("Check", ["ALL", *checks], "check", format_func=lambda c: checks.get(c, "Every check"))
with top[1]:
    unit = url_select("Unit", ["ALL", *allowed], "unit",
                      format_func=lambda c: "Every unit you may see" if c == "ALL" else f"{names.get(c, c)} ({c})")
with top[2]:
    only_queries = st.toggle("Only those needing a query", value=True, key="only_queries")
if check != "ALL":
    rows = rows[rows["check_code"] == check]
if unit != "ALL":
    rows = rows[rows["rocu_code"] == unit]
if only_queries:
    rows = rows[rows["needs_query"]]
if rows.empty:
    st.success("No disagreement above its threshold for this choice." if only_queries
               else "Nothing to compare for this choice.")
    st.stop()


def side(value, unit_code: str, version) -> str:
    text = amount(value, unit_code)
    return text if pd.isna(version) else f"{text} (version {version:.0f})"


table = pd.DataFrame({
    "Check": rows["check_name"],
    "Unit": rows["rocu_name"],
    "Month": rows["month"].map(month_label),
    "Metric": rows["metric_name"],
    "Reported": [f"{s}: {side(v, u, ver)}" for s, v, u, ver in
                 zip(rows["reported_side"], rows["reported_value"], rows["unit"], rows["reported_version"])],
    "Against": [f"{s}: {side(v, u, ver)}" for s, v, u, ver in
                zip(rows["reference_side"], rows["reference_value"], rows["unit"], rows["reference_version"])],
    "Difference": [("+" if d > 0 else "") + amount(d, u) if not pd.isna(d) else "–"
                   for d, u in zip(rows["difference"], rows["unit"])],
    "Relative size": rows["relative_difference_pct"].map(
        lambda p: "against zero" if pd.isna(p) else f"{decimal(p)}%"),
    "Needs a query": rows["needs_query"].map({True: "Yes", False: "No"}),
})
export = rows[["check_code", "rocu_code", "month", "metric_id", "reported_side", "reported_value",
               "reported_version", "reference_side", "reference_value", "reference_version", "difference",
               "relative_difference_pct", "min_absolute_difference", "min_relative_difference_pct", "needs_query"]]
st.subheader(f"{len(rows)} comparisons" + (" needing a query" if only_queries else ""))
show_table(table, "reconciliation", export=export)
