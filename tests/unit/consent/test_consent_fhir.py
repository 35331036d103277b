"""FHIR R4 Consent: export validates against R4; import takes back exactly what export wrote and
refuses anything else naming the element (FHIRPath-like) and why, never echoing a value."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

import pytest
from fhir.resources.R4B.consent import Consent as FhirConsent

from splitbrain.engine.adapters.consent_fhir import (
    CHANNEL_EXTENSION,
    consent_to_fhir,
    consents_to_bundle,
)
from splitbrain.engine.adapters.consent_fhir_read import consent_from_fhir, read_consents
from splitbrain.engine.domain.consent import (
    Consent,
    ConsentRefused,
    ConsentStatus,
    Period,
    expire,
)
from splitbrain.engine.service_layer.consent_commands import GrantConsent, RevokeConsent
from tests.unit.consent.conftest import ANA, DAY, T0, granted, revoked


def _fhir(consent: Consent) -> dict[str, Any]:
    return consent_to_fhir(consent)


def _resource() -> dict[str, Any]:
    return _fhir(granted("HMARKT", "sms", start=T0, end=T0 + 30 * DAY))


def _refusal(resource: object) -> ConsentRefused:
    with pytest.raises(ConsentRefused) as caught:
        consent_from_fhir(resource)
    return caught.value


def test_an_exported_grant_is_a_valid_r4_consent_with_purpose_channel_and_period() -> None:
    resource = _resource()

    parsed = FhirConsent.model_validate(resource)

    assert parsed.status == "active" and parsed.provision.type == "permit"
    assert parsed.provision.purpose[0].code == "HMARKT"
    assert parsed.provision.extension[0].url == CHANNEL_EXTENSION
    assert parsed.provision.extension[0].valueCode == "sms"
    assert parsed.patient.identifier.value == ANA
    assert resource["meta"] == {"versionId": "1", "lastUpdated": "2026-01-05T09:00:00.000000Z"}


def test_a_revocation_exports_as_an_active_deny_and_an_expiry_as_inactive() -> None:
    deny = _fhir(revoked(granted()))
    expired = expire(granted(end=T0 + DAY), T0 + DAY)
    assert expired is not None
    inactive = _fhir(expired)

    assert (deny["status"], deny["provision"]["type"]) == ("active", "deny")
    assert deny["policyRule"]["coding"][0]["code"] == "OPTOUT"
    assert (inactive["status"], inactive["provision"]["type"]) == ("inactive", "permit")


@pytest.mark.parametrize("status", ["granted", "revoked", "expired"])
def test_import_takes_back_what_export_wrote(status: str) -> None:
    consent = granted("CAREMGT", "email", start=T0, end=T0 + DAY)
    if status == "revoked":
        consent = revoked(consent, purpose="CAREMGT", channel="email")
    elif status == "expired":
        consent = expire(consent, T0 + DAY) or consent

    imported = consent_from_fhir(consent_to_fhir(consent))

    assert (imported.ref, imported.person, imported.purpose, imported.channel) == (
        consent.ref, ANA, "CAREMGT", "email")  # fmt: skip
    assert imported.status is consent.status
    assert imported.policy_version == consent.policy_version
    if status != "revoked":
        assert imported.period == consent.period


def test_an_imported_grant_becomes_a_grant_command_and_a_deny_a_revoke() -> None:
    grant = consent_from_fhir(_resource()).command()
    revoke = consent_from_fhir(consent_to_fhir(revoked(granted()))).command()

    assert isinstance(grant, GrantConsent) and grant.period_end == T0 + 30 * DAY
    assert isinstance(revoke, RevokeConsent) and revoke.actor == "fhir-import"


def test_actors_round_trip_as_information_recipients() -> None:
    consent = replace(granted(), actors=("Organization/crm",))

    assert consent_from_fhir(_fhir(consent)).actors == ("Organization/crm",)


def test_a_bundle_of_a_persons_consents_reads_back_in_order() -> None:
    bundle = consents_to_bundle([granted("TREAT", "sms"), revoked(None, purpose="HMARKT")])

    imported = read_consents(bundle)

    assert [(c.purpose, c.status) for c in imported] == [
        ("TREAT", ConsentStatus.ACTIVE), ("HMARKT", ConsentStatus.REVOKED)]  # fmt: skip


def test_a_refusal_in_a_bundle_names_the_entry() -> None:
    bad = _resource()
    bad["status"] = "draft"
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"resource": _resource()}, {"resource": bad}]}  # fmt: skip

    with pytest.raises(ConsentRefused, match=r"in\.json Bundle\.entry\[1\]: Consent\.status"):
        read_consents(bundle, source="in.json")


@pytest.mark.parametrize(
    ("change", "path", "why"),
    [
        (lambda r: r.update(status="draft"), "Consent.status", "carries no decision"),
        (lambda r: r.update(status="inactive") or r["provision"].update(type="deny"),
         "Consent.status", "inactive deny"),
        (lambda r: r["provision"].update(type="maybe"), "Consent.provision.type", "permit or deny"),
        (lambda r: r["provision"].pop("extension"),
         f"Consent.provision.extension('{CHANNEL_EXTENSION}')", "exactly one channel"),
        (lambda r: r["provision"]["extension"][0].update(valueCode="fax"),
         f"Consent.provision.extension('{CHANNEL_EXTENSION}').valueCode", "one of email"),
        (lambda r: r["provision"]["purpose"][0].update(code="PROMO"),
         "Consent.provision.purpose[0].code", "ActReason"),
        (lambda r: r["provision"]["purpose"][0].update(system="http://example.org/purposes"),
         "Consent.provision.purpose[0].system", "v3-ActReason"),
        (lambda r: r["provision"]["purpose"].append(r["provision"]["purpose"][0]),
         "Consent.provision.purpose", "exactly one purpose"),
        (lambda r: r["provision"].update(provision=[{"type": "deny"}]),
         "Consent.provision.provision", "not supported"),
        (lambda r: r["provision"].update(action=[{"text": "access"}]),
         "Consent.provision.action", "purpose and channel only"),
        (lambda r: r["provision"]["period"].update(end="2026-02-04"),
         "Consent.provision.period.end", "time zone"),
        (lambda r: r["provision"]["period"].update(end="2025-01-01T00:00:00Z"),
         "Consent.provision.period", "end must be after its start"),
        (lambda r: r["scope"]["coding"][0].update(code="research"),
         "Consent.scope", "patient-privacy"),
        (lambda r: r.pop("patient"), "Consent.patient", "person token"),
        (lambda r: r.pop("provision"), "Consent.provision", "is required"),
        (lambda r: r["provision"].update(period={"start": "yesterday"}),
         "Consent.provision.period.start", "R4 structure"),
        (lambda r: r.update(modifierExtension=[{"url": "http://ex.org/x", "valueBoolean": True}]),
         "Consent.modifierExtension", "modifier"),
        (lambda r: r.update(status=None), "Consent.status", "R4 structure"),
    ],
)  # fmt: skip
def test_an_unsupported_or_invalid_consent_is_refused_naming_the_element(
    change: Any, path: str, why: str
) -> None:
    resource = copy.deepcopy(_resource())
    change(resource)

    refusal = _refusal(resource)

    assert refusal.path == path
    assert why in refusal.why


def test_a_resource_of_another_type_is_refused() -> None:
    assert _refusal({"resourceType": "Patient"}).path == "resourceType"


def test_a_refusal_never_echoes_the_offending_value() -> None:
    resource = _resource()
    resource["note"] = "Ana Lucia Synthetic, 555-0142"  # not an R4 Consent element

    refusal = _refusal(resource)

    assert refusal.path == "Consent.note"
    assert "555-0142" not in str(refusal) and "Ana Lucia" not in str(refusal)


def test_a_patient_reference_carries_the_token_too() -> None:
    resource = _resource()
    resource["patient"] = {"reference": "Patient/tok-bea"}

    assert consent_from_fhir(resource).person == "tok-bea"


def test_a_consent_without_a_period_is_open_ended() -> None:
    resource = _resource()
    resource["provision"].pop("period")

    assert consent_from_fhir(resource).period == Period()
