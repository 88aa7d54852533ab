"""The audit trail: append-only, hash-chained, safe with concurrent writers, safe to export.

Real SQLite files throughout; tampering is done the way an insider would, with the sqlite3
module after dropping the triggers.
"""

from __future__ import annotations

import csv
import json
import multiprocessing
import os
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipelines.access import ACTIONS, AuditLog, export
from pipelines.access.audit import GENESIS_HASH

ROOT = Path(__file__).resolve().parents[1]
T0 = datetime(2025, 3, 12, 9, 0, tzinfo=UTC)


@pytest.fixture
def log(tmp_path: Path) -> AuditLog:
    log = AuditLog(tmp_path / "audit.sqlite")
    for i, action in enumerate(sorted(ACTIONS), start=1):
        log.record(f"user{i}", action, f"target-{i}", {"n": i, "note": "synthetic"}, now=T0)
    return log


def tamper(path: Path, sql: str, *params: object) -> None:
    """What an insider with file access could do: drop the triggers, then change history."""
    with sqlite3.connect(path) as db:
        db.execute("drop trigger audit_no_update")
        db.execute("drop trigger audit_no_delete")
        db.execute(sql, params)


def test_chain_links_every_record_and_verifies(log: AuditLog) -> None:
    records = log.records()
    assert [r.seq for r in records] == list(range(1, len(ACTIONS) + 1))
    assert records[0].prev_hash == GENESIS_HASH
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(records, records[1:]))
    assert records[0].at == "2025-03-12T09:00:00+00:00" and records[0].detail == {"n": 1, "note": "synthetic"}
    assert log.verify() is None
    assert log.head() == (records[-1].seq, records[-1].hash)


def test_empty_trail_verifies(tmp_path: Path) -> None:
    assert AuditLog(tmp_path / "empty.sqlite").verify() is None


@pytest.mark.parametrize("sql", ["update audit set actor = 'someone else' where seq = 3",
                                 "delete from audit where seq = 3"])
def test_triggers_refuse_update_and_delete(log: AuditLog, sql: str) -> None:
    with sqlite3.connect(log.path) as db, pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute(sql)
    assert log.verify() is None and len(log.records()) == len(ACTIONS)


def test_edited_record_is_named_by_verify(log: AuditLog) -> None:
    tamper(log.path, "update audit set detail = ? where seq = 3", json.dumps({"n": 999, "note": "synthetic"}))
    assert log.verify() == 3


def test_edit_with_recomputed_own_hash_is_still_caught_at_the_next_record(log: AuditLog) -> None:
    from pipelines.access.audit import record_hash

    r = log.records()[2]
    forged = record_hash(r.prev_hash, r.seq, r.at, "someone else", r.action, r.target, r.detail)
    tamper(log.path, "update audit set actor = 'someone else', hash = ? where seq = 3", forged)
    assert log.verify() == 4


def test_deleted_record_is_caught(log: AuditLog) -> None:
    tamper(log.path, "delete from audit where seq = 5")
    assert log.verify() == 6


def test_unknown_action_is_refused(log: AuditLog) -> None:
    with pytest.raises(ValueError, match="Unknown audit action"):
        log.record("x", "sign_out", None, {})


def _write_many(path: str, writer: str, count: int, start) -> None:  # noqa: ANN001 (a Barrier proxy)
    """Run in a spawned process: wait until both writers are ready, then record `count` entries."""
    log = AuditLog(Path(path))
    start.wait(120)  # a barrier, not an event: a slow import must not let one writer finish first
    for i in range(count):
        log.record(writer, "upload", f"{writer}-file-{i}.csv", {"i": i})
        time.sleep(0.001)  # let the other writer in, so the two really interleave


def test_concurrent_writers_from_two_processes_keep_one_valid_chain(tmp_path: Path) -> None:
    path = tmp_path / "audit.sqlite"
    AuditLog(path)
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(2)
    workers = [context.Process(target=_write_many, args=(str(path), name, 100, start)) for name in ("proc-a", "proc-b")]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
        assert w.exitcode == 0
    records = AuditLog(path).records()
    assert [r.seq for r in records] == list(range(1, 201))
    actors = [r.actor for r in records]
    assert actors.count("proc-a") == actors.count("proc-b") == 100
    assert sum(a != b for a, b in zip(actors, actors[1:])) > 1  # they did write in turns
    assert AuditLog(path).verify() is None


def test_csv_export_neutralises_formulas(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.sqlite")
    log.record("=HYPERLINK(\"http://evil\")", "upload", "+44 20 7946 0000", {"x": 1})
    log.record("@SUM(A1)", "export", "-1", {"x": 2})
    log.record("\tTAB", "report", "plain target", {"x": 3})
    out = tmp_path / "out" / "audit.csv"
    assert export(out, "csv", log=log) == 3
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["actor"] for r in rows] == ["'=HYPERLINK(\"http://evil\")", "'@SUM(A1)", "'\tTAB"]
    assert [r["target"] for r in rows] == ["'+44 20 7946 0000", "'-1", "plain target"]
    assert json.loads(rows[0]["detail"]) == {"x": 1} and rows[0]["hash"] == log.records()[0].hash


def test_json_export_round_trips_and_is_itself_audited(log: AuditLog, tmp_path: Path) -> None:
    count = len(log.records())
    out = tmp_path / "audit.json"
    assert export(out, "json", log=log, actor="analyst1") == count
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [r["seq"] for r in data] == list(range(1, count + 1)) and data[0]["detail"]["note"] == "synthetic"
    last = log.records()[-1]
    assert (last.actor, last.action, last.detail["format"]) == ("analyst1", "export", "json")
    with pytest.raises(ValueError, match="Unknown export format"):
        export(out, "xml", log=log)  # type: ignore[arg-type]


def rocu(args: list[str], var: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipelines.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "ROCU_VAR_DIR": str(var)}, timeout=120)


def test_cli_audit_verify_export_and_tail(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "access" / "audit.sqlite")  # where Paths(var) puts it
    for i in range(25):
        log.record("lead1", "upload", f"EMSOU-2025-03-v{i}.xlsx", {"rows": i})
    ok = rocu(["audit", "verify"], tmp_path)
    assert ok.returncode == 0 and "intact: 25 records" in ok.stdout
    tail = rocu(["audit", "tail", "-n", "3"], tmp_path).stdout.splitlines()
    assert len(tail) == 3 and "EMSOU-2025-03-v24.xlsx" in tail[-1]
    exported = rocu(["audit", "export", "--out", str(tmp_path / "trail.json"), "--by", "auditor"], tmp_path)
    assert exported.returncode == 0 and len(json.loads((tmp_path / "trail.json").read_text())) == 25
    assert log.records()[-1].actor == "auditor"

    tamper(log.path, "update audit set target = 'other.xlsx' where seq = 7")
    broken = rocu(["audit", "verify"], tmp_path)
    assert broken.returncode == 1 and "broken at record 7" in broken.stderr
