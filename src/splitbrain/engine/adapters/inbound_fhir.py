"""FHIR R4 Subscription notifications (rest-hook with a payload) into the engine's facts.

The EHR PUTs each changed resource to ``{endpoint}/{type}/{id}``. The inbox id is
``ehr:{type}/{id}@{meta.versionId}``. What each resource means:

| resource | fact |
|---|---|
| Patient | the chart's demographics changed (name, birthDate, telecom) |
| Patient with ``link`` replaced-by | merged into that Patient (its demographics are not read) |
| Encounter with a participant | provider assigned |
| DocumentReference, status ``current`` | note signed (the note itself stays in the EHR) |
| Task, code in ``urn:splitbrain:clinical-decision`` | the decision: approved, denied, |
|   | more-info, refill-pending or follow-up |
| MedicationRequest, intent ``order``, status ``active`` | prescription sent |
| MedicationRequest, intent ``proposal`` | refill requested (a missing dose or quantity is named) |

Patient updates carry the role in ``meta.tag`` (system ``urn:splitbrain:role``), default
``provider``; a provider's chart entry is provider-verified.

``meta.source`` (``ENGINE_SOURCE`` on the engine's own PUTs) does not make an echo: a client that
reads a Patient and PUTs it back copies it. The worker treats a notification as an echo only when
its ``versionId`` is one the engine's own effect produced (``SyncStore.wrote``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import orjson

from splitbrain.engine.adapters.sync_fields import identity_of, patient_fields
from splitbrain.engine.domain.policy import Provenance
from splitbrain.engine.service_layer.sync.inbound import (
    Ignored,
    Inbound,
    PoisonEventError,
    RecordChanged,
    RecordsMerged,
    SourceRecord,
    WorkflowEvent,
    WorkflowKind,
)
from splitbrain.engine.service_layer.sync.model import InboxItem

ROLE_TAG: Final = "urn:splitbrain:role"
DECISION_SYSTEM: Final = "urn:splitbrain:clinical-decision"
ENGINE_SOURCE: Final = "urn:splitbrain:engine"
DECISIONS: Final[Mapping[str, WorkflowKind]] = {
    "approved": WorkflowKind.DECISION_APPROVED,
    "denied": WorkflowKind.DECISION_DENIED,
    "more-info": WorkflowKind.DECISION_MORE_INFO,
    "refill-pending": WorkflowKind.DECISION_REFILL_PENDING,
    "follow-up": WorkflowKind.DECISION_FOLLOW_UP,
}


def resource_of(ident: str, body: bytes) -> dict[str, Any]:
    try:
        resource = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise PoisonEventError(ident, f"body is not JSON ({exc.msg}); send the resource") from None
    if not isinstance(resource, dict) or not resource.get("resourceType") or not resource.get("id"):
        raise PoisonEventError(ident, "body is not a FHIR resource with resourceType and id")
    return resource


def event_id(body: bytes) -> str:
    resource = resource_of("ehr:?", body)
    version = (resource.get("meta") or {}).get("versionId", "0")
    return f"ehr:{resource['resourceType']}/{resource['id']}@{version}"


@dataclass(frozen=True, slots=True)
class FhirNotifications:
    def translate(self, item: InboxItem) -> list[Inbound]:
        resource = resource_of(item.event_id, item.payload)
        meta = resource.get("meta") or {}
        kind = resource["resourceType"]
        when = _when(item.event_id, meta.get("lastUpdated"))
        if kind == "Patient":
            survivor = _replaced_by(resource)
            if survivor is not None:  # merged away: its chart no longer speaks for a person
                return [RecordsMerged("ehr", survivor, f"Patient/{resource['id']}", when)]
            return [self._patient(resource, meta, when)]
        workflow = _workflow(resource)
        if workflow is None:
            return [Ignored(f"{kind} moves no workflow and carries no matrix field")]
        subject = _subject(item.event_id, resource)
        practitioner = _practitioner(resource)
        return [
            WorkflowEvent(
                record=SourceRecord("ehr", subject, None), kind=workflow[0],
                reference=f"{kind}/{resource['id']}", actor=practitioner or "ehr",
                role="provider", occurred_at=when, missing=workflow[1],
            )
        ]  # fmt: skip

    def _patient(
        self, resource: dict[str, Any], meta: Mapping[str, Any], when: datetime
    ) -> Inbound:
        fields = patient_fields(resource)
        role = _role(meta)
        version = str(meta.get("versionId", "1"))
        identity = identity_of("ehr", f"Patient/{resource['id']}", fields, resource)
        return RecordChanged(
            record=SourceRecord("ehr", f"Patient/{resource['id']}", version, identity),
            changes=fields, actor=f"ehr-{role}", role=role, occurred_at=when,
            provenance=Provenance.PROVIDER_VERIFIED if role == "provider"
            else Provenance.USER_ENTERED,
            created=version == "1", manual=role != "automation",
            override_reason="chart entry" if role == "provider" else None,
        )  # fmt: skip


def _replaced_by(resource: Mapping[str, Any]) -> str | None:
    for link in resource.get("link") or []:
        ref = (link.get("other") or {}).get("reference") if isinstance(link, dict) else None
        if (
            link.get("type") == "replaced-by"
            and isinstance(ref, str)
            and ref.startswith("Patient/")
        ):
            return ref
    return None


def _role(meta: Mapping[str, Any]) -> str:
    for tag in meta.get("tag") or []:
        if tag.get("system") == ROLE_TAG and tag.get("code"):
            return str(tag["code"])
    return "provider"


def _when(ident: str, text: Any) -> datetime:
    if not text:
        return datetime.now(UTC)
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise PoisonEventError(ident, "meta.lastUpdated is not an instant") from None


def _subject(ident: str, resource: Mapping[str, Any]) -> str:
    ref = (resource.get("subject") or resource.get("for") or {}).get("reference")
    if not isinstance(ref, str) or not ref.startswith("Patient/"):
        raise PoisonEventError(
            ident, f"{resource['resourceType']} has no subject Patient reference; set subject"
        )
    return ref


def _practitioner(resource: Mapping[str, Any]) -> str | None:
    for who in [*(resource.get("participant") or []), resource.get("requester") or {},
                resource.get("owner") or {}]:  # fmt: skip
        ref = (who.get("individual") or who).get("reference") if isinstance(who, dict) else None
        if isinstance(ref, str) and ref.startswith("Practitioner/"):
            return ref
    return None


def _workflow(resource: Mapping[str, Any]) -> tuple[WorkflowKind, tuple[str, ...]] | None:
    kind = resource["resourceType"]
    if kind == "Encounter" and resource.get("participant"):
        return WorkflowKind.PROVIDER_ASSIGNED, ()
    if kind == "DocumentReference" and resource.get("status") == "current":
        return WorkflowKind.NOTE_SIGNED, ()
    if kind == "Task":
        for coding in (resource.get("code") or {}).get("coding") or []:
            if coding.get("system") == DECISION_SYSTEM and coding.get("code") in DECISIONS:
                return DECISIONS[coding["code"]], ()
        return None
    if kind == "MedicationRequest":
        if resource.get("intent") == "order" and resource.get("status") == "active":
            return WorkflowKind.PRESCRIPTION_SENT, ()
        if resource.get("intent") == "proposal":
            missing = tuple(
                name for name, key in (("dose", "dosageInstruction"),
                                       ("quantity", "dispenseRequest"))
                if not resource.get(key)
            )  # fmt: skip
            return WorkflowKind.REFILL_REQUESTED, missing
    return None
