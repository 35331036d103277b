"""What an inbound event means, once a translator has read it (DESIGN §4: inputs become Writes).

Translators (``adapters.inbound_*``) turn an ``InboxItem`` (a CRM or portal webhook, a FHIR
Subscription notification, an HL7 v2 ADT message) into these facts; the worker decides them.
A payload a translator cannot read raises ``PoisonEventError``: the item is dead-lettered
whole, with an incident, and the queue behind it moves on.

Field values here are the matrix's canonical values (enums mapped, dates ISO, phones E.164);
record ids, versions and field names are the only things ever logged.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from splitbrain.engine.domain.identity.record import IdentityRecord
from splitbrain.engine.domain.policy import Provenance
from splitbrain.engine.service_layer.sync.model import InboxItem, OutboxEffect


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """A record in a source system that holds a person."""

    system: str
    record_id: str
    version: str | None
    identity: IdentityRecord | None = None
    """Normalized identity values, for matching a record the engine has not seen before."""


@dataclass(frozen=True, slots=True)
class RecordChanged:
    """A person record was created or changed; ``changes`` are the matrix fields it carries."""

    record: SourceRecord
    changes: Mapping[str, str | None]
    actor: str
    role: str
    occurred_at: datetime
    provenance: Provenance
    created: bool = False
    manual: bool = True
    override_reason: str | None = None
    part: SourceRecord | None = None
    """The part of the person record the change was made in, when it has its own id and version
    (the portal's preferences): the engine's writes to it carry that version (``sync.parts``)."""


class WorkflowKind(enum.StrEnum):
    """Clinical and intake events that move a person's workflow state (issue 6)."""

    INTAKE_SUBMITTED = "intake_submitted"
    INTAKE_UPDATED = "intake_updated"
    PROVIDER_ASSIGNED = "provider_assigned"
    NOTE_SIGNED = "note_signed"
    DECISION_APPROVED = "decision_approved"
    DECISION_DENIED = "decision_denied"
    DECISION_MORE_INFO = "decision_more_info"
    DECISION_REFILL_PENDING = "decision_refill_pending"
    DECISION_FOLLOW_UP = "decision_follow_up"
    PRESCRIPTION_SENT = "prescription_sent"
    REFILL_REQUESTED = "refill_requested"


@dataclass(frozen=True, slots=True)
class WorkflowEvent:
    record: SourceRecord
    """The person's record in the system where the event happened."""
    kind: WorkflowKind
    reference: str
    """The id of the resource that carries the event (Task, QuestionnaireResponse, ...)."""
    actor: str
    role: str
    occurred_at: datetime
    missing: tuple[str, ...] = ()
    """Inputs the event needed but lacked (a refill request without a dose): names only."""


@dataclass(frozen=True, slots=True)
class ConsentChanged:
    """The patient granted or revoked a purpose on a channel (the portal is the consent truth)."""

    record: SourceRecord
    purpose: str
    channel: str
    granted: bool
    occurred_at: datetime
    consent_ref: str
    period_end: datetime | None = None


@dataclass(frozen=True, slots=True)
class RecordsMerged:
    """The source system merged two of its records (HL7 ADT A40, FHIR Patient.link replaced-by)."""

    system: str
    survivor: str
    retired: str
    occurred_at: datetime
    actor: str = "ehr"


@dataclass(frozen=True, slots=True)
class Ignored:
    """Read and understood, but nothing for the engine to do (a task it created itself, a
    resource type no row of the matrix covers)."""

    reason: str
    kind: str = "other"
    """What the worker counts it as (``unsynced:message.sent``, ``echo``): names, never ids."""


@dataclass(frozen=True, slots=True)
class EffectsPlanned:
    """The engine's own decision to carry out, already planned (a merge or unmerge the engine
    made, carried to the EHR as ADT A40 / Patient.link): effects to insert, nothing to decide."""

    effects: tuple[OutboxEffect, ...]
    detail: str


Inbound = RecordChanged | WorkflowEvent | ConsentChanged | RecordsMerged | EffectsPlanned | Ignored


class PoisonEventError(Exception):
    """The payload cannot be read; the message names the event id, the rule and the fix."""

    def __init__(self, event_id: str, problem: str) -> None:
        super().__init__(f"event {event_id}: {problem}")
        self.event_id = event_id
        self.problem = problem


class Translator(Protocol):
    def translate(self, item: InboxItem) -> list[Inbound]:
        """The facts in ``item``; raises ``PoisonEventError`` for a payload it cannot read."""
        ...


@dataclass(frozen=True, slots=True)
class Translators:
    """One translator per (source, channel)."""

    by_channel: Mapping[tuple[str, str], Translator] = field(default_factory=dict)

    def of(self, item: InboxItem) -> Translator:
        translator = self.by_channel.get((item.source, item.channel))
        if translator is None:
            raise PoisonEventError(
                item.event_id,
                f"no translator reads {item.source} events over {item.channel}; "
                "configure one or stop sending them",
            )
        return translator
