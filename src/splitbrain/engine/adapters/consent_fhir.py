"""Consent as FHIR R4 ``Consent`` resources: export, and the vocabulary import shares.

One Consent resource per consent record (person x purpose x channel), validated against the R4
structure (the R4B models of fhir.resources). Element by element (docs/consent.md has the table):

- ``id`` = the consent reference; ``meta.versionId`` = the version; ``meta.lastUpdated`` and
  ``dateTime`` = when that version was recorded;
- ``status``: ``active`` (granted or revoked), ``inactive`` (expired);
- ``scope`` = consentscope ``patient-privacy``; ``category`` = LOINC 59284-0 Patient Consent;
- ``patient`` = the person token, as an identifier reference (``PERSON_TOKEN_SYSTEM``): the
  CRM-side token, never an EHR identity;
- ``policy[0].uri`` = the consent policy version it was recorded under; ``policyRule`` = v3
  ActCode ``OPTIN`` (permit) or ``OPTOUT`` (deny);
- ``provision.type``: ``permit`` (granted, expired) or ``deny`` (revoked, from ``period.start``);
  ``provision.period``, ``provision.actor`` (role IRCP, information recipient),
  ``provision.purpose`` (one v3 ActReason Coding);
- the channel: ``provision.extension`` with url ``CHANNEL_EXTENSION`` and a ``valueCode`` of
  sms, email, phone, portal or mail.

Example::

    resource = consent_to_fhir(consent)          # a validated dict
    bundle = consents_to_bundle(service.of_person("tok_ana"))
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from fhir.resources.R4B.bundle import Bundle as FhirBundle
from fhir.resources.R4B.consent import Consent as FhirConsent

from splitbrain.engine.domain.audit.event import format_instant
from splitbrain.engine.domain.consent import ACT_REASON_SYSTEM, PURPOSES, Consent, ConsentStatus

__all__ = [
    "CATEGORY",
    "CHANNEL_EXTENSION",
    "CONSENT_POLICY_URI",
    "PERSON_TOKEN_SYSTEM",
    "SCOPE",
    "consent_to_fhir",
    "consents_to_bundle",
]

NS: Final = "https://splitbrain.dev/fhir"
CHANNEL_EXTENSION: Final = f"{NS}/StructureDefinition/consent-channel"
PERSON_TOKEN_SYSTEM: Final = f"{NS}/person-token"
CONSENT_POLICY_URI: Final = f"{NS}/consent-policy"
SCOPE_SYSTEM: Final = "http://terminology.hl7.org/CodeSystem/consentscope"
SCOPE: Final = {"system": SCOPE_SYSTEM, "code": "patient-privacy", "display": "Privacy Consent"}
CATEGORY: Final = {"system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent"}
ACT_CODE: Final = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
PARTICIPATION: Final = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
RECIPIENT: Final = {"system": PARTICIPATION, "code": "IRCP", "display": "information recipient"}


def consent_to_fhir(consent: Consent, *, validate: bool = True) -> dict[str, object]:
    """The FHIR R4 Consent for one consent version, checked against the R4 model."""
    permit = consent.status is not ConsentStatus.REVOKED
    recorded = format_instant(consent.recorded_at)
    resource: dict[str, object] = {
        "resourceType": "Consent",
        "id": consent.ref,
        "meta": {"versionId": str(consent.version), "lastUpdated": recorded},
        "status": "inactive" if consent.status is ConsentStatus.EXPIRED else "active",
        "scope": {"coding": [SCOPE]},
        "category": [{"coding": [CATEGORY]}],
        "patient": {
            "type": "Patient",
            "identifier": {"system": PERSON_TOKEN_SYSTEM, "value": consent.person},
        },
        "dateTime": recorded,
        "policy": [{"uri": f"{CONSENT_POLICY_URI}/{consent.policy_version}"}],
        "policyRule": {"coding": [{"system": ACT_CODE, "code": "OPTIN" if permit else "OPTOUT"}]},
        "provision": _provision(consent, permit),
    }
    if validate:
        FhirConsent.model_validate(resource)
    return resource


def consents_to_bundle(consents: Iterable[Consent]) -> dict[str, object]:
    """A validated ``collection`` Bundle of Consents (e.g. one person's current consents)."""
    bundle: dict[str, object] = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": consent_to_fhir(c, validate=False)} for c in consents],
    }
    FhirBundle.model_validate(bundle)
    return bundle


def _provision(consent: Consent, permit: bool) -> dict[str, object]:
    provision: dict[str, object] = {
        "extension": [{"url": CHANNEL_EXTENSION, "valueCode": consent.channel}],
        "type": "permit" if permit else "deny",
        "purpose": [
            {
                "system": ACT_REASON_SYSTEM,
                "code": consent.purpose,
                "display": PURPOSES[consent.purpose].display,
            }
        ],
    }
    period = {
        name: format_instant(moment)
        for name, moment in (("start", consent.period.start), ("end", consent.period.end))
        if moment is not None
    }
    if period:
        provision["period"] = period
    if consent.actors:
        provision["actor"] = [
            {"role": {"coding": [RECIPIENT]}, "reference": {"reference": actor}}
            for actor in consent.actors
        ]
    return provision
