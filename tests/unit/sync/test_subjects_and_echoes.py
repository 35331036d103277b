"""Events the worker must not mishandle: a decision before its chart, outreach logs, echoes.

- A workflow event (a FHIR Task decision) for a Patient the engine has not seen waits for the
  chart (released, bounded, counted) instead of making an empty person; after the bound it is
  dead-lettered with an incident naming the event and the record.
- A consent change for an account the engine has not seen waits for the account's sign-up the
  same way; at the bound it goes ahead (a revocation is never lost).
- CRM outreach events (``message.sent`` / ``message.refused``) are ignored by type, counted,
  never dead-lettered; a malformed event of a synced type still is.
- An echo is a version the engine's own effect wrote, not a payload marker a client can copy.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from splitbrain.engine.adapters.inbound_fhir import ENGINE_SOURCE
from splitbrain.engine.adapters.sync_memory import InMemorySyncStore
from splitbrain.engine.bootstrap import bootstrap_service
from splitbrain.engine.domain.identity.record import RecordKey
from splitbrain.engine.entrypoints.metrics import EngineCollector
from splitbrain.engine.entrypoints.service import EngineService
from splitbrain.engine.service_layer.clock import FixedClock
from splitbrain.engine.service_layer.sync.backoff import Backoff
from splitbrain.engine.service_layer.sync.delivery import Deliverer
from splitbrain.engine.service_layer.sync.model import InboxItem, InboxState, OutboxEffect
from splitbrain.engine.service_layer.sync.targets import Delivery, Outcome, TargetClient
from splitbrain.harness.paths import default_matrix

AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
DECISION = {"system": "urn:splitbrain:clinical-decision", "code": "approved"}


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(AT)


@pytest.fixture
def service(clock: FixedClock) -> Iterator[EngineService]:
    built = bootstrap_service(matrix=default_matrix(), store="memory", endpoints={}, clock=clock)
    yield built
    built.close()


def _notify(service: EngineService, resource: Mapping[str, Any], version: str = "1") -> str:
    meta = {"versionId": version, "lastUpdated": AT.isoformat(), **(resource.get("meta") or {})}
    body = json.dumps({**resource, "meta": meta}).encode()
    event_id, _new = service.receive("ehr", "fhir-subscription", body)
    return event_id


def _chart(service: EngineService, birth: str = "1984-02-29", version: str = "1",
           meta: dict[str, str] | None = None) -> str:  # fmt: skip
    patient = {"resourceType": "Patient", "id": "1", "birthDate": birth,
               "name": [{"family": "Quill", "given": ["Ana"]}], "meta": meta or {}}  # fmt: skip
    return _notify(service, patient, version)


def _decision(service: EngineService) -> str:
    task = {"resourceType": "Task", "id": "7", "status": "completed", "intent": "order",
            "for": {"reference": "Patient/1"}, "code": {"coding": [DECISION]}}  # fmt: skip
    return _notify(service, task)


def _state(service: EngineService, event_id: str) -> InboxState:
    item = service.store.inbox_item(event_id)
    assert item is not None
    return item.state


# -- a decision before its chart -------------------------------------------------------------
def test_a_decision_before_its_chart_waits_and_makes_no_empty_person(
    service: EngineService,
) -> None:
    task = _decision(service)

    service.worker.run_once()

    assert _state(service, task) is InboxState.PENDING
    assert service.engine.record_person(RecordKey("ehr", "Patient/1")) is None
    assert service.store.person_of("ehr", "Patient/1") is None
    assert service.store.outbox(event_id=task) == []
    assert service.worker.subjects.counts["waited"] == 1


def test_a_decision_before_its_chart_is_applied_to_the_charted_person_once_the_chart_is_in(
    service: EngineService, clock: FixedClock
) -> None:
    task = _decision(service)
    service.worker.run_once()
    _chart(service)
    service.worker.run_once()

    clock.advance(timedelta(seconds=1))
    service.worker.run_once()

    assert _state(service, task) is InboxState.APPLIED
    person = service.store.person_of("ehr", "Patient/1")
    bodies = [json.loads(e.body or b"{}") for e in service.store.outbox(event_id=task)]
    assert ("workflow", "approved", person) in [(b["op"], b.get("state"), b["person"])
                                                for b in bodies]  # fmt: skip
    assert service.store.incidents() == []


def test_a_decision_whose_chart_never_comes_is_dead_lettered_naming_the_event_and_record(
    service: EngineService, clock: FixedClock
) -> None:
    task = _decision(service)

    for _ in range(service.worker.subjects.attempts + 1):
        service.worker.run_once()
        clock.advance(timedelta(minutes=5))

    assert _state(service, task) is InboxState.DEAD_LETTERED
    (incident,) = service.store.incidents()
    assert task in incident.reason and "Patient/1" in incident.reason
    assert service.worker.subjects.counts["dead_lettered"] == 1


# -- outreach logs are not sync events --------------------------------------------------------
@pytest.mark.parametrize("status", ["sent", "refused"])
def test_crm_outreach_events_are_ignored_by_type_and_counted_not_dead_lettered(
    service: EngineService, status: str
) -> None:
    send = {"type": f"message.{status}", "message_id": "msg-000001", "contact_id": "c1",
            "channel": "sms", "purpose": "HMARKT", "campaign_id": "camp-1",
            "sent_at": AT.isoformat(), "status": status, "reason": None}  # fmt: skip
    event_id, _new = service.receive("crm", "webhook", json.dumps(send).encode())

    service.worker.run_once()

    assert event_id.startswith(f"crm:message.{status}:")
    assert _state(service, event_id).terminal
    assert _state(service, event_id) is not InboxState.DEAD_LETTERED
    assert service.store.incidents() == []
    assert service.worker.ignored[f"unsynced:message.{status}"] == 1
    (family,) = [m for m in EngineCollector(service.engine, service.store, service.extra).collect()
                 if m.name == "splitbrain_events_ignored"]  # fmt: skip
    assert [(s.labels, s.value) for s in family.samples if s.name.endswith("_total")] == [
        ({"kind": f"unsynced:message.{status}"}, 1.0)
    ]


def test_a_malformed_contact_event_is_still_dead_lettered(service: EngineService) -> None:
    broken = {"type": "contact.updated", "id": "c1"}  # no resource, version, actor, time
    event_id, _new = service.receive("crm", "webhook", json.dumps(broken).encode())

    service.worker.run_once()

    assert _state(service, event_id) is InboxState.DEAD_LETTERED
    assert len(service.store.incidents()) == 1


# -- echoes are versions the engine wrote -----------------------------------------------------
def test_a_client_put_carrying_the_engines_meta_source_is_still_a_change(
    service: EngineService,
) -> None:
    _chart(service)
    service.worker.run_once()
    copied = _chart(service, "1985-03-01", version="2", meta={"source": ENGINE_SOURCE})

    service.worker.run_once()

    person = service.store.person_of("ehr", "Patient/1")
    assert person is not None
    assert _state(service, copied) is InboxState.APPLIED
    assert service.engine.field(person, "date_of_birth").value == "1985-03-01"


def test_a_notification_of_a_version_the_engine_wrote_is_an_echo(service: EngineService) -> None:
    _chart(service)
    service.worker.run_once()
    service.store.note_written("ehr", "Patient/1", "2")
    echo = _chart(service, "1985-03-01", version="2")

    service.worker.run_once()

    person = service.store.person_of("ehr", "Patient/1")
    assert person is not None
    assert _state(service, echo) is InboxState.DEDUPLICATED
    assert service.engine.field(person, "date_of_birth").value == "1984-02-29"
    assert service.worker.ignored["echo"] == 1


class _Answers(TargetClient):
    """A target that answers every effect with a new version of one record."""

    def deliver(self, effect: OutboxEffect) -> Delivery:
        return Delivery(Outcome.DONE, 200, "put", record="Patient/1", version="5")

    def reread(self, effect: OutboxEffect) -> Delivery:
        return Delivery(Outcome.DONE, 200, "read")

    def close(self) -> None:
        return None


def test_the_sender_records_the_version_its_effect_produced(clock: FixedClock) -> None:
    store = InMemorySyncStore()
    store.receive(InboxItem("ehr:Patient/1@1", "ehr", "fhir-subscription", b"{}", AT))
    body = {"op": "update", "person": "per_1", "fields": {"date_of_birth": "1985-03-01"}}
    store.finish_inbox("ehr:Patient/1@1", InboxState.APPLIED, detail=None, now=AT, effects=[
        OutboxEffect("e1", "ehr:Patient/1@1", "ehr", "update", "", json.dumps(body).encode(),
                     "e1", "ehr:per_1", AT),
    ])  # fmt: skip
    sender = Deliverer(store, {"ehr": _Answers()}, clock, Backoff(),
                       superseded=lambda _e: False, consent_gate=lambda _e: None)  # fmt: skip

    sender.run_once()

    assert store.wrote("ehr", "Patient/1", "5")
    assert not store.wrote("ehr", "Patient/1", "4")


# -- consent flags are gated at send ----------------------------------------------------------
class _Recorder(TargetClient):
    """A CRM that accepts everything and records what reached it."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def deliver(self, effect: OutboxEffect) -> Delivery:
        self.sent.append(json.loads(effect.body or b"{}"))
        return Delivery(Outcome.DONE, 200, "flag")

    def reread(self, effect: OutboxEffect) -> Delivery:
        return Delivery(Outcome.DONE, 200, "read")

    def close(self) -> None:
        return None


