"""Unmerge: put both persons back exactly as they were, and re-attribute what happened since.

While a merge is active, every write applied to either person is tracked with the source record
that made it (:class:`TrackedWrite`). The unmerge then rebuilds each person as

- its before snapshot (person row, links, fields), exactly;
- overlaid, field by field, with the state produced by the *last* tracked write whose source
  record belonged to that person at merge time (the state as the write produced it, moved to
  the person it is re-attributed to).

So a merge followed at once by an unmerge restores both persons exactly; a write made after
the merge by a record of the retired person goes back with that person.

Refused (``UnmergeRefused``, an outcome naming the field or record and the fix) when:
the actor is not merge_owner or gives no reason from the taxonomy; the merge was already undone;
a later merge still involves either person (undo that one first); a record of either person was
relinked elsewhere since; or a write since the merge came from a source record that belonged
to neither person (or from no record at all, e.g. a seed), so nobody can say whose it is.

Example::

    result = plan_unmerge(record, actor="usr_3", role="merge_owner", reason="wrong_merge",
                          at=now, now=current_state, writes=tracked)
    if isinstance(result, UnmergeRefused): print(result.explanation)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from splitbrain.engine.domain.identity.record import RecordKey
from splitbrain.engine.domain.linkage.errors import InvalidAttribution
from splitbrain.engine.domain.linkage.links import Link, LinkResult, LinkSource
from splitbrain.engine.domain.linkage.merge import MERGE_ROLE, MergeRecord
from splitbrain.engine.domain.linkage.persons import Person
from splitbrain.engine.domain.linkage.snapshot import PersonSnapshot
from splitbrain.engine.domain.write import FieldState

__all__ = [
    "CurrentState",
    "PersonsUnmerged",
    "TrackedWrite",
    "UnmergePlan",
    "UnmergeReason",
    "UnmergeRefusal",
    "UnmergeRefused",
    "plan_unmerge",
]


class UnmergeReason(StrEnum):
    WRONG_MERGE = "wrong_merge"
    DIFFERENT_PERSONS_CONFIRMED = "different_persons_confirmed"
    FAMILY_MEMBERS = "family_members"
    SHARED_CONTACT_DETAILS = "shared_contact_details"
    TEST_RECORD_CLEANUP = "test_record_cleanup"


class UnmergeRefusal(StrEnum):
    NOT_MERGE_OWNER = "not_merge_owner"
    REASON_REQUIRED = "reason_required"
    UNKNOWN_REASON = "unknown_reason"
    ALREADY_UNMERGED = "already_unmerged"
    LATER_MERGE = "later_merge"
    RECORD_RELINKED = "record_relinked"
    UNATTRIBUTABLE_WRITE = "unattributable_write"


@dataclass(frozen=True, slots=True)
class TrackedWrite:
    """A write applied to a person of an active merge, with the source record that made it."""

    merge_id: str
    record: RecordKey | None
    """None for a change that came from no source record (a seed)."""
    state: FieldState
    """The field state the write produced (its ``person`` is where it was applied)."""


@dataclass(frozen=True, slots=True)
class CurrentState:
    """What the unmerge starts from: both persons' fields now, and the current links of every
    record either person had at merge time (None when a record has no current link)."""

    survivor_fields: tuple[FieldState, ...]
    retired_fields: tuple[FieldState, ...]
    links: Mapping[RecordKey, Link | None]
    later_merge: str | None = None
    """The id of a later active merge involving either person, if any."""


@dataclass(frozen=True, slots=True)
class PersonsUnmerged:
    merge_id: str
    survivor: str
    retired: str
    actor: str
    role: str
    reason: UnmergeReason
    at: datetime
    reattributed: tuple[tuple[str, str, str], ...]
    """(field, source record key, person) for each field that took a write made since."""
    restored_fields: tuple[tuple[str, str], ...]
    """(person, field) for each field state the unmerge changed."""


@dataclass(frozen=True, slots=True)
class UnmergeRefused:
    merge_id: str
    actor: str
    role: str
    refusal: UnmergeRefusal
    explanation: str
    at: datetime
    field: str | None = None
    record: RecordKey | None = None


@dataclass(frozen=True, slots=True)
class UnmergePlan:
    record: MergeRecord
    persons: tuple[Person, Person]
    links: tuple[Link, ...]
    """Before links to reinstate (each supersedes the record's current link)."""
    fields: tuple[FieldState, ...]
    event: PersonsUnmerged


def plan_unmerge(
    merge: MergeRecord,
    *,
    actor: str,
    role: str,
    reason: str | None,
    at: datetime,
    now: CurrentState,
    writes: Sequence[TrackedWrite],
    attribute: Mapping[RecordKey, str] | None = None,
) -> UnmergePlan | UnmergeRefused:
    """Undo ``merge`` (see the module docstring), or say why it cannot be undone.

    ``attribute`` names the person (survivor or retired) of records that joined the survivor
    after the merge, so their writes can be re-attributed; a record given to the retired person
    is linked to it by hand.
    """
    owners = _owners(merge, attribute or {})
    checked = _check(
        merge, actor=actor, role=role, reason=reason, at=at, now=now, writes=writes, owners=owners
    )
    if isinstance(checked, UnmergeRefused):
        return checked
    last: dict[tuple[str, str], tuple[RecordKey, FieldState]] = {}
    for write in writes:
        record = write.record
        assert record is not None  # _check refused unattributable writes
        person = owners[record]
        last[person, write.state.field] = (record, replace(write.state, person=person))
    fields = [
        *_restored(merge.survivor, now.survivor_fields, last),
        *_restored(merge.retired, now.retired_fields, last),
    ]
    links = (
        *(
            link.reinstated()
            for link in (*merge.survivor.links, *merge.retired.links)
            if now.links.get(link.record) != link.reinstated()
        ),
        *_given_to_retired(merge, attribute or {}, now, at),
    )
    event = PersonsUnmerged(
        merge_id=merge.merge_id,
        survivor=merge.survivor.person_id,
        retired=merge.retired.person_id,
        actor=actor,
        role=role,
        reason=checked,
        at=at,
        reattributed=tuple(
            (field, str(record), person) for (person, field), (record, _) in sorted(last.items())
        ),
        restored_fields=tuple((s.person, s.field) for s in fields),
    )
    persons = (merge.survivor.person, merge.retired.person)
    return UnmergePlan(merge.undone(at), persons, links, tuple(fields), event)


def _owners(merge: MergeRecord, attribute: Mapping[RecordKey, str]) -> dict[RecordKey, str]:
    survivor, retired = merge.persons
    for record, person in attribute.items():
        if person not in (survivor, retired):
            raise InvalidAttribution(merge.merge_id, str(record), person)
    owners = dict(attribute)
    owners.update({link.record: survivor for link in merge.survivor.links})
    owners.update({link.record: retired for link in merge.retired.links})
    return owners


def _given_to_retired(
    merge: MergeRecord, attribute: Mapping[RecordKey, str], now: CurrentState, at: datetime
) -> list[Link]:
    retired = merge.retired.person_id
    moved = []
    for record, person in sorted(attribute.items()):
        current = now.links.get(record)
        if person == retired and current is not None and current.person != retired:
            moved.append(
                Link(
                    record,
                    retired,
                    LinkResult.MATCHED,
                    LinkSource.MANUAL,
                    created_at=at,
                    score=current.score,
                    comparison=current.comparison,
                    via=merge.merge_id,
                )
            )
    return moved


def _restored(
    before: PersonSnapshot,
    current: tuple[FieldState, ...],
    last: Mapping[tuple[str, str], tuple[RecordKey, FieldState]],
) -> list[FieldState]:
    person = before.person_id
    now = {state.field: state for state in current}
    names = {s.field for s in before.fields} | set(now) | {f for p, f in last if p == person}
    changed = []
    for name in sorted(names):
        attributed = last.get((person, name))
        target = before.field(name) if attributed is None else attributed[1]
        if now.get(name, FieldState.empty(person, name)) != target:
            changed.append(target)
    return changed


def _check(
    merge: MergeRecord,
    *,
    actor: str,
    role: str,
    reason: str | None,
    at: datetime,
    now: CurrentState,
    writes: Sequence[TrackedWrite],
    owners: Mapping[RecordKey, str],
) -> UnmergeRefused | UnmergeReason:
    """The refusal, or the validated reason."""

    def refuse(
        code: UnmergeRefusal, why: str, field: str | None = None, record: RecordKey | None = None
    ) -> UnmergeRefused:
        text = f"unmerge of {merge.merge_id} refused: {why}"
        return UnmergeRefused(merge.merge_id, actor, role, code, text, at, field, record)

    if role != MERGE_ROLE:
        why = f"role {role} may not unmerge persons; only {MERGE_ROLE} may"
        return refuse(UnmergeRefusal.NOT_MERGE_OWNER, why)
    if reason is None or not reason.strip():
        return refuse(UnmergeRefusal.REASON_REQUIRED, f"give a reason: one of {_reasons()}")
    if reason not in {r.value for r in UnmergeReason}:
        why = f"the reason is not in the unmerge taxonomy; use one of {_reasons()}"
        return refuse(UnmergeRefusal.UNKNOWN_REASON, why)
    if not merge.active:
        return refuse(UnmergeRefusal.ALREADY_UNMERGED, "it was already undone; nothing to do")
    survivor, retired = merge.persons
    if now.later_merge is not None:
        why = (
            f"the later merge {now.later_merge} still involves person {survivor} or {retired}; "
            f"unmerge {now.later_merge} first"
        )
        return refuse(UnmergeRefusal.LATER_MERGE, why)
    for record, link in sorted(now.links.items()):
        if link is None or link.person != survivor:
            where = "no person" if link is None else f"person {link.person}"
            why = (
                f"record {record} was linked to {where} after the merge, so it is no longer "
                f"with {survivor}; link it back to {survivor} first"
            )
            return refuse(UnmergeRefusal.RECORD_RELINKED, why, record=record)
    for write in writes:
        if write.record is None or write.record not in owners:
            state = write.state
            if write.record is None:
                source, fix = "no source record (a seed)", "keep the merge"
            else:
                source = f"record {write.record}"
                fix = f"keep the merge, or say whose record it is: attribute={{{write.record}: "
                fix += f"{survivor} or {retired}}}"
            why = (
                f"field {state.field!r} of person {state.person} was written after the merge "
                f"(version {state.version}) by {source}, which belonged to neither {survivor} "
                f"nor {retired} at merge time, so the write cannot be re-attributed; {fix}"
            )
            return refuse(UnmergeRefusal.UNATTRIBUTABLE_WRITE, why, state.field, write.record)
    return UnmergeReason(reason)


def _reasons() -> str:
    return ", ".join(reason.value for reason in UnmergeReason)
