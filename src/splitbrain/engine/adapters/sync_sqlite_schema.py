"""The sync store's tables in the engine's SQLite file, versioned apart (``sync_schema``).

Tables: ``sync_inbox`` (one row per inbound event, ``seq`` is arrival order), ``sync_outbox``
(one row per planned effect, ``seq`` is planning order), ``sync_incidents`` and
``sync_records`` (which record of which system holds which person) and ``sync_replicas``
(which engine version of a field each system's copy holds). Times are integer
microseconds since the epoch (UTC), as in the main schema, so comparisons never depend on how
an instant was written. Partial indexes cover only open rows, so a claim reads the open queue
and not the history behind it.

The main schema (``sqlite_schema``) refuses a file that has tables but no version, so whoever
opens a fresh file first lays the main schema down before adding these tables: the sync store
and the engine's unit of work can then open one file in either order.

Example::

    ensure_sync_schema(conn, "out/engine.sqlite")   # creates, or checks the version
"""

from __future__ import annotations

import sqlite3

from splitbrain.engine.adapters.sqlite_schema import ensure_schema
from splitbrain.engine.service_layer.errors import SchemaVersionMismatch

__all__ = ["SYNC_SCHEMA_VERSION", "ensure_sync_schema"]

SYNC_SCHEMA_VERSION = 1

_OPEN = "state IN ('pending', 'claimed')"
SYNC_TABLES = (
    """CREATE TABLE sync_inbox (
        seq INTEGER PRIMARY KEY,
        event_id TEXT NOT NULL UNIQUE,
        source TEXT NOT NULL,
        channel TEXT NOT NULL,
        payload BLOB NOT NULL,
        received_at INTEGER NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        deliveries INTEGER NOT NULL,
        detail TEXT,
        not_before INTEGER,
        worker TEXT,
        lease_until INTEGER
    )""",
    f"CREATE INDEX sync_inbox_open ON sync_inbox (seq) WHERE {_OPEN}",
    """CREATE TABLE sync_outbox (
        seq INTEGER PRIMARY KEY,
        effect_id TEXT NOT NULL UNIQUE,
        event_id TEXT NOT NULL,
        target TEXT NOT NULL,
        method TEXT NOT NULL,
        path TEXT NOT NULL,
        body BLOB,
        idempotency_key TEXT NOT NULL,
        ordering_key TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        headers TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        next_attempt_at INTEGER,
        last_status INTEGER,
        detail TEXT,
        worker TEXT,
        lease_until INTEGER
    )""",
    f"CREATE INDEX sync_outbox_open ON sync_outbox (seq) WHERE {_OPEN}",
    f"CREATE INDEX sync_outbox_open_keys ON sync_outbox (ordering_key, seq) WHERE {_OPEN}",
    "CREATE INDEX sync_outbox_by_event ON sync_outbox (event_id, seq)",
    """CREATE TABLE sync_incidents (
        seq INTEGER PRIMARY KEY,
        incident_id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        ref TEXT NOT NULL,
        reason TEXT NOT NULL,
        opened_at INTEGER NOT NULL,
        closed_at INTEGER
    )""",
    """CREATE TABLE sync_records (
        seq INTEGER PRIMARY KEY,
        system TEXT NOT NULL,
        record_id TEXT NOT NULL,
        person TEXT NOT NULL,
        version TEXT,
        UNIQUE (system, record_id)
    )""",
    "CREATE INDEX sync_records_by_person ON sync_records (system, person, seq)",
    """CREATE TABLE sync_replicas (
        system TEXT NOT NULL,
        person TEXT NOT NULL,
        field TEXT NOT NULL,
        version INTEGER NOT NULL,
        PRIMARY KEY (system, person, field)
    ) WITHOUT ROWID""",
)


ADDITIVE_TABLES = (
    """CREATE TABLE IF NOT EXISTS sync_cursors (
        feed TEXT PRIMARY KEY,
        position TEXT NOT NULL
    ) WITHOUT ROWID""",
)
"""Tables added after version 1 without changing what is there (reconciliation's cursors):
created in a new file and in a version-1 file alike."""


def ensure_sync_schema(conn: sqlite3.Connection, path: str) -> None:
    """Create the sync tables in a store that has none, or check their version.

    The check and the creation are one immediate transaction, so two processes opening a
    fresh file at once create the tables once.
    """
    _ensure_main_schema(conn, path)
    conn.execute("BEGIN IMMEDIATE")
    try:
        found = _version(conn)
        if found is None:
            for statement in SYNC_TABLES:
                conn.execute(statement)
            conn.execute("CREATE TABLE sync_schema (version INTEGER NOT NULL)")
            conn.execute("INSERT INTO sync_schema (version) VALUES (?)", (SYNC_SCHEMA_VERSION,))
        elif found != SYNC_SCHEMA_VERSION:
            raise SchemaVersionMismatch(f"{path} (sync tables)", found, SYNC_SCHEMA_VERSION)
        for statement in ADDITIVE_TABLES:
            conn.execute(statement)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _ensure_main_schema(conn: sqlite3.Connection, path: str) -> None:
    try:
        ensure_schema(conn, path)
    except sqlite3.OperationalError:
        # Another process created the main tables between our version check and our
        # BEGIN IMMEDIATE: give up our attempt; the second check finds its version.
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        ensure_schema(conn, path)


def _version(conn: sqlite3.Connection) -> int | None:
    exists = conn.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'sync_schema'"
    ).fetchone()[0]
    if not exists:
        return None
    return int(conn.execute("SELECT version FROM sync_schema").fetchone()[0])
