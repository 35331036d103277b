"""The identity index a store gets by default (``uow.identity.index``).

- the SQLite store: the SQLite identity index on the *store's own connection*
  (``autocommit=False``), so a registration's index rows commit or roll back with its links
  and its audit entry, in one transaction;
- the memory store: the in-memory index (not journaled: a command rolled back after it
  changed the index leaves the index ahead of the link table);
- the PostgreSQL store: the PostgreSQL identity index on the store's connection, like SQLite.

Both use the default matching config; its parts are built once per process (the matcher is
immutable), so a test that opens many stores pays for it once. ``bootstrap(identity_index=...)``
replaces the default.

Example::

    index = sqlite_default_index(conn)
"""

from __future__ import annotations

import sqlite3
from functools import cache
from typing import TYPE_CHECKING

from splitbrain.engine.adapters.identity.factory import MatchingParts
from splitbrain.engine.adapters.identity.index_memory import MemoryIdentityIndex
from splitbrain.engine.adapters.identity.index_postgres import PostgresIdentityIndex
from splitbrain.engine.adapters.identity.index_sqlite import SqliteIdentityIndex
from splitbrain.engine.domain.identity.ports import IdentityIndex

if TYPE_CHECKING:
    from splitbrain.engine.adapters.postgres_connection import PgConnection

__all__ = ["memory_default_index", "postgres_default_index", "sqlite_default_index"]


@cache
def _parts() -> tuple[MatchingParts, int, int]:
    parts = MatchingParts.from_config()
    blocking = parts.config.blocking
    return parts, blocking.max_block_size, blocking.max_exact_block_size


def memory_default_index() -> IdentityIndex:
    parts, max_block, max_exact = _parts()
    return MemoryIdentityIndex(parts.matcher, parts.blocking, max_block, max_exact)


def sqlite_default_index(conn: sqlite3.Connection) -> IdentityIndex:
    """The index on ``conn``; it never commits (the unit of work does)."""
    parts, max_block, max_exact = _parts()
    return SqliteIdentityIndex(
        conn, parts.matcher, parts.blocking, max_block, max_exact, autocommit=False
    )


def postgres_default_index(conn: PgConnection) -> IdentityIndex:
    """The index on the PostgreSQL store's connection; it never commits (the unit of work does)."""
    parts, max_block, max_exact = _parts()
    return PostgresIdentityIndex(conn, parts.matcher, parts.blocking, max_block, max_exact)
