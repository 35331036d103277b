"""PID to a FHIR R4 Patient (JSON dict): identifiers, names, birth date, gender, telecom, address,
language. Empty values are left out, never sent as empty strings.

Field by field (HL7 v2.5.1 PID):

* PID-3 CX list -> ``identifier`` (primary first; ``simulators.ehr.hl7.identifiers``), required
* PID-5 XPN list -> ``name`` (family, given + middle, prefix, suffix + degree, use), required
* PID-7 DTM -> ``birthDate`` (YYYY, YYYY-MM or YYYY-MM-DD; a bad date is an AE 102)
* PID-8 table 0001 -> ``gender`` (an unknown code is an AE 103)
* PID-11 XAD list -> ``address``; PID-13 / PID-14 XTN lists -> ``telecom`` (home / work)
* PID-15 CWE -> ``communication[0].language`` (BCP-47 coding)
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Final

from simulators.ehr.hl7.errors import Condition, InvalidFieldValue, RequiredFieldMissing
from simulators.ehr.hl7.identifiers import IdentifierSystems, read_identifiers
from simulators.ehr.hl7.parse import Segment, component_value

Repetition = tuple[tuple[str, ...], ...]

GENDERS: Final = {"F": "female", "M": "male", "O": "other", "A": "other", "U": "unknown"}
GENDERS_OUT: Final = {"female": "F", "male": "M", "other": "O", "unknown": "U"}
NAME_USES: Final = {
    "L": "official", "D": "usual", "M": "maiden", "N": "nickname", "S": "anonymous", "T": "temp",
    "A": "usual",
}  # fmt: skip
ADDRESS_USES: Final = {"H": "home", "B": "work", "O": "work", "C": "temp", "BA": "old"}
_DATE = re.compile(r"(\d{4})(\d{2})?(\d{2})?(?:[\d.]*)(?:[+-]\d{4})?\Z")


def patient_from_pid(pid: Segment, systems: IdentifierSystems) -> dict[str, Any]:
    """A FHIR Patient resource (JSON dict) from one PID segment."""
    patient: dict[str, Any] = {"resourceType": "Patient"}
    patient["identifier"] = read_identifiers(pid, 3, systems)
    patient["name"] = _names(pid)
    optional = {
        "gender": _gender(pid),
        "birthDate": _birth_date(pid),
        "telecom": _telecom(pid.field(13), "home") + _telecom(pid.field(14), "work"),
        "address": [address for rep in pid.field(11) if (address := _address(rep))],
        "communication": _communication(pid),
    }
    patient.update({key: value for key, value in optional.items() if value})
    return patient


def _names(pid: Segment) -> list[dict[str, Any]]:
    names = [name for rep in pid.field(5) if (name := _name(rep))]
    if not names:
        raise RequiredFieldMissing(
            f"{pid.location(5)} (patient name) has no family or given name; send at least one",
            location=pid.location(5),
        )
    return names


def _name(rep: Repetition) -> dict[str, Any]:
    given = [part for part in (component_value(rep, 2), component_value(rep, 3)) if part]
    parts: dict[str, Any] = {
        "use": NAME_USES.get(component_value(rep, 7).upper(), ""),
        "family": component_value(rep, 1),
        "given": given,
        "prefix": [component_value(rep, 5)] if component_value(rep, 5) else [],
        "suffix": [part for part in (component_value(rep, 4), component_value(rep, 6)) if part],
    }
    if not parts["family"] and not given:
        return {}
    return {key: value for key, value in parts.items() if value}


def _birth_date(pid: Segment) -> str:
    raw = pid.value(7)
    if not raw:
        return ""
    match = _DATE.match(raw)
    try:
        if match is None:
            raise ValueError(raw)
        year, month, day = match.groups()
        date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        raise InvalidFieldValue(
            f"{pid.location(7)} (date of birth) is not an HL7 date (YYYY[MM[DD]]...)",
            location=pid.location(7),
        ) from None
    return "-".join(part for part in (year, month, day) if part)


def _gender(pid: Segment) -> str:
    code = pid.value(8).upper()
    if code in ("", "N"):
        return ""
    if code not in GENDERS:
        raise InvalidFieldValue(
            f"{pid.location(8)} (administrative sex) is not a table 0001 code "
            f"({', '.join(sorted(GENDERS))}, N)",
            location=pid.location(8),
            condition=Condition.TABLE_VALUE_NOT_FOUND,
        )
    return GENDERS[code]


def _telecom(field: tuple[Repetition, ...], default_use: str) -> list[dict[str, Any]]:
    points: list[dict[str, Any]] = []
    for rep in field:
        use_code, equipment = component_value(rep, 2).upper(), component_value(rep, 3).upper()
        if equipment in ("INTERNET", "X.400") or use_code == "NET":
            system, value = "email", component_value(rep, 4) or component_value(rep, 1)
        else:
            system = {"FX": "fax", "BP": "pager"}.get(equipment, "phone")
            value = component_value(rep, 1) or component_value(rep, 12) or _dialable(rep)
        if not value:
            continue
        use = "mobile" if equipment == "CP" else default_use
        use = "work" if use_code == "WPN" else use
        points.append({"system": system, "value": value, "use": use})
    return points


def _dialable(rep: Repetition) -> str:
    country, area, local, extension = (component_value(rep, n) for n in (5, 6, 7, 8))
    if not local:
        return ""
    number = (f"+{country} " if country else "") + (f"({area}) " if area else "") + local
    return number + (f" x{extension}" if extension else "")


def _address(rep: Repetition) -> dict[str, Any]:
    street = " ".join(part.strip() for part in (rep[0] if rep else ()) if part.strip())
    street = "" if street == '""' else street
    kind = component_value(rep, 7).upper()
    address: dict[str, Any] = {
        "use": ADDRESS_USES.get(kind, ""),
        "type": "postal" if kind == "M" else "",
        "line": [line for line in (street, component_value(rep, 2)) if line],
        "city": component_value(rep, 3),
        "district": component_value(rep, 9),
        "state": component_value(rep, 4),
        "postalCode": component_value(rep, 5),
        "country": component_value(rep, 6),
    }
    if not any(address[key] for key in ("line", "city", "state", "postalCode", "country")):
        return {}
    return {key: value for key, value in address.items() if value}


def _communication(pid: Segment) -> list[dict[str, Any]]:
    code, text = pid.value(15, 1), pid.value(15, 2)
    if not code or any(char.isspace() for char in code):
        return []
    language: dict[str, Any] = {"coding": [{"system": "urn:ietf:bcp:47", "code": code}]}
    if text:
        language["text"] = text
    return [{"language": language, "preferred": True}]
