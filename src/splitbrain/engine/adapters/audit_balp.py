"""Consent decisions as FHIR AuditEvents in the IHE BALP consent-decision shape.

IHE Basic Audit Log Patterns (BALP) profile ``IHE.BasicAudit.AuthZconsent``: "an AuditEvent
recording an authorization decision by a Consent Decision Service". Each audit entry of a
consent decision (``consent.decide``, ``send.outreach``; permit and deny) becomes:

- ``type`` DCM 110113 Security Alert; ``subtype`` AuthZsubType ``AuthZ-Consent``; ``action`` E;
- ``outcome`` 0 (success) for a permit, 8 (serious failure) for a deny, as in the profile's
  deny example; ``outcomeDesc`` = the outcome and reason code (``deny: revoked``);
- ``purposeOfEvent`` and the user agent's ``purposeOfUse``: the requested ActReason purpose;
- four agents, by type: the client (DCM 110150 Application: the engine component that asked),
  the user (v3 ParticipationType IRCP, requestor: the actor and its role), the user's
  organization (v3 RoleClass PROV: the site), and the authorizer (extra-security-role-type
  ``authserver``: the engine's decision point); ``source`` is the decision point (type 6,
  Security Server);
- entities: the patient (entity type 1 Person, role 1 Patient, the person token as an identifier
  reference) and the consent (type resource-types ``Consent``, ``what`` =
  ``Consent/<ref>/_history/<version>``: the exact version the decision read). The consent
  entity's ``detail`` carries the channel, enforcement point, break-glass flag (always
  present), policy version and the audit entry's chain position (seq, hash).

Deviation, on purpose: when no Consent exists for the slot (``no_consent``, an unknown purpose
or channel, break-glass without a consent on file), the consent entity has no reference, only a
``display`` saying so, so the profile's required consent entity still says what was consulted.

Example::

    resources = [to_balp_consent_decision(e) for e in entries if is_consent_decision(e)]
    write_balp_ndjson(log.entries(), Path("consent-decisions.ndjson"))
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Final

from fhir.resources.R4B.auditevent import AuditEvent as FhirAuditEvent
from fhir.resources.R4B.bundle import Bundle as FhirBundle

from splitbrain.engine.adapters.consent_fhir import NS, PERSON_TOKEN_SYSTEM
from splitbrain.engine.domain.audit import AuditEntry, AuditOutcome
from splitbrain.engine.domain.audit.event import format_instant
from splitbrain.engine.domain.consent import ACT_REASON_SYSTEM
from splitbrain.engine.service_layer.consent_audit import DECISION_ACTIONS

__all__ = [
    "BALP_PROFILE",
    "balp_bundle",
    "is_consent_decision",
    "to_balp_consent_decision",
    "write_balp_ndjson",
]

BALP_PROFILE: Final = (
    "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.AuthZconsent"
)
_DCM = "http://dicom.nema.org/resources/ontology/DCM"
_SUBTYPE = {
    "system": "https://profiles.ihe.net/ITI/BALP/CodeSystem/AuthZsubType",
    "code": "AuthZ-Consent",
    "display": "Authorization Decision using Roles and Consent",
}
_CLIENT = {"system": _DCM, "code": "110150", "display": "Application"}
_USER = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
    "code": "IRCP",
    "display": "information recipient",
}
_USER_ORG = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-RoleClass",
    "code": "PROV",
    "display": "healthcare provider",
}
_AUTHORIZER = {
    "system": "http://terminology.hl7.org/CodeSystem/extra-security-role-type",
    "code": "authserver",
    "display": "authorization server",
}
_DECISION_POINT = {"system": f"{NS}/service", "value": "engine-consent-decision-point"}
_ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
_OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role"


def is_consent_decision(entry: AuditEntry) -> bool:
    """Whether ``entry`` records a consent decision (permit or deny)."""
    return entry.event.action in DECISION_ACTIONS


def to_balp_consent_decision(
    entry: AuditEntry, *, site: str = "splitbrain", validate: bool = True
) -> dict[str, object]:
    """The BALP AuthZconsent AuditEvent for one decision entry; ValueError for other entries."""
    event = entry.event
    if not is_consent_decision(entry) or event.person is None or event.purpose is None:
        raise ValueError(
            f"audit entry {entry.seq} ({event.action}) is not a consent decision; select "
            "entries with is_consent_decision()"
        )
    permit = event.outcome is AuditOutcome.PERMIT
    purpose: dict[str, object] = {"coding": [{"system": ACT_REASON_SYSTEM, "code": event.purpose}]}
    resource: dict[str, object] = {
        "resourceType": "AuditEvent",
        "id": f"splitbrain-consent-decision-{entry.seq}",
        "meta": {"profile": [BALP_PROFILE]},
        "type": {"system": _DCM, "code": "110113", "display": "Security Alert"},
        "subtype": [_SUBTYPE],
        "action": "E",
        "recorded": format_instant(event.at),
        "outcome": "0" if permit else "8",
        "outcomeDesc": f"{event.outcome.value}: {event.reason or 'unspecified'}",
        "purposeOfEvent": [purpose],
        "agent": _agents(entry, purpose, site),
        "source": {
            "site": site,
            "observer": {"identifier": _DECISION_POINT},
            "type": [{"system": _SOURCE_TYPE, "code": "6", "display": "Security Server"}],
        },
        "entity": [_patient(event.person), _consent(entry)],
    }
    if validate:
        FhirAuditEvent.model_validate(resource)
    return resource


_SOURCE_TYPE = "http://terminology.hl7.org/CodeSystem/security-source-type"


def balp_bundle(entries: Iterable[AuditEntry], *, site: str = "splitbrain") -> dict[str, object]:
    """A validated ``collection`` Bundle of the consent decisions among ``entries``."""
    bundle: dict[str, object] = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"resource": to_balp_consent_decision(e, site=site, validate=False)}
            for e in entries
            if is_consent_decision(e)
        ],
    }
    FhirBundle.model_validate(bundle)
    return bundle


def write_balp_ndjson(
    entries: Iterable[AuditEntry], path: Path, *, site: str = "splitbrain"
) -> int:
    """Write one BALP AuditEvent per consent decision (NDJSON), validated; returns the count."""
    count = 0
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for entry in entries:
            if is_consent_decision(entry):
                resource = to_balp_consent_decision(entry, site=site)
                out.write(json.dumps(resource, ensure_ascii=False, separators=(",", ":")) + "\n")
                count += 1
        out.flush()
        os.fsync(out.fileno())
    return count


def _agents(entry: AuditEntry, purpose: dict[str, object], site: str) -> list[dict[str, object]]:
    event = entry.event
    return [
        {
            "type": {"coding": [_CLIENT]},
            "who": {"identifier": {"system": f"{NS}/service", "value": event.service}},
            "requestor": False,
            "network": {"address": event.service, "type": "1"},
        },
        {
            "type": {"coding": [_USER]},
            "who": {"identifier": {"system": f"{NS}/actor", "value": event.actor}},
            "role": [{"coding": [{"system": f"{NS}/CodeSystem/role", "code": event.role}]}],
            "requestor": True,
            "purposeOfUse": [purpose],
        },
        {
            "type": {"coding": [_USER_ORG]},
            "who": {"identifier": {"system": f"{NS}/site", "value": site}},
            "requestor": False,
        },
        {
            "type": {"coding": [_AUTHORIZER]},
            "who": {"identifier": _DECISION_POINT},
            "requestor": False,
        },
    ]


def _patient(person: str) -> dict[str, object]:
    return {
        "what": {"type": "Patient", "identifier": {"system": PERSON_TOKEN_SYSTEM, "value": person}},
        "type": {"system": _ENTITY_TYPE, "code": "1", "display": "Person"},
        "role": {"system": _OBJECT_ROLE, "code": "1", "display": "Patient"},
    }


def _consent(entry: AuditEntry) -> dict[str, object]:
    event = entry.event
    extra = dict(event.extra)
    version = extra.get("consent_version", "none")
    if event.consent_ref is None:
        what: dict[str, object] = {"display": "no Consent on file for this purpose and channel"}
    else:
        history = "" if version == "none" else f"/_history/{version}"
        what = {"reference": f"Consent/{event.consent_ref}{history}"}
    details = {
        "channel": extra.get("channel"),
        "enforcement_point": extra.get("point"),
        "break_glass": extra.get("break_glass", "false"),
        "consent_version": version,
        "policy_version": event.policy_version,
        "reason": event.reason,
        "message_id": extra.get("message_id"),
        "queued_under_version": extra.get("queued_under_version"),
        "correlation_id": event.correlation_id,
        "audit_seq": str(entry.seq),
        "audit_hash": entry.hash,
    }
    return {
        "what": what,
        "type": {
            "system": "http://hl7.org/fhir/resource-types",
            "code": "Consent",
            "display": "Consent",
        },
        "detail": [{"type": k, "valueString": v} for k, v in details.items() if v is not None],
    }
