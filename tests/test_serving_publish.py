"""The published copy holds the serving schema only: every mart (schema `marts`) and the build
row (`meta.build_info`). A page or paper that reads staging, intermediate, raw or seed tables
fails at once instead of quietly going round the marts."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.access.audit import AuditLog
from pipelines.demo.scale import resubmit_month
from pipelines.serving.publish import copy_serving_schema, publish_copy
from pipelines.settings import Paths
from tests.conftest import run_dbt

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
