"""FHIR R4 AuditEvent export: valid against the R4B models, coded, and value-free."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fhir.resources.R4B.auditevent import AuditEvent as FhirAuditEvent
from pydantic import ValidationError

from splitbrain.engine.adapters.audit_fhir import (
    to_fhir_audit_event,
    to_fhir_bundle,
    write_fhir_ndjson,
)
from splitbrain.engine.domain.audit import AuditOutcome, chain
from tests.unit.audit.factories import build_chain, make_event

DCM = "http://dicom.nema.org/resources/ontology/DCM"


def _details(entity: dict[str, object]) -> dict[str, str]:
    return {d["type"]: d["valueString"] for d in entity["detail"]}  # type: ignore[attr-defined,index]


def test_an_entry_becomes_a_valid_audit_event() -> None:
    entry = build_chain(3)[2]

    resource = to_fhir_audit_event(entry)

    parsed = FhirAuditEvent.model_validate(resource)
    assert parsed.id == "splitbrain-audit-3"
    assert resource["recorded"] == "2026-01-05T09:00:02.000000Z"


def test_a_write_decision_is_a_patient_record_event_with_its_action_as_subtype() -> None:
    resource = to_fhir_audit_event(build_chain(1)[0])

    assert resource["type"] == {"system": DCM, "code": "110110", "display": "Patient Record"}
    assert resource["subtype"][0]["code"] == "write.decide"  # type: ignore[index]
    assert resource["action"] == "E"


@pytest.mark.parametrize(
    ("action", "code", "verb"),
    [
        ("send.sms", "110106", "E"),
        ("token.resolve", "110110", "R"),
        ("merge.apply", "110110", "U"),
        ("ingest.webhook", "110107", "C"),
        ("audit.export", "110101", "R"),
        ("queue.escalate", "110100", "E"),
    ],
)
def test_the_event_type_and_action_follow_the_action_name(
    action: str, code: str, verb: str
) -> None:
    resource = to_fhir_audit_event(chain(None, make_event(action=action)))

    assert (resource["type"]["code"], resource["action"]) == (code, verb)  # type: ignore[index]


@pytest.mark.parametrize(
    ("outcome", "code"),
    [
        (AuditOutcome.APPLIED, "0"),
        (AuditOutcome.PERMIT, "0"),
        (AuditOutcome.DUPLICATE, "0"),
        (AuditOutcome.ESCALATED, "0"),
        (AuditOutcome.REJECTED, "4"),
        (AuditOutcome.DENY, "4"),
    ],
)
def test_refusals_are_minor_failures_and_the_rest_successes(
    outcome: AuditOutcome, code: str
) -> None:
    resource = to_fhir_audit_event(chain(None, make_event(outcome=outcome, reason="not_owner")))

    assert resource["outcome"] == code
    assert resource["outcomeDesc"] == f"{outcome.value}: not_owner"


def test_agent_purpose_and_entities_carry_the_audit_fields() -> None:
    entry = build_chain(1)[0]
    event = entry.event

    resource = to_fhir_audit_event(entry)

    agent = resource["agent"][0]  # type: ignore[index]
    assert agent["who"]["identifier"]["value"] == event.actor
    assert agent["role"][0]["coding"][0]["code"] == "intake_ops"
    assert resource["purposeOfEvent"][0]["coding"][0]["code"] == "TREAT"  # type: ignore[index]
    person, consent, chain_entity = resource["entity"]  # type: ignore[misc]
    assert person["what"]["identifier"]["value"] == event.person
    assert person["role"]["code"] == "1"
    assert _details(person)["fingerprint:legal_name"] == event.fingerprints[0][1]
    assert consent["what"]["identifier"]["value"] == "consent-0001"
    chained = _details(chain_entity)
    assert (chained["seq"], chained["hash"], chained["prev_hash"]) == (
        "1",
        entry.hash,
        entry.prev_hash,
    )
    assert (chained["correlation_id"], chained["extra:rule"]) == ("corr-0", "stage_owner_wins")


def test_an_event_without_person_or_purpose_is_still_valid() -> None:
    entry = chain(None, make_event(person=None, purpose=None, consent_ref=None))

    resource = to_fhir_audit_event(entry)

    assert "purposeOfEvent" not in resource
    assert len(resource["entity"]) == 1  # type: ignore[arg-type]
    assert "field" in _details(resource["entity"][0])  # type: ignore[index]


def test_an_invalid_resource_is_refused_by_the_model() -> None:
    resource = to_fhir_audit_event(build_chain(1)[0])
    del resource["source"]

    with pytest.raises(ValidationError):
        FhirAuditEvent.model_validate(resource)


def test_ndjson_holds_one_valid_audit_event_per_line(tmp_path: Path) -> None:
    out = tmp_path / "audit.ndjson"

    count = write_fhir_ndjson(build_chain(5), out)

    lines = out.read_text().splitlines()
    assert count == len(lines) == 5
    for line in lines:
        FhirAuditEvent.model_validate(json.loads(line))


def test_a_bundle_collects_the_events() -> None:
    bundle = to_fhir_bundle(build_chain(4))

    assert bundle["type"] == "collection"
    assert [e["resource"]["id"] for e in bundle["entry"]] == [  # type: ignore[attr-defined]
        f"splitbrain-audit-{i}" for i in range(1, 5)
    ]
