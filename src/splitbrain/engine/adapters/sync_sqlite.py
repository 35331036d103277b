"""The SQLite sync store: the engine service's durable inbox and outbox, in the engine's file.

It opens its own connection to the engine's SQLite file (WAL), beside the unit of work's, and
keeps its tables apart (``sync_*``, schema in ``sync_sqlite_schema``).

- Every method is one short transaction. Methods that write start with ``BEGIN IMMEDIATE``:
  they take the file's write lock before reading, so a claim's read and its update see no other
  writer in between, across threads and across processes on one file. A writer that finds the
  lock taken waits up to ``busy_timeout_ms``.
- ``synchronous=FULL`` (the default) for ``receive``: its commit is on disk when the call
  returns, so the sender may be acknowledged as soon as it returns, even across a power loss.
  Every other transaction commits with ``internal`` (default ``NORMAL``: in WAL mode, durable
  across a crash of the process, not of the machine), as every one of them may be lost and
  redone: a lost claim expires, a lost finish is decided again (a duplicate delivery re-plans
  the same effects), a lost "sent" is sent again under its key and the target replays it. A WAL
  fsync per internal transition was most of the time an event took (bench_sync_latency).
  An event settled on receipt (``receive_settled``: an echo of the engine's own write) commits
  with ``internal`` too: it carries no change, so a power loss may lose its row, never a change.
- ``claim_outbox`` commits with ``synchronous`` too: nothing leaves the engine before its claim,
  and the claim's WAL fsync makes every frame before it durable, whichever connection wrote it
  (one WAL per file): the decisions and the finished events whose effects it claims, even when
  the engine's unit of work commits with ``NORMAL`` (``bootstrap_service`` does). So a decision
  is on disk before any effect of it is sent, at one fsync per claim for every event finished
  since the last one (a group commit), not one per decision. A claim that claims nothing
  writes no WAL frame and fsyncs nothing.
- A writer still waiting for the lock after ``busy_timeout_ms`` gets ``StoreBusy`` (nothing was
  kept; run the call again as is); any other SQLite failure is ``StoreError``.
- Threads: one connection for the writes behind a lock; SQLite serializes writers anyway, and
  the lock spares threads of one process the file lock's busy-waiting. Reads (one statement, or
  a deferred transaction of several) go through a second connection behind a lock of its own:
  WAL readers never wait for a writer, so a worker's lookup or an ``/idle`` poll does not queue
  behind another thread's commit and its fsync. Every write has committed before its method
  returns, so a read after it, from any thread, sees it.
- Several processes on one file: safe (immediate transactions + leases), but not fair: SQLite
  hands the write lock to whoever asks first after a commit, often the process that just
  committed, so one process may do most of the work while another waits out its busy timeout.
  Spread work over processes with PostgreSQL. Keep the unit of work's batches short: a batch
  holds the file's write lock until it commits.

Example::

    store = SqliteSyncStore.open(Path("out/engine.sqlite"))
    store.receive(InboxItem("crm:evt-1", "crm", "webhook", b"{}", received_at=now))
    store.close()
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from splitbrain.engine.adapters.sqlite_schema import micros
from splitbrain.engine.adapters.sync_rules import (
    INBOX_DEAD_LETTER,
    OUTBOX_DEAD_LETTER,
    check_claim,
    check_terminal,
    depths_from,
)
from splitbrain.engine.adapters.sync_sqlite_connection import (
    SqliteTransactions,
    Synchronous,
    open_reader,
    translated,
)
from splitbrain.engine.adapters.sync_sqlite_rows import (
    INBOX_CLAIMABLE,
    OUTBOX_CLAIMABLE,
    effect_from,
    effect_open,
    effect_params,
    headers_json,
    inbox_state,
    incident_from,
    item_from,
    open_incident,
    received,
    state_counts,
)
from splitbrain.engine.adapters.sync_sqlite_schema import ensure_sync_schema
from splitbrain.engine.service_layer.errors import StoreError
from splitbrain.engine.service_layer.sync.model import (
    InboxItem,
    InboxState,
    Incident,
    OutboxEffect,
    QueueDepths,
)
from splitbrain.engine.service_layer.sync.ports import SyncStore

__all__ = ["SqliteSyncStore"]


class SqliteSyncStore(SqliteTransactions, SyncStore):
    """The sync store in a SQLite file; see the module docstring for durability and locking."""

    @classmethod
    def open(
        cls,
        path: Path | str,
        *,
        synchronous: Synchronous = "FULL",
        busy_timeout_ms: int = 5000,
        internal: Synchronous = "NORMAL",
    ) -> SqliteSyncStore:
        """Open the engine's SQLite file at ``path`` (created if absent) with WAL on and the
        sync tables created or checked; ``receive`` commits with ``synchronous``, the rest with
        ``internal``."""
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StoreError(
                    f"sync store {path} could not switch to WAL mode (got {mode}); use a file "
                    "on a local disk, not ':memory:' or a network share"
                )
            conn.execute(f"PRAGMA synchronous = {internal}")
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            conn.row_factory = sqlite3.Row
            ensure_sync_schema(conn, str(path))
            reader = open_reader(path, busy_timeout_ms)
        except sqlite3.Error as exc:
            conn.close()
            raise translated(exc, str(path), busy_timeout_ms) from exc
        except BaseException:
            conn.close()
            raise
        return cls(conn, path=str(path), busy_timeout_ms=busy_timeout_ms,
                   synchronous=synchronous, internal=internal, reader=reader)  # fmt: skip

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
        pending = any(item.state is InboxState.PENDING for item in items)
        with self._lock, self._durable(pending), self._tx() as conn:
            return [received(conn, item, item.state) for item in items]

    def _receive(self, item: InboxItem, state: InboxState) -> bool:
        with self._lock, self._durable(state is InboxState.PENDING), self._tx() as conn:
            return received(conn, item, state)

    def claim_inbox(
        self, worker: str, *, now: datetime, lease: timedelta, limit: int
    ) -> list[InboxItem]:
        check_claim(limit)
        with self._tx() as conn:
            seqs = [r[0] for r in conn.execute(INBOX_CLAIMABLE, (micros(now), limit))]
            return [
                item_from(
                    conn.execute(
                        "UPDATE sync_inbox SET state = 'claimed', worker = ?, lease_until = ?,"
                        " attempts = attempts + 1 WHERE seq = ? RETURNING *",
                        (worker, micros(now + lease), seq),
                    ).fetchone()
                )
                for seq in seqs
            ]

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
            conn.executemany(
                "INSERT INTO sync_outbox (effect_id, event_id, target, method, path, body,"
                " idempotency_key, ordering_key, created_at, headers, next_attempt_at, state,"
                " attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0)"
                " ON CONFLICT (effect_id) DO NOTHING",
                [effect_params(e) for e in effects],
            )
            conn.execute(
                "UPDATE sync_inbox SET state = ?, detail = ?, not_before = NULL, worker = NULL,"
                " lease_until = NULL WHERE event_id = ?",
                (state.value, detail, event_id),
            )

    def release_inbox(self, event_id: str, *, retry_at: datetime, detail: str) -> None:
        with self._tx() as conn:
            if inbox_state(conn, event_id) is not InboxState.CLAIMED:
                return
            conn.execute(
                "UPDATE sync_inbox SET state = 'pending', not_before = ?, detail = ?,"
                " worker = NULL, lease_until = NULL WHERE event_id = ?",
                (micros(retry_at), detail, event_id),
            )

    def inbox_item(self, event_id: str) -> InboxItem | None:
        found = self._row("SELECT * FROM sync_inbox WHERE event_id = ?", (event_id,))
        return None if found is None else item_from(found)

    def inbox(self, *, states: frozenset[InboxState] | None = None) -> list[InboxItem]:
        with self._read() as conn:
            rows = conn.execute("SELECT * FROM sync_inbox ORDER BY seq").fetchall()
        items = [item_from(r) for r in rows]
        return [i for i in items if states is None or i.state in states]

    # -- outbox -----------------------------------------------------------------------------
    def claim_outbox(
        self, worker: str, *, now: datetime, lease: timedelta, limit: int
    ) -> list[OutboxEffect]:
        check_claim(limit)
        with self._lock, self._durable(), self._tx() as conn:  # the group fsync: see the top
            seqs = [r[0] for r in conn.execute(OUTBOX_CLAIMABLE, (micros(now), limit))]
            return [
                effect_from(
                    conn.execute(
                        "UPDATE sync_outbox SET state = 'claimed', worker = ?, lease_until = ?,"
                        " attempts = attempts + 1 WHERE seq = ? RETURNING *",
                        (worker, micros(now + lease), seq),
                    ).fetchone()
                )
                for seq in seqs
            ]

    def effect_sent(self, effect_id: str, *, status: int, now: datetime) -> None:
        with self._tx() as conn:
            if not effect_open(conn, effect_id):
                return
            conn.execute(
                "UPDATE sync_outbox SET state = 'sent', last_status = ?, worker = NULL,"
                " lease_until = NULL WHERE effect_id = ?",
                (status, effect_id),
            )

    def effect_retry(
        self, effect_id: str, *, next_attempt_at: datetime, status: int | None, detail: str
    ) -> None:
        with self._tx() as conn:
            if not effect_open(conn, effect_id):
                return
            conn.execute(
                "UPDATE sync_outbox SET state = 'pending', next_attempt_at = ?, last_status = ?,"
                " detail = ?, worker = NULL, lease_until = NULL WHERE effect_id = ?",
                (micros(next_attempt_at), status, detail, effect_id),
            )

    def effect_replace(self, effect: OutboxEffect) -> None:
        with self._tx() as conn:
            effect_open(conn, effect.effect_id)  # an unknown id raises
            conn.execute(
                "UPDATE sync_outbox SET path = ?, body = ?, headers = ?"
                " WHERE effect_id = ? AND state = 'claimed'",
                (effect.path, effect.body, headers_json(effect.headers), effect.effect_id),
            )

    def effect_dead(self, effect_id: str, *, status: int | None, reason: str, now: datetime) -> str:
        with self._tx() as conn:
            if effect_open(conn, effect_id):
                conn.execute(
                    "UPDATE sync_outbox SET state = 'dead_lettered', last_status = ?, detail = ?,"
                    " worker = NULL, lease_until = NULL WHERE effect_id = ?",
                    (status, reason, effect_id),
                )
            return open_incident(conn, OUTBOX_DEAD_LETTER, effect_id, reason, now)

    def effect_cancel(self, effect_id: str, *, reason: str, now: datetime) -> None:
        with self._tx() as conn:
            if effect_open(conn, effect_id):
                conn.execute(
                    "UPDATE sync_outbox SET state = 'cancelled', detail = ?, worker = NULL,"
                    " lease_until = NULL WHERE effect_id = ?",
                    (reason, effect_id),
                )

    def effect(self, effect_id: str) -> OutboxEffect | None:
        found = self._row("SELECT * FROM sync_outbox WHERE effect_id = ?", (effect_id,))
        return None if found is None else effect_from(found)

    def outbox(self, *, event_id: str | None = None) -> list[OutboxEffect]:
        with self._read() as conn:
            if event_id is None:
                rows = conn.execute("SELECT * FROM sync_outbox ORDER BY seq").fetchall()
            else:
                rows = conn.execute(
                    "SELECT * FROM sync_outbox WHERE event_id = ? ORDER BY seq", (event_id,)
                ).fetchall()
        return [effect_from(r) for r in rows]

    # -- incidents and dead letters -----------------------------------------------------------
    def dead_letter_inbox(self, event_id: str, *, reason: str, now: datetime) -> str:
        with self._tx() as conn:
            if not inbox_state(conn, event_id).terminal:
                conn.execute(
                    "UPDATE sync_inbox SET state = 'dead_lettered', detail = ?, worker = NULL,"
                    " lease_until = NULL WHERE event_id = ?",
                    (reason, event_id),
                )
            return open_incident(conn, INBOX_DEAD_LETTER, event_id, reason, now)

    def incidents(self, *, open_only: bool = True) -> list[Incident]:
        where = " WHERE closed_at IS NULL" if open_only else ""
        with self._read() as conn:
            rows = conn.execute(f"SELECT * FROM sync_incidents{where} ORDER BY seq").fetchall()
        return [incident_from(r) for r in rows]

    def depths(self) -> QueueDepths:
        with self._read() as conn:
            inbox = state_counts(conn, "SELECT state, count(*) FROM sync_inbox GROUP BY state")
            outbox = state_counts(conn, "SELECT state, count(*) FROM sync_outbox GROUP BY state")
            incidents = conn.execute(
                "SELECT count(*) FROM sync_incidents WHERE closed_at IS NULL"
            ).fetchone()[0]
        return depths_from(inbox, outbox, int(incidents))

    # -- the engine's view of other systems' records -----------------------------------------
    def remember_record(
        self, system: str, record_id: str, *, person: str, version: str | None
    ) -> None:
        if self._recorded(system, record_id) == (person, version):
            return  # unchanged: spare the write transaction (and its fsync)
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO sync_records (system, record_id, person, version) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (system, record_id) DO UPDATE SET person = excluded.person,"
                " version = excluded.version",
                (system, record_id, person, version),
            )

    def record_of(self, system: str, person: str) -> tuple[str, str | None] | None:
        found = self._row(
            "SELECT record_id, version FROM sync_records WHERE system = ? AND person = ?"
            " ORDER BY seq LIMIT 1",
            (system, person),
        )
        return None if found is None else (found[0], found[1])

    def person_of(self, system: str, record_id: str) -> str | None:
        found = self._recorded(system, record_id)
        return None if found is None else found[0]

    def _recorded(self, system: str, record_id: str) -> tuple[str, str | None] | None:
        found = self._row(
            "SELECT person, version FROM sync_records WHERE system = ? AND record_id = ?",
            (system, record_id),
        )
        return None if found is None else (str(found[0]), found[1])

    def replica(self, system: str, person: str, field: str) -> int | None:
        found = self._row(
            "SELECT version FROM sync_replicas WHERE system = ? AND person = ? AND field = ?",
            (system, person, field),
        )
        return None if found is None else int(found[0])

    def set_replica(self, system: str, person: str, field: str, version: int) -> None:
        known = self.replica(system, person, field)
        if known is not None and known >= version:
            return  # versions only go up: nothing to write (and no fsync to wait for)
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO sync_replicas (system, person, field, version) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (system, person, field)"
                " DO UPDATE SET version = max(version, excluded.version)",
                (system, person, field, version),
            )

    # -- reconciliation ---------------------------------------------------------------------
    def cursor(self, feed: str) -> str | None:
        found = self._row("SELECT position FROM sync_cursors WHERE feed = ?", (feed,))
        return None if found is None else str(found[0])

    def set_cursor(self, feed: str, position: str) -> None:
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO sync_cursors (feed, position) VALUES (?, ?)"
                " ON CONFLICT (feed) DO UPDATE SET position = excluded.position",
                (feed, position),
            )

    def close(self) -> None:
        with self._lock, self._read_lock or self._lock:
            if not self._closed:
                self._closed = True
                self._conn.close()
                if self._reader is not self._conn:
                    self._reader.close()
