"""Twins and households, so that "same phone" or "same address" is not "same person".

The generator draws *units*: a single person, a twin pair (same family name, date of birth,
address and phone; different given names), or a household of 2-4 persons (one address; one
phone when the household shares it; different dates of birth; usually one family name).
Unit probabilities are solved from the per-person rates in :class:`PopulationConfig`: with
``t`` the twin share, ``h`` the household share and households of mean size 3, the mean unit
size is ``E = 1 / (1 - t/2 - 2h/3)``, and a unit is twins with probability ``tE/2`` and a
household with probability ``hE/3``.
"""

from __future__ import annotations

import random
from datetime import date
from typing import NamedTuple

from simulators.population.config import PopulationConfig
from simulators.population.demographics import Demographics
from simulators.population.model import Address
from simulators.population.pools import LocalePool, NamePair

__all__ = ["Households", "Member", "UnitKind"]

UnitKind = str  # "single" | "twins" | "household"
_SAME_FAMILY_NAME = 0.7  # share of households whose members share a family name
_new_tuple = tuple.__new__


class Member(NamedTuple):
    """One person of a unit, before stage, contexts and identifiers are drawn."""

    locale: LocalePool
    sex: str
    given: NamePair
    family: NamePair
    birth_date: date
    address: Address
    phone: str
    household_id: str | None = None
    shared_phone: bool = False
    shared_address: bool = False


class Households:
    """Draws one unit of members at a time."""

    __slots__ = ("_count", "_demo", "_p_household", "_p_twins", "_rng", "_shared_phone")

    def __init__(self, config: PopulationConfig, demo: Demographics, rng: random.Random) -> None:
        mean = 1.0 / (1.0 - config.twin_rate / 2 - 2 * config.household_rate / 3)
        self._p_twins = config.twin_rate * mean / 2
        self._p_household = config.household_rate * mean / 3
        self._shared_phone = config.household_shared_phone
        self._demo, self._rng, self._count = demo, rng, 0

    def next_unit(self) -> tuple[UnitKind, list[Member]]:
        draw = self._rng.random()
        if draw < self._p_twins:
            return "twins", self._twins()
        if draw < self._p_twins + self._p_household:
            return "household", self._household()
        return "single", [self._single()]

    def _household_id(self) -> str:
        self._count += 1
        return f"hh_{self._count:06d}"

    def _single(self) -> Member:
        demo = self._demo
        locale = demo.locale()
        sex = "female" if self._rng.random() < 0.5 else "male"  # demo.sex(), inlined
        fields = (
            locale,
            sex,
            demo.given(locale, sex),
            demo.family(locale, sex),
            demo.birth_date(),
            demo.address(),
            demo.phone(),
            None,
            False,
            False,
        )
        return _new_tuple(Member, fields)  # Member(...) without its Python-level __new__

    def _twins(self) -> list[Member]:
        demo, hh = self._demo, self._household_id()
        locale, born, address, phone = (
            demo.locale(),
            demo.birth_date(),
            demo.address(),
            demo.phone(),
        )
        first_sex, second_sex = demo.sex(), demo.sex()
        if _gendered(locale):  # one surname form for both: same-sex twins
            second_sex = first_sex
        family = demo.family(locale, first_sex)
        first = demo.given(locale, first_sex)
        second = demo.given(locale, second_sex, avoid=first[0])
        return [
            Member(locale, sex, given, family, born, address, phone, hh, True, True)
            for sex, given in ((first_sex, first), (second_sex, second))
        ]

    def _household(self) -> list[Member]:
        demo, rng, hh = self._demo, self._rng, self._household_id()
        locale, address = demo.locale(), demo.address()
        shared = rng.random() < self._shared_phone
        phone = demo.phone() if shared else None
        family: NamePair | None = None
        members: list[Member] = []
        for _ in range(2 + int(rng.random() * 3)):
            sex = demo.sex()
            if family is None or _gendered(locale) or rng.random() >= _SAME_FAMILY_NAME:
                family = demo.family(locale, sex)
            born = demo.birth_date(avoid=frozenset(m.birth_date for m in members))
            members.append(
                Member(
                    locale,
                    sex,
                    demo.given(locale, sex),
                    family,
                    born,
                    address,
                    phone or demo.phone(),
                    hh,
                    shared,
                    True,
                )
            )
        return members


def _gendered(locale: LocalePool) -> bool:
    """True where family names take a form by sex (Russian), so one form cannot be shared."""
    return locale.family_female is not locale.family_male
