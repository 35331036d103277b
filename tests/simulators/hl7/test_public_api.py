"""The package's public names are deliberate: each one in ``__all__`` exists, nothing extra."""

from __future__ import annotations

import simulators.ehr.hl7 as package

EXPECTED = {
    # listener and connection
    "start_mllp_server", "MllpServer", "MllpSession", "AdtReceiver", "ControlIds", "MllpClient",
    # framing, parsing, ACKs
    "MllpDecoder", "Frame", "BrokenFrame", "encode_frame", "clean_payload", "parse_message",
    "Message", "Segment", "Header", "Delimiters", "build_ack", "read_ack", "Ack", "AckError",
    "Party", "AckCode", "Condition", "Location",
    # ADT in and out
    "read_adt", "PatientUpsert", "PatientMerge", "MergePair", "SUPPORTED_EVENTS",
    "patient_from_pid", "IdentifierSystems", "identifier_token", "compose_adt", "pid_segment",
    "Envelope", "Outbound", "OutboundPlanner", "AdtFeed", "FeedSettings", "FeedOutcome",
    # the store port
    "AdtTarget", "ChangeEvent",
    # errors
    "Hl7Error", "MessageRejected", "MalformedMessage", "UnsupportedMessageType",
    "UnsupportedEvent", "UnsupportedProcessingId", "UnsupportedVersion", "MissingSegment",
    "RequiredFieldMissing", "InvalidFieldValue", "UnknownPatient", "ApplicationError",
    "FeedError", "PeerUnavailable", "PeerError", "PeerRejected",
}  # fmt: skip


def test_all_names_exactly_the_public_api() -> None:
    assert set(package.__all__) == EXPECTED
    assert all(hasattr(package, name) for name in package.__all__)


ACKNOWLEDGED_AS = {
    "MalformedMessage": ("AR", "100"),
    "UnsupportedMessageType": ("AR", "200"),
    "UnsupportedEvent": ("AR", "201"),
    "UnsupportedProcessingId": ("AR", "202"),
    "UnsupportedVersion": ("AR", "203"),
    "MissingSegment": ("AE", "100"),
    "RequiredFieldMissing": ("AE", "101"),
    "InvalidFieldValue": ("AE", "102"),
    "UnknownPatient": ("AE", "204"),
    "ApplicationError": ("AE", "207"),
}


def test_every_inbound_error_maps_to_its_ack_code_and_table_0357_condition() -> None:
    errors = {
        name: getattr(package, name)
        for name in package.__all__
        if isinstance(getattr(package, name), type)
        and issubclass(getattr(package, name), package.MessageRejected)
        and name != "MessageRejected"
    }

    assert {
        name: (error.ack_code.value, error.condition.code) for name, error in errors.items()
    } == ACKNOWLEDGED_AS
