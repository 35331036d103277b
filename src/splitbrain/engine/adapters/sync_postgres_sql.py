"""The PostgreSQL sync store's schema, its claim statements, its rows and its state reads.

Tables as in SQLite (``sync_inbox``, ``sync_outbox``, ``sync_incidents``, ``sync_records``,
``sync_replicas``) with PostgreSQL types: payloads ``bytea``, headers ``jsonb``, times
``timestamptz``, ``seq`` an identity column. ``sync_schema`` holds the version; the tables are
created once, under a transaction-scoped advisory lock, so engine processes starting together
on an empty database do not race.

Example::

    with conn.transaction():
        ensure_postgres_schema(conn, "database engine on db1")
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from splitbrain.engine.adapters.sync_rules import incident_id, unknown_effect, unknown_event
from splitbrain.engine.service_layer.errors import SchemaVersionMismatch
from splitbrain.engine.service_layer.sync.model import (
    InboxItem,
    InboxState,
    Incident,
    OutboxEffect,
    OutboxState,
)

Conn = psycopg.Connection[dict[str, Any]]

POSTGRES_SYNC_SCHEMA_VERSION = 1
LOCK_NAMESPACE = 0x53594E43
"""First key of every advisory lock the sync store takes (``'SYNC'``), apart from others'."""
_SCHEMA_LOCK = 0

_TABLES = (
    """CREATE TABLE sync_inbox (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        event_id text NOT NULL UNIQUE,
        source text NOT NULL,
        channel text NOT NULL,
        payload bytea NOT NULL,
        received_at timestamptz NOT NULL,
        state text NOT NULL,
        attempts integer NOT NULL,
        deliveries integer NOT NULL,
        detail text,
        not_before timestamptz,
        worker text,
        lease_until timestamptz
    )""",
    "CREATE INDEX sync_inbox_open ON sync_inbox (seq) WHERE state IN ('pending', 'claimed')",
    """CREATE TABLE sync_outbox (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        effect_id text NOT NULL UNIQUE,
        event_id text NOT NULL,
        target text NOT NULL,
        method text NOT NULL,
        path text NOT NULL,
        body bytea,
        idempotency_key text NOT NULL,
        ordering_key text NOT NULL,
        created_at timestamptz NOT NULL,
        headers jsonb NOT NULL,
        state text NOT NULL,
        attempts integer NOT NULL,
        next_attempt_at timestamptz,
        last_status integer,
        detail text,
        worker text,
        lease_until timestamptz
    )""",
    "CREATE INDEX sync_outbox_open ON sync_outbox (seq) WHERE state IN ('pending', 'claimed')",
    "CREATE INDEX sync_outbox_open_keys ON sync_outbox (ordering_key, seq)"
    " WHERE state IN ('pending', 'claimed')",
    "CREATE INDEX sync_outbox_by_event ON sync_outbox (event_id, seq)",
    """CREATE TABLE sync_incidents (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        incident_id text NOT NULL UNIQUE,
        kind text NOT NULL,
        ref text NOT NULL,
        reason text NOT NULL,
        opened_at timestamptz NOT NULL,
        closed_at timestamptz
    )""",
    """CREATE TABLE sync_records (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        system text NOT NULL,
        record_id text NOT NULL,
        person text NOT NULL,
        version text,
        UNIQUE (system, record_id)
    )""",
    "CREATE INDEX sync_records_by_person ON sync_records (system, person, seq)",
    """CREATE TABLE sync_replicas (
        system text NOT NULL,
        person text NOT NULL,
        field text NOT NULL,
        version bigint NOT NULL,
        PRIMARY KEY (system, person, field)
    )""",
)

INBOX_CLAIM = """
    WITH picked AS (
        SELECT seq FROM sync_inbox
        WHERE state IN ('pending', 'claimed')
          AND ((state = 'pending' AND (not_before IS NULL OR not_before <= %(now)s))
               OR (state = 'claimed' AND lease_until <= %(now)s))
        ORDER BY seq LIMIT %(limit)s
        FOR UPDATE SKIP LOCKED)
    UPDATE sync_inbox AS i
    SET state = 'claimed', worker = %(worker)s, lease_until = %(until)s,
        attempts = i.attempts + 1
    FROM picked WHERE i.seq = picked.seq
    RETURNING i.*"""

OUTBOX_CLAIM = """
    WITH picked AS (
        SELECT o.seq FROM sync_outbox AS o
        WHERE o.state IN ('pending', 'claimed')
          AND ((o.state = 'pending' AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= %(now)s))
               OR (o.state = 'claimed' AND o.lease_until <= %(now)s))
          AND NOT EXISTS (
              SELECT 1 FROM sync_outbox AS p
              WHERE p.state IN ('pending', 'claimed')
                AND p.ordering_key = o.ordering_key AND p.seq < o.seq)
        ORDER BY o.seq LIMIT %(limit)s
        FOR UPDATE OF o SKIP LOCKED)
    UPDATE sync_outbox AS e
    SET state = 'claimed', worker = %(worker)s, lease_until = %(until)s,
        attempts = e.attempts + 1
    FROM picked WHERE e.seq = picked.seq
    RETURNING e.*"""


