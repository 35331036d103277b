"""The portal on a real port: consent grant and revoke versions and their webhooks, stale
preference writes, and a complete history."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from simulators.portal import create_app
from splitbrain.harness.world import serving
from tests.simulators.crm.support import Rig, completed_in_order, make_settings

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    settings = make_settings()
    app = create_app(settings)
    async with serving(app) as url:
        rig = Rig(settings, app, base_url=url, transport=httpx.AsyncHTTPTransport())
        yield rig
        await rig.aclose()


async def test_served_consent_grant_and_revoke_are_versions_and_webhooks(rig: Rig) -> None:
    portal = rig.client()
    await portal.post("/webhooks", json={"name": "engine-hook", "url": "http://hooks/engine"})
    aid = (await portal.post("/accounts", json={"given_name": "Ana"})).json()["id"]
    body = {"purpose": "HMARKT", "channel": "email"}

    granted = await portal.post(f"/accounts/{aid}/consents/grant", json=body)
    revoked = await portal.post(
        f"/accounts/{aid}/consents/revoke", json=body, headers={"If-Match": granted.headers["etag"]}
    )
    received = await rig.receiver.wait_for(4)

    assert (granted.json()["version"], revoked.json()["version"]) == (1, 2)
    consent_events = [w.json() for w in received if w.json()["resource"] == "Consent"]
    assert [(e["type"], e["version"]) for e in consent_events] == [
        ("consent.granted", 1),
        ("consent.revoked", 2),
    ]


async def test_served_stale_preferences_write_is_412(rig: Rig) -> None:
    portal = rig.client()
    aid = (await portal.post("/accounts", json={})).json()["id"]
    await portal.patch(
        f"/accounts/{aid}/preferences", json={"contact_time": "morning"}, headers={"If-Match": "1"}
    )

    stale = await portal.patch(
        f"/accounts/{aid}/preferences", json={"contact_time": "evening"}, headers={"If-Match": "1"}
    )

    assert stale.status_code == 412
    assert stale.json()["error"]["expected_version"] == 1


async def test_served_portal_history_is_complete_and_ordered(rig: Rig) -> None:
    portal = rig.client()
    aid = (await portal.post("/accounts", json={})).json()["id"]
    await portal.post(
        f"/accounts/{aid}/consents/grant", json={"purpose": "TREAT", "channel": "sms"}
    )
    await portal.post(
        f"/accounts/{aid}/consents/revoke", json={"purpose": "TREAT", "channel": "sms"}
    )
    await portal.get(f"/accounts/{aid}")

    text = (await rig.client("admin").get("/_admin/history")).text

    history = [json.loads(line) for line in text.splitlines()]
    assert completed_in_order(history)
    assert [r["f"] for r in history if r["type"] == "ok"] == [
        "create",
        "create",
        "consent.grant",
        "consent.revoke",
        "read",
    ]
