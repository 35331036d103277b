"""Handlers: one small function per command and per event, listed in ONE table below.

A handler takes its message and the ``Context`` of the command being handled (the unit of work,
the policy, and the command's ``now``), changes the store through the unit of work, and returns
the events it raised. The bus runs them all in the command's one transaction. ``audit`` is listed
for every event: an event that cannot be audited rolls its command back (fail closed). The four
decision events (the write path, run per write) each have ONE handler doing the same steps in
one call (``write_applied``: record, apply, audit, track), which saves the dispatches.

Example::

    COMMAND_HANDLERS[IngestWrite](IngestWrite(write), context)   # -> [FieldApplied(...)]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from splitbrain.engine.domain.audit import AuditError, AuditSink
from splitbrain.engine.domain.conflicts import (
    ConflictOverdue,
    ConflictResolved,
    escalate_overdue,
    open_item,
    resolve,
)
from splitbrain.engine.domain.consent import ConsentEvent
from splitbrain.engine.domain.decide import apply, decide
from splitbrain.engine.domain.decisions import (
    ConflictEscalated,
    Decision,
    DuplicateDelivery,
    FieldApplied,
    WriteRejected,
)
from splitbrain.engine.domain.linkage.events import IdentityEvent
from splitbrain.engine.domain.policy import Policy
from splitbrain.engine.service_layer.audit_trail import (
    DECISION_TYPES,
    audit_event,
    decision_record,
)
from splitbrain.engine.service_layer.commands import (
    EscalateOverdueConflicts,
    IngestWrite,
    PurgeIdempotencyKeys,
    ResolveConflict,
    SeedFieldState,
)
from splitbrain.engine.service_layer.consent_audit import consent_ident
from splitbrain.engine.service_layer.consent_handlers import (
    CONSENT_COMMAND_HANDLERS,
    consent_event_handlers,
)
from splitbrain.engine.service_layer.errors import (
    AuditWriteFailed,
    ChosenWriteUnavailable,
    SeedRefused,
)
from splitbrain.engine.service_layer.events import Event, FieldSeeded, IdempotencyKeysPurged
from splitbrain.engine.service_layer.identity_audit import identity_ident
from splitbrain.engine.service_layer.identity_handlers import (
    IDENTITY_COMMAND_HANDLERS,
    identity_event_handlers,
    track_merged_seed,
    track_merged_write,
)
from splitbrain.engine.service_layer.identity_linking import routed_write
from splitbrain.engine.service_layer.resolution import chosen_write_applied
from splitbrain.engine.service_layer.unit_of_work import AbstractUnitOfWork

NONE: Sequence[Event] = ()


@dataclass(slots=True)  # not frozen: built once per command, and frozen costs that much more
class Context:
    """What every handler of one command sees: one unit of work, one policy, one ``now``."""

    uow: AbstractUnitOfWork
    policy: Policy
    now: datetime


Handler = Callable[[Any, Context], Sequence[Event]]
"""``handler(message, context) -> events raised``; each table entry types its own message."""


# commands -----------------------------------------------------------------------------------


def ingest_write(command: IngestWrite, ctx: Context) -> Sequence[Event]:
    prior = ctx.uow.decisions.first(command.write.idempotency_key)
    write, redirected = routed_write(command.write, prior, ctx)  # a retired id: its survivor
    state, stage = ctx.uow.fields.with_stage(write.person, write.field, ctx.policy)
    decision = decide(write, state, stage, ctx.policy, prior=prior, now=ctx.now)
    return [decision] if redirected is None else [redirected, decision]


def resolve_conflict(command: ResolveConflict, ctx: Context) -> Sequence[Event]:
    item = ctx.uow.conflicts.get(command.conflict_id)
    item, event = resolve(
        item,
        resolver=command.resolver,
        role=command.role,
        reason=command.reason,
        chosen_key=command.chosen_key,
        now=ctx.now,
    )
    ctx.uow.conflicts.put(item)
    return [event]


def escalate_overdue_conflicts(_: EscalateOverdueConflicts, ctx: Context) -> Sequence[Event]:
    changed = escalate_overdue(ctx.uow.conflicts.list(open_only=True), ctx.now)
    for item, _event in changed:
        ctx.uow.conflicts.put(item)
    return [event for _item, event in changed]


def purge_idempotency_keys(command: PurgeIdempotencyKeys, ctx: Context) -> Sequence[Event]:
    cutoff = ctx.now - command.retention
    count = ctx.uow.decisions.purge_keys(cutoff)
    return [IdempotencyKeysPurged(cutoff=cutoff, count=count, at=ctx.now)]


def seed_field_state(command: SeedFieldState, ctx: Context) -> Sequence[Event]:
    state, fields = command.state, ctx.uow.fields
    if state.field not in ctx.policy.fields:
        raise SeedRefused(state.person, state.field, f"matrix {ctx.policy.label} has no such row")
    current = fields.get(state.person, state.field).version
    if current != 0 or state.version < 1:
        why = f"the field is at version {current} and the seed names version {state.version}"
        raise SeedRefused(state.person, state.field, f"{why} (a seed starts at >= 1 on 0)")
    fields.put(state)
    return [FieldSeeded(state=state, at=ctx.now)]


# events -------------------------------------------------------------------------------------


def apply_resolution(event: ConflictResolved, ctx: Context) -> Sequence[Event]:
    state = ctx.uow.fields.get(event.person, event.field)
    if state.idempotency_key == event.chosen_key:
        return NONE  # the chosen write is already the current value
    write = ctx.uow.decisions.write(event.chosen_key)
    if write is None:
        raise ChosenWriteUnavailable(event.conflict_id, event.chosen_key, "it was never logged")
    return [chosen_write_applied(event, state, write, ctx.policy)]


def write_applied(decision: FieldApplied, ctx: Context) -> Sequence[Event]:
    """An applied write, in order: log the decision, apply it to the field, audit it, and
    ``track_merged_write`` (one handler for the write path's four steps: one dispatch)."""
    uow, now = ctx.uow, ctx.now
    uow.decisions.add(decision, now)
    write, fields = decision.write, uow.fields
    fields.put(apply(fields.get(write.person, write.field), decision))
    _audit_decision(decision, uow.audit, now)
    return track_merged_write(decision, ctx)


def write_escalated(decision: ConflictEscalated, ctx: Context) -> Sequence[Event]:
    """An escalated write: log the decision, open its conflict item (once), audit it."""
    uow, now = ctx.uow, ctx.now
    uow.decisions.add(decision, now)
    if uow.conflicts.find(decision.conflict_id) is None:
        uow.conflicts.put(open_item(decision, now))
    _audit_decision(decision, uow.audit, now)
    return NONE


def write_logged(decision: WriteRejected | DuplicateDelivery, ctx: Context) -> Sequence[Event]:
    """A rejected write or a duplicate delivery: log the decision, audit it."""
    uow, now = ctx.uow, ctx.now
    uow.decisions.add(decision, now)
    _audit_decision(decision, uow.audit, now)
    return NONE


def _audit_decision(decision: Decision, sink: AuditSink, now: datetime) -> None:
    """What ``audit`` does for a decision: its prepared event, appended (fail closed)."""
    try:
        sink.append_prepared(decision_record(decision, now, sink.fingerprint))
    except AuditError as exc:
        raise AuditWriteFailed(type(decision).__name__, _ident(decision)) from exc


def audit(event: Event, ctx: Context) -> Sequence[Event]:
    sink = ctx.uow.audit
    try:
        if type(event) in DECISION_TYPES:  # the write path: a prepared event, no re-checks
            sink.append_prepared(decision_record(event, ctx.now, sink.fingerprint))  # type: ignore[arg-type]
        else:
            sink.append(audit_event(event, ctx.now, sink.fingerprint))
    except AuditError as exc:
        raise AuditWriteFailed(type(event).__name__, _ident(event)) from exc
    return NONE


def _ident(event: Event) -> str:
    if isinstance(event, ConsentEvent):
        return consent_ident(event)
    if isinstance(event, IdentityEvent):
        return identity_ident(event)
    if isinstance(event, IdempotencyKeysPurged):
        return "maintenance"
    if isinstance(event, FieldSeeded):
        return f"seed of field {event.state.field} of person {event.state.person}"
    if isinstance(event, ConflictResolved | ConflictOverdue):
        return f"conflict {event.conflict_id}"
    return f"write {event.write.idempotency_key}"


# the table ----------------------------------------------------------------------------------

COMMAND_HANDLERS: Mapping[type, Handler] = {
    IngestWrite: ingest_write,
    ResolveConflict: resolve_conflict,
    EscalateOverdueConflicts: escalate_overdue_conflicts,
    PurgeIdempotencyKeys: purge_idempotency_keys,
    SeedFieldState: seed_field_state,
    **CONSENT_COMMAND_HANDLERS,
    **IDENTITY_COMMAND_HANDLERS,
}

EVENT_HANDLERS: Mapping[type, Sequence[Handler]] = {
    FieldApplied: [write_applied],  # log, apply, audit, track_merged_write
    WriteRejected: [write_logged],  # log, audit
    ConflictEscalated: [write_escalated],  # log, open the conflict item, audit
    DuplicateDelivery: [write_logged],  # log, audit
    ConflictResolved: [apply_resolution, audit],
    ConflictOverdue: [audit],
    IdempotencyKeysPurged: [audit],
    FieldSeeded: [audit, track_merged_seed],
    **consent_event_handlers(audit),
    **identity_event_handlers(audit),
}

AUDITING: frozenset[Handler] = frozenset({audit, write_applied, write_escalated, write_logged})
"""The handlers that audit the event they handle: every event lists one (fail closed)."""
