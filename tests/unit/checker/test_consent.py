"""message_after_revocation and the revocation latency, with Jepsen's concurrency rules."""

from __future__ import annotations

from splitbrain.harness.checker import AnomalyCode, Witness
from tests.unit.checker.scenario import Scenario

SMS = "HMARKT:sms"


def _ana() -> Scenario:
    s = Scenario()
    s.person("gt_1", crm="c1", portal="a1")
    s.create("crm", "c1", {"phone": "+15550100001", "consents": {"HMARKT": {"sms": True}}})
    s.create("portal", "a1", {"given_name": "Ana"})
    return s


def test_send_after_an_acknowledged_revoke_is_a_violation() -> None:
    s = _ana()
    revoke = s.consent("consent.revoke", "a1", SMS)
    send = s.send("c1", SMS)

    verdict = s.check()

    (found,) = verdict.of(AnomalyCode.MESSAGE_AFTER_REVOCATION)
    assert found.witnesses == (
        Witness("portal.jsonl", revoke, "revoke acknowledged"),
        Witness("crm.jsonl", send, "message sent"),
    )
    assert (found.person, found.field, found.system) == ("gt_1", SMS, "crm")
    assert "marketing messages by text message" in found.explanation


def test_send_under_another_purpose_is_not_a_violation() -> None:
    s = _ana()
    s.consent("consent.revoke", "a1", SMS)
    s.send("c1", "TREAT:sms")

    assert s.check().ok


def test_send_concurrent_with_the_revoke_is_not_a_violation() -> None:
    s = _ana()
    portal, crm = s.histories["portal"], s.histories["crm"]
    revoke = s.pending("portal", "patient", "consent.revoke", "Account/a1", field=SMS)
    send = s.pending("crm", "crm-automation", "send_message", "Contact/c1", field=SMS)
    portal.ok(revoke)
    crm.ok(send, outcome="sent")

    assert s.check().ok


def test_refused_send_after_a_revoke_is_clean() -> None:
    s = _ana()
    s.consent("consent.revoke", "a1", SMS)
    s.send("c1", SMS, result="fail", outcome="consent_denied")

    assert s.check().ok


def test_grant_after_the_revoke_makes_the_send_lawful() -> None:
    s = _ana()
    s.consent("consent.revoke", "a1", SMS)
    s.consent("consent.grant", "a1", SMS)
    s.send("c1", SMS)

    assert s.check().ok


def test_grant_of_unknown_outcome_may_have_restored_consent() -> None:
    s = _ana()
    s.consent("consent.revoke", "a1", SMS)
    s.consent("consent.grant", "a1", SMS, result="info")
    s.send("c1", SMS)

    assert s.check().ok


def test_revoke_of_unknown_outcome_condemns_no_send() -> None:
    s = _ana()
    s.consent("consent.revoke", "a1", SMS, result="info")
    s.send("c1", SMS)

    assert s.check().ok


def test_expiry_counts_as_a_revoke() -> None:
    s = _ana()
    s.consent("consent.expire", "a1", SMS, process="portal-clock")
    s.send("c1", SMS)

    assert s.check().codes() == {AnomalyCode.MESSAGE_AFTER_REVOCATION}


def test_revocation_latency_runs_from_acknowledgement_to_the_crm_flag_write() -> None:
    s = _ana()
    s.consent("consent.revoke", "a1", SMS)
    s.flag("c1", SMS, False)
    s.consent("consent.revoke", "a1", "HMARKT:email")  # never honored

    latency = s.check().revocation

    assert (latency.revokes, latency.honored, latency.never, latency.superseded) == (2, 1, 1, 0)
    assert latency.p50 is not None
    assert latency.p50 == latency.max
    assert 0 < latency.max < 5


def test_revoke_overtaken_by_a_new_grant_is_superseded_not_never() -> None:
    s = _ana()
    s.consent("consent.revoke", "a1", SMS)
    s.consent("consent.grant", "a1", SMS)

    latency = s.check().revocation

    assert (latency.revokes, latency.honored, latency.never, latency.superseded) == (1, 0, 0, 1)
