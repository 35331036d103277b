"""The store port: a unit of work over four repositories (cosmicpython, chapter 6).

One command runs inside one unit of work: every change it makes (field states, the decision log,
idempotency keys, conflict items, audit entries) commits together or not at all. That is how a
decision and its audit entry stay inseparable (fail closed, DESIGN §7)::

    with uow:
        state = uow.fields.get("per_0001", "medication_plan")
        ...
        uow.commit()          # leaving the block without commit() rolls everything back

Adapters: ``adapters.memory_store`` (the fake for unit tests) and ``adapters.sqlite_store``.

Idempotency retention: the first decision for an idempotency key claims the key with its
first-seen time. ``decisions.purge_keys(before)`` forgets keys first seen before ``before``; a
later redelivery of a forgotten key is decided as a new write. The decision log is never purged
(metrics and the decision trail read it). Run ``PurgeIdempotencyKeys(retention)`` as maintenance
with a retention longer than any source's redelivery horizon (the default is 30 days).
"""

from __future__ import annotations

import abc
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Self

from splitbrain.engine.domain.audit import AuditSink
from splitbrain.engine.domain.conflicts import ConflictItem
from splitbrain.engine.domain.decisions import (
    ConflictEscalated,
    Decision,
    DuplicateDelivery,
    FieldApplied,
    WriteRejected,
)
from splitbrain.engine.domain.policy import Policy
from splitbrain.engine.domain.write import FieldState, Write
from splitbrain.engine.service_layer.consent_ports import (
    ConsentFlagSink,
    ConsentRepository,
    OutreachQueue,
)
from splitbrain.engine.service_layer.errors import UnknownConflict
from splitbrain.engine.service_layer.identity_store import IdentityStore

DEFAULT_KEY_RETENTION = timedelta(days=30)

FirstDecision = FieldApplied | WriteRejected | ConflictEscalated
"""What an idempotency key remembers: the decision made when the key was first seen."""


@dataclass(frozen=True, slots=True)
class DecisionRow:
    """The metric-relevant facts of one logged decision: kinds, names and flags, never values."""

    kind: str
    """``applied``, ``rejected``, ``escalated`` or ``duplicate``."""
    field: str
    rule: str
    reason: str | None
    manual: bool
    override: bool
    """A manual write that carried an override reason."""
    decided_at: datetime


def decision_kind(decision: Decision) -> str:
    """The log's name for a decision's type."""
    return _KINDS[type(decision)]


_KINDS: dict[type, str] = {
    FieldApplied: "applied",
    WriteRejected: "rejected",
    ConflictEscalated: "escalated",
    DuplicateDelivery: "duplicate",
}


def decision_facts(decision: Decision) -> tuple[str, str, str | None, bool, bool]:
    """``(kind, rule, reason, manual, override)``: what a log row records beside the decision."""
    write = decision.write
    return (
        _KINDS[type(decision)],
        "idempotency" if isinstance(decision, DuplicateDelivery) else decision.rule,
        decision.reason.value if isinstance(decision, WriteRejected) else None,
        write.manual,
        write.manual and write.override_reason is not None,
    )


def decision_row(decision: Decision, decided_at: datetime) -> DecisionRow:
    """Project a decision onto the facts the metrics count."""
    kind, rule, reason, manual, override = decision_facts(decision)
    return DecisionRow(kind, decision.write.field, rule, reason, manual, override, decided_at)


class FieldStates(abc.ABC):
    """Current value, version and provenance of each (person, field)."""

    @abc.abstractmethod
    def get(self, person: str, field: str) -> FieldState:
        """The field's state; ``FieldState.empty`` (version 0) for a field never written."""

    @abc.abstractmethod
    def put(self, state: FieldState) -> None:
        """Store ``state`` as the field's current state."""

    def stage(self, person: str, policy: Policy) -> str:
        """The person's lifecycle stage: the canonical value of ``policy.stage_field``.

        A person whose stage field was never written is at the first stage of the policy.
        """
        value = self.get(person, policy.stage_field).value
        return policy.stages[0] if value is None else value

    def with_stage(self, person: str, field: str, policy: Policy) -> tuple[FieldState, str]:
        """``(get(person, field), stage(person, policy))``; stores may read both at once."""
        return self.get(person, field), self.stage(person, policy)


class DecisionLog(abc.ABC):
    """Every decision in order, and the first decision per idempotency key (with retention)."""

    @abc.abstractmethod
    def first(self, idempotency_key: str) -> FirstDecision | None:
        """The decision that first claimed ``idempotency_key``, unless unseen or purged."""

    @abc.abstractmethod
    def write(self, idempotency_key: str) -> Write | None:
        """The write first logged under ``idempotency_key``, whether or not the key was purged."""

    @abc.abstractmethod
    def add(self, decision: Decision, decided_at: datetime) -> None:
        """Append to the log. A non-duplicate decision for an unclaimed key claims the key."""

    @abc.abstractmethod
    def purge_keys(self, first_seen_before: datetime) -> int:
        """Forget keys first seen before the cutoff; return how many were forgotten."""

    @abc.abstractmethod
    def rows(self) -> Iterator[DecisionRow]:
        """The log in order, as metric rows."""


class ConflictQueue(abc.ABC):
    """Conflict items by id."""

    @abc.abstractmethod
    def find(self, conflict_id: str) -> ConflictItem | None:
        """The item, or None."""

    def get(self, conflict_id: str) -> ConflictItem:
        """The item, or raise ``UnknownConflict``."""
        item = self.find(conflict_id)
        if item is None:
            raise UnknownConflict(conflict_id)
        return item

    @abc.abstractmethod
    def put(self, item: ConflictItem) -> None:
        """Insert or replace the item with the same id."""

    @abc.abstractmethod
    def list(self, *, open_only: bool) -> list[ConflictItem]:
        """Items in creation order; only unresolved ones when ``open_only``."""


class AbstractUnitOfWork(abc.ABC):
    """One atomic scope over the repositories and the audit sink.

    ``with uow:`` begins; ``commit()`` makes everything since then permanent (as durable as the
    adapter promises); leaving the block without a commit, or ``rollback()``, discards it all.
    """

    fields: FieldStates
    decisions: DecisionLog
    conflicts: ConflictQueue
    audit: AuditSink
    consents: ConsentRepository
    outreach: OutreachQueue
    consent_flags: ConsentFlagSink
    """The consumer keeping the CRM's local consent flags current (see ``consent_ports``)."""
    identity: IdentityStore
    """Persons, the link table, merges and the review queue (see ``identity_store``)."""

    def __init__(self) -> None:
        self._open = False

    def __enter__(self) -> Self:
        self._begin()
        self._open = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._open:
            self.rollback()

    def commit(self) -> None:
        self._commit()
        self._open = False

    def rollback(self) -> None:
        self._rollback()
        self._open = False

    def flush(self) -> None:
        """Make every committed unit durable now, then checkpoint the audit log if due.

        Stores that commit each unit at once have nothing to make durable here.
        """
        self.audit.checkpoint_if_due()

    def close(self) -> None:
        """Flush, anchor the audit tail with a signed checkpoint, and release the store."""
        self.flush()
        self.audit.checkpoint()

    @abc.abstractmethod
    def _begin(self) -> None: ...

    @abc.abstractmethod
    def _commit(self) -> None: ...

    @abc.abstractmethod
    def _rollback(self) -> None: ...
