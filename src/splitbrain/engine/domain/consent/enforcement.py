"""Enforcement points: consent is checked at the moment of disclosure and of sending.

Not at enqueue. A message queued while the person consented and sent after they revoked is
blocked, because ``enforce_send`` asks the decision point again with the consents and the clock
of the moment of sending. The version a message was queued under is kept only to explain a block.

- ``queue_message``: record an outreach message with its slot's current consent version. Not a
  decision: nothing is permitted or refused here.
- ``enforce_send``: decide at send; the message becomes ``sent`` (``OutreachSent``) or
  ``blocked`` (``OutreachBlocked``), each carrying the decision it read.
- ``enforce_disclosure``: decide right before the engine sends data to the CRM
  (``ConsentDecided`` at the ``disclosure`` point); the caller sends only when permitted.

Example::

    message = queue_message("msg-1", "tok_ana", "HMARKT", "sms", t0, current=v1)
    # ... the person revokes: v2 ...
    message, event = enforce_send(message, t1, [v2], actor="outreach", role="automation")
    assert isinstance(event, OutreachBlocked) and event.decision.reason == "revoked"
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from splitbrain.engine.domain.consent.channels import channel as check_channel
from splitbrain.engine.domain.consent.decision import (
    CONSENT_POLICY_VERSION,
    EnforcementPoint,
    decide_consent,
)
from splitbrain.engine.domain.consent.errors import OutreachAlreadyDecided
from splitbrain.engine.domain.consent.events import ConsentDecided, OutreachBlocked, OutreachSent
from splitbrain.engine.domain.consent.model import Consent
from splitbrain.engine.domain.consent.outreach import OutreachStatus, QueuedMessage
from splitbrain.engine.domain.consent.purposes import purpose as check_purpose

__all__ = ["enforce_disclosure", "enforce_send", "queue_message"]


def queue_message(
    message_id: str,
    person: str,
    purpose: str,
    channel: str,
    at: datetime,
    *,
    current: Consent | None,
) -> QueuedMessage:
    """A queued message remembering ``current`` (the slot's consent version now, if any)."""
    check_purpose(purpose, where=f"outreach message {message_id} purpose")
    check_channel(channel, where=f"outreach message {message_id} channel")
    return QueuedMessage(
        message_id=message_id,
        person=person,
        purpose=purpose,
        channel=channel,
        queued_at=at,
        queued_under_ref=None if current is None else current.ref,
        queued_under_version=None if current is None else current.version,
    )


def enforce_send(
    message: QueuedMessage,
    at: datetime,
    consents: Iterable[Consent],
    *,
    policy_version: str = CONSENT_POLICY_VERSION,
    actor: str,
    role: str,
) -> tuple[QueuedMessage, OutreachSent | OutreachBlocked]:
    """Decide ``message`` at the moment of sending; its next state and the event."""
    if message.status is not OutreachStatus.QUEUED:
        raise OutreachAlreadyDecided(message.message_id, message.status.value)
    decision = decide_consent(
        message.person,
        message.purpose,
        message.channel,
        at,
        consents,
        policy_version=policy_version,
    )
    decided = replace(
        message,
        status=OutreachStatus.SENT if decision.permitted else OutreachStatus.BLOCKED,
        decided_at=at,
        decided_version=decision.consent_version,
        reason=decision.reason.value,
    )
    if decision.permitted:
        return decided, OutreachSent(decided, decision, actor, role)
    return decided, OutreachBlocked(decided, decision, actor, role)


def enforce_disclosure(
    person: str,
    purpose: str,
    at: datetime,
    consents: Iterable[Consent],
    *,
    policy_version: str = CONSENT_POLICY_VERSION,
    actor: str,
    role: str,
    channel: str | None = None,
    correlation_id: str | None = None,
) -> ConsentDecided:
    """The decision for sending ``person``'s data to the CRM for ``purpose``, right now."""
    decision = decide_consent(person, purpose, channel, at, consents, policy_version=policy_version)
    return ConsentDecided(decision, EnforcementPoint.DISCLOSURE, actor, role, correlation_id)
