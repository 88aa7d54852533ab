"""Who governs each unit, and where each stands on the inspection's recommendations.

Per unit, as at a day: the chief officer post and whether it is dual-hatted with force duties, the
employment model, the regional board's cadence and chair, the collaboration agreements by capability
and force, the strategic governance groups per threat area with the partners that attend, and the
counter-corruption strategy. Then the tracker of the seven recommendations and the areas for
improvement, with each unit's status and the network's, and a form for boards to update their rows.

Reads only the governance marts (fct_governance_current, fct_unit_governance, fct_collaboration_agreements,
fct_strategic_governance_groups, fct_recommendation_tracker) and dim_rocu. An update goes to the
configuration store with the audit trail (pipelines/governance.py); like every figure on the pages,
the tracker shows the warehouse, so an update appears there after the next refresh.
"""

from datetime import date

import pandas as pd
import streamlit as st

from dashboards.auth import current_session, guard
from dashboards.data import current_build, query
from dashboards.widgets import no_data, show_table, unit_filter
from pipelines.access import AuditLog, PermissionDenied
from pipelines.config_store import ConfigStore
from pipelines.governance import NETWORK, may_update, set_status, statuses
from pipelines.serving.formats import count, day, moment
from pipelines.settings import Paths

YES_NO = {True: "yes", False: "no"}
EARLIEST = date(2013, 4, 1)  # the first units' collaboration agreements; the date picker starts here


def as_at_asked(default: date) -> date:
    """The day a link asks for (?as_at=2024-06-30), or `default`, saying so when the link's day is not a date."""
    asked = st.query_params.get("as_at")
    if not asked:
        return default
    try:
        return max(date.fromisoformat(asked), EARLIEST)
    except ValueError:
        st.info(f"The link asked for the day '{asked}', which is not a date written as 2024-06-30; "
                f"showing {day(default)} instead.")
        return default


session = guard("view_governance")
st.title("Governance and the inspection's recommendations")
current = query(
    """
    select rocu_code, rocu_name, as_at, chief_officer_post, dual_hatted, employment_model_name, board_cadence_weeks,
           board_chair_post, counter_corruption_adopted, counter_corruption_adopted_on, agreements_in_force,
           capabilities_agreed, strategic_groups, groups_with_partners
    from marts.fct_governance_current order by rocu_name
    """
)
if current.empty:
    no_data()

as_at = pd.Timestamp(current["as_at"].iloc[0]).date()
st.subheader(f"The network's governance on {day(as_at)}")
st.caption("Synthetic demonstration values: posts, not people. Recommendation 4 asks for a chief officer free of "
           "force duties; recommendation 5 for a counter-corruption strategy the forces adopt. A board that meets "
           "more often is not better governed in itself.")
show_table(pd.DataFrame({
    "Unit": current["rocu_name"],
    "Chief officer post": current["chief_officer_post"].fillna("–"),
    "Dual-hatted with force duties": current["dual_hatted"].map(YES_NO).fillna("–"),
    "Employment model": current["employment_model_name"].fillna("–"),
    "Board meets every (weeks)": current["board_cadence_weeks"].map(count),
    "Board chair": current["board_chair_post"].fillna("–"),
    "Counter-corruption strategy adopted": [day(d) if adopted else "not adopted" for adopted, d in
                                            zip(current["counter_corruption_adopted"],
                                                current["counter_corruption_adopted_on"], strict=True)],
    "Capability agreements (capabilities)": [f"{count(a)} ({count(c)})" for a, c in
                                             zip(current["agreements_in_force"], current["capabilities_agreed"],
                                                 strict=True)],
    "Strategic groups (with partners)": [f"{count(g)} ({count(p)})" for g, p in
                                         zip(current["strategic_groups"], current["groups_with_partners"],
                                             strict=True)],
}), f"governance_{as_at}", export=current)

top = st.columns([1.4, 1])
unit, names = unit_filter(top[0], permission="view_governance")
with top[1]:
    on = st.date_input("As at", value=as_at_asked(as_at), min_value=EARLIEST, format="DD/MM/YYYY",
                       key="w_as_at")
