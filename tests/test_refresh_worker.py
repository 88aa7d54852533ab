"""The refresh worker: a verdict and a sign-off each start their own refresh at once, as Dagster runs
recorded in the persistent instance, one writer at a time; the sensors leave refreshes to it."""

from __future__ import annotations

import csv
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from dagster import (DagsterEventType, DagsterInstance, DagsterRunStatus, RunRequest, RunsFilter, SkipReason,
                     build_sensor_context)

from pipelines.intake.land.zone import LandingZone
from pipelines.intake.queries import answer_query, queries
from pipelines.intake.types import Problem
from pipelines.intake.nocc_queries import close_query, raise_query
from pipelines.intake.service import approve, submit_return
from pipelines.orchestration.assets.raw_returns import TABLES
from pipelines.orchestration.definitions import build_definitions
from pipelines.orchestration.refresh_worker import (ALL_RETURNS, RELOADS, Waiting, assets_to_refresh, refresh,
                                                    take_up_unserved)
from pipelines.orchestration.resources import LandingResource, Supersession, writer_lock
from pipelines.orchestration.sensors import LEFT_TO_WORKER, returns_sensor
from pipelines.refresh_request import (ANSWERS, EVERYTHING, QUERIES, RESOURCES, RETURNS, ask_for_refresh,
                                      mark_served, unserved, worker_running)
from pipelines.serving.build_info import read_build_info
from pipelines.settings import Paths
from tests.conftest import make_session
from tests.test_approval import published_arrests

ROOT = Path(__file__).resolve().parents[1]


def corrected_nerocu_return(paths: Paths) -> tuple[str, float, str]:
    """(month, published arrests, the unit's demo return for that month with 100 more arrests)."""
    with (paths.demo / "manifest.csv").open() as f:
        row = next(r for r in csv.DictReader(f) if r["rocu_code"] == "NEROCU" and r["scenario"] == "normal")
    text = (paths.demo / row["path"]).read_text()
    line = next(x for x in text.splitlines() if ",Arrests," in x)
    corrected = text.replace(line, line.rsplit(",", 1)[0] + f",{float(line.rsplit(',', 1)[1]) + 100:g}")
    return row["period"], published_arrests(paths, "NEROCU", row["period"]), corrected


def test_requests_waiting_during_a_run_merge_into_the_one_slice_that_covers_them():
    waiting = Waiting()
    waiting.add("NEROCU", "2026-03", "verdict NEROCU 2026-03 v2", RETURNS)
    waiting.add("NEROCU", "2026-03", "sign-off NEROCU 2026-03 v2", RETURNS)
    assert waiting.take() == (("NEROCU", "2026-03"), {RETURNS},
                              ["verdict NEROCU 2026-03 v2", "sign-off NEROCU 2026-03 v2"])
    waiting.add("NEROCU", "2026-03", "a", RETURNS)
    waiting.add("SWROCU", "2026-03", "b", RETURNS)
    assert waiting.take()[:2] == (ALL_RETURNS, {RETURNS})  # two months: one whole reload, one dbt build
    waiting.add("NEROCU", "2026-03", "verdict", RETURNS)
    waiting.add("", "", "raise 4", QUERIES)  # a query leaves the returns' slice as it is
    assert waiting.take()[:2] == (("NEROCU", "2026-03"), {RETURNS, QUERIES})
    waiting.add("NEROCU", "2026-03", "verdict", RETURNS)
    waiting.add("", "", "set_mapping NEROCU")  # nothing said: everything
    assert waiting.take()[:2] == (ALL_RETURNS, {RETURNS, EVERYTHING})
    # an answer to a query reloads the answers of its unit-month, so it has a slice of its own
    waiting.add("NEROCU", "2026-03", "query_answer NEROCU 2026-03 v2", ANSWERS)
    assert waiting.take()[:2] == (("NEROCU", "2026-03"), {ANSWERS})
    waiting.add("NEROCU", "2026-03", "verdict", RETURNS)
    waiting.add("SWROCU", "2026-03", "query_answer SWROCU 2026-03 v1", ANSWERS)
    assert waiting.take()[:2] == (ALL_RETURNS, {RETURNS, ANSWERS})  # two months: every return, every answer


def test_a_waiting_request_covers_a_run_only_when_its_run_rebuilds_all_that_run_would():
    waiting = Waiting()
    assert waiting.covering("NEROCU", "2026-03", {RETURNS}) is None  # nothing waits
    waiting.add("NEROCU", "2026-03", "sign-off NEROCU 2026-03 v2", RETURNS)
    assert waiting.covering("NEROCU", "2026-03", {RETURNS}) == "sign-off NEROCU 2026-03 v2"
    assert waiting.covering("SWROCU", "2026-03", {RETURNS}) is None  # another month: its values stay unloaded
    assert waiting.covering("NEROCU", "2026-03", {RETURNS, QUERIES}) is None  # the queries would not be rebuilt
    assert waiting.covering("", "", {EVERYTHING}) is None  # e.g. the run after a failed one
    answer = Waiting()
    answer.add("SWROCU", "2026-03", "query_answer SWROCU 2026-03 v1", ANSWERS)
    assert answer.covering("NEROCU", "2026-03", {ANSWERS}) is None  # its run would not reload NEROCU's answers
    assert answer.covering("SWROCU", "2026-03", {ANSWERS}) is not None
    waiting.add("SWROCU", "2026-03", "verdict SWROCU 2026-03 v1", RETURNS)  # two months: every return reloads
    assert waiting.covering("EMSOU", "2026-01", {RETURNS}) is not None
    waiting.add("", "", "query_raise 7", QUERIES)
    assert waiting.covering("NEROCU", "2026-03", {RETURNS, QUERIES}) is not None
    assert waiting.covering("", "", {RESOURCES}) is None
    waiting.add("", "", "set_window 2026-04")
    assert waiting.covering("", "", {EVERYTHING}) is not None
    assert waiting.take()[0] == ALL_RETURNS and waiting.covering("NEROCU", "2026-03", {RETURNS}) is None
    # the run being made is what a later request must cover; after a failure that is everything
    waiting.add("NEROCU", "2026-03", "verdict NEROCU 2026-03 v3", RETURNS)
    assert waiting.take(everything=True)[:2] == (ALL_RETURNS, {RETURNS, EVERYTHING})
    waiting.add("NEROCU", "2026-03", "sign-off NEROCU 2026-03 v3", RETURNS)
    assert waiting.covering_the_run() is None and not waiting.left_to_next
    waiting.take()
    waiting.add("NEROCU", "2026-03", "sign-off NEROCU 2026-03 v4", RETURNS)
    assert waiting.covering_the_run() == "sign-off NEROCU 2026-03 v4"
    assert waiting.left_to_next  # so its requests are marked served with the covering run's, not before
    waiting.take()
    assert not waiting.left_to_next
    assert waiting.take(timeout=0.01) is None  # nothing waits: the worker reads the log meanwhile


