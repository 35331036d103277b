"""Consent handlers: one small function per consent command and per consumer of its events.

A command handler reads the slot through ``ctx.uow.consents``, asks the pure domain for the next
version or the decision, stores what changed and returns the events. The bus then hands each
event to every handler listed for it in ``consent_event_handlers``, in the same transaction:
the audit trail first (a change that cannot be audited does not happen), then the consumer that
keeps the CRM's local consent flags current. Nothing is batched: a revoke reaches every
consumer before ``handle`` returns.

The tables are merged into ``handlers.COMMAND_HANDLERS`` / ``handlers.EVENT_HANDLERS``.

Example::

    CONSENT_COMMAND_HANDLERS[RevokeConsent](RevokeConsent("tok_ana", "HMARKT", "sms"), ctx)
    # -> [ConsentRevoked(consent=Consent(..., status=revoked, version=2), ...)]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from splitbrain.engine.domain.consent import (
    CONSENT_POLICY_VERSION,
    ConsentChanged,
    ConsentDecided,
    ConsentEvent,
    ConsentExpired,
    ConsentGranted,
    ConsentRevoked,
    OutreachBlocked,
    OutreachIdReused,
    OutreachQueued,
    OutreachSent,
    Period,
    decide_consent,
    enforce_send,
    expire,
    grant,
    queue_message,
    revoke,
)
from splitbrain.engine.service_layer.consent_commands import (
    DecideConsent,
    ExpireConsents,
    GrantConsent,
    QueueOutreach,
    RevokeConsent,
    SendOutreach,
)

if TYPE_CHECKING:
    from splitbrain.engine.service_layer.handlers import Context, Handler

__all__ = ["CONSENT_COMMAND_HANDLERS", "consent_event_handlers"]

NONE: Sequence[ConsentEvent] = ()


# commands -----------------------------------------------------------------------------------


def grant_consent(command: GrantConsent, ctx: Context) -> Sequence[ConsentEvent]:
    consents = ctx.uow.consents
    consent = grant(
        consents.current(command.person, command.purpose, command.channel),
        person=command.person,
        purpose=command.purpose,
        channel=command.channel,
        at=ctx.now,
        policy_version=command.policy_version or CONSENT_POLICY_VERSION,
        period=Period(command.period_start, command.period_end),
        ref=command.consent_ref,
        actors=command.actors,
    )
    if consent is None:
        return NONE
    consents.add(consent)
    return [ConsentGranted(consent, command.actor, command.role)]


def revoke_consent(command: RevokeConsent, ctx: Context) -> Sequence[ConsentEvent]:
    consents = ctx.uow.consents
    consent = revoke(
        consents.current(command.person, command.purpose, command.channel),
        person=command.person,
        purpose=command.purpose,
        channel=command.channel,
        at=ctx.now,
        policy_version=command.policy_version or CONSENT_POLICY_VERSION,
        ref=command.consent_ref,
    )
    if consent is None:
        return NONE
    consents.add(consent)
    return [ConsentRevoked(consent, command.actor, command.role)]


def expire_consents(_: ExpireConsents, ctx: Context) -> Sequence[ConsentEvent]:
    events: list[ConsentEvent] = []
    for due in ctx.uow.consents.due(ctx.now):
        expired = expire(due, ctx.now)
        if expired is not None:
            ctx.uow.consents.add(expired)
            events.append(ConsentExpired(expired))
    return events


def decide(command: DecideConsent, ctx: Context) -> Sequence[ConsentEvent]:
    consents = ctx.uow.consents.of_person(command.person)
    decision = decide_consent(command.person, command.purpose, command.channel, ctx.now, consents)
    return [
        ConsentDecided(decision, command.point, command.actor, command.role, command.correlation_id)
    ]


def queue_outreach(command: QueueOutreach, ctx: Context) -> Sequence[ConsentEvent]:
    message = queue_message(
        command.message_id,
        command.person,
        command.purpose,
        command.channel,
        ctx.now,
        current=ctx.uow.consents.current(command.person, command.purpose, command.channel),
    )
    existing = ctx.uow.outreach.find(command.message_id)
    if existing is not None:
        if existing.same_request != message.same_request:
            raise OutreachIdReused(command.message_id)
        return NONE  # a redelivered enqueue: the message is already in the queue
    ctx.uow.outreach.put(message)
    return [OutreachQueued(message, command.actor, command.role)]


def send_outreach(command: SendOutreach, ctx: Context) -> Sequence[ConsentEvent]:
    message = ctx.uow.outreach.get(command.message_id)
    consents = ctx.uow.consents.of_person(message.person)
    decided, event = enforce_send(
        message, ctx.now, consents, actor=command.actor, role=command.role
    )
    ctx.uow.outreach.put(decided)
    return [event]


# events -------------------------------------------------------------------------------------


def keep_crm_flags_current(event: ConsentChanged, ctx: Context) -> Sequence[ConsentEvent]:
    """Tell the CRM's local flags at once, so its own campaign automation stops too.

    The flag is on only for a consent in force now: a grant whose period starts later leaves
    it off (the safe side; the CRM does not know periods).
    """
    consent = event.consent
    ctx.uow.consent_flags.set_flag(consent, allowed=consent.in_force(ctx.now))
    return NONE


# the tables ---------------------------------------------------------------------------------

CONSENT_COMMAND_HANDLERS: Mapping[type, Handler] = {
    GrantConsent: grant_consent,
    RevokeConsent: revoke_consent,
    ExpireConsents: expire_consents,
    DecideConsent: decide,
    QueueOutreach: queue_outreach,
    SendOutreach: send_outreach,
}


def consent_event_handlers(audit: Handler) -> dict[type, Sequence[Handler]]:
    """The consent events' handlers, ``audit`` first: an unaudited change reaches no consumer."""
    return {
        ConsentGranted: [audit, keep_crm_flags_current],
        ConsentRevoked: [audit, keep_crm_flags_current],
        ConsentExpired: [audit, keep_crm_flags_current],
        ConsentDecided: [audit],
        OutreachQueued: [audit],
        OutreachSent: [audit],
        OutreachBlocked: [audit],
    }
