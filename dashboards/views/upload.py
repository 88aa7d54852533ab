"""Upload a return: a unit lead chooses the monthly return or the quarterly resources return, downloads
the template, sends the completed file and gets the verdict and every problem at once, through the same
intake the pipeline uses (submit_return, as `rocu submit --kind`); then resubmits."""

from datetime import date

import pandas as pd
import streamlit as st

from dashboards.auth import can, guard, units_for
from dashboards.data import landing_path, problem_frame, report_file, versions
from pipelines.months import ended_quarters, month_label, quarter_label
from pipelines.serving.formats import counted, moment
from dashboards.template import build_resources_template, build_template, layout_description
from dashboards.widgets import show_problems, show_table, url_select
from pipelines import reference
from pipelines.access import PermissionDenied, require
from pipelines.access.four_eyes import blocks as four_eyes_blocks
from pipelines.intake.api import VERDICT_WORDS, LandingZone, approve, submit_return

session = guard("submit_return")
# The two kinds of return a unit sends, as the intake names them (submit_return(kind=...)).
KINDS = {"monthly": "Monthly return", "resources": "Quarterly resources return"}

st.title("Upload a return")
st.info("Your figures appear in the dashboards after the next warehouse build. The verdict below is immediate.")

units = reference.rocus()
names = dict(zip(units["rocu_code"], units["rocu_name"]))
this_month = pd.Period(date.today(), "M")
months = [str(this_month - k) for k in range(1, 25)]  # a return is for a month that has ended
quarters = ended_quarters(date.today(), 8)  # a resources return is for a financial-year quarter that has ended
top = st.columns([1, 1, 1, 1.4])
with top[0]:
    # A submitter may only submit for their own unit: the choice offers no other, and the
    # intake call below is checked again whatever the browser sends.
    unit = url_select("Your unit", units_for(session, "submit_return", list(names)), "unit",
                      format_func=lambda c: f"{names[c]} ({c})")
with top[1]:
    kind = url_select("Kind of return", list(KINDS), "kind", format_func=KINDS.get)
with top[2]:
    if kind == "resources":
        month = url_select("Quarter the return is for", quarters, "quarter", format_func=quarter_label)
    else:
        month = url_select("Month the return is for", months, "month", format_func=month_label)
period_words = quarter_label(month) if kind == "resources" else month_label(month)
with top[3]:
    who = session.username
    st.text_input("Submitted by (kept in the audit trail)", value=who, disabled=True, key="who")

st.subheader("1. Download the template")
if kind == "resources":
    name, content, mime = build_resources_template(unit, month)
    st.download_button(f"Download the {unit} resources return template for {period_words}", content, name, mime,
                       key="template")
    st.caption("One table, one row per figure: budget for the financial year by funding source with the date "
               "each was confirmed, spend in the quarter, staff in post at the quarter's end by role and by "
               "contract (with the funding a post depends on), partner-agency embeds by agency, and leavers by "
               "destination. Copy a row for each agency or funding source; staff by role and by contract must "
               "add up.")
else:
    name, content, mime = build_template(unit, month)
    st.download_button(f"Download the {unit} template for {period_words}", content, name, mime, key="template")
    st.caption(f"{layout_description(unit)} You can also send your usual spreadsheet if it keeps this layout and "
               "wording. Leave a figure empty if it is not collected; write 0 for none.")

st.subheader("2. Upload the completed return")
file = st.file_uploader("Return file (CSV or XLSX)", type=["csv", "xlsx"], key="file")
if st.button("Check and submit", type="primary", disabled=file is None, key="submit"):
    require(session, "submit_return", unit=unit)
    with st.spinner("Checking the return…"):
        st.session_state["verdict"] = submit_return(
            LandingZone(landing_path()), file.getvalue(), original_name=file.name, rocu_code=unit, period=month,
            submitted_by=who, kind=kind)

verdict = st.session_state.get("verdict")
if verdict and (verdict.submission.rocu_code, verdict.submission.period, verdict.submission.return_kind) == (
        unit, month, kind):
    s = verdict.submission
    st.subheader("3. Verdict")
    text = (f"{VERDICT_WORDS.get(s.state, s.state)}. {s.original_name} for {names[unit]}, {period_words} "
            f"({KINDS[kind].lower()}), "
            f"version {s.version}: {counted(s.error_count, 'error')}, {counted(s.warning_count, 'warning')}.")
    if verdict.resent_of:
        text += (f" This exact file was sent before as version {verdict.resent_of.version}; it was checked again "
                 "under today's rules (the file is stored once).")
    {"accepted": st.success, "accepted_with_warnings": st.warning, "rejected": st.error,
     "failed": st.error}.get(s.state, st.info)(text)
    show_problems(problem_frame([p.as_dict() for p in verdict.problems], s), f"problems_{unit}_{month}_v{s.version}")
    if s.state == "rejected":
        st.markdown("Correct the file and upload it again: this version is kept as sent, and the corrected file "
                    "becomes the next version.")
    html = report_file(s.submission_id, ".html")
    if html:
        st.download_button("Download this validation report (HTML)", html.read_bytes(), html.name, "text/html",
                           key="report")

sent = versions(unit, month, kind)
st.subheader(f"Versions received for {names[unit]}, {period_words} ({KINDS[kind].lower()})")
if not sent:
    st.caption("None yet.")
else:
    show_table(pd.DataFrame({
        "Version": [str(v.version) for v in sent], "File as sent": [v.original_name for v in sent],
        "Sent": [moment(v.submitted_at) for v in sent], "By": [v.submitted_by for v in sent],
        "Verdict": [VERDICT_WORDS.get(v.state, v.state) for v in sent],
        "Errors": [str(v.error_count) for v in sent], "Warnings": [str(v.warning_count) for v in sent]}),
        f"versions_{kind}_{unit}_{month}", typed=("File as sent", "By"))
    st.caption("Nothing sent is ever overwritten: each upload is kept as a new version. The warehouse uses the "
               "latest accepted version.")

if can(session, "approve_return", unit):
    st.subheader("Sign-off")
    zone = LandingZone(landing_path())
    signed = {a["submission_id"]: a for a in zone.registry.approvals()}
    waiting = [v for v in sent if v.state in ("accepted", "accepted_with_warnings") and v.submission_id not in signed]
    if not waiting:
        st.caption("No accepted version of this period is waiting for sign-off.")
    for v in waiting:
        if four_eyes_blocks(v, session.username):  # not offered; approve() refuses it anyway
            st.caption(f"You submitted version {v.version}, so someone else in your unit must sign it off "
                       "(four-eyes rule).")
        elif st.button(f"Sign off version {v.version} ({v.original_name})", key=f"approve_{v.submission_id}"):
            try:
                approve(zone, v.submission_id, session)  # checks role, unit and four eyes again
            except PermissionDenied as refused:
                st.error(str(refused))
            else:
                st.success(f"Version {v.version} signed off by {session.username}. It counts in published "
                           "figures after the next warehouse build.")
    for sid, a in signed.items():
        match = [v for v in sent if v.submission_id == sid]
        if match:
            st.caption(f"Version {match[0].version} signed off by {a['approved_by']} on {moment(a['approved_at'])}.")
