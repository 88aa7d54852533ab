"""The published copy holds the serving schema only: every mart (schema `marts`) and the build
row (`meta.build_info`). A page or paper that reads staging, intermediate, raw or seed tables
fails at once instead of quietly going round the marts."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.access.audit import AuditLog
from pipelines.demo.scale import resubmit_month
from pipelines.serving.publish import (copy_serving_schema, noted_content_digest, publish_copy,
                                       recomputed_content_digest, slots)
from pipelines.settings import Paths
from tests.conftest import run_dbt

ROOT = Path(__file__).resolve().parents[1]

OUTSIDE = ["staging.stg_intake__submissions", "staging.stg_intake__problems",
           "intermediate.int_disruptions__deduplicated", "reference.threat_areas", "reference.peer_group_rules"]


def tables(path: Path) -> dict[str, dict[str, str]]:
    """schema -> table -> table type ('BASE TABLE' or 'VIEW') of a DuckDB file."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute("select table_schema, table_name, table_type from information_schema.tables "
                           "where table_catalog = current_database()").fetchall()
    finally:
        con.close()
    found: dict[str, dict[str, str]] = {}
    for schema, name, kind in rows:
        found.setdefault(schema, {})[name] = kind
    return found


def count(path: Path, table: str) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(f"select count(*) from {table}").fetchone()[0]
    finally:
        con.close()


def test_the_published_copy_holds_every_mart_and_the_build_row_and_nothing_else(built_demo: Path):
    published, warehouse = tables(Paths(built_demo).published), tables(Paths(built_demo).warehouse)
    assert set(published) == {"marts", "meta"}
    assert set(published["meta"]) == {"build_info", "published_marts"}
    assert set(published["marts"]) == set(warehouse["marts"])
    assert set(published["marts"].values()) == {"BASE TABLE"}
    for name in published["marts"]:
        assert count(Paths(built_demo).published, f"marts.{name}") == count(Paths(built_demo).warehouse,
                                                                              f"marts.{name}"), name


@pytest.mark.parametrize("table", OUTSIDE)
def test_reading_a_table_outside_the_serving_schema_from_the_published_copy_fails(built_demo: Path, table: str):
    assert count(Paths(built_demo).warehouse, table) >= 0  # it is in the warehouse the pipeline builds ...
    with pytest.raises(duckdb.CatalogException):  # ... and not in the copy pages and papers read
        count(Paths(built_demo).published, table)


def test_a_view_in_the_marts_is_published_as_a_table_that_stands_alone(built_demo: Path, tmp_path: Path):
    work = tmp_path / "warehouse" / "rocu.duckdb"
    work.parent.mkdir()
    shutil.copyfile(Paths(built_demo).warehouse, work)
    con = duckdb.connect(str(work))
    con.execute("create view marts.fct_probe as select count(*) as submissions from staging.stg_intake__submissions")
    ((expected,),) = con.execute("select submissions from marts.fct_probe").fetchall()
    con.close()
    var = tmp_path / "var"
    publish_copy(work, Paths(var).published, AuditLog.at(Paths(var)))
    assert tables(Paths(var).published)["marts"]["fct_probe"] == "BASE TABLE"
    con = duckdb.connect(str(Paths(var).published), read_only=True)
    try:
        assert con.execute("select submissions from marts.fct_probe").fetchall() == [(expected,)]
    finally:
        con.close()
    assert not list(Paths(var).published.parent.glob(".*.tmp*"))  # nothing left beside the copy


def test_publishing_again_writes_only_the_marts_that_changed(built_demo: Path, tmp_path: Path):
    """Publishing used to write every mart on every build, so its cost grew with history; now a new
    copy starts from the last published one and rewrites only what differs from it. A mart dbt built
    again with the same content is not written."""
    work = tmp_path / "warehouse" / "rocu.duckdb"
    work.parent.mkdir()
    shutil.copyfile(Paths(built_demo).warehouse, work)
    first, second, third = (tmp_path / f"{n}.duckdb" for n in ("first", "second", "third"))
    every = copy_serving_schema(work, first)
    assert every and set(every) == set(tables(work)["marts"])
    assert copy_serving_schema(work, second, previous=first) == []  # nothing changed: nothing written
    changed, same = sorted(n for n, kind in tables(work)["marts"].items() if kind == "BASE TABLE")[:2]
    con = duckdb.connect(str(work))
    con.execute(f"delete from marts.{changed} where rowid in (select min(rowid) from marts.{changed})")
    # as dbt's on-run-end notes a run that built it (the publish reads only marts built since), and a
    # second mart that run built to the same content
    con.execute("update meta.mart_builds set invocation_id = 'a later run' where mart in (?, ?)", [changed, same])
    con.close()
    assert copy_serving_schema(work, third, previous=second) == [changed]
    assert set(tables(third)["marts"]) == set(every)
    for name in every:
        assert count(third, f"marts.{name}") == count(work, f"marts.{name}"), name


