"""The models kept per unit-month (dbt_project/macros/incremental_by_scope.sql) rebuild what changed
and nothing else, and end up exactly as a full rebuild would.

One warehouse takes several changes at once, as refreshes bring them: a unit-month gets a new
version with a revised figure, another loses its sign-off, a third is gone from the registry, and one
model was built before it was kept per unit-month (no digest column). dbt then builds the kept models
incrementally; a copy of the same warehouse is built with `--full-refresh`. Every kept model must
hold the same rows in both. A fourth unit-month, not changed, has a value altered by hand in the
warehouse beforehand: the incremental build leaves it alone (it was not rebuilt), which is what
makes a refresh cost the change rather than the history. The kept marts' data tests read only the
rows the run built: a fault left in a unit-month the refresh did not touch is not read by it, and
is by `dbt test`, which reads every row.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from pipelines.demo.scale import current_submission, resubmit_month
from pipelines.settings import Paths
from tests.conftest import ROOT, run_dbt

# The kept models with what they are built from: their digests and the version choice.
SELECTION = ["--exclude-resource-type", "unit_test", "--select", "config.materialized:incremental", "int_return_months__inputs", "int_return_versions__chosen"]
KEPT = {"intermediate": ("int_return_values__versions", "int_metric_values__from_returns"),
        "marts": ("fct_return_value_provenance", "fct_metric_versions")}


def scope_months(con: duckdb.DuckDBPyConnection, count: int) -> list[tuple[str, str]]:
    """`count` signed-off unit-months of different units, with more than one metric."""
    return con.execute("""
        select rocu_code, month from intermediate.int_return_values__versions
        where is_current and approved_by is not null
        group by rocu_code, month having count(distinct metric_id) > 1
        qualify row_number() over (partition by rocu_code order by month desc) = 1
        order by rocu_code limit ?""", [count]).fetchall()


def change_the_registry(warehouse: Path) -> dict:
    """Apply the changes (see the module's doc) to the raw tables and the kept models; returns which
    unit-month took which."""
    con = duckdb.connect(str(warehouse))
    try:
        revised, unsigned, gone, untouched = scope_months(con, 4)
    finally:
        con.close()
    resubmit_month(warehouse, *revised, add=100)  # a new version, signed off, every figure 100 higher
    con = duckdb.connect(str(warehouse))
    try:
        unsigned_submission = current_submission(con, *unsigned)
        con.execute("delete from raw.approvals where submission_id = ?", [unsigned_submission])
        con.execute("delete from raw.submissions where rocu_code = ? and period = ?", list(gone))
        con.execute("alter table marts.fct_metric_versions drop column inputs_fingerprint")
        con.execute("update intermediate.int_return_values__versions set value = -1 "
                    "where rocu_code = ? and month = ?", list(untouched))
    finally:
        con.close()
    return {"revised": revised, "unsigned": unsigned, "gone": gone, "untouched": untouched,
            "unsigned_submission": unsigned_submission}


def rows(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str, leave_out: tuple[str, str]) -> list:
    """A kept model's rows without its digest and run, doubles rounded (a sum's last bits follow its order),
    leaving out one unit-month."""
    columns = con.execute("select column_name, data_type from duckdb_columns() where database_name = ? and "
                          "schema_name = ? and table_name = ? and column_name not in ('inputs_fingerprint', 'built_in_run') "
                          "order by column_name", [catalog, schema, table]).fetchall()
    select = ", ".join(f'round("{c}", 9)' if t == "DOUBLE" else f'"{c}"' for c, t in columns)
    return sorted(con.execute(f"select {select} from {catalog}.{schema}.{table} where not (rocu_code = ? and "
                              f"month = ?)", list(leave_out)).fetchall(), key=repr)


def test_a_refresh_rebuilds_the_changed_unit_months_and_matches_a_full_rebuild(built_demo: Path,
                                                                                tmp_path: Path) -> None:
    kept, full = tmp_path / "kept" / "rocu.duckdb", tmp_path / "full" / "rocu.duckdb"  # views name `rocu`
    kept.parent.mkdir(), full.parent.mkdir()
    shutil.copyfile(Paths(built_demo).warehouse, kept)
    months = change_the_registry(kept)
    shutil.copyfile(kept, full)

    incremental = run_dbt(["build", *SELECTION], kept, tmp_path / "kept-target")
    assert incremental.returncode == 0, incremental.stdout[-4000:]
    full_build = run_dbt(["build", "--full-refresh", *SELECTION], full, tmp_path / "full-target")
    assert full_build.returncode == 0, full_build.stdout[-4000:]
    results = json.loads((tmp_path / "kept-target" / "run_results.json").read_text())
    assert {m for models in KEPT.values() for m in models} <= {r["unique_id"].split(".")[-1] for r in results["results"]}

    con = duckdb.connect()
    try:
        con.execute(f"attach '{kept}' as kept (read_only)")
        con.execute(f"attach '{full}' as rebuilt (read_only)")
        for schema, models in KEPT.items():
            for model in models:
                assert rows(con, "kept", schema, model, months["untouched"]) == \
                    rows(con, "rebuilt", schema, model, months["untouched"]), f"{schema}.{model}"

        def values(catalog: str, unit_month: tuple[str, str]) -> list:
            return con.execute(f"select metric_id, force_code, value from {catalog}.intermediate."
                               f"int_metric_values__from_returns where rocu_code = ? and month = ? order by all",
                               list(unit_month)).fetchall()

        # the unit-month nothing changed was not rebuilt: the hand-altered value is still there ...
        assert con.execute("select distinct value from kept.intermediate.int_return_values__versions "
                           "where rocu_code = ? and month = ?", list(months["untouched"])).fetchall() == [(-1.0,)]
        # ... while the revised one carries its new figures, the unsigned one is no longer signed off,
        # and the one gone from the registry has no rows left
        before = duckdb.connect(str(Paths(built_demo).warehouse), read_only=True)
        try:
            revised = before.execute("select metric_id, force_code, value + 100 * source_value_count from "
                                     "intermediate.int_metric_values__from_returns where rocu_code = ? and month = ? "
                                     "order by all", list(months["revised"])).fetchall()
        finally:
            before.close()
        assert revised and values("kept", months["revised"]) == revised
        assert con.execute("select distinct approved_by from kept.intermediate.int_return_values__versions "
                           "where submission_id = ?", [months["unsigned_submission"]]).fetchall() in ([], [(None,)])
        assert values("kept", months["gone"]) == []
        assert con.execute("select count(*) from kept.marts.fct_metric_versions where inputs_fingerprint is null"
                           ).fetchone()[0] == 0
        # dbt's on-run-end noted the marts this run built, for the publish (pipelines/serving/publish.py)
        assert dict(con.execute("select mart, invocation_id from kept.meta.mart_builds where mart in "
                                "('fct_return_value_provenance', 'fct_metric_versions')").fetchall()) == \
            {mart: results["metadata"]["invocation_id"] for mart in KEPT["marts"]}
    finally:
        con.close()


def test_a_refresh_tests_the_rows_it_built_and_dbt_test_reads_them_all(built_demo: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "wh" / "rocu.duckdb"
    warehouse.parent.mkdir()
    shutil.copyfile(Paths(built_demo).warehouse, warehouse)
    con = duckdb.connect(str(warehouse))
    try:
        revised, untouched = scope_months(con, 2)
        # a fault in a unit-month the refresh will not rebuild: one of its rows twice
        con.execute("insert into marts.fct_metric_versions select * from marts.fct_metric_versions "
                    "where rocu_code = ? and month = ? limit 1", list(untouched))
    finally:
        con.close()
    resubmit_month(warehouse, *revised, add=100)

    refresh = run_dbt(["build", *SELECTION], warehouse, tmp_path / "refresh-target")
    assert refresh.returncode == 0, refresh.stdout[-4000:]
    results = json.loads((tmp_path / "refresh-target" / "run_results.json").read_text())
    run = results["metadata"]["invocation_id"]
    unique = [r for r in results["results"] if r["unique_id"].startswith(
        "test.rocu_warehouse.unique_combination_of_columns_fct_metric_versions")]
    assert [r["status"] for r in unique] == ["pass"]
    assert f"built_in_run = '{run}'" in unique[0]["compiled_code"]
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        # each kept mart rebuilt the revised unit-month and no other: the digests a mart further down
        # compares with (made from the small per-unit-month digest, through the models between) are the
        # ones its rows were built with
        for mart in KEPT["marts"]:
            built = con.execute(f"select distinct rocu_code, month from marts.{mart} where built_in_run = ?",
                                [run]).fetchall()
            assert built == [revised], (mart, built)
            assert con.execute(f"select bool_and(built_in_run = ?) from marts.{mart} where rocu_code = ? and month = ?",
                               [run, *revised]).fetchone()[0] is True, mart  # all of it, none left from before
    finally:
        con.close()

    everything = run_dbt(["test", "--select", "fct_metric_versions"], warehouse, tmp_path / "test-target")
    assert everything.returncode != 0
    failed = [r["unique_id"] for r in json.loads((tmp_path / "test-target" / "run_results.json").read_text())["results"]
              if r["status"] == "fail"]
    assert failed and all("unique_combination_of_columns_fct_metric_versions" in f for f in failed), failed


# The refresh's models from the returns' raw tables to the funnel's curves (not seeds, not the extracts' chain).
FUNNEL_REFRESH = ["--exclude-resource-type", "unit_test", "--select", *[
    f"source:raw.{table}+,+fct_metric_funnel_limits" for table in ("submissions", "approvals", "return_values")]]
KEPT_PER_COMPARISON = ("fct_metric_funnel", "fct_metric_funnel_limits")
COMPARISON = ["metric_id", "period_type", "period", "base_name"]


def funnel_rows(con: duckdb.DuckDBPyConnection, catalog: str, model: str, leave_out: tuple) -> list:
    """A model's rows without digest and run, doubles rounded, leaving out one comparison."""
    columns = con.execute("select column_name, data_type from duckdb_columns() where database_name = ? and "
                          "table_name = ? and column_name not in ('inputs_fingerprint', 'built_in_run') "
                          "order by column_name", [catalog, model]).fetchall()
    select = ", ".join(f'round("{c}", 9)' if t == "DOUBLE" else f'"{c}"' for c, t in columns)
    return sorted(con.execute(f"select {select} from {catalog}.marts.{model} where ({', '.join(COMPARISON)})"
                              " is distinct from (?, ?, ?, ?)", list(leave_out)).fetchall(), key=repr)


