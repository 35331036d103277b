from __future__ import annotations

from typing import Any

import httpx
import pytest

from simulators.ehr import FhirStore
from tests.simulators.ehr.conftest import MRN, patient

pytestmark = pytest.mark.anyio


def _bundle(kind: str, *entries: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": kind, "entry": list(entries)}


def _post(resource: dict[str, Any], full_url: str | None = None, **request: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "resource": resource,
        "request": {"method": "POST", "url": resource["resourceType"], **request},
    }
    if full_url:
        entry["fullUrl"] = full_url
    return entry


def _encounter(subject: str, status: Any = "finished") -> dict[str, Any]:
    return {
        "resourceType": "Encounter",
        "status": status,
        "class": {"code": "AMB"},
        "subject": {"reference": subject},
    }


async def test_a_transaction_creates_everything_and_resolves_urn_references(
    client: httpx.AsyncClient,
) -> None:
    bundle = _bundle(
        "transaction", _post(_encounter("urn:uuid:p1")), _post(patient(), "urn:uuid:p1")
    )

    response = await client.post("/fhir", json=bundle)

    body = response.json()
    assert response.status_code == 200
    assert body["type"] == "transaction-response"
    encounter, created_patient = (e["resource"] for e in body["entry"])
    assert encounter["subject"]["reference"] == f"Patient/{created_patient['id']}"
    assert [e["response"]["status"] for e in body["entry"]] == ["201 Created"] * 2
    assert body["entry"][1]["response"]["location"] == (
        f"Patient/{created_patient['id']}/_history/1"
    )


async def test_a_failing_entry_rolls_back_the_whole_transaction(
    client: httpx.AsyncClient, store: FhirStore
) -> None:
    existing = (await client.post("/fhir/Patient", json=patient())).json()
    bundle = _bundle(
        "transaction",
        _post(patient(), "urn:uuid:p1"),
        {
            "resource": {**existing, "active": False},
            "request": {"method": "PUT", "url": f"Patient/{existing['id']}"},
        },
        _post(_encounter("urn:uuid:p1", status=["bad"])),
    )

    response = await client.post("/fhir", json=bundle)
    current = await client.get(f"/fhir/Patient/{existing['id']}")

    assert response.status_code == 422
    issue = response.json()["issue"][0]
    assert issue["expression"] == ["Bundle.entry[2].resource.status"]
    assert issue["diagnostics"].startswith("Bundle.entry[2]")
    assert store.count("Patient") == 1 and store.count("Encounter") == 0
    assert current.json() == existing


async def test_a_rolled_back_transaction_records_failed_operations_and_no_changes(
    client: httpx.AsyncClient, store: FhirStore
) -> None:
    changes: list[object] = []
    store.on_change(changes.append)
    bundle = _bundle(
        "transaction",
        _post(patient()),
        {
            "resource": patient(id="p9"),
            "request": {"method": "PUT", "url": "Patient/p9", "ifMatch": 'W/"9"'},
        },
    )

    response = await client.post("/fhir", json=bundle)

    records = store.history.records()
    assert response.status_code == 412
    assert changes == []
    assert {r["type"] for r in records} == {"invoke", "fail"}
    fails = sorted(r["outcome"] for r in records if r["type"] == "fail")
    assert fails == ["precondition_failed", "rolled_back"]


async def test_a_conditional_create_inside_a_transaction_reuses_the_match(
    client: httpx.AsyncClient, store: FhirStore
) -> None:
    body = patient()
    existing = (await client.post("/fhir/Patient", json=body)).json()
    criteria = f"identifier={MRN}|{body['identifier'][0]['value']}"
    bundle = _bundle(
        "transaction",
        _post(body, "urn:uuid:p", ifNoneExist=criteria),
        _post(_encounter("urn:uuid:p")),
    )

    response = await client.post("/fhir", json=bundle)

    entries = response.json()["entry"]
    assert entries[0]["response"]["status"] == "200 OK"
    assert entries[1]["resource"]["subject"]["reference"] == f"Patient/{existing['id']}"
    assert store.count("Patient") == 1


async def test_a_transaction_can_update_delete_and_read(client: httpx.AsyncClient) -> None:
    one = (await client.post("/fhir/Patient", json=patient())).json()
    two = (await client.post("/fhir/Patient", json=patient())).json()
    bundle = _bundle(
        "transaction",
        {"request": {"method": "GET", "url": f"Patient/{one['id']}"}},
        {
            "resource": {**one, "gender": "other"},
            "request": {"method": "PUT", "url": f"Patient/{one['id']}", "ifMatch": 'W/"1"'},
        },
        {"request": {"method": "DELETE", "url": f"Patient/{two['id']}"}},
        {"request": {"method": "GET", "url": "Patient?gender=other"}},
    )

    response = await client.post("/fhir", json=bundle)

    entries = response.json()["entry"]
    assert [e["response"]["status"] for e in entries] == [
        "200 OK",
        "200 OK",
        "204 No Content",
        "200 OK",
    ]
    assert entries[0]["resource"]["gender"] == "other"  # GETs run after the writes
    assert entries[3]["resource"]["total"] == 1


async def test_a_stale_if_match_inside_a_transaction_fails_it_with_412(
    client: httpx.AsyncClient,
) -> None:
    one = (await client.post("/fhir/Patient", json=patient())).json()
    bundle = _bundle(
        "transaction",
        {
            "resource": one,
            "request": {"method": "PUT", "url": f"Patient/{one['id']}", "ifMatch": 'W/"3"'},
        },
    )

    response = await client.post("/fhir", json=bundle)

    assert response.status_code == 412


async def test_a_batch_applies_each_entry_on_its_own(
    client: httpx.AsyncClient, store: FhirStore
) -> None:
    bundle = _bundle("batch", _post(patient()), _post(patient(gender="robot")), _post(patient()))

    response = await client.post("/fhir", json=bundle)

    entries = response.json()["entry"]
    assert response.json()["type"] == "batch-response"
    assert [e["response"]["status"][:3] for e in entries] == ["201", "422", "201"]
    outcome = entries[1]["response"]["outcome"]
    assert outcome["issue"][0]["expression"] == ["Patient.gender"]
    assert store.count("Patient") == 2


@pytest.mark.parametrize(
    ("bundle", "problem"),
    [
        ({"resourceType": "Bundle", "type": "collection"}, "'transaction' or 'batch'"),
        ({"resourceType": "Patient"}, "'transaction' or 'batch'"),
        (_bundle("transaction", {"resource": {}}), "Bundle.entry[0].request needs method"),
        (
            _bundle("transaction", {"request": {"method": "PATCH", "url": "Patient/1"}}),
            "Bundle.entry[0].request",
        ),
    ],
)
async def test_a_malformed_bundle_is_400(
    client: httpx.AsyncClient, bundle: dict[str, Any], problem: str
) -> None:
    response = await client.post("/fhir", json=bundle)

    assert response.status_code == 400
    assert problem in response.json()["issue"][0]["diagnostics"]
