"""The engine service between the served simulators: changes travel, rules hold, nothing is lost.

Each test starts the EHR, CRM and portal on loopback ports and the reference engine service on
its own port; the engine registers its webhooks and FHIR Subscriptions itself. The tests act as
people do (a patient in the portal, staff in the CRM, a provider in the EHR) and then read what
the other systems hold.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from simulators._shared import KeyRing, SimulatorSettings
from splitbrain.harness.live import LiveRun
from splitbrain.harness.paths import default_matrix
from splitbrain.harness.world import World

pytestmark = pytest.mark.e2e

KEYS = KeyRing.generate(
    {"admin": "admin", "engine": "sync_engine", "pat": "patient", "ops": "intake_ops",
     "growth": "growth_ops", "doc": "provider"},
    seed=5,
)  # fmt: skip


@pytest.fixture
def run() -> Iterator[LiveRun]:
    live = LiveRun.start(World(SimulatorSettings(keys=KEYS)), matrix=default_matrix())
    try:
        yield live
    finally:
        live.stop()


def _sign_up(run: LiveRun, **extra: Any) -> str:
    account = {
        "given_name": "Ana", "family_name": "Quill", "birth_date": "1984-02-29",
        "email": "ana.quill@example.org", "phone": "+1-212-555-0142", **extra,
    }  # fmt: skip
    response = run.call("portal", "POST", "/accounts", client="pat", json=account)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _contacts(run: LiveRun) -> list[dict[str, Any]]:
    response = run.call("crm", "GET", "/contacts", params={"limit": 500})
    assert response.status_code == 200, response.text
    body = response.json()
    return list(body["items"] if isinstance(body, dict) else body)


def test_a_portal_sign_up_reaches_the_crm_as_one_tokenized_contact(run: LiveRun) -> None:
    _sign_up(run)
    run.quiesce()

    (contact,) = _contacts(run)
    assert contact["patient_ref"].startswith("tok_")
    assert contact["email"] == "ana.quill@example.org"
    assert run.service.store.depths().open_incidents == 0


def test_a_revocation_in_the_portal_turns_the_crm_flag_off(run: LiveRun) -> None:
    account = _sign_up(run)
    grant = {"purpose": "HMARKT", "channel": "sms"}
    assert run.call("portal", "POST", f"/accounts/{account}/consents/grant", client="pat",
                    json=grant).status_code == 201  # fmt: skip
    run.quiesce()
    (contact,) = _contacts(run)
    assert contact["consents"]["HMARKT"]["sms"] is True

    run.call("portal", "POST", f"/accounts/{account}/consents/revoke", client="pat", json=grant)
    run.quiesce()

    (contact,) = _contacts(run)
    assert contact["consents"]["HMARKT"]["sms"] is False


def _register_patient(run: LiveRun) -> str:
    patient = {
        "resourceType": "Patient", "name": [{"family": "Quill", "given": ["Ana"]}],
        "birthDate": "1984-02-29",
        "telecom": [{"system": "email", "value": "ana.quill@example.org"}],
    }  # fmt: skip
    response = run.call("ehr", "POST", "/Patient", client="doc", json=patient)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_a_chart_registration_reaches_the_crm_with_the_birth_date(run: LiveRun) -> None:
    _register_patient(run)
    run.quiesce()

    (contact,) = _contacts(run)
    assert contact["birth_date"] == "1984-02-29"
    assert contact["patient_ref"].startswith("tok_")


def test_a_crm_edit_of_the_ehr_owned_birth_date_is_refused_and_repaired(run: LiveRun) -> None:
    _register_patient(run)
    run.quiesce()
    (contact,) = _contacts(run)
    edit = {"birth_date": "1990-01-01"}
    response = run.call("crm", "PATCH", f"/contacts/{contact['id']}", client="growth", json=edit)
    assert response.status_code == 200, response.text
    run.quiesce()

    rejected = [i for i in run.service.store.inbox() if i.state.value == "rejected"]
    event = f"crm:Contact/{contact['id']}@{response.json()['version']}"
    assert [i.event_id for i in rejected] == [event]
    (after,) = _contacts(run)
    assert after["birth_date"] == "1984-02-29"


def test_an_unreadable_webhook_is_dead_lettered_and_the_queue_moves_on(run: LiveRun) -> None:
    poison = run.service.receive("crm", "webhook", b"{not json")
    _sign_up(run)
    run.quiesce()

    assert run.service.store.inbox_item(poison[0]).state.value == "dead_lettered"
    assert run.service.store.depths().open_incidents == 1
    assert len(_contacts(run)) == 1


def test_metrics_expose_the_weekly_figures_and_queue_depths(run: LiveRun) -> None:
    _sign_up(run)
    run.quiesce()

    text = httpx.get(f"{run.engine_url}/metrics").text

    for name in ("splitbrain_writes_decided", "splitbrain_conflict_events",
                 "splitbrain_rejected_by_owner_policy_ratio", "splitbrain_inbox",
                 "splitbrain_outbox", "splitbrain_audit_completeness_ratio",
                 "splitbrain_crm_fields_tokenized_ratio"):  # fmt: skip
        assert name in text
    assert 'splitbrain_inbox{state="applied"}' in text
