"""The shared app machinery seen from a client: auth, each request fault, the error bodies."""

from __future__ import annotations

import time

import httpx
import pytest
from fastapi import FastAPI

from simulators._shared import ConnectionDropped, FaultPlan, RequestFault, UniformLatency
from tests.simulators.shared.conftest import ADMIN_KEY, PORTAL_KEY, auth

pytestmark = pytest.mark.anyio


def _plan(app: FastAPI, *rules: RequestFault) -> None:
    app.state.runtime.faults.set_plan(FaultPlan(seed=1, requests=rules))


def _records(app: FastAPI) -> list[dict[str, object]]:
    return list(app.state.runtime.history.records())


async def test_a_request_without_a_key_gets_401_with_a_json_error(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/notes/n1", headers={"Authorization": ""})

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_an_unknown_key_gets_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/notes/n1", headers=auth("not-a-key"))

    assert response.status_code == 401
    assert "unknown API key" in response.json()["error"]["message"]


async def test_openapi_docs_need_no_key(client: httpx.AsyncClient) -> None:
    response = await client.get("/openapi.json", headers={"Authorization": ""})

    assert response.status_code == 200
    assert "/notes/{note_id}" in response.json()["paths"]


async def test_the_client_name_is_the_history_process_with_idempotency_headers(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await client.put(
        "/notes/n1", json={"t": 1}, headers={"Idempotency-Key": "k-1", "X-Request-Attempt": "2"}
    )

    invoke, ok = _records(app)
    assert (invoke["process"], invoke["idempotency_key"], invoke["attempt"]) == ("engine", "k-1", 2)
    assert (ok["type"], ok["new_version"]) == ("ok", "1")


async def test_an_injected_5xx_commits_nothing_and_is_a_failed_http_operation(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _plan(app, RequestFault(kind="error", status=502, method="PUT", times=1))

    refused = await client.put("/notes/n1", json={"t": 1})
    accepted = await client.put("/notes/n1", json={"t": 2})

    assert refused.status_code == 502
    assert refused.json()["error"]["code"] == "injected_error"
    assert accepted.json()["version"] == 1
    first_two = [(r["type"], r["f"], r["key"], r["outcome"]) for r in _records(app)[:2]]
    assert first_two == [
        ("invoke", "http", "PUT /notes/n1", None),
        ("fail", "http", "PUT /notes/n1", "fault:502"),
    ]


async def test_an_injected_429_carries_retry_after(client: httpx.AsyncClient, app: FastAPI) -> None:
    _plan(app, RequestFault(kind="rate_limit", retry_after=7, path="/notes/*"))

    response = await client.get("/notes/n1")

    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"


async def test_latency_delays_the_reply(client: httpx.AsyncClient, app: FastAPI) -> None:
    _plan(app, RequestFault(kind="latency", latency=UniformLatency(low=0.05, high=0.06)))
    await client.put("/notes/n1", json={})

    started = time.perf_counter()
    await client.get("/notes/n1")

    assert time.perf_counter() - started >= 0.05


async def test_faults_can_target_one_client_only(client: httpx.AsyncClient, app: FastAPI) -> None:
    _plan(app, RequestFault(kind="error", client="portal"))

    engine = await client.put("/notes/n1", json={})
    portal = await client.get("/notes/n1", headers=auth(PORTAL_KEY))

    assert (engine.status_code, portal.status_code) == (200, 503)


async def test_a_crash_after_commit_drops_the_reply_but_keeps_the_write(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _plan(app, RequestFault(kind="crash_after_commit", method="PUT", times=1))

    with pytest.raises(ConnectionDropped):
        await client.put("/notes/n1", json={"t": 1})
    after = await client.get("/notes/n1")

    assert after.json()["version"] == 1
    completion = _records(app)[1]
    assert (completion["type"], completion["outcome"]) == ("info", "crash_after_commit")


async def test_a_crash_in_empty_500_mode_answers_500_without_a_body(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _plan(app, RequestFault(kind="crash_after_commit", crash_mode="empty_500", times=1))

    response = await client.put("/notes/n1", json={"t": 1})
    after = await client.get("/notes/n1")

    assert (response.status_code, response.content) == (500, b"")
    assert after.json()["version"] == 1


async def test_a_timeout_fault_commits_then_holds_the_reply_with_an_unknown_outcome(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    _plan(app, RequestFault(kind="timeout", hang_seconds=0.05, times=1))

    started = time.perf_counter()
    await client.put("/notes/n1", json={})

    assert time.perf_counter() - started >= 0.05
    assert _records(app)[1]["type"] == "info"
    assert _records(app)[1]["outcome"] == "timeout"


async def test_admin_routes_are_never_faulted(client: httpx.AsyncClient, app: FastAPI) -> None:
    _plan(app, RequestFault(kind="error"))

    response = await client.delete("/_admin/faults", headers=auth(ADMIN_KEY))

    assert response.status_code == 200
    assert (await client.put("/notes/n1", json={})).status_code == 200
