"""Upsert by external id: none creates, one updates, several answer 300 and write nothing."""

from __future__ import annotations

import pytest

from tests.simulators.crm.support import Rig

pytestmark = pytest.mark.anyio

PATH = "/contacts/by-external-id/ehr/ehr-3fa29c01b2"
EXT = {"system": "ehr", "value": "ehr-3fa29c01b2"}


async def test_upsert_with_no_match_creates_a_contact_carrying_the_external_id(rig: Rig) -> None:
    crm = rig.client()

    response = await crm.put(PATH, json={"patient_ref": "tok_8f3a91c2d4"})

    assert response.status_code == 201
    assert response.json()["external_ids"] == [EXT]
    assert response.json()["version"] == 1


async def test_upsert_with_one_match_updates_it(rig: Rig) -> None:
    crm = rig.client()
    created = (await crm.put(PATH, json={"first_name": "Ana"})).json()

    response = await crm.put(PATH, json={"phone": "555-0100"}, headers={"If-Match": "1"})

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["version"], body["first_name"]) == (created["id"], 2, "Ana")
    assert len(rig.app.state.store.contacts) == 1


async def test_upsert_with_several_matches_answers_300_and_writes_nothing(rig: Rig) -> None:
    crm = rig.client()
    first = (await crm.post("/contacts", json={"external_ids": [EXT]})).json()
    second = (await crm.post("/contacts", json={"external_ids": [EXT]})).json()
    before = len(rig.history())

    response = await crm.put(PATH, json={"phone": "555-0100"})

    assert response.status_code == 300
    error = response.json()["error"]
    assert error["code"] == "multiple_matches"
    assert error["candidates"] == sorted([first["id"], second["id"]])
    for cid in (first["id"], second["id"]):
        assert (await crm.get(f"/contacts/{cid}")).json()["version"] == 1
    outcomes = [r["outcome"] for r in rig.history()[before:] if r["type"] == "fail"]
    assert outcomes[0] == "multiple_matches"


async def test_upsert_with_stale_if_match_is_412(rig: Rig) -> None:
    crm = rig.client()
    await crm.put(PATH, json={})
    await crm.put(PATH, json={"first_name": "Ana"})

    response = await crm.put(PATH, json={"first_name": "Anna"}, headers={"If-Match": "1"})

    assert response.status_code == 412
    assert response.json()["error"]["current_version"] == 2


async def test_upsert_with_if_match_but_no_match_is_412_and_creates_nothing(rig: Rig) -> None:
    response = await rig.client().put(PATH, json={}, headers={"If-Match": "1"})

    assert response.status_code == 412
    assert len(rig.app.state.store.contacts) == 0


async def test_read_by_external_id_finds_the_one_contact(rig: Rig) -> None:
    crm = rig.client()
    created = (await crm.put(PATH, json={})).json()

    response = await crm.get(PATH)

    assert response.json()["id"] == created["id"]
    assert (await crm.get("/contacts/by-external-id/ehr/ehr-other")).status_code == 404


async def test_an_mrn_as_external_id_is_refused(rig: Rig) -> None:
    response = await rig.client().put("/contacts/by-external-id/mrn/SYN-00412345", json={})

    assert response.status_code == 422
    assert response.json()["error"]["field"] == "external_ids.0.value"
