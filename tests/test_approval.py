"""A return counts in published figures only once its unit's approver signs it off."""

from __future__ import annotations

import csv

import duckdb
import pytest
from dagster import DagsterInstance

from pipelines.orchestration.definitions import build_definitions
from pipelines.intake.service import submit_return
from pipelines.intake.land.zone import LandingZone
from pipelines.settings import Paths

pytestmark = pytest.mark.slow  # runs Dagster jobs


def published_arrests(paths: Paths, unit: str, month: str) -> float:
    con = duckdb.connect(str(paths.published), read_only=True)
    try:
        return con.execute("select value from marts.fct_metric_monthly where rocu_code=? and month=?"
                           " and metric_id='PUR_ARRESTS'", [unit, month]).fetchone()[0]
    finally:
        con.close()


def test_resubmission_counts_only_after_sign_off(built_demo_copy):
    paths = Paths(built_demo_copy)  # the demo, loaded, built and published
    defs = build_definitions(paths)

    def run(job: str, **config):
        run_config = {"ops": {"raw_returns": {"config": config}}} if config else None
        result = defs.resolve_job_def(job).execute_in_process(instance=DagsterInstance.ephemeral(),
                                                              run_config=run_config)
        assert result.success

    with (paths.demo / "manifest.csv").open() as f:
        row = next(r for r in csv.DictReader(f) if r["rocu_code"] == "NEROCU" and r["scenario"] == "normal")
    month, original = row["period"], published_arrests(paths, "NEROCU", row["period"])
    text = (paths.demo / row["path"]).read_text()
    line = next(x for x in text.splitlines() if ",Arrests," in x)
    old = float(line.rsplit(",", 1)[1])
    corrected = text.replace(line, line.rsplit(",", 1)[0] + f",{old + 100:g}")
    zone = LandingZone(paths.landing)
    verdict = submit_return(zone, corrected.encode(), original_name="NEROCU_corrected.csv", rocu_code="NEROCU",
                            period=month, submitted_by="lead.nerocu")
    assert verdict.accepted and verdict.submission.version == 2

    run("refresh_returns", unit="NEROCU", month=month)
    assert published_arrests(paths, "NEROCU", month) == original  # awaiting sign-off: old figures stand

    zone.registry.approve(verdict.submission.submission_id, "approver.nerocu", "2026-11-24T10:00:00+00:00")
    run("refresh_returns", unit="NEROCU", month=month)
    assert published_arrests(paths, "NEROCU", month) == original + 100
    con = duckdb.connect(str(paths.published), read_only=True)
    revised = con.execute("select is_revised, value_as_first_submitted from marts.fct_metric_monthly"
                          " where rocu_code='NEROCU' and month=? and metric_id='PUR_ARRESTS'", [month]).fetchone()
    con.close()
    assert revised == (True, original)


def test_only_accepted_content_can_be_signed_off(tmp_path):
    zone = LandingZone(tmp_path)
    verdict = submit_return(zone, b"", original_name="empty.csv", rocu_code="NEROCU", period="2025-01",
                            submitted_by="lead")
    with pytest.raises(ValueError, match="only an accepted return"):
        zone.registry.approve(verdict.submission.submission_id, "approver", "2026-01-01T00:00:00+00:00")
