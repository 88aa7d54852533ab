"""Submissions: which unit has sent what for each month (on time, late, missing, rejected, check
failed), and
every version of any return with its verdict and problems."""

import altair as alt
import pandas as pd
import streamlit as st

from dashboards.auth import can, guard, units_for
from dashboards.data import problems, query, report_file, sign_offs, versions
from dashboards.format import escape_markdown
from pipelines.months import month_label
from pipelines.serving.formats import counted, day, moment, share
from dashboards.widgets import exports, no_data, page_link, show_problems, show_table, url_select
from pipelines.intake.api import VERDICT_WORDS

# status -> words, the mark printed in the cell (so the grid reads without colour), fill, text colour
STATUS = {
    "on_time": ("On time", "✓", "#c6dbef", "#08306b"),
    "late": ("Late", "L", "#E69F00", "#000000"),
    "missing": ("Missing", "M", "#3a3a3a", "#ffffff"),
    "rejected": ("Rejected", "R", "#D55E00", "#ffffff"),
    "failed": ("Check failed", "F", "#6a3d9a", "#ffffff"),
    "pending": ("Pending", "P", "#F0E442", "#000000"),
}

# fct_query_quality's counts, as the page heads them
QUERY_COLUMNS = {"queries_raised": "Raised", "awaiting_answer": "Waiting for an answer", "overdue": "Overdue",
                 "answered": "Answered", "answered_late": "Answered late", "open_queries": "Not yet closed",
                 "closed": "Closed"}


def sign_off_words(current_submission_id, awaiting_approval: bool) -> str:
    """The sign-off state of a unit-month's current accepted version, as fct_submission_status has it."""
    if pd.isna(current_submission_id):
        return "No accepted version"
    return "Waiting for sign-off" if awaiting_approval else "Signed off"


session = guard("view_submissions")
st.title("Submissions")
grid = query("select s.*, r.rocu_name from marts.fct_submission_status s join marts.dim_rocu r using (rocu_code)"
             " order by r.rocu_name, s.month")
if grid.empty:
    no_data()
# A unit's people see their own unit's submissions only (enforced here, not by hiding a filter).
codes = grid["rocu_code"].unique().tolist()
allowed = units_for(session, "view_submissions", codes)
grid = grid[grid["rocu_code"].isin(allowed)]
# Access covers every unit or one's own: the headline counts are the network's row or that unit's.
scope_unit = "ALL" if set(allowed) == set(codes) else allowed[0]

top = st.columns([1, 3])
with top[0]:
    year = url_select("Financial year", ["All", *sorted(grid["financial_year"].unique(), reverse=True)], "fy")
shown = grid if year == "All" else grid[grid["financial_year"] == year]
scope = "every month in the warehouse" if year == "All" else f"financial year {year}"
short = "all months" if year == "All" else year

counts = query("select * from marts.fct_submission_summary where rocu_code = ? and financial_year = ?",
               (scope_unit, "ALL" if year == "All" else year)).iloc[0]
cols = st.columns(len(STATUS))
for col, (status, (words, *_)) in zip(cols, STATUS.items()):
    col.metric(f"{words}, {short}", f"{counts[status]} of {counts['returns_due']}",
               help=f"{share(counts[status], counts['returns_due'])} of the returns due: "
                    f"{counts['units']} units × {counts['months']} months.")

st.subheader(f"Returns by unit and month, {scope}")
shown = shown.assign(
    words=shown["status"].map(lambda s: STATUS[s][0]),
    mark=[STATUS[s][1] + ("+" if v > 1 else "") for s, v in zip(shown["status"], shown["versions"])],
    ink=shown["status"].map(lambda s: STATUS[s][3]),
    deadline=shown["deadline_date"].map(day),
    signoff=[sign_off_words(c, w) for c, w in zip(shown["current_submission_id"], shown["awaiting_approval"])])
