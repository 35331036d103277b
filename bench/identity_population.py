"""Shared by the identity benches: generated populations as normalized identity records.

Not a bench itself. ``population_records(people, seed, level)`` generates a population with
``simulators.population`` at a corruption level and returns every system record normalized
into an :class:`IdentityRecord`, with its ground-truth person id, in a seeded arrival order
(systems' records interleaved, as an ingest would see them).
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from simulators.population import PopulationConfig, SystemRecord, generate
from splitbrain.engine.adapters.identity.normalize import Normalizer
from splitbrain.engine.domain.identity.record import IdentityRecord


def to_identity(normalizer: Normalizer, r: SystemRecord) -> IdentityRecord:
    """A system record as the matcher sees it (the SSN as the canonical identifier)."""
    a = r.address
    return normalizer.record(
        r.system,
        r.record_id,
        identifier=r.ssn,
        given=r.given,
        family=r.family,
        date_of_birth=r.birth_date,
        sex=r.sex,
        phone=r.phone,
        email=r.email,
        address_line=a.line if a else None,
        city=a.city if a else None,
        postcode=a.postcode if a else None,
        state=a.state if a else None,
    )


def iter_population(people: int, seed: int, level: str) -> Iterator[tuple[SystemRecord, str]]:
    config = PopulationConfig.with_corruption(level)
    for entry in generate(people=people, seed=seed, config=config):
        for record in entry.records:
            yield record, entry.person.gt_id


def population_records(
    people: int, seed: int, level: str, normalizer: Normalizer | None = None
) -> list[tuple[IdentityRecord, str]]:
    """(normalized record, ground-truth id) for every record, shuffled with ``seed``."""
    normalizer = normalizer or Normalizer()
    out = [(to_identity(normalizer, r), gt) for r, gt in iter_population(people, seed, level)]
    random.Random(seed).shuffle(out)
    return out
