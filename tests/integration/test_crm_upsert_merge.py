"""The engine's CRM upsert against the real CRM when the person's lead is linked mid-flight.

Staff's lead for the person is linked by the worker while the engine's upsert (made because it
knew no CRM contact of theirs) is on the wire: the upsert's new contact is merged into the lead
at once, so the CRM keeps one contact. A resend of the effect (a crash before its answer was
recorded) changes nothing twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import httpx
import pytest

from simulators import crm
from simulators._shared import KeyRing, SimulatorSettings
from simulators._shared.server import serve
from splitbrain.engine.adapters.matrix_policy import load_policy
from splitbrain.engine.adapters.sync_memory import InMemorySyncStore
from splitbrain.engine.adapters.sync_targets import CrmTarget, Endpoint
from splitbrain.engine.service_layer.sync.model import OutboxEffect
from splitbrain.engine.service_layer.sync.targets import Outcome
from splitbrain.harness.paths import default_matrix

KEYS = KeyRing.generate({"admin": "admin", "engine": "sync_engine", "growth": "growth_ops"}, seed=8)
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
PERSON = "per_000001"
TOKEN = "tok_8f3a91c2d4e5"


@pytest.fixture
def crm_url() -> Iterator[str]:
    with serve(crm.create_app(SimulatorSettings(keys=KEYS)), host="127.0.0.1", port=0) as url:
        yield url


def _client(url: str, name: str, **extra: object) -> httpx.Client:
    key = KEYS.by_name(name).key
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=10,
                        **extra)  # type: ignore[arg-type]  # fmt: skip


def _effect() -> OutboxEffect:
    body = {"op": "update", "person": PERSON, "subject": TOKEN, "source": "portal",
            "fields": {"email": "ana.quill@example.org"}, "versions": {"email": 1}}  # fmt: skip
    key = "portal:Account/acc-1@1:email>crm"
    return OutboxEffect(
        effect_id=key, event_id="portal:Account/acc-1@1", target="crm", method="update", path="",
        body=json.dumps(body).encode(), idempotency_key=key, ordering_key=f"crm:{PERSON}",
        created_at=START,
    )  # fmt: skip


def _lead(url: str) -> str:
    with _client(url, "growth") as growth:
        made = growth.post("/contacts", json={"first_name": "Ana", "lead_source": "paid_search"})
        assert made.status_code == 201, made.text
        return str(made.json()["id"])


def _linked_mid_flight(store: InMemorySyncStore, lead: str, crash: list[bool]) -> httpx.Client:
    """The engine's client: the lead is linked to the person while the upsert is answered; the
    first merge request dies on the way (``crash``: a crash before the merge) when asked to."""

    def linked(response: httpx.Response) -> None:
        if response.request.method == "PUT":
            store.remember_record("crm", lead, person=PERSON, version="1")

    def dies(request: httpx.Request) -> None:
        if request.url.path.endswith("/merge") and crash and crash.pop():
            raise httpx.ConnectError("the engine died before the merge", request=request)

    return httpx.Client(
        event_hooks={"request": [dies], "response": [linked]}, timeout=10,
        headers={"Authorization": f"Bearer {KEYS.by_name('engine').key}"},
    )  # fmt: skip


def _target(url: str, store: InMemorySyncStore, client: httpx.Client) -> CrmTarget:
    client.base_url = httpx.URL(url)
    return CrmTarget(Endpoint(url, KEYS.by_name("engine").key), store,
                     load_policy(default_matrix()), client=client)  # fmt: skip


def _contacts(url: str) -> list[dict[str, object]]:
    with _client(url, "growth") as growth:
        return list(growth.get("/contacts").json()["items"])


def test_an_upsert_that_crossed_the_persons_linked_lead_is_merged_into_it(crm_url: str) -> None:
    store = InMemorySyncStore()
    lead = _lead(crm_url)
    target = _target(crm_url, store, _linked_mid_flight(store, lead, []))

    delivered = target.deliver(_effect())

    target.close()
    assert (delivered.outcome, delivered.record) == (Outcome.DONE, lead)
    (contact,) = _contacts(crm_url)
    assert contact["id"] == lead and contact["email"] == "ana.quill@example.org"
    assert {"system": "splitbrain", "value": TOKEN} in contact["external_ids"]  # type: ignore[operator]


def test_a_resend_after_a_crash_before_the_merge_merges_the_stray_contact(crm_url: str) -> None:
    store = InMemorySyncStore()
    lead = _lead(crm_url)
    target = _target(crm_url, store, _linked_mid_flight(store, lead, [True]))
    died = target.deliver(_effect())
    assert died.outcome is Outcome.RETRY and len(_contacts(crm_url)) == 2

    resent = target.deliver(replace(_effect(), attempts=2))

    target.close()
    assert (resent.outcome, resent.record) == (Outcome.DONE, lead)
    (contact,) = _contacts(crm_url)
    assert contact["id"] == lead and contact["email"] == "ana.quill@example.org"
