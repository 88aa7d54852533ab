"""The reading child: `python -m pipelines.intake.standardise.read_child LIMITS_JSON`.

Started fresh by pipelines/intake/standardise/isolation.py to read exactly one file. It caps its
own address space before importing any reader, so an allocation the file provokes fails
here (a MemoryError, or the Rust reader aborting) instead of growing until the machine
suffers. It then imports the readers and waits for one line on stdin,
{"source": FILE, "target": RESULT}, so that its start-up can happen before a file arrives.
It writes {"grids": [...]} or {"refused": {...}} to RESULT as JSON and exits 0; any other
ending is judged by the parent. End of input without a request: exit quietly.
"""

from __future__ import annotations

import json
import os
import resource
import sys
from pathlib import Path

MEMORY_EXIT = 3


def limit_memory(megabytes: int) -> None:
    limit = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def peak_rss_kb(pid: int | str = "self") -> int:
    """The process's own peak resident memory (VmHWM). Not ru_maxrss: a child's ru_maxrss
    starts at its parent's size (the memory it was forked from), which is not its own use."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration, ValueError):
        return 0


def main(argv: list[str]) -> None:
    settings = json.loads(argv[0])
    limit_memory(int(settings["reader_memory_mb"]))
    import fastexcel  # noqa: F401  (imported now, before a file arrives, to be ready)
    import polars  # noqa: F401

    from pipelines.intake.standardise.errors import UnreadableFile
    from pipelines.intake.standardise.limits import ReaderLimits
    from pipelines.intake.standardise.readers import read_in_process

    line = sys.stdin.readline()
    if not line.strip():
        os._exit(0)
    request = json.loads(line)
    try:
        try:
            grids = read_in_process(Path(request["source"]), ReaderLimits(**settings))
            answer = {"grids": [g.as_dict() for g in grids]}
        except UnreadableFile as exc:
            answer = {"refused": exc.as_dict()}
        answer["peak_rss_kb"] = peak_rss_kb()
        # One string, then one write: json.dump writes a 1 MB workbook's grids in many small pieces,
        # at twice the time.
        text = json.dumps(answer, ensure_ascii=False, separators=(",", ":"))
        with open(request["target"], "w", encoding="utf-8") as out:
            out.write(text)
    except MemoryError:
        os._exit(MEMORY_EXIT)
    os._exit(0)  # skip tearing down large objects: the parent is waiting


if __name__ == "__main__":
    main(sys.argv[1:])