def _consent(service: EngineService, action: str, version: int) -> None:
    event = {"type": f"consent.{action}", "resource": "Consent", "id": "k1", "version": version,
             "actor": "pat", "occurred_at": (AT + timedelta(seconds=version)).isoformat(),
             "record": {"account_id": "a1", "purpose": "HMARKT", "channel": "sms"}}  # fmt: skip
    service.receive("portal", "webhook", json.dumps(event).encode())


def _account(service: EngineService) -> str:
    event = {"type": "account.created", "resource": "Account", "id": "a1", "version": 1,
             "actor": "pat", "occurred_at": AT.isoformat(),
             "record": {"given_name": "Ana", "family_name": "Quill", "birth_date": "1984-02-29",
                        "email": "ana.quill@example.org"}}  # fmt: skip
    event_id, _new = service.receive("portal", "webhook", json.dumps(event).encode())
    return event_id


def test_a_consent_change_before_its_account_waits_and_makes_no_empty_person(
    service: EngineService,
) -> None:
    _consent(service, "revoked", 1)

    service.worker.run_once()

    (item,) = service.store.inbox()
    assert item.state is InboxState.PENDING
    assert service.store.person_of("portal", "a1") is None
    assert service.engine.record_person(RecordKey("portal", "a1")) is None


def _preferences(service: EngineService) -> None:
    preferences = {"type": "preferences.created", "resource": "Preferences", "id": "pref-a1",
                   "version": 1, "actor": "pat", "occurred_at": AT.isoformat(),
                   "record": {"account_id": "a1", "preferred_channel": "email"}}  # fmt: skip
    service.receive("portal", "webhook", json.dumps(preferences).encode())