def test_a_mart_gone_from_the_warehouse_is_dropped_from_the_next_copy(built_demo: Path, tmp_path: Path):
    """A release that removes or renames a mart: the next copy, started from the last published one,
    no longer holds it, and everything else is as the warehouse has it."""
    work = tmp_path / "warehouse" / "rocu.duckdb"
    work.parent.mkdir()
    shutil.copyfile(Paths(built_demo).warehouse, work)
    first, second = tmp_path / "first.duckdb", tmp_path / "second.duckdb"
    every = copy_serving_schema(work, first)
    gone = sorted(n for n, kind in tables(work)["marts"].items() if kind == "BASE TABLE")[0]
    con = duckdb.connect(str(work))
    con.execute(f"drop table marts.{gone}")
    con.close()
    assert copy_serving_schema(work, second, previous=first) == []  # nothing else changed
    assert set(tables(second)["marts"]) == set(every) - {gone}


def test_publishing_after_a_refresh_reads_only_the_marts_dbt_built_and_replaces_only_changed_unit_months(
        built_demo: Path, tmp_path: Path):
    """The publish follows dbt's note of which run built each mart (meta.mart_builds): after a refresh
    that rebuilt the marts kept per unit-month, only they are read, and in the copy only the rows of
    the unit-month that changed are replaced. A mart no dbt run built since is not read at all: a
    change made to it by hand, outside dbt, does not reach the copy."""
    work = tmp_path / "warehouse" / "rocu.duckdb"
    work.parent.mkdir()
    shutil.copyfile(Paths(built_demo).warehouse, work)
    first, second, third = (tmp_path / f"{n}.duckdb" for n in ("first", "second", "third"))
    copy_serving_schema(work, first)
    assert copy_serving_schema(work, second, previous=first) == []
    con = duckdb.connect(str(work))
    (unit, month), = con.execute("select rocu_code, month from marts.fct_metric_versions where is_current "
                                 "order by month desc, rocu_code limit 1").fetchall()
    untouched = "fct_submission_status"
    con.execute(f"delete from marts.{untouched} where rowid in (select min(rowid) from marts.{untouched})")
    con.close()
    resubmit_month(work, unit, month, add=100)
    kept = ["fct_return_value_provenance", "fct_metric_versions"]
    built = run_dbt(["build", "--exclude-resource-type", "unit_test", "--select", "config.materialized:incremental",
                     "int_return_months__inputs", "int_return_versions__chosen"], work, tmp_path / "target")
    assert built.returncode == 0, built.stdout[-4000:]
    assert copy_serving_schema(work, third, previous=second) == sorted(kept)
    for name in kept:
        assert rows(third, name) == rows(work, name), name
    con = duckdb.connect(str(third), read_only=True)
    try:  # the fingerprints moved by the rows replaced are those of the copy's rows, counted afresh
        assert noted_content_digest(con) == recomputed_content_digest(third)
    finally:
        con.close()
    assert count(third, f"marts.{untouched}") == count(work, f"marts.{untouched}") + 1  # left unread


def rows(path: Path, table: str) -> list:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return sorted(con.execute(f"select * from marts.{table}").fetchall(), key=repr)
    finally:
        con.close()


def last_row(path: Path, table: str) -> tuple:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(f"select * from marts.{table}").fetchall()[-1]  # as stored, no order asked
    finally:
        con.close()


