"""The reference engine registers its MLLP door as the EHR's ADT peer, on the contract's port."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from simulators._shared import KeyRing, SimulatorSettings
from splitbrain.engine.adapters.registration import register_receivers
from splitbrain.engine.adapters.sync_targets import Endpoint
from splitbrain.harness.live import LiveRun
from splitbrain.harness.paths import default_matrix
from splitbrain.harness.world import World

pytestmark = pytest.mark.e2e

KEYS = KeyRing.generate({"admin": "admin", "engine": "sync_engine", "doc": "provider"}, seed=10)


@pytest.fixture
def run() -> Iterator[LiveRun]:
    live = LiveRun.start(World(SimulatorSettings(keys=KEYS)), matrix=default_matrix())
    try:
        yield live
    finally:
        live.stop()


def _peers(run: LiveRun) -> list[dict[str, object]]:
    root = run.addresses["ehr"].removesuffix("/fhir")
    response = run.call("ehr", "GET", f"{root}/hl7/adt-peers")
    assert response.status_code == 200, response.text
    return list(response.json()["peers"])


def test_the_reference_engine_is_the_ehrs_adt_peer_only_through_its_door(run: LiveRun) -> None:
    assert run.service is not None and run.service.mllp is not None
    root = run.addresses["ehr"].removesuffix("/fhir")
    (peer,) = _peers(run)
    run.call("ehr", "DELETE", f"{root}/hl7/adt-peers/engine")
    key = KEYS.by_name("engine").key

    register_receivers({"ehr": Endpoint(run.addresses["ehr"], key)}, run.engine_url)

    assert run.service.mllp.port == run.contract.sut_mllp_port
    assert (peer["name"], peer["port"]) == ("engine", run.contract.sut_mllp_port)
    assert peer["events"] == ["A01", "A04", "A08", "A40"]
    assert _peers(run) == []  # registering again without a door adds no ADT peer
