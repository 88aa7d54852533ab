"""The main job's servers as `make demo` starts them: both answer on 127.0.0.1 and the intake and refresh
workers listen, the console ends with what a person needs, and Ctrl+C leaves no process behind (Dagster's
webserver, daemon and code servers, and both workers, included)."""

import csv
import hashlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from pipelines.intake.check import worker_client as intake_worker
from pipelines.intake.land.registry import ACCEPTED_STATES
from pipelines.intake.land.zone import LandingZone
from pipelines import local_service
from pipelines.refresh_request import NAME as REFRESH, worker_running as refresh_worker_running
from tests.browser import free_port
from tests.conftest import generate_demo

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def processes_of(var: Path) -> list[tuple[int, str]]:
    """Every process on the machine whose environment points at this var folder: whatever the
    servers started inherits it, however far down and in whichever process group. Not this test
    process's own children: an earlier test's verdict here left its spare reading child waiting
    (pipelines/intake/standardise/isolation.py), with the same var folder in its environment."""
    marker = f"ROCU_VAR_DIR={var}".encode()
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if f"PPid:\t{os.getpid()}\n" in (proc / "status").read_text():
                continue
            if marker in (proc / "environ").read_bytes().split(b"\0"):
                found.append((int(proc.name), (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()[:200]))
        except OSError:  # gone meanwhile, or not ours
            continue
    return found


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


# A terminal starts `make demo` with Ctrl+C's signals at their defaults. A test run started in the
# background (`cmd &` in a script) inherits SIGINT and SIGQUIT ignored (and Dagster, run in-process
# by other tests, then sets SIGTERM like SIGINT): bash cannot trap a signal ignored when it starts.
AS_FROM_A_TERMINAL = ("import os, signal, sys\n"
                      "for s in (signal.SIGINT, signal.SIGQUIT, signal.SIGTERM):\n"
                      "    signal.signal(s, signal.SIG_DFL)\n"
                      "os.execvp('bash', ['bash', *sys.argv[1:]])")


def start_main_job(var: Path, *args: str) -> tuple[subprocess.Popen, int, int]:
    """scripts/run.sh as `make demo` runs it, on free ports, in a session of its own like a terminal's
    (Ctrl+C sends SIGINT to the foreground process group). Returns it with the Dagster and Streamlit ports."""
    dagster_port, streamlit_port = free_port(), free_port()
    env = {**os.environ, "ROCU_VAR_DIR": str(var), "DAGSTER_HOME": str(var / "dagster_home"),
           "DAGSTER_PORT": str(dagster_port), "STREAMLIT_PORT": str(streamlit_port)}
    job = subprocess.Popen([sys.executable, "-c", AS_FROM_A_TERMINAL, "scripts/run.sh", *args], cwd=ROOT, env=env,
                           start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return job, dagster_port, streamlit_port


def wait_while_running(job: subprocess.Popen, what: str, seconds: float, ready) -> None:
    deadline = time.monotonic() + seconds
    while not ready():
        assert job.poll() is None, job.stdout.read()
        assert time.monotonic() < deadline, f"{what} within {seconds:.0f} s"
        time.sleep(0.5)


def ctrl_c(job: subprocess.Popen, var: Path) -> str:
    """Ctrl+C, then every process that inherited the var folder gone within 30 s. Returns the console."""
    os.killpg(job.pid, signal.SIGINT)
    try:
        output, _ = job.communicate(timeout=60)
    except subprocess.TimeoutExpired as stuck:  # say what was still running, and what the logs said
        logs = {p.name: p.read_text(errors="replace")[-600:] for p in sorted(var.glob("*.log"))}
        state = [line for line in Path(f"/proc/{job.pid}/status").read_text().splitlines()
                 if line.startswith(("State", "Sig"))]
        raise AssertionError(f"scripts/run.sh still running 60 s after Ctrl+C ({state}); its console: "
                             f"{stuck.output!r}; processes of the var folder: {processes_of(var)}; logs: {logs}"
                             ) from stuck
    deadline = time.monotonic() + 30
    while processes_of(var) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_of(var) == []
    assert not intake_worker.socket_path(var).exists()
    return output


def test_ctrl_c_stops_both_servers_and_every_process_they_started(built_demo_copy):
    var = built_demo_copy
    job, dagster_port, streamlit_port = start_main_job(var, "--serve-only")
    try:
        dagster = f"http://127.0.0.1:{dagster_port}/server_info"
        streamlit = f"http://127.0.0.1:{streamlit_port}/_stcore/health"
        # and the workers: Great Expectations kept loaded for every verdict, Dagster for every refresh
        wait_while_running(job, "the servers and workers answer", 180, lambda: answers(dagster) and answers(
            streamlit) and intake_worker.is_running(var) and refresh_worker_running(var))
        started = processes_of(var)
        assert len(started) >= 3, started  # Streamlit, the two workers, and dagster dev with its children
    finally:
        output = ctrl_c(job, var)

    assert not local_service.socket_path(var, REFRESH).exists()
    lines = [line for line in output.splitlines() if line.strip()]
    assert not [line for line in lines if "DEBUG" in line or "Traceback" in line], output
    # What a person needs, last: the addresses, then how to stop.
    assert f"Dashboards: http://127.0.0.1:{streamlit_port}" in lines[-3:-1], output
    assert f"Dagster UI: http://127.0.0.1:{dagster_port}" in output
    assert lines[-1] == "Stopped.", output


def test_the_dashboards_answer_while_the_demo_builds_and_ctrl_c_then_stops_everything(tmp_path):
    """`make demo` starts the dashboards and the intake worker before the build (their start-up uses
    the core the build's single-threaded steps leave idle) and Dagster only after it. Ctrl+C in the
    middle of the build stops the build and both early processes, and Dagster never starts."""
    var = tmp_path / "var"
    job, dagster_port, streamlit_port = start_main_job(var)
    try:
        streamlit = f"http://127.0.0.1:{streamlit_port}/_stcore/health"
        log = var / "build.log"
        # the demo generated and its returns being submitted (pipelines/demo/load.py's progress bar)
        wait_while_running(job, "the dashboards answer during the build", 120, lambda: answers(
            streamlit) and intake_worker.is_running(var) and log.exists() and "submitting demo returns" in log.read_text())
        assert not (var / "published").exists()  # still building
        assert not answers(f"http://127.0.0.1:{dagster_port}/server_info")
    finally:
        output = ctrl_c(job, var)

    assert "Dagster UI:" not in output
    assert output.splitlines()[-1] == "Stopped.", output


def test_ctrl_c_stops_the_demo_load_at_once_and_the_next_load_finishes_it(tmp_path):
    """`rocu demo load` (make demo's longest step) submits units in parallel workers. Ctrl+C stops
    it within seconds, not after the units already handed out, and leaves no process behind; the
    next load submits the rest, signs off what was left unsigned and sends nothing twice."""
    var = tmp_path / "var"
    generate_demo(var / "demo", months=12)  # enough that the units already handed out take far longer than 10 s
    expected = [(row["rocu_code"], row["period"], kind, hashlib.sha256((var / "demo" / row["path"]).read_bytes()).hexdigest())
                for manifest, kind in (("manifest.csv", "monthly"), ("resources_manifest.csv", "resources"))
                for row in csv.DictReader((var / "demo" / manifest).open()) if row["path"]]
    registry = LandingZone(var / "landing").registry
    load = [sys.executable, "-c", AS_FROM_A_TERMINAL, "-c", 'exec "$0" -m pipelines.cli demo load', sys.executable]
    job = subprocess.Popen(load, cwd=ROOT, env={**os.environ, "ROCU_VAR_DIR": str(var)}, start_new_session=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wait_while_running(job, "a few returns submitted", 120, lambda: (var / "landing" / "registry.sqlite").exists()
                       and len(registry.submissions(kind=None)) >= 5)
    os.killpg(job.pid, signal.SIGINT)
    try:
        job.communicate(timeout=10)
    except subprocess.TimeoutExpired as stuck:
        raise AssertionError(f"rocu demo load still running 10 s after Ctrl+C: {processes_of(var)}") from stuck
    assert len(registry.submissions(kind=None)) < len(expected)  # stopped part-way, the rest not sent
    deadline = time.monotonic() + 15  # a stopped worker's spare reading child ends when its stdin closes
    while processes_of(var) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_of(var) == []

    subprocess.run(load, cwd=ROOT, env={**os.environ, "ROCU_VAR_DIR": str(var)}, check=True, capture_output=True,
                   timeout=600)
    versions = registry.submissions(kind=None)
    final = Counter((s.rocu_code, s.period, s.return_kind, s.file_sha256) for s in versions if s.state != "received")
    assert final == Counter(expected)  # each return once, with its verdict
    signed_off = {a["submission_id"] for a in registry.approvals()}
    assert [s for s in versions if s.state in ACCEPTED_STATES and s.submission_id not in signed_off] == []
