"""Property: replaying already-seen writes, in any subset and order, changes nothing."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import event, given
from hypothesis import strategies as st

from splitbrain.engine.domain.decisions import DuplicateDelivery, RejectReason, WriteRejected
from splitbrain.engine.domain.write import Write
from tests.properties.write_path_strategies import write_sequences
from tests.unit.engine.builders import minutes
from tests.unit.engine.ledger import Ledger
from tests.unit.engine.telehealth_policy import telehealth_policy

POLICY = telehealth_policy()


def _run(writes: list[Write]) -> Ledger:
    ledger = Ledger(POLICY)
    for index, write in enumerate(writes):
        ledger.submit(write, minutes(index))
    return ledger


@given(data=st.data())
def test_replaying_any_subset_of_seen_writes_changes_nothing(data: st.DataObject) -> None:
    writes = data.draw(write_sequences(POLICY))
    ledger = _run(writes)
    states, first = dict(ledger.states), dict(ledger.first)
    replays = data.draw(st.lists(st.sampled_from(writes), max_size=40), label="replays")

    for write in replays:
        retry = replace(write, correlation_id=data.draw(st.sampled_from([None, "retry-2"])))
        decision = ledger.submit(retry, minutes(500))

        assert isinstance(decision, DuplicateDelivery)
        assert decision.first is first[write.idempotency_key]
        event(f"replayed a {type(decision.first).__name__}")

    assert ledger.states == states
    assert ledger.first == first


@given(data=st.data())
def test_reusing_a_seen_key_for_another_payload_changes_nothing(data: st.DataObject) -> None:
    writes = data.draw(write_sequences(POLICY))
    ledger = _run(writes)
    states, first = dict(ledger.states), dict(ledger.first)
    reused = data.draw(st.sampled_from(writes))
    altered = replace(reused, base_version=(reused.base_version or 0) + 1)

    decision = ledger.submit(altered, minutes(500))

    assert isinstance(decision, WriteRejected)
    assert decision.reason is RejectReason.IDEMPOTENCY_KEY_REUSE
    assert ledger.states == states
    assert ledger.first == first
