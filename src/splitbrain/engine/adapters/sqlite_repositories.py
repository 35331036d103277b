"""The repositories of the SQLite store: field states and the conflict queue (the decision log
is in ``sqlite_decision_log``).

They read and write on the unit of work's connection and never commit: transactions belong to
``SqliteUnitOfWork`` (``sqlite_store``). Field-state upserts go to the store's write buffer
(``sqlite_buffer``) and reach SQL when the batch commits. Schema in ``sqlite_schema``.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from splitbrain.engine.adapters.sqlite_buffer import Row
from splitbrain.engine.adapters.store_records import dump_conflict, load_conflict
from splitbrain.engine.domain.conflicts import ConflictItem, ConflictStatus
from splitbrain.engine.domain.policy import Policy, Provenance
from splitbrain.engine.domain.write import FieldState
from splitbrain.engine.service_layer.unit_of_work import ConflictQueue, FieldStates

_GET_STATE = (
    "SELECT value, version, provenance, system, role, occurred_at, idempotency_key "
    "FROM field_state WHERE person = ? AND field = ?"
)
_GET_TWO = (
    "SELECT field, value, version, provenance, system, role, occurred_at, idempotency_key "
    "FROM field_state WHERE person = ? AND field IN (?, ?)"
)
_FIND = "SELECT body FROM conflicts WHERE conflict_id = ?"
_PUT_CONFLICT = (
    "INSERT INTO conflicts (conflict_id, status, body) VALUES (?, ?, ?) "
    "ON CONFLICT (conflict_id) DO UPDATE SET status = excluded.status, body = excluded.body"
)
_LIST = "SELECT body FROM conflicts ORDER BY seq"
_LIST_OPEN = "SELECT body FROM conflicts WHERE status = ? ORDER BY seq"


class SqliteFieldStates(FieldStates):
    """Field states: an in-memory copy in front of SQL; upserts go to the write buffer.

    The cache holds every state read or written while the store can trust it: the unit of work
    drops it when another connection may have written the file (``PRAGMA data_version`` moved
    when a batch began) or a transaction was lost, never while the buffer holds rows, so states
    written by the open batch are read from here until the batch commits. A unit's rollback
    puts back what the unit's puts replaced.
    """

    def __init__(self, conn: sqlite3.Connection, rows: list[Row]) -> None:
        self._cursor = conn.cursor()
        self._rows = rows
        self._cache: dict[tuple[str, str], FieldState] = {}
        self._undo: list[tuple[tuple[str, str], FieldState | None]] = []

    def __len__(self) -> int:
        return len(self._cache)

    def forget(self) -> None:
        self._cache.clear()
        self._undo.clear()

    def begin_unit(self) -> None:
        self._undo.clear()

    def drop_unit(self) -> None:
        """Put back the states the open unit replaced."""
        cache, undo = self._cache, self._undo
        while undo:
            key, old = undo.pop()
            if old is None:
                cache.pop(key, None)
            else:
                cache[key] = old

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
                row[0]: row for row in self._cursor.execute(_GET_TWO, (person, field, stage_field))
            }
            for name in (field, stage_field):
                row = found.get(name)
                cache[person, name] = self._state(person, name, row and row[1:])
        return super().with_stage(person, field, policy)

    def _read(self, person: str, field: str) -> FieldState:
        return self._state(
            person, field, self._cursor.execute(_GET_STATE, (person, field)).fetchone()
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
            provenance=None if provenance is None else _provenance(provenance),
            system=system,
            role=role,
            occurred_at=None if occurred_at is None else datetime.fromisoformat(occurred_at),
            idempotency_key=key,
        )

    def put(self, state: FieldState) -> None:
        key = (state.person, state.field)
        self._undo.append((key, self._cache.get(key)))
        self._cache[key] = state
        at = state.occurred_at
        self._rows.append(
            (
                state.person,
                state.field,
                state.value,
                state.version,
                state.provenance,  # a StrEnum: SQLite stores its value
                state.system,
                state.role,
                None if at is None else at.isoformat(),
                state.idempotency_key,
            )
        )


_PROVENANCES = {p.value: p for p in Provenance}


def _provenance(text: str) -> Provenance:
    return _PROVENANCES.get(text) or Provenance(text)


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
