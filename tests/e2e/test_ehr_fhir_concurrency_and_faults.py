"""The EHR on a real port under concurrency and injected faults, as a client experiences them,
plus rest-hook notifications to a real receiver on another port."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from starlette.responses import Response

from simulators._shared import Client, KeyRing, SimClock, SimulatorSettings, serve
from simulators.ehr import create_app

pytestmark = pytest.mark.e2e

ADMIN = {"Authorization": "Bearer e2e-admin-key"}
ENGINE = {"Authorization": "Bearer e2e-engine-key"}
MRN = "urn:oid:2.999.7.1"


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    keys = KeyRing(
        [
            Client("admin", "admin", "e2e-admin-key"),
            Client("engine", "sync_engine", "e2e-engine-key"),
        ]
    )
    with serve(create_app(SimulatorSettings(clock=SimClock(), keys=keys))) as url:
        yield url


@pytest.fixture
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, headers=ENGINE, timeout=5) as client:
        client.post("/_admin/reset", headers=ADMIN)
        yield client


def _faults(client: httpx.Client, *rules: dict[str, Any]) -> None:
    response = client.put(
        "/_admin/faults", json={"seed": 1, "requests": list(rules)}, headers=ADMIN
    )
    assert response.status_code == 200, response.text


def _history(client: httpx.Client) -> list[dict[str, Any]]:
    text = client.get("/_admin/history", headers=ADMIN).text
    return [json.loads(line) for line in text.splitlines()]


def _patient(mrn: str) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "identifier": [{"system": MRN, "value": mrn}],
        "name": [{"family": "Testperson"}],
    }


def _count(client: httpx.Client, mrn: str) -> int:
    bundle = client.get("/fhir/Patient", params={"identifier": f"{MRN}|{mrn}"}).json()
    return int(bundle["total"])


def test_twenty_parallel_conditional_creates_make_exactly_one_patient(
    client: httpx.Client, base_url: str
) -> None:
    async def race() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=20)
        async with httpx.AsyncClient(base_url=base_url, headers=ENGINE, limits=limits) as c:
            headers = {"If-None-Exist": f"identifier={MRN}|E2E-RACE-1"}
            return await asyncio.gather(
                *(
                    c.post("/fhir/Patient", json=_patient("E2E-RACE-1"), headers=headers)
                    for _ in range(20)
                )
            )

    responses = asyncio.run(race())

    assert sorted(r.status_code for r in responses) == [200] * 19 + [201]
    assert len({r.json()["id"] for r in responses}) == 1
    assert _count(client, "E2E-RACE-1") == 1


def test_a_timeout_leaves_the_client_unsure_and_the_patient_created(client: httpx.Client) -> None:
    _faults(client, {"kind": "timeout", "hang_seconds": 0.6, "method": "POST", "times": 1})

    with pytest.raises(httpx.ReadTimeout):
        client.post("/fhir/Patient", json=_patient("E2E-TIMEOUT-1"), timeout=0.2)
    time.sleep(0.8)

    assert _count(client, "E2E-TIMEOUT-1") == 1
    created = [r for r in _history(client) if r["f"] == "create" and r["type"] != "invoke"]
    assert [(r["type"], r["outcome"]) for r in created] == [("info", "timeout")]


def test_a_crash_after_commit_drops_the_connection_after_the_write(client: httpx.Client) -> None:
    _faults(client, {"kind": "crash_after_commit", "method": "POST", "times": 1})

    with pytest.raises(httpx.RemoteProtocolError):
        client.post("/fhir/Patient", json=_patient("E2E-CRASH-1"))

    assert _count(client, "E2E-CRASH-1") == 1
    created = [r for r in _history(client) if r["f"] == "create" and r["type"] != "invoke"]
    assert [(r["type"], r["outcome"]) for r in created] == [("info", "crash_after_commit")]


def test_a_crash_in_empty_500_mode_is_a_bare_500_over_the_wire(client: httpx.Client) -> None:
    _faults(client, {"kind": "crash_after_commit", "crash_mode": "empty_500", "times": 1})

    response = client.post("/fhir/Patient", json=_patient("E2E-CRASH-2"))

    assert (response.status_code, response.content) == (500, b"")
    assert _count(client, "E2E-CRASH-2") == 1


def test_rate_limits_5xx_and_latency_are_seen_by_the_client(client: httpx.Client) -> None:
    _faults(
        client,
        {
            "kind": "rate_limit",
            "retry_after": 3,
            "path": "/fhir/Patient",
            "method": "POST",
            "times": 1,
        },
        {"kind": "error", "status": 502, "path": "/fhir/Patient", "method": "POST", "times": 1},
        {
            "kind": "latency",
            "path": "/fhir/Practitioner",
            "latency": {"kind": "fixed", "seconds": 0.15},
        },
    )

    limited = client.post("/fhir/Patient", json=_patient("E2E-LIMIT-1"))
    failed = client.post("/fhir/Patient", json=_patient("E2E-LIMIT-1"))
    accepted = client.post("/fhir/Patient", json=_patient("E2E-LIMIT-1"))
    started = time.perf_counter()
    slow = client.get("/fhir/Practitioner")
    elapsed = time.perf_counter() - started

    assert (limited.status_code, limited.headers["retry-after"]) == (429, "3")
    assert failed.status_code == 502
    assert accepted.status_code == 201
    assert slow.status_code == 200 and elapsed >= 0.15
    assert _count(client, "E2E-LIMIT-1") == 1


def test_rest_hook_notifications_reach_a_real_receiver(client: httpx.Client) -> None:
    received: list[tuple[str, str, dict[str, Any]]] = []
    receiver = FastAPI()

    @receiver.put("/hooks/{resource_type}/{resource_id}")
    async def hook(request: Request) -> Response:
        received.append(
            (
                request.url.path,
                request.headers.get("authorization", ""),
                json.loads(await request.body()),
            )
        )
        return Response(status_code=200)

    with serve(receiver) as hooks_url:
        subscription = {
            "resourceType": "Subscription",
            "status": "requested",
            "reason": "e2e",
            "criteria": "Patient",
            "channel": {
                "type": "rest-hook",
                "endpoint": f"{hooks_url}/hooks",
                "payload": "application/fhir+json",
                "header": ["Authorization: Bearer receiver-key"],
            },
        }
        assert client.post("/fhir/Subscription", json=subscription).status_code == 201
        created = client.post("/fhir/Patient", json=_patient("E2E-HOOK-1")).json()
        drained = client.post("/_admin/webhooks/drain", headers=ADMIN)

    assert drained.json() == {"pending": 0}
    assert [(path, token) for path, token, _ in received] == [
        (f"/hooks/Patient/{created['id']}", "Bearer receiver-key")
    ]
    assert received[0][2]["identifier"][0]["value"] == "E2E-HOOK-1"
