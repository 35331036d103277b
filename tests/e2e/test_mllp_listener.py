"""The EHR's MLLP listener on a real loopback port, with the real FHIR store behind it.

python-hl7's own MLLP client sends several messages on one connection; the corpus goes down one
connection; frames are split, batched, BOM-prefixed and LF-terminated; garbage never drops the
connection; and a Hypothesis run throws random bytes at the socket.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

import hl7.client
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulators._shared.clock import SimClock
from simulators._shared.history import History
from simulators.ehr.hl7.ack import Ack, read_ack
from simulators.ehr.hl7.adt import (
    READ_SEGMENTS,
    SUPPORTED_EVENTS,
    PatientMerge,
    event_of,
    read_adt,
)
from simulators.ehr.hl7.client import MllpClient
from simulators.ehr.hl7.compose import Envelope, compose_adt
from simulators.ehr.hl7.framing import Frame, encode_frame
from simulators.ehr.hl7.identifiers import IdentifierSystems
from simulators.ehr.hl7.parse import Message, parse_message
from simulators.ehr.hl7.server import MllpServer, start_mllp_server
from simulators.ehr.store import FhirStore
from tests.simulators.hl7.messages import CORPUS, CORPUS_DIR, adt

pytestmark = pytest.mark.e2e
T = TypeVar("T")


def with_server(body: Callable[[MllpServer, FhirStore], Awaitable[T]]) -> tuple[T, FhirStore]:
    clock = SimClock()
    store = FhirStore(History(clock, system="ehr"), clock)

    async def main() -> T:
        async with await start_mllp_server(store, "127.0.0.1", 0, clock=clock) as server:
            return await body(server, store)

    return asyncio.run(main()), store


async def read_acks(client: MllpClient, count: int) -> list[Ack]:
    acks = []
    for _ in range(count):
        frame = await client.receive(timeout=10)
        assert isinstance(frame, Frame)
        acks.append(read_ack(frame.payload))
    return acks


def python_hl7_send(port: int, messages: list[str]) -> list[bytes]:
    """python-hl7's blocking client; its single recv() may hold part of an ACK, so read to FS CR."""
    replies = []
    with hl7.client.MLLPClient("127.0.0.1", port) as client:
        for message in messages:
            reply = client.send_message(message)
            while not reply.endswith(b"\x1c\r"):
                reply += client.socket.recv(4096)
            replies.append(reply.strip(b"\x0b\x1c\r"))
    return replies


def test_python_hl7_client_sends_several_messages_on_one_connection() -> None:
    messages = [adt("A04", mrn="E1", control_id="C1"), adt("A08", mrn="E1", control_id="C2"),
                adt("R01", message_type="ORU", control_id="C3")]  # fmt: skip

    async def body(server: MllpServer, store: FhirStore) -> list[bytes]:
        return await asyncio.to_thread(python_hl7_send, server.port, messages)

    replies, store = with_server(body)

    acks = [read_ack(reply) for reply in replies]
    assert [(a.code, a.acknowledged_id) for a in acks] == [("AA", "C1"), ("AA", "C2"), ("AR", "C3")]
    assert store.count("Patient") == 1


def test_split_batched_bom_and_lf_frames_are_all_answered_in_order() -> None:
    plain = adt(mrn="S1", control_id="P1").encode()
    bom_lf = b"\xef\xbb\xbf" + adt(mrn="S2", control_id="P2").replace("\r", "\n").encode()
    crlf = adt(mrn="S3", control_id="P3").replace("\r", "\r\n").encode()

    async def body(server: MllpServer, store: FhirStore) -> list[Ack]:
        async with await MllpClient.connect("127.0.0.1", server.port) as client:
            for byte in encode_frame(plain):
                await client.write(bytes([byte]))
            await client.write(encode_frame(bom_lf) + encode_frame(crlf))
            return await read_acks(client, 3)

    acks, store = with_server(body)

    assert [(a.code, a.acknowledged_id) for a in acks] == [("AA", "P1"), ("AA", "P2"), ("AA", "P3")]
    assert store.count("Patient") == 3


def test_garbage_and_broken_frames_never_drop_the_connection() -> None:
    async def body(server: MllpServer, store: FhirStore) -> list[Ack]:
        async with await MllpClient.connect("127.0.0.1", server.port) as client:
            await client.write(b"GET / HTTP/1.1\r\n\r\n\x00\xff\x1c\r")
            await client.write(b"\x0bMSH|^~\\&|cut short")
            await client.write(b"\x0b\xff\xfe not hl7 \x1c\r")
            await client.write(encode_frame(adt(mrn="G1", control_id="OK1").encode()))
            return await read_acks(client, 3)

    acks, _ = with_server(body)

    assert [a.code for a in acks] == ["AR", "AR", "AA"]
    assert acks[2].acknowledged_id == "OK1"


