from __future__ import annotations

import httpx
import pytest

from simulators._shared import SimClock, SimulatorSettings
from tests.simulators.ehr.conftest import patient

pytestmark = pytest.mark.anyio


async def test_create_assigns_id_version_and_location(client: httpx.AsyncClient) -> None:
    response = await client.post("/fhir/Patient", json=patient(id="client-chosen"))

    body = response.json()
    assert response.status_code == 201
    assert body["id"] != "client-chosen"
    assert body["meta"]["versionId"] == "1"
    assert body["meta"]["lastUpdated"] == "2025-01-06T09:00:00+00:00"
    assert response.headers["etag"] == 'W/"1"'
    assert response.headers["location"] == f"http://ehr/fhir/Patient/{body['id']}/_history/1"
    assert response.headers["content-type"] == "application/fhir+json"
    assert response.headers["last-modified"] == "Mon, 06 Jan 2025 09:00:00 GMT"


async def test_read_returns_what_was_created(client: httpx.AsyncClient) -> None:
    created = (await client.post("/fhir/Patient", json=patient())).json()

    response = await client.get(f"/fhir/Patient/{created['id']}")

    assert response.status_code == 200
    assert response.json() == created
    assert response.headers["etag"] == 'W/"1"'


async def test_client_meta_is_kept_but_version_and_time_are_the_servers(
    client: httpx.AsyncClient,
) -> None:
    meta = {"versionId": "99", "lastUpdated": "1999-01-01T00:00:00Z", "tag": [{"code": "syn"}]}

    created = (await client.post("/fhir/Patient", json=patient(meta=meta))).json()

    assert created["meta"] == {
        "tag": [{"code": "syn"}],
        "versionId": "1",
        "lastUpdated": "2025-01-06T09:00:00+00:00",
    }


async def test_update_makes_a_new_version_and_vread_returns_each(
    client: httpx.AsyncClient, settings: SimulatorSettings
) -> None:
    created = (await client.post("/fhir/Patient", json=patient())).json()
    assert isinstance(settings.clock, SimClock)
    settings.clock.advance(60)

    updated = await client.put(
        f"/fhir/Patient/{created['id']}", json={**created, "gender": "other"}
    )
    first = await client.get(f"/fhir/Patient/{created['id']}/_history/1")
    second = await client.get(f"/fhir/Patient/{created['id']}/_history/2")

    assert updated.status_code == 200
    assert updated.headers["etag"] == 'W/"2"'
    assert updated.json()["meta"]["lastUpdated"] == "2025-01-06T09:01:00+00:00"
    assert first.json()["gender"] == "female"
    assert second.json()["gender"] == "other"


async def test_update_of_an_unknown_id_creates_it(client: httpx.AsyncClient) -> None:
    response = await client.put("/fhir/Patient/mrn-77", json=patient(id="mrn-77"))

    assert response.status_code == 201
    assert response.json()["id"] == "mrn-77"


async def test_server_ids_skip_ids_chosen_by_clients(client: httpx.AsyncClient) -> None:
    await client.put("/fhir/Patient/1", json=patient(id="1"))

    created = (await client.post("/fhir/Patient", json=patient())).json()

    assert created["id"] != "1"


async def test_update_needs_the_url_id_in_the_body(client: httpx.AsyncClient) -> None:
    created = (await client.post("/fhir/Patient", json=patient())).json()

    missing = await client.put(f"/fhir/Patient/{created['id']}", json=patient())
    other = await client.put(f"/fhir/Patient/{created['id']}", json=patient(id="elsewhere"))

    assert missing.status_code == other.status_code == 400
    assert "must equal the URL id" in missing.json()["issue"][0]["diagnostics"]


async def test_delete_makes_reads_gone_and_history_keeps_versions(
    client: httpx.AsyncClient,
) -> None:
    created = (await client.post("/fhir/Patient", json=patient())).json()

    deleted = await client.delete(f"/fhir/Patient/{created['id']}")
    again = await client.delete(f"/fhir/Patient/{created['id']}")
    read = await client.get(f"/fhir/Patient/{created['id']}")
    vread = await client.get(f"/fhir/Patient/{created['id']}/_history/1")
    gone_version = await client.get(f"/fhir/Patient/{created['id']}/_history/2")

    assert (deleted.status_code, again.status_code) == (204, 204)
    assert read.status_code == 410
    assert read.json()["issue"][0]["code"] == "deleted"
    assert vread.status_code == 200
    assert gone_version.status_code == 410


