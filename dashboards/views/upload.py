"""Upload a return, as a workflow: a unit lead chooses the monthly return or the quarterly resources
return, sees the month's deadline and status, downloads the template, checks the completed file without
submitting it (nothing is stored), then submits it and gets the verdict and every problem at once,
through the same intake the pipeline uses (as `rocu submit --kind`); a late return, or one replacing a
signed-off return, needs a reason. An approver signs off what waits."""

from datetime import date
from types import SimpleNamespace

import pandas as pd
import streamlit as st

from dashboards.auth import guard, units_for
from dashboards.data import landing_path, problem_frame, query, report_file, versions
from dashboards.format import escape_markdown
from dashboards.nocc_queries import unit_query_queue
from pipelines.months import ended_quarters, month_label, quarter_label
from pipelines.serving.formats import counted, day, moment
from dashboards.template import build_resources_template, build_template, layout_description
from dashboards.widgets import show_problems, show_table, url_select
from pipelines import reference
from pipelines.access import PermissionDenied, require
from pipelines.access.four_eyes import blocks as four_eyes_blocks
from pipelines.intake.api import (ACCEPTED_STATES, VERDICT_WORDS, LandingZone, ReasonRequired, answer_query, approve,
                                  awaiting_sign_off, check_return, counts, open_queries, queries, reasons_needed,
                                  submit, warm_up_checks)

# fct_return_workflow.workflow_status -> how the page says it
MONTH_STATUS = {
    "due": "Due: no accepted return yet, and the deadline has not passed",
    "missing": "Missing: no accepted return, and the deadline has passed",
    "accepted": "Accepted by the deadline, waiting for sign-off",
    "late": "Late: accepted after the deadline, waiting for sign-off",
    "signed_off": "Signed off",
}


def show_month_status(unit: str, month: str) -> None:
    """The month's deadline and where its return stands, as of the last warehouse build (fct_return_workflow)."""
    row = query("select * from marts.fct_return_workflow where rocu_code = ? and month = ?", (unit, month))
    if row.empty:
        st.caption(f"The deadline and status for {month_label(month)} show here after the next warehouse build.")
        return
    r = row.iloc[0]
    words = MONTH_STATUS[r["workflow_status"]]
    if r["workflow_status"] == "signed_off" and r["arrived_late"]:
        words += " (it arrived after the deadline)"
    st.markdown(f"**Deadline:** end of {day(r['deadline_date'])}. **Status:** {words}.")
    st.caption("Status as of the last warehouse build; versions sent since are listed below at once.")


def check_only(zone: LandingZone, file, unit: str, month: str, who: str, kind: str) -> None:
    """'Check without submitting': the verdict the file would get, with nothing stored (only the check audited)."""
    require(session, "submit_return", unit=unit)
    with st.spinner("Checking the file…"):
        st.session_state["checked"] = check_return(zone, file.getvalue(), original_name=file.name, rocu_code=unit,
                                                   period=month, checked_by=who, kind=kind)
    st.session_state.pop("verdict", None)


def show_check(unit: str, month: str) -> None:
    checked = st.session_state.get("checked")
    if not checked or (checked.rocu_code, checked.period) != (unit, month):
        return
    text = (f"Checked, not submitted: {checked.original_name} would be "
            f"{VERDICT_WORDS.get(checked.state, checked.state).split(':')[0].lower()}: "
            f"{counts(checked.problems)}. "
            "Nothing was stored; submit it below when you are ready.")
    shown_as = {"accepted": st.success, "accepted_with_queries_or_information": st.warning}
    shown_as.get(checked.state, st.error)(text)
    show_problems(problem_frame([p.as_dict() for p in checked.problems], _as_sent(checked)),
                  f"check_{unit}_{month}_{checked.file_sha256[:12]}")


def _as_sent(checked) -> object:
    """What problem_frame needs to name the file as sent (a check has no stored copy)."""
    return SimpleNamespace(stored_path=checked.original_name, original_name=checked.original_name)


def submit_step(zone: LandingZone, file, unit: str, month: str, who: str, kind: str) -> None:
    """'Submit': a clear warning, and a reason asked for, when the return is late or replaces a signed-off one.
    The intake refuses such a submission without a reason whatever this form sends."""
    needed = reasons_needed(zone, unit, month, kind)
    for item in needed:
        st.warning(item.warning)
    reason = (st.text_area("Reason (required: it is kept in the audit trail with the submission)", key="reason")
              if needed else None)
    if st.button("Submit", type="primary", disabled=file is None, key="submit"):
        require(session, "submit_return", unit=unit)
        try:
            with st.spinner("Checking the return…"):
                st.session_state["verdict"] = submit(zone, file.getvalue(), original_name=file.name, rocu_code=unit,
                                                     period=month, submitted_by=who, reason=reason,
                                                     kind=kind)
        except ReasonRequired as refused:
            st.error(f"Not submitted. {refused}")
        else:
            st.session_state.pop("checked", None)


