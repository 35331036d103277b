"""Audit logs behind the ``AuditSink`` port: SQLite (the embedded default) and in memory.

``SqliteAuditLog`` writes into an ``audit_log`` table on the connection it is given and never
commits: the caller's unit of work commits the decision and its entry in one transaction. A
SQLite error during ``append`` becomes ``AuditWriteError`` and propagates, so the decision fails
with it (fail closed). Inside ``SqliteUnitOfWork`` the log is buffered (``buffer_into``): the
entry's row joins the store's write buffer and is inserted with its batch, in the transaction
that commits the decision; a failed insert there loses the whole batch (``StoreError``), never
half of a command. Triggers refuse UPDATE and DELETE on the table (an accident guard; the
hash chain and the checkpoints are what detect a deliberate edit).

Example::

    conn = sqlite3.connect(db)
    log = SqliteAuditLog(conn, JsonlCheckpointStore(checkpoint_path_for(db)),
                         load_or_create_keys(keys_path_for(db)))
    with conn:                      # the unit of work: commit both, or neither
        conn.execute("INSERT INTO decisions ...")
        log.append(event)
    log.checkpoint_if_due()         # after the commit
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

from splitbrain.engine.adapters.audit_files import write_jsonl
from splitbrain.engine.adapters.sqlite_buffer import Row
from splitbrain.engine.domain.audit import (
    GENESIS_HASH,
    HASH_VERSION,
    AuditEntry,
    AuditEvent,
    AuditKeys,
    AuditSink,
    AuditStateError,
    AuditWriteError,
    CheckpointStore,
    Head,
    MalformedEntryError,
    StoredEntry,
    chain,
    stored_entry,
)
from splitbrain.engine.domain.audit.entry import hash_v1_text
from splitbrain.engine.domain.audit.prepared import PreparedEvent
from splitbrain.engine.domain.audit.sink import DEFAULT_CHECKPOINT_EVERY

AUDIT_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS audit_log (
        seq INTEGER PRIMARY KEY,
        hash_version INTEGER NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        event TEXT NOT NULL
    )""",
    """CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END""",
)
_INSERT = "INSERT INTO audit_log (seq, hash_version, prev_hash, hash, event) VALUES (?, ?, ?, ?, ?)"
_HEAD = "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"
_ALL = "SELECT seq, hash_version, prev_hash, hash, event FROM audit_log ORDER BY seq"
_AFTER = (
    "SELECT seq, hash_version, prev_hash, hash, event FROM audit_log WHERE seq > ? ORDER BY seq"
)


def create_audit_schema(conn: sqlite3.Connection) -> None:
    """Create the table and its append-only triggers if absent (no commit of its own)."""
    for statement in AUDIT_SCHEMA:
        conn.execute(statement)


def sqlite_stored_entries(conn: sqlite3.Connection) -> Iterator[StoredEntry]:
    """Stream every row of ``audit_log`` in seq order, events unparsed (what verify needs).

    A row of the wrong shape, or a damaged database page, raises ``MalformedEntryError``
    (``verify`` reports it at the seq it expected next). Operational errors (a locked database,
    an I/O error) propagate as they are.
    """
    try:
        cursor = conn.execute(_ALL)
        while rows := cursor.fetchmany(512):
            for row in rows:
                yield stored_entry(*row)
    except sqlite3.OperationalError:
        raise
    except sqlite3.DatabaseError as exc:
        raise MalformedEntryError(None, f"the database is damaged ({exc})") from exc


def sqlite_entries(conn: sqlite3.Connection) -> Iterator[AuditEntry]:
    """Stream every row of ``audit_log`` in seq order as parsed, validated entries."""
    for stored in sqlite_stored_entries(conn):
        yield stored.parse()


