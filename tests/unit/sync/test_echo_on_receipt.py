"""The CRM's and the portal's webhook announcing the engine's own write (an echo) is settled at
the door: stored once as deduplicated, counted, never claimed by the worker; any other event,
and any body the door cannot read, still goes to the worker."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from splitbrain.engine.bootstrap import bootstrap_service
from splitbrain.engine.entrypoints.service import EngineService
from splitbrain.engine.service_layer.clock import FixedClock
from splitbrain.engine.service_layer.sync.model import InboxState
from splitbrain.harness.paths import default_matrix

AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def service() -> Iterator[EngineService]:
    built = bootstrap_service(
        matrix=default_matrix(), store="memory", endpoints={}, clock=FixedClock(AT)
    )
    yield built
    built.close()


def _contact_event(actor: str, version: int = 2, **extra: Any) -> bytes:
    event = {"type": "contact.updated", "resource": "Contact", "id": "c1", "version": version,
             "actor": actor, "occurred_at": AT.isoformat(), "changed": ["phone"],
             "record": {"id": "c1", "phone": "+15555550100"}, **extra}  # fmt: skip
    return json.dumps(event).encode()


def _state(service: EngineService, event_id: str) -> InboxState:
    item = service.store.inbox_item(event_id)
    assert item is not None
    return item.state


@pytest.mark.parametrize("source", ["crm", "portal"])
def test_an_echo_of_the_engines_own_write_is_deduplicated_at_the_door(
    service: EngineService, source: str
) -> None:
    body = _contact_event("engine")
    if source == "portal":
        body = json.dumps({**json.loads(body), "type": "account.updated",
                           "resource": "Account"}).encode()  # fmt: skip

    event_id, new = service.receive(source, "webhook", body)

    assert new is True
    assert _state(service, event_id) is InboxState.DEDUPLICATED
    assert service.worker.run_once() == 0
    assert service.worker.ignored["other"] == 1


def test_a_redelivered_echo_is_counted_once(service: EngineService) -> None:
    event_id, _ = service.receive("crm", "webhook", _contact_event("engine"))

    _, again = service.receive("crm", "webhook", _contact_event("engine"))

    item = service.store.inbox_item(event_id)
    assert item is not None
    assert (again, item.deliveries) == (False, 2)
    assert service.worker.ignored["other"] == 1


def test_a_change_by_someone_else_waits_for_the_worker(service: EngineService) -> None:
    event_id, _ = service.receive("crm", "webhook", _contact_event("ops"))

    assert _state(service, event_id) is InboxState.PENDING
    assert service.worker.run_once() == 1
    assert _state(service, event_id).terminal


def test_an_unreadable_engine_event_is_still_dead_lettered_by_the_worker(
    service: EngineService,
) -> None:
    broken = json.dumps({"type": "contact.updated", "actor": "engine"}).encode()
    event_id, _ = service.receive("crm", "webhook", broken)

    service.worker.run_once()

    assert _state(service, event_id) is InboxState.DEAD_LETTERED
