"""The write-path repositories on PostgreSQL: field states, the decision log, the conflict queue.

They run on the unit of work's connection and never commit (``postgres_store`` does). The rows
are the SQLite store's (``store_records`` encodes decisions and conflict items); the SQL is
PostgreSQL's own, because what it adds is locking, so that several engine processes, on several
machines, can share one store:

- **Field states: row locks.** A (person, field) is read with ``SELECT ... FOR UPDATE`` and
  stays locked until the unit of work ends, so two processes deciding writes for one field
  serialize: the second decides on the version the first committed (no lost update, versions
  strictly increase). A field never written has no row to lock, so a read first inserts a
  version-0 placeholder (``INSERT ... ON CONFLICT DO NOTHING``: the empty state, as
  ``FieldState.empty`` reads), then locks. The write path locks the field *and* the person's
  stage field (the stage decides ownership), both in one statement in field-name order, after
  inserting both placeholders in that order; every lock the write path takes is ordered so, and
  a waiter never holds a row the holder wants, so two ingests cannot deadlock. (The placeholder
  comes first because a lock taken on a committed row and then a wait on another's uncommitted
  insert could.)
- **Idempotency: a unique claim.** A decision claims its key with ``INSERT ... ON CONFLICT
  (key) DO NOTHING`` (one statement with the decision row). A duplicate delivery handled by
  two processes at once is serialized by the field lock, so the second finds the claim and
  answers with the first decision. If the key is claimed by another process in between (the
  same key on another field), the claim inserts nothing and the command fails with
  ``StoreBusy``: it is rolled back whole, and the retry is answered from the claim. A key is
  decided once.
- **Conflict items** are read ``FOR UPDATE`` (by id, and the open queue the overdue job
  walks), so an item is resolved once and escalated once.

Example::

    fields = PostgresFieldStates(conn)
    state, stage = fields.with_stage("per_0001", "medication_plan", policy)   # both locked
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from splitbrain.engine.adapters.postgres_connection import PgConnection
from splitbrain.engine.adapters.sqlite_schema import from_micros, micros
from splitbrain.engine.adapters.store_records import (
    dump_conflict,
    dump_decision,
    load_conflict,
    load_decision,
)
from splitbrain.engine.domain.conflicts import ConflictItem, ConflictStatus
from splitbrain.engine.domain.decisions import Decision, DuplicateDelivery
from splitbrain.engine.domain.policy import Policy, Provenance
from splitbrain.engine.domain.write import FieldState, Write
from splitbrain.engine.service_layer.errors import StoreBusy
from splitbrain.engine.service_layer.unit_of_work import (
    ConflictQueue,
    DecisionLog,
    DecisionRow,
    FieldStates,
    FirstDecision,
    decision_facts,
)

__all__ = ["PostgresConflictQueue", "PostgresDecisionLog", "PostgresFieldStates"]

_STATE = "field, value, version, provenance, system, role, occurred_at, idempotency_key"
_PLACE_ONE = (
    "INSERT INTO field_state (person, field, version) VALUES (?, ?, 0) ON CONFLICT DO NOTHING"
)
_PLACE_TWO = (
    "INSERT INTO field_state (person, field, version) VALUES (?, ?, 0), (?, ?, 0) "
    "ON CONFLICT DO NOTHING"
)
_LOCK_ONE = f"SELECT {_STATE} FROM field_state WHERE person = ? AND field = ? FOR UPDATE"
_LOCK_TWO = (
    f"SELECT {_STATE} FROM field_state WHERE person = ? AND field IN (?, ?) "
    "ORDER BY field FOR UPDATE"
)
_PUT_STATE = (
    "INSERT INTO field_state (person, field, value, version, provenance, system, role, "
    "occurred_at, idempotency_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (person, field) DO UPDATE SET value = excluded.value, "
    "version = excluded.version, provenance = excluded.provenance, system = excluded.system, "
    "role = excluded.role, occurred_at = excluded.occurred_at, "
    "idempotency_key = excluded.idempotency_key"
)
_DECISION = (
    "INSERT INTO decisions (idempotency_key, kind, person, field, rule, reason, manual, "
    "override, decided_at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_ADD = _DECISION
_ADD_AND_CLAIM = (
    f"WITH decided AS ({_DECISION} RETURNING seq) "
    "INSERT INTO idempotency_keys (key, decision_seq, first_seen) "
    "SELECT ?, seq, ? FROM decided ON CONFLICT (key) DO NOTHING"
)
_FIRST = (
    "SELECT d.body FROM idempotency_keys AS k JOIN decisions AS d ON d.seq = k.decision_seq "
    "WHERE k.key = ?"
)
_WRITE = "SELECT body FROM decisions WHERE idempotency_key = ? ORDER BY seq LIMIT 1"
"""Unindexed on purpose, as in SQLite (an index would cost every decision): for purged keys."""
_PURGE = "DELETE FROM idempotency_keys WHERE first_seen < ?"
_ROWS = "SELECT kind, field, rule, reason, manual, override, decided_at FROM decisions ORDER BY seq"
_FIND = "SELECT body FROM conflicts WHERE conflict_id = ? FOR UPDATE"
_PUT_CONFLICT = (
    "INSERT INTO conflicts (conflict_id, status, body) VALUES (?, ?, ?) "
    "ON CONFLICT (conflict_id) DO UPDATE SET status = excluded.status, body = excluded.body"
)
_LIST = "SELECT body FROM conflicts ORDER BY seq"
_LIST_OPEN = "SELECT body FROM conflicts WHERE status = ? ORDER BY seq FOR UPDATE"


class PostgresFieldStates(FieldStates):
    """Field states read under row locks, cached while the unit of work holds the locks.

    The unit of work calls ``forget()`` when its transaction ends, so a cached state is never
    one another process could have changed since.
    """

    def __init__(self, conn: PgConnection) -> None:
        self._conn = conn
        self._cache: dict[tuple[str, str], FieldState] = {}

    def forget(self) -> None:
        self._cache.clear()

    def get(self, person: str, field: str) -> FieldState:
        cached = self._cache.get((person, field))
        if cached is None:
            rows = self._conn.after(_PLACE_ONE, (person, field), _LOCK_ONE, (person, field))
            state = _state(person, rows[0]) if rows else FieldState.empty(person, field)
            cached = self._cache[person, field] = state
        return cached

    def with_stage(self, person: str, field: str, policy: Policy) -> tuple[FieldState, str]:
        cache, stage_field = self._cache, policy.stage_field
        if (
            field != stage_field
            and (person, field) not in cache
            and (person, stage_field) not in cache
        ):
            first, second = sorted((field, stage_field))
            place, lock = (person, first, person, second), (person, first, second)
            for row in self._conn.after(_PLACE_TWO, place, _LOCK_TWO, lock):
                cache[person, row[0]] = _state(person, row)
        return super().with_stage(person, field, policy)

    def put(self, state: FieldState) -> None:
        self._cache[state.person, state.field] = state
        provenance = None if state.provenance is None else state.provenance.value
        at = None if state.occurred_at is None else state.occurred_at.isoformat()
        self._conn.execute(
            _PUT_STATE,
            (
                state.person, state.field, state.value, state.version, provenance, state.system,
                state.role, at, state.idempotency_key,
            ),
        )  # fmt: skip


def _state(person: str, row: tuple[Any, ...]) -> FieldState:
    field, value, version, provenance, system, role, occurred_at, key = row
    return FieldState(
        person=person,
        field=field,
        value=value,
        version=version,
        provenance=None if provenance is None else Provenance(provenance),
        system=system,
        role=role,
        occurred_at=None if occurred_at is None else datetime.fromisoformat(occurred_at),
        idempotency_key=key,
    )


class PostgresDecisionLog(DecisionLog):
    """The decision log; a decision and its key's claim are one statement."""

    def __init__(self, conn: PgConnection) -> None:
        self._conn = conn
        self._unclaimed: set[str] = set()
        """Keys this transaction found unclaimed: a failed claim of one of them is a race."""

    def forget(self) -> None:
        self._unclaimed.clear()

    def first(self, idempotency_key: str) -> FirstDecision | None:
        row = self._conn.execute(_FIRST, (idempotency_key,)).fetchone()
        if row is None:
            self._unclaimed.add(idempotency_key)
            return None
        decision = load_decision(row[0])
        return decision.first if isinstance(decision, DuplicateDelivery) else decision

    def write(self, idempotency_key: str) -> Write | None:
        first = self.first(idempotency_key)
        if first is not None:
            return first.write
        row = self._conn.execute(_WRITE, (idempotency_key,)).fetchone()  # a purged key: scan
        return None if row is None else load_decision(row[0]).write

    def add(self, decision: Decision, decided_at: datetime) -> None:
        kind, rule, reason, manual, override = decision_facts(decision)
        write, at = decision.write, micros(decided_at)
        key = write.idempotency_key
        body = dump_decision(decision)
        row = (key, kind, write.person, write.field, rule, reason, manual, override, at, body)
        if isinstance(decision, DuplicateDelivery):
            self._conn.execute(_ADD, row)
            return
        claimed = self._conn.execute(_ADD_AND_CLAIM, (*row, key, at)).rowcount
        if not claimed and key in self._unclaimed:
            raise StoreBusy(
                self._conn.label,
                f"idempotency key {key} was claimed by another engine process while this one "
                "decided it",
                kind="key_claimed",
            )

    def purge_keys(self, first_seen_before: datetime) -> int:
        return self._conn.execute(_PURGE, (micros(first_seen_before),)).rowcount

    def rows(self) -> Iterator[DecisionRow]:
        for kind, field, rule, reason, manual, override, at in self._conn.stream(_ROWS, ()):
            yield DecisionRow(kind, field, rule, reason, manual, override, from_micros(at))


class PostgresConflictQueue(ConflictQueue):
    def __init__(self, conn: PgConnection) -> None:
        self._conn = conn

    def find(self, conflict_id: str) -> ConflictItem | None:
        row = self._conn.execute(_FIND, (conflict_id,)).fetchone()
        return None if row is None else load_conflict(row[0])

    def put(self, item: ConflictItem) -> None:
        self._conn.execute(
            _PUT_CONFLICT, (item.conflict_id, item.status.value, dump_conflict(item))
        )

    def list(self, *, open_only: bool) -> list[ConflictItem]:
        if open_only:
            rows = self._conn.execute(_LIST_OPEN, (ConflictStatus.OPEN.value,)).fetchall()
        else:
            rows = self._conn.execute(_LIST, ()).fetchall()
        return [load_conflict(body) for (body,) in rows]
