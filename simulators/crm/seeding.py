"""``POST /_admin/seed`` for the CRM: records of any CRM resource, validated like the API's.

Each record is a JSON object with ``type`` (``contact`` by default, or ``lead``, ``case``,
``task``, ``campaign``), an optional ``id`` (kept, so a population's record ids and its ground
truth line up), an optional ``ref`` (a name later records can point at) and the resource's
fields. ``contact_ref`` resolves to the ``contact_id`` of an earlier record::

    [{"type": "contact", "id": "crm-3fa29c01b2", "ref": "ana", "first_name": "Ana", ...},
     {"type": "lead", "contact_ref": "ana", "source": "web_form"}]

The answer counts what was created per type and maps each ``ref`` to its id.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from simulators._shared import BadRequest
from simulators._shared.record_fields import RecordFields
from simulators._shared.records import Record
from simulators.crm.contacts import CONTACT_DEFAULTS
from simulators.crm.outreach_models import CAMPAIGN_DEFAULTS, CampaignFields
from simulators.crm.schemas import (
    CASE_DEFAULTS,
    LEAD_DEFAULTS,
    TASK_DEFAULTS,
    CaseFields,
    ContactFields,
    LeadFields,
    TaskFields,
)
from simulators.crm.store import CrmStore

__all__ = ["seed_records"]

_KINDS: dict[str, tuple[type[RecordFields], dict[str, Any]]] = {
    "contact": (ContactFields, CONTACT_DEFAULTS),
    "lead": (LeadFields, LEAD_DEFAULTS),
    "case": (CaseFields, CASE_DEFAULTS),
    "task": (TaskFields, TASK_DEFAULTS),
    "campaign": (CampaignFields, CAMPAIGN_DEFAULTS),
}
_META = frozenset({"type", "id", "ref", "contact_ref"})


def seed_records(store: CrmStore, records: list[dict[str, Any]], *, process: str) -> dict[str, Any]:
    created: Counter[str] = Counter()
    refs: dict[str, str] = {}
    for index, raw in enumerate(records):
        kind = str(raw.get("type", "contact"))
        record = _seed_one(store, index, kind=kind, raw=raw, refs=refs, process=process)
        created[kind] += 1
        if raw.get("ref") is not None:
            refs[str(raw["ref"])] = record["id"]
    return {"created": dict(created), "ids": refs}


def _seed_one(
    store: CrmStore,
    index: int,
    *,
    kind: str,
    raw: Mapping[str, Any],
    refs: Mapping[str, str],
    process: str,
) -> Record:
    if kind not in _KINDS:
        raise BadRequest(
            f"seed record {index}: type {kind!r} is unknown; use one of {list(_KINDS)}"
        )
    model, defaults = _KINDS[kind]
    body = {k: v for k, v in raw.items() if k not in _META}
    if raw.get("contact_ref") is not None:
        ref = str(raw["contact_ref"])
        if ref not in refs:
            raise BadRequest(f"seed record {index}: contact_ref {ref!r} names no earlier record")
        body["contact_id"] = refs[ref]
    try:
        fields = {**defaults, **model.model_validate(body).fields()}
    except ValidationError as exc:
        first = exc.errors()[0]
        path = ".".join(str(p) for p in first["loc"])
        raise BadRequest(f"seed record {index} ({kind}): field '{path}': {first['msg']}") from None
    if kind == "task":
        fields["due_at"] = store.task_due(fields)
    table = store.tables()[kind]
    record_id = None if raw.get("id") is None else str(raw["id"])
    record = table.create(process, fields, record_id=record_id)
    if kind == "campaign":
        store.outreach.schedule(record)
    return record
