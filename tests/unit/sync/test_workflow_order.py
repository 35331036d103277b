"""The workflow only moves forward: a clinical event that arrives late never sets it back.

Each EHR resource type reaches the engine on its own subscription, so "note signed" may arrive
after "approved". The person's position is (source time, state rank); an event behind it is
recorded (REJECTED, its detail naming why) and changes neither the CRM workflow state nor the
portal status.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from splitbrain.engine.adapters.sync_memory import InMemorySyncStore
from splitbrain.engine.bootstrap import bootstrap_service
from splitbrain.engine.entrypoints.service import EngineService
from splitbrain.engine.service_layer.clock import FixedClock
from splitbrain.engine.service_layer.sync.inbound import SourceRecord, WorkflowEvent, WorkflowKind
from splitbrain.engine.service_layer.sync.model import InboxState, OutboxEffect
from splitbrain.engine.service_layer.sync.workflow import RANK, WORKFLOW, WorkflowPlanner
from splitbrain.harness.paths import default_matrix

AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
W = WorkflowKind
PERSON = "person-1"


def _event(kind: WorkflowKind, at: datetime = AT, ref: str = "Task/1") -> WorkflowEvent:
    return WorkflowEvent(SourceRecord("ehr", "Patient/1", None), kind, ref, "Practitioner/p1",
                         "provider", at)  # fmt: skip


def _ops(effects: list[OutboxEffect]) -> list[tuple[str, str]]:
    out = []
    for effect in effects:
        body = json.loads(effect.body or b"{}")
        out.append((body["op"], str(body.get("state") or body.get("status") or body["subject"])))
    return out


def test_every_workflow_state_has_a_rank() -> None:
    assert {step.crm_state for step in WORKFLOW.values()} == set(RANK)


def test_note_signed_arriving_after_approval_keeps_approved() -> None:
    store, planner = InMemorySyncStore(), WorkflowPlanner()
    approved = planner.advance("e:approved", PERSON, _event(W.DECISION_APPROVED), store)

    late = planner.advance(
        "e:note", PERSON, _event(W.NOTE_SIGNED, ref="DocumentReference/2"), store
    )

    assert approved.moved and _ops(approved.effects) == [("workflow", "approved"),
                                                          ("status", "In care")]  # fmt: skip
    assert not late.moved and late.effects == []
    assert late.detail is not None and "note_signed is behind" in late.detail


def test_approval_after_the_note_moves_the_workflow_on() -> None:
    store, planner = InMemorySyncStore(), WorkflowPlanner()
    planner.advance("e:note", PERSON, _event(W.NOTE_SIGNED), store)

    approved = planner.advance("e:approved", PERSON, _event(W.DECISION_APPROVED), store)

    assert approved.moved and ("workflow", "approved") in _ops(approved.effects)


def test_a_later_source_time_moves_the_workflow_whatever_the_rank() -> None:
    store, planner = InMemorySyncStore(), WorkflowPlanner()
    planner.advance("e:approved", PERSON, _event(W.DECISION_APPROVED), store)

    later = planner.advance(
        "e:note2", PERSON, _event(W.NOTE_SIGNED, AT + timedelta(minutes=5)), store
    )

    assert later.moved and _ops(later.effects) == [("workflow", "note_signed")]


def test_an_earlier_source_time_never_moves_it_back_even_at_a_higher_rank() -> None:
    store, planner = InMemorySyncStore(), WorkflowPlanner()
    planner.advance("e:rx", PERSON, _event(W.PRESCRIPTION_SENT, AT + timedelta(minutes=5)), store)

    old = planner.advance("e:approved", PERSON, _event(W.DECISION_APPROVED), store)

    assert not old.moved and old.effects == []


def test_the_more_information_loop_moves_forward_at_one_instant() -> None:
    store, planner = InMemorySyncStore(), WorkflowPlanner()
    path = [W.INTAKE_SUBMITTED, W.DECISION_MORE_INFO, W.INTAKE_UPDATED, W.NOTE_SIGNED,
            W.DECISION_APPROVED]  # fmt: skip

    moved = [planner.advance(f"e:{k}", PERSON, _event(k), store).moved for k in path]

    assert moved == [True] * len(path)


def test_a_late_decision_still_asks_a_person_to_act_but_keeps_the_state() -> None:
    store, planner = InMemorySyncStore(), WorkflowPlanner()
    planner.advance("e:rx", PERSON, _event(W.PRESCRIPTION_SENT), store)

    late = planner.advance("e:more", PERSON, _event(W.DECISION_MORE_INFO), store)

    assert not late.moved
    assert _ops(late.effects) == [("task", "Request the missing information")]


def test_a_redelivered_event_replans_the_same_effects() -> None:
    store, planner = InMemorySyncStore(), WorkflowPlanner()
    first = planner.advance("e:approved", PERSON, _event(W.DECISION_APPROVED), store)

    again = planner.advance("e:approved", PERSON, _event(W.DECISION_APPROVED), store)

    assert again.moved and [e.effect_id for e in again.effects] == [
        e.effect_id for e in first.effects
    ]


# -- through the worker ------------------------------------------------------------------------
@pytest.fixture
def service() -> Iterator[EngineService]:
    built = bootstrap_service(matrix=default_matrix(), store="memory", endpoints={},
                              clock=FixedClock(AT))  # fmt: skip
    yield built
    built.close()


def _notify(service: EngineService, resource: dict[str, object]) -> str:
    resource["meta"] = {"versionId": "1", "lastUpdated": AT.isoformat()}
    event_id, _new = service.receive("ehr", "fhir-subscription", json.dumps(resource).encode())
    return event_id


def test_the_worker_rejects_a_note_that_arrives_after_the_approval(service: EngineService) -> None:
    subject = {"reference": "Patient/1"}
    _notify(service, {"resourceType": "Patient", "id": "1", "birthDate": "1984-02-29"})
    service.worker.run_once()  # the engine has seen Ana's chart
    approved = _notify(service, {
        "resourceType": "Task", "id": "7", "status": "completed", "intent": "order", "for": subject,
        "code": {"coding": [{"system": "urn:splitbrain:clinical-decision", "code": "approved"}]},
    })  # fmt: skip
    note = _notify(service, {"resourceType": "DocumentReference", "id": "8",
                             "status": "current", "subject": subject})  # fmt: skip

    service.worker.run_once()

    late = service.store.inbox_item(note)
    assert late is not None and late.state is InboxState.REJECTED
    assert late.detail is not None and "kept it" in late.detail
    assert service.store.outbox(event_id=note) == []
    planned = [json.loads(e.body or b"{}") for e in service.store.outbox(event_id=approved)]
    assert [(b["op"], b.get("state") or b.get("status")) for b in planned] == [
        ("workflow", "approved"), ("status", "In care"),
    ]  # fmt: skip