def test_a_run_takes_in_waiting_requests_only_when_loading_again_does_all_their_runs_would():
    returns, every_table = set(RELOADS[RETURNS]), set(TABLES)  # what raw_returns loads: some, or all

    def during(unit: str, month: str, change: str, loading: set[str], everything: bool = False) -> str | None:
        waiting = Waiting()
        waiting.add("NEROCU", "2026-03", "verdict NEROCU 2026-03 v2", RETURNS)
        waiting.take(everything=everything)  # the run in progress, loading `loading`
        waiting.add(unit, month, f"{change} {unit}", change)
        joined = waiting.join_the_run(loading)
        left = waiting.covering("", "", {EVERYTHING}) is not None or bool(waiting.changes)
        assert left == (joined is None)  # taken off the queue when joined, else left for the next run
        return joined

    assert during("NEROCU", "2026-03", RETURNS, returns) == "returns NEROCU"  # its sign-off
    assert during("NEROCU", "2026-03", ANSWERS, returns) is not None  # an answer of the month being loaded
    assert during("SWROCU", "2026-03", ANSWERS, returns) is None  # another unit's answer: its rows are not loaded
    assert during("SWROCU", "2026-03", RETURNS, returns) is None  # another unit: its values are not being loaded
    assert during("NEROCU", "2026-04", RETURNS, returns) is None
    assert during("", "", RETURNS, returns) is None  # every return
    assert during("", "", RESOURCES, returns) is None  # tables this load leaves alone
    assert during("", "", QUERIES, every_table) is None  # the NOCC queries' tables, loaded by another asset
    assert during("", "", EVERYTHING, every_table) is None  # e.g. the configuration
    # the run after a failed one reloads every return: any unit's month joins it, so does a resources return
    assert during("SWROCU", "2026-03", RETURNS, every_table, everything=True) is not None
    assert during("", "", RESOURCES, every_table, everything=True) is not None
    assert Waiting().join_the_run(returns) is None  # no run, nothing waiting


@pytest.mark.slow  # runs a Dagster job and dbt
def test_a_sign_off_landing_while_its_verdicts_run_loads_is_published_by_that_run(built_demo_copy):
    """The run takes the sign-off in, loads again from the landing zone (which now holds the sign-off)
    and publishes the signed-off figure; nothing is left waiting for a run after it."""
    paths = Paths(built_demo_copy)
    zone = LandingZone(paths.landing)
    month, original, corrected = corrected_nerocu_return(paths)
    verdict = submit_return(zone, corrected.encode(), original_name="NEROCU_corrected.csv", rocu_code="NEROCU",
                            period=month, submitted_by="lead.nerocu")
    assert verdict.accepted  # and awaiting sign-off: its figures are not loaded until then
    waiting = Waiting()
    waiting.add("NEROCU", month, f"verdict NEROCU {month}", RETURNS)
    waiting.take()
    asked = []

    def join_waiting(loading: set[str]) -> str | None:
        asked.append(1)
        if len(asked) == 2:  # asked before the second table: the sign-off is recorded and rings now
            approve(zone, verdict.submission.submission_id, "approver.nerocu")
            waiting.add("NEROCU", month, f"sign-off NEROCU {month}", RETURNS)
        return waiting.join_the_run(loading)

    instance = DagsterInstance.ephemeral()
    defs = build_definitions(paths, Supersession(waiting.covering_the_run, join_waiting))
    assert refresh(defs, instance, "NEROCU", month, [f"verdict NEROCU {month}"], {RETURNS})
    run = instance.get_runs(limit=1)[0]
    assert instance.get_run_by_id(run.run_id).tags["rocu/joined"] == f"sign-off NEROCU {month}"
    said = " ".join(e.user_message for e in instance.all_logs(run.run_id))
    assert f"Taken into this run: the request waiting (sign-off NEROCU {month})" in said
    assert said.count("raw.submissions:") == 2  # loaded before the sign-off, and again from the first table
    built = ["/".join(e.dagster_event.asset_key.path)
             for e in instance.all_logs(run.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION)]
    assert sorted(k for k in built if k.startswith("raw/")) == sorted(f"raw/{t}" for t in RELOADS[RETURNS])
    assert "published_warehouse" in built
    # the registry was read again after the sign-off: the figure it released is the one published
    assert published_arrests(paths, "NEROCU", month) == original + 100
    assert not waiting.changes  # no second run asked for


