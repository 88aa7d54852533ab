"""Queries raised by the NOCC on published figures: a unit must answer them, the NOCC closes them.

An analyst (a role holding `raise_query`) asks about one figure: a unit, a metric, a month or a
quarter, the value as seen and a question. The unit (a role holding `answer_query` for its own
unit) sees it in its queue and answers; the analyst who raised it, or any NOCC analyst, closes
it. Reconciliation raises queries too (`raise_from_reconciliation`), once per disagreement.

Kept in the registry file (the landing zone's registry.sqlite) in two append-only tables: the
query as raised, and the history of its states (raised, answered, closed) with who and when;
the current state is the latest event. Every action is in the audit trail and every permission
is checked here, on the server, whatever a page offered. A query is overdue when it has waited
for an answer more working days (weekends and seeds/reference/bank_holidays.csv skipped) than
the rule in force on the day it was raised allows (seeds/reference/nocc_query_rules.csv).
"""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path

import polars as pl

from pipelines import reference
from pipelines.access.permissions import allowed_units, can, require
from pipelines.access.sessions import Session
from pipelines.intake.check.reasons import _bank_holidays
from pipelines.intake.land.zone import LandingZone
from pipelines.refresh_request import QUERIES, ask_for_refresh
from pipelines.settings import SEEDS_DIR

SCHEMA = """
create table if not exists nocc_queries (
    query_id     integer primary key autoincrement,
    rocu_code    text not null,
    metric_id    text not null,
    period_type  text not null,                -- 'month' (YYYY-MM) or 'quarter' (YYYY-Qn, as the drill-through names it)
    period       text not null,
    value_seen   double,                       -- the figure as the analyst saw it (empty if none was shown)
    question     text not null,
    origin       text not null,                -- 'analyst' or 'reconciliation'
    origin_key   text unique,                  -- what raised it automatically: one query per disagreement
    raised_by    text not null,
    raised_at    text not null                 -- ISO timestamp (UTC)
);
create table if not exists nocc_query_events (  -- append-only history: the latest event is the state
    event_id   integer primary key autoincrement,
    query_id   integer not null references nocc_queries(query_id),
    state      text not null,                  -- raised, answered, closed
    actor      text not null,
    at         text not null,                  -- ISO timestamp (UTC)
    text       text                            -- the question, the answer or the closing note
);
create trigger if not exists nocc_queries_no_update before update on nocc_queries
begin select raise(abort, 'Queries are append-only: record a new state instead.'); end;
create trigger if not exists nocc_queries_no_delete before delete on nocc_queries
begin select raise(abort, 'Queries are append-only: they cannot be deleted.'); end;
create trigger if not exists nocc_query_events_no_update before update on nocc_query_events
begin select raise(abort, 'The history of a query is append-only.'); end;
create trigger if not exists nocc_query_events_no_delete before delete on nocc_query_events
begin select raise(abort, 'The history of a query is append-only.'); end;
"""

STATES = ("raised", "answered", "closed")
PERIOD_TYPES = {"month": re.compile(r"\d{4}-(0[1-9]|1[0-2])"), "quarter": re.compile(r"\d{4}-Q[1-4]")}
MAX_TEXT = 2000  # characters: a question or an answer, not an essay
RULES_CSV = SEEDS_DIR / "reference" / "nocc_query_rules.csv"
SYSTEM = "reconciliation"  # who raises the automatic queries, in the registry and the audit trail


class QueryRefused(ValueError):
    """The action cannot be done (a closed query, an unknown metric, an empty answer); str() says why."""


