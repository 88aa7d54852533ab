"""Benchmarks: print figures, compare ratios within one run (machines here are shared and noisy).

    python scripts/bench.py intake            upload -> verdict, and upload -> raw tables loaded
    python scripts/bench.py warehouse         dbt build at demo scale and at --scale x volume, beside its
                                              floor: the same seeds, models and tests in one DuckDB
                                              connection, both as processes, interleaved and repeated;
                                              then a one-unit-month refresh at each scale
    python scripts/bench.py refresh           a refresh_returns run as a new Dagster process (one unit's
                                              month), with and without the last run's dbt parse kept
    python scripts/bench.py materialize       dbt's cost a table and a view model: the project's one-statement
                                              materializations against dbt-duckdb's, side by side
    python scripts/bench.py hostile           hostile files under the 20 MB upload limit: each must be read
                                              or refused within 5 s and 500 MB (reading child's peak)
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
BIN = Path(sys.executable).parent


def timed(fn, repeat: int = 5) -> list[float]:
    out = []
    for i in range(repeat):
        start = time.perf_counter()
        fn(i)
        out.append(time.perf_counter() - start)
    return out


def one_megabyte_workbook(src: Path, i: int) -> bytes:
    """The unit's real return padded with a notes sheet to about 1 MB (distinct bytes per call)."""
    import openpyxl

    wb = openpyxl.load_workbook(src)
    notes = wb["Notes"] if "Notes" in wb.sheetnames else wb.create_sheet("Notes")
    for r in range(1, 45_000):
        notes.cell(r, 1, f"Note {r} for run {i}: operational context recorded by the performance lead.")
        notes.cell(r, 2, r * 1.5)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def bench_intake(args) -> None:
    from dagster import DagsterInstance, materialize

    from pipelines.orchestration.assets.raw_returns import raw_returns
    from pipelines.demo.generate import main as generate
    from pipelines.intake.api import submit_return
    from pipelines.intake.api import LandingZone
    from pipelines.orchestration.resources import LandingResource, Supersession, WarehouseResource
    from pipelines.settings import Paths

    tmp = Path(tempfile.mkdtemp(prefix="rocu-bench-"))
    generate(["--out", str(tmp / "demo"), "--months", "8", "--end-month", "2025-09", "--quiet"])
    paths = Paths(tmp / "var")
    zone = LandingZone(paths.landing)
    src = next((tmp / "demo" / "returns" / "YHROCU").glob("*2025-09*"))
    typical = src.read_bytes()

    def verdict(content: bytes, period: str = "2025-09"):
        return submit_return(zone, content, original_name=src.name, rocu_code="YHROCU", period=period,
                             submitted_by="bench", today=date(2026, 11, 24))

    cold_start = time.perf_counter()
    verdict(typical)
    cold = time.perf_counter() - cold_start
    typical_times = timed(lambda i: verdict(typical + b" " * (i + 1)), args.repeat)  # new bytes, same content

    def apart(i):  # as uploads really arrive: not back to back, so the spare reading child is ready
        time.sleep(2)
        start = time.perf_counter()
        verdict(typical + b"\t" * (i + 1))
        return time.perf_counter() - start

    apart_times = [apart(i) for i in range(args.repeat)]
    big = [one_megabyte_workbook(src, i) for i in range(args.repeat)]
    big_times = timed(lambda i: verdict(big[i]), args.repeat)
    resources = {"landing": LandingResource(root=str(paths.landing), extracts_dir=str(paths.landing / "x")),
                 "warehouse": WarehouseResource(path=str(paths.warehouse), published_path=str(paths.published)),
                 "superseded": Supersession()}  # no refresh worker: no request ever covers the run

    def to_raw(i):
        verdict(typical + b"\n" * (i + 20))
        assert materialize([raw_returns], resources=resources, instance=DagsterInstance.ephemeral(),
                           run_config={"ops": {"raw_returns": {"config": {"unit": "YHROCU", "month": "2025-09"}}}}
                           ).success

    raw_times = timed(to_raw, args.repeat)
    print(f"{'measure':58} {'median s':>9} {'min s':>7}")
    print(f"{'first verdict in a cold process (imports, GX context)':58} {cold:9.2f} {cold:7.2f}")
    for name, t in [(f"upload -> verdict, typical return ({len(typical) / 1024:.0f} KB XLSX)", typical_times),
                    ("  the same, uploads 2 s apart (spare reading child ready)", apart_times),
                    (f"upload -> verdict, {len(big[0]) / 1e6:.1f} MB XLSX (target < 2 s warm)", big_times),
                    ("upload -> verdict -> raw tables loaded (Dagster, in process)", raw_times)]:
        print(f"{name:58} {statistics.median(t):9.2f} {min(t):7.2f}")
    shutil.rmtree(tmp, ignore_errors=True)


