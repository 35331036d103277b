"""Gherkin steps for features/merges: registrations, merges, unmerges and the review queue.

They read like the runbook and call the same ``IdentityWorld`` driver as the unit and property
tests (an engine in memory with a deterministic identity index). State travels through the
``merges`` fixture. Every person has a name; a record "for Ana" carries Ana's identifier and
phone, so it links to Ana at high; "under another identifier" keeps only her phone (a probable
duplicate: the review band); "under another identifier and phone" shares nothing (a new person).

``test_merges.py`` imports these steps and binds the features.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from pytest_bdd import given, parsers, then, when

from splitbrain.engine.domain.identity.record import IdentityRecord, RecordKey
from splitbrain.engine.domain.linkage.merge import MergeRefused, PersonsMerged
from splitbrain.engine.domain.linkage.registration import ManualLinkKept, RecordRegistered
from splitbrain.engine.domain.linkage.unmerge import PersonsUnmerged, UnmergeRefused
from splitbrain.engine.service_layer.events import Event
from splitbrain.engine.service_layer.identity_commands import RegisterRecord
from tests.unit.linkage.world import MERGE_OWNER, IdentityWorld

SYSTEMS = {"CRM": "crm", "EHR": "ehr", "portal": "portal"}
PHONES = {"Ana": "+15550100", "Ben": "+15550101", "Cara": "+15550102"}
Snapshot = dict[str, tuple[object, ...]]


@dataclass
class MergeContext:
    world: IdentityWorld = field(default_factory=IdentityWorld)
    keys: dict[str, RecordKey] = field(default_factory=dict)
    first_person: dict[str, str] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    merged: PersonsMerged | None = None
    result: object = None
    before: Snapshot = field(default_factory=dict)

    def person_of(self, record: str) -> str:
        person = self.world.engine.record_person(self.keys[record])
        assert person is not None, f"record {record} is not registered"
        return person

    def snapshot(self, *persons: str) -> Snapshot:
        w = self.world
        return {p: (w.fields(p), w.links(p), w.engine.person(p)) for p in persons}


@pytest.fixture
def merges() -> MergeContext:
    return MergeContext()


_REGISTER = (
    r'the (?P<system>CRM|EHR|portal) (?:registers|sends an update of) record "(?P<record>[^"]+)" '
    r"for (?P<name>\w+)(?P<how> under another identifier and phone| under another identifier)?$"
)


@given(parsers.re(_REGISTER))
@when(parsers.re(_REGISTER))
def _register(merges: MergeContext, system: str, record: str, name: str, how: str | None) -> None:
    identifier = f"id-{name}" if how is None else f"id-{name}-{record}"
    phone = None if how == " under another identifier and phone" else PHONES[name]
    command = RegisterRecord(IdentityRecord(SYSTEMS[system], record, identifier=identifier,
                                            phone=phone))  # fmt: skip
    merges.events = merges.world.engine.handle(command)
    registered = merges.events[0]
    assert isinstance(registered, RecordRegistered)
    merges.keys[record] = registered.record
    merges.first_person.setdefault(record, registered.person)


@given(parsers.parse('record "{record}" sets {name} to "{value}"'))
@when(parsers.parse('record "{record}" sets {name} to "{value}"'))
def _sets(merges: MergeContext, record: str, name: str, value: str) -> None:
    merges.world.write(merges.keys[record], name, value)


_MERGE = (
    r'(?P<who>the merge owner|\w+) merges the person of record "(?P<retired>[^"]+)" into the '
    r'person of record "(?P<survivor>[^"]+)" (?:because "(?P<reason>[^"]+)"|without a reason)$'
)


@given(parsers.re(_MERGE))
@when(parsers.re(_MERGE))
def _merge(merges: MergeContext, who: str, retired: str, survivor: str, reason: str | None) -> None:
    role = MERGE_OWNER if who == "the merge owner" else who
    keep, gone = merges.person_of(survivor), merges.person_of(retired)
    merges.before = merges.snapshot(keep, gone)
    merges.result = merges.world.merge(keep, gone, reason=reason, role=role)
    if isinstance(merges.result, PersonsMerged):
        merges.merged = merges.result


_UNMERGE = (
    r"the merge owner undoes the merge"
    r'(?: saying record "(?P<record>[^"]+)" belongs to the (?P<whose>retired|surviving) person)?$'
)


@given(parsers.re(_UNMERGE))
@when(parsers.re(_UNMERGE))
def _unmerge(merges: MergeContext, record: str | None, whose: str | None) -> None:
    merged = merges.merged
    assert merged is not None, "no merge to undo"
    attribute = None
    if record is not None:
        attribute = {merges.keys[record]: merged.retired if whose == "retired" else merged.survivor}
    merges.result = merges.world.unmerge(merged.merge_id, attribute=attribute)


@given(parsers.parse('the merge owner accepts that review because "{reason}"'))
@when(parsers.parse('the merge owner accepts that review because "{reason}"'))
def _accept(merges: MergeContext, reason: str) -> None:
    engine = merges.world.engine
    item = engine.review_items()[-1]
    merges.result = engine.accept_review(item.review_id, actor="usr_3", role=MERGE_OWNER,
                                         reason=reason)  # fmt: skip
    assert isinstance(merges.result, PersonsMerged), merges.result


@when("the merge owner rejects that review")
def _reject(merges: MergeContext) -> None:
    engine = merges.world.engine
    item = engine.review_items()[-1]
    merges.result = engine.reject_review(item.review_id, actor="usr_3", role=MERGE_OWNER)


# outcomes ----------------------------------------------------------------------------------


@then(parsers.parse('record "{record}" belongs to the person of record "{other}"'))
def _same(merges: MergeContext, record: str, other: str) -> None:
    assert merges.person_of(record) == merges.person_of(other)


@then(parsers.parse('record "{record}" belongs to a different person than record "{other}"'))
def _different(merges: MergeContext, record: str, other: str) -> None:
    assert merges.person_of(record) != merges.person_of(other)


@then("both persons are exactly as they were before the merge")
def _restored(merges: MergeContext) -> None:
    assert isinstance(merges.result, PersonsUnmerged), merges.result
    assert merges.snapshot(*merges.before) == merges.before


@then(parsers.parse('the {name} of the person of record "{record}" is "{value}"'))
def _value(merges: MergeContext, name: str, record: str, value: str) -> None:
    assert merges.world.fields(merges.person_of(record))[name].value == value


@then(parsers.parse('the person of record "{record}" has no {name}'))
def _no_value(merges: MergeContext, record: str, name: str) -> None:
    assert name not in merges.world.fields(merges.person_of(record))


@then(parsers.parse('the unmerge is refused naming {name} and record "{key}"'))
def _unmerge_refused(merges: MergeContext, name: str, key: str) -> None:
    refused = merges.result
    assert isinstance(refused, UnmergeRefused), refused
    assert (refused.field, str(refused.record)) == (name, key)
    assert name in refused.explanation and key in refused.explanation


@then(parsers.parse("the merge is refused as {refusal}"))
def _merge_refused(merges: MergeContext, refusal: str) -> None:
    refused = merges.result
    assert isinstance(refused, MergeRefused), refused
    assert refused.refusal.value == refusal


@then(parsers.parse("the audit log records the refused merge as {refusal}"))
def _audited(merges: MergeContext, refusal: str) -> None:
    last = merges.world.engine.audit_entries()[-1].event
    assert (last.action, last.outcome.value, last.reason) == ("identity.merge", "rejected", refusal)


@then(parsers.parse('the first id of record "{record}" resolves to the person of record "{other}"'))
def _resolves(merges: MergeContext, record: str, other: str) -> None:
    first = merges.first_person[record]
    assert merges.world.engine.resolve_person(first) == merges.person_of(other)


@then(parsers.parse('a merge review pairs record "{record}" with record "{other}"'))
def _review_pairs(merges: MergeContext, record: str, other: str) -> None:
    pairs = [(i.person, i.candidate) for i in merges.world.engine.review_items()]
    assert pairs == [(merges.person_of(record), merges.person_of(other))]


@then("no merge review is open")
def _no_review(merges: MergeContext) -> None:
    assert merges.world.engine.review_items() == []


@then(parsers.parse('the engine kept the manual link of record "{record}"'))
def _kept(merges: MergeContext, record: str) -> None:
    kept = [e for e in merges.events if isinstance(e, ManualLinkKept)]
    assert [e.record for e in kept] == [merges.keys[record]]
    assert merges.world.engine.audit_entries()[-1].event.action == "identity.link.keep"
