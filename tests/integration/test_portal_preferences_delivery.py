"""The engine's contact-preference writes to the real portal are conditional (CC-13's race).

The CRM's older choice reaches the portal after the patient picked another one there, which the
engine has not decided yet: the write must answer 412 and leave the patient's choice, and the
sender must cancel it once the engine has decided the patient's choice (never overwrite it).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from simulators import portal
from simulators._shared import KeyRing, SimulatorSettings
from simulators._shared.server import serve
from splitbrain.engine.adapters.matrix_policy import load_policy
from splitbrain.engine.adapters.sync_memory import InMemorySyncStore
from splitbrain.engine.adapters.sync_targets import Endpoint, PortalTarget
from splitbrain.engine.service_layer.clock import FixedClock
from splitbrain.engine.service_layer.sync.backoff import Backoff
from splitbrain.engine.service_layer.sync.delivery import Deliverer
from splitbrain.engine.service_layer.sync.model import (
    InboxItem,
    InboxState,
    OutboxEffect,
    OutboxState,
)
from splitbrain.engine.service_layer.sync.parts import note_part_version, part_version
from splitbrain.engine.service_layer.sync.targets import Outcome
from splitbrain.harness.paths import default_matrix

KEYS = KeyRing.generate({"admin": "admin", "engine": "sync_engine", "pat": "patient"}, seed=4)
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
PERSON = "per_000001"


@pytest.fixture
def portal_url() -> Iterator[str]:
    with serve(portal.create_app(SimulatorSettings(keys=KEYS)), host="127.0.0.1", port=0) as url:
        yield url


@pytest.fixture
def store() -> InMemorySyncStore:
    return InMemorySyncStore()


@pytest.fixture
def target(portal_url: str, store: InMemorySyncStore) -> Iterator[PortalTarget]:
    client = PortalTarget(Endpoint(portal_url, KEYS.by_name("engine").key), store,
                          load_policy(default_matrix()))  # fmt: skip
    yield client
    client.close()


@pytest.fixture
def patient(portal_url: str) -> Iterator[httpx.Client]:
    key = KEYS.by_name("pat").key
    with httpx.Client(base_url=portal_url, headers={"Authorization": f"Bearer {key}"}) as client:
        yield client


def _account_seen_by_the_engine(patient: httpx.Client, store: InMemorySyncStore) -> str:
    """An account whose preferences the engine saw at version 1 (their created event)."""
    account = {"given_name": "Ana", "family_name": "Quill", "birth_date": "1984-02-29",
               "email": "ana.quill@example.org"}  # fmt: skip
    created = patient.post("/accounts", json=account)
    assert created.status_code == 201, created.text
    account_id = str(created.json()["id"])
    store.remember_record("portal", account_id, person=PERSON, version="1")
    version = patient.get(f"/accounts/{account_id}/preferences").headers["etag"].strip('"W/')
    note_part_version(store, "portal", f"{account_id}/preferences", version)
    return account_id


def _patient_picks(patient: httpx.Client, account: str, channel: str) -> None:
    path = f"/accounts/{account}/preferences"
    version = patient.get(path).headers["etag"]
    picked = patient.patch(path, json={"preferred_channel": channel}, headers={"If-Match": version})
    assert picked.status_code == 200, picked.text


def _effect(key: str, value: str, version: int = 2) -> OutboxEffect:
    body = {"op": "update", "person": PERSON, "subject": PERSON, "source": "crm",
            "fields": {"contact_preference": value},
            "versions": {"contact_preference": version}}  # fmt: skip
    return OutboxEffect(
        effect_id=key, event_id=key.partition(">")[0], target="portal", method="update", path="",
        body=json.dumps(body).encode(), idempotency_key=key, ordering_key=f"portal:{PERSON}",
        created_at=START,
    )  # fmt: skip


def _channel(patient: httpx.Client, account: str) -> str:
    return str(patient.get(f"/accounts/{account}/preferences").json()["preferred_channel"])


def test_the_crms_older_choice_does_not_overwrite_the_patients_newer_one(
    patient: httpx.Client, store: InMemorySyncStore, target: PortalTarget
) -> None:
    account = _account_seen_by_the_engine(patient, store)
    _patient_picks(patient, account, "email")  # the engine has not decided this yet

    result = target.deliver(_effect("crm:Contact/c1@2:contact_preference>portal", "sms"))

    assert (result.outcome, result.status) == (Outcome.STALE, 412)
    assert _channel(patient, account) == "email"


def test_the_sender_cancels_the_stale_write_once_the_patients_choice_is_decided(
    patient: httpx.Client, store: InMemorySyncStore, target: PortalTarget
) -> None:
    account = _account_seen_by_the_engine(patient, store)
    _patient_picks(patient, account, "email")
    decided: list[bool] = [False]
    clock = FixedClock(START)
    sender = Deliverer(store, {"portal": target}, clock, Backoff(),
                       superseded=lambda _e: decided[0], consent_gate=lambda _e: None)  # fmt: skip
    effect = _effect("crm:Contact/c1@2:contact_preference>portal", "sms")
    store.receive(InboxItem(effect.event_id, "crm", "webhook", b"{}", START))
    store.claim_inbox("w", now=START, lease=timedelta(seconds=30), limit=1)
    store.finish_inbox(effect.event_id, InboxState.APPLIED, detail=None, effects=[effect],
                       now=START)  # fmt: skip
    sender.run_once()
    decided[0] = True  # the patient's choice is decided: the engine holds a newer version
    clock.advance(timedelta(seconds=10))

    sender.run_once()

    found = store.effect(effect.effect_id)
    assert found is not None and found.state is OutboxState.CANCELLED
    assert _channel(patient, account) == "email"


def test_the_engines_own_write_lands_with_if_match_and_its_version_is_seen(
    patient: httpx.Client, store: InMemorySyncStore, target: PortalTarget
) -> None:
    account = _account_seen_by_the_engine(patient, store)

    result = target.deliver(_effect("crm:Contact/c1@2:contact_preference>portal", "sms"))

    assert result.outcome is Outcome.DONE
    assert _channel(patient, account) == "sms"
    assert part_version(store, "portal", f"{account}/preferences") == "2"


def test_a_write_whose_answer_was_lost_is_done_when_the_portal_holds_its_value(
    patient: httpx.Client, store: InMemorySyncStore, target: PortalTarget
) -> None:
    account = _account_seen_by_the_engine(patient, store)
    first = target.deliver(_effect("crm:Contact/c1@2:contact_preference>portal", "sms"))
    assert first.outcome is Outcome.DONE
    lost = InMemorySyncStore()  # a store that never heard the first answer
    lost.remember_record("portal", account, person=PERSON, version="1")
    note_part_version(lost, "portal", f"{account}/preferences", "1")
    target.store = lost

    again = target.deliver(_effect("crm:Contact/c1@2:contact_preference>portal>repair", "sms"))

    assert again.outcome is Outcome.DONE
    assert part_version(lost, "portal", f"{account}/preferences") == "2"


@pytest.mark.parametrize(
    ("canonical", "held"),
    [("phone_call", {"preferred_channel": "phone"}), ("no_contact", {"do_not_contact": True})],
)
def test_the_engine_writes_the_preference_in_the_portals_own_words(
    patient: httpx.Client, store: InMemorySyncStore, target: PortalTarget,
    canonical: str, held: dict[str, object],
) -> None:  # fmt: skip
    account = _account_seen_by_the_engine(patient, store)

    result = target.deliver(_effect("crm:Contact/c1@2:contact_preference>portal", canonical))

    assert result.outcome is Outcome.DONE, result.detail
    preferences = patient.get(f"/accounts/{account}/preferences").json()
    assert {name: preferences[name] for name in held} == held
