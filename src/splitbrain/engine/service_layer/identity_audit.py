"""What the audit log says about each identity event: ids, codes, grades and fingerprints only.

Registrations carry the FHIR match-grade of their band in ``match_grade`` (certain, probable,
possible, certainly-not). A merge's before and after snapshots go to the log as keyed
fingerprints of their by-reference form (record keys, link results, field versions and write
keys; see ``domain.linkage.snapshot``), beside the merge id that names the full snapshot the
engine keeps. Refusals (merge, unmerge, review) are logged as ``rejected`` with their code.

Actions: ``identity.register``, ``identity.link.keep``, ``identity.flag_possible_duplicate``,
``identity.review.open``, ``identity.review.reject``, ``identity.merge``, ``identity.unmerge``,
``identity.link.manual`` and ``identity.unlink`` (a steward's, with the reason code; refusals
too), ``identity.route`` (a write addressed to a retired person, decided for its survivor).

Example::

    identity_audit_event(PersonsMerged(...), now, sink.fingerprint)
    # AuditEvent(action="identity.merge", outcome=applied, reason="duplicate_intake",
    #            person="per_000001", extra=(("merge_id", "mrg_000001"),
    #            ("retired", "per_000002"), ("before_survivor", "fp1:k..."), ...))
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from datetime import datetime

from splitbrain.engine.domain.audit import AuditEvent, AuditOutcome
from splitbrain.engine.domain.audit.event import CODE_PATTERN
from splitbrain.engine.domain.linkage.events import (
    IdentityEvent,
    LinkRefused,
    ManualLinkKept,
    MergeRefused,
    PersonsMerged,
    PersonsUnmerged,
    PossibleDuplicateFlagged,
    RecordLinked,
    RecordRegistered,
    RecordUnlinked,
    ReviewItemOpened,
    ReviewRefused,
    ReviewRejected,
    UnmergeRefused,
    WriteRedirected,
)
from splitbrain.engine.domain.linkage.snapshot import SnapshotRef

__all__ = ["identity_audit_event", "identity_ident"]

Fingerprint = Callable[[str], str]
Extra = list[tuple[str, str]]
SERVICE = "engine"
ENGINE_ACTOR = "engine"
_CODE = re.compile(CODE_PATTERN)


def identity_audit_event(event: IdentityEvent, now: datetime, fp: Fingerprint) -> AuditEvent:
    """The audit event recording ``event`` at ``now``."""
    if isinstance(event, RecordRegistered):
        return _registered(event, now, fp)
    if isinstance(event, PersonsMerged):
        return _merged(event, now, fp)
    if isinstance(event, PersonsUnmerged):
        return _unmerged(event, now, fp)
    if isinstance(event, MergeRefused | UnmergeRefused | ReviewRefused):
        return _refused(event, now, fp)
    if isinstance(event, RecordLinked | RecordUnlinked | LinkRefused):
        return _manual(event, now, fp)
    if isinstance(event, WriteRedirected):
        return _redirected(event, now, fp)
    return _queue(event, now, fp)


def identity_ident(event: IdentityEvent) -> str:
    """How an error message names the event: ids and record keys, never values."""
    if isinstance(event, RecordRegistered | ManualLinkKept):
        return f"registration of record {event.record}"
    if isinstance(event, PossibleDuplicateFlagged):
        return f"possible-duplicate flag from record {event.record}"
    if isinstance(event, ReviewItemOpened | ReviewRejected):
        return f"review item {event.item.review_id}"
    if isinstance(event, ReviewRefused):
        return f"review item {event.review_id}"
    if isinstance(event, MergeRefused):
        return f"merge of {event.retired} into {event.survivor}"
    if isinstance(event, RecordLinked | RecordUnlinked | LinkRefused):
        return f"manual link of record {event.record}"
    if isinstance(event, WriteRedirected):
        return f"redirect of write {event.idempotency_key}"
    return f"merge {event.merge_id}"


def _manual(
    event: RecordLinked | RecordUnlinked | LinkRefused, now: datetime, fp: Fingerprint
) -> AuditEvent:
    extra: Extra = [("record", _code(str(event.record), fp))]
    if isinstance(event, LinkRefused):
        action = "identity.link.manual" if event.action == "link" else "identity.unlink"
        if event.target is not None:
            extra.append(("target", _code(event.target, fp)))
        return _event(
            event.actor,
            event.role,
            action,
            AuditOutcome.REJECTED,
            now=now,
            fp=fp,
            person=event.person,
            reason=event.refusal.value,
            extra=extra,
        )
    extra += [("previous", _code(event.previous, fp)), ("link_result", event.link.result.value)]
    return _event(
        event.actor,
        event.role,
        "identity.link.manual" if isinstance(event, RecordLinked) else "identity.unlink",
        AuditOutcome.APPLIED,
        now=now,
        fp=fp,
        person=event.person,
        reason=event.reason.value,
        extra=extra,
    )


def _redirected(event: WriteRedirected, now: datetime, fp: Fingerprint) -> AuditEvent:
    extra: Extra = [
        ("idempotency_key", _code(event.idempotency_key, fp)),
        ("addressed_to", _code(event.addressed_to, fp)),
        ("source_record", _code(f"{event.source_system}/{event.source_record}", fp)),
    ]
    return _event(
        ENGINE_ACTOR,
        "automation",
        "identity.route",
        AuditOutcome.APPLIED,
        now=now,
        fp=fp,
        person=event.person,
        reason="merge_redirect",
        fields=(event.field,),
        extra=extra,
    )


def _registered(event: RecordRegistered, now: datetime, fp: Fingerprint) -> AuditEvent:
    link = event.link
    extra: Extra = [
        ("record", _code(str(event.record), fp)),
        ("band", event.band),
        ("link_result", link.result.value),
        ("link_source", link.source.value),
        ("created", _flag(event.created)),
    ]
    if event.candidate is not None:
        extra.append(("candidate", _code(event.candidate, fp)))
    if event.probability is not None:
        extra.append(("probability", f"{event.probability:.6f}"))
    if event.relinked_from is not None:
        extra.append(("relinked_from", _code(event.relinked_from, fp)))
    return _event(
        ENGINE_ACTOR,
        "automation",
        "identity.register",
        AuditOutcome.APPLIED,
        now=now,
        fp=fp,
        person=event.person,
        grade=event.match_grade,
        extra=extra,
    )


def _merged(event: PersonsMerged, now: datetime, fp: Fingerprint) -> AuditEvent:
    survivor, retired = event.before
    extra: Extra = [
        ("merge_id", event.merge_id),
        ("retired", _code(event.retired, fp)),
        ("before_survivor", _snapshot(survivor, fp)),
        ("before_retired", _snapshot(retired, fp)),
        ("after_survivor", _snapshot(event.after, fp)),
        ("links_moved", str(len(retired.links))),
    ]
    if event.review_id is not None:
        extra.append(("review_id", event.review_id))
    return _event(
        event.actor,
        event.role,
        "identity.merge",
        AuditOutcome.APPLIED,
        now=now,
        fp=fp,
        person=event.survivor,
        reason=event.reason.value,
        grade=event.match_grade,
        fields=event.filled_fields,
        extra=extra,
    )


def _unmerged(event: PersonsUnmerged, now: datetime, fp: Fingerprint) -> AuditEvent:
    extra: Extra = [
        ("merge_id", event.merge_id),
        ("retired", _code(event.retired, fp)),
        ("reattributed", str(len(event.reattributed))),
        ("restored", str(len(event.restored_fields))),
    ]
    fields = tuple(sorted({name for _person, name in event.restored_fields}))
    return _event(
        event.actor,
        event.role,
        "identity.unmerge",
        AuditOutcome.APPLIED,
        now=now,
        fp=fp,
        person=event.survivor,
        reason=event.reason.value,
        fields=fields,
        extra=extra,
    )


def _refused(
    event: MergeRefused | UnmergeRefused | ReviewRefused, now: datetime, fp: Fingerprint
) -> AuditEvent:
    if isinstance(event, MergeRefused):
        extra: Extra = [("retired", _code(event.retired, fp))]
        if event.review_id is not None:
            extra.append(("review_id", event.review_id))
        return _event(
            event.actor,
            event.role,
            "identity.merge",
            AuditOutcome.REJECTED,
            now=now,
            fp=fp,
            person=event.survivor,
            reason=event.refusal.value,
            extra=extra,
        )
    if isinstance(event, UnmergeRefused):
        extra = [("merge_id", event.merge_id)]
        if event.record is not None:
            extra.append(("record", _code(str(event.record), fp)))
        fields = () if event.field is None else (event.field,)
        return _event(
            event.actor,
            event.role,
            "identity.unmerge",
            AuditOutcome.REJECTED,
            now=now,
            fp=fp,
            reason=event.refusal.value,
            fields=fields,
            extra=extra,
        )
    return _event(
        event.actor,
        event.role,
        "identity.review.reject",
        AuditOutcome.REJECTED,
        now=now,
        fp=fp,
        reason=event.refusal,
        extra=[("review_id", event.review_id)],
    )


def _queue(
    event: ManualLinkKept | PossibleDuplicateFlagged | ReviewItemOpened | ReviewRejected,
    now: datetime,
    fp: Fingerprint,
) -> AuditEvent:
    if isinstance(event, ManualLinkKept):
        extra: Extra = [
            ("record", _code(str(event.record), fp)),
            ("proposed", _code(event.proposed, fp)),
        ]
        return _event(
            ENGINE_ACTOR,
            "automation",
            "identity.link.keep",
            AuditOutcome.REJECTED,
            now=now,
            fp=fp,
            person=event.person,
            reason=event.verdict.value,
            extra=extra,
        )
    if isinstance(event, PossibleDuplicateFlagged):
        extra = [
            ("record", _code(str(event.record), fp)),
            ("persons", "/".join(_code(p, fp) for p in event.persons)),
        ]
        return _event(
            ENGINE_ACTOR,
            "automation",
            "identity.flag_possible_duplicate",
            AuditOutcome.ESCALATED,
            now=now,
            fp=fp,
            grade="probable",
            extra=extra,
        )
    item = event.item
    extra = [
        ("review_id", item.review_id),
        ("candidate", _code(item.candidate, fp)),
        ("band", item.band),
    ]
    if isinstance(event, ReviewItemOpened):
        return _event(
            ENGINE_ACTOR,
            "automation",
            "identity.review.open",
            AuditOutcome.ESCALATED,
            now=now,
            fp=fp,
            person=item.person,
            grade=item.match_grade,
            extra=extra,
        )
    return _event(
        event.actor,
        event.role,
        "identity.review.reject",
        AuditOutcome.APPLIED,
        now=now,
        fp=fp,
        person=item.person,
        grade=item.match_grade,
        reason="not_duplicate",
        extra=extra,
    )


def _event(
    actor: str,
    role: str,
    action: str,
    outcome: AuditOutcome,
    *,
    now: datetime,
    fp: Fingerprint,
    person: str | None = None,
    reason: str | None = None,
    grade: str | None = None,
    fields: tuple[str, ...] = (),
    extra: Extra,
) -> AuditEvent:
    return AuditEvent(
        actor=_code(actor, fp),
        role=_code(role, fp),
        service=SERVICE,
        action=action,
        outcome=outcome,
        at=now,
        reason=reason,
        person=None if person is None else _code(person, fp),
        match_grade=grade,
        field_names=fields,
        extra=tuple(extra),
    )


def _snapshot(ref: SnapshotRef, fp: Fingerprint) -> str:
    return fp(json.dumps(dataclasses.asdict(ref), sort_keys=True, separators=(",", ":")))


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _code(text: str, fp: Fingerprint) -> str:
    """``text`` when it is a code; otherwise its fingerprint, so no value slips into the log."""
    return text if _CODE.fullmatch(text) else fp(text)
