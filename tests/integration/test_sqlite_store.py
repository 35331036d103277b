"""The SQLite store on a real file: WAL, restart, one transaction per decision, audit chain."""

from __future__ import annotations

import sqlite3
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from splitbrain.engine.adapters.audit_files import keys_path_for, load_or_create_keys
from splitbrain.engine.adapters.audit_log import SqliteAuditLog
from splitbrain.engine.adapters.sqlite_store import SqliteUnitOfWork
from splitbrain.engine.bootstrap import HANDLERS, bootstrap
from splitbrain.engine.domain.audit import AuditEntry, AuditEvent, AuditWriteError
from splitbrain.engine.domain.conflicts import ConflictStatus
from splitbrain.engine.domain.decisions import ConflictEscalated, DuplicateDelivery, FieldApplied
from splitbrain.engine.domain.policy import Policy
from splitbrain.engine.service_layer.clock import FixedClock
from splitbrain.engine.service_layer.engine import Engine
from splitbrain.engine.service_layer.errors import (
    AuditWriteFailed,
    SchemaVersionMismatch,
    StoreClosed,
    StoreError,
)
from splitbrain.engine.service_layer.messagebus import MessageBus
from tests.unit.service_layer.small_policy import T0, Writes, small_policy


@pytest.fixture
def policy() -> Policy:
    return small_policy()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "engine.sqlite"


def _open(db: Path, policy: Policy, clock: FixedClock, **options: int) -> Engine:
    return bootstrap(store=f"sqlite:{db}", policy=policy, clock=clock, **options)  # type: ignore[arg-type]


def test_store_runs_in_wal_mode_with_a_versioned_schema(db: Path, policy: Policy) -> None:
    _open(db, policy, FixedClock(T0)).close()

    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    conn.close()


def test_audit_keys_file_is_created_beside_the_db_with_mode_0600(db: Path, policy: Policy) -> None:
    _open(db, policy, FixedClock(T0)).close()

    mode = stat.S_IMODE(keys_path_for(db).stat().st_mode)
    assert mode == 0o600


def test_state_survives_a_restart(db: Path, policy: Policy) -> None:
    writes, clock = Writes(), FixedClock(T0)
    engine = _open(db, policy, clock)
    applied = writes("lead_source", "web_form")
    engine.ingest(applied)
    stale = writes("lead_source", "referral", base=0)
    escalated = engine.ingest(stale)
    assert isinstance(escalated, ConflictEscalated)
    engine.close()

    reopened = _open(db, policy, clock)

    state = reopened.field("per_0001", "lead_source")
    assert (state.value, state.version) == ("web_form", 1)
    assert state.idempotency_key == applied.idempotency_key
    assert isinstance(reopened.ingest(applied), DuplicateDelivery)
    assert [item.conflict_id for item in reopened.conflicts()] == [escalated.conflict_id]
    reopened.resolve(
        escalated.conflict_id,
        resolver="usr_9",
        role="growth_ops",
        reason="checked",
        chosen_key=stale.idempotency_key,
    )
    assert reopened.field("per_0001", "lead_source").version == 2
    assert reopened.metrics().writes_decided == 2
    assert reopened.verify_audit().ok
    reopened.close()


class FailingAudit(SqliteAuditLog):
    """The real SQLite audit log, which refuses appends while ``down``."""

    down = False

    def append(self, event: AuditEvent) -> AuditEntry:
        if self.down:
            raise AuditWriteError("audit table unavailable (test switch)")
        return super().append(event)


def test_failed_audit_leaves_neither_the_field_change_nor_the_decision(
    db: Path, policy: Policy
) -> None:
    writes, clock = Writes(), FixedClock(T0)
    keys = load_or_create_keys(keys_path_for(db))
    uow = SqliteUnitOfWork.open(db, keys)
    audit = FailingAudit(uow.conn, uow.audit.checkpoints, keys)
    uow.audit = audit
    engine = Engine(MessageBus(uow, policy, clock, HANDLERS), policy=policy, clock=clock)
    engine.ingest(writes("lead_source", "web_form"))
    audit.down = True

    with pytest.raises(AuditWriteFailed):
        engine.ingest(writes("lead_source", "referral", base=1))

    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM decisions").fetchone()[0] == 1
    assert conn.execute("SELECT version FROM field_state").fetchall() == [(1,)]
    assert conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] == 1
    conn.close()
    engine.close()


