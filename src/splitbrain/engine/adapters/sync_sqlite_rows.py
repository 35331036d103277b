"""Rows of the SQLite sync tables to model objects and back, the claim queries, state reads.

The claim queries repeat the partial indexes' condition (``state IN ('pending', 'claimed')``)
word for word: SQLite uses a partial index only when the query's WHERE clause contains it.
``OUTBOX_CLAIMABLE`` takes an effect only if no earlier effect of its ordering key is still
open (pending, even if not yet due, or claimed), so one key's effects go one at a time, oldest
first. Parameters: ``(now_micros, limit)``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from datetime import datetime

from splitbrain.engine.adapters.sqlite_schema import from_micros, micros
from splitbrain.engine.adapters.sync_rules import incident_id, unknown_effect, unknown_event
from splitbrain.engine.service_layer.sync.model import (
    InboxItem,
    InboxState,
    Incident,
    OutboxEffect,
    OutboxState,
)

INBOX_CLAIMABLE = """
    SELECT seq FROM sync_inbox
    WHERE state IN ('pending', 'claimed')
      AND ((state = 'pending' AND (not_before IS NULL OR not_before <= ?1))
           OR (state = 'claimed' AND lease_until <= ?1))
    ORDER BY seq LIMIT ?2"""

OUTBOX_CLAIMABLE = """
    SELECT o.seq FROM sync_outbox AS o
    WHERE o.state IN ('pending', 'claimed')
      AND ((o.state = 'pending' AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= ?1))
           OR (o.state = 'claimed' AND o.lease_until <= ?1))
      AND NOT EXISTS (
          SELECT 1 FROM sync_outbox AS p
          WHERE p.state IN ('pending', 'claimed')
            AND p.ordering_key = o.ordering_key AND p.seq < o.seq)
    ORDER BY o.seq LIMIT ?2"""


def opt_micros(moment: datetime | None) -> int | None:
    return None if moment is None else micros(moment)


def _opt_time(value: int | None) -> datetime | None:
    return None if value is None else from_micros(value)


def headers_json(headers: Mapping[str, str]) -> str:
    return json.dumps(dict(headers), sort_keys=True)


def item_from(row: sqlite3.Row) -> InboxItem:
    return InboxItem(
        event_id=row["event_id"],
        source=row["source"],
        channel=row["channel"],
        payload=bytes(row["payload"]),
        received_at=from_micros(row["received_at"]),
        state=InboxState(row["state"]),
        attempts=row["attempts"],
        deliveries=row["deliveries"],
        detail=row["detail"],
        not_before=_opt_time(row["not_before"]),
        seq=row["seq"],
    )


def effect_params(effect: OutboxEffect) -> tuple[object, ...]:
    """The insert's values, in the column order of ``SqliteSyncStore.finish_inbox``."""
    return (
        effect.effect_id,
        effect.event_id,
        effect.target,
        effect.method,
        effect.path,
        effect.body,
        effect.idempotency_key,
        effect.ordering_key,
        micros(effect.created_at),
        headers_json(effect.headers),
        opt_micros(effect.next_attempt_at),
    )


def effect_from(row: sqlite3.Row) -> OutboxEffect:
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
        created_at=from_micros(row["created_at"]),
        headers=json.loads(row["headers"]),
        state=OutboxState(row["state"]),
        attempts=row["attempts"],
        next_attempt_at=_opt_time(row["next_attempt_at"]),
        last_status=row["last_status"],
        detail=row["detail"],
        seq=row["seq"],
    )


def incident_from(row: sqlite3.Row) -> Incident:
    return Incident(
        incident_id=row["incident_id"],
        kind=row["kind"],
        ref=row["ref"],
        reason=row["reason"],
        opened_at=from_micros(row["opened_at"]),
        closed_at=_opt_time(row["closed_at"]),
    )


def inbox_state(conn: sqlite3.Connection, event_id: str) -> InboxState:
    found = conn.execute("SELECT state FROM sync_inbox WHERE event_id = ?", (event_id,))
    row = found.fetchone()
    if row is None:
        raise unknown_event(event_id)
    return InboxState(row[0])


def effect_open(conn: sqlite3.Connection, effect_id: str) -> bool:
    found = conn.execute("SELECT state FROM sync_outbox WHERE effect_id = ?", (effect_id,))
    row = found.fetchone()
    if row is None:
        raise unknown_effect(effect_id)
    return row[0] in ("pending", "claimed")


def state_counts(conn: sqlite3.Connection, query: str) -> list[tuple[str, int]]:
    return [(str(r[0]), int(r[1])) for r in conn.execute(query)]


def open_incident(conn: sqlite3.Connection, kind: str, ref: str, reason: str, now: datetime) -> str:
    ident = incident_id(kind, ref)
    conn.execute(
        "INSERT INTO sync_incidents (incident_id, kind, ref, reason, opened_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (incident_id) DO NOTHING",
        (ident, kind, ref, reason, micros(now)),
    )
    return ident


def received(conn: sqlite3.Connection, item: InboxItem, state: InboxState) -> bool:
    """Insert ``item`` in ``state`` and return True; a known ``event_id`` only counts the
    delivery and returns False (inside the caller's transaction)."""
    known = conn.execute(
        "UPDATE sync_inbox SET deliveries = deliveries + 1 WHERE event_id = ?", (item.event_id,)
    ).rowcount
    if known:
        return False
    pending = state is InboxState.PENDING
    conn.execute(
        "INSERT INTO sync_inbox (event_id, source, channel, payload, received_at, state,"
        " attempts, deliveries, not_before, detail) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?)",
        (
            item.event_id,
            item.source,
            item.channel,
            item.payload,
            micros(item.received_at),
            state.value,
            item.deliveries,
            opt_micros(item.not_before) if pending else None,
            None if pending else item.detail,
        ),
    )
    return True
