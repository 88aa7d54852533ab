"""How long `make demo` takes after its install step, to both servers answering with a built warehouse.

    .venv/bin/python scripts/bench_demo.py [--repeat 1]

Runs `bash scripts/run.sh` (what `make demo` runs once the venv and the dbt manifest exist) in a new,
empty var folder, as a person would at a terminal: its own session, console captured. Measures
the seconds from the start to the Dagster UI, the dashboards and both workers answering on
127.0.0.1 with the published warehouse in place, against issue 16's target of 2 minutes; prints
each build step's own time from the console, then sends Ctrl+C (SIGINT) and reports whether any
process it started is left, and any console line a person could not act on (DEBUG, WARNING,
tracebacks). A measurement tool, not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.intake.check import worker_client as intake_worker  # noqa: E402
from pipelines.refresh_request import worker_running as refresh_worker_running  # noqa: E402
from pipelines.settings import Paths  # noqa: E402
from tests.browser import free_port  # noqa: E402
from tests.test_main_job import answers, processes_of  # noqa: E402

TARGET_S = 120.0
NOISE = re.compile(r"DEBUG|WARNING|Warning:|Traceback")
STEP = re.compile(r"^(?P<what>.+) \.\.\. done \((?P<seconds>\d+) s\)$")


def one_run() -> dict:
    var = Path(tempfile.mkdtemp(prefix="rocu-bench-demo-"))
    dagster_port, streamlit_port = free_port(), free_port()
    env = {**os.environ, "ROCU_VAR_DIR": str(var), "DAGSTER_HOME": str(var / "dagster_home"),
           "DAGSTER_PORT": str(dagster_port), "STREAMLIT_PORT": str(streamlit_port)}
    console = var.with_suffix(".console")
    started = time.monotonic()
    with console.open("w") as out:
        job = subprocess.Popen(["bash", "scripts/run.sh"], cwd=ROOT, env=env, start_new_session=True,
                               stdout=out, stderr=subprocess.STDOUT, text=True)
        try:
            while not (Paths(var).published.exists() and answers(f"http://127.0.0.1:{dagster_port}/server_info")
                       and answers(f"http://127.0.0.1:{streamlit_port}/_stcore/health")
                       and intake_worker.is_running(var) and refresh_worker_running(var)):
                if job.poll() is not None:
                    raise SystemExit(f"scripts/run.sh ended ({job.returncode}):\n{console.read_text()[-3000:]}")
                time.sleep(0.25)
            answered = time.monotonic() - started
        finally:
            os.killpg(job.pid, signal.SIGINT)
            job.wait(timeout=90)
    deadline = time.monotonic() + 30
    while processes_of(var) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = processes_of(var)
    text = console.read_text()
    steps = {m["what"]: int(m["seconds"]) for m in map(STEP.match, text.splitlines()) if m}
    noise = [line for line in text.splitlines() if NOISE.search(line)]
    shutil.rmtree(var, ignore_errors=True)
    console.unlink(missing_ok=True)
    return {"answered": answered, "steps": steps, "left": left, "noise": noise}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)
    if not (ROOT / "dbt_project" / "target" / "manifest.json").exists():
        raise SystemExit("Run `make manifest` first (make demo's step before scripts/run.sh).")
    runs = [one_run() for _ in range(args.repeat)]
    load = os.getloadavg()[0]
    print(f"make demo after its install step, {args.repeat} run(s), load average {load:.1f}:")
    for what in runs[0]["steps"]:
        print(f"  {what:<78} {statistics.median(r['steps'].get(what, 0) for r in runs):>4.0f} s")
    answered = statistics.median(r["answered"] for r in runs)
    print(f"  {'start to both servers and both workers answering, warehouse published':<78} {answered:>6.1f} s"
          f"  (target {TARGET_S:.0f} s: {answered / TARGET_S:.2f}x)")
    left = [p for r in runs for p in r["left"]]
    print(f"  processes left after Ctrl+C: {len(left)}" + "".join(f"\n    {pid} {cmd}" for pid, cmd in left))
    noise = [line for r in runs for line in r["noise"]]
    print(f"  console lines a person cannot act on (DEBUG, WARNING, tracebacks): {len(noise)}"
          + "".join(f"\n    {line[:160]}" for line in noise[:10]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
