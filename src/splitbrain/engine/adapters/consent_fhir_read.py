"""Reading FHIR R4 Consent resources into consent changes, refusing what cannot be taken.

A resource is first validated against the R4 structure (the R4B models of fhir.resources), then
against what this engine supports: one ``patient-privacy`` Consent per person, purpose and
channel, in the shape ``consent_fhir`` writes. Whatever is refused raises ``ConsentRefused``
naming the element, FHIRPath-like (``Consent.provision.purpose[0].code``), and why. Element
values are never echoed (they may be PHI): ids, codes and paths only.

Accepted: ``status`` active or inactive; ``provision.type`` permit or deny; exactly one ActReason
``provision.purpose``; exactly one channel extension on the provision; an optional period (full
dateTimes with a time zone); actors with a literal ``reference``. Refused as unsupported:
nested provisions, ``provision.action`` / ``class`` / ``code`` / ``data`` / ``dataPeriod`` /
``securityLabel`` (this engine decides by purpose and channel only), modifier extensions, and
the statuses that carry no decision (draft, proposed, rejected, entered-in-error).

Example::

    for change in read_consents(json.loads(path.read_text()), source=str(path)):
        engine.handle(change.command())
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pydantic
from fhir.resources.R4B.consent import Consent as FhirConsent

from splitbrain.engine.adapters.consent_fhir import (
    CHANNEL_EXTENSION,
    CONSENT_POLICY_URI,
    PERSON_TOKEN_SYSTEM,
    SCOPE_SYSTEM,
)
from splitbrain.engine.domain.consent import (
    ACT_REASON_SYSTEM,
    CHANNELS,
    PURPOSES,
    ConsentRefused,
    ConsentStatus,
    InvalidPeriod,
    Period,
)
from splitbrain.engine.service_layer.consent_commands import GrantConsent, RevokeConsent

__all__ = ["ImportedConsent", "consent_from_fhir", "read_consents"]

IMPORT_ACTOR = "fhir-import"
_UNSUPPORTED = ("action", "class", "code", "data", "dataPeriod", "securityLabel", "provision")


@dataclass(frozen=True, slots=True)
class ImportedConsent:
    """What one Consent resource says, in the engine's terms."""

    ref: str | None
    person: str
    purpose: str
    channel: str
    status: ConsentStatus
    period: Period
    actors: tuple[str, ...] = ()
    policy_version: str | None = None

    def command(self, *, role: str = "intake_ops") -> GrantConsent | RevokeConsent:
        """The command that records this state (an expired one as a grant whose period ended:
        run ``ExpireConsents`` afterwards to record the expiry)."""
        if self.status is ConsentStatus.REVOKED:
            return RevokeConsent(
                self.person, self.purpose, self.channel, IMPORT_ACTOR, role, self.ref,
                self.policy_version,
            )  # fmt: skip
        return GrantConsent(
            self.person, self.purpose, self.channel, self.period.start, self.period.end,
            IMPORT_ACTOR, role, self.ref, self.actors, self.policy_version,
        )  # fmt: skip


def read_consents(data: object, *, source: str = "input") -> list[ImportedConsent]:
    """Every Consent in ``data`` (a Consent, a Bundle of them, or a JSON array of them).

    All or nothing: the first refused resource raises ``ConsentRefused``, its ``resource``
    naming where it sits (``FILE Bundle.entry[2]``).
    """
    return [
        consent_from_fhir(resource, where=where) for where, resource in _resources(data, source)
    ]


def consent_from_fhir(resource: object, *, where: str | None = None) -> ImportedConsent:
    """One Consent resource; raises ``ConsentRefused`` naming the element and why."""
    if not isinstance(resource, Mapping) or resource.get("resourceType") != "Consent":
        raise ConsentRefused("resourceType", "must be 'Consent'", resource=where)
    label = where if where else _label(resource)
    _validate(resource, label)
    status = _status(resource, label)
    return ImportedConsent(
        ref=resource.get("id"),
        person=_person(resource.get("patient"), label),
        purpose=_purpose(resource["provision"], label),
        channel=_channel(resource["provision"], label),
        status=status,
        period=_period(resource["provision"], status, label),
        actors=_actors(resource["provision"], label),
        policy_version=_policy_version(resource.get("policy")),
    )


