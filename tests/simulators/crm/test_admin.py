"""Seeding, reset and the history: complete, ordered, and free of PHI values."""

from __future__ import annotations

import pytest

from tests.simulators.crm.support import Rig, completed_in_order

pytestmark = pytest.mark.anyio

SEED = [
    {
        "type": "contact",
        "id": "crm-3fa29c01b2",
        "ref": "ana",
        "first_name": "Ana",
        "last_name": "Lopez-Synth",
        "email": "ana.lopez@example.com",
        "phone": "(555) 010-0123",
        "consents": {"HMARKT": {"sms": True}},
        "campaign": "SYN-2025-Q1-RESET",
    },
    {"type": "lead", "contact_ref": "ana", "source": "web_form"},
    {"type": "task", "subject": "Call back", "owner_queue": "intake_ops"},
    {
        "type": "campaign",
        "name": "SYN-2025-Q1-RESET",
        "purpose": "HMARKT",
        "channel": "sms",
        "every_minutes": 30,
    },
]


async def test_seed_keeps_ids_resolves_refs_and_counts(rig: Rig) -> None:
    admin = rig.client("admin")

    response = await admin.post("/_admin/seed", json=SEED)

    assert response.json() == {
        "created": {"contact": 1, "lead": 1, "task": 1, "campaign": 1},
        "ids": {"ana": "crm-3fa29c01b2"},
    }
    lead = (await rig.client().get("/leads")).json()["items"][0]
    assert lead["contact_id"] == "crm-3fa29c01b2"


async def test_seeded_campaigns_are_scheduled(rig: Rig) -> None:
    await rig.client("admin").post("/_admin/seed", json=SEED)

    rig.clock.advance(1800)

    sends = (await rig.client().get("/outreach/sends")).json()["items"]
    assert [s["contact_id"] for s in sends] == ["crm-3fa29c01b2"]


async def test_an_invalid_seed_record_names_its_index_and_field(rig: Rig) -> None:
    response = await rig.client("admin").post(
        "/_admin/seed", json=[{"first_name": "Ana"}, {"type": "contact", "stage": "nope"}]
    )

    assert response.status_code == 400
    assert "seed record 1 (contact): field 'stage'" in response.json()["error"]["message"]


async def test_reset_empties_records_sends_and_idempotency_keys(rig: Rig) -> None:
    await rig.client("admin").post("/_admin/seed", json=SEED)
    crm = rig.client()
    await crm.post("/contacts", json={}, headers={"Idempotency-Key": "k"})
    rig.clock.advance(1800)

    await rig.client("admin").post("/_admin/reset")
    again = await crm.post("/contacts", json={}, headers={"Idempotency-Key": "k"})

    assert (await crm.get("/contacts")).json()["total"] == 1
    assert "idempotent-replayed" not in again.headers
    assert again.json()["id"] == "con-000001"
    assert (await crm.get("/outreach/sends")).json()["total"] == 0


async def test_history_is_complete_ordered_and_carries_no_phi(rig: Rig) -> None:
    await rig.client("admin").post("/_admin/seed", json=SEED)
    crm = rig.client()
    await crm.patch(
        "/contacts/crm-3fa29c01b2", json={"email": "ana.l@example.org"}, headers={"If-Match": "1"}
    )
    await crm.patch(
        "/contacts/crm-3fa29c01b2", json={"email": "x@example.org"}, headers={"If-Match": "1"}
    )
    await crm.get("/contacts/crm-3fa29c01b2")
    rig.clock.advance(1800)

    exported = (await rig.client("admin").get("/_admin/history")).text

    history = rig.history()
    assert completed_in_order(history)
    assert rig.app.state.runtime.history.open_operations() == []
    for phi in ("Ana", "Lopez-Synth", "ana.lopez@example.com", "ana.l@example.org", "010-0123"):
        assert phi not in exported
    writes = [r for r in history if r["f"] == "write" and r["type"] != "invoke"]
    assert [(r["type"], r["outcome"]) for r in writes] == [("ok", "ok"), ("fail", "stale_version")]
