"""The ``splitbrain_run`` fixture for the world-level features: the served world and the
reference engine on loopback ports, fresh for each scenario (``live``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from simulators._shared import KeyRing, SimulatorSettings
from splitbrain.harness.live import LiveRun
from splitbrain.harness.paths import default_matrix
from splitbrain.harness.steps import CLIENTS
from splitbrain.harness.world import World

KEYS = KeyRing.generate(CLIENTS, seed=11)


@pytest.fixture
def live() -> Iterator[LiveRun]:
    run = LiveRun.start(World(SimulatorSettings(keys=KEYS)), matrix=default_matrix())
    try:
        yield run
    finally:
        run.stop()


@pytest.fixture
def splitbrain_run(live: LiveRun) -> LiveRun:
    return live
