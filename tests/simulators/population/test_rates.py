"""At 5,000 persons the configured rates are honoured within 4.5 standard errors."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable

import pytest

from simulators.population import DivergenceConfig, Person, PersonEntry, PopulationConfig
from simulators.population.scripts import ascii_fold


def _close(observed: float, expected: float, n: int) -> bool:
    tolerance = 4.5 * math.sqrt(max(expected * (1 - expected), 1e-4) / n)
    return abs(observed - expected) <= tolerance


def _share(
    population: list[PersonEntry], kind: str, applies: Callable[[Person], bool]
) -> tuple[float, int]:
    copies = [
        (e.person, r)
        for e in population
        for r in e.records
        if not r.duplicate and applies(e.person)
    ]
    hits = sum(1 for _, r in copies if any(d.split(":")[0] == kind for d in r.divergences))
    return hits / len(copies), len(copies)


def _latin_single_name(p: Person) -> bool:
    return p.given == p.given_latin and p.family == p.family_latin and p.former_family is None


def _swappable(p: Person) -> bool:
    return p.birth_date.day <= 12 and p.birth_date.day != p.birth_date.month


APPLIES: dict[str, Callable[[Person], bool]] = {
    "phone_format": lambda p: True,
    "typo": lambda p: True,
    "missing": lambda p: True,
    "nickname": lambda p: p.preferred_name is not None,
    "married_name": lambda p: p.former_family is not None,
    "moved": lambda p: p.previous_address is not None,
    "romanized": lambda p: p.given != p.given_latin or p.family != p.family_latin,
    "date_swap": _swappable,
    "ascii_fold": lambda p: (
        _latin_single_name(p) and (ascii_fold(p.given), ascii_fold(p.family)) != (p.given, p.family)
    ),
    "name_case": lambda p: _latin_single_name(p) and p.family.upper() != p.family,
}


@pytest.mark.parametrize("kind", sorted(APPLIES))
def test_each_divergence_kind_occurs_at_its_configured_rate(
    population: list[PersonEntry], kind: str
) -> None:
    expected = getattr(DivergenceConfig(), kind)

    observed, n = _share(population, kind, APPLIES[kind])

    assert n > 200
    assert _close(observed, expected, n), (kind, observed, expected, n)


@pytest.mark.parametrize("system", ["ehr", "crm", "portal"])
def test_each_system_holds_duplicates_at_its_configured_rate(
    population: list[PersonEntry], system: str
) -> None:
    per_person = Counter(r.gt_id for e in population for r in e.records if r.system == system)

    observed = sum(1 for n in per_person.values() if n > 1) / len(per_person)

    assert _close(observed, DivergenceConfig().duplicates(system), len(per_person))


def test_crm_starts_with_about_twelve_percent_duplicated_persons(
    population: list[PersonEntry],
) -> None:
    crm = [r for e in population for r in e.records if r.system == "crm"]

    duplicated = {r.gt_id for r in crm if r.duplicate}

    assert 0.10 <= len(duplicated) / len(population) <= 0.14


def test_twins_and_households_occur_at_their_configured_shares(
    population: list[PersonEntry],
) -> None:
    config, n = PopulationConfig(), len(population)

    twins = sum(1 for e in population if e.person.twin_of) / n
    households = sum(1 for e in population if e.person.household_id and not e.person.twin_of) / n

    assert _close(twins, config.twin_rate, n // 2)  # twins come in pairs: half the evidence
    assert _close(households, config.household_rate, n // 3)


def test_stages_follow_the_configured_mix(population: list[PersonEntry]) -> None:
    counts = Counter(e.person.stage for e in population)

    for stage, weight in PopulationConfig().stage_mix:
        assert _close(counts[stage] / len(population), weight, len(population)), stage


def test_name_changes_and_moves_occur_at_their_configured_shares(
    population: list[PersonEntry],
) -> None:
    config, n = PopulationConfig(), len(population)

    renamed = sum(1 for e in population if e.person.former_family) / n
    moved = sum(1 for e in population if e.person.previous_address) / n

    # Twins never change name, so the observed share sits slightly under the rate.
    assert _close(renamed, config.name_change_rate * (1 - config.twin_rate), n)
    assert _close(moved, config.moved_rate, n)


def test_the_high_preset_diverges_more_than_the_low_preset() -> None:
    from simulators.population import generate

    def diverged(level: str) -> float:
        entries = list(generate(600, 2, PopulationConfig.with_corruption(level)))
        records = [r for e in entries for r in e.records]
        return sum(1 for r in records if r.divergences) / len(records)

    assert diverged("low") < diverged("medium") < diverged("high")
