"""The EHR on a real port, driven by fhirpy (a real FHIR client) and httpx."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import OperationOutcome, ResourceNotFound

from simulators._shared import Client, KeyRing, SimClock, SimulatorSettings, serve
from simulators.ehr import create_app

pytestmark = pytest.mark.e2e

ENGINE_KEY = "e2e-engine-key"
MRN = "urn:oid:2.999.7.1"


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    keys = KeyRing(
        [Client("admin", "admin", "e2e-admin-key"), Client("engine", "sync_engine", ENGINE_KEY)]
    )
    with serve(create_app(SimulatorSettings(clock=SimClock(), keys=keys))) as url:
        yield url


@pytest.fixture
def fhir(base_url: str) -> SyncFHIRClient:
    return SyncFHIRClient(f"{base_url}/fhir", authorization=f"Bearer {ENGINE_KEY}")


def _patient(fhir: SyncFHIRClient, mrn: str, **fields: Any) -> Any:
    return fhir.resource(
        "Patient",
        identifier=[{"system": MRN, "value": mrn}],
        name=[{"family": fields.pop("family", "Testperson"), "given": ["Ana"]}],
        birthDate=fields.pop("birthDate", "1980-03-05"),
        telecom=[{"system": "phone", "value": "(555) 010-0142"}],
        **fields,
    )


def test_fhirpy_creates_reads_updates_and_deletes_a_patient(fhir: SyncFHIRClient) -> None:
    patient = _patient(fhir, "E2E-CRUD-1")

    patient.save()
    fetched = fhir.reference("Patient", patient.id).to_resource()
    fetched["gender"] = "other"
    fetched.save()
    again = fhir.reference("Patient", patient.id).to_resource()
    fetched.delete()

    assert patient["meta"]["versionId"] == "1"
    assert again["gender"] == "other"
    assert again["meta"]["versionId"] == "2"
    with pytest.raises(ResourceNotFound):
        fhir.reference("Patient", patient.id).to_resource()


def test_fhirpy_conditional_create_finds_instead_of_duplicating(fhir: SyncFHIRClient) -> None:
    searchset = fhir.resources("Patient").search(identifier=f"{MRN}|E2E-COND-1")

    first, created = searchset.get_or_create(_patient(fhir, "E2E-COND-1"))
    second, created_again = searchset.get_or_create(_patient(fhir, "E2E-COND-1"))

    assert (created, created_again) == (True, False)
    assert first.id == second.id
    assert searchset.count() == 1


def test_fhirpy_searches_by_name_birthdate_and_identifier_with_paging(
    fhir: SyncFHIRClient,
) -> None:
    for n in range(7):
        _patient(fhir, f"E2E-SEARCH-{n}", family="Quixote-Search", birthDate=f"195{n}-01-01").save()

    by_name = fhir.resources("Patient").search(name="quixote").limit(3).fetch_all()
    by_date = (
        fhir.resources("Patient").search(family="Quixote-Search", birthdate="ge1955").fetch_all()
    )
    by_mrn = fhir.resources("Patient").search(identifier=f"{MRN}|E2E-SEARCH-3").get()

    assert len(by_name) == 7
    assert {p["birthDate"] for p in by_date} == {"1955-01-01", "1956-01-01"}
    assert by_mrn["birthDate"] == "1953-01-01"


def test_fhirpy_sees_validation_errors_as_operation_outcomes(fhir: SyncFHIRClient) -> None:
    broken = _patient(fhir, "E2E-BAD-1", birthDate="the fifth of March")

    with pytest.raises(OperationOutcome) as caught:
        broken.save()

    assert "Patient.birthDate" in str(caught.value)


def test_if_none_exist_and_if_match_work_over_the_wire(base_url: str) -> None:
    body = {"resourceType": "Patient", "identifier": [{"system": MRN, "value": "E2E-HDR-1"}]}
    with httpx.Client(
        base_url=f"{base_url}/fhir", headers={"Authorization": f"Bearer {ENGINE_KEY}"}
    ) as client:
        headers = {"If-None-Exist": f"identifier={MRN}|E2E-HDR-1"}
        created = client.post("/Patient", json=body, headers=headers)
        found = client.post("/Patient", json=body, headers=headers)
        url = f"/Patient/{created.json()['id']}"
        updated = client.put(
            url, json=created.json(), headers={"If-Match": created.headers["etag"]}
        )
        stale = client.put(url, json=created.json(), headers={"If-Match": created.headers["etag"]})

    assert (created.status_code, found.status_code) == (201, 200)
    assert updated.status_code == 200
    assert stale.status_code == 412
    assert stale.json()["issue"][0]["code"] == "conflict"
