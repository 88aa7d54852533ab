"""Taking returns in: verdicts, versions, the CLI, the sensor and sliced reloads, on the real stack."""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance, RunStatusSensorDefinition, build_sensor_context, materialize

from pipelines.orchestration.assets.raw_returns import raw_returns
from pipelines.cli import main as rocu
from pipelines.intake.api import answer_query, approve, open_queries
from pipelines.intake.service import submit_return
from pipelines.orchestration.refresh_worker import RELOADS
from pipelines.refresh_request import RETURNS
from pipelines.intake.land.zone import LandingZone
from pipelines.orchestration.resources import LandingResource, Supersession, WarehouseResource
from pipelines.orchestration.definitions import build_definitions
from pipelines.settings import Paths
from tests.conftest import generate_demo

TODAY = date(2026, 11, 24)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    return generate_demo(tmp_path_factory.mktemp("demo"), 4)


def manifest(demo: Path, **match) -> list[dict]:
    with (demo / "manifest.csv").open() as f:
        return [r for r in csv.DictReader(f) if r["path"] and all(r[k] == v for k, v in match.items())]


def submit(zone, path: Path, unit: str, period: str, content: bytes | None = None):
    return submit_return(zone, content if content is not None else path.read_bytes(), original_name=path.name,
                         rocu_code=unit, period=period, submitted_by="lead", today=TODAY)


def test_correct_and_resubmit_supersedes_and_keeps_both(demo, tmp_path):
    zone = LandingZone(tmp_path)
    row = manifest(demo, rocu_code="NEROCU")[-1]
    path = demo / row["path"]
    text = path.read_text()
    first = submit(zone, path, "NEROCU", row["period"])
    arrests = next(line for line in text.splitlines() if ",Arrests," in line)
    corrected = text.replace(arrests, arrests.rsplit(",", 1)[0] + ",999")
    second = submit(zone, path, "NEROCU", row["period"], corrected.encode())
    again = submit(zone, path, "NEROCU", row["period"], corrected.encode())
    assert first.accepted and second.accepted
    assert second.submission.version == 2
    assert zone.registry.get(first.submission.submission_id).state == "superseded"
    assert again.resent_of.submission_id == second.submission.submission_id and again.submission.version == 3
    assert "same file as version 2" in again.summary()
    assert zone.registry.get(second.submission.submission_id).state == "superseded"  # by its re-checked twin
    assert len(zone.registry.submissions()) == 3
    values = {i: (tmp_path / "standardised" / f"{i}.values.parquet") for i in
              (first.submission.submission_id, second.submission.submission_id)}
    import polars as pl
    v1, v2 = (pl.read_parquet(p).filter(pl.col("local_label") == "Arrests")["value"].to_list() for p in values.values())
    assert 999.0 in v2 and 999.0 not in v1  # both versions' figures kept, nothing silently changed


