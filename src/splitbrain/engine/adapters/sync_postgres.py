"""The PostgreSQL sync store: one inbox and outbox shared by engine processes on many machines.

Tables and statements: ``sync_postgres_sql``. Connections: one per thread (psycopg 3,
autocommit, each method one explicit transaction, ``TimeZone=UTC``); a connection found broken
is replaced on the next call. Commits are durable when they return (``synchronous_commit``).

How claims stay correct with several workers (READ COMMITTED):

- A claim is one statement: pick the due rows ``ORDER BY seq ... FOR UPDATE SKIP LOCKED`` and
  update them. Two workers never lock one row; a worker skips rows another is claiming instead
  of waiting; a row changed since the statement's snapshot is re-checked by PostgreSQL against
  its newest version before it is locked, so a row another worker has just claimed (lease
  running) is not taken again.
- "Only the oldest unfinished effect of an ordering key is claimable": the claim takes an
  effect only if its snapshot holds no open (pending or claimed) effect of the key with a
  smaller ``seq`` (``NOT EXISTS``). That is safe because (1) a finished effect never reopens, so
  an effect that was finished in the snapshot stays finished; and (2) no earlier effect of the
  key can appear after the snapshot: ``finish_inbox`` takes a transaction-scoped advisory lock
  per ordering key (sorted, so two finishers cannot deadlock) *before* its inserts draw ``seq``
  values, so within a key, ``seq`` order is commit order, and a snapshot that sees an effect
  sees every earlier one of its key. Without the lock, two transactions could draw 10 and 11
  and commit 11 first, and 11 could be sent before 10 exists.
- Why not an advisory lock per key at claim time: a lock taken inside the claim's WHERE clause
  is taken for rows the planner merely looks at and is held until commit, so workers would
  block each other on keys they never claim; the insert-side lock costs one lock per key per
  finished event and claims stay lock-free. Why not SERIALIZABLE: it would make every claimer
  retry on serialization failures under exactly the load it is meant for.

Errors: a deadlock, serialization failure or lock timeout the server reports is ``StoreBusy``
(nothing was kept; run the call again as is); anything else is ``StoreError``.

Leases, not fencing: a worker that outlives its lease may still report on an effect another
worker has claimed since; the effect's Idempotency-Key makes the double send harmless.

Example::

    store = PostgresSyncStore.open("postgresql://engine@db1/engine")
    [item] = store.claim_inbox("host-a:1", now=now, lease=timedelta(seconds=30), limit=1)
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta

import psycopg
from psycopg import conninfo
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from splitbrain.engine.adapters.sync_postgres_sql import (
    INBOX_CLAIM,
    LOCK_NAMESPACE,
    OUTBOX_CLAIM,
    Conn,
    effect_from,
    effect_open,
    effect_params,
    ensure_postgres_schema,
    inbox_state,
    incident_from,
    item_from,
    key_lock,
    open_incident,
    state_counts,
)
from splitbrain.engine.adapters.sync_rules import (
    INBOX_DEAD_LETTER,
    OUTBOX_DEAD_LETTER,
    check_claim,
    check_terminal,
    depths_from,
)
from splitbrain.engine.service_layer.errors import StoreBusy, StoreClosed, StoreError
from splitbrain.engine.service_layer.sync.model import (
    InboxItem,
    InboxState,
    Incident,
    OutboxEffect,
    QueueDepths,
)
from splitbrain.engine.service_layer.sync.ports import SyncStore

__all__ = ["PostgresSyncStore"]

_BUSY = (
    psycopg.errors.SerializationFailure,
    psycopg.errors.DeadlockDetected,
    psycopg.errors.LockNotAvailable,
)


class PostgresSyncStore(SyncStore):
    """The sync store in PostgreSQL; see the module docstring for how claims stay correct."""

    def __init__(self, dsn: str, *, connect_timeout: int = 10) -> None:
        self._dsn = dsn
        self._connect_timeout = connect_timeout
        self.where = _where(dsn)
        self._conns: dict[int, Conn] = {}
        self._together: set[int] = set()
        """Threads inside ``together``: their calls join its open transaction."""
        self._lock = threading.Lock()
        self._closed = False

    @classmethod
    def open(cls, dsn: str, *, connect_timeout: int = 10) -> PostgresSyncStore:
        """Connect to ``dsn`` (a libpq URI or ``key=value`` string) and create the sync tables
        if the database has none (or check their version)."""
        store = cls(dsn, connect_timeout=connect_timeout)
        try:
            with store._tx() as conn:
                ensure_postgres_schema(conn, store.where)
        except BaseException:
            store.close()
            raise
        return store

    def _conn(self) -> Conn:
        ident = threading.get_ident()
        with self._lock:
            if self._closed:
                raise StoreClosed(self.where)
            conn = self._conns.get(ident)
        if conn is not None and not conn.broken and not conn.closed:
            return conn
        if conn is not None:
            conn.close()
        fresh = psycopg.connect(
            self._dsn,
            autocommit=True,
            row_factory=dict_row,
            connect_timeout=self._connect_timeout,
            application_name="splitbrain-sync",
        )
        fresh.execute("SET TIME ZONE 'UTC'")
        if not self._keep(ident, fresh):
            fresh.close()  # the store was closed while this thread connected
            raise StoreClosed(self.where)
        return fresh

    def _keep(self, ident: int, conn: Conn) -> bool:
        with self._lock:
            if not self._closed:
                self._conns[ident] = conn
            return not self._closed

    @contextmanager
    def together(self) -> Iterator[None]:
        ident = threading.get_ident()
        if ident in self._together:
            yield
            return
        with self._tx():
            self._together.add(ident)
            try:
                yield
            finally:
                self._together.discard(ident)

    @contextmanager
    def _tx(self) -> Iterator[Conn]:
        if threading.get_ident() in self._together:  # part of the thread's open transaction
            yield self._conn()
            return
        try:
            conn = self._conn()
            with conn.transaction():
                yield conn
        except _BUSY as exc:
            raise StoreBusy(
                self.where, f"the server refused the transaction ({_why(exc)})"
            ) from exc
        except psycopg.Error as exc:
            raise StoreError(
                f"sync store {self.where} failed a transaction ({_why(exc)}); nothing of it "
                "was kept: retry, and check that the server is reachable"
            ) from exc

    # -- inbox ------------------------------------------------------------------------------
    def receive(self, item: InboxItem) -> bool:
        return self._receive(item, InboxState.PENDING)

    def receive_settled(self, item: InboxItem) -> bool:
        check_terminal(item.event_id, item.state)
        return self._receive(item, item.state)

    def receive_many(self, items: Sequence[InboxItem]) -> list[bool]:
        for item in items:
            if item.state is not InboxState.PENDING:
                check_terminal(item.event_id, item.state)
        if not items:
            return []
        with self._tx() as conn:
            return [_received(conn, item, item.state) for item in items]

    def _receive(self, item: InboxItem, state: InboxState) -> bool:
        with self._tx() as conn:
            return _received(conn, item, state)

    def claim_inbox(
        self, worker: str, *, now: datetime, lease: timedelta, limit: int
    ) -> list[InboxItem]:
        check_claim(limit)
        params = {"now": now, "until": now + lease, "worker": worker, "limit": limit}
        with self._tx() as conn:
            rows = conn.execute(INBOX_CLAIM, params).fetchall()
        return sorted((item_from(r) for r in rows), key=lambda i: i.seq)

    def finish_inbox(
        self,
        event_id: str,
        state: InboxState,
        *,
        detail: str | None,
        effects: Sequence[OutboxEffect] = (),
        now: datetime,
    ) -> None:
        check_terminal(event_id, state)
        with self._tx() as conn:
            if inbox_state(conn, event_id).terminal:
                return
            for key in sorted({key_lock(e.ordering_key) for e in effects}):
                conn.execute(
                    "SELECT pg_advisory_xact_lock(%s::int4, %s::int4)", (LOCK_NAMESPACE, key)
                )
            if effects:
                conn.cursor().executemany(
                    "INSERT INTO sync_outbox (effect_id, event_id, target, method, path, body,"
                    " idempotency_key, ordering_key, created_at, headers, next_attempt_at, state,"
                    " attempts) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'pending', 0)"
                    " ON CONFLICT (effect_id) DO NOTHING",
                    [effect_params(e) for e in effects],
                )
            conn.execute(
                "UPDATE sync_inbox SET state = %s, detail = %s, not_before = NULL, worker = NULL,"
                " lease_until = NULL WHERE event_id = %s",
                (state.value, detail, event_id),
            )

    def release_inbox(self, event_id: str, *, retry_at: datetime, detail: str) -> None:
        with self._tx() as conn:
            if inbox_state(conn, event_id) is not InboxState.CLAIMED:
                return
            conn.execute(
                "UPDATE sync_inbox SET state = 'pending', not_before = %s, detail = %s,"
                " worker = NULL, lease_until = NULL WHERE event_id = %s",
                (retry_at, detail, event_id),
            )

    def inbox_item(self, event_id: str) -> InboxItem | None:
        with self._tx() as conn:
            row = conn.execute("SELECT * FROM sync_inbox WHERE event_id = %s", (event_id,))
            found = row.fetchone()
        return None if found is None else item_from(found)

    def inbox(self, *, states: frozenset[InboxState] | None = None) -> list[InboxItem]:
        with self._tx() as conn:
            if states is None:
                rows = conn.execute("SELECT * FROM sync_inbox ORDER BY seq").fetchall()
            else:
                rows = conn.execute(
                    "SELECT * FROM sync_inbox WHERE state = ANY(%s) ORDER BY seq",
                    ([s.value for s in states],),
                ).fetchall()
        return [item_from(r) for r in rows]

    # -- outbox -----------------------------------------------------------------------------
    def claim_outbox(
        self, worker: str, *, now: datetime, lease: timedelta, limit: int
    ) -> list[OutboxEffect]:
        check_claim(limit)
        params = {"now": now, "until": now + lease, "worker": worker, "limit": limit}
        with self._tx() as conn:
            rows = conn.execute(OUTBOX_CLAIM, params).fetchall()
        return sorted((effect_from(r) for r in rows), key=lambda e: e.seq)

    def effect_sent(self, effect_id: str, *, status: int, now: datetime) -> None:
        with self._tx() as conn:
            if effect_open(conn, effect_id):
                conn.execute(
                    "UPDATE sync_outbox SET state = 'sent', last_status = %s, worker = NULL,"
                    " lease_until = NULL WHERE effect_id = %s",
                    (status, effect_id),
                )

    def effect_retry(
        self, effect_id: str, *, next_attempt_at: datetime, status: int | None, detail: str
    ) -> None:
        with self._tx() as conn:
            if not effect_open(conn, effect_id):
                return
            conn.execute(
                "UPDATE sync_outbox SET state = 'pending', next_attempt_at = %s, last_status = %s,"
                " detail = %s, worker = NULL, lease_until = NULL WHERE effect_id = %s",
                (next_attempt_at, status, detail, effect_id),
            )

    def effect_replace(self, effect: OutboxEffect) -> None:
        with self._tx() as conn:
            effect_open(conn, effect.effect_id)  # an unknown id raises
            conn.execute(
                "UPDATE sync_outbox SET path = %s, body = %s, headers = %s"
                " WHERE effect_id = %s AND state = 'claimed'",
                (effect.path, effect.body, Jsonb(dict(effect.headers)), effect.effect_id),
            )

    def effect_dead(self, effect_id: str, *, status: int | None, reason: str, now: datetime) -> str:
        with self._tx() as conn:
            if effect_open(conn, effect_id):
                conn.execute(
                    "UPDATE sync_outbox SET state = 'dead_lettered', last_status = %s,"
                    " detail = %s, worker = NULL, lease_until = NULL WHERE effect_id = %s",
                    (status, reason, effect_id),
                )
            return open_incident(conn, OUTBOX_DEAD_LETTER, effect_id, reason, now)

    def effect_cancel(self, effect_id: str, *, reason: str, now: datetime) -> None:
        with self._tx() as conn:
            if effect_open(conn, effect_id):
                conn.execute(
                    "UPDATE sync_outbox SET state = 'cancelled', detail = %s, worker = NULL,"
                    " lease_until = NULL WHERE effect_id = %s",
                    (reason, effect_id),
                )

    def effect(self, effect_id: str) -> OutboxEffect | None:
        with self._tx() as conn:
            row = conn.execute("SELECT * FROM sync_outbox WHERE effect_id = %s", (effect_id,))
            found = row.fetchone()
        return None if found is None else effect_from(found)

    def outbox(self, *, event_id: str | None = None) -> list[OutboxEffect]:
        with self._tx() as conn:
            if event_id is None:
                rows = conn.execute("SELECT * FROM sync_outbox ORDER BY seq").fetchall()
            else:
                rows = conn.execute(
                    "SELECT * FROM sync_outbox WHERE event_id = %s ORDER BY seq", (event_id,)
                ).fetchall()
        return [effect_from(r) for r in rows]

    # -- incidents and dead letters -----------------------------------------------------------
    def dead_letter_inbox(self, event_id: str, *, reason: str, now: datetime) -> str:
        with self._tx() as conn:
            if not inbox_state(conn, event_id).terminal:
                conn.execute(
                    "UPDATE sync_inbox SET state = 'dead_lettered', detail = %s, worker = NULL,"
                    " lease_until = NULL WHERE event_id = %s",
                    (reason, event_id),
                )
            return open_incident(conn, INBOX_DEAD_LETTER, event_id, reason, now)

    def incidents(self, *, open_only: bool = True) -> list[Incident]:
        with self._tx() as conn:
            rows = conn.execute(
                "SELECT * FROM sync_incidents WHERE NOT %s OR closed_at IS NULL ORDER BY seq",
                (open_only,),
            ).fetchall()
        return [incident_from(r) for r in rows]

    def depths(self) -> QueueDepths:
        with self._tx() as conn:
            inbox = state_counts(conn, "SELECT state, count(*) AS n FROM sync_inbox GROUP BY 1")
            outbox = state_counts(conn, "SELECT state, count(*) AS n FROM sync_outbox GROUP BY 1")
            found = conn.execute(
                "SELECT count(*) AS n FROM sync_incidents WHERE closed_at IS NULL"
            ).fetchone()
        return depths_from(inbox, outbox, 0 if found is None else int(found["n"]))

    # -- the engine's view of other systems' records -----------------------------------------
    def remember_record(
        self, system: str, record_id: str, *, person: str, version: str | None
    ) -> None:
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO sync_records (system, record_id, person, version)"
                " VALUES (%s, %s, %s, %s) ON CONFLICT (system, record_id)"
                " DO UPDATE SET person = excluded.person, version = excluded.version",
                (system, record_id, person, version),
            )

    def record_of(self, system: str, person: str) -> tuple[str, str | None] | None:
        with self._tx() as conn:
            found = conn.execute(
                "SELECT record_id, version FROM sync_records WHERE system = %s AND person = %s"
                " ORDER BY seq LIMIT 1",
                (system, person),
            ).fetchone()
        return None if found is None else (found["record_id"], found["version"])

    def person_of(self, system: str, record_id: str) -> str | None:
        with self._tx() as conn:
            found = conn.execute(
                "SELECT person FROM sync_records WHERE system = %s AND record_id = %s",
                (system, record_id),
            ).fetchone()
        return None if found is None else str(found["person"])

    def replica(self, system: str, person: str, field: str) -> int | None:
        with self._tx() as conn:
            found = conn.execute(
                "SELECT version FROM sync_replicas"
                " WHERE system = %s AND person = %s AND field = %s",
                (system, person, field),
            ).fetchone()
        return None if found is None else int(found["version"])

    def set_replica(self, system: str, person: str, field: str, version: int) -> None:
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO sync_replicas (system, person, field, version)"
                " VALUES (%s, %s, %s, %s) ON CONFLICT (system, person, field)"
                " DO UPDATE SET version = greatest(sync_replicas.version, excluded.version)",
                (system, person, field, version),
            )

    # -- reconciliation ---------------------------------------------------------------------
    def cursor(self, feed: str) -> str | None:
        with self._tx() as conn:
            found = conn.execute(
                "SELECT position FROM sync_cursors WHERE feed = %s", (feed,)
            ).fetchone()
        return None if found is None else str(found["position"])

    def set_cursor(self, feed: str, position: str) -> None:
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO sync_cursors (feed, position) VALUES (%s, %s)"
                " ON CONFLICT (feed) DO UPDATE SET position = excluded.position",
                (feed, position),
            )

    def close(self) -> None:
        with self._lock:
            self._closed = True
            conns, self._conns = list(self._conns.values()), {}
        for conn in conns:
            conn.close()


def _where(dsn: str) -> str:
    """The database and server of ``dsn``, for messages (never the password)."""
    try:
        params = conninfo.conninfo_to_dict(dsn)
    except psycopg.ProgrammingError as exc:
        raise StoreError(
            "the PostgreSQL sync store's DSN cannot be parsed; give a libpq URI "
            "(postgresql://user@host:5432/db) or a key=value string"
        ) from exc
    host = params.get("host") or "localhost"
    return f"postgresql database {params.get('dbname') or '(default)'} on {host}"


def _why(exc: psycopg.Error) -> str:
    """What went wrong, without values: the SQLSTATE of a server error (its message may quote
    a value), or the client's message when the connection itself failed."""
    if exc.sqlstate:
        return f"{type(exc).__name__}, SQLSTATE {exc.sqlstate}"
    return f"{type(exc).__name__}: {str(exc).strip()[:300]}"


def _received(conn: Conn, item: InboxItem, state: InboxState) -> bool:
    """Insert ``item`` in ``state`` (True), or count a known event's delivery (False)."""
    pending = state is InboxState.PENDING
    inserted = conn.execute(
        "INSERT INTO sync_inbox (event_id, source, channel, payload, received_at, state,"
        " attempts, deliveries, not_before, detail)"
        " VALUES (%s, %s, %s, %s, %s, %s, 0, %s, %s, %s)"
        " ON CONFLICT (event_id) DO NOTHING RETURNING seq",
        (
            item.event_id,
            item.source,
            item.channel,
            item.payload,
            item.received_at,
            state.value,
            item.deliveries,
            item.not_before if pending else None,
            None if pending else item.detail,
        ),
    ).fetchone()
    if inserted is not None:
        return True
    conn.execute(
        "UPDATE sync_inbox SET deliveries = deliveries + 1 WHERE event_id = %s",
        (item.event_id,),
    )
    return False
