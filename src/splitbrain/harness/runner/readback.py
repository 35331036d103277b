"""What a system holds for a matrix field, read back through its public API after a case.

The reverse of ``translations``: a case writes ``contact_preference`` into the CRM contact's
``custom`` map and the portal's preferences; after the world went quiet the runner reads both
back, in canonical words (through the matrix's enum tables), and compares them with the value of
the write the case expects to win. The checker judges the histories; this judges the end state a
clinical ops lead would look at::

    held("crm", "care_stage", {"stage": "Active Patient"}, policy)   # "in_care"
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from splitbrain.engine.domain.policy import Policy

__all__ = ["held"]


def held(system: str, field: str, resource: Mapping[str, Any], policy: Policy) -> str | None:
    """The canonical value of ``field`` in ``resource`` as ``system`` returned it."""
    local = _local_value(system, field, resource)
    if local is None:
        return None
    row = policy.fields.get(field)
    table = policy.enums.get(row.enum) if row is not None and row.enum is not None else None
    canonical = table.to_canonical(system, local) if table is not None else None
    return canonical or local


def _local_value(system: str, field: str, resource: Mapping[str, Any]) -> str | None:
    if system == "ehr":
        return _fhir(field, resource)
    if field == "legal_name":
        portal = system == "portal"
        first, last = ("given_name", "family_name") if portal else ("first_name", "last_name")
        return _joined(resource.get(first), resource.get(last))
    if field == "date_of_birth":
        return _text(resource.get("birth_date"))
    if field == "care_stage":
        return _text(resource.get("stage"))
    if field == "contact_preference":
        if system == "portal":  # its separate flag is the matrix's no_contact
            flag = resource.get("do_not_contact")
            return "do_not_contact" if flag else _text(resource.get("preferred_channel"))
        return _text((resource.get("custom") or {}).get("contact_preference"))
    return _text(resource.get(field))


def _fhir(field: str, patient: Mapping[str, Any]) -> str | None:
    if field == "date_of_birth":
        return _text(patient.get("birthDate"))
    names = patient.get("name") or []
    if field != "legal_name" or not names:
        return None
    first = names[0]
    return _joined(" ".join(first.get("given") or ()), first.get("family"))


def _joined(given: object, family: object) -> str | None:
    parts = [str(p) for p in (given, family) if p]
    return " ".join(parts) or None


def _text(value: object) -> str | None:
    return None if value is None else str(value)
