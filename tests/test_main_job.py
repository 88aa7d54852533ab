"""The main job's servers as `make demo` starts them: both answer on 127.0.0.1 and the intake and refresh
workers listen, the console ends with what a person needs, and Ctrl+C leaves no process behind (Dagster's
webserver, daemon and code servers, and both workers, included)."""

import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from pipelines.intake.check import worker_client as intake_worker
from pipelines import local_service
from pipelines.refresh_request import NAME as REFRESH, worker_running as refresh_worker_running
from tests.browser import free_port

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def processes_of(var: Path) -> list[tuple[int, str]]:
    """Every process on the machine whose environment points at this var folder: whatever the
    servers started inherits it, however far down and in whichever process group."""
    marker = f"ROCU_VAR_DIR={var}".encode()
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
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


def test_ctrl_c_stops_both_servers_and_every_process_they_started(built_demo_copy):
    var = built_demo_copy
    dagster_port, streamlit_port = free_port(), free_port()
    env = {**os.environ, "ROCU_VAR_DIR": str(var), "DAGSTER_HOME": str(var / "dagster_home"),
           "DAGSTER_PORT": str(dagster_port), "STREAMLIT_PORT": str(streamlit_port)}
    # A session of its own, like a terminal's: Ctrl+C sends SIGINT to the foreground process group.
    job = subprocess.Popen(["bash", "scripts/run.sh", "--serve-only"], cwd=ROOT, env=env, start_new_session=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 180
        dagster = f"http://127.0.0.1:{dagster_port}/server_info"
        streamlit = f"http://127.0.0.1:{streamlit_port}/_stcore/health"
        # and the workers: Great Expectations kept loaded for every verdict, Dagster for every refresh
        while not (answers(dagster) and answers(streamlit) and intake_worker.is_running(var)
                   and refresh_worker_running(var)):
            assert job.poll() is None, job.stdout.read()
            assert time.monotonic() < deadline, "the servers did not answer within 180 s"
            time.sleep(0.5)
        started = processes_of(var)
        assert len(started) >= 3, started  # the script, Streamlit, and dagster dev with its children
    finally:
        os.killpg(job.pid, signal.SIGINT)
        output, _ = job.communicate(timeout=60)

    deadline = time.monotonic() + 30
    while processes_of(var) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_of(var) == []
    assert not intake_worker.socket_path(var).exists()
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
    dagster_port, streamlit_port = free_port(), free_port()
    env = {**os.environ, "ROCU_VAR_DIR": str(var), "DAGSTER_HOME": str(var / "dagster_home"),
           "DAGSTER_PORT": str(dagster_port), "STREAMLIT_PORT": str(streamlit_port)}
    job = subprocess.Popen(["bash", "scripts/run.sh"], cwd=ROOT, env=env, start_new_session=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        streamlit = f"http://127.0.0.1:{streamlit_port}/_stcore/health"
        log = var / "build.log"
        # the demo generated and its returns being submitted (pipelines/demo/load.py's progress bar)
        while not (answers(streamlit) and intake_worker.is_running(var) and log.exists()
                   and "submitting demo returns" in log.read_text()):
            assert job.poll() is None, job.stdout.read()
            assert time.monotonic() < deadline, "the dashboards did not answer during the build within 120 s"
            time.sleep(0.5)
        assert not (var / "published").exists()  # still building
        assert not answers(f"http://127.0.0.1:{dagster_port}/server_info")
    finally:
        os.killpg(job.pid, signal.SIGINT)
        output, _ = job.communicate(timeout=60)

    deadline = time.monotonic() + 30
    while processes_of(var) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_of(var) == []
    assert not intake_worker.socket_path(var).exists()
    assert "Dagster UI:" not in output
    assert output.splitlines()[-1] == "Stopped.", output
