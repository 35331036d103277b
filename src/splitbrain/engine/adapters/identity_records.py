"""JSON records of persons, links, merges (with their snapshots), tracked writes and review
items, as the SQLite identity store keeps them.

Engine state, not the audit log: a merge record holds the before snapshots with their values,
so an unmerge can restore them exactly (the audit log holds fingerprints only).

Example::

    load_merge(dump_merge(record)) == record
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from splitbrain.engine.domain.identity.record import RecordKey
from splitbrain.engine.domain.linkage.links import Link, LinkResult, LinkSource
from splitbrain.engine.domain.linkage.merge import MergeReason, MergeRecord
from splitbrain.engine.domain.linkage.persons import Person, PersonStatus, PersonTag
from splitbrain.engine.domain.linkage.review import ReviewItem, ReviewStatus
from splitbrain.engine.domain.linkage.snapshot import PersonSnapshot
from splitbrain.engine.domain.linkage.unmerge import TrackedWrite
from splitbrain.engine.domain.policy import Provenance
from splitbrain.engine.domain.write import FieldState

__all__ = [
    "dump_link",
    "dump_merge",
    "dump_person",
    "dump_review",
    "dump_tracked",
    "load_link",
    "load_merge",
    "load_person",
    "load_review",
    "load_tracked",
]

Record = dict[str, Any]
_ENCODE = json.JSONEncoder(separators=(",", ":"), sort_keys=True).encode


def dump_person(person: Person) -> str:
    return _ENCODE(_person(person))


def load_person(text: str) -> Person:
    return _load_person(json.loads(text))


def dump_link(link: Link) -> str:
    return _ENCODE(_link(link))


def load_link(text: str) -> Link:
    return _load_link(json.loads(text))


def dump_review(item: ReviewItem) -> str:
    return _ENCODE(
        {
            "review_id": item.review_id,
            "person": item.person,
            "candidate": item.candidate,
            "record": None if item.record is None else list(item.record),
            "band": item.band,
            "match_grade": item.match_grade,
            "score": item.score,
            "created_at": item.created_at.isoformat(),
            "status": item.status.value,
            "decided_at": _time(item.decided_at),
            "decided_by": item.decided_by,
            "decided_role": item.decided_role,
            "merge_id": item.merge_id,
        }
    )


def load_review(text: str) -> ReviewItem:
    r = json.loads(text)
    return ReviewItem(
        review_id=r["review_id"],
        person=r["person"],
        candidate=r["candidate"],
        record=None if r["record"] is None else RecordKey(*r["record"]),
        band=r["band"],
        match_grade=r["match_grade"],
        score=r["score"],
        created_at=datetime.fromisoformat(r["created_at"]),
        status=ReviewStatus(r["status"]),
        decided_at=_load_time(r["decided_at"]),
        decided_by=r["decided_by"],
        decided_role=r["decided_role"],
        merge_id=r["merge_id"],
    )


def dump_merge(record: MergeRecord) -> str:
    return _ENCODE(
        {
            "merge_id": record.merge_id,
            "survivor": _snapshot(record.survivor),
            "retired": _snapshot(record.retired),
            "actor": record.actor,
            "role": record.role,
            "reason": record.reason.value,
            "merged_at": record.merged_at.isoformat(),
            "review_id": record.review_id,
            "unmerged_at": _time(record.unmerged_at),
        }
    )


def load_merge(text: str) -> MergeRecord:
    r = json.loads(text)
    return MergeRecord(
        merge_id=r["merge_id"],
        survivor=_load_snapshot(r["survivor"]),
        retired=_load_snapshot(r["retired"]),
        actor=r["actor"],
        role=r["role"],
        reason=MergeReason(r["reason"]),
        merged_at=datetime.fromisoformat(r["merged_at"]),
        review_id=r["review_id"],
        unmerged_at=_load_time(r["unmerged_at"]),
    )


def dump_tracked(write: TrackedWrite) -> str:
    record = None if write.record is None else list(write.record)
    return _ENCODE({"merge_id": write.merge_id, "record": record, "state": _state(write.state)})


def load_tracked(text: str) -> TrackedWrite:
    r = json.loads(text)
    record = None if r["record"] is None else RecordKey(*r["record"])
    return TrackedWrite(r["merge_id"], record, _load_state(r["state"]))


def _person(p: Person) -> Record:
    return {
        "person": p.person,
        "status": p.status.value,
        "created_at": p.created_at.isoformat(),
        "tags": sorted(tag.value for tag in p.tags),
        "merged_into": p.merged_into,
    }


def _load_person(r: Record) -> Person:
    return Person(
        person=r["person"],
        status=PersonStatus(r["status"]),
        created_at=datetime.fromisoformat(r["created_at"]),
        tags=frozenset(PersonTag(tag) for tag in r["tags"]),
        merged_into=r["merged_into"],
    )


def _link(link: Link) -> Record:
    return {
        "record": list(link.record),
        "person": link.person,
        "result": link.result.value,
        "source": link.source.value,
        "created_at": link.created_at.isoformat(),
        "score": link.score,
        "comparison": link.comparison,
        "via": link.via,
        "superseded_at": _time(link.superseded_at),
    }


def _load_link(r: Record) -> Link:
    return Link(
        record=RecordKey(*r["record"]),
        person=r["person"],
        result=LinkResult(r["result"]),
        source=LinkSource(r["source"]),
        created_at=datetime.fromisoformat(r["created_at"]),
        score=r["score"],
        comparison=r["comparison"],
        via=r["via"],
        superseded_at=_load_time(r["superseded_at"]),
    )


def _snapshot(snap: PersonSnapshot) -> Record:
    return {
        "person": _person(snap.person),
        "links": [_link(link) for link in snap.links],
        "fields": [_state(state) for state in snap.fields],
    }


def _load_snapshot(r: Record) -> PersonSnapshot:
    return PersonSnapshot(
        person=_load_person(r["person"]),
        links=tuple(_load_link(link) for link in r["links"]),
        fields=tuple(_load_state(state) for state in r["fields"]),
    )


def _state(s: FieldState) -> Record:
    return {
        "person": s.person,
        "field": s.field,
        "value": s.value,
        "version": s.version,
        "provenance": None if s.provenance is None else s.provenance.value,
        "system": s.system,
        "role": s.role,
        "occurred_at": _time(s.occurred_at),
        "idempotency_key": s.idempotency_key,
    }


def _load_state(r: Record) -> FieldState:
    return FieldState(
        person=r["person"],
        field=r["field"],
        value=r["value"],
        version=r["version"],
        provenance=None if r["provenance"] is None else Provenance(r["provenance"]),
        system=r["system"],
        role=r["role"],
        occurred_at=_load_time(r["occurred_at"]),
        idempotency_key=r["idempotency_key"],
    )


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _load_time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)
