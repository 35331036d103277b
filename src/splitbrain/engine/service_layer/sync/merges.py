"""Merges the engine makes, carried out in the EHR (DESIGN §5: ADT A40 and FHIR Patient.link).

When the engine merges two persons (a merge owner, an accepted review, a source system's own
merge), each EHR record of the retired person is merged into the survivor's EHR record there
too; an unmerge takes the links back. The carrier makes that durable and exactly-once in
effect:

1. ``sweep()`` puts one inbox item per merge (``engine:merge/{merge_id}``) and per unmerge
   (``engine:unmerge/{merge_id}``) the engine holds; an item already received is only counted
   (so a restart re-sweeps safely);
2. as the translator of ``("engine", "identity")`` items it plans the EHR effects
   (``EffectsPlanned``): ``{"op": "merge" | "unmerge", "person", "survivor", "retired",
   "merge"}`` with ids ``{merge_id}>{op}>ehr>{record}``, so planning twice inserts nothing new;
3. the EHR target carries each one out idempotently (it reads the retired Patient first: one
   already ``replaced-by`` the survivor needs nothing, so a merge the EHR itself made, or a
   retry after a lost ACK, changes nothing twice).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field

from splitbrain.engine.domain.linkage.merge import MergeRecord
from splitbrain.engine.domain.linkage.snapshot import PersonSnapshot
from splitbrain.engine.service_layer.engine import Engine
from splitbrain.engine.service_layer.sync.fanout import effect
from splitbrain.engine.service_layer.sync.inbound import (
    EffectsPlanned,
    Ignored,
    Inbound,
    PoisonEventError,
)
from splitbrain.engine.service_layer.sync.model import InboxItem, OutboxEffect
from splitbrain.engine.service_layer.sync.ports import SyncStore

SOURCE = "engine"
CHANNEL = "identity"


@dataclass
class MergeCarrier:
    engine: Engine
    store: SyncStore
    system: str = "ehr"
    full_every: float = 1.0
    """Seconds between full sweeps (an unmerge does not change the merge count)."""
    _seen: set[str] = field(default_factory=set)
    _count: int = -1
    _last_full: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def sweep(self, *, force: bool = False) -> int:
        """Receive the merges and unmerges not yet in the inbox; how many were new."""
        with self._lock:
            count = self.engine.read(lambda uow: uow.identity.merges.count())
            now = time.monotonic()
            if not force and count == self._count and now - self._last_full < self.full_every:
                return 0
            self._count, self._last_full = count, now
            new = 0
            for record in self.engine.merges():
                ops = ("merge",) if record.active else ("merge", "unmerge")
                for op in ops:
                    new += self._receive(op, record.merge_id)
            return new

    def _receive(self, op: str, merge_id: str) -> int:
        event_id = f"{SOURCE}:{op}/{merge_id}"
        if event_id in self._seen:
            return 0
        body = json.dumps({"op": op, "merge": merge_id}, sort_keys=True).encode()
        item = InboxItem(event_id, SOURCE, CHANNEL, body, self.engine.clock.now())
        new = self.store.receive(item)
        self._seen.add(event_id)
        return int(new)

    # -- the translator of ("engine", "identity") items -----------------------------------------
    def translate(self, item: InboxItem) -> list[Inbound]:
        try:
            body = json.loads(item.payload)
            op, merge_id = str(body["op"]), str(body["merge"])
        except (ValueError, KeyError, TypeError):
            raise PoisonEventError(item.event_id, "not an engine merge item {op, merge}") from None
        record = next((m for m in self.engine.merges() if m.merge_id == merge_id), None)
        if record is None or op not in ("merge", "unmerge"):
            raise PoisonEventError(
                item.event_id, f"no merge {merge_id} for op {op!r}; the engine names its own"
            )
        if op == "unmerge":
            self._restore(record)
        effects = self.plan(item.event_id, op, record)
        if not effects:
            return [Ignored(f"{merge_id}: no {self.system} record on both sides to {op}")]
        return [EffectsPlanned(tuple(effects), f"{merge_id}: {op} carried to {self.system}")]

    def plan(self, event_id: str, op: str, record: MergeRecord) -> list[OutboxEffect]:
        survivors = self._records(record.survivor)
        retired = [r for r in self._records(record.retired) if r not in survivors]
        if not survivors or not retired:
            return []
        when = record.unmerged_at if op == "unmerge" and record.unmerged_at else record.merged_at
        person = record.survivor.person_id
        return [
            effect(
                event_id, f"{record.merge_id}>{op}>{self.system}>{gone}", self.system,
                {"op": op, "person": person, "survivor": survivors[0], "retired": gone,
                 "merge": record.merge_id},
                ordering=f"{self.system}:{person}", now=when,
            )
            for gone in retired
        ]  # fmt: skip

    def _restore(self, record: MergeRecord) -> None:
        """After an unmerge, the retired person's records name it again in the record map
        (a merge in a source system had pointed them at the survivor)."""
        person = record.retired.person_id
        for link in record.retired.links:
            system, record_id = link.record
            if self.store.person_of(system, record_id) is not None:
                self.store.remember_record(system, record_id, person=person, version=None)

    def _records(self, snapshot: PersonSnapshot) -> list[str]:
        found = sorted(
            link.record.source_record_id
            for link in snapshot.links
            if link.record.source_system == self.system
        )
        if not found:
            known = self.store.record_of(self.system, snapshot.person_id)
            found = [known[0]] if known is not None else []
        return found
