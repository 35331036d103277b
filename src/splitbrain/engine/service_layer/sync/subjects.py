"""An event about a record the engine does not know yet waits for it; an echo is a version
the engine wrote.

Each EHR resource type reaches the engine on its own subscription, so a provider's decision
(a FHIR Task) may arrive before the chart (the Patient) it is about. Processing it then would
make an empty person: the CRM workflow effect has no contact to go to, and the chart, when it
comes, becomes a second contact. So a workflow event whose subject record the engine does not
know yet is released for retry (``SubjectWait``: bounded, capped exponential backoff, counted)
and processed once the record is known; after the bound it is dead-lettered with an incident
naming the event and the record. A consent change (the portal's webhook names only the account)
waits the same way for its account's sign-up; at the bound it goes ahead rather than being lost.

Echo detection rests on what the engine itself wrote: the versions its effects produced
(``SyncStore.note_written`` when an answer carries the new version). A marker in the payload
(FHIR ``meta.source``) is copied by any client that reads and writes the record back, so it is
only a hint and never drops a change.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from splitbrain.engine.domain.identity.record import RecordKey
from splitbrain.engine.service_layer.engine import Engine
from splitbrain.engine.service_layer.sync.inbound import (
    ConsentChanged,
    Inbound,
    RecordChanged,
    SourceRecord,
    WorkflowEvent,
)
from splitbrain.engine.service_layer.sync.model import InboxItem
from splitbrain.engine.service_layer.sync.ports import SyncStore

log = logging.getLogger("splitbrain.engine.sync")


@dataclass(slots=True)
class SubjectWait:
    """How long a workflow event waits for its subject's record."""

    attempts: int = 14
    """Claims of the event before it is dead-lettered (about 100 s of waiting by default)."""
    first: float = 0.02
    """Seconds before the first retry; doubled each time up to ``cap``. Small, because the
    subject is usually a few milliseconds behind (a portal sign-up's preferences beat its
    account, a provider's decision beats the chart): a quarter second here was the p99 of a
    load run's sign-ups."""
    cap: float = 30.0
    counts: Counter[str] = field(default_factory=Counter)
    """``waited`` (releases) and ``dead_lettered`` (gave up), process-local."""

    def delay(self, attempt: int) -> float:
        return float(min(self.cap, self.first * 2.0 ** max(attempt - 1, 0)))

    def waiting_for(
        self, facts: list[Inbound], item: InboxItem, store: SyncStore, engine: Engine
    ) -> SourceRecord | None:
        """The record of a workflow event, a consent change or a part created with its record
        (the portal's preferences) in ``facts`` that the engine does not know yet. None carries
        identity data, so going ahead would make a person with nothing to match on, and the
        record's own event (an account sign-up still leased by a crashed worker, say) would then
        find it known and never be matched: a chart of the same patient would become a second
        person. A consent change or a part waits only within the bound, then goes ahead on an
        empty person: a revocation is honored late, never dropped."""
        for fact in facts:
            if isinstance(fact, WorkflowEvent) and not known(store, engine, fact.record):
                return fact.record
            bare = _named_without_identity(fact)
            within = item.attempts < self.attempts
            if bare is not None and within and not known(store, engine, bare):
                return bare
        return None

    def hold(self, store: SyncStore, item: InboxItem, record: SourceRecord, now: datetime) -> None:
        """Release ``item`` until its subject ``record`` is known, or dead-letter it (with an
        incident naming both) once it has waited ``attempts`` times."""
        if item.attempts >= self.attempts:
            reason = (
                f"workflow event {item.event_id}: its subject {record.system} {record.record_id} "
                f"is still unknown after {item.attempts} attempts; send or reconcile that record, "
                "then replay the event"
            )
            log.error("dead-lettered event %s: subject %s unknown", item.event_id, record.record_id)
            self.counts["dead_lettered"] += 1
            store.dead_letter_inbox(item.event_id, reason=reason, now=now)
            return
        self.counts["waited"] += 1
        detail = f"waiting for {record.system} {record.record_id} (attempt {item.attempts})"
        retry_at = now + timedelta(seconds=self.delay(item.attempts))
        store.release_inbox(item.event_id, retry_at=retry_at, detail=detail)


def known(store: SyncStore, engine: Engine, record: SourceRecord) -> bool:
    """Whether the engine knows the person behind ``record`` (its record map, or a link)."""
    if store.person_of(record.system, record.record_id) is not None:
        return True
    return engine.record_person(RecordKey(record.system, record.record_id)) is not None


def _named_without_identity(fact: Inbound) -> SourceRecord | None:
    """The record a consent change or a part created with it (the portal's preferences) names
    without saying who it is."""
    if isinstance(fact, ConsentChanged):
        return fact.record
    if isinstance(fact, RecordChanged) and fact.created and fact.record.identity is None:
        return fact.record
    return None
