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
from pipelines.serving.reads import attach_published, sent
from pipelines.papers.model import NETWORK, Build, ReportError, Request

TREND_QUARTERS = 6

# Every mart a paper reads: the paper's exposure in _exposures.yml lists exactly these.
MARTS = ("dim_rocu", "dim_quarter", "dim_month", "fct_board_quarterly", "fct_board_network_quarterly",
         "fct_scorecard_quarterly", "fct_submission_status", "fct_strand_coverage_quarterly",
         "fct_submission_problems", "fct_outcomes_quarterly", "fct_ocg_threat_monthly", "fct_capacity_tasking",
         "fct_unmapped_labels_quarterly", "fct_metrics_not_reported_quarterly", "fct_revised_figures",
         "fct_metric_monthly", "dim_metric",
         # what each revised figure's explanation is (sections/definitions.py)
         "fct_figure_explanations",
         # the effort-against-threat section (sections/alignment.py)
         "fct_effort_alignment", "fct_effort_alignment_index", "fct_effort_on_priorities",
         # the Disruptions and threat section (sections/disruptions.py)
         "fct_ocg_ledger_summary", "fct_ocg_ledger_period_groups", "fct_disruptions_threat_matrix",
         "fct_disruptions_threat_matrix_network", "fct_disruptions_lead_share", "fct_share_funnel",
         "fct_disruption_recording", "fct_disruption_extract_freshness",
         # the NOCC's queries (sections/returns.py)
         "fct_queries", "fct_query_quality",
         # the inspection's recommendations (sections/governance.py)
         "fct_recommendation_tracker")


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
    explanations: pd.DataFrame  # fct_figure_explanations for those figures: why each holds its value
    alignment: pd.DataFrame  # fct_effort_alignment, every unit, the financial year the quarter ends in
    alignment_index: pd.DataFrame  # fct_effort_alignment_index, the same year
    on_priorities: pd.DataFrame  # fct_effort_on_priorities, the same year
    ledger: pd.DataFrame  # fct_ocg_ledger_summary, the quarter, every unit and threat area (ALL = all areas)
    untouched: pd.DataFrame  # the high-band OCGs untouched six months or more at the quarter's end, by reference
    threat_matrix: pd.DataFrame  # fct_disruptions_threat_matrix, the quarter, every unit
    network_matrix: pd.DataFrame  # fct_disruptions_threat_matrix_network, the quarter
    lead_share: pd.DataFrame  # led and supported, with the band against the network (fct_share_funnel)
    recording: pd.DataFrame  # share of the quarter's disruptions linked to an OCG, every unit
    freshness: pd.DataFrame  # how fresh each unit's disruption extract is (as at the build)
    nocc_queries: pd.DataFrame  # the NOCC's queries raised in the quarter, with the units' answers
    query_quality: pd.DataFrame  # open, answered and overdue queries per unit (financial-year quarters)
    recommendations: pd.DataFrame  # fct_recommendation_tracker, every unit and the network, as at the build

    def frames(self) -> dict[str, pd.DataFrame]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@contextmanager