@pytest.mark.slow  # runs a Dagster job
def test_a_run_takes_in_two_requests_at_most_and_a_third_waits_for_the_next_run(built_demo_copy):
    """A request rings before every question the load asks: the first two join, the third (the same
    month) covers the run, which stops loading and leaves its build to the next run."""
    paths = Paths(built_demo_copy)
    month, _, _ = corrected_nerocu_return(paths)
    waiting = Waiting()
    waiting.add("NEROCU", month, "verdict", RETURNS)
    waiting.take()
    rung = []

    def ring() -> None:
        if not waiting.changes and len(rung) < 3:
            rung.append(f"sign-off {len(rung) + 1}")
            waiting.add("NEROCU", month, rung[-1], RETURNS)

    def join_waiting(loading: set[str]) -> str | None:
        ring()
        return waiting.join_the_run(loading)

    def newer_request() -> str | None:
        ring()
        return waiting.covering_the_run()

    instance = DagsterInstance.ephemeral()
    defs = build_definitions(paths, Supersession(newer_request, join_waiting))
    assert refresh(defs, instance, "NEROCU", month, ["verdict"], {RETURNS})
    run = instance.get_runs(limit=1)[0]
    assert instance.get_run_by_id(run.run_id).tags["rocu/joined"] == "sign-off 1; sign-off 2"
    said = " ".join(e.user_message for e in instance.all_logs(run.run_id))
    assert "Loading stopped after raw.submissions: a request waiting (sign-off 3)" in said
    built = {"/".join(e.dagster_event.asset_key.path)
             for e in instance.all_logs(run.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION)}
    assert built == {"raw/submissions"}  # nothing built or published: the next run does it all
    assert waiting.reasons == ["sign-off 3"] and waiting.slices == {("NEROCU", month)}  # for the next run


@pytest.mark.slow  # runs a Dagster job
def test_a_load_that_fails_part_way_records_the_tables_it_wrote(built_demo_copy):
    """The run fails with the reader's error, and Dagster's record names each raw table written before it."""
    paths = Paths(built_demo_copy)
    month, _, _ = corrected_nerocu_return(paths)
    zone = LandingZone(paths.landing)
    for version in zone.registry.submissions():
        stored = paths.landing / "standardised" / f"{version.submission_id}.values.parquet"
        if (version.rocu_code, version.period) == ("NEROCU", month) and stored.exists():
            stored.write_bytes(b"not parquet")  # the month's values cannot be read
    instance = DagsterInstance.ephemeral()
    assert not refresh(build_definitions(paths), instance, "NEROCU", month, ["verdict"], {RETURNS})
    run = instance.get_runs(limit=1)[0]
    written = {"/".join(e.dagster_event.asset_key.path)
               for e in instance.all_logs(run.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION)}
    assert written == {"raw/submissions", "raw/approvals", "raw/submission_problems"}  # loaded before the values
    failure = instance.all_logs(run.run_id, of_type=DagsterEventType.STEP_FAILURE)[0]
    assert "parquet" in str(failure.dagster_event.step_failure_data.error).lower()


@pytest.mark.slow  # runs a Dagster job
def test_a_covered_run_leaves_what_it_has_not_done_to_the_next(built_demo_copy):
    """Covered as it begins, a run loads nothing; covered part way through its raw tables, it stops
    loading; covered once they are all loaded, it leaves the build and publish. Either way the published
    copy stands until the next run, which reloads, rebuilds and publishes it all."""
    paths = Paths(built_demo_copy)
    con = duckdb.connect(str(paths.published), read_only=True)
    before = read_build_info(con).build_id
    con.close()
    with (paths.demo / "manifest.csv").open() as f:
        month = next(r["period"] for r in csv.DictReader(f) if r["rocu_code"] == "NEROCU")
    instance = DagsterInstance.ephemeral()
    asked = []  # the run asks as it begins, before each raw table after the first, and before the build
    tables = len(RELOADS[RETURNS])

    def waiting(from_question: int):
        def newer_request() -> str | None:
            asked.append(1)
            return "sign-off NEROCU v2" if len(asked) >= from_question else None
        return newer_request

    for from_question, loaded, said_then in ((1, 0, "Not loaded in this run"),
                                             (3, 2, "Loading stopped after raw.submissions, raw.approvals"),
                                             (tables + 1, tables, "Not built in this run")):
        asked.clear()
        defs = build_definitions(paths, Supersession(waiting(from_question)))
        assert refresh(defs, instance, "NEROCU", month, ["verdict"], {RETURNS})
        run = instance.get_runs(limit=1)[0]
        built = {"/".join(e.dagster_event.asset_key.path)
                 for e in instance.all_logs(run.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION)}
        assert len([k for k in built if k.startswith("raw/")]) == loaded
        assert not any(k.startswith(("marts/", "staging/")) for k in built) and "published_warehouse" not in built
        said = " ".join(e.user_message for e in instance.all_logs(run.run_id))
        assert said_then in said and "a request waiting (sign-off NEROCU v2) covers" in said
        con = duckdb.connect(str(paths.published), read_only=True)
        assert read_build_info(con).build_id == before  # the published copy stands until the next run
        con.close()


@pytest.mark.slow  # runs a Dagster job and dbt
def test_a_resources_run_checks_the_resources_it_loaded_and_leaves_the_monthly_tables(built_demo_copy):
    instance = DagsterInstance.ephemeral()
    assert refresh(build_definitions(Paths(built_demo_copy)), instance, "", "", ["verdict ROCUWM 2025-Q1"],
                   {RESOURCES})
    [run] = instance.get_runs()
    built = {"/".join(e.dagster_event.asset_key.path)
             for e in instance.all_logs(run.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION)}
    assert "raw/resource_values" in built and "raw/return_values" not in built
    checked = {(e.asset_key.to_user_string(), e.check_name, e.passed) for e in (
        log.dagster_event.event_specific_data
        for log in instance.all_logs(run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION))}
    assert ("raw/resource_values", "only_accepted_content", True) in checked


