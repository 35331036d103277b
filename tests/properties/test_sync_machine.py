"""Hypothesis: the sync layer under a hostile scheduler, on the memory and the SQLite store.

The rules are the scheduler (STYLE §9): the EHR makes a new chart version; a notification is
delivered, delivered again (a duplicate), or delivered after a newer one (reordered); the worker
and the sender run a batch; the process crashes (after claiming a batch, after deciding but
before acknowledging, after the target applied an effect but before the store knew) and is
rebuilt over the same durable store; the clock moves (backoff, lease expiry); the CRM answers
429, 503 or 412. The engine is the real one (``bootstrap_service``: translators, identity,
decisions, fan-out, delivery); only the CRM is a fake that subclasses the ``TargetClient`` port
and is idempotent on the Idempotency-Key, as the CRM simulator is.

The model is far simpler than the engine: per chart, the versions it made and which were
delivered. Invariants, after every step and after draining:

- no lost event: every delivered notification is an inbox item, with its delivery count;
- no effect is sent after it was recorded sent (a resend happens only when its answer was lost,
  and the target replays it by key: applied at most once per key);
- per CRM record, effects are applied in planning order;
- after draining, every inbox item is in exactly one terminal state (none dead-lettered), and
  the engine and the CRM's copy hold the newest delivered chart version's values.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections import Counter, defaultdict, deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from splitbrain.engine.service_layer.clock import FixedClock
from splitbrain.engine.service_layer.sync.model import (
    INBOX_TERMINAL,
    InboxItem,
    InboxState,
    OutboxEffect,
)
from splitbrain.engine.service_layer.sync.ports import SyncStore
from splitbrain.engine.service_layer.sync.targets import Delivery, Outcome, TargetClient
from tests.properties.sync_crashing_store import Crash, CrashingStore, Fuse
from tests.properties.sync_engine import SyncParts, build_sync

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
CHARTS = ("p1", "p2")
SYNCED = ("date_of_birth", "legal_name")
"""The chart fields an EHR provider owns that travel to the CRM."""
LEASE = timedelta(seconds=30)


class FakeCrm(TargetClient):
    """The CRM behind the port: applies an update's fields, replays a known key, and answers
    with a scripted failure first when told to."""

    def __init__(self, machine: SyncMachine) -> None:
        self.machine = machine
        self.script: deque[int] = deque()
        self.applied: dict[str, int] = {}
        """Idempotency key -> planning seq of the effect applied under it."""
        self.order: dict[str, list[int]] = defaultdict(list)
        self.values: dict[tuple[str, str], str | None] = {}
        self.sends: Counter[str] = Counter()

    def deliver(self, effect: OutboxEffect) -> Delivery:
        self.machine.check_not_sent_before(effect)
        self.sends[effect.idempotency_key] += 1
        if self.script:
            status = self.script.popleft()
            event(f"CRM answered {status}")
            if status == 412:
                return Delivery(Outcome.STALE, 412, "fake 412")
            return Delivery(Outcome.RETRY, status, f"fake {status}", retry_after=1.0)
        body = json.loads(effect.body or b"{}")
        if effect.idempotency_key in self.applied:
            event("CRM replayed a key")
            return Delivery(Outcome.DONE, 200, "replayed", record=f"c-{body['person']}")
        self.applied[effect.idempotency_key] = effect.seq
        self.order[effect.ordering_key].append(effect.seq)
        for name, value in (body.get("fields") or {}).items():
            self.values[(str(body["person"]), name)] = value
        return Delivery(Outcome.DONE, 200, "applied", record=f"c-{body['person']}", version="1")

    def reread(self, effect: OutboxEffect) -> Delivery:
        return Delivery(Outcome.DONE, 200, "re-read")

    def close(self) -> None:
        """Nothing to release."""


@dataclass(frozen=True)
class Version:
    chart: str
    number: int
    date_of_birth: str
    given: str

    def body(self) -> bytes:
        resource = {
            "resourceType": "Patient", "id": self.chart,
            "meta": {"versionId": str(self.number),
                     "lastUpdated": (T0 + timedelta(seconds=self.number)).isoformat()},
            "name": [{"family": f"Quill{self.chart}", "given": [self.given]}],
            "birthDate": self.date_of_birth,
        }  # fmt: skip
        return json.dumps(resource).encode()

    @property
    def event_id(self) -> str:
        return f"ehr:Patient/{self.chart}@{self.number}"

    def value(self, field: str) -> str:
        return (
            self.date_of_birth if field == "date_of_birth" else f"Quill{self.chart}, {self.given}"
        )


class SyncMachine(RuleBasedStateMachine):
    store_kind = "memory"

    def __init__(self) -> None:
        super().__init__()
        self.clock = FixedClock(T0)
        self.dir = Path(tempfile.mkdtemp(prefix="splitbrain-sync-machine-"))
        self.fuse = Fuse()
        self.crm = FakeCrm(self)
        self.versions: dict[str, list[Version]] = {chart: [] for chart in CHARTS}
        self.delivered: Counter[str] = Counter()
        self.newest_delivered: dict[str, Version] = {}
        self.service = self._build(fresh=True)

    # -- wiring -------------------------------------------------------------------------------
    def _build(self, *, fresh: bool, reuse: SyncParts | None = None) -> SyncParts:
        durable = self.store_kind == "sqlite"
        memory = None if reuse is None else (reuse.engine, reuse.store)
        parts = build_sync(self.dir, durable=durable, clock=self.clock,
                           targets={"crm": self.crm}, fresh=fresh, memory=memory)  # fmt: skip
        crashing = CrashingStore(parts.store, self.fuse)
        parts.worker.store = crashing
        parts.deliverer.store = crashing
        return parts

    @property
    def store(self) -> SyncStore:
        return self.service.store

    def teardown(self) -> None:
        try:
            self._drain()
            self._check_converged()
        finally:
            self.service.close()
            shutil.rmtree(self.dir, ignore_errors=True)

    # -- rules --------------------------------------------------------------------------------
    @initialize(chart=st.sampled_from(CHARTS))
    def first_version(self, chart: str) -> None:
        self.new_version(chart, 1980, "Ana")

    @rule(chart=st.sampled_from(CHARTS), year=st.integers(1950, 1952),
          given=st.sampled_from(["Ana", "Bea"]))  # fmt: skip
    def new_version(self, chart: str, year: int, given: str) -> None:
        made = self.versions[chart]
        made.append(Version(chart, len(made) + 1, f"{year}-0{CHARTS.index(chart) + 1}-01", given))
        self.deliver(chart, -1)

    @rule(chart=st.sampled_from(CHARTS), back=st.integers(-3, -1))
    def deliver(self, chart: str, back: int) -> None:
        """Deliver a version: the newest (-1), or an older one (a redelivery, or a reorder when
        it was never delivered before)."""
        made = self.versions[chart]
        if not made:
            return
        version = made[max(back, -len(made))]
        newest = self.newest_delivered.get(chart)
        if newest is not None and version.number < newest.number:
            event("older version delivered after a newer one")
        if self.delivered[version.event_id]:
            event("duplicate delivery")
        self.store.receive(InboxItem(version.event_id, "ehr", "fhir-subscription",
                                     version.body(), received_at=self.clock.now()))  # fmt: skip
        self.delivered[version.event_id] += 1
        if newest is None or version.number > newest.number:
            self.newest_delivered[chart] = version

    @rule(limit=st.integers(1, 4), crash=st.sampled_from([None, "claim_inbox", "finish_inbox"]))
    def work(self, limit: int, crash: str | None) -> None:
        """The worker runs a batch; with ``crash``, the process dies after claiming it, or
        after deciding an event but before acknowledging it."""
        self.fuse.armed = crash
        self._survive(lambda: self.service.worker.run_once(limit))
        self.fuse.armed = None

    @rule(limit=st.integers(1, 4), crash=st.sampled_from([None, None, "effect_sent"]))
    def send(self, limit: int, crash: str | None) -> None:
        """The sender runs a batch; with ``crash``, the process dies after the CRM applied an
        effect and before the store recorded it sent."""
        self.fuse.armed = crash
        self._survive(lambda: self.service.deliverer.run_once(limit))
        self.fuse.armed = None

    @rule(statuses=st.lists(st.sampled_from([429, 503, 412]), min_size=1, max_size=3))
    def crm_fails(self, statuses: list[int]) -> None:
        self.crm.script.extend(statuses)

    @rule(seconds=st.sampled_from([0.5, 2.0, 31.0]))
    def advance_clock(self, seconds: float) -> None:
        self.clock.advance(timedelta(seconds=seconds))

    @rule()
    def restart_cleanly(self) -> None:
        """A clean restart: nothing claimed is left behind."""
        self._restart()

    # -- invariants ---------------------------------------------------------------------------
    @invariant()
    def no_delivered_event_is_lost(self) -> None:
        items = {item.event_id: item for item in self.store.inbox()}
        for event_id, times in self.delivered.items():
            assert event_id in items, f"{event_id} was acknowledged but is not in the inbox"
            assert items[event_id].deliveries == times, event_id

    @invariant()
    def each_crm_record_gets_its_effects_in_planning_order(self) -> None:
        for key, seqs in self.crm.order.items():
            assert seqs == sorted(seqs), f"effects for {key} applied out of order: {seqs}"

    def check_not_sent_before(self, effect: OutboxEffect) -> None:
        durable = self.store.effect(effect.effect_id)
        assert durable is not None and not durable.state.terminal, (
            f"{effect.effect_id} sent again after it was recorded {durable and durable.state}"
        )
        if self.crm.sends[effect.idempotency_key]:
            event("an effect resent under its key")

    # -- helpers ------------------------------------------------------------------------------
    def _survive(self, step: object) -> None:
        assert callable(step)
        try:
            step()
        except Crash as crash:
            event(f"crashed at {crash.args[0]}")
            self._crash()

    def _crash(self) -> None:
        """The process died: rebuild over the same store (memory: the same objects; SQLite:
        everything reopened from the file). The dead worker's claims wait for their lease."""
        self._restart()

    def _restart(self) -> None:
        if self.store_kind == "memory":
            self.service.vault.close()
            self.service = self._build(fresh=False, reuse=self.service)
            return
        self.service.close()
        self.service = self._build(fresh=False)

    def _drain(self) -> None:
        self.fuse.armed = None
        self.crm.script.clear()
        self.clock.advance(LEASE + timedelta(seconds=1))
        for _ in range(200):
            if self.service.idle():
                return
            self.service.worker.run_once(32)
            self.service.deliverer.run_once(32)
            self.clock.advance(timedelta(seconds=5))
        raise AssertionError(f"the queues did not drain: {self.store.depths()}")

    def _check_converged(self) -> None:
        for item in self.store.inbox():
            assert item.state in INBOX_TERMINAL, item.event_id
            assert item.state is not InboxState.DEAD_LETTERED, (item.event_id, item.detail)
        assert self.store.incidents() == []
        for chart, newest in self.newest_delivered.items():
            person = self.store.person_of("ehr", f"Patient/{chart}")
            assert person is not None, chart
            for name in SYNCED:
                held = self.service.engine.field(person, name).value
                assert held == newest.value(name), (chart, name, newest.number)
                assert self.crm.values.get((person, name)) == held, (
                    chart,
                    name,
                    self.store.outbox(),
                )


class _SqliteMachine(SyncMachine):
    store_kind = "sqlite"


MACHINE_SETTINGS = settings(max_examples=10, stateful_step_count=20, deadline=None)
TestSyncOnTheMemoryStore = SyncMachine.TestCase
TestSyncOnTheMemoryStore.settings = settings(MACHINE_SETTINGS, max_examples=25)
TestSyncOnTheSqliteStore = _SqliteMachine.TestCase
TestSyncOnTheSqliteStore.settings = MACHINE_SETTINGS
