"""The SQLite store's Bloom filters skip SQL only for what was surely never stored.

The decision log keeps a filter of claimed idempotency keys and the field states one of persons
with any state: a key or a person the filter lacks is answered without a query. They must never
hide a key or a state, whether it was written by this store before a restart, by the open batch,
or by another connection on the same file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from splitbrain.engine.adapters.key_filter import KeyFilter
from splitbrain.engine.adapters.sqlite_store import SqliteUnitOfWork
from splitbrain.engine.bootstrap import bootstrap
from splitbrain.engine.domain.decisions import DuplicateDelivery, FieldApplied
from splitbrain.engine.domain.policy import Policy
from splitbrain.engine.service_layer.clock import FixedClock
from splitbrain.engine.service_layer.engine import Engine
from tests.unit.service_layer.small_policy import T0, Writes, small_policy


@pytest.fixture
def policy() -> Policy:
    return small_policy()


def _store(engine: Engine) -> SqliteUnitOfWork:
    uow = engine._uow
    assert isinstance(uow, SqliteUnitOfWork)
    return uow


def _open(db: Path, policy: Policy, batch_size: int = 1) -> Engine:
    return bootstrap(
        store=f"sqlite:{db}", policy=policy, clock=FixedClock(T0), batch_size=batch_size
    )


@given(st.lists(st.text(max_size=12), max_size=300), st.integers(1, 5000))
def test_a_key_filter_holds_every_key_added_to_it(keys: list[str], capacity: int) -> None:
    seen = KeyFilter(capacity)

    for key in keys:
        seen.add(key)

    assert all(key in seen for key in keys)
    assert seen.full == (len(keys) > seen.capacity)


def test_a_redelivery_from_an_earlier_batch_and_from_before_a_restart_is_a_duplicate(
    tmp_path: Path, policy: Policy
) -> None:
    db, writes = tmp_path / "engine.sqlite", Writes()
    first = writes("lead_source", "web_form")
    engine = _open(db, policy, batch_size=3)
    engine.ingest(first)
    for n in range(5):
        engine.ingest(writes("lead_source", f"v{n}", person=f"per_{n + 2:04d}"))

    assert isinstance(engine.ingest(first), DuplicateDelivery)
    engine.close()
    reopened = _open(db, policy, batch_size=3)
    assert isinstance(reopened.ingest(first), DuplicateDelivery)
    reopened.close()


def test_a_key_and_a_state_written_by_another_connection_are_seen(
    tmp_path: Path, policy: Policy
) -> None:
    db, writes = tmp_path / "engine.sqlite", Writes()
    ours, theirs = _open(db, policy), _open(db, policy)
    ours.ingest(writes("lead_source", "web_form", person="per_0001"))  # filters built, no per_0002
    shared = writes("lead_source", "referral", person="per_0002")

    theirs.ingest(shared)
    redelivered = ours.ingest(shared)
    next_write = ours.ingest(writes("lead_source", "event", person="per_0002", base=1))

    assert isinstance(redelivered, DuplicateDelivery)
    assert isinstance(next_write, FieldApplied)
    assert next_write.new_version == 2
    assert ours.field("per_0002", "lead_source").value == "event"
    theirs.close()
    ours.close()
    assert _open(db, policy).verify_audit().ok


def test_the_key_filter_catches_up_with_keys_another_connection_wrote_without_a_full_read(
    tmp_path: Path, policy: Policy
) -> None:
    db, writes = tmp_path / "engine.sqlite", Writes()
    ours, theirs = _open(db, policy, batch_size=2), _open(db, policy)
    for n in range(4):  # the filter is built, and covers two committed batches of ours
        ours.ingest(writes("lead_source", f"v{n}", person=f"per_{n + 1:04d}"))
    theirs_writes = [writes("lead_source", "referral", person=f"per_{n:04d}") for n in (7, 8)]
    for write in theirs_writes:
        theirs.ingest(write)
    statements: list[str] = []
    _store(ours).conn.set_trace_callback(statements.append)

    redelivered = [ours.ingest(write) for write in theirs_writes]
    fresh = ours.ingest(writes("lead_source", "event", person="per_0009"))
    ours.flush()

    assert all(isinstance(d, DuplicateDelivery) for d in redelivered)
    assert isinstance(fresh, FieldApplied)
    reads = [s for s in statements if "idempotency_key FROM decisions WHERE seq >" in s]
    assert len(reads) == 1  # one catch-up past the seq the filter covered, no full read
    assert not any(s.startswith("SELECT idempotency_key FROM decisions WHERE") for s in statements)
    theirs.close()
    ours.close()


def test_a_batch_lost_after_its_keys_entered_the_filter_does_not_hide_later_keys(
    tmp_path: Path, policy: Policy
) -> None:
    db, writes = tmp_path / "engine.sqlite", Writes()
    ours, theirs = _open(db, policy, batch_size=50), _open(db, policy)
    ours.ingest(writes("lead_source", "web_form", person="per_0001"))
    ours.flush()
    ours.ingest(writes("lead_source", "lost", person="per_0002"))  # seq 2, never committed
    _store(ours)._lose_batch()
    shared = writes("lead_source", "referral", person="per_0003")

    theirs.ingest(shared)  # takes seq 2 in SQL, under a key ours never saw
    redelivered = ours.ingest(shared)

    assert isinstance(redelivered, DuplicateDelivery)
    theirs.close()
    ours.close()


def test_a_person_another_connection_wrote_is_seen_without_reading_every_person(
    tmp_path: Path, policy: Policy
) -> None:
    db, writes = tmp_path / "engine.sqlite", Writes()
    ours, theirs = _open(db, policy), _open(db, policy)
    for n in range(3):  # the persons filter is built: per_0001..per_0003
        ours.ingest(writes("lead_source", "web_form", person=f"per_{n + 1:04d}"))
    theirs.ingest(writes("lead_source", "referral", person="per_0009"))
    statements: list[str] = []
    _store(ours).conn.set_trace_callback(statements.append)

    next_write = ours.ingest(writes("lead_source", "event", person="per_0009", base=1))

    assert isinstance(next_write, FieldApplied)
    assert next_write.new_version == 2
    assert not any("DISTINCT person" in s for s in statements)
    theirs.close()
    ours.close()


def test_the_persons_filter_is_trusted_again_after_as_many_misses_as_it_holds_persons(
    tmp_path: Path, policy: Policy
) -> None:
    db, writes = tmp_path / "engine.sqlite", Writes()
    ours, theirs = _open(db, policy), _open(db, policy)
    for n in range(2):
        ours.ingest(writes("lead_source", "web_form", person=f"per_{n + 1:04d}"))
    theirs.ingest(writes("lead_source", "referral", person="per_0009"))
    statements: list[str] = []
    _store(ours).conn.set_trace_callback(statements.append)

    for n in range(10, 16):  # new persons: each a miss asked of SQL, then one rebuild
        ours.ingest(writes("lead_source", "event", person=f"per_{n:04d}"))

    rebuilds = [s for s in statements if "DISTINCT person" in s]
    lookups = [s for s in statements if s.startswith("SELECT field, value")]
    assert len(rebuilds) == 1
    assert len(lookups) == 2  # the budget: the two persons the filter held
    assert ours.field("per_0009", "lead_source").value == "referral"
    theirs.close()
    ours.close()