def test_a_run_rebuilds_only_what_lies_downstream_of_what_changed(tmp_path):
    """Each kind of change selects the raw tables it reloads and everything built from them, down
    to the published copy; what the configuration or an unnamed change touches is everything."""
    defs = build_definitions(Paths(tmp_path / "var"))
    names = {c: {k.to_user_string() for k in assets_to_refresh(defs, {c})}
             for c in (RETURNS, RESOURCES, QUERIES, ANSWERS)}
    assert {"raw/nocc_queries", "marts/fct_queries", "published_warehouse"} <= names[QUERIES]
    assert not {"raw/return_values", "marts/fct_metric_monthly", "raw/config_label_map"} & names[QUERIES]
    assert {"raw/return_values", "raw/submissions", "intermediate/int_return_values__versions",
            "marts/fct_metric_monthly", "marts/fct_submission_status", "published_warehouse"} <= names[RETURNS]
    assert not {"raw/resource_values", "raw/nocc_queries", "raw/config_label_map"} & names[RETURNS]
    assert {"raw/resource_values", "marts/fct_cost_per_outcome"} <= names[RESOURCES]
    assert "raw/return_values" not in names[RESOURCES]
    assert {"raw/query_answers", "marts/fct_figure_explanations", "published_warehouse"} <= names[ANSWERS]
    assert not {"raw/return_values", "raw/submissions", "marts/fct_metric_monthly"} & names[ANSWERS]
    assert not any(n.startswith("raw/") and n.split("/")[1] in ("disruptions", "ocg_register")
                   for c in names for n in names[c])  # extracts are the build's, never a refresh's
    assert names[RETURNS] | names[QUERIES] == {k.to_user_string() for k in assets_to_refresh(defs, {RETURNS, QUERIES})}
    assert assets_to_refresh(defs, {EVERYTHING}) is None and assets_to_refresh(defs, {RETURNS, EVERYTHING}) is None


def test_ringing_with_no_worker_returns_at_once_and_the_request_is_kept(tmp_path):
    started = time.monotonic()
    assert ask_for_refresh(tmp_path, "verdict", "NEROCU", "2026-03") is False
    assert not worker_running(tmp_path)
    assert time.monotonic() - started < 1.0
    [kept] = unserved(tmp_path, None)  # for a worker starting later
    assert (kept.unit, kept.month, kept.why, kept.changed) == ("NEROCU", "2026-03", "verdict", EVERYTHING)


RECORDER = """
import sys
from pathlib import Path
from pipelines import local_service
out = Path(sys.argv[2])
def answer(request):
    with out.open("a") as f:
        f.write("|".join(map(str, request[1:5])) + "\\n")
    return ("ok", "queued")
local_service.serve(Path(sys.argv[1]), "refresh", answer, "ready")
"""


