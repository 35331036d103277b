"""SQLite consent repositories: the consent schema block and ``SqliteConsents`` /
``SqliteOutreachQueue`` on the store's one connection (inside its SAVEPOINT per command). The
repositories are the portable ``consent_tables`` ones, shared with the PostgreSQL store.

Tables (created if absent when a store opens, so stores made before this block gain them):

- ``consent_versions``: every version of every consent, never updated (the history);
- ``consent_current``: each slot's current version (person, purpose, channel -> ref, version),
  with the status and period end the expiry job selects on;
- ``outreach``: queued messages in queue order, with their state as JSON.

Times are integer microseconds since the epoch (UTC), as in ``sqlite_schema``.
"""

from __future__ import annotations

import sqlite3

from splitbrain.engine.adapters.consent_tables import SqlConsents, SqlOutreachQueue

__all__ = ["CONSENT_TABLES", "SqliteConsents", "SqliteOutreachQueue", "ensure_consent_schema"]

CONSENT_TABLES = (
    """CREATE TABLE IF NOT EXISTS consent_versions (
        ref TEXT NOT NULL,
        version INTEGER NOT NULL,
        person TEXT NOT NULL,
        purpose TEXT NOT NULL,
        channel TEXT NOT NULL,
        status TEXT NOT NULL,
        period_start INTEGER,
        period_end INTEGER,
        recorded_at INTEGER NOT NULL,
        policy_version TEXT NOT NULL,
        actors TEXT NOT NULL,
        PRIMARY KEY (ref, version)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS consent_current (
        person TEXT NOT NULL,
        purpose TEXT NOT NULL,
        channel TEXT NOT NULL,
        ref TEXT NOT NULL UNIQUE,
        version INTEGER NOT NULL,
        status TEXT NOT NULL,
        period_end INTEGER,
        PRIMARY KEY (person, purpose, channel)
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS consent_current_due ON consent_current (status, period_end)",
    """CREATE TABLE IF NOT EXISTS outreach (
        seq INTEGER PRIMARY KEY,
        message_id TEXT NOT NULL UNIQUE,
        status TEXT NOT NULL,
        body TEXT NOT NULL
    )""",
)


def ensure_consent_schema(conn: sqlite3.Connection) -> None:
    """Create the consent tables if they are not there yet (idempotent)."""
    for statement in CONSENT_TABLES:
        conn.execute(statement)


SqliteConsents = SqlConsents
SqliteOutreachQueue = SqlOutreachQueue
