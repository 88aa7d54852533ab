"""Configuration an admin changes goes to the deployment's configuration store, never to the tracked
seed files: a running reader sees it without a restart, the audit trail has it with what it
replaced, and a Dagster run with dbt carries it into the warehouse (pipelines/config_store.py)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, DagsterInstance

from pipelines import reference
from pipelines.access import AuditLog
from pipelines.config_store import TABLES, ConfigStore
from pipelines.configure import add_window, set_mapping
from pipelines.intake.standardise.mapping import label_rules
from pipelines.settings import SEEDS_DIR, Paths
from tests.conftest import PASSWORD, make_session

SEED_FILES = [SEEDS_DIR / t.seed for t in TABLES.values()]


def seed_digests() -> dict[Path, str]:
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in SEED_FILES}


def rocu(var: Path, *args: str) -> subprocess.CompletedProcess:
    """`rocu ...` as an admin types it at the server's shell: its own process, not the reader's."""
    env = {**os.environ, "ROCU_VAR_DIR": str(var), "TEST_PASSWORD": PASSWORD}
    return subprocess.run([sys.executable, "-m", "pipelines.cli", *args, "--user", "admin.network",
                           "--password-env", "TEST_PASSWORD"], capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture
def var(tmp_path: Path, monkeypatch) -> Path:
    """A deployment with an admin account; this process reads its configuration like a running server."""
    monkeypatch.setenv("ROCU_VAR_DIR", str(tmp_path))
    make_session(tmp_path, "admin")
    return tmp_path


def test_rocu_mapping_set_goes_to_the_store_and_a_running_reader_sees_it_at_once(var):
    seeds = seed_digests()
    assert "vehicles seized" not in label_rules("NEROCU")  # the reader has read (and cached) the map

    done = rocu(var, "mapping", "set", "--unit", "NEROCU", "--label", "Vehicles seized",
                "--metric", "PUR_OAC_ARRESTS", "--note", "new row in the unit's sheet")
    assert done.returncode == 0, done.stderr
    assert seed_digests() == seeds  # the tracked seed files are byte-identical
    assert label_rules("NEROCU")["vehicles seized"].metric_id == "PUR_OAC_ARRESTS"  # no reload, no restart

    again = rocu(var, "mapping", "set", "--unit", "NEROCU", "--label", "vehicles SEIZED ",
                 "--metric", "PUR_OAC_ARRESTS", "--multiplier", "1000")
    assert again.returncode == 0, again.stderr
    assert label_rules("NEROCU")["vehicles seized"].multiplier == 1000.0
    rows = reference.label_map().filter(reference.pl.col("local_label").str.to_lowercase() == "vehicles seized")
    assert rows.height == 1  # the second change replaced the first, as the key is matched

    first, second = ConfigStore.at(Paths(var)).changes()
    assert (first.actor, first.table, first.before) == ("admin.network", "label_map", None)
    assert second.before == first.after and second.after["multiplier"] == "1000"
    audit = AuditLog.at(Paths(var))
    trail = [r for r in audit.records() if r.action == "mapping_change"]
    assert [(r.actor, r.target) for r in trail] == [("admin.network", "NEROCU: Vehicles seized"),
                                                    ("admin.network", "NEROCU: vehicles SEIZED")]
    assert trail[1].detail == {"before": first.after, "after": second.after, "config_change": 2}
    assert audit.verify() is None
    assert seed_digests() == seeds


def test_rocu_window_add_goes_to_the_store_and_binds_a_running_reader_at_once(var):
    seeds = seed_digests()
    seed_rule = reference.window_for("2027-04")
    done = rocu(var, "window", "add", "--from", "2027-04-01", "--deadline-day", "12", "--no-four-eyes",
                "--description", "longer window")
    assert done.returncode == 0, done.stderr
    assert seed_digests() == seeds
    assert reference.window_for("2027-04")["deadline_working_day"] == "12"
    assert reference.window_for("2027-04")["four_eyes"] == "false"
    assert reference.window_for("2027-03") == seed_rule  # earlier months keep their rule

    twice = rocu(var, "window", "add", "--from", "2027-04-01", "--deadline-day", "8")
    assert twice.returncode == 2 and "A rule already starts on 01 April 2027" in twice.stderr
    assert len(ConfigStore.at(Paths(var)).changes()) == 1  # a refused change records nothing
    last = [r for r in AuditLog.at(Paths(var)).records() if r.action == "window_change"]
    assert len(last) == 1 and last[0].detail["after"]["deadline_working_day"] == "12"
    assert last[0].detail["before"] is None and last[0].actor == "admin.network"
    assert seed_digests() == seeds


def test_a_damaged_store_is_reported_plainly(var):
    store = ConfigStore.at(Paths(var))
    add_window(date(2028, 4, 1), 11, True, "", actor="admin.network", audit=AuditLog.at(Paths(var)), store=store)
    with store.path.open("a") as f:
        f.write("{not json\n")
    with pytest.raises(ValueError, match=r"configuration store \(changes.jsonl\) line 2 is not a configuration"):
        reference.submission_windows()


def test_a_line_still_being_written_is_not_read(var):
    store = ConfigStore.at(Paths(var))
    set_mapping("EMSOU", "Drones recovered", "PUR_ARRESTS", 1, "count", "", actor="admin.network",
                audit=AuditLog.at(Paths(var)), store=store)
    with store.path.open("a") as f:
        f.write('{"seq": 2, "at": "2026-11-25')  # a writer half way through its line
    assert len(store.changes()) == 1
    assert "drones recovered" in label_rules("EMSOU")


@pytest.mark.slow
def test_a_changed_window_and_mapping_reach_the_warehouse_through_dagster_and_dbt(var, monkeypatch):
    """The build job loads the store's effective rows (raw_config) and dbt builds from them: the
    deadline mart follows the new window and the warehouse holds the same rows the intake reads."""
    from pipelines.orchestration.definitions import build_definitions

    audit, store = AuditLog.at(Paths(var)), ConfigStore.at(Paths(var))
    add_window(date(2026, 1, 1), 15, False, "longer window", actor="admin.network", audit=audit, store=store)
    set_mapping("NEROCU", "Vehicles seized", "PUR_OAC_ARRESTS", 1, "count", "", actor="admin.network",
                audit=audit, store=store)
    monkeypatch.setenv("ROCU_WAREHOUSE_PATH", str(Paths(var).warehouse))  # build_definitions sets it
    # Only the configuration's part of the build: dbt runs the tests whose every parent is selected.
    monkeypatch.setenv("DBT_INDIRECT_SELECTION", "cautious")
    defs = build_definitions(Paths(var))
    job = defs.resolve_job_def("build_warehouse")
    config_models = [AssetKey(k) for k in (
        ["raw", "config_label_map"], ["raw", "config_submission_windows"], ["raw", "config_recommendation_status"],
        ["staging", "stg_config__label_map"],
        ["staging", "stg_config__submission_windows"], ["intermediate", "int_submission_deadlines"],
        ["reference", "calendar_months"], ["reference", "bank_holidays"], ["reference", "rocus"],
        ["reference", "metrics"])]
    result = job.execute_in_process(instance=DagsterInstance.ephemeral(), asset_selection=config_models)
    assert result.success

    con = duckdb.connect(str(Paths(var).warehouse), read_only=True)
    try:
        windows = con.execute("select effective_from::varchar, deadline_working_day, approval_required, changed_by "
                              "from staging.stg_config__submission_windows order by effective_from").fetchall()
        deadline = con.execute("select deadline_date::varchar from intermediate.int_submission_deadlines "
                               "where month = '2026-01'").fetchone()[0]
        mapped = con.execute("select metric_id, multiplier, change_seq from staging.stg_config__label_map "
                             "where rocu_code = 'NEROCU' and local_label = 'Vehicles seized'").fetchall()
    finally:
        con.close()
    intake = reference.submission_windows()
    assert [(r[0], r[1]) for r in windows] == [(r["effective_from"], int(r["deadline_working_day"]))
                                              for r in intake.iter_rows(named=True)]
    assert windows[-1] == ("2026-01-01", 15, False, "admin.network")
    assert deadline == "2026-02-20"  # the 15th working day of February 2026 (no bank holidays in it)
    assert mapped == [("PUR_OAC_ARRESTS", 1.0, 2)]


def test_the_refresh_job_reloads_the_configuration(tmp_path, monkeypatch):
    from pipelines.orchestration.definitions import build_definitions, refresh_returns

    monkeypatch.setenv("ROCU_WAREHOUSE_PATH", str(Paths(tmp_path).warehouse))  # build_definitions sets it
    selected = refresh_returns.selection.resolve(build_definitions(Paths(tmp_path)).resolve_asset_graph())
    assert {AssetKey(["raw", "config_label_map"]), AssetKey(["raw", "config_submission_windows"]),
            AssetKey(["staging", "stg_config__submission_windows"]),
            AssetKey(["intermediate", "int_submission_deadlines"])} <= selected
