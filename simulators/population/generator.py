"""The seeded, streaming generator of persons and their system records.

>>> from simulators.population import generate
>>> entry = next(generate(people=10, seed=7))
>>> entry.person.gt_id, [r.system for r in entry.records][:1]
('gt_000001', ['ehr'])

One ``random.Random(seed)`` drives every draw in a fixed order, and Faker is only used through
the per-seed pools, so the same ``(people, seed, config)`` always yields the same entries.
Entries are yielded one household unit at a time: a million persons never need to be held.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from simulators.population.canaries import canary_tokens
from simulators.population.config import PopulationConfig
from simulators.population.contexts import ContextFactory
from simulators.population.demographics import Demographics
from simulators.population.errors import PopulationConfigError
from simulators.population.households import Households, Member
from simulators.population.identifiers import SyntheticIds
from simulators.population.model import Person, PersonEntry
from simulators.population.pools import pools_for
from simulators.population.variants import VariantModel

__all__ = ["generate", "gt_id"]


def gt_id(index: int) -> str:
    """The ground-truth id of the person at 0-based generation ``index``: ``gt_000001``."""
    # %-format: twice as fast as a format spec, and ids are made in the hot loop
    return "gt_%06d" % (index + 1)  # noqa: UP031


def generate(
    people: int, seed: int, config: PopulationConfig | None = None
) -> Iterator[PersonEntry]:
    """Yield ``people`` persons, each with every record each system holds of them."""
    if people < 0:
        raise PopulationConfigError("people must be >= 0; pass the number of persons to make")
    return _Generator(seed, config or PopulationConfig()).entries(people)


class _Generator:
    __slots__ = (
        "_canary",
        "_cfg",
        "_contexts",
        "_demo",
        "_ids",
        "_rng",
        "_seed",
        "_units",
        "_variants",
    )

    def __init__(self, seed: int, config: PopulationConfig) -> None:
        self._seed, self._cfg = seed, config
        self._rng = rng = random.Random(seed)
        self._demo = Demographics(pools_for(seed), rng, config.as_of)
        self._units = Households(config, self._demo, rng)
        self._contexts = ContextFactory(config, rng)
        self._ids = SyntheticIds(seed)
        self._canary = canary_tokens(seed)
        self._variants = VariantModel(config.divergence, rng, self._ids)

    def entries(self, people: int) -> Iterator[PersonEntry]:
        index = 0
        next_unit, person_of, records = self._units.next_unit, self._person, self._variants.records
        while index < people:
            kind, members = next_unit()
            members = members[: people - index]
            if len(members) == 1 and kind != "single":  # a unit cut short by ``people``
                members, kind = [_alone(members[0])], "single"
            twins = kind == "twins"
            for offset, member in enumerate(members):
                twin_of = gt_id(index + 1 - offset) if twins else None
                person, systems = person_of(index + offset, member, twin_of)
                yield PersonEntry(person, records(person, systems))
            index += len(members)

    def _person(
        self, index: int, member: Member, twin_of: str | None
    ) -> tuple[Person, tuple[str, ...]]:
        rng, demo, ctx, cfg = self._rng, self._demo, self._contexts, self._cfg
        gid = gt_id(index)
        given, given_latin = member.given
        family, family_latin = member.family
        preferred = demo.preferred_name(given) if given == given_latin else None
        former = None
        if twin_of is None and rng.random() < cfg.name_change_rate:
            former = demo.family(member.locale, member.sex, avoid=family)
        previous = demo.address() if rng.random() < cfg.moved_rate else None
        stage = ctx.stage()
        systems = ctx.systems(stage)
        canary = self._canary(gid)
        portal = ctx.portal(stage) if "portal" in systems else None
        languages = member.locale.languages
        person = Person(  # positional: a keyword call of 25 fields costs a microsecond more
            gid,
            given,
            family,
            given_latin,
            family_latin,
            preferred,
            former[0] if former else None,
            former[1] if former else None,
            member.birth_date,
            member.sex,
            member.phone,
            demo.email(given_latin, family_latin, index + 1),
            member.address,
            previous,
            languages[int(rng.random() * len(languages))],  # pick(), inlined
            self._ids.ssn(index),
            stage,
            canary,
            member.household_id,
            twin_of,
            member.shared_phone,
            member.shared_address,
            ctx.clinical(stage, canary),
            ctx.crm(stage, portal),
            portal,
        )
        return person, systems


def _alone(member: Member) -> Member:
    return member._replace(household_id=None, shared_phone=False, shared_address=False)