def _resources(data: object, source: str) -> Iterator[tuple[str, object]]:
    if isinstance(data, list):
        for index, item in enumerate(data):
            yield f"{source} [{index}]", item
    elif isinstance(data, Mapping) and data.get("resourceType") == "Bundle":
        entries = data.get("entry") or []
        if not isinstance(entries, list):
            raise ConsentRefused("Bundle.entry", "must be a list of entries", resource=source)
        for index, entry in enumerate(entries):
            where = f"{source} Bundle.entry[{index}]"
            if not isinstance(entry, Mapping) or "resource" not in entry:
                raise ConsentRefused("Bundle.entry.resource", "is missing", resource=where)
            yield where, entry["resource"]
    else:
        yield source, data


def _validate(resource: Mapping[str, Any], label: str) -> None:
    try:
        FhirConsent.model_validate(dict(resource))
    except pydantic.ValidationError as exc:
        error = exc.errors()[0]
        path = "Consent" + "".join(_step(part) for part in error["loc"])
        raise ConsentRefused(path, f"{error['msg']} (R4 structure)", resource=label) from None
    if resource.get("modifierExtension"):
        raise ConsentRefused("Consent.modifierExtension", _NO_MODIFIERS, resource=label)
    scope = resource.get("scope") or {}
    codes = {(c.get("system"), c.get("code")) for c in scope.get("coding") or []}
    if (SCOPE_SYSTEM, "patient-privacy") not in codes:
        raise ConsentRefused(
            "Consent.scope",
            f"only {SCOPE_SYSTEM}#patient-privacy consents are supported",
            resource=label,
        )
    provision = resource.get("provision")
    if not isinstance(provision, Mapping):
        raise ConsentRefused("Consent.provision", "is required: its type, purpose and channel "
                             "are the consent", resource=label)  # fmt: skip
    if provision.get("modifierExtension"):
        path = "Consent.provision.modifierExtension"
        raise ConsentRefused(path, _NO_MODIFIERS, resource=label)
    for name in _UNSUPPORTED:
        if provision.get(name):
            raise ConsentRefused(f"Consent.provision.{name}", _UNSUPPORTED_WHY, resource=label)


_NO_MODIFIERS = "modifier extensions are not supported: they could change what is consented"
_UNSUPPORTED_WHY = (
    "is not supported: this engine decides by purpose and channel only; send one Consent per "
    "purpose and channel with a single provision"
)


def _status(resource: Mapping[str, Any], label: str) -> ConsentStatus:
    status, kind = resource.get("status"), resource["provision"].get("type")
    if kind not in ("permit", "deny"):
        raise ConsentRefused("Consent.provision.type", "must be permit or deny", resource=label)
    if status == "active":
        return ConsentStatus.ACTIVE if kind == "permit" else ConsentStatus.REVOKED
    if status == "inactive" and kind == "permit":
        return ConsentStatus.EXPIRED
    if status == "inactive":
        why = "an inactive deny is not supported: a revocation is an active deny provision"
        raise ConsentRefused("Consent.status", why, resource=label)
    why = f"{status} carries no decision; only active and inactive Consents are imported"
    raise ConsentRefused("Consent.status", why, resource=label)


def _person(patient: object, label: str) -> str:
    path = "Consent.patient"
    if not isinstance(patient, Mapping):
        raise ConsentRefused(path, "is required: the person token", resource=label)
    identifier = patient.get("identifier") or {}
    if identifier.get("system") == PERSON_TOKEN_SYSTEM and identifier.get("value"):
        return str(identifier["value"])
    reference = patient.get("reference")
    if isinstance(reference, str) and reference.startswith("Patient/") and len(reference) > 8:
        return reference.removeprefix("Patient/")
    why = f"must carry the person token: identifier.system {PERSON_TOKEN_SYSTEM} or Patient/<id>"
    raise ConsentRefused(path, why, resource=label)


