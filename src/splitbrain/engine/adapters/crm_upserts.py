"""The engine's CRM contact upsert, when the person's own contact was linked while it was in flight.

The engine creates a contact (upsert by its external id) for a person of whom it knows no CRM
contact. The CRM's own contact of the same person (a lead staff typed in) may be linked to the
person by identity matching while that upsert is on the wire; the worker then finds that contact
to be the person's first (``SyncStore.record_of``) and plans no merge, and the upsert makes a
second one. So after the upsert answers, the engine compares: when the person's contact is another
one, the contact the upsert answered is merged into it at once (``POST /contacts/{id}/merge``,
under the effect's key plus ``>merge``) and the delivery names the survivor.

Crash-safe: if the engine dies (or the merge fails) between the upsert and the merge, the effect
is sent again, now as an update of the person's contact; a resent effect (``attempts`` > 1) first
looks the engine's external id up (``stray``) and merges a contact found under it that is not the
person's. Once merged, the survivor carries the external id, so a later upsert or look-up answers
the survivor itself. First attempts pay nothing for this.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

import httpx

from splitbrain.engine.service_layer.sync.model import OutboxEffect
from splitbrain.engine.service_layer.sync.targets import Delivery, Outcome

if TYPE_CHECKING:
    from splitbrain.engine.adapters.sync_targets import CrmTarget

EXTERNAL_SYSTEM = "splitbrain"
"""The external-id system the engine names its contacts under (``sync_targets``' too)."""


def upserted(
    target: CrmTarget, effect: OutboxEffect, person: str, response: httpx.Response
) -> Delivery:
    """The delivery of an upsert answered with ``response``, merged into the person's contact
    when that is another one."""
    result = target._done(response, "contact upsert", None)
    if result.outcome is not Outcome.DONE or result.record is None:
        return result
    known = target.store.record_of("crm", person)
    if known is None or known[0] == result.record:
        return result
    return _merge(target, effect, known[0], result.record)


def stray(target: CrmTarget, effect: OutboxEffect, subject: str, record: str) -> Delivery | None:
    """On a resent effect for the person's contact ``record``: merge into it a contact that
    carries the engine's external id ``subject`` but is not ``record`` (an upsert whose merge
    never happened); None when there is none (or this is a first attempt)."""
    if effect.attempts <= 1 or not subject:
        return None
    path = f"/contacts/by-external-id/{EXTERNAL_SYSTEM}/{quote(subject)}"
    found = target.http.get(path)
    if found.status_code != 200:
        return None
    other = str(found.json().get("id"))
    return None if other == record else _merge(target, effect, record, other)


def _merge(target: CrmTarget, effect: OutboxEffect, survivor: str, retired: str) -> Delivery:
    merged = target.http.post(
        f"/contacts/{quote(survivor)}/merge",
        json={"retired_id": retired},
        headers={"Idempotency-Key": f"{effect.idempotency_key}>merge>{retired}"},
    )
    return target._done(merged, f"contact {retired} merge into {survivor}", survivor)
