"""What the audit log says about each event: ids, codes, field names and fingerprints only.

Values never enter the log (DESIGN §7). A field value, a resolution reason, and any identifier
that does not look like a code (say, an e-mail address used as a record id) are replaced by a
keyed fingerprint, so the entry still shows *that* and *which* without showing *what*.

Example::

    audit_event(FieldApplied(...), now, sink.fingerprint)
    # AuditEvent(action="write.decide", outcome=applied, field_names=("legal_name",),
    #            fingerprints=(("legal_name", "fp1:k...:..."),), extra=(("rule", "owner"), ...))
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from splitbrain.engine.domain.audit import AuditEvent, AuditEventError, AuditOutcome
from splitbrain.engine.domain.audit.event import CODE_PATTERN, format_instant
from splitbrain.engine.domain.conflicts import ConflictOverdue, ConflictResolved
from splitbrain.engine.domain.consent import ConsentEvent
from splitbrain.engine.domain.decisions import (
    ConflictEscalated,
    Decision,
    DuplicateDelivery,
    FieldApplied,
    WriteRejected,
)
from splitbrain.engine.domain.linkage.events import IdentityEvent
from splitbrain.engine.service_layer.consent_audit import consent_audit_event
from splitbrain.engine.service_layer.events import Event, FieldSeeded, IdempotencyKeysPurged
from splitbrain.engine.service_layer.identity_audit import identity_audit_event

Fingerprint = Callable[[str], str]
SERVICE = "engine"
ENGINE_ACTOR = "engine"
_CODE = re.compile(CODE_PATTERN)
_OUTCOMES: dict[type, AuditOutcome] = {
    FieldApplied: AuditOutcome.APPLIED,
    WriteRejected: AuditOutcome.REJECTED,
    ConflictEscalated: AuditOutcome.ESCALATED,
    DuplicateDelivery: AuditOutcome.DUPLICATE,
}


def audit_event(event: Event, now: datetime, fp: Fingerprint) -> AuditEvent:
    """The audit event recording ``event`` at ``now``."""
    if type(event) in _OUTCOMES:  # a decision: the hot path, one lookup
        return _decision(event, now, fp)  # type: ignore[arg-type]
    if isinstance(event, ConsentEvent):
        return consent_audit_event(event, now, fp)
    if isinstance(event, IdentityEvent):
        return identity_audit_event(event, now, fp)
    if isinstance(event, ConflictResolved):
        return _resolved(event, now, fp)
    if isinstance(event, ConflictOverdue):
        return _overdue(event, now, fp)
    if isinstance(event, IdempotencyKeysPurged):
        return _purged(event, now)
    if isinstance(event, FieldSeeded):
        return _seeded(event, now, fp)
    return _decision(event, now, fp)


def _decision(decision: Decision, now: datetime, fp: Fingerprint) -> AuditEvent:
    try:  # the common case: every identifier is a code already, as the event checks
        return _decision_event(decision, now, fp, _as_is)
    except AuditEventError:  # some identifier is not a code: fingerprint it, check again
        return _decision_event(decision, now, fp, _code)


def _decision_event(
    decision: Decision, now: datetime, fp: Fingerprint, code: Callable[[str, Fingerprint], str]
) -> AuditEvent:
    write = decision.write
    ruling = decision.first if isinstance(decision, DuplicateDelivery) else decision
    value = ruling.value if isinstance(ruling, FieldApplied) else write.value
    prints = () if value is None else ((write.field, fp(value)),)
    extra = (
        ("rule", ruling.rule),
        ("idempotency_key", code(write.idempotency_key, fp)),
        ("source_system", code(write.source_system, fp)),
        ("provenance", write.provenance.value),
        *_specifics(ruling),
    )
    return AuditEvent(
        actor=code(write.actor, fp),
        role=code(write.role, fp),
        service=SERVICE,
        action="write.decide",
        outcome=_OUTCOMES[type(decision)],
        at=now,
        reason=ruling.reason.value if isinstance(ruling, WriteRejected) else None,
        matrix_version=code(ruling.matrix_version, fp),
        person=code(write.person, fp),
        correlation_id=None if write.correlation_id is None else code(write.correlation_id, fp),
        field_names=(write.field,),
        fingerprints=prints,
        extra=extra,
    )


def _specifics(
    ruling: FieldApplied | WriteRejected | ConflictEscalated,
) -> tuple[tuple[str, str], ...]:
    if isinstance(ruling, FieldApplied):
        return (("new_version", str(ruling.new_version)),)
    if isinstance(ruling, ConflictEscalated):
        return (("conflict_id", ruling.conflict_id), ("escalation_owner", ruling.escalation_owner))
    return ()


def _resolved(event: ConflictResolved, now: datetime, fp: Fingerprint) -> AuditEvent:
    return AuditEvent(
        actor=_code(event.resolver, fp),
        role=event.role,
        service=SERVICE,
        action="conflict.resolve",
        outcome=AuditOutcome.APPLIED,
        at=now,
        person=_code(event.person, fp),
        field_names=(event.field,),
        extra=(
            ("conflict_id", event.conflict_id),
            ("chosen_key", _code(event.chosen_key, fp)),
            ("reason_fingerprint", fp(event.reason)),
        ),
    )


def _overdue(event: ConflictOverdue, now: datetime, fp: Fingerprint) -> AuditEvent:
    return AuditEvent(
        actor=ENGINE_ACTOR,
        role="automation",
        service=SERVICE,
        action="conflict.overdue",
        outcome=AuditOutcome.ESCALATED,
        at=now,
        person=_code(event.person, fp),
        field_names=(event.field,),
        extra=(("conflict_id", event.conflict_id), ("escalation_owner", event.escalation_owner)),
    )


def _purged(event: IdempotencyKeysPurged, now: datetime) -> AuditEvent:
    return AuditEvent(
        actor=ENGINE_ACTOR,
        role="automation",
        service=SERVICE,
        action="idempotency.purge",
        outcome=AuditOutcome.APPLIED,
        at=now,
        extra=(("count", str(event.count)), ("cutoff", format_instant(event.cutoff))),
    )


def _seeded(event: FieldSeeded, now: datetime, fp: Fingerprint) -> AuditEvent:
    state = event.state
    return AuditEvent(
        actor=ENGINE_ACTOR,
        role="automation",
        service=SERVICE,
        action="field.seed",
        outcome=AuditOutcome.APPLIED,
        at=now,
        person=_code(state.person, fp),
        field_names=(state.field,),
        fingerprints=() if state.value is None else ((state.field, fp(state.value)),),
        extra=(
            ("version", str(state.version)),
            ("source_system", _code(state.system or "none", fp)),
        ),
    )


def _as_is(text: str, _fp: Fingerprint) -> str:
    """``text`` unchanged: the event refuses it (``AuditEventError``) unless it is a code."""
    return text


def _code(text: str, fp: Fingerprint) -> str:
    """``text`` when it is a code; otherwise its fingerprint, so no value slips into the log."""
    return text if _CODE.fullmatch(text) else fp(text)
