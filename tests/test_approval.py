"""A return counts in published figures only once its unit's approver signs it off.

The rule is one dbt model's (int_return_versions__chosen, with its unit tests); end to end, a verdict
and then a sign-off each refreshing the published figures, it is
tests/test_refresh_worker.py::test_a_verdict_and_a_sign_off_each_refresh_the_published_figures_through_the_worker."""

from __future__ import annotations

import duckdb
import pytest

from pipelines.intake.service import submit_return
from pipelines.intake.land.zone import LandingZone
from pipelines.settings import Paths


def published_arrests(paths: Paths, unit: str, month: str) -> float:
    con = duckdb.connect(str(paths.published), read_only=True)
    try:
        return con.execute("select value from marts.fct_metric_monthly where rocu_code=? and month=?"
                           " and metric_id='PUR_ARRESTS'", [unit, month]).fetchone()[0]
    finally:
        con.close()


def test_only_accepted_content_can_be_signed_off(tmp_path):
    zone = LandingZone(tmp_path)
    verdict = submit_return(zone, b"", original_name="empty.csv", rocu_code="NEROCU", period="2025-01",
                            submitted_by="lead")
    with pytest.raises(ValueError, match="only an accepted return"):
        zone.registry.approve(verdict.submission.submission_id, "approver", "2026-01-01T00:00:00+00:00")
