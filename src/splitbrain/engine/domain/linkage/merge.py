"""Merge two persons: only the merge_owner role, with a reason from the taxonomy (DESIGN §5).

A merge is not destructive. The retired person is kept, marked ``retired`` and redirected to
the survivor, so old references still resolve. Its records are linked to the survivor by new
manual links (result ``merged``); the old links stay in the history. The survivor keeps every
field it has; a field only the retired person wrote is copied to the survivor with its version,
so writers of the retired person's records stay current. The retired person's own fields are
left as they were. Both before snapshots are kept in the :class:`MergeRecord` for the unmerge.

A refused merge is an outcome, not an error: ``MergeRefused`` names the refusal and the fix.

Example::

    check_merge("per_1", "per_2", role="support", reason="duplicate_intake")
    # MergeRefusal.NOT_MERGE_OWNER (MergeReason.DUPLICATE_INTAKE as merge_owner)
    plan = plan_merge("mrg_000001", survivor_snap, retired_snap, actor="usr_3",
                      role="merge_owner", reason=MergeReason.DUPLICATE_INTAKE, at=now)
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from splitbrain.engine.domain.linkage.links import Link, LinkResult, LinkSource
from splitbrain.engine.domain.linkage.persons import Person
from splitbrain.engine.domain.linkage.snapshot import PersonSnapshot, SnapshotRef, snapshot
from splitbrain.engine.domain.write import FieldState

__all__ = [
    "MERGE_ROLE",
    "MergePlan",
    "MergeReason",
    "MergeRecord",
    "MergeRefusal",
    "MergeRefused",
    "PersonsMerged",
    "check_merge",
    "plan_merge",
    "refusal_explanation",
]

MERGE_ROLE = "merge_owner"


class MergeReason(StrEnum):
    """The taxonomy of reasons to merge two persons."""

    DUPLICATE_INTAKE = "duplicate_intake"
    PORTAL_SELF_REGISTRATION_DUPLICATE = "portal_self_registration_duplicate"
    CRM_IMPORT_DUPLICATE = "crm_import_duplicate"
    EHR_REGISTRATION_DUPLICATE = "ehr_registration_duplicate"
    LEAD_CONVERSION_DUPLICATE = "lead_conversion_duplicate"
    TEST_RECORD_CLEANUP = "test_record_cleanup"


class MergeRefusal(StrEnum):
    NOT_MERGE_OWNER = "not_merge_owner"
    REASON_REQUIRED = "reason_required"
    UNKNOWN_REASON = "unknown_reason"
    ALREADY_MERGED = "already_merged"


@dataclass(frozen=True, slots=True)
class MergeRecord:
    """One merge as the engine keeps it: who, why, when, and both persons as they were."""

    merge_id: str
    survivor: PersonSnapshot
    retired: PersonSnapshot
    actor: str
    role: str
    reason: MergeReason
    merged_at: datetime
    review_id: str | None = None
    unmerged_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.unmerged_at is None

    @property
    def persons(self) -> tuple[str, str]:
        return self.survivor.person_id, self.retired.person_id

    def undone(self, at: datetime) -> MergeRecord:
        return replace(self, unmerged_at=at)


@dataclass(frozen=True, slots=True)
class PersonsMerged:
    """``retired`` now redirects to ``survivor``; snapshots by reference (no values)."""

    merge_id: str
    survivor: str
    retired: str
    actor: str
    role: str
    reason: MergeReason
    at: datetime
    before: tuple[SnapshotRef, SnapshotRef]
    """(survivor, retired) before the merge."""
    after: SnapshotRef
    """The survivor after the merge."""
    filled_fields: tuple[str, ...]
    """Fields the survivor took from the retired person (it had none of its own)."""
    review_id: str | None = None
    match_grade: str | None = None


@dataclass(frozen=True, slots=True)
class MergeRefused:
    survivor: str
    retired: str
    actor: str
    role: str
    refusal: MergeRefusal
    explanation: str
    at: datetime
    review_id: str | None = None


@dataclass(frozen=True, slots=True)
class MergePlan:
    """What a merge changes: the record to keep, both persons, new links, survivor fields."""

    record: MergeRecord
    survivor: Person
    retired: Person
    links: tuple[Link, ...]
    fills: tuple[FieldState, ...]
    event: PersonsMerged


def check_merge(
    survivor: str, retired: str, *, role: str, reason: str | None
) -> MergeRefusal | MergeReason:
    """Why this merge may not happen, or its validated reason (ids already resolved)."""
    if role != MERGE_ROLE:
        return MergeRefusal.NOT_MERGE_OWNER
    if reason is None or not reason.strip():
        return MergeRefusal.REASON_REQUIRED
    if reason not in {r.value for r in MergeReason}:
        return MergeRefusal.UNKNOWN_REASON
    if survivor == retired:
        return MergeRefusal.ALREADY_MERGED
    return MergeReason(reason)


def refusal_explanation(refusal: MergeRefusal, survivor: str, retired: str, role: str) -> str:
    """The refusal in words: the persons, the rule and the fix; never a reason's free text."""
    pair = f"merge of person {retired} into {survivor}"
    if refusal is MergeRefusal.NOT_MERGE_OWNER:
        return f"{pair} refused: role {role} may not merge persons; only {MERGE_ROLE} may"
    if refusal is MergeRefusal.REASON_REQUIRED:
        return f"{pair} refused: a merge needs a reason; give one of {_reasons()}"
    if refusal is MergeRefusal.UNKNOWN_REASON:
        return f"{pair} refused: the reason is not in the merge taxonomy; use one of {_reasons()}"
    return f"{pair} refused: both ids already resolve to person {survivor}; nothing to merge"


def _reasons() -> str:
    return ", ".join(reason.value for reason in MergeReason)


def plan_merge(
    merge_id: str,
    survivor: PersonSnapshot,
    retired: PersonSnapshot,
    *,
    actor: str,
    role: str,
    reason: MergeReason,
    at: datetime,
    review_id: str | None = None,
    match_grade: str | None = None,
) -> MergePlan:
    """The merge of ``retired`` into ``survivor`` (checked beforehand with ``check_merge``)."""
    survivor_id = survivor.person_id
    links = tuple(
        Link(
            link.record,
            survivor_id,
            LinkResult.MERGED,
            LinkSource.MANUAL,
            created_at=at,
            score=link.score,
            comparison=link.comparison,
            via=merge_id,
        )
        for link in retired.links
    )
    own = {state.field for state in survivor.fields}
    fills = tuple(replace(s, person=survivor_id) for s in retired.fields if s.field not in own)
    kept = survivor.person.confirmed()
    after = snapshot(kept, [*survivor.links, *links], [*survivor.fields, *fills])
    record = MergeRecord(merge_id, survivor, retired, actor, role, reason, at, review_id)
    event = PersonsMerged(
        merge_id=merge_id,
        survivor=survivor_id,
        retired=retired.person_id,
        actor=actor,
        role=role,
        reason=reason,
        at=at,
        before=(survivor.ref(), retired.ref()),
        after=after.ref(),
        filled_fields=tuple(s.field for s in fills),
        review_id=review_id,
        match_grade=match_grade,
    )
    gone = retired.person.retired_into(survivor_id)
    return MergePlan(record, kept, gone, links, fills, event)
