"""The NOCC's queries on the pages: the marker and answers beside a figure on the drill-through (from
the fct_queries mart, as of the last build), the analyst's "Raise a query" form, and the unit's live
queue on the Upload page where it answers (the registry, read and written through the intake).

Every write goes through the intake, which checks the role and unit again whatever the page offered;
an answer, a closing or a new query asks for a warehouse refresh by itself (the refresh worker,
or queries_sensor when none runs).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from dashboards.data import landing_path, query
from dashboards.format import escape_markdown
from pipelines import reference
from pipelines.access import PermissionDenied, Session, can
from pipelines.intake.api import (LandingZone, QueryRefused, answer_nocc_query, close_query, raise_query,
                                  visible_queries)
from pipelines.serving.formats import day, moment

STATE_WORDS = {"raised": "waiting for the unit's answer", "answered": "answered", "closed": "closed"}
QUERY_PERIODS = ("month", "quarter")  # a query is on a month's or a quarter's figure


def show_figure_queries(container, session: Session, unit: str, metric: str, period_type: str, period: str) -> None:
    """A marker beside the figure when the NOCC queried it, with each question and the unit's answer;
    an analyst may close a query here (its raiser or any NOCC analyst: checked again by the intake)."""
    asked = query("select query_id, question, state, raised_by, raised_at, answer, answered_by, answered_at,"
                  " is_overdue, working_days_open from marts.fct_queries where rocu_code = ? and metric_id = ?"
                  " and period_type = ? and period = ? order by query_id", (unit, metric, period_type, period))
    if asked.empty:
        return
    waiting = int((asked["state"] == "raised").sum())
    container.warning(f"Queried by the NOCC: {len(asked)} quer{'y' if len(asked) == 1 else 'ies'}"
                      + (f", {waiting} waiting for the unit's answer." if waiting else ", all answered."),
                      icon=":material/flag:")
    for q in asked.itertuples():
        overdue = " (overdue)" if q.is_overdue else ""
        text = (f"**Query {q.query_id}**, raised by {escape_markdown(q.raised_by)} on {moment(q.raised_at)}, "
                f"{STATE_WORDS.get(q.state, q.state)}{overdue}: {escape_markdown(q.question)}")
        if isinstance(q.answer, str):
            text += (f"  \n**Answer** from {escape_markdown(q.answered_by)} on {moment(q.answered_at)}: "
                     f"{escape_markdown(q.answer)}")
        container.markdown(text)
        if q.state != "closed" and can(session, "raise_query", unit) and container.button(
                f"Close query {q.query_id}", key=f"nocc_close_{q.query_id}"):
            try:
                close_query(LandingZone(landing_path()), int(q.query_id), session)
            except (PermissionDenied, QueryRefused) as refused:
                container.error(str(refused))
            else:
                container.success(f"Query {q.query_id} closed; it shows as closed after the next warehouse build.")
    container.caption("Queries and answers as of the last warehouse build.")


def raise_query_form(session: Session, unit: str, metric: str, period_type: str, period: str,
                     value: float | None, figure: str) -> None:
    """'Raise a query' for those who may (raise_query); the intake checks the permission again."""
    if period_type not in QUERY_PERIODS or not can(session, "raise_query", unit):
        return
    with st.expander("Raise a query on this figure"):
        st.caption(f"Ask {unit} about {figure}. The unit sees the question in its queue on the Upload page at once "
                   "and must answer it; the answer is shown here after the next warehouse build.")
        question = st.text_area("Question for the unit", key="raise_question", max_chars=2000)
        if st.button("Raise the query", key="raise_query"):
            try:
                raised = raise_query(LandingZone(landing_path()), session, unit=unit, metric=metric,
                                     period_type=period_type, period=period, value_seen=value, question=question)
            except (PermissionDenied, QueryRefused) as refused:
                st.error(str(refused))
            else:
                st.success(f"Query {raised.query_id} raised: {unit} sees it in its queue now.")


def unit_query_queue(session: Session, unit: str) -> None:
    """The unit's queries from the NOCC, live from the registry: each open one with a box to answer it."""
    zone = LandingZone(landing_path())
    mine = [q for q in visible_queries(zone, session) if q.rocu_code == unit]
    st.subheader("Queries from the NOCC")
    if not mine:
        st.caption(f"The NOCC has raised no query on {unit}'s figures.")
        return
    today = datetime.now(UTC).date()
    names = dict(zip(reference.metrics()["metric_id"], reference.metrics()["metric_name"]))
    waiting = [q for q in mine if q.state == "raised"]
    st.caption(f"{len(waiting)} waiting for your answer, {sum(q.is_overdue(today) for q in mine)} overdue. "
               "Answer each: say why the figure is right, or what will correct it. The answer is kept with the "
               "figure, in the audit trail and in the next board paper.")
    for q in mine:
        with st.container(border=True):
            due = (f"answer due by {day(q.answer_due())}" + (" (overdue)" if q.is_overdue(today) else "")
                   if q.state == "raised" else STATE_WORDS[q.state])
            seen = "" if q.value_seen is None or pd.isna(q.value_seen) else f" (seen as {q.value_seen:,g})"
            st.markdown(f"**Query {q.query_id}: {escape_markdown(names.get(q.metric_id, q.metric_id))}, "
                        f"{q.period_type} {q.period}{seen}**, raised by {escape_markdown(q.raised_by)} on "
                        f"{moment(q.raised_at)}; {due}.  \n{escape_markdown(q.question)}")
            if q.answer:
                st.success(f"Answered by {q.answered_by} on {moment(q.answered_at)}: {q.answer}")
            if q.state == "closed":
                st.caption(f"Closed by {q.closed_by} on {moment(q.closed_at)}"
                           + (f": {q.close_note}" if q.close_note else "."))
                continue
            if can(session, "answer_query", unit):
                text = st.text_area(f"Answer to query {q.query_id}", key=f"nocc_answer_{q.query_id}", max_chars=2000)
                if st.button(f"Send the answer to query {q.query_id}", key=f"nocc_send_{q.query_id}"):
                    _act(answer_nocc_query, zone, q.query_id, text, session)


def _act(action, *args) -> None:
    """Do it (the intake checks the role and unit again) and draw the queue anew; say why if refused."""
    try:
        action(*args)
    except (PermissionDenied, QueryRefused) as refused:
        st.error(str(refused))
    else:
        st.rerun()
