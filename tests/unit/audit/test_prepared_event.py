"""``EventShape.prepare`` gives exactly what ``AuditEvent`` gives: same bytes, same refusals.

The write path's audit events are prepared (checked against the same rules, encoded from a
template) instead of built as ``AuditEvent`` objects; the model they are held to is the
``AuditEvent`` made of the same fields and ``canonical_json(event_to_dict(event))``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from splitbrain.engine.domain.audit import (
    AuditEvent,
    AuditEventError,
    AuditOutcome,
    canonical_json,
    event_to_dict,
    fingerprint,
)
from splitbrain.engine.domain.audit.keys import Fingerprinter
from splitbrain.engine.domain.audit.prepared import EventShape
from tests.unit.audit.factories import CANARY_VALUES, FINGERPRINT_KEY, START
from tests.unit.audit.test_fast_paths import codes, not_codes

KEYS = ("idempotency_key", "new_version", "rule")
SHAPE = EventShape("engine", "write.decide", KEYS)
FRESH = EventShape("engine", "write.decide", KEYS, fresh="idempotency_key")
"""The same shape with its idempotency key matched every time instead of memoized."""
_SLOTS = ("actor", "role", "reason", "matrix_version", "person", "correlation_id", "extra")


@st.composite
def prepared_fields(draw: st.DrawFn) -> dict[str, object]:
    """Well-formed fields, in half of the cases with one slot spoiled by a non-code."""
    fields: dict[str, object] = {
        "actor": draw(codes),
        "role": draw(codes),
        "outcome": draw(st.sampled_from(AuditOutcome)),
        "at": START + timedelta(microseconds=draw(st.integers(0, 10**9))),
        "reason": draw(st.none() | codes),
        "matrix_version": draw(st.none() | codes),
        "person": draw(st.none() | codes),
        "correlation_id": draw(st.none() | codes),
        "field": draw(st.sampled_from(("legal_name", "medication_plan", "a.b_1"))),
        "fingerprint": draw(
            st.none() | st.builds(lambda v: fingerprint(FINGERPRINT_KEY, v), st.text(max_size=8))
        ),
        "extra": tuple(draw(codes) for _ in KEYS),
    }
    spoiled = draw(st.none() | st.sampled_from(_SLOTS))
    if spoiled == "extra":
        fields["extra"] = (draw(not_codes), *KEYS[1:])
    elif spoiled is not None:
        fields[spoiled] = draw(not_codes)
    return fields


def _model(fields: dict[str, object]) -> AuditEvent:
    extra = fields["extra"]
    fp = fields["fingerprint"]
    assert isinstance(extra, tuple)
    return AuditEvent(
        actor=fields["actor"],  # type: ignore[arg-type]
        role=fields["role"],  # type: ignore[arg-type]
        service="engine",
        action="write.decide",
        outcome=fields["outcome"],  # type: ignore[arg-type]
        at=fields["at"],  # type: ignore[arg-type]
        reason=fields["reason"],  # type: ignore[arg-type]
        matrix_version=fields["matrix_version"],  # type: ignore[arg-type]
        person=fields["person"],  # type: ignore[arg-type]
        correlation_id=fields["correlation_id"],  # type: ignore[arg-type]
        field_names=(fields["field"],),  # type: ignore[arg-type]
        fingerprints=() if fp is None else ((fields["field"], fp),),  # type: ignore[arg-type]
        extra=tuple(zip(KEYS, extra, strict=True)),
    )


@given(prepared_fields())
def test_a_prepared_event_is_refused_or_its_text_is_the_canonical_json_of_the_same_event(
    fields: dict[str, object],
) -> None:
    try:
        model = _model(fields)
    except AuditEventError:
        for shape in (SHAPE, FRESH):
            with pytest.raises(AuditEventError):
                shape.prepare(**fields)  # type: ignore[arg-type]
        return

    for shape in (SHAPE, FRESH):
        prepared = shape.prepare(**fields)  # type: ignore[arg-type]

        assert prepared.canonical_bytes() == canonical_json(event_to_dict(model))
        assert prepared.event() == model


def test_a_fresh_key_that_is_no_code_is_refused_and_named_never_shown() -> None:
    fields = _valid() | {"extra": (CANARY_VALUES[1], "1", "owner")}

    with pytest.raises(AuditEventError) as refused:
        FRESH.prepare(**fields)  # type: ignore[arg-type]

    assert "idempotency_key" in str(refused.value)
    assert CANARY_VALUES[1] not in str(refused.value)


def test_a_shape_refuses_a_fresh_key_it_does_not_have() -> None:
    with pytest.raises(AuditEventError, match="fresh"):
        EventShape("engine", "write.decide", KEYS, fresh="conflict_id")


def test_a_value_in_an_identifier_slot_is_refused_and_named_never_shown() -> None:
    fields = _valid() | {"person": CANARY_VALUES[0]}

    with pytest.raises(AuditEventError) as refused:
        SHAPE.prepare(**fields)  # type: ignore[arg-type]

    assert "person" in str(refused.value)
    assert CANARY_VALUES[0] not in str(refused.value)


def test_a_value_where_the_fingerprint_belongs_is_refused() -> None:
    with pytest.raises(AuditEventError, match="fingerprint"):
        SHAPE.prepare(**(_valid() | {"fingerprint": "semaglutide-0.5mg"}))  # type: ignore[arg-type]


def test_a_fingerprint_altered_after_the_fingerprinter_made_it_is_refused() -> None:
    made = Fingerprinter(FINGERPRINT_KEY)("Ana")
    SHAPE.prepare(**(_valid() | {"fingerprint": made}))  # type: ignore[arg-type]

    with pytest.raises(AuditEventError, match="fingerprint"):
        SHAPE.prepare(**(_valid() | {"fingerprint": made[:-1] + '"'}))  # type: ignore[arg-type]


def test_an_outcome_given_as_text_and_a_missing_actor_are_refused() -> None:
    with pytest.raises(AuditEventError):
        SHAPE.prepare(**(_valid() | {"outcome": "applied"}))  # type: ignore[arg-type]
    with pytest.raises(AuditEventError):
        SHAPE.prepare(**(_valid() | {"actor": None}))  # type: ignore[arg-type]
    with pytest.raises(AuditEventError):
        SHAPE.prepare(**(_valid() | {"extra": ("k-1", "1")}))  # type: ignore[arg-type]


def test_a_naive_time_is_refused_and_another_offset_is_written_as_utc() -> None:
    with pytest.raises(AuditEventError, match="timezone-aware"):
        SHAPE.prepare(**(_valid() | {"at": datetime(2026, 1, 5, 9)}))  # type: ignore[arg-type]
    paris = datetime(2026, 1, 5, 10, tzinfo=timezone(timedelta(hours=1)))

    prepared = SHAPE.prepare(**(_valid() | {"at": paris}))  # type: ignore[arg-type]

    assert '"at":"2026-01-05T09:00:00.000000Z"' in prepared.text


def test_a_shape_refuses_extra_keys_out_of_order_or_twice() -> None:
    with pytest.raises(AuditEventError, match="sorted and unique"):
        EventShape("engine", "write.decide", ("rule", "idempotency_key"))
    with pytest.raises(AuditEventError, match="sorted and unique"):
        EventShape("engine", "write.decide", ("rule", "rule"))
    with pytest.raises(AuditEventError, match="codes"):
        EventShape("the engine", "write.decide", ())


def _valid() -> dict[str, object]:
    return {
        "actor": "usr_1",
        "role": "ops",
        "outcome": AuditOutcome.APPLIED,
        "at": datetime(2026, 1, 5, 9, tzinfo=UTC),
        "reason": None,
        "matrix_version": "1",
        "person": "per_0001",
        "correlation_id": None,
        "field": "legal_name",
        "fingerprint": fingerprint(FINGERPRINT_KEY, "Ana"),
        "extra": ("crm:evt-1", "2", "owner"),
    }
