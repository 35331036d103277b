"""The sender against the real CRM simulator on a port: 412 re-read and retry, idempotent replays.

The CRM remembers each Idempotency-Key with the request it came with; a retry after a 412 is a
new request (another If-Match), so it must not reuse the refused request's key.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from simulators import crm
from simulators._shared import KeyRing, SimulatorSettings
from simulators._shared.server import serve
from splitbrain.engine.adapters.matrix_policy import load_policy
from splitbrain.engine.adapters.sync_memory import InMemorySyncStore
from splitbrain.engine.adapters.sync_targets import CrmTarget, Endpoint
from splitbrain.engine.service_layer.clock import FixedClock
from splitbrain.engine.service_layer.sync.backoff import Backoff
from splitbrain.engine.service_layer.sync.delivery import Deliverer
from splitbrain.engine.service_layer.sync.model import InboxItem, InboxState, OutboxEffect
from splitbrain.engine.service_layer.sync.targets import Outcome
from splitbrain.harness.paths import default_matrix

KEYS = KeyRing.generate({"admin": "admin", "engine": "sync_engine", "ops": "intake_ops"}, seed=3)
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
PERSON = "per_000001"


@pytest.fixture
def crm_url() -> Iterator[str]:
    with serve(crm.create_app(SimulatorSettings(keys=KEYS)), host="127.0.0.1", port=0) as url:
        yield url


@pytest.fixture
def store() -> InMemorySyncStore:
    return InMemorySyncStore()


@pytest.fixture
def target(crm_url: str, store: InMemorySyncStore) -> Iterator[CrmTarget]:
    client = CrmTarget(Endpoint(crm_url, KEYS.by_name("engine").key), store,
                       load_policy(default_matrix()))  # fmt: skip
    yield client
    client.close()


def _client(url: str, name: str) -> httpx.Client:
    key = KEYS.by_name(name).key
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=10)


def _contact_edited_behind_the_engines_back(url: str) -> str:
    """A contact at version 2, of which the engine saw version 1."""
    with _client(url, "ops") as ops:
        created = ops.post("/contacts", json={"first_name": "Ana", "last_name": "Quill"})
        contact = str(created.json()["id"])
        assert ops.patch(f"/contacts/{contact}", json={"language": "es"}).status_code == 200
    return contact


def _effect() -> OutboxEffect:
    body = {"op": "update", "person": PERSON, "subject": "tok_patient_x",
            "fields": {"email": "ana.quill@example.org"}, "versions": {"email": 4}}  # fmt: skip
    return OutboxEffect(
        effect_id="ehr:Patient/p1@4:email>crm", event_id="ehr:Patient/p1@4", target="crm",
        method="update", path="", body=json.dumps(body).encode(),
        idempotency_key="ehr:Patient/p1@4:email>crm", ordering_key=f"crm:{PERSON}",
        created_at=START,
    )  # fmt: skip


def test_a_412_is_re_read_and_the_retry_on_the_fresh_version_lands(
    crm_url: str, store: InMemorySyncStore, target: CrmTarget
) -> None:
    contact = _contact_edited_behind_the_engines_back(crm_url)
    store.remember_record("crm", contact, person=PERSON, version="1")

    stale = target.deliver(_effect())
    reread = target.reread(_effect())
    retried = target.deliver(_effect())

    assert (stale.outcome, stale.status) == (Outcome.STALE, 412)
    assert reread.outcome is Outcome.DONE and store.record_of("crm", PERSON) == (contact, "2")
    assert (retried.outcome, retried.version) == (Outcome.DONE, "3")
    with _client(crm_url, "ops") as ops:
        assert ops.get(f"/contacts/{contact}").json()["email"] == "ana.quill@example.org"


def test_a_retry_on_the_same_version_replays_instead_of_writing_twice(
    crm_url: str, store: InMemorySyncStore, target: CrmTarget
) -> None:
    contact = _contact_edited_behind_the_engines_back(crm_url)
    store.remember_record("crm", contact, person=PERSON, version="2")
    first = target.deliver(_effect())
    store.remember_record("crm", contact, person=PERSON, version="2")  # the answer was lost

    again = target.deliver(_effect())

    assert (first.outcome, again.outcome) == (Outcome.DONE, Outcome.DONE)
    with _client(crm_url, "ops") as ops:
        assert ops.get(f"/contacts/{contact}").json()["version"] == 3


def test_the_sender_settles_a_412_as_sent_not_dead_lettered(
    crm_url: str, store: InMemorySyncStore, target: CrmTarget
) -> None:
    contact = _contact_edited_behind_the_engines_back(crm_url)
    clock = FixedClock(START)
    store.remember_record("crm", contact, person=PERSON, version="1")
    store.receive(InboxItem("ehr:Patient/p1@4", "ehr", "fhir-subscription", b"{}", START))
    store.claim_inbox("w", now=START, lease=timedelta(seconds=30), limit=1)
    store.finish_inbox("ehr:Patient/p1@4", InboxState.APPLIED, detail=None,
                       effects=[_effect()], now=START)  # fmt: skip
    sender = Deliverer(store, {"crm": target}, clock, Backoff(), superseded=lambda _: False,
                       consent_gate=lambda _: None)  # fmt: skip

    assert sender.run_once() == 1

    effect = store.effect(_effect().effect_id)
    assert effect is not None and effect.state.value == "sent"
    assert store.depths().open_incidents == 0
