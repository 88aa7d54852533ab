"""The configuration store: changes made through commands (and later screens), over the shipped seeds.

The seed files (seeds/, tracked in git) are the defaults the project ships; nothing rewrites
them at run time. A change an admin makes is appended, as one JSON line, to the deployment's
var/config/changes.jsonl with who made it, when, and the row it replaced. The effective
configuration is the seed with the store's changes applied in order. The intake
(pipelines/reference.py) and the warehouse (the raw_config Dagster asset) both read it
through `ConfigStore.effective`, so they cannot disagree.

Append-only text keeps every change readable and in order; the file only grows, so its
size and modification time tell a reader whether to read it again.
"""

from __future__ import annotations

import csv
import fcntl
import json
import os
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pipelines.refresh_request import ask_for_refresh
from pipelines.settings import SEEDS_DIR, Paths

if TYPE_CHECKING:
    from collections.abc import Iterator


class AuditTrail(Protocol):
    """What the store needs of the audit trail (pipelines.access.AuditLog is one): the store sits
    below access, which reads the configuration through pipelines.reference."""

    def record(self, actor: str, action: str, target: str | None = None,
               detail: dict[str, Any] | None = None, *, now: datetime | None = None) -> Any: ...


@dataclass(frozen=True)
class ConfigTable:
    """One configurable table: its shipped seed and the columns that identify a row."""

    name: str
    seed: str  # path under seeds/
    key: tuple[str, ...]  # a change replaces the row with the same key (trimmed, case ignored)
    order: tuple[str, ...]  # the effective rows are sorted by these columns

    def key_of(self, row: dict[str, Any]) -> tuple[str, ...]:
        return tuple(str(row.get(c) or "").strip().lower() for c in self.key)


TABLES: dict[str, ConfigTable] = {t.name: t for t in (
    ConfigTable("label_map", "mappings/label_map.csv", key=("rocu_code", "local_label"), order=("rocu_code",)),
    ConfigTable("submission_windows", "reference/submission_windows.csv", key=("effective_from",),
                order=("effective_from",)),
    # the inspection's recommendations: each unit's (and the network's) status, as boards update it
    ConfigTable("recommendation_status", "governance/recommendation_status.csv", key=("item_ref", "rocu_code"),
                order=("item_ref", "rocu_code")),
)}


@dataclass(frozen=True)
class Change:
    """One recorded change: the row as it now stands (`after`) and the row it replaced (`before`)."""

    seq: int
    at: str
    actor: str
    table: str
    before: dict[str, str] | None
    after: dict[str, str]


@dataclass(frozen=True)
class Effective:
    """A table as it now stands: the seed's columns, its rows, and for each row the change that
    made it (None for a row as shipped)."""

    fields: list[str]
    rows: list[dict[str, str]]
    origins: list[Change | None]


def file_stamp(path: Path) -> tuple[int, int] | None:
    """(modification time in ns, size) of a file, None if it is absent: a reader's cache key."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_mtime_ns, st.st_size


class ConfigStoreError(ValueError):
    """The store cannot be read (a damaged line): an operator's problem, said plainly."""


class ConfigStore:
    """The changes file of one deployment; readers never lock, writers take turns."""

    def __init__(self, path: Path, seeds_dir: Path = SEEDS_DIR) -> None:
        self.path = Path(path)
        self.seeds_dir = Path(seeds_dir)

    @classmethod
    def at(cls, paths: Paths | None = None) -> ConfigStore:
        """The deployment's store: var/config/changes.jsonl."""
        return cls((paths or Paths.from_env()).var / "config" / "changes.jsonl")

    def stamp(self) -> tuple[int, int] | None:
        """(modification time, size) of the file, None before the first change: a reader's cache key."""
        return file_stamp(self.path)

    def changes(self) -> list[Change]:
        """Every change, oldest first. A line still being written (no newline yet) is not read."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        out = []
        for number, line in enumerate(text.splitlines(keepends=True), start=1):
            if not line.endswith("\n"):
                break
            try:
                out.append(Change(**json.loads(line)))
            except (ValueError, TypeError) as damaged:
                raise ConfigStoreError(f"The configuration store ({self.path.name}) line {number} is not a "
                                       "configuration change; restore the file from its backup.") from damaged
        return out

    def effective(self, table: str) -> Effective:
        """The seed's rows with this store's changes to `table` applied in order."""
        spec = TABLES[table]
        with (self.seeds_dir / spec.seed).open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            fields = list(reader.fieldnames or [])
            rows: list[dict[str, str]] = list(reader)
        origins: list[Change | None] = [None] * len(rows)
        for change in self.changes():
            if change.table != table:
                continue
            fields += [c for c in change.after if c not in fields]
            key = spec.key_of(change.after)
            place = next((i for i, r in enumerate(rows) if spec.key_of(r) == key), None)
            if place is None:
                rows.append(change.after)
                origins.append(change)
            else:
                rows[place], origins[place] = change.after, change
        rows = [{c: r.get(c) or "" for c in fields} for r in rows]
        ordered = sorted(zip(rows, origins, strict=True), key=lambda p: tuple(p[0][c] for c in spec.order))
        return Effective(fields, [r for r, _ in ordered], [o for _, o in ordered])

    def change(self, table: str, make: Callable[[Effective], dict[str, str]], *, actor: str, audit: AuditTrail,
               action: str, target: str, now: datetime | None = None) -> Change:
        """Record the row `make` returns for `table` (it sees the table as it stands and raises
        ValueError to refuse), with the row it replaces, and audit it.

        Writers take turns (a file lock), so a check such as "no rule starts that day" holds
        against every change recorded before this one; the audit record follows the store's order.
        """
        spec = TABLES[table]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._locked():
            current = self.effective(table)
            after = {k: str(v) for k, v in make(current).items()}
            before = next((r for r in current.rows if spec.key_of(r) == spec.key_of(after)), None)
            at = (now or datetime.now(UTC)).isoformat(timespec="seconds")
            change = Change(seq=len(self.changes()) + 1, at=at, actor=actor, table=table, before=before, after=after)
            line = json.dumps(asdict(change), ensure_ascii=False, sort_keys=True) + "\n"
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line.encode("utf-8"))  # one write: a reader sees the whole line or none of it
                os.fsync(fd)
            finally:
                os.close(fd)
            audit.record(actor, action, target, {"before": before, "after": after, "config_change": change.seq},
                         now=now)
        # the warehouse reads the effective configuration (raw_config): refresh it now, where a worker runs
        ask_for_refresh(self.path.parent.parent, f"{action} {target}")
        return change

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with self.path.with_name(self.path.name + ".lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
