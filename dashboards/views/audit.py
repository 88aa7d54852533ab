"""Audit trail: who submitted, changed, approved or exported what, and whether the chain holds."""

import pandas as pd
import streamlit as st

from dashboards.auth import audit, can, guard
from dashboards.format import to_csv_bytes
from pipelines.access import AuditLog
from pipelines.settings import Paths

session = guard("view_audit")
st.title("Audit trail")
log = AuditLog.at(Paths.from_env())
broken = log.verify()
if broken is None:
    st.success("The audit chain is intact: no record has been changed or removed since it was written "
               "(compare the latest hash below with the one kept elsewhere to detect removal of the newest records).")
else:
    st.error(f"The audit chain is broken at record {broken}: that record or one before it was changed.")
records = list(reversed(log.tail(500)))  # newest first
frame = pd.DataFrame([{"Seq": r.seq, "When (UTC)": r.at[:19].replace("T", " "), "Who": r.actor, "Action": r.action,
                       "What": r.target or "", "Detail": str(r.detail)} for r in records])
if frame.empty:
    st.info("Nothing has been recorded yet.")
    st.stop()
actions = st.multiselect("Actions", sorted(frame["Action"].unique()), key="actions")
if actions:
    frame = frame[frame["Action"].isin(actions)]
st.caption(f"Latest {len(frame)} records, newest first. Latest hash: {records[0].hash if records else '–'}")
st.dataframe(frame, hide_index=True, width="stretch")
if can(session, "export_audit"):
    st.download_button("Download the audit trail (CSV)", to_csv_bytes(frame), "audit-trail.csv", "text/csv",
                       on_click=audit, args=("export", "audit trail", {"rows": len(frame)}), key="audit_csv")
