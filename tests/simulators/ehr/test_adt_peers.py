"""ADT peers: a sync engine registers its MLLP listener and the EHR feeds it ADT, on real sockets.

The peer is a scripted MLLP receiver on a loopback port (``tests.simulators.hl7.peer``); the EHR
runs in-process and its feed sends from the test's own event loop.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from simulators._shared import FaultPlan, MemoryReceiver, WebhookFault
from tests.simulators.ehr.conftest import FRONT_DESK_KEY, auth, patient
from tests.simulators.hl7.peer import ScriptedPeer

pytestmark = pytest.mark.anyio


@pytest.fixture(autouse=True)
async def _close_feeds(app: FastAPI) -> AsyncIterator[None]:
    """In-process there is no lifespan: stop the feeds (and their sockets) in the test's loop."""
    yield
    await app.state.adt_peers.aclose()


def _peer(port: int, **extra: Any) -> dict[str, Any]:
    return {"host": "127.0.0.1", "port": port, "ack_timeout": 2.0, **extra}


async def _drain(app: FastAPI) -> None:
    await app.state.adt_peers.drain(10)


def _feed_ops(app: FastAPI) -> list[dict[str, Any]]:
    records = app.state.runtime.history.records()
    return [r for r in records if str(r["f"]).startswith("feed.") and r["type"] != "invoke"]


