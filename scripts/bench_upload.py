"""Upload to dashboard: from a unit lead's `rocu submit` to a running dashboard page showing the new figure.

    python scripts/bench_upload.py [--repeat 3] [--scale 1]

Against a copy of the built var folder (`make build` first), the main job's servers run as
`make demo` starts them (scripts/run.sh --serve-only: the Dagster UI and daemon, the dashboards,
the intake worker and the refresh worker). Each round:

1. a NOCC analyst has the drill-through of one unit's arrests for one month open in chromium;
2. the unit's lead submits a corrected return with `rocu submit` and the unit's approver signs it
   off with `rocu approve` (two people, four eyes), both as new command-line processes;
3. the open page is watched, untouched, until it shows the new figure: it looks for a newly
   published build twice a second by itself and moves to it (dashboards/app.py). With `--press-r S`
   the page is also rerun (Streamlit's R key) every S seconds, as a person reloading would: a rerun of
   this page costs about 0.4 s of chromium's CPU and 0.15 s of the server's, taken from the refresh's
   two cores (side by side, once a second against only watching: 0.3-0.4 s slower in all).

The floor is the same work in one process and one DuckDB connection, measured in the same run,
alternating with the rounds: the verdict with Great Expectations already loaded, the sign-off,
that month's raw load (the seven tables a returns refresh reloads, read as it reads them, in one
connection), the refresh's own models and data tests (what lies downstream of the raw
tables it reloads, as the worker's run selects them; the kept models by the statements dbt runs for
them in a refresh, deleting the changed scopes and building those, `bench.kept_statements`) as plain
statements in one connection, dbt's run-end note of the marts the run built (which tells the publish
what to read again), and the publish. Not the whole build's statements, nor a kept model
whole: a refresh does not do that work, and a floor that did would flatter the ratio.

`--scale N` runs the same rounds on N times the demo's history (pipelines/demo/scale.py): the
landing zone's monthly returns grown to N versions of each (the registry and each version's stored
values, which a refresh reloads from), the warehouse's disruption claims to N distinct claims, then
the raw returns reloaded whole from the grown zone and the warehouse built again before the servers
start.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
BIN = Path(sys.executable).parent
UNIT, ANALYST = "NEROCU", "analyst.nocc"


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def demo_password(var: Path) -> str:
    return re.search(r"password: (\S+)", (var / "demo-accounts.txt").read_text()).group(1)


def corrected_return(var: Path, extra: int) -> tuple[str, str, str]:
    """(month, file name, text) of the unit's demo return for one month with `extra` more arrests."""
    with (var / "demo" / "manifest.csv").open() as f:
        row = next(r for r in csv.DictReader(f) if r["rocu_code"] == UNIT and r["scenario"] == "normal"
                   and r["path"].endswith(".csv"))
    text = (var / "demo" / row["path"]).read_text()
    line = next(x for x in text.splitlines() if ",Arrests," in x)
    old = float(line.rsplit(",", 1)[1])
    return row["period"], Path(row["path"]).name, text.replace(line, line.rsplit(",", 1)[0] + f",{old + extra:g}")


def published_arrests(var: Path, month: str) -> float:
    return arrests(var / "published" / "rocu.duckdb", month)


def arrests(database: Path, month: str) -> float:
    """The unit's arrests for `month` in a warehouse file (the working one or its published copy)."""
    import duckdb

    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute("select value from marts.fct_metric_monthly where rocu_code = ? and month = ?"
                           " and metric_id = 'PUR_ARRESTS'", [UNIT, month]).fetchone()[0]
    finally:
        con.close()