def test_a_large_mart_has_only_its_changed_rows_replaced_and_a_row_held_twice_is_copied_whole(
        built_demo: Path, tmp_path: Path):
    """A network-wide mart rebuilt for one unit's month differs from its published copy in a few hundred
    of its tens of thousands of rows: only those are replaced (the copy then ends with them, where a
    whole copy would end as the warehouse's does). A row the warehouse holds twice cannot be matched by
    its hash: the copy is then written whole, and either way it holds the warehouse's rows."""
    from pipelines.serving.publish import ROWS_REPLACED_IN_PLACE

    work = tmp_path / "warehouse" / "rocu.duckdb"
    work.parent.mkdir()
    shutil.copyfile(Paths(built_demo).warehouse, work)
    first, second, third = (tmp_path / f"{n}.duckdb" for n in ("first", "second", "third"))
    copy_serving_schema(work, first)
    mart = "fct_metric_funnel_limits"
    con = duckdb.connect(str(work))
    assert con.execute(f"select count(*) from marts.{mart}").fetchone()[0] >= ROWS_REPLACED_IN_PLACE
    con.execute(f"update marts.{mart} set network_rate = network_rate * 2 where rowid < 3")
    con.execute("update meta.mart_builds set invocation_id = 'a later run' where mart = ?", [mart])
    con.close()
    assert copy_serving_schema(work, second, previous=first) == [mart]
    assert rows(second, mart) == rows(work, mart)
    assert last_row(second, mart) != last_row(work, mart)  # the copy ends otherwise than the warehouse ...
    con = duckdb.connect(str(work))
    changed = con.execute(f"select * from marts.{mart} where rowid < 3").fetchall()
    con.execute(f"insert into marts.{mart} select * from marts.{mart} where rowid = 5")  # a row held twice
    con.execute("update meta.mart_builds set invocation_id = 'a third run' where mart = ?", [mart])
    con.close()
    assert last_row(second, mart) in changed  # ... which are the rows that changed
    assert copy_serving_schema(work, third, previous=second) == [mart]
    assert rows(third, mart) == rows(work, mart)
    assert last_row(third, mart) == last_row(work, mart)  # written whole, as the warehouse has it


