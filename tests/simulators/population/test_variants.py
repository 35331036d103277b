"""Each divergence label explains exactly how a copy differs from the truth."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulators.population import Person, PersonEntry, SystemRecord
from simulators.population.phones import format_phone
from simulators.population.typos import typo
from simulators.population.variants import HOUSE_PHONE_FORMAT


def _pairs(population: list[PersonEntry]) -> list[tuple[Person, SystemRecord]]:
    return [(e.person, r) for e in population for r in e.records]


def _labelled(population: list[PersonEntry], kind: str) -> list[tuple[Person, SystemRecord]]:
    return [(p, r) for p, r in _pairs(population) if any(d.startswith(kind) for d in r.divergences)]


def _one_edit_apart(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) == 1:
        short, long_ = sorted((a, b), key=len)
        return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))
    if len(a) != len(b) or a == b:
        return False
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    swapped = len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
    return len(diff) == 1 or (swapped and a[diff[1]] == b[diff[0]])


def test_a_copy_without_divergences_equals_the_truth(population: list[PersonEntry]) -> None:
    clean = [(p, r) for p, r in _pairs(population) if not r.divergences]

    assert len(clean) > 1000
    for p, r in clean:
        lead = r.system == "crm" and p.stage == "lead"
        assert (r.given, r.family, r.email, r.sex, r.language) == (
            p.given,
            p.family,
            p.email,
            p.sex,
            p.language,
        )
        assert r.phone == format_phone(p.phone, HOUSE_PHONE_FORMAT[r.system])
        assert r.birth_date == (None if lead else p.birth_date.isoformat())
        assert r.address == (None if lead else p.address)


def test_a_nickname_copy_holds_the_preferred_name_as_given(population: list[PersonEntry]) -> None:
    copies = [
        (p, r)
        for p, r in _labelled(population, "nickname")
        if "typo:given" not in str(r.divergences)
    ]

    assert copies
    assert all(r.given == p.preferred_name for p, r in copies)


def test_a_romanized_copy_holds_the_latin_name(population: list[PersonEntry]) -> None:
    other_name_changes = ("married_name", "ascii_fold", "name_case", "typo")
    copies = [
        (p, r)
        for p, r in _labelled(population, "romanized")
        if not any(d.split(":")[0] in other_name_changes for d in r.divergences)
    ]

    assert copies
    assert all((r.given, r.family) == (p.given_latin, p.family_latin) for p, r in copies)
    assert all(p.given != p.given_latin or p.family != p.family_latin for p, r in copies)


def test_a_date_swap_copy_holds_day_and_month_exchanged(population: list[PersonEntry]) -> None:
    copies = [
        (p, r)
        for p, r in _labelled(population, "date_swap")
        if "missing:birth_date" not in r.divergences
    ]

    assert copies
    for p, r in copies:
        b = p.birth_date
        assert r.birth_date == f"{b.year:04d}-{b.day:02d}-{b.month:02d}"


def test_a_moved_copy_holds_the_previous_address(population: list[PersonEntry]) -> None:
    copies = [
        (p, r)
        for p, r in _labelled(population, "moved")
        if "typo:address_line" not in str(r.divergences)
    ]

    assert copies
    assert all(r.address in (p.previous_address, None) for p, r in copies)


def test_a_married_name_copy_holds_the_former_family_name(population: list[PersonEntry]) -> None:
    copies = [
        (p, r)
        for p, r in _labelled(population, "married_name")
        if not any(d.split(":")[0] in ("ascii_fold", "name_case", "typo") for d in r.divergences)
    ]

    assert copies
    assert all(r.family in (p.former_family, p.former_family_latin) for p, r in copies)
    assert all(r.family != p.family for p, r in copies)


def test_a_missing_field_is_none(population: list[PersonEntry]) -> None:
    copies = _labelled(population, "missing")

    assert copies
    for _, r in copies:
        field = next(d for d in r.divergences if d.startswith("missing:")).split(":")[1]
        assert getattr(r, field) is None


def test_a_phone_format_copy_differs_from_the_systems_house_format(
    population: list[PersonEntry],
) -> None:
    copies = [(p, r) for p, r in _labelled(population, "phone_format") if r.phone is not None]

    assert copies
    assert all(r.phone != format_phone(p.phone, HOUSE_PHONE_FORMAT[r.system]) for p, r in copies)


@pytest.mark.parametrize("target", ["given", "family"])
def test_a_name_typo_is_one_edit_from_the_untyped_name(
    population: list[PersonEntry], target: str
) -> None:
    name_changes = ("romanized", "married_name", "ascii_fold", "nickname", "name_case")
    copies = [
        (p, r)
        for p, r in _labelled(population, f"typo:{target}")
        if not any(d in name_changes for d in r.divergences)
    ]

    assert copies
    assert all(_one_edit_apart(getattr(p, target), getattr(r, target)) for p, r in copies)


def test_every_duplicate_record_diverges_and_is_flagged(population: list[PersonEntry]) -> None:
    duplicates = [r for e in population for r in e.records if r.duplicate]

    assert duplicates
    forced = ("typo", "missing", "nickname", "date_swap")
    assert all(any(d.split(":")[0] in forced for d in r.divergences) for r in duplicates)


def test_a_duplicate_lives_in_the_same_system_as_its_original(
    population: list[PersonEntry],
) -> None:
    for e in population:
        for dup in (r for r in e.records if r.duplicate):
            assert any(r.system == dup.system and not r.duplicate for r in e.records)


@given(
    st.text(alphabet=st.characters(categories=["Lu", "Ll"]), min_size=1, max_size=20),
    st.integers(0, 2**32),
)
def test_a_typo_always_changes_the_text_by_one_edit(text: str, seed: int) -> None:
    typed, op = typo(text, random.Random(seed))

    assert typed != text
    assert _one_edit_apart(text, typed), (text, typed, op)
