"""R4 rest-hook Subscriptions, delivered through the shared dispatcher (retries and faults)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from simulators._shared import FaultPlan, FixedLatency, MemoryReceiver, WebhookFault
from tests.simulators.ehr.conftest import patient

pytestmark = pytest.mark.anyio

HOOK = "http://engine.test/fhir-hooks"


def _subscription(
    criteria: str = "Patient", payload: str | None = "application/fhir+json", **channel: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "rest-hook",
        "endpoint": HOOK,
        "header": ["Authorization: Bearer engine-secret"],
        **channel,
    }
    if payload:
        body["payload"] = payload
    return {
        "resourceType": "Subscription",
        "status": "requested",
        "reason": "sync to CRM",
        "criteria": criteria,
        "channel": body,
    }


async def _subscribe(client: httpx.AsyncClient, **kwargs: Any) -> str:
    response = await client.post("/fhir/Subscription", json=_subscription(**kwargs))
    assert response.status_code == 201, response.json()
    return str(response.json()["id"])


async def _drain(app: FastAPI) -> None:
    await app.state.runtime.webhooks.drain()


async def test_a_requested_subscription_becomes_active(client: httpx.AsyncClient) -> None:
    sub_id = await _subscribe(client)

    current = (await client.get(f"/fhir/Subscription/{sub_id}")).json()

    assert current["status"] == "active"
    assert current["meta"]["versionId"] == "2"


async def test_a_matching_change_is_put_to_the_endpoint_with_the_resource(
    client: httpx.AsyncClient, app: FastAPI, receiver: MemoryReceiver
) -> None:
    await _subscribe(client)

    created = (await client.post("/fhir/Patient", json=patient())).json()
    await _drain(app)

    (hook,) = receiver.received
    assert hook.method == "PUT"
    assert hook.url == f"{HOOK}/Patient/{created['id']}"
    assert hook.headers["Authorization"] == "Bearer engine-secret"
    assert hook.headers["Content-Type"] == "application/fhir+json"
    assert json.loads(hook.body) == created


async def test_without_a_payload_the_notification_is_an_empty_post(
    client: httpx.AsyncClient, app: FastAPI, receiver: MemoryReceiver
) -> None:
    await _subscribe(client, payload=None)

    await client.post("/fhir/Patient", json=patient())
    await _drain(app)

    (hook,) = receiver.received
    assert (hook.method, hook.url, hook.body) == ("POST", HOOK, b"")


async def test_only_changes_matching_the_criteria_are_notified(
    client: httpx.AsyncClient, app: FastAPI, receiver: MemoryReceiver
) -> None:
    await _subscribe(client, criteria="Patient?gender=male")

    await client.post("/fhir/Patient", json=patient(gender="female"))
    male = (await client.post("/fhir/Patient", json=patient(gender="male"))).json()
    await client.post("/fhir/Practitioner", json={"resourceType": "Practitioner"})
    await _drain(app)

    assert [r.url for r in receiver.received] == [f"{HOOK}/Patient/{male['id']}"]


async def test_updates_are_notified_and_deletes_are_not(
    client: httpx.AsyncClient, app: FastAPI, receiver: MemoryReceiver
) -> None:
    await _subscribe(client)
    created = (await client.post("/fhir/Patient", json=patient())).json()

    await client.put(f"/fhir/Patient/{created['id']}", json={**created, "active": False})
    await client.delete(f"/fhir/Patient/{created['id']}")
    await _drain(app)

    versions = [json.loads(r.body)["meta"]["versionId"] for r in receiver.received]
    assert versions == ["1", "2"]


async def test_a_failing_endpoint_is_retried_and_each_attempt_recorded(
    client: httpx.AsyncClient, app: FastAPI, settings: Any
) -> None:
    receiver = MemoryReceiver(statuses=[503, 502])
    app.state.runtime.webhooks.transport = receiver
    sub_id = await _subscribe(client)

    await client.post("/fhir/Patient", json=patient())
    await _drain(app)

    notify = [
        r
        for r in app.state.runtime.history.records()
        if r["f"] == "notify" and r["type"] != "invoke"
    ]
    assert [(r["type"], r["attempt"], r["outcome"]) for r in notify] == [
        ("fail", 1, "http_503"),
        ("fail", 2, "http_502"),
        ("ok", 3, "ok"),
    ]
    assert {r["process"] for r in notify} == {f"Subscription/{sub_id}"}
    assert len(receiver.received) == 3


@pytest.mark.parametrize(
    ("fault", "expected_versions"),
    [
        (WebhookFault(kind="drop", times=1), ["2", "3"]),
        (WebhookFault(kind="duplicate", times=1), ["1", "1", "2", "3"]),
        (WebhookFault(kind="reorder", times=1), ["2", "1", "3"]),
        (WebhookFault(kind="delay", times=1, latency=FixedLatency(seconds=0.05)), ["2", "3", "1"]),
    ],
)
async def test_webhook_faults_reach_the_subscriber(
    client: httpx.AsyncClient,
    app: FastAPI,
    receiver: MemoryReceiver,
    fault: WebhookFault,
    expected_versions: list[str],
) -> None:
    app.state.runtime.faults.set_plan(FaultPlan(webhooks=(fault,)))
    await _subscribe(client)
    created = (await client.post("/fhir/Patient", json=patient())).json()
    url = f"/fhir/Patient/{created['id']}"

    for active in (False, True):
        current = (await client.get(url)).json()
        await client.put(url, json={**current, "active": active})
    await _drain(app)

    assert [json.loads(r.body)["meta"]["versionId"] for r in receiver.received] == expected_versions


async def test_a_deleted_subscription_stops_notifying(
    client: httpx.AsyncClient, app: FastAPI, receiver: MemoryReceiver
) -> None:
    sub_id = await _subscribe(client)
    await client.delete(f"/fhir/Subscription/{sub_id}")

    await client.post("/fhir/Patient", json=patient())
    await _drain(app)

    assert receiver.received == []


async def test_a_subscription_past_its_end_stops_notifying(
    client: httpx.AsyncClient, app: FastAPI, receiver: MemoryReceiver
) -> None:
    body = {**_subscription(), "end": "2025-01-06T08:00:00+00:00"}
    await client.post("/fhir/Subscription", json=body)

    await client.post("/fhir/Patient", json=patient())
    await _drain(app)

    assert receiver.received == []


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"criteria": "Observation?code=x"}, "Subscription.criteria"),
        ({"criteria": "Patient?shoe=9"}, "Subscription.criteria"),
        ({"channel": {"type": "websocket", "endpoint": HOOK}}, "Subscription.channel.type"),
        ({"channel": {"type": "rest-hook"}}, "Subscription.channel.endpoint"),
    ],
)
async def test_a_subscription_the_server_cannot_honour_is_422(
    client: httpx.AsyncClient, change: dict[str, Any], path: str
) -> None:
    response = await client.post("/fhir/Subscription", json={**_subscription(), **change})

    assert response.status_code == 422
    assert response.json()["issue"][0]["expression"] == [path]
