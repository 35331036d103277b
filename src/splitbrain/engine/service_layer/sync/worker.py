"""The inbox worker: claim an event, decide what it says, plan the effects, finish it.

One event, one pass (at-least-once, idempotent):

1. translate (a payload nobody can read is dead-lettered with an incident: poison);
2. find the person behind the source record: the engine's own map, else the link table, else
   identity matching at ingest (a new record that matches a known person at high confidence is
   linked to them, not made a second person); a demographic edit re-files the record
   (``sync.refile``); a second record of a person in a system where the engine made the first
   is merged there (``sync.duplicates``);
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
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from splitbrain.engine.domain.decisions import (
    ConflictEscalated,
    Decision,
    DuplicateDelivery,
    FieldApplied,
    WriteRejected,
)
from splitbrain.engine.domain.identity.record import IdentityRecord, RecordKey
from splitbrain.engine.domain.write import FieldState, Write
from splitbrain.engine.service_layer.consent_service import ConsentService
from splitbrain.engine.service_layer.engine import Engine
from splitbrain.engine.service_layer.sync.busy import BusyRetry
from splitbrain.engine.service_layer.sync.duplicates import merge_into_created
from splitbrain.engine.service_layer.sync.fanout import Planner
from splitbrain.engine.service_layer.sync.inbound import (
    ConsentChanged,
    EffectsPlanned,
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
from splitbrain.engine.service_layer.sync.parts import note_part_version
from splitbrain.engine.service_layer.sync.ports import SyncStore
from splitbrain.engine.service_layer.sync.refile import refile
from splitbrain.engine.service_layer.sync.subjects import SubjectWait
from splitbrain.engine.service_layer.sync.workflow import WorkflowPlanner
from splitbrain.engine.service_layer.unit_of_work import AbstractUnitOfWork

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
    busy: BusyRetry = field(default_factory=BusyRetry)
    """A busy store (``StoreBusy``) is retried here, bounded, before the item's own retry."""
    subjects: SubjectWait = field(default_factory=SubjectWait)
    """A workflow event whose subject record is not known yet waits (bounded) for it."""
    ignored: Counter[str] = field(default_factory=Counter)
    """Facts ignored, by ``Ignored.kind`` (unsynced event types, echoes): expected, counted."""

    def run_once(self, limit: int = 32, *, each: Callable[[], None] | None = None) -> int:
        """Claim and process up to ``limit`` events; how many were claimed. ``each`` is called
        after every event (the service wakes its sender there, not after the whole batch)."""
        now = self.engine.clock.now()
        items = self.busy.run(
            lambda: self.store.claim_inbox(self.name, now=now, lease=self.lease, limit=limit)
        )
        for item in items:
            self.process(item)
            if each is not None:
                each()
        return len(items)

    def process(self, item: InboxItem) -> None:
        now = self.engine.clock.now()
        try:
            facts = self.translators.of(item).translate(item)
        except PoisonEventError as poison:
            log.warning("dead-lettered event %s: %s", item.event_id, poison.problem)
            self.store.dead_letter_inbox(item.event_id, reason=poison.problem, now=now)
            return
        waiting = self.subjects.waiting_for(facts, item, self.store, self.engine)
        if waiting is not None:  # a decision before its chart: wait for the chart, in order
            self.subjects.hold(self.store, item, waiting, now)
            return
        try:
            self._finish(item, facts, now)
        except Exception as exc:  # an engine or store failure, not a decision: retry, then DLQ
            reason = f"{type(exc).__name__} while processing (attempt {item.attempts})"
            if item.attempts >= self.max_attempts:
                log.error("dead-lettered event %s after %d attempts", item.event_id, item.attempts)
                self.store.dead_letter_inbox(item.event_id, reason=reason, now=now)
            else:
                log.warning("event %s failed (%s); released for retry", item.event_id, reason)
                retry_at = now + timedelta(seconds=2 ** min(item.attempts, 6))
                self.store.release_inbox(item.event_id, retry_at=retry_at, detail=reason)

    def _finish(self, item: InboxItem, facts: list[Inbound], now: datetime) -> None:
        """Decide every fact, then finish the item. Each store transaction on the way (a
        decision, the flush, the finish) is run again on its own when the store was busy:
        it was rolled back whole, so the rerun has the same payload and no second effect."""
        outcome = _Outcome()
        for fact in facts:
            self._fact(item, fact, outcome)
        self.busy.run(self.engine.flush)
        detail = "; ".join(outcome.details)[:500] or None
        self.busy.run(
            lambda: self.store.finish_inbox(
                item.event_id, outcome.state(), detail=detail, effects=outcome.effects, now=now
            )
        )

    # -- facts --------------------------------------------------------------------------------
    def _fact(self, item: InboxItem, fact: Inbound, outcome: _Outcome) -> None:
        if isinstance(fact, RecordChanged):
            self._record_changed(item, fact, outcome)
        elif isinstance(fact, ConsentChanged):
            self._consent(item, fact, outcome)
        elif isinstance(fact, WorkflowEvent):
            progress = self.workflow.advance(
                item.event_id, self.person(fact.record), fact, self.store
            )
            moved = progress.moved or bool(progress.effects)  # a task is still work done
            outcome.states.append(InboxState.APPLIED if moved else InboxState.REJECTED)
            outcome.effects.extend(progress.effects)
            outcome.details.extend([progress.detail] if progress.detail else [])
        elif isinstance(fact, RecordsMerged):
            self._merged(item, fact, outcome)
        elif isinstance(fact, EffectsPlanned):
            outcome.states.append(InboxState.APPLIED)
            outcome.effects.extend(fact.effects)
            outcome.details.append(fact.detail)
        elif isinstance(fact, Ignored):
            self.ignored[fact.kind] += 1
            outcome.details.append(fact.reason)

    def _record_changed(self, item: InboxItem, fact: RecordChanged, outcome: _Outcome) -> None:
        version = fact.record.version
        if version is not None and self.store.wrote(fact.record.system, fact.record.record_id,
                                                    version):  # fmt: skip
            self._fact(item, Ignored("echo of the engine's own write", kind="echo"), outcome)
            return
        person = self.person(fact.record)
        system = fact.record.system
        now = self.engine.clock.now()
        merge = merge_into_created(self.store, item.event_id, fact.record, person, now=now)
        if merge is not None:  # the engine made this person's record there first: one stays
            outcome.effects.append(merge)
            outcome.states.append(InboxState.APPLIED)
            outcome.details.append(f"{system} {fact.record.record_id} merged into the engine's")
        if not fact.created and fact.record.identity is not None:  # a demographic edit
            refile(self.engine, fact.record.identity, fact.changes)
        for field_name, value in sorted(fact.changes.items()):
            key = f"{item.event_id}:{field_name}"
            prior = self._prior(item, key)
            if prior is not None:  # decided before a crash: the same write re-plans its effects
                self._decided(item, self.busy.run(partial(self.engine.ingest, prior)), outcome, now)
                continue
            current = self.engine.field(person, field_name)
            if current.version and current.value == value:
                self.store.set_replica(system, person, field_name, current.version)
                continue  # an echo of what the engine holds, or a no-op
            write = Write(
                idempotency_key=key,
                source_system=system,
                source_record=fact.record.record_id,
                person=person,
                field=field_name,
                value=value,
                actor=fact.actor,
                role=fact.role,
                base_version=self._base(system, person, field_name, current, fact.occurred_at),
                occurred_at=fact.occurred_at,
                provenance=fact.provenance,
                override_reason=fact.override_reason,
                manual=fact.manual,
                correlation_id=item.event_id,
            )
            decision = self.busy.run(partial(self.engine.ingest, write))
            self._decided(item, decision, outcome, now)
        part = fact.part
        if part is not None and part.version is not None:  # seen, once decided: If-Match on it
            note_part_version(self.store, part.system, part.record_id, part.version)

    def _prior(self, item: InboxItem, key: str) -> Write | None:
        """The write decided under ``key`` by an earlier claim of ``item``, if any. Only a
        claim after the first (``attempts`` > 1: a lease ran out, a release, a crash) can meet
        one: a claim is committed before the decisions it leads to (SQLite: earlier in the same
        WAL; PostgreSQL: a durable commit), so a decision never outlives its claim's count, and
        the first pass spares the decision log lookup."""
        if item.attempts <= 1:
            return None
        return self.engine.read(partial(_first_write, key))

    def _base(
        self, system: str, person: str, field_name: str, current: FieldState, at: datetime
    ) -> int | None:
        """The engine version ``system``'s copy was known to hold; None (a blind write, decided
        by the matrix's rules) when the engine never saw that copy, or when the event is older
        than the one of ``system`` that set the current value (a reordered delivery: the
        source's own order of events decides, so an old version never overwrites a newer one)."""
        if current.system == system and current.occurred_at and at < current.occurred_at:
            return None
        return self.store.replica(system, person, field_name)

    def _decided(self, item: InboxItem, decision: Decision, outcome: _Outcome, now: object) -> None:
        first = decision.first if isinstance(decision, DuplicateDelivery) else decision
        write = first.write
        if isinstance(first, FieldApplied):
            self.store.set_replica(
                write.source_system, write.person, write.field, first.new_version
            )
            if not _replaced_since(decision, self.engine.field(write.person, write.field)):
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


def _first_write(key: str, uow: AbstractUnitOfWork) -> Write | None:
    return uow.decisions.write(key)


def _replaced_since(decision: Decision, current: FieldState) -> bool:
    """A decision replayed after a crash whose value a newer decision has replaced since: its
    effects would reach the targets after the newer one's and regress them, so none are planned
    (the newer decision planned its own)."""
    if not isinstance(decision, DuplicateDelivery) or not isinstance(decision.first, FieldApplied):
        return False
    return current.version > decision.first.new_version
