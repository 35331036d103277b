"""What the audit log says about each consent event: codes, references and versions only.

Every grant, revoke and expiry, every decision (permit and deny, at every enforcement point) and
every outreach queue and send decision becomes one ``AuditEvent``. A break-glass decision always
carries ``extra.break_glass = true`` (the flag is written on every decision, true or false, so
its absence can never be mistaken for "no"). Identifiers that are not codes (an e-mail address
used as a message id, say) are replaced by their keyed fingerprint, as in ``audit_trail``.

Actions: ``consent.grant`` / ``consent.revoke`` / ``consent.expire`` (outcome applied),
``consent.decide`` (permit / deny), ``outreach.queue`` (applied), ``send.outreach`` (permit /
deny). The BALP export (``adapters.audit_balp``) reads the decisions back from these.

Example::

    consent_audit_event(ConsentDecided(decision, EnforcementPoint.REQUEST, "usr_3", "support"),
                        now, sink.fingerprint)
    # AuditEvent(action="consent.decide", outcome=deny, reason="revoked", purpose="HMARKT",
    #            consent_ref="cns-...", policy_version="consent-policy-1",
    #            extra=(("break_glass", "false"), ("channel", "sms"), ("consent_version", "2"),
    #                   ("point", "request")))
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from splitbrain.engine.domain.audit import AuditEvent, AuditOutcome
from splitbrain.engine.domain.audit.event import CODE_PATTERN, format_instant
from splitbrain.engine.domain.consent import (
    Consent,
    ConsentDecided,
    ConsentDecision,
    ConsentEvent,
    ConsentExpired,
    ConsentGranted,
    ConsentRevoked,
    OutreachBlocked,
    OutreachQueued,
    OutreachSent,
)

__all__ = ["CONSENT_ACTIONS", "DECISION_ACTIONS", "consent_audit_event", "consent_ident"]

Fingerprint = Callable[[str], str]
SERVICE = "engine"
DECISION_ACTIONS = frozenset({"consent.decide", "send.outreach"})
"""The actions whose entries are consent decisions (permit or deny)."""
CONSENT_ACTIONS = frozenset(
    {"consent.grant", "consent.revoke", "consent.expire", "outreach.queue", *DECISION_ACTIONS}
)
_CODE = re.compile(CODE_PATTERN)
_CHANGES: dict[type, str] = {
    ConsentGranted: "consent.grant",
    ConsentRevoked: "consent.revoke",
    ConsentExpired: "consent.expire",
}


def consent_audit_event(event: ConsentEvent, now: datetime, fp: Fingerprint) -> AuditEvent:
    """The audit event recording ``event`` at ``now``."""
    if isinstance(event, ConsentDecided):
        return _decided(event, now, fp)
    if isinstance(event, OutreachQueued):
        return _queued(event, now, fp)
    if isinstance(event, OutreachSent | OutreachBlocked):
        return _send(event, now, fp)
    return _change(event, now, fp)


def consent_ident(event: ConsentEvent) -> str:
    """How an error message names the event: references and ids, never values."""
    if isinstance(event, ConsentDecided):
        decision = event.decision
        return f"decision on person {decision.person} purpose {decision.purpose}"
    if isinstance(event, OutreachQueued | OutreachSent | OutreachBlocked):
        return f"outreach message {event.message.message_id}"
    return f"consent {event.consent.ref} version {event.consent.version}"


def _change(
    event: ConsentGranted | ConsentRevoked | ConsentExpired, now: datetime, fp: Fingerprint
) -> AuditEvent:
    consent = event.consent
    return AuditEvent(
        actor=_code(event.actor, fp),
        role=_code(event.role, fp),
        service=SERVICE,
        action=_CHANGES[type(event)],
        outcome=AuditOutcome.APPLIED,
        at=now,
        policy_version=_code(consent.policy_version, fp),
        purpose=consent.purpose,
        consent_ref=_code(consent.ref, fp),
        person=_code(consent.person, fp),
        extra=(
            ("channel", consent.channel),
            ("version", str(consent.version)),
            ("status", consent.status.value),
            *_period(consent),
        ),
    )


def _decided(event: ConsentDecided, now: datetime, fp: Fingerprint) -> AuditEvent:
    decision = event.decision
    return _decision_event(
        decision,
        now,
        fp,
        action="consent.decide",
        who=(event.actor, event.role),
        correlation_id=event.correlation_id,
        extra=(("point", event.point.value),),
    )


def _send(event: OutreachSent | OutreachBlocked, now: datetime, fp: Fingerprint) -> AuditEvent:
    message = event.message
    queued_under = message.queued_under_version
    return _decision_event(
        event.decision,
        now,
        fp,
        action="send.outreach",
        who=(event.actor, event.role),
        correlation_id=None,
        extra=(
            ("point", "send"),
            ("message_id", _code(message.message_id, fp)),
            ("queued_under_version", "none" if queued_under is None else str(queued_under)),
        ),
    )


def _decision_event(
    decision: ConsentDecision,
    now: datetime,
    fp: Fingerprint,
    *,
    action: str,
    who: tuple[str, str],
    correlation_id: str | None,
    extra: tuple[tuple[str, str], ...],
) -> AuditEvent:
    version = decision.consent_version
    return AuditEvent(
        actor=_code(who[0], fp),
        role=_code(who[1], fp),
        service=SERVICE,
        action=action,
        outcome=AuditOutcome.PERMIT if decision.permitted else AuditOutcome.DENY,
        at=now,
        reason=decision.reason.value,
        policy_version=_code(decision.policy_version, fp),
        purpose=_code(decision.purpose, fp),
        consent_ref=None if decision.consent_ref is None else _code(decision.consent_ref, fp),
        person=_code(decision.person, fp),
        correlation_id=None if correlation_id is None else _code(correlation_id, fp),
        extra=(
            *extra,
            ("channel", _code(decision.channel or "any", fp)),
            ("consent_version", "none" if version is None else str(version)),
            ("break_glass", "true" if decision.break_glass else "false"),
            ("decided_at", format_instant(decision.at)),
        ),
    )


def _queued(event: OutreachQueued, now: datetime, fp: Fingerprint) -> AuditEvent:
    message = event.message
    version = message.queued_under_version
    ref = message.queued_under_ref
    return AuditEvent(
        actor=_code(event.actor, fp),
        role=_code(event.role, fp),
        service=SERVICE,
        action="outreach.queue",
        outcome=AuditOutcome.APPLIED,
        at=now,
        purpose=message.purpose,
        consent_ref=None if ref is None else _code(ref, fp),
        person=_code(message.person, fp),
        extra=(
            ("message_id", _code(message.message_id, fp)),
            ("channel", message.channel),
            ("queued_under_version", "none" if version is None else str(version)),
        ),
    )


def _period(consent: Consent) -> list[tuple[str, str]]:
    period = consent.period
    pairs = []
    if period.start is not None:
        pairs.append(("period_start", format_instant(period.start)))
    if period.end is not None:
        pairs.append(("period_end", format_instant(period.end)))
    return pairs


def _code(text: str, fp: Fingerprint) -> str:
    """``text`` when it is a code; otherwise its fingerprint, so no value slips into the log."""
    return text if _CODE.fullmatch(text) else fp(text)
