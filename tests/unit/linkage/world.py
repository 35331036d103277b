"""An engine wired to the fake index, and writes made *by a source record*, for linkage tests.

Every write names the record that made it (``source_system`` / ``source_record``) and goes to
the person that record is linked to now, on the field's current version: the way a sync engine
routes a change from a system to the person the link table names.

Example::

    world = IdentityWorld()
    world.register("crm", "c-1", identifier="id-1")
    world.write(RecordKey("crm", "c-1"), "lead_source", "web_form")
"""

from __future__ import annotations

from datetime import timedelta
from itertools import count

from splitbrain.engine.bootstrap import bootstrap
from splitbrain.engine.domain.decisions import Decision
from splitbrain.engine.domain.identity.record import IdentityRecord, RecordKey
from splitbrain.engine.domain.linkage.merge import MergeRefused, PersonsMerged
from splitbrain.engine.domain.linkage.registration import RecordRegistered
from splitbrain.engine.domain.linkage.unmerge import PersonsUnmerged, UnmergeRefused
from splitbrain.engine.domain.policy import Provenance
from splitbrain.engine.domain.write import FieldState, Write
from splitbrain.engine.service_layer.clock import FixedClock
from splitbrain.engine.service_layer.engine import Engine
from tests.unit.linkage.fake_index import FakeIdentityIndex
from tests.unit.service_layer.small_policy import T0, small_policy

MERGE_OWNER = "merge_owner"
WRITABLE: dict[str, tuple[tuple[str, str], ...]] = {
    "crm": (("legal_name", "growth_ops"), ("lead_source", "growth_ops"),
            ("contact_preference", "growth_ops")),
    "ehr": (("medication_plan", "provider"),),
    "portal": (("contact_preference", "patient"),),
}  # fmt: skip
"""Per system: the (field, role) pairs the small policy lets it write at the first stage."""


class IdentityWorld:
    def __init__(self, store: str = "memory") -> None:
        self.clock = FixedClock(T0)
        self.index = FakeIdentityIndex()
        self.policy = small_policy()
        self.engine: Engine = bootstrap(
            store=store, policy=self.policy, clock=self.clock, identity_index=self.index
        )
        self._serial = count(1)

    def register(self, system: str, record_id: str, **values: str | None) -> RecordRegistered:
        self.clock.advance(timedelta(minutes=1))
        return self.engine.register_record(IdentityRecord(system, record_id, **values))

    def write(
        self, record: RecordKey, field: str, value: str, *, role: str | None = None
    ) -> Decision:
        """``record`` changes ``field``: sent to its person now, on the current version."""
        person = self.engine.record_person(record)
        assert person is not None, f"record {record} is not registered"
        return self.engine.ingest(self.addressed(person, record, field, value, role=role))

    def addressed(
        self, person: str, record: RecordKey, field: str, value: str, *, role: str | None = None
    ) -> Write:
        """A write by ``record`` addressed to ``person`` (maybe an id retired since), on the
        version the live person holds, as a system that never heard of a merge sends it."""
        n = next(self._serial)
        when = self.clock.advance(timedelta(minutes=1))
        live = self.engine.resolve_person(person)
        return Write(
            idempotency_key=f"{record}:evt-{n}",
            source_system=record.source_system,
            source_record=record.source_record_id,
            person=person,
            field=field,
            value=value,
            actor=f"usr_{n}",
            role=role or dict(WRITABLE[record.source_system])[field],
            base_version=self.engine.field(live, field).version,
            occurred_at=when,
            provenance=Provenance.USER_ENTERED,
        )

    def person_count(self) -> int:
        return self.engine.read(lambda uow: uow.identity.persons.count())

    def fields(self, person: str) -> dict[str, FieldState]:
        """The person's written fields, by name."""
        states = (self.engine.field(person, name) for name in self.policy.fields)
        return {s.field: s for s in states if s.version > 0}

    def links(self, person: str) -> dict[RecordKey, tuple[str, str, str]]:
        """The person's current links: record -> (person, result, source)."""
        return {
            link.record: (link.person, link.result.value, link.source.value)
            for link in self.engine.person_links(person)
        }

    def merge(
        self,
        survivor: str,
        retired: str,
        *,
        reason: str | None = "duplicate_intake",
        role: str = MERGE_OWNER,
    ) -> PersonsMerged | MergeRefused:
        return self.engine.merge(survivor, retired, actor="usr_merge", role=role, reason=reason)

    def unmerge(
        self,
        merge_id: str,
        *,
        reason: str | None = "wrong_merge",
        role: str = MERGE_OWNER,
        attribute: dict[RecordKey, str] | None = None,
    ) -> PersonsUnmerged | UnmergeRefused:
        return self.engine.unmerge(
            merge_id, actor="usr_merge", role=role, reason=reason, attribute=attribute
        )
