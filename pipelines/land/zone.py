"""The landing zone: every file offered is kept as sent, under its content hash.

Files are written once, never overwritten, and made read-only; the registry records who
sent what, when, for which unit and month. Stored names are derived from the hash, never
from the uploaded name, so a name cannot steer where a file is written.
"""

from __future__ import annotations

import hashlib
import os
from datetime import datetime, timezone
from pathlib import Path

from pipelines.access.audit import AuditLog
from pipelines.land.registry import Registry, Submission
from pipelines.settings import Paths

ALLOWED_EXTENSIONS = {".csv", ".xlsx"}


class LandingZone:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.files = root / "files"
        self.files.mkdir(parents=True, exist_ok=True)
        self.registry = Registry(root / "registry.sqlite")

    def land(self, content: bytes, *, original_name: str, rocu_code: str, period: str, submitted_by: str,
             submitted_at: datetime | None = None) -> tuple[Submission, bool]:
        """Store the bytes and register them. Returns (submission, created)."""
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
        when = (submitted_at or datetime.now(timezone.utc)).isoformat(timespec="seconds")
        return self.registry.add(rocu_code=rocu_code, period=period, sha256=sha, stored_path=str(relative),
                                 original_name=Path(original_name).name, size_bytes=len(content),
                                 submitted_by=submitted_by, submitted_at=when)

    @property
    def audit(self) -> AuditLog:
        """The deployment's audit trail, beside the landing zone (var/access/audit.sqlite)."""
        return AuditLog.at(Paths(self.root.parent))

    def path_of(self, submission: Submission) -> Path:
        return self.files / submission.stored_path
