"""Commands of the identity part: register a record, merge, unmerge, decide a review item,
link or unlink a record by hand.

Example::

    engine.handle(RegisterRecord(IdentityRecord("crm", "c-81", given="ana", ...)))
    engine.handle(MergePersons("per_000001", "per_000002", actor="usr_3",
                               role="merge_owner", reason="duplicate_intake"))
    engine.handle(UnmergePersons("mrg_000001", actor="usr_3", role="merge_owner",
                                 reason="wrong_merge"))
    engine.handle(LinkRecord(RecordKey("crm", "c-81"), "per_000001", actor="usr_3",
                             role="merge_owner", reason="misfiled_record"))
"""

from __future__ import annotations

from dataclasses import dataclass

from splitbrain.engine.domain.identity.record import IdentityRecord, RecordKey

__all__ = [
    "AcceptReview",
    "IdentityCommand",
    "LinkRecord",
    "MergePersons",
    "RegisterRecord",
    "RejectReview",
    "UnlinkRecord",
    "UnmergePersons",
]


@dataclass(frozen=True, slots=True)
class RegisterRecord:
    """A record from any system, through the identity index before any person is created.

    A record already registered (same system and record id) is an update: re-matched, and
    relinked only if its link is automatic and the new match is high.
    """

    record: IdentityRecord


@dataclass(frozen=True, slots=True)
class MergePersons:
    """Retire ``retired`` into ``survivor`` (merge_owner only; ``reason`` from the taxonomy)."""

    survivor: str
    retired: str
    actor: str
    role: str
    reason: str | None


@dataclass(frozen=True, slots=True)
class UnmergePersons:
    """Undo a merge; ``attribute`` names the person of records that joined after it."""

    merge_id: str
    actor: str
    role: str
    reason: str | None
    attribute: tuple[tuple[RecordKey, str], ...] = ()


@dataclass(frozen=True, slots=True)
class AcceptReview:
    """Merge the item's person into its candidate (merge_owner only, with a merge reason)."""

    review_id: str
    actor: str
    role: str
    reason: str | None


@dataclass(frozen=True, slots=True)
class RejectReview:
    """The item's two persons are different people: never suggest the pair again."""

    review_id: str
    actor: str
    role: str


@dataclass(frozen=True, slots=True)
class LinkRecord:
    """A steward links ``record`` to a person (merge_owner only, a ``LinkReason``).

    The target is ``person`` (resolved through merges), or, when ``person`` is None, the person
    ``to_record`` belongs to now.
    """

    record: RecordKey
    person: str | None
    actor: str
    role: str
    reason: str | None
    to_record: RecordKey | None = None


@dataclass(frozen=True, slots=True)
class UnlinkRecord:
    """A steward takes ``record`` out of its person into a new person of its own."""

    record: RecordKey
    actor: str
    role: str
    reason: str | None


IdentityCommand = (
    RegisterRecord
    | MergePersons
    | UnmergePersons
    | AcceptReview
    | RejectReview
    | LinkRecord
    | UnlinkRecord
)
