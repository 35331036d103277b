"""A portal sign-up synced to the CRM before staff's lead for the same person arrives: one contact.

The engine makes a CRM contact for a portal sign-up it has not seen in the CRM. When the CRM's
own lead for the same person reaches the engine later (staff typed it in, or its webhook was
slower than the sign-up's), identity matching links the lead to the person, and the engine
carries that to the CRM: the lead is merged into the contact the engine made, so the CRM ends
with one contact per person.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from simulators._shared import KeyRing, SimulatorSettings
from splitbrain.harness.live import LiveRun
from splitbrain.harness.paths import default_matrix
from splitbrain.harness.world import World

pytestmark = pytest.mark.e2e

KEYS = KeyRing.generate(
    {"admin": "admin", "engine": "sync_engine", "pat": "patient", "growth": "growth_ops"}, seed=6
)
ACCOUNT = {"given_name": "Ana", "family_name": "Quill", "birth_date": "1984-02-29",
           "email": "ana.quill@example.org"}  # fmt: skip
LEAD = {"first_name": "Ana", "last_name": "Quill", "email": "ana.quill@example.org",
        "lead_source": "paid_search"}  # fmt: skip


@pytest.fixture
def run() -> Iterator[LiveRun]:
    live = LiveRun.start(World(SimulatorSettings(keys=KEYS)), matrix=default_matrix())
    try:
        yield live
    finally:
        live.stop()


def _contacts(run: LiveRun) -> list[dict[str, Any]]:
    response = run.call("crm", "GET", "/contacts", params={"limit": 500})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def _sign_up_then_lead(run: LiveRun) -> tuple[str, str]:
    signed = run.call("portal", "POST", "/accounts", client="pat", json=ACCOUNT)
    assert signed.status_code == 201, signed.text
    run.quiesce()
    (synced,) = _contacts(run)
    lead = run.call("crm", "POST", "/contacts", client="growth", json=LEAD)
    assert lead.status_code == 201, lead.text
    run.quiesce()
    return str(synced["id"]), str(lead.json()["id"])


def test_a_lead_after_the_sign_up_is_merged_into_the_engines_contact(run: LiveRun) -> None:
    synced, lead = _sign_up_then_lead(run)

    (contact,) = _contacts(run)
    assert contact["id"] == synced
    assert contact["merged_ids"] == [lead]
    assert contact["lead_source"] == "paid_search"
    assert contact["patient_ref"].startswith("tok_")
    assert run.service is not None and run.service.store.depths().open_incidents == 0


def test_after_the_merge_changes_reach_the_one_contact_left(run: LiveRun) -> None:
    synced, _lead = _sign_up_then_lead(run)
    account = run.call("portal", "GET", "/accounts", client="pat").json()
    items = account["items"] if isinstance(account, dict) else account
    edit = run.call("portal", "PATCH", f"/accounts/{items[0]['id']}", client="pat",
                    json={"phone": "+1-212-555-0142"},
                    headers={"If-Match": f'"{items[0]["version"]}"'})  # fmt: skip
    assert edit.status_code == 200, edit.text

    run.quiesce()

    (contact,) = _contacts(run)
    assert (contact["id"], contact["phone"]) == (synced, "+12125550142")
    assert run.service is not None and run.service.store.depths().open_incidents == 0
