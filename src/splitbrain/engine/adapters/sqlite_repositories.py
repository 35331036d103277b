"""The repositories of the SQLite store: field states, the decision log, the conflict queue.

They read and write on the unit of work's connection and never commit: transactions belong to
``SqliteUnitOfWork`` (``sqlite_store``). Schema in ``sqlite_schema``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime
from typing import Any

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
from splitbrain.engine.service_layer.unit_of_work import (
    ConflictQueue,
    DecisionLog,
    DecisionRow,
    FieldStates,
    FirstDecision,
    decision_facts,
)

_GET_STATE = (
    "SELECT value, version, provenance, system, role, occurred_at, idempotency_key "
    "FROM field_state WHERE person = ? AND field = ?"
)
_GET_TWO = (
    "SELECT field, value, version, provenance, system, role, occurred_at, idempotency_key "
    "FROM field_state WHERE person = ? AND field IN (?, ?)"
)
_PUT_STATE = (
    "INSERT OR REPLACE INTO field_state (person, field, value, version, provenance, system, "
    "role, occurred_at, idempotency_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_FIRST = (
    "SELECT d.body FROM idempotency_keys AS k JOIN decisions AS d ON d.seq = k.decision_seq "
    "WHERE k.key = ?"
)
_WRITE = "SELECT body FROM decisions WHERE idempotency_key = ? ORDER BY seq LIMIT 1"
"""Unindexed on purpose (an index would cost every decision): only for purged keys."""
_ADD = (
    "INSERT INTO decisions (idempotency_key, kind, person, field, rule, reason, manual, "
    "override, decided_at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_CLAIM = "INSERT OR IGNORE INTO idempotency_keys (key, decision_seq, first_seen) VALUES (?, ?, ?)"
_PURGE = "DELETE FROM idempotency_keys WHERE first_seen < ?"
_ROWS = "SELECT kind, field, rule, reason, manual, override, decided_at FROM decisions ORDER BY seq"
_FIND = "SELECT body FROM conflicts WHERE conflict_id = ?"
_PUT_CONFLICT = (
    "INSERT INTO conflicts (conflict_id, status, body) VALUES (?, ?, ?) "
    "ON CONFLICT (conflict_id) DO UPDATE SET status = excluded.status, body = excluded.body"
)
_LIST = "SELECT body FROM conflicts ORDER BY seq"
_LIST_OPEN = "SELECT body FROM conflicts WHERE status = ? ORDER BY seq"


class SqliteFieldStates(FieldStates):
    """Field states, with a read cache that lives only while the store holds the write lock.

    The unit of work calls ``forget()`` when its transaction ends (commit of the batch, or any
    rollback), so a cached state is never older than the file and never survives a rollback.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._cache: dict[tuple[str, str], FieldState] = {}

    def forget(self) -> None:
        self._cache.clear()

    def get(self, person: str, field: str) -> FieldState:
        cached = self._cache.get((person, field))
        if cached is None:
            cached = self._cache[person, field] = self._read(person, field)
        return cached

    def with_stage(self, person: str, field: str, policy: Policy) -> tuple[FieldState, str]:
        cache, stage_field = self._cache, policy.stage_field
        if (
            field != stage_field
            and (person, field) not in cache
            and (person, stage_field) not in cache
        ):
            # one query for both (the common case on the write path)
            found = {
                row[0]: row for row in self._conn.execute(_GET_TWO, (person, field, stage_field))
            }
            for name in (field, stage_field):
                row = found.get(name)
                cache[person, name] = self._state(person, name, row and row[1:])
        return super().with_stage(person, field, policy)

    def _read(self, person: str, field: str) -> FieldState:
        return self._state(
            person, field, self._conn.execute(_GET_STATE, (person, field)).fetchone()
        )

    @staticmethod
    def _state(person: str, field: str, row: tuple[Any, ...] | None) -> FieldState:
        if row is None:
            return FieldState.empty(person, field)
        value, version, provenance, system, role, occurred_at, key = row
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

    def put(self, state: FieldState) -> None:
        self._cache[state.person, state.field] = state
        provenance = None if state.provenance is None else state.provenance.value
        at = None if state.occurred_at is None else state.occurred_at.isoformat()
        self._conn.execute(
            _PUT_STATE,
            (
                state.person,
                state.field,
                state.value,
                state.version,
                provenance,
                state.system,
                state.role,
                at,
                state.idempotency_key,
            ),
        )


class SqliteDecisionLog(DecisionLog):
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def first(self, idempotency_key: str) -> FirstDecision | None:
        row = self._conn.execute(_FIRST, (idempotency_key,)).fetchone()
        if row is None:
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
        cursor = self._conn.execute(
            _ADD,
            (
                key,
                kind,
                write.person,
                write.field,
                rule,
                reason,
                manual,
                override,
                at,
                dump_decision(decision),
            ),
        )
        if not isinstance(decision, DuplicateDelivery):
            self._conn.execute(_CLAIM, (key, cursor.lastrowid, at))

    def purge_keys(self, first_seen_before: datetime) -> int:
        return self._conn.execute(_PURGE, (micros(first_seen_before),)).rowcount

    def rows(self) -> Iterator[DecisionRow]:
        cursor = self._conn.execute(_ROWS)
        while batch := cursor.fetchmany(1024):
            for kind, field, rule, reason, manual, override, at in batch:
                yield DecisionRow(
                    kind, field, rule, reason, bool(manual), bool(override), from_micros(at)
                )


class SqliteConflictQueue(ConflictQueue):
    def __init__(self, conn: sqlite3.Connection) -> None:
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
            rows = self._conn.execute(_LIST).fetchall()
        return [load_conflict(body) for (body,) in rows]