def bench_checks(args) -> None:
    """The Great Expectations check of standardised return values as the intake runs it (a
    pass/fail answer, then failing rows only for the expectations that failed) against one full
    result for the whole suite, on the same parsed returns, interleaved in one run."""
    from pipelines.demo.generate import main as generate
    from pipelines.intake.check import expectations
    from pipelines.intake.check.structure import suite_frame
    from pipelines.intake.standardise.returns import parse_return

    tmp = Path(tempfile.mkdtemp(prefix="rocu-bench-"))
    generate(["--out", str(tmp / "demo"), "--months", "3", "--end-month", "2025-09", "--quiet"])
    returns = sorted((tmp / "demo" / "returns").glob("*/*2025-09*"))
    frames = []
    for path in returns:
        unit = path.parent.name
        values = parse_return(path, unit, "2025-09", display_name=path.name).values
        if not values.is_empty():
            frames.append((values, path.name))
    full_result = {"result_format": "COMPLETE", "unexpected_index_column_names": []}
    captured = [suite_frame(values) for values, _ in frames]  # what check_suite hands to GX
    batch_definition, suite = expectations._validator("return_values")
    product, single = [], []
    for _ in range(args.repeat):
        for frame in captured:
            start = time.perf_counter()
            expectations.validate("return_values", frame, "bench")
            product.append(time.perf_counter() - start)
            start = time.perf_counter()
            batch_definition.get_batch(batch_parameters={"dataframe": frame.to_pandas()}).validate(
                suite, result_format=full_result)
            single.append(time.perf_counter() - start)
    failing = sum(1 for frame in captured if expectations.validate("return_values", frame, "bench"))
    print(f"{len(captured)} demo returns for 2025-09 ({failing} with a problem from the suite), {args.repeat} rounds")
    print(f"{'measure':58} {'median s':>9} {'min s':>7}")
    for name, t in [("GX check as the intake runs it (pass/fail, then failures)", product),
                    ("one full GX result for the whole suite (before)", single)]:
        print(f"{name:58} {statistics.median(t):9.3f} {min(t):7.3f}")
    print(f"ratio before / now (median): {statistics.median(single) / statistics.median(product):.2f}")
    shutil.rmtree(tmp, ignore_errors=True)


HOSTILE_TARGET_SECONDS, HOSTILE_TARGET_MB = 5.0, 500.0
READER_RULES = {"sheet_too_large", "text_too_large", "workbook_inflates_too_much", "workbook_too_many_parts",
                "reader_limit_exceeded", "file_unreadable", "unbalanced_quote", "formula_without_value"}


def hostile_files() -> list[tuple[str, str, str, bytes]]:
    """(what, unit, file name, bytes) for every hostile kind, built fresh."""
    from pipelines.demo import hostile

    small_csv = ("Period,Force,Measure,Value\n2025-09,Cleveland,Arrests,4\n2025-09,Regional,Convictions,2\n"
                 "2025-09,Regional,Cash seized,1000\n")  # each measure at the level it is reported
    return [
        ("declared A1:XFD1048576 + last cell", "EMSOU", "huge.xlsx", hostile.huge_dimension()),
        ("one cell at XFD1048576, honest dimension", "EMSOU", "far.xlsx", hostile.far_away_cell()),
        ("zip bomb, honest sizes (~19 GB)", "EMSOU", "bomb.xlsx", hostile.zip_bomb(19.0)),
        ("zip bomb, lying sizes and CRC", "EMSOU", "liar.xlsx", hostile.zip_bomb(19.0, lying=True)),
        ("20,000 zip members", "EMSOU", "parts.xlsx", hostile.many_parts()),
        ("XML nested 400,000 deep", "EMSOU", "deep.xlsx", hostile.deep_xml()),
        ("XML nested 200,000 deep, incompressible", "EMSOU", "deep2.xlsx", hostile.deep_xml(200_000, varied=True)),
        ("formula without a saved result", "EMSOU", "formula.xlsx", hostile.formula_without_value()),
        ("500,000-cell workbook (at the cell cap)", "EMSOU", "cap.xlsx", hostile.big_workbook(50_000)),
        ("19 MB legit-looking CSV (490,000 lines)", "NEROCU", "big.csv", hostile.big_csv()),
        ("9 MB CSV, 240,000 lines (over line cap)", "NEROCU", "big9.csv", hostile.big_csv(9 * 1024 * 1024)),
        ("4 MB CSV, 110,000 lines (under the caps)", "NEROCU", "big4.csv", hostile.big_csv(4 * 1024 * 1024)),
        ("UTF-16 CSV (Excel Unicode Text)", "NEROCU", "utf16.csv", hostile.utf16_text(small_csv)),
        ("CSV with one stray quote", "NEROCU", "quote.csv", small_csv.replace(",Arrests", ',"Arrests').encode()),
    ]


