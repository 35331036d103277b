"""Property: the SQLite store, at any batch size, decides, stores and audits as memory does.

Both engines get the same writes (redeliveries included), the same clock and the same audit
keys; the decisions, the field states and the audit chain (event bytes and hashes) must be
equal. The SQLite store answers from its caches and write buffer inside a batch and from SQL
across batches, so this holds its fast paths to the plain in-memory model.
"""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from splitbrain.engine.adapters.store_records import dump_decision
from splitbrain.engine.bootstrap import bootstrap
from splitbrain.engine.domain.write import Write
from splitbrain.engine.service_layer.clock import FixedClock
from tests.properties.write_path_strategies import PERSONS, VALUES, write_sequences
from tests.unit.audit.factories import KEYS
from tests.unit.engine.builders import T0
from tests.unit.engine.telehealth_policy import telehealth_policy

POLICY = telehealth_policy()
Kept = tuple[list[str], list[tuple[int, str, str, bytes]], list[object]]


def _run(store: str, writes: list[Write], batch_size: int) -> Kept:
    clock = FixedClock(T0)
    engine = bootstrap(store=store, policy=POLICY, clock=clock, keys=KEYS, batch_size=batch_size)
    decisions = []
    for n, write in enumerate(writes):
        clock.advance(timedelta(seconds=n % 2))
        decisions.append(dump_decision(engine.ingest(write)))
    engine.flush()
    audit = [
        (e.seq, e.prev_hash, e.hash, e.event.canonical_bytes()) for e in engine.audit_entries()
    ]
    states: list[object] = [engine.field(p, f) for p in PERSONS for f in sorted(VALUES)]
    engine.close()
    return decisions, audit, states


@settings(max_examples=30)
@given(data=st.data(), batch_size=st.sampled_from([1, 2, 5, 64]))
def test_the_sqlite_store_keeps_what_the_memory_store_keeps(
    data: st.DataObject, batch_size: int
) -> None:
    writes = data.draw(write_sequences(POLICY, max_size=30))
    replays = data.draw(st.lists(st.sampled_from(writes), max_size=8), label="replays")
    writes = writes + replays

    expected = _run("memory", writes, 1)
    with tempfile.TemporaryDirectory() as tmp:
        kept = _run(f"sqlite:{Path(tmp) / 'engine.sqlite'}", writes, batch_size)

    assert kept == expected
