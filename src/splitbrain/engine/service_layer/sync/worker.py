"""The inbox worker: claim an event, decide what it says, plan the effects, finish it.

One event, one pass (at-least-once, idempotent):

1. translate (a payload nobody can read is dead-lettered with an incident: poison);
2. find the person behind the source record: the engine's own map, else the link table, else
   identity matching at ingest (a new record that matches a known person at high confidence is
   linked to them, not made a second person);
3. turn each changed field into a ``Write`` whose idempotency key is ``event id:field`` and whose
   base version is the engine version the source's copy was known to hold; a value equal to the
   engine's own is an echo (nothing to decide);
4. ``Engine.ingest`` decides and audits; a redelivered event meets ``DuplicateDelivery`` and is
   re-planned from the first decision, so a crash between deciding and finishing loses nothing;
5. plan effects (fan-out, repairs, conflict tasks, consent flags, workflow state) and finish the
   item in one store transaction with its terminal state.

The terminal state of an event with several writes is the most telling one: applied if any write
applied, else escalated, else rejected, else deduplicated.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from splitbrain.engine.domain.decisions import (
    ConflictEscalated,
    Decision,
    DuplicateDelivery,
    FieldApplied,
    WriteRejected,
)
from splitbrain.engine.domain.identity.record import IdentityRecord, RecordKey
from splitbrain.engine.domain.write import Write
from splitbrain.engine.service_layer.consent_service import ConsentService
from splitbrain.engine.service_layer.engine import Engine
from splitbrain.engine.service_layer.sync.fanout import Planner
from splitbrain.engine.service_layer.sync.inbound import (
    ConsentChanged,
    Ignored,
    Inbound,
    PoisonEventError,
    RecordChanged,
    RecordsMerged,
    SourceRecord,
    Translators,
    WorkflowEvent,
)
from splitbrain.engine.service_layer.sync.model import InboxItem, InboxState, OutboxEffect
from splitbrain.engine.service_layer.sync.ports import SyncStore
from splitbrain.engine.service_layer.sync.workflow import WorkflowPlanner

log = logging.getLogger("splitbrain.engine.sync")

_RANK = {
    InboxState.APPLIED: 4,
    InboxState.ESCALATED: 3,
    InboxState.REJECTED: 2,
    InboxState.DEDUPLICATED: 1,
}


@dataclass(slots=True)
class _Outcome:
    states: list[InboxState] = field(default_factory=list)
    effects: list[OutboxEffect] = field(default_factory=list)
    details: list[str] = field(default_factory=list)

    def state(self) -> InboxState:
        if not self.states:
            return InboxState.DEDUPLICATED
        return max(self.states, key=_RANK.__getitem__)


@dataclass(slots=True)
class SyncWorker:
    engine: Engine
    store: SyncStore
    translators: Translators
    planner: Planner
    workflow: WorkflowPlanner
    name: str = "worker-1"
    lease: timedelta = timedelta(seconds=30)
    max_attempts: int = 5
    """An event that fails this many times (an engine error, not a decision) is dead-lettered."""

    def run_once(self, limit: int = 32) -> int:
        """Claim and process up to ``limit`` events; how many were claimed."""
        now = self.engine.clock.now()
        items = self.store.claim_inbox(self.name, now=now, lease=self.lease, limit=limit)
        for item in items:
            self.process(item)
        return len(items)

    def process(self, item: InboxItem) -> None:
        now = self.engine.clock.now()
        try:
            facts = self.translators.of(item).translate(item)
        except PoisonEventError as poison:
            log.warning("dead-lettered event %s: %s", item.event_id, poison.problem)
            self.store.dead_letter_inbox(item.event_id, reason=poison.problem, now=now)
            return
        try:
            outcome = _Outcome()
            for fact in facts:
                self._fact(item, fact, outcome)
            self.engine.flush()
        except Exception as exc:  # an engine or store failure, not a decision: retry, then DLQ
            reason = f"{type(exc).__name__} while processing (attempt {item.attempts})"
            if item.attempts >= self.max_attempts:
                log.error("dead-lettered event %s after %d attempts", item.event_id, item.attempts)
                self.store.dead_letter_inbox(item.event_id, reason=reason, now=now)
            else:
                log.warning("event %s failed (%s); released for retry", item.event_id, reason)
                retry_at = now + timedelta(seconds=2 ** min(item.attempts, 6))
                self.store.release_inbox(item.event_id, retry_at=retry_at, detail=reason)
            return
        detail = "; ".join(outcome.details)[:500] or None
        self.store.finish_inbox(
            item.event_id, outcome.state(), detail=detail, effects=outcome.effects, now=now
        )

    # -- facts --------------------------------------------------------------------------------
    def _fact(self, item: InboxItem, fact: Inbound, outcome: _Outcome) -> None:
        if isinstance(fact, RecordChanged):
            self._record_changed(item, fact, outcome)
        elif isinstance(fact, ConsentChanged):
            self._consent(item, fact, outcome)
        elif isinstance(fact, WorkflowEvent):
            person = self.person(fact.record)
            outcome.states.append(InboxState.APPLIED)
            outcome.effects.extend(self.workflow.plan(item.event_id, person, fact))
        elif isinstance(fact, RecordsMerged):
            self._merged(item, fact, outcome)
        elif isinstance(fact, Ignored):
            outcome.details.append(fact.reason)

    def _record_changed(self, item: InboxItem, fact: RecordChanged, outcome: _Outcome) -> None:
        person = self.person(fact.record)
        system = fact.record.system
        now = self.engine.clock.now()
        for field_name, value in sorted(fact.changes.items()):
            current = self.engine.field(person, field_name)
            if current.version and current.value == value:
                self.store.set_replica(system, person, field_name, current.version)
                continue  # an echo of what the engine holds, or a no-op
            write = Write(
                idempotency_key=f"{item.event_id}:{field_name}",
                source_system=system,
                source_record=fact.record.record_id,
                person=person,
                field=field_name,
                value=value,
                actor=fact.actor,
                role=fact.role,
                base_version=self._base(system, person, field_name, current.version),
                occurred_at=fact.occurred_at,
                provenance=fact.provenance,
                override_reason=fact.override_reason,
                manual=fact.manual,
                correlation_id=item.event_id,
            )
            self._decided(item, self.engine.ingest(write), outcome, now)

    def _base(self, system: str, person: str, field_name: str, current: int) -> int | None:
        """The engine version ``system``'s copy was known to hold; None (a blind write, decided
        by the matrix's rules) when the engine never saw that copy."""
        return self.store.replica(system, person, field_name)

    def _decided(self, item: InboxItem, decision: Decision, outcome: _Outcome, now: object) -> None:
        first = decision.first if isinstance(decision, DuplicateDelivery) else decision
        write = first.write
        if isinstance(first, FieldApplied):
            self.store.set_replica(
                write.source_system, write.person, write.field, first.new_version
            )
            outcome.effects.extend(
                self.planner.applied(item.event_id, first, now=self.engine.clock.now())
            )
            outcome.states.append(InboxState.APPLIED)
        elif isinstance(first, ConflictEscalated):
            outcome.effects.extend(
                self.planner.escalated(item.event_id, first, now=self.engine.clock.now())
            )
            outcome.states.append(InboxState.ESCALATED)
        elif isinstance(first, WriteRejected):
            state = self.engine.field(write.person, write.field)
            outcome.effects.extend(
                self.planner.repair(
                    item.event_id, write.idempotency_key, state, write.source_system,
                    now=self.engine.clock.now(),
                )
            )  # fmt: skip
            outcome.states.append(InboxState.REJECTED)
            outcome.details.append(f"{write.field}: {first.reason.value}")
        if isinstance(decision, DuplicateDelivery):
            outcome.states.append(InboxState.DEDUPLICATED)

    def _consent(self, item: InboxItem, fact: ConsentChanged, outcome: _Outcome) -> None:
        person = self.person(fact.record)
        consents = ConsentService(self.engine)
        if fact.granted:
            consents.grant(
                person, fact.purpose, fact.channel, end=fact.period_end,
                consent_ref=fact.consent_ref,
            )  # fmt: skip
        else:
            consents.revoke(person, fact.purpose, fact.channel, consent_ref=fact.consent_ref)
        outcome.states.append(InboxState.APPLIED)
        outcome.effects.extend(
            self.workflow.consent(item.event_id, person, fact, now=self.engine.clock.now())
        )

    def _merged(self, item: InboxItem, fact: RecordsMerged, outcome: _Outcome) -> None:
        survivor = self.person(SourceRecord(fact.system, fact.survivor, None))
        retired = self.store.person_of(fact.system, fact.retired)
        if retired is not None and self.engine.resolve_person(retired) != survivor:
            self.engine.merge(
                survivor=survivor, retired=retired, actor=fact.actor, role="merge_owner",
                reason="ehr_registration_duplicate",
            )  # fmt: skip
        self.store.remember_record(fact.system, fact.retired, person=survivor, version=None)
        outcome.states.append(InboxState.APPLIED)
        outcome.effects.extend(self.workflow.merged(item.event_id, survivor, fact))

    # -- identity -----------------------------------------------------------------------------
    def person(self, record: SourceRecord) -> str:
        """The engine's person for ``record``: known, linked, or matched at ingest now."""
        known = self.store.person_of(record.system, record.record_id)
        if known is None:
            known = self.engine.record_person(RecordKey(record.system, record.record_id))
        if known is None:
            identity = record.identity or IdentityRecord(record.system, record.record_id)
            known = self.engine.register_record(identity).person
        person = self.engine.resolve_person(known)
        self.store.remember_record(
            record.system, record.record_id, person=person, version=record.version
        )
        return person
