"""The EHR's history is complete and ordered, and every request fault is visible to a client."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from simulators._shared import ConnectionDropped, FaultPlan, FixedLatency, RequestFault
from simulators.ehr import FhirStore
from tests.simulators.ehr.conftest import FRONT_DESK_KEY, auth, patient

pytestmark = pytest.mark.anyio


def _set_faults(app: FastAPI, *rules: RequestFault) -> None:
    app.state.runtime.faults.set_plan(FaultPlan(seed=3, requests=rules))


def _assert_complete_and_ordered(records: list[dict[str, Any]]) -> None:
    assert [r["index"] for r in records] == list(range(len(records)))
    invokes = {r["index"]: r for r in records if r["type"] == "invoke"}
    completions = [r for r in records if r["type"] != "invoke"]
    assert sorted(c["op"] for c in completions) == sorted(invokes)
    for completion in completions:
        invoke = invokes[completion["op"]]
        assert completion["index"] > invoke["index"]
        assert (completion["process"], completion["f"]) == (invoke["process"], invoke["f"])
        assert completion["time"] >= invoke["time"]


async def test_a_crud_session_leaves_a_complete_ordered_phi_free_history(
    client: httpx.AsyncClient, store: FhirStore
) -> None:
    body = patient(name=[{"family": "Zelazny-Phi", "given": ["Ottoline"]}])
    created = (
        await client.post("/fhir/Patient", json=body, headers={"Idempotency-Key": "k-7"})
    ).json()
    url = f"/fhir/Patient/{created['id']}"
    await client.get(url)
    await client.put(url, json={**created, "gender": "other"}, headers={"If-Match": 'W/"1"'})
    await client.put(url, json=created, headers={"If-Match": 'W/"1"'})
    await client.get("/fhir/Patient", params={"family": "Zelazny-Phi"})
    await client.delete(url)

    records = store.history.records()
    exported = store.history.export_jsonl()

    _assert_complete_and_ordered(records)
    done = [
        (r["f"], r["type"], r["base_version"], r["new_version"], r["outcome"])
        for r in records
        if r["type"] != "invoke"
    ]
    assert done == [
        ("create", "ok", None, "1", "ok"),
        ("read", "ok", None, "1", "ok"),
        ("write", "ok", "1", "2", "ok"),
        ("write", "fail", "1", None, "precondition_failed"),
        ("search", "ok", None, None, "matches:1"),
        ("delete", "ok", None, "3", "ok"),
    ]
    assert records[1]["key"] == f"Patient/{created['id']}"
    assert records[1]["idempotency_key"] == "k-7"
    assert {r["process"] for r in records} == {"engine"}
    assert "Zelazny" not in exported and "Ottoline" not in exported
    assert any(r["key"] == "Patient?family" for r in records)
    assert records[1]["fields"]["name"] == json.loads(exported.splitlines()[1])["fields"]["name"]


async def test_history_is_exported_through_admin(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await client.post("/fhir/Patient", json=patient())

    response = await client.get("/_admin/history", headers=admin)

    lines = [json.loads(line) for line in response.text.splitlines()]
    assert [(r["type"], r["f"], r["system"]) for r in lines] == [
        ("invoke", "create", "ehr"),
        ("ok", "create", "ehr"),
    ]


async def test_an_injected_503_is_an_operation_outcome_and_commits_nothing(
    client: httpx.AsyncClient, app: FastAPI, store: FhirStore
) -> None:
    _set_faults(app, RequestFault(kind="error", status=503, method="POST", path="/fhir/Patient"))

    response = await client.post("/fhir/Patient", json=patient())

    assert response.status_code == 503
    assert response.json()["issue"][0]["code"] == "transient"
    assert store.count("Patient") == 0
    assert [r["outcome"] for r in store.history.records()] == [None, "fault:503"]


async def test_an_injected_429_names_retry_after(client: httpx.AsyncClient, app: FastAPI) -> None:
    _set_faults(app, RequestFault(kind="rate_limit", retry_after=12, times=1))

    limited = await client.get("/fhir/Patient")
    later = await client.get("/fhir/Patient")

    assert (limited.status_code, limited.headers["retry-after"]) == (429, "12")
    assert limited.json()["issue"][0]["code"] == "throttled"
    assert later.status_code == 200


async def test_injected_latency_slows_only_the_targeted_client(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _set_faults(
        app, RequestFault(kind="latency", client="front_desk", latency=FixedLatency(seconds=0.08))
    )

    started = time.perf_counter()
    await client.get("/fhir/Patient", headers=auth(FRONT_DESK_KEY))
    slow = time.perf_counter() - started
    started = time.perf_counter()
    await client.get("/fhir/Patient")
    fast = time.perf_counter() - started

    assert slow >= 0.08
    assert fast < slow


async def test_a_crash_after_commit_loses_the_reply_not_the_patient(
    client: httpx.AsyncClient, app: FastAPI, store: FhirStore
) -> None:
    _set_faults(app, RequestFault(kind="crash_after_commit", method="POST", times=1))
    body = patient()

    with pytest.raises(ConnectionDropped):
        await client.post("/fhir/Patient", json=body)
    retry = await client.post(
        "/fhir/Patient",
        json=body,
        headers={
            "If-None-Exist": f"identifier={body['identifier'][0]['system']}|"
            f"{body['identifier'][0]['value']}"
        },
    )

    assert retry.status_code == 200  # the first attempt did commit
    assert store.count("Patient") == 1
    first = store.history.records()[1]
    assert (first["type"], first["outcome"], first["new_version"]) == (
        "info",
        "crash_after_commit",
        "1",
    )


async def test_a_crash_in_empty_500_mode_is_a_bare_500(
    client: httpx.AsyncClient, app: FastAPI, store: FhirStore
) -> None:
    _set_faults(app, RequestFault(kind="crash_after_commit", crash_mode="empty_500", times=1))

    response = await client.post("/fhir/Patient", json=patient())

    assert (response.status_code, response.content) == (500, b"")
    assert store.count("Patient") == 1


async def test_a_timeout_commits_then_holds_the_reply_with_unknown_outcome(
    client: httpx.AsyncClient, app: FastAPI, store: FhirStore
) -> None:
    _set_faults(app, RequestFault(kind="timeout", hang_seconds=0.05, times=1))

    started = time.perf_counter()
    await client.post("/fhir/Patient", json=patient())

    assert time.perf_counter() - started >= 0.05
    assert store.history.records()[1]["type"] == "info"
    assert store.history.records()[1]["outcome"] == "timeout"