def test_every_change_a_page_shows_rings_the_refresh_worker_once_recorded(tmp_path):
    """A verdict (even a rejection: the submissions page shows it), a sign-off and a configuration
    change each ring once, naming what to refresh, after what they change is written. The
    listener is a real socket and key (pipelines/local_service.py), recording instead of running."""
    from pipelines.access.audit import AuditLog
    from pipelines.config_store import ConfigStore
    from pipelines.configure import set_mapping

    var = tmp_path / "var"
    paths = Paths(var)
    rings = tmp_path / "rings.txt"
    listener = subprocess.Popen([sys.executable, "-c", RECORDER, str(var), str(rings)], cwd=ROOT,
                                stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert listener.stdout.readline().strip() == "ready"
        zone = LandingZone(paths.landing)
        rejected = submit_return(zone, b"", original_name="empty.csv", rocu_code="NEROCU", period="2025-01",
                                 submitted_by="lead.nerocu")
        assert rejected.submission.state == "rejected"
        version = zone.land(b"a,b\n1,2\n", original_name="r.csv", rocu_code="NEROCU", period="2025-02",
                            submitted_by="lead.nerocu")
        query = Problem("query", "fractional_count", "Arrests is 2.5: confirm or correct it", "r.csv", row=2,
                        column="B", value="2")
        zone.registry.record_verdict(version.submission_id, [query],  # the registry itself rings nothing
                                     "accepted_with_queries_or_information")
        answer_query(zone, version.submission_id, queries(zone, version.submission_id)[0].key,
                     "Half an arrest: shared with a neighbouring force.", "lead.nerocu")
        approve(zone, version.submission_id, "approver.nerocu")
        store = ConfigStore.at(paths)
        set_mapping("NEROCU", "Arrests made", "PUR_ARRESTS", 1.0, "count", "", actor="admin",
                    audit=AuditLog.at(paths), store=store)
        assert store.changes()  # written before the ring
        wait_for("four rings", lambda: rings.exists() and len(rings.read_text().splitlines()) == 4, 20)
    finally:
        os.killpg(listener.pid, signal.SIGTERM)
        listener.wait(timeout=20)
    lines = rings.read_text().splitlines()
    assert lines[0] == "NEROCU|2025-01|verdict NEROCU 2025-01 v1|returns"
    assert lines[1] == "NEROCU|2025-02|query_answer NEROCU 2025-02 v1|answers"  # the answers of its month alone
    assert lines[2] == "NEROCU|2025-02|sign-off NEROCU 2025-02 v1|returns"
    assert lines[3].startswith("||") and "NEROCU" in lines[3] and lines[3].endswith("|everything")  # configuration


def wait_for(what: str, check, seconds: float = 300):
    deadline = time.monotonic() + seconds
    while not (found := check()):
        assert time.monotonic() < deadline, f"{what}: not within {seconds:.0f} s"
        time.sleep(0.3)
    return found


@pytest.mark.slow  # runs Dagster jobs
def test_a_verdict_and_a_sign_off_each_refresh_the_published_figures_through_the_worker(built_demo_copy):
    paths = Paths(built_demo_copy)
    home = paths.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "pipelines" / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    env = {**os.environ, "ROCU_VAR_DIR": str(paths.var), "DAGSTER_HOME": str(home)}
    log = (paths.var / "refresh-worker.log").open("w")  # a file, not a pipe nobody reads: Dagster logs a lot
    worker = subprocess.Popen([sys.executable, "-m", "pipelines.orchestration.refresh_worker"], cwd=ROOT, env=env,
                              start_new_session=True, stdout=log, stderr=subprocess.STDOUT)
    instance = DagsterInstance.from_config(str(home))
    try:
        wait_for("the refresh worker answers", lambda: worker.poll() is None and worker_running(paths.var), 180)
        month, original, corrected = corrected_nerocu_return(paths)
        zone = LandingZone(paths.landing)

        def worker_runs() -> list:
            return instance.get_runs(RunsFilter(tags={"rocu/started_by": "refresh_worker"}))

        # Another writer holds the warehouse: the verdict's run starts and waits for it, never fails.
        with writer_lock(paths.warehouse).open("a") as other_writer:
            fcntl.flock(other_writer, fcntl.LOCK_EX)
            verdict = submit_return(zone, corrected.encode(), original_name="NEROCU_corrected.csv",
                                    rocu_code="NEROCU", period=month, submitted_by="lead.nerocu")
            assert verdict.accepted
            first = wait_for("a run for the verdict", worker_runs, 120)[0]
            wait_for("the run waiting for the other writer", lambda: any(
                "waiting for another run" in (e.user_message or "") for e in instance.all_logs(first.run_id)), 120)
            assert instance.get_run_by_id(first.run_id).status == DagsterRunStatus.STARTED
            fcntl.flock(other_writer, fcntl.LOCK_UN)
        assert first.tags["rocu/unit"] == "NEROCU" and first.tags["rocu/month"] == month
        assert first.tags["rocu/trigger"] == f"verdict NEROCU {month} v{verdict.submission.version}"
        done = wait_for("the verdict's run to finish", lambda: (r := instance.get_run_by_id(first.run_id)).is_finished
                        and r, 600)
        assert done.status == DagsterRunStatus.SUCCESS, (paths.var / "refresh-worker.log").read_text()[-3000:]
        assert published_arrests(paths, "NEROCU", month) == original  # awaiting sign-off: old figures stand

        # The run is Dagster's record: materialisations down to the published copy, and the asset checks.
        materialised = {"/".join(e.dagster_event.asset_key.path) for e in instance.all_logs(
            first.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION)}
        assert {"raw/return_values", "published_warehouse"} <= materialised
        checks = instance.all_logs(first.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION)
        assert any(e.dagster_event.event_specific_data.check_name == "only_accepted_content" for e in checks)

        # While the worker answers, the sensor asks for no second run of the same verdict.
        sensed = returns_sensor(build_sensor_context(
            instance=DagsterInstance.ephemeral(), cursor=str(verdict.submission.submission_id - 1),
            resources={"landing": LandingResource(root=str(paths.landing), extracts_dir=str(paths.landing))}))
        assert not sensed.run_requests and isinstance(sensed.skip_reason, SkipReason)
        assert sensed.skip_reason.skip_message == LEFT_TO_WORKER
        assert sensed.cursor.startswith(f"{verdict.submission.submission_id}:")  # verdicts seen:sign-offs seen

        approve(zone, verdict.submission.submission_id, "approver.nerocu")  # rings the worker again
        signed = wait_for("a run for the sign-off", lambda: [r for r in worker_runs()
                                                             if r.tags["rocu/trigger"].startswith("sign-off")], 120)[0]
        done = wait_for("the sign-off's run to finish", lambda: (r := instance.get_run_by_id(signed.run_id)).is_finished
                        and r, 600)
        assert done.status == DagsterRunStatus.SUCCESS
        assert published_arrests(paths, "NEROCU", month) == original + 100
        assert len(worker_runs()) == 2  # one run each: nothing asked twice
        # Both rebuilt what lies downstream of the monthly returns, and nothing else.
        rebuilt = {"/".join(e.dagster_event.asset_key.path) for e in instance.all_logs(
            signed.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION)}
        assert first.tags["rocu/changed"] == signed.tags["rocu/changed"] == RETURNS
        assert {"raw/return_values", "marts/fct_metric_monthly", "published_warehouse"} <= rebuilt
        assert not {"raw/resource_values", "raw/config_label_map", "raw/nocc_queries"} & rebuilt

        # A NOCC query: a run that rebuilds the queries' few models and publishes, not the figures.
        query = raise_query(zone, make_session(paths.var, "nocc_analyst"), unit="NEROCU", metric="PUR_ARRESTS",
                            period_type="month", period=month, value_seen=original + 100,
                            question="Arrests up by a hundred: what happened?")
        asked = wait_for("a run for the query", lambda: [r for r in worker_runs()
                                                         if r.tags["rocu/trigger"].startswith("query_raise")], 120)[0]
        done = wait_for("the query's run to finish", lambda: (r := instance.get_run_by_id(asked.run_id)).is_finished
                        and r, 600)
        assert done.status == DagsterRunStatus.SUCCESS and asked.tags["rocu/changed"] == QUERIES
        rebuilt = {"/".join(e.dagster_event.asset_key.path) for e in instance.all_logs(
            asked.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION)}
        assert {"raw/nocc_queries", "marts/fct_queries", "published_warehouse"} <= rebuilt
        assert not {"raw/return_values", "marts/fct_metric_monthly"} & rebuilt
        con = duckdb.connect(str(paths.published), read_only=True)
        revised = con.execute("select is_revised, value_as_first_submitted from marts.fct_metric_monthly"
                              " where rocu_code='NEROCU' and month=? and metric_id='PUR_ARRESTS'", [month]).fetchone()
        published_queries = [r[0] for r in con.execute("select query_id from marts.fct_queries").fetchall()]
        con.close()
        assert revised == (True, original)  # the first figure is kept beside the one now counted
        assert query.query_id in published_queries
        said = (paths.var / "refresh-worker.log").read_text()
        assert "raw.return_values:" in said and " - DEBUG - " not in said  # what each step did; no event dump
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)
        log.close()
    assert not worker_running(paths.var)

    # A request while the worker is down rings nobody; the worker takes it up from the log when it starts.
    try:
        close_query(zone, query.query_id, make_session(paths.var, "nocc_analyst"), "Explained by the unit.")
        log = (paths.var / "refresh-worker.log").open("a")
        worker = subprocess.Popen([sys.executable, "-m", "pipelines.orchestration.refresh_worker"], cwd=ROOT,
                                  env=env, start_new_session=True, stdout=log, stderr=subprocess.STDOUT)
        taken_up = wait_for("a run for the request asked while the worker was down", lambda: [
            r for r in worker_runs() if "not yet served" in r.tags["rocu/trigger"]], 180)[0]
        assert taken_up.tags["rocu/trigger"].startswith("query_close") and taken_up.tags["rocu/changed"] == QUERIES
        done = wait_for("its run to finish", lambda: (r := instance.get_run_by_id(taken_up.run_id)).is_finished
                        and r, 600)
        assert done.status == DagsterRunStatus.SUCCESS
        con = duckdb.connect(str(paths.published), read_only=True)
        state = con.execute("select state from marts.fct_queries where query_id=?", [query.query_id]).fetchone()
        con.close()
        assert state == ("closed",)
        assert take_up_unserved(Waiting(), paths, instance) == 0  # served: a later start takes nothing up
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)
        log.close()
        instance.dispose()


