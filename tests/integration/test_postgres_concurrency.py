"""Several engine processes on one PostgreSQL store: no forked chain, no double decision, no
lost update, no duplicate person, even when they write the same fields, receive the same
deliveries and register the same patient at once.

The two-process runs show the whole; the last tests take each lock alone, on two connections
in this process, so that a missing lock fails a test deterministically (the processes' runs
alone would hide some: the audit tail makes them take turns).
"""

from __future__ import annotations

import multiprocessing
import random
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest

from splitbrain.engine.adapters.identity.factory import MatchingParts
from splitbrain.engine.adapters.postgres_store import PostgresUnitOfWork
from splitbrain.engine.adapters.store_records import load_decision
from splitbrain.engine.bootstrap import bootstrap, random_keys
from splitbrain.engine.domain.audit import AuditEntry, AuditKeys
from splitbrain.engine.domain.decide import apply
from splitbrain.engine.domain.decisions import DuplicateDelivery, FieldApplied
from splitbrain.engine.domain.identity.record import RecordKey
from splitbrain.engine.domain.write import FieldState, Write
from splitbrain.engine.service_layer.audit_trail import audit_event
from splitbrain.engine.service_layer.clock import FixedClock
from splitbrain.engine.service_layer.commands import Command, IngestWrite
from splitbrain.engine.service_layer.errors import StoreBusy
from splitbrain.engine.service_layer.events import IdempotencyKeysPurged
from splitbrain.engine.service_layer.identity_commands import RegisterRecord
from tests.integration.postgres_workers import handle_all
from tests.unit.service_layer.small_policy import T0, Writes, small_policy

pytestmark = pytest.mark.postgres

PERSONS = ("per_0001", "per_0002", "per_0003", "per_0004")
FIELDS = ("lead_source", "contact_preference")
PER_PROCESS, SHARED, REDELIVERED = 300, 60, 20


def _deliveries(seed: int = 7) -> tuple[list[Write], list[Write]]:
    """Two processes' deliveries: each 300, over 8 shared (person, field) keys; 60 writes are
    delivered to both, 20 twice to the same one; every write's value is unique."""
    rng, writes = random.Random(seed), Writes()
    fresh = [
        writes(field, f"value-{n}", person=rng.choice(PERSONS))
        for n, field in enumerate(rng.choice(FIELDS) for _ in range(SHARED + 440))
    ]
    shared = fresh[:SHARED]
    lists = []
    for own in (fresh[SHARED : SHARED + 220], fresh[SHARED + 220 : SHARED + 440]):
        again = rng.sample(own, REDELIVERED)
        deliveries = [*shared, *own, *(replace(w, correlation_id="retry") for w in again)]
        rng.shuffle(deliveries)
        lists.append(deliveries)
    assert all(len(d) == PER_PROCESS for d in lists)
    return lists[0], lists[1]


def _run_two(dsn: str, audit_dir: Path, keys: AuditKeys,
             loads: tuple[Sequence[Command], Sequence[Command]]) -> Counter[str]:  # fmt: skip
    """Handle each load in its own spawned engine process, both at once; their retries, by
    ``StoreBusy.kind``."""
    spawn = multiprocessing.get_context("spawn")
    start, out = spawn.Barrier(2), spawn.Queue()
    workers = [
        spawn.Process(target=handle_all, args=(dsn, str(audit_dir), keys, load, start, out))
        for load in loads
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=240)
    assert [w.exitcode for w in workers] == [0, 0]
    retries: Counter[str] = Counter()
    for _ in workers:
        retries.update(out.get(timeout=5))
    return retries


def _decisions(dsn: str) -> list[tuple[int, str, str]]:
    with psycopg.connect(dsn, options="-c search_path=splitbrain") as conn:
        rows = conn.execute(b"SELECT seq, idempotency_key, body FROM decisions ORDER BY seq")
        return [(int(seq), str(key), str(body)) for seq, key, body in rows]


def test_two_processes_decide_each_key_once_and_never_fork_the_chain(
    postgres_db: str, tmp_path: Path
) -> None:
    keys, first, second = random_keys(), *_deliveries()
    bootstrap(store=postgres_db, policy=small_policy(), keys=keys, audit_dir=tmp_path).close()

    loads = ([IngestWrite(w) for w in first], [IngestWrite(w) for w in second])
    retries = _run_two(postgres_db, tmp_path, keys, loads)

    rows = _decisions(postgres_db)
    delivered = [*first, *second]
    firsts: dict[str, int] = defaultdict(int)
    applied: dict[tuple[str, str], list[FieldApplied]] = defaultdict(list)
    for _seq, key, body in rows:
        decision = load_decision(body)
        if isinstance(decision, DuplicateDelivery):
            continue
        firsts[key] += 1
        if isinstance(decision, FieldApplied):
            applied[decision.write.person, decision.write.field].append(decision)

    assert len(rows) == len(delivered)
    assert set(firsts) == {w.idempotency_key for w in delivered}
    assert set(firsts.values()) == {1}, "a key was decided twice"
    engine = bootstrap(store=postgres_db, policy=small_policy(), keys=keys, audit_dir=tmp_path,
                       clock=FixedClock(T0 + timedelta(days=1)))  # fmt: skip
    for (person, field), decisions in applied.items():
        versions = [d.new_version for d in decisions]
        assert versions == list(range(1, len(versions) + 1)), (person, field, versions)
        assert all(d.previous_version == d.new_version - 1 for d in decisions)
        state = engine.field(person, field)
        assert (state.version, state.value) == (versions[-1], decisions[-1].value)
    verdict = engine.verify_audit()
    assert verdict.ok, verdict.message
    assert verdict.entries_checked == len(delivered)
    assert verdict.checkpoints_matched >= 2
    engine.close()
    # two processes taking one delivery at once may race for its key: that one retries, by
    # design; a transaction the server had to abort would mean the lock order is broken
    assert set(retries) <= {"key_claimed"}, f"the write path must not deadlock: {retries}"


