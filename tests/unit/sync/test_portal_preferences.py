"""The portal's preferences into the engine: their words mapped, their version noted (If-Match).

The worker notes the version of a preferences change event once it has decided it; only then
may the engine's own write replace that version (see ``sync.parts``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from splitbrain.engine.bootstrap import bootstrap_service
from splitbrain.engine.entrypoints.service import EngineService
from splitbrain.engine.service_layer.clock import FixedClock
from splitbrain.engine.service_layer.sync.parts import part_version
from splitbrain.harness.paths import default_matrix
from tests.unit.sync.test_duplicate_contacts import AT, WHO, _event


@pytest.fixture
def service() -> Iterator[EngineService]:
    built = bootstrap_service(
        matrix=default_matrix(), store="memory", endpoints={}, clock=FixedClock(AT)
    )
    yield built
    built.close()


def test_a_decided_preferences_event_is_the_version_the_engines_next_write_is_based_on(
    service: EngineService,
) -> None:
    account = {"given_name": "Ana", "family_name": "Quill", "birth_date": "1984-02-29", **WHO}
    service.receive("portal", "webhook", _event("portal", "account.created", "acc-1", account))
    picked = {"type": "preferences.updated", "resource": "Preferences", "id": "pref-acc-1",
              "version": 3, "actor": "patient", "occurred_at": AT.isoformat(),
              "changed": ["preferred_channel"],
              "record": {"account_id": "acc-1", "preferred_channel": "email"}}  # fmt: skip
    service.receive("portal", "webhook", json.dumps(picked).encode())

    service.worker.run_once()

    assert part_version(service.store, "portal", "acc-1/preferences") == "3"
    person = service.store.person_of("portal", "acc-1")
    assert person is not None
    known = service.store.record_of("portal", person)
    assert known is not None and known[0] == "acc-1"  # the account, not its part


@pytest.mark.parametrize(
    ("change", "canonical"),
    [({"preferred_channel": "phone"}, "phone_call"), ({"preferred_channel": "sms"}, "sms"),
     ({"do_not_contact": True}, "no_contact")],
)  # fmt: skip
def test_the_portals_preference_words_are_mapped_through_the_matrix(
    service: EngineService, change: dict[str, object], canonical: str
) -> None:
    account = {"given_name": "Ana", "family_name": "Quill", "birth_date": "1984-02-29", **WHO}
    service.receive("portal", "webhook", _event("portal", "account.created", "acc-1", account))
    picked = {"type": "preferences.updated", "resource": "Preferences", "id": "pref-acc-1",
              "version": 2, "actor": "patient", "occurred_at": AT.isoformat(),
              "changed": sorted(change), "record": {"account_id": "acc-1", **change}}  # fmt: skip
    service.receive("portal", "webhook", json.dumps(picked).encode())

    service.worker.run_once()

    person = service.store.person_of("portal", "acc-1")
    assert person is not None
    assert service.engine.field(person, "contact_preference").value == canonical