@pytest.mark.parametrize(
    "early",
    [lambda service: _consent(service, "revoked", 1), _preferences],
    ids=["consent-change", "preferences-created"],
)
def test_an_event_naming_an_unknown_account_waits_and_leaves_it_matchable_by_its_chart(
    service: EngineService, clock: FixedClock, early: Callable[[EngineService], None]
) -> None:
    early(service)
    service.worker.run_once()
    assert service.engine.record_person(RecordKey("portal", "a1")) is None  # waiting, no person

    _account(service)
    service.worker.run_once()
    clock.advance(timedelta(seconds=1))
    service.worker.run_once()
    _chart(service)
    service.worker.run_once()

    assert [i.state.terminal for i in service.store.inbox()] == [True, True, True]
    person = service.engine.record_person(RecordKey("portal", "a1"))
    assert person is not None
    assert service.engine.record_person(RecordKey("ehr", "Patient/1")) == person


def test_a_consent_change_whose_account_never_comes_goes_ahead_at_the_bound_not_lost(
    service: EngineService, clock: FixedClock
) -> None:
    _consent(service, "revoked", 1)

    for _ in range(service.worker.subjects.attempts + 1):
        service.worker.run_once()
        clock.advance(timedelta(minutes=5))

    (item,) = service.store.inbox()
    assert item.state is InboxState.APPLIED
    assert service.store.person_of("portal", "a1") is not None
    assert service.store.incidents() == []


def test_a_consent_grant_push_delayed_past_a_revoke_never_turns_the_crm_flag_back_on(
    service: EngineService,
) -> None:
    crm = _Recorder()
    service.deliverer.targets["crm"] = crm
    _account(service)
    service.worker.run_once()
    while service.deliverer.run_once():  # the account's own contact upsert
        pass
    crm.sent.clear()
    _consent(service, "granted", 1)
    _consent(service, "revoked", 2)
    service.worker.run_once()  # both decided before the grant's push leaves

    while service.deliverer.run_once():  # one effect per contact at a time, in order
        pass

    assert [(b["op"], b["allowed"]) for b in crm.sent] == [("consent", False)]
    grants = [e for e in service.store.outbox() if json.loads(e.body or b"{}")["allowed"]]
    assert [e.state.value for e in grants] == ["cancelled"]
