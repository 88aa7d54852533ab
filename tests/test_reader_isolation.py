"""Untrusted files are read in a fresh child process with memory and time limits: whatever
the reader does (runs for ever, asks for gigabytes, aborts), the intake records a rejection
and the calling process (the Streamlit server, the CLI) carries on."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from pipelines.demo import hostile
from pipelines.intake.service import submit_return
from pipelines.intake.land.zone import LandingZone
from pipelines.intake.standardise import isolation, limits
from pipelines.intake.standardise.read_tables import UnreadableFile, read_grids

TODAY = date(2026, 11, 24)
NO_CAPS = dict(max_sheet_rows=10**9, max_sheet_columns=10**9, max_sheet_cells=10**12)


def with_limits(monkeypatch, **changes) -> None:
    """Run with some limits changed, as an operator would by editing reader_limits.csv."""
    changed = dataclasses.replace(limits.reader_limits(), **changes)
    monkeypatch.setattr(limits, "reader_limits", lambda: changed)


def submit(zone: LandingZone, content: bytes, unit: str = "EMSOU"):
    verdict = submit_return(zone, content, original_name=f"{unit}_return.xlsx", rocu_code=unit,
                            period="2025-09", submitted_by="test", today=TODAY)
    return verdict, zone.registry.get(verdict.submission.submission_id)


def test_limits_are_data_read_in_one_place():
    got = limits.reader_limits()
    assert got.max_sheet_cells > 0 and got.reader_seconds > 0 and got.reader_memory_mb > 0
    assert limits.LIMITS_CSV.name == "reader_limits.csv"


def test_a_reader_that_takes_too_long_is_stopped_and_the_return_rejected(tmp_path, monkeypatch):
    with_limits(monkeypatch, reader_seconds=0.01)
    zone = LandingZone(tmp_path / "zone")
    verdict, row = submit(zone, hostile.workbook(hostile.sheet(hostile.small_return_rows())) + b"\0")
    assert row.state == "rejected"
    problem = next(p for p in verdict.problems if p.rule == "reader_limit_exceeded")
    assert "longer than" in problem.message and "/" not in problem.message
    monkeypatch.undo()  # the same process carries on and reads the next file normally
    assert [len(g.cells) for g in read_grids(_write(tmp_path / "ok.xlsx", hostile.workbook(
        hostile.sheet(hostile.small_return_rows()))))] == [2]


def test_a_reader_that_runs_out_of_memory_is_stopped_and_the_return_rejected(tmp_path, monkeypatch):
    """With the size caps lifted, one far cell makes the reader allocate about 2.6 GB for a
    16384 x 5000 grid: the child's address-space limit makes that allocation fail (the
    reader aborts), and the parent turns the crash into a rejection."""
    with_limits(monkeypatch, reader_memory_mb=1024, **NO_CAPS)
    zone = LandingZone(tmp_path / "zone")
    verdict, row = submit(zone, hostile.far_away_cell("XFD5000"))
    assert row.state == "rejected"
    problem = next(p for p in verdict.problems if p.rule == "reader_limit_exceeded")
    assert "memory" in problem.message and "/" not in problem.message


def test_the_reader_of_the_old_crash_file_is_contained_even_without_caps(tmp_path, monkeypatch):
    """The file that used to abort the whole process (SIGABRT) now aborts only the child: this
    test process is still here to see the refusal."""
    with_limits(monkeypatch, **NO_CAPS)
    path = _write(tmp_path / "crash.xlsx", hostile.far_away_cell())
    with pytest.raises(UnreadableFile) as caught:
        read_grids(path)
    assert caught.value.rule == "reader_limit_exceeded" and "memory" in str(caught.value)
    assert "/" not in str(caught.value) and "calamine" not in str(caught.value)


def test_child_is_started_fresh_not_forked_and_reads_one_file_only(tmp_path):
    """The server is threaded: the reader runs `python -m`, never a fork of the server; each
    child reads a single file (a spare, started a moment after a read, waits for the next one)."""
    path = _write(tmp_path / "r.xlsx", hostile.workbook(hostile.sheet(hostile.small_return_rows())))
    outcomes = [isolation.read_isolated(path, limits.reader_limits()) for _ in range(3)]
    pids = [o.child_pid for o in outcomes]
    assert all(o.grids for o in outcomes) and len(set(pids)) == 3 and os.getpid() not in pids
    assert all(o.peak_rss_mb > 10 for o in outcomes)  # measured by each child of itself
    for pid in pids:  # each has ended
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
    deadline = time.monotonic() + 10  # the spare starts a moment after a read: poll for it
    while isolation._spare is None and time.monotonic() < deadline:
        time.sleep(0.05)
    spare = isolation._spare
    assert spare is not None and spare.process.poll() is None
    cmdline = Path(f"/proc/{spare.process.pid}/cmdline").read_bytes().split(b"\0")
    assert cmdline[1:3] == [b"-m", b"pipelines.intake.standardise.read_child"]


READ_THEN_END_ABRUPTLY = """
import os, sys, time
from pathlib import Path
from pipelines.intake.standardise import isolation
from pipelines.intake.standardise.limits import reader_limits
isolation.read_isolated(Path(sys.argv[1]), reader_limits())
deadline = time.monotonic() + 20
while isolation._spare is None and time.monotonic() < deadline:  # the spare starts a moment after the read
    time.sleep(0.05)
