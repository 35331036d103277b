"""Each system's own record shape, read into the matrix's fields and written back from them.

The engine's side of what ``harness.checker.bindings`` describes for the judge (the engine may
not import the harness, and a team's engine has its own). Canonical values: ``legal_name`` is
``"Family, Given"``, dates ISO, phones E.164, emails casefolded, enums canonical (mapped through
the matrix's enum tables). Fields a system has no column for ride in the CRM's ``custom`` map.

>>> crm_fields({"first_name": "Ana", "last_name": "Diaz", "birth_date": "1980-03-04"}, None)
{'legal_name': 'Diaz, Ana', 'date_of_birth': '1980-03-04'}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from splitbrain.engine.adapters.identity.normalize import Normalizer
from splitbrain.engine.domain.identity.record import IdentityRecord
from splitbrain.engine.domain.policy import Policy

_NORMALIZE = Normalizer()

CRM_CUSTOM: Final = (
    "medication_plan", "clinical_status", "follow_up_completion", "contact_preference",
    "pre_visit_tasks", "workflow_state",
)  # fmt: skip
"""Matrix fields the CRM keeps in ``custom`` (it has no column for them)."""
CRM_COLUMNS: Final[Mapping[str, str]] = {
    "date_of_birth": "birth_date",
    "phone": "phone",
    "email": "email",
    "lead_source": "lead_source",
    "campaign_attribution": "campaign",
    "care_stage": "stage",
}
PORTAL_COLUMNS: Final[Mapping[str, str]] = {
    "date_of_birth": "birth_date",
    "phone": "phone",
    "email": "email",
    "patient_visible_status": "status",
}


def legal_name(given: str | None, family: str | None) -> str | None:
    if not given and not family:
        return None
    return f"{(family or '').strip()}, {(given or '').strip()}"


def split_name(value: str | None) -> tuple[str | None, str | None]:
    """``(given, family)`` from ``"Family, Given"``."""
    if not value:
        return None, None
    family, _, given = value.partition(", ")
    return given or None, family or None


def _canonical(field: str, value: Any, system: str, policy: Policy | None) -> str | None:
    if value is None or value == "":
        return None
    text = str(value)
    if field == "phone":
        return _NORMALIZE.phone(text) or text
    if field == "email":
        return _NORMALIZE.email(text) or text
    if field == "date_of_birth":
        return _NORMALIZE.date(text) or text
    if policy is not None:
        row = policy.fields.get(field)
        if row is not None and row.enum is not None:
            return policy.enums[row.enum].to_canonical(system, text) or text
    return text


def crm_fields(record: Mapping[str, Any], policy: Policy | None) -> dict[str, str | None]:
    """The matrix fields a CRM contact carries (only those present in ``record``)."""
    out: dict[str, str | None] = {}
    if "first_name" in record or "last_name" in record:
        out["legal_name"] = legal_name(record.get("first_name"), record.get("last_name"))
    for field, column in CRM_COLUMNS.items():
        if column in record:
            out[field] = _canonical(field, record[column], "crm", policy)
    custom = record.get("custom") or {}
    for field in CRM_CUSTOM:
        if field in custom and field != "workflow_state":
            out[field] = _canonical(field, custom[field], "crm", policy)
    return out


def portal_fields(record: Mapping[str, Any], policy: Policy | None) -> dict[str, str | None]:
    """The matrix fields a portal account (or its preferences) carries."""
    out: dict[str, str | None] = {}
    if "given_name" in record or "family_name" in record:
        out["legal_name"] = legal_name(record.get("given_name"), record.get("family_name"))
    for field, column in PORTAL_COLUMNS.items():
        if column in record and field != "patient_visible_status":
            out[field] = _canonical(field, record[column], "portal", policy)
    if "preferred_channel" in record:
        out["contact_preference"] = _canonical(
            "contact_preference", record["preferred_channel"], "portal", policy
        )
    if record.get("do_not_contact") is True:  # the portal's flag, apart from its channel
        out["contact_preference"] = _canonical(
            "contact_preference", "do_not_contact", "portal", policy
        )
    return out


def patient_fields(resource: Mapping[str, Any]) -> dict[str, str | None]:
    """The matrix fields a FHIR Patient carries."""
    out: dict[str, str | None] = {}
    names = resource.get("name") or []
    if names:
        first = names[0]
        given = " ".join(first.get("given") or []) or None
        out["legal_name"] = legal_name(given, first.get("family"))
    if "birthDate" in resource:
        out["date_of_birth"] = _canonical("date_of_birth", resource["birthDate"], "ehr", None)
    for point in resource.get("telecom") or []:
        system = point.get("system")
        if system in ("phone", "email") and system not in out:
            out[system] = _canonical(system, point.get("value"), "ehr", None)
    return out


def identity_of(system: str, record_id: str, fields: Mapping[str, str | None],
                raw: Mapping[str, Any] | None = None) -> IdentityRecord:  # fmt: skip
    """The matcher's view of a record, from its matrix fields (and raw address parts)."""
    given, family = split_name(fields.get("legal_name"))
    address = (raw or {}).get("address") or {}
    if isinstance(address, list):
        address = address[0] if address else {}
    line = address.get("line")
    if isinstance(line, list):
        line = " ".join(line)
    return _NORMALIZE.record(
        system, record_id, given=given, family=family,
        date_of_birth=fields.get("date_of_birth"), phone=fields.get("phone"),
        email=fields.get("email"), address_line=line, city=address.get("city"),
        postcode=address.get("postcode") or address.get("postalCode"), state=address.get("state"),
    )  # fmt: skip


def crm_patch(fields: Mapping[str, str | None], policy: Policy) -> dict[str, Any]:
    """A CRM contact merge-patch carrying ``fields`` in the CRM's own names and enum values."""
    patch: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    for field, value in fields.items():
        if field == "legal_name":
            patch["first_name"], patch["last_name"] = split_name(value)
        elif field in CRM_COLUMNS:
            patch[CRM_COLUMNS[field]] = _local(field, value, "crm", policy)
        else:
            custom[field] = _local(field, value, "crm", policy)
    if custom:
        patch["custom"] = custom
    return patch


def portal_patch(fields: Mapping[str, str | None], policy: Policy) -> dict[str, Any]:
    patch: dict[str, Any] = {}
    for field, value in fields.items():
        if field == "legal_name":
            patch["given_name"], patch["family_name"] = split_name(value)
        elif field in PORTAL_COLUMNS:
            patch[PORTAL_COLUMNS[field]] = value
    return patch


def patient_patch(resource: dict[str, Any], fields: Mapping[str, str | None]) -> dict[str, Any]:
    """``resource`` with ``fields`` applied (a new dict; the rest of the resource kept)."""
    out = dict(resource)
    for field, value in fields.items():
        if field == "legal_name":
            given, family = split_name(value)
            name = {"use": "official", "family": family, "given": [given] if given else []}
            out["name"] = [name, *(out.get("name") or [])[1:]]
        elif field == "date_of_birth":
            out["birthDate"] = value
        elif field in ("phone", "email"):
            telecom = [t for t in out.get("telecom") or [] if t.get("system") != field]
            if value is not None:
                telecom.insert(0, {"system": field, "value": value})
            out["telecom"] = telecom
    return out


def _local(field: str, value: str | None, system: str, policy: Policy) -> str | None:
    row = policy.fields.get(field)
    if value is None or row is None or row.enum is None:
        return value
    return policy.enums[row.enum].to_local(system, value) or value
