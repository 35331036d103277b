"""``ConsentService``: the consent conveniences over an ``Engine`` (CLI, steps, tests, benches).

Every change is a command through ``engine.handle`` (one transaction, audited); the read
methods run queries through ``engine.read``. Nothing here decides anything itself.

Example::

    consents = ConsentService(engine)
    consents.grant("tok_ana", "HMARKT", "sms", end=now + timedelta(days=30))
    consents.queue("msg-1", "tok_ana", "HMARKT", "sms")
    consents.revoke("tok_ana", "HMARKT", "sms")
    consents.send("msg-1")                  # OutreachBlocked: decided at the send, not at enqueue
    consents.decide("tok_ana", "TREAT", "sms").permitted
"""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from splitbrain.engine.domain.consent import (
    Consent,
    ConsentChanged,
    ConsentDecided,
    ConsentDecision,
    ConsentExpired,
    EnforcementPoint,
    OutreachBlocked,
    OutreachQueued,
    OutreachSent,
    OutreachStatus,
    QueuedMessage,
)
from splitbrain.engine.service_layer.consent_commands import (
    DecideConsent,
    ExpireConsents,
    GrantConsent,
    QueueOutreach,
    RevokeConsent,
    SendOutreach,
)
from splitbrain.engine.service_layer.consent_ports import ConsentFlagSink
from splitbrain.engine.service_layer.engine import Engine
from splitbrain.engine.service_layer.events import Event

__all__ = ["ConsentService"]

E = TypeVar("E")


class ConsentService:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # changes ---------------------------------------------------------------------------------

    def grant(
        self,
        person: str,
        purpose: str,
        channel: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        actor: str = "portal",
        role: str = "patient",
        consent_ref: str | None = None,
        actors: tuple[str, ...] = (),
    ) -> Consent | None:
        """The new version, or None when the slot was already granted exactly so."""
        command = GrantConsent(
            person, purpose, channel, start, end, actor, role, consent_ref, actors
        )
        return _changed(self.engine.handle(command))

    def revoke(
        self,
        person: str,
        purpose: str,
        channel: str,
        *,
        actor: str = "portal",
        role: str = "patient",
        consent_ref: str | None = None,
    ) -> Consent | None:
        """The new version, or None when the slot was already revoked."""
        command = RevokeConsent(person, purpose, channel, actor, role, consent_ref)
        return _changed(self.engine.handle(command))

    def expire_due(self) -> list[Consent]:
        """Run the expiry job at the engine clock's now; the versions it recorded."""
        events = self.engine.handle(ExpireConsents())
        return [event.consent for event in events if isinstance(event, ConsentExpired)]

    def decide(
        self,
        person: str,
        purpose: str,
        channel: str | None,
        *,
        point: EnforcementPoint = EnforcementPoint.REQUEST,
        actor: str = "engine",
        role: str = "automation",
        correlation_id: str | None = None,
    ) -> ConsentDecision:
        """Ask the decision point now (audited, permit or deny)."""
        command = DecideConsent(person, purpose, channel, point, actor, role, correlation_id)
        return _first(self.engine.handle(command), ConsentDecided).decision

    def queue(
        self,
        message_id: str,
        person: str,
        purpose: str,
        channel: str,
        *,
        actor: str = "outreach",
        role: str = "automation",
    ) -> QueuedMessage:
        """Queue a message (no decision); a redelivered enqueue returns the queued message."""
        command = QueueOutreach(message_id, person, purpose, channel, actor, role)
        for event in self.engine.handle(command):
            if isinstance(event, OutreachQueued):
                return event.message
        return self.message(message_id)

    def send(
        self, message_id: str, *, actor: str = "outreach", role: str = "automation"
    ) -> OutreachSent | OutreachBlocked:
        """Decide the queued message now: sent or blocked."""
        for event in self.engine.handle(SendOutreach(message_id, actor, role)):
            if isinstance(event, OutreachSent | OutreachBlocked):
                return event
        raise AssertionError("SendOutreach raised no send decision: a handler-table bug")

    # reads -----------------------------------------------------------------------------------

    def current(self, person: str, purpose: str, channel: str) -> Consent | None:
        return self.engine.read(lambda uow: uow.consents.current(person, purpose, channel))

    def of_person(self, person: str) -> list[Consent]:
        """The current version of each of the person's slots."""
        return self.engine.read(lambda uow: uow.consents.of_person(person))

    def history(self, ref: str) -> list[Consent]:
        """Every version of one consent, oldest first."""
        return self.engine.read(lambda uow: uow.consents.history(ref))

    def persons(self) -> list[str]:
        return self.engine.read(lambda uow: uow.consents.persons())

    def message(self, message_id: str) -> QueuedMessage:
        """The message; raises ``UnknownOutreach``."""
        return self.engine.read(lambda uow: uow.outreach.get(message_id))

    def messages(self, status: OutreachStatus | None = None) -> list[QueuedMessage]:
        return self.engine.read(lambda uow: uow.outreach.list(status))

    @property
    def flags(self) -> ConsentFlagSink:
        """The consumer keeping the CRM's local flags (``InMemoryConsentFlags`` unless wired)."""
        return self.engine.read(lambda uow: uow.consent_flags)


def _changed(events: list[Event]) -> Consent | None:
    for event in events:
        if isinstance(event, ConsentChanged):
            return event.consent
    return None


def _first(events: list[Event], kind: type[E]) -> E:
    for event in events:
        if isinstance(event, kind):
            return event
    raise AssertionError(f"the command raised no {kind.__name__}: a handler-table bug")
