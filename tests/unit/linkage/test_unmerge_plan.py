"""Unmerge as a pure plan: exact restore, re-attribution by source record, clear refusals."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from splitbrain.engine.domain.identity.record import RecordKey
from splitbrain.engine.domain.linkage.errors import InvalidAttribution
from splitbrain.engine.domain.linkage.links import Link, LinkResult, LinkSource
from splitbrain.engine.domain.linkage.merge import MergeReason, MergeRecord, plan_merge
from splitbrain.engine.domain.linkage.unmerge import (
    CurrentState,
    TrackedWrite,
    UnmergePlan,
    UnmergeRefusal,
    UnmergeRefused,
    plan_unmerge,
)
from splitbrain.engine.domain.write import FieldState
from tests.unit.linkage.test_merge_plan import LATER, RETIRED, SURVIVOR, state

UNDO = datetime(2026, 1, 7, 9, 0, tzinfo=UTC)
C1, C2, C9 = RecordKey("crm", "c-1"), RecordKey("crm", "c-2"), RecordKey("crm", "c-9")


def _merged() -> tuple[MergeRecord, CurrentState]:
    plan = plan_merge("mrg_1", SURVIVOR, RETIRED, actor="usr_3", role="merge_owner",
                      reason=MergeReason.DUPLICATE_INTAKE, at=LATER)  # fmt: skip
    links: dict[RecordKey, Link | None] = {li.record: li for li in SURVIVOR.links}
    links.update({li.record: li for li in plan.links})
    now = CurrentState(
        survivor_fields=tuple(sorted((*SURVIVOR.fields, *plan.fills), key=lambda s: s.field)),
        retired_fields=RETIRED.fields,
        links=links,
    )
    return plan.record, now


def _undo(
    record: MergeRecord,
    now: CurrentState,
    writes: list[TrackedWrite],
    *,
    role: str = "merge_owner",
    reason: str | None = "wrong_merge",
    attribute: dict[RecordKey, str] | None = None,
) -> UnmergePlan | UnmergeRefused:
    return plan_unmerge(record, actor="usr_3", role=role, reason=reason, at=UNDO, now=now,
                        writes=writes, attribute=attribute)  # fmt: skip


def _apply(
    fields: tuple[FieldState, ...], changes: tuple[FieldState, ...], person: str
) -> dict[str, FieldState]:
    result = {s.field: s for s in fields}
    result.update({s.field: s for s in changes if s.person == person})
    return {name: s for name, s in result.items() if s.version > 0}


def test_an_immediate_unmerge_restores_both_persons_exactly() -> None:
    record, now = _merged()

    plan = _undo(record, now, [])

    assert isinstance(plan, UnmergePlan)
    assert _apply(now.survivor_fields, plan.fields, "per_1") == {
        s.field: s for s in SURVIVOR.fields
    }
    assert _apply(now.retired_fields, plan.fields, "per_2") == {s.field: s for s in RETIRED.fields}
    assert plan.persons == (SURVIVOR.person, RETIRED.person)
    assert {li.record: li for li in plan.links} == {li.record: li for li in RETIRED.links}
    assert not plan.record.active


def test_a_write_made_after_the_merge_by_a_retired_record_goes_back_with_that_person() -> None:
    record, now = _merged()
    written = state("per_1", "legal_name", "Ana C", 4)  # by c-2, a record of per_2
    now = replace(now, survivor_fields=tuple(
        written if s.field == "legal_name" else s for s in now.survivor_fields))  # fmt: skip

    plan = _undo(record, now, [TrackedWrite("mrg_1", C2, written)])

    assert isinstance(plan, UnmergePlan)
    assert _apply(now.retired_fields, plan.fields, "per_2")["legal_name"] == replace(
        written, person="per_2"
    )
    assert _apply(now.survivor_fields, plan.fields, "per_1")["legal_name"] == SURVIVOR.fields[0]
    assert plan.event.reattributed == (("legal_name", "crm/c-2", "per_2"),)


def test_a_write_made_after_the_merge_by_the_survivors_record_stays_with_the_survivor() -> None:
    record, now = _merged()
    written = state("per_1", "legal_name", "Ana D", 4)

    plan = _undo(record, now, [TrackedWrite("mrg_1", C1, written)])

    assert isinstance(plan, UnmergePlan)
    assert _apply(now.survivor_fields, plan.fields, "per_1")["legal_name"] == written


def test_a_write_by_a_record_of_neither_person_refuses_the_unmerge_naming_field_and_record() -> (
    None
):
    record, now = _merged()
    written = state("per_1", "lead_source", "phone", 3)

    refused = _undo(record, now, [TrackedWrite("mrg_1", C9, written)])

    assert isinstance(refused, UnmergeRefused)
    assert refused.refusal is UnmergeRefusal.UNATTRIBUTABLE_WRITE
    assert refused.field == "lead_source" and refused.record == C9
    assert "'lead_source'" in refused.explanation and "crm/c-9" in refused.explanation
    assert "attribute=" in refused.explanation


def test_naming_the_owner_of_a_late_record_lets_the_unmerge_re_attribute_its_writes() -> None:
    record, now = _merged()
    late = Link(C9, "per_1", LinkResult.MATCHED, LinkSource.AUTOMATIC, LATER)
    now = replace(now, links={**now.links, C9: late})
    written = state("per_1", "lead_source", "phone", 3)

    plan = _undo(record, now, [TrackedWrite("mrg_1", C9, written)], attribute={C9: "per_2"})

    assert isinstance(plan, UnmergePlan)
    moved = [li for li in plan.links if li.record == C9]
    assert [(li.person, li.source) for li in moved] == [("per_2", LinkSource.MANUAL)]
    assert _apply(now.retired_fields, plan.fields, "per_2")["lead_source"].value == "phone"


def test_attributing_a_record_to_a_third_person_is_broken_input() -> None:
    record, now = _merged()

    with pytest.raises(InvalidAttribution, match="per_7"):
        _undo(record, now, [], attribute={C9: "per_7"})


def test_a_seed_after_the_merge_cannot_be_attributed() -> None:
    record, now = _merged()

    refused = _undo(
        record, now, [TrackedWrite("mrg_1", None, state("per_1", "lead_source", "x", 3))]
    )

    assert isinstance(refused, UnmergeRefused)
    assert "no source record" in refused.explanation


@pytest.mark.parametrize(
    ("kw", "refusal"),
    [
        ({"role": "growth_ops"}, UnmergeRefusal.NOT_MERGE_OWNER),
        ({"reason": None}, UnmergeRefusal.REASON_REQUIRED),
        ({"reason": "oops"}, UnmergeRefusal.UNKNOWN_REASON),
    ],
)
def test_an_unmerge_needs_the_merge_owner_and_a_reason_from_its_taxonomy(
    kw: dict[str, str | None], refusal: UnmergeRefusal
) -> None:
    record, now = _merged()

    refused = _undo(record, now, [], **kw)  # type: ignore[arg-type]

    assert isinstance(refused, UnmergeRefused) and refused.refusal is refusal


def test_an_undone_merge_cannot_be_undone_twice() -> None:
    record, now = _merged()

    refused = _undo(record.undone(UNDO), now, [])

    assert isinstance(refused, UnmergeRefused)
    assert refused.refusal is UnmergeRefusal.ALREADY_UNMERGED


def test_a_later_merge_of_either_person_must_be_undone_first() -> None:
    record, now = _merged()

    refused = _undo(record, replace(now, later_merge="mrg_2"), [])

    assert isinstance(refused, UnmergeRefused) and refused.refusal is UnmergeRefusal.LATER_MERGE
    assert "unmerge mrg_2 first" in refused.explanation


def test_a_record_relinked_elsewhere_since_the_merge_refuses_the_unmerge() -> None:
    record, now = _merged()
    moved = Link(C2, "per_5", LinkResult.MATCHED, LinkSource.MANUAL, LATER)

    refused = _undo(record, replace(now, links={**now.links, C2: moved}), [])

    assert isinstance(refused, UnmergeRefused)
    assert refused.refusal is UnmergeRefusal.RECORD_RELINKED and refused.record == C2
