"""The PostgreSQL store on a real server: restart, one transaction per decision, the audit chain
with its files, idempotency retention, the schema, consents and linkage across a reopen."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import psycopg
import pytest

from splitbrain.engine.adapters.audit_files import JsonlCheckpointStore
from splitbrain.engine.adapters.postgres_audit import PostgresAuditLog
from splitbrain.engine.adapters.postgres_store import (
    PostgresUnitOfWork,
    audit_files,
    open_postgres_store,
)
from splitbrain.engine.bootstrap import HANDLERS, bootstrap, random_keys
from splitbrain.engine.domain.audit import AuditEntry, AuditEvent, AuditKeyError, AuditWriteError
from splitbrain.engine.domain.conflicts import ConflictStatus
from splitbrain.engine.domain.decisions import ConflictEscalated, DuplicateDelivery, FieldApplied
from splitbrain.engine.domain.policy import Policy
from splitbrain.engine.service_layer.clock import FixedClock
from splitbrain.engine.service_layer.engine import Engine
from splitbrain.engine.service_layer.errors import (
    AuditWriteFailed,
    SchemaVersionMismatch,
    StoreClosed,
)
from splitbrain.engine.service_layer.messagebus import MessageBus
from tests.unit.service_layer.small_policy import T0, Writes, small_policy

pytestmark = pytest.mark.postgres


@pytest.fixture
def policy() -> Policy:
    return small_policy()


@pytest.fixture
def audit_dir(tmp_path: Path) -> Path:
    (tmp_path / "audit").mkdir()
    return tmp_path / "audit"


def _open(dsn: str, audit_dir: Path, clock: FixedClock, **options: object) -> Engine:
    return bootstrap(
        store=dsn,
        policy=small_policy(),
        clock=clock,
        audit_dir=audit_dir,
        **options,  # type: ignore[arg-type]
    )


def _count(dsn: str, sql: str) -> int:
    with psycopg.connect(dsn, options="-c search_path=splitbrain") as conn:
        row = conn.execute(sql.encode()).fetchone()
    assert row is not None
    return int(row[0])


def test_state_survives_a_restart(postgres_db: str, audit_dir: Path) -> None:
    writes, clock = Writes(), FixedClock(T0)
    engine = _open(postgres_db, audit_dir, clock)
    applied = writes("lead_source", "web_form")
    engine.ingest(applied)
    stale = writes("lead_source", "referral", base=0)
    escalated = engine.ingest(stale)
    assert isinstance(escalated, ConflictEscalated)
    engine.close()

    reopened = _open(postgres_db, audit_dir, clock)

    state = reopened.field("per_0001", "lead_source")
    assert (state.value, state.version) == ("web_form", 1)
    assert isinstance(reopened.ingest(applied), DuplicateDelivery)
    reopened.resolve(
        escalated.conflict_id, resolver="usr_9", role="growth_ops", reason="checked",
        chosen_key=stale.idempotency_key,
    )  # fmt: skip
    assert reopened.field("per_0001", "lead_source").version == 2
    assert reopened.metrics().writes_decided == 2
    assert reopened.verify_audit().ok
    reopened.close()


class FailingAudit(PostgresAuditLog):
    """The real PostgreSQL audit log, which refuses appends while ``down``."""

    down = False

    def append(self, event: AuditEvent) -> AuditEntry:
        if self.down:
            raise AuditWriteError("audit table unavailable (test switch)")
        return super().append(event)


def _engine_with_failing_audit(dsn: str, audit_dir: Path) -> tuple[Engine, FailingAudit]:
    uow = open_postgres_store(dsn, audit_dir=audit_dir)
    audit = FailingAudit(uow.conn, uow.audit.checkpoints, uow.audit.keys)
    uow.audit = audit
    policy, clock = small_policy(), FixedClock(T0)
    return Engine(MessageBus(uow, policy, clock, HANDLERS), policy=policy, clock=clock), audit


def test_a_failed_audit_leaves_neither_the_field_change_nor_the_decision(
    postgres_db: str, audit_dir: Path
) -> None:
    writes = Writes()
    engine, audit = _engine_with_failing_audit(postgres_db, audit_dir)
    engine.ingest(writes("lead_source", "web_form"))
    audit.down = True

    with pytest.raises(AuditWriteFailed):
        engine.ingest(writes("lead_source", "referral", base=1))

    assert _count(postgres_db, "SELECT count(*) FROM decisions") == 1
    assert _count(postgres_db, "SELECT max(version) FROM field_state") == 1
    assert _count(postgres_db, "SELECT count(*) FROM audit_log") == 1
    assert _count(postgres_db, "SELECT seq FROM audit_head") == 1
    engine.close()


def test_an_audit_row_the_database_refuses_fails_the_decision_with_it(
    postgres_db: str, audit_dir: Path
) -> None:
    writes = Writes()
    engine = _open(postgres_db, audit_dir, FixedClock(T0))
    engine.ingest(writes("lead_source", "web_form"))
    with psycopg.connect(postgres_db, options="-c search_path=splitbrain") as conn:
        conn.execute(b"INSERT INTO audit_log VALUES (2, 1, 'x', 'y', '{}')")  # a rogue row

    with pytest.raises(AuditWriteFailed) as raised:
        engine.ingest(writes("lead_source", "referral", base=1))

    assert isinstance(raised.value.__cause__, AuditWriteError)
    assert "audit_log_pkey" in str(raised.value.__cause__)
    assert engine.field("per_0001", "lead_source").version == 1
    assert _count(postgres_db, "SELECT count(*) FROM decisions") == 1
    engine.close()


def test_the_chain_verifies_after_a_run_and_close_anchors_its_tail(
    postgres_db: str, audit_dir: Path
) -> None:
    writes, clock = Writes(), FixedClock(T0)
    engine = _open(postgres_db, audit_dir, clock, checkpoint_every=5)
    for n in range(30):
        engine.ingest(writes("lead_source", f"source-{n}"))
        engine.ingest(writes("medication_plan", f"plan-{n}"))
    clock.advance(timedelta(days=2))
    engine.escalate_overdue()
    engine.close()

    reopened = _open(postgres_db, audit_dir, clock)
    result = reopened.verify_audit()

    assert result.ok, result.message
    assert result.entries_checked == 60
    assert result.checkpoints_matched == 60 // 5
    assert result.last_checkpoint_seq == 60
    assert audit_files(audit_dir)[0].exists()
    reopened.close()


def test_the_audit_log_refuses_updates_deletes_and_truncation(
    postgres_db: str, audit_dir: Path
) -> None:
    with _open(postgres_db, audit_dir, FixedClock(T0)) as engine:
        engine.ingest(Writes()("lead_source", "web_form"))

    for statement in (
        "UPDATE audit_log SET event = '{}'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ):
        with (
            psycopg.connect(postgres_db, options="-c search_path=splitbrain") as conn,
            pytest.raises(psycopg.errors.RaiseException, match="append-only"),
        ):
            conn.execute(statement.encode())

    assert _count(postgres_db, "SELECT count(*) FROM audit_log") == 1


def test_idempotency_keys_past_retention_are_purged(postgres_db: str, audit_dir: Path) -> None:
    writes, clock = Writes(), FixedClock(T0)
    engine = _open(postgres_db, audit_dir, clock)
    engine.ingest(writes("lead_source", "web_form"))
    clock.advance(timedelta(days=31))
    engine.ingest(writes("contact_preference", "sms"))

    purged = engine.purge_idempotency_keys(timedelta(days=30))
    engine.close()

    assert purged == 1
    assert _count(postgres_db, "SELECT count(*) FROM idempotency_keys") == 1
    assert _count(postgres_db, "SELECT count(*) FROM decisions") == 2


def test_a_store_of_another_schema_version_is_refused(postgres_db: str, audit_dir: Path) -> None:
    _open(postgres_db, audit_dir, FixedClock(T0)).close()
    with psycopg.connect(postgres_db, options="-c search_path=splitbrain") as conn:
        conn.execute(b"UPDATE schema_versions SET version = 99 WHERE component = 'consent'")

    with pytest.raises(SchemaVersionMismatch, match=r"consent tables.*version 99"):
        _open(postgres_db, audit_dir, FixedClock(T0))


def test_conflict_items_round_trip_through_the_database(postgres_db: str, audit_dir: Path) -> None:
    writes, clock = Writes(), FixedClock(T0)
    engine = _open(postgres_db, audit_dir, clock)
    engine.ingest(writes("lead_source", "web_form"))
    escalated = engine.ingest(writes("lead_source", "referral", base=0))
    assert isinstance(escalated, ConflictEscalated)
    clock.advance(timedelta(days=2))
    engine.escalate_overdue()
    engine.resolve(
        escalated.conflict_id, resolver="usr_9", role="growth_ops", reason="checked",
        chosen_key=escalated.write.idempotency_key,
    )  # fmt: skip
    engine.close()

    reopened = _open(postgres_db, audit_dir, clock)
    [item] = reopened.conflicts(open_only=False)

    assert item.status is ConflictStatus.RESOLVED
    assert item.overdue_escalated_at == T0 + timedelta(days=2)
    assert reopened.conflicts() == []
    reopened.close()


def test_a_closed_store_refuses_commands(postgres_db: str, audit_dir: Path) -> None:
    engine = _open(postgres_db, audit_dir, FixedClock(T0))
    engine.close()

    with pytest.raises(StoreClosed, match="closed"):
        engine.ingest(Writes()("lead_source", "web_form"))


def test_the_database_audit_holds_no_written_value(postgres_db: str, audit_dir: Path) -> None:
    writes = Writes()
    engine = _open(postgres_db, audit_dir, FixedClock(T0))
    engine.ingest(writes("legal_name", "Ana Maria Silva", role="intake_ops"))
    engine.ingest(writes("medication_plan", "semaglutide 0.5 mg"))
    engine.close()

    with psycopg.connect(postgres_db, options="-c search_path=splitbrain") as conn:
        logged = " ".join(row[0] for row in conn.execute(b"SELECT event FROM audit_log"))
    assert "Ana" not in logged and "semaglutide" not in logged


def test_a_fresh_bootstrap_starts_an_empty_store_with_the_same_keys(
    postgres_db: str, audit_dir: Path
) -> None:
    write, clock = Writes()("lead_source", "web_form"), FixedClock(T0)
    engine = _open(postgres_db, audit_dir, clock)
    engine.ingest(write)
    engine.close()
    keys_file = audit_files(audit_dir)[1]
    keys_before = keys_file.read_bytes()

    rerun = _open(postgres_db, audit_dir, clock, fresh=True)

    assert isinstance(rerun.ingest(write), FieldApplied)
    assert rerun.verify_audit().ok
    assert keys_file.read_bytes() == keys_before
    rerun.close()


def test_a_process_with_other_audit_keys_is_refused(postgres_db: str, audit_dir: Path) -> None:
    open_postgres_store(postgres_db, audit_dir=audit_dir).close()

    with pytest.raises(AuditKeyError, match="same keys file"):
        PostgresUnitOfWork.open(postgres_db, random_keys(), checkpoints=audit_dir / "other.jsonl")


def test_batched_commits_are_refused(postgres_db: str, audit_dir: Path) -> None:
    with pytest.raises(ValueError, match="batch_size=8"):
        _open(postgres_db, audit_dir, FixedClock(T0), batch_size=8)


def test_two_stores_share_a_database_in_their_own_schemas(
    postgres_db: str, audit_dir: Path
) -> None:
    write = Writes()("lead_source", "web_form")
    keys = random_keys()
    first = PostgresUnitOfWork.open(
        postgres_db, keys, checkpoints=audit_dir / "a.jsonl", schema="store_a"
    )
    second = PostgresUnitOfWork.open(
        postgres_db, keys, checkpoints=audit_dir / "b.jsonl", schema="store_b"
    )
    policy, clock = small_policy(), FixedClock(T0)
    engines = [Engine(MessageBus(u, policy, clock, HANDLERS), policy=policy, clock=clock)
               for u in (first, second)]  # fmt: skip

    decisions = [type(engine.ingest(write)) for engine in engines]

    assert decisions == [FieldApplied, FieldApplied]
    for engine in engines:
        engine.close()


def test_a_checkpoint_file_is_the_one_the_store_was_given(postgres_db: str, tmp_path: Path) -> None:
    keys, checkpoints = random_keys(), tmp_path / "elsewhere" / "cp.jsonl"
    checkpoints.parent.mkdir()
    uow = PostgresUnitOfWork.open(postgres_db, keys, checkpoints=checkpoints)
    policy, clock = small_policy(), FixedClock(T0)
    engine = Engine(MessageBus(uow, policy, clock, HANDLERS), policy=policy, clock=clock)
    engine.ingest(Writes()("lead_source", "web_form"))

    engine.close()

    [checkpoint] = JsonlCheckpointStore(checkpoints).all()
    assert checkpoint.seq == 1


def test_with_commits_that_do_not_wait_for_the_wal_a_checkpoint_still_verifies(
    postgres_db: str, tmp_path: Path
) -> None:
    keys, checkpoints = random_keys(), tmp_path / "cp.jsonl"
    uow = PostgresUnitOfWork.open(postgres_db, keys, checkpoints=checkpoints, synchronous="NORMAL")
    policy, clock = small_policy(), FixedClock(T0)
    engine = Engine(MessageBus(uow, policy, clock, HANDLERS), policy=policy, clock=clock)
    engine.ingest(Writes()("lead_source", "web_form"))
    engine.ingest(Writes()("lead_source", "referral"))

    engine.close()  # the closing checkpoint first waits for a synchronous commit of the WAL

    [checkpoint] = JsonlCheckpointStore(checkpoints).all()
    assert checkpoint.seq == 2
    reopened = PostgresUnitOfWork.open(postgres_db, keys, checkpoints=checkpoints)
    assert reopened.audit.verify().ok
    reopened.close()
