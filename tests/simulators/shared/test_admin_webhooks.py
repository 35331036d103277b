"""``PUT`` / ``DELETE /_admin/webhooks/{name}``: receivers managed through the admin API."""

from __future__ import annotations

import json

import httpx
import pytest

from simulators._shared import MemoryReceiver, SimulatorSettings
from tests.simulators.shared.conftest import ADMIN_KEY, auth

pytestmark = pytest.mark.anyio

ADMIN = auth(ADMIN_KEY)
HOOK = {"url": "http://sync.example/hook", "secret": "s3cret-key", "headers": {"X-Team": "a"}}


async def test_an_admin_registers_a_receiver_that_then_gets_every_change(
    client: httpx.AsyncClient, settings: SimulatorSettings
) -> None:
    registered = await client.put("/_admin/webhooks/sync", json=HOOK, headers=ADMIN)
    await client.put("/notes/n1", json={"text": "hello"})
    await client.post("/_admin/webhooks/drain", headers=ADMIN)

    receiver = settings.webhook_transport
    assert isinstance(receiver, MemoryReceiver)
    assert registered.status_code == 201
    assert registered.json() == {"name": "sync", "url": HOOK["url"]}
    assert [r.url for r in receiver.received] == [HOOK["url"]]
    assert receiver.received[0].headers["X-Team"] == "a"
    assert "X-Sim-Signature" in receiver.received[0].headers


async def test_putting_the_same_receiver_again_changes_nothing(client: httpx.AsyncClient) -> None:
    await client.put("/_admin/webhooks/sync", json=HOOK, headers=ADMIN)

    again = await client.put("/_admin/webhooks/sync", json=HOOK, headers=ADMIN)
    listed = await client.get("/_admin/webhooks", headers=ADMIN)

    assert again.status_code == 200
    assert listed.json()["endpoints"] == [{"name": "sync", "url": HOOK["url"]}]


async def test_putting_another_url_replaces_the_receiver(client: httpx.AsyncClient) -> None:
    await client.put("/_admin/webhooks/sync", json=HOOK, headers=ADMIN)

    moved = await client.put(
        "/_admin/webhooks/sync", json={"url": "http://sync.example/v2"}, headers=ADMIN
    )
    listed = await client.get("/_admin/webhooks", headers=ADMIN)

    assert moved.status_code == 200
    assert listed.json()["endpoints"] == [{"name": "sync", "url": "http://sync.example/v2"}]


async def test_a_deleted_receiver_gets_nothing_more(
    client: httpx.AsyncClient, settings: SimulatorSettings
) -> None:
    await client.put("/_admin/webhooks/sync", json=HOOK, headers=ADMIN)

    deleted = await client.delete("/_admin/webhooks/sync", headers=ADMIN)
    await client.put("/notes/n1", json={"text": "hello"})
    await client.post("/_admin/webhooks/drain", headers=ADMIN)

    receiver = settings.webhook_transport
    assert isinstance(receiver, MemoryReceiver)
    assert deleted.json() == {"name": "sync", "deleted": True}
    assert receiver.received == []


async def test_deleting_an_unknown_receiver_is_404_naming_it(client: httpx.AsyncClient) -> None:
    response = await client.delete("/_admin/webhooks/ghost", headers=ADMIN)

    assert response.status_code == 404
    assert "'ghost'" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/_admin/webhooks/sync", {"url": "ftp://nope"}),
        ("/_admin/webhooks/sync", {**HOOK, "extra": 1}),
        ("/_admin/webhooks/-bad-name", HOOK),
    ],
)
async def test_a_malformed_registration_is_422(
    client: httpx.AsyncClient, path: str, body: dict[str, object]
) -> None:
    response = await client.put(path, json=body, headers=ADMIN)

    assert response.status_code == 422


async def test_only_the_admin_role_manages_receivers(client: httpx.AsyncClient) -> None:
    put = await client.put("/_admin/webhooks/sync", json=HOOK)
    delete = await client.delete("/_admin/webhooks/sync")

    assert (put.status_code, delete.status_code) == (403, 403)


async def test_receiver_changes_are_recorded_in_the_history(client: httpx.AsyncClient) -> None:
    await client.put("/_admin/webhooks/sync", json=HOOK, headers=ADMIN)
    await client.put("/_admin/webhooks/sync", json={"url": "http://sync.example/v2"}, headers=ADMIN)
    await client.delete("/_admin/webhooks/sync", headers=ADMIN)

    lines = (await client.get("/_admin/history", headers=ADMIN)).text.splitlines()
    ops = [json.loads(line) for line in lines]

    completed = [(o["f"], o["key"], o["type"]) for o in ops if o["type"] != "invoke"]
    assert completed == [
        ("create", "Webhook/sync", "ok"),
        ("write", "Webhook/sync", "ok"),
        ("delete", "Webhook/sync", "ok"),
    ]
