"""The reference engine's sync layer, wired as ``bootstrap_service`` wires it, minus HTTP.

The delivery state machine builds one per example (and again after each crash), so the matrix
is read once per test session: ``bootstrap_service`` reads the YAML on every call, which costs
more than a whole example. Everything else is the real thing: the engine on the chosen store,
the sync store beside it, the token vault, the FHIR translator, the planners, the gates and the
sender; the caller supplies the target clients.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from splitbrain.engine.adapters import inbound_fhir
from splitbrain.engine.adapters.disclosure_paths import load_disclosure
from splitbrain.engine.adapters.matrix_policy import load_policy
from splitbrain.engine.adapters.sync_memory import InMemorySyncStore
from splitbrain.engine.adapters.sync_sqlite import SqliteSyncStore
from splitbrain.engine.adapters.vault import open_sqlite_vault
from splitbrain.engine.adapters.vault_store import SqliteVaultStore
from splitbrain.engine.bootstrap import bootstrap
from splitbrain.engine.domain.disclosure import DisclosurePolicy
from splitbrain.engine.domain.policy import Policy
from splitbrain.engine.service_layer.clock import FixedClock
from splitbrain.engine.service_layer.consent_service import ConsentService
from splitbrain.engine.service_layer.disclosure import OutboundBuilder
from splitbrain.engine.service_layer.engine import Engine
from splitbrain.engine.service_layer.sync.backoff import Backoff
from splitbrain.engine.service_layer.sync.delivery import Deliverer
from splitbrain.engine.service_layer.sync.fanout import Planner
from splitbrain.engine.service_layer.sync.gates import Gates
from splitbrain.engine.service_layer.sync.inbound import Translators
from splitbrain.engine.service_layer.sync.model import InboxState, OutboxState
from splitbrain.engine.service_layer.sync.ports import SyncStore
from splitbrain.engine.service_layer.sync.targets import TargetClient
from splitbrain.engine.service_layer.sync.worker import SyncWorker
from splitbrain.engine.service_layer.sync.workflow import WorkflowPlanner
from splitbrain.harness.paths import default_matrix


@cache
def _matrix() -> tuple[Policy, DisclosurePolicy]:
    return load_policy(default_matrix()), load_disclosure(default_matrix())


@dataclass
class SyncParts:
    engine: Engine
    store: SyncStore
    """The sync store the engine opened (not the caller's wrapper)."""
    worker: SyncWorker
    deliverer: Deliverer
    vault: SqliteVaultStore

    def idle(self) -> bool:
        depths = self.store.depths()
        open_in = depths.inbox[InboxState.PENDING] + depths.inbox[InboxState.CLAIMED]
        open_out = depths.outbox[OutboxState.PENDING] + depths.outbox[OutboxState.CLAIMED]
        return open_in + open_out == 0

    def close(self) -> None:
        self.store.close()
        self.engine.close()
        self.vault.close()


def build_sync(
    workdir: Path,
    *,
    durable: bool,
    clock: FixedClock,
    targets: Mapping[str, TargetClient],
    fresh: bool,
    memory: tuple[Engine, SyncStore] | None = None,
) -> SyncParts:
    """The sync layer on SQLite in ``workdir`` (``durable``), else in memory (``memory`` reuses
    an in-memory engine and store, as a rebuilt worker in the same process would)."""
    policy, disclosure = _matrix()
    if durable:
        path = workdir / "engine.sqlite"
        engine = bootstrap(store=f"sqlite:{path}", policy=policy, clock=clock, fresh=fresh)
        store: SyncStore = SqliteSyncStore.open(path)
    elif memory is not None:
        engine, store = memory
    else:
        engine = bootstrap(store="memory", policy=policy, clock=clock)
        store = InMemorySyncStore()
    vault = open_sqlite_vault(workdir / "vault.sqlite", clock)
    assert isinstance(vault.store, SqliteVaultStore)
    consents = ConsentService(engine)
    builder = OutboundBuilder(
        disclosure, tokens=vault, consent=consents, audit=vault.audit, clock=clock,
        transaction=vault.store.transaction,
    )  # fmt: skip
    translators = Translators({("ehr", "fhir-subscription"): inbound_fhir.FhirNotifications()})
    worker = SyncWorker(engine, store, translators, Planner(policy, builder), WorkflowPlanner())
    gates = Gates(engine, consents, builder)
    deliverer = Deliverer(
        store, dict(targets), clock, Backoff(seed=7), superseded=gates.superseded,
        consent_gate=gates.consent, on_sent=gates.figures.sent,
    )  # fmt: skip
    return SyncParts(engine, store, worker, deliverer, vault.store)
