"""A CRM contact linked to a person whose CRM contact the engine made: a merge is planned once.

The order that made two CRM contacts for one person: the portal sign-up reaches the engine
first, the engine creates the person's CRM contact (an upsert: version 1 is the engine's own
write), and then the CRM's lead for the same person arrives and matching links it to them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from splitbrain.engine.bootstrap import bootstrap_service
from splitbrain.engine.entrypoints.service import EngineService
from splitbrain.engine.service_layer.clock import FixedClock
from splitbrain.engine.service_layer.sync.backoff import Backoff
from splitbrain.engine.service_layer.sync.delivery import Deliverer
from splitbrain.engine.service_layer.sync.model import InboxState, OutboxEffect
from splitbrain.engine.service_layer.sync.targets import Delivery, Outcome, TargetClient
from splitbrain.harness.paths import default_matrix

AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
WHO = {"email": "ana.quill@example.org"}


class _Crm(TargetClient):
    """A CRM whose upsert makes ``con-000001`` at version 1 (as the simulator answers)."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def deliver(self, effect: OutboxEffect) -> Delivery:
        self.sent.append(json.loads(effect.body or b"{}"))
        return Delivery(Outcome.DONE, 201, "upsert", record="con-000001", version="1")

    def reread(self, effect: OutboxEffect) -> Delivery:
        return Delivery(Outcome.DONE, 200, "read")

    def close(self) -> None:
        return None


@pytest.fixture
def service() -> Iterator[EngineService]:
    built = bootstrap_service(
        matrix=default_matrix(), store="memory", endpoints={}, clock=FixedClock(AT)
    )
    yield built
    built.close()


def _event(
    system: str, kind: str, record_id: str, record: dict[str, Any], version: int = 1
) -> bytes:
    resource, actor = ("Account", "patient") if system == "portal" else ("Contact", "growth_ops")
    event = {"type": kind, "resource": resource, "id": record_id, "version": version,
             "actor": actor, "occurred_at": AT.isoformat(), "record": record}  # fmt: skip
    return json.dumps(event).encode()


def _signed_up_and_synced(service: EngineService) -> _Crm:
    account = {"given_name": "Ana", "family_name": "Quill", "birth_date": "1984-02-29", **WHO}
    service.receive("portal", "webhook", _event("portal", "account.created", "acc-1", account))
    service.worker.run_once()
    crm = _Crm()
    sender = Deliverer(service.store, {"crm": crm}, service.engine.clock, Backoff(),
                       superseded=lambda _e: False, consent_gate=lambda _e: None)  # fmt: skip
    sender.run_once()
    assert crm.sent, "the sign-up reached the CRM (the engine created its contact)"
    return crm


def _lead(service: EngineService, record_id: str, kind: str = "contact.created",
          version: int = 1) -> str:  # fmt: skip
    lead = {"first_name": "Ana", "last_name": "Quill", "lead_source": "paid_search", **WHO}
    event_id, _new = service.receive(
        "crm", "webhook", _event("crm", kind, record_id, lead, version)
    )
    service.worker.run_once()
    return event_id


def _merges(service: EngineService) -> list[dict[str, Any]]:
    bodies = [json.loads(e.body or b"{}") for e in service.store.outbox()]
    return [b for b in bodies if b["op"] == "merge"]


def test_a_lead_linked_after_the_engine_made_the_contact_is_merged_into_it(
    service: EngineService,
) -> None:
    _signed_up_and_synced(service)
    person = service.store.person_of("portal", "acc-1")

    event = _lead(service, "con-000002")

    assert service.store.person_of("crm", "con-000002") == person
    assert [(m["survivor"], m["retired"], m["person"]) for m in _merges(service)] == [
        ("con-000001", "con-000002", person)
    ]
    item = service.store.inbox_item(event)
    assert item is not None and item.state is InboxState.APPLIED


def test_the_merge_is_planned_once_however_often_the_lead_is_heard_of(
    service: EngineService,
) -> None:
    _signed_up_and_synced(service)
    _lead(service, "con-000002")

    _lead(service, "con-000002", kind="contact.updated", version=2)

    assert len(_merges(service)) == 1


def test_a_second_contact_staff_made_is_not_merged_by_the_engine(service: EngineService) -> None:
    _lead(service, "con-000001")

    _lead(service, "con-000002")

    assert service.store.person_of("crm", "con-000002") == service.store.person_of(
        "crm", "con-000001"
    )
    assert _merges(service) == []
