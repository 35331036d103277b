"""What only the durable sync stores promise: reopening, sharing, many workers at once.

Concurrency: 500 events are drained by several workers at once (threads sharing one store,
threads with a store each: separate connections, locking as separate processes do; and two
processes on PostgreSQL), every claim at one instant with a long lease, so
no lease runs out: every event and every effect must be processed exactly once, and effects of
one ordering key one at a time, oldest first. The contract itself is in ``test_sync_store.py``.
"""

from __future__ import annotations

import itertools
import multiprocessing
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier as BarrierType
from pathlib import Path
from threading import Barrier
from typing import Any

import psycopg
import pytest
from psycopg import conninfo

from splitbrain.engine.adapters.audit_files import keys_path_for, load_or_create_keys
from splitbrain.engine.adapters.sqlite_store import SqliteUnitOfWork
from splitbrain.engine.adapters.sync_postgres import PostgresSyncStore
from splitbrain.engine.adapters.sync_sqlite import SqliteSyncStore
from splitbrain.engine.service_layer.errors import SchemaVersionMismatch, StoreBusy, StoreClosed
from splitbrain.engine.service_layer.sync.model import InboxState, OutboxState
from splitbrain.engine.service_layer.sync.ports import SyncStore
from tests.integration.test_sync_store import LEASE, T0, effect, item

EVENTS = 500
KEYS = 20
HOUR = timedelta(hours=1)
Journal = list[tuple[str, int, str, int, int]]
"""(ordering key, seq, effect id, ticket after its claim returned, ticket before it was sent)"""

DURABLE = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


def open_store(kind: str, target: str) -> SyncStore:
    return SqliteSyncStore.open(target) if kind == "sqlite" else PostgresSyncStore.open(target)


