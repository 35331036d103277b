from __future__ import annotations

from typing import Any

import httpx
import pytest

from simulators._shared import SimClock, SimulatorSettings
from tests.simulators.ehr.conftest import MRN, patient

pytestmark = pytest.mark.anyio


async def _ids(
    client: httpx.AsyncClient, params: dict[str, Any] | list[tuple[str, str]]
) -> set[str]:
    response = await client.get("/fhir/Patient", params=params)
    assert response.status_code == 200, response.json()
    bundle = response.json()
    assert bundle["type"] == "searchset"
    return {entry["resource"]["id"] for entry in bundle["entry"]}


@pytest.fixture
async def people(client: httpx.AsyncClient) -> dict[str, str]:
    bodies = {
        "ana": patient(
            name=[{"family": "Núñez", "given": ["Ana", "María"]}],
            birthDate="1980-03-05",
            telecom=[
                {"system": "phone", "value": "(555) 010-0101"},
                {"system": "email", "value": "Ana.Nunez@Example.org"},
            ],
        ),
        "bo": patient(
            name=[{"family": "O'Brien-Smith", "given": ["Bo"], "text": "Bo O'Brien-Smith"}],
            birthDate="1980-11-30",
            telecom=[{"system": "phone", "value": "+1-555-010-0102"}],
        ),
        "chen": patient(
            name=[{"family": "陈", "given": ["伟"]}, {"family": "Chen", "given": ["Wei"]}],
            birthDate="1992-07",
            identifier=[{"system": "urn:other", "value": "X-1"}],
        ),
    }
    ids = {}
    for key, body in bodies.items():
        ids[key] = (await client.post("/fhir/Patient", json=body)).json()["id"]
    return ids


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"name": "nunez"}, {"ana"}),
        ({"name": "ANA"}, {"ana"}),
        ({"name": "o'brien"}, {"bo"}),
        ({"name": "bo o'b"}, {"bo"}),
        ({"name": "陈"}, {"chen"}),
        ({"family": "Chen"}, {"chen"}),
        ({"family": "Nu"}, {"ana"}),
        ({"given": "mar"}, {"ana"}),
        ({"given": "wei,bo"}, {"bo", "chen"}),
        ({"name:exact": "Núñez"}, {"ana"}),
        ({"name:exact": "nunez"}, set()),
        ({"name:contains": "brien"}, {"bo"}),
        ({"birthdate": "1980"}, {"ana", "bo"}),
        ({"birthdate": "1980-03-05"}, {"ana"}),
        ({"birthdate": "ge1980-06-01"}, {"bo", "chen"}),
        ({"birthdate": "lt1980-06-01"}, {"ana"}),
        ({"birthdate": "1992-07-15"}, set()),
        ({"birthdate": "1992"}, {"chen"}),
        ({"birthdate": "ne1980"}, {"chen"}),
        ({"phone": "(555) 010-0101"}, {"ana"}),
        ({"phone": "+15550100101"}, set()),
        ({"email": "ana.nunez@example.org"}, {"ana"}),
        ({"telecom": "+1-555-010-0102"}, {"bo"}),
        ({"telecom": "phone|+1-555-010-0102"}, {"bo"}),
        ({"identifier": "urn:other|X-1"}, {"chen"}),
        ({"identifier": "X-1"}, {"chen"}),
        ({"identifier": "urn:wrong|X-1"}, set()),
        ({"identifier": f"{MRN}|"}, {"ana", "bo"}),
        ({"gender": "female"}, {"ana", "bo", "chen"}),
    ],
)
async def test_patients_are_found_by_each_parameter(
    client: httpx.AsyncClient, people: dict[str, str], params: dict[str, str], expected: set[str]
) -> None:
    found = await _ids(client, params)

    assert found == {people[name] for name in expected}


async def test_repeated_parameters_are_anded(
    client: httpx.AsyncClient, people: dict[str, str]
) -> None:
    found = await _ids(client, [("birthdate", "ge1980-01-01"), ("birthdate", "le1980-12-31")])

    assert found == {people["ana"], people["bo"]}


async def test_identifier_without_system_matches_only_system_less_ids(
    client: httpx.AsyncClient,
) -> None:
    bare = (await client.post("/fhir/Patient", json=patient(identifier=[{"value": "B-1"}]))).json()
    await client.post("/fhir/Patient", json=patient(identifier=[{"system": "s", "value": "B-1"}]))

    assert await _ids(client, {"identifier": "|B-1"}) == {bare["id"]}
    assert len(await _ids(client, {"identifier": "B-1"})) == 2


