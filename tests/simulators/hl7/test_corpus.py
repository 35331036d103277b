"""Every message of the public HL7 v2 corpus (versions 2.3 to 2.8) parses and gets the right ACK.

ADT events the EHR applies (A01, A04, A08, A31, A40) are applied and ACKed AA; every other
message gets an AE or AR whose ERR names a table 0357 condition. A40 needs both patients to
exist, so their identifiers are registered first (A04 composed from the A40's own PID/MRG keys).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from simulators.ehr.hl7.adt import (
    SUPPORTED_EVENTS,
    PatientMerge,
    PatientUpsert,
    event_of,
    read_adt,
)
from simulators.ehr.hl7.compose import Envelope, compose_adt
from simulators.ehr.hl7.errors import Condition
from simulators.ehr.hl7.framing import Frame, MllpDecoder, encode_frame
from simulators.ehr.hl7.identifiers import IdentifierSystems
from simulators.ehr.hl7.parse import Message, Segment, parse_message
from simulators.ehr.hl7.session import MllpSession
from simulators.ehr.resources import validate
from tests.simulators.hl7.fakes import FakeAdtTarget
from tests.simulators.hl7.messages import corpus_params

TABLE_0357 = {condition.code for condition in Condition}


def applies(message: Message) -> bool:
    return message.header.message_code == "ADT" and event_of(message) in SUPPORTED_EVENTS


def register_merge_patients(command: PatientMerge, session: MllpSession) -> None:
    keys = [key for pair in command.pairs for key in (pair.survivor, pair.retired)]
    for number, (system, value) in enumerate(keys):
        patient = {"identifier": [{"system": system, "value": value}], "name": [{"family": "Seed"}]}
        text = compose_adt(
            "A04",
            patient,
            control_id=f"SEED{number}",
            timestamp=datetime.now(UTC),
            envelope=Envelope(),
        )
        session.receive(encode_frame(text.encode()))


def answer(session: MllpSession, payload: bytes) -> Message:
    frames = MllpDecoder().feed(b"".join(session.receive(encode_frame(payload))))
    assert len(frames) == 1
    assert isinstance(frames[0], Frame)
    return parse_message(frames[0].payload)


@pytest.mark.parametrize("path", corpus_params())
def test_every_corpus_message_parses_and_gets_a_well_formed_ack(
    path: Path, session: MllpSession, target: FakeAdtTarget
) -> None:
    payload = path.read_bytes()
    message = parse_message(payload)
    command = read_adt(message, IdentifierSystems()) if applies(message) else None
    if isinstance(command, PatientMerge):
        register_merge_patients(command, session)

    ack = answer(session, payload)
    msa = ack.first("MSA")

    assert msa is not None
    assert msa.raw(2) == message.header.control_id
    if command is None:
        assert_refused_well(msa, ack)
    else:
        assert (msa.value(1), ack.all("ERR")) == ("AA", ())
        assert_applied(command, target)


def assert_refused_well(msa: Segment, ack: Message) -> None:
    err = ack.first("ERR")
    assert msa.value(1) in ("AE", "AR")
    assert err is not None
    assert err.value(3, 1) in TABLE_0357
    assert err.value(3, 3) == "HL70357"
    assert err.value(8)


def assert_applied(command: PatientUpsert | PatientMerge, target: FakeAdtTarget) -> None:
    if isinstance(command, PatientMerge):
        for pair in command.pairs:
            assert target.find(*pair.retired) is None
            assert target.find(*pair.survivor) is not None
        return
    patient_id = target.find(*command.key)
    assert patient_id is not None
    stored = target.patients[patient_id]
    validate("Patient", {name: value for name, value in stored.items() if name != "id"})
