"""The hooks and fixtures of the splitbrain pytest plugin (see the package docstring).

Importing this module is cheap: the harness is imported only when a fixture is used or a SUT is
named, so the plugin stays inert in runs that do not use it.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from splitbrain.harness.live import LiveRun
    from splitbrain.harness.sut import Sut
    from splitbrain.pytest_plugin.judge import Judge, RunHistory

DEFAULT_CLIENTS: Mapping[str, str] = {
    "admin": "admin", "engine": "sync_engine", "patient": "patient", "growth": "growth_ops",
    "intake": "intake_ops", "provider": "provider", "coordinator": "care_coordinator",
}  # fmt: skip
"""The world's clients (name: role) when the step library is absent; it brings its own."""
KEY_SEED = 11
_STEPS = "splitbrain.harness.steps"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("splitbrain", "splitbrain: judge a sync engine")
    group.addoption("--splitbrain-sut", dest="splitbrain_sut", default=None, metavar="SPEC",
                    help="the system under test: reference, serve, http:URL or command:CMD "
                         "(default: the splitbrain_sut ini key, else reference)")  # fmt: skip
    group.addoption(
        "--splitbrain-matrix",
        dest="splitbrain_matrix",
        default=None,
        metavar="FILE",
        help="the ownership matrix YAML (default: telehealth)",
    )
    group.addoption("--splitbrain-out", dest="splitbrain_out", default=None, metavar="DIR",
                    help="record each test's histories, verdict and outcome under DIR "
                         "(what `splitbrain run` reads)")  # fmt: skip
    parser.addini("splitbrain_sut", "the system under test (as --splitbrain-sut)", default="")
    parser.addini("splitbrain_matrix", "the ownership matrix YAML (as --splitbrain-matrix)",
                  default="")  # fmt: skip


def pytest_configure(config: pytest.Config) -> None:
    if _spec(config) is not None and _has_steps():
        from splitbrain.harness import steps

        if not config.pluginmanager.is_registered(steps):
            config.pluginmanager.register(steps, "splitbrain-steps")
    out = config.getoption("splitbrain_out")
    if out:
        from splitbrain.pytest_plugin.recorder import Recorder

        config.pluginmanager.register(Recorder(Path(out)), "splitbrain-recorder")


def _spec(config: pytest.Config) -> str | None:
    found = config.getoption("splitbrain_sut") or str(config.getini("splitbrain_sut") or "")
    return found or None


def _has_steps() -> bool:
    return (
        importlib.util.find_spec("pytest_bdd") is not None
        and importlib.util.find_spec(_STEPS) is not None
    )


def _clients() -> Mapping[str, str]:
    if importlib.util.find_spec(_STEPS) is None:
        return DEFAULT_CLIENTS
    from splitbrain.harness.steps.story import CLIENTS

    return {**DEFAULT_CLIENTS, **CLIENTS}


@pytest.fixture
def splitbrain_matrix(request: pytest.FixtureRequest) -> Path:
    """The ownership matrix the SUT and the checker use."""
    config = request.config
    given = config.getoption("splitbrain_matrix") or str(config.getini("splitbrain_matrix") or "")
    if given:
        return Path(given).resolve()
    from splitbrain.harness.paths import default_matrix

    return default_matrix()


@pytest.fixture
def sut(request: pytest.FixtureRequest) -> Sut:
    """A fresh adapter for the configured SUT (``--splitbrain-sut``, default ``reference``)."""
    from splitbrain.harness.sut import parse_sut

    return parse_sut(_spec(request.config) or "reference")


@pytest.fixture
def world(
    request: pytest.FixtureRequest, sut: Sut, splitbrain_matrix: Path, tmp_path: Path
) -> Iterator[LiveRun]:
    """The world on loopback ports with the SUT started between its systems; stopped after."""
    from simulators._shared import KeyRing, SimulatorSettings
    from splitbrain.harness.live import LiveRun
    from splitbrain.harness.world import World

    keys = KeyRing.generate(_clients(), seed=KEY_SEED)
    run = LiveRun.start(World(SimulatorSettings(keys=keys)), matrix=splitbrain_matrix, sut=sut,
                        workdir=tmp_path / "sut")  # fmt: skip
    try:
        yield run
    finally:
        try:
            recorder = request.config.pluginmanager.get_plugin("splitbrain-recorder")
            if recorder is not None:
                recorder.collect(request.node, run)
        finally:
            run.stop()


@pytest.fixture
def splitbrain_run(world: LiveRun) -> LiveRun:
    """The name the step library asks for (``splitbrain.harness.steps``)."""
    return world


@pytest.fixture
def history(world: LiveRun) -> RunHistory:
    from splitbrain.pytest_plugin.judge import RunHistory

    return RunHistory(world)


@pytest.fixture
def checker(world: LiveRun, splitbrain_matrix: Path) -> Judge:
    from splitbrain.pytest_plugin.judge import Judge

    return Judge(world, splitbrain_matrix)
