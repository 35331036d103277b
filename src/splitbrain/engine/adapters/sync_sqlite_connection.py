"""The SQLite sync store's connections and transactions (``SqliteTransactions``), and its errors.

``SqliteTransactions`` holds the writer connection (one transaction at a time behind a lock,
``together`` for several calls in one) and the reader connection ``open_reader`` opens (WAL
readers never wait for the writer); ``translated`` turns a SQLite failure into the store's
errors: a lock not had in time is ``StoreBusy`` (retryable as is), anything else ``StoreError``.
The durability rules are ``adapters.sync_sqlite``'s.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from splitbrain.engine.service_layer.errors import StoreBusy, StoreClosed, StoreError

__all__ = ["SqliteTransactions", "Synchronous", "open_reader", "translated"]

Synchronous = Literal["FULL", "NORMAL"]

_BUSY = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class SqliteTransactions:
    """The writer and reader connections of one store, and the transactions on them."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        *,
        path: str,
        busy_timeout_ms: int = 5000,
        synchronous: Synchronous = "FULL",
        internal: Synchronous = "FULL",
        reader: sqlite3.Connection | None = None,
    ) -> None:
        self._conn = conn
        self._reader = conn if reader is None else reader
        self._read_lock = threading.RLock() if reader is not None else None
        self._owner: int | None = None
        """The thread inside ``together``, if any (it holds ``_lock`` meanwhile)."""
        self._synchronous = synchronous
        self._internal = internal
        self.path = path
        self.busy_timeout_ms = busy_timeout_ms
        self._lock = threading.RLock()
        self._closed = False

    @contextmanager
    def _tx(self, begin: str = "BEGIN IMMEDIATE") -> Iterator[sqlite3.Connection]:
        """One transaction under the lock; ``BEGIN IMMEDIATE`` takes the write lock first.
        Inside ``together`` (this thread's open transaction) it is part of that one."""
        with self._lock:
            if self._closed:
                raise StoreClosed(self.path)
            if self._owner == threading.get_ident():
                yield self._conn
                return
            try:
                self._conn.execute(begin)
                try:
                    yield self._conn
                except BaseException:
                    self._rollback()
                    raise
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise translated(exc, self.path, self.busy_timeout_ms) from exc

    @contextmanager
    def together(self) -> Iterator[None]:
        with self._lock:
            if self._owner == threading.get_ident():
                yield
                return
            with self._tx():
                self._owner = threading.get_ident()
                try:
                    yield
                finally:
                    self._owner = None

    def _reads_own(self) -> bool:
        """Whether this thread is inside ``together``: its reads must see its own writes."""
        return self._owner == threading.get_ident()

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A consistent read of several statements (a deferred transaction takes no lock), on
        the reader connection."""
        if self._read_lock is None or self._reads_own():
            with self._tx("BEGIN") as conn:
                yield conn
            return
        with self._read_lock:
            if self._closed:
                raise StoreClosed(self.path)
            reader = self._reader
            try:
                reader.execute("BEGIN")
                try:
                    yield reader
                finally:
                    reader.execute("COMMIT")
            except sqlite3.Error as exc:
                if reader.in_transaction:
                    reader.execute("ROLLBACK")
                raise translated(exc, self.path, self.busy_timeout_ms) from exc

    def _row(self, sql: str, params: tuple[object, ...]) -> sqlite3.Row | None:
        """One row of one statement: a lone SELECT is consistent on its own (autocommit), so
        it needs no BEGIN/COMMIT round (most reads on the hot path are these)."""
        own = self._reads_own()
        with self._lock if own else self._read_lock or self._lock:
            if self._closed:
                raise StoreClosed(self.path)
            try:
                conn = self._conn if own else self._reader
                row: sqlite3.Row | None = conn.execute(sql, params).fetchone()
            except sqlite3.Error as exc:
                raise translated(exc, self.path, self.busy_timeout_ms) from exc
            return row

    @contextmanager
    def _durable(self, wanted: bool = True) -> Iterator[None]:
        """The next transaction commits with ``synchronous`` (the acknowledgement's promise)."""
        if not wanted or self._synchronous == self._internal or self._closed or self._reads_own():
            yield
            return
        self._conn.execute(f"PRAGMA synchronous = {self._synchronous}")
        try:
            yield
        finally:
            if not self._closed:
                self._conn.execute(f"PRAGMA synchronous = {self._internal}")

    def _rollback(self) -> None:
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")


def open_reader(path: Path | str, busy_timeout_ms: int) -> sqlite3.Connection:
    """The read connection: the same file (already in WAL mode), reads only."""
    reader = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        reader.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        reader.execute("PRAGMA query_only = ON")
        reader.row_factory = sqlite3.Row
    except BaseException:
        reader.close()
        raise
    return reader


def translated(exc: sqlite3.Error, path: str, busy_timeout_ms: int) -> StoreError | StoreBusy:
    """SQLite's error as ours: a lock not had in time is retryable, the rest is not."""
    if getattr(exc, "sqlite_errorcode", None) in _BUSY:
        return StoreBusy(
            path,
            f"another connection held the file's write lock for more than {busy_timeout_ms} ms "
            "(keep other writers' transactions short)",
            kind="locked",
        )
    return StoreError(
        f"sync store {path} failed a transaction ({type(exc).__name__}: {exc}); nothing of it "
        "was kept"
    )
