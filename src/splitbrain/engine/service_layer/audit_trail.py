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
from splitbrain.engine.domain.audit.prepared import EventShape, PreparedEvent
from splitbrain.engine.domain.conflicts import ConflictOverdue, ConflictResolved
from splitbrain.engine.domain.consent import ConsentEvent
from splitbrain.engine.domain.decisions import (
    ConflictEscalated,
    Decision,
    DuplicateDelivery,
    FieldApplied,
    RejectReason,
    WriteRejected,
)
from splitbrain.engine.domain.linkage.events import IdentityEvent
from splitbrain.engine.domain.policy import Provenance
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
DECISION_TYPES = frozenset(_OUTCOMES)
"""The decision event types: ``decision_record`` prepares their audit events."""


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


def decision_record(decision: Decision, now: datetime, fp: Fingerprint) -> PreparedEvent:
    """The audit event recording ``decision`` at ``now``, prepared (the write path's form)."""
    try:  # the common case: every identifier is a code already, as the shape checks
        return _prepare(decision, now, fp, None)
    except AuditEventError:  # some identifier is not a code: fingerprint it, check again
        return _prepare(decision, now, fp, fp)


def _decision(decision: Decision, now: datetime, fp: Fingerprint) -> AuditEvent:
    return decision_record(decision, now, fp).event()


_APPLIED = EventShape(
    SERVICE,
    "write.decide",
    ("idempotency_key", "new_version", "provenance", "rule", "source_system"),
    fresh="idempotency_key",
)
_REJECTED = EventShape(
    SERVICE,
    "write.decide",
    ("idempotency_key", "provenance", "rule", "source_system"),
    fresh="idempotency_key",
)
_ESCALATED = EventShape(
    SERVICE,
    "write.decide",
    (
        "conflict_id",
        "escalation_owner",
        "idempotency_key",
        "provenance",
        "rule",
        "source_system",
    ),
    fresh="idempotency_key",
)
_PROVENANCES: dict[object, str] = {p: p.value for p in Provenance}
_REASONS: dict[object, str] = {r: r.value for r in RejectReason}


def _prepare(
    decision: Decision, now: datetime, fp: Fingerprint, hide: Fingerprint | None
) -> PreparedEvent:
    """One event per decision: who, which person and field, the rule, the outcome; the value
    (the stored one for an applied write) as a fingerprint only. A duplicate delivery records
    the first decision's ruling with the outcome ``duplicate``. With ``hide``, an identifier
    that is no code goes in as its fingerprint."""
    write = decision.write
    ruling = decision.first if isinstance(decision, DuplicateDelivery) else decision
    key, system, actor, role = write.idempotency_key, write.source_system, write.actor, write.role
    matrix, person, correlation = ruling.matrix_version, write.person, write.correlation_id
    if hide is not None:
        key, system, actor, role, matrix, person = [
            _code(text, hide) for text in (key, system, actor, role, matrix, person)
        ]
        correlation = None if correlation is None else _code(correlation, hide)
    provenance = _PROVENANCES[write.provenance]
    reason = None
    if type(ruling) is FieldApplied:
        value, shape = ruling.value, _APPLIED
        extra: tuple[str, ...] = (key, str(ruling.new_version), provenance, ruling.rule, system)
    elif type(ruling) is WriteRejected:
        value, shape, reason = write.value, _REJECTED, _REASONS[ruling.reason]
        extra = (key, provenance, ruling.rule, system)
    else:
        escalated: ConflictEscalated = ruling  # type: ignore[assignment]
        value, shape = write.value, _ESCALATED
        extra = (
            escalated.conflict_id,
            escalated.escalation_owner,
            key,
            provenance,
            escalated.rule,
            system,
        )
    return shape.prepare(
        actor=actor,
        role=role,
        outcome=_OUTCOMES[type(decision)],
        at=now,
        reason=reason,
        matrix_version=matrix,
        person=person,
        correlation_id=correlation,
        field=write.field,
        fingerprint=None if value is None else fp(value),
        extra=extra,
    )


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


def _code(text: str, fp: Fingerprint) -> str:
    """``text`` when it is a code; otherwise its fingerprint, so no value slips into the log."""
    return text if _CODE.fullmatch(text) else fp(text)
