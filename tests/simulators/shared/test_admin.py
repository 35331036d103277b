from __future__ import annotations

import json

import httpx
import pytest
from fastapi import FastAPI

from simulators._shared import SimulatorSettings, SystemClock
from tests.simulators.shared.conftest import ADMIN_KEY, auth, make_app, make_settings

pytestmark = pytest.mark.anyio

ADMIN = auth(ADMIN_KEY)


async def test_admin_routes_need_the_admin_role(client: httpx.AsyncClient) -> None:
    response = await client.post("/_admin/reset")

    assert response.status_code == 403
    assert "role 'sync_engine'" in response.json()["error"]["message"]


async def test_seed_then_reset_empties_the_simulator(client: httpx.AsyncClient) -> None:
    seeded = await client.post(
        "/_admin/seed", json={"records": [{"id": "n1"}, {"id": "n2"}]}, headers=ADMIN
    )
    before = await client.get("/notes/n2")

    await client.post("/_admin/reset", headers=ADMIN)
    after = await client.get("/notes/n2")

    assert seeded.json() == {"seeded": 2}
    assert (before.status_code, after.status_code) == (200, 404)


async def test_seed_rejects_anything_but_a_list_of_records(client: httpx.AsyncClient) -> None:
    response = await client.post("/_admin/seed", json={"records": "nope"}, headers=ADMIN)

    assert response.status_code == 400
    assert "JSON list of records" in response.json()["error"]["message"]


async def test_faults_are_set_read_counted_and_cleared(client: httpx.AsyncClient) -> None:
    plan = {"seed": 4, "requests": [{"kind": "error", "path": "/notes/*", "times": 1}]}

    put = await client.put("/_admin/faults", json=plan, headers=ADMIN)
    refused = await client.get("/notes/n1")
    fired = await client.get("/_admin/faults/fired", headers=ADMIN)
    cleared = await client.delete("/_admin/faults", headers=ADMIN)

    assert put.json()["requests"][0]["kind"] == "error"
    assert refused.status_code == 503
    assert fired.json() == {"requests": [1], "webhooks": []}
    assert cleared.json()["requests"] == [] and cleared.json()["seed"] == 4


async def test_an_invalid_fault_plan_is_422_naming_the_path(client: httpx.AsyncClient) -> None:
    response = await client.put(
        "/_admin/faults", json={"requests": [{"kind": "explode"}]}, headers=ADMIN
    )

    assert response.status_code == 422
    assert "body.requests.0.kind" in response.json()["error"]["message"]


async def test_history_exports_as_json_lines_and_can_be_switched_off(
    client: httpx.AsyncClient,
) -> None:
    await client.put("/notes/n1", json={"secret": "Ana Núñez"})
    exported = await client.get("/_admin/history", headers=ADMIN)
    await client.put("/_admin/history/recording", json={"enabled": False}, headers=ADMIN)
    await client.put("/notes/n2", json={})
    unchanged = await client.get("/_admin/history", headers=ADMIN)

    lines = [json.loads(line) for line in exported.text.splitlines()]
    assert exported.headers["content-type"].startswith("application/x-ndjson")
    assert [(r["type"], r["key"]) for r in lines] == [("invoke", "Note/n1"), ("ok", "Note/n1")]
    assert "Núñez" not in exported.text
    assert unchanged.text == exported.text


async def test_ground_truth_is_kept_verbatim(client: httpx.AsyncClient) -> None:
    truth = {"persons": [{"id": "gt-1", "records": {"notes": ["n1"]}}]}

    await client.put("/_admin/ground-truth", json=truth, headers=ADMIN)
    back = await client.get("/_admin/ground-truth", headers=ADMIN)

    assert back.json() == truth


async def test_the_clock_is_read_set_and_advanced(client: httpx.AsyncClient) -> None:
    start = (await client.get("/_admin/clock", headers=ADMIN)).json()

    moved = await client.put("/_admin/clock", json={"now": "2025-02-01T00:00:00Z"}, headers=ADMIN)
    advanced = await client.post("/_admin/clock/advance", json={"seconds": 90}, headers=ADMIN)
    backwards = await client.put(
        "/_admin/clock", json={"now": "2025-01-01T00:00:00Z"}, headers=ADMIN
    )

    assert start["controllable"] is True
    assert moved.json()["now"] == "2025-02-01T00:00:00+00:00"
    assert advanced.json()["now"] == "2025-02-01T00:01:30+00:00"
    assert backwards.status_code == 409


async def test_a_system_clock_cannot_be_moved() -> None:
    app = make_app(make_settings(clock=SystemClock()))
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://n", headers=ADMIN) as c:
        response = await c.post("/_admin/clock/advance", json={"seconds": 1})

    assert response.status_code == 409
    assert "system clock" in response.json()["error"]["message"]


async def test_webhooks_are_listed_and_drained(
    client: httpx.AsyncClient, app: FastAPI, settings: SimulatorSettings
) -> None:
    from simulators._shared import MemoryReceiver, WebhookEndpoint

    app.state.runtime.webhooks.register(WebhookEndpoint("engine", "http://engine.test/h"))
    await client.put("/notes/n1", json={})

    drained = await client.post("/_admin/webhooks/drain", headers=ADMIN)
    listed = await client.get("/_admin/webhooks", headers=ADMIN)

    receiver = settings.webhook_transport
    assert isinstance(receiver, MemoryReceiver)
    assert drained.json() == {"pending": 0}
    assert listed.json()["endpoints"] == [{"name": "engine", "url": "http://engine.test/h"}]
    assert len(receiver.received) == 1
