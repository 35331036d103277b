"""The world seeded from the synthetic population: every record traces to the ground truth."""

from __future__ import annotations

import pytest

from simulators.population import GroundTruth, generate
from splitbrain.harness.world import World
from tests.simulators.crm.support import make_settings

pytestmark = pytest.mark.anyio

PEOPLE, SEED = 12, 7


async def test_each_simulator_holds_the_populations_records_under_their_ids() -> None:
    world = World(make_settings())
    truth = GroundTruth.from_entries(generate(PEOPLE, SEED))

    report = world.seed_population(PEOPLE, SEED)

    async with world.client("crm") as crm, world.client("portal") as portal:
        contacts = (await crm.get("/contacts", params={"limit": 1000})).json()["items"]
        accounts = (await portal.get("/accounts", params={"limit": 1000})).json()["items"]
    async with world.client("ehr") as ehr:
        patients = (await ehr.get("/Patient", params={"_count": 1000})).json()
    assert report["crm"]["created"]["contact"] == len(contacts) > 0
    assert report["portal"]["created"]["account"] == len(accounts) > 0
    assert {truth.person_of("crm", c["id"]) for c in contacts} <= set(truth.gt_ids())
    assert {truth.person_of("portal", a["id"]) for a in accounts} <= set(truth.gt_ids())
    in_ehr = {truth.person_of("ehr", e["resource"]["id"]) for e in patients.get("entry", [])}
    assert in_ehr
    assert in_ehr <= set(truth.gt_ids())


async def test_crm_stages_and_local_flags_come_from_the_population() -> None:
    world = World(make_settings())
    entries = list(generate(PEOPLE, SEED))
    world.seed_population(PEOPLE, SEED)

    async with world.client("crm") as crm:
        contacts = {c["id"]: c for c in (await crm.get("/contacts")).json()["items"]}
    crm_records = [r for e in entries for r in e.records if r.system == "crm" and r.crm]
    for record in crm_records:
        contact = contacts[record.record_id]
        assert contact["stage"] == record.crm.stage_name
        assert contact["consents"]["HMARKT"] == {
            "sms": record.crm.sms_opt_in,
            "email": record.crm.email_opt_in,
        }


async def test_the_ground_truth_is_served_by_every_simulator() -> None:
    world = World(make_settings())
    world.seed_population(PEOPLE, SEED)

    truths = []
    for system in ("ehr", "crm", "portal"):
        async with world.client(system, "admin") as admin:
            truths.append((await admin.get(f"http://{system}/_admin/ground-truth")).json())

    assert truths[0] == truths[1] == truths[2]
    assert len(truths[0]["people"]) == PEOPLE
