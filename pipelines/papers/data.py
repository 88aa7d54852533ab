"""Figures for a board paper, selected from the published warehouse's marts only.

One read-only connection for the build row and every figure, one query per kind of figure,
every unit of the network (a unit is always shown beside its peers). Every figure, median,
rank, share and count is computed in dbt (the marts named in the paper's exposure in
dbt_project/models/marts/_exposures.yml); nothing here aggregates, formats or judges.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Iterator

import duckdb
import pandas as pd

from pipelines.serving.build_info import read_build_info
from pipelines.serving.reads import sent
from pipelines.papers.model import NETWORK, Build, ReportError, Request

TREND_QUARTERS = 6

# Every mart a paper reads: the paper's exposure in _exposures.yml lists exactly these.
MARTS = ("dim_rocu", "dim_quarter", "dim_month", "fct_board_quarterly", "fct_board_network_quarterly",
         "fct_scorecard_quarterly", "fct_submission_status", "fct_strand_coverage_quarterly",
         "fct_submission_problems", "fct_outcomes_quarterly", "fct_ocg_threat", "fct_capacity_tasking",
         "fct_unmapped_labels_quarterly", "fct_metrics_not_reported_quarterly", "fct_revised_figures",
         "fct_metric_monthly", "dim_metric", "fct_queries",
         "fct_query_quality")


@dataclass
class Figures:
    """Everything one paper needs, for all nine units."""

    units: pd.DataFrame
    quarters: pd.DataFrame  # dim_quarter: TREND_QUARTERS quarters of the paper's scheme ending with its own
    months: pd.DataFrame  # the quarter's months
    board: pd.DataFrame  # fct_board_quarterly, every unit, the trend quarters
    network: pd.DataFrame  # fct_board_network_quarterly, the trend quarters
    scorecard: pd.DataFrame
    status: pd.DataFrame  # twelve months ending with the quarter
    strands: pd.DataFrame
    problems: pd.DataFrame  # the quarter's problems, one row each
    outcomes: pd.DataFrame
    ocg: pd.DataFrame
    capacity: pd.DataFrame  # the quarter's months
    unmapped: pd.DataFrame
    not_reported: pd.DataFrame
    revisions: pd.DataFrame  # every revised figure up to the quarter's end
    monthly: pd.DataFrame  # every unit's framework figures, months to the quarter's end (kept in the register)
    nocc_queries: pd.DataFrame  # the NOCC's queries raised in the quarter, with the units' answers
    query_quality: pd.DataFrame  # open, answered and overdue queries per unit (financial-year quarters)

    def frames(self) -> dict[str, pd.DataFrame]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@contextmanager
def open_published(published: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """One read-only connection to the published copy: a paper reads its build and its figures
    through it, so a copy swapped in meanwhile cannot mix two builds in one paper."""
    if not published.exists():
        raise ReportError("No warehouse has been published yet. Build it first (make build), then make the report.")
    con = duckdb.connect(str(published), read_only=True)
    try:
        yield con
    finally:
        con.close()


def build_of(con: duckdb.DuckDBPyConnection) -> Build:
    """The build row inside the published copy: id, publish time, audit head, content fingerprint."""
    info = read_build_info(con)
    if info is None:
        raise ReportError("The published warehouse does not say which build it is (it was published by an older "
                          "version). Publish it again (make build), then make the report.")
    return Build(build_id=info.build_id, published_at=info.published_at, database_sha256=info.content_sha256,
                 audit_seq=info.audit_seq, audit_head_hash=info.audit_head_hash)


def read_figures(con: duckdb.DuckDBPyConnection, request: Request) -> Figures:
    """Every figure of one paper, through the connection its build was read from."""
    _check_request(con, request)
    q = lambda sql, *params: _read(con, sql, *params).df()  # noqa: E731
    quarter = request.quarter
    quarters = q(_TREND_QUARTERS, quarter, TREND_QUARTERS)
    trend = quarters["quarter"].tolist()
    return Figures(
        units=q("select rocu_code, rocu_name, brand, force_count, force_names from marts.dim_rocu order by rocu_code"),
        quarters=quarters,
        months=q("select month, month_label from marts.dim_month where ? in (fy_quarter, calendar_quarter_code) "
                 "order by month", quarter),
        board=q("select * from marts.fct_board_quarterly where quarter in ? order by quarter_seq, rocu_code", trend),
        network=q("select * from marts.fct_board_network_quarterly where quarter in ? order by quarter_seq", trend),
        scorecard=q("select * from marts.fct_scorecard_quarterly where quarter = ? order by sort_order, rocu_code",
                    quarter),
        status=q(_STATUS, quarter),
        strands=q("select * from marts.fct_strand_coverage_quarterly where quarter = ? order by rocu_code, strand_code",
                  quarter),
        problems=q(_PROBLEMS, quarter),
        outcomes=q("select * from marts.fct_outcomes_quarterly where quarter = ? order by metric_id, rocu_code",
                   quarter),
        ocg=q("select * from marts.fct_ocg_threat order by rocu_code, owner_type desc, owner_name"),
        capacity=q("select c.* from marts.fct_capacity_tasking as c inner join marts.dim_month as m on c.month = m.month "
                   "where ? in (m.fy_quarter, m.calendar_quarter_code) order by c.rocu_code, c.month", quarter),
        unmapped=q("select * from marts.fct_unmapped_labels_quarterly where quarter = ? "
                   "order by rocu_code, lower(local_label)", quarter),
        not_reported=q("select * from marts.fct_metrics_not_reported_quarterly where quarter = ? "
                       "order by rocu_code, strand_code, metric_id", quarter),
        revisions=q(_REVISIONS, quarter),
        monthly=q(_MONTHLY, quarter),
        nocc_queries=q(_NOCC_QUERIES, quarter),
        query_quality=q("select * from marts.fct_query_quality where period_type = 'quarter' and period = ? "
                        "order by rocu_code", quarter),
    )


def _check_request(con: duckdb.DuckDBPyConnection, request: Request) -> None:
    units = [r[0] for r in _read(con, "select rocu_code from marts.dim_rocu order by 1").fetchall()]
    if not request.is_network and request.unit not in units:
        raise ReportError(f"'{request.unit}' is not a unit. Choose one of {', '.join(units)} or {NETWORK}.")
    quarters = [r[0] for r in _read(
        con, "select distinct quarter from marts.fct_board_quarterly where quarter_scheme = ? order by 1",
        request.scheme).fetchall()]
    if request.quarter not in quarters:
        raise ReportError(f"The warehouse holds no returns for {request.quarter}. "
                          f"Quarters available: {', '.join(quarters) or 'none'}.")


def _read(con: duckdb.DuckDBPyConnection, sql: str, *params) -> duckdb.DuckDBPyConnection:
    """Every figure is read here: the one place a paper's SQL goes to the published copy."""
    sent(sql)
    try:
        return con.execute(sql, list(params))
    except duckdb.CatalogException as missing:  # a copy published by an older release lacks a mart
        raise ReportError("The published warehouse lacks a table this paper needs (it was published by an older "
                          "release). Rebuild the warehouse (make build, or the build_warehouse job), then make the "
                          "report again.") from missing


