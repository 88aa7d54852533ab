"""The landing zone keeps every file as sent, once, and the registry every version."""

import hashlib
import multiprocessing
import os
import stat
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from pipelines.intake.types import Problem
from pipelines.intake.land.zone import LandingZone


def land(zone: LandingZone, content: bytes, name: str = "return.csv", period: str = "2025-03"):
    return zone.land(content, original_name=name, rocu_code="EMSOU", period=period, submitted_by="lead.emsou")


def test_file_is_kept_as_sent_under_its_hash_and_read_only(tmp_path):
    zone = LandingZone(tmp_path)
    content = b"Period,Force,Measure,Value\n2025-03,Regional,Arrests,12\n"
    sub = land(zone, content)
    stored = zone.path_of(sub)
    assert stored.read_bytes() == content
    assert sub.file_sha256 == hashlib.sha256(content).hexdigest() and sub.file_sha256 in stored.name
    assert not stored.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert sub.original_name == "return.csv" and sub.state == "received" and sub.version == 1


def test_same_bytes_twice_are_two_versions_of_one_stored_copy(tmp_path):
    zone = LandingZone(tmp_path)
    first = land(zone, b"a,b\n1,2\n")
    again = land(zone, b"a,b\n1,2\n", name="renamed copy.csv")
    assert (first.version, again.version) == (1, 2)  # each offer gets its own verdict
    assert again.stored_path == first.stored_path and again.original_name == "renamed copy.csv"
    assert zone.registry.find("EMSOU", "2025-03", first.file_sha256).submission_id == again.submission_id
    assert len(list((tmp_path / "files").rglob("*.csv"))) == 1


def test_resubmission_is_a_new_version_that_supersedes_the_accepted_one(tmp_path):
    zone = LandingZone(tmp_path)
    v1 = land(zone, b"v1")
    zone.registry.record_verdict(v1.submission_id, [], "accepted")
    v2 = land(zone, b"v2")
    warning = Problem("information", "unmapped_label", "not in the framework", file="r.csv", row=4, column="A",
                      value="Drones recovered")
    zone.registry.record_verdict(v2.submission_id, [warning], "accepted_with_queries_or_information")
    v1_now, v2_now = zone.registry.get(v1.submission_id), zone.registry.get(v2.submission_id)
    assert (v2_now.version, v2_now.state, v2_now.warning_count) == (2, "accepted_with_queries_or_information",
                                                                     1)
    assert (v1_now.state, v1_now.superseded_by) == ("superseded", v2.submission_id)
    # Every version stays retrievable, byte for byte.
    assert zone.path_of(v1_now).read_bytes() == b"v1" and zone.path_of(v2_now).read_bytes() == b"v2"


def test_a_rejected_resubmission_does_not_supersede_the_accepted_version(tmp_path):
    zone = LandingZone(tmp_path)
    v1 = land(zone, b"good")
    zone.registry.record_verdict(v1.submission_id, [], "accepted")
    v2 = land(zone, b"bad")
    zone.registry.record_verdict(v2.submission_id, [Problem("error", "negative_value", "x", file="f")], "rejected")
    assert zone.registry.get(v1.submission_id).state == "accepted"
    assert zone.registry.problems(v2.submission_id)[0]["rule"] == "negative_value"


def test_uploaded_name_never_steers_where_the_file_is_written(tmp_path):
    zone = LandingZone(tmp_path / "zone")
    sub = land(zone, b"x", name="../../../etc/evil.csv")
    stored = zone.path_of(sub).resolve()
    assert stored.is_relative_to((tmp_path / "zone").resolve())
    assert sub.original_name == "evil.csv"
    assert not (tmp_path / "etc").exists()


def _land_in_another_process(args):
    root, content = args
    sub = LandingZone(Path(root)).land(content, original_name="r.csv", rocu_code="EMSOU", period="2025-03",
                                          submitted_by=f"pid{os.getpid()}")
    return sub.version


def test_two_uploads_at_once_get_distinct_versions(tmp_path):
    LandingZone(tmp_path)  # create the registry first
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        versions = list(pool.map(_land_in_another_process, [(str(tmp_path), f"v{i}".encode()) for i in range(8)]))
    assert sorted(versions) == list(range(1, 9))


