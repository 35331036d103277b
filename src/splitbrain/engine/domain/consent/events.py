"""Consent events: what happened, in the past tense (STYLE §2). Frozen, ids and codes only.

    ConsentEvent
     ├── ConsentGranted / ConsentRevoked / ConsentExpired   a slot's next version was recorded
     ├── ConsentDecided                                    the decision point answered
     └── OutreachQueued / OutreachSent / OutreachBlocked   the outreach queue and its send point

Grant, revoke and expire reach every consumer at once: the message bus hands each event to every
handler listed for it (the audit trail, the CRM's consent flags) in the command's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from splitbrain.engine.domain.consent.decision import ConsentDecision, EnforcementPoint
from splitbrain.engine.domain.consent.model import Consent
from splitbrain.engine.domain.consent.outreach import QueuedMessage

__all__ = [
    "ConsentChanged",
    "ConsentDecided",
    "ConsentEvent",
    "ConsentExpired",
    "ConsentGranted",
    "ConsentRevoked",
    "OutreachBlocked",
    "OutreachQueued",
    "OutreachSent",
]

ENGINE_ACTOR = "engine"


@dataclass(frozen=True, slots=True)
class ConsentGranted:
    consent: Consent
    actor: str
    role: str


@dataclass(frozen=True, slots=True)
class ConsentRevoked:
    consent: Consent
    actor: str
    role: str


@dataclass(frozen=True, slots=True)
class ConsentExpired:
    """The clock reached the end of the consent's period; the engine recorded the expiry."""

    consent: Consent
    actor: str = ENGINE_ACTOR
    role: str = "automation"


@dataclass(frozen=True, slots=True)
class ConsentDecided:
    decision: ConsentDecision
    point: EnforcementPoint
    actor: str
    role: str
    correlation_id: str | None = None


@dataclass(frozen=True, slots=True)
class OutreachQueued:
    message: QueuedMessage
    actor: str
    role: str


@dataclass(frozen=True, slots=True)
class OutreachSent:
    """The send point permitted the message; ``decision`` is what it read at that moment."""

    message: QueuedMessage
    decision: ConsentDecision
    actor: str
    role: str


@dataclass(frozen=True, slots=True)
class OutreachBlocked:
    """The send point denied the message, whatever was true when it was queued."""

    message: QueuedMessage
    decision: ConsentDecision
    actor: str
    role: str


ConsentChanged = ConsentGranted | ConsentRevoked | ConsentExpired
ConsentEvent = (
    ConsentGranted
    | ConsentRevoked
    | ConsentExpired
    | ConsentDecided
    | OutreachQueued
    | OutreachSent
    | OutreachBlocked
)
