"""Outbound ADT: a FHIR R4 Patient (JSON dict) written as HL7 v2.5.1 PID, and whole messages.

The inverse of ``simulators.ehr.hl7.demographics`` for the fields it reads, so a Patient sent by
the feed and read back by a listener keeps its identifiers, names (up to two given names),
birth date, gender, addresses, phones, emails and language::

    text = compose_adt("A04", patient, control_id="EHR1", timestamp=now, envelope=Envelope())
    # MSH|^~\\&|EHRSIM|EHRSIM|||20250106090000+0000||ADT^A04^ADT_A01|EHR1|P|2.5.1|||||UNICODE UTF-8
    # EVN|A04|20250106090000+0000
    # PID|1||123^^^&urn:x&URI^MR||Doe^Jane||19800102|F|...
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from simulators.ehr.hl7.ack import CHARACTER_SET
from simulators.ehr.hl7.demographics import ADDRESS_USES, GENDERS_OUT, NAME_USES
from simulators.ehr.hl7.identifiers import IDENTIFIER_TYPE_SYSTEM, IdentifierSystems
from simulators.ehr.hl7.parse import STANDARD_DELIMITERS

STRUCTURES: Final = {"A01": "ADT_A01", "A04": "ADT_A01", "A08": "ADT_A01", "A31": "ADT_A05"}
_NAME_CODES: Final = {use: code for code, use in reversed(NAME_USES.items())}
_ADDRESS_CODES: Final = {use: code for code, use in reversed(ADDRESS_USES.items())}
_D = STANDARD_DELIMITERS

JSON = Mapping[str, Any]


@dataclass(frozen=True)
class Envelope:
    """The MSH parties and processing id of the EHR's outbound messages (HD wire text)."""

    sending_application: str = "EHRSIM"
    sending_facility: str = "EHRSIM"
    receiving_application: str = ""
    receiving_facility: str = ""
    processing_id: str = "P"
    systems: IdentifierSystems = field(default_factory=IdentifierSystems)


def compose_adt(
    event: str,
    patient: JSON,
    *,
    control_id: str,
    timestamp: datetime,
    envelope: Envelope,
    retired: JSON | None = None,
) -> str:
    """An ADT message (segments joined by CR); A40 needs ``retired``, the merged-away Patient."""
    stamp = timestamp.astimezone(UTC).strftime("%Y%m%d%H%M%S+0000")
    structure = "ADT_A39" if event == "A40" else STRUCTURES.get(event, "ADT_A01")
    msh = [
        "MSH", _D.encoding_characters, envelope.sending_application, envelope.sending_facility,
        envelope.receiving_application, envelope.receiving_facility, stamp, "",
        f"ADT^{event}^{structure}", _D.escape_text(control_id), envelope.processing_id, "2.5.1",
        "", "", "", "", "", CHARACTER_SET,
    ]  # fmt: skip
    segments = ["|".join(msh), f"EVN|{event}|{stamp}", pid_segment(patient, envelope.systems)]
    if event == "A40":
        if retired is None:
            raise ValueError("compose_adt('A40') needs the retired Patient (retired=...)")
        segments.append("MRG|" + _identifiers(retired, envelope.systems))
    return "\r".join(segments)


def pid_segment(patient: JSON, systems: IdentifierSystems) -> str:
    """PID for a FHIR Patient: PID-3, 5, 7, 8, 11, 13, 14 and 15."""
    telecom = list(patient.get("telecom", ()))
    fields = [""] * 16
    fields[1] = "1"
    fields[3] = _identifiers(patient, systems)
    fields[5] = "~".join(_name(name) for name in patient.get("name", ()))
    fields[7] = str(patient.get("birthDate", "")).replace("-", "")
    fields[8] = GENDERS_OUT.get(str(patient.get("gender", "")), "")
    fields[11] = "~".join(_address(address) for address in patient.get("address", ()))
    fields[13] = "~".join(_xtn(point) for point in telecom if point.get("use") != "work")
    fields[14] = "~".join(_xtn(point) for point in telecom if point.get("use") == "work")
    fields[15] = _language(patient)
    while fields and not fields[-1]:
        fields.pop()
    return "|".join(["PID", *fields[1:]])


def _identifiers(patient: JSON, systems: IdentifierSystems) -> str:
    return "~".join(_cx(identifier, systems) for identifier in patient.get("identifier", ()))


def _cx(identifier: JSON, systems: IdentifierSystems) -> str:
    hd, implied_type = systems.authority_for(str(identifier["system"]))
    authority = "&".join(_esc(part) for part in hd).rstrip("&")
    codings = identifier.get("type", {}).get("coding", ())
    type_code = next(
        (c.get("code", "") for c in codings if c.get("system") == IDENTIFIER_TYPE_SYSTEM),
        implied_type,
    )
    return _components(_esc(str(identifier["value"])), "", "", authority, _esc(type_code))


def _name(name: JSON) -> str:
    given = list(name.get("given", ()))
    suffix = list(name.get("suffix", ()))
    return _components(
        _esc(name.get("family", "")),
        _esc(given[0] if given else ""),
        _esc(" ".join(given[1:])),
        _esc(suffix[0] if suffix else ""),
        _esc(" ".join(name.get("prefix", ()))),
        _esc(" ".join(suffix[1:])),
        _NAME_CODES.get(name.get("use", ""), ""),
    )


def _address(address: JSON) -> str:
    lines = list(address.get("line", ()))
    use_code = _ADDRESS_CODES.get(str(address.get("use", "")), "")
    kind = "M" if address.get("type") == "postal" else use_code
    parts = [lines[0] if lines else "", " ".join(lines[1:])]
    parts += [address.get(key, "") for key in ("city", "state", "postalCode", "country")]
    return _components(*(_esc(part) for part in parts), kind, "", _esc(address.get("district", "")))


def _xtn(point: JSON) -> str:
    value = _esc(str(point.get("value", "")))
    if point.get("system") == "email":
        return _components("", "NET", "Internet", value)
    equipment = {"fax": "FX", "pager": "BP"}.get(point.get("system", ""), "PH")
    equipment = "CP" if point.get("use") == "mobile" else equipment
    return _components(value, "WPN" if point.get("use") == "work" else "PRN", equipment)


def _language(patient: JSON) -> str:
    for communication in patient.get("communication", ()):
        language = communication.get("language", {})
        for coding in language.get("coding", ()):
            if coding.get("code"):
                return _components(_esc(coding["code"]), _esc(language.get("text", "")))
    return ""


def _components(*parts: str) -> str:
    return "^".join(parts).rstrip("^")


def _esc(text: str | Sequence[str]) -> str:
    return _D.escape_text(text if isinstance(text, str) else " ".join(text))
