"""A mart with a contract holds its not-null rules and its lists of allowed values as constraints of
the table (dbt_project/models/marts, `constraints: [{type: not_null}]` and `{type: check, expression:
"<column> in (...)"}`): DuckDB refuses a null or a value off the list while dbt builds the table, so
the build fails, the table the pages read stands and nothing downstream or the publish runs, without
a test node per rule. Every constraint the contracts name is a constraint of the built warehouse's
table, and a value breaking one is refused there."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from pipelines.settings import Paths

MANIFEST = Path(__file__).resolve().parents[1] / "dbt_project" / "target" / "manifest.json"


def declared(kind: str) -> set[tuple[str, str]]:
    """(table, column) of every column constraint of `kind` the marts' contracts declare."""
    nodes = json.loads(MANIFEST.read_text())["nodes"].values()
    return {(node["alias"], column["name"]) for node in nodes
            if node["resource_type"] == "model" and node["config"].get("contract", {}).get("enforced")
            for column in node["columns"].values()
            if any(c["type"] == kind for c in column.get("constraints", []))}


def enforced(con: duckdb.DuckDBPyConnection, kind: str) -> set[tuple[str, str]]:
    return set(con.execute("select table_name, unnest(constraint_column_names) from duckdb_constraints() "
                           "where schema_name = 'marts' and constraint_type = ?", [kind]).fetchall())


def test_the_contracts_not_null_columns_refuse_a_null_in_the_built_warehouse(built_demo_copy: Path) -> None:
    not_null = declared("not_null")
    assert len(not_null) > 60  # the marts' keys, at least
    con = duckdb.connect(str(Paths(built_demo_copy).warehouse))
    try:
        assert not_null <= enforced(con, "NOT NULL"), sorted(not_null - enforced(con, "NOT NULL"))
        table, column = sorted(not_null)[0]
        with pytest.raises(duckdb.ConstraintException, match=column):
            con.execute(f'update marts."{table}" set "{column}" = null')
    finally:
        con.close()


def test_the_contracts_allowed_values_refuse_another_value_in_the_built_warehouse(built_demo_copy: Path) -> None:
    checks = declared("check")
    assert {("fct_submission_status", "status"), ("dim_period", "period_type")} <= checks
    con = duckdb.connect(str(Paths(built_demo_copy).warehouse))
    try:
        assert checks <= enforced(con, "CHECK"), sorted(checks - enforced(con, "CHECK"))
        for table, column in sorted(checks):
            with pytest.raises(duckdb.ConstraintException, match="CHECK constraint failed"):
                con.execute(f'update marts."{table}" set "{column}" = \'not one of the list\'')
        # a value on the list is kept (the rule is the list, not a refusal of every change)
        (status,) = con.execute("select status from marts.fct_submission_status limit 1").fetchone()
        con.execute("update marts.fct_submission_status set status = ? where status = ?", [status, status])
    finally:
        con.close()