def bench_hostile(args) -> None:
    """Each hostile file through the real intake; the figures of the child that read it."""
    import resource

    from pipelines.intake.api import submit_return
    from pipelines.intake.api import LandingZone
    from pipelines.intake.standardise import isolation

    tmp = Path(tempfile.mkdtemp(prefix="rocu-bench-hostile-"))
    zone = LandingZone(tmp / "landing")
    files = hostile_files()
    # Warm up once (imports, Great Expectations context) so the figures are the reading's own; with
    # other bytes than any file below, which would otherwise be the same file sent for another month.
    submit_return(zone, files[-2][3] + "\n".encode("utf-16-le"), original_name="warm.csv", rocu_code="NEROCU",
                  period="2025-09", submitted_by="bench", today=date(2026, 11, 24))
    print(f"{'file':42} {'MB':>5} {'verdict / first error rule':40} {'read s':>6} {'verdict s':>9} "
          f"{'child MB':>8}  target")
    missed = 0
    for what, unit, name, content in files:
        (tmp / name).write_bytes(content)  # kept beside the landing zone for a look afterwards
        before = len(isolation.RECENT) and isolation.RECENT[-1]
        start = time.perf_counter()
        verdict = submit_return(zone, content, original_name=name, rocu_code=unit, period="2025-09",
                                submitted_by="bench", today=date(2026, 11, 24))
        total = time.perf_counter() - start
        child = isolation.RECENT[-1] if isolation.RECENT and isolation.RECENT[-1] is not before else None
        errors = sorted({p.rule for p in verdict.problems if p.severity == "error"}, key=lambda r: r not in READER_RULES)
        outcome = f"{verdict.submission.state} {errors[0] if errors else ''}".strip()
        read_s = f"{child.seconds:6.2f}" if child else "     -"
        peak = (child.peak_rss_mb or 0.0) if child else 0.0  # None: the child crashed, the limit held it
        ok = (child.seconds if child else total) <= HOSTILE_TARGET_SECONDS and peak <= HOSTILE_TARGET_MB
        missed += not ok
        shown = "       -" if not child else f"{peak:8.0f}" if child.peak_rss_mb else "   crash"
        print(f"{what:42} {len(content) / 1e6:5.1f} {outcome[:40]:40} {read_s} {total:9.2f} {shown}  "
              f"{'ok' if ok else 'MISSED'}")
    parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"read s: the reading child, start to end; 'verdict s' adds the inspection and every check in this "
          f"process; '-' means refused by the inspection before any child ran. "
          f"This process's own peak: {parent:.0f} MB. Targets: read or refused within "
          f"{HOSTILE_TARGET_SECONDS:g} s, child peak within {HOSTILE_TARGET_MB:g} MB; {missed} missed.")
    shutil.rmtree(tmp, ignore_errors=True)


def child_seconds(command: list[str], env: dict | None = None) -> tuple[float, float]:
    """(wall, CPU) seconds of one child process, its own children included: on a shared machine
    the CPU figure is the steadier one. Its log (a Dagster run's is thousands of DEBUG lines) goes
    to a file, so the console holds the figures; the end of it is shown if the child fails."""
    before = os.times()
    start = time.perf_counter()
    with tempfile.TemporaryFile() as log:
        done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=log)
        if done.returncode:
            log.seek(0)
            sys.exit(f"{' '.join(command[:4])} ... exited with {done.returncode}; the end of its log:\n"
                     + log.read()[-4000:].decode("utf-8", "replace"))
    wall = time.perf_counter() - start
    after = os.times()
    return wall, (after.children_user - before.children_user) + (after.children_system - before.children_system)


