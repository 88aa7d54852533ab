"""Dagster's SQLite event log, kept open by the refresh worker, which stores ~1,000 events a run.

Dagster's own SqliteEventLogStorage opens a new engine and connection for every event and closes
it after. In WAL mode (which Dagster sets) every commit then waits for an fsync, and closing a file's
last connection checkpoints and syncs it again: 7.7 s of a one-unit-month refresh's 22.8 s (py-spy).
This class writes the same tables in the same files (the UI and the daemon keep reading them with
Dagster's class); it keeps one connection per shard open and commits with `synchronous=NORMAL`.
Dagster also asks whether a table exists on every asset check event (`supports_asset_checks`),
each time through an engine and connection of its own (1.5 s of a refresh's 18 s step, py-spy),
and on every asset event whether the asset_keys table has a column (an inspection of its columns)
and whether a data migration is complete (a query): about 370 questions a refresh, 0.4 s of SQLite
alone. This class asks each once and keeps a yes (migrations only add tables and columns and
complete data migrations; a no is asked again).
Dagster hands over the ~130 events it plans at a run's start (one per asset and check the run will
make) as one batch when DAGSTER_EVENT_BATCH_SIZE is set, as the refresh worker sets it; this class
stores a batch in one transaction per file, where Dagster's stores them one by one (about 400
transactions, 0.2 s of every run's start).
In WAL mode that stays consistent after a crash of any process; a power cut could lose the last
events of a run, never the warehouse's data or the audit trail, which are stored elsewhere.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy
from dagster import DagsterInstance
from dagster._core.instance.ref import InstanceRef
from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.sqlite import create_db_conn_string

SHARDS_KEPT_OPEN = 4  # the index and the latest runs; a long-lived worker must not keep every run's file
BUSY_TIMEOUT_SECONDS = 15  # as Dagster's own: the UI may be reading
EVENT_BATCH_SIZE = 1000  # more than a run plans: a run's planned events are one batch


class KeptOpenSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage with one open connection per shard (the index, each run's file)."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[str, sqlalchemy.Engine] = OrderedDict()
        self._tables_seen: set[str] = set()
        self._asset_key_columns_seen: set[str] = set()
        self._indexes_seen: set[str] = set()
        self._batch: dict[str, sqlalchemy.Connection] = {}  # shard -> its open transaction, in a batch
        self._batch_thread: int | None = None  # the thread storing a batch (it holds _db_lock)
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(cls, inst_data, config_value):  # Dagster's makes its own class, not a subclass
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> sqlalchemy.Engine:
        engine = self._engines.pop(shard, None)
        if engine is None:
            engine = sqlalchemy.create_engine(
                create_db_conn_string(self._base_dir, shard), pool_size=1,
                connect_args={"timeout": BUSY_TIMEOUT_SECONDS, "check_same_thread": False})
            sqlalchemy.event.listen(engine, "connect",
                                    lambda dbapi, _: dbapi.execute("pragma synchronous=NORMAL"))
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
        self._engines[shard] = engine  # newest last
        while len(self._engines) > SHARDS_KEPT_OPEN:
            self._engines.popitem(last=False)[1].dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[sqlalchemy.Connection]:
        if self._batch_thread == threading.get_ident():  # within store_event_batch: its transaction
            if shard not in self._batch:
                self._batch[shard] = self._engine(shard).connect()
                self._batch[shard].begin()
            yield self._batch[shard]
            return
        with self._db_lock, self._engine(shard).connect() as conn, conn.begin():
            yield conn

    def store_event_batch(self, events) -> None:
        """Store `events` as Dagster's store_event would, one by one, in one transaction per file. If
        any fails, none is stored (Dagster then stores them one by one)."""
        with self._db_lock:
            self._batch_thread = threading.get_ident()
            try:
                for event in events:
                    self.store_event(event)
                for conn in self._batch.values():
                    conn.commit()
            finally:
                self._batch_thread = None
                for conn in self._batch.values():
                    conn.close()  # rolls back what was not committed
                self._batch.clear()

    def has_table(self, table_name: str) -> bool:
        # Dagster's own answer, once (it may be asked inside a kept connection's transaction)
        if table_name not in self._tables_seen and super().has_table(table_name):
            self._tables_seen.add(table_name)
        return table_name in self._tables_seen

    def _has_asset_key_col_on_connection(self, conn, column_name: str) -> bool:
        if column_name not in self._asset_key_columns_seen and super()._has_asset_key_col_on_connection(
                conn, column_name):
            self._asset_key_columns_seen.add(column_name)
        return column_name in self._asset_key_columns_seen

    def has_secondary_index(self, name: str) -> bool:
        if name not in self._indexes_seen and super().has_secondary_index(name):
            self._indexes_seen.add(name)
        return name in self._indexes_seen

    def dispose(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()
        super().dispose()


def kept_open_instance(home: Path) -> DagsterInstance:
    """The persistent instance at `home` (its dagster.yaml, its run and schedule storage), with
    the event log written through KeptOpenSqliteEventLogStorage into the same files as Dagster's."""
    events = InstanceRef.config_defaults(str(home))["event_log_storage"].config_dict["base_dir"]
    ref = InstanceRef.from_dir(str(home), overrides={"event_log_storage": {
        "module": __name__, "class": KeptOpenSqliteEventLogStorage.__name__, "config": {"base_dir": events}}})
    return DagsterInstance.from_ref(ref)


def persistent_instance(default_home: Path) -> DagsterInstance:
    """The instance the Dagster UI shows, with its event log kept open (`kept_open_instance`):
    $DAGSTER_HOME (make demo's var/dagster_home), else `default_home`, which is then this process's
    $DAGSTER_HOME. A home without a dagster.yaml gets the project's (telemetry off, one run at a time).
    This process's runs then hand their planned events over as one batch (read by Dagster at each run)."""
    os.environ.setdefault("DAGSTER_HOME", str(default_home))
    os.environ.setdefault("DAGSTER_EVENT_BATCH_SIZE", str(EVENT_BATCH_SIZE))
    home = Path(os.environ["DAGSTER_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copyfile(Path(__file__).with_name("dagster.yaml"), home / "dagster.yaml")
    return kept_open_instance(home)
