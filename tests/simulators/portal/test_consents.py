"""Portal consents: grants and revocations per purpose and channel, versioned, with periods."""

from __future__ import annotations

import httpx
import pytest

from tests.simulators.crm.support import Rig

pytestmark = pytest.mark.anyio

MARKETING_SMS = {"purpose": "HMARKT", "channel": "sms"}


async def _account(portal: httpx.AsyncClient) -> str:
    body = {"given_name": "Ana", "family_name": "Synth", "email": "ana@example.com"}
    return str((await portal.post("/accounts", json=body)).json()["id"])


async def test_grant_then_revoke_makes_versions_one_and_two(rig: Rig) -> None:
    portal = rig.client("engine")
    aid = await _account(portal)

    granted = await portal.post(f"/accounts/{aid}/consents/grant", json=MARKETING_SMS)
    revoked = await portal.post(
        f"/accounts/{aid}/consents/revoke",
        json=MARKETING_SMS,
        headers={"If-Match": granted.headers["etag"]},
    )

    assert granted.status_code == 201
    assert (granted.json()["status"], granted.json()["version"]) == ("active", 1)
    assert granted.json()["effective"] is True
    assert revoked.status_code == 200
    assert (revoked.json()["id"], revoked.json()["version"]) == (granted.json()["id"], 2)
    assert (revoked.json()["status"], revoked.json()["effective"]) == ("revoked", False)
    versions = (await portal.get(f"/consents/{granted.json()['id']}/versions")).json()["items"]
    assert [(v["version"], v["status"]) for v in versions] == [(1, "active"), (2, "revoked")]


async def test_consent_actions_are_recorded_as_consent_operations(rig: Rig) -> None:
    portal = rig.client()
    aid = await _account(portal)

    await portal.post(f"/accounts/{aid}/consents/grant", json=MARKETING_SMS)
    await portal.post(f"/accounts/{aid}/consents/revoke", json=MARKETING_SMS)

    ops = [r for r in rig.history() if r["f"].startswith("consent.")]
    assert [(r["f"], r["type"], r["key"], r["field"], r["new_version"]) for r in ops] == [
        ("consent.grant", "invoke", f"Account/{aid}", "HMARKT:sms", None),
        ("consent.grant", "ok", f"Account/{aid}", "HMARKT:sms", "1"),
        ("consent.revoke", "invoke", f"Account/{aid}", "HMARKT:sms", None),
        ("consent.revoke", "ok", f"Account/{aid}", "HMARKT:sms", "2"),
    ]


async def test_grant_and_revoke_are_webhook_events_with_versions(rig: Rig) -> None:
    rig.subscribe()
    portal = rig.client()
    aid = await _account(portal)

    await portal.post(f"/accounts/{aid}/consents/grant", json=MARKETING_SMS)
    await portal.post(f"/accounts/{aid}/consents/revoke", json=MARKETING_SMS)

    events = [e for e in await rig.events() if e["resource"] == "Consent"]
    assert [(e["type"], e["version"]) for e in events] == [
        ("consent.granted", 1),
        ("consent.revoked", 2),
    ]
    assert events[1]["record"]["purpose"] == "HMARKT"


async def test_a_stale_if_match_on_a_consent_is_412(rig: Rig) -> None:
    portal = rig.client()
    aid = await _account(portal)
    await portal.post(f"/accounts/{aid}/consents/grant", json=MARKETING_SMS)
    await portal.post(f"/accounts/{aid}/consents/revoke", json=MARKETING_SMS)

    response = await portal.post(
        f"/accounts/{aid}/consents/grant", json=MARKETING_SMS, headers={"If-Match": "1"}
    )

    assert response.status_code == 412
    assert response.json()["error"]["current_version"] == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"purpose": "MARKETING", "channel": "sms"}, "purpose"),
        ({"purpose": "HMARKT", "channel": "fax"}, "channel"),
        (
            {
                "purpose": "HMARKT",
                "channel": "sms",
                "period": {
                    "start": "2025-02-01T00:00:00+00:00",
                    "end": "2025-01-01T00:00:00+00:00",
                },
            },
            "period",
        ),
    ],
)
async def test_an_invalid_consent_names_the_field(
    rig: Rig, body: dict[str, object], field: str
) -> None:
    portal = rig.client()
    aid = await _account(portal)

    response = await portal.post(f"/accounts/{aid}/consents/grant", json=body)

    assert response.status_code == 422
    assert response.json()["error"]["field"] == field


async def test_a_consent_expires_at_the_end_of_its_period(rig: Rig) -> None:
    rig.subscribe()
    portal = rig.client()
    aid = await _account(portal)
    period = {"start": "2025-01-06T09:00:00+00:00", "end": "2025-01-07T09:00:00+00:00"}
    cid = (
        await portal.post(
            f"/accounts/{aid}/consents/grant", json={**MARKETING_SMS, "period": period}
        )
    ).json()["id"]

    rig.clock.advance(24 * 3600)

    consent = (await portal.get(f"/consents/{cid}")).json()
    assert (consent["status"], consent["version"], consent["effective"]) == ("expired", 2, False)
    expired = [r for r in rig.history() if r["f"] == "consent.expire"]
    assert [(r["type"], r["process"]) for r in expired] == [
        ("invoke", "portal-clock"),
        ("ok", "portal-clock"),
    ]
    assert "consent.expired" in [e["type"] for e in await rig.events()]


async def test_a_consent_whose_period_has_not_started_is_not_yet_effective(rig: Rig) -> None:
    portal = rig.client()
    aid = await _account(portal)
    period = {"start": "2025-01-08T00:00:00+00:00"}

    consent = (
        await portal.post(
            f"/accounts/{aid}/consents/grant", json={**MARKETING_SMS, "period": period}
        )
    ).json()

    assert (consent["status"], consent["effective"]) == ("active", False)


async def test_revoking_what_was_never_granted_records_an_explicit_deny(rig: Rig) -> None:
    portal = rig.client()
    aid = await _account(portal)

    response = await portal.post(f"/accounts/{aid}/consents/revoke", json=MARKETING_SMS)

    assert response.status_code == 201
    assert (response.json()["status"], response.json()["version"]) == ("revoked", 1)


async def test_consents_of_an_unknown_account_are_404(rig: Rig) -> None:
    response = await rig.client().post("/accounts/acc-999999/consents/grant", json=MARKETING_SMS)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "record_not_found"


async def test_an_account_lists_its_consents_per_purpose_and_channel(rig: Rig) -> None:
    portal = rig.client()
    aid = await _account(portal)
    for purpose, channel in (("TREAT", "sms"), ("HMARKT", "email"), ("TREAT", "sms")):
        await portal.post(
            f"/accounts/{aid}/consents/grant", json={"purpose": purpose, "channel": channel}
        )

    listed = (await portal.get(f"/accounts/{aid}/consents")).json()

    assert sorted((c["purpose"], c["channel"], c["version"]) for c in listed["items"]) == [
        ("HMARKT", "email", 1),
        ("TREAT", "sms", 2),
    ]
