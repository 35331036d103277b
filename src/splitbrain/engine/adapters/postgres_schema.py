"""The PostgreSQL store's schema: its own namespace, one versioned block per component.

Every table lives in one PostgreSQL schema (``splitbrain`` by default; the connection's
``search_path`` points there), so a store shares a database with other things and ``fresh``
drops exactly the store (``DROP SCHEMA ... CASCADE``). ``schema_versions`` holds one row per
block, versioned apart so that each can evolve without renumbering the others:

- ``store``: ``field_state``, ``decisions``, ``idempotency_keys``, ``conflicts`` (below, the
  write path as in ``sqlite_schema``) and the audit tables (``postgres_audit``);
- ``consent``: the SQLite consent DDL through ``postgres_ddl`` (``postgres_consent``);
- ``linkage``: the SQLite linkage DDL through ``postgres_ddl`` (``postgres_identity``);
- ``identity``: the identity index (``adapters.identity.index_postgres``).

Times compared in SQL are integer microseconds since the epoch (``sqlite_schema.micros``);
``occurred_at`` is ISO text, as in SQLite, so a write's offset survives the round trip.

Several engine processes may open one store at once: the blocks are created under a
transaction-scoped advisory lock, so the first creates and the others wait, then check.

Example::

    ensure_schema(conn, "splitbrain")      # creates, or checks every block's version
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from splitbrain.engine.adapters.identity.index_postgres import (
    IDENTITY_SCHEMA_VERSION,
    IDENTITY_TABLES,
)
from splitbrain.engine.adapters.postgres_audit import AUDIT_TABLES
from splitbrain.engine.adapters.postgres_connection import PgConnection, check_schema_name
from splitbrain.engine.adapters.postgres_consent import CONSENT_SCHEMA_VERSION, CONSENT_TABLES
from splitbrain.engine.adapters.postgres_identity import LINKAGE_SCHEMA_VERSION, LINKAGE_TABLES
from splitbrain.engine.service_layer.errors import SchemaVersionMismatch

__all__ = ["STORE_SCHEMA_VERSION", "drop_schema", "ensure_schema"]

STORE_SCHEMA_VERSION = 1
STORE_TABLES = (
    """CREATE TABLE field_state (
        person text NOT NULL,
        field text NOT NULL,
        value text,
        version integer NOT NULL,
        provenance text,
        system text,
        role text,
        occurred_at text,
        idempotency_key text,
        PRIMARY KEY (person, field)
    )""",
    """CREATE TABLE decisions (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        idempotency_key text NOT NULL,
        kind text NOT NULL,
        person text NOT NULL,
        field text NOT NULL,
        rule text NOT NULL,
        reason text,
        manual boolean NOT NULL,
        override boolean NOT NULL,
        decided_at bigint NOT NULL,
        body text NOT NULL
    )""",
    """CREATE TABLE idempotency_keys (
        key text PRIMARY KEY,
        decision_seq bigint NOT NULL REFERENCES decisions (seq),
        first_seen bigint NOT NULL
    )""",
    "CREATE INDEX idempotency_keys_by_first_seen ON idempotency_keys (first_seen)",
    """CREATE TABLE conflicts (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        conflict_id text NOT NULL UNIQUE,
        status text NOT NULL,
        body text NOT NULL
    )""",
    *AUDIT_TABLES,
)
_BLOCKS: dict[str, tuple[int, Sequence[str]]] = {
    "store": (STORE_SCHEMA_VERSION, STORE_TABLES),
    "consent": (CONSENT_SCHEMA_VERSION, CONSENT_TABLES),
    "linkage": (LINKAGE_SCHEMA_VERSION, LINKAGE_TABLES),
    "identity": (IDENTITY_SCHEMA_VERSION, IDENTITY_TABLES),
}
_VERSIONS = """CREATE TABLE IF NOT EXISTS schema_versions (
    component text PRIMARY KEY,
    version integer NOT NULL
)"""


def ensure_schema(conn: PgConnection, schema: str) -> None:
    """Create the schema and every missing block, or check the versions of those present.

    Raises ``SchemaVersionMismatch`` naming the block when one was made by another version.
    """
    with _locked(conn, schema):
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {check_schema_name(schema)}")
        conn.execute(_VERSIONS)
        rows = conn.execute("SELECT component, version FROM schema_versions", ()).fetchall()
        found: dict[str, int] = {str(name): int(version) for name, version in rows}
        for component, (version, statements) in _BLOCKS.items():
            have = found.get(component)
            if have is None:
                for statement in statements:
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_versions (component, version) VALUES (?, ?)",
                    (component, version),
                )
            elif have != version:
                where = f"{conn.label} (schema {schema}, {component} tables)"
                raise SchemaVersionMismatch(where, have, version)


def drop_schema(conn: PgConnection, schema: str) -> None:
    """Drop the store's schema and everything in it (``fresh``): every engine process of the
    store must be stopped first."""
    with _locked(conn, schema):
        conn.execute(f"DROP SCHEMA IF EXISTS {check_schema_name(schema)} CASCADE")


@contextmanager
def _locked(conn: PgConnection, schema: str) -> Iterator[None]:
    """One transaction holding the schema's advisory lock; rolled back on any error."""
    conn.begin()
    try:
        conn.lock("schema", schema)
        yield
    except BaseException:
        conn.rollback()
        raise
    conn.commit()
