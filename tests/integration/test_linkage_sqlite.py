"""The link table, merges and the review queue on the SQLite store, with the real index.

The same flows as the unit tests, but durable: a merge survives a reopen, an unmerge after a
reopen restores exactly, and the default identity index shares the store's transaction (a
registration that fails its audit leaves no index row behind).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from splitbrain.engine.adapters.audit_files import JsonlCheckpointStore, checkpoint_path_for
from splitbrain.engine.adapters.audit_log import SqliteAuditLog
from splitbrain.engine.adapters.identity.factory import MatchingParts
from splitbrain.engine.adapters.identity_records import (
    dump_link,
    dump_merge,
    dump_person,
    dump_review,
    dump_tracked,
    load_link,
    load_merge,
    load_person,
    load_review,
    load_tracked,
)
from splitbrain.engine.adapters.sqlite_store import SqliteUnitOfWork
from splitbrain.engine.bootstrap import HANDLERS, bootstrap, random_keys
from splitbrain.engine.domain.audit import AuditEntry, AuditEvent, AuditKeys, AuditWriteError
from splitbrain.engine.domain.identity.record import IdentityRecord, RecordKey
from splitbrain.engine.domain.linkage.merge import PersonsMerged
from splitbrain.engine.domain.linkage.unmerge import PersonsUnmerged, TrackedWrite
from splitbrain.engine.domain.policy import Policy
from splitbrain.engine.service_layer.engine import Engine
from splitbrain.engine.service_layer.errors import AuditWriteFailed
from splitbrain.engine.service_layer.messagebus import MessageBus
from tests.unit.linkage.world import IdentityWorld

C1, E1 = RecordKey("crm", "c-1"), RecordKey("ehr", "e-1")


def _world(path: Path) -> IdentityWorld:
    return IdentityWorld(store=f"sqlite:{path}")


def _reopen(world: IdentityWorld, path: Path) -> None:
    keys = world.engine._uow.audit.keys
    world.engine.close()
    world.engine = bootstrap(store=f"sqlite:{path}", policy=world.policy, clock=world.clock,
                             keys=keys, identity_index=world.index)  # fmt: skip


def _persons(world: IdentityWorld) -> tuple[str, str]:
    ana = world.register("crm", "c-1", identifier="id-1", phone="+15550100").person
    dup = world.register("ehr", "e-1", identifier="id-2", phone="+15550100").person
    world.write(C1, "legal_name", "Ana Garcia")
    world.write(E1, "medication_plan", "plan-a")
    return ana, dup


def test_a_merge_survives_a_reopen_and_old_references_still_resolve(tmp_path: Path) -> None:
    path = tmp_path / "engine.sqlite"
    world = _world(path)
    ana, dup = _persons(world)
    merged = world.merge(ana, dup)

    _reopen(world, path)

    assert isinstance(merged, PersonsMerged)
    assert world.engine.resolve_person(dup) == ana
    assert world.engine.record_person(E1) == ana
    assert [m.merge_id for m in world.engine.merges()] == [merged.merge_id]
    world.engine.close()


def test_merge_write_reopen_unmerge_restores_each_person_with_re_attributed_writes(
    tmp_path: Path,
) -> None:
    path = tmp_path / "engine.sqlite"
    world = _world(path)
    ana, dup = _persons(world)
    before_ana, links_dup = world.fields(ana), world.links(dup)
    merged = world.merge(ana, dup)
    assert isinstance(merged, PersonsMerged)
    world.write(E1, "medication_plan", "plan-b")
    _reopen(world, path)

    undone = world.unmerge(merged.merge_id)

    assert isinstance(undone, PersonsUnmerged)
    assert world.fields(ana) == before_ana
    assert world.fields(dup)["medication_plan"].value == "plan-b"
    assert world.links(dup) == links_dup
    assert world.engine.verify_audit().ok
    world.engine.close()


def test_a_rejected_pair_stays_rejected_after_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "engine.sqlite"
    world = _world(path)
    _persons(world)
    item = world.engine.review_items()[0]
    world.engine.reject_review(item.review_id, actor="usr_3", role="merge_owner")
    _reopen(world, path)

    world.register("ehr", "e-1", identifier="id-2", phone="+15550100")

    assert world.engine.review_items() == []
    assert [i.status.value for i in world.engine.review_items(open_only=False)] == ["rejected"]
    world.engine.close()


def test_the_link_history_is_kept_in_order(tmp_path: Path) -> None:
    path = tmp_path / "engine.sqlite"
    world = _world(path)
    ana, dup = _persons(world)
    merged = world.merge(ana, dup)
    assert isinstance(merged, PersonsMerged)
    world.unmerge(merged.merge_id)

    history = world.engine.link_history(E1)

    assert [(li.person, li.result.value, li.current) for li in history] == [
        (dup, "provisional", False),
        (ana, "merged", False),
        (dup, "provisional", True),
    ]
    world.engine.close()


# the default index: the real matcher, on the store's own connection -------------------------


def _real_record(system: str, record_id: str, **values: str) -> IdentityRecord:
    return MatchingParts.from_config().normalizer.record(system, record_id, **values)


ANA = {"given": "Ana", "family": "Garcia", "date_of_birth": "1980-02-03",
       "phone": "(555) 010-0123", "email": "ana.garcia@example.org"}  # fmt: skip


def test_the_default_index_links_the_same_person_from_two_systems(tmp_path: Path) -> None:
    engine = bootstrap(store=f"sqlite:{tmp_path / 'e.sqlite'}", policy=IdentityWorld().policy)

    first = engine.register_record(_real_record("ehr", "e-1", **ANA))
    second = engine.register_record(_real_record("crm", "c-1", **{**ANA, "given": "ana"}))

    assert second.band == "high" and second.person == first.person
    assert second.match_grade == "certain"
    engine.close()


class _SwitchableAudit(SqliteAuditLog):
    down = False

    def append(self, event: AuditEvent) -> AuditEntry:
        if self.down:
            raise AuditWriteError("audit store unavailable (test switch)")
        return super().append(event)


def test_a_registration_that_fails_its_audit_leaves_no_index_row(tmp_path: Path) -> None:
    path, keys = tmp_path / "e.sqlite", random_keys()
    policy = IdentityWorld().policy
    engine, audit = _switchable_engine(path, keys, policy)
    audit.down = True

    with pytest.raises(AuditWriteFailed):
        engine.register_record(_real_record("ehr", "e-1", **ANA))

    audit.down = False
    conn = engine._uow.conn  # type: ignore[attr-defined]
    assert conn.execute("SELECT count(*) FROM identity_records").fetchone()[0] == 0
    registered = engine.register_record(_real_record("ehr", "e-1", **ANA))
    assert registered.created
    assert conn.execute("SELECT count(*) FROM identity_records").fetchone()[0] == 1
    engine.close()


def _switchable_engine(
    path: Path, keys: AuditKeys, policy: Policy
) -> tuple[Engine, _SwitchableAudit]:
    uow = SqliteUnitOfWork.open(path, keys)
    audit = _SwitchableAudit(uow.conn, JsonlCheckpointStore(checkpoint_path_for(path)), keys)
    uow.audit = audit
    world = IdentityWorld()
    engine = Engine(MessageBus(uow, policy, world.clock, HANDLERS), policy=policy,
                    clock=world.clock)  # fmt: skip
    return engine, audit


def test_every_identity_record_survives_its_json_form(tmp_path: Path) -> None:
    world = IdentityWorld()
    ana, dup = _persons(world)
    merged = world.merge(ana, dup)
    assert isinstance(merged, PersonsMerged)
    world.write(E1, "medication_plan", "plan-b")
    uow = world.engine._uow

    with uow:
        record = uow.identity.merges.get(merged.merge_id)
        tracked = uow.identity.merges.tracked(merged.merge_id)
        person = uow.identity.persons.get(dup)
        links = uow.identity.links.history(E1)
        items = uow.identity.review.list(open_only=False)

    assert load_merge(dump_merge(record)) == record
    assert [load_tracked(dump_tracked(t)) for t in tracked] == tracked
    assert isinstance(tracked[0], TrackedWrite)
    assert load_person(dump_person(person)) == person
    assert [load_link(dump_link(li)) for li in links] == links
    assert [load_review(dump_review(i)) for i in items] == items
