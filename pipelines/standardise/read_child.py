"""The reading child: `python -m pipelines.standardise.read_child FILE RESULT LIMITS_JSON`.

Started fresh by pipelines/standardise/isolation.py for one file. It caps its own address
space before importing any reader, so an allocation the file provokes fails here (a
MemoryError, or the Rust reader aborting) instead of growing until the machine suffers.
It writes {"grids": [...]} or {"refused": {...}} to RESULT as JSON and exits 0; any
other ending is judged by the parent.
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
    source, target, limits_json = argv
    settings = json.loads(limits_json)
    limit_memory(int(settings["reader_memory_mb"]))
    from pipelines.standardise.errors import UnreadableFile
    from pipelines.standardise.limits import ReaderLimits
    from pipelines.standardise.read_tables import read_in_process

    try:
        try:
            answer = {"grids": [g.as_dict() for g in read_in_process(Path(source), ReaderLimits(**settings))]}
        except UnreadableFile as exc:
            answer = {"refused": exc.as_dict()}
        answer["peak_rss_kb"] = peak_rss_kb()
        with open(target, "w", encoding="utf-8") as out:
            json.dump(answer, out, ensure_ascii=False, separators=(",", ":"))
    except MemoryError:
        os._exit(MEMORY_EXIT)
    os._exit(0)  # skip tearing down large objects: the parent is waiting


if __name__ == "__main__":
    main(sys.argv[1:])
