"""A mart with a contract holds its not-null rules as constraints of the table (dbt_project/models/marts,
`constraints: [{type: not_null}]`): DuckDB refuses a null while dbt builds the table, so the build
fails, the table the pages read stands and nothing downstream or the publish runs, without a test
node per column. Every column the contracts name is so constrained in the built warehouse, and a
null is refused there."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from pipelines.settings import Paths

MANIFEST = Path(__file__).resolve().parents[1] / "dbt_project" / "target" / "manifest.json"


def declared_not_null() -> set[tuple[str, str]]:
    """(table, column) of every not-null constraint the marts' contracts declare."""
    nodes = json.loads(MANIFEST.read_text())["nodes"].values()
    return {(node["alias"], column["name"]) for node in nodes
            if node["resource_type"] == "model" and node["config"].get("contract", {}).get("enforced")
            for column in node["columns"].values()
            if any(c["type"] == "not_null" for c in column.get("constraints", []))}


def test_the_contracts_not_null_columns_refuse_a_null_in_the_built_warehouse(built_demo_copy: Path) -> None:
    declared = declared_not_null()
    assert len(declared) > 40  # the marts' keys, at least
    con = duckdb.connect(str(Paths(built_demo_copy).warehouse))
    try:
        enforced = set(con.execute("select table_name, unnest(constraint_column_names) from duckdb_constraints() "
                                   "where schema_name = 'marts' and constraint_type = 'NOT NULL'").fetchall())
        assert declared <= enforced, sorted(declared - enforced)
        table, column = sorted(declared)[0]
        with pytest.raises(duckdb.ConstraintException, match=column):
            con.execute(f'update marts."{table}" set "{column}" = null')
    finally:
        con.close()
