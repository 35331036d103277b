"""Handlers of the identity commands, and the write tracking that makes unmerge possible.

Each handler runs in the command's one unit of work, like every other (``messagebus``): the
persons, links, merge record, field changes and audit entries of one command commit together.
The identity index is the store's (``uow.identity.index``): on SQLite it shares the store's
connection and transaction; the in-memory index is not journaled, so a command rolled back
after it changed the index leaves the index ahead of the link table (``LinkTableOutOfStep``
names that). Index calls come last in each handler to keep that window small.

Registered in ``handlers``: ``IDENTITY_COMMAND_HANDLERS`` and ``identity_event_handlers(audit)``
(every identity event is audited), and ``track_merged_write`` / ``track_merged_seed`` after
every applied write and seed.

Example::

    bus.handle(RegisterRecord(record))   # [RecordRegistered(...), ReviewItemOpened(...)]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from splitbrain.engine.domain.decisions import FieldApplied
from splitbrain.engine.domain.identity.record import RecordKey
from splitbrain.engine.domain.linkage.errors import LinkTableOutOfStep, ReviewItemClosed
from splitbrain.engine.domain.linkage.events import IDENTITY_EVENTS
from splitbrain.engine.domain.linkage.persons import PersonStatus, PersonTag
from splitbrain.engine.domain.linkage.registration import Registration, plan_known, plan_new
from splitbrain.engine.domain.linkage.review import ReviewItemOpened, open_item, reject
from splitbrain.engine.domain.linkage.unmerge import TrackedWrite
from splitbrain.engine.service_layer.identity_commands import (
    AcceptReview,
    LinkRecord,
    MergePersons,
    RegisterRecord,
    RejectReview,
    UnlinkRecord,
    UnmergePersons,
)
from splitbrain.engine.service_layer.identity_linking import link_record, unlink_record
from splitbrain.engine.service_layer.identity_merging import merge, unmerge

if TYPE_CHECKING:
    from splitbrain.engine.service_layer.events import Event, FieldSeeded
    from splitbrain.engine.service_layer.handlers import Context

__all__ = [
    "IDENTITY_COMMAND_HANDLERS",
    "identity_event_handlers",
    "track_merged_seed",
    "track_merged_write",
]

Handler = Callable[[Any, "Context"], Sequence["Event"]]
NONE: Sequence[Event] = ()


# commands -----------------------------------------------------------------------------------


def register_record(command: RegisterRecord, ctx: Context) -> Sequence[Event]:
    record, ident = command.record, ctx.uow.identity
    index = ident.index
    current = ident.links.current(record.key)
    if index.get(record.key) is not None:
        # an update is re-filed below; with no link, it is the leftover of a registration that
        # rolled back after the (memory) index had filed it
        index.remove(record.key)
    if current is None:
        fresh = ident.persons.new_id()
        decision = index.match_and_insert(record, lambda: fresh)
        plan = plan_new(
            decision,
            new_person=fresh,
            at=ctx.now,
            resolve=ident.persons.resolve,
            pairs=ident.review,
        )
    else:
        decision = index.match(record)
        plan = plan_known(
            decision, current, at=ctx.now, resolve=ident.persons.resolve, pairs=ident.review
        )
        index.insert(record, plan.file_under)
    return _store_registration(plan, ctx)


def _store_registration(plan: Registration, ctx: Context) -> Sequence[Event]:
    ident, registered = ctx.uow.identity, plan.registered
    if plan.person is not None:
        ident.persons.put(plan.person)
    elif ident.persons.find(plan.file_under) is None:
        raise LinkTableOutOfStep(str(registered.record), plan.file_under)
    if plan.link is not None:
        ident.links.link(plan.link, ctx.now)
    for person in plan.flagged:
        ident.persons.put(ident.persons.get(person).tagged(PersonTag.POSSIBLE_DUPLICATE))
    opened: list[Event] = []
    for person, candidate in plan.review_pairs:
        item = open_item(
            ident.review.new_id(),
            person,
            candidate,
            record=registered.record,
            band=registered.band,
            match_grade=registered.match_grade,
            score=registered.score,
            at=ctx.now,
        )
        ident.review.put(item)
        opened.append(ReviewItemOpened(item))
    return [*plan.events, *opened]


def merge_persons(command: MergePersons, ctx: Context) -> Sequence[Event]:
    return merge(
        ctx,
        command.survivor,
        command.retired,
        actor=command.actor,
        role=command.role,
        reason=command.reason,
    )


def unmerge_persons(command: UnmergePersons, ctx: Context) -> Sequence[Event]:
    return unmerge(ctx, command)


def accept_review(command: AcceptReview, ctx: Context) -> Sequence[Event]:
    item = ctx.uow.identity.review.get(command.review_id)
    if not item.open:
        raise ReviewItemClosed(item.review_id, item.status.value)
    return merge(
        ctx,
        item.candidate,
        item.person,
        actor=command.actor,
        role=command.role,
        reason=command.reason,
        review=item,
    )


def reject_review(command: RejectReview, ctx: Context) -> Sequence[Event]:
    queue, persons = ctx.uow.identity.review, ctx.uow.identity.persons
    item = queue.get(command.review_id)
    if not item.open:
        raise ReviewItemClosed(item.review_id, item.status.value)
    result = reject(item, actor=command.actor, role=command.role, at=ctx.now)
    if not isinstance(result, tuple):
        return [result]
    done, event = result
    queue.put(done)
    queue.mark_not_duplicate(*item.pair, at=ctx.now, by=item.review_id)
    still_open = queue.list(open_only=True)
    for name in item.pair:
        person = persons.find(name)
        waiting = any(other.involves(name) for other in still_open)
        if person is not None and person.status is PersonStatus.PROVISIONAL and not waiting:
            persons.put(person.confirmed())
    return [event]


# events -------------------------------------------------------------------------------------


def track_merged_write(decision: FieldApplied, ctx: Context) -> Sequence[Event]:
    """Remember a write applied to a person of an active merge, for a later unmerge."""
    write = decision.write
    merges = ctx.uow.identity.merges
    merge_ids = merges.active_ids(write.person)
    if merge_ids:
        state = ctx.uow.fields.get(write.person, write.field)
        record = RecordKey(write.source_system, write.source_record)
        for merge_id in merge_ids:
            merges.track(TrackedWrite(merge_id, record, state))
    return NONE


def track_merged_seed(event: FieldSeeded, ctx: Context) -> Sequence[Event]:
    """A seed comes from no source record: an unmerge cannot re-attribute it."""
    merges = ctx.uow.identity.merges
    for merge_id in merges.active_ids(event.state.person):
        merges.track(TrackedWrite(merge_id, None, event.state))
    return NONE


# the tables ---------------------------------------------------------------------------------

IDENTITY_COMMAND_HANDLERS: Mapping[type, Handler] = {
    RegisterRecord: register_record,
    MergePersons: merge_persons,
    UnmergePersons: unmerge_persons,
    AcceptReview: accept_review,
    RejectReview: reject_review,
    LinkRecord: link_record,
    UnlinkRecord: unlink_record,
}


def identity_event_handlers(audit: Handler) -> dict[type, Sequence[Handler]]:
    """Every identity event goes to ``audit`` (the state changes happen in the commands)."""
    return {kind: [audit] for kind in IDENTITY_EVENTS}