st.query_params["as_at"] = on.isoformat()  # in the URL, so a view can be shared

st.subheader(f"{names[unit]} on {day(on)}")
versions = query(
    """
    select effective_from, effective_to, chief_officer_post, dual_hatted, force_duties, employment_model_name,
           employing_force_name, board_cadence_weeks, board_meetings_per_year, board_chair_post,
           counter_corruption_strategy_adopted_on, note,
           effective_from <= ? and (effective_to is null or ? <= effective_to) as in_force
    from marts.fct_unit_governance where rocu_code = ? order by effective_from
    """,
    (on, on, unit),
)
in_force = versions[versions["in_force"]]
if in_force.empty:
    st.info(f"No governance of {names[unit]} is recorded as in force on {day(on)}.")
else:
    g = in_force.iloc[-1]
    adopted = None if pd.isna(g["counter_corruption_strategy_adopted_on"]) \
        else pd.Timestamp(g["counter_corruption_strategy_adopted_on"]).date()
    a, b, c = st.columns(3)
    a.metric("Chief officer post", g["chief_officer_post"],
             help=f"Dual-hatted with force duties: {g['force_duties']}" if g["dual_hatted"]
             else "Free of force duties (recommendation 4)")
    b.metric("Regional board meets every", f"{count(g['board_cadence_weeks'])} weeks",
             help=f"About {g['board_meetings_per_year']} meetings a year; chaired by {g['board_chair_post']}.")
    c.metric("Counter-corruption strategy", "adopted" if adopted is not None and adopted <= on else "not adopted",
             help=f"Adopted by the forces on {day(adopted)}." if adopted else "Not adopted (recommendation 5).")
    st.caption(f"{'Dual-hatted' if g['dual_hatted'] else 'Not dual-hatted'}; employment model: "
               f"{g['employment_model_name']} ({g['employing_force_name']}).")
show_table(pd.DataFrame({
    "From": versions["effective_from"].map(day),
    "To": versions["effective_to"].map(day),
    "Chief officer post": versions["chief_officer_post"],
    "Dual-hatted": versions["dual_hatted"].map(YES_NO),
    "Board every (weeks)": versions["board_cadence_weeks"].map(count),
    "Board chair": versions["board_chair_post"],
    "In force on the day": versions["in_force"].map({True: "yes", False: ""}),
    "Note": versions["note"].fillna(""),
}), f"governance_versions_{unit}", export=versions)

agreements = query(
    """
    select capability_name, force_name from marts.fct_collaboration_agreements
    where rocu_code = ? and effective_from <= ? and (effective_to is null or ? <= effective_to)
    order by capability_name, force_name
    """,
    (unit, on, on),
)
st.markdown("**Collaboration agreements in force** (a force without a tick keeps that capability itself)")
if agreements.empty:
    st.info(f"No collaboration agreement of {names[unit]} is recorded as in force on {day(on)}.")
else:
    grid = pd.crosstab(agreements["capability_name"], agreements["force_name"]).gt(0).rename_axis(columns=None)
    show_table(grid.map({True: "✓", False: ""}.get).reset_index().rename(columns={"capability_name": "Capability"}),
               f"agreements_{unit}_{on}", export=agreements)
groups = query(
    """
    select threat_area_name, group_name, chair_post, cadence_weeks, partners_attending, partner_names
    from marts.fct_strategic_governance_groups
    where rocu_code = ? and effective_from <= ? and (effective_to is null or ? <= effective_to)
    order by threat_area_order
    """,
    (unit, on, on),
)
st.markdown("**Strategic governance groups in force**")
if groups.empty:
    st.info(f"No strategic governance group of {names[unit]} is recorded as in force on {day(on)}.")
else:
    show_table(pd.DataFrame({
        "Threat area": groups["threat_area_name"],
        "Group": groups["group_name"],
        "Chair": groups["chair_post"],
        "Meets every (weeks)": groups["cadence_weeks"].map(count),
        "Partners attending": groups["partner_names"].fillna("none"),
    }), f"governance_groups_{unit}_{on}", export=groups)