def open_published(published: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """One read-only connection to the published copy: a paper reads its build and its figures
    through it, so a copy swapped in meanwhile cannot mix two builds in one paper."""
    if not published.exists():
        raise ReportError("No warehouse has been published yet. Build it first (make build), then make the report.")
    con = attach_published(published)  # not by path: a server may still hold an earlier copy open
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
        # the register as at the quarter's last landed extract, the month fct_board_quarterly's figures are as at
        ocg=q("select * from marts.fct_ocg_threat_monthly where month = (select max(ocg_register_month) "
              "from marts.fct_board_network_quarterly where quarter = ?) "
              "order by rocu_code, owner_type desc, owner_name", quarter),
        capacity=q("select c.* from marts.fct_capacity_tasking as c inner join marts.dim_month as m on c.month = m.month "
                   "where ? in (m.fy_quarter, m.calendar_quarter_code) order by c.rocu_code, c.month", quarter),
        unmapped=q("select * from marts.fct_unmapped_labels_quarterly where quarter = ? "
                   "order by rocu_code, lower(local_label)", quarter),
        not_reported=q("select * from marts.fct_metrics_not_reported_quarterly where quarter = ? "
                       "order by rocu_code, strand_code, metric_id", quarter),
        revisions=q(_REVISIONS, quarter),
        monthly=q(_MONTHLY, quarter),
        explanations=q(_EXPLANATIONS, quarter),
        alignment=q(f"select * from marts.fct_effort_alignment where financial_year = ({_QUARTER_YEAR}) "
                    "order by rocu_code, threat_area_order", quarter),
        alignment_index=q(f"select * from marts.fct_effort_alignment_index where financial_year = ({_QUARTER_YEAR}) "
                          "order by rocu_code", quarter),
        on_priorities=q(f"select * from marts.fct_effort_on_priorities where financial_year = ({_QUARTER_YEAR}) "
                        "order by rocu_code", quarter),
        ledger=q(_IN_QUARTER + "select s.* from marts.fct_ocg_ledger_summary as s inner join paper_period as p "
                 "on s.period_type = p.period_type and s.period = p.period order by s.rocu_code, s.threat_area_code",
                 quarter),
        untouched=q(_UNTOUCHED, quarter),
        threat_matrix=q(_IN_QUARTER + "select m.* from marts.fct_disruptions_threat_matrix as m inner join "
                        "paper_period as p on m.period_type = p.period_type and m.period = p.period "
                        "order by m.rocu_code, m.threat_area_name, m.strand_sort_order, m.impact_rank",
                        quarter),
        network_matrix=q(_IN_QUARTER + "select m.* from marts.fct_disruptions_threat_matrix_network as m inner join "
                         "paper_period as p on m.period_type = p.period_type and m.period = p.period "
                         "order by m.threat_area_name, m.strand_sort_order, m.impact_rank", quarter),
        lead_share=q(_LEAD_SHARE, quarter),
        recording=q(_IN_QUARTER + "select r.* from marts.fct_disruption_recording as r inner join paper_period as p "
                    "on r.period_type = p.period_type and r.period = p.period where r.against_type = 'ocg' "
                    "order by r.rocu_code", quarter),
        freshness=q("select * from marts.fct_disruption_extract_freshness order by rocu_code"),
        nocc_queries=q(_NOCC_QUERIES, quarter),
        query_quality=q("select * from marts.fct_query_quality where period_type = 'quarter' and period = ? "
                        "order by rocu_code", quarter),
        recommendations=q("select * from marts.fct_recommendation_tracker order by item_order, is_network_row, "
                          "rocu_code"),
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


# The financial year the paper's quarter ends in (a calendar quarter too): the golden-thread marts are by year.
_QUARTER_YEAR = "select max(financial_year) from marts.dim_month where ? in (fy_quarter, calendar_quarter_code)"

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

_EXPLANATIONS = """
select e.rocu_code, e.month, e.metric_id, e.has_explanation, e.explanation
from marts.fct_figure_explanations as e
inner join marts.dim_quarter as q on e.month <= q.last_month
where q.quarter = ?
order by e.rocu_code, e.month, e.metric_id
"""

# The paper's quarter as the disruption marts name periods: 2026-Q3 is financial_quarter '2026/27 Q3',
# 2026-C1 is (calendar) quarter '2026-Q1' (dim_month). Its one parameter is the quarter.
_IN_QUARTER = """
with asked as (select cast(? as varchar) as quarter),
paper_period as (
    select distinct
        case when m.fy_quarter = asked.quarter then 'financial_quarter' else 'quarter' end as period_type,
        case when m.fy_quarter = asked.quarter then m.financial_quarter else m.calendar_quarter end as period
    from marts.dim_month as m
    inner join asked on asked.quarter in (m.fy_quarter, m.calendar_quarter_code)
)
"""

_UNTOUCHED = _IN_QUARTER + """
select g.rocu_code, g.ocg_ref, g.threat_area_code, g.morile_score, g.owner_type, g.owner_code, g.last_month,
       g.last_disrupted_month, g.months_since_last_disrupted
from marts.fct_ocg_ledger_period_groups as g
inner join paper_period as p on g.period_type = p.period_type and g.period = p.period
where g.morile_band = 'high' and g.is_untouched_6m
order by g.rocu_code, g.morile_score desc, g.ocg_ref
"""

_LEAD_SHARE = _IN_QUARTER + """
select l.rocu_code, l.disruptions, l.led, l.supported, l.lead_not_recorded, l.lead_base, l.led_share_pct,
       l.is_small_base, l.network_led, l.network_lead_base, l.network_led_share_pct, l.network_is_small_base,
       f.band_95
from marts.fct_disruptions_lead_share as l
inner join paper_period as p on l.period_type = p.period_type and l.period = p.period
left join marts.fct_share_funnel as f
    on f.share_id = 'DIS_LED_SHARE' and l.rocu_code = f.rocu_code and l.period_type = f.period_type
    and l.period = f.period
order by l.rocu_code
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
