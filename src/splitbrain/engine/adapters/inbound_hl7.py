"""HL7 v2 ADT from the EHR's outbound feed (MLLP) into the engine's facts (DESIGN §4, §8).

| message | fact |
|---|---|
| ADT A01, A04 (admit, register) | ``RecordChanged`` (created) with the PID's matrix fields |
| ADT A08, A31 (update) | ``RecordChanged`` |
| ADT A40 (merge) | one ``RecordsMerged`` per PID/MRG group (survivor PID-3, retired MRG-1) |

The inbox id is ``ehr:hl7:{MSH-3 namespace}:{MSH-10}``: the feed resends a message whose ACK it
did not get under the same MSH-10, so the resend is recognised and applied once. The source
record is ``Patient/{id}`` when PID-3 carries the EHR's logical id (assigning authority
``EHR``, type ``PI``, as the EHR's feed writes it, or the system URI), the same record its FHIR
notifications name; else the Patient the EHR's FHIR search finds for the primary identifier
(with a ``lookup``); otherwise ``pid:{authority}|{value}`` of the primary identifier. PID is
read into a FHIR-shaped Patient and through ``sync_fields.patient_fields``, so a value reads the
same whether it came over FHIR or HL7 v2. A message that breaks a rule raises ``Hl7Rejected``
naming segment, field, rule and fix (the MLLP door answers AE/AR with it; the worker
dead-letters the item whole, so nothing is half-applied).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from splitbrain.engine.adapters.hl7_wire import Hl7Rejected, Message, Segment, read_message
from splitbrain.engine.adapters.sync_fields import identity_of, patient_fields
from splitbrain.engine.domain.policy import Provenance
from splitbrain.engine.service_layer.sync.inbound import (
    Inbound,
    RecordChanged,
    RecordsMerged,
    SourceRecord,
)
from splitbrain.engine.service_layer.sync.model import InboxItem

UPSERT_EVENTS: Final = frozenset({"A01", "A04", "A08", "A31"})
CREATE_EVENTS: Final = frozenset({"A01", "A04"})
MERGE_EVENTS: Final = frozenset({"A40"})
LOGICAL_ID_SYSTEM: Final = "https://ehr.example.org/fhir/sid/patient"
_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_TIME = re.compile(r"(\d{4})(\d{2})(\d{2})(\d{2})?(\d{2})?(\d{2})?(?:\.\d+)?([+-]\d{4})?\Z")


def event_id(body: bytes) -> str:
    """The inbox id of an HL7 v2 message; raises ``Hl7Rejected`` when MSH cannot be read."""
    header = read_message(body).header
    return inbox_id(header.sending_application, header.control_id)


def inbox_id(sending_application: str, control_id: str) -> str:
    namespace = sending_application.split("^", 1)[0].strip() or "unknown"
    return f"ehr:hl7:{namespace}:{control_id}"


AUTHORITIES: Final[Mapping[str, str]] = {
    "EHR^MR": "https://ehr.example.org/fhir/sid/mrn",
    "EHR^PI": LOGICAL_ID_SYSTEM,
}
"""Assigning authority (``NAMESPACE^TYPE``) to FHIR identifier system: site configuration, as in
any interface engine; a CX with a URI, ISO or UUID universal id needs no entry."""
Lookup = Callable[[str, str], "str | None"]
"""``(system, value)`` -> ``Patient/{id}`` of the one EHR patient with that identifier, or None."""


@dataclass(frozen=True, slots=True)
class AdtMessages:
    """The translator for ``("ehr", "mllp")`` inbox items."""

    role: str = "provider"
    """The matrix role an ADT registration speaks for (as the EHR's FHIR notifications do)."""
    logical_authority: tuple[str, str] = ("EHR", "PI")
    lookup: Lookup | None = None
    """Finds the FHIR Patient of an identifier (``EhrMergeTarget.patient_with``), so a patient
    the EHR also announces over FHIR is one source record, not two."""
    authorities: Mapping[str, str] = field(default_factory=lambda: dict(AUTHORITIES))

    def translate(self, item: InboxItem) -> list[Inbound]:
        message = read_message(item.payload, item.event_id)
        event = check_adt(message, item.event_id)
        when = _when(message, item.received_at)
        actor = f"mllp:{message.header.sending_application.split('^', 1)[0] or 'unknown'}"
        if event in MERGE_EVENTS:
            return list(self._merges(message, item.event_id, when, actor))
        pid = _required(message, "PID", event, item.event_id)
        record = self._record(pid, 3, item.event_id)
        patient = _patient(pid, item.event_id)
        fields = patient_fields(patient)
        return [
            RecordChanged(
                record=SourceRecord("ehr", record, None, identity_of("ehr", record, fields,
                                                                     patient)),
                changes=fields, actor=actor, role=self.role, occurred_at=when,
                provenance=Provenance.PROVIDER_VERIFIED if self.role == "provider"
                else Provenance.USER_ENTERED,
                created=event in CREATE_EVENTS, manual=True,
                override_reason="chart entry" if self.role == "provider" else None,
            )
        ]  # fmt: skip

    def _merges(
        self, message: Message, ident: str, when: datetime, actor: str
    ) -> list[RecordsMerged]:
        _required(message, "PID", "A40", ident)
        merges: list[RecordsMerged] = []
        pid: Segment | None = None
        for segment in message.segments:
            if segment.id == "PID":
                if pid is not None:
                    raise _no_mrg(ident, pid)
                pid = segment
            elif segment.id == "MRG" and pid is not None:
                survivor, retired = self._record(pid, 3, ident), self._record(segment, 1, ident)
                if survivor == retired:
                    raise Hl7Rejected(ident, f"A40 group {pid.sequence}: MRG-1 names the PID-3 "
                                      "patient; a patient cannot be merged into itself",
                                      ack="AE", condition="102",
                                      location=f"MRG^{segment.sequence}^1")  # fmt: skip
                merges.append(RecordsMerged("ehr", survivor, retired, when, actor))
                pid = None
        if pid is not None:
            raise _no_mrg(ident, pid)
        return merges

    def _record(self, segment: Segment, number: int, ident: str) -> str:
        """The source record a CX list (PID-3, MRG-1) names."""
        primary: tuple[str, str] | None = None
        for index, components in enumerate(segment.repetitions(number)):
            value = components[0] if components else ""
            if not value:
                continue
            authority = segment.subcomponents(number, 4, index)
            kind = components[4] if len(components) > 4 else ""
            namespace = authority[0] if authority else ""
            universal = authority[1] if len(authority) > 1 else ""
            if (namespace, kind.upper()) == self.logical_authority or universal == (
                LOGICAL_ID_SYSTEM
            ):
                return f"Patient/{value}"
            if primary is None:
                primary = (namespace or universal or "-", value)
                system = self._system(namespace, kind, authority)
                found = self.lookup(system, value) if self.lookup and system else None
                if found is not None:
                    return found
        if primary is None:
            raise Hl7Rejected(ident, f"{segment.id}-{number} (patient identifier list) has no "
                              "identifier; send at least one CX with a value", ack="AE",
                              condition="101",
                              location=f"{segment.id}^{segment.sequence}^{number}")  # fmt: skip
        return f"pid:{primary[0]}|{primary[1]}"

    def _system(self, namespace: str, kind: str, authority: list[str]) -> str | None:
        universal = authority[1] if len(authority) > 1 else ""
        universal_type = (authority[2] if len(authority) > 2 else "").upper()
        if universal and universal_type in ("URI", "URL"):
            return universal
        if universal and universal_type in ("ISO", "UUID"):
            return f"urn:{'oid' if universal_type == 'ISO' else 'uuid'}:{universal}"
        return self.authorities.get(f"{namespace}^{kind.upper()}") or self.authorities.get(
            namespace
        )


class LookupUnavailable(RuntimeError):  # noqa: N818 - named for what happened (STYLE §4)
    """The EHR could not be asked which Patient holds an identifier: retry the event later."""


def check_adt(message: Message, ident: str) -> str:
    """The trigger event of an ADT message the engine reads; raises ``Hl7Rejected`` (AR)."""
    header = message.header
    if header.message_code != "ADT":
        raise Hl7Rejected(ident, "MSH-9.1 is not ADT: the engine reads ADT A01, A04, A08, A31 "
                          "and A40 only", ack="AR", condition="200",
                          location="MSH^1^9^1^1")  # fmt: skip
    event = header.trigger_event
    if not event:
        evn = message.first("EVN")
        event = evn.value(1).upper() if evn is not None else ""
    if event not in UPSERT_EVENTS | MERGE_EVENTS:
        raise Hl7Rejected(ident, f"ADT^{event or '(empty)'} is not an event the engine reads; "
                          "send A01, A04, A08, A31 or A40", ack="AR", condition="201",
                          location="MSH^1^9^1^2")  # fmt: skip
    if header.processing_id not in ("P", "T", "D"):
        raise Hl7Rejected(ident, "MSH-11 (processing id) must be P, T or D", ack="AR",
                          condition="202", location="MSH^1^11")  # fmt: skip
    return event


def _required(message: Message, segment_id: str, event: str, ident: str) -> Segment:
    segment = message.first(segment_id)
    if segment is None:
        raise Hl7Rejected(ident, f"ADT^{event} has no {segment_id} segment; the engine needs "
                          f"{segment_id} to apply it", ack="AE", condition="100",
                          location=segment_id)  # fmt: skip
    return segment


def _no_mrg(ident: str, pid: Segment) -> Hl7Rejected:
    return Hl7Rejected(ident, f"A40 patient group {pid.sequence} has a PID but no MRG naming "
                       "the retired identifier; send PID then MRG for every merge", ack="AE",
                       condition="100", location=f"MRG^{pid.sequence}")  # fmt: skip


def _patient(pid: Segment, ident: str) -> dict[str, Any]:
    """PID-5, 7, 11, 13, 14 as a FHIR-shaped Patient (what ``patient_fields`` reads)."""
    names: list[dict[str, Any]] = []
    for components in pid.repetitions(5):
        family = components[0] if components else ""
        given = " ".join(part for part in components[1:3] if part)
        if family or given:
            names.append({"family": family, "given": [given] if given else []})
    if not names:
        raise Hl7Rejected(ident, "PID-5 (patient name) has no family or given name; send one",
                          ack="AE", condition="101", location=f"PID^{pid.sequence}^5")  # fmt: skip
    patient: dict[str, Any] = {"resourceType": "Patient", "name": names}
    born = pid.value(7)
    if born:
        match = _DATE.match(born)
        if match is None or not _valid_date(*match.groups()):
            raise Hl7Rejected(ident, "PID-7 (date of birth) is not an HL7 date YYYYMMDD",
                              ack="AE", condition="102",
                              location=f"PID^{pid.sequence}^7")  # fmt: skip
        patient["birthDate"] = "-".join(match.groups())
    telecom = [_point(c) for number in (13, 14) for c in pid.repetitions(number)]
    patient["telecom"] = [point for point in telecom if point is not None]
    address = pid.repetitions(11)[0]
    if any(address):
        padded = [*address, "", "", "", "", ""]
        patient["address"] = [{"line": [p for p in padded[:2] if p], "city": padded[2],
                               "state": padded[3], "postalCode": padded[4]}]  # fmt: skip
    return patient


def _valid_date(year: str, month: str, day: str) -> bool:
    try:
        datetime(int(year), int(month), int(day))
    except ValueError:
        return False
    return True


def _point(components: list[str]) -> dict[str, str] | None:
    padded = [*components, "", "", "", ""]
    if padded[1].upper() == "NET" or padded[2].upper() in ("INTERNET", "X.400"):
        value = padded[3] or padded[0]
        return {"system": "email", "value": value} if value else None
    return {"system": "phone", "value": padded[0]} if padded[0] else None


def _when(message: Message, received: datetime) -> datetime:
    evn = message.first("EVN")
    msh = message.segments[0]
    for text in (evn.value(2) if evn is not None else "", msh.value(7)):
        match = _TIME.match(text)
        if match is None:
            continue
        year, month, day, hour, minute, second, offset = match.groups()
        try:
            when = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                            int(second or 0), tzinfo=UTC)  # fmt: skip
        except ValueError:
            continue
        if offset:
            sign = 1 if offset[0] == "+" else -1
            when -= sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5]))
        return when
    return received
