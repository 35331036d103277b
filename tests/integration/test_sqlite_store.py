"""The SQLite store on a real file: WAL, restart, one transaction per decision, audit chain."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from splitbrain.engine.adapters.audit_files import keys_path_for, load_or_create_keys
from splitbrain.engine.adapters.audit_log import SqliteAuditLog
from splitbrain.engine.adapters.sqlite_schema import SCHEMA_VERSION
from splitbrain.engine.adapters.sqlite_store import SqliteUnitOfWork
from splitbrain.engine.bootstrap import HANDLERS, bootstrap
from splitbrain.engine.domain.audit import AuditEntry, AuditEvent, AuditWriteError
from splitbrain.engine.domain.conflicts import ConflictStatus
from splitbrain.engine.domain.decisions import ConflictEscalated, DuplicateDelivery, FieldApplied
from splitbrain.engine.domain.linkage.merge import PersonsMerged
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
from tests.unit.linkage.world import IdentityWorld
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
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
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


# -- the batched write path: rows buffered until the batch commits ------------------------------


def _buffered_failing_engine(
    db: Path, policy: Policy, clock: FixedClock, batch_size: int
) -> tuple[Engine, SqliteUnitOfWork, FailingAudit]:
    """An engine whose own audit log is a ``FailingAudit`` that buffers like the real one."""
    keys = load_or_create_keys(keys_path_for(db))
    uow = SqliteUnitOfWork.open(db, keys, batch_size=batch_size)
    audit = FailingAudit(uow.conn, uow.audit.checkpoints, keys)
    audit.buffer_into(uow.buffer.audit, uow.spill)
    uow.audit = audit
    return Engine(MessageBus(uow, policy, clock, HANDLERS), policy=policy, clock=clock), uow, audit


def _committed(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_a_failed_audit_append_inside_a_batch_drops_that_command_and_keeps_the_others(
    db: Path, policy: Policy
) -> None:
    writes, clock = Writes(), FixedClock(T0)
    engine, uow, audit = _buffered_failing_engine(db, policy, clock, batch_size=10)
    engine.ingest(writes("lead_source", "web_form"))
    refused = writes("contact_preference", "sms")
    audit.down = True
    with pytest.raises(AuditWriteFailed):
        engine.ingest(refused)
    audit.down = False

    engine.ingest(writes("lead_source", "referral", base=1))
    redelivered = engine.ingest(refused)  # its key was never claimed: decided afresh
    assert uow.pending == 3
    engine.close()

    assert isinstance(redelivered, FieldApplied)
    kinds = _committed(db, "SELECT idempotency_key, kind FROM decisions ORDER BY seq")
    assert [kind for _key, kind in kinds] == ["applied"] * 3
    assert [key for key, _kind in kinds].count(refused.idempotency_key) == 1
    assert _committed(db, "SELECT count(*) FROM audit_log") == [(3,)]
    assert _committed(db, "SELECT field, version FROM field_state ORDER BY field") == [
        ("contact_preference", 1),
        ("lead_source", 2),
    ]
    reopened = _open(db, policy, clock)
    assert reopened.verify_audit().ok
    reopened.close()


def test_an_escalation_rolled_back_inside_a_batch_leaves_no_conflict_item(
    db: Path, policy: Policy
) -> None:
    writes, clock = Writes(), FixedClock(T0)
    engine, _uow, audit = _buffered_failing_engine(db, policy, clock, batch_size=10)
    engine.ingest(writes("lead_source", "web_form"))
    engine.ingest(writes("contact_preference", "sms"))
    audit.down = True

    with pytest.raises(AuditWriteFailed):  # a stale write escalates: the queue is written in SQL
        engine.ingest(writes("lead_source", "referral", base=0))

    audit.down = False
    assert engine.conflicts() == []
    escalated = engine.ingest(writes("lead_source", "partner", base=0))
    assert isinstance(escalated, ConflictEscalated)
    engine.close()
    assert _committed(db, "SELECT count(*) FROM conflicts") == [(1,)]
    assert _committed(db, "SELECT kind FROM decisions ORDER BY seq") == [
        ("applied",),
        ("applied",),
        ("escalated",),
    ]
    reopened = _open(db, policy, clock)
    assert reopened.verify_audit().ok
    reopened.close()


def test_an_audit_row_refused_at_the_batch_commit_loses_the_whole_batch_and_nothing_else(
    db: Path, policy: Policy
) -> None:
    writes, clock = Writes(), FixedClock(T0)
    engine = _open(db, policy, clock, batch_size=3)
    for field in ("lead_source", "contact_preference", "medication_plan"):
        engine.ingest(writes(field, "first"))  # batch 1 commits: entries 1-3
    outside = sqlite3.connect(db)
    outside.execute(
        "CREATE TRIGGER refuse_seq_5 BEFORE INSERT ON audit_log WHEN NEW.seq = 5 "
        "BEGIN SELECT RAISE(ABORT, 'disk full (test stand-in)'); END"
    )
    outside.commit()
    engine.ingest(writes("lead_source", "second", base=1))
    engine.ingest(writes("contact_preference", "second", base=1))

    with pytest.raises(StoreError, match="last 3 commands"):
        engine.ingest(writes("medication_plan", "second", base=1))

    assert _committed(db, "SELECT count(*) FROM decisions") == [(3,)]
    assert _committed(db, "SELECT count(*) FROM audit_log") == [(3,)]
    assert _committed(db, "SELECT max(version) FROM field_state") == [(1,)]
    outside.execute("DROP TRIGGER refuse_seq_5")
    outside.commit()
    outside.close()
    redelivered = engine.ingest(writes("lead_source", "third", base=1))
    assert isinstance(redelivered, FieldApplied) and redelivered.new_version == 2
    assert engine.verify_audit().ok
    engine.close()


def test_a_redelivery_inside_the_open_batch_is_answered_as_a_duplicate(
    db: Path, policy: Policy
) -> None:
    writes, clock = Writes(), FixedClock(T0)
    engine = _open(db, policy, clock, batch_size=50)
    first = writes("lead_source", "web_form")
    applied = engine.ingest(first)

    again = engine.ingest(first)
    on_top = engine.ingest(writes("lead_source", "referral", base=1))

    assert isinstance(again, DuplicateDelivery) and again.first == applied
    assert isinstance(on_top, FieldApplied) and on_top.new_version == 2
    assert engine.field("per_0001", "lead_source").value == "referral"
    assert _committed(db, "SELECT count(*) FROM decisions") == [(0,)]  # nothing committed yet
    engine.close()
    assert _committed(db, "SELECT kind FROM decisions ORDER BY seq") == [
        ("applied",),
        ("duplicate",),
        ("applied",),
    ]


def test_reads_that_need_sql_see_the_open_batch(db: Path, policy: Policy) -> None:
    writes, clock = Writes(), FixedClock(T0)
    engine = _open(db, policy, clock, batch_size=50)
    old = writes("lead_source", "web_form")
    engine.ingest(old)
    engine.ingest(writes("medication_plan", "plan-a", role="growth_ops"))  # not_owner
    clock.advance(timedelta(days=31))
    recent = writes("contact_preference", "sms")
    engine.ingest(recent)

    metrics = engine.metrics()
    purged = engine.purge_idempotency_keys(timedelta(days=30))

    assert metrics.writes_decided == 3
    assert purged == 2
    assert isinstance(engine.ingest(recent), DuplicateDelivery)
    assert not isinstance(engine.ingest(old), DuplicateDelivery)  # forgotten: decided anew
    entries = engine.audit_entries()  # flushes
    assert [entry.seq for entry in entries] == list(range(1, 7))
    engine.close()
    assert _committed(db, "SELECT count(*) FROM idempotency_keys") == [(2,)]


def test_another_connection_writing_between_batches_is_read_fresh(db: Path, policy: Policy) -> None:
    writes, clock = Writes(), FixedClock(T0)
    engine = _open(db, policy, clock, batch_size=2)
    engine.ingest(writes("lead_source", "web_form"))
    engine.ingest(writes("contact_preference", "sms"))  # the batch commits; states cached
    outside = sqlite3.connect(db)
    outside.execute(
        "UPDATE field_state SET value = 'partner', version = 7 WHERE field = ?", ("lead_source",)
    )
    outside.commit()
    outside.close()

    state = engine.field("per_0001", "lead_source")
    applied = engine.ingest(writes("lead_source", "referral", base=7))

    assert (state.value, state.version) == ("partner", 7)
    assert isinstance(applied, FieldApplied) and applied.new_version == 8
    engine.close()


_CRASHING_RUN = """
import os, sys
from pathlib import Path
from splitbrain.engine.bootstrap import bootstrap
from splitbrain.engine.service_layer.clock import FixedClock
from tests.unit.linkage.world import IdentityWorld
from tests.unit.service_layer.small_policy import T0, Writes, small_policy