class SqliteAuditLog(AuditSink):
    """The audit chain in an ``audit_log`` table, inside the caller's transactions."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        checkpoints: CheckpointStore,
        keys: AuditKeys,
        *,
        checkpoint_every: int = DEFAULT_CHECKPOINT_EVERY,
        cache_head: bool = False,
    ) -> None:
        super().__init__(checkpoints, keys, checkpoint_every=checkpoint_every)
        self.conn = conn
        self._cache_head = cache_head
        """Keep the head in memory (saves a SELECT per append). Only for an owner that calls
        ``forget_head()`` or ``restore_head()`` whenever a transaction or a savepoint of it is
        rolled back, or another connection may have written, as ``SqliteUnitOfWork`` does."""
        self._tail: tuple[int, str] | None = None
        """The cached head as (seq, hash); None: the log is empty (when ``_head_known``)."""
        self._head_known = False
        self._rows: list[Row] | None = None
        self._spill: Callable[[], None] = _nothing
        create_audit_schema(conn)

    def buffer_into(self, rows: list[Row], spill: Callable[[], None]) -> None:
        """Append each entry's row to ``rows`` instead of inserting it; the owner inserts them
        with its batch, and ``spill()`` writes them before this log reads its table. (An append
        outside any transaction is inserted at once, as an unbuffered log does.)

        For ``SqliteUnitOfWork`` (which also keeps the head, see ``cache_head``).
        """
        self._rows, self._spill, self._cache_head = rows, spill, True

    def forget_head(self) -> None:
        """Drop the cached head: the next append reads it from the table."""
        self._head_known = False

    def head_state(self) -> tuple[tuple[int, str] | None, bool]:
        """The cached head and whether it is known (to ``restore_head`` on a rollback)."""
        return self._tail, self._head_known

    def restore_head(self, state: tuple[tuple[int, str] | None, bool]) -> None:
        self._tail, self._head_known = state

    def append_prepared(self, prepared: PreparedEvent) -> None:
        rows = self._rows
        if (
            rows is None
            or not self._head_known
            or not self.conn.in_transaction
            or type(self).append is not SqliteAuditLog.append  # a subclass sees every event
        ):
            self.append(prepared.event())  # the general path (reads the head, or inserts)
            return
        tail, text = self._tail, prepared.text
        seq, prev = (1, GENESIS_HASH) if tail is None else (tail[0] + 1, tail[1])
        digest = hash_v1_text(seq, prev, text)
        rows.append((seq, HASH_VERSION, prev, digest, text))  # inserted with the owner's batch
        self._tail = (seq, digest)

    def append(self, event: AuditEvent) -> AuditEntry:
        try:
            tail = self._tail
            known = self._head_known
            entry = chain((None if tail is None else Head(*tail)) if known else self.head(), event)
            row = (
                entry.seq,
                entry.hash_version,
                entry.prev_hash,
                entry.hash,
                event.canonical_bytes().decode("utf-8"),
            )
            if self._rows is not None and self.conn.in_transaction:
                self._rows.append(row)  # inserted with the owner's batch
            else:
                self.conn.execute(_INSERT, row)
        except sqlite3.Error as exc:
            raise AuditWriteError(
                f"audit entry for action {event.action!r} (correlation "
                f"{event.correlation_id}) was not stored ({type(exc).__name__}: {exc}); "
                "the decision it records must fail with it"
            ) from exc
        if self._cache_head:
            self._tail, self._head_known = (entry.seq, entry.hash), True
        return entry

    def head(self) -> Head | None:
        if self._head_known and self._rows is not None:  # buffered entries are not in the table
            return None if self._tail is None else Head(*self._tail)
        self._spill()
        row = self.conn.execute(_HEAD).fetchone()
        if self._rows is not None:
            self._tail, self._head_known = (None if row is None else (row[0], row[1])), True
        return None if row is None else Head(row[0], row[1])

    def entries(self) -> Iterator[AuditEntry]:
        self._spill()
        return sqlite_entries(self.conn)

    def chain_links(self) -> Iterator[StoredEntry]:
        self._spill()
        return sqlite_stored_entries(self.conn)

    def entries_after(self, seq: int) -> Iterator[AuditEntry]:
        self._spill()
        rows = self.conn.execute(_AFTER, (seq,)).fetchall()
        return (stored_entry(*row).parse() for row in rows)

    def export_jsonl(self, path: Path) -> int:
        """Write every entry to ``path`` as JSON lines; returns the count."""
        return write_jsonl(self.entries(), path)

    def _ready_for_checkpoint(self) -> None:
        if self.conn.in_transaction:
            raise AuditStateError(
                "checkpoint requested while the audit connection has an open transaction; "
                "commit first, then call checkpoint() or checkpoint_if_due()"
            )

    def _durable_before_checkpoint(self) -> None:
        # Below FULL (the served engine commits with NORMAL), a commit does not sync the WAL;
        # a checkpoint of the WAL syncs it first, so every committed entry is then on disk.
        (level,) = self.conn.execute("PRAGMA synchronous").fetchone()
        if int(level) < _FULL:
            self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()


_FULL = 2
"""``PRAGMA synchronous``'s number for FULL (OFF 0, NORMAL 1, FULL 2, EXTRA 3)."""


def _nothing() -> None:
    return None


class InMemoryAuditLog(AuditSink):
    """The fake for unit tests: entries in a list. ``fail_appends()`` makes appends fail."""

    def __init__(
        self,
        checkpoints: CheckpointStore,
        keys: AuditKeys,
        *,
        checkpoint_every: int = DEFAULT_CHECKPOINT_EVERY,
    ) -> None:
        super().__init__(checkpoints, keys, checkpoint_every=checkpoint_every)
        self.items: list[AuditEntry] = []
        self._failure: str | None = None

    def fail_appends(self, reason: str = "audit store unavailable") -> None:
        """From now on ``append`` raises ``AuditWriteError`` (to test fail-closed callers)."""
        self._failure = reason

    def append(self, event: AuditEvent) -> AuditEntry:
        if self._failure is not None:
            raise AuditWriteError(
                f"audit entry for action {event.action!r} was not stored ({self._failure}); "
                "the decision it records must fail with it"
            )
        entry = chain(self.head(), event)
        self.items.append(entry)
        return entry

    def head(self) -> Head | None:
        return Head(self.items[-1].seq, self.items[-1].hash) if self.items else None

    def entries(self) -> Iterator[AuditEntry]:
        return iter(list(self.items))

    def entries_after(self, seq: int) -> Iterator[AuditEntry]:
        start = max(0, seq - self.items[0].seq + 1) if self.items else 0
        return iter(self.items[start:])

    def export_jsonl(self, path: Path) -> int:
        """Write every entry to ``path`` as JSON lines; returns the count."""
        return write_jsonl(self.entries(), path)
