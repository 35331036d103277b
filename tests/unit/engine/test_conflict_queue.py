"""The conflict queue: open, resolve by the escalation owner with a reason, escalate once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from splitbrain.engine.domain.conflicts import (
    ConflictItem,
    ConflictOverdue,
    ConflictResolved,
    ConflictStatus,
    escalate_overdue,
    mean_time_to_resolution,
    open_item,
    queue_age,
    resolve,
)
from splitbrain.engine.domain.decide import decide
from splitbrain.engine.domain.decisions import ConflictEscalated
from splitbrain.engine.domain.errors import (
    ConflictAlreadyResolved,
    ConflictResolutionRefused,
    ResolutionReasonMissing,
    ResolverNotEscalationOwner,
    UnknownCompetingKey,
)
from splitbrain.engine.domain.policy import Policy, Provenance
from tests.unit.engine.builders import PERSON, T0, a_state, a_write, minutes

_SLA = timedelta(hours=2)


def _escalation(policy: Policy, key: str = "ehr:evt-2") -> ConflictEscalated:
    state = a_state("medication_plan", version=2, system="ehr", role="provider", key="ehr:evt-1")
    write = a_write(
        "medication_plan",
        system="ehr",
        role="provider",
        base=1,
        key=key,
        provenance=Provenance.PROVIDER_VERIFIED,
    )
    decision = decide(write, state, "in_care", policy, prior=None, now=T0)
    assert isinstance(decision, ConflictEscalated)
    return decision


@pytest.fixture
def item(policy: Policy) -> ConflictItem:
    return open_item(_escalation(policy), T0)


def test_open_item_names_person_field_competing_writes_rule_owner_and_due_time(
    policy: Policy,
) -> None:
    decision = _escalation(policy)

    item = open_item(decision, T0)

    assert item == ConflictItem(
        conflict_id=decision.conflict_id,
        person=PERSON,
        field="medication_plan",
        competing_keys=("ehr:evt-2", "ehr:evt-1"),
        rule="manual_review",
        escalation_owner="medical_lead",
        created_at=T0,
        due_at=T0 + _SLA,
    )
    assert item.status is ConflictStatus.OPEN


def test_escalation_owner_resolves_with_a_reason_and_a_chosen_write(item: ConflictItem) -> None:
    resolved, event = resolve(
        item,
        resolver="usr_ml",
        role="medical_lead",
        reason=" chart reviewed ",
        chosen_key="ehr:evt-1",
        now=minutes(30),
    )

    assert resolved.status is ConflictStatus.RESOLVED
    assert resolved.resolution is not None
    assert resolved.resolution.chosen_key == "ehr:evt-1"
    assert event == ConflictResolved(
        conflict_id=item.conflict_id,
        person=PERSON,
        field="medication_plan",
        escalation_owner="medical_lead",
        resolver="usr_ml",
        role="medical_lead",
        reason="chart reviewed",
        chosen_key="ehr:evt-1",
        resolved_at=minutes(30),
    )


def test_resolver_of_another_role_is_refused(item: ConflictItem) -> None:
    with pytest.raises(ResolverNotEscalationOwner, match="medical_lead"):
        resolve(item, resolver="u", role="clinical_ops", reason="r", chosen_key="ehr:evt-1", now=T0)


@pytest.mark.parametrize("reason", ["", "   "])
def test_resolution_without_a_reason_is_refused(item: ConflictItem, reason: str) -> None:
    with pytest.raises(ResolutionReasonMissing):
        resolve(
            item, resolver="u", role="medical_lead", reason=reason, chosen_key="ehr:evt-1", now=T0
        )


def test_choosing_a_write_that_is_not_competing_is_refused(item: ConflictItem) -> None:
    with pytest.raises(UnknownCompetingKey, match="ehr:evt-9"):
        resolve(item, resolver="u", role="medical_lead", reason="r", chosen_key="ehr:evt-9", now=T0)


def test_an_item_is_resolved_only_once(item: ConflictItem) -> None:
    resolved, _ = resolve(
        item, resolver="u", role="medical_lead", reason="r", chosen_key="ehr:evt-2", now=T0
    )

    with pytest.raises(ConflictAlreadyResolved):
        resolve(
            resolved, resolver="u", role="medical_lead", reason="r", chosen_key="ehr:evt-2", now=T0
        )


def test_refusals_share_one_base_class() -> None:
    for error in (
        ResolverNotEscalationOwner,
        ResolutionReasonMissing,
        UnknownCompetingKey,
        ConflictAlreadyResolved,
    ):
        assert issubclass(error, ConflictResolutionRefused)


def test_overdue_item_escalates_exactly_once(item: ConflictItem) -> None:
    past_due = item.due_at + timedelta(seconds=1)

    first = escalate_overdue([item], past_due)
    escalated = first[0][0]
    second = escalate_overdue([escalated], past_due + timedelta(hours=5))

    assert first == [
        (
            escalated,
            ConflictOverdue(
                conflict_id=item.conflict_id,
                person=PERSON,
                field="medication_plan",
                escalation_owner="medical_lead",
                due_at=item.due_at,
                escalated_at=past_due,
            ),
        )
    ]
    assert escalated.overdue_escalated_at == past_due
    assert second == []


def test_item_is_not_overdue_at_its_due_time(item: ConflictItem) -> None:
    assert escalate_overdue([item], item.due_at) == []


def test_resolved_item_never_escalates(item: ConflictItem) -> None:
    resolved, _ = resolve(
        item, resolver="u", role="medical_lead", reason="r", chosen_key="ehr:evt-2", now=T0
    )

    assert escalate_overdue([resolved], item.due_at + timedelta(days=3)) == []


def test_queue_age_is_the_wait_of_the_oldest_open_item(policy: Policy) -> None:
    older = open_item(_escalation(policy, "k-1"), T0)
    newer = open_item(_escalation(policy, "k-2"), minutes(30))
    oldest_but_resolved, _ = resolve(
        open_item(_escalation(policy, "k-3"), minutes(-90)),
        resolver="u",
        role="medical_lead",
        reason="r",
        chosen_key="k-3",
        now=minutes(1),
    )

    age = queue_age([newer, oldest_but_resolved, older], minutes(45))

    assert age == timedelta(minutes=45)


def test_empty_queue_has_no_age() -> None:
    assert queue_age([], T0) == timedelta(0)


def test_mean_time_to_resolution_averages_resolved_items_only(policy: Policy) -> None:
    items = [open_item(_escalation(policy, f"k-{n}"), T0) for n in range(3)]
    fast, _ = resolve(
        items[0], resolver="u", role="medical_lead", reason="r", chosen_key="k-0", now=minutes(10)
    )
    slow, _ = resolve(
        items[1], resolver="u", role="medical_lead", reason="r", chosen_key="k-1", now=minutes(50)
    )

    assert mean_time_to_resolution([fast, slow, items[2]]) == timedelta(minutes=30)
    assert mean_time_to_resolution([items[2]]) is None
