"""Decision records: written with orjson, read back equal, and the json-written ones still read."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from splitbrain.engine.adapters.store_records import dump_decision, load_decision
from splitbrain.engine.domain.decide import decide
from splitbrain.engine.domain.decisions import ConflictEscalated, Decision, DuplicateDelivery
from splitbrain.engine.domain.policy import Policy
from tests.unit.engine.builders import PERSON, T0, a_state, a_write, minutes
from tests.unit.engine.telehealth_policy import telehealth_policy

_ZONES = [
    UTC,
    timezone(timedelta(hours=5, minutes=30)),
    timezone(timedelta(hours=-3, seconds=7)),  # an offset orjson would round to the minute
]
instants = st.builds(
    lambda at, zone: at.replace(tzinfo=zone),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    st.sampled_from(_ZONES),
)
values = st.none() | st.text(max_size=20)  # non-ASCII and lone surrogates included


def _decided(policy: Policy, value: str | None, at: datetime) -> Decision:
    write = a_write("contact_preference", system="portal", role="patient", value=value, at=at)
    return decide(write, a_state("contact_preference", at=None), "lead", policy, prior=None, now=T0)


_POLICY = telehealth_policy()


@given(values, instants)
def test_a_decision_reads_back_equal_to_what_was_written(value: str | None, at: datetime) -> None:
    decision = _decided(_POLICY, value, at)

    loaded = load_decision(dump_decision(decision))

    assert loaded == decision
    assert loaded.write.occurred_at.utcoffset() == at.utcoffset()


def test_instants_are_written_as_isoformat_writes_them(policy: Policy) -> None:
    at = datetime(2026, 1, 5, 9, 0, tzinfo=timezone(timedelta(hours=-3, seconds=7)))
    for moment in (T0, at, T0 + timedelta(microseconds=1)):
        row = json.loads(dump_decision(_decided(policy, "SMS", moment)))

        assert row[1][9] == moment.isoformat()


def test_a_record_written_by_the_json_encoder_still_reads(policy: Policy) -> None:
    decision = _decided(policy, "Zoë", T0)
    old = json.dumps(json.loads(dump_decision(decision)), separators=(",", ":"))

    assert "\\u00eb" in old
    assert load_decision(old) == decision


@pytest.mark.parametrize("kind", ["escalated", "duplicate"])
def test_escalations_and_duplicates_round_trip(policy: Policy, kind: str) -> None:
    current = a_state(
        "legal_name", version=3, system="crm", role="growth_ops", at=minutes(30), key="crm:e1"
    )
    stale = a_write("legal_name", system="crm", role="intake_ops", base=2, at=minutes(40))
    escalated = decide(stale, current, "in_care", policy, prior=None, now=minutes(60))
    assert isinstance(escalated, ConflictEscalated), escalated
    decision: Decision = escalated
    if kind == "duplicate":
        decision = decide(stale, current, "in_care", policy, prior=escalated, now=minutes(61))
        assert isinstance(decision, DuplicateDelivery)

    assert load_decision(dump_decision(decision)) == decision
    assert decision.write.person == PERSON
