"""The index: unrelated records never change an existing pair's band, and blocking never misses
a pair that shares the canonical identifier, the phone or the email."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from splitbrain.engine.adapters.identity.factory import MatchingParts
from splitbrain.engine.adapters.identity.index_memory import MemoryIdentityIndex
from splitbrain.engine.domain.identity.record import IdentityRecord
from tests.properties.identity_strategies import records

PARTS = MatchingParts.from_config()


def _index() -> MemoryIdentityIndex:
    return MemoryIdentityIndex(PARTS.matcher, PARTS.blocking, max_block=50, max_exact_block=2000)


def _pair_band(index: MemoryIdentityIndex, record: IdentityRecord, person: str) -> str | None:
    for candidate in index.match(record).candidates:
        if candidate.person_id == person:
            return candidate.explanation.band
    found = [s for s in index.scored(record) if s.person_id == person]
    return PARTS.matcher.band(found[0].score, found[0].levels) if found else None


@given(records("ehr"), records("crm"), st.lists(records("portal"), max_size=12))
def test_adding_unrelated_records_never_changes_an_existing_pairs_band(
    held: IdentityRecord, arriving: IdentityRecord, others: list[IdentityRecord]
) -> None:
    index = _index()
    index.insert(held, "held-person")
    before = _pair_band(index, arriving, "held-person")

    for i, other in enumerate(others):
        index.insert(other, f"other-{i}")

    assert _pair_band(index, arriving, "held-person") == before


@given(records("ehr"), records("crm"), st.sampled_from(["identifier", "phone", "email"]),
       st.lists(records("portal"), max_size=8))  # fmt: skip
def test_blocking_never_misses_a_pair_sharing_identifier_phone_or_email(
    held: IdentityRecord, arriving: IdentityRecord, shared: str, others: list[IdentityRecord]
) -> None:
    value = held.value(shared) or arriving.value(shared) or "+12125550199"
    if shared == "email" and "@" not in value:
        value = "shared@example.org"
    if shared == "identifier":
        value = "999-88"
    held = _with(held, shared, value)
    arriving = _with(arriving, shared, value)
    index = _index()
    for i, other in enumerate(others):
        index.insert(other, f"other-{i}")
    index.insert(held, "held-person")

    assert held.key in {r.key for r, _ in index.candidates(arriving)}


def _with(record: IdentityRecord, field: str, value: str) -> IdentityRecord:
    from dataclasses import replace

    return replace(record, **{field: value})
