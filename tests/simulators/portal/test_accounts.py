"""Portal accounts, preferences (If-Match, 412), intake versions and the visible status."""

from __future__ import annotations

import pytest

from simulators.population.program import PORTAL_STATUSES
from simulators.portal import PORTAL_STATUSES as PORTAL_WORDS
from tests.simulators.crm.support import Rig, completed_in_order

pytestmark = pytest.mark.anyio


async def _account(rig: Rig) -> str:
    response = await rig.client().post("/accounts", json={"given_name": "Ana"})
    return str(response.json()["id"])


async def test_an_account_starts_with_a_visible_status_and_default_preferences(rig: Rig) -> None:
    portal = rig.client()
    aid = await _account(rig)

    status = (await portal.get(f"/accounts/{aid}/status")).json()
    prefs = (await portal.get(f"/accounts/{aid}/preferences")).json()

    assert status == {"id": aid, "status": "Application received", "version": 1}
    assert (prefs["contact_time"], prefs["do_not_contact"], prefs["version"]) == ("any", False, 1)


async def test_portal_statuses_are_the_populations_portal_wording() -> None:
    assert list(PORTAL_WORDS) == list(PORTAL_STATUSES.values())


async def test_the_engine_sets_the_visible_status_with_if_match(rig: Rig) -> None:
    portal = rig.client()
    aid = await _account(rig)

    ok = await portal.put(
        f"/accounts/{aid}/status", json={"status": "In care"}, headers={"If-Match": "1"}
    )
    stale = await portal.put(
        f"/accounts/{aid}/status", json={"status": "Program complete"}, headers={"If-Match": "1"}
    )
    unknown = await portal.put(f"/accounts/{aid}/status", json={"status": "in_care"})

    assert (ok.json()["status"], ok.json()["version"]) == ("In care", 2)
    assert stale.status_code == 412
    assert (unknown.status_code, unknown.json()["error"]["field"]) == (422, "status")


async def test_preferences_are_versioned_and_a_stale_write_is_412(rig: Rig) -> None:
    portal = rig.client()
    aid = await _account(rig)

    path, first_read = f"/accounts/{aid}/preferences", {"If-Match": "1"}
    patched = await portal.patch(path, json={"preferred_channel": "sms"}, headers=first_read)
    stale = await portal.patch(path, json={"preferred_channel": "email"}, headers=first_read)

    assert (patched.json()["preferred_channel"], patched.json()["version"]) == ("sms", 2)
    error = stale.json()["error"]
    assert (stale.status_code, error["record"]) == (412, f"Preferences/pref-{aid}")
    assert (error["expected_version"], error["current_version"]) == (1, 2)


async def test_put_preferences_replaces_every_preference(rig: Rig) -> None:
    portal = rig.client()
    aid = await _account(rig)
    await portal.patch(
        f"/accounts/{aid}/preferences", json={"preferred_channel": "sms", "contact_time": "morning"}
    )

    replaced = await portal.put(f"/accounts/{aid}/preferences", json={"do_not_contact": True})

    body = replaced.json()
    assert (body["preferred_channel"], body["contact_time"], body["do_not_contact"]) == (
        None,
        "any",
        True,
    )


async def test_intake_amendments_are_new_versions(rig: Rig) -> None:
    portal = rig.client()
    aid = await _account(rig)
    answers = [{"link_id": "weight-kg", "value": 101.5}, {"link_id": "goal", "value": "walk"}]
    submitted = (
        await portal.post(
            f"/accounts/{aid}/intake", json={"questionnaire": "glp1-intake-v2", "answers": answers}
        )
    ).json()

    path = f"/intake/{submitted['id']}"
    amended = await portal.put(path, json={"answers": answers[:1]}, headers={"If-Match": "1"})
    versions = (await portal.get(f"/intake/{submitted['id']}/versions")).json()["items"]

    assert (submitted["status"], submitted["version"]) == ("completed", 1)
    assert (amended.json()["status"], amended.json()["version"]) == ("amended", 2)
    assert [len(v["answers"]) for v in versions] == [2, 1]


async def test_intake_needs_a_questionnaire_and_a_known_account(rig: Rig) -> None:
    portal = rig.client()
    aid = await _account(rig)

    no_form = await portal.post(f"/accounts/{aid}/intake", json={"answers": []})
    no_account = await portal.post("/accounts/acc-999999/intake", json={"questionnaire": "q"})

    assert (no_form.status_code, no_form.json()["error"]["field"]) == (422, "questionnaire")
    assert no_account.status_code == 404


async def test_every_change_is_a_webhook_event(rig: Rig) -> None:
    rig.subscribe()
    portal = rig.client()
    aid = await _account(rig)
    await portal.patch(f"/accounts/{aid}", json={"phone": "555-0100"})
    await portal.patch(f"/accounts/{aid}/preferences", json={"contact_time": "evening"})
    await portal.post(f"/accounts/{aid}/intake", json={"questionnaire": "q"})

    events = [(e["type"], e["version"]) for e in await rig.events()]

    assert events == [
        ("account.created", 1),
        ("preferences.created", 1),
        ("account.updated", 2),
        ("preferences.updated", 2),
        ("intake.created", 1),
    ]


async def test_seed_and_history(rig: Rig) -> None:
    seed = [
        {
            "id": "portal-0a1b2c3d4e",
            "given_name": "Ana",
            "email": "ana.s@example.net",
            "status": "In care",
            "consents": [{"purpose": "TREAT", "channel": "sms"}],
            "preferences": {"preferred_channel": "sms"},
        }
    ]

    created = await rig.client("admin").post("/_admin/seed", json=seed)
    await rig.client().get("/accounts/portal-0a1b2c3d4e")
    exported = (await rig.client("admin").get("/_admin/history")).text

    assert created.json() == {"created": {"account": 1, "consent": 1, "preferences": 1}}
    assert completed_in_order(rig.history())
    assert "ana.s@example.net" not in exported and "Ana" not in exported
    reads = [r for r in rig.history() if r["f"] == "read" and r["type"] == "ok"]
    assert [r["key"] for r in reads] == ["Account/portal-0a1b2c3d4e"]
