"""Contacts: tokens not MRNs, field-naming errors, versions with ETag and If-Match."""

from __future__ import annotations

import pytest

from simulators.crm import CrmOptions, create_app
from tests.simulators.crm.support import Rig, make_settings

pytestmark = pytest.mark.anyio

TOKEN = "tok_8f3a91c2d4"


async def test_contact_created_with_token_gets_version_one_and_etag(rig: Rig) -> None:
    crm = rig.client()

    response = await crm.post("/contacts", json={"patient_ref": TOKEN, "first_name": "Ana"})

    assert response.status_code == 201
    body = response.json()
    assert (body["version"], body["patient_ref"], body["stage"]) == (1, TOKEN, "New Lead")
    assert response.headers["etag"] == '"1"'
    assert response.headers["location"] == f"/contacts/{body['id']}"


@pytest.mark.parametrize("mrn", ["SYN-00412345", "MRN:1234567", "00412345", "E1234567"])
async def test_crm_refuses_an_mrn_as_patient_ref_naming_the_field(rig: Rig, mrn: str) -> None:
    crm = rig.client()

    response = await crm.post("/contacts", json={"patient_ref": mrn})

    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("mrn_not_allowed", "patient_ref")
    assert mrn not in error["message"]
    assert await crm.get("/contacts") and len(rig.app.state.store.contacts) == 0


@pytest.mark.parametrize("ref", ["ana.lopez@example.com", "patient 7", "tok_ab", "8f3a91c2d4"])
async def test_crm_refuses_a_patient_ref_that_is_not_a_token(rig: Rig, ref: str) -> None:
    response = await rig.client().post("/contacts", json={"patient_ref": ref})

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == "patient_ref"
    assert error["code"] in {"patient_ref_not_token", "mrn_not_allowed"}
    assert ref not in error["message"]


async def test_an_unknown_field_is_refused_naming_it(rig: Rig) -> None:
    response = await rig.client().post("/contacts", json={"ssn": "000-12-3456"})

    assert response.status_code == 422
    assert response.json()["error"]["field"] == "ssn"
    assert "000-12-3456" not in response.text


async def test_an_invalid_stage_names_the_pipeline(rig: Rig) -> None:
    response = await rig.client().post("/contacts", json={"stage": "in_care"})

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == "stage"
    assert "GET /pipeline" in error["message"]


async def test_stale_if_match_gets_412_naming_record_expected_and_current(rig: Rig) -> None:
    crm = rig.client()
    created = (await crm.post("/contacts", json={"patient_ref": TOKEN})).json()
    cid = created["id"]
    await crm.patch(f"/contacts/{cid}", json={"phone": "555-0100"}, headers={"If-Match": '"1"'})

    response = await crm.patch(
        f"/contacts/{cid}", json={"phone": "555-0101"}, headers={"If-Match": '"1"'}
    )

    assert response.status_code == 412
    error = response.json()["error"]
    assert error["code"] == "stale_version"
    assert error["record"] == f"Contact/{cid}"
    assert (error["expected_version"], error["current_version"]) == (1, 2)
    assert (await crm.get(f"/contacts/{cid}")).json()["phone"] == "555-0100"


async def test_matching_if_match_applies_and_bumps_the_version(rig: Rig) -> None:
    crm = rig.client()
    cid = (await crm.post("/contacts", json={})).json()["id"]

    response = await crm.patch(
        f"/contacts/{cid}", json={"email": "a@example.com"}, headers={"If-Match": 'W/"1"'}
    )

    assert response.status_code == 200
    assert (response.json()["version"], response.headers["etag"]) == (2, '"2"')


async def test_a_malformed_if_match_is_a_422_naming_the_header(rig: Rig) -> None:
    crm = rig.client()
    cid = (await crm.post("/contacts", json={})).json()["id"]

    response = await crm.patch(f"/contacts/{cid}", json={}, headers={"If-Match": "latest"})

    assert response.status_code == 422
    assert response.json()["error"]["field"] == "If-Match"


async def test_blind_writes_pass_unless_the_crm_requires_if_match() -> None:
    settings = make_settings(crm=CrmOptions(require_if_match=True))
    strict = Rig(settings, create_app(settings), base_url="http://crm")
    crm = strict.client()
    cid = (await crm.post("/contacts", json={})).json()["id"]

    response = await crm.patch(f"/contacts/{cid}", json={"first_name": "Ana"})

    assert response.status_code == 428
    assert response.json()["error"]["code"] == "if_match_required"
    await strict.aclose()


async def test_patch_merges_consents_and_custom_fields(rig: Rig) -> None:
    crm = rig.client()
    body = {"consents": {"TREAT": {"sms": True}}, "custom": {"a": 1, "b": 2}}
    cid = (await crm.post("/contacts", json=body)).json()["id"]

    patch = {"consents": {"HMARKT": {"email": False}}, "custom": {"a": None, "c": 3}}
    response = await crm.patch(f"/contacts/{cid}", json=patch)

    assert response.json()["consents"] == {"TREAT": {"sms": True}, "HMARKT": {"email": False}}
    assert response.json()["custom"] == {"b": 2, "c": 3}


async def test_deleted_contact_reads_as_404_naming_its_tombstone(rig: Rig) -> None:
    crm = rig.client()
    cid = (await crm.post("/contacts", json={})).json()["id"]

    deleted = await crm.delete(f"/contacts/{cid}", headers={"If-Match": "1"})
    response = await crm.get(f"/contacts/{cid}")

    assert deleted.json() == {"id": cid, "deleted": True, "version": 2}
    assert response.status_code == 404
    assert "tombstone version 2" in response.json()["error"]["message"]


async def test_search_filters_by_equal_fields_and_pages(rig: Rig) -> None:
    crm = rig.client()
    for i in range(5):
        await crm.post("/contacts", json={"campaign": "SYN-A" if i % 2 else "SYN-B"})

    page = (await crm.get("/contacts", params={"campaign": "SYN-B", "limit": 2})).json()

    assert page["total"] == 3
    assert [c["campaign"] for c in page["items"]] == ["SYN-B", "SYN-B"]


async def test_consent_flag_endpoint_sets_one_flag_as_a_versioned_write(rig: Rig) -> None:
    crm = rig.client()
    cid = (await crm.post("/contacts", json={})).json()["id"]

    response = await crm.put(
        f"/contacts/{cid}/consents/HMARKT/sms", json={"allowed": True}, headers={"If-Match": "1"}
    )

    assert response.json()["consents"] == {"HMARKT": {"sms": True}}
    write = [r for r in rig.ops("write") if r["type"] == "invoke"][-1]
    assert (write["key"], list(write["fields"])) == (f"Contact/{cid}", ["consents.HMARKT.sms"])


async def test_an_unknown_purpose_or_channel_is_refused_naming_the_flag(rig: Rig) -> None:
    crm = rig.client()
    cid = (await crm.post("/contacts", json={})).json()["id"]

    response = await crm.put(f"/contacts/{cid}/consents/MARKETING/sms", json={"allowed": True})

    assert response.status_code == 422
    assert response.json()["error"]["field"] == "consents.MARKETING.sms"


async def test_requests_without_a_key_get_a_crm_error_body(rig: Rig) -> None:
    client = rig.client()
    del client.headers["Authorization"]

    response = await client.get("/contacts")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