def test_batched_commits_keep_each_command_atomic(db: Path, policy: Policy) -> None:
    writes, clock = Writes(), FixedClock(T0)
    keys = load_or_create_keys(keys_path_for(db))
    uow = SqliteUnitOfWork.open(db, keys, batch_size=10)
    audit = FailingAudit(uow.conn, uow.audit.checkpoints, keys)
    uow.audit = audit
    engine = Engine(MessageBus(uow, policy, clock, HANDLERS), policy=policy, clock=clock)
    engine.ingest(writes("lead_source", "web_form"))
    audit.down = True
    with pytest.raises(AuditWriteFailed):
        engine.ingest(writes("lead_source", "referral", base=1))
    audit.down = False

    engine.ingest(writes("contact_preference", "sms"))
    assert uow.pending == 2
    engine.close()

    reopened = _open(db, policy, clock)
    assert reopened.field("per_0001", "lead_source").version == 1
    assert reopened.field("per_0001", "contact_preference").version == 1
    assert reopened.metrics().writes_decided == 2
    assert reopened.verify_audit().ok
    reopened.close()


def test_audit_chain_verifies_after_a_run_and_checkpoints_sit_beside_the_db(
    db: Path, policy: Policy
) -> None:
    writes, clock = Writes(), FixedClock(T0)
    engine = _open(db, policy, clock, batch_size=7, checkpoint_every=5)
    for n in range(30):
        engine.ingest(writes("lead_source", f"source-{n}"))
        engine.ingest(writes("medication_plan", f"plan-{n}"))
    clock.advance(timedelta(days=2))
    engine.escalate_overdue()
    engine.close()

    reopened = _open(db, policy, clock)
    result = reopened.verify_audit()

    assert result.ok, result.message
    assert result.entries_checked == 60
    assert result.checkpoints_matched >= 60 // 7  # at most one per batch commit, when due
    assert result.last_checkpoint_seq == 60  # close() anchors the tail
    assert db.with_name(db.name + ".checkpoints.jsonl").exists()
    reopened.close()


def test_idempotency_keys_past_retention_are_purged_from_the_file(db: Path, policy: Policy) -> None:
    writes, clock = Writes(), FixedClock(T0)
    engine = _open(db, policy, clock)
    old = writes("lead_source", "web_form")
    engine.ingest(old)
    clock.advance(timedelta(days=31))
    recent = writes("contact_preference", "sms")
    engine.ingest(recent)

    purged = engine.purge_idempotency_keys(timedelta(days=30))
    engine.close()

    conn = sqlite3.connect(db)
    keys = [row[0] for row in conn.execute("SELECT key FROM idempotency_keys")]
    decisions = conn.execute("SELECT count(*) FROM decisions").fetchone()[0]
    conn.close()
    assert purged == 1
    assert keys == [recent.idempotency_key]
    assert decisions == 2


def test_a_database_of_another_schema_version_is_refused(db: Path, policy: Policy) -> None:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 99")
    conn.close()

    with pytest.raises(SchemaVersionMismatch, match="version 99"):
        _open(db, policy, FixedClock(T0))


def test_conflict_items_round_trip_through_the_file(db: Path, policy: Policy) -> None:
    writes, clock = Writes(), FixedClock(T0)
    engine = _open(db, policy, clock)
    engine.ingest(writes("lead_source", "web_form"))
    escalated = engine.ingest(writes("lead_source", "referral", base=0))
    assert isinstance(escalated, ConflictEscalated)
    clock.advance(timedelta(days=2))
    engine.escalate_overdue()
    engine.resolve(
        escalated.conflict_id,
        resolver="usr_9",
        role="growth_ops",
        reason="checked",
        chosen_key=escalated.write.idempotency_key,
    )
    engine.close()

    reopened = _open(db, policy, clock)
    [item] = reopened.conflicts(open_only=False)

    assert item.status is ConflictStatus.RESOLVED
    assert item.overdue_escalated_at == T0 + timedelta(days=2)
    assert item.resolution is not None and item.resolution.reason == "checked"
    assert reopened.conflicts() == []
    assert isinstance(reopened.ingest(escalated.write), DuplicateDelivery)
    reopened.close()


def test_the_resolved_write_is_recorded_as_an_applied_decision(db: Path, policy: Policy) -> None:
    writes, clock = Writes(), FixedClock(T0)
    engine = _open(db, policy, clock)
    engine.ingest(writes("lead_source", "web_form"))
    escalated = engine.ingest(writes("lead_source", "referral", base=0))
    assert isinstance(escalated, ConflictEscalated)

    resolved = engine.resolve(
        escalated.conflict_id,
        resolver="usr_9",
        role="growth_ops",
        reason="checked",
        chosen_key=escalated.write.idempotency_key,
    )
    engine.close()

    assert resolved.chosen_key == escalated.write.idempotency_key
    conn = sqlite3.connect(db)
    kinds = [row for row in conn.execute("SELECT kind, rule FROM decisions ORDER BY seq")]
    conn.close()
    assert kinds[-1] == ("applied", "conflict_resolution")


