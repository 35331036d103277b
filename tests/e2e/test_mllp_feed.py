"""The outbound ADT feed against a real MLLP peer on loopback: retries, give-ups, stale ACKs."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from simulators._shared.clock import SimClock
from simulators._shared.history import History
from simulators.ehr.hl7.feed import AdtFeed, FeedSettings
from simulators.ehr.hl7.receiver import ControlIds
from simulators.ehr.hl7.target import ChangeEvent
from tests.simulators.hl7.fakes import FakeAdtTarget
from tests.simulators.hl7.messages import MRN_SYSTEM
from tests.simulators.hl7.peer import Script, ScriptedPeer

pytestmark = pytest.mark.e2e

Scenario = Callable[[FakeAdtTarget, AdtFeed], Awaitable[None]]


def patient(mrn: str, family: str = "Feedtest") -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "identifier": [{"system": MRN_SYSTEM, "value": mrn}],
        "name": [{"family": family, "given": ["Ana"]}],
    }


def run_feed(
    script: Script, scenario: Scenario, *, port: int | None = None, attempts: int = 4
) -> tuple[AdtFeed, ScriptedPeer, History]:
    history = History(SimClock(), system="ehr")
    peer = ScriptedPeer(script)

    async def main() -> AdtFeed:
        async with peer:
            settings = FeedSettings(
                "127.0.0.1", port or peer.port, ack_timeout=0.25, max_attempts=attempts,
                backoff_base=0.01, backoff_cap=0.02, connect_timeout=1.0,
            )  # fmt: skip
            feed = AdtFeed(settings, history=history, control_ids=ControlIds("F"))
            target = FakeAdtTarget()
            feed.attach(target)
            await feed.start()
            try:
                await scenario(target, feed)
                await asyncio.wait_for(feed.drain(), timeout=10)
            finally:
                await feed.stop()
            return feed

    return asyncio.run(main()), peer, history


async def create_then_update(target: FakeAdtTarget, feed: AdtFeed) -> None:
    target.upsert_patient(patient("F1"), process="test")
    target.upsert_patient(patient("F1", family="Renamed"), process="test")


def test_a_create_is_sent_as_a04_and_an_update_as_a08() -> None:
    feed, peer, history = run_feed(lambda cid, seen: (0.0, "AA"), create_then_update)

    assert peer.received == [("F1", "A04"), ("F2", "A08")]
    assert [(o.control_id, o.event, o.status, o.attempts) for o in feed.outcomes] == [
        ("F1", "A04", "delivered", 1),
        ("F2", "A08", "delivered", 1),
    ]
    assert b"Renamed" in peer.payloads[1]
    assert [(r["type"], r["f"]) for r in history.records()][:2] == [
        ("invoke", "feed.A04"),
        ("ok", "feed.A04"),
    ]


def test_a_message_without_an_ack_in_time_is_resent_with_the_same_control_id() -> None:
    feed, peer, history = run_feed(
        lambda cid, seen: None if seen == 1 else (0.0, "AA"), create_then_update
    )

    assert peer.received == [("F1", "A04"), ("F1", "A04"), ("F2", "A08"), ("F2", "A08")]
    assert [(o.status, o.attempts) for o in feed.outcomes] == [("delivered", 2)] * 2
    completions = [(r["type"], r["outcome"], r["attempt"]) for r in history.records()]
    assert completions[:4] == [
        ("invoke", None, 1),
        ("info", "timeout", 1),
        ("invoke", None, 2),
        ("ok", "AA", 2),
    ]


def test_an_ae_is_retried_and_an_ar_is_given_up_and_recorded() -> None:
    def script(control_id: str, seen: int) -> tuple[float, str]:
        if control_id == "F1":
            return (0.0, "AE") if seen == 1 else (0.0, "AA")
        return (0.0, "AR")

    feed, peer, history = run_feed(script, create_then_update)

    assert [(o.control_id, o.status, o.attempts) for o in feed.outcomes] == [
        ("F1", "delivered", 2),
        ("F2", "rejected", 1),
    ]
    assert peer.received.count(("F2", "A08")) == 1
    assert "AR" in feed.outcomes[1].detail
    assert history.records()[-1]["type"] == "fail" and history.records()[-1]["outcome"] == "AR"


def test_a_late_ack_for_one_message_is_never_credited_to_the_next() -> None:
    def script(control_id: str, seen: int) -> tuple[float, str]:
        if control_id == "F1" and seen == 1:
            return (0.4, "AA")  # answers attempt 1 after the feed gave up waiting
        if control_id == "F2" and seen == 1:
            return (0.0, "AE")  # so only a wrongly credited F1 ACK could deliver F2 at once
        return (0.0, "AA")

    feed, peer, _ = run_feed(script, create_then_update)

    assert peer.received == [("F1", "A04"), ("F1", "A04"), ("F2", "A08"), ("F2", "A08")]
    assert [(o.control_id, o.status, o.attempts) for o in feed.outcomes] == [
        ("F1", "delivered", 2),
        ("F2", "delivered", 2),
    ]
    assert feed.stale_acks == 1


def test_a_merge_is_sent_as_a40_naming_survivor_and_retired() -> None:
    async def scenario(target: FakeAdtTarget, feed: AdtFeed) -> None:
        target.upsert_patient(patient("KEEP"), process="test")
        target.upsert_patient(patient("GONE"), process="test")
        target.merge_patients((MRN_SYSTEM, "KEEP"), (MRN_SYSTEM, "GONE"), process="test")

    _, peer, _ = run_feed(lambda cid, seen: (0.0, "AA"), scenario)

    assert [event for _, event in peer.received] == ["A04", "A04", "A40", "A08"]
    merge_segments = peer.payloads[2].decode().split("\r")
    assert merge_segments[2].startswith("PID|1||KEEP")
    assert merge_segments[3].startswith("MRG|GONE")


def test_an_unreachable_peer_exhausts_the_attempts_and_records_it() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]

    async def one_create(target: FakeAdtTarget, feed: AdtFeed) -> None:
        target.upsert_patient(patient("F1"), process="test")

    feed, _, history = run_feed(always_none, one_create, port=closed_port, attempts=3)

    assert [(o.status, o.attempts) for o in feed.outcomes] == [("exhausted", 3)]
    assert "cannot open" in feed.outcomes[0].detail
    assert [r["outcome"] for r in history.records() if r["type"] == "info"] == ["timeout"] * 3


def always_none(control_id: str, seen: int) -> None:
    return None


def test_a_patient_that_cannot_be_written_as_adt_is_recorded_and_the_feed_goes_on() -> None:
    async def scenario(target: FakeAdtTarget, feed: AdtFeed) -> None:
        broken = {"resourceType": "Patient", "identifier": [{"value": "NO-SYSTEM"}]}
        feed.notify(ChangeEvent("Patient", "p9", "1", broken, "create"))
        target.upsert_patient(patient("F1"), process="test")

    feed, peer, _ = run_feed(lambda cid, seen: (0.0, "AA"), scenario)

    assert [(o.patient_id, o.status) for o in feed.outcomes] == [
        ("p9", "unsendable"),
        ("p1", "delivered"),
    ]
    assert "KeyError" in feed.outcomes[0].detail
    assert [event for _, event in peer.received] == ["A04"]