def test_two_processes_registering_one_patient_at_once_make_one_person(
    postgres_db: str, tmp_path: Path
) -> None:
    normalizer, keys = MatchingParts.from_config().normalizer, random_keys()
    bootstrap(store=postgres_db, policy=small_policy(), keys=keys, audit_dir=tmp_path).close()

    def patient(system: str, n: int) -> RegisterRecord:
        return RegisterRecord(normalizer.record(
            system, f"{system}-{n}", given=f"Ana{chr(97 + n % 26)}{n}", family=f"Garcia{n}",
            date_of_birth=f"19{50 + n % 40}-02-0{1 + n % 9}", phone=f"(555) 010-{n:04d}",
            email=f"patient{n}@example.org",
        ))  # fmt: skip

    loads = ([patient("ehr", n) for n in range(25)], [patient("crm", n) for n in range(25)][::-1])
    retries = _run_two(postgres_db, tmp_path, keys, loads)

    with bootstrap(store=postgres_db, policy=small_policy(), keys=keys, audit_dir=tmp_path) as e:
        pairs = [(e.record_person(RecordKey("ehr", f"ehr-{n}")),
                  e.record_person(RecordKey("crm", f"crm-{n}"))) for n in range(25)]  # fmt: skip
        persons = e.read(lambda uow: uow.identity.persons.count())
        assert e.verify_audit().ok
    assert all(a is not None and a == b for a, b in pairs), pairs
    assert persons == 25
    assert retries.total() == 0, retries


# each lock, one at a time: two units of work on two connections, the second one impatient ----


@pytest.fixture
def pair(
    postgres_db: str, tmp_path: Path
) -> Iterator[tuple[PostgresUnitOfWork, PostgresUnitOfWork]]:
    keys = random_keys()
    first, second = (
        PostgresUnitOfWork.open(postgres_db, keys, checkpoints=tmp_path / f"{name}.jsonl")
        for name in ("first", "second")
    )
    second.conn.execute("SET lock_timeout = '200ms'")  # waiting for a lock fails fast instead
    yield first, second
    first.close()
    second.close()


def _applied(write: Write, state: FieldState) -> FieldApplied:
    return FieldApplied(
        write=write, value=write.value, previous_version=state.version,
        new_version=state.version + 1, rule="owner", matrix_version="1", explanation="test",
    )  # fmt: skip


def test_a_field_read_for_a_decision_is_locked_until_the_decision_commits(
    pair: tuple[PostgresUnitOfWork, PostgresUnitOfWork],
) -> None:
    first, second = pair
    policy, write = small_policy(), Writes()("lead_source", "web_form")
    for person in ("per_0001", "per_0002"):  # rows that exist and are committed: a row lock
        with first:
            first.fields.with_stage(person, "lead_source", policy)
            first.commit()

    with first:
        state, _stage = first.fields.with_stage("per_0001", "lead_source", policy)
        with second, pytest.raises(StoreBusy):
            second.fields.with_stage("per_0001", "lead_source", policy)
        with second:
            other, _ = second.fields.with_stage("per_0002", "lead_source", policy)
        first.fields.put(apply(state, _applied(write, state)))
        first.commit()
    with second:
        after, _ = second.fields.with_stage("per_0001", "lead_source", policy)

    assert (state.version, other.version, after.version) == (0, 0, 1)


def test_a_second_append_waits_for_the_audit_tail_and_chains_after_the_first(
    pair: tuple[PostgresUnitOfWork, PostgresUnitOfWork],
) -> None:
    first, second = pair
    second.conn.execute("SET lock_timeout = 0")  # this time, wait as long as it takes
    event = audit_event(IdempotencyKeysPurged(cutoff=T0, count=0, at=T0), T0,
                        first.audit.fingerprint)  # fmt: skip

    def append_in_second() -> AuditEntry:
        with second:
            entry = second.audit.append(event)
            second.commit()
            return entry

    with first, ThreadPoolExecutor(max_workers=1) as pool:
        one = first.audit.append(event)
        waiting = pool.submit(append_in_second)
        time.sleep(0.3)
        held = not waiting.done()
        first.commit()
        two = waiting.result(timeout=30)

    assert held, "the second append did not wait for the tail"
    assert (one.seq, two.seq, two.prev_hash) == (1, 2, one.hash)


def test_a_key_claimed_by_another_process_meanwhile_fails_the_command_as_busy(
    pair: tuple[PostgresUnitOfWork, PostgresUnitOfWork],
) -> None:
    first, second = pair
    write = Writes()("lead_source", "web_form")
    elsewhere = replace(write, field="contact_preference", value="sms")

    with first, second:
        assert first.decisions.first(write.idempotency_key) is None
        assert second.decisions.first(write.idempotency_key) is None
        first.decisions.add(_applied(write, FieldState.empty("per_0001", "lead_source")), T0)
        first.commit()
        with pytest.raises(StoreBusy, match="claimed by another engine process") as busy:
            second.decisions.add(_applied(elsewhere, FieldState.empty("per_0001", "x")), T0)
        assert busy.value.kind == "key_claimed"
