"""Commands of the identity part: register a record, merge, unmerge, decide a review item.

Example::

    engine.handle(RegisterRecord(IdentityRecord("crm", "c-81", given="ana", ...)))
    engine.handle(MergePersons("per_000001", "per_000002", actor="usr_3",
                               role="merge_owner", reason="duplicate_intake"))
    engine.handle(UnmergePersons("mrg_000001", actor="usr_3", role="merge_owner",
                                 reason="wrong_merge"))
"""

from __future__ import annotations

from dataclasses import dataclass

from splitbrain.engine.domain.identity.record import IdentityRecord, RecordKey

__all__ = [
    "AcceptReview",
    "IdentityCommand",
    "MergePersons",
    "RegisterRecord",
    "RejectReview",
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


IdentityCommand = RegisterRecord | MergePersons | UnmergePersons | AcceptReview | RejectReview
