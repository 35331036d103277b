"""The CRM on a real port (uvicorn), driven by httpx: versions, upsert, idempotency, limits,
webhooks, outreach and its history."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx
import pytest

from simulators.crm import CrmOptions, RateLimit, create_app
from splitbrain.harness.world import serving
from tests.simulators.crm.support import Rig, completed_in_order, make_settings

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

EXT_PATH = "/contacts/by-external-id/ehr/ehr-3fa29c01b2"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@contextlib.asynccontextmanager
async def _served(**options: Any) -> AsyncIterator[Rig]:
    settings = make_settings(crm=CrmOptions(**options))
    app = create_app(settings)
    async with serving(app) as url:
        rig = Rig(settings, app, base_url=url, transport=httpx.AsyncHTTPTransport())
        yield rig
        await rig.aclose()


@pytest.fixture
async def crm_rig() -> AsyncIterator[Rig]:
    limits = {"limited": RateLimit(capacity=2, per_second=0.5)}
    async with _served(rate_limits=limits) as rig:
        yield rig


async def test_served_upsert_creates_updates_and_refuses_ambiguity(crm_rig: Rig) -> None:
    crm = crm_rig.client()

    created = await crm.put(EXT_PATH, json={"first_name": "Ana"})
    updated = await crm.put(EXT_PATH, json={"phone": "555-0100"}, headers={"If-Match": "1"})
    await crm.post(
        "/contacts", json={"external_ids": [{"system": "ehr", "value": "ehr-3fa29c01b2"}]}
    )
    ambiguous = await crm.put(EXT_PATH, json={"phone": "555-0199"})

    assert (created.status_code, updated.status_code, ambiguous.status_code) == (201, 200, 300)
    assert len(ambiguous.json()["error"]["candidates"]) == 2
    assert (await crm.get(f"/contacts/{created.json()['id']}")).json()["phone"] == "555-0100"


async def test_served_stale_write_is_412_with_versions(crm_rig: Rig) -> None:
    crm = crm_rig.client()
    cid = (await crm.post("/contacts", json={})).json()["id"]
    await crm.patch(f"/contacts/{cid}", json={"first_name": "A"}, headers={"If-Match": '"1"'})

    stale = await crm.patch(
        f"/contacts/{cid}", json={"first_name": "B"}, headers={"If-Match": '"1"'}
    )

    assert stale.status_code == 412
    assert stale.json()["error"]["current_version"] == 2


async def test_served_idempotency_replays_refuses_reuse_and_concurrent_duplicates() -> None:
    async with _served(processing_delay=0.3) as rig:
        crm = rig.client()
        body = {"patient_ref": "tok_8f3a91c2d4"}
        statuses: list[int] = []

        async def post() -> None:
            response = await crm.post("/contacts", json=body, headers={"Idempotency-Key": "dup"})
            statuses.append(response.status_code)

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(post)
            await anyio.sleep(0.1)
            tasks.start_soon(post)
        replay = await crm.post("/contacts", json=body, headers={"Idempotency-Key": "dup"})
        reuse = await crm.post("/contacts", json={}, headers={"Idempotency-Key": "dup"})

        assert sorted(statuses) == [201, 409]
        assert (replay.status_code, replay.headers["idempotent-replayed"]) == (201, "true")
        assert reuse.status_code == 422
        assert (await crm.get("/contacts")).json()["total"] == 1


async def test_served_rate_limit_answers_429_with_retry_after(crm_rig: Rig) -> None:
    limited = crm_rig.client("limited")

    statuses = [(await limited.get("/pipeline")).status_code for _ in range(3)]
    refused = await limited.get("/pipeline")

    assert statuses[:2] == [200, 200]
    assert statuses[2] == refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert (await crm_rig.client().get("/pipeline")).status_code == 200


async def test_served_changes_are_delivered_as_webhooks(crm_rig: Rig) -> None:
    crm = crm_rig.client()
    await crm.post("/webhooks", json={"name": "engine-hook", "url": "http://hooks/engine"})
    cid = (await crm.post("/contacts", json={})).json()["id"]
    await crm.patch(f"/contacts/{cid}", json={"first_name": "A"})

    received = await crm_rig.receiver.wait_for(2)

    assert [(w.json()["type"], w.json()["version"]) for w in received] == [
        ("contact.created", 1),
        ("contact.updated", 2),
    ]


async def test_served_outreach_respects_flags_when_the_admin_moves_the_clock(
    crm_rig: Rig,
) -> None:
    crm, admin = crm_rig.client(), crm_rig.client("admin")
    member = {"campaign": "SYN-C"}
    yes = await crm.post(
        "/contacts",
        json={**member, "email": "a@example.com", "consents": {"HMARKT": {"email": True}}},
    )
    await crm.post(
        "/contacts",
        json={**member, "email": "b@example.com", "consents": {"HMARKT": {"email": False}}},
    )
    campaign = {"name": "SYN-C", "purpose": "HMARKT", "channel": "email", "every_minutes": 15}
    await crm.post("/campaigns", json=campaign)

    await admin.post("/_admin/clock/advance", json={"seconds": 900})

    sends = (await crm.get("/outreach/sends")).json()["items"]
    assert [(s["contact_id"], s["status"]) for s in sends] == [(yes.json()["id"], "sent")]


async def test_served_history_is_complete_and_ordered(crm_rig: Rig) -> None:
    crm = crm_rig.client()
    cid = (await crm.post("/contacts", json={}, headers={"Idempotency-Key": "h1"})).json()["id"]
    await crm.post("/contacts", json={}, headers={"Idempotency-Key": "h1"})
    await crm.patch(f"/contacts/{cid}", json={"first_name": "A"}, headers={"If-Match": "9"})
    await crm.get(f"/contacts/{cid}")
    await crm.get("/contacts/con-404")

    exported = (await crm_rig.client("admin").get("/_admin/history")).text

    history = [json.loads(line) for line in exported.splitlines()]
    assert completed_in_order(history)
    kinds = [(r["f"], r["type"], r["outcome"]) for r in history if r["type"] != "invoke"]
    assert kinds == [
        ("create", "ok", "ok"),
        ("http", "ok", "idempotent_replay"),
        ("write", "fail", "stale_version"),
        ("read", "ok", "ok"),
        ("read", "fail", "not_found"),
    ]
    assert history[0]["idempotency_key"] == "h1"
