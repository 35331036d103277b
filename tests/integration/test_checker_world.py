"""The checker judges what the real in-process world recorded.

The test plays both the people and the sync engine over the simulators' public APIs: it
creates a contact, is refused a stale If-Match write, has the patient revoke marketing texts in
the portal, and then either turns the CRM flag off (as a correct engine would) or leaves it on
and sends anyway. The histories come from each simulator's history export, the ground truth
from the seeded population.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from simulators._shared import KeyRing, SimulatorSettings
from splitbrain.harness.checker import AnomalyCode, HistorySource, Verdict, check
from splitbrain.harness.paths import default_matrix
from splitbrain.harness.world import SYSTEMS, World

pytestmark = pytest.mark.anyio

KEYS = KeyRing.generate(
    {"admin": "admin", "engine": "sync_engine", "patient": "patient", "growth": "growth_ops"},
    seed=11,
)
SMS = {"purpose": "HMARKT", "channel": "sms"}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass(frozen=True)
class Ana:
    """A seeded person with a CRM contact (with a phone) and a portal account."""

    gt: str
    contact: str
    account: str


@pytest.fixture
def world() -> World:
    world = World(SimulatorSettings(keys=KEYS))
    world.seed_population(people=40, seed=7)
    return world


def _ana(world: World) -> Ana:
    contacts = world.apps["crm"].state.store.contacts
    for person in world.runtime("crm").ground_truth["people"]:
        ids = {r["system"]: r["record_id"] for r in person["records"]}
        if "crm" in ids and "portal" in ids and (contacts.peek(ids["crm"]) or {}).get("phone"):
            return Ana(person["gt_id"], ids["crm"], ids["portal"])
    raise AssertionError("the seeded population has nobody with a contact and an account")


def _verdict(world: World) -> Verdict:
    sources = [
        HistorySource.from_text(f"{s}.jsonl", world.runtime(s).history.export_jsonl())
        for s in SYSTEMS
    ]
    return check(sources, default_matrix(), truth=world.runtime("crm").ground_truth)


async def _flag(world: World, ana: Ana, allowed: bool, version: int) -> Any:
    async with world.client("crm", "engine") as crm:
        return await crm.put(
            f"/contacts/{ana.contact}/consents/HMARKT/sms",
            json={"allowed": allowed},
            headers={"If-Match": str(version)},
        )


async def _prologue(world: World, ana: Ana) -> int:
    """Create a contact, win one If-Match write, lose a stale one, revoke in the portal."""
    async with world.client("crm", "engine") as crm:
        created = await crm.post(
            "/contacts", json={"first_name": "Quill", "last_name": "Okonkwo-Checker"}
        )
        assert created.status_code == 201
        version = (await crm.get(f"/contacts/{ana.contact}")).json()["version"]
    enabled = await _flag(world, ana, True, version)
    assert enabled.status_code == 200
    stale = await _flag(world, ana, True, version)
    assert stale.status_code == 412
    async with world.client("portal", "patient") as portal:
        revoked = await portal.post(f"/accounts/{ana.account}/consents/revoke", json=SMS)
        assert revoked.status_code in (200, 201)
    return int(enabled.json()["version"])


async def _send(world: World, ana: Ana) -> int:
    async with world.client("crm", "growth") as crm:
        sent = await crm.post("/outreach/send", json={"contact_id": ana.contact, **SMS})
    return sent.status_code


async def test_engine_that_honors_the_revoke_leaves_a_clean_history(world: World) -> None:
    ana = _ana(world)
    version = await _prologue(world, ana)
    assert (await _flag(world, ana, False, version)).status_code == 200

    status = await _send(world, ana)
    verdict = _verdict(world)

    assert status == 409
    assert verdict.ok, verdict.anomalies
    assert verdict.revocation.honored == 1
    assert verdict.operations > 100


async def test_send_after_a_revoke_the_crm_never_heard_of_is_caught(world: World) -> None:
    ana = _ana(world)
    await _prologue(world, ana)

    status = await _send(world, ana)
    verdict = _verdict(world)

    assert status == 201
    assert verdict.codes() == {AnomalyCode.MESSAGE_AFTER_REVOCATION}
    (found,) = verdict.anomalies
    assert (found.person, found.field) == (ana.gt, "HMARKT:sms")
    revoke, send = found.witnesses
    assert revoke.file == "portal.jsonl" and send.file == "crm.jsonl"
    crm_records = world.runtime("crm").history.records()
    assert crm_records[send.index]["f"] == "send_message"
    assert crm_records[send.index]["type"] == "ok"
    assert verdict.revocation.never == 1
