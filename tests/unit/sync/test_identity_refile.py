"""A demographic edit in the portal or the CRM is re-filed in the identity index.

Before, only a record's ``*.created`` event filed it: a patient who changed her email in the
portal stayed filed under the old one, and a lead staff typed in with the new one became a second
person.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from splitbrain.engine.bootstrap import bootstrap_service
from splitbrain.engine.domain.identity.record import IdentityRecord, RecordKey
from splitbrain.engine.entrypoints.service import EngineService
from splitbrain.engine.service_layer.clock import FixedClock
from splitbrain.engine.service_layer.sync.refile import refiled
from splitbrain.harness.paths import default_matrix
from tests.unit.sync.test_duplicate_contacts import AT, _event

ACCOUNT = {"given_name": "Ana", "family_name": "Quill", "birth_date": "1984-02-29",
           "email": "ana.quill@example.org"}  # fmt: skip


@pytest.fixture
def service() -> Iterator[EngineService]:
    built = bootstrap_service(
        matrix=default_matrix(), store="memory", endpoints={}, clock=FixedClock(AT)
    )
    yield built
    built.close()


def _edited(service: EngineService, changes: dict[str, Any], version: int = 2) -> None:
    service.receive("portal", "webhook", _event("portal", "account.created", "acc-1", ACCOUNT))
    event = json.loads(
        _event("portal", "account.updated", "acc-1", {**ACCOUNT, **changes}, version)
    )
    event["changed"] = sorted(changes)
    service.receive("portal", "webhook", json.dumps(event).encode())
    service.worker.run_once()


def _filed(service: EngineService) -> IdentityRecord | None:
    return service.engine.read(lambda uow: uow.identity.index.get(RecordKey("portal", "acc-1")))


def test_an_email_changed_in_the_portal_is_refiled_in_the_index(service: EngineService) -> None:
    _edited(service, {"email": "ana.new@example.org"})

    filed = _filed(service)

    assert filed is not None
    assert (filed.email, filed.given, filed.date_of_birth) == (
        "ana.new@example.org", "ana", "1984-02-29",
    )  # fmt: skip


def test_a_lead_with_the_new_email_links_to_the_person_not_a_second_one(
    service: EngineService,
) -> None:
    _edited(service, {"email": "ana.new@example.org"})
    lead = {"first_name": "Ana", "last_name": "Quill", "email": "ana.new@example.org"}

    service.receive("crm", "webhook", _event("crm", "contact.created", "con-000001", lead))
    service.worker.run_once()

    assert service.store.person_of("crm", "con-000001") == service.store.person_of(
        "portal", "acc-1"
    )


def test_an_edit_that_clears_a_value_keeps_what_the_index_holds(service: EngineService) -> None:
    _edited(service, {"email": None})

    filed = _filed(service)

    assert filed is not None and filed.email == "ana.quill@example.org"


def test_refiling_takes_only_the_changed_identity_values() -> None:
    known = IdentityRecord("crm", "c1", given="ana", family="quill", email="a@example.org")
    edited = IdentityRecord("crm", "c1", given="anna", family="quill", email="b@example.org")

    assert refiled(known, edited, ["email", "lead_source"]) == IdentityRecord(
        "crm", "c1", given="ana", family="quill", email="b@example.org"
    )
    assert refiled(known, edited, ["lead_source"]) is known
