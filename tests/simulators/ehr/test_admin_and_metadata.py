from __future__ import annotations

import httpx
import pytest
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from simulators.ehr import FhirStore
from simulators.ehr.resources import RESOURCE_TYPES
from tests.simulators.ehr.conftest import patient

pytestmark = pytest.mark.anyio


async def test_the_capability_statement_is_valid_and_lists_every_type(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/fhir/metadata")

    statement = CapabilityStatement.model_validate(response.json())
    resources = statement.rest[0].resource
    assert {r.type for r in resources} == set(RESOURCE_TYPES)
    patient_entry = next(r for r in resources if r.type == "Patient")
    assert patient_entry.conditionalCreate is True
    assert {p.name for p in patient_entry.searchParam} >= {
        "identifier",
        "name",
        "family",
        "given",
        "birthdate",
        "phone",
        "email",
        "_lastUpdated",
    }


async def test_admin_seed_accepts_resources_and_bundles(
    client: httpx.AsyncClient, admin: dict[str, str], store: FhirStore
) -> None:
    records = [
        patient(id="gt-1"),
        {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [
                {"resource": patient()},
                {"resource": {"resourceType": "Practitioner", "name": [{"family": "Doctor"}]}},
            ],
        },
    ]

    response = await client.post("/_admin/seed", json={"records": records}, headers=admin)
    processes = {r["process"] for r in store.history.records()}

    assert response.json() == {"seeded": 3, "by_type": {"Patient": 2, "Practitioner": 1}}
    assert (await client.get("/fhir/Patient/gt-1")).status_code == 200
    assert processes == {"admin"}


async def test_an_invalid_seed_loads_nothing(
    client: httpx.AsyncClient, admin: dict[str, str], store: FhirStore
) -> None:
    records = [patient(), patient(birthDate="soon")]

    response = await client.post("/_admin/seed", json=records, headers=admin)

    assert response.status_code == 422
    assert store.count("Patient") == 0


async def test_reset_empties_the_ehr_and_its_subscriptions(
    client: httpx.AsyncClient, admin: dict[str, str], store: FhirStore
) -> None:
    await client.post(
        "/fhir/Subscription",
        json={
            "resourceType": "Subscription",
            "status": "requested",
            "reason": "r",
            "criteria": "Patient",
            "channel": {"type": "rest-hook", "endpoint": "http://x.test"},
        },
    )
    await client.post("/fhir/Patient", json=patient())

    await client.post("/_admin/reset", headers=admin)
    hooks = (await client.get("/_admin/webhooks", headers=admin)).json()

    assert store.count("Patient") == store.count("Subscription") == 0
    assert hooks["endpoints"] == []
    assert len(store.history) == 0


async def test_the_openapi_document_describes_the_fhir_routes(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]

    assert "/fhir/{resource_type}/{resource_id}/_history/{version_id}" in paths
    assert "/fhir/Patient/$merge" in paths
    assert "/_admin/faults" in paths
