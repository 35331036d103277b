"""Outreach: campaigns run on the simulated clock and respect the local consent flags."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.simulators.crm.support import Rig

pytestmark = pytest.mark.anyio

CAMPAIGN = {"name": "SYN-2025-Q1-RESET", "purpose": "HMARKT", "channel": "sms", "every_minutes": 60}


async def _contact(crm: httpx.AsyncClient, **fields: Any) -> str:
    body = {"phone": "+15550100123", "campaign": CAMPAIGN["name"], **fields}
    return str((await crm.post("/contacts", json=body)).json()["id"])


async def test_campaign_sends_only_to_contacts_whose_flags_allow_it(rig: Rig) -> None:
    crm = rig.client()
    allowed = await _contact(crm, consents={"HMARKT": {"sms": True}})
    other_channel = await _contact(crm, consents={"HMARKT": {"email": True}})
    other_purpose = await _contact(crm, consents={"TREAT": {"sms": True}})
    no_phone = await _contact(crm, phone=None, consents={"HMARKT": {"sms": True}})
    await crm.post("/campaigns", json=CAMPAIGN)

    rig.clock.advance(3600)

    sends = (await crm.get("/outreach/sends")).json()["items"]
    assert [s["contact_id"] for s in sends] == [allowed]
    send = sends[0]
    assert (send["channel"], send["purpose"], send["status"]) == ("sms", "HMARKT", "sent")
    assert send["sent_at"] == rig.clock.now().isoformat()
    assert send["campaign_id"] == "cmp-000001"
    assert send["message_id"].startswith("msg-")
    assert {other_channel, other_purpose, no_phone}.isdisjoint(s["contact_id"] for s in sends)


async def test_campaign_does_not_run_before_its_tick(rig: Rig) -> None:
    crm = rig.client()
    await _contact(crm, consents={"HMARKT": {"sms": True}})
    await crm.post("/campaigns", json=CAMPAIGN)

    rig.clock.advance(3599)

    assert (await crm.get("/outreach/sends")).json()["total"] == 0
    campaign = (await crm.get("/campaigns/cmp-000001")).json()
    assert campaign["schedule"]["next_run_at"] == "2025-01-06T10:00:00+00:00"


async def test_a_revoked_flag_stops_the_next_run(rig: Rig) -> None:
    crm = rig.client()
    cid = await _contact(crm, consents={"HMARKT": {"sms": True}})
    await crm.post("/campaigns", json={**CAMPAIGN, "once_per_contact": False})
    rig.clock.advance(3600)

    await crm.put(f"/contacts/{cid}/consents/HMARKT/sms", json={"allowed": False})
    rig.clock.advance(3600)

    sends = (await crm.get("/outreach/sends")).json()["items"]
    assert len(sends) == 1
    last_run = (await crm.get("/campaigns/cmp-000001")).json()["schedule"]["last_run"]
    assert (last_run["sent"], last_run["skipped"]) == (0, 1)


async def test_once_per_contact_campaigns_send_each_member_once(rig: Rig) -> None:
    crm = rig.client()
    await _contact(crm, consents={"HMARKT": {"sms": True}})
    await crm.post("/campaigns", json=CAMPAIGN)

    for _ in range(3):
        rig.clock.advance(3600)

    assert (await crm.get("/outreach/sends")).json()["total"] == 1


async def test_a_clock_jump_over_many_ticks_runs_once_then_reschedules(rig: Rig) -> None:
    crm = rig.client()
    await _contact(crm, consents={"HMARKT": {"sms": True}})
    await crm.post("/campaigns", json={**CAMPAIGN, "once_per_contact": False})

    rig.clock.advance(3 * 3600 + 60)

    assert (await crm.get("/outreach/sends")).json()["total"] == 1
    schedule = (await crm.get("/campaigns/cmp-000001")).json()["schedule"]
    assert schedule["next_run_at"] == "2025-01-06T13:00:00+00:00"


async def test_explicit_members_and_inactive_campaigns(rig: Rig) -> None:
    crm = rig.client()
    member = await _contact(crm, campaign=None, consents={"HMARKT": {"sms": True}})
    await crm.post("/campaigns", json={**CAMPAIGN, "name": "SYN-X", "member_ids": [member]})
    await crm.post(
        "/campaigns", json={**CAMPAIGN, "name": "SYN-Y", "member_ids": [member], "active": False}
    )

    rig.clock.advance(3600)

    sends = (await crm.get("/outreach/sends")).json()["items"]
    assert [(s["contact_id"], s["campaign_id"]) for s in sends] == [(member, "cmp-000001")]


async def test_every_send_is_a_send_message_operation_in_the_history(rig: Rig) -> None:
    crm = rig.client()
    cid = await _contact(crm, consents={"HMARKT": {"sms": True}})
    await crm.post("/campaigns", json=CAMPAIGN)

    rig.clock.advance(3600)

    ops = rig.ops("send_message")
    assert [(r["type"], r["process"]) for r in ops] == [
        ("invoke", "crm-automation"),
        ("ok", "crm-automation"),
    ]
    assert (ops[0]["key"], ops[0]["field"], ops[1]["outcome"]) == (
        f"Contact/{cid}",
        "HMARKT:sms",
        "sent",
    )


async def test_manual_send_denied_by_the_flag_is_409_and_logged_refused(rig: Rig) -> None:
    crm = rig.client("growth")
    cid = await _contact(crm, consents={"HMARKT": {"email": True}})

    send = {"contact_id": cid, "channel": "sms", "purpose": "HMARKT"}
    response = await crm.post("/outreach/send", json=send)

    assert response.status_code == 409
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("consent_denied", "consents.HMARKT.sms")
    log = (await crm.get("/outreach/sends", params={"status": "refused"})).json()["items"]
    assert [(s["contact_id"], s["reason"], s["process"]) for s in log] == [
        (cid, "consent_denied", "growth")
    ]
    assert [r["outcome"] for r in rig.ops("send_message") if r["type"] == "fail"] == [
        "consent_denied"
    ]


async def test_manual_send_allowed_by_the_flag_is_sent(rig: Rig) -> None:
    crm = rig.client()
    cid = await _contact(crm, email="ana@example.com", consents={"TREAT": {"email": True}})

    send = {"contact_id": cid, "channel": "email", "purpose": "TREAT"}
    response = await crm.post("/outreach/send", json=send)

    assert response.status_code == 201
    assert response.json()["status"] == "sent"


async def test_manual_send_without_an_address_names_the_missing_field(rig: Rig) -> None:
    crm = rig.client()
    cid = await _contact(crm, consents={"TREAT": {"email": True}})

    send = {"contact_id": cid, "channel": "email", "purpose": "TREAT"}
    response = await crm.post("/outreach/send", json=send)

    assert response.status_code == 422
    assert response.json()["error"]["field"] == "email"


async def test_sends_are_webhook_events(rig: Rig) -> None:
    crm = rig.client()
    cid = await _contact(crm, consents={"HMARKT": {"sms": True}})
    await crm.post("/campaigns", json=CAMPAIGN)
    rig.subscribe()

    rig.clock.advance(3600)

    sent = [e for e in await rig.events() if e["type"] == "message.sent"]
    assert [(e["contact_id"], e["channel"], e["purpose"]) for e in sent] == [(cid, "sms", "HMARKT")]


async def test_campaign_advanced_through_the_admin_clock_runs_too(rig: Rig) -> None:
    crm = rig.client()
    await _contact(crm, consents={"HMARKT": {"sms": True}})
    await crm.post("/campaigns", json=CAMPAIGN)

    await rig.client("admin").post("/_admin/clock/advance", json={"seconds": 3600})

    assert (await crm.get("/outreach/sends")).json()["total"] == 1


async def test_a_stopped_crm_no_longer_runs_campaigns_on_the_shared_clock(rig: Rig) -> None:
    crm = rig.client()
    await _contact(crm, consents={"HMARKT": {"sms": True}})
    await crm.post("/campaigns", json=CAMPAIGN)
    async with rig.app.router.lifespan_context(rig.app):
        pass  # served, then stopped: its clock listener goes with it

    rig.clock.advance(3600)

    assert (await crm.get("/outreach/sends")).json()["total"] == 0
