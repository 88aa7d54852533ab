"""Framework catalogue: the framework as a document, by strand and threat area, each metric with
its full definition, the base it is compared on, who reports it and whether it measures activity,
an outcome or context. Everything it says is read from dim_metric_guide; the page only formats."""

import pandas as pd
import streamlit as st

from dashboards.auth import guard
from dashboards.data import query
from dashboards.format import escape_markdown
from dashboards.widgets import no_data
from pipelines.months import month_label

BETTER = {True: "Higher is better.", False: "Lower is better.", None: "Neither higher nor lower is better in itself."}
# The catalogue text a search looks through.
SEARCHED = ["metric_id", "metric_name", "strand_name", "threat_area_heading", "unit", "definition", "source",
            "source_name", "measures"]

guard("view_national")
st.title("Common performance framework")
guide = query(
    "select g.*, m.higher_is_better, m.expected_from from marts.dim_metric_guide g join marts.dim_metric m using (metric_id)"
    " order by g.strand_sort_order, g.threat_area_sort_order, g.threat_area_heading, g.metric_name")
if guide.empty:
    no_data()

kinds = guide.drop_duplicates("measures").sort_values("measures_name")[["measures_name", "measures_description"]]
st.markdown("Every monthly return and extract maps to these metrics. Each says what it counts, how units are "
            "compared on it, who reports it and whether it measures:\n\n"
            + "\n".join(f"- **{k.measures_name}**: {escape_markdown(k.measures_description)}"
                        for k in kinds.itertuples()))

search = st.text_input("Search metrics", key="q", placeholder="e.g. cyber, seized, tasking")
if search:
    hit = guide[SEARCHED].astype(str).agg(" ".join, axis=1).str.lower().str.contains(search.lower(), regex=False)
    guide = guide[hit]
st.caption(f"{len(guide)} metrics")


def reporters(m: pd.Series) -> str:
    """'7 of 9 units (…), April 2023 to September 2025', or that no unit has reported it yet."""
    if not m.units_reporting:
        return "No unit has reported it yet."
    return (f"{m.units_reporting} of {m.units_in_network} units ({escape_markdown(m.units_reporting_names)}), "
            f"{month_label(m.first_month)} to {month_label(m.last_month)}.")


def describe(m: pd.Series) -> str:
    better = BETTER[None if pd.isna(m.higher_is_better) else bool(m.higher_is_better)]
    return "\n".join([
        escape_markdown(m.definition) + ".",
        "",
        f"- **Measures:** {m.measures_name}. {better}",
        f"- **Compared on:** {escape_markdown(m.comparison_base)}.",
        f"- **Comes from:** {escape_markdown(m.source_name)}: {escape_markdown(m.reported_by_description)}. "
        f"{escape_markdown(m.reporting_level)}.",
        f"- **Expected from:** {escape_markdown(m.expected_from)}.",
        f"- **Reported by:** {reporters(m)}",
        f"- **Unit:** {escape_markdown(m.unit_name)} (code `{m.unit}`); metric id `{m.metric_id}`.",
    ])


for _, in_strand in guide.groupby("strand_sort_order", sort=True):
    first = in_strand.iloc[0]
    st.header(first.strand_name, divider="gray")
    st.markdown(f"*{escape_markdown(first.strand_aim)}.*")
    for area, in_area in in_strand.groupby(["threat_area_sort_order", "threat_area_heading"], sort=True):
        st.subheader(area[1])
        for _, m in in_area.iterrows():
            st.markdown(f"#### {escape_markdown(m.metric_name)}")
            st.markdown(describe(m))

# How units are grouped into peers, from the seeds behind dim_unit_peer_group (docs/peer-groups.md).
groupings = query("select distinct grouping_name, grouping_description, grouping_order, is_default_grouping"
                  " from marts.dim_unit_peer_group order by grouping_order")
if not groupings.empty:
    st.header("Peer groups", divider="gray")
    st.markdown("A unit's rates are set beside the median of its peers as well as the network. Peers are built "
                "each financial year from the units' resources returns, capability register and disruptions, so a "
                "unit can move group from one year to the next; a unit the data cannot place is shown as not "
                "grouped, never put in a group by default.\n\n"
                + "\n".join(f"- **{g.grouping_name}**{' (the default)' if g.is_default_grouping else ''}: "
                            f"{escape_markdown(g.grouping_description)}" for g in groupings.itertuples()))
