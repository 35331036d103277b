"""The EHR simulator's HL7 v2.5.1 side: an MLLP listener applying inbound ADT, and an ADT feed.

Inbound, ``start_mllp_server`` answers every frame with one ACK (AA, or AE/AR with an ERR naming
segment, field and reason) and applies A01/A04/A08/A31 (upsert) and A40 (merge) to an
``AdtTarget`` (the EHR store). Outbound, ``AdtFeed`` sends A04/A08/A40 for every patient change.
Module map: ``framing`` (MLLP bytes), ``parse`` (python-hl7 + a typed view), ``adt`` and
``demographics`` (PID to FHIR Patient), ``ack``, ``receiver`` (one message), ``session`` (one
connection), ``server``, ``compose`` and ``outbound`` (Patient to ADT), ``feed``, ``client``.

Example::

    server = await start_mllp_server(store, "127.0.0.1", 2575, history=history, clock=clock)
    async with await MllpClient.connect("127.0.0.1", server.port) as client:
        ack = read_ack(await client.send(adt_a04_text))
    assert ack.code == "AA"
"""

from __future__ import annotations

from simulators.ehr.hl7.ack import Ack, AckError, Party, build_ack, read_ack
from simulators.ehr.hl7.adt import (
    SUPPORTED_EVENTS,
    MergePair,
    PatientMerge,
    PatientUpsert,
    read_adt,
)
from simulators.ehr.hl7.client import MllpClient
from simulators.ehr.hl7.compose import Envelope, compose_adt, pid_segment
from simulators.ehr.hl7.demographics import patient_from_pid
from simulators.ehr.hl7.errors import (
    AckCode,
    ApplicationError,
    Condition,
    FeedError,
    Hl7Error,
    InvalidFieldValue,
    Location,
    MalformedMessage,
    MessageRejected,
    MissingSegment,
    PeerError,
    PeerRejected,
    PeerUnavailable,
    RequiredFieldMissing,
    UnknownPatient,
    UnsupportedEvent,
    UnsupportedMessageType,
    UnsupportedProcessingId,
    UnsupportedVersion,
)
from simulators.ehr.hl7.feed import AdtFeed, FeedOutcome, FeedSettings
from simulators.ehr.hl7.framing import BrokenFrame, Frame, MllpDecoder, clean_payload, encode_frame
from simulators.ehr.hl7.identifiers import IdentifierSystems, identifier_token
from simulators.ehr.hl7.outbound import Outbound, OutboundPlanner
from simulators.ehr.hl7.parse import Delimiters, Header, Message, Segment, parse_message
from simulators.ehr.hl7.receiver import AdtReceiver, ControlIds
from simulators.ehr.hl7.server import MllpServer, start_mllp_server
from simulators.ehr.hl7.session import MllpSession
from simulators.ehr.hl7.target import AdtTarget, ChangeEvent

__all__ = [
    "SUPPORTED_EVENTS",
    "Ack",
    "AckCode",
    "AckError",
    "AdtFeed",
    "AdtReceiver",
    "AdtTarget",
    "ApplicationError",
    "BrokenFrame",
    "ChangeEvent",
    "Condition",
    "ControlIds",
    "Delimiters",
    "Envelope",
    "FeedError",
    "FeedOutcome",
    "FeedSettings",
    "Frame",
    "Header",
    "Hl7Error",
    "IdentifierSystems",
    "InvalidFieldValue",
    "Location",
    "MalformedMessage",
    "MergePair",
    "Message",
    "MessageRejected",
    "MissingSegment",
    "MllpClient",
    "MllpDecoder",
    "MllpServer",
    "MllpSession",
    "Outbound",
    "OutboundPlanner",
    "Party",
    "PatientMerge",
    "PatientUpsert",
    "PeerError",
    "PeerRejected",
    "PeerUnavailable",
    "RequiredFieldMissing",
    "Segment",
    "UnknownPatient",
    "UnsupportedEvent",
    "UnsupportedMessageType",
    "UnsupportedProcessingId",
    "UnsupportedVersion",
    "build_ack",
    "clean_payload",
    "compose_adt",
    "encode_frame",
    "identifier_token",
    "parse_message",
    "patient_from_pid",
    "pid_segment",
    "read_ack",
    "read_adt",
    "start_mllp_server",
]
