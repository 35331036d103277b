"""Clinical and intake events move the workflow; consent and merges travel to every consumer.

The note stays in the EHR. What moves is state: the CRM gets the workflow state (on the
contact, ``workflow_state``) and, where a person must act, a task in the right queue; the
portal gets the patient-visible status. The table below is the whole policy:

| event | CRM workflow state | portal status | CRM task (queue) |
|---|---|---|---|
| intake submitted | intake_submitted | Application received | |
| intake updated | intake_updated | | |
| provider assigned | provider_assigned | Ready to book your first visit | |
| note signed | note_signed | | |
| decision: approved | approved | In care | |
| decision: denied | denied | Program complete | denial follow-up (care_coordinator) |
| decision: more information | more_information_needed | Application received | request info |
| decision: refill pending | refill_pending | | |
| decision: follow-up required | follow_up_required | | schedule follow-up (care_coordinator) |
| prescription sent | prescription_sent | In care | |
| refill requested | refill_requested | | with missing inputs: complete refill (care_coordinator) |

The workflow only moves forward. Each resource type reaches the engine on its own subscription,
with no order between them ("note signed" may arrive after "approved"), so each person's
position is kept: ``(when it happened at the source, the state's RANK)``. An event whose position
is below the person's current one changes neither the CRM workflow state nor the portal status
(its task, if any, is still created): the item ends REJECTED (or APPLIED when it made a task),
its detail naming the kept state. Equal positions move (a redelivery re-plans the same effects).
Ranks are tiers, not a line: a "more information needed" decision sends Ana back to intake, so
it ranks with intake, and the intake update that answers it may follow.

Consent changes become the CRM contact's local flag for (purpose, channel), so the CRM's own
campaign automation honors a revocation; a merge in a source system is carried to the CRM as the
retired contact pointing at the survivor.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from splitbrain.engine.service_layer.sync.fanout import effect
from splitbrain.engine.service_layer.sync.inbound import (
    ConsentChanged,
    RecordsMerged,
    WorkflowEvent,
    WorkflowKind,
)
from splitbrain.engine.service_layer.sync.model import OutboxEffect
from splitbrain.engine.service_layer.sync.ports import SyncStore

W = WorkflowKind
CARE_QUEUE: Final = "care_coordinator"


@dataclass(frozen=True, slots=True)
class Step:
    crm_state: str
    portal_status: str | None = None
    task: str | None = None


WORKFLOW: Final[Mapping[WorkflowKind, Step]] = {
    W.INTAKE_SUBMITTED: Step("intake_submitted", "Application received"),
    W.INTAKE_UPDATED: Step("intake_updated"),
    W.PROVIDER_ASSIGNED: Step("provider_assigned", "Ready to book your first visit"),
    W.NOTE_SIGNED: Step("note_signed"),
    W.DECISION_APPROVED: Step("approved", "In care"),
    W.DECISION_DENIED: Step("denied", "Program complete", "Follow up on a denied application"),
    W.DECISION_MORE_INFO: Step(
        "more_information_needed", "Application received", "Request the missing information"
    ),
    W.DECISION_REFILL_PENDING: Step("refill_pending"),
    W.DECISION_FOLLOW_UP: Step("follow_up_required", None, "Schedule the follow-up visit"),
    W.PRESCRIPTION_SENT: Step("prescription_sent", "In care"),
    W.REFILL_REQUESTED: Step("refill_requested"),
}
TASK_SLA_MINUTES: Final = 240
RANK: Final[Mapping[str, int]] = {
    "intake_submitted": 1, "intake_updated": 1, "more_information_needed": 1,
    "provider_assigned": 1,
    "note_signed": 2,
    "approved": 3, "denied": 3, "follow_up_required": 3,
    "prescription_sent": 4, "refill_requested": 4, "refill_pending": 4,
}  # fmt: skip
"""Each CRM workflow state's tier: a state never gives way to one of a lower tier."""
POSITION_FIELD: Final = "workflow_state"
"""The person's position is kept as the CRM replica of this field (versions only go up)."""
_TIERS: Final = 8


