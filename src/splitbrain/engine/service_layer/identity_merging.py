"""Merge and unmerge inside a command: read the snapshots, run the pure plan, store it.

Both persons' fields are read from the field-state store for every row of the policy (a person
can hold no other field), their links from the link table; the plan comes from
``domain.linkage.merge`` / ``unmerge``; the index follows the links.

Example::

    merge(ctx, "per_000001", "per_000002", actor="usr_3", role="merge_owner",
          reason="duplicate_intake")                 # [PersonsMerged(...)] or [MergeRefused]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from splitbrain.engine.domain.linkage.merge import (
    MergeRecord,
    MergeRefusal,
    MergeRefused,
    check_merge,
    plan_merge,
    refusal_explanation,
)
from splitbrain.engine.domain.linkage.review import ReviewItem, accepted, retarget
from splitbrain.engine.domain.linkage.snapshot import PersonSnapshot, snapshot
from splitbrain.engine.domain.linkage.unmerge import CurrentState, UnmergeRefused, plan_unmerge
from splitbrain.engine.domain.write import FieldState
from splitbrain.engine.service_layer.events import Event
from splitbrain.engine.service_layer.identity_commands import UnmergePersons

if TYPE_CHECKING:
    from splitbrain.engine.service_layer.handlers import Context

__all__ = ["merge", "person_snapshot", "unmerge"]


def merge(
    ctx: Context,
    survivor: str,
    retired: str,
    *,
    actor: str,
    role: str,
    reason: str | None,
    review: ReviewItem | None = None,
) -> Sequence[Event]:
    """Merge ``retired`` into ``survivor`` (both resolved first), or refuse."""
    ident = ctx.uow.identity
    keep, gone = ident.persons.resolve(survivor), ident.persons.resolve(retired)
    for person in (keep, gone):
        ident.persons.get(person)  # raises UnknownPerson for an id never registered
    review_id = None if review is None else review.review_id
    checked = check_merge(keep, gone, role=role, reason=reason)
    if isinstance(checked, MergeRefusal):
        why = refusal_explanation(checked, keep, gone, role)
        return [MergeRefused(keep, gone, actor, role, checked, why, ctx.now, review_id)]
    merge_id = ident.merges.new_id()
    plan = plan_merge(
        merge_id,
        person_snapshot(ctx, keep),
        person_snapshot(ctx, gone),
        actor=actor,
        role=role,
        reason=checked,
        at=ctx.now,
        review_id=review_id,
        match_grade=None if review is None else review.match_grade,
    )
    ident.merges.put(plan.record)
    ident.persons.put(plan.survivor)
    ident.persons.put(plan.retired)
    for state in plan.fills:
        ctx.uow.fields.put(state)
    for link in plan.links:
        ident.links.link(link, ctx.now)
    _close_reviews(ctx, plan.record, review)
    for link in plan.links:
        ident.index.move(link.record, keep)
    return [plan.event]


def _close_reviews(ctx: Context, record: MergeRecord, review: ReviewItem | None) -> None:
    queue = ctx.uow.identity.review
    if review is not None:
        queue.put(
            accepted(
                review, merge_id=record.merge_id, actor=record.actor, role=record.role, at=ctx.now
            )
        )
    survivor, retired = record.persons
    for item in retarget(
        queue.list(open_only=True),
        retired=retired,
        survivor=survivor,
        merge_id=record.merge_id,
        at=ctx.now,
        rejected=queue.rejected,
    ):
        queue.put(item)


def unmerge(ctx: Context, command: UnmergePersons) -> Sequence[Event]:
    """Undo a merge exactly, re-attributing later writes by source record, or refuse."""
    ident = ctx.uow.identity
    record = ident.merges.get(command.merge_id)
    survivor, retired = record.persons
    attribute = dict(command.attribute)
    records = record.survivor.records() | record.retired.records() | set(attribute)
    now = CurrentState(
        survivor_fields=_written(ctx, survivor),
        retired_fields=_written(ctx, retired),
        links={key: ident.links.current(key) for key in records},
        later_merge=_later_merge(ctx, record),
    )
    result = plan_unmerge(
        record,
        actor=command.actor,
        role=command.role,
        reason=command.reason,
        at=ctx.now,
        now=now,
        writes=ident.merges.tracked(record.merge_id),
        attribute=attribute,
    )
    if isinstance(result, UnmergeRefused):
        return [result]
    ident.merges.put(result.record)
    for person in result.persons:
        ident.persons.put(person)
    for state in result.fields:
        ctx.uow.fields.put(state)
    for link in result.links:
        ident.links.link(link, ctx.now)
    ident.review.mark_not_duplicate(survivor, retired, at=ctx.now, by=record.merge_id)
    for link in result.links:
        ident.index.move(link.record, link.person)
    return [result.event]


def person_snapshot(ctx: Context, person: str) -> PersonSnapshot:
    """``person`` now: its row, its current links and its written fields."""
    ident = ctx.uow.identity
    return snapshot(
        ident.persons.get(person), ident.links.of_person(person), list(_written(ctx, person))
    )


def _written(ctx: Context, person: str) -> tuple[FieldState, ...]:
    states = (ctx.uow.fields.get(person, name) for name in ctx.policy.fields)
    return tuple(state for state in states if state.version > 0)


def _later_merge(ctx: Context, record: MergeRecord) -> str | None:
    merges = ctx.uow.identity.merges
    order = (record.merged_at, record.merge_id)
    for person in record.persons:
        for merge_id in merges.active_ids(person):
            other = merges.get(merge_id)
            if merge_id != record.merge_id and (other.merged_at, other.merge_id) > order:
                return merge_id
    return None