def test_the_funnel_and_its_curves_rebuild_the_comparisons_a_new_version_changes_and_match_a_full_rebuild(
        built_demo: Path, tmp_path: Path) -> None:
    """fct_metric_funnel and its curves are kept per comparison (a metric, period and base across
    units; macros/funnel_inputs.sql): a new version of one unit-month rebuilds the comparisons of the
    four periods holding that month, and only those, and each table ends as a full rebuild's. A
    comparison of another financial year, altered by hand beforehand, is left as it was."""
    kept, full = tmp_path / "kept" / "rocu.duckdb", tmp_path / "full" / "rocu.duckdb"
    kept.parent.mkdir(), full.parent.mkdir()
    shutil.copyfile(Paths(built_demo).warehouse, kept)
    con = duckdb.connect(str(kept))
    try:
        (unit, month), = scope_months(con, 1)
        holding = set(con.execute(  # the month itself, its calendar and financial quarters and its financial year
            "select unnest([('month', month), ('quarter', calendar_quarter), ('financial_quarter', financial_quarter),"
            " ('financial_year', financial_year)], recursive := true) from marts.dim_month where month = ?", [month]
        ).fetchall())
        untouched = con.execute(
            f"select {', '.join(COMPARISON)} from marts.fct_metric_funnel where period_type = 'financial_year' "
            "and period not in (select financial_year from marts.dim_month where month = ?) order by all limit 1",
            [month]).fetchone()
        con.execute(f"update marts.fct_metric_funnel set observed = -1 where ({', '.join(COMPARISON)}) = (?, ?, ?, ?)",
                    list(untouched))
        con.execute(f"update marts.fct_metric_funnel_limits set network_rate = -1 where ({', '.join(COMPARISON)}) = "
                    "(?, ?, ?, ?)", list(untouched))
    finally:
        con.close()
    resubmit_month(kept, unit, month, add=100)
    shutil.copyfile(kept, full)

    incremental = run_dbt(["build", *FUNNEL_REFRESH], kept, tmp_path / "kept-target")
    assert incremental.returncode == 0, incremental.stdout[-4000:]
    rebuilt = run_dbt(["build", "--full-refresh", *FUNNEL_REFRESH], full, tmp_path / "full-target")
    assert rebuilt.returncode == 0, rebuilt.stdout[-4000:]
    run = json.loads((tmp_path / "kept-target" / "run_results.json").read_text())["metadata"]["invocation_id"]

    con = duckdb.connect()
    try:
        con.execute(f"attach '{kept}' as kept (read_only)")
        con.execute(f"attach '{full}' as rebuilt (read_only)")
        for model in KEPT_PER_COMPARISON:
            assert funnel_rows(con, "kept", model, untouched) == funnel_rows(con, "rebuilt", model, untouched), model
            built = set(con.execute(f"select distinct period_type, period from kept.marts.{model} "
                                    "where built_in_run = ?", [run]).fetchall())
            assert built == holding, (model, built, holding)
        assert con.execute(f"select distinct observed from kept.marts.fct_metric_funnel where ({', '.join(COMPARISON)})"
                           " = (?, ?, ?, ?)", list(untouched)).fetchall() == [(-1.0,)]
        assert con.execute(f"select distinct network_rate from kept.marts.fct_metric_funnel_limits where "
                           f"({', '.join(COMPARISON)}) = (?, ?, ?, ?)", list(untouched)).fetchall() == [(-1.0,)]
    finally:
        con.close()


