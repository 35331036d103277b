"""Where the vault keeps what each token stands for: SQLite (the default) and in memory.

The vault store is the one place outside the owner systems where raw identity lives; keep its
file private (mode 0600, encrypted disk). One row per token: its domain, key id, the value and
when it was issued. ``put`` inserts when the token is new and is a no-op otherwise, so issuing
or re-indexing the same HMAC token twice changes nothing. The SQLite store also holds the
vault's own audit chain (``audit_log``, via ``SqliteAuditLog`` on the same connection), so a
resolution and its audit entry commit together.

Example::

    store = SqliteVaultStore.open(Path("out/vault.sqlite"))
    with store.transaction():
        store.put(TokenEntry(token, "patient", "k1", "per_000123", now))
"""

from __future__ import annotations

import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from splitbrain.engine.domain.audit.event import format_instant, parse_instant
from splitbrain.engine.service_layer.errors import SchemaVersionMismatch

SCHEMA_VERSION = 1
_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS vault_tokens (
        token TEXT PRIMARY KEY,
        domain TEXT NOT NULL,
        key_id TEXT NOT NULL,
        value TEXT NOT NULL,
        issued_at TEXT NOT NULL
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS vault_tokens_by_key ON vault_tokens (key_id)",
)
_PUT = (
    "INSERT OR IGNORE INTO vault_tokens (token, domain, key_id, value, issued_at) "
    "VALUES (?, ?, ?, ?, ?)"
)
_GET = "SELECT token, domain, key_id, value, issued_at FROM vault_tokens WHERE token = ?"
_BY_KEY = (
    "SELECT token, domain, key_id, value, issued_at FROM vault_tokens WHERE key_id = ? "
    "ORDER BY issued_at, token"
)


@dataclass(frozen=True, slots=True)
class TokenEntry:
    """What ``token`` stands for. ``repr`` leaves the value out."""

    token: str
    domain: str
    key_id: str
    value: str
    issued_at: datetime

    def __repr__(self) -> str:
        return f"TokenEntry(token={self.token!r}, domain={self.domain!r}, key_id={self.key_id!r})"


class VaultStore(ABC):
    """The vault's storage port."""

    @abstractmethod
    def put(self, entry: TokenEntry) -> bool:
        """Store ``entry`` unless its token is already stored; True when it was new."""

    @abstractmethod
    def get(self, token: str) -> TokenEntry | None: ...

    @abstractmethod
    def issued_under(self, key_id: str) -> Iterator[TokenEntry]:
        """Every entry made under ``key_id``, oldest first."""

    def transaction(self) -> AbstractContextManager[object]:
        """One atomic unit: commit on success, roll back on an exception."""
        return nullcontext()


class InMemoryVaultStore(VaultStore):
    """The fake: entries in a dict."""

    def __init__(self) -> None:
        self.entries: dict[str, TokenEntry] = {}

    def put(self, entry: TokenEntry) -> bool:
        if entry.token in self.entries:
            return False
        self.entries[entry.token] = entry
        return True

    def get(self, token: str) -> TokenEntry | None:
        return self.entries.get(token)

    def issued_under(self, key_id: str) -> Iterator[TokenEntry]:
        found = [e for e in self.entries.values() if e.key_id == key_id]
        return iter(sorted(found, key=lambda e: (e.issued_at, e.token)))


class SqliteVaultStore(VaultStore):
    """Token entries in a ``vault_tokens`` table, one transaction per ``transaction()``."""

    def __init__(self, conn: sqlite3.Connection, *, path: str = ":memory:") -> None:
        self.conn = conn
        self.path = path
        _ensure_schema(conn, path)

    @classmethod
    def open(cls, path: Path) -> SqliteVaultStore:
        """Open (creating if needed) the vault at ``path``: WAL, synchronous FULL, mode 0600."""
        path.touch(mode=0o600, exist_ok=True)
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA busy_timeout=5000")
            return cls(conn, path=str(path))
        except BaseException:
            conn.close()
            raise

    @contextmanager
    def transaction(self) -> Iterator[object]:
        if self.conn.in_transaction:  # join the caller's transaction
            yield self
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def put(self, entry: TokenEntry) -> bool:
        with self.transaction():
            cursor = self.conn.execute(
                _PUT,
                (
                    entry.token,
                    entry.domain,
                    entry.key_id,
                    entry.value,
                    format_instant(entry.issued_at),
                ),
            )
        return cursor.rowcount == 1

    def get(self, token: str) -> TokenEntry | None:
        row = self.conn.execute(_GET, (token,)).fetchone()
        return None if row is None else _entry(row)

    def issued_under(self, key_id: str) -> Iterator[TokenEntry]:
        cursor = self.conn.execute(_BY_KEY, (key_id,))
        while rows := cursor.fetchmany(512):
            yield from (_entry(row) for row in rows)

    def close(self) -> None:
        self.conn.close()


def _entry(row: tuple[str, str, str, str, str]) -> TokenEntry:
    return TokenEntry(row[0], row[1], row[2], row[3], parse_instant(row[4]))


def _ensure_schema(conn: sqlite3.Connection, path: str) -> None:
    found = conn.execute("PRAGMA user_version").fetchone()[0]
    if found not in (0, SCHEMA_VERSION):
        raise SchemaVersionMismatch(path, found, SCHEMA_VERSION)
    for statement in _SCHEMA:
        conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
