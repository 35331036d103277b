"""A data steward links a source record to a person by hand, or unlinks it (DESIGN §5).

The matcher files most records; a steward corrects the rest: a record filed under the wrong
person is linked to the right one, a record that joined a person it does not belong to is
unlinked into a person of its own. Both make a *manual* link, so automation never moves the
record again (``links.relink_verdict``). A link moves the record's routing, not history: fields
the record wrote before stay with the person it left, and its next writes reach its new person.

Only the merge_owner role decides identity, with a reason from :class:`LinkReason`. Refused
(``LinkRefused``, an outcome naming the ids, the rule and the fix) when:

=================  ==========================================================================
refusal            rule
=================  ==========================================================================
not_merge_owner    only merge_owner links or unlinks records by hand
reason_required    a manual link needs a reason (one of :class:`LinkReason`)
unknown_reason     the reason is not in the taxonomy
already_linked     the record already belongs to that person
not_duplicate      the record's person and the target were marked not-duplicate by a reviewer
                   (or an unmerge): a record does not cross that line by hand
only_record        linking: the record is the only one of a person that holds written fields
                   (merge that person instead); unlinking: it already stands alone
=================  ==========================================================================

Example::

    check_link(RecordKey("crm", "c-81"), "per_000002", "per_000001", role="merge_owner",
               reason="misfiled_record", marked=False, sole_with_fields=False)
    # LinkReason.MISFILED_RECORD
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from splitbrain.engine.domain.identity.record import RecordKey
from splitbrain.engine.domain.linkage.links import Link, LinkResult, LinkSource
from splitbrain.engine.domain.linkage.merge import MERGE_ROLE

__all__ = [
    "LinkReason",
    "LinkRefusal",
    "LinkRefused",
    "RecordLinked",
    "RecordUnlinked",
    "check_link",
    "check_unlink",
    "manual_link",
]


class LinkReason(StrEnum):
    """The taxonomy of reasons to link or unlink a record by hand."""

    MISFILED_RECORD = "misfiled_record"
    """The matcher (or an earlier person) filed the record under the wrong person."""
    STEWARD_VERIFIED = "steward_verified"
    """A steward checked the source systems and confirmed who the record is."""
    PATIENT_CONFIRMED = "patient_confirmed"
    """The patient confirmed (at the desk, by phone) which record is theirs."""
    SHARED_CONTACT_DETAILS = "shared_contact_details"
    """Relatives sharing a phone or address were joined; the record is someone else's."""
    TEST_RECORD_CLEANUP = "test_record_cleanup"


class LinkRefusal(StrEnum):
    NOT_MERGE_OWNER = "not_merge_owner"
    REASON_REQUIRED = "reason_required"
    UNKNOWN_REASON = "unknown_reason"
    ALREADY_LINKED = "already_linked"
    NOT_DUPLICATE = "not_duplicate"
    ONLY_RECORD = "only_record"


@dataclass(frozen=True, slots=True)
class RecordLinked:
    """A steward linked ``record`` to ``person`` (it belonged to ``previous``)."""

    record: RecordKey
    person: str
    previous: str
    actor: str
    role: str
    reason: LinkReason
    link: Link
    at: datetime


@dataclass(frozen=True, slots=True)
class RecordUnlinked:
    """A steward took ``record`` out of ``previous`` into the new person ``person``."""

    record: RecordKey
    person: str
    previous: str
    actor: str
    role: str
    reason: LinkReason
    link: Link
    at: datetime


@dataclass(frozen=True, slots=True)
class LinkRefused:
    """A manual link or unlink that would break a rule; ``explanation`` names the fix."""

    action: str
    """``link`` or ``unlink``."""
    record: RecordKey
    person: str
    """The record's person now."""
    target: str | None
    """The person it was to be linked to (None for an unlink)."""
    actor: str
    role: str
    refusal: LinkRefusal
    explanation: str
    at: datetime


def _reasons() -> str:
    return ", ".join(reason.value for reason in LinkReason)


def _authorized(role: str, reason: str | None) -> tuple[LinkRefusal, str] | LinkReason:
    if role != MERGE_ROLE:
        return LinkRefusal.NOT_MERGE_OWNER, f"role {role} may not; only {MERGE_ROLE} may"
    if reason is None or not reason.strip():
        return LinkRefusal.REASON_REQUIRED, f"give a reason: one of {_reasons()}"
    if reason not in {r.value for r in LinkReason}:
        why = f"the reason is not in the manual-link taxonomy; use one of {_reasons()}"
        return LinkRefusal.UNKNOWN_REASON, why
    return LinkReason(reason)


def check_link(
    record: RecordKey,
    current: str,
    target: str,
    *,
    role: str,
    reason: str | None,
    marked: bool,
    sole_with_fields: bool,
) -> tuple[LinkRefusal, str] | LinkReason:
    """Why ``record`` (of person ``current``) may not be linked to ``target`` (both resolved),
    as (refusal, explanation), or the validated reason.

    ``marked``: the two persons were marked not-duplicate. ``sole_with_fields``: the record is
    the only record of ``current`` and ``current`` holds written fields.
    """
    head = f"manual link of record {record} (person {current}) to person {target} refused"
    checked = _authorized(role, reason)
    if isinstance(checked, tuple):
        return checked[0], f"{head}: {checked[1]}"
    if current == target:
        why = f"{head}: the record already belongs to {target}; nothing to do"
        return LinkRefusal.ALREADY_LINKED, why
    if marked:
        why = (
            f"{head}: persons {current} and {target} were marked not-duplicate (a rejected "
            "review or an unmerge), so a record does not cross between them by hand; if the "
            f"record was filed under {current} by mistake, unlink it first (it becomes a "
            f"person of its own), then link that person's record to {target}"
        )
        return LinkRefusal.NOT_DUPLICATE, why
    if sole_with_fields:
        why = (
            f"{head}: it is the only record of {current}, which holds written fields that no "
            f"record would route to any more; merge {current} into {target} instead "
            "(merge_owner, with a merge reason)"
        )
        return LinkRefusal.ONLY_RECORD, why
    return checked


def check_unlink(
    record: RecordKey, current: str, *, role: str, reason: str | None, sole: bool
) -> tuple[LinkRefusal, str] | LinkReason:
    """Why ``record`` may not be unlinked from ``current``, or the validated reason."""
    head = f"unlink of record {record} from person {current} refused"
    checked = _authorized(role, reason)
    if isinstance(checked, tuple):
        return checked[0], f"{head}: {checked[1]}"
    if sole:
        why = f"{head}: it is the only record of {current}, so it already stands alone"
        return LinkRefusal.ONLY_RECORD, why
    return checked


def manual_link(record: RecordKey, person: str, result: LinkResult, at: datetime) -> Link:
    """The manual link a steward makes (no score: a person decided, not the matcher)."""
    return Link(record, person, result, LinkSource.MANUAL, created_at=at)