def sensor_ticks(landing: LandingResource):
    """The returns sensor evaluated as Dagster would, its cursor carried from one tick to the next:
    each call returns the tick's run requests."""
    cursor = None

    def tick() -> list:
        nonlocal cursor
        result = returns_sensor(build_sensor_context(resources={"landing": landing}, cursor=cursor,
                                                     instance=DagsterInstance.ephemeral()))
        cursor = result.cursor
        return result.run_requests or []
    return tick


def test_without_a_worker_the_sensor_asks_for_a_refresh_on_a_sign_off_as_on_a_verdict(tmp_path):
    """A sign-off changes what counts where the window needs one: it refreshes that month, once."""
    landing = LandingResource(root=str(tmp_path / "landing"), extracts_dir=str(tmp_path / "extracts"))
    zone, tick = landing.zone(), sensor_ticks(landing)

    earlier = zone.land(b"a,b\n1,2\n", original_name="old.csv", rocu_code="SWROCU", period="2026-01",
                        submitted_by="lead.swrocu")
    zone.registry.record_verdict(earlier.submission_id, [], "accepted")
    assert tick() == []  # what is there when the sensor starts was loaded by the last build
    version = zone.land(b"a,b\n1,3\n", original_name="new.csv", rocu_code="NEROCU", period="2026-02",
                        submitted_by="lead.nerocu")
    zone.registry.record_verdict(version.submission_id, [], "accepted")
    [verdict] = tick()
    assert (verdict.tags["rocu/unit"], verdict.tags["rocu/month"]) == ("NEROCU", "2026-02")
    assert tick() == []
    zone.registry.approve(version.submission_id, "approver.nerocu", "2026-03-01T09:00:00+00:00")
    zone.registry.approve(earlier.submission_id, "approver.swrocu", "2026-03-01T09:05:00+00:00")
    signed = tick()
    assert sorted((r.tags["rocu/unit"], r.tags["rocu/month"]) for r in signed) == [("NEROCU", "2026-02"),
                                                                                   ("SWROCU", "2026-01")]
    assert verdict.run_key not in {r.run_key for r in signed}  # a new run, not the verdict's run again
    assert tick() == []


def test_without_a_worker_a_verdict_that_ends_after_a_later_versions_is_still_asked_for(tmp_path):
    """Checks end out of order: NEROCU's return lands first, SWROCU's just after it is checked sooner.
    The sensor's cursor stops short of the version still being checked, so NEROCU's verdict asks for
    its refresh when it comes; meanwhile SWROCU's is asked for again by the same run key (Dagster
    starts a key once), never under a new one."""
    landing = LandingResource(root=str(tmp_path / "landing"), extracts_dir=str(tmp_path / "extracts"))
    zone, ticks = landing.zone(), sensor_ticks(landing)

    def tick() -> dict:
        return {(r.tags["rocu/unit"], r.tags["rocu/month"]): r.run_key for r in ticks()}

    seed = zone.land(b"a,b\n1,1\n", original_name="seed.csv", rocu_code="EMSOU", period="2026-01",
                     submitted_by="lead.emsou")
    zone.registry.record_verdict(seed.submission_id, [], "accepted")
    assert tick() == {}
    slow = zone.land(b"a,b\n1,2\n", original_name="large.csv", rocu_code="NEROCU", period="2026-02",
                     submitted_by="lead.nerocu")
    quick = zone.land(b"a,b\n1,3\n", original_name="small.csv", rocu_code="SWROCU", period="2026-02",
                      submitted_by="lead.swrocu")
    zone.registry.record_verdict(quick.submission_id, [], "accepted")
    first = tick()
    assert list(first) == [("SWROCU", "2026-02")]
    assert tick() == first  # asked again while NEROCU's is checked: the same key, so not run twice
    zone.registry.record_verdict(slow.submission_id, [], "accepted")
    after = tick()
    assert after[("NEROCU", "2026-02")] and after.get(("SWROCU", "2026-02")) in (None, first[("SWROCU", "2026-02")])
    assert tick() == {}  # every verdict seen: the cursor moves past them all