def cli(var: Path, password: str, *args: str) -> str:
    env = {**os.environ, "ROCU_VAR_DIR": str(var), "ROCU_BENCH_PASSWORD": password}
    done = subprocess.run([str(BIN / "rocu"), *args, "--password-env", "ROCU_BENCH_PASSWORD"], env=env,
                          capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        sys.exit(f"rocu {args[0]} failed: {done.stdout}{done.stderr}")
    return done.stdout


def shows(page, value, figure: float, press_r: float) -> bool:
    """Give the open page up to a second (or `press_r` seconds, after rerunning it in its signed-in
    session with Streamlit's R key) to show `figure`, with or without thousands commas."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    if press_r:
        page.locator("body").press("r")
    try:
        digits = ",?".join(f"{figure:.0f}")
        value.filter(has_text=re.compile(rf"^\s*{digits}\s*$")).wait_for(timeout=1_000 * (press_r or 1))
        return True
    except PlaywrightTimeout:
        return False


def upload_round(var: Path, password: str, page, url: str, extra: int, press_r: float = 0) -> dict[str, float]:
    """One round through the real interfaces; seconds of each part and in all."""
    from playwright.sync_api import expect

    month, name, text = corrected_return(var, extra)
    figure = f"{url}/drill?unit={UNIT}&metric=PUR_ARRESTS&period_type=month&period={month}"
    work = Path(tempfile.mkdtemp(prefix="rocu-bench-upload-"))
    (work / name).write_text(text)
    want = published_arrests(var, month) + 100  # each round's return carries 100 more than the last

    value = page.get_by_test_id("stMetricValue").first
    page.goto(figure)  # the page is open, signed in, before the upload
    page.get_by_label("Username", exact=True).fill(ANALYST)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(value).to_be_visible(timeout=60_000)
    start = time.perf_counter()
    out = cli(var, password, "submit", "--user", f"lead.{UNIT.lower()}", "--unit", UNIT, "--period", month,
              "--reason", "benchmark correction", str(work / name))
    submitted = time.perf_counter()
    submission = int(re.search(r"reports/(\d+)\.html", out).group(1))
    cli(var, password, "approve", "--user", f"approver.{UNIT.lower()}", str(submission))
    approved = time.perf_counter()
    deadline = approved + 600
    while not shows(page, value, want, press_r):
        if time.perf_counter() > deadline:
            sys.exit(f"the page did not show {want:g} within 600 s of the sign-off")
    shown = time.perf_counter()
    shutil.rmtree(work, ignore_errors=True)
    now = time.time()
    return {"submit": submitted - start, "approve": approved - submitted, "to page": shown - approved,
            "total": shown - start, "runs": worker_runs(var, since=now - (shown - start),
                                                         approved=now - (shown - approved), shown=now)}


def worker_runs(var: Path, since: float, approved: float, shown: float) -> list[str]:
    """What each refresh worker run since `since` did, read from the Dagster instance, oldest first:
    its trigger, its seconds, and whether it published (with each step's seconds) or left that to the
    next run; for the run that published, the seconds from the sign-off to its start and from its end
    to the page showing the figure (the waits outside the run)."""
    from dagster import DagsterEventType, DagsterInstance, RunsFilter

    from pipelines.orchestration.jobs import refresh_returns

    instance = DagsterInstance.from_config(str(var / "dagster_home"))
    said = []
    try:
        for run in reversed(instance.get_runs(RunsFilter(job_name=refresh_returns.name,
                                                         tags={"rocu/started_by": "refresh_worker"}))):
            stats = instance.get_run_stats(run.run_id)
            if not stats.start_time or stats.start_time < since:
                continue
            published = any(e.dagster_event.asset_key.path == ["published_warehouse"] for e in instance.all_logs(
                run.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION))
            outcome = "left to the next"
            if published:
                outcome = "published (" + ", ".join(f"{step.step_key} {step.end_time - step.start_time:.1f}" for step
                                                    in instance.get_run_step_stats(run.run_id) if step.end_time) + ")"
                began = stats.start_time - approved
                outcome += (f", started {abs(began):.1f} s {'after' if began >= 0 else 'before'} the sign-off, "
                            f"shown {round(shown - stats.end_time, 1) + 0.0:.1f} s after its end")  # not -0.0
            # what rang for the run, and any request it took in as it loaded (a sign-off during its verdict's run)
            asked = [run.tags.get("rocu/trigger", "?"), *filter(None, run.tags.get("rocu/joined", "").split("; "))]
            said.append(f"{' + '.join(a.split(' ')[0] for a in asked)} {stats.end_time - stats.start_time:.1f} s "
                        f"{outcome}")
    finally:
        instance.dispose()
    return said


def floor_round(var: Path, plan: Path, extra: int) -> float:
    """The floor's own process (see the module's docstring); prints its seconds."""
    done = subprocess.run([sys.executable, __file__, "floor", str(var), str(plan), str(extra)],
                          capture_output=True, text=True, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def run_floor(var: Path, plan: Path, extra: int) -> None:
    """Everything an upload makes happen, in this one process: warm first (GX loaded, as the worker
    keeps it), then timed."""
    import duckdb

    from pipelines.access.audit import AuditLog
    from pipelines.intake.api import LandingZone, approve, submit_return, warm_up_checks
    from pipelines.intake.check.expectations import WARMED_SUITES, prepare
    from pipelines.orchestration.assets.raw_returns import ReturnsSlice
    from pipelines.serving.publish import publish_copy
    from pipelines.settings import Paths

    import pipelines.orchestration.refresh_worker  # noqa: F401  (load_returns' imports, loaded as the worker has them)

    os.environ["ROCU_VAR_DIR"] = str(var)
    paths = Paths(var)
    warm_up_checks()
    for name in WARMED_SUITES:
        prepare(name)
    from bench import for_round

    statements = for_round(json.loads(plan.read_text()))
    month, name, text = corrected_return(var, extra)
    zone = LandingZone(paths.landing)
    start = time.perf_counter()
    verdict = submit_return(zone, text.encode(), original_name=name, rocu_code=UNIT, period=month,
                            submitted_by=f"lead.{UNIT.lower()}", today=date.today())
    approve(zone, verdict.submission.submission_id, f"approver.{UNIT.lower()}")
    load_returns(zone, paths.warehouse, ReturnsSlice(unit=UNIT, month=month))
    con = duckdb.connect(str(paths.warehouse))
    con.execute("set enable_progress_bar = false")
    for _, sql in statements:
        con.execute(sql).fetchall()
    con.close()
    publish_copy(paths.warehouse, paths.published, AuditLog.at(paths))
    seconds = time.perf_counter() - start
    # The same work, so the same outcome: the new figure published (a floor that left it out would flatter).
    built, published = arrests(paths.warehouse, month), published_arrests(var, month)
    if published != built:
        sys.exit(f"the floor published {published:g}, not the figure it built ({built:g})")
    print(seconds)


def load_returns(zone, warehouse: Path, month_slice) -> None:
    """The raw tables a returns refresh reloads, read as its load reads them, in one connection
    (one unit-month's, or with an empty slice every return's)."""
    from pipelines.orchestration.assets.raw_returns import slice_filter, table_reads
    from pipelines.orchestration.refresh_worker import RELOADS
    from pipelines.orchestration.warehouse import replace_in, writing
    from pipelines.refresh_request import RETURNS

    reads = table_reads(zone, month_slice, slice_filter(month_slice))[2]
    with writing(warehouse) as con:
        for table in RELOADS[RETURNS]:
            replace_in(con, table, reads[table].rows(), where=reads[table].replaces)


def grow(var: Path, factor: int) -> None:
    """The var folder's history at `factor` times the demo's volume (see the module's docstring)."""
    import duckdb

    from pipelines.demo.scale import grow_disruptions, grow_zone
    from pipelines.intake.api import LandingZone
    from pipelines.orchestration.assets.raw_returns import ReturnsSlice

    started = time.perf_counter()
    versions = grow_zone(var / "landing", factor)
    load_returns(LandingZone(var / "landing"), var / "warehouse" / "rocu.duckdb", ReturnsSlice())
    con = duckdb.connect(str(var / "warehouse" / "rocu.duckdb"))
    try:
        con.execute("begin")
        grow_disruptions(con, factor)
        con.execute("commit")
    finally:
        con.close()
    print(f"Grown to {factor}x: {versions} monthly versions in the landing zone ({time.perf_counter() - started:.0f} s)",
          flush=True)


def linked_copy(source: Path, target: Path) -> None:
    """A copy of a var folder whose landing zone's kept files are hard links (written once, never
    changed: a new version writes new files), and everything else copied (the publish's slot files
    too: they are written in place)."""
    kept = (source / "landing" / "files", source / "landing" / "standardised")
    shutil.copytree(source, target, copy_function=lambda s, d: os.link(s, d) if Path(s).parent.is_relative_to(
        kept[0]) or Path(s).parent == kept[1] else shutil.copy2(s, d))


def prepare_var(source: Path, tmp: Path, factor: int = 1) -> tuple[Path, Path]:
    """(the var folder the servers use, the floor's own copy, with the floor's plan beside it)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from bench import dbt_command, floor_statements, kept_statements, refresh_nodes

    from pipelines.access.audit import AuditLog
    from pipelines.serving.publish import SLOT_FILES, SLOTS, publish_copy
    from pipelines.settings import Paths

    var = tmp / "var"
    shutil.copytree(source, var, ignore=shutil.ignore_patterns("dbt_runs", "dagster_home", "*.log", "*.sock", SLOT_FILES))
    if factor > 1:
        grow(var, factor)
    target = tmp / "compiled"
    # The warehouse built by this code, so the kept models hold their digests ...
    subprocess.run(dbt_command(["build", "--full-refresh"], var / "warehouse" / "rocu.duckdb", target), check=True,
                   stdout=subprocess.DEVNULL)
    # ... and the kept models' statements are a refresh's: delete the changed scopes, build those
    kept = kept_statements(var / "warehouse" / "rocu.duckdb", tmp / "kept")
    # ... published, so that the open page starts on it (at scale, not on the demo's figures), as often as
    # a deployment that has published a few builds: every slot exists, none has to start as a file copy
    for _ in range(SLOTS):
        publish_copy(var / "warehouse" / "rocu.duckdb", var / "published" / "rocu.duckdb", AuditLog.at(Paths(var)))
    floor_var = tmp / "floor" / "var"
    linked_copy(var, floor_var)
    manifest = target / "manifest.json"
    (tmp / "floor" / "plan.json").write_text(json.dumps(floor_statements(
        manifest, floor_var / "warehouse" / "rocu.duckdb", only=refresh_nodes(manifest), kept=kept)))
    return var, floor_var


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what")
    floor = sub.add_parser("floor", help="(used by the benchmark) the floor's own process")
    floor.add_argument("var", type=Path)
    floor.add_argument("plan", type=Path)
    floor.add_argument("extra", type=int)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--keep", action="store_true",
                        help="keep the benchmark's var folders (its Dagster runs, dbt's run results) to read after")
    parser.add_argument("--press-r", type=float, default=0, metavar="S",
                        help="also rerun the open page every S seconds (default: only watch it)")
    args = parser.parse_args()
    if args.what == "floor":
        run_floor(args.var, args.plan, args.extra)
        return
    from playwright.sync_api import sync_playwright

    from pipelines.papers.pdf import CHROMIUM, CHROMIUM_ARGS
    from pipelines.settings import Paths

    source = Paths.from_env().var
    if not (source / "published" / "rocu.duckdb").exists():
        sys.exit(f"No built warehouse in {source}: run `make build` first.")
    tmp = Path(tempfile.mkdtemp(prefix="rocu-bench-upload-"))
    var, floor_var = prepare_var(source, tmp, args.scale)
    password = demo_password(var)
    streamlit_port, dagster_port = free_port(), free_port()
    env = {**os.environ, "ROCU_VAR_DIR": str(var), "DAGSTER_HOME": str(var / "dagster_home"),
           "STREAMLIT_PORT": str(streamlit_port), "DAGSTER_PORT": str(dagster_port)}
    servers = subprocess.Popen(["bash", "scripts/run.sh", "--serve-only"], cwd=ROOT, env=env, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{streamlit_port}"
    from pipelines import local_service

    try:
        deadline = time.monotonic() + 300
        while not (answers(f"{url}/_stcore/health") and local_service.is_running(var, "intake")
                   and local_service.is_running(var, "refresh")):
            if time.monotonic() > deadline or servers.poll() is not None:
                sys.exit(f"the servers did not start; see {var}/*.log")
            time.sleep(0.5)
        rounds, floors = [], []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            # One round first, not counted: the worker's first run waits for the dbt parse it makes in
            # the background as it starts (so that `make demo` answers sooner), and the rounds measure
            # a worker that is ready.
            first = upload_round(var, password, page, url, 100, args.press_r)
            for i in range(args.repeat):
                extra = 100 * (i + 2)  # arrests added to the demo's figure: 100 more each round
                runs = [lambda e=extra: rounds.append(upload_round(var, password, page, url, e, args.press_r)),
                        lambda e=extra: floors.append(floor_round(floor_var, tmp / "floor" / "plan.json", e))]
                for run in runs if i % 2 == 0 else runs[::-1]:  # interleaved, order alternating
                    run()
            browser.close()
    finally:
        os.killpg(servers.pid, signal.SIGINT)
        servers.wait(timeout=120)
    print(f"Upload to dashboard at {args.scale}x the demo's volume, {UNIT} arrests for one month; "
          f"medians of {args.repeat} rounds (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores); the open "
          f"page {f'rerun every {args.press_r:g} s' if args.press_r else 'watched, untouched (it moves to a new build itself)'}")
    for part in ("submit", "approve", "to page", "total"):
        print(f"  {part:34} {statistics.median(r[part] for r in rounds):7.2f} s")
    print(f"  first round, not counted: {first['total']:.1f} s; refresh runs: {'; '.join(first['runs'])}")
    for i, r in enumerate(rounds, 1):
        print(f"  round {i}: {r['total']:.1f} s; refresh runs: {'; '.join(r['runs'])}")
    total, floor_s = statistics.median(r["total"] for r in rounds), statistics.median(floors)
    print(f"  {'floor (same work, one process)':34} {floor_s:7.2f} s (rounds {', '.join(f'{f:.1f}' for f in floors)})")
    print(f"  ratio to the floor {total / floor_s:.2f}x (target <= 2x and <= 10 s)")
    if args.keep:
        print(f"  kept: {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
