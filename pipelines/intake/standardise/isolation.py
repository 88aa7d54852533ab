"""Read an untrusted file in a fresh child process held to memory and time limits.

The upload page runs the intake inside the Streamlit server, so a reader that aborts,
loops or asks for hundreds of GB must not do it there. Each file is read by a new
`python -m pipelines.intake.standardise.read_child` (a fresh interpreter, never a fork of the
threaded server) that limits its own address space (RLIMIT_AS) before it imports a
reader; this process waits for it with a deadline and kills it when the deadline passes.
One child reads one file. So that a verdict does not wait for an interpreter to start and
import the readers, a spare child is started a moment after each read and waits; it reads
the next file (if the limits are unchanged), or a new child is started on demand.
The grids come back as JSON (plain data: nothing the child writes can run code here).
Any way the child ends other than with grids or a refusal becomes an UnreadableFile
whose message says what happened in plain words; the server carries on.
"""

from __future__ import annotations

import atexit
import functools
import gc
import json
import logging
import os
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import pipelines
from pipelines.intake.standardise.errors import UnreadableFile
from pipelines.intake.standardise.grid import Grid
from pipelines.intake.standardise.limits import ReaderLimits
from pipelines.intake.standardise.read_child import MEMORY_EXIT, peak_rss_kb

log = logging.getLogger(__name__)
PACKAGE_ROOT = Path(pipelines.__file__).resolve().parents[1]
CHILD_MODULE = "pipelines.intake.standardise.read_child"
MEMORY_SIGNS = ("memory allocation of", "MemoryError", "Cannot allocate memory", "out of memory")
SPARE_DELAY_SECONDS = 1.0  # after a read, before the next child starts (see _schedule_spare)
RECENT: deque[ReadOutcome] = deque(maxlen=16)  # the last reads' figures, for the benchmark and diagnostics
TRY_AGAIN = ("Check you chose the right file; if it is the return, copy its figures into a new workbook "
             "(or a CSV file) and upload that.")


@dataclass(frozen=True)
class ReadOutcome:
    """How one isolated read ended, with what it cost (the benchmark prints these)."""

    grids: list[Grid] | None
    refusal: UnreadableFile | None
    seconds: float
    peak_rss_mb: float | None  # the child's own peak resident memory; None if it crashed
    child_pid: int
    exit_code: int | None

    def result(self) -> list[Grid]:
        if self.refusal is not None:
            raise self.refusal
        return self.grids or []


@dataclass
class _Child:
    """A started reading child, its private folder (stderr, result) and the limits it runs under."""

    process: subprocess.Popen
    folder: Path
    key: str

    def discard(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


_spare: _Child | None = None
_spare_lock = threading.Lock()
_decoding = threading.Lock()  # see _decoded
FOLDER_PREFIX = "rocu-read-"  # then the pid of the process that started the child


@functools.cache  # once a process
def _sweep_orphaned_folders() -> None:
    """Remove the child folders of processes that have ended. A process stopped abruptly (a demo
    load's worker at Ctrl+C, a killed server) cannot remove its own, and a multiprocessing worker
    ends without running atexit, so its spare child's folder stayed behind."""
    for folder in Path(tempfile.gettempdir()).glob(f"{FOLDER_PREFIX}*-*"):
        pid = folder.name.removeprefix(FOLDER_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(folder, ignore_errors=True)


def _start(limits: ReaderLimits) -> _Child:
    key = json.dumps(limits.as_dict(), sort_keys=True)
    _sweep_orphaned_folders()
    folder = Path(tempfile.mkdtemp(prefix=f"{FOLDER_PREFIX}{os.getpid()}-"))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(PACKAGE_ROOT), os.environ.get("PYTHONPATH")])),
           "RUST_BACKTRACE": "0", "PYTHONDONTWRITEBYTECODE": "1"}
    with (folder / "stderr.txt").open("wb") as stderr:
        process = subprocess.Popen([sys.executable, "-m", CHILD_MODULE, key], stdin=subprocess.PIPE,
                                   stdout=subprocess.DEVNULL, stderr=stderr, cwd=folder, env=env)
    return _Child(process, folder, key)


def _take_child(limits: ReaderLimits) -> _Child:
    """The waiting spare if it runs under these limits, else a new child."""
    global _spare
    key = json.dumps(limits.as_dict(), sort_keys=True)
    with _spare_lock:
        child, _spare = _spare, None
    if child is not None and (child.key != key or child.process.poll() is not None):
        child.discard()
        child = None
    return child or _start(limits)


def _start_spare(limits: ReaderLimits) -> None:
    global _spare
    with _spare_lock:
        if _spare is None:
            _spare = _start(limits)