st.subheader("The inspection's recommendations and areas for improvement")
tracker = query(
    """
    select item_ref, item_kind, short_title, tracked_for, rocu_code, is_network_row, status_name, is_recorded,
           is_derived, evidence, evidence_link, updated_by, as_at
    from marts.fct_recommendation_tracker where rocu_code in (?, 'NETWORK') order by item_order, is_network_row
    """,
    (unit,),
)
items = tracker.drop_duplicates("item_ref").set_index("item_ref")
own = tracker[~tracker["is_network_row"]].set_index("item_ref")
network = tracker[tracker["is_network_row"]].set_index("item_ref")


def status_words(row: pd.Series) -> str:
    if row["is_derived"]:
        return f"{row['status_name']} (from the units: {row['evidence']})"
    return row["status_name"] if row["is_recorded"] else f"{row['status_name']} (nothing recorded)"


refs = items.index.tolist()
shown = [own.loc[r] if r in own.index else network.loc[r] for r in refs]  # the unit's row, or the network's
show_table(pd.DataFrame({
    "Ref": refs,
    "Recommendation or area for improvement": items["short_title"].tolist(),
    "Kind": items["item_kind"].str.replace("_", " ").tolist(),
    names[unit]: [status_words(own.loc[r]) if r in own.index else "tracked for the network" for r in refs],
    "The network": [status_words(network.loc[r]) for r in refs],
    "Evidence": [row["evidence"] for row in shown],
    "Evidence link": [row["evidence_link"] for row in shown],
    "Updated by": [row["updated_by"] for row in shown],
    "As at": [day(row["as_at"]) for row in shown],
}).fillna(""), f"recommendations_{unit}", typed=("Evidence", "Evidence link", "Updated by"), export=tracker)
st.caption("For a recommendation tracked per unit, the network's status comes from the units': met when every unit "
           "it applies to has met it, not started when none has started, otherwise in progress. Recommendations 1, 2, "
           "6 and 7 are tracked for the network as a whole.")

targets = [u for u in (unit, NETWORK) if may_update(session, u)]
if targets:
    st.subheader("Update a status")
    target_names = {unit: names[unit], NETWORK: "The network"}
    target = st.selectbox("For", targets, format_func=target_names.get, key="w_target")
    choices = [r for r in refs if (items.loc[r, "tracked_for"] == "network") == (target == NETWORK)]
    with st.form("update_recommendation"):
        item = st.selectbox("Recommendation or area for improvement", choices, key="w_item",
                            format_func=lambda r: f"{r}: {items.loc[r, 'short_title']}")
        vocabulary = statuses()
        status = st.selectbox("Status", list(vocabulary), format_func=vocabulary.get, key="w_status")
        evidence = st.text_area("Evidence", key="w_evidence", max_chars=2000,
                                help="What shows the status: a decision, a document, a date.")
        link = st.text_input("Link to the evidence (optional)", key="w_link", placeholder="https://")
        submitted = st.form_submit_button("Record the status", type="primary")
    if submitted:
        who = current_session() or session  # checked again on the server at the moment of writing
        paths = Paths.from_env()
        try:
            after = set_status(item, target, status, evidence, link, who=who, actor=who.username,
                               audit=AuditLog.at(paths), store=ConfigStore.at(paths))
        except PermissionDenied as denied:
            st.error(str(denied))
        except ValueError as refused:
            st.error(str(refused))
        else:
            build = current_build()
            shown = f"as refreshed on {moment(build.published_at)}" if build else "once it is built"
            st.success(f"Recorded: {item} for {target_names[target]} is now '{vocabulary[status]}' "
                       f"(by {after['updated_by']}, {day(after['as_at'])}), in the configuration store and the "
                       f"audit trail. The tables above show the warehouse {shown}: they will show this update "
                       "after the warehouse's next refresh.")