def test_a_large_mart_kept_per_comparison_compares_only_the_rows_of_digests_whose_count_changed(
        built_demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """fct_metric_funnel_limits is kept per comparison (a metric, period and base): a comparison rebuilt
    has a new digest (`inputs_fingerprint`), and only the rows of digests whose row count differs
    between the warehouse and the copy are compared, found by reading that one column. A digest is not
    named by its comparison: one rebuilt may come out with a digest another already holds (made from
    equal inputs), and its rows are still replaced. Rows changed under an unchanged digest are covered
    by the whole comparison (the test before)."""
    import pipelines.serving.publish as publish

    work = tmp_path / "warehouse" / "rocu.duckdb"
    work.parent.mkdir()
    shutil.copyfile(Paths(built_demo).warehouse, work)
    first, second, third = (tmp_path / f"{n}.duckdb" for n in ("first", "second", "third"))
    copy_serving_schema(work, first)
    mart, scope = "fct_metric_funnel_limits", "metric_id = ? and period_type = ? and period = ? and base_name = ?"
    compared, whole = [], publish._replace_changed_rows

    def replace_changed_rows(con, catalog, name, fingerprint, within="true"):
        compared.append(within)
        return whole(con, catalog, name, fingerprint, within)

    monkeypatch.setattr(publish, "_replace_changed_rows", replace_changed_rows)
    con = duckdb.connect(str(work))
    one, other = con.execute(f"select distinct metric_id, period_type, period, base_name from marts.{mart} "
                             "order by all limit 2").fetchall()
    con.execute(f"update marts.{mart} set network_rate = network_rate * 2, inputs_fingerprint = 'rebuilt' "
                f"where {scope}", list(one))
    con.execute("update meta.mart_builds set invocation_id = 'a later run' where mart = ?", [mart])
    con.close()
    assert copy_serving_schema(work, second, previous=first) == [mart]
    assert rows(second, mart) == rows(work, mart)
    con = duckdb.connect(str(work))
    con.execute(f"update marts.{mart} set network_rate = network_rate * 3, inputs_fingerprint = 'rebuilt' "
                f"where {scope}", list(other))  # the digest the copy already holds for the first one
    con.execute("update meta.mart_builds set invocation_id = 'a third run' where mart = ?", [mart])
    con.close()
    assert copy_serving_schema(work, third, previous=second) == [mart]
    assert rows(third, mart) == rows(work, mart)
    assert len(compared) == 2 and "true" not in compared  # each time only those digests' rows, once


CHILD_READER = """
import sys
from pathlib import Path
from pipelines.serving.reads import attach_published
con = attach_published(Path(sys.argv[1]))
read = lambda: con.execute("select build_id from meta.build_info").fetchone()[0] + " " + str(
    con.execute("select count(*) from marts.{mart}").fetchone()[0])
print(read(), flush=True)
sys.stdin.readline()
print(read(), flush=True)
"""


def publish_after(work: Path, var: Path, mart: str, delete: int) -> tuple[str, int]:
    """Delete `delete` rows of `mart` in the warehouse, note a dbt run built it, publish: (build id, rows)."""
    con = duckdb.connect(str(work))
    con.execute(f"delete from marts.{mart} where rowid in (select rowid from marts.{mart} limit {delete})")
    con.execute("update meta.mart_builds set invocation_id = ? where mart = ?", [f"run deleting {delete}", mart])
    con.close()
    info = publish_copy(work, Paths(var).published, AuditLog.at(Paths(var)))
    return info.build_id, count(work, f"marts.{mart}")


def test_publishing_writes_into_a_slot_no_reader_holds_and_a_reader_keeps_the_build_it_opened(
        built_demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The copies are slot files used in turn: a publish writes the next build into a slot that is not
    the published one and that no reader holds, instead of copying the whole file. A page server in
    another process still reading an earlier build keeps reading that build, whole, however many are
    published meanwhile: the publish never writes a file a reader holds. Only when every other slot is
    held does one start afresh as a file copy (the reader of the file it replaces keeps that file)."""
    import subprocess
    import sys

    from pipelines.serving.publish import SLOTS, slots

    work, var = tmp_path / "warehouse" / "rocu.duckdb", tmp_path / "var"
    work.parent.mkdir()
    shutil.copyfile(Paths(built_demo).warehouse, work)
    published, mart = Paths(var).published, "fct_submission_status"
    file_copies, readers, builds = [], [], []
    real_copy = shutil.copyfile
    monkeypatch.setattr(shutil, "copyfile", lambda *args: file_copies.append(args) or real_copy(*args))

    def publish(n: int) -> None:
        builds.append(publish_after(work, var, mart, n))
        assert published.stat().st_ino not in {inode for _, inode, _ in readers}  # never a file a reader holds
        assert count(published, f"marts.{mart}") == builds[-1][1]
        con = duckdb.connect(str(published), read_only=True)
        (build_id, digest), = con.execute("select build_id, content_sha256 from meta.build_info").fetchall()
        con.close()
        assert build_id == builds[-1][0] and digest == recomputed_content_digest(published)

    def hold() -> None:
        """A reader in another process opens the published build and keeps it open."""
        reader = subprocess.Popen([sys.executable, "-c", CHILD_READER.format(mart=mart), str(published)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        readers.append((reader, published.stat().st_ino, builds[-1]))
        assert reader.stdout.readline().split() == [builds[-1][0], str(builds[-1][1])]

    try:
        publish(0)
        hold()
        for n in (1, 2, 3):  # slots 1 and 2 start as copies (slot 0 is held); build 3 is written into slot 1
            publish(n)
        assert len(file_copies) == SLOTS - 1
        hold()
        publish(4)  # into slot 2, as it stands
        assert len(file_copies) == SLOTS - 1
        publish(5)  # slots 0 and 1 held, 2 published: slot 0 starts afresh
        assert len(file_copies) == SLOTS
        for reader, _, (build_id, rows) in readers:
            reader.stdin.write("\n")
            reader.stdin.flush()
            assert reader.stdout.readline().split() == [build_id, str(rows)]  # still its own build, whole
    finally:
        for reader, _, _ in readers:
            reader.kill()
            reader.wait()
    assert sum(slot.exists() for slot in slots(published)) == SLOTS
    assert not list(published.parent.glob(".*.link")) and not list(published.parent.glob("*.wal"))
    publish(6)  # no reader left: written into a slot as it stands
    assert len(file_copies) == SLOTS


def test_a_slot_left_half_written_is_compared_by_content_not_trusted(
        built_demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A publish that stops part way (here: it fails as it notes what it wrote) leaves its slot holding
    some marts of the new build. Its notes of which build and content each mart held are taken out
    before it writes, so the next publish into that slot compares every mart by content: a mart put
    back meanwhile to what the slot held before (a correction withdrawn) is written again, not skipped
    on the strength of a note that no longer holds."""
    import pipelines.serving.publish as publish
    from pipelines.serving.publish import slots

    work, var = tmp_path / "warehouse" / "rocu.duckdb", tmp_path / "var"
    work.parent.mkdir()
    shutil.copyfile(Paths(built_demo).warehouse, work)
    published, mart = Paths(var).published, "fct_submission_status"
    publish_after(work, var, mart, 0)
    publish_after(work, var, mart, 0)  # two slots, the second published
    (spare,) = [slot for slot in slots(published) if slot.exists() and slot.stat().st_ino != published.stat().st_ino]
    con = duckdb.connect(str(work))
    con.execute(f"create table main.withdrawn as select * from marts.{mart} limit 5")
    con.execute(f"delete from marts.{mart} where rowid in (select rowid from marts.{mart} limit 5)")
    con.execute("update meta.mart_builds set invocation_id = 'a correction' where mart = ?", [mart])
    con.close()
    with monkeypatch.context() as crash:
        crash.setattr(publish, "_note_published", lambda *_: (_ for _ in ()).throw(RuntimeError("stopped")))
        with pytest.raises(RuntimeError, match="stopped"):
            publish_copy(work, published, AuditLog.at(Paths(var)))
    assert count(spare, f"marts.{mart}") == count(work, f"marts.{mart}")  # the slot got the correction ...
    con = duckdb.connect(str(work))
    con.execute(f"insert into marts.{mart} select * from main.withdrawn")  # ... which is then withdrawn
    con.execute("update meta.mart_builds set invocation_id = 'the correction withdrawn' where mart = ?", [mart])
    con.close()
    info = publish_copy(work, published, AuditLog.at(Paths(var)))
    assert published.stat().st_ino == spare.stat().st_ino  # written into the half-written slot ...
    for name in tables(work)["marts"]:
        assert count(published, f"marts.{name}") == count(work, f"marts.{name}"), name  # ... and mended
    assert info.content_sha256 == recomputed_content_digest(published)


def test_a_copy_this_process_reads_is_not_written_either(built_demo: Path, tmp_path: Path):
    """DuckDB's file lock keeps another process from writing a file a reader holds, not the reader's own
    process: a publish in a process that reads the published copy (a test, a benchmark) starts a new
    slot rather than write into the one it reads, and that reader keeps its build."""
    import hashlib

    from pipelines.serving.publish import slots
    from pipelines.serving.reads import attach_published

    work, var = tmp_path / "warehouse" / "rocu.duckdb", tmp_path / "var"
    work.parent.mkdir()
    shutil.copyfile(Paths(built_demo).warehouse, work)
    published, mart = Paths(var).published, "fct_submission_status"
    first = publish_after(work, var, mart, 0)
    (held,) = [slot for slot in slots(published) if slot.exists() and slot.stat().st_ino == published.stat().st_ino]
    content = hashlib.sha256(held.read_bytes()).hexdigest()
    con = attach_published(published)
    try:
        for n in (1, 2, 3):
            assert publish_after(work, var, mart, n)[1] == count(published, f"marts.{mart}")
        read = con.execute(f"select (select build_id from meta.build_info), count(*) from marts.{mart}").fetchone()
        assert read == first
    finally:
        con.close()
    assert hashlib.sha256(held.read_bytes()).hexdigest() == content  # the file it read was never written


def test_what_a_publish_that_died_left_beside_the_copy_is_removed_by_the_next(built_demo: Path, tmp_path: Path):
    """A publish killed between linking its slot and the swap leaves its link (a whole slot's data kept
    on disk once that slot is replaced); an earlier release left its half-made copy. The next publish
    removes a dead process's; a running one's are its own and stay."""
    import subprocess
    import sys

    work = tmp_path / "warehouse" / "rocu.duckdb"
    work.parent.mkdir()
    shutil.copyfile(Paths(built_demo).warehouse, work)
    target = tmp_path / "published" / "rocu.duckdb"
    publish_copy(work, target, AuditLog(tmp_path / "audit.jsonl"))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        left = [target.with_name(f".{target.name}.{dead}.{kind}") for kind in ("link", "tmp", "tmp.wal")]
        kept = target.with_name(f".{target.name}.{alive.pid}.link")
        for path in left:
            path.write_bytes(b"left by a publish that died")
        os.link(slots(target)[0] if slots(target)[0].exists() else target, kept)
        publish_copy(work, target, AuditLog(tmp_path / "audit.jsonl"))
        assert not any(path.exists() for path in left)
        assert kept.exists()
    finally:
        alive.kill()
        alive.wait()