def test_batched_commands_become_durable_when_the_batch_commits(db: Path, policy: Policy) -> None:
    writes, clock = Writes(), FixedClock(T0)
    engine = _open(db, policy, clock, batch_size=3)
    reader = sqlite3.connect(db)

    def committed() -> int:
        return int(reader.execute("SELECT count(*) FROM decisions").fetchone()[0])

    engine.ingest(writes("lead_source", "web_form"))
    engine.ingest(writes("contact_preference", "sms"))
    before_batch = committed()
    engine.ingest(writes("medication_plan", "plan-a"))
    at_batch = committed()
    engine.ingest(writes("lead_source", "referral", base=1))
    engine.flush()
    after_flush = committed()

    assert (before_batch, at_batch, after_flush) == (0, 3, 4)
    reader.close()
    engine.close()


def test_a_closed_store_refuses_commands(db: Path, policy: Policy) -> None:
    engine = _open(db, policy, FixedClock(T0))
    engine.close()

    with pytest.raises(StoreClosed, match="closed"):
        engine.ingest(Writes()("lead_source", "web_form"))


def test_the_audit_table_holds_no_written_value(db: Path, policy: Policy) -> None:
    writes, clock = Writes(), FixedClock(T0)
    engine = _open(db, policy, clock)
    engine.ingest(writes("legal_name", "Ana Maria Silva", role="intake_ops"))
    engine.ingest(writes("medication_plan", "semaglutide 0.5 mg"))
    engine.close()

    conn = sqlite3.connect(db)
    logged = " ".join(row[0] for row in conn.execute("SELECT event FROM audit_log"))
    stored = conn.execute("SELECT value FROM field_state").fetchall()
    conn.close()

    assert "Ana" not in logged and "semaglutide" not in logged
    assert stored == [("Ana Maria Silva",)]


class AbortingAudit(SqliteAuditLog):
    """Stands for a store failure that makes SQLite abort the whole open transaction."""

    abort = False

    def append(self, event: AuditEvent) -> AuditEntry:
        if self.abort:
            self.conn.execute("ROLLBACK")
            raise AuditWriteError("disk I/O error (test stand-in): transaction aborted")
        return super().append(event)


def test_an_aborted_batch_is_reported_as_lost_and_leaves_no_partial_state(
    db: Path, policy: Policy
) -> None:
    writes, clock = Writes(), FixedClock(T0)
    keys = load_or_create_keys(keys_path_for(db))
    uow = SqliteUnitOfWork.open(db, keys, batch_size=10)
    audit = AbortingAudit(uow.conn, uow.audit.checkpoints, keys)
    uow.audit = audit
    engine = Engine(MessageBus(uow, policy, clock, HANDLERS), policy=policy, clock=clock)
    engine.ingest(writes("lead_source", "web_form"))
    engine.ingest(writes("contact_preference", "sms"))
    audit.abort = True

    with pytest.raises(StoreError, match="last 2 commands"):
        engine.ingest(writes("medication_plan", "plan-a"))

    audit.abort = False
    engine.ingest(writes("lead_source", "referral"))
    engine.close()
    reopened = _open(db, policy, clock)
    assert reopened.metrics().writes_decided == 1
    assert reopened.field("per_0001", "contact_preference").version == 0
    assert reopened.verify_audit().ok
    reopened.close()


def test_a_conflict_is_resolvable_after_its_keys_left_the_retention_window(
    db: Path, policy: Policy
) -> None:
    writes, clock = Writes(), FixedClock(T0)
    engine = _open(db, policy, clock)
    engine.ingest(writes("lead_source", "web_form"))
    escalated = engine.ingest(writes("lead_source", "referral", base=0))
    assert isinstance(escalated, ConflictEscalated)
    clock.advance(timedelta(days=40))
    assert engine.purge_idempotency_keys(timedelta(days=30)) == 2

    engine.resolve(
        escalated.conflict_id,
        resolver="usr_9",
        role="growth_ops",
        reason="late",
        chosen_key=escalated.write.idempotency_key,
    )

    state = engine.field("per_0001", "lead_source")
    assert (state.value, state.version) == ("referral", 2)
    engine.close()


def test_a_fresh_bootstrap_starts_an_empty_store_with_the_same_keys(
    db: Path, policy: Policy
) -> None:
    writes, clock = Writes(), FixedClock(T0)
    write = writes("lead_source", "web_form")
    engine = _open(db, policy, clock)
    engine.ingest(write)
    engine.close()
    keys_before = keys_path_for(db).read_bytes()

    rerun = bootstrap(store=f"sqlite:{db}", policy=policy, clock=clock, fresh=True)

    assert isinstance(rerun.ingest(write), FieldApplied)
    assert rerun.verify_audit().ok
    assert keys_path_for(db).read_bytes() == keys_before
    rerun.close()
