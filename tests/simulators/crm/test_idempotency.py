"""Idempotency-Key: replay the first response; 422 for another body; 409 while in flight."""

from __future__ import annotations

import anyio
import pytest

from simulators.crm import CrmOptions, create_app
from tests.simulators.crm.support import Rig, make_settings

pytestmark = pytest.mark.anyio

BODY = {"patient_ref": "tok_8f3a91c2d4", "first_name": "Ana"}


async def test_a_retry_with_the_same_key_replays_the_first_response(rig: Rig) -> None:
    crm = rig.client()
    headers = {"Idempotency-Key": "create-ana-1"}

    first = await crm.post("/contacts", json=BODY, headers=headers)
    retry = await crm.post("/contacts", json=BODY, headers=headers)

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.content == first.content
    assert retry.headers["etag"] == first.headers["etag"]
    assert retry.headers["idempotent-replayed"] == "true"
    assert len(rig.app.state.store.contacts) == 1
    assert [r["outcome"] for r in rig.ops("http") if r["type"] == "ok"] == ["idempotent_replay"]


async def test_the_same_key_with_another_body_is_422_and_changes_nothing(rig: Rig) -> None:
    crm = rig.client()
    await crm.post("/contacts", json=BODY, headers={"Idempotency-Key": "k"})

    response = await crm.post(
        "/contacts", json={**BODY, "first_name": "Anna"}, headers={"Idempotency-Key": "k"}
    )

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert "Anna" not in response.text
    assert len(rig.app.state.store.contacts) == 1


async def test_keys_are_scoped_per_client(rig: Rig) -> None:
    headers = {"Idempotency-Key": "shared"}

    await rig.client("engine").post("/contacts", json=BODY, headers=headers)
    other = await rig.client("coordinator").post("/contacts", json=BODY, headers=headers)

    assert other.status_code == 201
    assert "idempotent-replayed" not in other.headers
    assert len(rig.app.state.store.contacts) == 2


async def test_a_replayed_refusal_is_the_same_refusal(rig: Rig) -> None:
    crm = rig.client()
    cid = (await crm.post("/contacts", json={})).json()["id"]
    await crm.patch(f"/contacts/{cid}", json={"first_name": "A"})
    headers = {"Idempotency-Key": "stale-write", "If-Match": "1"}

    first = await crm.patch(f"/contacts/{cid}", json={"first_name": "B"}, headers=headers)
    await crm.patch(f"/contacts/{cid}", json={"first_name": "C"})
    retry = await crm.patch(f"/contacts/{cid}", json={"first_name": "B"}, headers=headers)

    assert (first.status_code, retry.status_code) == (412, 412)
    assert retry.content == first.content


async def test_a_request_refused_by_validation_does_not_burn_its_key(rig: Rig) -> None:
    crm = rig.client()
    headers = {"Idempotency-Key": "k-invalid"}

    bad = await crm.post("/contacts", json={"bogus": True}, headers=headers)
    good = await crm.post("/contacts", json=BODY, headers=headers)

    assert (bad.status_code, good.status_code) == (422, 201)


async def test_a_concurrent_duplicate_while_the_first_is_in_flight_is_409() -> None:
    settings = make_settings(crm=CrmOptions(processing_delay=0.3))
    slow = Rig(settings, create_app(settings), base_url="http://crm")
    crm = slow.client()
    headers = {"Idempotency-Key": "in-flight"}
    statuses: list[int] = []

    async def post() -> None:
        statuses.append((await crm.post("/contacts", json=BODY, headers=headers)).status_code)

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(post)
        await anyio.sleep(0.1)
        tasks.start_soon(post)

    assert sorted(statuses) == [201, 409]
    assert len(slow.app.state.store.contacts) == 1
    refused = [r for r in slow.ops("http") if r["type"] == "fail"]
    assert [r["outcome"] for r in refused] == ["idempotency_in_flight"]
    await slow.aclose()
