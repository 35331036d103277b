"""The store as the HL7 v2 side sees it (upsert, merge by identifiers, change events), and
the FHIR ``Patient/$merge`` operation."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from simulators.ehr import ChangeEvent, FhirStore
from simulators.ehr.errors import FhirInvalid, UnknownIdentifier
from simulators.ehr.hl7.target import AdtTarget
from tests.simulators.ehr.conftest import MRN, patient


def _mrn(body: dict[str, Any]) -> tuple[str, str]:
    identifier = body["identifier"][0]
    return identifier["system"], identifier["value"]


def test_the_store_is_the_hl7_sides_adt_target(store: FhirStore) -> None:
    assert isinstance(store, AdtTarget)


def test_upsert_creates_then_updates_by_the_first_identifier(store: FhirStore) -> None:
    body = patient()

    created_id, created = store.upsert_patient(body, process="mllp:registration")
    same_id, again = store.upsert_patient({**body, "gender": "other"}, process="mllp:adt")

    assert (created, again) == (True, False)
    assert same_id == created_id
    (current,) = store.live("Patient")
    assert (current.resource or {})["gender"] == "other"
    assert current.version_id == "2"
    processes = {r["process"] for r in store.history.records()}
    assert processes == {"mllp:registration", "mllp:adt"}


def test_upsert_without_a_system_and_value_is_invalid(store: FhirStore) -> None:
    with pytest.raises(FhirInvalid) as caught:
        store.upsert_patient(patient(identifier=[{"value": "X"}]), process="mllp")

    assert caught.value.issues[0].expression == ("Patient.identifier[0]",)


def test_upsert_validates_like_the_fhir_side(store: FhirStore) -> None:
    with pytest.raises(FhirInvalid, match=r"Patient\.birthDate"):
        store.upsert_patient(patient(birthDate="31/12/1980"), process="mllp")

    assert store.count("Patient") == 0


def test_merge_by_identifiers_links_both_patients(store: FhirStore) -> None:
    survivor, retired = patient(), patient()
    survivor_id, _ = store.upsert_patient(survivor, process="mllp")
    retired_id, _ = store.upsert_patient(retired, process="mllp")

    result = store.merge_patients(_mrn(survivor), _mrn(retired), process="mllp:a40")

    assert result == survivor_id
    with store.session("test") as session:
        kept = session.read("Patient", survivor_id).resource or {}
        dropped = session.read("Patient", retired_id).resource or {}
    assert dropped["active"] is False
    assert dropped["link"] == [
        {"other": {"reference": f"Patient/{survivor_id}"}, "type": "replaced-by"}
    ]
    assert kept["link"] == [{"other": {"reference": f"Patient/{retired_id}"}, "type": "replaces"}]
    merge = [r for r in store.history.records() if r["f"] == "merge" and r["type"] == "ok"]
    assert merge[0]["key"] == f"Patient/{retired_id}"
    assert merge[0]["outcome"] == f"merged_into:Patient/{survivor_id}"


def test_merging_twice_does_not_duplicate_links(store: FhirStore) -> None:
    survivor, retired = patient(), patient()
    store.upsert_patient(survivor, process="mllp")
    store.upsert_patient(retired, process="mllp")

    store.merge_patients(_mrn(survivor), _mrn(retired), process="mllp")
    store.merge_patients(_mrn(survivor), _mrn(retired), process="mllp")

    for version in store.live("Patient"):
        assert len((version.resource or {})["link"]) == 1


def test_merge_with_an_unknown_identifier_is_a_key_error(store: FhirStore) -> None:
    known = patient()
    store.upsert_patient(known, process="mllp")

    with pytest.raises(UnknownIdentifier) as caught:
        store.merge_patients(_mrn(known), (MRN, "NOBODY"), process="mllp")

    assert isinstance(caught.value, KeyError)
    assert "NOBODY" not in str(caught.value)
    assert "retired identifier" in str(caught.value)


def test_change_events_follow_commits_in_order(store: FhirStore) -> None:
    seen: list[ChangeEvent] = []
    store.on_change(seen.append)
    survivor, retired = patient(), patient()

    survivor_id, _ = store.upsert_patient(survivor, process="mllp")
    retired_id, _ = store.upsert_patient(retired, process="mllp")
    store.upsert_patient({**survivor, "gender": "other"}, process="mllp")
    store.merge_patients(_mrn(survivor), _mrn(retired), process="mllp")
    with store.session("test") as session:
        session.delete("Patient", retired_id)

    kinds = [(e.resource_type, e.id, e.version, e.kind) for e in seen]
    assert kinds == [
        ("Patient", survivor_id, "1", "create"),
        ("Patient", retired_id, "1", "create"),
        ("Patient", survivor_id, "2", "update"),
        ("Patient", retired_id, "2", "merge"),
        ("Patient", survivor_id, "3", "update"),
        ("Patient", retired_id, "3", "delete"),
    ]
    assert seen[-1].resource["id"] == retired_id  # a delete carries the last live content


def test_a_failed_operation_emits_no_change(store: FhirStore) -> None:
    seen: list[ChangeEvent] = []
    store.on_change(seen.append)

    with pytest.raises(FhirInvalid):
        store.upsert_patient(patient(gender="robot"), process="mllp")

    assert seen == []


@pytest.mark.anyio
async def test_the_merge_operation_retires_the_source(client: httpx.AsyncClient) -> None:
    target = (await client.post("/fhir/Patient", json=patient())).json()
    source = (await client.post("/fhir/Patient", json=patient())).json()
    parameters = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "source-patient", "valueReference": {"reference": f"Patient/{source['id']}"}},
            {"name": "target-patient", "valueReference": {"reference": f"Patient/{target['id']}"}},
        ],
    }

    response = await client.post("/fhir/Patient/$merge", json=parameters)
    retired = (await client.get(f"/fhir/Patient/{source['id']}")).json()
    linked = (await client.get("/fhir/Patient", params={"link": f"Patient/{target['id']}"})).json()

    assert response.status_code == 200
    assert response.json()["link"][0]["type"] == "replaces"
    assert retired["active"] is False
    assert [e["resource"]["id"] for e in linked["entry"]] == [source["id"]]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("parameters", "status"),
    [
        ({"resourceType": "Parameters", "parameter": []}, 400),
        ({"resourceType": "Bundle"}, 400),
        (
            {
                "resourceType": "Parameters",
                "parameter": [
                    {"name": "source-patient", "valueReference": {"reference": "Patient/1"}},
                    {"name": "target-patient", "valueReference": {"reference": "Patient/1"}},
                ],
            },
            400,
        ),
        (
            {
                "resourceType": "Parameters",
                "parameter": [
                    {"name": "source-patient", "valueReference": {"reference": "Patient/404"}},
                    {"name": "target-patient", "valueReference": {"reference": "Patient/405"}},
                ],
            },
            404,
        ),
    ],
)
async def test_a_bad_merge_request_is_refused(
    client: httpx.AsyncClient, parameters: dict[str, Any], status: int
) -> None:
    response = await client.post("/fhir/Patient/$merge", json=parameters)

    assert response.status_code == status
    assert response.json()["resourceType"] == "OperationOutcome"
