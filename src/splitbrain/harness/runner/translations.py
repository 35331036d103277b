"""A catalog write as a call on a simulator's public API: which resource, which method, which body.

Enum values are canonical in a case and go out in each system's own words through the matrix's
enum tables (``Policy.enums``). ``contact_preference`` lives in the portal's preferences resource
(``/accounts/{id}/preferences``, ``preferred_channel``, versioned on its own) and in the CRM
contact's ``custom`` map (merged per key by the CRM). The matrix's portal row spells the
channels the portal's way (``phone_call`` is ``phone``); its ``no_contact`` is the portal's
``do_not_contact`` flag, kept apart from the channel (``DO_NOT_CONTACT``).

>>> resource_path("portal", "contact_preference", "acc_1")
'/accounts/acc_1/preferences'
"""

from __future__ import annotations

from typing import Any, Final

from splitbrain.engine.domain.policy import Policy

__all__ = ["DO_NOT_CONTACT", "SUPPORTED", "body_of", "resource_path"]

SUPPORTED: Final[dict[str, frozenset[str]]] = {
    "legal_name": frozenset({"ehr", "crm", "portal"}),
    "date_of_birth": frozenset({"ehr", "crm", "portal"}),
    "lead_source": frozenset({"crm"}),
    "care_stage": frozenset({"crm"}),
    "contact_preference": frozenset({"crm", "portal"}),
}
"""The fields (and systems) a case write can be made through today."""
DO_NOT_CONTACT: Final = "do_not_contact"
"""The portal's word for ``no_contact`` in the matrix's table: its preferences' flag of that name
(set, the channel left as it is), not a ``preferred_channel``."""


def resource_path(system: str, field: str, record: str) -> str:
    """The resource a write of ``field`` in ``system`` reads (for its ETag) and then writes."""
    if system == "portal" and field == "contact_preference":
        return f"/accounts/{record}/preferences"
    return {"ehr": f"/Patient/{record}", "crm": f"/contacts/{record}",
            "portal": f"/accounts/{record}"}[system]  # fmt: skip


def body_of(
    system: str, field: str, value: str | None, current: dict[str, Any], policy: Policy
) -> tuple[str, dict[str, Any]]:
    """The method and body writing ``value`` over ``current`` (the resource as read)."""
    if system == "ehr":
        return "PUT", _fhir(current, field, value)
    if field == "legal_name":
        given, _, family = (value or "").rpartition(" ")
        names = ("given_name", "family_name") if system == "portal" else ("first_name", "last_name")
        return "PATCH", {names[0]: given or None, names[1]: family or None}
    if field == "date_of_birth":
        return "PATCH", {"birth_date": value}
    if field == "care_stage":
        return "PATCH", {"stage": _local(policy, "care_stage", system, value)}
    if field == "contact_preference":
        local = _local(policy, "contact_preference", system, value)
        if system == "portal":
            if local == DO_NOT_CONTACT:
                return "PATCH", {DO_NOT_CONTACT: True}
            return "PATCH", {"preferred_channel": local}
        return "PATCH", {"custom": {"contact_preference": local}}
    return "PATCH", {field: value}  # lead_source


def _local(policy: Policy, field: str, system: str, value: str | None) -> str | None:
    """``value`` in ``system``'s words: the matrix's enum table, else the value as the case has
    it (a value no table maps, as in CC-15)."""
    if value is None:
        return None
    row = policy.fields.get(field)
    table = policy.enums.get(row.enum) if row is not None and row.enum is not None else None
    mapped = table.to_local(system, value) if table is not None else None
    return mapped or value


def _fhir(current: dict[str, Any], field: str, value: str | None) -> dict[str, Any]:
    patient = {k: v for k, v in current.items() if k != "meta"}
    if field == "legal_name":
        given, _, family = (value or "").rpartition(" ")
        patient["name"] = [{"given": given.split(), "family": family}] if value else []
    else:
        patient["birthDate"] = value
    return patient
