"""The validation of disruption claims on the Disruptions and threat page: every unit's backlog at the
period's end and its days from claim to validation (fct_disruption_validation), against its own target."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards.data import query
from dashboards.widgets import show_table
from pipelines.serving.formats import count, day, decimal, share_with_base


def show_validation(kind: str, period: str, when: str) -> None:
    """Every unit's validation of its disruption claims (fct_disruption_validation): the backlog at the
    period's end and the days from claim to validation, against the unit's own target."""
    st.subheader(f"Validation of disruption claims: backlog and lag, {when}")
    rows = query(
        """
        select u.rocu_name, v.period_end, v.months_covered, v.months_in_period, v.claims_made, v.awaiting_at_end,
               v.oldest_awaiting_days, v.validated, v.median_days_to_validation, v.p90_days_to_validation,
               v.target_days, v.validated_within_target, v.validated_within_target_pct, v.is_small_base
        from marts.fct_disruption_validation v
        join marts.dim_rocu u on v.rocu_code = u.rocu_code
        where v.period_type = ? and v.period = ?
        order by u.rocu_name
        """,
        (kind, period),
    )
    if rows.empty:
        st.info(f"The disruption extracts cover no claims in {when}.")
        return
    show_table(pd.DataFrame({
        "Unit": rows["rocu_name"],
        "Claims made": rows["claims_made"].map(count),
        "Awaiting validation at the period's end": [
            f"{count(n)} (oldest {count(days)} days)" if n else "none"
            for n, days in zip(rows["awaiting_at_end"], rows["oldest_awaiting_days"])],
        "Validated": rows["validated"].map(count),
        "Median days to validation": rows["median_days_to_validation"].map(decimal),
        "90th percentile days": rows["p90_days_to_validation"].map(decimal),
        "Validated within the unit's target": [
            "no target set" if pd.isna(target) else
            f"{share_with_base(n, base, share, bool(small), 'validated')}, target {count(target)} days"
            for n, base, share, small, target in zip(
                rows["validated_within_target"], rows["validated"], rows["validated_within_target_pct"],
                rows["is_small_base"], rows["target_days"])],
    }), f"disruption_validation_{period.replace('/', '-')}", export=rows)
    part = rows[rows["months_covered"] < rows["months_in_period"]]
    st.caption(f"Backlog: claims made by the period's last day ({day(rows['period_end'].iloc[0])}) and not decided "
               "by then. Days to validation: from the claim to its validation, for the claims validated in the period."
               + (f" Part period: the extracts cover {count(part['months_covered'].iloc[0])} of "
                  f"{count(part['months_in_period'].iloc[0])} months." if not part.empty else ""))

