"""Audit entries as FHIR R4 AuditEvent resources (R4B models of fhir.resources validate them).

The mapping, element by element:

- ``type``: a DICOM audit event ID (``DCM``) chosen by the action's family (the part before the
  first dot): ``write``/``merge``/``unmerge``/``conflict``/``identity``/``consent``/``token``
  -> 110110 Patient Record; ``send``/``disclose``/``fanout`` -> 110106 Export; ``ingest`` ->
  110107 Import; ``audit`` -> 110101 Audit Log Used; anything else -> 110100 Application
  Activity. ``subtype`` carries the action itself in the splitbrain action code system.
- ``action``: C/R/U/D/E from the action's last word (``resolve`` -> R, ``send`` -> E, ...),
  else the family's default.
- ``outcome``: 0 (success) for applied, duplicate, escalated and permit; 4 (minor failure: the
  request was refused) for rejected and deny. ``outcomeDesc`` gives the outcome and reason code.
- ``purposeOfEvent`` and the agent's ``purposeOfUse``: the purpose as an HL7 v3 ActReason code.
- ``agent``: the actor (identifier) with its role; ``source``: the service as observer.
- ``entity``: the person token (Person / Patient) with one detail per field name and one per
  fingerprint; the consent reference; and the chain position (seq, hashes, correlation id,
  versions, match grade, extra) as details of a System Object entity.

No value leaves in an AuditEvent, only what the audit entry holds: ids, codes, fingerprints.

Example::

    resource = to_fhir_audit_event(entry)      # a validated dict
    write_fhir_ndjson(log.entries(), Path("audit.ndjson"))
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

from fhir.resources.R4B.auditevent import AuditEvent as FhirAuditEvent
from fhir.resources.R4B.bundle import Bundle as FhirBundle

from splitbrain.engine.domain.audit import AuditEntry, AuditEvent, AuditOutcome
from splitbrain.engine.domain.audit.event import format_instant

NS = "https://splitbrain.dev/fhir"
_DCM = "http://dicom.nema.org/resources/ontology/DCM"
_ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
_ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
_OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role"
_SOURCE_TYPE = "http://terminology.hl7.org/CodeSystem/security-source-type"

_PATIENT_RECORD = ("110110", "Patient Record", "U")
_FAMILIES: dict[str, tuple[str, str, str]] = {
    "write": _PATIENT_RECORD,
    "merge": _PATIENT_RECORD,
    "unmerge": _PATIENT_RECORD,
    "conflict": _PATIENT_RECORD,
    "identity": ("110110", "Patient Record", "E"),
    "consent": ("110110", "Patient Record", "E"),
    "token": ("110110", "Patient Record", "R"),
    "send": ("110106", "Export", "E"),
    "disclose": ("110106", "Export", "E"),
    "fanout": ("110106", "Export", "E"),
    "ingest": ("110107", "Import", "C"),
    "audit": ("110101", "Audit Log Used", "R"),
}
_DEFAULT_FAMILY = ("110100", "Application Activity", "E")
_VERBS = {
    "create": "C",
    "read": "R",
    "resolve": "R",
    "search": "R",
    "export": "R",
    "update": "U",
    "merge": "U",
    "unmerge": "U",
    "delete": "D",
    "send": "E",
    "check": "E",
    "decide": "E",
}
_SUCCESS = {
    AuditOutcome.APPLIED,
    AuditOutcome.DUPLICATE,
    AuditOutcome.ESCALATED,
    AuditOutcome.PERMIT,
}


def to_fhir_audit_event(entry: AuditEntry, *, validate: bool = True) -> dict[str, object]:
    """The FHIR R4 AuditEvent for ``entry``, checked against the R4B model when ``validate``."""
    event = entry.event
    type_code, type_display, default_action = _FAMILIES.get(
        event.action.split(".", 1)[0], _DEFAULT_FAMILY
    )
    resource: dict[str, object] = {
        "resourceType": "AuditEvent",
        "id": f"splitbrain-audit-{entry.seq}",
        "type": {"system": _DCM, "code": type_code, "display": type_display},
        "subtype": [{"system": f"{NS}/CodeSystem/audit-action", "code": event.action}],
        "action": _VERBS.get(event.action.rsplit(".", 1)[-1], default_action),
        "recorded": format_instant(event.at),
        "outcome": "0" if event.outcome in _SUCCESS else "4",
        "outcomeDesc": event.outcome.value + (f": {event.reason}" if event.reason else ""),
        "agent": [_agent(event)],
        "source": _source(event),
        "entity": _entities(entry),
    }
    if event.purpose:
        resource["purposeOfEvent"] = [_purpose(event.purpose)]
    if validate:
        FhirAuditEvent.model_validate(resource)
    return resource


def to_fhir_bundle(entries: Iterable[AuditEntry]) -> dict[str, object]:
    """A validated ``collection`` Bundle of AuditEvents (for small exports; use NDJSON for big)."""
    bundle: dict[str, object] = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": to_fhir_audit_event(e, validate=False)} for e in entries],
    }
    FhirBundle.model_validate(bundle)
    return bundle


def write_fhir_ndjson(entries: Iterable[AuditEntry], path: Path, *, validate: bool = True) -> int:
    """Write one AuditEvent per line (FHIR bulk-data NDJSON), streamed; returns the count."""
    count = 0
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for entry in entries:
            resource = to_fhir_audit_event(entry, validate=validate)
            out.write(json.dumps(resource, ensure_ascii=False, separators=(",", ":")) + "\n")
            count += 1
        out.flush()
        os.fsync(out.fileno())
    return count


def _agent(event: AuditEvent) -> dict[str, object]:
    agent: dict[str, object] = {
        "who": {"identifier": {"system": f"{NS}/actor", "value": event.actor}},
        "role": [{"coding": [{"system": f"{NS}/CodeSystem/role", "code": event.role}]}],
        "requestor": True,
    }
    if event.purpose:
        agent["purposeOfUse"] = [_purpose(event.purpose)]
    return agent


def _source(event: AuditEvent) -> dict[str, object]:
    return {
        "site": "splitbrain",
        "observer": {
            "identifier": {"system": f"{NS}/service", "value": event.service},
            "display": event.service,
        },
        "type": [{"system": _SOURCE_TYPE, "code": "4", "display": "Application Server"}],
    }


def _purpose(purpose: str) -> dict[str, object]:
    return {"coding": [{"system": _ACT_REASON, "code": purpose}]}


def _entities(entry: AuditEntry) -> list[dict[str, object]]:
    event = entry.event
    entities: list[dict[str, object]] = []
    fields = [{"type": "field", "valueString": name} for name in event.field_names]
    fields += [
        {"type": f"fingerprint:{name}", "valueString": fp} for name, fp in event.fingerprints
    ]
    if event.person is not None:
        person: dict[str, object] = {
            "what": {"identifier": {"system": f"{NS}/person-token", "value": event.person}},
            "type": {"system": _ENTITY_TYPE, "code": "1", "display": "Person"},
            "role": {"system": _OBJECT_ROLE, "code": "1", "display": "Patient"},
        }
        if fields:
            person["detail"] = fields
        entities.append(person)
        fields = []
    if event.consent_ref is not None:
        entities.append(
            {
                "what": {"identifier": {"system": f"{NS}/consent", "value": event.consent_ref}},
                "type": {"system": _ENTITY_TYPE, "code": "2", "display": "System Object"},
                "role": {"system": _OBJECT_ROLE, "code": "4", "display": "Domain Resource"},
            }
        )
    entities.append(_chain_entity(entry, fields))
    return entities


def _chain_entity(entry: AuditEntry, fields: list[dict[str, str]]) -> dict[str, object]:
    event = entry.event
    details = {
        "seq": str(entry.seq),
        "hash_version": str(entry.hash_version),
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
        "correlation_id": event.correlation_id,
        "matrix_version": event.matrix_version,
        "policy_version": event.policy_version,
        "match_grade": event.match_grade,
        **{f"extra:{key}": value for key, value in event.extra},
    }
    detail = [{"type": k, "valueString": v} for k, v in details.items() if v is not None]
    return {
        "what": {"identifier": {"system": f"{NS}/audit-entry", "value": str(entry.seq)}},
        "type": {"system": _ENTITY_TYPE, "code": "2", "display": "System Object"},
        "name": f"splitbrain audit entry {entry.seq}",
        "detail": detail + fields,
    }