def test_a_registry_from_an_older_release_opens_with_its_states_renamed_and_no_reasons(tmp_path):
    """The state once named accepted_with_warnings means accepted with queries or information; a
    registry written before the rename (and before reasons were kept) opens with its rows renamed."""
    import sqlite3

    zone = LandingZone(tmp_path / "landing")
    old = land(zone, b"old")
    db = sqlite3.connect(zone.registry.path)
    db.execute("update submissions set state = 'accepted_with_warnings' where submission_id = ?", (old.submission_id,))
    if "reason" in [r[1] for r in db.execute("pragma table_info(submissions)")]:
        db.execute("alter table submissions drop column reason")  # as an older release made it
    db.commit()
    db.close()
    reopened = LandingZone(tmp_path / "landing").registry.get(old.submission_id)
    assert reopened.state == "accepted_with_queries_or_information" and reopened.reason is None
    # Every version's row in the warehouse has the former name: a refresh of everything is asked for, once.
    from pipelines.refresh_request import EVERYTHING, unserved

    [asked] = unserved(tmp_path, None)
    assert (asked.unit, asked.month, asked.changed) == ("", "", EVERYTHING) and "accepted_with_warnings" in asked.why
    zone = LandingZone(tmp_path / "landing")
    assert len(unserved(tmp_path, None)) == 1
    newer = land(zone, b"newer")
    zone.registry.record_verdict(newer.submission_id, [], "accepted")
    assert zone.registry.get(old.submission_id).state == "superseded"  # the renamed state is an accepted one


def test_a_batch_keeps_the_wal_files_open_between_operations_and_records_the_same(tmp_path):
    """The demo loader's batch: SQLite deletes a WAL file (after checkpointing it, with fsyncs)
    whenever the last connection closes; a batch holds one open so each operation does not pay
    that, and every row is still committed on the operation's own connection."""
    zone = LandingZone(tmp_path / "landing")
    registry_wal, audit_wal = (Path(f"{db}-wal") for db in (zone.registry.path, zone.audit.path))
    with zone.batch() as batched:
        sub = land(batched, b"a,b\n1,2\n")
        batched.audit.record("lead.emsou", "upload", "EMSOU 2025-03 v1", {"sha256": sub.file_sha256})
        assert registry_wal.exists() and audit_wal.exists()  # not checkpointed away after each operation
        assert LandingZone(tmp_path / "landing").registry.get(sub.submission_id) == sub  # committed, seen elsewhere
    assert not registry_wal.exists() and not audit_wal.exists()  # the last close checkpoints as before
    assert [r.action for r in zone.audit.records()] == ["upload"] and zone.audit.verify() is None


def test_reads_of_one_unit_or_unit_month_are_the_whole_registrys_rows_for_it(tmp_path):
    """The registry reads a unit's or a unit-month's versions, sign-offs, problems and answers through
    its index (the verdict, the sign-off and a refresh do not read the whole history): the same rows,
    in the same order, as the whole read filtered."""
    zone = LandingZone(tmp_path)
    for unit, period, kind in [("EMSOU", "2025-03", "monthly"), ("EMSOU", "2025-04", "monthly"),
                               ("NEROCU", "2025-03", "monthly"), ("EMSOU", "2025-03", "monthly"),
                               ("EMSOU", "2025-Q1", "resources")]:
        sub = zone.land(f"{unit},{period},{kind}\n".encode(), original_name="r.csv", rocu_code=unit, period=period,
                        submitted_by="lead", kind=kind)
        zone.registry.record_verdict(sub.submission_id, [Problem("query", "jump", f"{unit} {period} jumped",
                                                                 file="r.csv", row=2, column="C", value="9")],
                                     "accepted_with_queries_or_information")
        zone.registry.approve(sub.submission_id, "approver", "2025-05-01T00:00:00+00:00")
        zone.registry.add_answer(sub.submission_id, "jump|||2|C|9", "explained", "page", "lead", "2025-05-01")
    everything = zone.registry.submissions(kind=None)
    of = {s.submission_id: (s.rocu_code, s.period) for s in everything}
    for unit, period in [("EMSOU", "2025-03"), ("EMSOU", None), ("NEROCU", "2025-03"), ("WMROCU", "2025-03")]:
        def mine(row, unit=unit, period=period) -> bool:
            return of[row["submission_id"]][0] == unit and period in (None, of[row["submission_id"]][1])

        assert zone.registry.submissions(None, unit, period) == [s for s in everything if mine(vars(s))]
        assert zone.registry.submissions("monthly", unit, period) == [
            s for s in zone.registry.submissions() if mine(vars(s))]
        for read in (zone.registry.approvals, zone.registry.problems, zone.registry.answers):
            whole = read()
            assert read(**{"rocu_code": unit, "period": period}) == [r for r in whole if mine(r)], read.__name__
    assert len(zone.registry.submissions(None, "EMSOU", "2025-03")) == 2  # two versions, neither of another month