def code_digests(project: Path, warehouse: Path, target: Path) -> dict[str, str]:
    """The code digest (macros/incremental_by_scope.sql::code_digest) dbt compiles into each of two kept
    models, for the dbt project at `project`."""
    from pipelines.orchestration.dbt_cli import dbt_global_flags
    from pipelines.orchestration.manifest import dbt_vars

    done = subprocess.run([str(Path(sys.executable).parent / "dbt"), *dbt_global_flags(), "compile", "--select",
                           "fct_metric_funnel", "fct_metric_versions", "--project-dir", str(project), "--profiles-dir",
                           str(project), "--target-path", str(target), "--log-path", str(target), *dbt_vars(warehouse)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:]
    compiled = target / "compiled" / "rocu_warehouse" / "models" / "marts"
    return {model: re.search(r"inputs_fingerprint\)? \|\| '([0-9a-f]{32})'\)", (compiled / f"{model}.sql").read_text()
                             ).group(1) for model in ("fct_metric_funnel", "fct_metric_versions")}


def test_a_changed_macro_changes_the_digest_of_the_kept_models_that_call_it(built_demo: Path, tmp_path: Path) -> None:
    """An upgrade that changes only a macro (here the funnel's Poisson limits) must rebuild every scope of
    the kept models calling it, not keep rows built by the old rule: the macro's SQL is in their digest.
    A model that does not call it keeps its digest, and so its rows."""
    warehouse = tmp_path / "wh" / "rocu.duckdb"
    warehouse.parent.mkdir()
    shutil.copyfile(Paths(built_demo).warehouse, warehouse)
    project = tmp_path / "repo" / "dbt_project"
    shutil.copytree(ROOT / "dbt_project", project, ignore=shutil.ignore_patterns("target", "logs"))
    (project.parent / "seeds").symlink_to(ROOT / "seeds")  # the project's seed path is ../seeds
    before = code_digests(project, warehouse, tmp_path / "before")
    limits = project / "macros" / "poisson_limits.sql"
    limits.write_text(limits.read_text().replace("8 * sqrt(expected) - 10", "8 * sqrt(expected) - 11"))
    after = code_digests(project, warehouse, tmp_path / "after")
    assert after["fct_metric_funnel"] != before["fct_metric_funnel"]
    assert after["fct_metric_versions"] == before["fct_metric_versions"]