def test_a_frame_left_open_when_the_peer_ends_its_stream_is_answered_then_closed() -> None:
    async def body(server: MllpServer, store: FhirStore) -> tuple[Ack, bytes]:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"\x0b" + adt(control_id="HALF").encode())
        writer.write_eof()
        data = await asyncio.wait_for(reader.read(), timeout=10)
        writer.close()
        await writer.wait_closed()
        return read_ack(data.strip(b"\x0b\x1c\r")), data

    (ack, data), _ = with_server(body)

    assert (ack.code, ack.acknowledged_id) == ("AR", "HALF")
    assert data.endswith(b"\x1c\r")


def test_eight_connections_at_once_are_all_served() -> None:
    async def one(port: int, number: int) -> list[Ack]:
        async with await MllpClient.connect("127.0.0.1", port) as client:
            frames = b"".join(
                encode_frame(adt(mrn=f"K{number}-{i}", control_id=f"{number}-{i}").encode())
                for i in range(5)
            )
            await client.write(frames)
            return await read_acks(client, 5)

    async def body(server: MllpServer, store: FhirStore) -> list[list[Ack]]:
        return await asyncio.gather(*(one(server.port, n) for n in range(8)))

    results, store = with_server(body)

    assert all(ack.code == "AA" for acks in results for ack in acks)
    assert store.count("Patient") == 40


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the HL7 v2 corpus is not at {CORPUS_DIR}")
def test_the_whole_corpus_down_one_connection_gets_one_ack_per_message() -> None:
    payloads = [path.read_bytes() for path in sorted(CORPUS.glob("*.hl7"))]
    messages = [parse_message(payload, only=READ_SEGMENTS) for payload in payloads]
    seeds = [seed for message in messages for seed in merge_seeds(message)]

    async def body(server: MllpServer, store: FhirStore) -> list[Ack]:
        async with await MllpClient.connect("127.0.0.1", server.port) as client:
            await client.write(b"".join(encode_frame(p) for p in [*seeds, *payloads]))
            return await read_acks(client, len(seeds) + len(payloads))

    acks, _ = with_server(body)

    answers = acks[len(seeds) :]
    assert [a.acknowledged_id for a in answers] == [m.header.control_id for m in messages]
    assert all(a.code == "AA" for a in acks[: len(seeds)])
    pairs = list(zip(answers, messages, strict=True))
    applied = [ack.code for ack, message in pairs if supported(message)]
    refused = [(ack.code, bool(ack.errors)) for ack, message in pairs if not supported(message)]
    assert applied == ["AA"] * 16
    assert {code for code, _ in refused} <= {"AE", "AR"}
    assert all(has_err for _, has_err in refused)


def supported(message: Message) -> bool:
    return message.header.message_code == "ADT" and event_of(message) in SUPPORTED_EVENTS


def merge_seeds(message: Message) -> list[bytes]:
    if message.header.trigger_event != "A40":
        return []
    command = read_adt(message, IdentifierSystems())
    assert isinstance(command, PatientMerge)
    keys = [key for pair in command.pairs for key in (pair.survivor, pair.retired)]
    return [seed(system, value) for system, value in keys]


def seed(system: str, value: str) -> bytes:
    patient = {"identifier": [{"system": system, "value": value}], "name": [{"family": "Seed"}]}
    now = datetime.now(UTC)
    text = compose_adt(
        "A04", patient, control_id=f"SEED-{value}", timestamp=now, envelope=Envelope()
    )
    return text.encode()


@settings(max_examples=20, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(junk=st.binary(max_size=200))
def test_random_bytes_on_the_socket_get_acks_and_the_next_message_is_accepted(junk: bytes) -> None:
    valid = adt(mrn="R1", control_id="AFTER").encode()

    async def body(server: MllpServer, store: FhirStore) -> list[Ack]:
        async with await MllpClient.connect("127.0.0.1", server.port) as client:
            await client.write(junk)
            await client.write(encode_frame(valid))
            return await read_acks(client, junk.count(b"\x0b") + 1)

    acks, _ = with_server(body)

    assert all(ack.code in ("AA", "AE", "AR") for ack in acks)
    assert (acks[-1].code, acks[-1].acknowledged_id) == ("AA", "AFTER")
