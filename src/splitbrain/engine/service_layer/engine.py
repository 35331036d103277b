"""``Engine``: the reference engine's public face over the message bus.

Everything that changes state is a command through ``handle``; the other methods are thin
conveniences that build the command, or read-only views of the store. Build one with
``splitbrain.engine.bootstrap.bootstrap`` (the one composition root), never by hand.

Example::

    engine = bootstrap(store="sqlite:out/demo/engine.sqlite", policy=policy)
    decision = engine.ingest(write)                 # FieldApplied | WriteRejected | ...
    for item in engine.conflicts():                 # the open conflict queue
        engine.resolve(item.conflict_id, resolver="usr_3", role=item.escalation_owner,
                       reason="confirmed with the patient", chosen_key=item.competing_keys[0])
    engine.metrics().share_rejected_by_owner_policy
    engine.close()                                  # flush, checkpoint the audit log
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import Self, TypeVar

from splitbrain.engine.domain.audit import AuditEntry, VerifyResult
from splitbrain.engine.domain.conflicts import ConflictItem, ConflictOverdue, ConflictResolved
from splitbrain.engine.domain.decisions import (
    ConflictEscalated,
    Decision,
    DuplicateDelivery,
    FieldApplied,
    WriteRejected,
)
from splitbrain.engine.domain.policy import Policy
from splitbrain.engine.domain.write import FieldState, Write
from splitbrain.engine.service_layer.clock import Clock
from splitbrain.engine.service_layer.commands import (
    Command,
    EscalateOverdueConflicts,
    IngestWrite,
    PurgeIdempotencyKeys,
    ResolveConflict,
    SeedFieldState,
)
from splitbrain.engine.service_layer.events import Event, FieldSeeded, IdempotencyKeysPurged
from splitbrain.engine.service_layer.identity_facade import IdentityFacade
from splitbrain.engine.service_layer.messagebus import MessageBus
from splitbrain.engine.service_layer.metrics import EngineMetrics, read_metrics
from splitbrain.engine.service_layer.unit_of_work import (
    DEFAULT_KEY_RETENTION,
    AbstractUnitOfWork,
)

_DECISIONS = frozenset({FieldApplied, WriteRejected, ConflictEscalated, DuplicateDelivery})
E = TypeVar("E")
T = TypeVar("T")


class Engine(IdentityFacade):
    """The write path of the reference engine. Calls are serialized (one store connection)."""

    def __init__(
        self, bus: MessageBus, *, policy: Policy, clock: Clock, audit_path: Path | None = None
    ) -> None:
        self._bus = bus
        self._uow = bus.uow
        self._lock = threading.RLock()
        self.policy = policy
        self.clock = clock
        self.audit_path = audit_path
        """The database holding the audit log (``splitbrain audit verify PATH``); None in memory."""

    def handle(self, command: Command) -> list[Event]:
        """Run one command in one transaction; every event it raised, in order."""
        with self._lock:
            return self._bus.handle(command)

    def ingest(self, write: Write) -> Decision:
        """Decide ``write``, record and audit the decision, apply it; return the decision."""
        with self._lock:  # ``handle`` inlined: the write path's one call
            events = self._bus.handle(IngestWrite(write))
        for event in events:
            if type(event) in _DECISIONS or isinstance(
                event, FieldApplied | WriteRejected | ConflictEscalated | DuplicateDelivery
            ):
                return event  # type: ignore[return-value]
        raise AssertionError("IngestWrite raised no decision: a handler-table bug")

    def resolve(
        self, conflict_id: str, *, resolver: str, role: str, reason: str, chosen_key: str
    ) -> ConflictResolved:
        """The escalation owner settles a conflict; the chosen write becomes the next version."""
        command = ResolveConflict(conflict_id, resolver, role, reason, chosen_key)
        return _first(self.handle(command), ConflictResolved)

    def escalate_overdue(self) -> list[ConflictOverdue]:
        """Escalate open items past their due time (each once); the escalations made now."""
        events = self.handle(EscalateOverdueConflicts())
        return [event for event in events if isinstance(event, ConflictOverdue)]

    def purge_idempotency_keys(self, retention: timedelta = DEFAULT_KEY_RETENTION) -> int:
        """Forget idempotency keys first seen more than ``retention`` ago; how many."""
        return _first(self.handle(PurgeIdempotencyKeys(retention)), IdempotencyKeysPurged).count

    def seed(self, state: FieldState) -> FieldSeeded:
        """Set a fresh field's starting state (audited); raises ``SeedRefused`` otherwise."""
        return _first(self.handle(SeedFieldState(state)), FieldSeeded)

    def metrics(self) -> EngineMetrics:
        with self._lock:
            return read_metrics(self._uow, self.policy, self.clock.now())

    def conflicts(self, *, open_only: bool = True) -> list[ConflictItem]:
        with self._lock, self._uow as uow:
            return uow.conflicts.list(open_only=open_only)

    def conflict(self, conflict_id: str) -> ConflictItem:
        """One conflict item; raises ``UnknownConflict``."""
        with self._lock, self._uow as uow:
            return uow.conflicts.get(conflict_id)

    def field(self, person: str, field: str) -> FieldState:
        with self._lock, self._uow as uow:
            return uow.fields.get(person, field)

    def stage(self, person: str) -> str:
        """The person's lifecycle stage (the policy's first stage until one is written)."""
        with self._lock, self._uow as uow:
            return uow.fields.stage(person, self.policy)

    def read(self, query: Callable[[AbstractUnitOfWork], T]) -> T:
        """Run a read-only ``query`` on the store (e.g. ``lambda uow: uow.consents.of_person(p)``).

        The query runs in a unit of work that is rolled back: whatever it changed is discarded.
        """
        with self._lock, self._uow as uow:
            return query(uow)

    def audit_entries(self) -> list[AuditEntry]:
        """Every committed audit entry, in order (flushes a pending batch first)."""
        with self._lock:
            self._uow.flush()
            return list(self._uow.audit.entries())

    def verify_audit(self) -> VerifyResult:
        """Flush, checkpoint, and verify the whole chain against its signed checkpoints."""
        with self._lock:
            self._uow.flush()
            self._uow.audit.checkpoint()
            return self._uow.audit.verify()

    def flush(self) -> None:
        """Make every handled command durable now (with batched commits)."""
        with self._lock:
            self._uow.flush()

    def close(self) -> None:
        with self._lock:
            self._uow.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _first(events: list[Event], kind: type[E]) -> E:
    for event in events:
        if isinstance(event, kind):
            return event
    raise AssertionError(f"the command raised no {kind.__name__}: a handler-table bug")
