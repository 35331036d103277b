"""The store contract on PostgreSQL: the service-layer, consent and linkage tests, re-run.

The tests of ``tests/unit/service_layer``, ``tests/unit/consent/test_consent_handlers.py`` and
``tests/unit/linkage`` that take an engine (``engine``, ``consents`` or ``world``) run here a
second time, unchanged, with those fixtures built on a fresh PostgreSQL database instead of the
memory store. A test added there runs here too; tests that build their own store do not (they
are about that store).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

from splitbrain.engine.bootstrap import bootstrap
from splitbrain.engine.domain.policy import Policy
from splitbrain.engine.service_layer.clock import FixedClock
from splitbrain.engine.service_layer.consent_service import ConsentService
from splitbrain.engine.service_layer.engine import Engine
from tests.unit.consent import test_consent_handlers
from tests.unit.linkage import test_merge_engine, test_registration
from tests.unit.linkage.world import IdentityWorld
from tests.unit.service_layer import (
    test_audit_trail,
    test_conflicts,
    test_ingest,
    test_metrics,
    test_retention,
    test_seed,
)
from tests.unit.service_layer.small_policy import T0, Writes, small_policy

pytestmark = pytest.mark.postgres

_ON_THE_STORE = frozenset({"engine", "consents", "world"})


def _store_tests(*modules: ModuleType) -> dict[str, Callable[..., object]]:
    """The test functions of ``modules`` that take a store fixture, by name."""
    found: dict[str, Callable[..., object]] = {}
    for module in modules:
        tests = {n: t for n, t in vars(module).items() if n.startswith("test_") and callable(t)}
        for name, test in tests.items():
            if _ON_THE_STORE & set(inspect.signature(test).parameters):
                assert name not in found, f"two contract tests are named {name}"
                found[name] = test
    return found


_CONTRACT = (
    test_ingest, test_conflicts, test_metrics, test_retention, test_seed, test_audit_trail,
    test_consent_handlers, test_merge_engine, test_registration,
)  # fmt: skip
globals().update(_store_tests(*_CONTRACT))


@pytest.fixture(autouse=True)
def _audit_files_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Stores opened without an ``audit_dir`` keep their audit files under the test's tmp."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


@pytest.fixture
def policy() -> Policy:
    return small_policy()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def writes() -> Writes:
    return Writes()


@pytest.fixture
def engine(postgres_db: str, policy: Policy, clock: FixedClock) -> Iterator[Engine]:
    engine = bootstrap(store=postgres_db, policy=policy, clock=clock)
    yield engine
    engine.close()


@pytest.fixture
def consents(engine: Engine) -> ConsentService:
    return ConsentService(engine)


@pytest.fixture
def world(postgres_db: str) -> Iterator[IdentityWorld]:
    world = IdentityWorld(store=postgres_db)
    yield world
    world.engine.close()


def test_the_contract_tests_are_all_here() -> None:
    names = [name for name in globals() if name.startswith("test_")]

    assert len(names) > 60
    assert "test_duplicate_delivery_has_no_second_effect" in names
    assert "test_merge_then_unmerge_restores_both_persons_exactly" in names
