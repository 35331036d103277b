"""Twins and households share phones and addresses, so a shared phone is not one person."""

from __future__ import annotations

from collections import defaultdict

from simulators.population import Person, PersonEntry


def _by_id(population: list[PersonEntry]) -> dict[str, Person]:
    return {e.person.gt_id: e.person for e in population}


def test_twins_share_family_birth_date_address_and_phone_but_not_given_name(
    population: list[PersonEntry],
) -> None:
    persons = _by_id(population)
    twins = [p for p in persons.values() if p.twin_of is not None]

    assert twins
    for p in twins:
        other = persons[p.twin_of or ""]
        assert other.twin_of == p.gt_id
        assert (p.family, p.birth_date, p.address, p.phone) == (
            other.family,
            other.birth_date,
            other.address,
            other.phone,
        )
        assert p.given != other.given
        assert p.email != other.email
        assert p.household_id == other.household_id is not None


def test_household_members_share_an_address_and_differ_in_birth_date(
    population: list[PersonEntry],
) -> None:
    households: dict[str, list[Person]] = defaultdict(list)
    for e in population:
        if e.person.household_id and not e.person.twin_of:
            households[e.person.household_id].append(e.person)

    assert households
    for members in households.values():
        assert len(members) >= 2
        assert len({m.address for m in members}) == 1
        assert len({m.birth_date for m in members}) == len(members)
        assert all(m.shared_address for m in members)


def test_some_households_share_one_phone_and_are_flagged(population: list[PersonEntry]) -> None:
    households: dict[str, list[Person]] = defaultdict(list)
    for e in population:
        if e.person.household_id and not e.person.twin_of:
            households[e.person.household_id].append(e.person)

    sharing = [m for m in households.values() if m[0].shared_phone]
    separate = [m for m in households.values() if not m[0].shared_phone]

    assert sharing and separate
    assert all(len({p.phone for p in m}) == 1 for m in sharing)
    assert all(len({p.phone for p in m}) == len(m) for m in separate)


def test_a_shared_phone_belongs_to_several_distinct_persons(
    population: list[PersonEntry],
) -> None:
    by_phone: dict[str, set[str]] = defaultdict(set)
    for e in population:
        by_phone[e.person.phone].add(e.person.gt_id)

    shared = [ids for ids in by_phone.values() if len(ids) > 1]

    assert shared
    persons = _by_id(population)
    assert all(all(persons[i].shared_phone for i in ids) for ids in shared)


def test_a_unit_cut_short_by_the_population_size_is_a_single_person() -> None:
    from simulators.population import PopulationConfig, generate

    config = PopulationConfig(twin_rate=0.0, household_rate=0.9)
    uncut = next(generate(10, 11, config)).person
    assert uncut.household_id is not None  # the first unit of this seed is a household

    alone = next(generate(1, 11, config)).person

    assert alone.household_id is None and not alone.shared_phone and not alone.shared_address
