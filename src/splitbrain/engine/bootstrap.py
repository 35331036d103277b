"""The one composition root: pick a store, a clock and keys, wire the handler tables, build an
``Engine``. Nothing else in the engine constructs adapters.

Stores:

- ``"memory"``: dicts and an in-memory audit log (tests, quick simulations). Fresh random audit
  keys unless ``keys`` is given.
- ``"sqlite:PATH"``: a SQLite file in WAL mode (DESIGN §10). Beside ``PATH`` live
  ``PATH.checkpoints.jsonl`` (signed audit checkpoints, appended and fsynced) and
  ``PATH.keys.json`` (the fingerprint key and the checkpoint key, created at first use with mode
  0600, never printed). ``splitbrain audit verify PATH`` finds both there. ``batch_size`` and
  ``synchronous`` set what is durable when (see ``adapters.sqlite_store``).
- ``"postgresql://..."``: a PostgreSQL database shared by several engine processes (psycopg 3;
  ``adapters.postgres_store`` says what is locked). The audit checkpoints and keys are files in
  ``audit_dir`` (default ``~/.local/state/splitbrain/postgres/<host>-<port>-<db>-<schema>``);
  ``splitbrain audit verify postgresql://...`` finds them there. ``batch_size`` must be 1.

Example::

    engine = bootstrap(store="sqlite:out/demo/engine.sqlite", policy=load_policy(matrix),
                       clock=FixedClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC)))
    engine.ingest(write)
    engine.close()
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from splitbrain.engine.adapters.audit_files import (
    InMemoryCheckpointStore,
    checkpoint_path_for,
    keys_path_for,
    load_or_create_keys,
)
from splitbrain.engine.adapters.audit_log import InMemoryAuditLog
from splitbrain.engine.adapters.memory_store import InMemoryUnitOfWork
from splitbrain.engine.adapters.postgres_store import POSTGRES_PREFIXES, open_postgres_store
from splitbrain.engine.adapters.sqlite_store import SqliteUnitOfWork, Synchronous
from splitbrain.engine.adapters.sync_targets import Endpoint
from splitbrain.engine.domain.audit import AuditKeys
from splitbrain.engine.domain.audit.sink import DEFAULT_CHECKPOINT_EVERY
from splitbrain.engine.domain.identity.ports import IdentityIndex
from splitbrain.engine.domain.policy import Policy
from splitbrain.engine.entrypoints.service import EngineService
from splitbrain.engine.service_layer.clock import Clock, SystemClock
from splitbrain.engine.service_layer.consent_ports import ConsentFlagSink
from splitbrain.engine.service_layer.engine import Engine
from splitbrain.engine.service_layer.handlers import COMMAND_HANDLERS, EVENT_HANDLERS
from splitbrain.engine.service_layer.messagebus import HandlerTables, MessageBus
from splitbrain.engine.service_layer.sync.ports import SyncStore
from splitbrain.engine.service_layer.unit_of_work import AbstractUnitOfWork

SQLITE_PREFIX = "sqlite:"
HANDLERS = HandlerTables(commands=COMMAND_HANDLERS, events=EVENT_HANDLERS)


def bootstrap(
    *,
    store: str = "memory",
    policy: Policy,
    clock: Clock | None = None,
    keys: AuditKeys | None = None,
    batch_size: int = 1,
    synchronous: Synchronous = "FULL",
    checkpoint_every: int = DEFAULT_CHECKPOINT_EVERY,
    fresh: bool = False,
    consent_flags: ConsentFlagSink | None = None,
    identity_index: IdentityIndex | None = None,
    audit_dir: Path | None = None,
) -> Engine:
    """Build an engine on ``store`` (``"memory"``, ``"sqlite:PATH"`` or ``"postgresql://..."``)
    for ``policy``.

    ``fresh=True`` deletes an existing SQLite store first (the database, its WAL files and its
    checkpoint file, keeping the keys file), or drops and recreates a PostgreSQL store's schema
    (and this host's checkpoint file), so a re-run starts empty instead of answering every
    write as a duplicate delivery. ``audit_dir`` is where a PostgreSQL store's checkpoint and
    keys files live. ``consent_flags`` is the consumer that keeps the CRM's local
    consent flags current (default: flags kept in process, ``InMemoryConsentFlags``).
    ``identity_index`` is the index every registered record goes through (default: the store's
    own, see ``adapters.linkage_index``).
    """
    clock = clock or SystemClock()
    uow: AbstractUnitOfWork
    if store == "memory":
        keys = keys or random_keys()
        log = InMemoryAuditLog(InMemoryCheckpointStore(), keys, checkpoint_every=checkpoint_every)
        uow, audit_path = InMemoryUnitOfWork(log), None
    elif store.startswith(SQLITE_PREFIX) and len(store) > len(SQLITE_PREFIX):
        audit_path = Path(store.removeprefix(SQLITE_PREFIX))
        audit_path.parent.mkdir(parents=True, exist_ok=True)
        if fresh:
            _remove_store(audit_path)
        keys = keys or load_or_create_keys(keys_path_for(audit_path))
        uow = SqliteUnitOfWork.open(
            audit_path,
            keys,
            batch_size=batch_size,
            synchronous=synchronous,
            checkpoint_every=checkpoint_every,
        )
    elif store.startswith(POSTGRES_PREFIXES):
        audit_path = None
        uow = open_postgres_store(
            store, keys=keys, audit_dir=audit_dir, fresh=fresh, synchronous=synchronous,
            checkpoint_every=checkpoint_every, batch_size=batch_size,
        )  # fmt: skip
    else:
        raise ValueError(
            f"store {store!r} is not one this engine knows: use 'memory', 'sqlite:PATH' or "
            "'postgresql://...'"
        )
    if consent_flags is not None:
        uow.consent_flags = consent_flags  # the runtime's CRM; else the stores' in-memory flags
    if identity_index is not None:
        uow.identity = replace(uow.identity, index=identity_index)
    bus = MessageBus(uow, policy, clock, HANDLERS)
    return Engine(bus, policy=policy, clock=clock, audit_path=audit_path)


def _remove_store(path: Path) -> None:
    suffixes = ("", "-wal", "-shm", "-journal")
    for victim in [Path(f"{path}{suffix}") for suffix in suffixes] + [checkpoint_path_for(path)]:
        victim.unlink(missing_ok=True)


def random_keys() -> AuditKeys:
    """Two fresh 32-byte keys: for stores that live only as long as the process."""
    return AuditKeys(
        fingerprint_key=secrets.token_bytes(32), checkpoint_key=secrets.token_bytes(32)
    )


# -- the engine as a service (issue 6) ------------------------------------------------------------


def bootstrap_service(
    *,
    matrix: Path,
    store: str,
    endpoints: Mapping[str, Endpoint],
    actor_roles: Mapping[str, str] | None = None,
    engine_actors: frozenset[str] = frozenset({"engine"}),
    clock: Clock | None = None,
    fresh: bool = False,
    seed: int = 0,
    mllp: tuple[str, int] | None = None,
    ehr_mllp: tuple[str, int] | None = None,
    reconcile_every: float | None = 30.0,
) -> EngineService:
    """The engine service on ``store`` (``sqlite:PATH`` or ``memory``), delivering to
    ``endpoints`` (``{"ehr" | "crm" | "portal": Endpoint(base_url, key)}``).

    Beside a SQLite store live the sync tables (same file) and the token vault
    (``PATH.vault.sqlite``). ``actor_roles`` maps the systems' client names to matrix roles.
    ``mllp`` = ``(host, port)`` opens the HL7 v2 door (port 0: any free port; the bound one is
    ``service.mllp.port``); ``ehr_mllp`` is the EHR's MLLP listener, where the engine sends
    ADT^A40 for the merges it makes (without it, merges go over FHIR ``Patient/$merge``).
    With ``endpoints``, the service reconciles: it reads the systems' change feeds for what the
    webhooks missed every ``reconcile_every`` seconds (None: only on ``POST /reconcile``).

    What is durable when: a delivery's inbox row before its 2xx (fsync); the engine's decisions
    at their commit across a crash of the process, and across a power loss by the next durable
    commit of the sync store on the same WAL (SQLite: the outbox claim that precedes any send;
    PostgreSQL: the event's finish), so never after an effect of theirs has left the engine;
    an audit checkpoint flushes the log to disk before it names an entry (power loss included).
    """
    from splitbrain.engine.adapters import inbound_fhir, inbound_hl7, inbound_webhooks
    from splitbrain.engine.adapters.disclosure_paths import load_disclosure
    from splitbrain.engine.adapters.ehr_merges import EhrMergeTarget
    from splitbrain.engine.adapters.matrix_policy import load_policy
    from splitbrain.engine.adapters.sync_targets import CrmTarget, PortalTarget
    from splitbrain.engine.adapters.vault import Vault, open_sqlite_vault
    from splitbrain.engine.adapters.vault_store import SqliteVaultStore
    from splitbrain.engine.entrypoints.metrics import extra_for
    from splitbrain.engine.entrypoints.mllp import MllpDoor
    from splitbrain.engine.service_layer.consent_service import ConsentService
    from splitbrain.engine.service_layer.disclosure import OutboundBuilder
    from splitbrain.engine.service_layer.sync.backoff import Backoff
    from splitbrain.engine.service_layer.sync.busy import BusyRetry
    from splitbrain.engine.service_layer.sync.delivery import SEND_PARALLEL, Deliverer
    from splitbrain.engine.service_layer.sync.fanout import Planner
    from splitbrain.engine.service_layer.sync.gates import Gates
    from splitbrain.engine.service_layer.sync.inbound import Translators
    from splitbrain.engine.service_layer.sync.merges import MergeCarrier
    from splitbrain.engine.service_layer.sync.worker import SyncWorker
    from splitbrain.engine.service_layer.sync.workflow import WorkflowPlanner

    clock = clock or SystemClock()
    policy = load_policy(matrix)
    # The unit of work commits without its own fsync (SQLite NORMAL; PostgreSQL
    # synchronous_commit off): the sync store's durable commits after it (the finish on
    # PostgreSQL, the outbox claim on SQLite) flush the one WAL they share up to themselves, so
    # a decision is on disk before any effect of it leaves the engine (``adapters.sync_sqlite``).
    engine = bootstrap(store=store, policy=policy, clock=clock, fresh=fresh, synchronous="NORMAL")
    sync = _sync_store(store)
    vault: Vault = open_sqlite_vault(_vault_path(store, fresh=fresh), clock)
    assert isinstance(vault.store, SqliteVaultStore)
    consents = ConsentService(engine)
    builder = OutboundBuilder(
        load_disclosure(matrix), tokens=vault, consent=consents, audit=vault.audit, clock=clock,
        transaction=vault.store.transaction,
    )  # fmt: skip
    roles = dict(actor_roles or {})
    kinds = {"crm": CrmTarget, "portal": PortalTarget, "ehr": EhrMergeTarget}
    targets = {name: kinds[name](endpoint, sync, policy) for name, endpoint in endpoints.items()}
    ehr_target = targets.get("ehr")
    lookup = None
    if isinstance(ehr_target, EhrMergeTarget):
        ehr_target.mllp = ehr_mllp
        lookup = ehr_target.patient_with
    merges = MergeCarrier(engine, sync)
    translators = Translators(
        {
            ("crm", "webhook"): inbound_webhooks.CrmWebhooks(policy, roles, engine_actors),
            ("portal", "webhook"): inbound_webhooks.PortalWebhooks(policy, roles, engine_actors),
            ("ehr", "fhir-subscription"): inbound_fhir.FhirNotifications(),
            ("ehr", "mllp"): inbound_hl7.AdtMessages(lookup=lookup),
            ("engine", "identity"): merges,
        }
    )
    busy = BusyRetry(seed=seed)
    worker = SyncWorker(engine, sync, translators, Planner(policy, builder), WorkflowPlanner(),
                        busy=busy)  # fmt: skip
    gates = Gates(engine, consents, builder)
    deliverer = Deliverer(
        sync, dict(targets), clock, Backoff(seed=seed), superseded=gates.superseded,
        consent_gate=gates.consent, on_sent=gates.figures.sent, parallel=SEND_PARALLEL,
    )  # fmt: skip
    service = EngineService(
        engine, sync, worker, deliverer,
        ids={
            "crm": lambda body: inbound_webhooks.event_id("crm", body),
            "portal": lambda body: inbound_webhooks.event_id("portal", body),
            "ehr": inbound_fhir.event_id,
        },
        extra=extra_for(engine, gates.figures, busy, worker), merges=merges,
    )  # fmt: skip
    if mllp is not None:
        service.mllp = MllpDoor(service.accept, clock, host=mllp[0], port=mllp[1])
    if endpoints:  # reconciliation: the systems' change feeds, every ``reconcile_every`` seconds
        from splitbrain.engine.adapters.change_feeds import change_feeds
        from splitbrain.engine.service_layer.sync.reconcile import Reconciler

        service.reconciler = Reconciler(sync, change_feeds(dict(endpoints)), clock)
        service.reconcile_every = reconcile_every
    return service


def _sync_store(store: str) -> SyncStore:
    """The inbox/outbox beside the engine's store: the same SQLite file, or in memory."""
    if store == "memory":
        from splitbrain.engine.adapters.sync_memory import InMemorySyncStore

        return InMemorySyncStore()
    if store.startswith(SQLITE_PREFIX):
        from splitbrain.engine.adapters.sync_sqlite import SqliteSyncStore

        return SqliteSyncStore.open(Path(store.removeprefix(SQLITE_PREFIX)))
    if store.startswith(("postgresql://", "postgres://")):
        from splitbrain.engine.adapters.sync_postgres import PostgresSyncStore

        return PostgresSyncStore.open(store)
    raise ValueError(f"store {store!r}: use 'memory', 'sqlite:PATH' or 'postgresql://...'")


def _vault_path(store: str, *, fresh: bool) -> Path:
    if store.startswith(SQLITE_PREFIX):
        path = Path(f"{store.removeprefix(SQLITE_PREFIX)}.vault.sqlite")
    else:
        path = Path(tempfile.mkdtemp(prefix="splitbrain-vault-")) / "vault.sqlite"
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path
