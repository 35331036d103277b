"""Inbound ADT: which events the EHR applies, and what each one asks of the patient store.

A01 (admit), A04 (register), A08 (update) and A31 (update person) become a ``PatientUpsert``
carrying a FHIR R4 Patient built from PID (see ``simulators.ehr.hl7.demographics``); A40 (merge
patient identifier list) becomes a ``PatientMerge`` with one (survivor PID-3, retired MRG-1)
pair per PID/MRG group. Anything else raises the ``MessageRejected`` that names why::

    command = read_adt(parse_message(payload), IdentifierSystems())
    if isinstance(command, PatientUpsert):
        store.upsert_patient(command.patient, process="mllp:LAB")
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from simulators.ehr.hl7.demographics import patient_from_pid
from simulators.ehr.hl7.errors import (
    Location,
    MissingSegment,
    UnsupportedEvent,
    UnsupportedMessageType,
)
from simulators.ehr.hl7.identifiers import (
    IdentifierKey,
    IdentifierSystems,
    key_of,
    read_identifiers,
)
from simulators.ehr.hl7.parse import Message, Segment

UPSERT_EVENTS: Final = frozenset({"A01", "A04", "A08", "A31"})
MERGE_EVENTS: Final = frozenset({"A40"})
SUPPORTED_EVENTS: Final = UPSERT_EVENTS | MERGE_EVENTS
READ_SEGMENTS: Final = frozenset({"EVN", "PID", "MRG"})
"""The segments the EHR reads; ``parse_message(only=READ_SEGMENTS)`` skips the rest."""


@dataclass(frozen=True)
class PatientUpsert:
    """Create or update the patient whose primary identifier is ``key``."""

    event: str
    key: IdentifierKey
    patient: dict[str, Any]


@dataclass(frozen=True)
class MergePair:
    """One A40 group: ``retired`` (MRG-1) merges into ``survivor`` (PID-3)."""

    survivor: IdentifierKey
    retired: IdentifierKey
    location: Location


@dataclass(frozen=True)
class PatientMerge:
    event: str
    pairs: tuple[MergePair, ...]

    @property
    def key(self) -> IdentifierKey:
        return self.pairs[0].survivor


AdtCommand = PatientUpsert | PatientMerge


def event_of(message: Message) -> str:
    """The trigger event: MSH-9.2, or EVN-1 when a 2.3 sender left MSH-9.2 empty."""
    if message.header.trigger_event:
        return message.header.trigger_event.upper()
    evn = message.first("EVN")
    return evn.value(1).upper() if evn is not None else ""


def read_adt(message: Message, systems: IdentifierSystems) -> AdtCommand:
    """The store command a message asks for; raise ``MessageRejected`` when there is none."""
    code = message.header.message_code.upper()
    if code != "ADT":
        raise UnsupportedMessageType(
            f"unsupported message type {code or '(empty)'} in MSH-9.1: this EHR applies ADT "
            f"events {', '.join(sorted(SUPPORTED_EVENTS))} only",
            location=Location("MSH", 1, 9, None, 1),
        )
    event = event_of(message)
    if event in MERGE_EVENTS:
        return PatientMerge(event, _merge_pairs(message, systems))
    if event in UPSERT_EVENTS:
        pid = _required_segment(message, "PID", event)
        patient = patient_from_pid(pid, systems)
        return PatientUpsert(event, key_of(patient["identifier"][0]), patient)
    raise UnsupportedEvent(
        f"unsupported event code ADT^{event or '(empty)'} in MSH-9.2: this EHR applies "
        f"{', '.join(sorted(SUPPORTED_EVENTS))}",
        location=Location("MSH", 1, 9, None, 2),
    )


def _merge_pairs(message: Message, systems: IdentifierSystems) -> tuple[MergePair, ...]:
    _required_segment(message, "PID", "A40")
    pairs: list[MergePair] = []
    pid: Segment | None = None
    for segment in message.segments:
        if segment.id == "PID":
            if pid is not None:
                raise _missing_mrg(pid)
            pid = segment
        elif segment.id == "MRG" and pid is not None:
            survivor = key_of(read_identifiers(pid, 3, systems)[0])
            retired = key_of(read_identifiers(segment, 1, systems)[0])
            pairs.append(MergePair(survivor, retired, segment.location(1)))
            pid = None
    if pid is not None:
        raise _missing_mrg(pid)
    return tuple(pairs)


def _missing_mrg(pid: Segment) -> MissingSegment:
    return MissingSegment(
        f"A40 patient group {pid.sequence} has a PID but no MRG segment naming the retired "
        "identifier; send PID followed by MRG for every merge",
        location=Location("MRG", pid.sequence),
    )


def _required_segment(message: Message, segment_id: str, event: str) -> Segment:
    segment = message.first(segment_id)
    if segment is None:
        raise MissingSegment(
            f"ADT^{event} has no {segment_id} segment; the EHR needs {segment_id} to apply it",
            location=Location(segment_id),
        )
    return segment