@dataclass(frozen=True)
class NoccQuery:
    """One query with its current state and the latest answer and closing, if any."""

    query_id: int
    rocu_code: str
    metric_id: str
    period_type: str
    period: str
    value_seen: float | None
    question: str
    origin: str
    raised_by: str
    raised_at: str
    state: str
    answer: str | None = None
    answered_by: str | None = None
    answered_at: str | None = None
    closed_by: str | None = None
    closed_at: str | None = None
    close_note: str | None = None
    first_answered_at: str | None = None  # the query stopped waiting for the unit then

    def working_days_waiting(self, today: date) -> int:
        """Working days it waited for the unit: after the day raised, to its first answer (or its
        closing, if closed unanswered), or to today while it waits (as fct_queries counts them)."""
        stopped = self.first_answered_at or self.closed_at
        end = date.fromisoformat(stopped[:10]) if stopped else today
        return working_days_between(date.fromisoformat(self.raised_at[:10]), end)

    def answer_due(self) -> date:
        """The last working day the unit may answer on and not be overdue."""
        day, left = date.fromisoformat(self.raised_at[:10]), days_to_answer(self.raised_at[:10])
        while left:
            day += timedelta(days=1)
            left -= day.weekday() < 5 and day not in _bank_holidays()
        return day

    def is_overdue(self, today: date) -> bool:
        """Still unanswered (and not closed) after more working days than the rule allows."""
        return self.state == "raised" and self.working_days_waiting(today) > days_to_answer(self.raised_at[:10])


@cache
def _rules() -> pl.DataFrame:
    return pl.read_csv(RULES_CSV, try_parse_dates=True).sort("effective_from")


def days_to_answer(raised_on: str) -> int:
    """Working days a unit has to answer a query raised on `raised_on` (YYYY-MM-DD), by the rule then in force."""
    rules = _rules().filter(pl.col("effective_from") <= date.fromisoformat(raised_on))
    rules = rules if not rules.is_empty() else _rules().head(1)
    return int(rules["working_days_to_answer"][-1])


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    days, day = 0, start + timedelta(days=1)
    while day <= end:
        days += day.weekday() < 5 and day not in _bank_holidays()
        day += timedelta(days=1)
    return days


def _connect(zone: LandingZone) -> sqlite3.Connection:
    con = sqlite3.connect(zone.registry.path, timeout=30, isolation_level=None)
    con.row_factory = sqlite3.Row
    con.executescript(SCHEMA)
    return con


