"""Figures for a board paper, read from the published warehouse only.

One read-only connection for the build row and every figure, one query per section, every unit of the network (a unit
is always shown beside its peers). Nothing here formats or judges: see findings.py.
Two figures are computed here rather than in dbt (no mart holds them yet): months
with a figure per 4P strand, and data-quality problems per quarter.
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
from pipelines.papers.numbers import previous_quarters, quarter_months

TREND_QUARTERS = 6


@dataclass
class Figures:
    """Everything one paper needs, for all nine units."""

    units: pd.DataFrame
    consistency: pd.DataFrame  # TREND_QUARTERS quarters ending with the paper's
    status: pd.DataFrame  # twelve months ending with the quarter
    strands: pd.DataFrame
    framework_strands: pd.DataFrame
    quality: pd.DataFrame  # TREND_QUARTERS quarters
    problems: pd.DataFrame  # the quarter's problems, one row each
    outcomes: pd.DataFrame
    ocg: pd.DataFrame
    capacity: pd.DataFrame
    unmapped: pd.DataFrame
    not_reported: pd.DataFrame
    revisions: pd.DataFrame

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
    quarters = previous_quarters(request.quarter, TREND_QUARTERS)
    months = quarter_months(request.quarter)
    year_months = _twelve_months(months[-1])
    q = lambda sql, *params: _read(con, sql, *params).df()  # noqa: E731
    return Figures(
        units=q("select rocu_code, rocu_name, brand, force_count, force_names from marts.dim_rocu order by rocu_code"),
        consistency=q("select * from marts.fct_consistency_quarterly where calendar_quarter in ? "
                      "order by calendar_quarter, rocu_code", quarters),
        status=q(_STATUS, year_months),
        strands=q(_STRANDS, request.quarter),
        framework_strands=q("select strand_code, count(*) as framework_metrics from marts.dim_metric "
                            "where source = 'monthly_return' group by all order by strand_code"),
        quality=q(_QUALITY, quarters),
        problems=q(_PROBLEMS, request.quarter),
        outcomes=q(_OUTCOMES, request.quarter),
        ocg=q("select * from marts.fct_ocg_threat order by rocu_code, owner_type desc, owner_name"),
        capacity=q("select * from marts.fct_capacity_tasking where calendar_quarter = ? order by rocu_code, month",
                   request.quarter),
        unmapped=q(_UNMAPPED, request.quarter),
        not_reported=q(_NOT_REPORTED, request.quarter, months[-1]),
        revisions=q(_REVISIONS, months[-1]),
    )


def _check_request(con: duckdb.DuckDBPyConnection, request: Request) -> None:
    units = [r[0] for r in _read(con, "select rocu_code from marts.dim_rocu order by 1").fetchall()]
    if not request.is_network and request.unit not in units:
        raise ReportError(f"'{request.unit}' is not a unit. Choose one of {', '.join(units)} or {NETWORK}.")
    quarters = [r[0] for r in _read(
        con, "select distinct calendar_quarter from marts.fct_consistency_quarterly order by 1").fetchall()]
    if request.quarter not in quarters:
        raise ReportError(f"The warehouse holds no returns for {request.quarter}. "
                          f"Quarters available: {', '.join(quarters) or 'none'}.")


def _read(con: duckdb.DuckDBPyConnection, sql: str, *params) -> duckdb.DuckDBPyConnection:
    """Every figure is read here: the one place a paper's SQL goes to the published copy."""
    sent(sql)
    return con.execute(sql, list(params))


def _twelve_months(last: str) -> list[str]:
    year, mon = (int(p) for p in last.split("-"))
    index = year * 12 + mon - 1
    return [f"{i // 12}-{i % 12 + 1:02d}" for i in range(index - 11, index + 1)]


_STATUS = """
select s.rocu_code, s.month, s.month_label, m.calendar_quarter, s.deadline_date, s.status, s.versions,
       s.rejected_versions, s.first_accepted_at, s.days_late, s.latest_errors, s.latest_warnings
from marts.fct_submission_status as s
inner join marts.dim_month as m on s.month = m.month
where s.month in ?
order by s.rocu_code, s.month
"""

