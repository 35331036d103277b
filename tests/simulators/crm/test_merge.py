"""Merging two contacts of one person: the survivor absorbs the retired one, which is deleted."""

from __future__ import annotations

from typing import Any

import pytest

from tests.simulators.crm.support import Rig

pytestmark = pytest.mark.anyio

SYNCED = {"patient_ref": "tok_8f3a91c2d4", "first_name": "Ana", "email": "ana@example.org",
          "external_ids": [{"system": "splitbrain", "value": "tok_8f3a91c2d4"}],
          "consents": {"HMARKT": {"sms": True, "email": True}}}  # fmt: skip
LEAD = {"first_name": "Anna", "lead_source": "paid_search", "phone": "+12125550142",
        "consents": {"HMARKT": {"sms": False}, "HRESCH": {"sms": True}}}  # fmt: skip


async def _two(rig: Rig) -> tuple[dict[str, Any], dict[str, Any]]:
    crm = rig.client()
    survivor = (await crm.post("/contacts", json=SYNCED)).json()
    retired = (await rig.client("growth").post("/contacts", json=LEAD)).json()
    return survivor, retired


async def test_a_merge_fills_what_the_survivor_lacks_and_deletes_the_retired_contact(
    rig: Rig,
) -> None:
    survivor, retired = await _two(rig)
    crm = rig.client()

    merged = await crm.post(
        f"/contacts/{survivor['id']}/merge",
        json={"retired_id": retired["id"]},
        headers={"If-Match": '"1"'},
    )

    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert (body["version"], body["first_name"], body["email"]) == (2, "Ana", "ana@example.org")
    assert (body["lead_source"], body["phone"]) == ("paid_search", "+12125550142")
    assert body["merged_ids"] == [retired["id"]]
    assert (await crm.get(f"/contacts/{retired['id']}")).status_code == 404
    assert [c["id"] for c in (await crm.get("/contacts")).json()["items"]] == [survivor["id"]]


async def test_a_merge_never_widens_a_consent_flag(rig: Rig) -> None:
    survivor, retired = await _two(rig)

    merged = await rig.client().post(f"/contacts/{survivor['id']}/merge",
                                     json={"retired_id": retired["id"]})  # fmt: skip

    consents = merged.json()["consents"]
    assert consents["HMARKT"] == {"sms": False, "email": True}  # the lead's denial stands
    assert consents["HRESCH"] == {"sms": False}  # the lead's allow is not carried over


async def test_merging_again_changes_nothing_and_answers_the_survivor(rig: Rig) -> None:
    survivor, retired = await _two(rig)
    crm = rig.client()
    path, body = f"/contacts/{survivor['id']}/merge", {"retired_id": retired["id"]}
    first = await crm.post(path, json=body)

    again = await crm.post(path, json=body)

    assert again.status_code == 200
    assert again.json()["version"] == first.json()["version"] == 2
    assert [op["type"] for op in rig.ops("delete")] == ["invoke", "ok"]


async def test_a_merge_repoints_the_retired_contacts_tasks(rig: Rig) -> None:
    survivor, retired = await _two(rig)
    crm = rig.client()
    task = {"subject": "Call back", "owner_queue": "intake_ops", "contact_id": retired["id"]}
    made = (await crm.post("/tasks", json=task)).json()

    await crm.post(f"/contacts/{survivor['id']}/merge", json={"retired_id": retired["id"]})

    assert (await crm.get(f"/tasks/{made['id']}")).json()["contact_id"] == survivor["id"]


async def test_a_stale_merge_is_412_and_a_missing_retired_contact_is_404(rig: Rig) -> None:
    survivor, retired = await _two(rig)
    crm = rig.client()
    path = f"/contacts/{survivor['id']}/merge"

    stale = await crm.post(path, json={"retired_id": retired["id"]}, headers={"If-Match": '"7"'})
    missing = await crm.post(path, json={"retired_id": "con-999999"})
    itself = await crm.post(path, json={"retired_id": survivor["id"]})

    assert (stale.status_code, missing.status_code, itself.status_code) == (412, 404, 422)
    assert "con-999999" in missing.json()["error"]["message"]
    assert (await crm.get(f"/contacts/{retired['id']}")).status_code == 200