def test_cli_submit_prints_verdict_and_exits_non_zero_on_rejection(demo, tmp_path, monkeypatch, capsys):
    from tests.conftest import PASSWORD, make_session

    monkeypatch.setenv("ROCU_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("TEST_PASSWORD", PASSWORD)
    for role, unit in [("unit_submitter", "EMSOU"), ("unit_submitter", "NEROCU"), ("nocc_analyst", None)]:
        make_session(tmp_path, role, unit)

    def as_user(name: str, *args: str) -> int:
        return rocu([*args, "--user", name, "--password-env", "TEST_PASSWORD"])

    good = manifest(demo, rocu_code="EMSOU")[0]
    late = ["--reason", "The demo's months are past their deadlines."]
    assert as_user("unit_submitter.emsou", "submit", str(demo / good["path"]), "--unit", "EMSOU",
                   "--period", good["period"], *late) == 0
    out = capsys.readouterr().out
    assert out.startswith("ACCEPTED") and "EMSOU" in out
    bad = tmp_path / "bad.csv"
    bad.write_text("Period,Force,Measure,Value\n2025-09,Regional,Arrests,-3\n")
    assert as_user("unit_submitter.emsou", "submit", str(bad), "--unit", "NEROCU", "--period", "2025-09") == 1
    assert "does not allow you to" in capsys.readouterr().err  # not for another unit
    assert as_user("unit_submitter.nerocu", "submit", str(bad), "--unit", "NEROCU", "--period", "2025-09", *late) == 1
    out = capsys.readouterr().out
    assert out.startswith("REJECTED") and "row 2, column D" in out and "'-3'" in out
    assert as_user("nocc_analyst.network", "status") == 0
    status = capsys.readouterr().out
    assert "EMSOU" in status and "rejected" in status and "2 submissions" in status
    assert as_user("unit_submitter.emsou", "status") == 0  # a unit sees its own submissions only
    assert "NEROCU" not in capsys.readouterr().out
    monkeypatch.setenv("TEST_PASSWORD", "wrong password entirely")
    assert as_user("nocc_analyst.network", "status") == 3  # not signed in


def test_sensor_ticks_only_ask_for_runs_and_the_runs_take_the_inbox_in(demo, tmp_path):
    """A tick lists the inbox and reads the registry, nothing more: parsing, Great Expectations and
    moving files happen in a `take_in_inbox` run; each new verdict then asks for one refresh."""
    paths = Paths(tmp_path)
    landing = LandingResource(root=str(paths.landing), extracts_dir=str(paths.landing / "extracts"))
    earlier = manifest(demo, rocu_code="EMSOU")[0]  # already there when the sensors are switched on
    submit(landing.zone(), demo / earlier["path"], "EMSOU", earlier["period"])
    rows = manifest(demo, rocu_code="SWROCU")[:2]
    inbox = paths.landing / "inbox" / "SWROCU"
    inbox.mkdir(parents=True)
    for row in rows:
        shutil.copy(demo / row["path"], inbox)
        # the demo's months are past their deadlines: a reason beside each (workflow.submit's rule)
        (inbox / f"{Path(row['path']).name}.submission-reason.txt").write_text("Sent late (test).")
    defs = build_definitions(paths)
    cursors: dict[str, str | None] = {}

    def tick() -> dict[str, list]:
        """Evaluate every polling sensor once, as the daemon would; the run requests of each, by job
        (a run status sensor is evaluated on a run's end, and none ends here)."""
        requested = {}
        for sensor in (s for s in defs.sensors if not isinstance(s, RunStatusSensorDefinition)):
            context = build_sensor_context(resources={"landing": landing}, cursor=cursors.get(sensor.name),
                                           instance=DagsterInstance.ephemeral())
            result = sensor(context)
            cursors[sensor.name] = getattr(result, "cursor", None) or context.cursor
            for request in _run_requests(result):
                requested.setdefault(request.job_name or sensor.job_name, []).append(request)
        return requested

    first = tick()
    assert len(list(inbox.iterdir())) == 4  # untouched
    assert len(landing.zone().registry.submissions()) == 1  # nothing submitted by a tick
    assert list(first) == ["take_in_inbox"] and len(first["take_in_inbox"]) == 1
    again = tick()  # the same files still waiting ask for the same run (Dagster starts a run key once)
    assert [r.run_key for r in again.get("take_in_inbox", [])] == [first["take_in_inbox"][0].run_key]

    run = defs.resolve_job_def("take_in_inbox").execute_in_process(instance=DagsterInstance.ephemeral())
    assert run.success
    assert not list(inbox.iterdir())  # taken in and moved aside, kept under .taken
    taken = sorted(p.name for p in (inbox.parent / ".taken" / "SWROCU").iterdir())
    assert taken == sorted(n for r in rows for n in (Path(r["path"]).name, f"{Path(r['path']).name}.submission-reason.txt"))

    second = tick()
    assert list(second) == ["refresh_returns"]  # the inbox is empty: no take-in asked for
    refreshes = second["refresh_returns"]
    assert sorted(r.tags["rocu/month"] for r in refreshes) == sorted(r["period"] for r in rows)
    assert {r.tags["rocu/unit"] for r in refreshes} == {"SWROCU"}  # no run for what was there before
    assert refreshes[0].run_config["ops"]["raw_returns"]["config"]["unit"] == "SWROCU"
    assert tick() == {}


def _run_requests(result) -> list:
    if result is None:
        return []
    if isinstance(result, list):
        return result
    return list(getattr(result, "run_requests", None) or ([result] if hasattr(result, "run_key") else []))



def load_raw_returns(landing: LandingResource, warehouse: Path, **month) -> None:
    """raw_returns materialised into `warehouse` (one unit-month's slice if `month` names it)."""
    resources = {"landing": landing, "superseded": Supersession(),
                 "warehouse": WarehouseResource(path=str(warehouse), published_path=str(warehouse) + ".pub")}
    config = {"ops": {"raw_returns": {"config": month}}} if month else None
    assert materialize([raw_returns], resources=resources, instance=DagsterInstance.ephemeral(),
                       run_config=config).success


def raw_tables(warehouse: Path) -> dict[str, list[tuple]]:
    """Every monthly raw table's rows (without loaded_at), in a stable order."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {t: sorted(con.sql(f"select * exclude (loaded_at) from raw.{t}").fetchall(), key=repr)
                for t in RELOADS[RETURNS]}
    finally:
        con.close()


def columns_of(warehouse: Path, table: str) -> list[str]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.sql(f"select * exclude (loaded_at) from raw.{table}").columns
    finally:
        con.close()

@pytest.mark.slow  # runs Dagster jobs
def test_reloading_one_unit_month_replaces_only_that_slice(demo, tmp_path):
    paths = Paths(tmp_path)
    zone = LandingZone(paths.landing)
    for row in manifest(demo, rocu_code="NEROCU")[:2] + manifest(demo, rocu_code="EMSOU")[:1]:
        submit(zone, demo / row["path"], row["rocu_code"], row["period"])
    resources = {"landing": LandingResource(root=str(paths.landing), extracts_dir=str(paths.landing / "x")),
                 "warehouse": WarehouseResource(path=str(paths.warehouse), published_path=str(paths.published)),
                 "superseded": Supersession()}  # no refresh worker: no request ever covers the run

    def counts():
        con = duckdb.connect(str(paths.warehouse), read_only=True)
        try:
            return dict(con.sql("select rocu_code || ' ' || period, count(*) from raw.return_values group by 1")
                        .fetchall())
        finally:
            con.close()

    assert materialize([raw_returns], resources=resources, instance=DagsterInstance.ephemeral()).success
    full = counts()
    assert len(full) == 3
    ne_month = manifest(demo, rocu_code="NEROCU")[0]["period"]
    for _ in range(2):  # twice: a rerun never duplicates
        run = materialize([raw_returns], resources=resources, instance=DagsterInstance.ephemeral(),
                          run_config={"ops": {"raw_returns": {"config": {"unit": "NEROCU", "month": ne_month}}}})
        assert run.success
        assert counts() == full


@pytest.mark.slow  # runs Dagster jobs
def test_one_unit_months_reload_leaves_every_monthly_table_as_reloading_everything_would(demo, tmp_path):
    """A run for one unit-month replaces that unit-month's rows of every monthly table, the registry's
    mirror included, and reads no others (its cost does not grow with history): every change to the
    registry rings a run of its own unit-month, so afterwards each table holds what a whole reload would."""
    paths = Paths(tmp_path)
    zone = LandingZone(paths.landing)
    (ne_before, ne), em = manifest(demo, rocu_code="NEROCU")[:2], manifest(demo, rocu_code="EMSOU")[0]
    for row in (ne_before, ne, em):
        submit(zone, demo / row["path"], row["rocu_code"], row["period"])
    landing = LandingResource(root=str(paths.landing), extracts_dir=str(paths.landing / "x"))

    load_raw_returns(landing, paths.warehouse)
    before = raw_tables(paths.warehouse)
    # Then, for NEROCU's second month: a corrected version (a jump in arrests the checks query), its query
    # answered, the version signed off, and a file the checks reject; each rings that unit-month's run.
    path = demo / ne["path"]
    text = path.read_text()
    arrests = next(line for line in text.splitlines() if ",Arrests," in line)
    corrected = submit(zone, path, "NEROCU", ne["period"], text.replace(arrests, arrests.rsplit(",", 1)[0]
                                                                         + ",9999").encode())
    assert (asked := open_queries(zone, corrected.submission))
    for query in asked:
        answer_query(zone, corrected.submission.submission_id, query.key, "a large operation ended", "lead")
    approve(zone, corrected.submission.submission_id, "approver")
    assert not submit(zone, path, "NEROCU", ne["period"], b"not a return at all").accepted
    load_raw_returns(landing, paths.warehouse, unit="NEROCU", month=ne["period"])
    load_raw_returns(landing, tmp_path / "whole.duckdb")
    after = raw_tables(paths.warehouse)
    assert after == raw_tables(tmp_path / "whole.duckdb")
    for table in ("submissions", "approvals", "query_answers", "return_values"):
        assert after[table] != before[table], table  # each change reached the table it belongs in
    untouched = {r for r in before["submissions"] if (r[1], r[2]) != ("NEROCU", ne["period"])}
    assert untouched and untouched <= set(after["submissions"])



@pytest.mark.slow  # runs Dagster jobs
def test_a_slice_its_raw_tables_cannot_take_reloads_every_return(demo, tmp_path):
    """A run for one unit-month keeps every other unit-month's rows, so it can only write into raw
    tables that are there with the columns it brings. Into a warehouse not loaded yet, or one whose
    tables an earlier release wrote with other columns, it reloads every return: never one month's
    rows alone, never a run failing until someone reloads by hand."""
    paths = Paths(tmp_path)
    zone = LandingZone(paths.landing)
    rows = manifest(demo, rocu_code="NEROCU")[:2] + manifest(demo, rocu_code="EMSOU")[:1]
    for row in rows:
        submit(zone, demo / row["path"], row["rocu_code"], row["period"])
    approve(zone, zone.registry.submissions(rocu_code="EMSOU")[0].submission_id, "approver")
    landing = LandingResource(root=str(paths.landing), extracts_dir=str(paths.landing / "x"))
    one_month = {"unit": "NEROCU", "month": rows[0]["period"]}

    def tables(warehouse: Path) -> dict[str, tuple[list[str], list[tuple]]]:
        return {t: (columns_of(warehouse, t), rows) for t, rows in raw_tables(warehouse).items()}

    load_raw_returns(landing, tmp_path / "whole.duckdb")
    whole = tables(tmp_path / "whole.duckdb")
    assert {r[1] for r in whole["submissions"][1]} == {"NEROCU", "EMSOU"} and whole["approvals"][1]
    load_raw_returns(landing, paths.warehouse, **one_month)  # nothing loaded yet
    assert tables(paths.warehouse) == whole
    con = duckdb.connect(str(paths.warehouse))
    try:  # as a release with other columns left them
        con.execute("alter table raw.return_values drop column source_column")
        con.execute("alter table raw.approvals add column signed_with varchar")
        con.execute("delete from raw.approvals")
    finally:
        con.close()
    load_raw_returns(landing, paths.warehouse, **one_month)
    assert tables(paths.warehouse) == whole


def test_cli_approval_checks_password_role_and_unit_and_is_audited(demo, tmp_path, monkeypatch, capsys):
    import io

    from pipelines.access import AuditLog, UserStore

    monkeypatch.setenv("ROCU_VAR_DIR", str(tmp_path))
    paths = Paths(tmp_path)
    store = UserStore.at(paths)
    store.add("approver.ne", "a long enough secret", "unit_approver", "NEROCU", actor="admin")
    store.add("approver.em", "a long enough secret", "unit_approver", "EMSOU", actor="admin")
    store.add("lead.ne", "a long enough secret", "unit_submitter", "NEROCU", actor="admin")
    row = manifest(demo, rocu_code="NEROCU")[0]
    verdict = submit(LandingZone(paths.landing), demo / row["path"], "NEROCU", row["period"])
    sid = str(verdict.submission.submission_id)

    def approve_as(user, password="a long enough secret"):
        monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
        return rocu(["approve", sid, "--user", user])

    assert approve_as("approver.ne", "wrong password!!") == 3  # not signed in
    assert approve_as("lead.ne") == 1  # a submitter cannot sign off
    assert approve_as("approver.em") == 1  # another unit's approver cannot either
    assert LandingZone(paths.landing).registry.approvals() == []
    assert approve_as("approver.ne") == 0
    assert "APPROVED" in capsys.readouterr().out
    assert LandingZone(paths.landing).registry.approvals()[0]["approved_by"] == "approver.ne"
    actions = [(r.actor, r.action) for r in AuditLog.at(paths).tail(50)]
    assert ("lead", "upload") in actions and ("intake", "verdict") in actions
    assert ("approver.ne", "approval") in actions and ("approver.ne", "sign_in_failure") in actions
    assert AuditLog.at(paths).verify() is None


def test_demo_accounts_cover_every_role_and_sign_in(tmp_path, monkeypatch, capsys):
    from pipelines.access import Session, UserStore, authenticate

    monkeypatch.setenv("ROCU_VAR_DIR", str(tmp_path))
    assert rocu(["demo", "accounts"]) == 0
    password = (tmp_path / "demo-accounts.txt").read_text().split("password: ")[1].split()[0]
    assert password not in Path(__file__).read_text()
    store = UserStore.at(Paths(tmp_path))
    roles = {u.role for u in store.users()}
    assert roles == {"unit_submitter", "unit_approver", "nocc_analyst", "board_member", "admin"}
    session = authenticate("lead.emsou", password, store=store)
    assert isinstance(session, Session) and session.rocu_code == "EMSOU"
    assert rocu(["demo", "accounts"]) == 0  # a second run keeps the same accounts and password
    assert f"password: {password}" in capsys.readouterr().out


def test_mapping_and_window_changes_are_for_admins_checked_and_audited(tmp_path, monkeypatch, capsys):
    from datetime import date

    from pipelines.access import AuditLog
    from pipelines.config_store import ConfigStore
    from pipelines.configure import add_window, set_mapping
    from tests.conftest import PASSWORD, make_session

    monkeypatch.setenv("ROCU_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("TEST_PASSWORD", PASSWORD)
    make_session(tmp_path, "admin")
    make_session(tmp_path, "nocc_analyst")
    args = ["mapping", "set", "--unit", "NEROCU", "--label", "Vehicles seized", "--metric", "PUR_OAC_ARRESTS"]
    assert rocu([*args, "--user", "nocc_analyst.network", "--password-env", "TEST_PASSWORD"]) == 1  # not an admin
    store = ConfigStore.at(Paths(tmp_path))  # the deployment's store; the tracked seeds are never written
    assert store.changes() == []
    log = AuditLog.at(Paths(tmp_path))
    row = set_mapping("NEROCU", "Vehicles seized", "PUR_OAC_ARRESTS", 1, "count", "", actor="admin.network",
                      audit=log, store=store)
    with pytest.raises(ValueError, match="not a metric"):
        set_mapping("NEROCU", "x", "NO_SUCH_METRIC", 1, "count", "", actor="a", audit=log, store=store)
    add_window(date(2027, 4, 1), 12, True, "longer window", actor="admin.network", audit=log, store=store)
    with pytest.raises(ValueError, match="already starts"):
        add_window(date(2027, 4, 1), 8, True, "", actor="a", audit=log, store=store)
    assert [(c.table, c.actor) for c in store.changes()] == [("label_map", "admin.network"),
                                                             ("submission_windows", "admin.network")]
    changes = [(r.action, r.actor) for r in log.records() if r.action in ("mapping_change", "window_change")]
    assert changes == [("mapping_change", "admin.network"), ("window_change", "admin.network")]
    assert log.records()[-1].detail["after"]["deadline_working_day"] == "12"
    assert row["metric_id"] == "PUR_OAC_ARRESTS" and log.verify() is None


def test_stored_values_are_read_in_one_pass_and_an_earlier_releases_types_still_load(tmp_path):
    """A unit-month's versions' stored values are read together (at scale, a thousand files at once);
    a file written with other types or fewer columns (an earlier release's) is still read, cast."""
    import polars as pl

    from pipelines.intake.api import VALUES_SCHEMA
    from pipelines.orchestration.assets.raw_returns import SCHEMAS, ReturnsSlice, slice_filter, table_reads

    zone = LandingZone(tmp_path)
    ids = []
    for n in range(3):
        sub = zone.land(f"return {n}\n".encode(), original_name="r.csv", rocu_code="NEROCU", period="2025-03",
                        submitted_by="lead")
        zone.registry.record_verdict(sub.submission_id, [], "accepted")
        ids.append(sub.submission_id)
    (tmp_path / "standardised").mkdir()
    row = {"rocu_code": "NEROCU", "period": "2025-03", "metric_id": "PUR_ARRESTS", "force_code": None, "value": 1.0,
           "local_label": "Arrests", "raw_value": "1", "source_sheet": "Data", "source_row": 2, "source_column": "C"}
    for i, sub_id in enumerate(ids):
        frame = pl.DataFrame([{**row, "value": float(i)}], schema=VALUES_SCHEMA).with_columns(
            submission_id=pl.lit(sub_id, pl.Int64))
        if i == 0:  # an earlier release: a narrower integer, and no force column
            frame = frame.drop("force_code").with_columns(pl.col("source_row").cast(pl.Int32))
        frame.write_parquet(tmp_path / "standardised" / f"{sub_id}.values.parquet")
    month = ReturnsSlice(unit="NEROCU", month="2025-03")

    def read() -> pl.DataFrame:
        got = table_reads(zone, month, slice_filter(month))[2]["return_values"]
        assert got.replaces == "rocu_code = 'NEROCU' and period = '2025-03'"  # only that unit-month's rows replaced
        return got.rows()

    frame = read()  # the earlier release's file among them: each file read and cast
    assert frame["submission_id"].to_list() == ids and frame["value"].to_list() == [0.0, 1.0, 2.0]
    assert frame.schema == SCHEMAS["return_values"] and frame["force_code"].to_list() == [None, None, None]
    (tmp_path / "standardised" / f"{ids[0]}.values.parquet").unlink()
    frame = read()  # this release's files only: one read of them all
    assert frame["submission_id"].to_list() == ids[1:] and frame.schema == SCHEMAS["return_values"]
