"""The outbound builder: path lookup, consent at the moment of disclosure, apply, audit."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from splitbrain.engine.adapters.audit_fhir import to_fhir_audit_event
from splitbrain.engine.adapters.audit_files import InMemoryCheckpointStore
from splitbrain.engine.adapters.audit_log import InMemoryAuditLog
from splitbrain.engine.bootstrap import bootstrap
from splitbrain.engine.domain.audit import AuditOutcome
from splitbrain.engine.domain.consent import EnforcementPoint
from splitbrain.engine.domain.disclosure import DisclosurePolicy
from splitbrain.engine.domain.policy import Policy
from splitbrain.engine.service_layer.clock import FixedClock
from splitbrain.engine.service_layer.consent_service import ConsentService
from splitbrain.engine.service_layer.disclosure import (
    DenyReason,
    DisclosureDenied,
    DisclosurePermitted,
    DisclosureRequest,
    OutboundBuilder,
)
from splitbrain.engine.service_layer.errors import AuditWriteFailed
from tests.unit.vault.builders import AUDIT_KEYS, START, memory_vault

PLAN = "tirzepatide 5 mg weekly [CANARY-538f02f1adaa]"
PHONE = "+15550100123"
PAYLOAD = {
    "medication_plan": PLAN,
    "phone": PHONE,
    "clinical_status": "active",
    "ssn": "000-12-3456",
}


@dataclass(frozen=True)
class Verdict:
    permitted: bool
    reason: str
    consent_ref: str | None
    consent_version: int | None
    policy_version: str = "consent-policy-1"


@dataclass
class FakeConsent:
    """The consent decision point's stand-in: answers as told and records each question."""

    permit: bool
    asked: list[tuple[str, str, str | None, EnforcementPoint]] = field(default_factory=list)

    def decide(
        self,
        person: str,
        purpose: str,
        channel: str | None,
        *,
        point: EnforcementPoint = EnforcementPoint.REQUEST,
        actor: str = "engine",
        role: str = "automation",
        correlation_id: str | None = None,
    ) -> Verdict:
        self.asked.append((person, purpose, channel, point))
        reason = "consent_active" if self.permit else "revoked"
        return Verdict(self.permit, reason, "consent-0042", 3)


def _builder(
    disclosure: DisclosurePolicy, consent: FakeConsent | ConsentService
) -> tuple[OutboundBuilder, InMemoryAuditLog]:
    audit = InMemoryAuditLog(InMemoryCheckpointStore(), AUDIT_KEYS)
    builder = OutboundBuilder(
        disclosure, tokens=memory_vault(), consent=consent, audit=audit, clock=FixedClock(START)
    )
    return builder, audit


def _request(purpose: str, channel: str | None = None) -> DisclosureRequest:
    return DisclosureRequest(
        "per_0001", "ehr", "crm", purpose, PAYLOAD, channel=channel, correlation_id="corr-7"
    )


def test_care_coordination_needs_no_consent_and_sends_only_the_minimum(
    disclosure: DisclosurePolicy,
) -> None:
    consent = FakeConsent(permit=False)
    builder, audit = _builder(disclosure, consent)

    outcome = builder.build(_request("TREAT"))

    assert isinstance(outcome, DisclosurePermitted)
    assert dict(outcome.payload.fields) == {
        "medication_plan": "on GLP-1 therapy",
        "phone": PHONE,
        "clinical_status": "active",
    }
    assert consent.asked == []
    event = audit.items[0].event
    assert (event.action, event.outcome, event.purpose) == ("disclose.decide", "permit", "TREAT")
    assert dict(event.extra)["consent"] == "not_required"


def test_marketing_asks_consent_at_the_moment_of_disclosure(disclosure: DisclosurePolicy) -> None:
    consent = FakeConsent(permit=True)
    builder, audit = _builder(disclosure, consent)

    outcome = builder.build(_request("HMARKT", channel="sms"))

    assert isinstance(outcome, DisclosurePermitted)
    assert consent.asked == [("per_0001", "HMARKT", "sms", EnforcementPoint.DISCLOSURE)]
    assert dict(outcome.payload.fields) == {
        "medication_plan": "on GLP-1 therapy",
        "clinical_status": "active",
    }
    event = audit.items[0].event
    assert (event.consent_ref, event.policy_version) == ("consent-0042", "consent-policy-1")
    assert dict(event.extra)["consent_version"] == "3"
    assert dict(event.extra)["channel"] == "sms"
    assert dict(event.extra)["audit"] == "engine/crm"  # the CRM logs the disclosure too