db, batch, commands, at_commit = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
engine = bootstrap(store=f"sqlite:{db}", policy=small_policy(), clock=FixedClock(T0),
                   batch_size=batch)
commits = 0
def crash_at_the_last_commit(statement):
    global commits
    if statement == "COMMIT":
        commits += 1
        if commits == commands // batch:
            os._exit(0)   # the batch's rows are in the transaction, its COMMIT never runs
if at_commit == "yes":
    engine._uow.conn.set_trace_callback(crash_at_the_last_commit)
writes = Writes()
for n in range(commands):
    field = ("lead_source", "contact_preference")[n % 2]
    engine.ingest(writes(field, f"value-{n}", person=f"per_{n % 3}"))
os._exit(0)   # a crash: no flush, no close
"""


@pytest.mark.parametrize("at_commit", [False, True], ids=["between-commands", "at-commit"])
def test_a_crash_loses_at_most_the_open_batch_and_never_half_a_command(
    db: Path, policy: Policy, at_commit: bool
) -> None:
    batch, commands = 7, 25
    done = subprocess.run(
        [sys.executable, "-c", _CRASHING_RUN, str(db), str(batch), str(commands),
         "yes" if at_commit else "no"],
        cwd=Path(__file__).parents[2], capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr

    durable = (commands // batch - (1 if at_commit else 0)) * batch
    assert _committed(db, "SELECT count(*) FROM decisions") == [(durable,)]
    assert _committed(db, "SELECT count(*) FROM audit_log") == [(durable,)]
    assert _committed(db, "SELECT count(*) FROM idempotency_keys") == [(durable,)]
    assert _committed(db, "SELECT sum(version) FROM field_state") == [(durable,)]
    reopened = _open(db, policy, FixedClock(T0))
    assert reopened.verify_audit().ok
    assert reopened.metrics().writes_decided == durable
    reopened.close()


def test_a_rolled_back_command_that_wrote_past_the_store_loses_the_batch_not_half_of_it(
    db: Path, policy: Policy
) -> None:
    writes, clock = Writes(), FixedClock(T0)
    keys = load_or_create_keys(keys_path_for(db))
    uow = SqliteUnitOfWork.open(db, keys, batch_size=10)
    engine = Engine(MessageBus(uow, policy, clock, HANDLERS), policy=policy, clock=clock)
    engine.ingest(writes("lead_source", "web_form"))
    own_cursor = uow.conn.cursor()  # skips UnitConnection's hook: no savepoint is taken

    with pytest.raises(StoreError, match="last 1 commands"), uow:
        own_cursor.execute(
            "INSERT INTO conflicts (conflict_id, status, body) VALUES ('x', 'open', '{}')"
        )
        raise RuntimeError("the command fails after its write")

    engine.close()
    assert _committed(db, "SELECT count(*) FROM conflicts") == [(0,)]
    assert _committed(db, "SELECT count(*) FROM decisions") == [(0,)]


def test_a_merge_change_rolled_back_with_its_command_is_not_remembered(tmp_path: Path) -> None:
    world = IdentityWorld(store=f"sqlite:{tmp_path / 'engine.sqlite'}")
    ana = world.register("crm", "c-1", identifier="id-1", phone="+15550100").person
    dup = world.register("ehr", "e-1", identifier="id-2", phone="+15550100").person
    merged = world.merge(ana, dup)
    assert isinstance(merged, PersonsMerged)
    uow = world.engine._uow
    merges = uow.identity.merges

    with uow:  # a command that undoes the merge, asks, and then fails: rolled back
        merges.put(merges.get(merged.merge_id).undone(world.clock.now()))
        assert merges.active_ids(dup) == []

    assert merges.active_ids(dup) == [merged.merge_id]
    world.engine.close()
