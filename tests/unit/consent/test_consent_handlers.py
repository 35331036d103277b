"""Consent commands through the engine: one transaction each, audited, every consumer at once."""

from __future__ import annotations

import pytest

from splitbrain.engine.adapters.audit_files import InMemoryCheckpointStore
from splitbrain.engine.adapters.audit_log import InMemoryAuditLog
from splitbrain.engine.adapters.consent_flags import InMemoryConsentFlags
from splitbrain.engine.adapters.memory_store import InMemoryUnitOfWork
from splitbrain.engine.bootstrap import HANDLERS, bootstrap, random_keys
from splitbrain.engine.domain.audit import AuditEntry, AuditEvent, AuditOutcome, AuditWriteError
from splitbrain.engine.domain.consent import (
    ConsentStatus,
    DecisionReason,
    EnforcementPoint,
    OutreachBlocked,
    OutreachIdReused,
    OutreachSent,
    OutreachStatus,
    UnknownOutreach,
)
from splitbrain.engine.service_layer.clock import FixedClock
from splitbrain.engine.service_layer.consent_commands import GrantConsent
from splitbrain.engine.service_layer.consent_service import ConsentService
from splitbrain.engine.service_layer.engine import Engine
from splitbrain.engine.service_layer.errors import AuditWriteFailed
from splitbrain.engine.service_layer.messagebus import MessageBus
from tests.unit.consent.conftest import ANA, DAY, T0, granted, revoked
from tests.unit.service_layer.small_policy import small_policy


def _events(engine: Engine, action: str) -> list[AuditEvent]:
    return [e.event for e in engine.audit_entries() if e.event.action == action]


def test_a_revoke_reaches_the_crm_flags_before_the_command_returns(
    consents: ConsentService,
) -> None:
    consents.grant(ANA, "HMARKT", "sms")
    assert isinstance(consents.flags, InMemoryConsentFlags)
    assert consents.flags.allows(ANA, "HMARKT", "sms")

    consents.revoke(ANA, "HMARKT", "sms")

    assert not consents.flags.allows(ANA, "HMARKT", "sms")


def test_a_revoke_makes_every_enforcement_point_deny(consents: ConsentService) -> None:
    consents.grant(ANA, "HMARKT", "sms")
    consents.queue("msg-1", ANA, "HMARKT", "sms")

    consents.revoke(ANA, "HMARKT", "sms")

    assert not consents.decide(ANA, "HMARKT", "sms").permitted
    assert not consents.decide(ANA, "HMARKT", None, point=EnforcementPoint.DISCLOSURE).permitted
    assert isinstance(consents.send("msg-1"), OutreachBlocked)
    assert not consents.flags.allows(ANA, "HMARKT", "sms")


def test_the_expiry_job_records_the_expiry_and_turns_the_crm_flag_off(
    consents: ConsentService, clock: FixedClock
) -> None:
    consents.grant(ANA, "HMARKT", "sms", end=T0 + 30 * DAY)
    clock.advance(30 * DAY)

    expired = consents.expire_due()

    assert [(c.version, c.status) for c in expired] == [(2, ConsentStatus.EXPIRED)]
    assert not consents.flags.allows(ANA, "HMARKT", "sms")
    assert consents.expire_due() == []  # each consent expires once


def test_the_expiry_job_leaves_running_consents_alone(
    consents: ConsentService, clock: FixedClock
) -> None:
    consents.grant(ANA, "HMARKT", "sms", end=T0 + 30 * DAY)
    consents.grant(ANA, "TREAT", "sms")
    clock.advance(29 * DAY)

    assert consents.expire_due() == []


def test_every_decision_is_audited_permit_and_deny(
    consents: ConsentService, engine: Engine
) -> None:
    v1 = consents.grant(ANA, "CAREMGT", "sms")
    assert v1 is not None

    consents.decide(ANA, "CAREMGT", "sms", actor="usr_7", role="care_coordinator")
    consents.decide(ANA, "HMARKT", "sms", correlation_id="corr-9")

    permit, deny = _events(engine, "consent.decide")
    assert (permit.outcome, permit.reason, permit.purpose) == (
        AuditOutcome.PERMIT, "consent_active", "CAREMGT")  # fmt: skip
    assert (permit.consent_ref, permit.actor, permit.role) == (
        v1.ref, "usr_7", "care_coordinator")  # fmt: skip
    assert dict(permit.extra)["consent_version"] == "1"
    assert permit.policy_version == "consent-policy-1"
    assert (deny.outcome, deny.reason, deny.consent_ref) == (AuditOutcome.DENY, "no_consent", None)
    assert deny.correlation_id == "corr-9"
    assert dict(deny.extra)["break_glass"] == "false"


def test_a_break_glass_decision_carries_the_audit_flag(
    consents: ConsentService, engine: Engine
) -> None:
    decision = consents.decide(ANA, "ETREAT", "phone", actor="usr_er", role="provider")

    (event,) = _events(engine, "consent.decide")
    assert decision.break_glass
    assert (event.outcome, event.reason) == (AuditOutcome.PERMIT, "break_glass")
    assert dict(event.extra)["break_glass"] == "true"


