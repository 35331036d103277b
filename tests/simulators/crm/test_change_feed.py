"""``GET /changes``: every change event, numbered, for a receiver that missed its webhook."""

from __future__ import annotations

import pytest

from simulators._shared import FaultPlan, WebhookFault
from tests.simulators.crm.support import Rig

pytestmark = pytest.mark.anyio


async def test_the_feed_holds_every_change_in_order_with_its_number(rig: Rig) -> None:
    crm = rig.client()
    cid = (await crm.post("/contacts", json={"first_name": "Ana"})).json()["id"]
    await crm.patch(f"/contacts/{cid}", json={"phone": "555-0100"})

    feed = (await crm.get("/changes")).json()

    assert [(i["seq"], i["event"]["type"], i["event"]["version"]) for i in feed["items"]] == [
        (1, "contact.created", 1),
        (2, "contact.updated", 2),
    ]
    assert (feed["head"], feed["gap"]) == (2, False)


async def test_a_read_from_a_position_answers_only_what_came_after_it(rig: Rig) -> None:
    crm = rig.client()
    for name in ("Ana", "Bea", "Cy"):
        await crm.post("/contacts", json={"first_name": name})

    page = (await crm.get("/changes", params={"since": 1, "limit": 1})).json()

    assert [i["seq"] for i in page["items"]] == [2] and page["head"] == 3


async def test_a_dropped_webhook_is_still_in_the_feed(rig: Rig) -> None:
    rig.subscribe()
    rig.app.state.runtime.faults.set_plan(FaultPlan(webhooks=[WebhookFault(kind="drop", times=1)]))
    crm = rig.client()
    cid = (await crm.post("/contacts", json={"first_name": "Ana"})).json()["id"]

    delivered = await rig.events()
    feed = (await crm.get("/changes")).json()

    assert delivered == []
    assert [(i["event"]["id"], i["event"]["version"]) for i in feed["items"]] == [(cid, 1)]


async def test_only_the_engine_and_admin_may_read_the_feed(rig: Rig) -> None:
    response = await rig.client("growth").get("/changes")

    assert response.status_code == 403


async def test_a_position_that_is_not_a_number_is_refused(rig: Rig) -> None:
    response = await rig.client().get("/changes", params={"since": "-1"})

    assert response.status_code == 400
