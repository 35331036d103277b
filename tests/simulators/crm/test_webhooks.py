"""Change events: a webhook per create, update and delete, carrying the record version."""

from __future__ import annotations

import pytest

from simulators._shared import FaultPlan, FixedLatency, WebhookFault
from tests.simulators.crm.support import Rig

pytestmark = pytest.mark.anyio


async def test_every_change_is_an_event_with_the_new_version(rig: Rig) -> None:
    rig.subscribe()
    crm = rig.client()
    cid = (await crm.post("/contacts", json={"first_name": "Ana"})).json()["id"]
    await crm.patch(f"/contacts/{cid}", json={"phone": "555-0100"})
    await crm.delete(f"/contacts/{cid}")

    events = await rig.events()

    summary = [(e["type"], e["id"], e["version"]) for e in events]
    assert summary == [
        ("contact.created", cid, 1),
        ("contact.updated", cid, 2),
        ("contact.deleted", cid, 3),
    ]
    assert events[1]["changed"] == ["phone"]
    assert events[1]["actor"] == "engine"
    assert events[2]["record"] is None


async def test_events_are_delivered_with_event_id_headers_and_signature(rig: Rig) -> None:
    crm = rig.client()
    await crm.post(
        "/webhooks", json={"name": "eng", "url": "http://hooks/eng", "secret": "s3cret-s3cret"}
    )

    await crm.post("/leads", json={"source": "web_form"})
    await rig.events()

    delivered = rig.receiver.received[0]
    assert delivered.url == "http://hooks/eng"
    assert delivered.headers["X-Sim-Event-Id"].startswith("crm-evt-")
    assert delivered.headers["X-Sim-Signature"].startswith("sha256=")


async def test_a_refused_write_makes_no_event(rig: Rig) -> None:
    rig.subscribe()
    crm = rig.client()
    cid = (await crm.post("/contacts", json={})).json()["id"]

    await crm.patch(f"/contacts/{cid}", json={"first_name": "A"}, headers={"If-Match": "7"})
    await crm.post("/contacts", json={"patient_ref": "SYN-00412345"})

    assert [e["type"] for e in await rig.events()] == ["contact.created"]


async def test_only_the_engine_and_admin_may_register_receivers(rig: Rig) -> None:
    response = await rig.client("growth").post(
        "/webhooks", json={"name": "mine", "url": "http://hooks/mine"}
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


async def test_a_receiver_name_is_registered_once(rig: Rig) -> None:
    crm = rig.client()
    hook = {"name": "eng", "url": "http://hooks/eng"}
    await crm.post("/webhooks", json=hook)

    again = await crm.post("/webhooks", json=hook)
    removed = await crm.delete("/webhooks/eng")
    missing = await crm.delete("/webhooks/eng")

    assert (again.status_code, removed.status_code, missing.status_code) == (409, 200, 404)


async def _two_changes_under(rig: Rig, fault: WebhookFault) -> list[dict[str, object]]:
    await rig.client("admin").put(
        "/_admin/faults", json=FaultPlan(seed=2, webhooks=(fault,)).model_dump(mode="json")
    )
    rig.subscribe()
    crm = rig.client()
    cid = (await crm.post("/contacts", json={})).json()["id"]
    await crm.patch(f"/contacts/{cid}", json={"first_name": "A"})
    return await rig.events()


async def test_a_dropped_webhook_never_arrives_and_is_recorded(rig: Rig) -> None:
    events = await _two_changes_under(rig, WebhookFault(kind="drop", times=1))

    assert [e["version"] for e in events] == [2]
    dropped = [r for r in rig.ops("notify") if r["type"] == "fail"]
    assert [r["outcome"] for r in dropped] == ["fault:dropped"]


async def test_a_duplicated_webhook_arrives_twice_with_one_event_id(rig: Rig) -> None:
    await _two_changes_under(rig, WebhookFault(kind="duplicate", times=1))

    ids = [w.headers["X-Sim-Event-Id"] for w in rig.receiver.received]
    assert len(ids) == 3
    assert ids[0] == ids[1] != ids[2]


async def test_a_reordered_webhook_arrives_after_the_next_one(rig: Rig) -> None:
    events = await _two_changes_under(rig, WebhookFault(kind="reorder", times=1))

    assert [e["version"] for e in events] == [2, 1]


async def test_a_delayed_webhook_arrives_late(rig: Rig) -> None:
    delay = WebhookFault(kind="delay", times=1, latency=FixedLatency(seconds=0.2))

    events = await _two_changes_under(rig, delay)

    assert [e["version"] for e in events] == [2, 1]