def _purpose(provision: Mapping[str, Any], label: str) -> str:
    purposes = provision.get("purpose") or []
    if len(purposes) != 1:
        why = "must hold exactly one purpose (send one Consent per purpose)"
        raise ConsentRefused("Consent.provision.purpose", why, resource=label)
    coding = purposes[0]
    if coding.get("system") != ACT_REASON_SYSTEM:
        why = f"must be {ACT_REASON_SYSTEM}"
        raise ConsentRefused("Consent.provision.purpose[0].system", why, resource=label)
    code = coding.get("code")
    if code not in PURPOSES:
        why = "is not an HL7 v3 ActReason purpose this engine knows (see docs/consent.md)"
        raise ConsentRefused("Consent.provision.purpose[0].code", why, resource=label)
    return str(code)


def _channel(provision: Mapping[str, Any], label: str) -> str:
    path = f"Consent.provision.extension('{CHANNEL_EXTENSION}')"
    found = [e for e in provision.get("extension") or [] if e.get("url") == CHANNEL_EXTENSION]
    if len(found) != 1:
        why = "exactly one channel extension is required (docs/consent.md)"
        raise ConsentRefused(path, why, resource=label)
    value = found[0].get("valueCode")
    if value not in CHANNELS:
        why = f"valueCode must be one of {', '.join(sorted(CHANNELS))}"
        raise ConsentRefused(f"{path}.valueCode", why, resource=label)
    return str(value)


def _period(provision: Mapping[str, Any], status: ConsentStatus, label: str) -> Period:
    raw = provision.get("period") or {}
    start = _instant(raw.get("start"), "Consent.provision.period.start", label)
    end = _instant(raw.get("end"), "Consent.provision.period.end", label)
    if status is ConsentStatus.EXPIRED and end is None:
        why = "an inactive permit needs the end of its period (its expiry)"
        raise ConsentRefused("Consent.provision.period.end", why, resource=label)
    if status is ConsentStatus.REVOKED:
        return Period()  # a revocation runs from the moment it is recorded
    try:
        return Period(start, end)
    except InvalidPeriod as exc:
        raise ConsentRefused("Consent.provision.period", str(exc), resource=label) from None


def _instant(value: object, path: str, label: str) -> datetime | None:
    if value is None:
        return None
    why = "must be a dateTime with a time and a time zone (a bare date is ambiguous)"
    text = str(value)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ConsentRefused(path, why, resource=label) from None
    if len(text) <= 10 or moment.utcoffset() is None:
        raise ConsentRefused(path, why, resource=label)
    return moment


def _actors(provision: Mapping[str, Any], label: str) -> tuple[str, ...]:
    actors = []
    for index, actor in enumerate(provision.get("actor") or []):
        reference = (actor.get("reference") or {}).get("reference")
        if not isinstance(reference, str):
            path = f"Consent.provision.actor[{index}].reference.reference"
            raise ConsentRefused(path, "a literal reference is required", resource=label)
        actors.append(reference)
    return tuple(actors)


def _policy_version(policies: object) -> str | None:
    for policy in policies if isinstance(policies, list) else []:
        uri = policy.get("uri") if isinstance(policy, Mapping) else None
        if isinstance(uri, str) and uri.startswith(f"{CONSENT_POLICY_URI}/"):
            return uri.removeprefix(f"{CONSENT_POLICY_URI}/")
    return None


def _step(part: int | str) -> str:
    return f"[{part}]" if isinstance(part, int) else f".{part}"


def _label(resource: Mapping[str, Any]) -> str:
    ident = resource.get("id")
    return ident if isinstance(ident, str) else "without id"