def _schedule_spare(limits: ReaderLimits) -> None:
    """Start the next child a moment after this read, not during it: its start-up (about half
    a second of CPU) would otherwise compete with the checks that follow the read. A process
    that ends first (a CLI submit) never starts it."""
    timer = threading.Timer(SPARE_DELAY_SECONDS, _start_spare, args=(limits,))
    timer.daemon = True
    timer.start()


@atexit.register
def _discard_spare() -> None:
    global _spare
    with _spare_lock:
        if _spare is not None:
            _spare.discard()
            _spare = None


def read_isolated(path: Path, limits: ReaderLimits) -> ReadOutcome:
    """Read `path` in a child process; never raises for what the file does to the reader."""
    start = time.perf_counter()
    child = _take_child(limits)
    result, errors = child.folder / "grids.json", child.folder / "stderr.txt"
    try:
        try:
            child.process.stdin.write(json.dumps({"source": str(path.resolve()), "target": str(result)}).encode()
                                      + b"\n")
            child.process.stdin.close()
        except BrokenPipeError:
            pass  # the child has already ended: judged below like any other ending
        exit_code, peak_kb, timed_out = _wait(child.process, limits.reader_seconds)  # peak known only if stopped
        seconds = time.perf_counter() - start
        grids, refusal = None, None
        if timed_out:
            refusal = UnreadableFile(f"{path.name} could not be read safely: reading it took longer than "
                                     f"{limits.reader_seconds:g} seconds, far longer than any monthly return needs "
                                     f"(under a second), so it was stopped. {TRY_AGAIN}", rule="reader_limit_exceeded")
        elif exit_code == 0 and result.exists():
            answer = _decoded(result.read_text(encoding="utf-8"))
            peak_kb = answer.get("peak_rss_kb", 0)
            if "refused" in answer:
                refusal = UnreadableFile(**answer["refused"])
            else:
                grids = [Grid.from_dict(g) for g in answer["grids"]]
        else:
            refusal = _crash(path.name, exit_code, errors.read_bytes()[-4000:].decode("utf-8", "replace"), limits)
    finally:
        child.discard()
        _schedule_spare(limits)
    outcome = ReadOutcome(grids, refusal, seconds, peak_kb / 1024 if peak_kb else None, child.process.pid, exit_code)
    RECENT.append(outcome)
    return outcome


def _decoded(text: str) -> dict:
    """The child's JSON answer. A large sheet decodes to tens of thousands of row lists, enough to
    set off the collector's full passes over a server's whole heap (0.3 s of a 1 MB workbook's
    verdict, some runs); plain decoded data holds no cycles, so it is decoded with the collector off.
    One decode at a time: two pages' threads switching it off and on together could leave it off."""
    with _decoding:
        enabled = gc.isenabled()
        gc.disable()
        try:
            return json.loads(text)
        finally:
            if enabled:
                gc.enable()


def _crash(name: str, exit_code: int | None, stderr: str, limits: ReaderLimits) -> UnreadableFile:
    """The child died: say so plainly; the reader's own words go to the server log only."""
    log.warning("reading child for %s ended with exit code %s: %s", name, exit_code, stderr.strip()[-1000:])
    if exit_code == MEMORY_EXIT or any(sign in stderr for sign in MEMORY_SIGNS):
        return UnreadableFile(f"{name} could not be read safely: it needs more memory than a monthly return ever "
                              f"does (more than {limits.reader_memory_mb:,} MB), so reading it was stopped. "
                              f"{TRY_AGAIN}", rule="reader_limit_exceeded")
    return UnreadableFile(f"{name} could not be read safely: the reader stopped unexpectedly on it. Open it in "
                          "Excel, save it again as an Excel Workbook (.xlsx) or as CSV, and upload that.")


def _wait(child: subprocess.Popen, timeout: float) -> tuple[int | None, int, bool]:
    """(exit code, child's peak resident KB if it was stopped here else 0, timed out),
    killing the child at the deadline. Waits on a pidfd, woken the moment the child ends."""
    timed_out = False
    try:
        handle = os.pidfd_open(child.pid)
    except (AttributeError, OSError):
        handle = None
    if handle is not None:
        try:
            ready, _, _ = select.select([handle], [], [], timeout)
        finally:
            os.close(handle)
        timed_out = not ready
    else:  # no pidfd: poll until the deadline
        deadline, pause = time.monotonic() + timeout, 0.001
        while child.poll() is None and time.monotonic() < deadline:
            time.sleep(pause)
            pause = min(pause * 2, 0.02)
        timed_out = child.returncode is None
    peak = 0
    if timed_out:
        peak = peak_rss_kb(child.pid)
        child.kill()
    child.wait()
    return (None if timed_out else child.returncode), peak, timed_out