def position(event: WorkflowEvent) -> int:
    """Where ``event`` puts the person: its source time (microseconds), then its state's rank."""
    micros = int(event.occurred_at.timestamp() * 1_000_000)
    return micros * _TIERS + RANK[WORKFLOW[event.kind].crm_state]


@dataclass(frozen=True, slots=True)
class Progress:
    """What one workflow event does: its effects, and whether it moved the person's state."""

    effects: list[OutboxEffect]
    moved: bool
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class WorkflowPlanner:
    def advance(
        self, event_id: str, person: str, event: WorkflowEvent, store: SyncStore
    ) -> Progress:
        """Plan ``event`` if it does not put ``person`` behind her current position (kept in
        ``store``); else only its task, and say which state was kept."""
        here = position(event)
        current = store.replica("crm", person, POSITION_FIELD)
        if current is None or here >= current:
            store.set_replica("crm", person, POSITION_FIELD, here)
            return Progress(self.plan(event_id, person, event), moved=True)
        task = [e for e in self.plan(event_id, person, event) if e.effect_id.endswith(">task")]
        detail = (
            f"workflow: {WORKFLOW[event.kind].crm_state} is behind the person's current state "
            f"({_tier(current)}); kept it"
        )
        return Progress(task, moved=False, detail=detail)

    def plan(self, event_id: str, person: str, event: WorkflowEvent) -> list[OutboxEffect]:
        now = event.occurred_at
        step = WORKFLOW[event.kind]
        effects = [
            effect(
                event_id, f"{event_id}>crm>workflow", "crm",
                {"op": "workflow", "person": person, "state": step.crm_state,
                 "reference": event.reference},
                ordering=f"crm:{person}", now=now,
            )
        ]  # fmt: skip
        if step.portal_status is not None:
            effects.append(
                effect(
                    event_id, f"{event_id}>portal>status", "portal",
                    {"op": "status", "person": person, "status": step.portal_status},
                    ordering=f"portal:{person}", now=now,
                )
            )  # fmt: skip
        subject = step.task
        if event.kind is W.REFILL_REQUESTED and event.missing:
            subject = f"Complete the refill request: missing {', '.join(event.missing)}"
        if subject is not None:
            effects.append(
                _task(
                    event_id,
                    person,
                    subject,
                    kind=event.kind.value,
                    reference=event.reference,
                    now=now,
                )
            )
        return effects

    def consent(
        self, event_id: str, person: str, change: ConsentChanged, *, now: datetime
    ) -> list[OutboxEffect]:
        body = {
            "op": "consent", "person": person, "purpose": change.purpose,
            "channel": change.channel, "allowed": change.granted,
        }  # fmt: skip
        return [effect(event_id, f"{event_id}>crm>consent", "crm", body,
                       ordering=f"crm:{person}", now=now)]  # fmt: skip

    def merged(self, event_id: str, survivor: str, merge: RecordsMerged) -> list[OutboxEffect]:
        body = {"op": "link", "person": survivor, "system": merge.system,
                "survivor": merge.survivor, "retired": merge.retired}  # fmt: skip
        return [effect(event_id, f"{event_id}>crm>link", "crm", body,
                       ordering=f"crm:{survivor}", now=merge.occurred_at)]  # fmt: skip


def _tier(stored: int) -> str:
    """The tier of a stored position, named by its states (for the item's detail)."""
    tier = stored % _TIERS
    return "/".join(sorted(state for state, rank in RANK.items() if rank == tier))


def _task(
    event_id: str, person: str, subject: str, *, kind: str, reference: str, now: datetime
) -> OutboxEffect:
    body = {
        "op": "task", "person": person, "queue": CARE_QUEUE, "subject": subject, "kind": kind,
        "reference": reference, "sla_minutes": TASK_SLA_MINUTES,
    }  # fmt: skip
    return effect(event_id, f"{event_id}>crm>task", "crm", body, ordering="crm:tasks", now=now)
