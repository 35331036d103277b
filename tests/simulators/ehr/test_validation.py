"""Invalid input gets 400/422 and an OperationOutcome naming the exact path, never the value."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from simulators._shared import SimulatorSettings
from simulators.ehr import create_app
from tests.simulators.ehr.conftest import ENGINE_KEY, auth, make_settings, patient

pytestmark = pytest.mark.anyio


def _expressions(response: httpx.Response) -> list[str]:
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    return [e for issue in body["issue"] for e in issue.get("expression", [])]


@pytest.mark.parametrize(
    ("change", "path", "code"),
    [
        ({"birthDate": "1980-02-31x"}, "Patient.birthDate", "value"),
        ({"name": [{"family": "Ok"}, {"given": "not-a-list"}]}, "Patient.name[1].given", "value"),
        ({"name": [{"family": 42}]}, "Patient.name[0].family", "value"),
        ({"shoeSize": 9}, "Patient.shoeSize", "structure"),
        ({"gender": "robot"}, "Patient.gender", "code-invalid"),
        (
            {"telecom": [{"system": "pigeon", "value": "coo"}]},
            "Patient.telecom[0].system",
            "code-invalid",
        ),
        ({"telecom": [{}]}, "Patient.telecom[0]", "invalid"),
        ({"address": [{"city": ""}]}, "Patient.address[0].city", "invalid"),
        ({"active": "yes-ish"}, "Patient.active", "value"),
        ({"link": [{"type": "replaced-by"}]}, "Patient.link[0].other", "required"),
    ],
)
async def test_an_invalid_patient_is_422_naming_the_path(
    client: httpx.AsyncClient, change: dict[str, Any], path: str, code: str
) -> None:
    response = await client.post("/fhir/Patient", json=patient(**change))

    assert response.status_code == 422
    assert path in _expressions(response)
    issue = next(i for i in response.json()["issue"] if path in i.get("expression", []))
    assert issue["code"] == code
    assert issue["diagnostics"].startswith(path)


async def test_every_problem_is_reported_at_once(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/fhir/Patient", json=patient(birthDate="nope", gender="robot", extraThing=1)
    )

    assert set(_expressions(response)) >= {
        "Patient.birthDate",
        "Patient.gender",
        "Patient.extraThing",
    }


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"status": "finished"}, "Encounter.class"),
        ({"class": {"code": "AMB"}}, "Encounter.status"),
    ],
)
async def test_a_missing_required_element_names_it(
    client: httpx.AsyncClient, body: dict[str, Any], path: str
) -> None:
    response = await client.post("/fhir/Encounter", json={"resourceType": "Encounter", **body})

    assert response.status_code == 422
    assert _expressions(response) == [path]
    assert response.json()["issue"][0]["code"] == "required"


async def test_the_offending_values_never_appear_in_the_outcome(client: httpx.AsyncClient) -> None:
    body = patient(birthDate="1980-99-99-Rosalind", name=[{"family": ["Franklin-PHI"]}])

    response = await client.post("/fhir/Patient", json=body)

    assert response.status_code == 422
    assert "Rosalind" not in response.text and "Franklin-PHI" not in response.text


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b'{"resourceType": "Practitioner"}', "resourceType is 'Practitioner'"),
    ],
)
async def test_a_body_that_is_not_this_resource_is_400(
    client: httpx.AsyncClient, content: bytes, problem: str
) -> None:
    response = await client.post(
        "/fhir/Patient", content=content, headers={"Content-Type": "application/fhir+json"}
    )

    assert response.status_code == 400
    assert problem in response.json()["issue"][0]["diagnostics"]


async def test_an_invalid_update_leaves_the_resource_unchanged(client: httpx.AsyncClient) -> None:
    created = (await client.post("/fhir/Patient", json=patient())).json()

    response = await client.put(
        f"/fhir/Patient/{created['id']}", json={**created, "birthDate": "someday"}
    )
    current = await client.get(f"/fhir/Patient/{created['id']}")

    assert response.status_code == 422
    assert current.json() == created


@pytest.mark.parametrize("path", ["/fhir/Observation", "/fhir/Observation/1", "/fhir/Foo/_history"])
async def test_unknown_resource_types_are_404_operation_outcomes(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)

    assert response.status_code == 404
    assert response.json()["issue"][0]["code"] == "not-found"
    assert "'Observation'" in response.text or "'Foo'" in response.text


async def test_an_unsupported_interaction_is_405(client: httpx.AsyncClient) -> None:
    response = await client.patch("/fhir/Patient/1", json={})

    assert response.status_code == 405
    assert response.json()["issue"][0]["code"] == "not-supported"


async def test_unauthenticated_requests_get_an_operation_outcome(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/fhir/Patient", headers={"Authorization": "Bearer wrong"})

    assert response.status_code == 401
    assert response.json()["issue"][0]["code"] == "login"


async def test_validation_can_be_switched_off() -> None:
    settings: SimulatorSettings = make_settings(options={"fhir_validation": False})
    app = create_app(settings)
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://ehr", headers=auth(ENGINE_KEY)
    ) as client:
        response = await client.post("/fhir/Patient", json=patient(gender="robot"))

    assert response.status_code == 201
