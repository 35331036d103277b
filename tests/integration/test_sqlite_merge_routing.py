"""On the SQLite store a write is routed without a person lookup while no merge exists at all.

The store answers ``persons.resolve`` from memory while its merge log is empty (every person
stands for itself). These tests hold that the shortcut never outlives its truth: a write after a
merge still reaches the survivor, whether the merge was made by this engine in the same batch,
by this engine before a rolled-back unit, or by another connection on the same file.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from splitbrain.engine.adapters.sqlite_store import SqliteUnitOfWork
from splitbrain.engine.bootstrap import bootstrap
from splitbrain.engine.domain.decisions import FieldApplied
from splitbrain.engine.domain.identity.record import RecordKey
from splitbrain.engine.domain.linkage.merge import PersonsMerged
from splitbrain.engine.service_layer.engine import Engine
from tests.unit.linkage.world import IdentityWorld

C1, E1 = RecordKey("crm", "c-1"), RecordKey("ehr", "e-1")


def _engine(world: IdentityWorld, path: Path, batch_size: int) -> Engine:
    return bootstrap(
        store=f"sqlite:{path}",
        policy=world.policy,
        clock=world.clock,
        keys=world.engine._uow.audit.keys,
        identity_index=world.index,
        batch_size=batch_size,
    )


def _primed(world: IdentityWorld) -> tuple[str, str]:
    """Two persons, each written once: the store has answered routing with no merge."""
    ana = world.register("crm", "c-1", identifier="id-1").person
    dup = world.register("ehr", "e-1", identifier="id-2").person
    world.write(C1, "lead_source", "web_form")
    world.write(E1, "medication_plan", "plan-a")
    uow = world.engine._uow
    assert isinstance(uow, SqliteUnitOfWork)
    assert uow.identity.persons.resolve(dup) == dup  # the shortcut is in use
    return ana, dup


@pytest.mark.parametrize("batch_size", [1, 8])
def test_a_write_to_a_retired_person_after_a_merge_is_applied_to_the_survivor(
    tmp_path: Path, batch_size: int
) -> None:
    path = tmp_path / "engine.sqlite"
    world = IdentityWorld(store=f"sqlite:{path}")
    world.engine.close()
    world.engine = _engine(world, path, batch_size)
    ana, dup = _primed(world)
    assert isinstance(world.merge(ana, dup), PersonsMerged)

    decision = world.engine.ingest(world.addressed(dup, E1, "medication_plan", "plan-b"))

    assert isinstance(decision, FieldApplied)
    assert decision.write.person == ana
    assert world.engine.field(ana, "medication_plan").value == "plan-b"
    world.engine.close()


def test_a_merge_made_by_another_connection_is_followed(tmp_path: Path) -> None:
    path = tmp_path / "engine.sqlite"
    world = IdentityWorld(store=f"sqlite:{path}")
    ana, dup = _primed(world)
    theirs = _engine(world, path, 1)

    merged = theirs.merge(
        ana, dup, actor="usr_merge", role="merge_owner", reason="duplicate_intake"
    )
    decision = world.engine.ingest(world.addressed(dup, E1, "medication_plan", "plan-b"))

    assert isinstance(merged, PersonsMerged)
    assert isinstance(decision, FieldApplied)
    assert decision.write.person == ana
    theirs.close()
    world.engine.close()


def test_a_person_put_with_a_redirect_is_followed_even_before_its_merge_record(
    tmp_path: Path,
) -> None:
    path = tmp_path / "engine.sqlite"
    world = IdentityWorld(store=f"sqlite:{path}")
    ana, dup = _primed(world)
    uow = world.engine._uow
    assert isinstance(uow, SqliteUnitOfWork)

    with uow:
        retired = uow.identity.persons.get(dup)
        uow.identity.persons.put(replace(retired, merged_into=ana))
        resolved = uow.identity.persons.resolve(dup)
        uow.rollback()

    assert resolved == ana
    world.engine.close()
