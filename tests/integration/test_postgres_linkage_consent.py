"""Consent and linkage on the PostgreSQL store, across a reopen, with the real identity index;
and ``splitbrain audit verify postgresql://...``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from splitbrain.cli.audit import app as audit_cli
from splitbrain.engine.adapters.consent_flags import InMemoryConsentFlags
from splitbrain.engine.adapters.identity.factory import MatchingParts
from splitbrain.engine.adapters.postgres_audit import PostgresAuditLog
from splitbrain.engine.adapters.postgres_store import open_postgres_store
from splitbrain.engine.bootstrap import HANDLERS, bootstrap
from splitbrain.engine.domain.audit import AuditEntry, AuditEvent, AuditWriteError
from splitbrain.engine.domain.consent import ConsentStatus, OutreachBlocked
from splitbrain.engine.domain.identity.record import IdentityRecord, RecordKey
from splitbrain.engine.domain.linkage.merge import PersonsMerged
from splitbrain.engine.domain.linkage.unmerge import PersonsUnmerged
from splitbrain.engine.service_layer.clock import FixedClock
from splitbrain.engine.service_layer.consent_service import ConsentService
from splitbrain.engine.service_layer.engine import Engine
from splitbrain.engine.service_layer.errors import AuditWriteFailed
from splitbrain.engine.service_layer.messagebus import MessageBus
from tests.unit.linkage.world import IdentityWorld
from tests.unit.service_layer.small_policy import Writes, small_policy

pytestmark = pytest.mark.postgres

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
ANA_TOKEN = "tok_ana"
C1, E1 = RecordKey("crm", "c-1"), RecordKey("ehr", "e-1")
ANA = {"given": "Ana", "family": "Garcia", "date_of_birth": "1980-02-03",
       "phone": "(555) 010-0123", "email": "ana.garcia@example.org"}  # fmt: skip


@pytest.fixture(autouse=True)
def _state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Stores' default audit directories (keys, checkpoints) go under the test's tmp."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    yield


def _open(dsn: str, clock: FixedClock) -> Engine:
    return bootstrap(store=dsn, policy=small_policy(), clock=clock)


class _SwitchableAudit(PostgresAuditLog):
    refuse: str | None = None
    """An action whose entries are refused (``"*"``: every action)."""

    def append(self, event: AuditEvent) -> AuditEntry:
        if self.refuse in ("*", event.action):
            raise AuditWriteError("disk full (test switch)")
        return super().append(event)


def _switchable(dsn: str, clock: FixedClock) -> tuple[Engine, _SwitchableAudit]:
    uow = open_postgres_store(dsn)
    audit = _SwitchableAudit(uow.conn, uow.audit.checkpoints, uow.audit.keys)
    uow.audit = audit
    policy = IdentityWorld().policy
    return Engine(MessageBus(uow, policy, clock, HANDLERS), policy=policy, clock=clock), audit


# consent ------------------------------------------------------------------------------------


def test_consent_versions_queue_and_audit_survive_a_reopen(postgres_db: str) -> None:
    clock = FixedClock(T0)
    with _open(postgres_db, clock) as engine:
        consents = ConsentService(engine)
        consents.grant(ANA_TOKEN, "HMARKT", "sms", end=T0 + 30 * DAY, actors=("Organization/crm",))
        consents.queue("msg-1", ANA_TOKEN, "HMARKT", "sms")
        clock.advance(DAY)
        consents.revoke(ANA_TOKEN, "HMARKT", "sms")

    with _open(postgres_db, clock) as engine:
        consents = ConsentService(engine)
        (current,) = consents.of_person(ANA_TOKEN)
        history = consents.history(current.ref)
        blocked = consents.send("msg-1")
        verdict = engine.verify_audit()

    assert [(v.version, v.status) for v in history] == [
        (1, ConsentStatus.ACTIVE), (2, ConsentStatus.REVOKED)]  # fmt: skip
    assert history[0].period.end == T0 + 30 * DAY
    assert history[0].actors == ("Organization/crm",)
    assert isinstance(blocked, OutreachBlocked) and blocked.message.queued_under_version == 1
    assert verdict.ok


def test_the_expiry_job_claims_the_due_consents(postgres_db: str) -> None:
    clock = FixedClock(T0)
    with _open(postgres_db, clock) as engine:
        consents = ConsentService(engine)
        consents.grant(ANA_TOKEN, "HMARKT", "sms", end=T0 + 2 * DAY)
        consents.grant(ANA_TOKEN, "HMARKT", "email", end=T0 + 5 * DAY)
        consents.grant(ANA_TOKEN, "TREAT", "sms")
        clock.advance(3 * DAY)

        expired = consents.expire_due()
        again = consents.expire_due()
        current = {(c.purpose, c.channel): c.status for c in consents.of_person(ANA_TOKEN)}

    assert [(c.channel, c.version) for c in expired] == [("sms", 2)]
    assert again == []
    assert current[("HMARKT", "sms")] is ConsentStatus.EXPIRED
    assert current[("HMARKT", "email")] is ConsentStatus.ACTIVE


def test_a_revoke_that_cannot_be_audited_leaves_no_version(postgres_db: str) -> None:
    engine, audit = _switchable(postgres_db, FixedClock(T0))
    with engine:
        consents = ConsentService(engine)
        consents.grant(ANA_TOKEN, "HMARKT", "sms")
        audit.refuse = "consent.revoke"

        with pytest.raises(AuditWriteFailed, match="ConsentRevoked"):
            consents.revoke(ANA_TOKEN, "HMARKT", "sms")

        (current,) = consents.of_person(ANA_TOKEN)
        assert (current.version, current.status) == (1, ConsentStatus.ACTIVE)
        flags = consents.flags
        assert isinstance(flags, InMemoryConsentFlags)
        assert flags.allows(ANA_TOKEN, "HMARKT", "sms")  # the CRM was never told


# linkage ------------------------------------------------------------------------------------


def _persons(world: IdentityWorld) -> tuple[str, str]:
    ana = world.register("crm", "c-1", identifier="id-1", phone="+15550100").person
    dup = world.register("ehr", "e-1", identifier="id-2", phone="+15550100").person
    world.write(C1, "legal_name", "Ana Garcia")
    world.write(E1, "medication_plan", "plan-a")
    return ana, dup


def _reopen(world: IdentityWorld, dsn: str) -> None:
    world.engine.close()
    world.engine = bootstrap(store=dsn, policy=world.policy, clock=world.clock,
                             identity_index=world.index)  # fmt: skip


def test_merge_reopen_unmerge_restores_each_person(postgres_db: str) -> None:
    world = IdentityWorld(store=postgres_db)
    ana, dup = _persons(world)
    before_ana, links_dup = world.fields(ana), world.links(dup)
    merged = world.merge(ana, dup)
    assert isinstance(merged, PersonsMerged)
    world.write(E1, "medication_plan", "plan-b")
    _reopen(world, postgres_db)
    assert world.engine.resolve_person(dup) == ana

    undone = world.unmerge(merged.merge_id)

    assert isinstance(undone, PersonsUnmerged)
    assert world.fields(ana) == before_ana
    assert world.fields(dup)["medication_plan"].value == "plan-b"
    assert world.links(dup) == links_dup
    assert world.engine.verify_audit().ok
    world.engine.close()


def _record(system: str, record_id: str, **values: str) -> IdentityRecord:
    return MatchingParts.from_config().normalizer.record(system, record_id, **values)


def test_the_postgres_index_links_the_same_person_from_two_systems(postgres_db: str) -> None:
    with _open(postgres_db, FixedClock(T0)) as engine:
        first = engine.register_record(_record("ehr", "e-1", **ANA))
        second = engine.register_record(_record("crm", "c-1", **{**ANA, "given": "ana"}))
        other = engine.register_record(_record("crm", "c-2", given="Bo", family="Lee",
                                                date_of_birth="1990-01-01"))  # fmt: skip

    assert second.band == "high" and second.person == first.person
    assert other.created and other.person != first.person


def test_a_registration_that_fails_its_audit_leaves_no_index_row(postgres_db: str) -> None:
    engine, audit = _switchable(postgres_db, FixedClock(T0))
    audit.refuse = "*"

    with pytest.raises(AuditWriteFailed):
        engine.register_record(_record("ehr", "e-1", **ANA))

    audit.refuse = None
    assert engine.read(lambda uow: len(uow.identity.index)) == 0
    assert engine.register_record(_record("ehr", "e-1", **ANA)).created
    assert engine.read(lambda uow: len(uow.identity.index)) == 1
    engine.close()


# splitbrain audit verify postgresql://... -------------------------------------------------------


def test_audit_verify_reads_a_postgres_store_and_names_a_tampered_entry(postgres_db: str) -> None:
    writes = Writes()
    with _open(postgres_db, FixedClock(T0)) as engine:
        for n in range(3):
            engine.ingest(writes("lead_source", f"source-{n}"))
    runner = CliRunner()

    intact = runner.invoke(audit_cli, ["verify", postgres_db, "--format", "json"])
    with psycopg.connect(postgres_db, options="-c search_path=splitbrain") as conn:
        conn.execute(b"ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
        conn.execute(b"UPDATE audit_log SET event = replace(event, 'crm', 'ehr') WHERE seq = 2")
    broken = runner.invoke(audit_cli, ["verify", postgres_db])

    assert intact.exit_code == 0, intact.output
    report = json.loads(intact.output)
    assert (report["entries_checked"], report["last_checkpoint_seq"]) == (3, 3)
    assert report["path"].startswith("postgresql://postgres@")
    assert broken.exit_code == 1
    assert "broken at seq 2 (hash_mismatch)" in broken.output