def test_a_marketing_disclosure_without_consent_is_denied_audited_and_sends_nothing(
    disclosure: DisclosurePolicy,
) -> None:
    builder, audit = _builder(disclosure, FakeConsent(permit=False))

    outcome = builder.build(_request("HMARKT"))

    assert isinstance(outcome, DisclosureDenied)
    assert (outcome.reason, outcome.path) == (DenyReason.CONSENT_DENIED, "ehr_to_crm_marketing")
    event = audit.items[0].event
    assert (event.outcome, event.reason) == (AuditOutcome.DENY, "consent_denied")
    assert dict(event.extra)["consent_reason"] == "revoked"
    assert event.fingerprints == ()


def test_a_request_with_no_path_is_denied_and_audited(disclosure: DisclosurePolicy) -> None:
    builder, audit = _builder(disclosure, FakeConsent(permit=True))

    outcome = builder.build(_request("HRESCH"))

    assert isinstance(outcome, DisclosureDenied) and outcome.reason is DenyReason.NO_PATH
    assert audit.items[0].event.reason == "no_path"


def test_the_audit_event_names_fields_and_fingerprints_never_values(
    disclosure: DisclosurePolicy,
) -> None:
    builder, audit = _builder(disclosure, FakeConsent(permit=True))

    outcome = builder.build(_request("TREAT"))

    assert isinstance(outcome, DisclosurePermitted)
    event = audit.items[0].event
    body = event.canonical_bytes()
    for value in (PLAN, PHONE, "000-12-3456", "CANARY-538f02f1adaa", "per_0001x"):
        assert value.encode() not in body
    assert event.field_names == ("medication_plan", "phone", "clinical_status")
    assert dict(event.fingerprints)["phone"] == audit.fingerprint(PHONE)
    assert dict(event.extra)["transform.medication_plan"] == "summarize"
    assert dict(event.extra)["subject"] == outcome.payload.subject
    assert dict(event.extra)["withheld"] == "1"


def test_outcomes_never_show_payload_values_in_their_repr(disclosure: DisclosurePolicy) -> None:
    builder, _ = _builder(disclosure, FakeConsent(permit=True))

    outcome = builder.build(_request("TREAT"))

    assert PHONE not in repr(outcome) and PLAN not in repr(outcome)


def test_a_failed_audit_write_fails_the_disclosure_closed(disclosure: DisclosurePolicy) -> None:
    builder, audit = _builder(disclosure, FakeConsent(permit=True))
    audit.fail_appends()

    with pytest.raises(AuditWriteFailed, match="corr-7"):
        builder.build(_request("TREAT"))


def test_the_real_consent_decision_point_blocks_marketing_once_revoked(
    disclosure: DisclosurePolicy, policy: Policy
) -> None:
    clock = FixedClock(START)
    with bootstrap(store="memory", policy=policy, clock=clock) as engine:
        consents = ConsentService(engine)
        builder, _ = _builder(disclosure, consents)
        consents.grant("per_0001", "HMARKT", "email", end=START + timedelta(days=30))

        granted = builder.build(_request("HMARKT"))
        consents.revoke("per_0001", "HMARKT", "email")
        clock.advance(timedelta(minutes=1))
        revoked = builder.build(_request("HMARKT"))

    assert isinstance(granted, DisclosurePermitted)
    assert isinstance(revoked, DisclosureDenied)
    assert revoked.consent is not None and revoked.consent.reason == "revoked"


def test_disclosure_decisions_export_as_fhir_export_audit_events(
    disclosure: DisclosurePolicy,
) -> None:
    builder, audit = _builder(disclosure, FakeConsent(permit=False))
    builder.build(_request("TREAT"))
    builder.build(_request("HMARKT"))

    permit, deny = (to_fhir_audit_event(entry) for entry in audit.items)

    assert permit["type"]["code"] == "110106"  # type: ignore[index]
    assert (permit["outcome"], deny["outcome"]) == ("0", "4")
    assert deny["purposeOfEvent"][0]["coding"][0]["code"] == "HMARKT"  # type: ignore[index]
    assert PHONE not in json.dumps(permit) and PLAN not in json.dumps(permit)
