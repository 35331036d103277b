"""Through the served world: an EHR edit that copies the engine's marker is still an edit.

A FHIR client reads a Patient and PUTs it back changed; whatever ``meta.source`` the read carried
(the engine's own marker, if the engine wrote last) travels with it. The engine decides echoes by
the versions its own effects produced, so the provider's new birth date reaches the CRM.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from simulators._shared import KeyRing, SimulatorSettings
from splitbrain.engine.adapters.inbound_fhir import ENGINE_SOURCE
from splitbrain.harness.live import LiveRun
from splitbrain.harness.paths import default_matrix
from splitbrain.harness.world import World

pytestmark = pytest.mark.e2e

KEYS = KeyRing.generate({"admin": "admin", "engine": "sync_engine", "doc": "provider"}, seed=13)


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


def test_an_ehr_get_then_put_carrying_the_engines_meta_source_reaches_the_crm(
    run: LiveRun,
) -> None:
    patient = {"resourceType": "Patient", "name": [{"family": "Quill", "given": ["Ana"]}],
               "birthDate": "1984-02-29",
               "telecom": [{"system": "email", "value": "ana.quill@example.org"}]}  # fmt: skip
    created = run.call("ehr", "POST", "/Patient", client="doc", json=patient)
    assert created.status_code == 201, created.text
    pid = created.json()["id"]
    run.quiesce()
    read = run.call("ehr", "GET", f"/Patient/{pid}", client="doc")
    resource = read.json()
    resource["meta"] = {**resource["meta"], "source": ENGINE_SOURCE}  # as the engine left it
    resource["birthDate"] = "1985-03-01"

    put = run.call("ehr", "PUT", f"/Patient/{pid}", client="doc", json=resource,
                   headers={"If-Match": f'W/"{resource["meta"]["versionId"]}"'})  # fmt: skip
    assert put.status_code == 200, put.text
    run.quiesce()

    (contact,) = _contacts(run)
    assert contact["birth_date"] == "1985-03-01"
    assert run.service is not None and run.service.store.depths().open_incidents == 0
