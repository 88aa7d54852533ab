"""Issue 16 item 4 and issue 11 item 5: a long-lived intake worker keeps Great Expectations loaded
and gives every caller (command line, Upload page, inbox) the same problems as a check in its own
process; without a worker, or with one that has gone, the caller checks in its own process.
Nothing is timed here (the benchmark is scripts/bench_verdict.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from pipelines.intake.check import worker_client as worker
from pipelines.intake.check.expectations import check_here, validate
from pipelines.orchestration.assets.raw_extracts import read_extract_file
from tests.conftest import generate_demo

READY_SECONDS = 600  # the worker imports Great Expectations before it listens: slow on a loaded machine


@pytest.fixture(scope="module")
def bad_extract(tmp_path_factory) -> tuple[pl.DataFrame, str]:
    """A disruption extract from the demo generator with two bad cells: an impact level the reference
    data lacks, and a validation before its claim."""
    demo = generate_demo(tmp_path_factory.mktemp("demo"), 2)
    source = sorted((demo / "extracts").rglob("disruptions_*.csv"))[0]
    target = tmp_path_factory.mktemp("bad") / source.name
    frame = pl.read_csv(source, infer_schema=False)
    row = pl.int_range(pl.len())
    frame.with_columns(
        pl.when(row == 0).then(pl.lit("catastrophic")).otherwise(pl.col("impact_level")).alias("impact_level"),
    ).write_csv(target)
    return read_extract_file(target), target.name


def start_worker(var: Path) -> subprocess.Popen:
    env = {**os.environ, "ROCU_VAR_DIR": str(var)}
    process = subprocess.Popen([sys.executable, "-m", "pipelines.intake.check.worker"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + READY_SECONDS
    while not worker.is_running(var):
        assert process.poll() is None, process.stdout.read()[-3000:]
        assert time.monotonic() < deadline, "the worker did not start listening"
        time.sleep(0.2)
    return process


def stop_worker(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)


def test_the_worker_answers_with_the_problems_a_check_in_process_finds(tmp_path, monkeypatch, bad_extract):
    frame, name = bad_extract
    var = tmp_path / "var"
    monkeypatch.setenv("ROCU_VAR_DIR", str(var))
    assert worker.ask_worker("disruptions", frame, name) is None  # no worker yet: the caller checks itself
    process = start_worker(var)
    try:
        from_worker = worker.ask_worker("disruptions", frame, name)
        here = check_here("disruptions", frame, name)
        assert from_worker is not None and from_worker == here
        assert any(p.rule == "impact_level_allowed_values" and p.row == 2 for p in from_worker)
        assert validate("disruptions", frame, name) == here  # the intake's one entry point asks the worker
        assert oct(worker.socket_path(var).stat().st_mode & 0o777) == "0o600"
        assert oct(worker.key_path(var).stat().st_mode & 0o777) == "0o600"
    finally:
        stop_worker(process)
    assert not worker.socket_path(var).exists()  # a stopped worker leaves no socket behind
    assert not worker.is_running(var)


def test_a_caller_without_the_key_gets_nothing_from_the_worker(tmp_path, monkeypatch, bad_extract):
    """Only a process that can read the var folder's key may ask: a wrong key is refused (HMAC
    challenge), and the caller checks in its own process instead."""
    frame, name = bad_extract
    var = tmp_path / "var"
    monkeypatch.setenv("ROCU_VAR_DIR", str(var))
    process = start_worker(var)
    try:
        worker.key_path(var).write_bytes(b"not the key")
        assert worker.ask_worker("disruptions", frame, name) is None
        assert validate("disruptions", frame, name) == check_here("disruptions", frame, name)
        assert process.poll() is None  # the worker goes on serving
    finally:
        stop_worker(process)


def test_a_worker_that_died_leaves_callers_checking_in_their_own_process(tmp_path, monkeypatch, bad_extract):
    frame, name = bad_extract
    var = tmp_path / "var"
    monkeypatch.setenv("ROCU_VAR_DIR", str(var))
    process = start_worker(var)
    process.kill()  # no clean-up: the socket file stays, with nothing behind it
    process.wait(timeout=60)
    assert worker.socket_path(var).exists()
    assert worker.ask_worker("disruptions", frame, name) is None
    assert validate("disruptions", frame, name) == check_here("disruptions", frame, name)
    restarted = start_worker(var)  # a new worker replaces the stale socket and its key
    try:
        assert worker.ask_worker("disruptions", frame, name) == check_here("disruptions", frame, name)
    finally:
        stop_worker(restarted)


def test_a_new_command_line_process_asks_the_worker_instead_of_importing_great_expectations(
        tmp_path, monkeypatch, bad_extract):
    frame, name = bad_extract
    var = tmp_path / "var"
    monkeypatch.setenv("ROCU_VAR_DIR", str(var))
    path = tmp_path / "frame.ipc"
    frame.write_ipc(path)
    script = ("import sys, polars as pl\n"
              "from pipelines.intake.api import validate, warm_up_checks\n"
              "warm_up_checks().join(600)\n"
              f"problems = validate('disruptions', pl.read_ipc({str(path)!r}), {name!r})\n"
              "print(len(problems), 'great_expectations' in sys.modules)\n")
    process = start_worker(var)
    try:
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600,
                              env={**os.environ, "ROCU_VAR_DIR": str(var)})
    finally:
        stop_worker(process)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == [str(len(check_here("disruptions", frame, name))), "False"]