def dbt_command(args: list[str], warehouse: Path, target: Path, file_log: list[str] | None = None) -> list[str]:
    """dbt as Dagster runs it (--vars names the warehouse), artifacts and logs outside the project;
    `file_log`, dbt's flags for its file log instead of Dagster's (none)."""
    from pipelines.orchestration.dbt_cli import dbt_global_flags
    from pipelines.orchestration.manifest import dbt_vars

    return [str(BIN / "dbt"), *(file_log or dbt_global_flags()), *args, "--project-dir", str(ROOT / "dbt_project"),
            "--profiles-dir", str(ROOT / "dbt_project"), "--target-path", str(target), "--log-path", str(target),
            "--quiet", *dbt_vars(warehouse)]


RUN_ID = "__floor_run_id__"  # in a floor's statements: each floor round's own id, as each dbt run has its own
WRITES = re.compile(r"^\s*(?:/\*.*?\*/\s*)?(delete|insert|create|alter|drop|update)\b", re.I | re.S)


def kept_statements(warehouse: Path, target: Path) -> dict[str, list[str]]:
    """Per kept (incremental) model, the statements that write in dbt's incremental build of it: the
    pre-hook's delete of the scopes whose inputs changed, the build of the scopes left unbuilt into a
    temporary table, and its insert, as dbt's debug log records them for a run on a copy of `warehouse`
    (built already, so the SQL is the incremental one). A refresh's floor runs these, not the models
    whole: a refresh rebuilds only what changed. dbt's own questions (contracts, columns) are left out.
    The run's id in them (the rows' `built_in_run`) becomes RUN_ID, each floor round's own."""
    scratch = target / "warehouse" / "rocu.duckdb"  # the views name the catalog `rocu`
    scratch.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(warehouse, scratch)
    subprocess.run(dbt_command(["run", "--select", "config.materialized:incremental"], scratch, target,
                               file_log=["--log-level-file", "debug", "--log-format-file", "json"]),
                   check=True, stdout=subprocess.DEVNULL)
    statements: dict[str, list[str]] = {}
    for line in (target / "dbt.log").read_text().splitlines():
        event = json.loads(line)
        data = event.get("data", {})
        node = data.get("node_info", {}).get("unique_id")
        if event["info"]["name"] == "SQLQuery" and node and WRITES.match(data["sql"]):
            statements.setdefault(node, []).append(data["sql"].replace(event["info"]["invocation_id"], RUN_ID))
    return statements


def floor_statements(manifest: Path, warehouse: Path, only: set[str] | None = None,
                     kept: dict[str, list[str]] | None = None) -> list[tuple[str, str]]:
    """(kind, SQL) of the work `dbt build` does, in dependency order: every seed loaded from its CSV
    (with the column types dbt gave it), every model's compiled SQL, every data test's query; with
    `only`, of those nodes alone (a refresh's, `refresh_nodes`); with `kept`, those models' own
    statements (`kept_statements`) instead of their compiled SQL. Last, what dbt's on-run-end hook does
    (macros/record_mart_builds.sql): it notes the marts the run built, and so which ones the publish
    reads again; without it the publish would take every mart for unchanged and publish nothing new.
    Run the statements through `for_round`."""
    import duckdb

    data = json.loads(manifest.read_text())
    nodes = {k: v for k, v in data["nodes"].items() if (only is None or k in only)
             and v["resource_type"] in ("seed", "model", "test") and v.get("config", {}).get("enabled", True)
             and (v["resource_type"] == "seed" or v.get("compiled_code"))
             and v["config"].get("materialized") != "ephemeral"}
    done, order = set(), []

    def visit(key):
        if key in done:
            return
        done.add(key)
        for dep in nodes[key]["depends_on"].get("nodes", []):
            if dep in nodes:
                visit(dep)
        order.append(key)

    for key in sorted(nodes):
        visit(key)
    con = duckdb.connect(str(warehouse), read_only=True)
    statements = []
    for key in order:
        node = nodes[key]
        kind = node["resource_type"]
        if kind == "seed":
            columns = con.execute("select column_name, data_type from information_schema.columns where "
                                  "table_schema = ? and table_name = ? order by ordinal_position",
                                  [node["schema"], node["alias"]]).fetchall()
            csv = Path(node["root_path"]) / node["original_file_path"]
            types = "{" + ", ".join(f"'{c}': '{t}'" for c, t in columns) + "}"
            sql = (f"create or replace table {node['relation_name']} as select * from "
                   f"read_csv('{csv}', header = true, columns = {types})")
        elif kind == "model" and key in (kept or {}):
            statements += [(kind, sql) for sql in kept[key]]
            continue
        elif kind == "model":
            relation = "view" if node["config"]["materialized"] == "view" else "table"
            sql = f"create or replace {relation} {node['relation_name']} as {node['compiled_code']}"
        else:
            sql = f"select count(*) from ({node['compiled_code']}) as failures"
        statements.append((kind, sql))
    schemas = sorted({data["nodes"][k]["schema"] for k in order if data["nodes"][k]["resource_type"] != "test"})
    con.close()
    marts = [nodes[k]["name"] for k in order if nodes[k]["resource_type"] == "model" and nodes[k]["schema"] == "marts"]
    hook = [("hook", "create schema if not exists meta"),
            ("hook", "create table if not exists meta.mart_builds (mart varchar primary key, invocation_id varchar "
                     "not null, built_at timestamptz not null)"),
            ("hook", "insert or replace into meta.mart_builds values "
                     + ", ".join(f"('{name}', '{RUN_ID}', now())" for name in marts))] if marts else []
    return [("schema", f"create schema if not exists {s}") for s in schemas] + statements + hook


