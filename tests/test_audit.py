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


# --- Anchors: the chain head written down outside the trail, so a full rewrite shows ---------------

def rewrite_from(path: Path, seq: int, actor: str = "someone else") -> None:
    """What an insider who knows the hash rule could do: change one old record and recompute every
    later hash, so the chain on its own still verifies."""
    from pipelines.access.audit import record_hash

    tamper(path, "select 1")  # drops the triggers
    with sqlite3.connect(path) as db:
        rows = db.execute("select seq, at, actor, action, target, detail, prev_hash from audit "
                          "where seq >= ? order by seq", (seq,)).fetchall()
        prev = rows[0][6]
        for s, at, who, action, target, detail, _ in rows:
            who = actor if s == seq else who
            digest = record_hash(prev, s, at, who, action, target, json.loads(detail))
            db.execute("update audit set actor = ?, prev_hash = ?, hash = ? where seq = ?", (who, prev, digest, s))
            prev = digest


@pytest.fixture
def anchored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A deployment's trail (var = tmp_path) with anchors taken at records 4 and 12, then 8 more records."""
    from pipelines.access.anchors import anchor_head, default_log_path
    from pipelines.settings import Paths

    monkeypatch.setenv("ROCU_VAR_DIR", str(tmp_path))
    log = AuditLog.at(Paths(tmp_path))
    anchors = []
    for i in range(1, 21):
        log.record("lead1", "upload", f"EMSOU 2025-03 v{i}", {"i": i})
        if i in (4, 12):
            anchors.append(anchor_head(log, default_log_path(Paths(tmp_path)), f"build {i}"))
    return log, anchors


def verify_cli(capsys: pytest.CaptureFixture, *extra: str) -> tuple[int, str, str]:
    from pipelines.cli import main as rocu_main

    code = rocu_main(["audit", "verify", *extra])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_anchor_head_appends_one_line_and_never_rewrites_the_log(anchored) -> None:
    from pipelines.access.anchors import default_log_path, read_anchor_log
    from pipelines.settings import Paths

    log, (first, second) = anchored
    path = default_log_path(Paths(log.path.parent.parent))
    lines = path.read_text().splitlines()
    assert len(lines) == 2 and oct(path.stat().st_mode & 0o777) == "0o600"
    line = json.loads(lines[0])
    assert (line["seq"], line["hash"], line["reason"]) == (4, log.records()[3].hash, "build 4")
    assert (first.seq, first.hash, first.token) == (4, line["hash"], f"4:{line['hash']}")
    anchors, problems = read_anchor_log(path)
    assert [a.seq for a in anchors] == [4, 12] and problems == []


def test_an_intact_trail_passes_with_every_kind_of_anchor(anchored, tmp_path: Path, capsys) -> None:
    from pipelines.access.anchors import default_log_path
    from pipelines.settings import Paths

    log, (first, second) = anchored
    copy = tmp_path / "copied-anchors.jsonl"
    copy.write_bytes(default_log_path(Paths(tmp_path)).read_bytes())
    code, out, err = verify_cli(capsys, "--anchor", second.token, "--anchor", f"4:{first.hash[:16]}",
                                "--anchors", str(copy))
    assert code == 0, err
    assert "intact: 20 records" in out and "6 anchors agree" in out


def test_a_full_rewrite_verifies_as_a_chain_but_the_anchor_log_catches_it(anchored, capsys) -> None:
    log, _ = anchored
    rewrite_from(log.path, 7)
    assert log.verify() is None  # the chain alone cannot see it: that is what anchors are for
    code, out, err = verify_cli(capsys)
    assert code == 1
    assert "anchor log line 2 (record 12" in err and "build 12" in err
    assert "rewritten at a record from 5 to 12" in err  # after record 4, the newest anchor that agrees


def test_a_full_rewrite_is_caught_by_an_anchor_from_a_board_paper(anchored, tmp_path: Path, capsys) -> None:
    from pipelines.access.anchors import anchor_head, default_log_path
    from pipelines.settings import Paths

    log, (first, second) = anchored
    rewrite_from(log.path, 7)
    local = default_log_path(Paths(tmp_path))
    local.unlink()  # the insider rewrites the local anchor log too
    anchor_head(log, local, "made up")
    assert verify_cli(capsys)[0] == 0  # nothing on the server shows it any more
    code, out, err = verify_cli(capsys, "--anchor", second.token)
    assert code == 1 and "--anchor 12:" in err and "rewritten at a record from 1 to 12" in err
    assert verify_cli(capsys, "--anchor", f"12:{second.hash[:16]}")[0] == 1  # a shortened hash as printed


