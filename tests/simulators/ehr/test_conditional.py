"""Conditional create (If-None-Exist) and conditional update, including under concurrency."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from simulators.ehr import FhirStore
from tests.simulators.ehr.conftest import MRN, patient

pytestmark = pytest.mark.anyio


async def test_if_none_exist_creates_when_nothing_matches(client: httpx.AsyncClient) -> None:
    body = patient()
    criteria = f"identifier={MRN}|{body['identifier'][0]['value']}"

    response = await client.post("/fhir/Patient", json=body, headers={"If-None-Exist": criteria})

    assert response.status_code == 201


async def test_if_none_exist_returns_the_existing_match_without_creating(
    client: httpx.AsyncClient, store: FhirStore
) -> None:
    body = patient()
    criteria = {"If-None-Exist": f"identifier={MRN}|{body['identifier'][0]['value']}"}
    first = await client.post("/fhir/Patient", json=body, headers=criteria)

    second = await client.post("/fhir/Patient", json={**body, "gender": "male"}, headers=criteria)

    assert second.status_code == 200
    assert second.json() == first.json()
    assert store.count("Patient") == 1


async def test_if_none_exist_matching_several_is_412(client: httpx.AsyncClient) -> None:
    await client.post("/fhir/Patient", json=patient(birthDate="1971-07-07"))
    await client.post("/fhir/Patient", json=patient(birthDate="1971-07-07"))

    response = await client.post(
        "/fhir/Patient", json=patient(), headers={"If-None-Exist": "birthdate=1971-07-07"}
    )

    assert response.status_code == 412
    assert response.json()["issue"][0]["code"] == "multiple-matches"


async def test_search_parameters_on_the_post_url_act_as_if_none_exist(
    client: httpx.AsyncClient, store: FhirStore
) -> None:
    body = patient()
    params = {"identifier": f"{MRN}|{body['identifier'][0]['value']}"}

    first = await client.post("/fhir/Patient", json=body, params=params)
    second = await client.post("/fhir/Patient", json=body, params=params)

    assert (first.status_code, second.status_code) == (201, 200)
    assert store.count("Patient") == 1


async def test_parallel_conditional_creates_make_exactly_one_resource(
    client: httpx.AsyncClient, store: FhirStore
) -> None:
    body = patient()
    criteria = {"If-None-Exist": f"identifier={MRN}|{body['identifier'][0]['value']}"}

    responses = await asyncio.gather(
        *(client.post("/fhir/Patient", json=body, headers=criteria) for _ in range(20))
    )

    assert sorted(r.status_code for r in responses) == [200] * 19 + [201]
    assert len({r.json()["id"] for r in responses}) == 1
    assert store.count("Patient") == 1


async def test_conditional_update_creates_when_nothing_matches(client: httpx.AsyncClient) -> None:
    body = patient()

    response = await client.put(
        "/fhir/Patient", json=body, params={"identifier": body["identifier"][0]["value"]}
    )

    assert response.status_code == 201


async def test_conditional_update_updates_the_single_match(client: httpx.AsyncClient) -> None:
    body = patient()
    created = (await client.post("/fhir/Patient", json=body)).json()
    params = {"identifier": f"{MRN}|{body['identifier'][0]['value']}"}

    response = await client.put("/fhir/Patient", json={**body, "gender": "other"}, params=params)

    assert response.status_code == 200
    assert response.json()["id"] == created["id"]
    assert response.json()["meta"]["versionId"] == "2"


async def test_conditional_update_with_several_matches_is_412(client: httpx.AsyncClient) -> None:
    await client.post("/fhir/Patient", json=patient(gender="male"))
    await client.post("/fhir/Patient", json=patient(gender="male"))

    response = await client.put("/fhir/Patient", json=patient(), params={"gender": "male"})

    assert response.status_code == 412


async def test_conditional_update_naming_another_id_is_400(client: httpx.AsyncClient) -> None:
    body = patient()
    await client.post("/fhir/Patient", json=body)
    params = {"identifier": f"{MRN}|{body['identifier'][0]['value']}"}

    response = await client.put("/fhir/Patient", json={**body, "id": "other"}, params=params)

    assert response.status_code == 400


async def test_conditional_update_honours_if_match(client: httpx.AsyncClient) -> None:
    body = patient()
    await client.post("/fhir/Patient", json=body)
    params = {"identifier": f"{MRN}|{body['identifier'][0]['value']}"}

    response = await client.put(
        "/fhir/Patient", json=body, params=params, headers={"If-Match": 'W/"5"'}
    )

    assert response.status_code == 412