def test_without_a_worker_a_sign_off_committed_after_a_later_dated_one_is_still_asked_for(tmp_path):
    """approved_at is taken before the sign-off commits: a sign-off dated earlier can commit after one
    the sensor has already read (or in the same second). The sensor reads sign-offs in the order they
    were committed, so it still asks for that month."""
    landing = LandingResource(root=str(tmp_path / "landing"), extracts_dir=str(tmp_path / "extracts"))
    zone, ticks = landing.zone(), sensor_ticks(landing)
    versions = {}
    for unit in ("NEROCU", "SWROCU"):
        versions[unit] = zone.land(f"a,b\n1,{len(unit)}\n".encode(), original_name=f"{unit}.csv", rocu_code=unit,
                                   period="2026-02", submitted_by=f"lead.{unit.lower()}")
        zone.registry.record_verdict(versions[unit].submission_id, [], "accepted")
    ticks()  # the sensor starts from what is there
    zone.registry.approve(versions["NEROCU"].submission_id, "approver.nerocu", "2026-03-01T09:05:00+00:00")
    assert [r.tags["rocu/unit"] for r in ticks()] == ["NEROCU"]
    zone.registry.approve(versions["SWROCU"].submission_id, "approver.swrocu", "2026-03-01T09:04:59+00:00")
    assert [r.tags["rocu/unit"] for r in ticks()] == ["SWROCU"]
    assert ticks() == []


def test_without_a_worker_an_answer_to_a_query_given_after_sign_off_is_asked_for(tmp_path):
    """A unit's answer to a query on its figure reaches raw.query_answers by a run of its month: with no
    worker to ring, the sensor asks for that run, whenever the answer is given."""
    landing = LandingResource(root=str(tmp_path / "landing"), extracts_dir=str(tmp_path / "extracts"))
    zone, ticks = landing.zone(), sensor_ticks(landing)
    assert ticks() == []  # the sensor starts from what is there: nothing yet
    version = zone.land(b"a,b\n1,2\n", original_name="r.csv", rocu_code="NEROCU", period="2026-02",
                        submitted_by="lead.nerocu")
    query = Problem("query", "fractional_count", "Arrests is 2.5: confirm or correct it", "r.csv", row=2,
                    column="B", value="2.5")
    zone.registry.record_verdict(version.submission_id, [query], "accepted_with_queries_or_information")
    [verdict] = ticks()
    zone.registry.approve(version.submission_id, "approver.nerocu", "2026-03-01T09:00:00+00:00")
    [signed] = ticks()
    assert ticks() == []
    answer_query(zone, version.submission_id, queries(zone, version.submission_id)[0].key,
                 "Half an arrest: shared with a neighbouring force.", "lead.nerocu")
    [answered] = ticks()
    assert (answered.tags["rocu/unit"], answered.tags["rocu/month"]) == ("NEROCU", "2026-02")
    assert len({verdict.run_key, signed.run_key, answered.run_key}) == 3  # each its own run
    assert ticks() == []


def test_a_registry_from_before_the_sign_off_order_keeps_its_sensors_place(tmp_path):
    """An earlier release's registry has no sign_offs_in_order: opening it adds the table with the
    sign-offs in the order that release's sensor read them, so the cursor it left (a count of them)
    still says which it has seen, and a sign-off after the upgrade is asked for."""
    import sqlite3

    landing = LandingResource(root=str(tmp_path / "landing"), extracts_dir=str(tmp_path / "extracts"))
    zone = landing.zone()
    ids = []
    for unit, at in (("NEROCU", "2026-03-01T09:05:00+00:00"), ("SWROCU", "2026-03-01T09:00:00+00:00"),
                     ("EMSOU", "2026-03-02T10:00:00+00:00")):
        version = zone.land(f"a,b\n1,{len(ids)}\n".encode(), original_name="r.csv", rocu_code=unit,
                            period="2026-02", submitted_by=f"lead.{unit.lower()}")
        zone.registry.record_verdict(version.submission_id, [], "accepted")
        zone.registry.approve(version.submission_id, f"approver.{unit.lower()}", at)
        ids.append(version.submission_id)
    with sqlite3.connect(zone.registry.path) as con:  # as the earlier release left it
        con.execute("drop trigger sign_offs_kept_in_order")
        con.execute("drop table sign_offs_in_order")
    zone = LandingZone(zone.root)  # opened by this release
    assert [i for _, i in zone.registry.sign_offs_since(0)] == [ids[1], ids[0], ids[2]]  # approved_at order
    assert zone.registry.last_sign_off() == 3
    later = zone.land(b"a,b\n2,2\n", original_name="r2.csv", rocu_code="WMROCU", period="2026-02",
                      submitted_by="lead.wmrocu")
    zone.registry.record_verdict(later.submission_id, [], "accepted")
    zone.registry.approve(later.submission_id, "approver.wmrocu", "2026-03-01T08:00:00+00:00")
    context = build_sensor_context(resources={"landing": landing}, cursor=f"{later.submission_id}:3",
                                   instance=DagsterInstance.ephemeral())  # the earlier release's cursor
    result = returns_sensor(context)
    assert [r.tags["rocu/unit"] for r in result.run_requests] == ["WMROCU"]
    assert result.cursor == f"{later.submission_id}:4:0"


