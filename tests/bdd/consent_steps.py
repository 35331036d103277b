"""Gherkin steps for features/consent and features/revocation_races.

The steps read like the consent runbook and call ``ConsentService`` on an in-memory engine with
a controllable clock, the same API the property tests drive. State travels through the
``consent_world`` fixture; each scenario gets a fresh engine. Purposes are named in plain words
(``marketing`` is HMARKT) or by their ActReason code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from pytest_bdd import given, parsers, then, when

from splitbrain.engine.adapters.consent_flags import InMemoryConsentFlags
from splitbrain.engine.bootstrap import bootstrap
from splitbrain.engine.domain.audit import AuditEvent
from splitbrain.engine.domain.consent import (
    ConsentDecision,
    EnforcementPoint,
    OutreachBlocked,
    OutreachSent,
)
from splitbrain.engine.service_layer.clock import FixedClock
from splitbrain.engine.service_layer.consent_service import ConsentService
from tests.unit.service_layer.small_policy import small_policy

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
PERSONS = {"Ana": "tok_ana", "Bea": "tok_bea"}
PURPOSE_WORDS = {
    "marketing": "HMARKT",
    "care coordination": "CAREMGT",
    "treatment": "TREAT",
    "research": "HRESCH",
    "emergency treatment": "ETREAT",
    "break the glass": "BTG",
}
P = r"(?P<purpose>[A-Za-z ]+?)"
C = r"(?P<channel>\w+)"


def code(purpose: str) -> str:
    return PURPOSE_WORDS.get(purpose, purpose)


@dataclass
class ConsentWorld:
    clock: FixedClock = field(default_factory=lambda: FixedClock(START))
    service: ConsentService | None = None
    queued: list[str] = field(default_factory=list)
    sent: OutreachSent | OutreachBlocked | None = None
    decision: ConsentDecision | None = None
    serial: int = 0

    @property
    def consents(self) -> ConsentService:
        if self.service is None:
            self.service = ConsentService(
                bootstrap(store="memory", policy=small_policy(), clock=self.clock)
            )
        return self.service

    def outreach(self, purpose: str, channel: str) -> OutreachSent | OutreachBlocked:
        """Queue a message to Ana and send it now."""
        message_id = self.queue(purpose, channel)
        self.sent = self.consents.send(message_id)
        return self.sent

    def queue(self, purpose: str, channel: str) -> str:
        self.serial += 1
        message_id = f"msg-{self.serial}"
        self.consents.queue(message_id, PERSONS["Ana"], code(purpose), channel)
        self.queued.append(message_id)
        return message_id

    def flag(self, purpose: str, channel: str) -> bool:
        flags = self.consents.flags
        assert isinstance(flags, InMemoryConsentFlags)
        return flags.allows(PERSONS["Ana"], code(purpose), channel)

    def last_audit(self, action: str) -> AuditEvent:
        entries = [
            e.event for e in self.consents.engine.audit_entries() if e.event.action == action
        ]
        assert entries, f"no {action} entry in the audit log"
        return entries[-1]


@pytest.fixture
def consent_world() -> ConsentWorld:
    return ConsentWorld()


# givens and whens --------------------------------------------------------------------------


@given(parsers.re(rf"(?P<who>Ana|Bea) has consented to {P} by {C}(?: for (?P<days>\d+) days)?"))
def _has_consented(consent_world: ConsentWorld, who: str, purpose: str, channel: str,
                   days: str | None) -> None:  # fmt: skip
    end = None if days is None else consent_world.clock.now() + timedelta(days=int(days))
    assert consent_world.consents.grant(PERSONS[who], code(purpose), channel, end=end)


@given(parsers.re(rf"Ana has revoked her consent to {P} by {C}"))
@when(parsers.re(rf"Ana revokes her consent to {P} by {C}"))
def _revokes(consent_world: ConsentWorld, purpose: str, channel: str) -> None:
    assert consent_world.consents.revoke(PERSONS["Ana"], code(purpose), channel)


@when(parsers.re(rf"Ana consents to {P} by {C} again"))
def _consents_again(consent_world: ConsentWorld, purpose: str, channel: str) -> None:
    assert consent_world.consents.grant(PERSONS["Ana"], code(purpose), channel)


@given(parsers.re(rf"the campaign has queued a {P} message by {C} for Ana"))
def _queued(consent_world: ConsentWorld, purpose: str, channel: str) -> None:
    consent_world.queue(purpose, channel)


@when("the outreach worker sends the queued message")
def _worker_sends(consent_world: ConsentWorld) -> None:
    consent_world.sent = consent_world.consents.send(consent_world.queued[-1])


@when(parsers.re(rf"the campaign sends Ana a {P} message by {C}"))
def _campaign_sends(consent_world: ConsentWorld, purpose: str, channel: str) -> None:
    consent_world.outreach(purpose, channel)


@when(parsers.re(r"(?P<days>\d+) days(?: less (?P<minutes>\d+) minutes?)? have passed"))
def _time_passes(consent_world: ConsentWorld, days: str, minutes: str | None) -> None:
    consent_world.clock.advance(timedelta(days=int(days), minutes=-int(minutes or 0)))


@when("the expiry job runs")
def _expiry_job(consent_world: ConsentWorld) -> None:
    consent_world.consents.expire_due()


@when(parsers.re(rf"a provider asks for Ana's record for {P} by {C}"))
def _provider_asks(consent_world: ConsentWorld, purpose: str, channel: str) -> None:
    consent_world.decision = consent_world.consents.decide(
        PERSONS["Ana"], code(purpose), channel, actor="usr_dr_1", role="provider"
    )


@when(parsers.re(rf"the engine is about to disclose her {P} data to the CRM"))
def _about_to_disclose(consent_world: ConsentWorld, purpose: str) -> None:
    consent_world.decision = consent_world.consents.decide(
        PERSONS["Ana"], code(purpose), None, point=EnforcementPoint.DISCLOSURE
    )


# thens --------------------------------------------------------------------------------------


@then(parsers.re(r"the send is blocked as (?P<reason>\w+)"))
def _send_blocked(consent_world: ConsentWorld, reason: str) -> None:
    sent = consent_world.sent
    assert isinstance(sent, OutreachBlocked), sent
    assert sent.decision.reason.value == reason


@then(parsers.re(rf"the block cites version (?P<version>\d+) of her {P} consent by {C}"))
def _block_cites(consent_world: ConsentWorld, version: str, purpose: str, channel: str) -> None:
    sent = consent_world.sent
    assert isinstance(sent, OutreachBlocked)
    _cites(consent_world, sent.decision, int(version), purpose, channel)


@then(parsers.re(rf"the message is sent citing version (?P<version>\d+) of her {P} consent by {C}"))
def _sent_citing(consent_world: ConsentWorld, version: str, purpose: str, channel: str) -> None:
    sent = consent_world.sent
    assert isinstance(sent, OutreachSent), sent
    _cites(consent_world, sent.decision, int(version), purpose, channel)


@then(parsers.re(rf"a {P} message by {C} is blocked as (?P<reason>\w+)"))
def _would_be_blocked(consent_world: ConsentWorld, purpose: str, channel: str,
                      reason: str) -> None:  # fmt: skip
    sent = consent_world.outreach(purpose, channel)
    assert isinstance(sent, OutreachBlocked), sent
    assert sent.decision.reason.value == reason


@then(parsers.re(rf"a {P} message by {C} is sent(?: citing version (?P<version>\d+) of her "
                 rf"[A-Za-z ]+? consent by \w+)?"))  # fmt: skip
def _would_be_sent(consent_world: ConsentWorld, purpose: str, channel: str,
                   version: str | None) -> None:  # fmt: skip
    sent = consent_world.outreach(purpose, channel)
    assert isinstance(sent, OutreachSent), sent
    if version is not None:
        _cites(consent_world, sent.decision, int(version), purpose, channel)


@then(parsers.re(rf"the CRM's flag for {P} by {C} is (?P<state>on|off)"))
def _crm_flag(consent_world: ConsentWorld, purpose: str, channel: str, state: str) -> None:
    assert consent_world.flag(purpose, channel) == (state == "on")


@then(parsers.re(r"the audit log records the send as (?P<outcome>permit|deny)"))
def _audit_send(consent_world: ConsentWorld, outcome: str) -> None:
    entry = consent_world.last_audit("send.outreach")
    sent = consent_world.sent
    assert sent is not None
    assert entry.outcome.value == outcome
    assert entry.consent_ref == sent.decision.consent_ref
    assert dict(entry.extra)["consent_version"] == str(sent.decision.consent_version)


@then(parsers.re(rf"her {P} consent by {C} is (?P<status>\w+) at version (?P<version>\d+)"))
def _consent_state(consent_world: ConsentWorld, purpose: str, channel: str, status: str,
                   version: str) -> None:  # fmt: skip
    current = consent_world.consents.current(PERSONS["Ana"], code(purpose), channel)
    assert current is not None
    assert (current.status.value, current.version) == (status, int(version))


@then(parsers.re(r"the decision is (?P<outcome>permit|deny) for (?P<reason>\w+)"))
def _decision_is(consent_world: ConsentWorld, outcome: str, reason: str) -> None:
    decision = consent_world.decision
    assert decision is not None
    assert (decision.permission.value, decision.reason.value) == (outcome, reason)


@then(parsers.re(r"the audit log (?P<negation>does not flag|flags) the decision as break-glass"))
def _audit_flag(consent_world: ConsentWorld, negation: str) -> None:
    entry = consent_world.last_audit("consent.decide")
    expected = "true" if negation == "flags" else "false"
    assert dict(entry.extra)["break_glass"] == expected
    assert (entry.actor, entry.role) == ("usr_dr_1", "provider")


@then(parsers.re(r"the message was queued under version (?P<queued>\d+) and blocked at version "
                 r"(?P<blocked>\d+)"))  # fmt: skip
def _queued_and_blocked(consent_world: ConsentWorld, queued: str, blocked: str) -> None:
    sent = consent_world.sent
    assert isinstance(sent, OutreachBlocked)
    assert sent.message.queued_under_version == int(queued)
    assert sent.message.decided_version == int(blocked)


@then(parsers.re(r"the disclosure is (?P<verdict>permitted|denied as (?P<reason>\w+))"))
def _disclosure(consent_world: ConsentWorld, verdict: str, reason: str | None) -> None:
    decision = consent_world.decision
    assert decision is not None and decision.channel is None
    assert decision.permitted == (verdict == "permitted")
    if reason is not None:
        assert decision.reason.value == reason
    entry = consent_world.last_audit("consent.decide")
    assert dict(entry.extra)["point"] == "disclosure"


def _cites(world: ConsentWorld, decision: ConsentDecision, version: int, purpose: str,
           channel: str) -> None:  # fmt: skip
    current = world.consents.current(PERSONS["Ana"], code(purpose), channel)
    assert current is not None
    assert (decision.consent_ref, decision.consent_version) == (current.ref, version)
