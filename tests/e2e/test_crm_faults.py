"""Each injected fault from simulators._shared, observed by an httpx client of the served CRM."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from simulators._shared import FaultPlan, FixedLatency, RequestFault
from simulators.crm import create_app
from splitbrain.harness.world import serving
from tests.simulators.crm.support import Rig, make_settings

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    settings = make_settings()
    app = create_app(settings)
    async with serving(app) as url:
        rig = Rig(settings, app, base_url=url, transport=httpx.AsyncHTTPTransport())
        yield rig
        await rig.aclose()


async def _plan(rig: Rig, **rule: Any) -> None:
    plan = FaultPlan(seed=1, requests=(RequestFault(method="POST", path="/contacts", **rule),))
    response = await rig.client("admin").put("/_admin/faults", json=plan.model_dump(mode="json"))
    assert response.status_code == 200


async def _history(rig: Rig) -> list[dict[str, Any]]:
    text = (await rig.client("admin").get("/_admin/history")).text
    return [json.loads(line) for line in text.splitlines()]


async def _contacts(rig: Rig) -> int:
    return int((await rig.client().get("/contacts")).json()["total"])


async def test_injected_latency_delays_the_reply(rig: Rig) -> None:
    await _plan(rig, kind="latency", latency=FixedLatency(seconds=0.3))

    started = time.perf_counter()
    response = await rig.client().post("/contacts", json={})

    assert response.status_code == 201
    assert time.perf_counter() - started >= 0.3


async def test_injected_server_error_commits_nothing(rig: Rig) -> None:
    await _plan(rig, kind="error", status=503)

    response = await rig.client().post("/contacts", json={})

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "injected_error"
    assert await _contacts(rig) == 0
    assert [r["outcome"] for r in await _history(rig) if r["f"] == "http"][-1] == "fault:503"


async def test_injected_rate_limit_is_429_with_retry_after(rig: Rig) -> None:
    await _plan(rig, kind="rate_limit", retry_after=7)

    response = await rig.client().post("/contacts", json={})

    assert (response.status_code, response.headers["retry-after"]) == (429, "7")
    assert await _contacts(rig) == 0


async def test_injected_timeout_outlasts_an_impatient_client(rig: Rig) -> None:
    await _plan(rig, kind="timeout", hang_seconds=0.5)
    impatient = rig.client()
    impatient.timeout = httpx.Timeout(0.2)

    with pytest.raises(httpx.ReadTimeout):
        await impatient.post("/contacts", json={})


async def test_a_timed_out_request_served_late_is_recorded_as_outcome_unknown(rig: Rig) -> None:
    await _plan(rig, kind="timeout", hang_seconds=0.3)

    started = time.perf_counter()
    response = await rig.client().post("/contacts", json={})

    assert response.status_code == 201
    assert time.perf_counter() - started >= 0.3
    creates = [r for r in await _history(rig) if r["f"] == "create" and r["type"] != "invoke"]
    assert [(r["type"], r["outcome"]) for r in creates] == [("info", "timeout")]


async def test_crash_after_commit_drops_the_connection_after_the_write(rig: Rig) -> None:
    await _plan(rig, kind="crash_after_commit", crash_mode="drop")

    with pytest.raises(httpx.RemoteProtocolError):
        await rig.client().post("/contacts", json={}, headers={"Idempotency-Key": "c1"})

    assert await _contacts(rig) == 1
    creates = [r for r in await _history(rig) if r["f"] == "create" and r["type"] != "invoke"]
    assert [(r["type"], r["outcome"]) for r in creates] == [("info", "crash_after_commit")]


async def test_a_retry_after_a_crash_replays_instead_of_writing_twice(rig: Rig) -> None:
    await _plan(rig, kind="crash_after_commit", crash_mode="empty_500", times=1)
    crm = rig.client()

    crashed = await crm.post("/contacts", json={}, headers={"Idempotency-Key": "c2"})
    retry = await crm.post("/contacts", json={}, headers={"Idempotency-Key": "c2"})

    assert (crashed.status_code, crashed.content) == (500, b"")
    assert (retry.status_code, retry.headers["idempotent-replayed"]) == (201, "true")
    assert await _contacts(rig) == 1
