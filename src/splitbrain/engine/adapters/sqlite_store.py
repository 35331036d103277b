"""The SQLite store: the engine's embedded durable state, in WAL mode (DESIGN §10).

One connection holds the field states, the decision log, the idempotency keys, the conflict
queue and the audit chain (``SqliteAuditLog`` on the same connection, so a decision and its
audit entry are written by one transaction). Schema: ``sqlite_schema``.

Transactions and durability (what is durable when):

- Each unit of work is a SAVEPOINT inside the open transaction: a command's changes, audit
  entries included, are released together or rolled back together. A decision never exists
  without its audit entry, and an audit failure leaves no trace of the decision.
- ``batch_size=1`` (the default): every command COMMITs before ``handle()`` returns; with
  ``synchronous="FULL"`` (the default) it then survives a process crash and a power loss.
- ``batch_size=N``: the transaction COMMITs after N commands, on ``flush()`` and on ``close()``.
  A command is durable only once its batch has committed; a crash loses the uncommitted tail of
  at most N-1 commands, each whole, and the chain stays intact. Do not acknowledge a write to
  its source before ``flush()``. A store failure that aborts the transaction (disk full, I/O
  error) loses the open batch and raises ``StoreError`` saying so.
- ``synchronous="NORMAL"``: commits survive a process crash; the last ones may be lost on a
  power loss or OS crash (WAL is synced at checkpoints, not at every commit).
- Audit checkpoints are written after a COMMIT, never inside a transaction, so a checkpoint
  never names an entry that a rollback could take back.

Not thread-safe by itself: one engine owns the connection (``Engine`` serializes calls).

Example::

    uow = SqliteUnitOfWork.open(Path("out/engine.sqlite"), keys, batch_size=256)
    ...
    uow.close()
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Literal

from splitbrain.engine.adapters.audit_files import JsonlCheckpointStore, checkpoint_path_for
from splitbrain.engine.adapters.audit_log import SqliteAuditLog
from splitbrain.engine.adapters.consent_flags import InMemoryConsentFlags
from splitbrain.engine.adapters.sqlite_consent import (
    SqliteConsents,
    SqliteOutreachQueue,
    ensure_consent_schema,
)
from splitbrain.engine.adapters.sqlite_identity import (
    ensure_linkage_schema,
    sqlite_identity_store,
)
from splitbrain.engine.adapters.sqlite_repositories import (
    SqliteConflictQueue,
    SqliteDecisionLog,
    SqliteFieldStates,
)
from splitbrain.engine.adapters.sqlite_schema import ensure_schema
from splitbrain.engine.domain.audit import AuditKeys
from splitbrain.engine.domain.audit.sink import DEFAULT_CHECKPOINT_EVERY
from splitbrain.engine.service_layer.errors import StoreClosed, StoreError
from splitbrain.engine.service_layer.unit_of_work import AbstractUnitOfWork

Synchronous = Literal["FULL", "NORMAL"]


class SqliteUnitOfWork(AbstractUnitOfWork):
    """Units of work over one SQLite file; see the module docstring for durability."""

    audit: SqliteAuditLog
    fields: SqliteFieldStates

    def __init__(
        self, conn: sqlite3.Connection, audit: SqliteAuditLog, *, path: str, batch_size: int = 1
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1 (commands per commit); got {batch_size}")
        super().__init__()
        self.conn = conn
        self.path = path
        self.batch_size = batch_size
        self.fields = SqliteFieldStates(conn)
        self.decisions = SqliteDecisionLog(conn)
        self.conflicts = SqliteConflictQueue(conn)
        self.consents = SqliteConsents(conn)
        self.outreach = SqliteOutreachQueue(conn)
        self.consent_flags = InMemoryConsentFlags()
        self.identity = sqlite_identity_store(conn)
        self.audit = audit
        self._pending = 0
        self._in_savepoint = False
        self._closed = False

    @classmethod
    def open(
        cls,
        path: Path,
        keys: AuditKeys,
        *,
        batch_size: int = 1,
        synchronous: Synchronous = "FULL",
        checkpoint_every: int = DEFAULT_CHECKPOINT_EVERY,
    ) -> SqliteUnitOfWork:
        """Open (creating if needed) the store at ``path`` with WAL on and the schema checked.

        Checkpoints go to ``<path>.checkpoints.jsonl`` beside the database.
        """
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            _configure(conn, str(path), synchronous)
            ensure_schema(conn, str(path))
            ensure_consent_schema(conn)
            ensure_linkage_schema(conn, str(path))
            checkpoints = JsonlCheckpointStore(checkpoint_path_for(path))
            audit = SqliteAuditLog(
                conn, checkpoints, keys, checkpoint_every=checkpoint_every, cache_head=True
            )
        except BaseException:
            conn.close()
            raise
        return cls(conn, audit, path=str(path), batch_size=batch_size)

    @property
    def pending(self) -> int:
        """Commands committed to the open batch but not yet durable."""
        return self._pending

    def _begin(self) -> None:
        if self._closed:
            raise StoreClosed(self.path)
        if self.conn.in_transaction:
            self.conn.execute("SAVEPOINT uow")
            self._in_savepoint = True
        else:  # the unit opens the transaction: a rollback of it is a ROLLBACK, no savepoint
            self.conn.execute("BEGIN IMMEDIATE")

    def _commit(self) -> None:
        if self._in_savepoint:
            self.conn.execute("RELEASE uow")
            self._in_savepoint = False
        self._pending += 1
        if self._pending >= self.batch_size:
            self.flush()

    def _rollback(self) -> None:
        self.fields.forget()
        self.audit.forget_head()
        in_savepoint, self._in_savepoint = self._in_savepoint, False
        if in_savepoint and self.conn.in_transaction:
            self.conn.execute("ROLLBACK TO uow")
            self.conn.execute("RELEASE uow")
            if self._pending == 0:
                self.conn.execute("ROLLBACK")  # nothing else in the batch: release the lock
            return
        lost, self._pending = self._pending, 0
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
        if lost:
            raise StoreError(
                f"store {self.path} lost its open transaction (a failed statement or COMMIT): "
                f"the last {lost} commands of the batch were not made durable; redeliver them"
            )

    def flush(self) -> None:
        if self._closed:
            return
        try:
            if self.conn.in_transaction:
                self.conn.execute("COMMIT")
        finally:
            self.fields.forget()
            self.audit.forget_head()
        self._pending = 0
        self.audit.checkpoint_if_due()

    def close(self) -> None:
        if self._closed:
            return
        self.flush()
        self.audit.checkpoint()
        self._closed = True
        self.conn.close()

    def rows_in(self, table: str) -> int:
        """Row count of one of the store's tables (for benchmarks and tests)."""
        if table not in _TABLES:
            raise ValueError(f"unknown table {table!r}; one of {sorted(_TABLES)}")
        return int(self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


_TABLES = frozenset({"field_state", "decisions", "idempotency_keys", "conflicts", "audit_log"})


def _configure(conn: sqlite3.Connection, path: str, synchronous: Synchronous) -> None:
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise StoreError(
            f"store {path} could not switch to WAL mode (got {mode}); use a file on a local "
            "disk, not ':memory:' or a network share"
        )
    conn.execute(f"PRAGMA synchronous = {synchronous}")
    conn.execute("PRAGMA busy_timeout = 5000")
