"""The SQLite store's schema, versioned with ``PRAGMA user_version``.

Tables: ``field_state`` (current value, version and provenance per person and field),
``decisions`` (every decision in order, the write included, with the columns the metrics count),
``conflicts`` (the conflict queue) and ``audit_log`` (the hash chain, created by
``adapters.audit_log``). Times used in comparisons are integer microseconds since the epoch
(UTC), so that ordering never depends on how an instant was written.

Idempotency claims: version 1 kept them in a table ``idempotency_keys`` (key, decision_seq,
first_seen). Version 2 (``_MIGRATIONS``) folds them into ``decisions``: the decision that first
claimed its key has ``claimed = 1`` (one row insert per decision instead of two, and one index,
unique over the claimed rows, instead of two), the key was first seen at its ``decided_at``, and
the retention purge sets ``claimed`` back to NULL. A view ``idempotency_keys`` with the old
columns stays for readers. A file at version 1 is migrated when opened.

Example::

    ensure_schema(conn, "out/demo/engine.sqlite")   # creates, or checks the version
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

from splitbrain.engine.adapters.audit_log import create_audit_schema
from splitbrain.engine.service_layer.errors import SchemaVersionMismatch

SCHEMA_VERSION = 2

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
_MIGRATIONS: dict[int, tuple[str, ...]] = {
    2: (  # the idempotency claims fold into decisions (see the module docstring)
        "ALTER TABLE decisions ADD COLUMN claimed INTEGER",
        "UPDATE decisions SET claimed = 1 WHERE seq IN (SELECT decision_seq FROM idempotency_keys)",
        "DROP TABLE idempotency_keys",
        """CREATE UNIQUE INDEX decisions_claims ON decisions (idempotency_key)
            WHERE claimed IS NOT NULL""",
        """CREATE VIEW idempotency_keys (key, decision_seq, first_seen) AS
            SELECT idempotency_key, seq, decided_at FROM decisions WHERE claimed IS NOT NULL""",
    ),
}
"""The statements that take a file from the version before each key to that version; a later
version adds its own block here (never renumber one)."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def ensure_schema(conn: sqlite3.Connection, path: str) -> None:
    """Create the schema in a fresh file, migrate a file of an older version, or check that
    the file has this schema version. Each step is one transaction.

    Raises ``SchemaVersionMismatch`` for a file of a newer or unknown version, or a database
    that is not an engine store (tables but no version).
    """
    found = conn.execute("PRAGMA user_version").fetchone()[0]
    if found == SCHEMA_VERSION:
        return
    if not (found == 0 and not _has_tables(conn)) and found not in range(1, SCHEMA_VERSION):
        raise SchemaVersionMismatch(path, found, SCHEMA_VERSION)
    if found == 0:
        _step(conn, _TABLES, 1, audit=True)
    for version in range(max(found, 1) + 1, SCHEMA_VERSION + 1):
        _step(conn, _MIGRATIONS[version], version)


def _step(
    conn: sqlite3.Connection, statements: tuple[str, ...], version: int, *, audit: bool = False
) -> None:
    """Run ``statements`` and set the version, in one transaction (all or nothing)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        if conn.execute("PRAGMA user_version").fetchone()[0] >= version:
            conn.execute("ROLLBACK")  # another connection took this step meanwhile
            return
        for statement in statements:
            conn.execute(statement)
        if audit:
            create_audit_schema(conn)
        conn.execute(f"PRAGMA user_version = {version}")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def micros(moment: datetime) -> int:
    """``moment`` as integer microseconds since the epoch (exact, timezone-independent)."""
    return (moment - _EPOCH) // _MICROSECOND


def from_micros(value: int) -> datetime:
    return _EPOCH + timedelta(microseconds=value)


def _has_tables(conn: sqlite3.Connection) -> bool:
    row = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()
    return bool(row[0])