_TREND_QUARTERS = """
select q.*
from marts.dim_quarter as q
inner join marts.dim_quarter as paper on q.quarter_scheme = paper.quarter_scheme
where paper.quarter = ? and q.quarter_seq between paper.quarter_seq - ? + 1 and paper.quarter_seq
order by q.quarter_seq
"""

_STATUS = """
select s.rocu_code, s.month, s.month_label, s.deadline_date, s.status, s.versions, s.rejected_versions,
       s.first_accepted_at, s.days_late, s.latest_errors, s.latest_warnings
from marts.fct_submission_status as s
inner join marts.dim_month as m on s.month = m.month
inner join marts.dim_quarter as q on q.quarter = ?
inner join marts.dim_month as last on last.month = q.last_month
where m.month_start > last.month_start - interval 12 month and m.month_start <= last.month_start
order by s.rocu_code, s.month
"""

_PROBLEMS = """
select p.rocu_code, p.month, p.version, p.state, p.severity, p.rule, p.sheet, p.source_row, p.source_column,
       p.found_value
from marts.fct_submission_problems as p
inner join marts.dim_month as m on p.month = m.month
where ? in (m.fy_quarter, m.calendar_quarter_code)
order by p.rocu_code, p.month, p.version, p.severity, p.rule, p.source_row, p.source_column
"""

_REVISIONS = """
select r.*
from marts.fct_revised_figures as r
inner join marts.dim_quarter as q on r.month <= q.last_month
where q.quarter = ?
order by r.rocu_code, r.month, r.metric_id
"""

_MONTHLY = """
select m.rocu_code, m.month, m.metric_id, d.metric_name, m.unit, m.value
from marts.fct_metric_monthly as m
inner join marts.dim_metric as d on m.metric_id = d.metric_id
inner join marts.dim_quarter as q on m.month <= q.last_month
where q.quarter = ?
order by m.rocu_code, m.month, m.metric_id
"""

_NOCC_QUERIES = """
select f.query_id, f.rocu_code, f.metric_id, d.metric_name, f.period, f.question, f.state, f.raised_date,
       f.answer, f.first_answered_date, f.is_overdue, f.working_days_open
from marts.fct_queries as f
inner join marts.dim_month as m on f.raised_month = m.month
left join marts.dim_metric as d on f.metric_id = d.metric_id
where ? in (m.fy_quarter, m.calendar_quarter_code)
order by f.rocu_code, f.query_id
"""
