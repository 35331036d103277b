"""A steward's manual link and unlink, and the routing of writes through merge redirects.

``link_record`` and ``unlink_record`` are the handlers of ``LinkRecord`` and ``UnlinkRecord``:
read the record's current link and the persons, run the pure check (``domain.linkage.manual``),
store the manual link, then move the record in the identity index (index calls last, as in the
other identity handlers). ``routed_write`` is what ``IngestWrite`` calls before deciding: a
write addressed to a retired person is decided for the survivor it redirects to.

Example::

    link_record(LinkRecord(RecordKey("crm", "c-81"), "per_000001", actor="usr_3",
                           role="merge_owner", reason="misfiled_record"), ctx)
    # [RecordLinked(...)] or [LinkRefused(...)]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from splitbrain.engine.domain.decisions import Decision
from splitbrain.engine.domain.identity.record import RecordKey
from splitbrain.engine.domain.linkage.errors import LinkTargetInvalid, UnknownRecord
from splitbrain.engine.domain.linkage.links import Link, LinkResult
from splitbrain.engine.domain.linkage.manual import (
    LinkRefused,
    RecordLinked,
    RecordUnlinked,
    check_link,
    check_unlink,
    manual_link,
)
from splitbrain.engine.domain.linkage.persons import Person, PersonStatus
from splitbrain.engine.domain.linkage.routing import WriteRedirected, route_write
from splitbrain.engine.domain.write import Write
from splitbrain.engine.service_layer.identity_commands import LinkRecord, UnlinkRecord

if TYPE_CHECKING:
    from splitbrain.engine.service_layer.events import Event
    from splitbrain.engine.service_layer.handlers import Context

__all__ = ["link_record", "routed_write", "unlink_record"]


def routed_write(
    write: Write, prior: Decision | None, ctx: Context
) -> tuple[Write, WriteRedirected | None]:
    """``write`` addressed to the live person its addressee stands for (see ``routing``)."""
    first = None if prior is None else prior.write
    return route_write(write, first, ctx.uow.identity.persons.resolve, at=ctx.now)


def link_record(command: LinkRecord, ctx: Context) -> Sequence[Event]:
    ident = ctx.uow.identity
    current = _current(ctx, command.record)
    person = ident.persons.resolve(current.person)
    target = ident.persons.resolve(_target(command, ctx))
    ident.persons.get(target)  # raises UnknownPerson for an id never registered
    sole = len(ident.links.of_person(person)) == 1
    checked = check_link(
        command.record,
        person,
        target,
        role=command.role,
        reason=command.reason,
        marked=ident.review.rejected(person, target),
        sole_with_fields=sole and _has_fields(ctx, person),
    )
    if isinstance(checked, tuple):
        refusal, why = checked
        return [LinkRefused("link", command.record, person, target, command.actor,
                            command.role, refusal, why, ctx.now)]  # fmt: skip
    link = manual_link(command.record, target, LinkResult.LINKED_BY_HAND, ctx.now)
    ident.links.link(link, ctx.now)
    ident.index.move(command.record, target)
    event = RecordLinked(
        command.record, target, person, command.actor, command.role, checked, link, ctx.now
    )
    return [event]


def unlink_record(command: UnlinkRecord, ctx: Context) -> Sequence[Event]:
    ident = ctx.uow.identity
    current = _current(ctx, command.record)
    person = ident.persons.resolve(current.person)
    sole = len(ident.links.of_person(person)) == 1
    checked = check_unlink(
        command.record, person, role=command.role, reason=command.reason, sole=sole
    )
    if isinstance(checked, tuple):
        refusal, why = checked
        return [LinkRefused("unlink", command.record, person, None, command.actor,
                            command.role, refusal, why, ctx.now)]  # fmt: skip
    fresh = ident.persons.new_id()
    ident.persons.put(Person(fresh, PersonStatus.ACTIVE, ctx.now))
    link = manual_link(command.record, fresh, LinkResult.UNLINKED, ctx.now)
    ident.links.link(link, ctx.now)
    ident.index.move(command.record, fresh)
    event = RecordUnlinked(
        command.record, fresh, person, command.actor, command.role, checked, link, ctx.now
    )
    return [event]


def _current(ctx: Context, record: RecordKey) -> Link:
    link = ctx.uow.identity.links.current(record)
    if link is None:
        raise UnknownRecord(str(record))
    return link


def _target(command: LinkRecord, ctx: Context) -> str:
    if (command.person is None) == (command.to_record is None):
        raise LinkTargetInvalid(str(command.record))
    if command.person is not None:
        return command.person
    assert command.to_record is not None
    return _current(ctx, command.to_record).person


def _has_fields(ctx: Context, person: str) -> bool:
    fields = ctx.uow.fields
    return any(fields.get(person, name).version > 0 for name in ctx.policy.fields)
