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

from splitbrain.engine.adapters.key_filter import KeyFilter
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
_COUNT_PERSONS = "SELECT count(*) FROM field_state"
_PERSONS = "SELECT DISTINCT person FROM field_state"
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
    puts back what the unit's puts replaced. A Bloom filter of the persons with any state
    (``key_filter``) answers a person never written without SQL.

    When another connection committed (``others_wrote``), the filter may lack a person they
    wrote: it is kept, but a person it lacks is asked of SQL until it is built again from the
    table, which happens once those queries number as many as the persons it holds (so the
    rebuild's cost is spread over the writes that asked, not paid at every foreign commit).
    A lost transaction drops it (``forget``).
    """

    def __init__(self, conn: sqlite3.Connection, rows: list[Row]) -> None:
        self._cursor = conn.cursor()
        self._rows = rows
        self._cache: dict[tuple[str, str], FieldState] = {}
        self._undo: list[tuple[tuple[str, str], FieldState | None]] = []
        self._persons: KeyFilter | None = None
        """Every person with a state in SQL or the buffer (None: build it when next asked)."""
        self._unsure: int | None = None
        """Queries for persons the filter lacks left before it is built again (None: the
        filter is trusted, a person it lacks has no state)."""

    def __len__(self) -> int:
        return len(self._cache)

    def forget(self) -> None:
        """Drop the cache and the persons filter (a lost transaction)."""
        self._cache.clear()
        self._undo.clear()
        self._persons, self._unsure = None, None

    def others_wrote(self) -> None:
        """Another connection committed: drop the cache, stop trusting the filter's misses."""
        self._cache.clear()
        self._undo.clear()
        if self._persons is not None and self._unsure is None:
            self._unsure = self._persons.count  # a rebuild reads about as many rows

    def trim(self) -> None:
        """Empty the cache to bound memory (nothing changed behind it: the filter stays)."""
        self._cache.clear()
        self._undo.clear()
        if self._persons is not None and self._persons.full:
            self._persons, self._unsure = None, None

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
            # one query for both (the common case on the write path), none for a new person
            found = (
                {
                    row[0]: row
                    for row in self._cursor.execute(_GET_TWO, (person, field, stage_field))
                }
                if self._may_have_state(person)
                else {}
            )
            for name in (field, stage_field):
                row = found.get(name)
                cache[person, name] = self._state(person, name, row and row[1:])
        return super().with_stage(person, field, policy)

    def _read(self, person: str, field: str) -> FieldState:
        if not self._may_have_state(person):
            return FieldState.empty(person, field)
        return self._state(
            person, field, self._cursor.execute(_GET_STATE, (person, field)).fetchone()
        )

    def _may_have_state(self, person: str) -> bool:
        """False only when ``person`` surely has no state (SQL need not be asked)."""
        persons = self._known_persons()
        if person in persons:
            return True
        unsure = self._unsure
        if unsure is None:
            return False
        if unsure > 0:
            self._unsure = unsure - 1
        else:  # as many queries as a rebuild reads rows: build it again, trusted
            self._persons, self._unsure = None, None
            if person not in self._known_persons():
                return False
        return True

    def _known_persons(self) -> KeyFilter:
        persons = self._persons
        if persons is None:  # from the table, the buffer and the cache (puts not yet in SQL)
            count = int(self._cursor.execute(_COUNT_PERSONS).fetchone()[0])
            persons = KeyFilter.sized(count + len(self._rows))
            for (person,) in self._cursor.execute(_PERSONS).fetchall():
                persons.add(person)
            for row in self._rows:
                persons.add(row[0])
            for person, _field in self._cache:
                persons.add(person)
            self._persons = persons
        return persons

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
        old = self._cache.get(key)
        self._undo.append((key, old))
        self._cache[key] = state
        if old is None or not old.version:  # a stored version: the person is known already
            self._known_persons().add(state.person)
        at = state.occurred_at
        self._rows.append(
            (
                state.person,
                state.field,
                state.value,
                state.version,
                _TEXT.get(state.provenance, state.provenance),
                state.system,
                state.role,
                None if at is None else at.isoformat(),
                state.idempotency_key,
            )
        )


_PROVENANCES = {p.value: p for p in Provenance}
_TEXT: dict[object, str] = {p: str(p.value) for p in Provenance}
"""A provenance as plain text: SQLite stores a StrEnum's value too, but binds it through the
adapter lookup, which costs more than this dict."""


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
