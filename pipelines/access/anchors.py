"""Anchors: the audit trail's head written down outside the trail, so a rewrite shows.

The hash chain alone catches an edited record, but not someone who edits an old record and
recomputes every later hash: that is a valid chain again. An anchor is (seq, hash) of the head
at a moment that matters (a build published, a board paper issued), kept where a rewrite of
the trail does not reach: an append-only JSON-lines log beside it (each line chained to the
line before), the published build, the paper itself, and any copy of the log taken elsewhere.
`check()` then says whether the trail still holds every anchored record with that hash.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pipelines.access.audit import GENESIS_HASH, AuditLog
from pipelines.access.policy import iso, utc_now
from pipelines.settings import Paths

MIN_HASH_CHARS = 16  # a paper may print a shortened hash; 64 bits is still far beyond forging
_TOKEN = re.compile(rf"\s*(\d+)\s*:\s*([0-9a-fA-F]{{{MIN_HASH_CHARS},64}})\s*")


@dataclass(frozen=True)
class Anchor:
    """The trail's head at one moment: record `seq` had hash `hash` (or a prefix of it)."""

    seq: int
    hash: str
    at: str = ""
    reason: str = ""
    source: str = ""  # where it came from, for messages: "anchor log line 3", "--anchor 12:ab…"

    @property
    def token(self) -> str:
        """`SEQ:HASH`, the form to print on a paper and give to `rocu audit verify --anchor`."""
        return f"{self.seq}:{self.hash}"

    def label(self) -> str:
        taken = f", taken {self.at[:19].replace('T', ' ')} for {self.reason}" if self.at else ""
        return f"{self.source} (record {self.seq}{taken})"


@dataclass(frozen=True)
class AnchorCheck:
    """What the trail says about a set of anchors; `problems` lowest seq first."""

    agreeing: list[Anchor]
    problems: list[str]


LOG_NAME = "audit-anchors.jsonl"


def default_log_path(paths: Paths | None = None) -> Path:
    """The deployment's anchor log: var/access/audit-anchors.jsonl, beside the trail, not in it."""
    return (paths or Paths.from_env()).var / "access" / LOG_NAME


def log_beside(audit: AuditLog) -> Path:
    """The anchor log that belongs to a trail (the same file as default_log_path for the deployment's)."""
    return audit.path.with_name(LOG_NAME)


def anchor_head(audit: AuditLog, log_path: Path, reason: str, *, now: datetime | None = None) -> Anchor:
    """Append the trail's current head to the anchor log and return it (to print or store too).

    The log is opened O_APPEND and only ever appended to; a lock keeps concurrent anchorers
    from chaining two lines to the same predecessor.
    """
    log_path = Path(log_path)
    log_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        seq, digest = audit.head()
        at = iso(utc_now(now))
        line = json.dumps({"at": at, "seq": seq, "hash": digest, "reason": reason, "prev": _last_line_hash(log_path)},
                          ensure_ascii=False, separators=(",", ":"))
        os.write(fd, (line + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)  # also releases the lock
    return Anchor(seq, digest, at, reason, "anchor log")


def parse_token(text: str) -> Anchor:
    """`SEQ:HASH` as printed on a paper; ValueError with a sentence for the person if it is not."""
    match = _TOKEN.fullmatch(text)
    if not match:
        raise ValueError(f"--anchor {text!r} is not an anchor: write it as SEQ:HASH, the record number and its "
                         f"hash (at least the first {MIN_HASH_CHARS} hex characters), e.g. 1234:9f2c41d07be3a8e5.")
    return Anchor(int(match[1]), match[2].lower(), source=f"--anchor {match[1]}:{match[2][:16].lower()}…")


def read_anchor_log(path: Path, name: str = "anchor log") -> tuple[list[Anchor], list[str]]:
    """The anchors in a log (the deployment's or a copy), and what is wrong with the log itself.

    Each line names the sha256 of the line before (`prev`), so a removed, inserted or edited
    line shows even where its anchor still agrees with the trail. OSError if it cannot be read.
    """
    anchors: list[Anchor] = []
    problems: list[str] = []
    prev = GENESIS_HASH
    for number, raw in enumerate(Path(path).read_bytes().splitlines(), start=1):
        if not raw.strip():
            continue
        where = f"{name} line {number}"
        try:
            data = json.loads(raw)
            anchor = Anchor(int(data["seq"]), str(data["hash"]).lower(), str(data.get("at", "")),
                            str(data.get("reason", "")), where)
            if anchor.seq < 0 or not re.fullmatch(r"[0-9a-f]{64}", anchor.hash):
                raise ValueError
        except (ValueError, TypeError, KeyError):
            problems.append(f"The {where} cannot be read as an anchor: the anchor log has been damaged or edited.")
        else:
            if data.get("prev") != prev:
                problems.append(f"The {where} does not follow the line before it: a line of the anchor log has "
                                "been removed, inserted or changed.")
            anchors.append(anchor)
        prev = hashlib.sha256(raw).hexdigest()
    return anchors, problems


def check(audit: AuditLog, anchors: list[Anchor]) -> AnchorCheck:
    """Does every anchored record still exist with the anchored hash? Sentences for those that do not."""
    head_seq, _ = audit.head()
    agreeing, disagreeing = [], []
    for anchor in anchors:
        current = audit.hash_of(anchor.seq)
        (agreeing if current is not None and current.startswith(anchor.hash) else disagreeing).append(anchor)
    problems = []
    for anchor in sorted(disagreeing, key=lambda a: a.seq):
        if anchor.seq > head_seq:
            problems.append(f"The trail has been cut short: the anchor from {anchor.label()} names record "
                            f"{anchor.seq}, but record {anchor.seq} no longer exists; the trail now ends at record "
                            f"{head_seq}.")
            continue
        intact_up_to = max((a.seq for a in agreeing if a.seq < anchor.seq), default=0)
        problems.append(f"The anchor from {anchor.label()} does not match: record {anchor.seq} now has hash "
                        f"{audit.hash_of(anchor.seq)[:16]}…, not {anchor.hash[:16]}…. The trail was rewritten at a "
                        f"record from {intact_up_to + 1} to {anchor.seq}.")
    return AnchorCheck(agreeing, problems)


def _last_line_hash(path: Path) -> str:
    lines = [line for line in path.read_bytes().splitlines() if line.strip()]
    return hashlib.sha256(lines[-1]).hexdigest() if lines else GENESIS_HASH