cell = alt.selection_point(name="cell", fields=["rocu_code", "month"], on="click", clear="dblclick")
base = alt.Chart(shown).encode(x=alt.X("month:O", title=None, axis=alt.Axis(labelAngle=-90, orient="top")),
                               y=alt.Y("rocu_name:N", title=None, axis=alt.Axis(labelLimit=300)))
rects = base.mark_rect(stroke="white", strokeWidth=2).encode(
    color=alt.Color("words:N", title="Status", scale=alt.Scale(domain=[v[0] for v in STATUS.values()],
                                                               range=[v[2] for v in STATUS.values()]),
                    legend=alt.Legend(orient="bottom", direction="horizontal", symbolType="square", symbolSize=200,
                                      symbolStrokeColor="#666666", symbolStrokeWidth=1)),
    tooltip=[alt.Tooltip("rocu_name:N", title="Unit"), alt.Tooltip("month_label:N", title="Month"),
             alt.Tooltip("words:N", title="Status"), alt.Tooltip("deadline:N", title="Deadline"),
             alt.Tooltip("days_late:Q", title="Days late"), alt.Tooltip("versions:Q", title="Versions"),
             alt.Tooltip("latest_errors:Q", title="Errors in latest version"),
             alt.Tooltip("latest_warnings:Q", title="Warnings in latest version"),
             alt.Tooltip("signoff:N", title="Sign-off")],
).add_params(cell)
marks = base.mark_text(fontSize=13, fontWeight="bold").encode(text="mark:N", color=alt.Color("ink:N", scale=None))
event = st.altair_chart((rects + marks).properties(height=alt.Step(30)), width="stretch",
                        on_select="rerun", key="grid", selection_mode="cell",
                        alt=f"Grid of return status by unit and month, {scope}.")
st.caption("Key: ✓ on time · L late · M missing · R rejected · F check failed (a fault of the service, not the "
           "unit's) · P pending · + more than one version sent. "
           "Click a cell, or choose a unit and month below, to open its validation reports.")

# A click on the grid opens that cell below: hand it to the pickers through the URL, once per click.
clicked = (event.selection.get("cell") or [None])[0] if event else None
if clicked and clicked != st.session_state.get("grid_seen"):
    st.session_state["grid_seen"] = clicked
    st.query_params.update(unit=clicked["rocu_code"], month=clicked["month"])
    for key in ("w_unit", "w_month"):
        st.session_state.pop(key, None)

attention = shown[shown["status"] != "on_time"]
st.subheader("Returns that need attention")
if attention.empty:
    st.success(f"Every return for {scope} arrived on time and passed its checks.")
else:
    show_table(pd.DataFrame({
        "Unit": attention["rocu_name"], "Month": attention["month_label"], "Status": attention["words"],
        "Deadline": attention["deadline"],
        "Days late": attention["days_late"].map(lambda v: "" if pd.isna(v) else str(v)),
        "Versions": attention["versions"].astype(str), "Errors in latest": attention["latest_errors"].astype(str),
        "Warnings in latest": attention["latest_warnings"].astype(str), "Sign-off": attention["signoff"]}),
        f"submissions_attention_{year.replace('/', '-')}")
st.subheader("The NOCC's queries on each unit's figures")
# A data-quality measure (issue 14): per unit and the financial-year quarter each query was raised in.
asked = query("select r.rocu_name, d.quarter_label, d.financial_year, q.* from marts.fct_query_quality as q "
              "inner join marts.dim_rocu as r on q.rocu_code = r.rocu_code "
              "inner join marts.dim_quarter as d on q.period = d.quarter "
              "where q.period_type = 'quarter' order by r.rocu_name, d.quarter_seq")
asked = asked[asked["rocu_code"].isin(allowed) & ((year == "All") | (asked["financial_year"] == year))]
if asked.empty:
    st.info(f"The NOCC raised no query on these units' figures in {scope}.")
