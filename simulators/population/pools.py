"""Pools of names, streets and cities drawn from seeded Faker instances once per seed.

Faker takes 100-300 us per name, far too slow for 10,000 persons a second, so each seed draws
a few thousand values once (cached) and the generator samples them with its own
``random.Random``. Drawing with repetition from Faker's weighted lists keeps common names
common. Names are ``(text, latin)`` pairs: the name as written in its own script, and in Latin
letters (the same object when the script is Latin).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

from faker import Faker

from simulators.population import scripts
from simulators.population.sampling import weighted

__all__ = ["LocalePool", "NamePair", "Pools", "pools_for"]

NamePair = tuple[str, str]

# locale, weight, languages (drawn uniformly), given-name pool size, family pool size
_LOCALES: tuple[tuple[str, float, tuple[str, ...], int, int], ...] = (
    ("en_US", 0.66, ("en",), 300, 400),
    ("es_MX", 0.14, ("es", "es", "en"), 80, 120),
    ("en_IE", 0.02, ("en",), 30, 50),
    ("fr_FR", 0.02, ("fr", "en"), 30, 50),
    ("de_DE", 0.02, ("de", "en"), 30, 50),
    ("it_IT", 0.02, ("it", "en"), 30, 50),
    ("pl_PL", 0.02, ("pl", "en"), 30, 50),
    ("pt_BR", 0.02, ("pt", "en"), 30, 50),
    ("ru_RU", 0.02, ("ru", "en"), 30, 50),
    ("ja_JP", 0.02, ("ja", "en"), 30, 50),
    ("zh_CN", 0.04, ("zh", "en"), 0, 0),
)
_HYPHENATED_SURNAMES = 0.25  # es_MX double surnames written with a hyphen


@dataclass(frozen=True, slots=True)
class LocalePool:
    locale: str
    languages: tuple[str, ...]
    female: tuple[NamePair, ...]
    male: tuple[NamePair, ...]
    family_female: tuple[NamePair, ...]
    family_male: tuple[NamePair, ...]


@dataclass(frozen=True, slots=True)
class Pools:
    locales: tuple[LocalePool, ...]
    cum_weights: tuple[float, ...]
    streets: tuple[str, ...]
    cities: tuple[tuple[str, str], ...]  # (city, state)

    def pick_locale(self, rng: random.Random) -> LocalePool:
        return weighted(rng, self.locales, self.cum_weights)


@lru_cache(maxsize=4)
def pools_for(seed: int) -> Pools:
    """The pools of one seed: the same seed always gives the same pools."""
    rng = random.Random(f"pools:{seed}")
    locales = tuple(_locale_pool(seed, rng, spec) for spec in _LOCALES)
    fake = _faker("en_US", seed + 1)
    streets = tuple(fake.street_name() for _ in range(300))
    cities = tuple((fake.city(), fake.state_abbr(include_territories=False)) for _ in range(150))
    weights = tuple(accumulate(w for _, w, _, _, _ in _LOCALES))
    return Pools(locales, weights, streets, cities)


def _faker(locale: str, seed: int) -> Faker:
    fake = Faker(locale)
    fake.seed_instance(seed)
    return fake


def _locale_pool(
    seed: int, rng: random.Random, spec: tuple[str, float, tuple[str, ...], int, int]
) -> LocalePool:
    locale, _, languages, n_given, n_family = spec
    if locale == "zh_CN":
        fam = scripts.CHINESE_FAMILY
        return LocalePool(
            locale, languages, scripts.CHINESE_GIVEN_FEMALE, scripts.CHINESE_GIVEN_MALE, fam, fam
        )
    fake = _faker(locale, seed)
    if locale == "ja_JP":
        return LocalePool(
            locale,
            languages,
            tuple(_kanji_romaji(fake.first_name_female_pair()) for _ in range(n_given)),
            tuple(_kanji_romaji(fake.first_name_male_pair()) for _ in range(n_given)),
            fam_ja := tuple(_kanji_romaji(fake.last_name_pair()) for _ in range(n_family)),
            fam_ja,
        )
    if locale == "ru_RU":
        return LocalePool(
            locale,
            languages,
            tuple(_cyrillic(fake.first_name_female()) for _ in range(n_given)),
            tuple(_cyrillic(fake.first_name_male()) for _ in range(n_given)),
            tuple(_cyrillic(fake.last_name_female()) for _ in range(n_family)),
            tuple(_cyrillic(fake.last_name_male()) for _ in range(n_family)),
        )
    family = tuple(_latin(_surname(fake, rng, locale)) for _ in range(n_family))
    return LocalePool(
        locale,
        languages,
        tuple(_latin(fake.first_name_female()) for _ in range(n_given)),
        tuple(_latin(fake.first_name_male()) for _ in range(n_given)),
        family,
        family,
    )


def _surname(fake: Faker, rng: random.Random, locale: str) -> str:
    name: str = fake.last_name()
    if locale == "es_MX" and rng.random() < _HYPHENATED_SURNAMES:
        name = f"{name}-{fake.last_name()}"
    return name


def _latin(name: str) -> NamePair:
    return (name, name)


def _cyrillic(name: str) -> NamePair:
    return (name, scripts.transliterate_cyrillic(name))


def _kanji_romaji(triple: tuple[str, str, str]) -> NamePair:
    return (triple[0], triple[2])
