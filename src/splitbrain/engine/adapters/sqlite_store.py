"""The SQLite store: the engine's embedded durable state, in WAL mode (DESIGN §10).

One connection holds the field states, the decision log, the idempotency keys, the conflict
queue and the audit chain (``SqliteAuditLog`` on the same connection, so a decision and its
audit entry are written by one transaction). Schema: ``sqlite_schema``.

Transactions and durability (what is durable when):

- A unit of work (one command) is atomic: its changes, audit entries included, are kept
  together or dropped together. A decision never exists without its audit entry, and an audit
  failure leaves no trace of the decision.
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
  never names an entry that a rollback could take back; below FULL, writing one first
  checkpoints the WAL (which syncs it), so it never names an entry a power loss could take.

How (the write path's cost is mostly statements, so it issues few):

- The rows a command produces on the write path (its decision, which carries its idempotency
  claim, the field-state upsert, the audit entry) go to a write buffer (``sqlite_buffer``) and are
  inserted with one ``executemany`` per table just before the COMMIT, inside the same
  transaction; a failed insert there loses the batch whole (``StoreError``). Reads see the
  batch's writes through the repositories' memory (field states, claims, the audit head, the
  next decision seq); a read that needs SQL to see them (metrics, the purge, audit reads) has
  the buffer written first (``spill``).
- The batch's transaction is opened by its first command (``BEGIN IMMEDIATE``: the write lock
  is held for the whole batch, as before). A later command of the batch gets a SAVEPOINT only
  if it writes SQL directly (the conflict queue, consents, identity: ``UnitConnection`` tells
  the store), and only then; the buffer's rows of earlier commands are written before it, so
  rolling back to it takes back this command alone. A command that wrote nothing but buffer
  rows is rolled back in memory.
- The memory outlives a batch while this connection is the only writer: when a batch begins,
  ``PRAGMA data_version`` shows whether another connection committed since, and if so every
  cache is dropped but for the two Bloom filters: the key filter catches up with the decisions
  logged since (``sqlite_decision_log``), the persons filter is kept but its misses are asked
  of SQL (``sqlite_repositories``). A lost transaction drops them all.

Not thread-safe by itself: one engine owns the connection (``Engine`` serializes calls).

Example::

    uow = SqliteUnitOfWork.open(Path("out/engine.sqlite"), keys, batch_size=256)
    ...
    uow.close()
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Literal

from splitbrain.engine.adapters.audit_files import JsonlCheckpointStore, checkpoint_path_for
from splitbrain.engine.adapters.audit_log import SqliteAuditLog
from splitbrain.engine.adapters.consent_flags import InMemoryConsentFlags
from splitbrain.engine.adapters.merge_cache import CachedMerges, CachedPersons
from splitbrain.engine.adapters.sqlite_buffer import UnitConnection, WriteBuffer
from splitbrain.engine.adapters.sqlite_consent import (
    SqliteConsents,
    SqliteOutreachQueue,
    ensure_consent_schema,
)
from splitbrain.engine.adapters.sqlite_decision_log import SqliteDecisionLog
from splitbrain.engine.adapters.sqlite_identity import (
    ensure_linkage_schema,
    sqlite_identity_store,
)
from splitbrain.engine.adapters.sqlite_repositories import SqliteConflictQueue, SqliteFieldStates
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
    decisions: SqliteDecisionLog

    def __init__(
        self, conn: sqlite3.Connection, audit: SqliteAuditLog, *, path: str, batch_size: int = 1
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1 (commands per commit); got {batch_size}")
        super().__init__()
        self.conn = conn
        self.path = path
        self.batch_size = batch_size
        self.buffer = WriteBuffer()
        self._cursor = conn.cursor()
        self.fields = SqliteFieldStates(conn, self.buffer.states)
        self.decisions = SqliteDecisionLog(conn, self.buffer, self.spill)
        self.conflicts = SqliteConflictQueue(conn)
        self.consents = SqliteConsents(conn)
        self.outreach = SqliteOutreachQueue(conn)
        self.consent_flags = InMemoryConsentFlags()
        identity = sqlite_identity_store(conn)
        self._merges = CachedMerges(identity.merges)
        persons = CachedPersons(identity.persons, self._merges)  # no merge: no lookup
        self.identity = replace(identity, merges=self._merges, persons=persons)
        audit.buffer_into(self.buffer.audit, self.spill)
        self.audit = audit
        self._pending = 0
        self._unit = False
        """A unit of work is open."""
        self._opened = False
        """The open unit began the transaction: its rollback is a ROLLBACK."""
        self._in_savepoint = False
        self._wrote = False
        """The open unit wrote SQL directly (its rollback may take back a merge)."""
        self._changes_at_begin = 0
        self._head_at_begin: tuple[tuple[int, str] | None, bool] = (None, False)
        self._data_version: int | None = None
        self._lazy = isinstance(conn, UnitConnection)
        """Savepoints only for units that write SQL directly (the connection tells us)."""
        if isinstance(conn, UnitConnection):
            conn.before_write = self._before_write
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
        conn = sqlite3.connect(
            path, isolation_level=None, check_same_thread=False, factory=UnitConnection
        )
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

    def spill(self) -> None:
        """Write the buffered rows into the open transaction now, for a read that must see them
        in SQL. Inside a unit that did not open the transaction, a savepoint comes first."""
        if len(self.buffer):
            self._before_write()
            self._write()

    def _begin(self) -> None:
        if self._closed:
            raise StoreClosed(self.path)
        if self.conn.in_transaction:
            self._opened = False
            if not self._lazy:
                self._savepoint()
        else:  # the unit opens the transaction: a rollback of it is a ROLLBACK, no savepoint
            self._sql("BEGIN IMMEDIATE")
            self._opened = True
            self._check_data_version()
        self.buffer.mark()
        self.fields.begin_unit()
        self.decisions.begin_unit()
        self._head_at_begin = self.audit.head_state()
        self._unit, self._wrote = True, not self._lazy
        self._changes_at_begin = self.conn.total_changes

    def _before_write(self) -> None:
        self._wrote = True
        if self._unit and not self._opened and not self._in_savepoint:
            self._savepoint()

    def _savepoint(self) -> None:
        self._write(before_unit=self._unit)  # earlier commands of the batch stay outside it
        self._sql("SAVEPOINT uow")
        self._in_savepoint = True

    def _commit(self) -> None:
        if self._in_savepoint:
            self._sql("RELEASE uow")
            self._in_savepoint = False
        self._unit = False
        self._pending += 1
        if self._pending >= self.batch_size:
            self.flush()

    def _rollback(self) -> None:
        unit, self._unit = self._unit, False
        in_savepoint, self._in_savepoint = self._in_savepoint, False
        if unit:
            self.buffer.drop_unit()
            self.fields.drop_unit()
            self.decisions.drop_unit()
            self.audit.restore_head(self._head_at_begin)
            if self._wrote:
                self._merges.forget()
        if not self.conn.in_transaction:
            if self._pending or len(self.buffer):
                raise self._lose_batch()
            return
        if self._opened or (self._pending == 0 and not len(self.buffer)):
            self._sql("ROLLBACK")  # nothing else in the transaction: release the lock
        elif in_savepoint:
            self._sql("ROLLBACK TO uow")
            self._sql("RELEASE uow")
        elif unit and self.conn.total_changes != self._changes_at_begin:
            # a write that bypassed UnitConnection.execute (a cursor of its own): this unit's
            # changes cannot be told from the batch's, so the batch goes rather than half a unit
            raise self._lose_batch()

    def flush(self) -> None:
        if self._closed:
            return
        if self.conn.in_transaction:
            try:
                self._write()
                self._sql("COMMIT")
            except sqlite3.Error as exc:
                raise self._lose_batch() from exc
        elif self._pending or len(self.buffer):
            raise self._lose_batch()
        self._pending = 0
        self.decisions.end_batch()
        if len(self.fields) > _CACHED_STATES:
            self.fields.trim()  # memory only: the other caches stay right
        self.audit.checkpoint_if_due()

    def close(self) -> None:
        if self._closed:
            return
        self.flush()
        self.audit.checkpoint()
        self._closed = True
        if isinstance(self.conn, UnitConnection):
            self.conn.before_write = None
        self.conn.close()

    def rows_in(self, table: str) -> int:
        """Row count of one of the store's tables (for benchmarks and tests)."""
        if table not in _TABLES:
            raise ValueError(f"unknown table {table!r}; one of {sorted(_TABLES)}")
        self.spill()
        return int(self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    def _write(self, *, before_unit: bool = False) -> None:
        try:
            self.buffer.write(self._cursor, before_unit=before_unit)
        except sqlite3.Error as exc:
            raise self._lose_batch() from exc

    def _lose_batch(self) -> StoreError:
        """Roll back whatever is left of the open transaction and forget the batch."""
        lost, self._pending = self._pending, 0
        self._unit = self._in_savepoint = False
        self.buffer.clear()
        self._forget_caches()
        if self.conn.in_transaction:
            self._sql("ROLLBACK")
        return StoreError(
            f"store {self.path} lost its open transaction (a failed statement or COMMIT): "
            f"the last {lost} commands of the batch were not made durable; redeliver them"
        )

    def _check_data_version(self) -> None:
        """Drop the caches when another connection committed since we last looked."""
        version = self._cursor.execute("PRAGMA data_version").fetchone()[0]
        if version != self._data_version:
            self._data_version = version
            self._forget_caches(lost=False)

    def _forget_caches(self, *, lost: bool = True) -> None:
        """Drop the caches: after a lost transaction (``lost``), or when another connection
        committed (the key filter then only catches up with the decisions logged since, and
        the persons filter is kept but no longer trusted to say who has no state)."""
        if lost:
            self.fields.forget()
            self.decisions.forget()
        else:
            self.fields.others_wrote()
            self.decisions.others_wrote()
        self.audit.forget_head()
        self._merges.forget()

    def _sql(self, statement: str) -> None:
        self._cursor.execute(statement)


_CACHED_STATES = 100_000
"""Field states kept across batches; past this, the cache starts again empty at a commit."""
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
