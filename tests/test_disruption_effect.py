"""The look-back of the OCG ledger: a later extract that changes an earlier month changes the rows
before it. The ledger and the disruption-effect mart are tables rebuilt in full from every landed
extract (docs/disruption-effect.md), so a re-sent register month must move the score 3 months after
of the month three earlier, and the score change the effect mart reads from it."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from pipelines.orchestration.assets.raw_extracts import EXTRACTS, read_extract
from pipelines.orchestration.warehouse import replace_table
from pipelines.settings import Paths
from tests.conftest import run_dbt

pytestmark = pytest.mark.slow

REBUILT = ["dim_ocg_history", "fct_ocg_ledger_monthly", "fct_ocg_disruption_effect"]


def ledger_event(con: duckdb.DuckDBPyConnection) -> tuple:
    """A group month with a major or moderate disruption and a score 3 months later (the first)."""
    return con.sql("""
        select ocg_ref, month, rocu_code, threat_area_code, morile_score, score_3m_after,
               strftime(cast(month || '-01' as date) + interval 3 month, '%Y-%m') as month_after
        from marts.fct_ocg_ledger_monthly as e
        where status = 'active' and major_disruptions + moderate_disruptions > 0 and score_3m_after is not null
            and exists (  -- an undisrupted group of its band and area that month, so the event is matched
                select 1 from marts.fct_ocg_ledger_monthly as c
                join marts.fct_ocg_ledger_monthly as c3 on c3.ocg_ref = c.ocg_ref
                    and c3.month = strftime(cast(c.month || '-01' as date) + interval 3 month, '%Y-%m')
                where c.month = e.month and c.morile_band = e.morile_band and c.threat_area_code = e.threat_area_code
                    and c.status = 'active' and c.disruptions = 0
                    and coalesce(c3.months_since_last_disrupted > 3, true))
        order by month, ocg_ref limit 1""").fetchone()


def effect(con: duckdb.DuckDBPyConnection, unit: str, area: str, month: str) -> tuple:
    return con.sql("""
        select events_3m, disrupted_mean_change_3m from marts.fct_ocg_disruption_effect
        where rocu_code = ? and threat_area_code = ? and period_type = 'month' and period = ?""",
                   params=[unit, area, month]).fetchone()


def test_a_later_extract_rescoring_an_earlier_month_changes_the_before_and_after_figures(built_demo_copy, tmp_path):
    paths = Paths(built_demo_copy)
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        ref, month, unit, area, score, after, month_after = ledger_event(con)
        before = effect(con, unit, area, month)
    assert before[0] >= 1

    # The register for month_after sent again later, with this group re-scored 10 points lower.
    folder = paths.landing / "extracts" / "ocg_register"
    sent = folder / f"ocg_register_{month_after}.csv"
    with sent.open(newline="") as f:
        reader = csv.DictReader(f)
        fields, rows = reader.fieldnames, list(reader)
    rescored = max(1, after - 10)
    for row in rows:
        if row["ocg_ref"] == ref:
            row["morile_score"] = str(rescored)
            row["morile_band"] = band_of(paths.warehouse, rescored)
    with (folder / f"ocg_register_{month_after}_v2.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)

    spec = next(s for s in EXTRACTS if s.table == "ocg_register")
    frame, rejected = read_extract(paths.landing / "extracts", spec)
    assert not rejected
    replace_table(paths.warehouse, "ocg_register", frame)
    result = run_dbt(["run", "--select", *REBUILT], paths.warehouse, tmp_path / "target")
    assert result.returncode == 0, result.stdout[-2000:]

    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        got = con.sql("select morile_score, score_3m_after from marts.fct_ocg_ledger_monthly"
                      " where ocg_ref = ? and month = ?", params=[ref, month]).fetchone()
        after_month = con.sql("select morile_score, score_3m_before from marts.fct_ocg_ledger_monthly"
                              " where ocg_ref = ? and month = ?", params=[ref, month_after]).fetchone()
        now = effect(con, unit, area, month)
    assert got == (score, rescored)
    assert after_month == (rescored, score)
    assert now[0] == before[0]
    # the event's change fell by (after - rescored), so the mean over the month's events by that over n
    assert now[1] == pytest.approx(before[1] - (after - rescored) / before[0], abs=0.01)


def band_of(warehouse: Path, score: int) -> str:
    """The band the seed gives a score, so the re-sent row passes the band check."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql("select morile_band from reference.morile_bands where ? between min_score and max_score",
                       params=[score]).fetchone()[0]