async def test_last_updated_follows_the_simulated_clock(
    client: httpx.AsyncClient, settings: SimulatorSettings
) -> None:
    clock = settings.clock
    assert isinstance(clock, SimClock)
    early = (await client.post("/fhir/Patient", json=patient())).json()["id"]
    clock.advance(3600)
    late = (await client.post("/fhir/Patient", json=patient())).json()["id"]

    after = await _ids(client, {"_lastUpdated": "ge2025-01-06T09:30:00Z"})
    before = await _ids(client, {"_lastUpdated": "lt2025-01-06T09:30:00+00:00"})
    same_day = await _ids(client, {"_lastUpdated": "2025-01-06"})

    assert (after, before) == ({late}, {early})
    assert same_day == {early, late}


async def test_results_page_with_count_and_next_links(client: httpx.AsyncClient) -> None:
    for _ in range(5):
        await client.post("/fhir/Patient", json=patient(gender="other"))

    first = (await client.get("/fhir/Patient", params={"gender": "other", "_count": 2})).json()
    second = (await client.get(_link(first, "next"))).json()
    third = (await client.get(_link(second, "next"))).json()

    assert first["total"] == 5
    pages = [first, second, third]
    assert [len(p["entry"]) for p in pages] == [2, 2, 1]
    assert len({e["resource"]["id"] for p in pages for e in p["entry"]}) == 5
    assert "next" not in {link["relation"] for link in third["link"]}
    assert _link(second, "previous").endswith("_offset=0")
    assert "gender=other" in _link(second, "next")


async def test_count_zero_and_summary_count_return_only_the_total(
    client: httpx.AsyncClient, people: dict[str, str]
) -> None:
    zero = (await client.get("/fhir/Patient", params={"_count": 0})).json()
    summary = (await client.get("/fhir/Patient", params={"_summary": "count"})).json()

    assert (zero["total"], zero["entry"]) == (3, [])
    assert (summary["total"], summary["entry"]) == (3, [])


async def test_sort_by_last_updated_descending(
    client: httpx.AsyncClient, settings: SimulatorSettings
) -> None:
    clock = settings.clock
    assert isinstance(clock, SimClock)
    ids = []
    for _ in range(3):
        ids.append((await client.post("/fhir/Patient", json=patient())).json()["id"])
        clock.advance(1)

    bundle = (await client.get("/fhir/Patient", params={"_sort": "-_lastUpdated"})).json()

    assert [e["resource"]["id"] for e in bundle["entry"]] == ids[::-1]


async def test_deleted_resources_are_not_found(client: httpx.AsyncClient) -> None:
    created = (await client.post("/fhir/Patient", json=patient(gender="unknown"))).json()
    await client.delete(f"/fhir/Patient/{created['id']}")

    assert await _ids(client, {"gender": "unknown"}) == set()
    assert await _ids(client, {"_id": created["id"]}) == set()


async def test_search_by_post_form_matches_get(
    client: httpx.AsyncClient, people: dict[str, str]
) -> None:
    response = await client.post("/fhir/Patient/_search", data={"family": "Chen"})

    assert {e["resource"]["id"] for e in response.json()["entry"]} == {people["chen"]}


async def test_clinical_resources_are_found_by_patient(client: httpx.AsyncClient) -> None:
    for subject in ("Patient/1", "Patient/2"):
        await client.post(
            "/fhir/Condition", json={"resourceType": "Condition", "subject": {"reference": subject}}
        )

    bundle = (await client.get("/fhir/Condition", params={"patient": "1"})).json()
    by_subject = (await client.get("/fhir/Condition", params={"subject": "Patient/2"})).json()

    assert bundle["total"] == by_subject["total"] == 1


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"shoe_size": "9"}, "unknown search parameter 'shoe_size'"),
        ({"name:fuzzy": "x"}, "modifier 'fuzzy' is not supported"),
        ({"birthdate": "last-tuesday"}, "'birthdate' has a value that is not a FHIR date"),
        ({"_count": "-1"}, "'_count' must be a non-negative integer"),
        ({"_sort": "family"}, "'_sort' supports"),
    ],
)
async def test_bad_search_requests_are_400_naming_the_parameter(
    client: httpx.AsyncClient, params: dict[str, str], problem: str
) -> None:
    response = await client.get("/fhir/Patient", params=params)

    assert response.status_code == 400
    assert problem in response.json()["issue"][0]["diagnostics"]
    assert "last-tuesday" not in response.text


def _link(bundle: dict[str, Any], relation: str) -> str:
    return next(link["url"] for link in bundle["link"] if link["relation"] == relation)