@pytest.fixture(params=DURABLE)
def target(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """(kind, where): a SQLite file path or a PostgreSQL database URI, empty."""
    if request.param == "sqlite":
        return "sqlite", str(tmp_path / "engine.sqlite")
    return "postgres", str(request.getfixturevalue("postgres_db"))


@pytest.fixture
def opener(target: tuple[str, str]) -> Iterator[Callable[[], SyncStore]]:
    """Opens stores on one target (as many as a test wants) and closes them all afterwards."""
    opened: list[SyncStore] = []

    def _open() -> SyncStore:
        opened.append(open_store(*target))
        return opened[-1]

    yield _open
    for store in opened:
        store.close()


# -- reopening and sharing --------------------------------------------------------------------
def test_a_received_event_is_there_after_the_store_is_reopened(
    opener: Callable[[], SyncStore],
) -> None:
    first = opener()
    first.receive(item(1))
    first.close()

    reopened = opener()

    assert [i.event_id for i in reopened.claim_inbox("w1", now=T0, lease=LEASE, limit=5)] == [
        "crm:evt-1"
    ]


def test_a_closed_store_refuses_calls(opener: Callable[[], SyncStore]) -> None:
    store = opener()
    store.close()

    with pytest.raises(StoreClosed):
        store.receive(item(1))


def test_sync_tables_of_another_version_are_refused(
    target: tuple[str, str], opener: Callable[[], SyncStore]
) -> None:
    opener().close()
    kind, where = target
    if kind == "sqlite":
        with sqlite3.connect(where) as conn:
            conn.execute("UPDATE sync_schema SET version = 99")
    else:
        with psycopg.connect(where) as pg:
            pg.execute("UPDATE sync_schema SET version = 99")

    with pytest.raises(SchemaVersionMismatch, match="sync tables"):
        opener()


def test_a_call_that_cannot_get_its_lock_in_time_is_busy_and_keeps_nothing(
    target: tuple[str, str], opener: Callable[[], SyncStore]
) -> None:
    kind, where = target
    opener().receive(item(1))
    store: SyncStore
    blocker: sqlite3.Connection | psycopg.Connection[tuple[Any, ...]]
    if kind == "sqlite":
        store = SqliteSyncStore.open(where, busy_timeout_ms=50)
        blocker = sqlite3.connect(where, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")  # another process holds the file's write lock
    else:
        store = PostgresSyncStore.open(conninfo.make_conninfo(where, options="-c lock_timeout=50"))
        blocker = psycopg.connect(where)
        blocker.execute("SELECT 1 FROM sync_inbox WHERE event_id = 'crm:evt-1' FOR UPDATE")
    try:
        with pytest.raises(StoreBusy, match="run it again as is"):
            store.finish_inbox("crm:evt-1", InboxState.APPLIED, detail=None, now=T0)
    finally:
        blocker.rollback()
        blocker.close()

    still = store.inbox_item("crm:evt-1")
    store.close()
    assert still is not None
    assert still.state is InboxState.PENDING


@pytest.mark.parametrize("sync_first", [True, False], ids=["sync-first", "engine-first"])
def test_the_sync_store_and_the_engine_share_one_sqlite_file_in_either_order(
    tmp_path: Path, sync_first: bool
) -> None:
    db = tmp_path / "engine.sqlite"
    keys = load_or_create_keys(keys_path_for(db))
    if sync_first:
        sync = SqliteSyncStore.open(db)
        uow = SqliteUnitOfWork.open(db, keys)
    else:
        uow = SqliteUnitOfWork.open(db, keys)
        sync = SqliteSyncStore.open(db)

    sync.receive(item(1))

    assert uow.rows_in("decisions") == 0
    assert sync.inbox_item("crm:evt-1") is not None
    sync.close()
    uow.close()


# -- many workers at once ---------------------------------------------------------------------
def drain_inbox(store: SyncStore, worker: str) -> list[str]:
    """Claim and finish events until none is left; the ids this worker claimed."""
    claimed: list[str] = []
    while batch := store.claim_inbox(worker, now=T0, lease=HOUR, limit=7):
        for it in batch:
            claimed.append(it.event_id)
            n = int(it.event_id.rsplit("-", 1)[1])
            plan = [effect(it.event_id, n, key=f"crm:contact/c{n % KEYS}")]
            store.finish_inbox(it.event_id, InboxState.APPLIED, detail=worker, effects=plan, now=T0)
    return claimed


def drain_outbox(store: SyncStore, worker: str, tickets: Iterator[int]) -> Journal:
    """Claim and send effects until no effect is open; what was sent, with tickets that order
    each claim after the previous send of its key began."""
    journal: Journal = []
    while True:
        batch = store.claim_outbox(worker, now=T0, lease=HOUR, limit=5)
        claimed_at = next(tickets)
        if not batch:
            depths = store.depths().outbox
            if depths["pending"] + depths["claimed"] == 0:
                return journal
        for e in batch:
            journal.append((e.ordering_key, e.seq, e.effect_id, claimed_at, next(tickets)))
            store.effect_sent(e.effect_id, status=200, now=T0)


def drain(
    store: SyncStore, worker: str, start: Barrier, tickets: Iterator[int]
) -> tuple[list[str], Journal]:
    start.wait()
    return drain_inbox(store, worker), drain_outbox(store, worker, tickets)


def assert_each_processed_once(store: SyncStore, events: list[str], journal: Journal) -> None:
    assert sorted(events) == sorted(item(n).event_id for n in range(EVENTS))
    assert len(set(events)) == EVENTS
    assert Counter(e[2] for e in journal).most_common(1)[0][1] == 1
    assert len(journal) == EVENTS
    inbox = store.inbox()
    assert {(i.state, i.attempts) for i in inbox} == {(InboxState.APPLIED, 1)}
    outbox = store.outbox()
    assert {(e.state, e.attempts) for e in outbox} == {(OutboxState.SENT, 1)}


def assert_each_key_in_order_one_at_a_time(journal: Journal) -> None:
    by_key: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for key, seq, _, claimed_at, send_began in journal:
        by_key[key].append((seq, claimed_at, send_began))
    for sends in by_key.values():
        sends.sort()
        for earlier, later in itertools.pairwise(sends):
            assert later[1] > earlier[2], "an effect was claimed before its key's previous send"
    assert len(by_key) == KEYS


def assert_postgres_spread_the_work(target: tuple[str, str], claims: list[int]) -> None:
    """Proof that the workers ran at once: with SKIP LOCKED every one of them gets work. SQLite
    hands its write lock to whoever asks first after a commit, often the connection that just
    committed, so there one worker may do everything: exactly-once is the claim there."""
    if target[0] == "postgres":
        assert all(claims), f"a worker never got any work ({claims}): they did not run at once"


@pytest.mark.parametrize("workers", [3])
@pytest.mark.parametrize("shared", [True, False], ids=["one-store", "store-per-worker"])
def test_concurrent_workers_process_every_event_and_effect_exactly_once_in_key_order(
    target: tuple[str, str], opener: Callable[[], SyncStore], workers: int, shared: bool
) -> None:
    setup = opener()
    for n in range(EVENTS):
        setup.receive(item(n))
    stores = [setup if shared else opener() for _ in range(workers)]
    start, tickets = Barrier(workers), itertools.count()

    with ThreadPoolExecutor(workers) as pool:
        futures = [pool.submit(drain, s, f"w{i}", start, tickets) for i, s in enumerate(stores)]
        results = [f.result(timeout=300) for f in futures]

    events = [e for claimed, _ in results for e in claimed]
    journal = [j for _, sent in results for j in sent]
    assert_each_processed_once(setup, events, journal)
    assert_each_key_in_order_one_at_a_time(journal)
    assert_postgres_spread_the_work(target, [len(claimed) for claimed, _ in results])


def process_worker(
    kind: str, where: str, worker: str, start: BarrierType, out: Queue[tuple[list[str], list[str]]]
) -> None:
    """One engine process: open its own store, drain both queues, report what it did."""
    store = open_store(kind, where)
    try:
        start.wait()
        events = drain_inbox(store, worker)
        journal = drain_outbox(store, worker, itertools.count())
        out.put((events, [j[2] for j in journal]))
    finally:
        store.close()


@pytest.mark.slow
@pytest.mark.postgres
def test_two_engine_processes_share_one_postgres_store_and_process_everything_exactly_once(
    postgres_db: str,
) -> None:
    target = ("postgres", postgres_db)
    setup = open_store(*target)
    try:
        for n in range(EVENTS):
            setup.receive(item(n))
        ctx = multiprocessing.get_context("spawn")
        start = ctx.Barrier(2)
        out: Queue[tuple[list[str], list[str]]] = ctx.Queue()
        procs = [
            ctx.Process(target=process_worker, args=(*target, f"p{i}", start, out))
            for i in range(2)
        ]

        for proc in procs:
            proc.start()
        results = [out.get(timeout=300) for _ in procs]
        for proc in procs:
            proc.join(timeout=60)

        assert [p.exitcode for p in procs] == [0, 0]
        events = [e for claimed, _ in results for e in claimed]
        sent = [e for _, effects in results for e in effects]
        assert sorted(events) == sorted(item(n).event_id for n in range(EVENTS))
        assert sorted(sent) == sorted(e.effect_id for e in setup.outbox())
        assert len(sent) == len(set(sent)) == EVENTS
        assert {(i.state, i.attempts) for i in setup.inbox()} == {(InboxState.APPLIED, 1)}
        assert {(e.state, e.attempts) for e in setup.outbox()} == {(OutboxState.SENT, 1)}
        assert_postgres_spread_the_work(target, [len(claimed) for claimed, _ in results])
    finally:
        setup.close()
