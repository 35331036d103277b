"""Audit fails closed: a decision that cannot be audited does not happen at all."""

from __future__ import annotations

from typing import get_args

import pytest

from splitbrain.engine.adapters.audit_files import InMemoryCheckpointStore
from splitbrain.engine.adapters.audit_log import InMemoryAuditLog
from splitbrain.engine.adapters.memory_store import InMemoryUnitOfWork
from splitbrain.engine.bootstrap import HANDLERS, random_keys
from splitbrain.engine.domain.audit import AuditEntry, AuditEvent, AuditWriteError
from splitbrain.engine.domain.decisions import ConflictEscalated, FieldApplied
from splitbrain.engine.domain.policy import Policy
from splitbrain.engine.service_layer import handlers
from splitbrain.engine.service_layer.clock import FixedClock
from splitbrain.engine.service_layer.commands import Command
from splitbrain.engine.service_layer.engine import Engine
from splitbrain.engine.service_layer.errors import AuditWriteFailed, NoHandler
from splitbrain.engine.service_layer.events import Event
from splitbrain.engine.service_layer.messagebus import MessageBus
from tests.unit.service_layer.small_policy import Writes


class SwitchableAudit(InMemoryAuditLog):
    """An audit log whose store can go down and come back."""

    down = False
    down_after: int | None = None

    def append(self, event: AuditEvent) -> AuditEntry:
        if self.down or (self.down_after is not None and len(self.items) >= self.down_after):
            raise AuditWriteError("audit store unavailable (test switch)")
        return super().append(event)


@pytest.fixture
def audit() -> SwitchableAudit:
    return SwitchableAudit(InMemoryCheckpointStore(), random_keys())


@pytest.fixture
def engine(policy: Policy, clock: FixedClock, audit: SwitchableAudit) -> Engine:
    bus = MessageBus(InMemoryUnitOfWork(audit), policy, clock, HANDLERS)
    return Engine(bus, policy=policy, clock=clock)


def test_failed_audit_leaves_neither_field_change_nor_decision(
    engine: Engine, audit: SwitchableAudit, writes: Writes
) -> None:
    engine.ingest(writes("lead_source", "web_form"))
    audit.down = True
    write = writes("lead_source", "referral", base=1)

    with pytest.raises(AuditWriteFailed, match=write.idempotency_key):
        engine.ingest(write)

    assert engine.field("per_0001", "lead_source").version == 1
    assert engine.metrics().writes_decided == 1
    assert len(audit.items) == 1


def test_write_refused_by_a_failed_audit_is_decided_afresh_once_audit_works(
    engine: Engine, audit: SwitchableAudit, writes: Writes
) -> None:
    write = writes("lead_source", "web_form")
    audit.down = True
    with pytest.raises(AuditWriteFailed):
        engine.ingest(write)
    audit.down = False

    decision = engine.ingest(write)

    assert isinstance(decision, FieldApplied)
    assert engine.verify_audit().ok


def test_audit_failure_in_a_later_event_rolls_back_earlier_entries_of_the_command(
    engine: Engine, audit: SwitchableAudit, writes: Writes
) -> None:
    engine.ingest(writes("lead_source", "web_form"))
    stale = writes("lead_source", "referral", base=0)
    escalated = engine.ingest(stale)
    assert isinstance(escalated, ConflictEscalated)
    audit.down_after = 3  # the resolution's own entry is stored, the applied write's is refused

    with pytest.raises(AuditWriteFailed):
        engine.resolve(
            escalated.conflict_id,
            resolver="usr_9",
            role="growth_ops",
            reason="checked",
            chosen_key=stale.idempotency_key,
        )

    assert len(audit.items) == 2
    assert engine.field("per_0001", "lead_source").version == 1
    assert engine.conflicts()[0].resolution is None


def test_a_command_without_a_handler_is_a_wiring_error(engine: Engine) -> None:
    class Unknown:
        pass

    with pytest.raises(NoHandler, match="Unknown"):
        engine.handle(Unknown())  # type: ignore[arg-type]


def test_every_command_type_has_a_handler() -> None:
    assert set(HANDLERS.commands) == set(get_args(Command))


def test_every_event_type_is_audited() -> None:
    assert set(HANDLERS.events) == set(get_args(Event))
    assert all(handlers.AUDITING.intersection(listed) for listed in HANDLERS.events.values())
