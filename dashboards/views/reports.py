"""Board reports: the consistency report for one unit or the network, for one quarter, as a
board paper (PDF, HTML) or as data (XLSX) — the same file `rocu report` writes."""

from __future__ import annotations

import streamlit as st

from dashboards.auth import audit, can, current_session, guard, units_for
from dashboards.data import BuildChanged, current_build, published_path, query
from dashboards.widgets import no_data, url_select
from pipelines.papers import NETWORK, PaperRegister, Report, ReportError, Request, default_name, issue, make_report, render
from pipelines.papers.model import DEFAULT_MARKING

MIME = {"pdf": "application/pdf", "html": "text/html",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
FORMAT_NAMES = {"pdf": "PDF (board paper)", "html": "HTML (accessible web page)", "xlsx": "XLSX (the figures)"}


@st.cache_data(show_spinner=False, max_entries=32)
def _paper(unit: str, quarter: str, fmt: str, marking: str, build_id: str, previous_issue: int | None
           ) -> tuple[bytes, Report]:
    """The file and the paper (findings, build, figures); cached per published build and per the
    paper last issued to the board (its revisions are listed since that paper).

    The paper reads its build row with its figures; if that is not the build this page
    shows (a new one was swapped in meanwhile), nothing is cached and the page reruns.
    """
    report = make_report(Request(unit, quarter, marking), published_path(), PaperRegister.at())
    if report.build.build_id != build_id:
        raise BuildChanged(build_id)
    return render(report, fmt), report


session = current_session()
if session is None or not (can(session, "view_reports") or can(session, "view_network_reports")):
    guard("view_reports")  # explains and stops
st.title("Board reports")
st.caption("The consistency report for executive boards: timeliness, completeness, 4P balance, outcomes against "
           "peers, OCG threat, tasking, capacity, departures from the framework and revisions.")

build = current_build()
if build is None:
    no_data()
SCHEMES = {"financial": "Financial year (2025-Q1 = April to June 2025)",
           "calendar": "Calendar (2025-C1 = January to March 2025)"}
scheme = st.radio("Quarters", list(SCHEMES), format_func=SCHEMES.get, horizontal=True, key="report_scheme",
                  help="Board papers use financial-year quarters: Q1 April to June, Q2 July to September, Q3 October "
                       "to December, Q4 January to March. Calendar quarters are written with a C.")
# The quarters the warehouse holds, as dbt defines them (dim_quarter), newest first.
quarters = query("select n.quarter, n.months_due, q.quarter_label from marts.fct_board_network_quarterly as n "
                 "inner join marts.dim_quarter as q on n.quarter = q.quarter where n.quarter_scheme = ? "
                 "order by n.quarter_seq desc", (scheme,))
units = query("select rocu_code, rocu_name from marts.dim_rocu order by rocu_code")
if quarters.empty or units.empty:
    no_data()

names = dict(zip(units["rocu_code"], units["rocu_name"]))
left, middle, right = st.columns(3)
with left:
    # Only the editions this person may read: their own unit's, and the network's where allowed.
    editions = ([NETWORK] if can(session, "view_network_reports") else []) + units_for(session, "view_reports",
                                                                                      list(names))
    unit = url_select("Unit", editions, "unit",
                      format_func=lambda u: "The network (all nine units)" if u == NETWORK else f"{u} ({names[u]})")
with middle:
    complete = quarters.index[quarters["months_due"] >= 3].tolist()
    labels = dict(zip(quarters["quarter"], quarters["quarter_label"]))
    quarter = url_select("Quarter", quarters["quarter"].tolist(), "quarter",
                         format_func=lambda q: f"{q} ({labels[q]})", default_index=complete[0] if complete else 0)
with right:
    fmt = url_select("Format", list(FORMAT_NAMES), "format", format_func=FORMAT_NAMES.get)
marking = st.text_input("Protective marking (top and bottom of every page)", DEFAULT_MARKING)

if unit == NETWORK:
    guard("view_network_reports")
else:
    guard("view_reports", unit)
if st.button("Generate report", type="primary"):
    with st.spinner(f"Making the {fmt.upper()} report for {unit}, {quarter}…"):
        try:
            previous = PaperRegister.at().last_issued(unit, build.build_id)
            data, report = _paper(unit, quarter, fmt, marking, build.build_id, previous and previous.issue_id)
        except ReportError as problem:
            st.error(str(problem))
            st.stop()
        except BuildChanged:
            st.rerun()  # a new build was swapped in: the page (and this button) start again on it
    headlines, made_from = report.sections[0].findings, report.build
    entry = issue(report, fmt, data, default_name(Request(unit, quarter, marking), fmt), session.username,
                  PaperRegister.at())
    st.session_state["board_report"] = (unit, quarter, fmt, marking, data, headlines, made_from)
    audit("report", f"{unit} {quarter} {fmt}", {"marking": marking, "build_id": made_from.build_id,
                                                "figures_sha256": made_from.figures_sha256,
                                                "register_entry": entry.issue_id, "file_sha256": entry.file_sha256})

made = st.session_state.get("board_report")
if made and made[:4] == (unit, quarter, fmt, marking):
    _, _, _, _, data, headlines, made_from = made
    name = default_name(Request(unit, quarter, marking), fmt)
    st.download_button(f"Download {name}", data, name, MIME[fmt], type="primary")
    st.caption(f"Made from warehouse build {made_from.build_id}, published {made_from.published_at}; audit trail "
               f"head {made_from.audit_head}….")
    if made_from.build_id != build.build_id:
        st.warning(f"A newer build ({build.build_id[:8]}, published {build.published_at}) has been published since "
                   "this paper was made. Generate it again for that build's figures.")
    st.subheader("Key findings")
    st.markdown("\n".join(f"- {line}" for line in headlines))
else:
    st.info("Choose a unit, quarter and format, then generate the report to download it.")
