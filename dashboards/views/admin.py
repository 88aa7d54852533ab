"""Administration: label mappings (with suggestions), submission windows and accounts.

Every change goes through the same functions as the command line (pipelines/configure.py
change_mapping / change_window, pipelines/access/accounts.py), which check the permission on
the server before writing, record the change in the configuration or account store and audit
it. A section is drawn only for a person holding its permission; hiding it is a convenience,
the check in those functions is what enforces it. The page reads no mart: unmapped labels come
from the intake's registry, the rest from the configuration and account stores.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from dashboards.auth import can, current_session, guard
from pipelines import reference
from pipelines.access import ROLES, PermissionDenied, UserStore
from pipelines.access import accounts
from pipelines.config_store import ConfigStore
from pipelines.configure import change_mapping, change_window
from pipelines.intake.api import LandingZone, unmapped_labels
from pipelines.mapping_suggestions import suggest
from pipelines.settings import Paths

DONE = "admin_done"  # session state: the sentence saying what the last change did, shown after the rerun

session = current_session()
if session is None or not any(can(session, p) for p in ("manage_mappings", "manage_windows", "manage_users")):
    guard("manage_mappings")  # explains and stops
paths = Paths.from_env()
st.title("Administration")
st.caption("Every change here is recorded with your name and the time in the configuration store and the audit "
           "trail, exactly as the `rocu mapping`, `rocu window` and `rocu user` commands record theirs.")
if done := st.session_state.pop(DONE, None):
    st.success(done)


def attempt(change, sentence) -> None:
    """Make a change; on success rerun showing `sentence(result)`, otherwise say why, plainly."""
    try:
        result = change()
    except (PermissionDenied, ValueError) as refused:  # AccessError and the stores' refusals are ValueErrors
        st.error(str(refused))
        return
    st.session_state[DONE] = sentence(result)
    st.rerun()


def _password_set(store: UserStore, who: str, password: str, field: str):
    """Set the password (the command line's checked path), then empty the field: no one sees it again."""
    user = accounts.set_password(store, session, who, password)
    st.session_state.pop(field, None)
    return user


def metric_words(metric_id: str) -> str:
    return f"{METRIC_NAMES.get(metric_id, metric_id)} ({metric_id})"


RETURN_METRICS = reference.metrics().filter(reference.metrics()["source"] == "monthly_return")
METRIC_NAMES = dict(zip(RETURN_METRICS["metric_id"], RETURN_METRICS["metric_name"], strict=True))
UNITS = reference.rocus()["rocu_code"].to_list()

if can(session, "manage_mappings"):
    st.header("Label mappings")
    waiting = unmapped_labels(LandingZone(paths.landing))
    if not waiting:
        st.info("Every label in the returns checked so far is in its unit's label map.")
    else:
        st.markdown("**Labels units wrote that their label map does not know.** Each has a "
                    "suggestion from the framework catalogue, by similarity of wording; accept it, or choose "
                    "another metric. A mapping applies to returns checked from now on and to the next warehouse build.")
    for item in waiting:
        key = f"{item.rocu_code}:{item.local_label}"
        offered = suggest(item.local_label, item.rocu_code)
        with st.container(border=True):
            st.markdown(f"**{item.rocu_code}: '{item.local_label}'**, last in {item.original_name} "
                        f"({item.period}), {item.place}")
            if offered:
                best = offered[0]
                st.markdown("Suggested: " + "; ".join(
                    f"{metric_words(s.metric_id)}, worded like '{s.because_of}'" for s in offered))
                if st.button(f"Accept: map to {metric_words(best.metric_id)}", key=f"accept:{key}", type="primary"):
                    attempt(lambda item=item, best=best: change_mapping(session, item.rocu_code, item.local_label,
                                                                        best.metric_id, paths=paths),
                            lambda row: f"{row['rocu_code']}: '{row['local_label']}' now maps to "
                                        f"{metric_words(row['metric_id'])}.")
            else:
                st.markdown("No metric of the catalogue is worded like it; choose one if it should count.")
            order = [s.metric_id for s in offered] + [m for m in METRIC_NAMES if m not in {s.metric_id for s in offered}]
            left, middle, right = st.columns([3, 1, 1])
            chosen = left.selectbox("Or map to", order, key=f"metric:{key}", format_func=metric_words)
            multiplier = middle.number_input("Multiplier", min_value=0.000001, value=1.0, key=f"mult:{key}",
                                             help="From the unit's figure to the framework's (1000 for £ thousands)")
            if right.button("Map to this metric", key=f"choose:{key}"):
                attempt(lambda item=item, chosen=chosen, multiplier=multiplier: change_mapping(
                            session, item.rocu_code, item.local_label, chosen, multiplier, paths=paths),
                        lambda row: f"{row['rocu_code']}: '{row['local_label']}' now maps to "
                                    f"{metric_words(row['metric_id'])} (x {row['multiplier']}).")

    st.subheader("Current mappings")
    table = ConfigStore.at(paths).effective("label_map")
    unit = st.selectbox("Unit", UNITS, key="map_unit")
    rows = [(r, o) for r, o in zip(table.rows, table.origins, strict=True) if r["rocu_code"] == unit]
    st.dataframe(pd.DataFrame([{
        "Local label": r["local_label"], "Metric": metric_words(r["metric_id"]), "Multiplier": r["multiplier"],
        "Local unit": r["local_unit"], "Note": r["note"],
        "Changed": f"{o.at[:16].replace('T', ' ')} by {o.actor}" if o else "as shipped"} for r, o in rows]),
        hide_index=True, width="stretch")
    if rows:
        with st.expander("Change one of these mappings"):
            labels = [r["local_label"] for r, _ in rows]
            label = st.selectbox("Local label", labels, key=f"edit_label:{unit}")
            current = next(r for r, _ in rows if r["local_label"] == label)
            ids = list(METRIC_NAMES)
            metric = st.selectbox("Metric", ids, key=f"edit_metric:{unit}:{label}", format_func=metric_words,
                                  index=ids.index(current["metric_id"]) if current["metric_id"] in ids else 0)
            multiplier = st.number_input("Multiplier", min_value=0.000001, value=float(current["multiplier"] or 1),
                                         key=f"edit_mult:{unit}:{label}")
            local_unit = st.text_input("Local unit", current["local_unit"], key=f"edit_local_unit:{unit}:{label}")
            note = st.text_input("Note", current["note"], key=f"edit_note:{unit}:{label}")
            if st.button("Save this mapping", key="edit_save"):
                attempt(lambda: change_mapping(session, unit, label, metric, multiplier, local_unit, note, paths=paths),
                        lambda row: f"{row['rocu_code']}: '{row['local_label']}' now maps to "
                                    f"{metric_words(row['metric_id'])} (x {row['multiplier']}).")

if can(session, "manage_windows"):
    st.header("Submission windows")
    windows = ConfigStore.at(paths).effective("submission_windows")
    st.dataframe(pd.DataFrame([{
        "From": r["effective_from"], "Due by working day": r["deadline_working_day"],
        "Sign-off required": r["approval_required"] == "true", "Four eyes": r["four_eyes"] == "true",
        "Description": r["description"],
        "Changed": f"{o.at[:16].replace('T', ' ')} by {o.actor}" if o else "as shipped"}
        for r, o in zip(windows.rows, windows.origins, strict=True)]), hide_index=True, width="stretch")
    st.caption("A rule holds from its date until the next rule's. To extend the window, add a rule from the first "
               "day of the month it should apply to, with a later working day; earlier months keep their rule.")
    left, right = st.columns(2)
    start = left.date_input("From", key="window_from", value=date.today().replace(day=1))
    day = right.number_input("Due by working day", min_value=1, max_value=20, value=10, key="window_day")
    approval = left.checkbox("Sign-off required", value=True, key="window_approval")
    four_eyes = right.checkbox("Four eyes (whoever submitted may not sign off)", value=True, key="window_four_eyes")
    description = st.text_input("Why (kept with the rule)", key="window_description")
    if st.button("Add this rule", key="window_add"):
        attempt(lambda: change_window(session, start, int(day), approval, description, four_eyes=four_eyes,
                                      paths=paths),
                lambda row: f"From {row['effective_from']} returns are due by working day "
                            f"{row['deadline_working_day']}.")

if can(session, "manage_users"):
    st.header("Accounts")
    store = UserStore.at(paths)
    users = store.users()
    st.dataframe(pd.DataFrame([{
        "Account": u.username, "Role": u.role.replace("_", " "), "Unit": u.rocu_code or "",
        "State": "disabled" if u.disabled else "locked" if u.is_locked() else "active"} for u in users]),
        hide_index=True, width="stretch")
    unit_choices = ["", *UNITS]
    with st.expander("Add an account"):
        name = st.text_input("Username", key="add_name")
        role = st.selectbox("Role", list(ROLES), key="add_role", format_func=lambda r: ROLES[r][0])
        unit = st.selectbox("Unit", unit_choices, key="add_unit", format_func=lambda c: c or "none")
        password = st.text_input("First password (tell the person by another channel)", type="password",
                                 key="add_password")
        if st.button("Add the account", key="add_account"):
            attempt(lambda: accounts.add_account(store, session, name, password, role, unit or None),
                    lambda user: f"Added {user.username}: {ROLES[user.role][0]}"
                                 + (f" for {user.rocu_code}." if user.rocu_code else "."))
    if users:
        with st.expander("Change an account"):
            names = [u.username for u in users]
            who = st.selectbox("Account", names, key="change_name")
            user = users[names.index(who)]
            role = st.selectbox("Role", list(ROLES), key=f"change_role:{who}", index=list(ROLES).index(user.role),
                                format_func=lambda r: ROLES[r][0])
            unit = st.selectbox("Unit", unit_choices, key=f"change_unit:{who}", format_func=lambda c: c or "none",
                                index=unit_choices.index(user.rocu_code or ""))
            if st.button("Save role and unit", key="change_save"):
                attempt(lambda: accounts.change_role(store, session, who, role, unit or None),
                        lambda u: f"{u.username} is now {ROLES[u.role][0]}"
                                  + (f" for {u.rocu_code}." if u.rocu_code else "."))
            if user.disabled:
                if st.button("Enable the account", key="change_enable"):
                    attempt(lambda: accounts.set_disabled(store, session, who, False),
                            lambda u: f"{u.username} may sign in again.")
            elif st.button("Disable the account", key="change_disable"):
                attempt(lambda: accounts.set_disabled(store, session, who, True),
                        lambda u: f"{u.username} is disabled; any open session ends at its next page.")
            if user.is_locked() and st.button("Unlock the account", key="change_unlock"):
                attempt(lambda: accounts.unlock(store, session, who),
                        lambda u: f"{u.username} is unlocked and may sign in again.")
            new_password = st.text_input("New password (tell the person by another channel)", type="password",
                                         key=f"change_password:{who}")
            if st.button("Set this password", key="change_set_password"):
                attempt(lambda: _password_set(store, who, new_password, f"change_password:{who}"),
                        lambda u: f"{u.username} has a new password; it also unlocks the account. "
                                  "It is not shown again anywhere.")
