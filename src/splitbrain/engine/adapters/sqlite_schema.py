"""The SQLite store's schema, versioned with ``PRAGMA user_version``.

Tables: ``field_state`` (current value, version and provenance per person and field),
``decisions`` (every decision in order, the write included, with the columns the metrics count),
``idempotency_keys`` (the first decision per key and when the key was first seen: the retention
window purges this table only), ``conflicts`` (the conflict queue) and ``audit_log`` (the hash
chain, created by ``adapters.audit_log``). Times used in comparisons are integer microseconds
since the epoch (UTC), so that ordering never depends on how an instant was written.

Example::

    ensure_schema(conn, "out/demo/engine.sqlite")   # creates, or checks the version
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

from splitbrain.engine.adapters.audit_log import create_audit_schema
from splitbrain.engine.service_layer.errors import SchemaVersionMismatch

SCHEMA_VERSION = 1

_TABLES = (
    """CREATE TABLE field_state (
        person TEXT NOT NULL,
        field TEXT NOT NULL,
        value TEXT,
        version INTEGER NOT NULL,
        provenance TEXT,
        system TEXT,
        role TEXT,
        occurred_at TEXT,
        idempotency_key TEXT,
        PRIMARY KEY (person, field)
    ) WITHOUT ROWID""",
    """CREATE TABLE decisions (
        seq INTEGER PRIMARY KEY,
        idempotency_key TEXT NOT NULL,
        kind TEXT NOT NULL,
        person TEXT NOT NULL,
        field TEXT NOT NULL,
        rule TEXT NOT NULL,
        reason TEXT,
        manual INTEGER NOT NULL,
        override INTEGER NOT NULL,
        decided_at INTEGER NOT NULL,
        body TEXT NOT NULL
    )""",
    """CREATE TABLE idempotency_keys (
        key TEXT PRIMARY KEY,
        decision_seq INTEGER NOT NULL REFERENCES decisions (seq),
        first_seen INTEGER NOT NULL
    ) WITHOUT ROWID""",
    "CREATE INDEX idempotency_keys_by_first_seen ON idempotency_keys (first_seen)",
    """CREATE TABLE conflicts (
        seq INTEGER PRIMARY KEY,
        conflict_id TEXT NOT NULL UNIQUE,
        status TEXT NOT NULL,
        body TEXT NOT NULL
    )""",
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def ensure_schema(conn: sqlite3.Connection, path: str) -> None:
    """Create the schema in a fresh file, or check that the file has this schema version.

    Raises ``SchemaVersionMismatch`` for a file of another version, or a database that is not
    an engine store (tables but no version).
    """
    found = conn.execute("PRAGMA user_version").fetchone()[0]
    if found == SCHEMA_VERSION:
        return
    if found != 0 or _has_tables(conn):
        raise SchemaVersionMismatch(path, found, SCHEMA_VERSION)
    conn.execute("BEGIN IMMEDIATE")
    for statement in _TABLES:
        conn.execute(statement)
    create_audit_schema(conn)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    conn.execute("COMMIT")


def micros(moment: datetime) -> int:
    """``moment`` as integer microseconds since the epoch (exact, timezone-independent)."""
    return (moment - _EPOCH) // _MICROSECOND


def from_micros(value: int) -> datetime:
    return _EPOCH + timedelta(microseconds=value)


def _has_tables(conn: sqlite3.Connection) -> bool:
    row = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()
    return bool(row[0])
