"""Consent commands: what someone asks the engine to do about consent (STYLE §2).

Each goes to one handler in ``consent_handlers``; each runs in one transaction, audit included.

- ``GrantConsent`` / ``RevokeConsent``: the person (usually through the portal) changes a slot.
- ``ExpireConsents``: the clock-driven job: every active consent whose period has ended by
  ``now`` becomes ``expired`` (the decision point already denies it from the end on).
- ``DecideConsent``: ask the decision point; ``point`` says who asks (a direct request, or the
  disclosure point right before the engine sends data to the CRM).
- ``QueueOutreach`` / ``SendOutreach``: the outreach queue; the decision is taken at the send.

Example::

    engine.handle(GrantConsent("tok_ana", "HMARKT", "sms", period_end=t0 + timedelta(days=30)))
    engine.handle(QueueOutreach("msg-1", "tok_ana", "HMARKT", "sms"))
    engine.handle(RevokeConsent("tok_ana", "HMARKT", "sms"))
    engine.handle(SendOutreach("msg-1"))          # -> [OutreachBlocked(... reason=revoked)]
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from splitbrain.engine.domain.consent import EnforcementPoint

__all__ = [
    "ConsentCommand",
    "DecideConsent",
    "ExpireConsents",
    "GrantConsent",
    "QueueOutreach",
    "RevokeConsent",
    "SendOutreach",
]


@dataclass(frozen=True, slots=True)
class GrantConsent:
    """Make the slot's consent active over the period (start inclusive, end exclusive)."""

    person: str
    purpose: str
    channel: str
    period_start: datetime | None = None
    period_end: datetime | None = None
    actor: str = "portal"
    role: str = "patient"
    consent_ref: str | None = None
    """Keep this reference for a new slot (an imported Consent's id); None: derive one."""
    actors: tuple[str, ...] = ()
    policy_version: str | None = None
    """The consent policy the grant was given under; None: the engine's current one."""


@dataclass(frozen=True, slots=True)
class RevokeConsent:
    """Make the slot's consent revoked from now on (an explicit opt-out if never granted)."""

    person: str
    purpose: str
    channel: str
    actor: str = "portal"
    role: str = "patient"
    consent_ref: str | None = None
    policy_version: str | None = None


@dataclass(frozen=True, slots=True)
class ExpireConsents:
    """Record the expiry of every active consent whose period ended by now (clock-driven)."""


@dataclass(frozen=True, slots=True)
class DecideConsent:
    """Ask the decision point; ``channel=None`` asks about the purpose on any channel."""

    person: str
    purpose: str
    channel: str | None
    point: EnforcementPoint = EnforcementPoint.REQUEST
    actor: str = "engine"
    role: str = "automation"
    correlation_id: str | None = None


@dataclass(frozen=True, slots=True)
class QueueOutreach:
    """Put an outreach message in the queue (not a decision: that is taken at the send)."""

    message_id: str
    person: str
    purpose: str
    channel: str
    actor: str = "outreach"
    role: str = "automation"


@dataclass(frozen=True, slots=True)
class SendOutreach:
    """Send a queued message now, if the decision point permits it now."""

    message_id: str
    actor: str = "outreach"
    role: str = "automation"


ConsentCommand = (
    GrantConsent | RevokeConsent | ExpireConsents | DecideConsent | QueueOutreach | SendOutreach
)