def for_round(statements: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A floor's statements with a run id of their own, as a dbt run's."""
    run_id = str(uuid.uuid4())
    return [(kind, sql.replace(RUN_ID, run_id)) for kind, sql in statements]


def run_floor(statements_file: Path, warehouse: Path) -> None:
    """The floor's own process: the same statements in one DuckDB connection, nothing else."""
    import duckdb

    con = duckdb.connect(str(warehouse))
    con.execute("set enable_progress_bar = false")  # DuckDB 1.5 refuses it in connect()'s config (not global)
    for _, sql in for_round(json.loads(statements_file.read_text())):
        con.execute(sql).fetchall()
    con.close()


def refresh_selection() -> list[str]:
    """The dbt nodes a monthly return's refresh builds: what lies downstream of the raw tables it
    reloads (pipelines/orchestration/refresh_worker.py::RELOADS), without dbt's unit tests, as every
    production build leaves them (PRODUCTION_BUILD: they test the SQL, not the data, and the test suite
    runs them)."""
    from pipelines.orchestration.assets.warehouse_models import PRODUCTION_BUILD
    from pipelines.orchestration.refresh_worker import RELOADS
    from pipelines.refresh_request import RETURNS

    return [*PRODUCTION_BUILD, "--select", " ".join(f"source:raw.{table}+" for table in RELOADS[RETURNS])]


def refresh_nodes(manifest: Path) -> set[str]:
    """The unique ids of the nodes `refresh_selection` builds and tests: everything downstream of the
    raw tables a monthly return's refresh reloads, from the manifest's child map (a test is a child
    of each node it reads, as dbt's default indirect selection takes it)."""
    from pipelines.orchestration.refresh_worker import RELOADS
    from pipelines.refresh_request import RETURNS

    data = json.loads(manifest.read_text())
    children, found = data["child_map"], set()
    todo = [key for key, source in data["sources"].items()
            if source["source_name"] == "raw" and source["name"] in RELOADS[RETURNS]]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def bench_warehouse(args) -> None:
    """`dbt build` against its floor, like for like: the floor is the same seeds, models and data
    tests (compiled by that dbt build) in one DuckDB connection, in a process of its own, so both
    pay an interpreter's start. The two run interleaved, each on its own copy of the warehouse,
    `--repeat` times; medians and the ratio are printed. Then, on each scale's built warehouse, a
    one-unit-month refresh: a new signed-off version of one month (as the refresh's raw load leaves
    it), and the dbt build of what lies downstream, `--repeat` times; its medians at each scale and
    their ratio to the demo's."""
    import duckdb

    from pipelines.demo.scale import grow_raw, resubmit_month
    from pipelines.settings import Paths

    source = Paths.from_env()
    if not source.warehouse.exists():
        sys.exit(f"No warehouse at {source.warehouse}: run `make build` first.")
    tmp = Path(tempfile.mkdtemp(prefix="rocu-bench-wh-"))
    full, refresh = [], {}
    for factor in sorted({1, args.scale}):  # --scale 1: demo scale only
        # The floor's file has the same name in another folder: dbt's compiled SQL names the database
        # (catalog) after the file.
        dbt_db, floor_db, target = tmp / f"dbt{factor}" / "w.duckdb", tmp / f"floor{factor}" / "w.duckdb", tmp / f"t{factor}"
        dbt_db.parent.mkdir(), floor_db.parent.mkdir()
        shutil.copyfile(source.warehouse, dbt_db)
        grow_raw(dbt_db, factor)
        con = duckdb.connect(str(dbt_db), read_only=True)
        rows = con.sql("select (select count(*) from raw.return_values) + (select count(*) from raw.disruptions)"
                       ).fetchone()[0]
        con.close()
        # a full build first, from scratch (--full-refresh): it compiles the floor's statements
        subprocess.run(dbt_command(["build", "--full-refresh"], dbt_db, target), check=True, stdout=subprocess.DEVNULL)
        statements = floor_statements(target / "manifest.json", dbt_db)
        plan = tmp / f"floor{factor}.json"
        plan.write_text(json.dumps(statements))
        dbt_times, floor_times = [], []
        for round_ in range(args.repeat):
            shutil.copyfile(dbt_db, floor_db)
            runs = [(dbt_times, dbt_command(["build", "--full-refresh"], dbt_db, target)),
                    (floor_times, [sys.executable, __file__, "floor", str(plan), str(floor_db)])]
            for times, command in runs if round_ % 2 == 0 else runs[::-1]:  # interleaved, order alternating
                times.append(child_seconds(command))
        full.append((factor, rows, len(statements), dbt_times, floor_times))
        refresh[factor] = []
        for _ in range(args.repeat):
            resubmit_month(dbt_db, args.unit, args.month, add=100)
            refresh[factor].append(child_seconds(dbt_command(["build", *refresh_selection()], dbt_db, target)))
    print(f"{'scale':>6} {'raw rows':>10} {'nodes':>6} {'dbt build s':>12} {'floor s':>8} {'ratio':>6} "
          f"{'dbt CPU s':>10} {'floor CPU s':>12} {'ratio':>6}")
    for factor, rows, nodes, dbt_times, floor_times in full:
        wall_d, cpu_d = (statistics.median(t[i] for t in dbt_times) for i in (0, 1))
        wall_f, cpu_f = (statistics.median(t[i] for t in floor_times) for i in (0, 1))
        print(f"{factor:>5}x {rows:>10,} {nodes:>6} {wall_d:>12.2f} {wall_f:>8.2f} {wall_d / wall_f:>5.2f}x "
              f"{cpu_d:>10.2f} {cpu_f:>12.2f} {cpu_d / cpu_f:>5.2f}x")
    print(f"Full builds (--full-refresh): medians of {args.repeat} interleaved rounds. Both sides are processes doing "
          "the same seeds, models and data tests (dbt's unit tests have no floor and are left in dbt's time); CPU "
          "includes child processes.")
    base_wall, base_cpu = (statistics.median(t[i] for t in refresh[1]) for i in (0, 1))
    print(f"One-unit-month refresh ({args.unit} {args.month}, a new signed-off version; the dbt build of what lies "
          f"downstream, as a `dbt build` process), medians of {args.repeat}:")
    print(f"{'scale':>6} {'wall s':>8} {'ratio to 1x':>12} {'CPU s':>8} {'ratio to 1x':>12}")
    for factor, times in refresh.items():
        wall, cpu = (statistics.median(t[i] for t in times) for i in (0, 1))
        print(f"{factor:>5}x {wall:>8.2f} {wall / base_wall:>11.2f}x {cpu:>8.2f} {cpu / base_cpu:>11.2f}x")
    shutil.rmtree(tmp, ignore_errors=True)


def run_folder_parse(var: Path) -> tuple[str, float]:
    """How the newest dbt run under `var` parsed the project ('partial' or 'full') and how long dbt
    took from its start to having the project loaded ("Found N models ..."), from its JSON log."""
    from datetime import datetime

    newest = max((var / "dbt_runs").iterdir(), key=lambda p: p.stat().st_mtime)
    events = [json.loads(line)["info"] for log in sorted(newest.glob("dbt.log*"), reverse=True)
              for line in log.read_text().splitlines() if line.startswith("{")]
    messages = [e["msg"] for e in events]
    partial = any(m.startswith("Partial parsing enabled") for m in messages) and \
        not any("Unable to do partial parsing" in m for m in messages)
    started = datetime.fromisoformat(events[0]["ts"].replace("Z", "+00:00"))
    loaded = next(datetime.fromisoformat(e["ts"].replace("Z", "+00:00")) for e in events
                  if e["msg"].startswith("Found "))
    return ("partial" if partial else "full"), (loaded - started).total_seconds()


def bench_refresh(args) -> None:
    """The per-run tax of dbt inside a real `refresh_returns` run (pipelines/orchestration/jobs.py),
    each run a new `dagster job execute` process on a copy of the built var folder. Rounds interleave
    three runs: one that parses the whole project (DBT_PARTIAL_PARSE=false), as every run once did; a
    new warehouse's first run, from the project's own parse made for it (var/dbt_parse removed first);
    and a later run, from the parse the last run kept. The `dbt --version` process dagster-dbt used to
    start before each run is timed apart."""
    from pipelines.settings import Paths

    source = Paths.from_env()
    if not source.warehouse.exists():
        sys.exit(f"No warehouse at {source.warehouse}: run `make build` first.")
    tmp = Path(tempfile.mkdtemp(prefix="rocu-bench-refresh-"))
    var = tmp / "var"
    shutil.copytree(source.var, var, ignore=shutil.ignore_patterns("dbt_runs", "published", "dagster_home", "*.log"))
    (var / "dagster_home").mkdir()
    shutil.copyfile(ROOT / "pipelines" / "orchestration" / "dagster.yaml", var / "dagster_home" / "dagster.yaml")
    config = tmp / "slice.yaml"
    config.write_text(f"ops:\n  raw_returns:\n    config:\n      unit: {args.unit}\n      month: '{args.month}'\n")
    env = {**os.environ, "ROCU_VAR_DIR": str(var), "DAGSTER_HOME": str(var / "dagster_home"),
           "ROCU_DBT_FILE_LOG": "debug"}  # dbt says how it parsed only in its debug log
    command = [str(BIN / "dagster"), "job", "execute", "-m", "pipelines.orchestration.definitions",
               "-j", "refresh_returns", "-c", str(config)]
    child_seconds(command, env)  # the first run after the copy makes this warehouse's parse
    modes = {"full parse (as every run once did)": ("full", {"DBT_PARTIAL_PARSE": "false"}, False),
             "new warehouse (the project's parse, made for it)": ("partial", {}, True),
             "later run (the parse the last run kept)": ("partial", {}, False)}
    rows: dict[str, list] = {name: [] for name in modes}
    for round_ in range(args.repeat):
        for name in (list(modes) if round_ % 2 == 0 else list(modes)[::-1]):
            expected, extra, new_warehouse = modes[name]
            if new_warehouse:
                shutil.rmtree(var / "dbt_parse", ignore_errors=True)
            wall, cpu = child_seconds(command, {**env, **extra})
            mode, parse = run_folder_parse(var)
            assert mode == expected, f"{name}: expected a {expected} parse, dbt did a {mode} one"
            rows[name].append((wall, cpu, parse))
    version = [child_seconds([str(BIN / "dbt"), "--version"]) for _ in range(args.repeat)]
    print(f"refresh_returns for {args.unit} {args.month}, medians of {args.repeat} interleaved rounds")
    print(f"{'run':50} {'wall s':>7} {'CPU s':>6} {'dbt start to project loaded s':>30}")
    for name, times in rows.items():
        print(f"{name:50} {statistics.median(t[0] for t in times):7.2f} {statistics.median(t[1] for t in times):6.2f} "
              f"{statistics.median(t[2] for t in times):30.2f}")
    full, new, later = (statistics.median(t[1] for t in times) for times in rows.values())
    print(f"{'dbt --version (no longer started per run)':50} {statistics.median(v[0] for v in version):7.2f} "
          f"{statistics.median(v[1] for v in version):6.2f}")
    print(f"CPU ratio full-parse run / later run: {full / later:.2f}x; new warehouse's first run / later run: "
          f"{new / later:.2f}x; full parse with the --version process added back / later run: "
          f"{(full + statistics.median(v[1] for v in version)) / later:.2f}x")
    shutil.rmtree(tmp, ignore_errors=True)


def bench_materialize(args) -> None:
    """dbt's cost per table and per view model with the project's materializations (one `create or
    replace`, dbt_project/macros/replace_in_place.sql) against dbt-duckdb's own (build under a
    temporary name, rename, drop the backup), on a throwaway project of small models, so the
    difference is the materialization and not the SQL: `dbt run` processes, one thread, alternating,
    each timed by dbt from its first model to its last (run_results.json), not the process's start."""
    tmp = Path(tempfile.mkdtemp(prefix="rocu-bench-materialize-"))
    (tmp / "models").mkdir()
    (tmp / "macros").mkdir()
    (tmp / "dbt_project.yml").write_text('name: bench\nversion: "1.0.0"\nconfig-version: 2\nprofile: bench\n'
                                         'macro-paths: ["macros"]\nflags: {send_anonymous_usage_stats: false}\n')
    (tmp / "profiles.yml").write_text(f"bench:\n  target: local\n  outputs:\n    local: {{type: duckdb, path: "
                                      f"'{tmp / 'bench.duckdb'}', threads: 1, settings: {{threads: 1}}}}\n")
    sql = "select range as n, range * 2 as doubled from range(20000)"
    for i in range(args.models):
        (tmp / "models" / f"table_{i}.sql").write_text(f"{{{{ config(materialized='table') }}}}\n{sql}")
        (tmp / "models" / f"view_{i}.sql").write_text(f"{{{{ config(materialized='view') }}}}\n{sql}")
    ours = ROOT / "dbt_project" / "macros" / "replace_in_place.sql"
    kinds = {"one statement (the project's)": True, "dbt-duckdb's (rename and drop)": False}
    seconds: dict[tuple[str, str], list[float]] = {}
    for round_ in range(args.repeat + 1):  # the first round builds the relations a rebuild replaces
        for name in (list(kinds) if round_ % 2 == 0 else list(kinds)[::-1]):
            (tmp / "macros" / ours.name).unlink(missing_ok=True)
            if kinds[name]:
                shutil.copyfile(ours, tmp / "macros" / ours.name)
            for kind in ("table", "view"):
                subprocess.run([str(BIN / "dbt"), "--log-level-file", "none", "run", "--select", f"{kind}_*",
                                "--project-dir", str(tmp), "--profiles-dir", str(tmp)],
                               check=True, stdout=subprocess.DEVNULL, cwd=tmp)
                if round_:
                    elapsed = json.loads((tmp / "target" / "run_results.json").read_text())["elapsed_time"]
                    seconds.setdefault((name, kind), []).append(elapsed)
    print(f"dbt run of {args.models} models of each kind, medians of {args.repeat} alternating rounds")
    median = {key: statistics.median(times) for key, times in seconds.items()}
    print(f"{'materialization':34} {'table s':>8} {'view s':>8}")
    for name in kinds:
        print(f"{name:34} {median[name, 'table']:8.2f} {median[name, 'view']:8.2f}")
    one, theirs = list(kinds)
    for kind in ("table", "view"):
        print(f"  a {kind} model: {1000 * (median[theirs, kind] - median[one, kind]) / args.models:.0f} ms less with "
              f"one statement (dbt-duckdb's takes {median[theirs, kind] / median[one, kind]:.2f}x)")
    shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("intake")
    p.add_argument("--repeat", type=int, default=5)
    p.set_defaults(func=bench_intake)
    p = sub.add_parser("checks")
    p.add_argument("--repeat", type=int, default=3)
    p.set_defaults(func=bench_checks)
    p = sub.add_parser("hostile")
    p.set_defaults(func=bench_hostile)
    p = sub.add_parser("warehouse")
    p.add_argument("--scale", type=int, default=100)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--unit", default="EMSOU")
    p.add_argument("--month", default="2026-10")
    p.set_defaults(func=bench_warehouse)
    p = sub.add_parser("floor", help="(used by warehouse) run a floor plan's statements in one connection")
    p.add_argument("plan", type=Path)
    p.add_argument("warehouse", type=Path)
    p.set_defaults(func=lambda a: run_floor(a.plan, a.warehouse))
    p = sub.add_parser("materialize")
    p.add_argument("--models", type=int, default=40)
    p.add_argument("--repeat", type=int, default=3)
    p.set_defaults(func=bench_materialize)
    p = sub.add_parser("refresh")
    p.add_argument("--unit", default="YHROCU")
    p.add_argument("--month", default="2025-09")
    p.add_argument("--repeat", type=int, default=3)
    p.set_defaults(func=bench_refresh)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
