"""The in-memory store: the fake unit of work for unit tests and quick simulations.

It keeps the same promises as the SQLite store (one command commits or rolls back as a whole,
audit entries included) with plain dicts and an undo journal. Nothing survives the process.

Example::

    uow = InMemoryUnitOfWork(InMemoryAuditLog(InMemoryCheckpointStore(), keys))
    with uow:
        uow.fields.put(state)
        uow.commit()
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TypeVar

from splitbrain.engine.adapters.audit_log import InMemoryAuditLog
from splitbrain.engine.adapters.consent_flags import InMemoryConsentFlags
from splitbrain.engine.adapters.memory_consent import InMemoryConsents, InMemoryOutreachQueue
from splitbrain.engine.adapters.memory_identity import memory_identity_store
from splitbrain.engine.domain.conflicts import ConflictItem, ConflictStatus
from splitbrain.engine.domain.decisions import Decision, DuplicateDelivery
from splitbrain.engine.domain.write import FieldState, Write
from splitbrain.engine.service_layer.unit_of_work import (
    AbstractUnitOfWork,
    ConflictQueue,
    DecisionLog,
    DecisionRow,
    FieldStates,
    FirstDecision,
    decision_row,
)

K = TypeVar("K")
V = TypeVar("V")


class _Journal:
    """Undo steps of the open unit of work, run in reverse on rollback."""

    def __init__(self) -> None:
        self._undo: list[Callable[[], object]] = []

    def set(self, table: dict[K, V], key: K, value: V) -> None:
        if key in table:
            old = table[key]
            self._undo.append(lambda: table.__setitem__(key, old))
        else:
            self._undo.append(lambda: table.pop(key))
        table[key] = value

    def pop(self, table: dict[K, V], key: K) -> None:
        old = table.pop(key)
        self._undo.append(lambda: table.__setitem__(key, old))

    def append(self, items: list[V], item: V) -> None:
        items.append(item)
        self._undo.append(items.pop)

    def mark(self, items: list[V]) -> None:
        """Truncate ``items`` back to its current length on rollback."""
        size = len(items)
        self._undo.append(lambda: items.__delitem__(slice(size, None)))

    def rollback(self) -> None:
        while self._undo:
            self._undo.pop()()

    def forget(self) -> None:
        self._undo.clear()


class InMemoryFieldStates(FieldStates):
    def __init__(self, journal: _Journal) -> None:
        self._journal = journal
        self._states: dict[tuple[str, str], FieldState] = {}

    def get(self, person: str, field: str) -> FieldState:
        return self._states.get((person, field)) or FieldState.empty(person, field)

    def put(self, state: FieldState) -> None:
        self._journal.set(self._states, (state.person, state.field), state)


class InMemoryDecisionLog(DecisionLog):
    def __init__(self, journal: _Journal) -> None:
        self._journal = journal
        self._log: list[tuple[Decision, datetime]] = []
        self._keys: dict[str, tuple[FirstDecision, datetime]] = {}
        self._writes: dict[str, Write] = {}

    def first(self, idempotency_key: str) -> FirstDecision | None:
        claimed = self._keys.get(idempotency_key)
        return None if claimed is None else claimed[0]

    def write(self, idempotency_key: str) -> Write | None:
        return self._writes.get(idempotency_key)

    def add(self, decision: Decision, decided_at: datetime) -> None:
        key = decision.write.idempotency_key
        self._journal.append(self._log, (decision, decided_at))
        if key not in self._writes:
            self._journal.set(self._writes, key, decision.write)
        if key not in self._keys and not isinstance(decision, DuplicateDelivery):
            self._journal.set(self._keys, key, (decision, decided_at))

    def purge_keys(self, first_seen_before: datetime) -> int:
        stale = [key for key, (_, seen) in self._keys.items() if seen < first_seen_before]
        for key in stale:
            self._journal.pop(self._keys, key)
        return len(stale)

    def rows(self) -> Iterator[DecisionRow]:
        return (decision_row(decision, at) for decision, at in list(self._log))


class InMemoryConflictQueue(ConflictQueue):
    def __init__(self, journal: _Journal) -> None:
        self._journal = journal
        self._items: dict[str, ConflictItem] = {}

    def find(self, conflict_id: str) -> ConflictItem | None:
        return self._items.get(conflict_id)

    def put(self, item: ConflictItem) -> None:
        self._journal.set(self._items, item.conflict_id, item)

    def list(self, *, open_only: bool) -> list[ConflictItem]:
        items = self._items.values()
        return [i for i in items if not open_only or i.status is ConflictStatus.OPEN]


class InMemoryUnitOfWork(AbstractUnitOfWork):
    """Dict-backed repositories; a rollback undoes every change of the open unit, audit included.

    After each commit the audit log gets a chance to checkpoint (``checkpoint_if_due``).
    """

    audit: InMemoryAuditLog

    def __init__(self, audit: InMemoryAuditLog) -> None:
        super().__init__()
        self._journal = _Journal()
        self.fields = InMemoryFieldStates(self._journal)
        self.decisions = InMemoryDecisionLog(self._journal)
        self.conflicts = InMemoryConflictQueue(self._journal)
        self.consents = InMemoryConsents(self._journal)
        self.outreach = InMemoryOutreachQueue(self._journal)
        self.consent_flags = InMemoryConsentFlags()
        self.identity = memory_identity_store(self._journal)
        self.audit = audit

    def _begin(self) -> None:
        self._journal.forget()
        self._journal.mark(self.audit.items)

    def _commit(self) -> None:
        self._journal.forget()
        self.audit.checkpoint_if_due()

    def _rollback(self) -> None:
        self._journal.rollback()
