"""Tables and views are built by one `create or replace` in the model's transaction
(dbt_project/macros/replace_in_place.sql), not dbt-duckdb's build-rename-drop.

Checked with the real dbt CLI on DuckDB, on a small project that uses the warehouse's macro file: a
rebuild replaces what was there and leaves nothing beside it; a model that fails, in its SQL or
against its contract, leaves the table it would have replaced as it was; a model may change from
table to view and back; and what one statement cannot keep is refused before anything is built.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

PROJECT = """
name: replace_check
version: "1.0.0"
config-version: 2
profile: replace_check
macro-paths: ["macros"]
flags: {send_anonymous_usage_stats: false, use_colors: false}
"""
PROFILE = """
replace_check:
  target: local
  outputs:
    local: {type: duckdb, path: "%s", threads: 1}
"""
MODELS = {
    # a table (or a view, as the `kind` var says) with a figure the `n` var gives
    "figures.sql": "{{ config(materialized=var('kind', 'table')) }}\nselect {{ var('n', 1) }} as n",
    "doubled.sql": "{{ config(materialized='view') }}\nselect n * 2 as doubled from {{ ref('figures') }}",
    # a contract: `label` may not be null
    "labelled.sql": "{{ config(materialized='table') }}\nselect {{ var('label', \"'kept'\") }}::varchar as label",
    "labelled.yml": """
models:
  - name: labelled
    config: {contract: {enforced: true}}
    columns:
      - name: label
        data_type: varchar
        constraints: [{type: not_null}]
""",
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "models").mkdir()
    (tmp_path / "macros").mkdir()
    shutil.copyfile(ROOT / "dbt_project" / "macros" / "replace_in_place.sql",
                    tmp_path / "macros" / "replace_in_place.sql")
    (tmp_path / "dbt_project.yml").write_text(PROJECT)
    (tmp_path / "profiles.yml").write_text(PROFILE % (tmp_path / "check.duckdb"))
    for name, text in MODELS.items():
        (tmp_path / "models" / name).write_text(text)
    return tmp_path


def build(project: Path, select: str, **dbt_vars) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "dbt"), "--log-level-file", "none", "build", "--select", select, "--vars", json.dumps(dbt_vars),
         "--project-dir", str(project), "--profiles-dir", str(project), "--target-path", str(project / "target"),
         "--log-path", str(project / "target")],
        capture_output=True, text=True, timeout=300)


def built(project: Path, select: str, **dbt_vars) -> None:
    done = build(project, select, **dbt_vars)
    assert done.returncode == 0, done.stdout[-3000:]


def query(project: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(project / "check.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def relations(project: Path) -> dict[str, str]:
    return dict(query(project, "select table_name, table_type from information_schema.tables"))


def test_a_rebuild_replaces_the_table_and_the_view_by_one_statement_and_leaves_nothing_beside_them(
        project: Path) -> None:
    built(project, "figures doubled", n=1)
    built(project, "figures doubled", n=5)
    assert query(project, "select n from figures") == [(5,)]
    assert query(project, "select doubled from doubled") == [(10,)]
    assert relations(project) == {"figures": "BASE TABLE", "doubled": "VIEW"}  # no __dbt_tmp, no __dbt_backup
    [executed] = (project / "target" / "run").rglob("figures.sql")
    assert "create or replace table" in executed.read_text()
    assert "rename" not in executed.read_text()


def test_a_model_that_fails_leaves_the_table_it_would_have_replaced(project: Path) -> None:
    built(project, "figures labelled", n=1)
    failed = build(project, "figures", n="error('the source went away')::integer")
    assert failed.returncode != 0 and "the source went away" in failed.stdout
    assert query(project, "select n from figures") == [(1,)]
    refused = build(project, "labelled", label="null")
    assert refused.returncode != 0 and "NOT NULL constraint failed" in refused.stdout
    assert query(project, "select label from labelled") == [("kept",)]
    assert relations(project) == {"figures": "BASE TABLE", "labelled": "BASE TABLE"}


def test_a_model_may_change_from_table_to_view_and_back(project: Path) -> None:
    built(project, "figures", n=2)
    built(project, "figures", n=3, kind="view")
    assert relations(project) == {"figures": "VIEW"}
    assert query(project, "select n from figures") == [(3,)]
    built(project, "figures", n=4, kind="table")
    assert relations(project) == {"figures": "BASE TABLE"}
    assert query(project, "select n from figures") == [(4,)]


def test_what_one_statement_cannot_keep_is_refused_before_anything_is_built(project: Path) -> None:
    (project / "models" / "pointing.sql").write_text("{{ config(materialized='table') }}\nselect 1 as n")
    (project / "models" / "pointing.yml").write_text("""
models:
  - name: pointing
    config: {contract: {enforced: true}}
    columns:
      - name: n
        data_type: integer
        constraints: [{type: foreign_key, to: "ref('figures')", to_columns: [n]}]
""")
    refused = build(project, "pointing")
    assert refused.returncode != 0
    assert "replace_in_place.sql" in refused.stdout
    assert "pointing" not in relations(project)
