"""The canonical JSON form: sorted keys, no whitespace, UTF-8, instants as fixed-width UTC.

These bytes are what the chain hashes and what stores keep. ``canonical_event_bytes`` writes
an event's form by hand in sorted key order (the hot path of append and verify); a test holds it
byte-equal to ``canonical_json(event_to_dict(event))``.

Example::

    canonical_json({"b": 1, "a": [True, None]})     # b'{"a":[true,null],"b":1}'
    format_instant(datetime(2026, 1, 5, 9, tzinfo=UTC))   # '2026-01-05T09:00:00.000000Z'
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from json.encoder import encode_basestring as _q  # the string encoder json.dumps uses
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from splitbrain.engine.domain.audit.event import AuditEvent


def canonical_json(value: object) -> bytes:
    """Sorted keys, no whitespace, UTF-8: the one byte form that is hashed and stored.

    >>> canonical_json({"b": 1, "a": [True, None]})
    b'{"a":[true,null],"b":1}'
    """
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def format_instant(at: datetime) -> str:
    """``2026-01-05T09:00:00.000000Z``: an aware datetime as a fixed-width UTC instant."""
    utc = at if at.tzinfo is UTC else at.astimezone(UTC)
    return utc.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def canonical_event_bytes(event: AuditEvent) -> bytes:
    """``canonical_json(event_to_dict(event))``, written out in sorted key order by hand.

    The hot path of append and verify; a test holds it byte-equal to the generic form.
    Strings are encoded exactly as ``json.dumps(..., ensure_ascii=False)`` encodes them.
    """
    return "".join(
        (
            '{"action":', _q(event.action),
            ',"actor":', _q(event.actor),
            ',"at":"', format_instant(event.at),
            '","consent_ref":', _qn(event.consent_ref),
            ',"correlation_id":', _qn(event.correlation_id),
            ',"extra":', _qmap(event.extra),
            ',"field_names":[', ",".join(map(_q, event.field_names)),
            '],"fingerprints":', _qmap(event.fingerprints),
            ',"match_grade":', _qn(event.match_grade),
            ',"matrix_version":', _qn(event.matrix_version),
            ',"outcome":', _q(event.outcome.value),
            ',"person":', _qn(event.person),
            ',"policy_version":', _qn(event.policy_version),
            ',"purpose":', _qn(event.purpose),
            ',"reason":', _qn(event.reason),
            ',"role":', _q(event.role),
            ',"service":', _q(event.service),
            "}",
        )
    ).encode("utf-8")  # fmt: skip


def _qn(value: str | None) -> str:
    return "null" if value is None else _q(value)


def _qmap(pairs: tuple[tuple[str, str], ...]) -> str:
    return "{" + ",".join(f"{_q(k)}:{_q(v)}" for k, v in pairs) + "}"  # pairs are sorted


def event_to_dict(event: AuditEvent) -> dict[str, object]:
    """The JSON-ready form of an event (what ``canonical_json`` serializes)."""
    return {
        "actor": event.actor,
        "role": event.role,
        "service": event.service,
        "action": event.action,
        "outcome": event.outcome.value,
        "at": format_instant(event.at),
        "reason": event.reason,
        "matrix_version": event.matrix_version,
        "policy_version": event.policy_version,
        "purpose": event.purpose,
        "consent_ref": event.consent_ref,
        "person": event.person,
        "correlation_id": event.correlation_id,
        "match_grade": event.match_grade,
        "field_names": list(event.field_names),
        "fingerprints": dict(event.fingerprints),
        "extra": dict(event.extra),
    }
