"""The landing zone: every file offered is kept as sent, under its content hash.

Files are written once, never overwritten, and made read-only; the registry records who
sent what, when, for which unit and month. Stored names are derived from the hash, never
from the uploaded name, so a name cannot steer where a file is written.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import datetime, UTC
from functools import cached_property
from pathlib import Path

from pipelines.access.audit import AuditLog
from pipelines.intake.land.registry import Registry, Submission
from pipelines.settings import Paths

ALLOWED_EXTENSIONS = {".csv", ".xlsx"}


class LandingZone:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.files = root / "files"
        self.files.mkdir(parents=True, exist_ok=True)
        self.registry = Registry(root / "registry.sqlite")

    def land(self, content: bytes, *, original_name: str, rocu_code: str, period: str, submitted_by: str,
             submitted_at: datetime | None = None, kind: str = "monthly", reason: str | None = None) -> Submission:
        """Store the bytes (once, however often they are sent) and register this offer as a new version."""
        sha = hashlib.sha256(content).hexdigest()
        ext = Path(original_name).suffix.lower()
        ext = ext if ext in ALLOWED_EXTENSIONS else ".bin"
        relative = Path(sha[:2]) / f"{sha}{ext}"
        target = self.files / relative
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(content)
            os.chmod(tmp, 0o444)
            os.replace(tmp, target)  # atomic: a reader sees the whole file or none
        now = datetime.now(UTC)
        return self.registry.add(rocu_code=rocu_code, period=period, sha256=sha, stored_path=str(relative),
                                 original_name=Path(original_name).name, size_bytes=len(content),
                                 submitted_by=submitted_by,
                                 submitted_at=(submitted_at or now).isoformat(timespec="seconds"),
                                 received_at=now.isoformat(timespec="seconds"), kind=kind, reason=reason)

    @cached_property
    def audit(self) -> AuditLog:
        """The deployment's audit trail, beside the landing zone (var/access/audit.sqlite).
        Opened once per zone: opening it creates the file and its schema if absent (a few
        connections and statements, repeated for every record a submission writes otherwise)."""
        return AuditLog.at(Paths(self.root.parent))

    @contextmanager
    def batch(self) -> Iterator[LandingZone]:
        """This zone, with an idle connection held to the registry and to the audit trail while a
        batch of submissions runs (the demo loader: hundreds of returns in one process).

        Every operation still opens and commits on its own connection, so what is recorded is
        the same. But both files are in WAL mode, and SQLite checkpoints the WAL into the file
        and deletes it (with fsyncs) whenever the last connection to it closes: without a held
        connection, every registry or audit operation pays that (about 7-18 ms of a 2 ms record
        here). The last close, when the batch ends, checkpoints as usual."""
        with closing(sqlite3.connect(self.registry.path, isolation_level=None)) as registry, \
                closing(sqlite3.connect(self.audit.path, isolation_level=None)) as audit:
            for held in (registry, audit):  # a connection opens its file on first use; no transaction stays open
                held.execute("select count(*) from sqlite_master").fetchone()
            yield self

    def path_of(self, submission: Submission) -> Path:
        return self.files / submission.stored_path


def read_offered_file(path: Path, limit: int) -> bytes:
    """The bytes of a regular file named directly, at most `limit` of them. A symbolic link is
    refused (it could point a submission at any file the service can read), as is anything but
    a regular file or a file over the limit, before it is read; ValueError says why in words
    for the sender."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise ValueError(f"No such file: {path.name}.") from None
    except OSError as exc:
        reason = "it is a symbolic link" if path.is_symlink() else (exc.strerror or "it cannot be opened").lower()
        raise ValueError(f"{path.name} cannot be submitted: {reason}. Name the return file itself.") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
        os.close(fd)
        reason = (f"it is larger than the {limit // 2**20} MB limit (a monthly return is usually well under "
                  "1 MB): check you chose the right file" if stat.S_ISREG(info.st_mode)
                  else "it is not a regular file. Name the return file itself")
        raise ValueError(f"{path.name} cannot be submitted: {reason}.")
    with os.fdopen(fd, "rb") as handle:
        return handle.read(limit + 1)
