"""JSON records of decisions (with their writes) and conflict items, as the SQLite store keeps
them.

A decision is stored whole (its write included) so that a redelivered idempotency key can be
answered with the very first decision. The record format is versioned by the store's schema
version (``sqlite_store.SCHEMA_VERSION``). These rows are the engine's own state, not the audit
log: they hold values; the audit log holds fingerprints only.

Example::

    load_decision(dump_decision(decision)) == decision
    load_conflict(dump_conflict(item)) == item
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import orjson

from splitbrain.engine.domain.conflicts import ConflictItem, ConflictStatus, Resolution
from splitbrain.engine.domain.decisions import (
    ConflictEscalated,
    Decision,
    DuplicateDelivery,
    FieldApplied,
    RejectReason,
    WriteRejected,
)
from splitbrain.engine.domain.policy import Provenance
from splitbrain.engine.domain.write import Write

Record = dict[str, Any]
Row = list[Any]

# Decisions are positional JSON arrays written by orjson (arrays are about twice as fast to
# write as objects, orjson several times faster than json: this is on every decision's path).
# Text outside ASCII is stored as UTF-8, not as \u escapes; both read back the same. Layouts,
# by the first element:
#   write      [key, system, record, person, field, value, actor, role, base, occurred_at,
#               provenance, override_reason, manual, correlation_id]
#   applied    ["applied", write, rule, matrix_version, explanation, value, previous, new]
#   rejected   ["rejected", write, rule, matrix_version, explanation, reason]
#   escalated  ["escalated", write, rule, matrix_version, explanation, conflict_id, owner,
#               due_at, competing_key]
#   duplicate  ["duplicate", write, first decision]


def dump_decision(decision: Decision) -> str:
    row = _decision_row(decision)
    try:
        return orjson.dumps(row).decode()
    except TypeError:  # orjson refuses a lone surrogate or an int past 64 bits; json does not
        return _ENCODE(row)


def load_decision(text: str) -> Decision:
    return _load(json.loads(text))


def _write_row(w: Write) -> Row:
    return [
        w.idempotency_key,
        w.source_system,
        w.source_record,
        w.person,
        w.field,
        w.value,
        w.actor,
        w.role,
        w.base_version,
        _moment(w.occurred_at),
        w.provenance,
        w.override_reason,
        w.manual,
        w.correlation_id,
    ]


def _load_write(row: Row) -> Write:
    key, system, record, person, field, value, actor, role, base, at, prov, why, manual, corr = row
    return Write(
        idempotency_key=key,
        source_system=system,
        source_record=record,
        person=person,
        field=field,
        value=value,
        actor=actor,
        role=role,
        base_version=base,
        occurred_at=datetime.fromisoformat(at),
        provenance=Provenance(prov),
        override_reason=why,
        manual=manual,
        correlation_id=corr,
    )


def _decision_row(d: Decision) -> Row:
    write = _write_row(d.write)
    if isinstance(d, DuplicateDelivery):
        return ["duplicate", write, _decision_row(d.first)]
    if isinstance(d, FieldApplied):
        tail: Row = [d.value, d.previous_version, d.new_version]
    elif isinstance(d, WriteRejected):
        tail = [d.reason.value]
    else:
        tail = [d.conflict_id, d.escalation_owner, _moment(d.due_at), d.competing_key]
    return [_KIND[type(d)], write, d.rule, d.matrix_version, d.explanation, *tail]


_KIND = {FieldApplied: "applied", WriteRejected: "rejected", ConflictEscalated: "escalated"}


def _moment(at: datetime) -> datetime | str:
    """``at`` for orjson, which writes naive and UTC datetimes exactly as ``isoformat()`` does
    (it would round other offsets to the minute, so those go as ``isoformat()`` text)."""
    return at if at.tzinfo is UTC or at.tzinfo is None else at.isoformat()


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"a decision row holds no {type(value).__name__}")


_ENCODE = json.JSONEncoder(separators=(",", ":"), default=_iso).encode


def _load(row: Row) -> Decision:
    kind, write = row[0], _load_write(row[1])
    if kind == "duplicate":
        first = _load(row[2])
        if isinstance(first, DuplicateDelivery):
            raise ValueError("a stored duplicate delivery nests another duplicate; the row is bad")
        return DuplicateDelivery(write=write, first=first)
    rule, matrix, why, *tail = row[2:]
    if kind == "applied":
        value, previous, new = tail
        return FieldApplied(
            write=write,
            value=value,
            previous_version=previous,
            new_version=new,
            rule=rule,
            matrix_version=matrix,
            explanation=why,
        )
    if kind == "rejected":
        return WriteRejected(
            write=write,
            reason=RejectReason(tail[0]),
            rule=rule,
            matrix_version=matrix,
            explanation=why,
        )
    conflict_id, owner, due, competing = tail
    return ConflictEscalated(
        write=write,
        conflict_id=conflict_id,
        escalation_owner=owner,
        due_at=datetime.fromisoformat(due),
        rule=rule,
        competing_key=competing,
        matrix_version=matrix,
        explanation=why,
    )


def dump_conflict(item: ConflictItem) -> str:
    resolution = item.resolution
    record: Record = {
        "id": item.conflict_id,
        "person": item.person,
        "field": item.field,
        "keys": list(item.competing_keys),
        "rule": item.rule,
        "owner": item.escalation_owner,
        "created": item.created_at.isoformat(),
        "due": item.due_at.isoformat(),
        "status": item.status.value,
        "overdue": None
        if item.overdue_escalated_at is None
        else item.overdue_escalated_at.isoformat(),
        "resolution": None
        if resolution is None
        else {
            "resolver": resolution.resolver,
            "role": resolution.role,
            "reason": resolution.reason,
            "chosen": resolution.chosen_key,
            "at": resolution.resolved_at.isoformat(),
        },
    }
    return json.dumps(record, separators=(",", ":"))


def load_conflict(text: str) -> ConflictItem:
    record = json.loads(text)
    resolution = record["resolution"]
    return ConflictItem(
        conflict_id=record["id"],
        person=record["person"],
        field=record["field"],
        competing_keys=tuple(record["keys"]),
        rule=record["rule"],
        escalation_owner=record["owner"],
        created_at=datetime.fromisoformat(record["created"]),
        due_at=datetime.fromisoformat(record["due"]),
        status=ConflictStatus(record["status"]),
        overdue_escalated_at=_instant(record["overdue"]),
        resolution=None
        if resolution is None
        else Resolution(
            resolver=resolution["resolver"],
            role=resolution["role"],
            reason=resolution["reason"],
            chosen_key=resolution["chosen"],
            resolved_at=datetime.fromisoformat(resolution["at"]),
        ),
    )


def _instant(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)
