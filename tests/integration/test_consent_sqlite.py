"""Consent on the SQLite store: versions, the outreach queue and the audit chain survive a
reopen; a command that cannot be audited leaves nothing; old stores gain the consent tables."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from splitbrain.engine.adapters.audit_files import (
    JsonlCheckpointStore,
    checkpoint_path_for,
    keys_path_for,
    load_or_create_keys,
)
from splitbrain.engine.adapters.audit_log import SqliteAuditLog
from splitbrain.engine.adapters.sqlite_consent import ensure_consent_schema
from splitbrain.engine.adapters.sqlite_schema import ensure_schema
from splitbrain.engine.adapters.sqlite_store import SqliteUnitOfWork
from splitbrain.engine.bootstrap import HANDLERS, bootstrap
from splitbrain.engine.domain.audit import AuditEntry, AuditEvent, AuditWriteError
from splitbrain.engine.domain.consent import ConsentStatus, OutreachBlocked, OutreachStatus
from splitbrain.engine.service_layer.clock import FixedClock
from splitbrain.engine.service_layer.consent_service import ConsentService
from splitbrain.engine.service_layer.engine import Engine
from splitbrain.engine.service_layer.errors import AuditWriteFailed
from splitbrain.engine.service_layer.messagebus import MessageBus
from tests.unit.service_layer.small_policy import small_policy

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
ANA = "tok_ana"


def _open(path: Path, clock: FixedClock) -> Engine:
    return bootstrap(store=f"sqlite:{path}", policy=small_policy(), clock=clock)


def test_versions_queue_and_audit_survive_a_reopen(tmp_path: Path) -> None:
    db, clock = tmp_path / "engine.sqlite", FixedClock(T0)
    with _open(db, clock) as engine:
        consents = ConsentService(engine)
        consents.grant(ANA, "HMARKT", "sms", end=T0 + 30 * DAY, actors=("Organization/crm",))
        consents.queue("msg-1", ANA, "HMARKT", "sms")
        clock.advance(DAY)
        consents.revoke(ANA, "HMARKT", "sms")

    with _open(db, clock) as engine:
        consents = ConsentService(engine)
        (current,) = consents.of_person(ANA)
        history = consents.history(current.ref)
        blocked = consents.send("msg-1")
        verdict = engine.verify_audit()

    assert [(v.version, v.status) for v in history] == [
        (1, ConsentStatus.ACTIVE), (2, ConsentStatus.REVOKED)]  # fmt: skip
    assert history[0].period.end == T0 + 30 * DAY
    assert history[0].actors == ("Organization/crm",)
    assert history[1].recorded_at == T0 + DAY
    assert isinstance(blocked, OutreachBlocked) and blocked.message.queued_under_version == 1
    assert verdict.ok


def test_the_expiry_job_finds_due_consents_by_period_end(tmp_path: Path) -> None:
    clock = FixedClock(T0)
    with _open(tmp_path / "engine.sqlite", clock) as engine:
        consents = ConsentService(engine)
        consents.grant(ANA, "HMARKT", "sms", end=T0 + 2 * DAY)
        consents.grant(ANA, "HMARKT", "email", end=T0 + 5 * DAY)
        consents.grant(ANA, "TREAT", "sms")
        clock.advance(3 * DAY)

        expired = consents.expire_due()
        current = {(c.purpose, c.channel): c.status for c in consents.of_person(ANA)}

    assert [(c.channel, c.version) for c in expired] == [("sms", 2)]
    assert current == {
        ("HMARKT", "email"): ConsentStatus.ACTIVE,
        ("HMARKT", "sms"): ConsentStatus.EXPIRED,
        ("TREAT", "sms"): ConsentStatus.ACTIVE,
    }


class _SwitchableAudit(SqliteAuditLog):
    """The real SQLite audit log, with a switch that refuses consent revocations."""

    refuse_revokes = False

    def append(self, event: AuditEvent) -> AuditEntry:
        if self.refuse_revokes and event.action == "consent.revoke":
            raise AuditWriteError("disk full (test switch)")
        return super().append(event)


def _engine_with(audit_path: Path, clock: FixedClock) -> tuple[Engine, _SwitchableAudit]:
    conn = sqlite3.connect(audit_path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode = WAL")
    ensure_schema(conn, str(audit_path))
    ensure_consent_schema(conn)
    keys = load_or_create_keys(keys_path_for(audit_path))
    audit = _SwitchableAudit(conn, JsonlCheckpointStore(checkpoint_path_for(audit_path)), keys)
    uow = SqliteUnitOfWork(conn, audit, path=str(audit_path))
    bus = MessageBus(uow, small_policy(), clock, HANDLERS)
    return Engine(bus, policy=small_policy(), clock=clock), audit


def test_a_revoke_that_cannot_be_audited_leaves_no_version_and_keeps_the_flag(
    tmp_path: Path,
) -> None:
    engine, audit = _engine_with(tmp_path / "engine.sqlite", FixedClock(T0))
    with engine:
        consents = ConsentService(engine)
        consents.grant(ANA, "HMARKT", "sms")
        audit.refuse_revokes = True

        with pytest.raises(AuditWriteFailed, match="ConsentRevoked"):
            consents.revoke(ANA, "HMARKT", "sms")

        (current,) = consents.of_person(ANA)
        assert (current.version, current.status) == (1, ConsentStatus.ACTIVE)
        assert consents.flags.allows(ANA, "HMARKT", "sms")  # the CRM was never told
        assert engine.verify_audit().ok


def test_a_store_made_before_the_consent_block_gains_its_tables(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite"
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    ensure_schema(conn, str(db))  # the write-path schema only, as before this block
    conn.close()

    with _open(db, FixedClock(T0)) as engine:
        consents = ConsentService(engine)
        consents.grant(ANA, "TREAT", "sms")
        consents.queue("msg-1", ANA, "TREAT", "sms")
        consents.send("msg-1")

        assert consents.messages()[0].status is OutreachStatus.SENT