print(isolation._spare.folder, flush=True)
os._exit(0)  # as a multiprocessing worker ends: no atexit, so the spare is not discarded
"""


def test_a_process_that_ends_without_cleaning_up_leaves_nothing_after_the_next_read(tmp_path):
    """A demo load's worker (ended at Ctrl+C, or by its pool) cannot discard its waiting spare child;
    the spare ends when its stdin closes, and the next process to read removes the folder left."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp)}
    path = _write(tmp_path / "r.xlsx", hostile.workbook(hostile.sheet(hostile.small_return_rows())))
    ended = subprocess.run([sys.executable, "-c", READ_THEN_END_ABRUPTLY, str(path)], env=env, capture_output=True,
                           text=True, timeout=120)
    left = Path(ended.stdout.strip())
    assert ended.returncode == 0 and left.parent == temp and left.is_dir(), ended.stderr[-2000:]
    someone_elses = temp / f"{isolation.FOLDER_PREFIX}{os.getpid()}-x"  # a live process's folder is kept
    someone_elses.mkdir()

    subprocess.run([sys.executable, "-c", READ_THEN_END_ABRUPTLY, str(path)], env=env, check=True, timeout=120,
                   capture_output=True)
    assert not left.exists() and someone_elses.is_dir()


def _write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


def test_sheet_scan_finds_where_values_are_as_the_reader_does():
    """Cells holding a value (as the reader counts them) fix where a sheet starts and how big
    it is: the fast path (every cell has r="...") and the cell-by-cell one agree."""
    from pipelines.intake.standardise.xlsx_parts import _scan_cell_by_cell, scan_sheet

    rows = (b'<row r="5"><c r="C5" t="inlineStr"><is><t>a</t></is></c><c r="D5" s="1"/><c r="E5"><v>1</v></c>'
            b'</row><row r="6"><c r="B6"><f>[1]Sheet1!A1</f></c><c r="E6" t="str"><f>A1</f><v></v></c>'
            b'<c t="str" r="G7"><v/></c><c r="H8"><v></v></c><c r="I9"><f>1+1</f><v>2</v></c>'
            b'<c r="J10"><f t="shared" si="0"/><v /></c></row>')
    xml = hostile.sheet(rows)
    fast, slow = scan_sheet(xml), _scan_cell_by_cell(xml)
    assert (fast.first_row, fast.first_col, fast.last_row, fast.last_col) == (5, 3, 9, 9)  # C5 .. I9
    assert fast.formulas_without_value == sorted(slow.formulas_without_value) == [(6, 2, "[1]Sheet1!A1"),
                                                                                  (10, 10, "")]
    assert (slow.first_row, slow.first_col, slow.last_row, slow.last_col) == (5, 3, 9, 9)
    # Without references, cells follow one another (the fast path does not apply).
    unreferenced = hostile.sheet(b'<row r="3"><c s="1"/><c><v>7</v></c></row><row><c><v>8</v></c></row>')
    got = scan_sheet(unreferenced)
    assert (got.first_row, got.first_col, got.last_row, got.last_col) == (3, 1, 4, 2)
