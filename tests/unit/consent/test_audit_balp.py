"""Consent decisions export as FHIR AuditEvents in the IHE BALP AuthZconsent shape, validated."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.auditevent import AuditEvent as FhirAuditEvent

from splitbrain.engine.adapters.audit_balp import (
    BALP_PROFILE,
    balp_bundle,
    is_consent_decision,
    to_balp_consent_decision,
    write_balp_ndjson,
)
from splitbrain.engine.domain.audit import AuditEntry
from splitbrain.engine.service_layer.consent_service import ConsentService
from splitbrain.engine.service_layer.engine import Engine
from tests.unit.consent.conftest import ANA


def _decisions(engine: Engine) -> list[AuditEntry]:
    return [e for e in engine.audit_entries() if is_consent_decision(e)]


def _balp(entry: AuditEntry) -> dict[str, Any]:
    return to_balp_consent_decision(entry)


def _agent(resource: dict[str, Any], code: str) -> dict[str, Any]:
    (agent,) = [a for a in resource["agent"] if a["type"]["coding"][0]["code"] == code]
    return agent


def _detail(entity: dict[str, Any]) -> dict[str, str]:
    return {d["type"]: d["valueString"] for d in entity["detail"]}


def test_a_permit_is_a_successful_security_alert_citing_the_consent_version(
    consents: ConsentService, engine: Engine
) -> None:
    v1 = consents.grant(ANA, "CAREMGT", "sms")
    assert v1 is not None
    consents.decide(ANA, "CAREMGT", "sms", actor="usr_7", role="care_coordinator")

    (entry,) = _decisions(engine)
    resource = _balp(entry)

    assert resource["meta"]["profile"] == [BALP_PROFILE]
    assert (resource["type"]["code"], resource["subtype"][0]["code"]) == ("110113", "AuthZ-Consent")
    assert (resource["action"], resource["outcome"]) == ("E", "0")
    assert resource["purposeOfEvent"][0]["coding"][0]["code"] == "CAREMGT"
    patient, consent = resource["entity"]
    assert patient["what"]["identifier"]["value"] == ANA
    assert consent["what"]["reference"] == f"Consent/{v1.ref}/_history/1"
    assert consent["type"]["code"] == "Consent"
    user = _agent(resource, "IRCP")
    assert user["requestor"] is True and user["who"]["identifier"]["value"] == "usr_7"
    assert user["purposeOfUse"][0]["coding"][0]["code"] == "CAREMGT"
    assert {a["type"]["coding"][0]["code"] for a in resource["agent"]} == {
        "110150", "IRCP", "PROV", "authserver"}  # fmt: skip


def test_a_deny_is_a_serious_failure_that_says_why(
    consents: ConsentService, engine: Engine
) -> None:
    consents.grant(ANA, "HMARKT", "sms")
    consents.revoke(ANA, "HMARKT", "sms")
    consents.decide(ANA, "HMARKT", "sms")

    resource = _balp(_decisions(engine)[0])

    assert (resource["outcome"], resource["outcomeDesc"]) == ("8", "deny: revoked")
    assert resource["entity"][1]["what"]["reference"].endswith("/_history/2")


def test_a_send_decision_exports_with_its_message_and_queued_version(
    consents: ConsentService, engine: Engine
) -> None:
    consents.grant(ANA, "HMARKT", "sms")
    consents.queue("msg-1", ANA, "HMARKT", "sms")
    consents.revoke(ANA, "HMARKT", "sms")
    consents.send("msg-1")

    detail = _detail(_balp(_decisions(engine)[0])["entity"][1])

    assert detail["enforcement_point"] == "send"
    assert (detail["message_id"], detail["queued_under_version"]) == ("msg-1", "1")
    assert detail["consent_version"] == "2"


def test_break_glass_without_a_consent_on_file_is_exported_flagged(
    consents: ConsentService, engine: Engine
) -> None:
    consents.decide(ANA, "BTG", "portal", actor="usr_er", role="provider")

    resource = _balp(_decisions(engine)[0])

    consent = resource["entity"][1]
    assert "reference" not in consent["what"] and "no Consent" in consent["what"]["display"]
    assert _detail(consent)["break_glass"] == "true"
    assert resource["outcome"] == "0"


def test_only_decisions_are_exported_and_other_entries_are_refused(
    consents: ConsentService, engine: Engine
) -> None:
    consents.grant(ANA, "TREAT", "sms")
    consents.decide(ANA, "TREAT", "sms")
    grant_entry = engine.audit_entries()[0]

    bundle = balp_bundle(engine.audit_entries())

    assert len(bundle["entry"]) == 1  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"audit entry 1 \(consent.grant\)"):
        to_balp_consent_decision(grant_entry)


def test_the_ndjson_export_validates_every_line(
    consents: ConsentService, engine: Engine, tmp_path: Path
) -> None:
    consents.grant(ANA, "TREAT", "sms")
    for purpose in ("TREAT", "HMARKT", "ETREAT", "NOPE"):
        consents.decide(ANA, purpose, "sms")
    out = tmp_path / "decisions.ndjson"

    count = write_balp_ndjson(engine.audit_entries(), out)

    lines = out.read_text().splitlines()
    assert count == len(lines) == 4
    for line in lines:
        FhirAuditEvent.model_validate_json(line)
