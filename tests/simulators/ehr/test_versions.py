"""Optimistic concurrency: ETags and If-Match (412 on a stale version)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.simulators.ehr.conftest import patient

pytestmark = pytest.mark.anyio


async def _created(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.post("/fhir/Patient", json=patient())
    return dict(response.json())


async def test_an_update_with_the_current_etag_succeeds(client: httpx.AsyncClient) -> None:
    created = await _created(client)

    response = await client.put(
        f"/fhir/Patient/{created['id']}",
        json={**created, "active": False},
        headers={"If-Match": 'W/"1"'},
    )

    assert response.status_code == 200
    assert response.headers["etag"] == 'W/"2"'


async def test_an_update_with_a_stale_etag_is_412_and_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    created = await _created(client)
    await client.put(f"/fhir/Patient/{created['id']}", json={**created, "gender": "other"})

    stale = await client.put(
        f"/fhir/Patient/{created['id']}",
        json={**created, "gender": "male"},
        headers={"If-Match": 'W/"1"'},
    )
    current = await client.get(f"/fhir/Patient/{created['id']}")

    assert stale.status_code == 412
    issue = stale.json()["issue"][0]
    assert issue["code"] == "conflict"
    assert (
        "names version 1" in issue["diagnostics"] and "current version is 2" in issue["diagnostics"]
    )
    assert current.json()["gender"] == "other"
    assert current.headers["etag"] == 'W/"2"'


@pytest.mark.parametrize("etag", ['"1"', "1", 'W/"1"'])
async def test_strong_weak_and_bare_etags_are_understood(
    client: httpx.AsyncClient, etag: str
) -> None:
    created = await _created(client)

    response = await client.put(
        f"/fhir/Patient/{created['id']}", json=created, headers={"If-Match": etag}
    )

    assert response.status_code == 200


async def test_if_match_on_an_id_that_does_not_exist_is_412(client: httpx.AsyncClient) -> None:
    response = await client.put(
        "/fhir/Patient/new-1", json=patient(id="new-1"), headers={"If-Match": 'W/"1"'}
    )

    assert response.status_code == 412
    assert (await client.get("/fhir/Patient/new-1")).status_code == 404


async def test_a_delete_with_a_stale_etag_is_412_and_keeps_the_resource(
    client: httpx.AsyncClient,
) -> None:
    created = await _created(client)
    await client.put(f"/fhir/Patient/{created['id']}", json=created)

    stale = await client.delete(f"/fhir/Patient/{created['id']}", headers={"If-Match": 'W/"1"'})
    fresh = await client.delete(f"/fhir/Patient/{created['id']}", headers={"If-Match": 'W/"2"'})

    assert (stale.status_code, fresh.status_code) == (412, 204)


async def test_two_writers_from_the_same_version_one_wins_one_gets_412(
    client: httpx.AsyncClient,
) -> None:
    created = await _created(client)
    url = f"/fhir/Patient/{created['id']}"

    first = await client.put(url, json={**created, "gender": "male"}, headers={"If-Match": 'W/"1"'})
    second = await client.put(
        url, json={**created, "gender": "other"}, headers={"If-Match": 'W/"1"'}
    )

    assert (first.status_code, second.status_code) == (200, 412)
    assert (await client.get(url)).json()["gender"] == "male"