def _now(now: datetime | None) -> str:
    return (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")


def _text(text: str | None, what: str) -> str:
    text = " ".join((text or "").split())
    if not text:
        raise QueryRefused(f"Write the {what}: it cannot be empty.")
    if len(text) > MAX_TEXT:
        raise QueryRefused(f"The {what} is {len(text):,} characters long; keep it under {MAX_TEXT:,} (a few sentences).")
    return text


def _check_figure(unit: str, metric: str, period_type: str, period: str) -> tuple[str, str]:
    unit, metric = unit.strip().upper(), metric.strip().upper()
    if unit not in set(reference.rocus()["rocu_code"]):
        raise QueryRefused(f"There is no unit {unit!r}; use a unit code such as EMSOU.")
    if metric not in set(reference.metrics()["metric_id"]):
        raise QueryRefused(f"There is no metric {metric!r} in the framework; use a metric id such as PUR_ARRESTS.")
    if period_type not in PERIOD_TYPES or not PERIOD_TYPES[period_type].fullmatch(period):
        raise QueryRefused(f"{period!r} is not a {period_type}: write a month as YYYY-MM or a quarter as YYYY-Qn.")
    return unit, metric


def queries_of(zone: LandingZone, units: frozenset[str] | None = None) -> list[NoccQuery]:
    """Every query (of `units` only when given), newest first, each in its current state."""
    with closing(_connect(zone)) as con:
        raised = con.execute("select * from nocc_queries order by query_id desc").fetchall()
        events = con.execute("select * from nocc_query_events order by event_id").fetchall()
    history: dict[int, list[sqlite3.Row]] = {}
    for event in events:
        history.setdefault(event["query_id"], []).append(event)
    out = []
    for row in raised:
        if units is not None and row["rocu_code"] not in units:
            continue
        steps = history.get(row["query_id"], [])
        answer = next((e for e in reversed(steps) if e["state"] == "answered"), None)
        first = next((e for e in steps if e["state"] == "answered"), None)
        closing_ = next((e for e in reversed(steps) if e["state"] == "closed"), None)
        out.append(NoccQuery(
            row["query_id"], row["rocu_code"], row["metric_id"], row["period_type"], row["period"], row["value_seen"],
            row["question"], row["origin"], row["raised_by"], row["raised_at"],
            steps[-1]["state"] if steps else "raised",
            *((answer["text"], answer["actor"], answer["at"]) if answer else (None, None, None)),
            *((closing_["actor"], closing_["at"], closing_["text"]) if closing_ else (None, None, None)),
            first["at"] if first else None))
    return out


def visible_queries(zone: LandingZone, session: Session) -> list[NoccQuery]:
    """The queries a person may see: every one for the NOCC, their own unit's for a unit's people."""
    if can(session, "raise_query"):
        return queries_of(zone)
    units = allowed_units(session, "answer_query")
    return queries_of(zone) if units == "all" else queries_of(zone, units)


def get_query(zone: LandingZone, query_id: int) -> NoccQuery:
    found = [q for q in queries_of(zone) if q.query_id == query_id]
    if not found:
        raise QueryRefused(f"There is no query number {query_id}.")
    return found[0]


def _insert(zone: LandingZone, values: dict, who: str, at: str) -> int | None:
    """Store a raised query and its first event in one transaction; None if its origin_key exists."""
    with closing(_connect(zone)) as con:
        con.execute("begin immediate")
        try:
            cur = con.execute(
                "insert or ignore into nocc_queries (rocu_code, metric_id, period_type, period, value_seen, question,"
                " origin, origin_key, raised_by, raised_at) values (:rocu_code, :metric_id, :period_type, :period,"
                " :value_seen, :question, :origin, :origin_key, :raised_by, :raised_at)",
                values | {"raised_by": who, "raised_at": at})
            if cur.rowcount == 0:
                con.execute("rollback")
                return None
            query_id = cur.lastrowid
            con.execute("insert into nocc_query_events (query_id, state, actor, at, text) values (?, 'raised', ?, ?, ?)",
                        (query_id, who, at, values["question"]))
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    return query_id


def _audit(zone: LandingZone, who: str, action: str, query: NoccQuery, detail: dict, now: datetime | None) -> None:
    zone.audit.record(who, action, f"{query.rocu_code} {query.metric_id} {query.period}",
                      {"nocc_query": query.query_id, **detail}, now=now)
    if who != SYSTEM:  # a build's own queries reach the pages with that build; ringing would build forever
        ask_for_refresh(zone.root.parent, f"{action} {query.query_id}", changed=QUERIES)


def raise_query(zone: LandingZone, session: Session, *, unit: str, metric: str, period_type: str, period: str,
                value_seen: float | None, question: str, now: datetime | None = None) -> NoccQuery:
    """An analyst's query on one published figure; PermissionDenied for a role without raise_query."""
    require(session, "raise_query", unit=unit)
    unit, metric = _check_figure(unit, metric, period_type, period)
    question = _text(question, "question")
    value_seen = None if value_seen is None or value_seen != value_seen else float(value_seen)  # NaN: none shown
    at = _now(now)
    query_id = _insert(zone, {"rocu_code": unit, "metric_id": metric, "period_type": period_type, "period": period,
                              "value_seen": value_seen, "question": question, "origin": "analyst",
                              "origin_key": None}, session.username, at)
    query = get_query(zone, query_id)
    _audit(zone, session.username, "query_raise", query, {"metric": metric, "period_type": period_type,
                                                          "value_seen": value_seen, "question": question}, now)
    return query


def answer_nocc_query(zone: LandingZone, query_id: int, answer: str, session: Session,
                      now: datetime | None = None) -> NoccQuery:
    """The unit's answer (a later answer stands over an earlier one); refused once the query is closed."""
    query = get_query(zone, query_id)
    require(session, "answer_query", unit=query.rocu_code)
    if query.state == "closed":
        raise QueryRefused(f"Query {query_id} was closed by {query.closed_by}; it cannot be answered now.")
    answer = _text(answer, "answer")
    _event(zone, query_id, "answered", session.username, _now(now), answer)
    _audit(zone, session.username, "query_answer", query, {"answer": answer}, now)
    return get_query(zone, query_id)


def close_query(zone: LandingZone, query_id: int, session: Session, note: str = "",
                now: datetime | None = None) -> NoccQuery:
    """Close a query: its raiser or any NOCC analyst (raise_query for the unit); refused if already closed."""
    query = get_query(zone, query_id)
    if session.username != query.raised_by:
        require(session, "raise_query", unit=query.rocu_code)
    if query.state == "closed":
        raise QueryRefused(f"Query {query_id} is already closed (by {query.closed_by}).")
    note = " ".join((note or "").split())[:MAX_TEXT]
    _event(zone, query_id, "closed", session.username, _now(now), note or None)
    _audit(zone, session.username, "query_close", query, {"note": note, "was": query.state}, now)
    return get_query(zone, query_id)


def _event(zone: LandingZone, query_id: int, state: str, who: str, at: str, text: str | None) -> None:
    with closing(_connect(zone)) as con:
        con.execute("insert into nocc_query_events (query_id, state, actor, at, text) values (?, ?, ?, ?, ?)",
                    (query_id, state, who, at, text))


def reconciliation_key(row: dict) -> str:
    """One disagreement: the check, the figure and both sides (the same disagreement raises once)."""
    return "|".join(str(row.get(k)) for k in ("check_code", "rocu_code", "month", "metric_id", "reported_value",
                                              "reference_value"))


def raise_from_reconciliation(zone: LandingZone, rows: list[dict], now: datetime | None = None) -> list[NoccQuery]:
    """A query for each reconciliation row that needs one and has none yet (idempotent: a rerun raises nothing)."""
    raised = []
    at = _now(now)
    for row in rows:
        question = (f"{row['check_name']}: {row['reported_side']} gives {_figure(row['reported_value'])}, "
                    f"{row['reference_side']} gives {_figure(row['reference_value'])}. Please confirm which is "
                    "right and why they differ.")
        query_id = _insert(zone, {"rocu_code": row["rocu_code"], "metric_id": row["metric_id"], "period_type": "month",
                                  "period": row["month"], "value_seen": row["reported_value"], "question": question,
                                  "origin": "reconciliation", "origin_key": reconciliation_key(row)}, SYSTEM, at)
        if query_id is not None:
            query = get_query(zone, query_id)
            _audit(zone, SYSTEM, "query_raise", query, {"check": row["check_code"], "question": question}, now)
            raised.append(query)
    return raised


def _figure(value: float | None) -> str:
    return "nothing" if value is None else f"{value:,g}"


def registry_rows(zone: LandingZone) -> tuple[list[dict], list[dict]]:
    """The two tables as stored (queries, events), oldest first: what the warehouse loads."""
    with closing(_connect(zone)) as con:
        raised = [{k: r[k] for k in r.keys() if k != "origin_key"}
                  for r in con.execute("select * from nocc_queries order by query_id")]
        events = [dict(r) for r in con.execute("select * from nocc_query_events order by event_id")]
    return raised, events


def last_person_event(path: Path) -> int:
    """The newest event a person made (an answer, a closing, an analyst's query) in a registry file, 0 if
    none: what the sensor watches. Queries reconciliation raises come from a build and ask for none."""
    if not path.exists():
        return 0
    with closing(sqlite3.connect(path, timeout=30)) as con:
        if not con.execute("select 1 from sqlite_master where name = 'nocc_query_events'").fetchone():
            return 0
        return con.execute("select coalesce(max(event_id), 0) from nocc_query_events where actor <> ?",
                           (SYSTEM,)).fetchone()[0]