def sign_off_queue(units: list[str]) -> None:
    """Returns waiting for sign-off across months, for the units this person may sign off (four eyes kept)."""
    zone = LandingZone(landing_path())
    waiting = awaiting_sign_off(zone, units)
    st.subheader("Returns waiting for your sign-off")
    if not waiting:
        st.caption("No accepted return is waiting for sign-off.")
        return
    st.caption(f"{counted(len(waiting), 'return')} across every month, oldest first. A return counts in published "
               "figures once it is signed off.")
    for v in waiting:
        kind = " (resources return)" if v.return_kind == "resources" else ""
        period = month_label(v.period) if v.return_kind == "monthly" else v.period
        with st.container(border=True):
            st.markdown(f"**{names.get(v.rocu_code, v.rocu_code)}, {period}{kind}: version {v.version}**  \n"
                        f"{escape_markdown(v.original_name)}, sent {moment(v.submitted_at)} by "
                        f"{escape_markdown(v.submitted_by)}: {VERDICT_WORDS.get(v.state, v.state)}.")
            still_open = open_queries(zone, v)
            if still_open:  # not offered; approve() refuses it anyway, naming them
                st.caption(f"{len(still_open)} quer{'y' if len(still_open) == 1 else 'ies'} still open: the unit must answer each "
                           "(confirm the figure with an explanation, or correct it in a new version) before sign-off.")
            elif four_eyes_blocks(v, session.username):  # not offered; approve() refuses it anyway
                st.caption(f"You submitted version {v.version}, so someone else in your unit must sign it off "
                           "(four-eyes rule).")
            elif st.button(f"Sign off version {v.version} ({v.original_name})", key=f"approve_{v.submission_id}"):
                try:
                    approve(zone, v.submission_id, session)  # checks role, unit, four eyes and queries again
                except (PermissionDenied, ValueError) as refused:
                    st.error(str(refused))
                else:
                    st.success(f"Version {v.version} signed off by {session.username}. It counts in published "
                               "figures after the next warehouse build.")


def show_queries(zone: LandingZone, sent: list) -> None:
    """The queries on the current accepted version, each with its answer or a box to answer it."""
    current = next((v for v in reversed(sent) if v.state in ACCEPTED_STATES), None)
    asked = queries(zone, current) if current else []
    if not asked:
        return
    st.subheader(f"Queries on version {current.version}")
    st.caption("A query is a figure that looks unusual. The return is accepted, but it cannot be signed off until "
               "each query is answered: if the figure is right, say why below (the explanation is kept with the "
               "figure and in the audit trail); if it is wrong, correct the file and upload it again.")
    for q in asked:
        with st.container(border=True):
            st.markdown(f"**Query {q.number}: {escape_markdown(q.place())}**" +
                        (f" (value {escape_markdown(q.value)})" if q.value and q.row is not None else "") +
                        f"  \n{escape_markdown(q.message)}")
            if q.status == "answered":
                by = "from the file" if q.source == "file" else f"by {q.answered_by}"
                st.success(f"Answered {by} on {moment(q.answered_at)}: {q.explanation}")
                continue
            text = st.text_area(f"Explanation for query {q.number}", key=f"answer_{q.submission_id}_{q.number}",
                                max_chars=2000)
            if st.button(f"Save the explanation for query {q.number}", key=f"save_{q.submission_id}_{q.number}"):
                try:
                    answer_query(zone, q.submission_id, q.key, text, session)  # role and unit checked again
                except (PermissionDenied, ValueError) as refused:
                    st.error(str(refused))
                else:
                    st.rerun()


session = guard("submit_return")
warm_up_checks()  # once per server: Great Expectations imports while the person picks a file
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

if kind == "monthly":  # deadlines and statuses are for monthly returns (fct_return_workflow)
    show_month_status(unit, month)

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

st.subheader("2. Check the completed return")
file = st.file_uploader("Return file (CSV or XLSX)", type=["csv", "xlsx"], key="file")
zone = LandingZone(landing_path())
if st.button("Check without submitting", disabled=file is None, key="check"):
    check_only(zone, file, unit, month, who, kind)
show_check(unit, month)

st.subheader("3. Submit it")
submit_step(zone, file, unit, month, who, kind)

verdict = st.session_state.get("verdict")
if verdict and (verdict.submission.rocu_code, verdict.submission.period, verdict.submission.return_kind) == (
        unit, month, kind):
    s = verdict.submission
    st.subheader("4. Verdict")
    text = (f"{VERDICT_WORDS.get(s.state, s.state)}. {s.original_name} for {names[unit]}, {period_words} "
            f"({KINDS[kind].lower()}), version {s.version}: {counts(verdict.problems)}.")
    if verdict.resent_of:
        text += (f" This exact file was sent before as version {verdict.resent_of.version}; it was checked again "
                 "under today's rules (the file is stored once).")
    {"accepted": st.success, "accepted_with_queries_or_information": st.warning, "rejected": st.error,
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
        "Errors": [str(v.error_count) for v in sent],
        "Queries and information": [str(v.warning_count) for v in sent]}),
        f"versions_{kind}_{unit}_{month}", typed=("File as sent", "By"))
    st.caption("Nothing sent is ever overwritten: each upload is kept as a new version. The warehouse uses the "
               "latest accepted version.")

show_queries(zone, sent)
unit_query_queue(session, unit)

signed = {a["submission_id"]: a for a in zone.registry.approvals(unit, month)}
for v in sent:
    if v.submission_id in signed:
        a = signed[v.submission_id]
        st.caption(f"Version {v.version} signed off by {a['approved_by']} on {moment(a['approved_at'])}.")

if approvable := units_for(session, "approve_return", list(names)):
    sign_off_queue(approvable)
