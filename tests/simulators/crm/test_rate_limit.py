"""Per-client token buckets: 429 with Retry-After, refilled by the (simulated) clock."""

from __future__ import annotations

import pytest

from simulators.crm import CrmOptions, RateLimit, create_app
from tests.simulators.crm.support import Rig, make_settings

pytestmark = pytest.mark.anyio


def _limited() -> Rig:
    options = CrmOptions(
        rate_limits={"engine": RateLimit(capacity=2, per_second=0.5)},
        rate_limit_clock="simulated",
    )
    settings = make_settings(crm=options)
    return Rig(settings, create_app(settings), base_url="http://crm")


async def test_a_client_over_its_limit_gets_429_with_retry_after() -> None:
    rig = _limited()
    crm = rig.client("engine")

    statuses = [(await crm.get("/pipeline")).status_code for _ in range(3)]
    refused = await crm.get("/pipeline")

    assert statuses == [200, 200, 429]
    assert refused.headers["retry-after"] == "2"
    assert refused.json()["error"]["code"] == "rate_limited"
    assert [r["outcome"] for r in rig.ops("http") if r["type"] == "fail"] == ["rate_limited"] * 2
    await rig.aclose()


async def test_the_bucket_refills_as_the_simulated_clock_moves() -> None:
    rig = _limited()
    crm = rig.client("engine")
    for _ in range(3):
        await crm.get("/pipeline")

    rig.clock.advance(2)

    assert (await crm.get("/pipeline")).status_code == 200
    await rig.aclose()


async def test_other_clients_and_admin_are_not_limited_by_the_engines_bucket() -> None:
    rig = _limited()
    for _ in range(3):
        await rig.client("engine").get("/pipeline")

    other = await rig.client("coordinator").get("/pipeline")
    admin = await rig.client("admin").get("/_admin/clock")

    assert (other.status_code, admin.status_code) == (200, 200)
    await rig.aclose()


async def test_a_rate_limited_write_does_not_consume_its_idempotency_key() -> None:
    rig = _limited()
    crm = rig.client("engine")
    headers = {"Idempotency-Key": "k"}
    await crm.get("/pipeline")
    await crm.get("/pipeline")

    refused = await crm.post("/contacts", json={}, headers=headers)
    rig.clock.advance(2)
    accepted = await crm.post("/contacts", json={}, headers=headers)

    assert (refused.status_code, accepted.status_code) == (429, 201)
    await rig.aclose()
