"""Framework catalogue: every metric with its definition, strand, unit and source."""

import streamlit as st

from dashboards.auth import guard
from dashboards.data import query

guard("view_national")
st.title("Common performance framework")
metrics = query(
    "select metric_id, metric_name, strand_name, threat_area_name, unit, definition, time_aggregation,"
    " space_aggregation, higher_is_better, source, expected_from from marts.dim_metric order by strand_code, metric_id"
)
if metrics.empty:
    st.info("The warehouse has not been built yet. Run `make demo` to build it from the demo data.")
    st.stop()

search = st.text_input("Search metrics", key="q", placeholder="e.g. cyber, seized, tasking")
if search:
    hit = metrics.apply(lambda r: search.lower() in " ".join(map(str, r.values)).lower(), axis=1)
    metrics = metrics[hit]
st.caption(f"{len(metrics)} metrics")
st.dataframe(metrics, hide_index=True, width="stretch")