ADDITIVE_TABLES = (
    """CREATE TABLE IF NOT EXISTS sync_cursors (
        feed text PRIMARY KEY,
        position text NOT NULL
    )""",
)
"""Tables added after version 1 without changing what is there (reconciliation's cursors)."""


def ensure_postgres_schema(conn: Conn, where: str) -> None:
    """Create the sync tables in a database that has none, or check their version; call it
    inside a transaction."""
    conn.execute("SELECT pg_advisory_xact_lock(%s::int4, %s::int4)", (LOCK_NAMESPACE, _SCHEMA_LOCK))
    exists = conn.execute("SELECT to_regclass('sync_schema') IS NOT NULL AS found").fetchone()
    if exists is not None and exists["found"]:
        row = conn.execute("SELECT version FROM sync_schema").fetchone()
        found = -1 if row is None else int(row["version"])
        if found != POSTGRES_SYNC_SCHEMA_VERSION:
            raise SchemaVersionMismatch(
                f"{where} (sync tables)", found, POSTGRES_SYNC_SCHEMA_VERSION
            )
        for statement in ADDITIVE_TABLES:
            conn.execute(statement)
        return
    for statement in (*_TABLES, *ADDITIVE_TABLES):
        conn.execute(statement)
    conn.execute("CREATE TABLE sync_schema (version integer NOT NULL)")
    conn.execute("INSERT INTO sync_schema (version) VALUES (%s)", (POSTGRES_SYNC_SCHEMA_VERSION,))


def item_from(row: dict[str, Any]) -> InboxItem:
    return InboxItem(
        event_id=row["event_id"],
        source=row["source"],
        channel=row["channel"],
        payload=bytes(row["payload"]),
        received_at=row["received_at"],
        state=InboxState(row["state"]),
        attempts=row["attempts"],
        deliveries=row["deliveries"],
        detail=row["detail"],
        not_before=row["not_before"],
        seq=row["seq"],
    )


def effect_from(row: dict[str, Any]) -> OutboxEffect:
    body = row["body"]
    return OutboxEffect(
        effect_id=row["effect_id"],
        event_id=row["event_id"],
        target=row["target"],
        method=row["method"],
        path=row["path"],
        body=None if body is None else bytes(body),
        idempotency_key=row["idempotency_key"],
        ordering_key=row["ordering_key"],
        created_at=row["created_at"],
        headers=dict(row["headers"]),
        state=OutboxState(row["state"]),
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        last_status=row["last_status"],
        detail=row["detail"],
        seq=row["seq"],
    )


def incident_from(row: dict[str, Any]) -> Incident:
    return Incident(
        incident_id=row["incident_id"],
        kind=row["kind"],
        ref=row["ref"],
        reason=row["reason"],
        opened_at=row["opened_at"],
        closed_at=row["closed_at"],
    )


def key_lock(ordering_key: str) -> int:
    """A signed 32-bit advisory lock key for an ordering key (a collision only serializes)."""
    return int.from_bytes(hashlib.sha256(ordering_key.encode()).digest()[:4], "big", signed=True)


def effect_params(effect: OutboxEffect) -> tuple[object, ...]:
    return (
        effect.effect_id,
        effect.event_id,
        effect.target,
        effect.method,
        effect.path,
        effect.body,
        effect.idempotency_key,
        effect.ordering_key,
        effect.created_at,
        Jsonb(dict(effect.headers)),
        effect.next_attempt_at,
    )


def inbox_state(conn: Conn, event_id: str) -> InboxState:
    found = conn.execute(
        "SELECT state FROM sync_inbox WHERE event_id = %s FOR UPDATE", (event_id,)
    ).fetchone()
    if found is None:
        raise unknown_event(event_id)
    return InboxState(found["state"])


def effect_open(conn: Conn, effect_id: str) -> bool:
    found = conn.execute(
        "SELECT state FROM sync_outbox WHERE effect_id = %s FOR UPDATE", (effect_id,)
    ).fetchone()
    if found is None:
        raise unknown_effect(effect_id)
    return str(found["state"]) in ("pending", "claimed")


def state_counts(conn: Conn, query: str) -> list[tuple[str, int]]:
    return [(str(r["state"]), int(r["n"])) for r in conn.execute(query)]


def open_incident(conn: Conn, kind: str, ref: str, reason: str, now: datetime) -> str:
    ident = incident_id(kind, ref)
    conn.execute(
        "INSERT INTO sync_incidents (incident_id, kind, ref, reason, opened_at)"
        " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (incident_id) DO NOTHING",
        (ident, kind, ref, reason, now),
    )
    return ident
