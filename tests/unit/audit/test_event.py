"""AuditEvent: codes only, values only as fingerprints, one canonical byte form."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from splitbrain.engine.domain.audit import (
    AuditEvent,
    AuditEventError,
    AuditOutcome,
    canonical_json,
    event_from_dict,
    event_to_dict,
    fingerprint,
)
from tests.unit.audit.factories import CANARY_VALUES, FINGERPRINT_KEY, make_event

_STRING_FIELDS = (
    "actor",
    "role",
    "service",
    "action",
    "reason",
    "matrix_version",
    "policy_version",
    "purpose",
    "consent_ref",
    "person",
    "correlation_id",
    "match_grade",
)


@pytest.mark.parametrize("field", _STRING_FIELDS)
@pytest.mark.parametrize("value", CANARY_VALUES)
def test_no_event_field_can_hold_a_name_email_or_phone(field: str, value: str) -> None:
    with pytest.raises(AuditEventError) as info:
        make_event(**{field: value})

    assert field in str(info.value)
    assert value not in str(info.value)
    assert "fingerprint" in str(info.value)


@pytest.mark.parametrize("value", CANARY_VALUES)
def test_extra_detail_can_hold_no_value_either(value: str) -> None:
    with pytest.raises(AuditEventError) as info:
        make_event(extra=(("note", value),))

    assert value not in str(info.value)


@pytest.mark.parametrize("value", CANARY_VALUES)
def test_a_fingerprint_slot_refuses_the_raw_value(value: str) -> None:
    with pytest.raises(AuditEventError) as info:
        make_event(fingerprints=(("legal_name", value),))

    assert value not in str(info.value)
    assert "fingerprint(key, value)" in str(info.value)


def test_a_fingerprint_must_name_a_field_of_the_event() -> None:
    fp = fingerprint(FINGERPRINT_KEY, "x")

    with pytest.raises(AuditEventError, match="'email' that is not in field_names"):
        make_event(fingerprints=(("email", fp),))


def test_field_names_must_be_names() -> None:
    with pytest.raises(AuditEventError, match="field_names"):
        make_event(field_names=("legal name",), fingerprints=())


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(AuditEventError, match="timezone-aware"):
        make_event(at=datetime(2026, 1, 5, 9, 0))


def test_an_unknown_outcome_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(AuditEventError, match="applied, deny, duplicate"):
        make_event(outcome="maybe")


def test_outcome_strings_become_the_enum() -> None:
    assert make_event(outcome="deny").outcome is AuditOutcome.DENY


def test_time_is_normalized_to_utc() -> None:
    plus_two = timezone(timedelta(hours=2))

    event = make_event(at=datetime(2026, 1, 5, 11, 0, tzinfo=plus_two))

    assert event.at == datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    assert event.at.tzinfo is UTC
    assert event_to_dict(event)["at"] == "2026-01-05T09:00:00.000000Z"


def test_pairs_are_sorted_so_equal_events_have_equal_bytes() -> None:
    a = make_event(extra=(("b", "2"), ("a", "1")))
    b = make_event(extra=(("a", "1"), ("b", "2")))

    assert a == b
    assert a.canonical_bytes() == b.canonical_bytes()


def test_a_key_given_twice_is_refused() -> None:
    with pytest.raises(AuditEventError, match="names one key twice"):
        make_event(extra=(("rule", "a"), ("rule", "b")))


def test_canonical_json_is_sorted_compact_utf8() -> None:
    assert canonical_json({"b": [1, None], "a": "é"}) == '{"a":"é","b":[1,null]}'.encode()


def test_canonical_bytes_are_the_canonical_json_of_the_event_dict() -> None:
    event = make_event(3)

    assert event.canonical_bytes() == canonical_json(event_to_dict(event))


def test_an_event_round_trips_through_its_dict() -> None:
    event = make_event(5)

    assert event_from_dict(json.loads(canonical_json(event_to_dict(event)))) == event


def test_a_dict_with_a_missing_or_unknown_key_is_refused() -> None:
    data = event_to_dict(make_event())
    data["comment"] = "Zorblax"
    del data["actor"]

    with pytest.raises(AuditEventError) as info:
        event_from_dict(data)

    assert "missing ['actor'], 1 unknown" in str(info.value)
    assert "Zorblax" not in str(info.value)


@pytest.mark.parametrize(
    "at",
    ["2026-01-05T09:00:00Z", "2026-01-05T09:00:00.000000+00:00", "2026-01-05T09:00:00.000000z"],
)
def test_only_the_one_instant_form_parses(at: str) -> None:
    data = event_to_dict(make_event())
    data["at"] = at

    with pytest.raises(AuditEventError, match="'at'"):
        event_from_dict(data)


def test_a_wrongly_typed_value_is_refused() -> None:
    data = event_to_dict(make_event())
    data["actor"] = 12

    with pytest.raises(AuditEventError, match="'actor' must be a string"):
        event_from_dict(data)


def test_events_are_immutable() -> None:
    event = make_event()

    with pytest.raises(AttributeError):
        event.actor = "usr_99"  # type: ignore[misc]

    assert replace(event, actor="usr_99").actor == "usr_99"


def test_minimal_event_needs_only_who_what_and_when() -> None:
    event = AuditEvent(
        actor="engine",
        role="automation",
        service="engine",
        action="idempotency.purge",
        outcome=AuditOutcome.APPLIED,
        at=datetime(2026, 1, 5, tzinfo=UTC),
    )

    assert event_to_dict(event)["field_names"] == []
