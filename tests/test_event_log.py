"""The refresh worker's event log: Dagster's SQLite files, written through connections kept open."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import sqlalchemy
from dagster import (AssetCheckResult, AssetCheckSpec, AssetKey, DagsterEventType, DagsterInstance,
                     MaterializeResult, asset, define_asset_job, Definitions)

from pipelines.orchestration.event_log import SHARDS_KEPT_OPEN, kept_open_instance

ROOT = Path(__file__).resolve().parents[1]


@asset(check_specs=[AssetCheckSpec("has_rows", asset="figures")])
def figures():
    yield MaterializeResult(metadata={"rows": 3})
    yield AssetCheckResult(check_name="has_rows", passed=True)


def open_event_files(base_dir: Path) -> set[str]:
    """The event log databases this process holds open (each with its -wal and -shm beside it)."""
    held = set()
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith(str(base_dir)) and target.endswith(".db"):
            held.add(Path(target).name)
    return held


def test_runs_through_kept_open_files_read_back_in_full_with_dagsters_own_storage(tmp_path, monkeypatch):
    from dagster._core.storage.event_log.sqlite import sqlite_event_log

    engines_of_its_own = []  # Dagster's classes make one for each `has_table` (asked per asset check event)
    made = sqlite_event_log.create_engine
    monkeypatch.setattr(sqlite_event_log, "create_engine", lambda *a, **k: engines_of_its_own.append(a) or made(*a, **k))
    questions = []  # what Dagster asks of the schema on each asset event: a column of asset_keys, a finished migration

    def asked(conn, cursor, statement, *_):
        if 'table_xinfo("asset_keys")' in statement or "FROM secondary_indexes" in statement:
            questions.append(statement)

    sqlalchemy.event.listen(sqlalchemy.Engine, "before_cursor_execute", asked)
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "pipelines" / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    job = Definitions(assets=[figures], jobs=[define_asset_job("make_figures")]).resolve_job_def("make_figures")
    worker = kept_open_instance(home)
    base_dir = Path(worker.event_log_storage._base_dir)
    try:
        try:
            runs = [job.execute_in_process(instance=worker)]
            first, first_questions = len(engines_of_its_own), len(questions)
            runs += [job.execute_in_process(instance=worker) for _ in range(SHARDS_KEPT_OPEN + 2)]
        finally:
            sqlalchemy.event.remove(sqlalchemy.Engine, "before_cursor_execute", asked)
        assert all(r.success for r in runs)
        # later runs' events, checks included, make no engine of their own: their questions were answered once
        assert len(engines_of_its_own) == first
        assert first_questions > 0 and len(questions) == first_questions
        # a long-lived worker holds the index and the latest runs open, not every run it ever made
        held = open_event_files(base_dir)
        assert "index.db" in held and len(held) <= SHARDS_KEPT_OPEN
        assert f"{runs[-1].run_id}.db" in held and f"{runs[0].run_id}.db" not in held
        with worker.event_log_storage.index_connection() as conn:  # commits wait for no fsync
            assert conn.exec_driver_sql("pragma synchronous").scalar() == 1  # NORMAL
            assert conn.exec_driver_sql("pragma journal_mode").scalar() == "wal"
    finally:
        worker.dispose()
    assert not open_event_files(base_dir)

    ui = DagsterInstance.from_config(str(home))  # what the Dagster UI and daemon read, with Dagster's class
    try:
        assert type(ui.event_log_storage).__name__ == "SqliteEventLogStorage"
        for run in runs:
            assert ui.get_run_by_id(run.run_id).is_success
            kinds = {e.dagster_event_type for e in ui.all_logs(run.run_id) if e.is_dagster_event}
            assert {DagsterEventType.ASSET_MATERIALIZATION, DagsterEventType.ASSET_CHECK_EVALUATION,
                    DagsterEventType.RUN_SUCCESS} <= kinds
        latest = ui.get_latest_materialization_event(AssetKey("figures"))  # the cross-run index
        assert latest.run_id == runs[-1].run_id
        assert latest.asset_materialization.metadata["rows"].value == 3
    finally:
        ui.dispose()


def many_figures(count: int) -> list:
    """`count` assets like `figures`, each with its check."""
    def made(name: str):
        @asset(name=name, check_specs=[AssetCheckSpec("has_rows", asset=name)])
        def figure():
            yield MaterializeResult(metadata={"rows": 3})
            yield AssetCheckResult(check_name="has_rows", passed=True)
        return figure
    return [made(f"figures_{i}") for i in range(count)]


def test_a_runs_planned_events_are_stored_in_one_transaction_a_file_and_read_back_by_dagsters_own_storage(
        tmp_path, monkeypatch):
    """The refresh worker's runs hand their planned events (one per asset and check) over as one batch;
    they are stored together, so a run's start commits as often for twelve assets as for one, and they
    read back as if stored one by one."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "pipelines" / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    planned = (DagsterEventType.ASSET_MATERIALIZATION_PLANNED, DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED)
    commits = []

    def committed(conn) -> None:
        commits.append(conn)

    def started(assets: list, batched: str) -> tuple[str, int]:
        """A run of `assets` created (its planned events stored): its id, and the commits it took."""
        monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", batched)
        job = Definitions(assets=assets, jobs=[define_asset_job("make")]).resolve_job_def("make")
        worker = kept_open_instance(home)
        try:
            commits.clear()
            run = worker.create_run_for_job(job, asset_selection=frozenset(a.key for a in assets))
            return run.run_id, len(commits)
        finally:
            worker.dispose()

    sqlalchemy.event.listen(sqlalchemy.Engine, "commit", committed)
    try:
        one = {batched: started(many_figures(1), batched) for batched in ("0", "1000")}
        twelve = {batched: started(many_figures(12), batched) for batched in ("0", "1000")}
    finally:
        sqlalchemy.event.remove(sqlalchemy.Engine, "commit", committed)
    assert twelve["1000"][1] == one["1000"][1]  # one batch, however many events
    assert twelve["0"][1] >= one["0"][1] + 4 * 11  # Dagster's way: transactions for each event
    ui = DagsterInstance.from_config(str(home))
    try:
        def stored(run_id: str) -> list[tuple]:
            return sorted((e.dagster_event_type.value, (e.dagster_event.asset_key or e.dagster_event.event_specific_data
                                                        .asset_check_key.asset_key).to_user_string())
                          for e in ui.all_logs(run_id) if e.is_dagster_event and e.dagster_event_type in planned)
        assert stored(twelve["1000"][0]) == stored(twelve["0"][0])
        assert len(stored(twelve["1000"][0])) == 24
        # in the cross-run index too, as the asset's page and the daemon read it
        record = ui.get_latest_planned_materialization_info(AssetKey("figures_11"))
        assert record is not None and record.run_id == twelve["1000"][0]
    finally:
        ui.dispose()