def test_a_worker_starting_takes_up_the_requests_no_run_has_served(tmp_path):
    """Rings are messages and get lost (the worker down or restarting, its queue gone with it, a failed
    run). The log of requests is not: a starting worker queues those asked since the last run it did not
    start itself, and none once a run has served them."""
    from dagster import Field, job, op

    @op(name="raw_returns", config_schema={"unit": Field(str, default_value=""), "month": Field(str, default_value="")})
    def step() -> None:
        pass

    @op
    def broken_step() -> None:
        raise RuntimeError("a model failed")

    def run(name: str, fails: bool = False, unit: str = "", month: str = "", **tags) -> None:
        """A run of that job, as the instance records one (of one unit-month's returns if named)."""
        def steps() -> None:
            (broken_step if fails else step)()
        config = {"ops": {"raw_returns": {"config": {"unit": unit, "month": month}}}} if not fails else None
        result = job(name=name)(steps).execute_in_process(instance=instance, run_config=config, tags=tags,
                                                          raise_on_error=False)
        assert result.success is not fails

    paths = Paths(tmp_path / "var")
    (tmp_path / "dagster_home").mkdir()
    instance = DagsterInstance.local_temp(str(tmp_path / "dagster_home"))
    ask_for_refresh(paths.var, "verdict NEROCU 2026-01 v1", "NEROCU", "2026-01", changed=RETURNS)
    assert take_up_unserved(Waiting(), paths, instance) == 0  # no run here yet: what is there was built otherwise
    run("build_warehouse", fails=True)
    assert take_up_unserved(Waiting(), paths, instance) == 1  # runs made, none succeeded: nothing was covered
    run("build_warehouse")
    for why, unit, month, changed in (("verdict NEROCU 2026-02 v1", "NEROCU", "2026-02", RETURNS),
                                      ("query_raise 4", "", "", QUERIES)):
        ask_for_refresh(paths.var, why, unit, month, changed=changed)
    waiting = Waiting()
    assert take_up_unserved(waiting, paths, instance) == 2  # not the one the build came after
    waiting.add("NEROCU", "2026-02", "rung as well", RETURNS, request_id=max(waiting.ids))  # the same request
    slice_, changes, reasons = waiting.take()
    assert (slice_, changes) == (("NEROCU", "2026-02"), {RETURNS, QUERIES}) and len(reasons) == 2
    assert all("not yet served" in why for why in reasons)
    mark_served(paths.var, waiting.in_the_run)
    assert take_up_unserved(Waiting(), paths, instance) == 0
    ask_for_refresh(paths.var, "sign-off NEROCU 2026-02 v1", "NEROCU", "2026-02", changed=RETURNS)
    run("refresh_returns", **{"rocu/started_by": "refresh_worker"})  # the worker's run did not serve it
    assert take_up_unserved(waiting := Waiting(), paths, instance) == 1 and waiting.reasons[0].startswith("sign-off")
    run("refresh_returns", unit="SWROCU", month="2026-02")  # a sensor's run of another month
    assert take_up_unserved(Waiting(), paths, instance) == 1
    assert take_up_unserved(Waiting(), paths, instance, leave=waiting.ids) == 0  # a failed run's: left alone
    run("refresh_returns")  # a sensor's run of every return, which covered what was asked before it
    assert take_up_unserved(Waiting(), paths, instance) == 0


def test_without_a_worker_a_failed_refresh_of_one_month_asks_for_a_refresh_of_every_return(tmp_path):
    """A sensor's run of one unit-month that fails may leave anything half rebuilt, and nothing asks
    for that month again until it changes: the failure sensor asks for one whole refresh, as the
    worker does after its own. A whole refresh that fails, or a worker's run, asks for nothing."""
    from dagster import build_run_status_sensor_context

    from pipelines.orchestration.sensors import failed_refresh_sensor

    paths, broken = Paths(tmp_path / "var"), Paths(tmp_path / "broken")
    broken.var.mkdir()
    broken.warehouse.parent.write_text("not a folder")  # no run can write this warehouse
    landing = LandingResource(root=str(paths.landing), extracts_dir=str(paths.landing / "extracts"))
    instance = DagsterInstance.ephemeral()

    def failed(where: Paths, month: str = "", **tags):
        # a month no slice can be fails the run as it starts loading, as a real failure would
        config = {"ops": {"raw_returns": {"config": {"unit": "NEROCU", "month": month}}}} if month else None
        result = build_definitions(where).resolve_job_def("refresh_returns").execute_in_process(
            run_config=config, instance=instance, tags=tags, raise_on_error=False)
        assert not result.success
        return failed_refresh_sensor(build_run_status_sensor_context(
            sensor_name="failed_refresh_sensor", dagster_instance=instance, dagster_run=result.dagster_run,
            dagster_event=result.get_run_failure_event(), resources={"landing": landing}).for_run_failure())

    asked = failed(paths, "last March", **{"rocu/unit": "NEROCU", "rocu/month": "last March"})
    assert isinstance(asked, RunRequest) and asked.run_config in ({}, None)  # no slice: every return
    assert (asked.tags["rocu/unit"], asked.tags["rocu/month"]) == ("all", "all")
    assert asked.run_key.startswith("after-failed-") and "NEROCU last March" in asked.tags["rocu/after_failed"]
    assert isinstance(failed(broken), SkipReason)  # a whole refresh failed: not asked again, no loop
    assert isinstance(failed(paths, "last March", **{"rocu/started_by": "refresh_worker"}), SkipReason)