def test_a_full_rewrite_is_caught_by_a_copied_anchor_log(anchored, tmp_path: Path, capsys) -> None:
    from pipelines.access.anchors import anchor_head, default_log_path
    from pipelines.settings import Paths

    log, _ = anchored
    local = default_log_path(Paths(tmp_path))
    copy = tmp_path / "elsewhere" / "audit-anchors.jsonl"
    copy.parent.mkdir()
    copy.write_bytes(local.read_bytes())
    rewrite_from(log.path, 3)
    local.unlink()
    anchor_head(log, local, "made up")
    code, out, err = verify_cli(capsys, "--anchors", str(copy))
    assert code == 1 and "audit-anchors.jsonl line 1 (record 4" in err
    assert "rewritten at a record from 1 to 4" in err


def test_removing_the_newest_records_after_an_anchor_is_caught(anchored, capsys) -> None:
    log, _ = anchored
    tamper(log.path, "delete from audit where seq > 10")
    assert log.verify() is None  # a shorter chain is still a valid chain
    code, out, err = verify_cli(capsys)
    assert code == 1 and "record 12 no longer exists" in err and "ends at record 10" in err


def test_an_edited_anchor_log_is_reported(anchored, tmp_path: Path, capsys) -> None:
    from pipelines.access.anchors import anchor_head, default_log_path
    from pipelines.settings import Paths

    log, _ = anchored
    path = default_log_path(Paths(tmp_path))
    anchor_head(log, path, "third")
    lines = path.read_text().splitlines(keepends=True)
    path.write_text(lines[0] + lines[2])  # someone removed the middle anchor
    code, out, err = verify_cli(capsys)
    assert code == 1 and "anchor log line 2 does not follow the line before it" in err


@pytest.mark.parametrize("token", ["12", "twelve:abc", "12:not-hex", "-1:" + "a" * 64, "12:abc"])
def test_a_malformed_anchor_is_a_usage_error(anchored, capsys, token: str) -> None:
    code, out, err = verify_cli(capsys, f"--anchor={token}")
    assert code == 2 and "SEQ:HASH" in err and "Traceback" not in err


def test_a_missing_anchor_file_is_a_usage_error(anchored, tmp_path: Path, capsys) -> None:
    code, out, err = verify_cli(capsys, "--anchors", str(tmp_path / "nope.jsonl"))
    assert code == 2 and "nope.jsonl" in err and "cannot be read" in err


def test_rocu_audit_anchor_records_the_head(anchored, tmp_path: Path, capsys) -> None:
    from pipelines.access.anchors import default_log_path, read_anchor_log
    from pipelines.cli import main as rocu_main
    from pipelines.settings import Paths

    log, _ = anchored
    assert rocu_main(["audit", "anchor", "--reason", "month end"]) == 0
    seq, digest = log.head()
    assert f"{seq}:{digest}" in capsys.readouterr().out
    anchors, _ = read_anchor_log(default_log_path(Paths(tmp_path)))
    assert (anchors[-1].seq, anchors[-1].reason) == (seq, "month end")


def _anchor_many(audit_path: str, log_path: str, name: str, count: int, start) -> None:  # noqa: ANN001
    from pipelines.access.anchors import anchor_head

    log = AuditLog(Path(audit_path))
    start.wait(120)
    for i in range(count):
        if i % 20 == 0:
            log.record(name, "upload", f"{name}-{i}", {})
        anchor_head(log, Path(log_path), f"{name} {i}")


def test_two_processes_anchoring_at_once_keep_the_anchor_log_chained(tmp_path: Path) -> None:
    from pipelines.access.anchors import check, read_anchor_log

    audit_path, log_path = tmp_path / "audit.sqlite", tmp_path / "audit-anchors.jsonl"
    AuditLog(audit_path)
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(2)
    workers = [context.Process(target=_anchor_many, args=(str(audit_path), str(log_path), name, 200, start))
               for name in ("proc-a", "proc-b")]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
        assert w.exitcode == 0
    anchors, problems = read_anchor_log(log_path)
    assert len(anchors) == 400 and problems == []
    assert check(AuditLog(audit_path), anchors).problems == []