else:
    show_table(pd.DataFrame({
        "Unit": asked["rocu_name"], "Quarter raised": asked["quarter_label"],
        **{heading: asked[column].astype(int).astype(str) for column, heading in QUERY_COLUMNS.items()}}),
        f"submissions_queries_{year.replace('/', '-')}")
    st.caption("Counted by the quarter each query was raised in, as the warehouse was last built. Overdue: still "
               "waiting for the unit's answer after the working days the rule allows.")

page_grid = shown[["rocu_code", "rocu_name", "month", "words", "deadline", "days_late", "versions",
                   "superseded_versions", "failed_versions", "latest_errors", "latest_warnings", "signoff", "latest_submission_id"]]
with st.expander("The whole grid as a table"):
    st.dataframe(page_grid, hide_index=True, width="stretch")
    exports(page_grid, f"submissions_grid_{year.replace('/', '-')}")

st.subheader("Open a return")
pick = st.columns([1, 1, 2])
names = dict(zip(grid["rocu_code"], grid["rocu_name"]))
if (wanted := st.query_params.get("unit")) and wanted not in names:
    guard("view_submissions", wanted)  # another unit named in the URL: refuse, say why
with pick[0]:
    unit = url_select("Unit", sorted(names, key=names.get), "unit", format_func=lambda c: f"{names[c]} ({c})")
with pick[1]:
    month = url_select("Month", sorted(grid["month"].unique(), reverse=True), "month", format_func=month_label)
guard("view_submissions", unit)
row = grid[(grid["rocu_code"] == unit) & (grid["month"] == month)].iloc[0]
words = STATUS[row["status"]][0]
detail = {"on_time": f"Accepted {moment(row['first_accepted_at'])}, before the deadline.",
          "late": f"First accepted {moment(row['first_accepted_at'])}: {row['days_late']} days after the deadline.",
          "missing": "No return had been received when the warehouse was last built.",
          "rejected": "Every version received failed its checks, so none of its figures are in the warehouse.",
          "failed": "The check of the newest version broke or was interrupted (a fault of the service, not of the "
                    "file): nothing from it was loaded. The NOCC should look; the unit can send the file again.",
          "pending": "The deadline has not passed yet."}[row["status"]]
st.markdown(f"**{names[unit]}, {month_label(month)}: {words}.** Deadline {day(row['deadline_date'])}. {detail} "
            f"Sign-off: {sign_off_words(row['current_submission_id'], row['awaiting_approval']).lower()}.")

sent = versions(unit, month)
if not sent:
    st.info(f"No file has been received from {names[unit]} for {month_label(month)}.")
if len(sent) > row["versions"]:
    st.caption(f"{len(sent) - row['versions']} version(s) arrived after the last warehouse build: they are listed "
               "here now, and the grid and figures include them after the next build.")
signed = sign_offs()
for version in reversed(sent):
    with st.container(border=True):
        st.markdown(f"**Version {version.version}: {VERDICT_WORDS.get(version.state, version.state)}**  \n"
                    f"{escape_markdown(version.original_name)}, sent {moment(version.submitted_at)} by "
                    f"{escape_markdown(version.submitted_by)}: {counted(version.error_count, 'error')}, "
                    f"{counted(version.warning_count, 'warning')}."
                    + (f" Signed off by {escape_markdown(signed[version.submission_id]['approved_by'])} on "
                       f"{moment(signed[version.submission_id]['approved_at'])}."
                       if version.submission_id in signed else ""))
        show_problems(problems(version), f"problems_{unit}_{month}_v{version.version}")
        html = report_file(version.submission_id, ".html")
        if html and can(session, "download_files", unit):
            st.download_button("Download the validation report (HTML)", html.read_bytes(), html.name, "text/html",
                               key=f"report_{version.submission_id}")
if row["status"] in ("on_time", "late"):
    page_link("drill", "See the figures this return gives, down to the cells",
              {"unit": unit, "metric": "PUR_ARRESTS", "month": month})