_STRANDS = """
select rocu_code, strand_code,
       count(distinct month) filter (where value > 0) as months_with_figure,
       count(*) filter (where value > 0) as figures_above_zero,
       count(distinct metric_id) as metrics_reported
from marts.fct_metric_monthly
where calendar_quarter = ? and source = 'monthly_return' and strand_code <> 'all'
group by all
order by rocu_code, strand_code
"""

_QUALITY = """
with subs as (
    select s.submission_id, s.rocu_code, s.state, m.calendar_quarter
    from staging.stg_intake__submissions as s
    inner join marts.dim_month as m on s.month = m.month
    where m.calendar_quarter in ?
),
problems as (
    select submission_id,
           count(*) filter (where severity = 'error') as errors,
           count(*) filter (where severity = 'warning') as warnings
    from staging.stg_intake__problems
    group by all
)
select subs.rocu_code, subs.calendar_quarter,
       count(*) as files,
       count(*) filter (where subs.state = 'rejected') as rejected_files,
       coalesce(sum(problems.errors), 0)::bigint as errors,
       coalesce(sum(problems.warnings), 0)::bigint as warnings
from subs
left join problems on subs.submission_id = problems.submission_id
group by all
order by subs.calendar_quarter, subs.rocu_code
"""

_PROBLEMS = """
select s.rocu_code, s.month, s.version, s.state, p.severity, p.rule, p.sheet, p.source_row, p.source_column,
       p.found_value
from staging.stg_intake__problems as p
inner join staging.stg_intake__submissions as s on p.submission_id = s.submission_id
inner join marts.dim_month as m on s.month = m.month
where m.calendar_quarter = ?
order by s.rocu_code, s.month, s.version, p.severity, p.rule, p.source_row, p.source_column
"""

_OUTCOMES = """
select c.*, d.metric_name, d.strand_code, d.higher_is_better, d.source
from marts.fct_metric_comparison as c
inner join marts.dim_metric as d on c.metric_id = d.metric_id
where c.period_type = 'quarter' and c.period = ?
order by c.metric_id, c.rocu_code
"""

_UNMAPPED = """
select u.rocu_code, u.local_label,
       count(distinct u.month) as months_seen,
       string_agg(distinct u.month, ', ' order by u.month) as months,
       min(coalesce(u.source_sheet || '!', '') || u.source_column || u.source_row::varchar) as first_cell
from staging.stg_intake__unmapped_labels as u
inner join staging.stg_intake__submissions as s
    on u.submission_id = s.submission_id and s.state in ('accepted', 'accepted_with_warnings')
inner join marts.dim_month as m on u.month = m.month
where m.calendar_quarter = ?
group by all
order by u.rocu_code, u.local_label
"""

_NOT_REPORTED = """
with expected as (
    select r.rocu_code, d.metric_id, d.metric_name, d.strand_code
    from marts.dim_rocu as r
    cross join marts.dim_metric as d
    where d.source = 'monthly_return'
),
reported as (
    select rocu_code, metric_id,
           bool_or(calendar_quarter = ?) as in_quarter,
           max(month) as last_month
    from marts.fct_metric_monthly
    where source = 'monthly_return' and month <= ?
    group by all
)
select e.rocu_code, e.metric_id, e.metric_name, e.strand_code, r.last_month
from expected as e
left join reported as r on e.rocu_code = r.rocu_code and e.metric_id = r.metric_id
where not coalesce(r.in_quarter, false)
order by e.rocu_code, e.strand_code, e.metric_id
"""

_REVISIONS = """
select f.rocu_code, f.month, f.calendar_quarter, f.metric_id, d.metric_name, f.unit,
       f.value_as_first_submitted, f.value, f.value - f.value_as_first_submitted as change,
       s.version, s.submitted_at as revised_at
from marts.fct_metric_monthly as f
inner join marts.dim_metric as d on f.metric_id = d.metric_id
left join staging.stg_intake__submissions as s on f.submission_id = s.submission_id
where f.is_revised and f.month <= ?
order by f.rocu_code, f.month, f.metric_id
"""