async def test_unknown_ids_and_versions_are_404_operation_outcomes(
    client: httpx.AsyncClient,
) -> None:
    created = (await client.post("/fhir/Patient", json=patient())).json()

    missing = await client.get("/fhir/Patient/nope")
    no_version = await client.get(f"/fhir/Patient/{created['id']}/_history/9")
    no_delete = await client.delete("/fhir/Patient/nope")

    for response in (missing, no_version, no_delete):
        assert response.status_code == 404
        assert response.json()["resourceType"] == "OperationOutcome"
        assert response.json()["issue"][0]["code"] == "not-found"


async def test_instance_history_lists_versions_newest_first(client: httpx.AsyncClient) -> None:
    created = (await client.post("/fhir/Patient", json=patient())).json()
    await client.put(f"/fhir/Patient/{created['id']}", json={**created, "active": False})
    await client.delete(f"/fhir/Patient/{created['id']}")

    bundle = (await client.get(f"/fhir/Patient/{created['id']}/_history")).json()

    assert (bundle["type"], bundle["total"]) == ("history", 3)
    assert [e["request"]["method"] for e in bundle["entry"]] == ["DELETE", "PUT", "POST"]
    assert [e["response"]["etag"] for e in bundle["entry"]] == ['W/"3"', 'W/"2"', 'W/"1"']
    assert "resource" not in bundle["entry"][0]
    assert bundle["entry"][2]["response"]["status"] == "201 Created"


async def test_type_history_spans_resources_and_pages(client: httpx.AsyncClient) -> None:
    for _ in range(3):
        await client.post("/fhir/Patient", json=patient())

    page = (await client.get("/fhir/Patient/_history", params={"_count": 2})).json()
    rest = await client.get(page["link"][1]["url"])

    assert page["total"] == 3
    assert len(page["entry"]) == 2
    assert page["link"][1]["relation"] == "next"
    assert len(rest.json()["entry"]) == 1


async def test_prefer_return_minimal_answers_without_a_body(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/fhir/Patient", json=patient(), headers={"Prefer": "return=minimal"}
    )

    assert response.status_code == 201
    assert response.content == b""
    assert response.headers["location"].endswith("/_history/1")


@pytest.mark.parametrize(
    ("resource_type", "body"),
    [
        ("Practitioner", {"name": [{"family": "Doctor"}]}),
        ("Encounter", {"status": "finished", "class": {"code": "AMB"}}),
        ("Condition", {"subject": {"reference": "Patient/1"}}),
        (
            "MedicationRequest",
            {
                "status": "active",
                "intent": "order",
                "subject": {"reference": "Patient/1"},
                "medicationCodeableConcept": {"text": "semaglutide 0.25 mg"},
            },
        ),
        (
            "Consent",
            {
                "status": "active",
                "scope": {"text": "patient-privacy"},
                "category": [{"text": "marketing"}],
            },
        ),
        ("QuestionnaireResponse", {"status": "completed"}),
        ("DocumentReference", {"status": "current", "content": [{"attachment": {"url": "x"}}]}),
        ("Task", {"status": "requested", "intent": "order"}),
        (
            "AuditEvent",
            {
                "type": {"code": "rest"},
                "recorded": "2025-01-06T09:00:00Z",
                "agent": [{"requestor": True}],
                "source": {"observer": {"display": "ehr"}},
            },
        ),
    ],
)
async def test_every_served_type_supports_create_and_read(
    client: httpx.AsyncClient, resource_type: str, body: dict[str, object]
) -> None:
    created = await client.post(
        f"/fhir/{resource_type}", json={"resourceType": resource_type, **body}
    )

    read = await client.get(f"/fhir/{resource_type}/{created.json()['id']}")

    assert created.status_code == 201, created.json()
    assert read.json()["resourceType"] == resource_type
