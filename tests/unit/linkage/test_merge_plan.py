"""Merging two persons, as a pure plan: who may, why, and what changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from splitbrain.engine.domain.identity.record import RecordKey
from splitbrain.engine.domain.linkage.links import Link, LinkResult, LinkSource
from splitbrain.engine.domain.linkage.merge import (
    MergePlan,
    MergeReason,
    MergeRefusal,
    check_merge,
    plan_merge,
    refusal_explanation,
)
from splitbrain.engine.domain.linkage.persons import Person, PersonStatus
from splitbrain.engine.domain.linkage.snapshot import PersonSnapshot, snapshot
from splitbrain.engine.domain.policy import Provenance
from splitbrain.engine.domain.write import FieldState

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 1, 6, 9, 0, tzinfo=UTC)


def state(person: str, field: str, value: str, version: int) -> FieldState:
    return FieldState(person, field, value, version, Provenance.USER_ENTERED, "crm", "growth_ops",
                      T0, f"crm:{person}:{field}:{version}")  # fmt: skip


def person_snapshot(person: str, records: list[str], fields: list[FieldState]) -> PersonSnapshot:
    links = [
        Link(RecordKey("crm", r), person, LinkResult.CREATED, LinkSource.AUTOMATIC, T0)
        for r in records
    ]
    return snapshot(Person(person, PersonStatus.ACTIVE, T0), links, fields)


SURVIVOR = person_snapshot("per_1", ["c-1"], [state("per_1", "legal_name", "Ana A", 3)])
RETIRED = person_snapshot(
    "per_2",
    ["c-2", "c-3"],
    [state("per_2", "legal_name", "Ana B", 5), state("per_2", "lead_source", "web", 2)],
)


@pytest.mark.parametrize(
    ("role", "reason", "refusal"),
    [
        ("growth_ops", "duplicate_intake", MergeRefusal.NOT_MERGE_OWNER),
        ("merge_owner", None, MergeRefusal.REASON_REQUIRED),
        ("merge_owner", "  ", MergeRefusal.REASON_REQUIRED),
        ("merge_owner", "looked similar", MergeRefusal.UNKNOWN_REASON),
    ],
)
def test_a_merge_needs_the_merge_owner_role_and_a_reason_from_the_taxonomy(
    role: str, reason: str | None, refusal: MergeRefusal
) -> None:
    assert check_merge("per_1", "per_2", role=role, reason=reason) is refusal


def test_two_ids_of_one_person_cannot_be_merged_again() -> None:
    refusal = check_merge("per_1", "per_1", role="merge_owner", reason="duplicate_intake")

    assert refusal is MergeRefusal.ALREADY_MERGED


def test_a_valid_merge_returns_its_reason_from_the_taxonomy() -> None:
    checked = check_merge("per_1", "per_2", role="merge_owner", reason="crm_import_duplicate")

    assert checked is MergeReason.CRM_IMPORT_DUPLICATE


def test_the_refusal_explains_the_rule_and_lists_the_taxonomy_without_the_reason_text() -> None:
    text = refusal_explanation(MergeRefusal.UNKNOWN_REASON, "per_1", "per_2", "merge_owner")

    assert "per_2 into per_1" in text
    assert "duplicate_intake" in text and "test_record_cleanup" in text


def _plan() -> MergePlan:
    return plan_merge("mrg_1", SURVIVOR, RETIRED, actor="usr_3", role="merge_owner",
                      reason=MergeReason.DUPLICATE_INTAKE, at=LATER)  # fmt: skip


def test_the_retired_person_redirects_to_the_survivor() -> None:
    plan = _plan()

    assert plan.retired.status is PersonStatus.RETIRED
    assert plan.retired.merged_into == "per_1"
    assert plan.survivor.status is PersonStatus.ACTIVE


def test_the_retired_persons_records_are_linked_to_the_survivor_by_hand() -> None:
    plan = _plan()

    assert [(str(li.record), li.person, li.result, li.source, li.via) for li in plan.links] == [
        ("crm/c-2", "per_1", LinkResult.MERGED, LinkSource.MANUAL, "mrg_1"),
        ("crm/c-3", "per_1", LinkResult.MERGED, LinkSource.MANUAL, "mrg_1"),
    ]


def test_the_survivor_keeps_its_own_fields_and_takes_only_the_ones_it_lacks() -> None:
    plan = _plan()

    assert plan.fills == (
        FieldState("per_1", "lead_source", "web", 2, Provenance.USER_ENTERED, "crm",
                   "growth_ops", T0, "crm:per_2:lead_source:2"),
    )  # fmt: skip
    assert plan.event.filled_fields == ("lead_source",)


def test_the_merge_event_carries_snapshots_by_reference_and_no_value() -> None:
    event = _plan().event

    assert event.before[1].fields == (
        ("lead_source", 2, "crm:per_2:lead_source:2"),
        ("legal_name", 5, "crm:per_2:legal_name:5"),
    )
    assert [f for f in event.after.fields] == [
        ("lead_source", 2, "crm:per_2:lead_source:2"),
        ("legal_name", 3, "crm:per_1:legal_name:3"),
    ]
    assert "Ana" not in repr(event)


def test_the_merge_record_keeps_both_before_snapshots_for_the_unmerge() -> None:
    record = _plan().record

    assert record.survivor == SURVIVOR and record.retired == RETIRED
    assert record.active
