"""Upload a return: a unit lead downloads their unit's template, sends the completed file and gets
the verdict and every problem at once, through the same intake the pipeline uses; then resubmits."""

from datetime import date

import pandas as pd
import streamlit as st

from dashboards.data import landing_path, problem_frame, report_file, versions
from dashboards.format import count, moment, month_label
from dashboards.template import build_template, layout_description
from dashboards.widgets import show_problems, show_table, url_select
from pipelines import reference
from pipelines.check.report import VERDICT_WORDS
from pipelines.intake import submit_return
from pipelines.land.zone import LandingZone

st.title("Upload a monthly return")
st.info("Your figures appear in the dashboards after the next warehouse build. The verdict below is immediate.")

units = reference.rocus()
names = dict(zip(units["rocu_code"], units["rocu_name"]))
this_month = pd.Period(date.today(), "M")
months = [str(this_month - k) for k in range(1, 25)]  # a return is for a month that has ended
top = st.columns([1, 1, 2])
with top[0]:
    unit = url_select("Your unit", list(names), "unit", format_func=lambda c: f"{names[c]} ({c})")
with top[1]:
    month = url_select("Month the return is for", months, "month", format_func=month_label)
with top[2]:
    who = st.text_input("Your name or email (kept in the audit trail)", key="who").strip()

st.subheader("1. Download the template")
name, content, mime = build_template(unit, month)
st.download_button(f"Download the {unit} template for {month_label(month)}", content, name, mime, key="template")
st.caption(f"{layout_description(unit)} You can also send your usual spreadsheet if it keeps this layout and "
           "wording. Leave a figure empty if it is not collected; write 0 for none.")

st.subheader("2. Upload the completed return")
file = st.file_uploader("Return file (CSV or XLSX)", type=["csv", "xlsx"], key="file")
if file is not None and not who:
    st.warning("Enter your name or email above so the audit trail shows who sent the return.")
if st.button("Check and submit", type="primary", disabled=file is None or not who, key="submit"):
    with st.spinner("Checking the return…"):
        st.session_state["verdict"] = submit_return(
            LandingZone(landing_path()), file.getvalue(), original_name=file.name, rocu_code=unit, period=month,
            submitted_by=who)

verdict = st.session_state.get("verdict")
if verdict and (verdict.submission.rocu_code, verdict.submission.period) == (unit, month):
    s = verdict.submission
    st.subheader("3. Verdict")
    text = (f"{VERDICT_WORDS.get(s.state, s.state)}. {s.original_name} for {names[unit]}, {month_label(month)}, "
            f"version {s.version}: {count(s.error_count, 'error')}, {count(s.warning_count, 'warning')}.")
    if not verdict.created:
        text += " This exact file had already been sent, so nothing new was stored."
    {"accepted": st.success, "accepted_with_warnings": st.warning, "rejected": st.error}.get(s.state, st.info)(text)
    show_problems(problem_frame([p.as_dict() for p in verdict.problems], s), f"problems_{unit}_{month}_v{s.version}")
    if s.state == "rejected":
        st.markdown("Correct the file and upload it again: this version is kept as sent, and the corrected file "
                    "becomes the next version.")
    html = report_file(s.submission_id, ".html")
    if html:
        st.download_button("Download this validation report (HTML)", html.read_bytes(), html.name, "text/html",
                           key="report")

sent = versions(unit, month)
st.subheader(f"Versions received for {names[unit]}, {month_label(month)}")
if not sent:
    st.caption("None yet.")
else:
    show_table(pd.DataFrame({
        "Version": [str(v.version) for v in sent], "File as sent": [v.original_name for v in sent],
        "Sent": [moment(v.submitted_at) for v in sent], "By": [v.submitted_by for v in sent],
        "Verdict": [VERDICT_WORDS.get(v.state, v.state) for v in sent],
        "Errors": [str(v.error_count) for v in sent], "Warnings": [str(v.warning_count) for v in sent]}),
        f"versions_{unit}_{month}", typed=("File as sent", "By"))
    st.caption("Nothing sent is ever overwritten: each upload is kept as a new version. The warehouse uses the "
               "latest accepted version.")
