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
    if at.tzinfo is UTC:  # the common case: drop the "+00:00" isoformat writes
        return at.isoformat(timespec="microseconds")[:-6] + "Z"
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def canonical_event_bytes(event: AuditEvent) -> bytes:
    """``canonical_json(event_to_dict(event))``, written out in sorted key order by hand.

    The hot path of append and verify; a test holds it byte-equal to the generic form.
    Strings are encoded exactly as ``json.dumps(..., ensure_ascii=False)`` encodes them.
    """
    e = event
    return (
        f'{{"action":{_q(e.action)},"actor":{_q(e.actor)},"at":"{format_instant(e.at)}",'
        f'"consent_ref":{"null" if e.consent_ref is None else _q(e.consent_ref)},'
        f'"correlation_id":{"null" if e.correlation_id is None else _q(e.correlation_id)},'
        f'"extra":{{{",".join([f"{_q(k)}:{_q(v)}" for k, v in e.extra])}}},'
        f'"field_names":[{",".join(map(_q, e.field_names))}],'
        f'"fingerprints":{{{",".join([f"{_q(k)}:{_q(v)}" for k, v in e.fingerprints])}}},'
        f'"match_grade":{"null" if e.match_grade is None else _q(e.match_grade)},'
        f'"matrix_version":{"null" if e.matrix_version is None else _q(e.matrix_version)},'
        f'"outcome":{_q(e.outcome.value)},'
        f'"person":{"null" if e.person is None else _q(e.person)},'
        f'"policy_version":{"null" if e.policy_version is None else _q(e.policy_version)},'
        f'"purpose":{"null" if e.purpose is None else _q(e.purpose)},'
        f'"reason":{"null" if e.reason is None else _q(e.reason)},'
        f'"role":{_q(e.role)},"service":{_q(e.service)}}}'
    ).encode()  # UTF-8; None is null; pairs are sorted; the keys are in sorted order


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
