"""Patient identifiers between HL7 v2 (CX with an HD assigning authority) and FHIR (system, value).

The assigning authority (CX.4: namespace & universal id & universal id type) and the identifier
type (CX.5) pick the FHIR ``system``: a configured ``NAMESPACE^TYPE`` or ``NAMESPACE`` first
(the defaults name the synthetic world's systems, as ``simulators.population`` writes them:
``EHR^MR`` is the EHR's MRN), then an ISO OID (``urn:oid:``), a UUID or a URI, then the
namespace under ``authority_base``; no authority at all means the EHR's own MRN system.
``authority_for`` is the inverse used by the outbound feed, so a system survives a round trip::

    systems = IdentifierSystems()
    systems.system_for(("EHR",), "MR")            # 'https://ehr.example.org/fhir/sid/mrn'
    systems.system_for(("", "1.2.3", "ISO"))      # 'urn:oid:1.2.3'
    systems.authority_for("urn:oid:1.2.3")        # (('', '1.2.3', 'ISO'), '')
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import quote, unquote

from simulators.ehr.hl7.errors import RequiredFieldMissing
from simulators.ehr.hl7.parse import Segment, component_value

DEFAULT_MRN_SYSTEM: Final = "https://ehr.example.org/fhir/sid/mrn"
DEFAULT_AUTHORITY_BASE: Final = "https://ehr.example.org/fhir/sid/aa/"
IDENTIFIER_TYPE_SYSTEM: Final = "http://terminology.hl7.org/CodeSystem/v2-0203"

DEFAULT_AUTHORITIES: Final = {
    "EHR^MR": DEFAULT_MRN_SYSTEM,
    "EHR^PI": "https://ehr.example.org/fhir/sid/patient",
    "CRM^PI": "https://crm.example.org/sid/contact",
    "PORTAL^PI": "https://portal.example.org/sid/account",
}

IdentifierKey = tuple[str, str]
"""(system, value): how the EHR store matches a patient."""
Authority = tuple[str, str, str]
"""An HD: (namespace id, universal id, universal id type)."""


@dataclass(frozen=True)
class IdentifierSystems:
    """How assigning authorities map to FHIR identifier systems, and back."""

    default_system: str = DEFAULT_MRN_SYSTEM
    by_authority: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_AUTHORITIES))
    authority_base: str = DEFAULT_AUTHORITY_BASE

    def system_for(self, authority: tuple[str, ...], type_code: str = "") -> str:
        namespace, universal, kind = (*(part.strip() for part in authority), "", "", "")[:3]
        for key in (f"{namespace}^{type_code.strip().upper()}", namespace):
            if namespace and key in self.by_authority:
                return self.by_authority[key]
        universal_system = _universal_system(universal, kind.upper())
        if universal_system:
            return universal_system
        if namespace or universal:
            return self.authority_base + quote(namespace or universal, safe="")
        return self.default_system

    def authority_for(self, system: str) -> tuple[Authority, str]:
        """The HD for a FHIR system, and the CX.5 type code its mapping implies ('' if none)."""
        for key, mapped in self.by_authority.items():
            if mapped == system:
                namespace, _, type_code = key.partition("^")
                return (namespace, "", ""), type_code
        if system == self.default_system:
            return ("", "", ""), ""
        if system.startswith(self.authority_base):
            return (unquote(system[len(self.authority_base) :]), "", ""), ""
        if system.startswith("urn:oid:"):
            return ("", system[len("urn:oid:") :], "ISO"), ""
        if system.startswith("urn:uuid:"):
            return ("", system[len("urn:uuid:") :], "UUID"), ""
        return ("", system, "URI"), ""


def _universal_system(universal: str, kind: str) -> str:
    if not universal:
        return ""
    if kind == "ISO":
        return "urn:oid:" + universal
    if kind == "UUID":
        return "urn:uuid:" + universal.lower()
    if kind in ("URI", "URL"):
        return universal
    return ""


def read_identifiers(
    segment: Segment, field_number: int, systems: IdentifierSystems
) -> list[dict[str, Any]]:
    """FHIR identifiers from a CX list (PID-3, MRG-1), the primary one first.

    The primary is the first repetition typed MR (medical record number), else the first with a
    value. Raise ``RequiredFieldMissing`` naming the field when no repetition has a value.
    """
    identifiers: list[dict[str, Any]] = []
    primary = -1
    for repetition in segment.field(field_number):
        value = component_value(repetition, 1)
        if not value:
            continue
        authority = repetition[3] if len(repetition) > 3 else ()
        type_code = component_value(repetition, 5)
        identifier: dict[str, Any] = {
            "system": systems.system_for(authority, type_code),
            "value": value,
        }
        if type_code:
            coding = {"system": IDENTIFIER_TYPE_SYSTEM, "code": type_code}
            identifier = {"type": {"coding": [coding]}, **identifier}
        if primary < 0 and type_code.upper() == "MR":
            primary = len(identifiers)
        identifiers.append(identifier)
    if not identifiers:
        raise RequiredFieldMissing(
            f"{segment.location(field_number)} (patient identifier list) has no identifier; "
            "send at least one CX with an ID number",
            location=segment.location(field_number),
        )
    if primary > 0:
        identifiers.insert(0, identifiers.pop(primary))
    return identifiers


def key_of(identifier: Mapping[str, Any]) -> IdentifierKey:
    return (str(identifier["system"]), str(identifier["value"]))


def identifier_token(key: IdentifierKey) -> str:
    """A PHI-free, stable token for an identifier: history keys and error messages use it."""
    digest = hashlib.blake2b(f"{key[0]}|{key[1]}".encode(), digest_size=8).hexdigest()
    return f"idt_{digest}"
