"""The SQLite identity store: persons, the link table, merges and the review queue.

The tables live in the engine's SQLite file beside the others and are written on the unit of
work's connection, so a merge, its links, its field changes and its audit entry are one
transaction. Their own block is versioned apart from the main schema (``linkage_schema``), so
it can evolve without renumbering anyone else's. The repositories are the portable
``linkage_tables`` ones, shared with the PostgreSQL store.

Tables: ``linkage_persons``; ``linkage_links`` (every link ever made; ``current`` marks the
one in force per record); ``linkage_merges`` (merge records with the before snapshots) and
``linkage_merge_writes`` (writes tracked while a merge is active); ``linkage_review`` and
``linkage_not_duplicate`` (pairs never to suggest again).

Example::

    ensure_linkage_schema(conn, "out/engine.sqlite")
    store = sqlite_identity_store(conn)
"""

from __future__ import annotations

import sqlite3

from splitbrain.engine.adapters.linkage_index import sqlite_default_index
from splitbrain.engine.adapters.linkage_tables import SqlLinks, SqlMerges, SqlPersons, SqlReview
from splitbrain.engine.domain.identity.ports import IdentityIndex
from splitbrain.engine.service_layer.errors import SchemaVersionMismatch
from splitbrain.engine.service_layer.identity_store import IdentityStore

__all__ = ["LINKAGE_SCHEMA_VERSION", "ensure_linkage_schema", "sqlite_identity_store"]

LINKAGE_SCHEMA_VERSION = 1
LINKAGE_TABLES = (
    """CREATE TABLE linkage_persons (
        seq INTEGER PRIMARY KEY,
        person TEXT NOT NULL UNIQUE,
        body TEXT NOT NULL
    )""",
    """CREATE TABLE linkage_links (
        seq INTEGER PRIMARY KEY,
        system TEXT NOT NULL,
        record TEXT NOT NULL,
        person TEXT NOT NULL,
        current INTEGER NOT NULL,
        body TEXT NOT NULL
    )""",
    "CREATE INDEX linkage_links_by_record ON linkage_links (system, record, seq)",
    "CREATE INDEX linkage_links_current ON linkage_links (person, system, record) "
    "WHERE current = 1",
    """CREATE TABLE linkage_merges (
        seq INTEGER PRIMARY KEY,
        merge_id TEXT NOT NULL UNIQUE,
        survivor TEXT NOT NULL,
        retired TEXT NOT NULL,
        active INTEGER NOT NULL,
        body TEXT NOT NULL
    )""",
    "CREATE INDEX linkage_merges_survivor ON linkage_merges (survivor) WHERE active = 1",
    "CREATE INDEX linkage_merges_retired ON linkage_merges (retired) WHERE active = 1",
    """CREATE TABLE linkage_merge_writes (
        seq INTEGER PRIMARY KEY,
        merge_id TEXT NOT NULL,
        body TEXT NOT NULL
    )""",
    "CREATE INDEX linkage_merge_writes_by_merge ON linkage_merge_writes (merge_id, seq)",
    """CREATE TABLE linkage_review (
        seq INTEGER PRIMARY KEY,
        review_id TEXT NOT NULL UNIQUE,
        person TEXT NOT NULL,
        candidate TEXT NOT NULL,
        status TEXT NOT NULL,
        body TEXT NOT NULL
    )""",
    "CREATE INDEX linkage_review_by_status ON linkage_review (status, seq)",
    """CREATE TABLE linkage_not_duplicate (
        a TEXT NOT NULL,
        b TEXT NOT NULL,
        decided_at INTEGER NOT NULL,
        decided_by TEXT NOT NULL,
        PRIMARY KEY (a, b)
    ) WITHOUT ROWID""",
)


def ensure_linkage_schema(conn: sqlite3.Connection, path: str) -> None:
    """Create the linkage tables in a store that has none, or check their version."""
    found = conn.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'linkage_schema'"
    ).fetchone()[0]
    if found:
        version = conn.execute("SELECT version FROM linkage_schema").fetchone()[0]
        if version != LINKAGE_SCHEMA_VERSION:
            raise SchemaVersionMismatch(f"{path} (linkage tables)", version, LINKAGE_SCHEMA_VERSION)
        return
    conn.execute("BEGIN IMMEDIATE")
    for statement in LINKAGE_TABLES:
        conn.execute(statement)
    conn.execute("CREATE TABLE linkage_schema (version INTEGER NOT NULL)")
    conn.execute("INSERT INTO linkage_schema (version) VALUES (?)", (LINKAGE_SCHEMA_VERSION,))
    conn.execute("COMMIT")


def sqlite_identity_store(
    conn: sqlite3.Connection, index: IdentityIndex | None = None
) -> IdentityStore:
    """The identity repositories on the unit of work's connection (they never commit), and the
    index (default: the SQLite identity index on the same connection)."""
    return IdentityStore(
        persons=SqlPersons(conn),
        links=SqlLinks(conn),
        merges=SqlMerges(conn),
        review=SqlReview(conn),
        index=index or sqlite_default_index(conn),
    )