def test_every_send_decision_is_audited_with_the_version_it_was_queued_under(
    consents: ConsentService, engine: Engine
) -> None:
    consents.grant(ANA, "HMARKT", "sms")
    consents.queue("msg-1", ANA, "HMARKT", "sms")
    consents.queue("msg-2", ANA, "HMARKT", "sms")
    assert isinstance(consents.send("msg-1"), OutreachSent)
    consents.revoke(ANA, "HMARKT", "sms")

    assert isinstance(consents.send("msg-2"), OutreachBlocked)

    sent, blocked = _events(engine, "send.outreach")
    assert (sent.outcome, dict(sent.extra)["consent_version"]) == (AuditOutcome.PERMIT, "1")
    assert (blocked.outcome, blocked.reason) == (AuditOutcome.DENY, "revoked")
    assert dict(blocked.extra)["queued_under_version"] == "1"
    assert dict(blocked.extra)["consent_version"] == "2"


def test_grants_and_revokes_are_audited_with_their_versions(
    consents: ConsentService, engine: Engine
) -> None:
    consents.grant(ANA, "HMARKT", "email", end=T0 + DAY)
    consents.revoke(ANA, "HMARKT", "email")

    (grant,) = _events(engine, "consent.grant")
    (revoke,) = _events(engine, "consent.revoke")
    assert dict(grant.extra)["version"] == "1" and "period_end" in dict(grant.extra)
    assert (dict(revoke.extra)["version"], revoke.consent_ref) == ("2", grant.consent_ref)
    assert engine.verify_audit().ok


def test_a_redelivered_grant_adds_no_version_and_no_audit_entry(
    consents: ConsentService, engine: Engine
) -> None:
    consents.grant(ANA, "HMARKT", "sms")
    entries = len(engine.audit_entries())

    assert consents.grant(ANA, "HMARKT", "sms") is None

    assert len(engine.audit_entries()) == entries
    assert len(consents.history(consents.of_person(ANA)[0].ref)) == 1


def test_a_redelivered_enqueue_keeps_one_message(consents: ConsentService) -> None:
    first = consents.queue("msg-1", ANA, "HMARKT", "sms")

    again = consents.queue("msg-1", ANA, "HMARKT", "sms")

    assert again == first
    assert len(consents.messages()) == 1


def test_one_message_id_for_two_messages_is_refused(consents: ConsentService) -> None:
    consents.queue("msg-1", ANA, "HMARKT", "sms")

    with pytest.raises(OutreachIdReused, match="msg-1"):
        consents.queue("msg-1", ANA, "HMARKT", "email")


def test_sending_an_unknown_message_is_refused(consents: ConsentService) -> None:
    with pytest.raises(UnknownOutreach, match="msg-404"):
        consents.send("msg-404")


def test_the_queue_remembers_what_became_of_each_message(consents: ConsentService) -> None:
    consents.grant(ANA, "TREAT", "sms")
    consents.queue("msg-1", ANA, "TREAT", "sms")
    consents.queue("msg-2", ANA, "HMARKT", "sms")

    consents.send("msg-1")
    consents.send("msg-2")

    assert [m.status for m in consents.messages()] == [OutreachStatus.SENT, OutreachStatus.BLOCKED]
    assert consents.messages(OutreachStatus.BLOCKED)[0].reason == DecisionReason.NO_CONSENT


class _FailingAudit(InMemoryAuditLog):
    down = False

    def append(self, event: AuditEvent) -> AuditEntry:
        if self.down:
            raise AuditWriteError("audit store unavailable (test switch)")
        return super().append(event)


def test_a_grant_that_cannot_be_audited_leaves_no_version_and_never_reaches_the_crm() -> None:
    audit = _FailingAudit(InMemoryCheckpointStore(), random_keys())
    uow = InMemoryUnitOfWork(audit)
    clock = FixedClock(T0)
    engine = Engine(MessageBus(uow, small_policy(), clock, HANDLERS), policy=small_policy(),
                    clock=clock)  # fmt: skip
    audit.down = True

    with pytest.raises(AuditWriteFailed, match=r"ConsentGranted consent cns-\w+ version 1"):
        engine.handle(GrantConsent(ANA, "HMARKT", "sms"))

    consents = ConsentService(engine)
    assert consents.of_person(ANA) == []
    assert isinstance(uow.consent_flags, InMemoryConsentFlags)
    assert uow.consent_flags.received == []


def test_bootstrap_wires_the_given_crm_flag_consumer() -> None:
    crm = InMemoryConsentFlags()
    engine = bootstrap(store="memory", policy=small_policy(), clock=FixedClock(T0),
                       consent_flags=crm)  # fmt: skip

    ConsentService(engine).grant(ANA, "CAREMGT", "sms")

    assert crm.allows(ANA, "CAREMGT", "sms")


def test_the_crm_flags_ignore_a_stale_version() -> None:
    flags = InMemoryConsentFlags()
    v1 = granted()
    v2 = revoked(v1)
    flags.set_flag(v2, allowed=False)

    flags.set_flag(v1, allowed=True)  # redelivered late

    assert not flags.allows(ANA, "HMARKT", "sms")
    assert len(flags.received) == 2


def test_a_grant_that_starts_later_leaves_the_crm_flag_off_until_then(
    consents: ConsentService,
) -> None:
    consents.grant(ANA, "HMARKT", "sms", start=T0 + DAY)

    assert isinstance(consents.flags, InMemoryConsentFlags)
    assert not consents.flags.allows(ANA, "HMARKT", "sms")
    assert not consents.decide(ANA, "HMARKT", "sms").permitted