async def test_a_sync_engine_registers_a_peer_and_receives_a04_then_a08(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    async with ScriptedPeer() as peer:
        registered = await client.put("/hl7/adt-peers/engine", json=_peer(peer.port))
        created = (await client.post("/fhir/Patient", json=patient())).json()
        await client.put(f"/fhir/Patient/{created['id']}", json={**created, "active": False})
        await _drain(app)

    assert registered.status_code == 201
    assert registered.json()["events"] == ["A04", "A08", "A40"]
    assert [event for _, event in peer.received] == ["A04", "A08"]
    ops = _feed_ops(app)
    assert [(op["f"], op["type"], op["outcome"]) for op in ops] == [
        ("feed.A04", "ok", "AA"),
        ("feed.A08", "ok", "AA"),
    ]
    assert {op["process"] for op in ops} == {"feed:engine"}


async def test_a_lost_ack_makes_the_ehr_resend_the_same_message_once(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    fault = WebhookFault(kind="lost_ack", endpoint="engine", times=1)
    app.state.runtime.faults.set_plan(FaultPlan(webhooks=(fault,)))
    async with ScriptedPeer() as peer:
        await client.put("/hl7/adt-peers/engine", json=_peer(peer.port))
        await client.post("/fhir/Patient", json=patient())
        await _drain(app)

    (first, second) = peer.received
    assert first == second and first[1] == "A04"
    ops = _feed_ops(app)
    assert [(op["type"], op["attempt"], op["outcome"]) for op in ops] == [
        ("info", 1, "fault:lost_ack"),
        ("ok", 2, "AA"),
    ]
    assert {op["idempotency_key"] for op in ops} == {first[0]}
    (outcome,) = app.state.adt_peers.outcomes("engine")
    assert (outcome.status, outcome.attempts) == ("delivered", 2)


async def test_a_peer_gets_only_the_events_it_asked_for(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    async with ScriptedPeer() as peer:
        await client.put("/hl7/adt-peers/engine", json=_peer(peer.port, events=["A01", "A04"]))
        created = (await client.post("/fhir/Patient", json=patient())).json()
        await client.put(f"/fhir/Patient/{created['id']}", json={**created, "active": False})
        await _drain(app)

    assert [event for _, event in peer.received] == ["A04"]
    assert app.state.adt_peers.feed("engine").skipped_events == 1


async def test_a_deleted_peer_hears_nothing_more_and_an_unknown_one_is_404(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    async with ScriptedPeer() as peer:
        await client.put("/hl7/adt-peers/engine", json=_peer(peer.port))
        deleted = await client.delete("/hl7/adt-peers/engine")
        await client.post("/fhir/Patient", json=patient())
        again = await client.delete("/hl7/adt-peers/engine")

    assert deleted.json() == {"name": "engine", "deleted": True}
    assert peer.received == []
    assert again.status_code == 404
    assert again.json()["resourceType"] == "OperationOutcome"
    assert "GET /hl7/adt-peers" in again.json()["issue"][0]["diagnostics"]


async def test_registering_again_is_unchanged_or_replaces_and_is_recorded(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    async with ScriptedPeer() as old, ScriptedPeer() as new:
        first = await client.put("/hl7/adt-peers/engine", json=_peer(old.port))
        same = await client.put("/hl7/adt-peers/engine", json=_peer(old.port))
        moved = await client.put("/hl7/adt-peers/engine", json=_peer(new.port))
        await client.post("/fhir/Patient", json=patient())
        await _drain(app)
        listing = (await client.get("/hl7/adt-peers")).json()
        wanted = {"name": "engine", **_peer(new.port), "events": ["A04", "A08", "A40"],
                  "max_attempts": 5}  # fmt: skip

    assert [r.status_code for r in (first, same, moved)] == [201, 200, 200]
    assert old.received == [] and len(new.received) == 1
    assert listing["peers"] == [wanted]
    records = app.state.runtime.history.records()
    peer_ops = [(r["f"], r["outcome"]) for r in records
                if r["key"] == "AdtPeer/engine" and r["type"] == "ok"]  # fmt: skip
    assert peer_ops == [("create", "ok"), ("write", "unchanged"), ("write", "ok")]


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"port": 2576}, "host", "host is required"),
        ({"host": "http://x/y", "port": 2576}, "host", "no scheme"),
        ({"host": "127.0.0.1"}, "port", "1 to 65535"),
        ({"host": "127.0.0.1", "port": 70000}, "port", "1 to 65535"),
        ({"host": "127.0.0.1", "port": True}, "port", "1 to 65535"),
        ({"host": "127.0.0.1", "port": 1, "events": []}, "events", "non-empty list"),
        ({"host": "127.0.0.1", "port": 1, "events": ["A04", "A02"]}, "events[1]", "A40"),
        ({"host": "127.0.0.1", "port": 1, "ack_timeout": 0}, "ack_timeout", "above 0"),
        ({"host": "127.0.0.1", "port": 1, "ack_timeout": "5"}, "ack_timeout", "seconds"),
        ({"host": "127.0.0.1", "port": 1, "max_attempts": 0}, "max_attempts", "from 1"),
        ({"host": "127.0.0.1", "port": 1, "url": "x"}, "url", "allowed: host, port"),
        (["127.0.0.1", 1], "$", "JSON object"),
    ],
)
async def test_a_bad_peer_is_422_naming_the_field_the_rule_and_the_fix(
    client: httpx.AsyncClient, body: Any, field: str, words: str
) -> None:
    response = await client.put("/hl7/adt-peers/engine", json=body)

    assert response.status_code == 422
    (issue,) = response.json()["issue"]
    assert issue["expression"] == [field]
    assert words in issue["diagnostics"]


async def test_a_body_that_is_not_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.put("/hl7/adt-peers/engine", content=b"{nope")

    assert response.status_code == 400
    assert response.json()["resourceType"] == "OperationOutcome"


async def test_only_a_sync_engine_or_the_admin_may_register_a_peer(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    body = _peer(2576)

    desk = await client.put("/hl7/adt-peers/engine", json=body, headers=auth(FRONT_DESK_KEY))
    by_admin = await client.put("/hl7/adt-peers/engine", json=body, headers=admin)

    assert desk.status_code == 403
    assert by_admin.status_code == 201


async def test_an_admin_reset_forgets_every_peer(
    client: httpx.AsyncClient, app: FastAPI, admin: dict[str, str]
) -> None:
    async with ScriptedPeer() as peer:
        await client.put("/hl7/adt-peers/engine", json=_peer(peer.port))
        reset = await client.post("/_admin/reset", headers=admin)
        await client.post("/fhir/Patient", json=patient())
        listing = (await client.get("/hl7/adt-peers")).json()

    assert reset.status_code == 200
    assert listing == {"peers": []} and peer.received == []


async def test_a_lost_ack_on_an_http_webhook_is_delivered_again(
    client: httpx.AsyncClient, app: FastAPI, receiver: MemoryReceiver
) -> None:
    fault = WebhookFault(kind="lost_ack", times=1)
    app.state.runtime.faults.set_plan(FaultPlan(webhooks=(fault,)))
    channel = {"type": "rest-hook", "endpoint": "http://engine.test/hooks",
               "payload": "application/fhir+json"}  # fmt: skip
    body = {"resourceType": "Subscription", "status": "requested", "criteria": "Patient",
            "reason": "sync", "channel": channel}  # fmt: skip
    assert (await client.post("/fhir/Subscription", json=body)).status_code == 201

    await client.post("/fhir/Patient", json=patient())
    await app.state.runtime.webhooks.drain(10)

    assert len(receiver.received) == 2
    assert json.loads(receiver.received[0].body) == json.loads(receiver.received[1].body)
    notify = [r for r in app.state.runtime.history.records()
              if r["f"] == "notify" and r["type"] != "invoke"]  # fmt: skip
    assert [(r["type"], r["attempt"], r["outcome"]) for r in notify] == [
        ("info", 1, "fault:lost_ack"),
        ("ok", 2, "ok"),
    ]
