"""A second record of a person in a system where the engine made the first: merge it there.

The engine creates a CRM contact for a person it knows from elsewhere (a portal sign-up, a chart)
when it knows no CRM contact of theirs. The CRM may already hold one the engine has not heard of
yet (staff typed a lead in; its webhook is slower than the sign-up's), or get one later. When that
contact's event reaches the engine, identity matching links it to the person, and the CRM would
keep two contacts for one person. So the engine carries the link to the CRM as a merge: the
contact the engine made (the one its later writes go to: ``SyncStore.record_of``, the first the
engine learned) survives and absorbs the other, which the CRM deletes.

Only a duplicate of a record the engine itself created is merged (``SyncStore.wrote`` of its
version 1): two contacts staff made for one person are theirs to merge, and the engine leaves
them be. The effect (``{"op": "merge", "person", "survivor", "retired"}``) has an id made of the
two records, so planning it again (a redelivered event, a replay after a crash) inserts nothing
new, and its order key is the person's, so it goes out after the writes planned before it and
before the ones after. The CRM's merge is idempotent too (merging again answers the survivor).
"""

from __future__ import annotations

from datetime import datetime

from splitbrain.engine.service_layer.sync.fanout import effect
from splitbrain.engine.service_layer.sync.inbound import SourceRecord
from splitbrain.engine.service_layer.sync.model import OutboxEffect
from splitbrain.engine.service_layer.sync.ports import SyncStore

MERGING_SYSTEMS = frozenset({"crm"})
"""Systems where the engine creates person records (by upsert) and can merge two of them."""
CREATED = "1"
"""The version a record is created at: the engine made it when it wrote this version."""


def merge_into_created(
    store: SyncStore, event_id: str, record: SourceRecord, person: str, *, now: datetime
) -> OutboxEffect | None:
    """The merge of ``record`` (just linked to ``person``) into the record of ``person`` the
    engine created in the same system; None when there is no such other record."""
    system = record.system
    if system not in MERGING_SYSTEMS:
        return None
    known = store.record_of(system, person)
    if known is None or known[0] == record.record_id:
        return None
    survivor = known[0]
    if not store.wrote(system, survivor, CREATED):
        return None
    body = {"op": "merge", "person": person, "survivor": survivor, "retired": record.record_id}
    effect_id = f"{system}:{record.record_id}>merge>{survivor}"
    return effect(event_id, effect_id, system, body, ordering=f"{system}:{person}", now=now)
