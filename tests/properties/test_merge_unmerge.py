"""Property: merge, writes attributed by source record, unmerge => exactly what a model says.

The engine (in memory, with the fake index) is compared after every step with a model far
simpler than the engine: a dict of field states per person and a dict of record owners. Writes
are made by source records and sent to the person the record belongs to now. A merge copies to
the survivor the fields it lacks and moves the retired person's records; an unmerge gives each
person its state from before the merge, overlaid with the last write made since by one of its
own records (or by a late record the unmerge attributes to it), and is refused when a late
record wrote and nobody said whose it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from itertools import count

from hypothesis import event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from splitbrain.engine.domain.decisions import FieldApplied
from splitbrain.engine.domain.identity.record import RecordKey
from splitbrain.engine.domain.linkage.merge import PersonsMerged
from splitbrain.engine.domain.linkage.unmerge import PersonsUnmerged, UnmergeRefused
from splitbrain.engine.domain.policy import Provenance
from splitbrain.engine.domain.write import FieldState
from tests.unit.linkage.world import WRITABLE, IdentityWorld

Fields = dict[str, FieldState]


@dataclass
class _Merge:
    merge_id: str
    survivor: str
    retired: str
    before: dict[str, Fields]
    owners: dict[RecordKey, str]
    """The owner of each record of either person at merge time."""
    writes: list[tuple[RecordKey, FieldState]] = field(default_factory=list)
    late: set[RecordKey] = field(default_factory=set)


class MergeUnmergeMachine(RuleBasedStateMachine):
    records = Bundle("records")

    def __init__(self) -> None:
        super().__init__()
        self.world = IdentityWorld()
        self.fields: dict[str, Fields] = {}
        self.owner: dict[RecordKey, str] = {}
        self.identifier: dict[RecordKey, str] = {}
        self.redirect: dict[str, str] = {}
        self.merge: _Merge | None = None
        self._ids = count(1)

    # model helpers ---------------------------------------------------------------------------

    def live(self, person: str) -> str:
        while person in self.redirect:
            person = self.redirect[person]
        return person

    def persons(self) -> list[str]:
        return sorted({self.live(p) for p in self.owner.values()})

    # rules -----------------------------------------------------------------------------------

    @initialize(target=records, system=st.sampled_from(sorted(WRITABLE)))
    def first_record(self, system: str) -> RecordKey:
        return self.register_new(system)

    @rule(target=records, system=st.sampled_from(sorted(WRITABLE)))
    def register_new(self, system: str) -> RecordKey:
        n = next(self._ids)
        registered = self.world.register(system, f"r-{n}", identifier=f"id-{n}")
        assert registered.created and registered.band == "none"
        self.owner[registered.record] = registered.person
        self.identifier[registered.record] = f"id-{n}"
        self.fields[registered.person] = {}
        return registered.record

    @rule(target=records, system=st.sampled_from(sorted(WRITABLE)), same_as=records)
    def register_same_identifier(self, system: str, same_as: RecordKey) -> RecordKey:
        n, identifier = next(self._ids), self.identifier[same_as]
        holders = {self.live(p) for r, p in self.owner.items() if self.identifier[r] == identifier}
        registered = self.world.register(system, f"r-{n}", identifier=identifier)
        if len(holders) > 1:  # a late record stayed with the survivor after an unmerge
            assert registered.band == "ambiguous" and registered.created
            self.fields[registered.person] = {}
            event("a record matching two persons at high")
        else:
            assert (registered.band, registered.person) == ("high", holders.pop())
            if self.merge is not None and registered.person == self.merge.survivor:
                self.merge.late.add(registered.record)
        self.owner[registered.record] = registered.person
        self.identifier[registered.record] = identifier
        return registered.record

    @rule(record=records, data=st.data())
    def write(self, record: RecordKey, data: st.DataObject) -> None:
        name, role = data.draw(st.sampled_from(WRITABLE[record.source_system]), label="field")
        value = f"v{next(self._ids)}"
        person = self.live(self.owner[record])
        previous = self.fields[person].get(name)

        decision = self.world.write(record, name, value)

        assert isinstance(decision, FieldApplied), decision
        write = decision.write
        state = FieldState(person, name, value, (previous.version if previous else 0) + 1,
                           Provenance.USER_ENTERED, record.source_system, role,
                           write.occurred_at, write.idempotency_key)  # fmt: skip
        self.fields[person][name] = state
        if self.merge is not None and person == self.merge.survivor:
            self.merge.writes.append((record, state))

    @precondition(lambda self: self.merge is None and len(self.persons()) >= 2)
    @rule(data=st.data())
    def merge_two(self, data: st.DataObject) -> None:
        survivor, retired = data.draw(st.permutations(self.persons()), label="pair")[:2]
        owners = {r: p for r, p in self.owner.items() if self.live(p) in (survivor, retired)}
        before = {p: dict(self.fields[p]) for p in (survivor, retired)}

        merged = self.world.merge(survivor, retired)

        assert isinstance(merged, PersonsMerged), merged
        self.merge = _Merge(merged.merge_id, survivor, retired, before, owners)
        for name, state in self.fields[retired].items():
            self.fields[survivor].setdefault(name, replace(state, person=survivor))
        self.redirect[retired] = survivor

    @precondition(lambda self: self.merge is not None)
    @rule(data=st.data())
    def unmerge(self, data: st.DataObject) -> None:
        assert self.merge is not None
        merge = self.merge
        late_writers = sorted({r for r, _ in merge.writes if r in merge.late})
        named = (
            data.draw(st.lists(st.sampled_from(late_writers), unique=True)) if late_writers else []
        )
        attribute = {
            r: data.draw(st.sampled_from([merge.survivor, merge.retired]), label=f"owner of {r}")
            for r in named
        }  # fmt: skip

        result = self.world.unmerge(merge.merge_id, attribute=attribute)

        unnamed = [r for r in late_writers if r not in attribute]
        if unnamed:
            assert isinstance(result, UnmergeRefused), result
            assert result.record in unnamed and result.field is not None
            event("unmerge refused: a late record wrote and nobody said whose it is")
            return
        assert isinstance(result, PersonsUnmerged), result
        event(f"unmerge re-attributed {min(len(merge.writes), 3)}+ writes")
        self._apply_unmerge(merge, attribute)

    def _apply_unmerge(self, merge: _Merge, attribute: dict[RecordKey, str]) -> None:
        owners = {**attribute, **merge.owners}
        for person in (merge.survivor, merge.retired):
            self.fields[person] = dict(merge.before[person])
        for record, state in merge.writes:
            person = owners[record]
            self.fields[person][state.field] = replace(state, person=person)
        for record, person in owners.items():
            self.owner[record] = person
        del self.redirect[merge.retired]
        self.merge = None

    @precondition(lambda self: self.merge is None and len(self.persons()) >= 2)
    @rule(data=st.data())
    def merge_then_unmerge_at_once(self, data: st.DataObject) -> None:
        survivor, retired = data.draw(st.permutations(self.persons()), label="pair")[:2]
        engine = self.world.engine
        before = [(self.world.fields(p), self.world.links(p), engine.person(p))
                  for p in (survivor, retired)]  # fmt: skip

        merged = self.world.merge(survivor, retired)
        assert isinstance(merged, PersonsMerged)
        undone = self.world.unmerge(merged.merge_id)

        assert isinstance(undone, PersonsUnmerged)
        after = [(self.world.fields(p), self.world.links(p), engine.person(p))
                 for p in (survivor, retired)]  # fmt: skip
        assert after == before
        event("merge then immediate unmerge")

    # the invariant ---------------------------------------------------------------------------

    @invariant()
    def engine_agrees_with_the_model(self) -> None:
        for person, fields in self.fields.items():
            assert self.world.fields(person) == fields, person
            assert self.world.engine.resolve_person(person) == self.live(person)
        for record, person in self.owner.items():
            assert self.world.engine.record_person(record) == self.live(person), record


MergeUnmergeMachine.TestCase.settings = settings(max_examples=40, stateful_step_count=25)
test_any_interleaving_of_merges_writes_and_unmerges_matches_the_model = MergeUnmergeMachine.TestCase

_SYSTEMS = st.sampled_from(sorted(WRITABLE))


@settings(max_examples=60)
@given(data=st.data(), systems=st.lists(_SYSTEMS, min_size=2, max_size=5))
def test_writes_then_merge_then_writes_then_unmerge_matches_the_model(
    data: st.DataObject, systems: list[str]
) -> None:
    machine = MergeUnmergeMachine()
    records = [machine.register_new(system) for system in systems]
    for _ in range(data.draw(st.integers(0, 3), label="extra records")):
        system, same_as = data.draw(_SYSTEMS), data.draw(st.sampled_from(records))
        records.append(machine.register_same_identifier(system, same_as))
    for _ in range(data.draw(st.integers(0, 6), label="writes before")):
        machine.write(data.draw(st.sampled_from(records)), data)
    machine.merge_two(data)
    for _ in range(data.draw(st.integers(0, 3), label="late records")):
        system, same_as = data.draw(_SYSTEMS), data.draw(st.sampled_from(records))
        records.append(machine.register_same_identifier(system, same_as))
    for _ in range(data.draw(st.integers(0, 8), label="writes after")):
        machine.write(data.draw(st.sampled_from(records)), data)
    machine.engine_agrees_with_the_model()

    machine.unmerge(data)

    machine.engine_agrees_with_the_model()
