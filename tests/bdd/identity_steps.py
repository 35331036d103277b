"""Gherkin steps for features/duplicates: records arrive and the identity index decides.

Records are written as ``given "Ana", family "Okafor", born "1984-07-09", phone "..."``; the
steps normalize them as ingest does and run them through an in-memory identity index built
from the shipped config (the real matcher, not a fake). Persons are named (P1, P2) by the
Given steps; a record sent by a When step goes through ``match_and_insert``. State travels
through the ``duplicates`` fixture. ``test_duplicates.py`` imports these steps.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

import pytest
from pytest_bdd import given, parsers, then, when

from splitbrain.engine.adapters.identity.factory import MatchingParts
from splitbrain.engine.adapters.identity.index_memory import MemoryIdentityIndex
from splitbrain.engine.domain.identity.decision import MatchDecision
from splitbrain.engine.domain.identity.record import IdentityRecord

SYSTEMS = {"EHR": "ehr", "CRM": "crm", "portal": "portal"}
WORDS = {"born": "date_of_birth", "address": "address_line"}
_PAIR = re.compile(r'(\w+) "([^"]*)"')


@dataclass
class Duplicates:
    parts: MatchingParts = field(default_factory=MatchingParts.from_config)
    index: MemoryIdentityIndex | None = None
    decision: MatchDecision | None = None
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        b = self.parts.config.blocking
        self.index = MemoryIdentityIndex(
            self.parts.matcher, self.parts.blocking, b.max_block_size, b.max_exact_block_size
        )

    def record(self, system: str, record_id: str, fields: str) -> IdentityRecord:
        raw = {WORDS.get(name, name): value for name, value in _PAIR.findall(fields)}
        return self.parts.normalizer.record(SYSTEMS[system], record_id, **raw)

    @property
    def held(self) -> MemoryIdentityIndex:
        assert self.index is not None
        return self.index

    @property
    def last(self) -> MatchDecision:
        assert self.decision is not None, "no record was sent"
        return self.decision


@pytest.fixture
def duplicates() -> Duplicates:
    return Duplicates()


@given(parsers.re(r'person (?P<person>\w+) has the (?P<system>EHR|CRM|portal) record '
                  r'"(?P<record_id>[^"]+)": (?P<fields>.+)'))  # fmt: skip
def person_has_record(
    duplicates: Duplicates, person: str, system: str, record_id: str, fields: str
) -> None:
    duplicates.held.insert(duplicates.record(system, record_id, fields), person)


@when(parsers.re(r'the (?P<system>EHR|CRM|portal) sends record "(?P<record_id>[^"]+)": '
                 r"(?P<fields>.+)"))  # fmt: skip
def system_sends_record(duplicates: Duplicates, system: str, record_id: str, fields: str) -> None:
    record = duplicates.record(system, record_id, fields)
    duplicates.decision = duplicates.held.match_and_insert(
        record, lambda: f"new-{next(duplicates.ids)}"
    )


@then(parsers.parse("the record links to person {person}"))
def record_links_to(duplicates: Duplicates, person: str) -> None:
    decision = duplicates.last
    assert decision.band == "high", decision.text()
    assert decision.assigned_person_id == person
    assert duplicates.held.person_of(decision.record.key) == person


@then("the record is filed under a new person")
def record_filed_new(duplicates: Duplicates) -> None:
    decision = duplicates.last
    assert not decision.links, decision.text()
    assert decision.assigned_person_id is not None
    assert decision.assigned_person_id.startswith("new-")


@then(parsers.parse("the decision band is {band}"))
def decision_band(duplicates: Duplicates, band: str) -> None:
    assert duplicates.last.band == band, duplicates.last.text()


@then(parsers.parse('the match grade is "{grade}"'))
def match_grade_is(duplicates: Duplicates, grade: str) -> None:
    assert duplicates.last.match_grade == grade


@then(parsers.parse("the explanation shows {comparison} at level {level}"))
def explanation_level(duplicates: Duplicates, comparison: str, level: str) -> None:
    explanation = duplicates.last.explanation
    assert explanation is not None
    assert explanation.levels()[comparison] == level, explanation.text()
    assert f"{comparison} " in explanation.text()


@then("a merge review is due")
def review_due(duplicates: Duplicates) -> None:
    assert duplicates.last.needs_review, duplicates.last.text()


@then(
    parsers.parse("persons {first} and {second} are flagged as possible duplicates of each other")
)
def flagged(duplicates: Duplicates, first: str, second: str) -> None:
    assert set(duplicates.last.possible_duplicates) == {first, second}
